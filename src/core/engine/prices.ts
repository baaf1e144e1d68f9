// Prices inside the engine: source prices -> index (aggregation) -> mark (the rulebook's method) -> guards ->
// breaker; the venue's book top feeds the mark methods and the funding premium; time drives funding payments and
// the staleness guard. Pure functions of the state and the command (core/pricing holds the formulas).

import { assert, unreachable } from '../assert.js';
import { isName } from './setup.js';
import { PPM_ONE, abs, divRound, price, rateE9, type Price, type RateE9 } from '../units/index.js';
import { aggregateIndex, type Observation, type SourceReport } from '../pricing/index.js';
import {
  binanceBasisMa,
  computeMark,
  sampleBinanceBasis,
  stepDydxOracle,
  updateHyperliquidMarkState,
  type FundingBasisInput,
  type MarkFallbackReason,
  type MarkInput,
  type MarkMethod,
} from '../pricing/mark.js';
import { clampedAt, runGuards, stepBreaker, type GuardViolation } from '../pricing/guards.js';
import { depegged, peggedPrice } from '../pricing/peg.js';
import { pushTwap, twapValue } from '../pricing/twap.js';
import { averagePremium, binanceFundingRate, fundingIndexDelta, hyperliquidFundingRate, premiumIndex } from '../pricing/funding.js';
import { PREMIUM_SAMPLES_MAX } from '../pricing/limits.js';
import { observeVolatility } from '../market/volatility.js';
import { DEFAULT_PRICING, type MarketPricing, type OutlierSource, type SourceObservation } from '../market/pricing.js';
import type { MarketState } from '../market/state.js';
import type { FundingRateUpdate, MarketData, PriceUpdate, SourcePrice } from './commands.js';
import type { Emit } from './emit.js';
import { reject, type Rejection } from './reasons.js';
import type { EngineState } from './state.js';

export function pricingOf(m: MarketState): MarketPricing {
  return m.spec.pricing ?? DEFAULT_PRICING;
}

export function markMethodOf(s: EngineState, m: MarketState): MarkMethod {
  return pricingOf(m).markMethod ?? s.rulebook.markMethod;
}

/** What a price change hands to enforcement: the market whose prices moved. */
export type PriceChanged = (market: string) => void;

// ---- commands -----------------------------------------------------------------------------------------------

/**
 * A direct price: `mark` and/or `index` (an oracle that already aggregates its sources). With a mark, the mark is
 * taken as given; with only an index, the mark is computed by the market's mark method.
 */
export function applyPriceUpdate(s: EngineState, cmd: PriceUpdate, emit: Emit, changed: PriceChanged): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  if (cmd.mark === undefined && cmd.index === undefined) return reject('invalid_field', 'mark', 'give a mark, an index or both');
  if (cmd.mark !== undefined && cmd.mark <= 0n) return reject('price_not_positive', 'mark', 'mark price must be positive');
  if (cmd.index !== undefined && cmd.index <= 0n) return reject('price_not_positive', 'index', 'index price must be positive');
  if (cmd.conf !== undefined && cmd.conf < 0n) return reject('invalid_field', 'conf', 'confidence must not be negative');
  const index = price(cmd.index ?? (cmd.mark as Price));
  // Committed: the answer is recorded either way. An answer at its aggregator's bound is not a price (Venus 2022).
  const bounds = pricingOf(market).answerBounds;
  if (bounds !== undefined) {
    const clampedMark = cmd.mark === undefined ? null : clampedAt(cmd.mark, bounds);
    const clampedIndex = cmd.index === undefined ? null : clampedAt(cmd.index, bounds);
    const bound = clampedMark ?? clampedIndex;
    if (bound !== null) {
      const at = clampedMark !== null ? (cmd.mark as Price) : index;
      market.price.clamped = { bound, price: at };
      emit({ kind: 'PriceClamped', market: cmd.market, source: null, price: at, bound });
      return undefined;
    }
    if (market.price.clamped !== null) {
      market.price.clamped = null;
      emit({ kind: 'PriceUnclamped', market: cmd.market, price: index });
    }
  }
  market.price.lastConf = cmd.conf ?? null;
  settleNewPrices(s, market, index, cmd.mark ?? null, cmd.tsMs, cmd.tsMs, emit);
  changed(market.spec.id);
  return undefined;
}

