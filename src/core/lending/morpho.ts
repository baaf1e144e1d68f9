// Morpho Blue: health against LLTV, the liquidation incentive factor, liquidate by seized assets or by repaid
// shares (with bad debt realised when no collateral is left), and the opt-in pre-liquidation contract
// (preLLTV, linear preLCF and preLIF between preLLTV and LLTV).
//
// Sources:
// - morpho-org/morpho-blue at 3085651a79553bbabbfd8be309c262dab45b686e, src/Morpho.sol: liquidate (LIF =
//   min(MAX_LIQUIDATION_INCENTIVE_FACTOR, WAD.wDivDown(WAD - LIQUIDATION_CURSOR.wMulDown(WAD - lltv))); seized ->
//   repaidShares = seized.mulDivUp(price, 1e36).wDivUp(LIF).toSharesUp; repaidShares -> seized =
//   repaidShares.toAssetsDown.wMulDown(LIF).mulDivDown(1e36, price); repaidAssets = repaidShares.toAssetsUp;
//   bad debt = the remaining shares' toAssetsUp (at most totalBorrowAssets), taken from supply), _isHealthy
//   (borrowed = shares.toAssetsUp; maxBorrow = collateral.mulDivDown(price, 1e36).wMulDown(lltv)), repay,
//   withdrawCollateral (healthy after).
// - morpho-org/pre-liquidation at 9e8b7f42d8964b49af3fc371321a4a934f97b210, src/PreLiquidation.sol: constructor
//   restrictions and preLiquidate (ltv = borrowed.wDivUp(collateralQuoted); quotient = (ltv - preLltv).wDivDown(
//   lltv - preLltv); preLIF and preLCF linear in the quotient; repaidShares <= borrowShares.wMulDown(preLCF)).
// Interest accrual (the IRM) is not modelled: the market's totals are taken as already accrued.

import { ok, rejected, type LendingResult } from './result.js';
import {
  LIQUIDATION_CURSOR, MAX_LIQUIDATION_INCENTIVE_FACTOR, mulDivDown, mulDivUp, ORACLE_PRICE_SCALE, toAssetsDown, toAssetsUp,
  toSharesUp, WAD, wDivDown, wDivUp, wMulDown,
} from './morpho-math.js';

export interface MorphoMarket {
  /** Liquidation loan-to-value, WAD. */
  readonly lltv: bigint;
  readonly totalSupplyAssets: bigint;
  readonly totalSupplyShares: bigint;
  readonly totalBorrowAssets: bigint;
  readonly totalBorrowShares: bigint;
}

export interface MorphoPosition {
  readonly collateral: bigint;
  readonly borrowShares: bigint;
}

/** min(1.15, 1 / (1 - 0.3 x (1 - LLTV))), WAD, with Morpho's roundings. */
export function liquidationIncentiveFactor(lltv: bigint): bigint {
  const lif = wDivDown(WAD, WAD - wMulDown(LIQUIDATION_CURSOR, WAD - lltv));
  return lif < MAX_LIQUIDATION_INCENTIVE_FACTOR ? lif : MAX_LIQUIDATION_INCENTIVE_FACTOR;
}

/** The position's debt in loan-token atoms, rounded up (as _isHealthy counts it). */
export function borrowedAssets(market: MorphoMarket, position: MorphoPosition): bigint {
  return toAssetsUp(position.borrowShares, market.totalBorrowAssets, market.totalBorrowShares);
}

/** The collateral's value in loan-token atoms, rounded down. price: loan atoms per collateral atom x 1e36. */
export function collateralQuoted(position: MorphoPosition, price: bigint): bigint {
  return mulDivDown(position.collateral, price, ORACLE_PRICE_SCALE);
}

/** Morpho._isHealthy at a price: the most it may borrow (collateral x price x LLTV, down) covers its debt (up). */
export function isHealthy(market: MorphoMarket, position: MorphoPosition, price: bigint): boolean {
  if (position.borrowShares === 0n) return true;
  return wMulDown(collateralQuoted(position, price), market.lltv) >= borrowedAssets(market, position);
}

/** Exactly one of seizedAssets and repaidShares is given (the other is 0). */
export interface SeizeOrRepay {
  readonly seizedAssets: bigint;
  readonly repaidShares: bigint;
}

export interface MorphoLiquidation {
  readonly seizedAssets: bigint;
  readonly repaidShares: bigint;
  /** Loan-token atoms the liquidator pays. */
  readonly repaidAssets: bigint;
  readonly liquidationIncentiveFactor: bigint;
  /** Debt realised as a loss to the suppliers when no collateral is left. */
  readonly badDebtAssets: bigint;
  readonly badDebtShares: bigint;
  readonly market: MorphoMarket;
  readonly position: MorphoPosition;
}

