// Fixed-point integers: every amount, size and price in Bailiff is a bigint counted in declared atoms.
// Brands keep the units apart in the type system; arithmetic helpers name their rounding mode at each call.

import { assert, AssertionError } from '../assert.js';

declare const unit: unique symbol;
/** A bigint that counts atoms of unit U. The brand exists only at compile time. */
export type Fixed<U extends string> = bigint & { readonly [unit]: U };

/** Quote (settlement-asset) atoms, e.g. 1e-6 USDC. Ledger balances, notionals, margins, PnL. */
export type Quote = Fixed<'quote'>;
/** Base-asset atoms of one market (its size step is a multiple of one atom). Signed for positions: long > 0. */
export type Size = Fixed<'size'>;
/** Price atoms of one market: quote per one whole base unit, scaled by 10^priceDecimals. */
export type Price = Fixed<'price'>;
/** Atoms of a collateral asset (its own decimals). */
export type AssetAmount = Fixed<'asset'>;
/** Parts per million: 1_000_000n = 100%. Margin ratios, haircuts, fees. */
export type Ppm = Fixed<'ppm'>;
/** Rates (funding, interest, premium) as fractions scaled by 1e9: 0.0001 (0.01%) = 100_000n. */
export type RateE9 = Fixed<'rate_e9'>;
/** 1e18 fixed point (Aave/Maker "wad"): health factors, lending ratios. */
export type Wad = Fixed<'wad'>;
/** 1e27 fixed point (Maker "ray"). */
export type Ray = Fixed<'ray'>;

export const quote = (n: bigint): Quote => n as Quote;
export const size = (n: bigint): Size => n as Size;
export const price = (n: bigint): Price => n as Price;
export const assetAmount = (n: bigint): AssetAmount => n as AssetAmount;
export const ppm = (n: bigint): Ppm => n as Ppm;
export const rateE9 = (n: bigint): RateE9 => n as RateE9;
export const wad = (n: bigint): Wad => n as Wad;
export const ray = (n: bigint): Ray => n as Ray;

export const PPM_ONE = ppm(1_000_000n);
export const RATE_E9_ONE = rateE9(1_000_000_000n);
export const WAD_ONE = wad(10n ** 18n);
export const RAY_ONE = ray(10n ** 27n);

/**
 * How a division that does not come out even is rounded.
 * - floor: toward -infinity      - ceil: toward +infinity
 * - trunc: toward zero           - away: away from zero
 * - half_even: to nearest, ties to even (banker's rounding), for neutral figures such as averages.
 * - half_up: to nearest, ties away from zero: (n + d/2) / d for n, d >= 0, as Aave's WadRayMath and PercentageMath
 *   round (core/lending/aave-math.ts).
 * "In the venue's favour" is a choice made at the call site: requirements use ceil, payouts and collateral
 * values use floor.
 */
export type Rounding = 'floor' | 'ceil' | 'trunc' | 'away' | 'half_even' | 'half_up';

/** n / d rounded as asked. d must not be zero (a zero divisor is a bug, not an input). */
export function divRound(n: bigint, d: bigint, mode: Rounding): bigint {
  assert(d !== 0n, 'divRound: divisor is zero');
  const q = n / d; // bigint division truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const negative = n < 0n !== d < 0n;
  switch (mode) {
    case 'trunc':
      return q;
    case 'floor':
      return negative ? q - 1n : q;
    case 'ceil':
      return negative ? q : q + 1n;
    case 'away':
      return negative ? q - 1n : q + 1n;
    case 'half_even': {
      const twiceR = 2n * (r < 0n ? -r : r);
      const absD = d < 0n ? -d : d;
      const step = negative ? -1n : 1n;
      if (twiceR > absD) return q + step;
      if (twiceR < absD) return q;
      return q % 2n === 0n ? q : q + step;
    }
    case 'half_up': {
      const twiceR = 2n * (r < 0n ? -r : r);
      const absD = d < 0n ? -d : d;
      return twiceR >= absD ? q + (negative ? -1n : 1n) : q;
    }
  }
}

/** a * b / d with one rounding at the end (no intermediate precision lost). */
export function mulDiv(a: bigint, b: bigint, d: bigint, mode: Rounding): bigint {
  return divRound(a * b, d, mode);
}

export function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

export function sign(n: bigint): -1n | 0n | 1n {
  return n > 0n ? 1n : n < 0n ? -1n : 0n;
}

export function min<T extends bigint>(a: T, b: T): T {
  return a < b ? a : b;
}

export function max<T extends bigint>(a: T, b: T): T {
  return a > b ? a : b;
}

export function clamp<T extends bigint>(n: T, lo: T, hi: T): T {
  assert(lo <= hi, 'clamp: lo > hi');
  return n < lo ? lo : n > hi ? hi : n;
}

const POW10: bigint[] = [];
for (let i = 0; i <= 77; i++) POW10.push(10n ** BigInt(i));

/**
 * 10^k for 0 <= k <= 77, from a table. Its check builds the message only when it fails: a template literal passed to
 * assert() was built on every call, and this is called a few times for every position evaluated (7% of the bytes a
 * 200k walk allocated, 2026-12-05).
 */
export function pow10(k: number): bigint {
  const v = POW10[k];
  if (v === undefined) throw new AssertionError(`pow10: exponent ${k} out of range`);
  return v;
}

/** Integer square root: the largest r with r*r <= n (n >= 0). Newton's method on bigints. */
export function isqrt(n: bigint): bigint {
  assert(n >= 0n, 'isqrt: negative input');
  if (n < 2n) return n;
  // Start above the root: 2^(ceil(bits/2)).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  while (true) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt rounded up: the smallest r with r*r >= n. */
export function isqrtCeil(n: bigint): bigint {
  const r = isqrt(n);
  return r * r === n ? r : r + 1n;
}
