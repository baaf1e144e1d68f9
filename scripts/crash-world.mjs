/* global URL */
// The crash tick's world as bench/crash.ts builds it, from any build's dist (the A/B scripts load two builds, each
// with its own world code): the bench world, the maker, 4,000 warm-up ticks of +-5 bp, the maker re-quoted at the
// crash price; then a snapshot of it and the crash command (one price dropping M0-PERP by DROP_PCT). Shared by
// scripts/crash-ab.mjs and scripts/profile-crash.mjs. Also the events' hash both print (equal hashes: the same events).
import { createHash } from 'node:crypto';

/** `dist`: a file: URL of a build's dist folder. Returns the build's Engine, the world's snapshot and the crash command. */
export async function crashWorld(dist, accounts, dropPct) {
  const { buildWorld, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { quoteMaker, setupMaker } = await import(`${dist}/bench/maker.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
  const world = buildWorld({ accounts, markets: 10, seed: 42 });
  setupMaker(world, 10);
  for (let i = 0; i < 4000; i++) {
    const m = i % 10;
    const px = i % 20 < 10 ? (START_PRICE * 10_005n) / 10_000n : START_PRICE;
    world.apply({ kind: 'price', tsMs: world.timeMs + 1, market: `M${m}-PERP`, mark: price(px) });
  }
  const crash = (START_PRICE * (100n - BigInt(dropPct))) / 100n;
  quoteMaker(world, 0, crash, world.timeMs + 1);
  return { Engine, snap: world.snapshot(), cmd: { kind: 'price', tsMs: world.timeMs + 1, market: 'M0-PERP', mark: price(crash) } };
}

// This checkout's canonical JSON (the journal's bytes), for every build's events alike.
const { canonicalJson } = await import(new URL('../dist/src/core/engine/snapshot.js', import.meta.url).href);

/**
 * The first 16 hex digits of the SHA-256 of the events' canonical JSON, one event after another (keys sorted: the
 * order of an event's fields in its object is not the event; since 2026-12-07 s69 the engine stamps each body in
 * place, the stamp last). bench/crash.ts hashes the same way.
 */
export function eventsHash(events) {
  const hash = createHash('sha256');
  for (const e of events) hash.update(canonicalJson(e));
  return hash.digest('hex').slice(0, 16);
}

/**
 * src/cli/heap.ts collectAndSettle from this checkout's build: a full GC, then a wait until its background sweeping is
 * done, so that a crash tick timed next does not share the cores with it (~200 ms of a 1M tick; docs/performance.md
 * "2026-12-04, last"). Needs node --expose-gc.
 */
export async function settleHeap() {
  const { collectAndSettle } = await import(new URL('../dist/src/cli/heap.js', import.meta.url).href);
  return collectAndSettle();
}
