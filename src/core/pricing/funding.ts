// Funding: premium index, interest and clamp per venue, the cumulative funding index, and settlement of a
// position against it. All rates are RateE9 (fractions × 1e9: 0.01% = 100_000n).
//
// Units of the funding index (our own, DESIGN.md "Exact arithmetic"):
//   FundingIndexE9 = cumulative funding owed by ONE WHOLE BASE UNIT held long, in QUOTE ATOMS, × 1e9.
//   e.g. quote = USDC with 6 decimals, price 60,000.00 USDC/BTC, rate 0.01%: one BTC long owes 6 USDC =
//   6_000_000 quote atoms, so the index rises by 6_000_000 × 1e9.
// A position of `size` base atoms (10^baseDecimals atoms per whole unit, signed: long > 0) owes
//   size × Δindex / (10^baseDecimals × 1e9) quote atoms
// over a period in which the index moved by Δindex. Positive means it pays.
//
// Rounding: rates and the index are neutral figures (half_even; dYdX's helpers keep dYdX's truncation).
// Settlement rounds in the venue's favour: the payer pays the amount rounded up, the receiver receives it
// rounded down. For a set of positions whose sizes sum to zero, the payments therefore net to >= 0 for the
// venue, and that surplus (the dust) is returned explicitly.
import { assert } from '../assert.js';
import {
  clamp,
  divRound,
  pow10,
  PPM_ONE,
  RATE_E9_ONE,
  type Fixed,
  type Ppm,
  type Price,
  type Quote,
  type RateE9,
  type Size,
} from '../units/index.js';
import { PREMIUM_SAMPLES_MAX } from './limits.js';
import { dydxMedian } from './mark.js';

/** Cumulative funding per whole base unit, in quote atoms × 1e9 (see the top of this file). */
export type FundingIndexE9 = Fixed<'funding_index_e9'>;
export const fundingIndexE9 = (n: bigint): FundingIndexE9 => n as FundingIndexE9;

/** Stable reason codes. */
export type FundingRejection = 'invalid_input' | 'no_samples' | 'too_many_samples' | 'unbalanced_sizes';

export type FundingResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: FundingRejection };

const PPM_TO_E9 = 1_000n;

// ---- premium --------------------------------------------------------------------------------------------

/**
 * Premium index = [max(0, impact bid - index) - max(0, index - impact ask)] / index, half_even to RateE9.
 * Binance "Introduction to Binance Futures Funding Rates" (binance.com/en/support/faq/360033525031);
 * Hyperliquid uses the same with the oracle price as the index (hyperliquid-docs/trading/funding).
 */
export function premiumIndex(q: { readonly impactBid: Price; readonly impactAsk: Price; readonly index: Price }): FundingResult<RateE9> {
  if (q.index <= 0n || q.impactBid <= 0n || q.impactAsk <= 0n) return { ok: false, reason: 'invalid_input' };
  const up = q.impactBid > q.index ? q.impactBid - q.index : 0n;
  const down = q.index > q.impactAsk ? q.index - q.impactAsk : 0n;
  return { ok: true, value: divRound((up - down) * RATE_E9_ONE, q.index, 'half_even') as RateE9 };
}

/**
 * Average of the premium samples of one interval, half_even.
 * - 'equal': Σ P_i / n — Hyperliquid ("sampled every 5 seconds and averaged over the hour").
 * - 'linear': Σ i × P_i / Σ i, i = 1..n, oldest first — Binance's "time-weighted average":
 *   (1 × P_1 + 2 × P_2 + ... + n × P_n) / (1 + 2 + ... + n) (FAQ 360033525031, read through secondary copies).
 */
export function averagePremium(samples: readonly RateE9[], weighting: 'equal' | 'linear'): FundingResult<RateE9> {
  if (samples.length === 0) return { ok: false, reason: 'no_samples' };
  if (samples.length > PREMIUM_SAMPLES_MAX) return { ok: false, reason: 'too_many_samples' };
  let num = 0n;
  let den = 0n;
  samples.forEach((p, i) => {
    const w = weighting === 'equal' ? 1n : BigInt(i + 1);
    num += w * p;
    den += w;
  });
  return { ok: true, value: divRound(num, den, 'half_even') as RateE9 };
}

