// RAY/WAD fixed-point arithmetic as MakerDAO's dss computes it, so that auction figures agree with the contracts to
// the last unit. Sources (makerdao/dss at fa4f6630afb0624d04a003e920b0d71a00331d98, 2022-05-18):
//   - src/clip.sol: wmul = x*y / WAD, rmul = x*y / RAY, rdiv = x*RAY / y (Solidity's integer division: floor for
//     these non-negative operands);
//   - src/abaci.sol: rpow(x, n, b), "optimized version from dss PR #78": exponentiation by squaring, where every
//     product is rounded to the nearest unit of b, halves up ((p + b/2) / b).
// Units (dss's own names): wad = 1e18 (collateral amounts, normalised debt art), ray = 1e27 (prices, rate, spot),
// rad = 1e45 (DAI amounts: tab, dust, hole, tip). A wad times a ray is a rad.
// uint256 overflow reverts are not modelled: bigints do not overflow, and every input here is bounded far below 2^256
// by the validation of the parameters that feed it (abaci.ts, clipper.ts).

import { assert } from '../assert.js';
import { divRound, type Fixed, type Ray, type Wad } from '../units/index.js';

/** 1e45 fixed point (Maker "rad"): DAI amounts (tab, dust, hole, Hole, tip, dirt). */
export type Rad = Fixed<'rad'>;

export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
export const RAD = 10n ** 45n;

export const wadOf = (n: bigint): Wad => n as Wad;
export const rayOf = (n: bigint): Ray => n as Ray;
export const radOf = (n: bigint): Rad => n as Rad;

/** x * y / WAD, floor (clip.sol wmul). */
export function wmul(x: bigint, y: bigint): bigint {
  assert(x >= 0n && y >= 0n, 'wmul: dss operands are unsigned');
  return divRound(x * y, WAD, 'floor');
}

/** x * y / RAY, floor (clip.sol and abaci.sol rmul). */
export function rmul(x: bigint, y: bigint): bigint {
  assert(x >= 0n && y >= 0n, 'rmul: dss operands are unsigned');
  return divRound(x * y, RAY, 'floor');
}

/** x * RAY / y, floor (clip.sol rdiv). y must not be zero (the contract would revert: a bug upstream here). */
export function rdiv(x: bigint, y: bigint): bigint {
  assert(x >= 0n && y > 0n, 'rdiv: dss operands are unsigned and the divisor is positive');
  return divRound(x * RAY, y, 'floor');
}

/** p / b rounded to nearest with halves up, as rpow does it: (p + b/2) / b for p >= 0. */
function roundHalfUp(p: bigint, b: bigint): bigint {
  return divRound(p + b / 2n, b, 'floor');
}

/**
 * x^n in base b (x and the result scaled by b), by squaring, exactly as abaci.sol's rpow (dss PR #78): z starts at
 * x when n is odd, else b; then for each halving of n, x = round(x*x / b) and, when the bit is set, z = round(z*x / b),
 * each product rounded to nearest with halves up. rpow(0, 0, b) = b; rpow(0, n>0, b) = 0.
 * The contract reverts when x >= 2^128 (its squaring would overflow); so does this (an assertion: callers bound x).
 */
export function rpow(x: bigint, n: bigint, b: bigint): bigint {
  assert(x >= 0n && n >= 0n && b > 0n, 'rpow: dss operands are unsigned and the base positive');
  if (n === 0n) return b;
  if (x === 0n) return 0n;
  let z = n % 2n === 0n ? b : x;
  let base = x;
  for (let k = n / 2n; k > 0n; k /= 2n) {
    assert(base < 1n << 128n, 'rpow: x >= 2^128 reverts in abaci.sol');
    base = roundHalfUp(base * base, b);
    if (k % 2n === 1n) z = roundHalfUp(z * base, b);
  }
  return z;
}