export function applySourcePrice(s: EngineState, cmd: SourcePrice, emit: Emit, changed: PriceChanged): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const pricing = pricingOf(market);
  const index = pricing.index;
  if (index === undefined) return reject('not_source_priced', 'market', `market ${cmd.market} has no index sources configured`);
  if (!isName(cmd.source) || index.weights[cmd.source] === undefined || !Object.hasOwn(index.weights, cmd.source)) {
    return reject('source_unknown', 'source', `source ${cmd.source} is not among the index sources of ${cmd.market}`);
  }
  if (cmd.price <= 0n) return reject('price_not_positive', 'price', 'price must be positive');
  if (cmd.conf !== undefined && cmd.conf < 0n) return reject('invalid_field', 'conf', 'confidence must not be negative');
  if (!Number.isSafeInteger(cmd.publishTimeMs) || cmd.publishTimeMs < 0) {
    return reject('invalid_field', 'publishTimeMs', 'must be a non-negative integer (ms since the epoch)');
  }
  if (cmd.publishTimeMs > cmd.tsMs) return reject('publish_time_in_future', 'publishTimeMs', `published at ${cmd.publishTimeMs}, after the command's time ${cmd.tsMs}`);
  const previous = market.price.sources.find((o) => o.source === cmd.source);
  if (previous !== undefined && cmd.publishTimeMs < previous.publishTimeMs) {
    return reject('stale_update', 'publishTimeMs', `source ${cmd.source} already published at ${previous.publishTimeMs}`);
  }
  const signatureRefusal = checkSignatureVerdict(pricing, cmd);
  if (signatureRefusal !== undefined) return signatureRefusal;
  // Committed. An answer at its aggregator's bound is kept (it orders the source's later answers) but never used.
  const bounds = index.answerBounds?.[cmd.source];
  const bound = bounds === undefined || !Object.hasOwn(index.answerBounds ?? {}, cmd.source) ? null : clampedAt(cmd.price, bounds);
  if (bound !== null) emit({ kind: 'PriceClamped', market: cmd.market, source: cmd.source, price: cmd.price, bound });
  const obs: SourceObservation = {
    source: cmd.source,
    price: cmd.price,
    publishTimeMs: cmd.publishTimeMs,
    ...(cmd.conf === undefined ? {} : { conf: cmd.conf }),
    ...(cmd.signature === undefined ? {} : { signature: cmd.signature }),
    ...(bound === null ? {} : { clamped: true as const }),
  };
  const sources = market.price.sources.filter((o) => o.source !== cmd.source);
  sources.push(obs);
  sources.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  market.price.sources = sources;
  reindexFromSources(s, market, cmd.tsMs, emit);
  changed(market.spec.id);
  return undefined;
}

/**
 * The signature rule, without crypto: a market that requires signed prices (or any signed price) needs the edge's
 * verdict on the command, for this source and for the key the market configures for it now, and that verdict valid.
 * The refusal codes are the edge's (signature_missing / signature_invalid); a verdict for another source or another
 * key (the market's keys changed after the edge looked) is signature_invalid.
 */
function checkSignatureVerdict(pricing: MarketPricing, cmd: SourcePrice): Rejection | undefined {
  const att = pricing.attestation;
  if (cmd.signature === undefined && att?.required !== true) return undefined;
  if (cmd.signature === undefined) return reject('signature_missing', 'signature', `market ${cmd.market} requires signed prices`);
  const check = cmd.signatureCheck;
  if (check === undefined || check.source !== cmd.source) {
    return reject('signature_invalid', 'signature', `the signature of ${cmd.source} was not verified at the edge`);
  }
  if (check.result !== 'valid') return reject(check.result, 'signature', `the edge refused the signature of ${cmd.source}: ${check.result}`);
  const key = att?.keys[cmd.source];
  if (key === undefined || !Object.hasOwn(att?.keys ?? {}, cmd.source)) {
    return reject('signature_invalid', 'signature', `no public key is configured for source ${cmd.source}`);
  }
  if (check.key !== key.toLowerCase()) {
    return reject('signature_invalid', 'signature', `verified with a key that is not ${cmd.source}'s key for ${cmd.market}`);
  }
  return undefined;
}

