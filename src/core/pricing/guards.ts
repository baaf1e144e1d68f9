// Price guards and the per-market breaker (DESIGN.md "Prices": "a breached guard trips a breaker:
// liquidations on that market pause, with an event, until prices are sound again").
// The checks follow FORMATS.md §2.4 (Pyth best practices: staleness bound, conf / price threshold) and §4
// (staleness, deviation per update, confidence, cross-source divergence). Every comparison is exact
// (cross-multiplied, no division); the ppm figures in a violation are floored, for display only.
import { assert } from '../assert.js';
import { codeNames, type CodeName } from '../codes.js';
import { abs, divRound, PPM_ONE, type Ppm, type Price } from '../units/index.js';

/** Stable guard codes (the `guard` vocabulary of core/codes.ts), in the fixed order reports use: the table's. */
export type GuardCode = CodeName<'guard'>;
export const GUARD_CODES: readonly GuardCode[] = codeNames('guard');

/** Which aggregator bound an answer sits at (the `answer_bound` vocabulary). */
export type AnswerBound = CodeName<'answer_bound'>;

export type GuardViolation =
  | { readonly code: 'invalid_price'; readonly price: Price }
  | { readonly code: 'stale_price'; readonly ageMs: number; readonly maxAgeMs: number }
  | { readonly code: 'price_jump'; readonly jumpPpm: bigint; readonly maxJumpPpm: Ppm }
  | { readonly code: 'confidence_too_wide'; readonly confPpm: bigint; readonly maxConfPpm: Ppm }
  | { readonly code: 'twap_divergence'; readonly divergencePpm: bigint; readonly bandPpm: Ppm };

const floorPpm = (num: bigint, den: bigint): bigint => divRound(num * PPM_ONE, den, 'floor');

/** Stale when now - publishTime > maxAgeMs (Pyth getPriceNoOlderThan; Chainlink updatedAt + heartbeat). */
export function checkStale(publishTimeMs: number, nowMs: number, maxAgeMs: number): GuardViolation | null {
  const ageMs = nowMs - publishTimeMs;
  return ageMs > maxAgeMs ? { code: 'stale_price', ageMs, maxAgeMs } : null;
}

/** A jump when |next - previous| / previous > maxJumpPpm / 1e6. No previous price: no jump. */
export function checkJump(previous: Price | null, next: Price, maxJumpPpm: Ppm): GuardViolation | null {
  if (previous === null || previous <= 0n) return null;
  const d = abs(next - previous);
  return d * PPM_ONE > maxJumpPpm * previous ? { code: 'price_jump', jumpPpm: floorPpm(d, previous), maxJumpPpm } : null;
}

/** Too wide when conf / price > maxConfPpm / 1e6 (Pyth: "if σ/μ exceeds a threshold, pause"). */
export function checkConfidence(p: Price, conf: Price, maxConfPpm: Ppm): GuardViolation | null {
  if (p <= 0n) return null;
  return conf * PPM_ONE > maxConfPpm * p
    ? { code: 'confidence_too_wide', confPpm: floorPpm(conf, p), maxConfPpm }
    : null;
}

/** Divergent when |price - twap| / twap > bandPpm / 1e6. */
export function checkTwapDivergence(p: Price, twap: Price, bandPpm: Ppm): GuardViolation | null {
  if (twap <= 0n) return null;
  const d = abs(p - twap);
  return d * PPM_ONE > bandPpm * twap ? { code: 'twap_divergence', divergencePpm: floorPpm(d, twap), bandPpm } : null;
}

export type GuardInput = {
  readonly price: Price;
  readonly publishTimeMs: number;
  readonly nowMs: number;
  /** The last accepted price of this market, if any. */
  readonly previous?: Price | null;
  readonly conf?: Price;
  readonly twap?: Price;
};

/** Which guards run; an absent limit skips its guard. */
export type GuardParams = {
  readonly maxAgeMs: number;
  readonly maxJumpPpm?: Ppm;
  readonly maxConfPpm?: Ppm;
  readonly twapBandPpm?: Ppm;
};

