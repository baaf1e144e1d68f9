// Exact decimals {mantissa, expo} as they arrive on the wire, and their conversion to a market's atoms.
// Nothing here passes through a JS number: digits go straight from text to bigint.

import { divRound, formatDecimal, pow10, price as asPrice, type Price, type Rounding } from '../core/units/index.js';
import type { Scaled } from './types.js';

/** Digits accepted in one decimal (wire prices have < 30). */
export const SCALED_DIGITS_MAX = 80;
/** |expo| accepted; keeps 10^k within the pow10 table once combined with a market's decimals. */
export const SCALED_EXPO_ABS_MAX = 60;

export type ScaledParse = { readonly ok: true; readonly value: Scaled } | { readonly ok: false; readonly error: string };

const PLAIN_DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;
const JSON_NUMBER = /^(-)?(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function build(negative: boolean, whole: string, frac: string, exp: number, text: string): ScaledParse {
  if (whole.length + frac.length > SCALED_DIGITS_MAX) return { ok: false, error: `too many digits: ${text}` };
  const expo = exp - frac.length;
  if (!Number.isSafeInteger(expo) || Math.abs(expo) > SCALED_EXPO_ABS_MAX) {
    return { ok: false, error: `exponent out of range: ${text}` };
  }
  const digits = BigInt(whole + frac);
  // Normalise -0 to 0 (bigint has no negative zero anyway); keep trailing zeros: "97028.20000000" stays expo -8.
  return { ok: true, value: { mantissa: negative ? -digits : digits, expo: expo === 0 ? 0 : expo } };
}

/**
 * A plain decimal string as Binance and kline CSVs send it ("97028.20000000", "-0.5", "312"), kept digit for
 * digit: "97028.20000000" -> {mantissa 9702820000000n, expo -8}. No exponent, sign '+', blanks or bare dots.
 */
export function parseScaled(text: string): ScaledParse {
  const m = PLAIN_DECIMAL.exec(text);
  if (m === null) return { ok: false, error: `not a decimal number: ${JSON.stringify(text)}` };
  return build(m[1] === '-', m[2] ?? '', m[3] ?? '', 0, text);
}

/** A JSON number literal's source text (exponent allowed): "0.004" -> {4n, -3}, "1e-3" -> {1n, -3}. */
export function parseJsonNumberScaled(text: string): ScaledParse {
  const m = JSON_NUMBER.exec(text);
  if (m === null) return { ok: false, error: `not a JSON number: ${JSON.stringify(text)}` };
  const expText = m[4];
  let exp = 0;
  if (expText !== undefined) {
    if (expText.replace(/^[+-]/, '').length > 6) return { ok: false, error: `exponent out of range: ${text}` };
    exp = Number.parseInt(expText, 10);
  }
  return build(m[1] === '-', m[2] ?? '', m[3] ?? '', exp, text);
}

/** An integer with the given exponent: scaled(9689512000000n, -8). */
export function scaled(mantissa: bigint, expo: number): Scaled {
  return { mantissa, expo };
}

/** Both values re-expressed with the smaller exponent, exactly. */
export function alignScaled(a: Scaled, b: Scaled): { a: bigint; b: bigint; expo: number } {
  if (a.expo === b.expo) return { a: a.mantissa, b: b.mantissa, expo: a.expo };
  if (a.expo < b.expo) return { a: a.mantissa, b: b.mantissa * pow10(b.expo - a.expo), expo: a.expo };
  return { a: a.mantissa * pow10(a.expo - b.expo), b: b.mantissa, expo: b.expo };
}

/** -1, 0 or 1 as a < b, a = b, a > b (exact). */
export function compareScaled(a: Scaled, b: Scaled): -1 | 0 | 1 {
  const x = alignScaled(a, b);
  return x.a < x.b ? -1 : x.a > x.b ? 1 : 0;
}

/** a - b, exact. */
export function subScaled(a: Scaled, b: Scaled): Scaled {
  const x = alignScaled(a, b);
  return { mantissa: x.a - x.b, expo: x.expo };
}

/** (a + b) / 2, exact: written as (a + b) x 5 x 10^(expo - 1), so an odd sum needs no rounding. */
export function midScaled(a: Scaled, b: Scaled): Scaled {
  const x = alignScaled(a, b);
  return { mantissa: (x.a + x.b) * 5n, expo: x.expo - 1 };
}

/** Value as a decimal string ("97028.2"): for messages and display, not arithmetic. */
export function formatScaled(v: Scaled): string {
  if (v.expo >= 0) return (v.mantissa * pow10(v.expo)).toString();
  return formatDecimal(v.mantissa, -v.expo);
}

/**
 * |a - b| / |b| > capPpm / 1e6, exact (no division). b must be non-zero; a zero reference counts as exceeding.
 */
export function relativeExceedsPpm(a: Scaled, b: Scaled, capPpm: bigint): boolean {
  const x = alignScaled(a, b);
  const ref = x.b < 0n ? -x.b : x.b;
  if (ref === 0n) return true;
  const diff = x.a - x.b;
  return (diff < 0n ? -diff : diff) * 1_000_000n > capPpm * ref;
}

/** |part| / |whole| > capPpm / 1e6, exact (no division). */
export function shareExceedsPpm(part: Scaled, whole: Scaled, capPpm: bigint): boolean {
  const x = alignScaled(part, whole);
  const num = x.a < 0n ? -x.a : x.a;
  const den = x.b < 0n ? -x.b : x.b;
  return num * 1_000_000n > capPpm * den;
}

/** |a| / |b| in ppm, rounded down; for messages. */
export function ratioPpm(a: Scaled, b: Scaled): bigint {
  const x = alignScaled(a, b);
  const den = x.b < 0n ? -x.b : x.b;
  if (den === 0n) return -1n;
  const num = x.a < 0n ? -x.a : x.a;
  return (num * 1_000_000n) / den;
}

export type AtomsResult<T extends bigint = bigint> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: 'non_positive_price' | 'out_of_range' | 'inexact'; readonly error: string };

