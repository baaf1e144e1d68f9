// Margin schedules: how much margin a position of a given notional and size needs.
//
// One shape covers the venues' schedules:
// - flat: a single tier.
// - tiered with a maintenance amount (Binance leverage brackets "cum", Bybit risk limits "mm deduction",
//   Hyperliquid margin tiers "maintenance deduction"): MM = notional x MMR_tier - amount_tier, where
//   amount_n = amount_{n-1} + floor_n x (MMR_n - MMR_{n-1}) keeps MM continuous at every tier floor.
// - a size premium (Drift v2 imf_factor), an open-interest scaled initial margin (dYdX v4 liquidity tiers) and a
//   volatility multiplier (ours) adjust the ratio; see requirement() for the order they apply in.

import { divRound, isqrtCeil, max, PPM_ONE, type Ppm, type Quote, quote } from '../units/index.js';

export interface MarginTier {
  /** The tier applies to notionals above this floor (quote atoms); the first tier's floor is 0. */
  readonly notionalFloor: Quote;
  /** Initial margin ratio (1 / maximum leverage). */
  readonly initialPpm: Ppm;
  /** Maintenance margin ratio. */
  readonly maintenancePpm: Ppm;
  /** Maintenance amount ("cum", "deduction"): subtracted from notional x MMR. */
  readonly maintenanceAmount: Quote;
}

/**
 * Drift v2 size premium: a large position needs a higher ratio,
 *   ratio_sized = max(ratio, imfFactor x sqrt(|size| in whole base units))
 * (protocol-v2 programs/drift/src/math/margin.rs, calculate_size_premium_liability_weight; the exact Drift
 * form is reproduced by the drift-v2 rulebook; this is the schedule-level approximation with exact integers).
 */
export interface SizePremium {
  /** Ratio added per sqrt(base unit), in ppm. */
  readonly imfFactorPpm: Ppm;
}

/**
 * dYdX v4 liquidity tier open-interest scaling of the initial margin:
 *   IMF' = IMF + (1 - IMF) x (OI - lower) / (upper - lower), clamped to [IMF, 1]
 * (dydxprotocol/v4-chain protocol/x/perpetuals/types/liquidity_tier.go). OI is the market's open interest
 * notional in quote atoms. Maintenance is not scaled.
 */
export interface OpenInterestScaling {
  readonly lowerCap: Quote;
  readonly upperCap: Quote;
}

/**
 * Volatility-aware margin (Bailiff's own): requirements are multiplied by a factor that follows realised
 * volatility (an EWMA of squared returns sampled every sampleIntervalMs), bounded to [min, max] and moved at most
 * maxChangePerHourPpm per hour, so it cannot jump during a crash.
 */
export interface VolatilityScaling {
  readonly sampleIntervalMs: number;
  /** EWMA decay per sample: var' = lambda x var + (1 - lambda) x r^2, lambda in ppm (e.g. 940_000 = RiskMetrics). */
  readonly lambdaPpm: Ppm;
  /** Per-sample return volatility (standard deviation, ppm) at which the multiplier is 1. */
  readonly referenceVolPpm: Ppm;
  readonly minMultiplierPpm: Ppm;
  readonly maxMultiplierPpm: Ppm;
  readonly maxChangePerHourPpm: Ppm;
}

export interface MarginSchedule {
  readonly tiers: readonly MarginTier[];
  readonly sizePremium?: SizePremium;
  readonly openInterestScaling?: OpenInterestScaling;
  readonly volatility?: VolatilityScaling;
}

/** Market state a requirement may depend on besides the position itself. */
export interface RequirementContext {
  /** The market's open interest notional (quote atoms); only used with openInterestScaling. */
  readonly openInterestNotional: Quote;
  /** The current volatility multiplier (1e6 = none). */
  readonly volatilityMultiplierPpm: Ppm;
  /** 10^baseDecimals, to express |size| in whole base units for the size premium. */
  readonly baseUnit: bigint;
}

