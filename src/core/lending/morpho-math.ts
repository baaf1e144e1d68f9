// Morpho Blue's fixed-point arithmetic and share accounting, rounded as the contracts round it.
//
// Sources (morpho-org/morpho-blue at 3085651a79553bbabbfd8be309c262dab45b686e):
// - src/libraries/MathLib.sol: mulDivDown = x*y/d (floor), mulDivUp = (x*y + d - 1)/d (ceil), wMulDown,
//   wDivDown, wDivUp over WAD = 1e18.
// - src/libraries/SharesMathLib.sol: VIRTUAL_SHARES = 1e6 and VIRTUAL_ASSETS = 1 added to the totals (an empty
//   market cannot be inflated); toShares/toAssets Down floor and Up ceil.
// - src/libraries/ConstantsLib.sol: ORACLE_PRICE_SCALE = 1e36, LIQUIDATION_CURSOR = 0.3e18,
//   MAX_LIQUIDATION_INCENTIVE_FACTOR = 1.15e18.

import { assert } from '../assert.js';
import { divRound } from '../units/fixed.js';

export const WAD = 10n ** 18n;
export const ORACLE_PRICE_SCALE = 10n ** 36n;
export const LIQUIDATION_CURSOR = 3n * 10n ** 17n;
export const MAX_LIQUIDATION_INCENTIVE_FACTOR = 115n * 10n ** 16n;
export const VIRTUAL_SHARES = 10n ** 6n;
export const VIRTUAL_ASSETS = 1n;

function unsigned(...xs: bigint[]): void {
  for (const x of xs) assert(x >= 0n, 'morpho-math: operands are uint256 (non-negative)');
}

/** x*y/d rounded down (MathLib.mulDivDown). */
export function mulDivDown(x: bigint, y: bigint, d: bigint): bigint {
  unsigned(x, y, d);
  return divRound(x * y, d, 'floor');
}

/** x*y/d rounded up (MathLib.mulDivUp). */
export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  unsigned(x, y, d);
  return divRound(x * y, d, 'ceil');
}

export const wMulDown = (x: bigint, y: bigint): bigint => mulDivDown(x, y, WAD);
export const wDivDown = (x: bigint, y: bigint): bigint => mulDivDown(x, WAD, y);
export const wDivUp = (x: bigint, y: bigint): bigint => mulDivUp(x, WAD, y);

export const toSharesDown = (assets: bigint, totalAssets: bigint, totalShares: bigint): bigint =>
  mulDivDown(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
export const toAssetsDown = (shares: bigint, totalAssets: bigint, totalShares: bigint): bigint =>
  mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
export const toSharesUp = (assets: bigint, totalAssets: bigint, totalShares: bigint): bigint =>
  mulDivUp(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
export const toAssetsUp = (shares: bigint, totalAssets: bigint, totalShares: bigint): bigint =>
  mulDivUp(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
