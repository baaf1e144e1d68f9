// Realised volatility as an integer EWMA of squared simple returns (our own, for the volatility-aware
// maintenance margin of DESIGN.md "Margin and thresholds"; the recurrence is RiskMetrics':
// σ²_t = λ σ²_{t-1} + (1 - λ) r²_t, J.P. Morgan/Reuters, RiskMetrics Technical Document, 1996, §5.2).
//
// Units: a return r = (p - p0) / p0 is a RateE9 (half_even); its square and the variance are in 1e18
// (RateE9²). λ is in ppm (0.94 = 940_000n). The variance update rounds half_even (a neutral statistic).
// Log returns would need a logarithm; for the price steps between two samples (well under 10%) the simple
// return differs from the log return by about r²/2, which the margin model's bounds absorb.
// The state is an immutable record: each update returns a new one. The caller picks the sampling cadence
// (one update per cadence slot); λ then sets the memory, about 1 / (1 - λ) samples.
import { assert } from '../assert.js';
import { divRound, isqrt, PPM_ONE, RATE_E9_ONE, type Ppm, type Price, type RateE9 } from '../units/index.js';

export type EwmaVolState = {
  readonly lambdaPpm: Ppm;
  readonly lastPrice: Price | null;
  readonly lastMs: number | null;
  /** EWMA of r², in 1e18 (a return of 1% = 10_000_000 in RateE9 squares to 1e14). */
  readonly varianceE18: bigint;
  /** Returns folded in so far (warm-up: a zero seed reads low for the first ~1/(1-λ) samples). */
  readonly returns: number;
};

export function newEwmaVol(lambdaPpm: Ppm, initialVarianceE18 = 0n): EwmaVolState {
  assert(lambdaPpm >= 0n && lambdaPpm < PPM_ONE, 'newEwmaVol: 0 <= lambda < 1');
  assert(initialVarianceE18 >= 0n, 'newEwmaVol: variance >= 0');
  return { lambdaPpm, lastPrice: null, lastMs: null, varianceE18: initialVarianceE18, returns: 0 };
}

export type EwmaUpdate =
  | { readonly ok: true; readonly state: EwmaVolState; readonly returnE9: RateE9 | null }
  | { readonly ok: false; readonly reason: 'invalid_price' | 'out_of_order'; readonly state: EwmaVolState };

/** Simple return (p - p0) / p0 as RateE9, half_even. */
export function simpleReturnE9(p0: Price, p: Price): RateE9 {
  assert(p0 > 0n, 'simpleReturnE9: p0 > 0');
  return divRound((p - p0) * RATE_E9_ONE, p0, 'half_even') as RateE9;
}

/** Folds the price observed at nowMs in. The first price only sets the reference (returnE9 null). */
export function updateEwmaVol(state: EwmaVolState, p: Price, nowMs: number): EwmaUpdate {
  assert(Number.isSafeInteger(nowMs), 'updateEwmaVol: nowMs is an integer');
  if (p <= 0n) return { ok: false, reason: 'invalid_price', state };
  if (state.lastMs !== null && nowMs < state.lastMs) return { ok: false, reason: 'out_of_order', state };
  if (state.lastPrice === null) return { ok: true, state: { ...state, lastPrice: p, lastMs: nowMs }, returnE9: null };
  const r = simpleReturnE9(state.lastPrice, p);
  const varianceE18 = divRound(state.lambdaPpm * state.varianceE18 + (PPM_ONE - state.lambdaPpm) * r * r, PPM_ONE, 'half_even');
  return {
    ok: true,
    state: { ...state, lastPrice: p, lastMs: nowMs, varianceE18, returns: state.returns + 1 },
    returnE9: r,
  };
}

/** σ per sample as RateE9: floor(sqrt(variance)) (isqrt of a 1e18 figure gives 1e9). */
export function ewmaVolatilityE9(state: EwmaVolState): RateE9 {
  return isqrt(state.varianceE18) as RateE9;
}
