/* global process, console, setTimeout */
// Tick -> first LiquidationStarted on the +-10 bp walk (bench/walk.ts's ticks and maker), with each slow tick's GC
// overlap: which ticks make the p99, and whether a collection was in them. Prints the percentiles over the ticks that
// liquidated, the count over 0.5 ms and how many of those overlapped a GC (PerformanceObserver 'gc' entries), the
// slowest 10 with their liquidations and the liquidation index's re-checks before the first one, and the p99 without
// the ticks a GC overlapped, and the minor page faults each slow tick took (a first write to a page of a table: ~10 µs
// apiece on this VM; before 2026-12-04 the first ~70 ticks took 100-300 each and made the p99).
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=32 scripts/first-liquidation.mjs ACCOUNTS TICKS
// ISOLATED=1: every position isolated (the bench's walk-isolated world); CALL_INTERVAL_MS=1000: margin calls swept
// every second (the bench's BAILIFF_BENCH_CALL_INTERVAL_MS).
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const [accounts, ticks] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 20_000)];
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const options = {
  ...(process.env.ISOLATED === '1' ? { isolatedShare: 1 } : {}),
  ...(process.env.CALL_INTERVAL_MS === undefined ? {} : { callIntervalMs: Number(process.env.CALL_INTERVAL_MS) }),
};
const { engine, tick } = await walkWorld(dist, accounts, options); // bench/walk.ts's walk
const gcs = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
});
observer.observe({ entryTypes: ['gc'] });
const index = engine.index;
let tickStart = 0;
let first = -1;
let rechecksAtFirst = 0;
// The enforcement phase's events before the first LiquidationStarted of the tick, by kind (what it waited for).
let before = new Map();
engine.observe((e) => {
  if (first < 0 && e.kind !== 'LiquidationStarted') before.set(e.kind, (before.get(e.kind) ?? 0) + 1);
  if (first < 0 && e.kind === 'LiquidationStarted') {
    first = performance.now() - tickStart;
    rechecksAtFirst = index.stats().rechecks;
  }
});
const rows = [];
for (let i = 0; i < ticks; i++) {
  first = -1;
  before = new Map();
  const rechecks = index.stats().rechecks;
  const faults = process.resourceUsage().minorPageFault;
  const events = tick((command) => {
    tickStart = performance.now();
    return engine.apply(command);
  });
  if (first >= 0) {
    let liquidations = 0;
    for (const e of events) if (e.kind === 'LiquidationStarted') liquidations++;
    rows.push({ start: tickStart, first, rechecks: rechecksAtFirst - rechecks, liquidations, faults: process.resourceUsage().minorPageFault - faults, before: [...before].map(([k, n]) => `${n} ${k}`).join(', ') || 'none' });
  }
}
await new Promise((r) => setTimeout(r, 100)); // the last GC entries
observer.disconnect();
for (const r of rows) r.gcMs = gcs.filter(([s, d]) => s < r.start + r.first && s + d > r.start).reduce((a, [, d]) => a + d, 0);
const byFirst = rows.slice().sort((a, b) => a.first - b.first);
const at = (list, q) => list[Math.min(list.length - 1, Math.floor(list.length * q))]?.first ?? 0;
const slow = rows.filter((r) => r.first > 0.5);
const clean = byFirst.filter((r) => r.gcMs === 0);
console.log(`${rows.length} of ${ticks} ticks liquidated; tick -> first LiquidationStarted: p50 ${at(byFirst, 0.5).toFixed(3)} ms, p90 ${at(byFirst, 0.9).toFixed(3)} ms, p99 ${at(byFirst, 0.99).toFixed(3)} ms`);
console.log(`over 0.5 ms: ${slow.length}, of which a GC overlapped ${slow.filter((r) => r.gcMs > 0).length}; p99 without the ticks a GC overlapped: ${at(clean, 0.99).toFixed(3)} ms`);
for (const r of byFirst.slice(-10)) console.log(`  first ${r.first.toFixed(3)} ms, GC ${r.gcMs.toFixed(2)} ms, ${r.liquidations} liquidations, ${r.rechecks} re-checks before the first, ${r.faults} page faults in the tick; events before the first: ${r.before}`);
