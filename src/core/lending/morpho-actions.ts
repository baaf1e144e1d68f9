// Morpho Blue's supply, supplyCollateral and borrow: what a lender and a borrower do before a position can be
// liquidated (morpho.ts liquidate / preLiquidate).
//
// Source: morpho-org/morpho-blue at 3085651a79553bbabbfd8be309c262dab45b686e, src/Morpho.sol:
// - supply(assets): shares = assets.toSharesDown(totalSupplyAssets, totalSupplyShares); the totals grow by both.
// - supplyCollateral(assets): position.collateral += assets (ZERO_ASSETS when 0).
// - borrow(assets): shares = assets.toSharesUp(totalBorrowAssets, totalBorrowShares); the position and totals grow;
//   then require _isHealthy (INSUFFICIENT_COLLATERAL) and totalBorrowAssets <= totalSupplyAssets
//   (INSUFFICIENT_LIQUIDITY).
// - repay(assets, shares): exactly one non-zero (INCONSISTENT_INPUT); shares = assets.toSharesDown or assets =
//   shares.toAssetsUp (the borrower pays the rounding); position.borrowShares -= shares (an underflow reverts);
//   totalBorrowShares -= shares; totalBorrowAssets = zeroFloorSub(totalBorrowAssets, assets).
// - withdrawCollateral(assets): position.collateral -= assets (an underflow reverts), then require _isHealthy
//   (INSUFFICIENT_COLLATERAL).
// Interest accrual (the IRM) is not modelled, as in morpho.ts: the totals are taken as already accrued.

import { isHealthy, type MorphoMarket, type MorphoPosition } from './morpho.js';
import { toAssetsUp, toSharesDown, toSharesUp } from './morpho-math.js';
import { ok, rejected, type LendingResult } from './result.js';

export interface MorphoSupply {
  readonly shares: bigint;
  readonly market: MorphoMarket;
}

/** Morpho.supply by assets: the lender's shares, rounded down. */
export function morphoSupply(market: MorphoMarket, assets: bigint): LendingResult<MorphoSupply, 'invalid_amount'> {
  if (assets <= 0n) return rejected('invalid_amount');
  const shares = toSharesDown(assets, market.totalSupplyAssets, market.totalSupplyShares);
  return ok({ shares, market: { ...market, totalSupplyAssets: market.totalSupplyAssets + assets, totalSupplyShares: market.totalSupplyShares + shares } });
}

/** Morpho.supplyCollateral. */
export function morphoSupplyCollateral(position: MorphoPosition, assets: bigint): LendingResult<MorphoPosition, 'invalid_amount'> {
  if (assets <= 0n) return rejected('invalid_amount');
  return ok({ ...position, collateral: position.collateral + assets });
}

export interface MorphoBorrow {
  readonly shares: bigint;
  readonly market: MorphoMarket;
  readonly position: MorphoPosition;
}

/** Morpho.borrow by assets: shares rounded up; the position must stay healthy and the market liquid. */
export function morphoBorrow(
  market: MorphoMarket,
  position: MorphoPosition,
  price: bigint,
  assets: bigint,
): LendingResult<MorphoBorrow, 'invalid_amount' | 'insufficient_collateral' | 'insufficient_liquidity'> {
  if (assets <= 0n) return rejected('invalid_amount');
  const shares = toSharesUp(assets, market.totalBorrowAssets, market.totalBorrowShares);
  const after: MorphoMarket = { ...market, totalBorrowAssets: market.totalBorrowAssets + assets, totalBorrowShares: market.totalBorrowShares + shares };
  const left: MorphoPosition = { ...position, borrowShares: position.borrowShares + shares };
  if (!isHealthy(after, left, price)) return rejected('insufficient_collateral');
  if (after.totalBorrowAssets > after.totalSupplyAssets) return rejected('insufficient_liquidity');
  return ok({ shares, market: after, position: left });
}

export interface MorphoRepay {
  readonly assets: bigint;
  readonly shares: bigint;
  readonly market: MorphoMarket;
  readonly position: MorphoPosition;
}

/** Morpho.repay by assets or by shares (exactly one non-zero). */
export function morphoRepay(
  market: MorphoMarket,
  position: MorphoPosition,
  assetsIn: bigint,
  sharesIn: bigint,
): LendingResult<MorphoRepay, 'invalid_amount' | 'inconsistent_input' | 'exceeds_position'> {
  if (assetsIn < 0n || sharesIn < 0n) return rejected('invalid_amount');
  if ((assetsIn === 0n) === (sharesIn === 0n)) return rejected('inconsistent_input');
  const shares = assetsIn > 0n ? toSharesDown(assetsIn, market.totalBorrowAssets, market.totalBorrowShares) : sharesIn;
  const assets = assetsIn > 0n ? assetsIn : toAssetsUp(sharesIn, market.totalBorrowAssets, market.totalBorrowShares);
  if (shares > position.borrowShares) return rejected('exceeds_position');
  const totalBorrowAssets = market.totalBorrowAssets > assets ? market.totalBorrowAssets - assets : 0n; // zeroFloorSub
  return ok({
    assets,
    shares,
    market: { ...market, totalBorrowShares: market.totalBorrowShares - shares, totalBorrowAssets },
    position: { ...position, borrowShares: position.borrowShares - shares },
  });
}

/** Morpho.withdrawCollateral: the position must stay healthy at the oracle price. */
export function morphoWithdrawCollateral(
  market: MorphoMarket,
  position: MorphoPosition,
  price: bigint,
  assets: bigint,
): LendingResult<MorphoPosition, 'invalid_amount' | 'exceeds_position' | 'insufficient_collateral'> {
  if (assets <= 0n) return rejected('invalid_amount');
  if (assets > position.collateral) return rejected('exceeds_position');
  const left: MorphoPosition = { ...position, collateral: position.collateral - assets };
  if (!isHealthy(market, left, price)) return rejected('insufficient_collateral');
  return ok(left);
}
