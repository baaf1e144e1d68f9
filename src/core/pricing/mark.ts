// Mark price methods (DESIGN.md "Prices"), as pure functions plus the small state records they need.
//
// Rounding: every figure here is neutral (it is neither a payout nor a requirement), so divisions round
// half_even, except dYdX's own helpers, which reproduce dYdX's rounding (named at each function).
//
// Missing inputs: each venue's method is a median of a few inputs. When an input is absent we take the
// median of the inputs present (with two inputs: their mean, half_even); with none, the index (or oracle)
// itself, flagged `fallback: true`. This is our rule (U: the venues do not publish one), except where noted.
import { assert, unreachable } from '../assert.js';
import type { CodeName } from '../codes.js';
import { abs, divRound, PPM_ONE, RATE_E9_ONE, type Ppm, type Price, type RateE9 } from '../units/index.js';
import { newTimeDecayEma, updateTimeDecayEma, type TimeDecayEma } from './ema.js';
import { BASIS_SAMPLES_MAX, INDEX_SOURCES_MAX, MARK_INPUTS_MAX } from './limits.js';
import { median } from './median.js';

export type MarkComponentName =
  | 'price1'
  | 'price2'
  | 'last'
  | 'fair'
  | 'oracle_plus_basis_ema'
  | 'book_median'
  | 'external_perp_mid'
  | 'book_ema'
  | 'oracle'
  | 'index';

export type MarkComponent = { readonly name: MarkComponentName; readonly price: Price };

/** Stable reason codes (the `mark` vocabulary of core/codes.ts): why a method computed no mark. */
export type MarkRejection = Extract<CodeName<'mark'>, 'invalid_input' | 'non_positive_mark' | 'no_oracle_price'>;

/** Why the index stood in for a method's mark (MarkFallback): a refusal, or the method lacked its inputs. */
export type MarkFallbackReason = CodeName<'mark'>;

export type MarkResult =
  | {
      readonly ok: true;
      readonly price: Price;
      /** The inputs the median was taken over, in the method's fixed order. */
      readonly components: readonly MarkComponent[];
      /** True when no component was available and the index/oracle was used as is. */
      readonly fallback: boolean;
    }
  | { readonly ok: false; readonly reason: MarkRejection };

function medianMark(components: readonly MarkComponent[], fallback: MarkComponent): MarkResult {
  assert(components.length <= MARK_INPUTS_MAX, 'medianMark: at most MARK_INPUTS_MAX inputs');
  if (components.length === 0) return { ok: true, price: fallback.price, components: [fallback], fallback: true };
  const price = median(
    components.map((c) => c.price),
    'half_even',
  );
  if (price <= 0n) return { ok: false, reason: 'non_positive_mark' };
  return { ok: true, price, components, fallback: false };
}

// ---- funding basis: Binance Price 1 and BitMEX fair price ----------------------------------------------

export type FundingBasisInput = {
  /** The funding rate of the current interval (Binance `r`, BitMEX funding rate), RateE9. */
  readonly rate: RateE9;
  /** Time until the next funding (Binance `T - E`), ms; 0 <= timeToFundingMs <= intervalMs. */
  readonly timeToFundingMs: number;
  /** Funding interval, ms (8 h = 28_800_000 on Binance's formula text and BitMEX). */
  readonly intervalMs: number;
};

function fundingInputValid(f: FundingBasisInput): boolean {
  return (
    Number.isSafeInteger(f.intervalMs) &&
    f.intervalMs > 0 &&
    Number.isSafeInteger(f.timeToFundingMs) &&
    f.timeToFundingMs >= 0 &&
    f.timeToFundingMs <= f.intervalMs
  );
}

