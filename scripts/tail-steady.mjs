/* global process, console, performance */
// The +-5 bp recovery tail's steady state: a bench world restored from its snapshot (as profile-tail.mjs does), WARM
// ticks applied untimed (the first ticks liquidate what the restore found in breach and pay for first touches), then
// TAIL ticks timed in three thirds after a full GC, with the events counted (HASH=1: and hashed, to compare builds).
// Prints the restore's wall time and µs a tick for each third. For the tail's cost against the world's size (run it at
// several ACCOUNTS: the per-tick cost over the MarginCall events a tick) and for node or V8 flags (run it with them).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=64 --no-allocation-site-pretenuring \
//     scripts/tail-steady.mjs [ACCOUNTS=1000000] [WARM=50000] [TAIL=150000] [LABEL]
// BUILT=1: on the world as bench/world.ts builds it, no snapshot or restore (restore 0 ms is printed).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, tailTicks } = await import(`${dist}/bench/world.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const [accounts, warm, tail] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 50_000), Number(process.argv[4] ?? 150_000)];
const label = process.argv[5] ?? `${accounts.toLocaleString('en')} accounts`;
const MARKETS = 10;

/** The world's snapshot and clock; the world itself is dropped (only the restored engine stays). */
function snapshotOfWorld() {
  const world = buildWorld({ accounts, markets: MARKETS, seed: 42 });
  return { snapshot: world.snapshot(), timeMs: world.timeMs };
}
// BUILT=1: the tail on the world as built, not restored (its memory laid out as the build left it).
const built = process.env.BUILT === '1' ? buildWorld({ accounts, markets: MARKETS, seed: 42 }) : null;
const { snapshot, timeMs } = built === null ? snapshotOfWorld() : { snapshot: null, timeMs: built.timeMs };
const nextTick = tailTicks(MARKETS, rng(7)); // the journal-recovery bench's tail
const commands = Array.from({ length: warm + tail }, (_, i) => nextTick(i, timeMs + 1));
let t = performance.now();
const engine = built ?? Engine.restore(snapshot);
const restoreMs = built === null ? performance.now() - t : 0;
for (let i = 0; i < warm; i++) engine.apply(commands[i]);
globalThis.gc?.();
const hash = process.env.HASH === '1' ? createHash('sha256') : null;
const thirds = [];
let events = 0;
let calls = 0;
for (let r = 0; r < 3; r++) {
  const from = warm + Math.floor((r * tail) / 3);
  const to = warm + Math.floor(((r + 1) * tail) / 3);
  t = performance.now();
  for (let i = from; i < to; i++) {
    const out = engine.apply(commands[i]);
    events += out.length;
    for (const e of out) {
      if (e.kind === 'MarginCall') calls++;
      hash?.update(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    }
  }
  thirds.push((1000 * (performance.now() - t)) / (to - from));
}
console.log(
  `${label}: restore ${restoreMs.toFixed(0)} ms; steady tail ${thirds.map((x) => x.toFixed(2)).join(' / ')} µs a tick (thirds); ` +
    `${(events / tail).toFixed(2)} events a tick, ${(calls / tail).toFixed(2)} MarginCall${hash === null ? '' : `; events sha256 ${hash.digest('hex').slice(0, 16)}`}`,
);
