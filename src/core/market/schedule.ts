// Margin schedules: how much margin a position of a given notional and size needs.
//
// One shape covers the venues' schedules:
// - flat: a single tier.
// - tiered with a maintenance amount (Binance leverage brackets "cum", Bybit risk limits "mm deduction",
//   Hyperliquid margin tiers "maintenance deduction"): MM = notional x MMR_tier - amount_tier, where
//   amount_n = amount_{n-1} + floor_n x (MMR_n - MMR_{n-1}) keeps MM continuous at every tier floor.
// - a size premium (Drift v2 imf_factor), an open-interest scaled initial margin (dYdX v4 liquidity tiers) and a
//   volatility multiplier (ours) adjust the ratio; see requirement() for the order they apply in.

import { divRound, isqrt, max, PPM_ONE, type Ppm, type Quote, quote } from '../units/index.js';

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
 * Drift v2 size premium (protocol-v2 programs/drift/src/math/margin.rs, calculate_size_premium_liability_weight):
 * a large position needs a higher ratio. In Drift's own precision (ratios in 1e-4, size in 1e-9 base units):
 *   sized = max(w, (w - floor(w / 5)) + floor(isqrt(10 x size + 1) x imfFactor / 1e7))
 * Bailiff's ratios are ppm, so w = floor(ratio_ppm / 100) and the result is multiplied back by 100.
 */
export interface SizePremium {
  /** Drift's imf_factor, in 1e-6 (SPOT_IMF_PRECISION). */
  readonly imfFactor: bigint;
}

/**
 * dYdX v4 liquidity tiers derive maintenance from the un-scaled initial margin:
 *   MM = ceil(ceil(notional x IMF / 1e6) x maintenanceFraction / 1e6)
 * (protocol/x/perpetuals/lib/lib.go GetMarginRequirementsInQuoteQuantums). The tier's maintenancePpm must then
 * equal floor(IMF x fraction / 1e6) (GetMaintenanceMarginPpm), which is checked.
 */
export interface MaintenanceFraction {
  readonly fractionPpm: Ppm;
}

/**
 * dYdX v4 liquidity tier open-interest scaling of the initial margin
 * (protocol/x/perpetuals/types/liquidity_tier.go GetAdjustedInitialMarginPpm):
 *   OI <= lower: IMF;  OI >= upper: 1;  else IMF + floor((1e6 - IMF) x (OI - lower) / (upper - lower))
 * OI is the market's open interest notional in quote atoms (truncated, as dYdX converts it). Maintenance is not
 * scaled.
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
  readonly maintenanceFraction?: MaintenanceFraction;
  readonly openInterestScaling?: OpenInterestScaling;
  readonly volatility?: VolatilityScaling;
}

/** Market state a requirement may depend on besides the position itself. */
export interface RequirementContext {
  /** The market's open interest notional (quote atoms); only used with openInterestScaling. */
  readonly openInterestNotional: Quote;
  /** The current volatility multiplier (1e6 = none). */
  readonly volatilityMultiplierPpm: Ppm;
  /** 10^baseDecimals, to express |size| in base units for the size premium. */
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
 * ratio: the tier's (initial: OI-scaled) -> size premium; requirement = notional x ratio (- maintenance amount);
 * then the volatility multiplier. Each stage rounds up, so the result is never below the exact value.
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
  if (kind === 'maintenance' && schedule.maintenanceFraction !== undefined) {
    const baseInitial = divRound(notionalQuote * tier.initialPpm, PPM_ONE, 'ceil');
    req = divRound(baseInitial * schedule.maintenanceFraction.fractionPpm, PPM_ONE, 'ceil');
  } else {
    let ratio: bigint = kind === 'maintenance' ? tier.maintenancePpm : adjustedInitialPpm(schedule, tier.initialPpm, ctx.openInterestNotional);
    if (schedule.sizePremium !== undefined) ratio = sizedRatioPpm(ratio, schedule.sizePremium, absSize, ctx.baseUnit);
    const deduction = kind === 'maintenance' ? tier.maintenanceAmount : 0n;
    // MM = notional x MMR - maintenance amount (Binance leverage brackets; Bybit; Hyperliquid deduction).
    req = divRound(notionalQuote * ratio - deduction * PPM_ONE, PPM_ONE, 'ceil');
  }
  if (ctx.volatilityMultiplierPpm !== PPM_ONE) req = divRound(req * ctx.volatilityMultiplierPpm, PPM_ONE, 'ceil');
  return quote(req < 0n ? 0n : req);
}

/** dYdX v4 GetAdjustedInitialMarginPpm: one floor on the increase term. */
export function adjustedInitialPpm(schedule: MarginSchedule, imrPpm: bigint, oi: bigint): bigint {
  const scaling = schedule.openInterestScaling;
  if (scaling === undefined || scaling.upperCap === 0n || oi <= scaling.lowerCap) return imrPpm;
  if (oi >= scaling.upperCap) return PPM_ONE;
  return imrPpm + divRound((PPM_ONE - imrPpm) * (oi - scaling.lowerCap), scaling.upperCap - scaling.lowerCap, 'floor');
}

const DRIFT_RATIO_SCALE = 100n; // ppm per Drift MARGIN_PRECISION unit (1e-4)
const DRIFT_BASE_PRECISION = 1_000_000_000n; // AMM_RESERVE_PRECISION

/** Drift's size-premium ratio, computed in Drift's precision (see SizePremium), returned in ppm. */
export function sizedRatioPpm(ratioPpm: bigint, premium: SizePremium, absSize: bigint, baseUnit: bigint): bigint {
  if (premium.imfFactor === 0n) return ratioPpm;
  const w = ratioPpm / DRIFT_RATIO_SCALE;
  const size1e9 = (absSize * DRIFT_BASE_PRECISION) / baseUnit;
  const sized = w - w / 5n + (isqrt(10n * size1e9 + 1n) * premium.imfFactor) / 10_000_000n;
  return max(ratioPpm, sized * DRIFT_RATIO_SCALE);
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
  if (schedule.sizePremium !== undefined && schedule.sizePremium.imfFactor < 0n) {
    problems.push({ path: 'sizePremium.imfFactor', message: 'must not be negative' });
  }
  const fraction = schedule.maintenanceFraction;
  if (fraction !== undefined) {
    if (fraction.fractionPpm <= 0n || fraction.fractionPpm > PPM_ONE) {
      problems.push({ path: 'maintenanceFraction.fractionPpm', message: 'must be in (0, 1e6]' });
    }
    tiers.forEach((t, i) => {
      const want = divRound(t.initialPpm * fraction.fractionPpm, PPM_ONE, 'floor');
      if (t.maintenancePpm !== want) {
        problems.push({ path: `tiers[${i}].maintenancePpm`, message: `must be ${want} = floor(initial x maintenanceFraction)` });
      }
    });
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