/**
 * index × (1 + rate × timeToFunding / interval), computed as
 * index × (interval·1e9 + rate·timeToFunding) / (interval·1e9) with one half_even rounding.
 * Binance "Price 1 = Price Index × (1 + Last Funding Rate × (Time Until Funding / 8))"
 * (binance.com/en/support/faq/360033525071, FORMATS.md §1.9); BitMEX "Fair Price = Index Price ×
 * (1 + Funding Basis)", Funding Basis = Funding Rate × (Time Until Funding / Funding Interval)
 * (bitmex.com/app/fairPriceMarking).
 */
export function fundingBasisPrice(index: Price, f: FundingBasisInput): Price {
  assert(fundingInputValid(f), 'fundingBasisPrice: validated funding input');
  const interval = BigInt(f.intervalMs) * RATE_E9_ONE;
  return divRound(index * (interval + f.rate * BigInt(f.timeToFundingMs)), interval, 'half_even') as Price;
}

// ---- Binance: median(Price 1, Price 2, last) ----------------------------------------------------------

/**
 * One basis sample: 2 × (mid - index) = bid + ask - 2 × index, in half price atoms, so the mid is never
 * rounded; `slot` = floor(sample time / cadence).
 */
export type BasisSample = { readonly slot: number; readonly basisHalfAtoms: bigint };

/**
 * The moving average of the basis (mid - index) behind Binance's Price 2: "the average of 30 data points
 * over a 2.5-minute period ... calculated every 5 seconds" (COIN-M FAQ fff6ec1b3f5845d19f1fb924644a0877;
 * since 2025-09-18 Binance announced 30 points, one per second). A bounded FIFO, oldest first, immutable:
 * each update returns a new record. Our rules (U):
 * - a sample is taken at the first update inside each new cadence slot (floor(now / cadence)); an update in
 *   the slot already sampled changes nothing; slots without updates are not back-filled;
 * - the average covers the samples of the last `capacity` slots up to now; older ones no longer count, so
 *   after a long feed gap Price 2 is absent rather than stale.
 */
export type BinanceBasisState = {
  readonly cadenceMs: number;
  readonly capacity: number;
  readonly samples: readonly BasisSample[];
};

export function newBinanceBasisState(cadenceMs = 5_000, capacity = 30): BinanceBasisState {
  assert(Number.isSafeInteger(cadenceMs) && cadenceMs > 0, 'newBinanceBasisState: cadenceMs > 0');
  assert(Number.isSafeInteger(capacity) && capacity > 0, 'newBinanceBasisState: capacity > 0');
  assert(capacity <= BASIS_SAMPLES_MAX, 'newBinanceBasisState: capacity <= BASIS_SAMPLES_MAX');
  return { cadenceMs, capacity, samples: [] };
}

export type BasisSampleOutcome = 'sampled' | 'same_slot' | 'out_of_order' | 'invalid_book';

export type BasisQuote = {
  readonly nowMs: number;
  readonly bestBid: Price;
  readonly bestAsk: Price;
  readonly index: Price;
};

/** Offers a book/index observation to the basis buffer; see BinanceBasisState for when it is sampled. */
export function sampleBinanceBasis(
  state: BinanceBasisState,
  q: BasisQuote,
): { readonly state: BinanceBasisState; readonly outcome: BasisSampleOutcome } {
  assert(Number.isSafeInteger(q.nowMs), 'sampleBinanceBasis: nowMs is an integer');
  if (q.bestBid <= 0n || q.bestAsk <= 0n || q.bestBid > q.bestAsk || q.index <= 0n) {
    return { state, outcome: 'invalid_book' };
  }
  const slot = Math.floor(q.nowMs / state.cadenceMs);
  const last = state.samples[state.samples.length - 1];
  if (last !== undefined && slot < last.slot) return { state, outcome: 'out_of_order' };
  if (last !== undefined && slot === last.slot) return { state, outcome: 'same_slot' };
  const sample: BasisSample = { slot, basisHalfAtoms: q.bestBid + q.bestAsk - 2n * q.index };
  const kept = state.samples.length >= state.capacity ? state.samples.slice(1) : state.samples;
  return { state: { ...state, samples: [...kept, sample] }, outcome: 'sampled' };
}

