// A +-10 bp random walk through the whole engine (Binance preset, margin calls on), EVERY tick timed as one
// engine.apply() — the ticks that liquidate or call as well as the quiet ones. Each tick moves a random market by a
// uniform step in [-10 bp, +10 bp]; the maker re-quotes a market every 20 of its ticks (untimed). Reports ticks/s
// over all ticks, p50/p99/max, tick -> first LiquidationStarted, GC share, and the honest baseline (float screen of
// the market's holders + exact confirmation) measured afterwards in the same process.
// The isolated variant builds the world with every position isolated and compares each tick with the issue's
// budget of 5 µs + 0.2 µs per position the tick triggered (a liquidation started or a margin call).
// Issue 14's targets: >= 200k ticks/s, p99 <= 1 ms, tick -> first LiquidationStarted p99 <= 1 ms; quiet ticks
// >= 1000x faster (mean) than the honest baseline. A quiet tick is one without an event but MarginCallCleared (report.ts
// isQuiet): it may move accounts back from the margin-call recovery level, so the quiet ticks are also reported split
// into those with recoveries and those with nothing to do, and by whether the breach detector re-checked a ledger in
// them (engine.breachRechecks), and the isolated budget's misses by what the tick did.

import type { EngineState } from '../src/core/engine/state.js';
import { PPM_ONE, ppm, price } from '../src/core/units/index.js';
import { describeScans, exactWithCheck, fmtMs, honestScan, percentile } from './baseline.js';
import { collectAndSettle } from '../src/cli/heap.js';
import { GcWatch } from './gc.js';
import { quoteMaker, setupMaker } from './maker.js';
import { isQuiet, minorPageFaults, rssHighWater, type BenchReport } from './report.js';
import { buildWorld, callsLabel, rng, START_PRICE } from './world.js';

const MARKETS = 10;
const STEP = 0.001; // +-10 bp

