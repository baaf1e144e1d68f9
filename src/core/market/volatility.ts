// Realised-volatility state behind the volatility-aware margin multiplier (see VolatilityScaling).
// Integer EWMA of squared returns: var' = lambda x var + (1 - lambda) x r^2 (the RiskMetrics recursion),
// with returns in ppm sampled on a fixed cadence. The multiplier follows stdev / reference, bounded, and is
// rate-limited so a crash cannot make requirements leap within one tick.

import { clamp, divRound, isqrt, PPM_ONE, ppm, type Ppm, type Price } from '../units/index.js';
import type { VolatilityScaling } from './schedule.js';

export interface VolatilityState {
  /** Price at the last sample, or null before the first. */
  readonly lastSamplePrice: Price | null;
  readonly lastSampleMs: number;
  /** EWMA variance of per-sample returns, in ppm^2. */
  readonly variancePpm2: bigint;
  /** The multiplier currently applied to requirements. */
  readonly multiplierPpm: Ppm;
  readonly multiplierUpdatedMs: number;
}

const HOUR_MS = 3_600_000n;

export function initialVolatilityState(params: VolatilityScaling | undefined, nowMs: number): VolatilityState {
  const ref = params?.referenceVolPpm ?? 0n;
  return { lastSamplePrice: null, lastSampleMs: nowMs, variancePpm2: ref * ref, multiplierPpm: PPM_ONE, multiplierUpdatedMs: nowMs };
}

/** Feeds a price observation; returns the new state (the same object when nothing changes). */
export function observeVolatility(
  params: VolatilityScaling,
  state: VolatilityState,
  px: Price,
  nowMs: number,
): VolatilityState {
  if (state.lastSamplePrice === null) {
    return { ...state, lastSamplePrice: px, lastSampleMs: nowMs, multiplierUpdatedMs: nowMs };
  }
  if (nowMs - state.lastSampleMs < params.sampleIntervalMs) return state;
  const prev = state.lastSamplePrice;
  // Return over the elapsed interval(s), ppm. A gap of several intervals counts as one sample (documented).
  const r = divRound((px - prev) * PPM_ONE, prev, 'half_even');
  const variance = divRound(params.lambdaPpm * state.variancePpm2 + (PPM_ONE - params.lambdaPpm) * r * r, PPM_ONE, 'half_even');
  const stdev = isqrt(variance);
  const target = clamp(divRound(stdev * PPM_ONE, params.referenceVolPpm, 'ceil'), params.minMultiplierPpm, params.maxMultiplierPpm);
  const elapsed = BigInt(nowMs - state.multiplierUpdatedMs);
  const maxStep = divRound(params.maxChangePerHourPpm * elapsed, HOUR_MS, 'floor');
  const current = state.multiplierPpm;
  const next = target > current ? (target - current > maxStep ? current + maxStep : target) : current - target > maxStep ? current - maxStep : target;
  return {
    lastSamplePrice: px,
    lastSampleMs: nowMs,
    variancePpm2: variance,
    multiplierPpm: ppm(next),
    multiplierUpdatedMs: nowMs,
  };
}