export function applyMarketData(s: EngineState, cmd: MarketData, emit: Emit, changed: PriceChanged): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  for (const f of ['bestBid', 'bestAsk', 'lastTrade', 'externalMid'] as const) {
    const v = cmd[f];
    if (v !== undefined && v <= 0n) return reject('price_not_positive', f, `${f} must be positive`);
  }
  if (cmd.bestBid !== undefined && cmd.bestAsk !== undefined && cmd.bestBid > cmd.bestAsk) {
    return reject('invalid_field', 'bestBid', 'the best bid is above the best ask');
  }
  market.price.book = {
    updatedMs: cmd.tsMs,
    ...(cmd.bestBid === undefined ? {} : { bestBid: cmd.bestBid }),
    ...(cmd.bestAsk === undefined ? {} : { bestAsk: cmd.bestAsk }),
    ...(cmd.lastTrade === undefined ? {} : { lastTrade: cmd.lastTrade }),
    ...(cmd.externalMid === undefined ? {} : { externalMid: cmd.externalMid }),
  };
  if (market.indexPrice !== null) {
    settleNewPrices(s, market, market.indexPrice, null, cmd.tsMs, market.price.lastPriceMs ?? cmd.tsMs, emit);
    changed(market.spec.id);
  }
  return undefined;
}

/** An announced funding rate for the running interval (Binance `r`): mark inputs, and 'external' funding. */
export function applyFundingRate(s: EngineState, cmd: FundingRateUpdate, emit: Emit): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const funding = market.price.funding;
  if (funding === null) return reject('invalid_field', 'market', `market ${cmd.market} has no funding configured`);
  if (abs(cmd.rate) > RATE_CAP) return reject('invalid_field', 'rate', 'a funding rate beyond +-100% per interval is refused');
  funding.currentRate = cmd.rate;
  emit({ kind: 'FundingRateAnnounced', market: cmd.market, rate: cmd.rate, nextFundingMs: funding.nextFundingMs });
  return undefined;
}

const RATE_CAP = 1_000_000_000n;

// ---- the pipeline ---------------------------------------------------------------------------------------------

function reindexFromSources(s: EngineState, market: MarketState, nowMs: number, emit: Emit): void {
  const cfg = pricingOf(market).index;
  if (cfg === undefined) return;
  const observations: Observation[] = [];
  for (const o of market.price.sources) {
    if (o.clamped === true) continue;
    observations.push({ source: o.source, price: o.price, publishTimeMs: o.publishTimeMs, ...(o.conf === undefined ? {} : { conf: o.conf }) });
  }
  const result = aggregateIndex(
    observations,
    {
      method: cfg.method,
      weights: cfg.weights,
      maxAgeMs: cfg.maxAgeMs,
      minSources: cfg.minSources,
      ...(cfg.deviationCapPpm === undefined ? {} : { deviationCapPpm: cfg.deviationCapPpm }),
      ...(cfg.deviationPolicy === undefined ? {} : { deviationPolicy: cfg.deviationPolicy }),
      ...(cfg.medianRule === undefined ? {} : { medianRule: cfg.medianRule }),
      ...(cfg.maxConfPpm === undefined ? {} : { maxConfPpm: cfg.maxConfPpm }),
    },
    nowMs,
  );
  noteOutliers(market, result.sources, result.ok ? result.referenceMedian : null, emit);
  if (!result.ok) {
    if (!market.price.unpriced) {
      market.price.unpriced = true;
      emit({ kind: 'MarketUnpriced', market: market.spec.id, reason: result.reason });
    }
    return;
  }
  if (market.price.unpriced) {
    market.price.unpriced = false;
    emit({ kind: 'MarketPriced', market: market.spec.id, index: result.price });
  }
  // The freshest source that entered the index dates it; a single source's confidence feeds the guard.
  let publishedMs = 0;
  let conf: Price | null = null;
  for (const r of result.sources) {
    if (r.status !== 'used' && r.status !== 'clipped') continue;
    const o = market.price.sources.find((x) => x.source === r.source);
    if (o === undefined) continue;
    if (o.publishTimeMs > publishedMs) publishedMs = o.publishTimeMs;
    if (result.usedCount === 1 && o.conf !== undefined) conf = o.conf;
  }
  market.price.lastConf = conf;
  settleNewPrices(s, market, result.price, null, nowMs, publishedMs, emit);
}

/**
 * Announces sources that became outliers of the index (clipped to the band around the median, or dropped) and those
 * that came back within it: one event per change, naming the source (issue 13: clipping is visible).
 */
