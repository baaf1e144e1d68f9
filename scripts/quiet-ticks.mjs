/* global process, performance, console */
// Where a quiet tick's time goes: the ticks of bench/walk.ts's +-10 bp walk that emit no event, grouped by how many
// ledgers the tick re-checked (the breach index's and the margin-call index's `recheckCount` together): a tick that
// re-checks nothing is the index's fixed cost; each re-check re-arms a ledger whose slope bound the price crossed
// without a change of state (the float screen, else an exact evaluation). Prints per group the count, mean, p50
// and p90, and both indexes' counters at the end.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 --max-semi-space-size=32 scripts/quiet-ticks.mjs [ACCOUNTS=1000000] [TICKS=20000]
// CALL_INTERVAL_MS=1000 in the environment: the walk with margin calls swept every second.
// Reads the engine's private `index` and `calls` fields (a measurement script, not an API).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, ticks] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 20_000)];

// CALL_INTERVAL_MS=1000: margin calls swept every second (the bench's BAILIFF_BENCH_CALL_INTERVAL_MS).
const callIntervalMs = Number(process.env.CALL_INTERVAL_MS ?? 0);
const { engine, tick } = await walkWorld(dist, accounts, callIntervalMs > 0 ? { callIntervalMs } : {}); // bench/walk.ts's walk
const index = engine.index;
const levels = engine.calls?.levels ?? null;
const rechecks = () => index.recheckCount + (levels?.recheckCount ?? 0);
const groups = new Map(); // label -> { ms: number[], rechecks }
const label = (r) => (r === 0 ? '0' : r <= 2 ? '1-2' : r <= 5 ? '3-5' : r <= 20 ? '6-20' : '>20');
globalThis.gc?.();
for (let i = 0; i < ticks; i++) {
  let ms = 0;
  let r = 0;
  const events = tick((command) => {
    const before = rechecks();
    const start = performance.now();
    const out = engine.apply(command);
    ms = performance.now() - start;
    r = rechecks() - before;
    return out;
  });
  if (events.length === 0) {
    const g = groups.get(label(r)) ?? { ms: [], rechecks: 0 };
    g.ms.push(ms);
    g.rechecks += r;
    groups.set(label(r), g);
  }
}
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`${accounts.toLocaleString('en')} accounts, ${ticks.toLocaleString('en')} ticks; quiet ticks by ledgers re-checked:`);
for (const key of ['0', '1-2', '3-5', '6-20', '>20']) {
  const g = groups.get(key);
  if (g === undefined) continue;
  g.ms.sort((a, b) => a - b);
  const mean = g.ms.reduce((a, b) => a + b, 0) / g.ms.length;
  console.log(`  ${key.padEnd(5)} ${String(g.ms.length).padStart(6)} ticks: mean ${us(mean)}, p50 ${us(g.ms[g.ms.length >> 1])}, p90 ${us(g.ms[Math.floor(g.ms.length * 0.9)])}; ${(g.rechecks / g.ms.length).toFixed(1)} re-checks a tick`);
}
console.log('breach index:', JSON.stringify(index.stats()));
if (levels !== null) console.log('margin-call index:', JSON.stringify(levels.stats()));