const exactlyOneZero = (a: bigint, b: bigint): boolean => (a === 0n) !== (b === 0n);
const zeroFloorSub = (a: bigint, b: bigint): bigint => (a > b ? a - b : 0n);

/** Morpho.liquidate. */
export function liquidate(
  market: MorphoMarket,
  position: MorphoPosition,
  price: bigint,
  input: SeizeOrRepay,
): LendingResult<MorphoLiquidation, 'inconsistent_input' | 'healthy_position' | 'exceeds_position'> {
  if (!exactlyOneZero(input.seizedAssets, input.repaidShares)) return rejected('inconsistent_input');
  if (isHealthy(market, position, price)) return rejected('healthy_position');
  const lif = liquidationIncentiveFactor(market.lltv);
  let { seizedAssets, repaidShares } = input;
  if (seizedAssets > 0n) {
    const seizedAssetsQuoted = mulDivUp(seizedAssets, price, ORACLE_PRICE_SCALE);
    repaidShares = toSharesUp(wDivUp(seizedAssetsQuoted, lif), market.totalBorrowAssets, market.totalBorrowShares);
  } else {
    seizedAssets = mulDivDown(wMulDown(toAssetsDown(repaidShares, market.totalBorrowAssets, market.totalBorrowShares), lif), ORACLE_PRICE_SCALE, price);
  }
  // On chain these are uint128 subtractions that revert on underflow.
  if (repaidShares > position.borrowShares || seizedAssets > position.collateral) return rejected('exceeds_position');
  // ---- commit point ----
  const repaidAssets = toAssetsUp(repaidShares, market.totalBorrowAssets, market.totalBorrowShares);
  let borrowShares = position.borrowShares - repaidShares;
  let totalBorrowShares = market.totalBorrowShares - repaidShares;
  let totalBorrowAssets = zeroFloorSub(market.totalBorrowAssets, repaidAssets);
  let totalSupplyAssets = market.totalSupplyAssets;
  const collateral = position.collateral - seizedAssets;
  let badDebtShares = 0n;
  let badDebtAssets = 0n;
  if (collateral === 0n) {
    badDebtShares = borrowShares;
    const owed = toAssetsUp(badDebtShares, totalBorrowAssets, totalBorrowShares);
    badDebtAssets = owed < totalBorrowAssets ? owed : totalBorrowAssets;
    totalBorrowAssets -= badDebtAssets;
    totalSupplyAssets -= badDebtAssets;
    totalBorrowShares -= badDebtShares;
    borrowShares = 0n;
  }
  return ok({
    seizedAssets,
    repaidShares,
    repaidAssets,
    liquidationIncentiveFactor: lif,
    badDebtAssets,
    badDebtShares,
    market: { ...market, totalBorrowAssets, totalBorrowShares, totalSupplyAssets },
    position: { collateral, borrowShares },
  });
}

/** A borrower's pre-liquidation terms (PreLiquidationParams; the oracle's price is passed to preLiquidate). */
export interface PreLiquidationParams {
  readonly preLltv: bigint;
  readonly preLCF1: bigint;
  readonly preLCF2: bigint;
  readonly preLIF1: bigint;
  readonly preLIF2: bigint;
}

export interface ParamProblem {
  readonly path: string;
  readonly message: string;
}

/** The PreLiquidation constructor's restrictions, each a problem naming its field (empty = valid). */
export function preLiquidationParamProblems(lltv: bigint, p: PreLiquidationParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (!(p.preLltv < lltv)) problems.push({ path: 'preLltv', message: 'must be below the market LLTV (PreLltvTooHigh)' });
  if (!(p.preLCF1 <= p.preLCF2)) problems.push({ path: 'preLCF2', message: 'must be at least preLCF1 (PreLCFDecreasing)' });
  if (!(p.preLCF1 <= WAD)) problems.push({ path: 'preLCF1', message: 'must be at most 1 (PreLCFTooHigh)' });
  if (!(WAD <= p.preLIF1)) problems.push({ path: 'preLIF1', message: 'must be at least 1 (PreLIFTooLow)' });
  if (!(p.preLIF1 <= p.preLIF2)) problems.push({ path: 'preLIF2', message: 'must be at least preLIF1 (PreLIFDecreasing)' });
  if (!(p.preLIF2 <= wDivDown(WAD, lltv))) problems.push({ path: 'preLIF2', message: 'must be at most 1 / LLTV (PreLIFTooHigh)' });
  return problems;
}