function noteOutliers(m: MarketState, reports: readonly SourceReport[], median: Price | null, emit: Emit): void {
  const now: OutlierSource[] = [];
  for (const r of reports) if (r.status === 'clipped' || r.status === 'dropped') now.push({ source: r.source, status: r.status });
  const before = m.price.outliers;
  if (now.length === 0 && before.length === 0) return;
  for (const o of now) {
    if (before.some((b) => b.source === o.source && b.status === o.status)) continue;
    const r = reports.find((x) => x.source === o.source) as SourceReport;
    emit({ kind: 'IndexOutlier', market: m.spec.id, source: o.source, status: o.status, observed: r.observedPrice, used: r.usedPrice, median });
  }
  for (const b of before) if (!now.some((o) => o.source === b.source)) emit({ kind: 'IndexOutlierCleared', market: m.spec.id, source: b.source });
  m.price.outliers = now;
}

/** Funding inputs of the mark methods that need them (Binance Price 1, BitMEX fair price). */
function fundingBasis(m: MarketState, nowMs: number): FundingBasisInput | undefined {
  const f = m.price.funding;
  const cfg = pricingOf(m).funding;
  if (f === null || cfg === undefined) return undefined;
  const timeToFundingMs = Math.min(Math.max(f.nextFundingMs - nowMs, 0), cfg.intervalMs);
  return { rate: f.currentRate, timeToFundingMs, intervalMs: cfg.intervalMs };
}

/**
 * New index (and maybe a given mark) at nowMs: computes the mark by the market's method, runs the guards, steps the
 * breaker, then records the prices, the TWAP, volatility and the funding premium.
 */
function settleNewPrices(s: EngineState, m: MarketState, index: Price, givenMark: Price | null, nowMs: number, publishedMs: number, emit: Emit): void {
  const pricing = pricingOf(m);
  const method = markMethodOf(s, m);
  const book = m.price.book;
  let mark: Price | null = givenMark;
  if (mark === null) {
    const input = markInput(s, m, method, index, nowMs);
    const result = input === 'no_funding' ? null : computeMark(input);
    // The index stands in when the method gives no mark of its own, and says so (issue 15: no silent fallback).
    mark = result !== null && result.ok ? result.price : index;
    const fallback = result === null ? 'no_funding' : !result.ok ? result.reason : result.fallback ? 'no_inputs' : null;
    noteMarkFallback(m, method, fallback, mark, emit);
  }
  if (method === 'binance' && book?.bestBid !== undefined && book.bestAsk !== undefined) {
    m.price.binanceBasis = sampleBinanceBasis(m.price.binanceBasis, { nowMs, bestBid: book.bestBid, bestAsk: book.bestAsk, index }).state;
  }

  // Guards (skipped when the market configures none: nothing could trip its breaker).
  const g = pricing.guards;
  const guarded = g.maxPriceAgeMs !== undefined || g.maxJumpPpm !== undefined || g.maxConfPpm !== undefined || m.price.twap !== null;
  let twap: Price | undefined;
  if (m.price.twap !== null) {
    const tv = twapValue(m.price.twap, nowMs);
    if (tv.ok && tv.coveredMs > 0) twap = tv.price;
  }
  const violations = !guarded
    ? NO_VIOLATIONS
    : runGuards(
        {
          price: mark,
          publishTimeMs: publishedMs,
          nowMs,
          previous: m.markPrice,
          ...(m.price.lastConf === null ? {} : { conf: m.price.lastConf }),
          ...(twap === undefined ? {} : { twap }),
        },
        {
          maxAgeMs: g.maxPriceAgeMs ?? Number.MAX_SAFE_INTEGER,
          ...(g.maxJumpPpm === undefined ? {} : { maxJumpPpm: g.maxJumpPpm }),
          ...(g.maxConfPpm === undefined ? {} : { maxConfPpm: g.maxConfPpm }),
          ...(g.twapBandPpm === undefined ? {} : { twapBandPpm: g.twapBandPpm }),
        },
      );
  stepMarketBreaker(m, violations, nowMs, emit);

  m.indexPrice = index;
  m.markPrice = mark;
  m.priceUpdatedMs = nowMs;
  m.price.lastPriceMs = Math.max(publishedMs, m.price.lastPriceMs ?? 0);
  if (m.price.twap !== null) m.price.twap = pushTwap(m.price.twap, nowMs, mark).state;
  const vol = m.spec.margin.volatility;
  if (vol !== undefined) {
    const before = m.volatility.multiplierPpm;
    m.volatility = observeVolatility(vol, m.volatility, mark, nowMs);
    if (m.volatility.multiplierPpm !== before) emit({ kind: 'VolatilityMultiplierChanged', market: m.spec.id, multiplierPpm: m.volatility.multiplierPpm });
  }
  samplePremium(m, index, nowMs);
  watchPegs(s, m.spec.id, emit);
}

