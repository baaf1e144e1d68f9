// Enforcement through the engine itself: N accounts across 10 markets, a maker's book in every market, then a
// seeded random walk of price commands. Each tick is a whole engine.apply: the guards, the breach index, margin
// calls and any liquidation it triggers. Reports ticks/s for ticks that breach nothing, p50/p99/max of the ticks
// that start a liquidation (tick -> LiquidationStarted, measured as the whole apply, so an upper bound), and the
// same question answered without the index (baseline.ts: the float screen of the market's holders plus exact
// confirmation, the ratio's baseline; and the exact full scan as a slower reference). The first LiquidationStarted
// of a tick is timed when the engine emits it (Engine.observe).

import { ppm, price } from '../src/core/units/index.js';
import { describeScans, exactWithCheck, honestScan } from './baseline.js';
import type { BenchReport } from './report.js';
import { elapsedMs, heapAtRestGiB, isQuiet, rssHighWater } from './report.js';
import { quoteMaker, setupMaker } from './maker.js';
import { buildWorld, rng, START_PRICE } from './world.js';

const MARKETS = 10;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function benchEnforce(accounts: number, ticks: number, withMarginCalls: boolean): BenchReport {
  const t0 = process.hrtime.bigint();
  const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
  if (!withMarginCalls) {
    // The same rulebook without margin calls: one index instead of two.
    const r = engine.rulebook;
    engine.apply({ kind: 'set_rulebook', tsMs: engine.timeMs, rulebook: { ...r, name: `${r.name}-no-calls`, liquidation: { ...r.liquidation, marginCallBufferPpm: ppm(0n) } } });
  }
  const buildMs = elapsedMs(t0);
  const state = engine.state;
  const rand = rng(7);
  const marks = Array.from({ length: MARKETS }, () => START_PRICE);
  // Setup (untimed): the maker's book first, liquidations paused; the world's already-breached accounts are then
  // closed on that book by the command that resumes liquidations.
  const setupLiquidations = setupMaker(engine, MARKETS);

  const quiet: number[] = [];
  const liquidating: number[] = [];
  const firstLiquidation: number[] = [];
  let tickStart = 0n;
  let firstSeen = false;
  engine.observe((e) => {
    if (e.kind === 'LiquidationStarted' && !firstSeen) {
      firstSeen = true;
      firstLiquidation.push(elapsedMs(tickStart));
    }
  });
  let liquidations = 0;
  let marginCalls = 0;
  let deleveraged = 0;
  let t = engine.timeMs + 1;
  const scanSample: { market: number }[] = [];
  const tTicks = process.hrtime.bigint();
  for (let i = 0; i < ticks; i++) {
    const m = Math.floor(rand() * MARKETS);
    // A symmetric random walk: mostly +-0.05%, now and then (0.2% of ticks) a 1% jump.
    const big = rand() < 0.002;
    const step = big ? (rand() < 0.5 ? -0.01 : 0.01) : (rand() - 0.5) * 0.001;
    const next = BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + step))));
    marks[m] = next;
    firstSeen = false;
    tickStart = process.hrtime.bigint();
    const events = engine.apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) });
    const ms = elapsedMs(tickStart);
    let started = false;
    for (const e of events) {
      if (e.kind === 'LiquidationStarted') {
        liquidations++;
        started = true;
      } else if (e.kind === 'MarginCall') marginCalls++;
      else if (e.kind === 'Deleveraged') deleveraged++;
    }
    // The maker follows the price every 20 ticks of a market (not timed: it is not the engine's tick).
    if (i % 20 === 0) quoteMaker(engine, m, next, t++);
    if (started) liquidating.push(ms);
    else if (isQuiet(events)) quiet.push(ms);
    if (scanSample.length < 20 && i % Math.max(1, Math.floor(ticks / 20)) === 0) scanSample.push({ market: m });
  }
  const tickMs = elapsedMs(tTicks);

  // The same question answered without the index, on the state the walk left: the honest baseline (float screen of
  // the market's holders + exact confirmation of what it flags), and the exact full scan as a slower reference.
  const engineHighWater = rssHighWater();
  const sampled = scanSample.map((x) => `M${x.market}-PERP`);
  const honest = honestScan(state, sampled);
  const exact = exactWithCheck(state, sampled.slice(0, 5));
  engine.observe(null);
  const heap = heapAtRestGiB(); // with the world, its indexes and books alive
  quiet.sort((a, b) => a - b);
  liquidating.sort((a, b) => a - b);
  firstLiquidation.sort((a, b) => a - b);
  const all = [...quiet, ...liquidating].sort((a, b) => a - b);
  const quietMean = quiet.reduce((x, y) => x + y, 0) / Math.max(1, quiet.length);
  const f = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
  return {
    name: `enforcement through the engine, ${accounts.toLocaleString('en')} accounts x ${MARKETS} markets, ${ticks.toLocaleString('en')} price ticks, ${withMarginCalls ? 'with margin calls (Binance preset)' : 'without margin calls'}`,
    lines: [
      `world built in ${(buildMs / 1000).toFixed(1)} s (snapshot restore + ${withMarginCalls ? 'breach and margin-call indexes' : 'breach index'}); a maker quotes 10 levels a side, re-quoting as prices move; ${setupLiquidations} accounts already in breach closed before the walk`,
      `all ticks          : ${(ticks / (tickMs / 1000)).toFixed(0)} ticks/s over ${(tickMs / 1000).toFixed(1)} s; p50 ${f(percentile(all, 50))}, p99 ${f(percentile(all, 99))}, max ${f(all.at(-1) ?? 0)}`,
      `quiet ticks        : ${quiet.length} with no event: ${(1000 / quietMean).toFixed(0)} ticks/s (mean ${f(quietMean)}, GC pauses included; p50 ${f(percentile(quiet, 50))}, p99 ${f(percentile(quiet, 99))})`,
      `liquidating ticks  : ${liquidating.length} ticks started ${liquidations} liquidations (${deleveraged} deleveraging fills; ${marginCalls} margin calls)`,
      `  tick -> first LiquidationStarted : p50 ${f(percentile(firstLiquidation, 50))}, p99 ${f(percentile(firstLiquidation, 99))}, max ${f(firstLiquidation.at(-1) ?? 0)}`,
      `  tick -> all liquidations done    : p50 ${f(percentile(liquidating, 50))}, p99 ${f(percentile(liquidating, 99))}, max ${f(liquidating.at(-1) ?? 0)}`,
      ...describeScans(honest, exact),
      `ratio vs honest    : a quiet indexed tick is ${(honest.meanMs / quietMean).toFixed(0)}x faster (mean)`,
      `memory             : heap in use at rest ${heap} (state, indexes, books)`,
    ],
    engineHighWater,
  };
}