export async function benchWalk(accounts: number, ticks: number, allIsolated: boolean): Promise<BenchReport> {
  const engine = buildWorld({ accounts, markets: MARKETS, seed: 42, ...(allIsolated ? { isolatedShare: 1 } : {}) });
  const setupLiquidations = setupMaker(engine, MARKETS);
  const rand = rng(11);
  const marks = Array.from({ length: MARKETS }, () => START_PRICE);
  const perMarket = new Array<number>(MARKETS).fill(0);
  const tickMs = new Float64Array(ticks);
  const triggered = new Uint32Array(ticks);
  // Accounts back above the margin-call recovery level in the tick (no event tells them: they leave the called set),
  // counted outside the timed apply() from the set's size and the tick's calls.
  const recovered = new Uint32Array(ticks);
  const quietTick = new Uint8Array(ticks);
  // Ledgers the breach detector re-checked in the tick (a float key the mark crossed): what a quiet tick's cost follows.
  const recheckedIn = new Uint32Array(ticks);
  // LiquidationStarted events a tick (the walk's time is mostly the ticks that liquidate many accounts: 'by kind').
  const liquidatedIn = new Uint32Array(ticks);
  const called = engine.state.enforcement.marginCalled;
  const calledNow = new Set<string>();
  const firstLiquidation: number[] = [];
  let tickStart = 0n;
  let firstSeen = false;
  engine.observe((e) => {
    if (!firstSeen && e.kind === 'LiquidationStarted') {
      firstSeen = true;
      firstLiquidation.push(Number(process.hrtime.bigint() - tickStart) / 1e6);
    }
  });
  let liquidations = 0;
  let calls = 0;
  let quietCount = 0;
  let quietMs = 0;
  await collectAndSettle(); // the build's garbage collected and swept before the first timed tick (src/cli/heap.ts)
  const watch = new GcWatch();
  const from = watch.now();
  const faultsFrom = minorPageFaults();
  let t = engine.timeMs + 1;
  for (let i = 0; i < ticks; i++) {
    const m = Math.floor(rand() * MARKETS);
    const next = BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + (rand() * 2 - 1) * STEP))));
    marks[m] = next;
    firstSeen = false;
    const calledBefore = called.size;
    const rechecksBefore = engine.breachRechecks;
    tickStart = process.hrtime.bigint();
    const events = engine.apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) });
    const ms = Number(process.hrtime.bigint() - tickStart) / 1e6;
    recheckedIn[i] = engine.breachRechecks - rechecksBefore;
    tickMs[i] = ms;
    let n = 0;
    calledNow.clear();
    for (const e of events) {
      if (e.kind === 'LiquidationStarted') {
        liquidations++;
        liquidatedIn[i] = (liquidatedIn[i] as number) + 1;
        n++;
      } else if (e.kind === 'MarginCall') {
        calls++;
        n++;
        calledNow.add(e.account);
      }
    }
    triggered[i] = n;
    recovered[i] = Math.max(0, calledBefore + calledNow.size - called.size);
    if (isQuiet(events)) {
      quietTick[i] = 1;
      quietCount++;
      quietMs += ms;
    }
    if (++perMarket[m]! % 20 === 0) quoteMaker(engine, m, next, t++);
  }
  const to = watch.now();
  const faults = minorPageFaults() - faultsFrom;
  engine.observe(null);
  await watch.settle();
  const gc = watch.within(from, to);
  watch.stop();
  let totalMs = 0;
  for (let i = 0; i < ticks; i++) totalMs += tickMs[i] as number;
  const all = Float64Array.from(tickMs).sort();
  firstLiquidation.sort((a, b) => a - b);

  const engineHighWater = rssHighWater();
  // The honest baseline on the state the walk left, over 20 ticked markets (two rounds of the ten).
  const state = engine.state;
  const sample = Array.from({ length: 20 }, (_, k) => `M${k % MARKETS}-PERP`);
  const honest = honestScan(state, sample);
  const buffer = state.rulebook.liquidation.marginCallBufferPpm;
  const callView = buffer === 0n ? null : (Object.create(state, { requirementScalePpm: { value: ppm(PPM_ONE + buffer) } }) as EngineState);
  const honestCalls = callView === null ? null : honestScan(state, sample, callView);
  const exact = allIsolated ? null : exactWithCheck(state, sample.slice(0, 5));
  const quietMean = quietMs / Math.max(1, quietCount);
  // The quiet ticks split by whether margin-call recoveries happened in them (work without an event).
  const quietRecovering: number[] = [];
  const quietIdle: number[] = [];
  let recoveries = 0;
  for (let i = 0; i < ticks; i++) {
    recoveries += recovered[i] as number;
    if (quietTick[i] === 1) ((recovered[i] as number) > 0 ? quietRecovering : quietIdle).push(tickMs[i] as number);
  }
  quietRecovering.sort((a, b) => a - b);
  quietIdle.sort((a, b) => a - b);
  // The quiet ticks split by whether the detector re-checked a ledger in them (and found it still sound).
  const quietRechecking: number[] = [];
  const quietUnchecked: number[] = [];
  for (let i = 0; i < ticks; i++) if (quietTick[i] === 1) ((recheckedIn[i] as number) > 0 ? quietRechecking : quietUnchecked).push(tickMs[i] as number);
  const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const meanOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const mean = totalMs / Math.max(1, ticks);
  const kinds = byKind(tickMs, liquidatedIn, quietTick);

  const lines = [
    `${setupLiquidations} accounts in breach at the start closed in the setup; ${ticks.toLocaleString('en')} ticks of +-${STEP * 1e4} bp on a random market; maker re-quotes every 20 ticks of a market (untimed)`,
    `all ticks          : ${(ticks / (totalMs / 1000)).toFixed(0)} ticks/s (mean ${fmtMs(mean)}); p50 ${fmtMs(percentile(all, 50))}, p99 ${fmtMs(percentile(all, 99))}, max ${fmtMs(all[all.length - 1] ?? 0)}` +
      ` (targets >= 200k/s, p99 <= 1 ms)`,
    `quiet ticks        : ${quietCount.toLocaleString('en')} with no event, mean ${fmtMs(quietMean)}: ${quietIdle.length.toLocaleString('en')} with nothing to do, mean ${fmtMs(meanOf(quietIdle))}, p99 ${fmtMs(percentile(quietIdle, 99))}; ` +
      `${quietRecovering.length.toLocaleString('en')} with margin-call recoveries (MarginCallCleared only), mean ${fmtMs(meanOf(quietRecovering))}, p99 ${quietRecovering.length === 0 ? '-' : fmtMs(percentile(quietRecovering, 99))}`,
    `quiet, by re-checks: ${quietUnchecked.length.toLocaleString('en')} re-checked no ledger, mean ${fmtMs(meanOf(quietUnchecked))} (${((100 * sumOf(quietUnchecked)) / Math.max(1e-9, quietMs)).toFixed(0)}% of the quiet time); ` +
      `${quietRechecking.length.toLocaleString('en')} re-checked a ledger whose float key the mark crossed and found it sound, mean ${fmtMs(meanOf(quietRechecking))} (${((100 * sumOf(quietRechecking)) / Math.max(1e-9, quietMs)).toFixed(0)}%)`,
    `events             : ${liquidations} liquidations, ${calls} margin calls; ${recoveries} margin-call recoveries (accounts leaving the called set)`,
    `by kind of tick    : ${kinds.map((k) => `${k.label} ${k.count.toLocaleString('en')} (mean ${fmtMs(k.meanMs)}, ${k.sharePct.toFixed(0)}% of the time)`).join('; ')}`,
    `tick -> first LiquidationStarted: p50 ${fmtMs(percentile(firstLiquidation, 50))}, p99 ${fmtMs(percentile(firstLiquidation, 99))}, max ${fmtMs(firstLiquidation.at(-1) ?? 0)} over ${firstLiquidation.length} ticks (target p99 <= 1 ms)`,
    `GC                 : ${fmtMs(gc.ms)} in ${gc.count} collections during the walk (${((gc.ms / Math.max(1e-9, to - from)) * 100).toFixed(1)}% of its wall time, maker's re-quotes included); ` +
      `${faults.toLocaleString('en')} minor page faults (first writes to pages: ~10 µs apiece on the 2-core VM)`,
    ...describeScans(honest, exact),
    ...(honestCalls === null ? [] : [`honest, call level : ${fmtMs(honestCalls.meanMs)} per tick screening at the margin-call level (${Math.round(honestCalls.flagged)} flagged and confirmed); not used for ratios`]),
    `ratio vs honest    : quiet ticks ${(honest.meanMs / quietMean).toFixed(0)}x (mean; target >= 1000x; those with nothing to do ${(honest.meanMs / Math.max(1e-9, meanOf(quietIdle))).toFixed(0)}x), all ticks ${(honest.meanMs / mean).toFixed(0)}x (mean), ${(honest.meanMs / percentile(all, 99)).toFixed(1)}x at the p99 tick`,
  ];
  if (allIsolated) {
    let within = 0;
    const spare: number[] = [];
    const quietIso: number[] = [];
    // The ticks over budget by what they did: something triggered, else recoveries alone, else nothing at all.
    const over = { triggering: 0, recovering: 0, idle: 0 };
    for (let i = 0; i < ticks; i++) {
      const budgetMs = (5 + 0.2 * (triggered[i] as number)) / 1000;
      if ((tickMs[i] as number) <= budgetMs) within++;
      else if ((triggered[i] as number) > 0) over.triggering++;
      else if ((recovered[i] as number) > 0) over.recovering++;
      else over.idle++;
      spare.push((tickMs[i] as number) / budgetMs);
      if (triggered[i] === 0) quietIso.push(tickMs[i] as number);
    }
    spare.sort((a, b) => a - b);
    quietIso.sort((a, b) => a - b);
    lines.push(
      `isolated budget    : 5 µs + 0.2 µs per position triggered: ${((within / ticks) * 100).toFixed(1)}% of ticks within; tick / budget p50 ${percentile(spare, 50).toFixed(2)}, p99 ${percentile(spare, 99).toFixed(2)}; ` +
        `ticks triggering nothing p99 ${fmtMs(percentile(quietIso, 99))}`,
      `over budget        : ${over.triggering.toLocaleString('en')} ticks that triggered positions, ${over.recovering.toLocaleString('en')} with margin-call recoveries alone, ${over.idle.toLocaleString('en')} with neither`,
    );
  }
  return {
    name: `+-10 bp walk through the engine, ${accounts.toLocaleString('en')} accounts x ${MARKETS} markets${allIsolated ? ', ALL positions isolated' : ''}, Binance preset with ${callsLabel()}, all ticks`,
    lines,
    engineHighWater,
  };
}