/**
 * MA(basis) = Σ (bid_i + ask_i)/2 - index_i over the samples in the window, / their count, in price atoms,
 * half_even (one rounding over the exact half-atom sum). Null when no sample is in the window.
 */
export function binanceBasisMa(state: BinanceBasisState, nowMs: number): bigint | null {
  const slot = Math.floor(nowMs / state.cadenceMs);
  let sum = 0n;
  let n = 0n;
  for (const s of state.samples) {
    if (s.slot > slot - state.capacity && s.slot <= slot) {
      sum += s.basisHalfAtoms;
      n += 1n;
    }
  }
  return n === 0n ? null : divRound(sum, 2n * n, 'half_even');
}

export type BinanceMarkInput = {
  readonly index: Price;
  /** Absent: no Price 1. */
  readonly funding?: FundingBasisInput;
  /** From binanceBasisMa; absent or null: no Price 2. */
  readonly basisMa?: bigint | null;
  /** The last contract trade price; absent: not a component. */
  readonly lastPrice?: Price;
};

/**
 * Binance perpetual mark: Median(Price 1, Price 2, Contract Price), Price 2 = Price Index + MA(basis)
 * (binance.com/en/support/faq/360033525071 and COIN-M FAQ fff6ec1b3f5845d19f1fb924644a0877, FORMATS.md
 * §1.9). Missing inputs: the median of the ones present (two: their mean, half_even); none: the index.
 */
export function binanceMark(input: BinanceMarkInput): MarkResult {
  if (input.index <= 0n) return { ok: false, reason: 'invalid_input' };
  if (input.funding !== undefined && !fundingInputValid(input.funding)) return { ok: false, reason: 'invalid_input' };
  if (input.lastPrice !== undefined && input.lastPrice <= 0n) return { ok: false, reason: 'invalid_input' };
  const components: MarkComponent[] = [];
  if (input.funding !== undefined) {
    components.push({ name: 'price1', price: fundingBasisPrice(input.index, input.funding) });
  }
  if (input.basisMa !== undefined && input.basisMa !== null) {
    components.push({ name: 'price2', price: (input.index + input.basisMa) as Price });
  }
  if (input.lastPrice !== undefined) components.push({ name: 'last', price: input.lastPrice });
  return medianMark(components, { name: 'index', price: input.index });
}

// ---- BitMEX fair price ---------------------------------------------------------------------------------

/** BitMEX fair price = index × (1 + funding rate × time until funding / funding interval), half_even. */
export function bitmexFairPrice(index: Price, funding: FundingBasisInput): MarkResult {
  if (index <= 0n || !fundingInputValid(funding)) return { ok: false, reason: 'invalid_input' };
  const price = fundingBasisPrice(index, funding);
  if (price <= 0n) return { ok: false, reason: 'non_positive_mark' };
  return { ok: true, price, components: [{ name: 'fair', price }], fallback: false };
}

// ---- Hyperliquid ---------------------------------------------------------------------------------------

/** Hyperliquid's EMA time constants (robust-price-indices page): 150 s for the basis, 30 s for the book. */
export const HYPERLIQUID_BASIS_TAU_MS = 150_000;
export const HYPERLIQUID_BOOK_TAU_MS = 30_000;

/**
 * - basisEma: EMA of (mid - oracle), fed in half atoms (bid + ask - 2 × oracle), τ = 150 s.
 * - bookEma: EMA of median(best bid, best ask, last trade), fed in half atoms, τ = 30 s; Hyperliquid adds it
 *   to the median only when exactly two of the three main inputs exist.
 */
export type HyperliquidMarkState = { readonly basisEma: TimeDecayEma; readonly bookEma: TimeDecayEma };