/**
 * Pegged assets whose own market or underlying's market is `marketId`: a depeg (the own market beyond the band from
 * conversion rate x the underlying's index) and its end are announced once each. Valuation never reads the own market.
 */
function watchPegs(s: EngineState, marketId: string, emit: Emit): void {
  if (s.assets.size === 0) return;
  for (const a of s.assets.values()) {
    const peg = a.peg;
    if (peg?.market === undefined || (peg.market !== marketId && a.priceMarket !== marketId)) continue;
    const own = s.markets.get(peg.market);
    const under = s.markets.get(a.priceMarket);
    const ownPx = own?.indexPrice ?? own?.markPrice ?? null;
    const underPx = under?.indexPrice ?? under?.markPrice ?? null;
    if (own === undefined || under === undefined || ownPx === null || underPx === null) continue;
    const off = depegged(ownPx, own.spec.priceDecimals, underPx, under.spec.priceDecimals, peg.conversionRateWad, peg.depegBandPpm);
    if (off === s.guards.depegged.has(a.id)) continue;
    const implied = peggedPrice(underPx, under.spec.priceDecimals, own.spec.priceDecimals, peg.conversionRateWad);
    if (off) s.guards.depegged.add(a.id);
    else s.guards.depegged.delete(a.id);
    emit({ kind: off ? 'CollateralDepegged' : 'CollateralRepegged', asset: a.id, market: peg.market, price: ownPx, implied });
  }
}

/**
 * Announces a change of the mark's source: MarkFallback when the index starts standing in for the method (or for
 * another reason), MarkRestored when the method gives its own mark again. Once per change, not per price.
 */
function noteMarkFallback(m: MarketState, method: MarkMethod, fallback: MarkFallbackReason | null, mark: Price, emit: Emit): void {
  if (fallback === m.price.markFallback) return;
  m.price.markFallback = fallback;
  if (fallback === null) emit({ kind: 'MarkRestored', market: m.spec.id, method, mark });
  else emit({ kind: 'MarkFallback', market: m.spec.id, method, reason: fallback, index: mark });
}

/** The method's input, or 'no_funding' for a funding-based method (BitMEX) on a market without funding. */
function markInput(s: EngineState, m: MarketState, method: MarkMethod, index: Price, nowMs: number): MarkInput | 'no_funding' {
  const book = m.price.book;
  switch (method) {
    case 'oracle':
      return { method: 'oracle', index };
    case 'bitmex': {
      const funding = fundingBasis(m, nowMs);
      return funding === undefined ? 'no_funding' : { method: 'bitmex', index, funding };
    }
    case 'binance': {
      const funding = fundingBasis(m, nowMs);
      return {
        method: 'binance',
        index,
        basisMa: binanceBasisMa(m.price.binanceBasis, nowMs),
        ...(funding === undefined ? {} : { funding }),
        ...(book?.lastTrade === undefined ? {} : { lastPrice: book.lastTrade }),
      };
    }
    case 'hyperliquid': {
      const hlBook = {
        ...(book?.bestBid === undefined ? {} : { bestBid: book.bestBid }),
        ...(book?.bestAsk === undefined ? {} : { bestAsk: book.bestAsk }),
        ...(book?.lastTrade === undefined ? {} : { lastTrade: book.lastTrade }),
      };
      const step = updateHyperliquidMarkState(m.price.hyperliquid, { nowMs, oracle: index, book: hlBook });
      // The index and the book are positive and ordered (checked on entry), and engine time never goes back.
      assert(step.ok, `hyperliquid mark state refused a validated update: ${step.ok ? '' : step.reason}`);
      m.price.hyperliquid = step.state;
      return {
        method: 'hyperliquid',
        oracle: index,
        state: m.price.hyperliquid,
        book: hlBook,
        ...(book?.externalMid === undefined ? {} : { externalPerpMid: book.externalMid }),
      };
    }
    case 'dydx': {
      const step = stepDydxOracle(m.price.dydxOracle, index, pricingOf(m).minPriceChangePpm);
      m.price.dydxOracle = step.state;
      return { method: 'dydx', oracle: m.price.dydxOracle };
    }
    default:
      return unreachable(method);
  }
}

