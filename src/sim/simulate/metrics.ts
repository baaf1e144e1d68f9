// Run figures: what one run records step by step, the series it is bucketed into, and the screens computed on price
// arrays (drawdown, dislocation, range extremes). Prices here are price atoms as floats: these are measurements of a
// run, never a decision of the engine's.

import type { AuctionSeries, AuctionsSummary } from './auctions-schema.js';
import { formatDecimal } from '../../core/units/index.js';
import type { KeeperResult, MarketSeries, SimSeries } from './types.js';
import type { Prepared } from './run.js';

/** Everything one run (with or without impact) records. */
export interface RunRecord {
  readonly steps: number;
  accounts: number;
  positions: number;
  openNotional: bigint;
  /** Per step (index 0: the setup). */
  readonly liqSteps: Uint32Array;
  readonly liqNotional: bigint[];
  readonly adlNotional: bigint[];
  readonly byRoute: Record<string, bigint>;
  readonly ledgers: Set<string>;
  slippage: bigint;
  bookNotional: bigint;
  fund: bigint;
  fundStart: bigint;
  fundMin: bigint;
  badDebt: bigint;
  writtenOff: bigint;
  socialised: bigint;
  badDebtEvents: number;
  adlCount: number;
  adlConcession: bigint;
  adlNeeded: bigint;
  readonly adlNeedSeen: Set<string>;
  marginCalls: number;
  topUps: number;
  panicSells: number;
  applied: number;
  rejected: number;
  readonly rejectedByReason: Record<string, number>;
  /** Per step: fund balance and cumulative bad debt. */
  readonly fundSteps: bigint[];
  readonly badDebtSteps: bigint[];
  readonly bucketMarks: number[];
  dustLedgers: number;
  dustNotional: bigint;
  keepers: KeeperResult[];
  /** Per market, per step: the mark sent and the traded price (atoms). */
  markSteps: Float64Array[];
  tradedSteps: Float64Array[];
  unnecessary: { count: number; notional: bigint };
  /** The Maker vaults' auctions (the `auctions` section), set at the end of the run with impact. */
  auctions?: AuctionsSummary;
  /** Their series at given bucket ends (set with `auctions`). */
  auctionSeries?: (ends: readonly number[]) => AuctionSeries;
}

/** Largest peak-to-trough fall of a path, in ppm of the peak (rounded). */
export function drawdownPpm(path: Float64Array): number {
  let peak = 0;
  let worst = 0;
  for (let i = 0; i < path.length; i++) {
    const x = path[i] as number;
    if (x > peak) peak = x;
    else if (peak > 0 && (peak - x) / peak > worst) worst = (peak - x) / peak;
  }
  return Math.round(worst * 1e6);
}

/** Largest shortfall of the mark below the reference at the same step, ppm of the reference (0 if never below). */
export function dislocationPpm(reference: Float64Array, mark: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < reference.length && i < mark.length; i++) {
    const r = reference[i] as number;
    const gap = (r - (mark[i] as number)) / r;
    if (gap > worst) worst = gap;
  }
  return Math.round(worst * 1e6);
}

/** Minimum and maximum over any index range in O(1) after O(n log n) preparation (sparse tables). */
export class RangeExtremes {
  private readonly mins: Float64Array[] = [];
  private readonly maxs: Float64Array[] = [];
  constructor(values: Float64Array) {
    this.mins.push(values);
    this.maxs.push(values);
    for (let w = 1; 2 * w <= values.length; w *= 2) {
      const pm = this.mins[this.mins.length - 1] as Float64Array;
      const pM = this.maxs[this.maxs.length - 1] as Float64Array;
      const n = pm.length - w;
      const mn = new Float64Array(n);
      const mx = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        mn[i] = Math.min(pm[i] as number, pm[i + w] as number);
        mx[i] = Math.max(pM[i] as number, pM[i + w] as number);
      }
      this.mins.push(mn);
      this.maxs.push(mx);
    }
  }
  /** Inclusive range [lo, hi], lo <= hi. */
  min(lo: number, hi: number): number {
    const level = Math.floor(Math.log2(hi - lo + 1));
    const t = this.mins[level] as Float64Array;
    return Math.min(t[lo] as number, t[hi - (1 << level) + 1] as number);
  }
  max(lo: number, hi: number): number {
    const level = Math.floor(Math.log2(hi - lo + 1));
    const t = this.maxs[level] as Float64Array;
    return Math.max(t[lo] as number, t[hi - (1 << level) + 1] as number);
  }
}

/** The series: one point per bucket of `seriesEvery` steps (the setup, step 0, is the first point). */
export function bucketSeries(prep: Prepared, main: RunRecord, cf: RunRecord | null): SimSeries {
  const every = prep.config.metrics.seriesEvery ?? Math.max(1, Math.ceil(prep.steps / 2000));
  const ends: number[] = [0];
  for (let k = every; k < prep.steps; k += every) ends.push(k);
  if (ends[ends.length - 1] !== prep.steps) ends.push(prep.steps);
  const d = (x: bigint): string => formatDecimal(x, prep.qd);
  const px = (atoms: number, i: number): string => {
    const spec = prep.specs[i];
    if (spec === undefined) return '0';
    const tick = Number(spec.tickSize);
    return formatDecimal(BigInt(Math.max(1, Math.round(atoms / tick))) * spec.tickSize, spec.priceDecimals);
  };
  const markets: Record<string, MarketSeries> = {};
  prep.specs.forEach((s, i) => {
    const ref = prep.refs[i] as Float64Array;
    const mark = main.markSteps[i] as Float64Array;
    const traded = main.tradedSteps[i] as Float64Array;
    const series: MarketSeries = {
      reference: ends.map((k) => px(ref[k] as number, i)),
      traded: ends.map((k) => px(traded[k] as number, i)),
      mark: ends.map((k) => px(mark[k] as number, i)),
      ...(cf === null ? {} : { markWithoutImpact: ends.map((k) => px((cf.markSteps[i] as Float64Array)[k] as number, i)) }),
    };
    markets[s.id] = series;
  });
  const liquidations: number[] = [];
  const liquidatedNotional: string[] = [];
  const adlNotional: string[] = [];
  let from = 0;
  for (const end of ends) {
    let n = 0;
    let notional = 0n;
    let adl = 0n;
    for (let k = from; k <= end; k++) {
      n += main.liqSteps[k] as number;
      notional += main.liqNotional[k] as bigint;
      adl += main.adlNotional[k] as bigint;
    }
    liquidations.push(n);
    liquidatedNotional.push(d(notional));
    adlNotional.push(d(adl));
    from = end + 1;
  }
  return {
    seriesEvery: every,
    tMs: ends.map((k) => prep.startMs + k * prep.stepMs),
    markets,
    liquidations,
    liquidatedNotional,
    insuranceFund: ends.map((k) => d(main.fundSteps[k] as bigint)),
    badDebt: ends.map((k) => d(main.badDebtSteps[k] as bigint)),
    adlNotional,
    // Only with an `auctions` section: a series without one keeps its bytes.
    ...(main.auctionSeries === undefined ? {} : { auctions: main.auctionSeries(ends) }),
  };
}
