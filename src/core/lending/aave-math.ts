// Aave v3's fixed-point arithmetic, rounded as the contracts round it.
//
// Sources (aave-dao/aave-v3-origin, tag v3.3.0 = 5431379f8beb4d7128c84a81ced3917d856efa84):
// - src/contracts/protocol/libraries/math/WadRayMath.sol: wadMul, wadDiv, rayMul, rayDiv round half up
//   ((a*b + HALF)/UNIT, (a*UNIT + b/2)/b); rayToWad rounds half up; wadToRay is exact.
// - src/contracts/protocol/libraries/math/PercentageMath.sol: percentages in basis points (1e4 = 100%),
//   percentMul = (v*p + 0.5e4)/1e4, percentDiv = (v*1e4 + p/2)/p.
// - src/contracts/protocol/libraries/math/MathUtils.sol: linear interest RAY + rate*dt/year (floor) and the
//   three-term binomial approximation of compounded interest.
// Every division here is a named rounding (core/units divRound): 'half_up' for the half-up helpers (equal to the
// contracts' formula for the non-negative operands they take, proven in fixed.test.ts), 'floor' where Solidity
// divides. The contracts revert on uint256 overflow; bigints do not overflow, so that revert has no counterpart.

import { assert } from '../assert.js';
import { divRound } from '../units/fixed.js';

export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
export const WAD_RAY_RATIO = 10n ** 9n;
/** 100.00% in Aave's basis points. */
export const PERCENTAGE_FACTOR = 10_000n;
/** MathUtils.SECONDS_PER_YEAR: 365 days, leap years ignored. */
export const SECONDS_PER_YEAR = 365n * 24n * 3600n;

function nonNegative(...xs: bigint[]): void {
  for (const x of xs) assert(x >= 0n, 'aave-math: operands are uint256 (non-negative)');
}

/** a x b / 1e18, half up (WadRayMath.wadMul). */
export function wadMul(a: bigint, b: bigint): bigint {
  nonNegative(a, b);
  return divRound(a * b, WAD, 'half_up');
}

/** a x 1e18 / b, half up (WadRayMath.wadDiv). b = 0 reverts on chain: a bug here. */
export function wadDiv(a: bigint, b: bigint): bigint {
  nonNegative(a, b);
  return divRound(a * WAD, b, 'half_up');
}

/** a x b / 1e27, half up (WadRayMath.rayMul). */
export function rayMul(a: bigint, b: bigint): bigint {
  nonNegative(a, b);
  return divRound(a * b, RAY, 'half_up');
}

/** a x 1e27 / b, half up (WadRayMath.rayDiv). */
export function rayDiv(a: bigint, b: bigint): bigint {
  nonNegative(a, b);
  return divRound(a * RAY, b, 'half_up');
}

/** A ray as a wad, half up (WadRayMath.rayToWad: remainder >= 0.5e9 rounds up). */
export function rayToWad(a: bigint): bigint {
  nonNegative(a);
  return divRound(a, WAD_RAY_RATIO, 'half_up');
}

/** A wad as a ray, exact (WadRayMath.wadToRay). */
export function wadToRay(a: bigint): bigint {
  nonNegative(a);
  return a * WAD_RAY_RATIO;
}

/** value x percentage / 1e4, half up (PercentageMath.percentMul). */
export function percentMul(value: bigint, percentageBps: bigint): bigint {
  nonNegative(value, percentageBps);
  return divRound(value * percentageBps, PERCENTAGE_FACTOR, 'half_up');
}

/** value x 1e4 / percentage, half up (PercentageMath.percentDiv). */
export function percentDiv(value: bigint, percentageBps: bigint): bigint {
  nonNegative(value, percentageBps);
  return divRound(value * PERCENTAGE_FACTOR, percentageBps, 'half_up');
}

/** RAY + rate x dt / year, the division floored (MathUtils.calculateLinearInterest). rate: yearly, in ray. */
export function linearInterest(rateRay: bigint, elapsedS: bigint): bigint {
  nonNegative(rateRay, elapsedS);
  return RAY + divRound(rateRay * elapsedS, SECONDS_PER_YEAR, 'floor');
}

/**
 * (1 + rate/year)^dt approximated by its first three binomial terms, exactly as
 * MathUtils.calculateCompoundedInterest: basePowerTwo = rayMul(r, r) / year^2 and basePowerThree =
 * rayMul(basePowerTwo, r) / year (floored), then RAY + r*dt/year + dt(dt-1)b2/2 + dt(dt-1)(dt-2)b3/6.
 */
export function compoundedInterest(rateRay: bigint, elapsedS: bigint): bigint {
  nonNegative(rateRay, elapsedS);
  if (elapsedS === 0n) return RAY;
  const expMinusOne = elapsedS - 1n;
  const expMinusTwo = elapsedS > 2n ? elapsedS - 2n : 0n;
  const basePowerTwo = divRound(rayMul(rateRay, rateRay), SECONDS_PER_YEAR * SECONDS_PER_YEAR, 'floor');
  const basePowerThree = divRound(rayMul(basePowerTwo, rateRay), SECONDS_PER_YEAR, 'floor');
  const secondTerm = divRound(elapsedS * expMinusOne * basePowerTwo, 2n, 'floor');
  const thirdTerm = divRound(elapsedS * expMinusOne * expMinusTwo * basePowerThree, 6n, 'floor');
  return RAY + divRound(rateRay * elapsedS, SECONDS_PER_YEAR, 'floor') + secondTerm + thirdTerm;
}