/** `startMs`: when the market's EMAs start (see newTimeDecayEma); omit it to weigh the first sample 1 ms. */
export function newHyperliquidMarkState(startMs?: number): HyperliquidMarkState {
  return {
    basisEma: newTimeDecayEma(HYPERLIQUID_BASIS_TAU_MS, startMs),
    bookEma: newTimeDecayEma(HYPERLIQUID_BOOK_TAU_MS, startMs),
  };
}

export type HyperliquidBook = { readonly bestBid?: Price; readonly bestAsk?: Price; readonly lastTrade?: Price };

function bookValid(b: HyperliquidBook): boolean {
  if (b.bestBid !== undefined && b.bestBid <= 0n) return false;
  if (b.bestAsk !== undefined && b.bestAsk <= 0n) return false;
  if (b.lastTrade !== undefined && b.lastTrade <= 0n) return false;
  if (b.bestBid !== undefined && b.bestAsk !== undefined && b.bestBid > b.bestAsk) return false;
  return true;
}

/**
 * median(best bid, best ask, last trade) in half atoms. Our rule (U): it needs a two-sided book; without a
 * last trade it is the mid. Null for a one-sided or empty book.
 */
function bookMedianHalfAtoms(b: HyperliquidBook): bigint | null {
  if (b.bestBid === undefined || b.bestAsk === undefined) return null;
  if (b.lastTrade === undefined) return b.bestBid + b.bestAsk;
  return median([2n * b.bestBid, 2n * b.bestAsk, 2n * b.lastTrade], 'half_even');
}

export type HyperliquidStateUpdate =
  | {
      readonly ok: true;
      readonly state: HyperliquidMarkState;
      readonly basisSampled: boolean;
      readonly bookSampled: boolean;
    }
  | { readonly ok: false; readonly reason: 'invalid_input' | 'out_of_order'; readonly state: HyperliquidMarkState };

/**
 * Feeds one oracle update (Hyperliquid updates mark and oracle together, about every 3 s) into both EMAs.
 * Call it before hyperliquidMark at the same time.
 */
export function updateHyperliquidMarkState(
  state: HyperliquidMarkState,
  u: { readonly nowMs: number; readonly oracle: Price; readonly book: HyperliquidBook },
): HyperliquidStateUpdate {
  if (u.oracle <= 0n || !bookValid(u.book)) return { ok: false, reason: 'invalid_input', state };
  const bookHalf = bookMedianHalfAtoms(u.book);
  if (bookHalf === null) return { ok: true, state, basisSampled: false, bookSampled: false };
  const { bestBid, bestAsk } = u.book;
  assert(bestBid !== undefined && bestAsk !== undefined, 'updateHyperliquidMarkState: two-sided book');
  const basis = updateTimeDecayEma(state.basisEma, bestBid + bestAsk - 2n * u.oracle, u.nowMs);
  const book = updateTimeDecayEma(state.bookEma, bookHalf, u.nowMs);
  if (!basis.ok || !book.ok) return { ok: false, reason: 'out_of_order', state };
  return { ok: true, state: { basisEma: basis.ema, bookEma: book.ema }, basisSampled: true, bookSampled: true };
}

export type HyperliquidMarkInput = {
  readonly oracle: Price;
  readonly state: HyperliquidMarkState;
  readonly book: HyperliquidBook;
  /** Median of Binance, OKX, Bybit (and more) perp mids, weighted as Hyperliquid does; absent if unknown. */
  readonly externalPerpMid?: Price;
};

/** (2 × oracle × den + num) / (2 × den): oracle + EMA(basis) with one half_even rounding. */
function oraclePlusEma(oracle: Price, ema: TimeDecayEma): Price | null {
  if (ema.denominatorE18 === 0n) return null;
  return divRound(2n * oracle * ema.denominatorE18 + ema.numeratorE18, 2n * ema.denominatorE18, 'half_even') as Price;
}

