// How a market is priced: its index sources, the guards that trip its breaker, signed attestations, funding.
// The formulas live in core/pricing; this file holds the per-market configuration and the state they carry
// between updates (all plain data, so a snapshot holds it as is).

import type { AnswerBound, AnswerBounds, BreakerState } from '../pricing/guards.js';
import { SOUND_BREAKER } from '../pricing/guards.js';
import type { DeviationPolicy, IndexMethod, MedianRule } from '../pricing/index.js';
import type { BinanceBasisState, DydxOracleState, HyperliquidMarkState, MarkFallbackReason, MarkMethod } from '../pricing/mark.js';
import { newBinanceBasisState, newHyperliquidMarkState } from '../pricing/mark.js';
import type { TwapState } from '../pricing/twap.js';
import { newTwap } from '../pricing/twap.js';
import { PPM_ONE, type Ppm, type Price, type RateE9 } from '../units/index.js';

export interface IndexConfig {
  readonly method: IndexMethod;
  /** Weight per source; a source without a weight is refused. */
  readonly weights: Readonly<Record<string, bigint>>;
  /** A source older than this gets weight zero. */
  readonly maxAgeMs: number;
  /** Fewer fresh sources: no index, the market is unpriced. */
  readonly minSources: number;
  readonly deviationCapPpm?: Ppm;
  readonly deviationPolicy?: DeviationPolicy;
  readonly medianRule?: MedianRule;
  /** Pyth-style: a source whose conf / price exceeds this gets weight zero. */
  readonly maxConfPpm?: Ppm;
  /** Per source, its aggregator's min/max answer: an answer at or beyond one is clamped, never used. */
  readonly answerBounds?: Readonly<Record<string, AnswerBounds>>;
}

/** Guards that trip the market's breaker (liquidations pause on a tripped market). Absent limits are not checked. */
export interface GuardConfig {
  /** The index (or direct price) older than this trips the breaker (checked on every command, ticks included). */
  readonly maxPriceAgeMs?: number;
  /** A mark moving more than this in one update trips it. */
  readonly maxJumpPpm?: Ppm;
  /** A price whose confidence half-width exceeds this share of it trips it. */
  readonly maxConfPpm?: Ppm;
  /** A mark further than this from its time-weighted average over twapWindowMs trips it. */
  readonly twapBandPpm?: Ppm;
  readonly twapWindowMs?: number;
  /** Consecutive sound updates that re-arm a tripped breaker (>= 1). */
  readonly rearmAfter: number;
}

export interface AttestationConfig {
  /** When true, every source price must carry a valid ed25519 signature. */
  readonly required: boolean;
  /** Public key (32 bytes, hex) per source. */
  readonly keys: Readonly<Record<string, string>>;
}

export type FundingMethod = 'binance' | 'hyperliquid' | 'external';

export interface FundingConfig {
  readonly method: FundingMethod;
  /** Time between funding payments; payments happen at multiples of it since the epoch. */
  readonly intervalMs: number;
  /** Premium samples are taken at most this often. */
  readonly sampleIntervalMs: number;
  /** Interest component per 8 h (Binance 0.01% = 100_000). */
  readonly interestRate: RateE9;
  /** Clamp of (interest - premium), per 8 h (Binance 0.05% = 500_000). */
  readonly clampBand: RateE9;
  /** Cap and floor of the interval's rate. */
  readonly capRate: RateE9;
  readonly floorRate: RateE9;
  /** The price a payment is computed at. */
  readonly fundAt: 'mark' | 'index';
}

export interface MarketPricing {
  /** Aggregation of source prices into the index; absent: priced by direct `price` commands only. */
  readonly index?: IndexConfig;
  /** Overrides the rulebook's mark method for this market. */
  readonly markMethod?: MarkMethod;
  /** Binance Price 2: basis sampled every cadence, averaged over `samples` (COIN-M: 5 s x 30). */
  readonly basisCadenceMs: number;
  readonly basisSamples: number;
  /** dYdX: an oracle price moves only when the change is at least this (ppm of the old price). */
  readonly minPriceChangePpm: Ppm;
  readonly guards: GuardConfig;
  readonly attestation?: AttestationConfig;
  readonly funding?: FundingConfig;
  /**
   * The aggregator's min/max answer for direct `price` commands: a mark or index at or beyond a bound is clamped,
   * never used; the market's price is invalid (not enforceable; withdrawals and borrows against it frozen) until an
   * answer strictly inside arrives.
   */
  readonly answerBounds?: AnswerBounds;
}