const NO_VIOLATIONS: readonly GuardViolation[] = Object.freeze([]);

function stepMarketBreaker(m: MarketState, violations: readonly GuardViolation[], nowMs: number, emit: Emit): void {
  const rearm = pricingOf(m).guards.rearmAfter;
  // A sound breaker that has seen enough sound updates stays as it is (no new state object per tick).
  if (violations.length === 0 && m.price.breaker.state === 'sound' && m.price.breaker.soundRun >= rearm) return;
  const step = stepBreaker(m.price.breaker, violations, rearm);
  m.price.breaker = step.state;
  if (step.transition === 'tripped') emit({ kind: 'BreakerTripped', market: m.spec.id, reasons: [...step.state.reasons], atMs: nowMs });
  if (step.transition === 'rearmed') emit({ kind: 'BreakerReset', market: m.spec.id, atMs: nowMs });
}

// ---- funding premium and payments ----------------------------------------------------------------------------

function samplePremium(m: MarketState, index: Price, nowMs: number): void {
  const f = m.price.funding;
  const cfg = pricingOf(m).funding;
  const book = m.price.book;
  if (f === null || cfg === undefined || cfg.method === 'external') return;
  if (book?.bestBid === undefined || book.bestAsk === undefined) return;
  if (nowMs - f.lastSampleMs < cfg.sampleIntervalMs) return;
  const p = premiumIndex({ impactBid: book.bestBid, impactAsk: book.bestAsk, index });
  // market_data refuses prices <= 0 and the index is positive: the premium always exists.
  assert(p.ok, 'premiumIndex refused positive prices');
  if (f.samples.length >= PREMIUM_SAMPLES_MAX) f.samples.shift();
  f.samples.push(p.value);
  f.lastSampleMs = nowMs;
  const estimate = fundingRateFor(m, f.samples);
  if (estimate !== null) f.currentRate = estimate;
}

/** The interval's rate from its premium samples (null: no rule applies, the rate is announced: 'external'). */
function fundingRateFor(m: MarketState, samples: readonly RateE9[]): RateE9 | null {
  const cfg = pricingOf(m).funding;
  if (cfg === undefined || cfg.method === 'external') return null;
  // No samples: a premium of zero. Otherwise at most PREMIUM_SAMPLES_MAX of them (samplePremium keeps the bound).
  let p = rateE9(0n);
  if (samples.length > 0) {
    const avg = averagePremium(samples, cfg.method === 'binance' ? 'linear' : 'equal');
    assert(avg.ok, 'averagePremium refused a bounded, non-empty list');
    p = avg.value;
  }
  if (cfg.method === 'hyperliquid') {
    return hyperliquidFundingRate(p, { interestRate8h: cfg.interestRate, clampBand: cfg.clampBand, capPerHour: cfg.capRate }).hourly;
  }
  const r = binanceFundingRate(p, {
    interestRate: cfg.interestRate,
    clampBand: cfg.clampBand,
    capRate: cfg.capRate,
    floorRate: cfg.floorRate,
    intervalHours: cfg.intervalMs / 3_600_000,
  });
  // validatePricing refuses what binanceFundingRate would (an interval not a whole 1-8 hours, a floor above the cap).
  assert(r.ok, 'binanceFundingRate refused validated parameters');
  return r.value;
}

/** Restores what time passing changed, newest first, when the command it came with is refused. */
export type TimeUndo = (() => void)[];

/**
 * Time passes to nowMs: pays every funding interval that has come due (the market's funding index moves; each
 * position settles it into its margin when next touched) and checks price staleness. Returns the markets whose
 * funding index moved (enforcement re-arms their accounts). Every change is recorded in `undo` first.
 */
