// Decimal strings <-> fixed-point atoms, without ever passing through a float.
// "12.345" with 2 decimals is either refused (exact mode) or rounded as asked.

import { divRound, pow10, type Rounding } from './fixed.js';

export type DecimalParse = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly error: string };

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;
const MAX_DIGITS = 80;

/**
 * Parses a plain decimal string ("-12.5", "0.001", "42") into atoms of 10^-decimals.
 * Exponents, separators, blanks, "NaN" and empty strings are refused. With `rounding` omitted, a value that
 * needs more than `decimals` places is refused; with a rounding mode it is rounded.
 */
export function parseDecimal(text: string, decimals: number, rounding?: Rounding): DecimalParse {
  const m = DECIMAL.exec(text);
  if (m === null) return { ok: false, error: `not a decimal number: ${JSON.stringify(text)}` };
  const [, signText, whole = '', frac = ''] = m;
  if (whole.length + frac.length > MAX_DIGITS) return { ok: false, error: `too many digits: ${text}` };
  const negative = signText === '-';
  let atoms: bigint;
  if (frac.length <= decimals) {
    atoms = BigInt(whole + frac.padEnd(decimals, '0'));
  } else {
    const exact = BigInt(whole + frac);
    const excess = frac.length - decimals;
    if (rounding === undefined) {
      if (exact % pow10(excess) !== 0n) {
        return { ok: false, error: `${text} has more than ${decimals} decimal places` };
      }
      atoms = exact / pow10(excess);
    } else {
      atoms = divRound(negative ? -exact : exact, pow10(excess), rounding);
      return { ok: true, value: atoms };
    }
  }
  return { ok: true, value: negative ? -atoms : atoms };
}

/** Parses or throws a RangeError; for trusted literals (presets, tests), not for user input. */
export function dec(text: string, decimals: number): bigint {
  const r = parseDecimal(text, decimals);
  if (!r.ok) throw new RangeError(r.error);
  return r.value;
}

/**
 * Formats atoms as a decimal string with trailing zeros removed ("1.5", "-0.001", "42").
 * `minDecimals` keeps at least that many places ("1.50" with minDecimals 2).
 */
export function formatDecimal(atoms: bigint, decimals: number, minDecimals = 0): string {
  const negative = atoms < 0n;
  const digits = (negative ? -atoms : atoms).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  let frac = decimals > 0 ? digits.slice(digits.length - decimals) : '';
  let end = frac.length;
  while (end > minDecimals && frac[end - 1] === '0') end--;
  frac = frac.slice(0, end);
  return `${negative ? '-' : ''}${whole}${frac.length > 0 ? `.${frac}` : ''}`;
}

/** Re-expresses atoms of 10^-from as atoms of 10^-to, rounding when precision is dropped. */
export function rescale(atoms: bigint, from: number, to: number, rounding: Rounding): bigint {
  if (to >= from) return atoms * pow10(to - from);
  return divRound(atoms, pow10(from - to), rounding);
}