/** F = P + clamp(I - P, -band, +band): the interest/premium clamp shared by Binance and Hyperliquid. */
export function interestClamp(avgPremium: RateE9, interestRate: RateE9, band: RateE9): RateE9 {
  assert(band >= 0n, 'interestClamp: band >= 0');
  return (avgPremium + clamp(interestRate - avgPremium, -band as RateE9, band)) as RateE9;
}

// ---- Binance --------------------------------------------------------------------------------------------

export type BinanceFundingParams = {
  /** 0.01% per 8 h = 100_000n (0 for some symbols). */
  readonly interestRate: RateE9;
  /** 0.05% = 500_000n. */
  readonly clampBand: RateE9;
  /** Per-symbol cap and floor on the final rate (e.g. ±0.75 × maintenance margin ratio), floor <= cap. */
  readonly capRate: RateE9;
  readonly floorRate: RateE9;
  /** N, the settlement interval in hours (8, 4, 1); the 8 h rate is divided by 8 / N. */
  readonly intervalHours: number;
};

/**
 * Binance: F = [P + clamp(I - P, -0.05%, +0.05%)] / (8 / N), then clamp(F, floor, cap).
 * (FAQ 360033525031; the "/ (8/N)" form from Binance's announcement of 2025-09-18, secondary copy.)
 * The division by 8/N is F × N / 8, half_even; the cap and floor apply to the interval's rate (U: the
 * announcement does not say whether the cap applies before or after the division).
 */
export function binanceFundingRate(avgPremium: RateE9, p: BinanceFundingParams): FundingResult<RateE9> {
  if (!Number.isSafeInteger(p.intervalHours) || p.intervalHours < 1 || p.intervalHours > 8) {
    return { ok: false, reason: 'invalid_input' };
  }
  if (p.clampBand < 0n || p.floorRate > p.capRate) return { ok: false, reason: 'invalid_input' };
  const f8 = interestClamp(avgPremium, p.interestRate, p.clampBand);
  const f = divRound(f8 * BigInt(p.intervalHours), 8n, 'half_even') as RateE9;
  return { ok: true, value: clamp(f, p.floorRate, p.capRate) };
}

// ---- Hyperliquid ----------------------------------------------------------------------------------------

/** 0.01% per 8 h, 0.05% band, 4% per hour cap (hyperliquid.gitbook.io/hyperliquid-docs/trading/funding). */
export const HYPERLIQUID_INTEREST_8H: RateE9 = 100_000n as RateE9;
export const HYPERLIQUID_CLAMP_BAND: RateE9 = 500_000n as RateE9;
export const HYPERLIQUID_CAP_PER_HOUR: RateE9 = 40_000_000n as RateE9;

/**
 * Hyperliquid: the 8-hour rate F = P + clamp(I - P, -0.0005, 0.0005) with P the hour's average premium;
 * "funding is paid every hour at one eighth of the computed 8-hour rate", capped at 4% per hour.
 * hourly = clamp(F / 8 half_even, -4%, +4%).
 */
export function hyperliquidFundingRate(
  avgPremium: RateE9,
  p: { readonly interestRate8h?: RateE9; readonly clampBand?: RateE9; readonly capPerHour?: RateE9 } = {},
): { readonly rate8h: RateE9; readonly hourly: RateE9 } {
  const cap = p.capPerHour ?? HYPERLIQUID_CAP_PER_HOUR;
  assert(cap >= 0n, 'hyperliquidFundingRate: cap >= 0');
  const rate8h = interestClamp(avgPremium, p.interestRate8h ?? HYPERLIQUID_INTEREST_8H, p.clampBand ?? HYPERLIQUID_CLAMP_BAND);
  const hourly = clamp(divRound(rate8h, 8n, 'half_even') as RateE9, -cap as RateE9, cap);
  return { rate8h, hourly };
}

// ---- dYdX v4 --------------------------------------------------------------------------------------------

/**
 * A premium sample from the premium votes of one funding-sample epoch: the votes are padded with zeros up
 * to `minVotes` and their median taken (lib.Median: even counts round half away from zero).
 * x/perpetuals/keeper/perpetual.go processPremiumVotesIntoSamples / processStoredPremiums.
 */