/**
 * Hyperliquid mark (hyperliquid.gitbook.io/hyperliquid-docs/trading/robust-price-indices): the median of
 * 1. oracle + 150 s EMA of (mid - oracle), 2. median(best bid, best ask, last trade), 3. external perp mid;
 * "if exactly two out of the three inputs above exist, the 30 second EMA of the median of best bid, best
 * ask, and last trade on Hyperliquid is also added to the median inputs". With one input: that input;
 * with none: the oracle (fallback, our rule).
 */
export function hyperliquidMark(input: HyperliquidMarkInput): MarkResult {
  if (input.oracle <= 0n || !bookValid(input.book)) return { ok: false, reason: 'invalid_input' };
  if (input.externalPerpMid !== undefined && input.externalPerpMid <= 0n) return { ok: false, reason: 'invalid_input' };
  const components: MarkComponent[] = [];
  const p1 = oraclePlusEma(input.oracle, input.state.basisEma);
  if (p1 !== null) components.push({ name: 'oracle_plus_basis_ema', price: p1 });
  const bookHalf = bookMedianHalfAtoms(input.book);
  if (bookHalf !== null) components.push({ name: 'book_median', price: divRound(bookHalf, 2n, 'half_even') as Price });
  if (input.externalPerpMid !== undefined) components.push({ name: 'external_perp_mid', price: input.externalPerpMid });
  if (components.length === 2) {
    const e = input.state.bookEma;
    if (e.denominatorE18 !== 0n) {
      const bookEma = divRound(e.numeratorE18, 2n * e.denominatorE18, 'half_even') as Price;
      components.push({ name: 'book_ema', price: bookEma });
    }
  }
  return medianMark(components, { name: 'oracle', price: input.oracle });
}

// ---- dYdX v4 -------------------------------------------------------------------------------------------

/**
 * dYdX's median (protocol/lib/math.go `Median`, dydxprotocol/v4-chain): odd count, the middle value; even
 * count, the mean of the two middle values rounded half away from zero (6.5 -> 7, -4.5 -> -5).
 */
export function dydxMedian<T extends bigint>(values: readonly T[]): T {
  return median(values, 'away');
}

/** The oracle price as a median of exchange prices, with a minimum number of exchanges. */
export function dydxOraclePrice(
  exchangePrices: readonly Price[],
  minExchanges: number,
):
  | { readonly ok: true; readonly price: Price }
  | { readonly ok: false; readonly reason: 'invalid_input' | 'too_few_sources' } {
  if (!Number.isSafeInteger(minExchanges) || minExchanges < 1 || exchangePrices.length > INDEX_SOURCES_MAX) {
    return { ok: false, reason: 'invalid_input' };
  }
  if (exchangePrices.some((p) => p <= 0n)) return { ok: false, reason: 'invalid_input' };
  if (exchangePrices.length < minExchanges) return { ok: false, reason: 'too_few_sources' };
  return { ok: true, price: dydxMedian(exchangePrices) };
}

/**
 * The smallest accepted change: floor(old × minPriceChangePpm / 1e6) — "This method always rounds down,
 * which slightly biases towards price updates" (x/prices/keeper/util.go getMinPriceChangeAmountForMarket,
 * lib.BigIntMulPpm rounds toward negative infinity).
 */
export function dydxMinPriceChange(oldPrice: Price, minPriceChangePpm: Ppm): bigint {
  return divRound(oldPrice * minPriceChangePpm, PPM_ONE, 'floor');
}

/** isAboveRequiredMinPriceChange: |old - new| >= floor(old × ppm / 1e6) (x/prices/keeper/util.go). */
export function dydxMeetsMinPriceChange(oldPrice: Price, newPrice: Price, minPriceChangePpm: Ppm): boolean {
  return abs(newPrice - oldPrice) >= dydxMinPriceChange(oldPrice, minPriceChangePpm);
}