export const DEFAULT_PRICING: MarketPricing = {
  basisCadenceMs: 5_000,
  basisSamples: 30,
  minPriceChangePpm: 0n as Ppm,
  guards: { rearmAfter: 1 },
};

/** One source's latest price. */
export interface SourceObservation {
  readonly source: string;
  readonly price: Price;
  readonly publishTimeMs: number;
  readonly conf?: Price;
  /** The ed25519 signature it carried (hex), kept so a verifier can re-check it from a snapshot. */
  readonly signature?: string;
  /** At or beyond the source's answer bounds: kept (its publish time orders later answers), never aggregated. */
  readonly clamped?: true;
}

/** A source the index clipped to the band around the median, or dropped (IndexOutlier events on changes). */
export interface OutlierSource {
  readonly source: string;
  readonly status: 'clipped' | 'dropped';
}

/** The venue's book top and trades, inputs to the mark methods and the premium. */
export interface BookTop {
  readonly bestBid?: Price;
  readonly bestAsk?: Price;
  readonly lastTrade?: Price;
  /** Hyperliquid: the weighted median of other venues' perp mids. */
  readonly externalMid?: Price;
  readonly updatedMs: number;
}

export interface FundingState {
  /** When the next payment is due (ms). */
  nextFundingMs: number;
  /** Premium samples (RateE9) since the last payment; bounded by PREMIUM_SAMPLES_MAX. */
  samples: RateE9[];
  lastSampleMs: number;
  /** The latest announced (external) or estimated rate of the running interval. */
  currentRate: RateE9;
}

export interface MarketPriceState {
  /** Latest observation per source, sorted by source name. */
  sources: SourceObservation[];
  /** When the index (or a direct price) last changed; null before the first. */
  lastPriceMs: number | null;
  /** The confidence half-width of the last direct or single-source price, for the confidence guard. */
  lastConf: Price | null;
  unpriced: boolean;
  book: BookTop | null;
  binanceBasis: BinanceBasisState;
  hyperliquid: HyperliquidMarkState;
  dydxOracle: DydxOracleState;
  twap: TwapState | null;
  breaker: BreakerState;
  funding: FundingState | null;
  /** The last direct answer was at an aggregator bound: the market's price is invalid until a sound one arrives. */
  clamped: { readonly bound: AnswerBound; readonly price: Price } | null;
  /** Sources currently clipped or dropped by the index, sorted by name. */
  outliers: readonly OutlierSource[];
  /** Why the index stands in for the mark method's price (announced once by MarkFallback); null: the method works. */
  markFallback: MarkFallbackReason | null;
}

export function initialPriceState(pricing: MarketPricing, nowMs: number): MarketPriceState {
  const g = pricing.guards;
  return {
    sources: [],
    lastPriceMs: null,
    lastConf: null,
    unpriced: false,
    book: null,
    binanceBasis: newBinanceBasisState(pricing.basisCadenceMs, pricing.basisSamples),
    hyperliquid: newHyperliquidMarkState(nowMs),
    dydxOracle: { price: null },
    twap: g.twapBandPpm !== undefined ? newTwap(g.twapWindowMs ?? 300_000, 512) : null,
    breaker: SOUND_BREAKER,
    funding:
      pricing.funding === undefined
        ? null
        : { nextFundingMs: nextMultiple(nowMs, pricing.funding.intervalMs), samples: [], lastSampleMs: Number.NEGATIVE_INFINITY, currentRate: 0n as RateE9 },
    clamped: null,
    outliers: [],
    markFallback: null,
  };
}

/** The first multiple of `interval` strictly after `t`. */
export function nextMultiple(t: number, interval: number): number {
  return (Math.floor(t / interval) + 1) * interval;
}

export interface PricingProblem {
  readonly path: string;
  readonly message: string;
}

const isPosInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const ppmOk = (p: bigint | undefined): boolean => p === undefined || (p >= 0n && p <= PPM_ONE);
const boundsOk = (b: AnswerBounds): boolean => b.min >= 0n && b.min < b.max;

export function validatePricing(p: MarketPricing): PricingProblem[] {
  const out: PricingProblem[] = [];
  if (!isPosInt(p.basisCadenceMs)) out.push({ path: 'basisCadenceMs', message: 'must be a positive integer' });
  if (!isPosInt(p.basisSamples) || p.basisSamples > 1024) out.push({ path: 'basisSamples', message: 'must be in [1, 1024]' });
  if (!ppmOk(p.minPriceChangePpm)) out.push({ path: 'minPriceChangePpm', message: 'must be in [0, 1e6]' });
  const i = p.index;
  if (i !== undefined) {
    const names = Object.keys(i.weights);
    if (names.length === 0 || names.length > 64) out.push({ path: 'index.weights', message: 'name 1 to 64 sources' });
    for (const [name, w] of Object.entries(i.weights)) if (w < 0n) out.push({ path: `index.weights.${name}`, message: 'must not be negative' });
    if (!isPosInt(i.maxAgeMs)) out.push({ path: 'index.maxAgeMs', message: 'must be a positive integer' });
    if (!isPosInt(i.minSources) || i.minSources > names.length) out.push({ path: 'index.minSources', message: 'must be in [1, number of sources]' });
    if (!ppmOk(i.deviationCapPpm)) out.push({ path: 'index.deviationCapPpm', message: 'must be in [0, 1e6]' });
    if (!ppmOk(i.maxConfPpm)) out.push({ path: 'index.maxConfPpm', message: 'must be in [0, 1e6]' });
    for (const [name, b] of Object.entries(i.answerBounds ?? {})) {
      if (!Object.hasOwn(i.weights, name)) out.push({ path: `index.answerBounds.${name}`, message: 'is not among the sources' });
      else if (!boundsOk(b)) out.push({ path: `index.answerBounds.${name}`, message: 'need 0 <= min < max' });
    }
  }
  if (p.answerBounds !== undefined && !boundsOk(p.answerBounds)) out.push({ path: 'answerBounds', message: 'need 0 <= min < max' });
  const g = p.guards;
  if (!isPosInt(g.rearmAfter)) out.push({ path: 'guards.rearmAfter', message: 'must be a positive integer' });
  if (g.maxPriceAgeMs !== undefined && !isPosInt(g.maxPriceAgeMs)) out.push({ path: 'guards.maxPriceAgeMs', message: 'must be a positive integer' });
  if (g.twapWindowMs !== undefined && !isPosInt(g.twapWindowMs)) out.push({ path: 'guards.twapWindowMs', message: 'must be a positive integer' });
  for (const k of ['maxJumpPpm', 'maxConfPpm', 'twapBandPpm'] as const) if (!ppmOk(g[k])) out.push({ path: `guards.${k}`, message: 'must be in [0, 1e6]' });
  const a = p.attestation;
  if (a !== undefined) {
    for (const [name, key] of Object.entries(a.keys)) {
      if (!/^[0-9a-fA-F]{64}$/.test(key)) out.push({ path: `attestation.keys.${name}`, message: 'must be a 32-byte ed25519 public key in hex' });
    }
    if (a.required && Object.keys(a.keys).length === 0) out.push({ path: 'attestation.keys', message: 'required signatures need keys' });
  }
  const f = p.funding;
  if (f !== undefined) {
    if (!isPosInt(f.intervalMs)) out.push({ path: 'funding.intervalMs', message: 'must be a positive integer' });
    if (!isPosInt(f.sampleIntervalMs)) out.push({ path: 'funding.sampleIntervalMs', message: 'must be a positive integer' });
    if (f.clampBand < 0n) out.push({ path: 'funding.clampBand', message: 'must not be negative' });
    if (f.floorRate > f.capRate) out.push({ path: 'funding.floorRate', message: 'must not exceed capRate' });
    if (f.method === 'binance' && (f.intervalMs % 3_600_000 !== 0 || f.intervalMs > 8 * 3_600_000)) {
      out.push({ path: 'funding.intervalMs', message: 'Binance funding intervals are whole hours up to 8' });
    }
  }
  return out;
}
