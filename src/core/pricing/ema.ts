// Time-decaying, sample-weighted EMA, exactly as Hyperliquid defines it for its mark price
// (hyperliquid.gitbook.io/hyperliquid-docs/trading/robust-price-indices):
//   for an update value `sample` at duration t since the last update,
//   numerator   <- numerator   × exp(-t / τ) + sample × t
//   denominator <- denominator × exp(-t / τ) + t
//   ema = numerator / denominator
// with τ = 150 s (2.5 minutes) for the basis EMA and 30 s for the fallback book EMA.
//
// Fixed point: numerator and denominator are kept ×1e18 (so the decay step, numerator × exp(-t/τ) / 1e18,
// loses at most 1e-18 of a sample·ms per update, half_even). t is in integer ms; exp comes from expNegWad.
// Choices where the venue text is silent (U, documented here):
// - Both accumulators start at 0. Created with a start time (e.g. when the market was set up), the first
//   update's t is the time since that start, as for any later update; the EMA then equals the first sample
//   (docs/sources/pricing-goldens.md §3.2 reads the formula the same way). Created without one, there is no
//   "last update" to measure from: the first update enters with weight 1 ms, and the EMA again starts at it.
//   The two differ only in how much the first sample weighs against the next ones.
// - An update at the same ms as the last one has weight t = 0: it changes nothing (the formula's own result).
// - An update earlier than the last one is refused ('out_of_order') and the state is unchanged.
// - The reading rounds half_even (a neutral figure) to the sample's own integer unit.
import { assert } from '../assert.js';
import { divRound, WAD_ONE } from '../units/index.js';
import { expNegWad } from './exp.js';

export type TimeDecayEma = {
  /** The decay time constant τ in ms (150_000 for Hyperliquid's 150 s EMA). */
  readonly tauMs: number;
  /** Σ sample × weight, ×1e18, where weights are ms decayed by exp(-age/τ). */
  readonly numeratorE18: bigint;
  /** Σ weight, ×1e18. Zero until the first update. */
  readonly denominatorE18: bigint;
  /** Time of the last accepted update; null before the first. */
  readonly lastMs: number | null;
};

/** The weight in ms given to the very first sample (there is no previous update to measure t from). */
export const FIRST_SAMPLE_WEIGHT_MS = 1n;

/** A fresh EMA; `startMs`, when given, counts as the time of a (sample-less) previous update. */
export function newTimeDecayEma(tauMs: number, startMs?: number): TimeDecayEma {
  assert(Number.isSafeInteger(tauMs) && tauMs > 0, 'newTimeDecayEma: tauMs is a positive integer');
  assert(startMs === undefined || Number.isSafeInteger(startMs), 'newTimeDecayEma: startMs is an integer');
  return { tauMs, numeratorE18: 0n, denominatorE18: 0n, lastMs: startMs ?? null };
}

export type EmaUpdate =
  | { readonly ok: true; readonly ema: TimeDecayEma }
  | { readonly ok: false; readonly reason: 'out_of_order'; readonly ema: TimeDecayEma };

/** Folds `sample` (any integer unit) observed at `nowMs` into the EMA. Returns a new record. */
export function updateTimeDecayEma(ema: TimeDecayEma, sample: bigint, nowMs: number): EmaUpdate {
  assert(Number.isSafeInteger(nowMs), 'updateTimeDecayEma: nowMs is an integer');
  if (ema.lastMs === null) {
    return {
      ok: true,
      ema: {
        tauMs: ema.tauMs,
        numeratorE18: sample * FIRST_SAMPLE_WEIGHT_MS * WAD_ONE,
        denominatorE18: FIRST_SAMPLE_WEIGHT_MS * WAD_ONE,
        lastMs: nowMs,
      },
    };
  }
  if (nowMs < ema.lastMs) return { ok: false, reason: 'out_of_order', ema };
  const t = BigInt(nowMs - ema.lastMs);
  const decay = expNegWad(t, BigInt(ema.tauMs));
  return {
    ok: true,
    ema: {
      tauMs: ema.tauMs,
      numeratorE18: divRound(ema.numeratorE18 * decay, WAD_ONE, 'half_even') + sample * t * WAD_ONE,
      denominatorE18: divRound(ema.denominatorE18 * decay, WAD_ONE, 'half_even') + t * WAD_ONE,
      lastMs: nowMs,
    },
  };
}

/**
 * numerator / denominator in the sample's unit, half_even; null before the first update (or once every
 * weight has decayed to nothing, which needs about 44 τ without updates).
 * `divisor` lets a caller that fed samples in a finer unit (e.g. half-atoms) read in the coarser one.
 */
export function timeDecayEmaValue(ema: TimeDecayEma, divisor = 1n): bigint | null {
  assert(divisor > 0n, 'timeDecayEmaValue: divisor > 0');
  if (ema.denominatorE18 === 0n) return null;
  return divRound(ema.numeratorE18, ema.denominatorE18 * divisor, 'half_even');
}
