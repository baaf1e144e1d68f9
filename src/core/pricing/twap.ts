// Time-weighted average price over a sliding window, for the TWAP-divergence guard (FORMATS.md §4
// "cross-source ... (TWAP divergence)") and for settlement-style averages.
//
// Model: prices form a step function; a point's price holds from its time until the next point's time
// (and the last one until now). TWAP(now) = ∫ price dt over [now - window, now] / covered time, half_even,
// where the covered time starts at the window start or at the oldest retained point, whichever is later.
// The buffer is bounded (capacity <= TWAP_POINTS_MAX): when full, the oldest point is evicted, which can
// shorten the covered time; points wholly before the window are evicted too, except the last of them (it
// gives the price at the window start). `coveredMs` is returned so a caller can demand a minimum history.
// Immutable: each push returns a new record.
import { assert } from '../assert.js';
import { divRound, type Price } from '../units/index.js';
import { TWAP_POINTS_MAX } from './limits.js';

export type TwapPoint = { readonly timeMs: number; readonly price: Price };
export type TwapState = { readonly windowMs: number; readonly capacity: number; readonly points: readonly TwapPoint[] };

export function newTwap(windowMs: number, capacity: number): TwapState {
  assert(Number.isSafeInteger(windowMs) && windowMs > 0, 'newTwap: windowMs > 0');
  assert(Number.isSafeInteger(capacity) && capacity >= 2, 'newTwap: capacity >= 2');
  assert(capacity <= TWAP_POINTS_MAX, 'newTwap: capacity <= TWAP_POINTS_MAX');
  return { windowMs, capacity, points: [] };
}

export type TwapPush = {
  readonly state: TwapState;
  /** appended; replaced (same ms as the last point: the newer price wins); or refused. */
  readonly outcome: 'appended' | 'replaced' | 'out_of_order' | 'invalid_price';
  /** Points evicted by this push (aged out of the window or over capacity). */
  readonly evicted: number;
};

export function pushTwap(state: TwapState, timeMs: number, p: Price): TwapPush {
  assert(Number.isSafeInteger(timeMs), 'pushTwap: timeMs is an integer');
  if (p <= 0n) return { state, outcome: 'invalid_price', evicted: 0 };
  const last = state.points[state.points.length - 1];
  if (last !== undefined && timeMs < last.timeMs) return { state, outcome: 'out_of_order', evicted: 0 };
  const replaced = last !== undefined && timeMs === last.timeMs;
  let points = replaced ? [...state.points.slice(0, -1), { timeMs, price: p }] : [...state.points, { timeMs, price: p }];
  const before = points.length;
  // Keep one point at or before the window start; drop the ones before it.
  const start = timeMs - state.windowMs;
  let firstNeeded = 0;
  for (let i = 0; i < points.length; i++) if ((points[i]?.timeMs ?? Infinity) <= start) firstNeeded = i;
  points = points.slice(firstNeeded);
  if (points.length > state.capacity) points = points.slice(points.length - state.capacity);
  return {
    state: { ...state, points },
    outcome: replaced ? 'replaced' : 'appended',
    evicted: before - points.length,
  };
}

export type TwapValue =
  | { readonly ok: true; readonly price: Price; readonly coveredMs: number }
  | { readonly ok: false; readonly reason: 'empty' | 'out_of_order' };

/**
 * The TWAP at nowMs (>= the last point's time). With no elapsed time at all (a single point at nowMs),
 * the price is that point's and coveredMs is 0.
 */
export function twapValue(state: TwapState, nowMs: number): TwapValue {
  const pts = state.points;
  const last = pts[pts.length - 1];
  if (last === undefined) return { ok: false, reason: 'empty' };
  if (nowMs < last.timeMs) return { ok: false, reason: 'out_of_order' };
  const start = nowMs - state.windowMs;
  let area = 0n;
  let covered = 0;
  for (let i = 0; i < pts.length; i++) {
    const pt = pts[i];
    assert(pt !== undefined, 'twapValue: index in range');
    const from = Math.max(pt.timeMs, start);
    const to = pts[i + 1]?.timeMs ?? nowMs;
    if (to <= from) continue;
    area += pt.price * BigInt(to - from);
    covered += to - from;
  }
  if (covered === 0) return { ok: true, price: last.price, coveredMs: 0 };
  return { ok: true, price: divRound(area, BigInt(covered), 'half_even') as Price, coveredMs: covered };
}