/**
 * validatePriceAccuracy (x/prices/keeper/validate_market_price_updates.go): a proposed price is accurate
 * when it lies between the current price and the index price (inclusive); or, when it crosses the index
 * price, if old_delta <= one tick, new_delta <= old_delta, otherwise new_ticks <= sqrt(old_ticks), i.e.
 * new_delta² × 1e6 <= old_delta × old × ppm (tick = old × ppm / 1e6; util.go newPriceMeetsSqrtCondition).
 * dYdX runs this per validator against its own index (non-deterministic there); here the index is an input.
 */
export function dydxIsPriceAccurate(
  oldPrice: Price,
  indexPrice: Price,
  newPrice: Price,
  minPriceChangePpm: Ppm,
): boolean {
  const lo = oldPrice < indexPrice ? oldPrice : indexPrice;
  const hi = oldPrice < indexPrice ? indexPrice : oldPrice;
  if (newPrice >= lo && newPrice <= hi) return true; // towards the index
  // Crossing: the index lies strictly between the old and the new price.
  const top = oldPrice > newPrice ? oldPrice : newPrice;
  const bottom = oldPrice < newPrice ? oldPrice : newPrice;
  if (!(indexPrice < top && indexPrice > bottom)) return false;
  const tickSizePpm = oldPrice * minPriceChangePpm;
  const oldDelta = abs(oldPrice - indexPrice);
  const newDelta = abs(indexPrice - newPrice);
  if (oldDelta * PPM_ONE <= tickSizePpm) return newDelta <= oldDelta;
  return newDelta * newDelta * PPM_ONE <= oldDelta * tickSizePpm;
}

/** The oracle price currently in state; null before the first accepted price. */
export type DydxOracleState = { readonly price: Price | null };

export type DydxOracleStep = {
  readonly state: DydxOracleState;
  readonly accepted: boolean;
  readonly reason: 'accepted' | 'first_price' | 'below_min_price_change' | 'invalid_input';
};

/** Applies a candidate oracle price under dYdX's min-price-change rule. The first price is always taken. */
export function stepDydxOracle(state: DydxOracleState, candidate: Price, minPriceChangePpm: Ppm): DydxOracleStep {
  if (candidate <= 0n || minPriceChangePpm < 0n || minPriceChangePpm > PPM_ONE) {
    return { state, accepted: false, reason: 'invalid_input' };
  }
  if (state.price === null) return { state: { price: candidate }, accepted: true, reason: 'first_price' };
  if (!dydxMeetsMinPriceChange(state.price, candidate, minPriceChangePpm)) {
    return { state, accepted: false, reason: 'below_min_price_change' };
  }
  return { state: { price: candidate }, accepted: true, reason: 'accepted' };
}

// ---- one entry point for rulebooks ---------------------------------------------------------------------

export type MarkMethod = 'binance' | 'bitmex' | 'hyperliquid' | 'dydx' | 'oracle';

export type MarkInput =
  | ({ readonly method: 'binance' } & BinanceMarkInput)
  | { readonly method: 'bitmex'; readonly index: Price; readonly funding: FundingBasisInput }
  | ({ readonly method: 'hyperliquid' } & HyperliquidMarkInput)
  /** dYdX v4 margins at the oracle price itself. */
  | { readonly method: 'dydx'; readonly oracle: DydxOracleState }
  /** mark = index. */
  | { readonly method: 'oracle'; readonly index: Price };

export function computeMark(input: MarkInput): MarkResult {
  switch (input.method) {
    case 'binance':
      return binanceMark(input);
    case 'bitmex':
      return bitmexFairPrice(input.index, input.funding);
    case 'hyperliquid':
      return hyperliquidMark(input);
    case 'dydx': {
      const p = input.oracle.price;
      if (p === null) return { ok: false, reason: 'no_oracle_price' };
      return { ok: true, price: p, components: [{ name: 'oracle', price: p }], fallback: false };
    }
    case 'oracle':
      if (input.index <= 0n) return { ok: false, reason: 'invalid_input' };
      return { ok: true, price: input.index, components: [{ name: 'index', price: input.index }], fallback: false };
    default:
      return unreachable(input);
  }
}
