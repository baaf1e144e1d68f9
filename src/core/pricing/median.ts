// Medians of bigint lists. Each function names what it does with an even count, because venues differ:
// Binance and Hyperliquid take "the median" of three inputs (always odd when all are present), dYdX averages
// the two middle values and rounds half away from zero (protocol/lib/math.go `Median`, dydxprotocol/v4-chain).
import { assert } from '../assert.js';
import { divRound, type Rounding } from '../units/index.js';

/** Ascending comparator for bigints (Array.prototype.sort needs a number). */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy; the input is not touched. */
export function sortedCopy<T extends bigint>(values: readonly T[]): T[] {
  return [...values].sort(compareBigint);
}

/**
 * The median of a non-empty list. An odd count returns the middle value exactly; an even count returns
 * (lower middle + upper middle) / 2 rounded with `evenRounding` (one rounding, no intermediate loss).
 */
export function median<T extends bigint>(values: readonly T[], evenRounding: Rounding): T {
  assert(values.length > 0, 'median: empty list');
  const s = sortedCopy(values);
  const mid = s.length >> 1;
  const upper = s[mid];
  assert(upper !== undefined, 'median: index in range');
  if (s.length % 2 === 1) return upper;
  const lower = s[mid - 1];
  assert(lower !== undefined, 'median: index in range');
  return divRound(lower + upper, 2n, evenRounding) as T;
}