/** Runs every configured guard; returns the violations in GUARD_CODES order (empty = sound). */
export function runGuards(i: GuardInput, params: GuardParams): readonly GuardViolation[] {
  if (i.price <= 0n) return [{ code: 'invalid_price', price: i.price }];
  const out: (GuardViolation | null)[] = [
    checkStale(i.publishTimeMs, i.nowMs, params.maxAgeMs),
    params.maxJumpPpm !== undefined ? checkJump(i.previous ?? null, i.price, params.maxJumpPpm) : null,
    params.maxConfPpm !== undefined && i.conf !== undefined ? checkConfidence(i.price, i.conf, params.maxConfPpm) : null,
    params.twapBandPpm !== undefined && i.twap !== undefined ? checkTwapDivergence(i.price, i.twap, params.twapBandPpm) : null,
  ];
  return out.filter((v): v is GuardViolation => v !== null);
}

// ---- aggregator bounds ------------------------------------------------------------------------------------

/**
 * An oracle aggregator's configured answer range (Chainlink minAnswer / maxAnswer): the aggregator reports the bound
 * itself when the market lies beyond it, so an answer AT or beyond a bound is not a price ("clamped"). Venus 2022:
 * Chainlink's LUNA/USD feed kept answering its minAnswer 0.107 while LUNA traded near 0.01; collateral valued at the
 * floor was borrowed against. The check is price > min and price < max (the circuit-breaker check of Chainlink's
 * consumers).
 */
export interface AnswerBounds {
  readonly min: Price;
  readonly max: Price;
}

/** Which bound an answer sits at or beyond, or null when it lies strictly inside. */
export function clampedAt(p: Price, bounds: AnswerBounds): AnswerBound | null {
  if (p <= bounds.min) return 'min';
  if (p >= bounds.max) return 'max';
  return null;
}

// ---- breaker --------------------------------------------------------------------------------------------

/**
 * - sound: liquidations on the market may proceed.
 * - tripped: paused; `reasons` are every guard code seen since it tripped (GUARD_CODES order).
 * `soundRun` counts consecutive updates without a violation (saturating at the re-arm threshold).
 */
export type BreakerState = {
  readonly state: 'sound' | 'tripped';
  readonly reasons: readonly GuardCode[];
  readonly soundRun: number;
};

export const SOUND_BREAKER: BreakerState = { state: 'sound', reasons: [], soundRun: 0 };

export type BreakerStep = {
  readonly state: BreakerState;
  /** 'tripped' when it went sound -> tripped, 'rearmed' when tripped -> sound, else null. */
  readonly transition: 'tripped' | 'rearmed' | null;
};

/**
 * One price update through the breaker: any violation trips it (or keeps it tripped, adding reasons);
 * a tripped breaker re-arms after `rearmAfterSoundUpdates` consecutive sound updates (>= 1, a rulebook
 * parameter validated where rulebooks are loaded).
 */
export function stepBreaker(
  state: BreakerState,
  violations: readonly GuardViolation[],
  rearmAfterSoundUpdates: number,
): BreakerStep {
  assert(Number.isSafeInteger(rearmAfterSoundUpdates) && rearmAfterSoundUpdates >= 1, 'stepBreaker: rearm >= 1');
  if (violations.length > 0) {
    const seen = new Set<GuardCode>(state.state === 'tripped' ? state.reasons : []);
    for (const v of violations) seen.add(v.code);
    const reasons = GUARD_CODES.filter((c) => seen.has(c));
    return {
      state: { state: 'tripped', reasons, soundRun: 0 },
      transition: state.state === 'sound' ? 'tripped' : null,
    };
  }
  const soundRun = Math.min(state.soundRun + 1, rearmAfterSoundUpdates);
  if (state.state === 'sound') return { state: { state: 'sound', reasons: [], soundRun }, transition: null };
  if (soundRun >= rearmAfterSoundUpdates) {
    return { state: { state: 'sound', reasons: [], soundRun }, transition: 'rearmed' };
  }
  return { state: { state: 'tripped', reasons: state.reasons, soundRun }, transition: null };
}