export type RequirementKind = 'initial' | 'maintenance';

/** The tier whose range holds `notional`: the last tier with floor < notional (tier 0 for a zero notional). */
export function tierIndexFor(schedule: MarginSchedule, notionalQuote: bigint): number {
  const tiers = schedule.tiers;
  let lo = 0;
  let hi = tiers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((tiers[mid] as MarginTier).notionalFloor < notionalQuote) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Margin requirement of one position, in quote atoms, rounded up (against the account).
 * Order: tier ratio (initial: OI-scaled) -> size premium (max) -> volatility multiplier.
 * Each stage rounds up, so the result is never below the exact value.
 */
export function requirement(
  schedule: MarginSchedule,
  kind: RequirementKind,
  notionalQuote: Quote,
  absSize: bigint,
  ctx: RequirementContext,
): Quote {
  if (notionalQuote === 0n) return quote(0n);
  const tier = schedule.tiers[tierIndexFor(schedule, notionalQuote)] as MarginTier;
  let req: bigint;
  if (kind === 'maintenance') {
    // MM = notional x MMR - maintenance amount (Binance leverage brackets; Bybit; Hyperliquid deduction).
    req = divRound(notionalQuote * tier.maintenancePpm - tier.maintenanceAmount * PPM_ONE, PPM_ONE, 'ceil');
  } else {
    req = initialWithOpenInterest(schedule, tier.initialPpm, notionalQuote, ctx.openInterestNotional);
  }
  if (schedule.sizePremium !== undefined) {
    req = max(req, divRound(notionalQuote * sizePremiumPpm(schedule.sizePremium, absSize, ctx.baseUnit), PPM_ONE, 'ceil'));
  }
  if (ctx.volatilityMultiplierPpm !== PPM_ONE) {
    req = divRound(req * ctx.volatilityMultiplierPpm, PPM_ONE, 'ceil');
  }
  return quote(req < 0n ? 0n : req);
}

function initialWithOpenInterest(schedule: MarginSchedule, imrPpm: bigint, notionalQuote: bigint, oi: bigint): bigint {
  const scaling = schedule.openInterestScaling;
  if (scaling === undefined || oi <= scaling.lowerCap) return divRound(notionalQuote * imrPpm, PPM_ONE, 'ceil');
  if (oi >= scaling.upperCap) return notionalQuote;
  // IMF' = IMF + (1 - IMF) x (OI - lower) / (upper - lower), one rational, rounded up once.
  const span = scaling.upperCap - scaling.lowerCap;
  const numerator = imrPpm * span + (PPM_ONE - imrPpm) * (oi - scaling.lowerCap);
  return divRound(notionalQuote * numerator, PPM_ONE * span, 'ceil');
}

/** imfFactor x sqrt(|size| / baseUnit), in ppm, rounded up. */
export function sizePremiumPpm(premium: SizePremium, absSize: bigint, baseUnit: bigint): bigint {
  // sqrt(size / unit) = sqrt(size x unit) / unit; ceil keeps it against the account.
  return divRound(premium.imfFactorPpm * isqrtCeil(absSize * baseUnit), baseUnit, 'ceil');
}

/** The maintenance amounts that make MM continuous: amount_n = amount_{n-1} + floor_n x (MMR_n - MMR_{n-1}). */
export function continuousMaintenanceAmounts(tiers: readonly Pick<MarginTier, 'notionalFloor' | 'maintenancePpm'>[]): Quote[] {
  const out: Quote[] = [];
  let prevAmount = 0n;
  let prevRatio = 0n;
  tiers.forEach((t, i) => {
    // amount is in quote atoms; floor x dMMR is in quote atoms x ppm: exact when divisible, else rounded down
    // (a smaller deduction means a larger requirement, i.e. against the account).
    const amount = i === 0 ? 0n : prevAmount + divRound(t.notionalFloor * (t.maintenancePpm - prevRatio), PPM_ONE, 'floor');
    out.push(quote(amount));
    prevAmount = amount;
    prevRatio = t.maintenancePpm;
  });
  return out;
}

export interface ScheduleProblem {
  readonly path: string;
  readonly message: string;
}

/** Checks a schedule's internal consistency; an empty list means valid. */
export function validateSchedule(schedule: MarginSchedule): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const tiers = schedule.tiers;
  if (tiers.length === 0) problems.push({ path: 'tiers', message: 'at least one tier is required' });
  tiers.forEach((t, i) => {
    const at = `tiers[${i}]`;
    if (i === 0 && t.notionalFloor !== 0n) problems.push({ path: `${at}.notionalFloor`, message: 'the first tier starts at 0' });
    const prev = tiers[i - 1];
    if (prev !== undefined && t.notionalFloor <= prev.notionalFloor) {
      problems.push({ path: `${at}.notionalFloor`, message: 'tier floors must increase' });
    }
    if (t.maintenancePpm <= 0n || t.maintenancePpm > PPM_ONE) {
      problems.push({ path: `${at}.maintenancePpm`, message: 'must be in (0, 1e6]' });
    }
    if (t.initialPpm < t.maintenancePpm || t.initialPpm > PPM_ONE) {
      problems.push({ path: `${at}.initialPpm`, message: 'must be in [maintenancePpm, 1e6]' });
    }
    if (prev !== undefined && t.maintenancePpm < prev.maintenancePpm) {
      problems.push({ path: `${at}.maintenancePpm`, message: 'maintenance ratios must not decrease' });
    }
    if (t.maintenanceAmount < 0n) problems.push({ path: `${at}.maintenanceAmount`, message: 'must not be negative' });
  });
  // Continuity at each floor: the requirement just above a floor equals the one at the floor (to one atom).
  const expected = continuousMaintenanceAmounts(tiers);
  tiers.forEach((t, i) => {
    const want = expected[i] as bigint;
    if (t.maintenanceAmount !== want && !(t.maintenanceAmount - want <= 1n && want - t.maintenanceAmount <= 1n)) {
      problems.push({
        path: `tiers[${i}].maintenanceAmount`,
        message: `must be ${want} (amount_n = amount_{n-1} + floor_n x (MMR_n - MMR_{n-1})) so that MM is continuous`,
      });
    }
  });
  if (schedule.openInterestScaling !== undefined) {
    const s = schedule.openInterestScaling;
    if (s.lowerCap < 0n || s.upperCap <= s.lowerCap) {
      problems.push({ path: 'openInterestScaling', message: 'need 0 <= lowerCap < upperCap' });
    }
  }
  if (schedule.sizePremium !== undefined && schedule.sizePremium.imfFactorPpm < 0n) {
    problems.push({ path: 'sizePremium.imfFactorPpm', message: 'must not be negative' });
  }
  const v = schedule.volatility;
  if (v !== undefined) {
    if (!Number.isSafeInteger(v.sampleIntervalMs) || v.sampleIntervalMs <= 0) {
      problems.push({ path: 'volatility.sampleIntervalMs', message: 'must be a positive integer' });
    }
    if (v.lambdaPpm <= 0n || v.lambdaPpm >= PPM_ONE) problems.push({ path: 'volatility.lambdaPpm', message: 'must be in (0, 1e6)' });
    if (v.referenceVolPpm <= 0n) problems.push({ path: 'volatility.referenceVolPpm', message: 'must be positive' });
    if (v.minMultiplierPpm <= 0n || v.minMultiplierPpm > PPM_ONE) {
      problems.push({ path: 'volatility.minMultiplierPpm', message: 'must be in (0, 1e6]' });
    }
    if (v.maxMultiplierPpm < PPM_ONE) problems.push({ path: 'volatility.maxMultiplierPpm', message: 'must be >= 1e6' });
    if (v.maxChangePerHourPpm <= 0n) problems.push({ path: 'volatility.maxChangePerHourPpm', message: 'must be positive' });
  }
  return problems;
}
