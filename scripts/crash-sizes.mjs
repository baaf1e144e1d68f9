/* global process, performance, console, structuredClone, gc, setTimeout */
// What one liquidation of the crash tick costs by the world's size, and how much of it is the code and how much the
// state of the caches: bench/crash.ts's 5% tick (scripts/crash-world.mjs) on worlds of several sizes, each tick on a
// fresh restore of the same world. Per size: ROUNDS ticks back to back to warm the code (the JIT's optimized code for
// the waterfall), then rounds of three kinds, interleaved: `hot` (the tick right after the restore), `after gc` (a
// full GC before it, as the bench's ticks run after one), `after idle` (300 ms asleep before it). Prints the median
// and the least tick time of each kind per liquidation started (ADL fills and fund takeovers included in the tick),
// and the events' hash (the same for every round of a size).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=12000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/crash-sizes.mjs [SIZES=5000,20000,100000] [ROUNDS=60] [KIND_ROUNDS=9]
// docs/performance.md "2026-12-05, late morning" has a run. At 1M a restore takes ~10 s: give ROUNDS 2 and KIND_ROUNDS 3.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const sizes = (process.argv[2] ?? '5000,20000,100000').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 60);
const kindRounds = Number(process.argv[4] ?? 9);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

for (const accounts of sizes) {
  const { Engine, snap, cmd } = await crashWorld(dist, accounts, 5);
  const fresh = () => Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  let liquidations = 0;
  let adl = 0;
  const hashes = new Set();
  const tick = (engine) => {
    const t = performance.now();
    const events = engine.apply(cmd);
    const ms = performance.now() - t;
    liquidations = events.filter((e) => e.kind === 'LiquidationStarted').length;
    adl = events.filter((e) => e.kind === 'Deleveraged').length;
    hashes.add(eventsHash(events));
    return ms;
  };
  const warm = [];
  for (let r = 0; r < rounds; r++) warm.push(tick(fresh()));
  const kinds = { hot: [], 'after gc': [], 'after idle': [] };
  for (let r = 0; r < kindRounds; r++) {
    for (const kind of Object.keys(kinds)) {
      const engine = fresh();
      if (kind === 'after gc') gc();
      if (kind === 'after idle') await sleep(300);
      kinds[kind].push(tick(engine));
    }
  }
  const per = (ms) => `${((ms * 1000) / liquidations).toFixed(0)} µs`;
  const line = (name, list) => {
    const v = [...list].sort((a, b) => a - b);
    const median = v[Math.floor(v.length / 2)];
    return `  ${name.padEnd(14)} median ${median.toFixed(1).padStart(7)} ms (${per(median)} a liquidation), least ${v[0].toFixed(1)} ms (${per(v[0])})`;
  };
  console.log(`${accounts.toLocaleString('en-US')} accounts: ${liquidations} liquidations, ${adl} ADL fills a tick; events ${[...hashes].join(', ')}`);
  console.log(line('first tick', warm.slice(0, 1))); // the process's first only for the first size: the code is warm after it
  console.log(line(`ticks 2-${rounds}`, warm.slice(1)));
  for (const [name, list] of Object.entries(kinds)) console.log(line(name, list));
}