export function dydxPremiumSample(votesPpm: readonly bigint[], minVotes: number): FundingResult<bigint> {
  if (!Number.isSafeInteger(minVotes) || minVotes < 0) return { ok: false, reason: 'invalid_input' };
  if (votesPpm.length > PREMIUM_SAMPLES_MAX || minVotes > PREMIUM_SAMPLES_MAX) return { ok: false, reason: 'too_many_samples' };
  const padded = [...votesPpm, ...new Array<bigint>(Math.max(0, minVotes - votesPpm.length)).fill(0n)];
  if (padded.length === 0) return { ok: false, reason: 'no_samples' };
  return { ok: true, value: dydxMedian(padded) };
}

/**
 * GetRemoveSampleTailsFunc (x/perpetuals/keeper/perpetual.go): sort, then drop
 * total = floor(n × 2 × tailRemovalPpm / 1e6) samples, total/2 from the bottom and the rest from the top;
 * nothing is dropped when total is 0 or >= n.
 */
export function dydxRemoveSampleTails(samples: readonly bigint[], tailRemovalPpm: Ppm): bigint[] {
  const sorted = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const total = divRound(BigInt(sorted.length) * 2n * tailRemovalPpm, PPM_ONE, 'floor');
  if (total === 0n || total >= BigInt(sorted.length)) return sorted;
  const bottom = Number(total / 2n);
  const top = Number(total) - bottom;
  return sorted.slice(bottom, sorted.length - top);
}

export type DydxFundingParams = {
  /** Samples required per funding tick: ceil(funding-tick / funding-sample duration), 60 on mainnet. */
  readonly minSamples: number;
  /** RemovedTailSampleRatioPpm (0 in v4). */
  readonly tailRemovalPpm: Ppm;
  /** The perpetual's DefaultFundingPpm (an 8-hour rate; 0 on most markets). */
  readonly defaultFundingPpm: bigint;
  /** Liquidity tier: initial margin and maintenance fraction (of the initial margin), ppm. */
  readonly initialMarginPpm: Ppm;
  readonly maintenanceFractionPpm: Ppm;
  /** FundingRateClampFactorPpm, 600% = 6_000_000n on mainnet. */
  readonly clampFactorPpm: Ppm;
};

/**
 * clamp factor × (IMF - MMF) / 1e6 floored, with MMF = floor(IMF × maintenance fraction / 1e6)
 * (x/perpetuals/types/liquidity_tier.go GetMaxAbsFundingClampPpm, GetMaintenanceMarginPpm).
 */
export function dydxMaxAbsFundingPpm(p: DydxFundingParams): bigint {
  const mmf = divRound(p.initialMarginPpm * p.maintenanceFractionPpm, PPM_ONE, 'floor');
  return divRound(p.clampFactorPpm * (p.initialMarginPpm - mmf), PPM_ONE, 'floor');
}

/**
 * dYdX's 8-hour funding rate at a funding tick (MaybeProcessNewFundingTickEpoch): the samples of the tick
 * (zeros included) padded with zeros to minSamples, tails removed, averaged with truncation toward zero
 * (lib.AvgInt32), plus DefaultFundingPpm, clamped to ±dydxMaxAbsFundingPpm. Returns ppm and RateE9.
 * Note: the average is of samples that are themselves medians of votes (dydxPremiumSample).
 */
export function dydxFundingRate8h(
  samplesPpm: readonly bigint[],
  p: DydxFundingParams,
): FundingResult<{ readonly ratePpm: bigint; readonly rate: RateE9 }> {
  if (!Number.isSafeInteger(p.minSamples) || p.minSamples < 0) return { ok: false, reason: 'invalid_input' };
  if (p.maintenanceFractionPpm > PPM_ONE || p.initialMarginPpm > PPM_ONE || p.clampFactorPpm < 0n) {
    return { ok: false, reason: 'invalid_input' };
  }
  if (samplesPpm.length > PREMIUM_SAMPLES_MAX || p.minSamples > PREMIUM_SAMPLES_MAX) {
    return { ok: false, reason: 'too_many_samples' };
  }
  const padded = [...samplesPpm, ...new Array<bigint>(Math.max(0, p.minSamples - samplesPpm.length)).fill(0n)];
  let premium = 0n;
  if (padded.length > 0) {
    const kept = dydxRemoveSampleTails(padded, p.tailRemovalPpm);
    premium = divRound(
      kept.reduce((a, b) => a + b, 0n),
      BigInt(kept.length),
      'trunc',
    );
  }
  const bound = dydxMaxAbsFundingPpm(p);
  const ratePpm = clamp(premium + p.defaultFundingPpm, -bound, bound);
  return { ok: true, value: { ratePpm, rate: (ratePpm * PPM_TO_E9) as RateE9 } };
}

