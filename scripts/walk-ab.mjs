/* global process, performance, console, URL */
// A/B of a price walk through the engine between two builds in ONE process, in alternating chunks of ticks, so both
// see the same machine at the same moments (on a shared machine a back-to-back pair of runs moves by 2x). Each build
// runs its own copy of the same deterministic walk (which build goes first alternates); the script prints, per build,
// ticks/s over all ticks, the mean of the ticks with no event (quiet) and of the others, the CPU time of its chunks per
// tick, and the SHA-256 of the JSON of all events (equal: the same events).
// Walks: 'walk' = bench/walk.ts (+-10 bp random walk, maker set up and re-quoted every 20 ticks of a market, untimed);
// 'tail' = scripts/profile-tail.mjs (+-5 bp around the start price, markets in turn, no maker).
// Read the medians: with two 1M worlds in one process, the tail's first chunk of whichever build runs second took
// ~1.4 s more CPU (2026-12-04: the same with the builds swapped, so it is the order's, not a build's; not traced to
// a GC or the compiler), which moves that build's total and mean by ~1 s over 150k ticks. The script prints each
// build's costliest chunks and its mean without them.
// usage: npm run build (in both checkouts), then
//   node --max-old-space-size=8192 scripts/walk-ab.mjs BASE_CHECKOUT NEW_CHECKOUT ACCOUNTS TICKS [walk|tail] [CHUNK=1000]
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseDir, newDir, accounts, ticks, kind, chunk] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 200_000), Number(process.argv[5] ?? 20_000), process.argv[6] ?? 'walk', Number(process.argv[7] ?? 1000)];
const MARKETS = 10;
// The canonical JSON of this checkout's build (keys sorted: since s69 the engine stamps an event's body in place,
// so two builds may order an event's fields differently).
const { canonicalJson: json } = await import(new URL('../dist/src/core/engine/snapshot.js', import.meta.url).href);

async function load(dir) {
  const d = pathToFileURL(resolve(dir, 'dist')).href;
  const { buildWorld, rng, START_PRICE } = await import(`${d}/bench/world.js`);
  const { quoteMaker, setupMaker } = await import(`${d}/bench/maker.js`);
  const { price } = await import(`${d}/src/core/units/index.js`);
  const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
  if (kind === 'walk') setupMaker(engine, MARKETS);
  const rand = rng(kind === 'walk' ? 11 : 7);
  const marks = Array.from({ length: MARKETS }, () => START_PRICE);
  const perMarket = new Array(MARKETS).fill(0);
  const hash = createHash('sha256');
  const run = { dir, ms: 0, quietMs: 0, quiet: 0, busyMs: 0, busy: 0, events: 0, done: 0, hash };
  let t = engine.timeMs + 1;
  run.step = (n) => {
    for (let k = 0; k < n && run.done < ticks; k++, run.done++) {
      let m;
      let next;
      if (kind === 'walk') {
        m = Math.floor(rand() * MARKETS);
        next = BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + (rand() * 2 - 1) * 0.001))));
      } else {
        m = run.done % MARKETS;
        next = (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n;
      }
      marks[m] = next;
      const s = performance.now();
      const events = engine.apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) });
      const ms = performance.now() - s;
      run.ms += ms;
      if (events.length === 0) {
        run.quiet++;
        run.quietMs += ms;
      } else {
        run.busy++;
        run.busyMs += ms;
      }
      for (const e of events) hash.update(json(e));
      run.events += events.length;
      if (kind === 'walk' && ++perMarket[m] % 20 === 0) quoteMaker(engine, m, next, t++);
    }
  };
  return run;
}

const a = await load(baseDir);
const b = await load(newDir);
// CPU time of each build's chunks (process-wide: GC threads included; the walk's maker re-quotes too).
const cpuOf = (r) => {
  const c = process.cpuUsage();
  r.step(chunk);
  const d = process.cpuUsage(c);
  r.cpuUs = (r.cpuUs ?? 0) + d.user + d.system;
  (r.chunkCpu ??= []).push(d.user + d.system);
};
for (let round = 0; a.done < ticks || b.done < ticks; round++) {
  // Alternate which build goes first, so neither always follows the other's garbage.
  if (round % 2 === 0) {
    cpuOf(a);
    cpuOf(b);
  } else {
    cpuOf(b);
    cpuOf(a);
  }
}
const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length === 0 ? NaN : v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
for (const r of [a, b]) {
  console.log(
    `${r.dir}: ${(ticks / (r.ms / 1000)).toFixed(0)} ticks/s (mean ${((1000 * r.ms) / ticks).toFixed(2)} µs); quiet ${r.quiet} mean ${((1000 * r.quietMs) / Math.max(1, r.quiet)).toFixed(2)} µs; ` +
      `with events ${r.busy} mean ${((1000 * r.busyMs) / Math.max(1, r.busy)).toFixed(1)} µs; CPU ${(r.cpuUs / ticks).toFixed(2)} µs a tick; ${r.events} events sha256 ${r.hash.digest('hex').slice(0, 16)}`,
  );
}
// On a loaded machine the totals move with the load; the median of the per-round ratios (the two builds' chunks of
// one round ran back to back) is steadier.
const rounds = Math.min(a.chunkCpu.length, b.chunkCpu.length);
const ratios = Array.from({ length: rounds }, (_, i) => b.chunkCpu[i] / a.chunkCpu[i]);
console.log(`median chunk CPU µs a tick: ${a.dir} ${(median(a.chunkCpu) / chunk).toFixed(2)}, ${b.dir} ${(median(b.chunkCpu) / chunk).toFixed(2)}; median of per-round ratios ${b.dir}/${a.dir} ${median(ratios).toFixed(3)} (${rounds} rounds)`);
// Where the totals and the medians disagree: the costliest chunks of each build (a full GC of the two worlds' heap
// lands in whichever chunk runs), and the total without them.
for (const r of [a, b]) {
  const sorted = [...r.chunkCpu].sort((x, y) => y - x);
  const top = sorted.slice(0, 5);
  const rest = sorted.slice(5).reduce((x, y) => x + y, 0) / Math.max(1, sorted.length - 5);
  console.log(`${r.dir}: costliest chunks ${top.map((c) => (c / 1000).toFixed(0)).join(', ')} ms CPU (rounds ${top.map((c) => r.chunkCpu.indexOf(c)).join(', ')}); the other chunks' mean ${(rest / chunk).toFixed(2)} µs a tick`);
}
