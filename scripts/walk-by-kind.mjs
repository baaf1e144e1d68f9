/* global process, performance, console */
// Where the +-10 bp walk's time goes, by kind of tick: bench/walk.ts's walk (scripts/walk-world.mjs: the same world,
// seeds and maker re-quotes), each tick's `apply` timed and the process's minor page faults read around it, then the
// ticks grouped as the walk bench groups them (bench/walk.ts tickKindOf: quiet, liquidating 1, 2-5 or more than 5
// accounts, or with events but no liquidation: the margin-call sweeps when calls are swept, calls otherwise). Prints per group the count,
// the mean, the page faults a tick and the group's share of the walk's engine time, and the faults taken outside
// `apply` (the maker's re-quotes). For what a target about all ticks (ticks/s, p99) must speed up.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 --max-semi-space-size=64 --no-allocation-site-pretenuring \
//     scripts/walk-by-kind.mjs [ACCOUNTS=1000000] [TICKS=30000] [CALL_INTERVAL_MS=1000]
// CALL_INTERVAL_MS 0: margin calls after every command (the presets' default).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, ticks, callIntervalMs] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 30_000), Number(process.argv[4] ?? 1000)];
if (![accounts, ticks, callIntervalMs].every((n) => Number.isSafeInteger(n) && n >= 0) || accounts === 0 || ticks === 0) {
  console.error('usage: walk-by-kind.mjs [ACCOUNTS>0] [TICKS>0] [CALL_INTERVAL_MS>=0]');
  process.exit(2);
}

const { TICK_KINDS, tickKindOf } = await import(`${dist}/bench/walk.js`); // the bench's own grouping
const { engine, tick } = await walkWorld(dist, accounts, { callIntervalMs });
globalThis.gc?.();
const faults = () => process.resourceUsage().minorPageFault;
const groups = new Map();
let outside = 0;
let last = faults();
let totalMs = 0;
for (let i = 0; i < ticks; i++) {
  let f0 = 0;
  let f1 = 0;
  let ms = 0;
  const events = tick((command) => {
    f0 = faults();
    const start = performance.now();
    const out = engine.apply(command);
    ms = performance.now() - start;
    f1 = faults();
    return out;
  });
  const now = faults();
  outside += f0 - last + (now - f1);
  last = now;
  let liquidations = 0;
  for (const e of events) if (e.kind === 'LiquidationStarted') liquidations++;
  const key = TICK_KINDS[tickKindOf(events.length, liquidations)];
  const g = groups.get(key) ?? { count: 0, ms: 0, faults: 0 };
  g.count++;
  g.ms += ms;
  g.faults += f1 - f0;
  groups.set(key, g);
  totalMs += ms;
}
console.log(`${accounts.toLocaleString('en')} accounts, ${ticks.toLocaleString('en')} ticks, margin calls ${callIntervalMs > 0 ? `swept every ${callIntervalMs} ms` : 'after every command'}: ${(ticks / (totalMs / 1000)).toFixed(0)} ticks/s (engine time)`);
for (const key of TICK_KINDS) {
  const g = groups.get(key);
  if (g === undefined) continue;
  console.log(
    `  ${key.padEnd(32)} ${String(g.count).padStart(7)} ticks: mean ${((1000 * g.ms) / g.count).toFixed(1)} µs, ${(g.faults / g.count).toFixed(2)} page faults a tick, ${((100 * g.ms) / totalMs).toFixed(0)}% of the time`,
  );
}
console.log(`  page faults outside apply (the maker's re-quotes): ${outside}`);