/**
 * The value as atoms of 10^-decimals: mantissa x 10^(expo + decimals), rounded as asked when precision is dropped.
 * `rounding: 'exact'` refuses a value that does not fit exactly. Any sign is accepted (funding rates are signed).
 */
export function toFixedAtoms(value: Scaled, decimals: number, rounding: Rounding | 'exact'): AtomsResult {
  const shift = value.expo + decimals;
  if (!Number.isSafeInteger(shift) || Math.abs(shift) > 77) {
    return { ok: false, code: 'out_of_range', error: `10^${shift} is out of range` };
  }
  if (shift >= 0) return { ok: true, value: value.mantissa * pow10(shift) };
  const d = pow10(-shift);
  if (rounding === 'exact') {
    if (value.mantissa % d !== 0n) {
      return { ok: false, code: 'inexact', error: `${formatScaled(value)} has more than ${decimals} decimal places` };
    }
    return { ok: true, value: value.mantissa / d };
  }
  return { ok: true, value: divRound(value.mantissa, d, rounding) };
}

/**
 * A price in a market's price atoms (bigint with `decimals` places), with explicit rounding. Refuses a price that is
 * not positive, before or after rounding (a price that rounds to 0 atoms is unusable).
 */
export function toPriceAtoms(value: Scaled, decimals: number, rounding: Rounding | 'exact'): AtomsResult<Price> {
  if (value.mantissa <= 0n) {
    return { ok: false, code: 'non_positive_price', error: `price ${formatScaled(value)} is not positive` };
  }
  const r = toFixedAtoms(value, decimals, rounding);
  if (!r.ok) return r;
  if (r.value <= 0n) {
    return {
      ok: false,
      code: 'non_positive_price',
      error: `price ${formatScaled(value)} rounds to ${r.value} at ${decimals} decimals`,
    };
  }
  return { ok: true, value: asPrice(r.value) };
}