export interface PreLiquidationTerms {
  /** borrowed.wDivUp(collateralQuoted). */
  readonly ltv: bigint;
  /** (ltv - preLltv) / (lltv - preLltv), down: 0 at preLLTV, 1 at LLTV. */
  readonly quotient: bigint;
  readonly preLIF: bigint;
  /** May exceed 1: then the whole position may be pre-liquidated. */
  readonly preLCF: bigint;
  readonly repayableShares: bigint;
}

/** The position's pre-liquidation terms at a price, or why it has none. */
export function preLiquidationTerms(
  market: MorphoMarket,
  position: MorphoPosition,
  price: bigint,
  params: PreLiquidationParams,
): LendingResult<PreLiquidationTerms, 'liquidatable_position' | 'not_pre_liquidatable_position'> {
  const quoted = collateralQuoted(position, price);
  const borrowed = borrowedAssets(market, position);
  if (borrowed > wMulDown(quoted, market.lltv)) return rejected('liquidatable_position');
  if (!(borrowed > wMulDown(quoted, params.preLltv))) return rejected('not_pre_liquidatable_position');
  const ltv = wDivUp(borrowed, quoted);
  const quotient = wDivDown(ltv - params.preLltv, market.lltv - params.preLltv);
  const preLIF = wMulDown(quotient, params.preLIF2 - params.preLIF1) + params.preLIF1;
  const preLCF = wMulDown(quotient, params.preLCF2 - params.preLCF1) + params.preLCF1;
  return ok({ ltv, quotient, preLIF, preLCF, repayableShares: wMulDown(position.borrowShares, preLCF) });
}

export interface PreLiquidation {
  readonly seizedAssets: bigint;
  readonly repaidShares: bigint;
  readonly repaidAssets: bigint;
  readonly terms: PreLiquidationTerms;
  readonly market: MorphoMarket;
  readonly position: MorphoPosition;
}

/**
 * PreLiquidation.preLiquidate, then Morpho's repay (shares) and withdrawCollateral (which must leave the position
 * healthy at the market's own price, marketPrice; the pre-liquidation oracle's is preLiquidationPrice).
 */
export function preLiquidate(
  market: MorphoMarket,
  position: MorphoPosition,
  preLiquidationPrice: bigint,
  marketPrice: bigint,
  params: PreLiquidationParams,
  input: SeizeOrRepay,
): LendingResult<
  PreLiquidation,
  'invalid_params' | 'inconsistent_input' | 'liquidatable_position' | 'not_pre_liquidatable_position' | 'pre_liquidation_too_large' | 'exceeds_position' | 'insufficient_collateral'
> {
  if (preLiquidationParamProblems(market.lltv, params).length > 0) return rejected('invalid_params');
  if (!exactlyOneZero(input.seizedAssets, input.repaidShares)) return rejected('inconsistent_input');
  const termsResult = preLiquidationTerms(market, position, preLiquidationPrice, params);
  if (!termsResult.ok) return termsResult;
  const terms = termsResult.value;
  let { seizedAssets, repaidShares } = input;
  if (seizedAssets > 0n) {
    const seizedAssetsQuoted = mulDivUp(seizedAssets, preLiquidationPrice, ORACLE_PRICE_SCALE);
    repaidShares = toSharesUp(wDivUp(seizedAssetsQuoted, terms.preLIF), market.totalBorrowAssets, market.totalBorrowShares);
  } else {
    seizedAssets = mulDivDown(wMulDown(toAssetsDown(repaidShares, market.totalBorrowAssets, market.totalBorrowShares), terms.preLIF), ORACLE_PRICE_SCALE, preLiquidationPrice);
  }
  if (repaidShares > terms.repayableShares) return rejected('pre_liquidation_too_large');
  if (repaidShares > position.borrowShares || seizedAssets > position.collateral) return rejected('exceeds_position');
  // Morpho.repay by shares, then withdrawCollateral.
  const repaidAssets = toAssetsUp(repaidShares, market.totalBorrowAssets, market.totalBorrowShares);
  const after: MorphoMarket = {
    ...market,
    totalBorrowShares: market.totalBorrowShares - repaidShares,
    totalBorrowAssets: zeroFloorSub(market.totalBorrowAssets, repaidAssets),
  };
  const left: MorphoPosition = { collateral: position.collateral - seizedAssets, borrowShares: position.borrowShares - repaidShares };
  if (!isHealthy(after, left, marketPrice)) return rejected('insufficient_collateral');
  // ---- commit point: the result is the new state ----
  return ok({ seizedAssets, repaidShares, repaidAssets, terms, market: after, position: left });
}