export function advanceMarkets(s: EngineState, nowMs: number, emit: Emit, undo: TimeUndo): readonly string[] {
  let moved: string[] | null = null; // most commands pay no funding: no array made for them
  for (const m of s.markets.values()) {
    const pricing = pricingOf(m);
    const f = m.price.funding;
    const cfg = pricing.funding;
    if (f !== null && cfg !== undefined && f.nextFundingMs <= nowMs) {
      const { samples, nextFundingMs, currentRate } = f;
      const fundingIndex = m.fundingIndex;
      undo.push(() => {
        Object.assign(f, { samples, nextFundingMs, currentRate });
        m.fundingIndex = fundingIndex;
      });
      let paid = false;
      let unpriced = 0;
      let unpricedFromMs = 0;
      for (let guard = 0; f.nextFundingMs <= nowMs && guard < MAX_INTERVALS_PER_STEP; guard++) {
        const rate = cfg.method === 'external' ? f.currentRate : (fundingRateFor(m, f.samples) ?? rateE9(0n));
        const at = cfg.fundAt === 'mark' ? m.markPrice : (m.indexPrice ?? m.markPrice);
        if (at === null) {
          // Due with no price to pay it at: nothing is paid, and the interval is said to be skipped (below).
          if (unpriced === 0) unpricedFromMs = f.nextFundingMs;
          unpriced++;
        } else {
          const delta = fundingIndexDelta({ rate, price: at, priceDecimals: m.spec.priceDecimals, quoteDecimals: s.quoteDecimals });
          // Decimals are validated by set_market and a price is positive: the delta always exists.
          assert(delta.ok, 'fundingIndexDelta refused a validated market and a positive price');
          if (delta.value !== 0n) {
            m.fundingIndex += delta.value;
            paid = true;
          }
          emit({ kind: 'FundingApplied', market: m.spec.id, rate, price: at, indexDelta: delta.value, fundingIndex: m.fundingIndex, atMs: f.nextFundingMs });
        }
        f.samples = [];
        f.nextFundingMs += cfg.intervalMs;
        if (cfg.method !== 'external') f.currentRate = fundingRateFor(m, []) ?? rateE9(0n);
      }
      if (unpriced > 0) {
        const toMs = unpricedFromMs + (unpriced - 1) * cfg.intervalMs;
        emit({ kind: 'FundingSkipped', market: m.spec.id, reason: 'unpriced', intervals: unpriced, fromMs: unpricedFromMs, toMs });
      }
      if (f.nextFundingMs <= nowMs) {
        // More than MAX_INTERVALS_PER_STEP fell due (a long pause in commands): the rest are skipped, visibly, and the
        // schedule moves to the first interval after now.
        const intervals = Math.floor((nowMs - f.nextFundingMs) / cfg.intervalMs) + 1;
        const fromMs = f.nextFundingMs;
        const toMs = fromMs + (intervals - 1) * cfg.intervalMs;
        emit({ kind: 'FundingSkipped', market: m.spec.id, reason: 'interval_limit', intervals, fromMs, toMs });
        f.nextFundingMs = toMs + cfg.intervalMs;
      }
      if (paid) (moved ??= []).push(m.spec.id);
    }
    const maxAge = pricing.guards.maxPriceAgeMs;
    const last = m.price.lastPriceMs;
    if (maxAge !== undefined && last !== null && nowMs - last > maxAge && m.price.breaker.state === 'sound') {
      const breaker = m.price.breaker;
      undo.push(() => {
        m.price.breaker = breaker;
      });
      stepMarketBreaker(m, [{ code: 'stale_price', ageMs: nowMs - last, maxAgeMs: maxAge }], nowMs, emit);
    }
  }
  return moved ?? NO_MARKETS;
}

const NO_MARKETS: readonly string[] = [];

/** Funding intervals paid in one step at most (a long pause in commands does not loop forever). */
const MAX_INTERVALS_PER_STEP = 1_000;

/** Whether liquidations may act on this market now: priced, its price valid (not clamped), and its breaker sound. */
export function enforceable(m: MarketState): boolean {
  return m.markPrice !== null && priceValid(m) && m.price.breaker.state === 'sound';
}

/**
 * Whether the market's price can be relied on now: an index could be formed from its sources (not unpriced) and the
 * last direct answer was not at its aggregator's bound (not clamped). Money does not leave against an invalid price.
 */
export function priceValid(m: MarketState): boolean {
  return !m.price.unpriced && m.price.clamped === null;
}

/** Exposed for tests: the relative move between two prices in ppm (floor). */
export function movePpm(from: Price, to: Price): bigint {
  return divRound(abs(to - from) * PPM_ONE, from, 'floor');
}