/** The kinds of tick the walk's time is grouped by (byKind; scripts/walk-by-kind.mjs groups by the same). */
export const TICK_KINDS = ['quiet', '1 liquidation', '2-5 liquidations', '>5 liquidations', 'calls or sweeps, no liquidation'] as const;

/**
 * A tick's kind (an index into TICK_KINDS): quiet (no event), liquidating 1, 2-5 or more than 5 accounts, and the rest
 * (events without a liquidation: margin calls, or the interval's sweep when calls are swept).
 */
export function tickKindOf(events: number, liquidations: number): number {
  return events === 0 ? 0 : liquidations === 0 ? 4 : liquidations === 1 ? 1 : liquidations <= 5 ? 2 : 3;
}

/**
 * The ticks grouped by tickKindOf, with each group's count, mean and share of the walk's time: where a target about
 * all ticks (ticks/s, p99) has to find its time.
 */
function byKind(tickMs: Float64Array, liquidated: Uint32Array, quiet: Uint8Array): { label: string; count: number; meanMs: number; sharePct: number }[] {
  const count = new Uint32Array(TICK_KINDS.length);
  const ms = new Float64Array(TICK_KINDS.length);
  let total = 0;
  for (let i = 0; i < tickMs.length; i++) {
    const k = tickKindOf(quiet[i] === 1 ? 0 : 1, liquidated[i] as number);
    count[k] = (count[k] as number) + 1;
    ms[k] = (ms[k] as number) + (tickMs[i] as number);
    total += tickMs[i] as number;
  }
  return TICK_KINDS.map((label, k) => ({ label, count: count[k] as number, meanMs: (ms[k] as number) / Math.max(1, count[k] as number), sharePct: (100 * (ms[k] as number)) / Math.max(1e-9, total) })).filter(
    (g) => g.count > 0,
  );
}