// ---- funding index and settlement -----------------------------------------------------------------------

export type FundingIndexDeltaInput = {
  /** The rate for `periodMs` (an 8 h rate for dYdX, the interval's rate for Binance and Hyperliquid). */
  readonly rate: RateE9;
  /** The price the rulebook funds at: mark (Binance), oracle (Hyperliquid, dYdX). */
  readonly price: Price;
  readonly priceDecimals: number;
  readonly quoteDecimals: number;
  /** Pro-rating: the index moves by rate × elapsed / period (dYdX: time since last tick / 8 h). Default 1/1. */
  readonly elapsedMs?: number;
  readonly periodMs?: number;
};

/**
 * Δindex = rate × price × 10^quoteDecimals / 10^priceDecimals × elapsed / period, in FundingIndexE9
 * (quote atoms per whole base unit × 1e9), one half_even rounding (exact when priceDecimals <= quoteDecimals
 * and the period divides evenly). The delta is shared by longs and shorts, so its rounding is neutral.
 */
export function fundingIndexDelta(i: FundingIndexDeltaInput): FundingResult<FundingIndexE9> {
  const elapsed = i.elapsedMs ?? 1;
  const period = i.periodMs ?? 1;
  const decimalsOk = (d: number) => Number.isSafeInteger(d) && d >= 0 && d <= 36;
  if (!decimalsOk(i.priceDecimals) || !decimalsOk(i.quoteDecimals)) return { ok: false, reason: 'invalid_input' };
  if (!Number.isSafeInteger(elapsed) || elapsed < 0 || !Number.isSafeInteger(period) || period <= 0) {
    return { ok: false, reason: 'invalid_input' };
  }
  if (i.price <= 0n) return { ok: false, reason: 'invalid_input' };
  const num = i.rate * i.price * pow10(i.quoteDecimals) * BigInt(elapsed);
  const den = pow10(i.priceDecimals) * BigInt(period);
  return { ok: true, value: divRound(num, den, 'half_even') as FundingIndexE9 };
}

export type FundingSettlement = {
  /** Change of the account's quote balance: negative when it pays (rounded up), positive when it receives (rounded down). */
  readonly change: Quote;
  /** The venue's rounding gain on this position, as dustNumerator / divisor quote atoms, 0 <= dust < 1. */
  readonly dustNumerator: bigint;
  readonly divisor: bigint;
};

/**
 * Settles one position over a funding index move: owed = size × Δindex / (10^baseDecimals × 1e9);
 * change = floor(-owed), so a payer pays ceil(owed) and a receiver gets floor(-owed).
 */
export function settleFunding(size: Size, indexDelta: FundingIndexE9, baseDecimals: number): FundingSettlement {
  assert(Number.isSafeInteger(baseDecimals) && baseDecimals >= 0 && baseDecimals <= 36, 'settleFunding: baseDecimals');
  const divisor = pow10(baseDecimals) * RATE_E9_ONE;
  const exact = -size * indexDelta; // the account's balance change, × divisor
  const change = divRound(exact, divisor, 'floor');
  return { change: change as Quote, dustNumerator: exact - change * divisor, divisor };
}

/**
 * Settles every open position of a market at once. Sizes must sum to zero (every long has a short); then
 * Σ change <= 0 and dust = -Σ change is the venue's whole rounding gain, in quote atoms: every atom is
 * accounted for (Σ change + dust = 0).
 */
export function settleFundingBatch(
  sizes: readonly Size[],
  indexDelta: FundingIndexE9,
  baseDecimals: number,
): FundingResult<{ readonly changes: readonly Quote[]; readonly dust: Quote }> {
  if (sizes.reduce((a, b) => a + b, 0n) !== 0n) return { ok: false, reason: 'unbalanced_sizes' };
  const settled = sizes.map((s) => settleFunding(s, indexDelta, baseDecimals));
  const changes = settled.map((s) => s.change);
  const dust = -changes.reduce((a, b) => a + b, 0n);
  // Σ dustNumerator / divisor must equal the dust exactly (the exact amounts sum to zero).
  const divisor = pow10(baseDecimals) * RATE_E9_ONE;
  assert(settled.reduce((a, s) => a + s.dustNumerator, 0n) === dust * divisor, 'settleFundingBatch: dust accounts');
  return { ok: true, value: { changes, dust: dust as Quote } };
}
