// Aave v3.3 liquidationCall: who may be liquidated, how much debt one call may repay (the close factor), what
// collateral it seizes (bonus, protocol fee, capped by what the account holds), the dust rules, and the bad-debt
// clean-up (deficit) when no collateral is left.
//
// Source: aave-dao/aave-v3-origin, tag v3.3.0 (5431379f8beb4d7128c84a81ced3917d856efa84):
// - src/contracts/protocol/libraries/logic/LiquidationLogic.sol: executeLiquidationCall,
//   _calculateAvailableCollateralToLiquidate, _burnDebtTokens, _burnBadDebt; constants
//   DEFAULT_LIQUIDATION_CLOSE_FACTOR 0.5e4, CLOSE_FACTOR_HF_THRESHOLD 0.95e18, MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
//   2000e8, MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2.
// - src/contracts/protocol/libraries/logic/ValidationLogic.sol validateLiquidationCall: HF < 1, the collateral has
//   a threshold and is used as collateral, the account owes the debt asset (checked in this order).
// - docs/3.3/Aave-v3.3-features.md: the close factor applies to the whole position; 100% when the reserve's debt
//   or collateral is below the threshold; the dust rule (clear the debt, or the collateral, or leave both above
//   MIN_LEFTOVER_BASE).
// Not modelled: reserve active/paused flags, the price oracle sentinel and grace periods, isolation-mode debt,
// GHO's discount, receiveAToken's collateral flag for the liquidator (the seized amount is the same either way).

import { assert } from '../assert.js';
import { divRound, pow10 } from '../units/fixed.js';
import { percentDiv, percentMul, rayDiv, rayMul } from './aave-math.js';
import {
  accrueReserve, calculateUserAccountData, HEALTH_FACTOR_LIQUIDATION_THRESHOLD, liquidationBonusBps, valueInBase,
  type AaveAccount, type AaveMarket, type AavePosition, type AaveReserve,
} from './aave-reserve.js';
import { ok, rejected, type LendingResult } from './result.js';

export const DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS = 5_000n;
export const MAX_LIQUIDATION_CLOSE_FACTOR_BPS = 10_000n;
export const CLOSE_FACTOR_HF_THRESHOLD_WAD = 95n * 10n ** 16n;
/** v3.3's MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: 2000 USD in base-currency atoms (8 decimals). */
export const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2_000n * 10n ** 8n;
/** debtToCover = type(uint256).max: "as much as the close factor allows". */
export const DEBT_TO_COVER_MAX = 2n ** 256n - 1n;

/** The size thresholds of v3.3 (constants on chain; a parameter here so the docs' examples can use 1000e8). */
export interface AaveLiquidationConfig {
  readonly minBaseMaxCloseFactorThreshold: bigint;
}

export const AAVE_V33_CONFIG: AaveLiquidationConfig = { minBaseMaxCloseFactorThreshold: MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD };

/** MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2. */
export function minLeftoverBase(config: AaveLiquidationConfig): bigint {
  return divRound(config.minBaseMaxCloseFactorThreshold, 2n, 'floor');
}

export interface LiquidationCallParams {
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** Debt asset atoms the liquidator offers to repay; DEBT_TO_COVER_MAX for the most allowed. */
  readonly debtToCover: bigint;
  readonly nowS: bigint;
}

export interface AaveLiquidation {
  readonly healthFactorWad: bigint;
  /** 5000 when the 50% close factor applied, 10000 otherwise. */
  readonly closeFactorBps: bigint;
  /** The most debt this call could repay (debt asset atoms). */
  readonly maxLiquidatableDebt: bigint;
  /** Debt asset atoms the liquidator pays (actualDebtToLiquidate). */
  readonly debtRepaid: bigint;
  /**
   * Collateral atoms the liquidation takes: the debt's equivalent + the bonus, or all the holdings when they are
   * less (_calculateAvailableCollateralToLiquidate). = collateralToLiquidator + protocolFee + protocolFeeCut.
   */
  readonly collateralSeized: bigint;
  /** The bonus part of collateralSeized: seized - percentDiv(seized, bonus). */
  readonly bonusCollateral: bigint;
  /** Collateral atoms to the liquidator (seized - protocol fee). */
  readonly collateralToLiquidator: bigint;
  /** Collateral atoms to the treasury (the protocol's share of the bonus), as transferred. */
  readonly protocolFee: bigint;
  /**
   * What the transfer to the treasury left out: the fee is cut to the scaled balance left, "to avoid trying to send
   * more aTokens than available on balance, due to 1 wei imprecision" (0 almost always; it stays with the account).
   */
  readonly protocolFeeCut: bigint;
  readonly liquidationBonusBps: bigint;
  /** Debt written off as the reserves' deficit when the account has no collateral left, per debt asset. */
  readonly deficits: ReadonlyMap<string, bigint>;
  /** The account after the call (scaled balances, collateral flags). */
  readonly account: AaveAccount;
}

export type AaveLiquidationReason =
  | 'reserve_unknown'
  | 'health_factor_not_below_threshold'
  | 'collateral_cannot_be_liquidated'
  | 'specified_currency_not_borrowed_by_user'
  | 'must_not_leave_dust';

/** What _calculateAvailableCollateralToLiquidate returns. */
export interface CollateralToLiquidate {
  /** After the fee: what the liquidator gets. */
  readonly collateralToLiquidator: bigint;
  readonly debtAmountNeeded: bigint;
  readonly protocolFee: bigint;
  /** The gross collateral (liquidator + fee) in base currency, floored. */
  readonly collateralToLiquidateInBase: bigint;
  readonly bonusCollateral: bigint;
}

/**
 * LiquidationLogic._calculateAvailableCollateralToLiquidate: the collateral worth debtToCover plus the bonus; when
 * the account holds less, all of it and the debt it pays for; then the protocol's share of the bonus.
 */
export function availableCollateralToLiquidate(
  collateral: AaveReserve,
  debt: AaveReserve,
  debtToCover: bigint,
  userCollateralBalance: bigint,
  bonusBps: bigint,
): CollateralToLiquidate {
  const collateralUnit = pow10(collateral.decimals);
  const debtUnit = pow10(debt.decimals);
  const baseCollateral = divRound(debt.priceBase * debtToCover * collateralUnit, collateral.priceBase * debtUnit, 'floor');
  const maxCollateralToLiquidate = percentMul(baseCollateral, bonusBps);
  let collateralAmount: bigint;
  let debtAmountNeeded: bigint;
  if (maxCollateralToLiquidate > userCollateralBalance) {
    collateralAmount = userCollateralBalance;
    debtAmountNeeded = percentDiv(
      divRound(collateral.priceBase * collateralAmount * debtUnit, debt.priceBase * collateralUnit, 'floor'),
      bonusBps,
    );
  } else {
    collateralAmount = maxCollateralToLiquidate;
    debtAmountNeeded = debtToCover;
  }
  const collateralToLiquidateInBase = divRound(collateralAmount * collateral.priceBase, collateralUnit, 'floor');
  const bonusCollateral = collateralAmount - percentDiv(collateralAmount, bonusBps);
  let protocolFee = 0n;
  if (collateral.liquidationProtocolFeeBps !== 0n) protocolFee = percentMul(bonusCollateral, collateral.liquidationProtocolFeeBps);
  return { collateralToLiquidator: collateralAmount - protocolFee, debtAmountNeeded, protocolFee, collateralToLiquidateInBase, bonusCollateral };
}

/** executeLiquidationCall's close factor: the most debt of this reserve one call may repay. */
export function maxLiquidatableDebt(args: {
  readonly userReserveDebt: bigint;
  readonly userReserveDebtInBase: bigint;
  readonly userReserveCollateralInBase: bigint;
  readonly totalDebtInBase: bigint;
  readonly healthFactorWad: bigint;
  readonly debt: AaveReserve;
  readonly config: AaveLiquidationConfig;
}): { readonly maxDebt: bigint; readonly closeFactorBps: bigint } {
  const threshold = args.config.minBaseMaxCloseFactorThreshold;
  if (
    args.userReserveCollateralInBase >= threshold &&
    args.userReserveDebtInBase >= threshold &&
    args.healthFactorWad > CLOSE_FACTOR_HF_THRESHOLD_WAD
  ) {
    const totalDefaultLiquidatable = percentMul(args.totalDebtInBase, DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS);
    if (args.userReserveDebtInBase > totalDefaultLiquidatable) {
      return {
        maxDebt: divRound(totalDefaultLiquidatable * pow10(args.debt.decimals), args.debt.priceBase, 'floor'),
        closeFactorBps: DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS,
      };
    }
  }
  return { maxDebt: args.userReserveDebt, closeFactorBps: MAX_LIQUIDATION_CLOSE_FACTOR_BPS };
}

const EMPTY: AavePosition = { scaledSupply: 0n, scaledDebt: 0n, collateralEnabled: false };

/**
 * liquidationCall as Aave v3.3 executes it, on the market's state at nowS. Checks first (in the contract's order),
 * then computes the new account; nothing else changes. Returns the figures and the account after the call.
 */
export function liquidationCall(
  market: AaveMarket,
  account: AaveAccount,
  params: LiquidationCallParams,
  config: AaveLiquidationConfig = AAVE_V33_CONFIG,
): LendingResult<AaveLiquidation, AaveLiquidationReason> {
  const collateralAtRest = market.reserves.get(params.collateralAsset);
  const debtAtRest = market.reserves.get(params.debtAsset);
  if (collateralAtRest === undefined || debtAtRest === undefined) return rejected('reserve_unknown');
  assert(params.debtToCover >= 0n, 'liquidationCall: debtToCover is a uint256');
  const collateral = accrueReserve(collateralAtRest, params.nowS);
  const debt = accrueReserve(debtAtRest, params.nowS);
  const data = calculateUserAccountData(market, account, params.nowS);
  const collateralPosition = account.positions.get(params.collateralAsset) ?? EMPTY;
  const debtPosition = account.positions.get(params.debtAsset) ?? EMPTY;
  const userCollateralBalance = rayMul(collateralPosition.scaledSupply, collateral.liquidityIndexRay);
  const userReserveDebt = rayMul(debtPosition.scaledDebt, debt.variableBorrowIndexRay);

  // ValidationLogic.validateLiquidationCall, in its order.
  if (data.healthFactorWad >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) return rejected('health_factor_not_below_threshold');
  const collateralEnabled = collateral.liquidationThresholdBps !== 0n && collateralPosition.collateralEnabled && collateralPosition.scaledSupply > 0n;
  if (!collateralEnabled) return rejected('collateral_cannot_be_liquidated');
  if (userReserveDebt === 0n) return rejected('specified_currency_not_borrowed_by_user');

  const bonusBps = liquidationBonusBps(market, account, collateral);
  const { maxDebt, closeFactorBps } = maxLiquidatableDebt({
    userReserveDebt,
    userReserveDebtInBase: valueInBase(debt, userReserveDebt),
    userReserveCollateralInBase: valueInBase(collateral, userCollateralBalance),
    totalDebtInBase: data.totalDebtBase,
    healthFactorWad: data.healthFactorWad,
    debt,
    config,
  });
  const offered = params.debtToCover > maxDebt ? maxDebt : params.debtToCover;
  const seized = availableCollateralToLiquidate(collateral, debt, offered, userCollateralBalance, bonusBps);
  const debtRepaid = seized.debtAmountNeeded;
  let protocolFee = seized.protocolFee;
  const toLiquidator = seized.collateralToLiquidator;

  // The dust rule: clear the debt, or the collateral, or leave both at least MIN_LEFTOVER_BASE.
  if (debtRepaid < userReserveDebt && toLiquidator + protocolFee < userCollateralBalance) {
    const leftover = minLeftoverBase(config);
    const debtLeft = valueInBase(debt, userReserveDebt - debtRepaid) >= leftover;
    const collateralLeft = valueInBase(collateral, userCollateralBalance - toLiquidator - protocolFee) >= leftover;
    if (!(debtLeft && collateralLeft)) return rejected('must_not_leave_dust');
  }

  // ---- commit point: every check has passed; what follows computes the new account and cannot refuse ----
  const positions = new Map(account.positions);
  const deficits = new Map<string, bigint>();
  const hasNoCollateralLeft = data.totalCollateralBase === seized.collateralToLiquidateInBase;

  // _burnDebtTokens: the repaid debt, or all of it when no collateral is left (the rest becomes the deficit).
  const burnDebt = (asset: string, reserve: AaveReserve, reserveDebt: bigint, repaid: bigint): void => {
    const position = positions.get(asset) ?? EMPTY;
    const burned = hasNoCollateralLeft ? reserveDebt : repaid;
    const scaledBurned = rayDiv(burned, reserve.variableBorrowIndexRay);
    assert(scaledBurned <= position.scaledDebt, 'liquidationCall: burns more scaled debt than the account owes');
    positions.set(asset, { ...position, scaledDebt: position.scaledDebt - scaledBurned });
    const outstanding = reserveDebt - repaid;
    if (hasNoCollateralLeft && outstanding !== 0n) deficits.set(asset, (deficits.get(asset) ?? 0n) + outstanding);
  };
  burnDebt(params.debtAsset, debt, userReserveDebt, debtRepaid);

  // _burnCollateralATokens (or the aToken transfer to the liquidator): the same scaled amount leaves the account.
  const afterBurn = positions.get(params.collateralAsset) ?? EMPTY;
  const scaledToLiquidator = rayDiv(toLiquidator, collateral.liquidityIndexRay);
  assert(scaledToLiquidator <= afterBurn.scaledSupply, 'liquidationCall: seizes more than the account holds');
  let scaledLeft = afterBurn.scaledSupply - scaledToLiquidator;
  // The fee to the treasury, capped at the scaled balance left ("1 wei imprecision").
  if (protocolFee !== 0n) {
    if (rayDiv(protocolFee, collateral.liquidityIndexRay) > scaledLeft) protocolFee = rayMul(scaledLeft, collateral.liquidityIndexRay);
    const scaledFee = rayDiv(protocolFee, collateral.liquidityIndexRay);
    assert(scaledFee <= scaledLeft, 'liquidationCall: the fee exceeds the balance left');
    scaledLeft -= scaledFee;
  }
  const fullyLiquidated = seized.collateralToLiquidator + seized.protocolFee === userCollateralBalance;
  positions.set(params.collateralAsset, { ...afterBurn, scaledSupply: scaledLeft, collateralEnabled: afterBurn.collateralEnabled && !fullyLiquidated });

  // _burnBadDebt: no collateral left -> every other debt is written off too.
  if (hasNoCollateralLeft) {
    for (const [asset, position] of positions) {
      if (asset === params.debtAsset || position.scaledDebt === 0n) continue;
      const atRest = market.reserves.get(asset);
      assert(atRest !== undefined, `liquidationCall: no reserve ${asset}`);
      const reserve = accrueReserve(atRest, params.nowS);
      burnDebt(asset, reserve, rayMul(position.scaledDebt, reserve.variableBorrowIndexRay), 0n);
    }
  }

  return ok({
    healthFactorWad: data.healthFactorWad,
    closeFactorBps,
    maxLiquidatableDebt: maxDebt,
    debtRepaid,
    collateralSeized: toLiquidator + seized.protocolFee,
    bonusCollateral: seized.bonusCollateral,
    collateralToLiquidator: toLiquidator,
    protocolFee,
    protocolFeeCut: seized.protocolFee - protocolFee,
    liquidationBonusBps: bonusBps,
    deficits,
    account: { eMode: account.eMode, positions },
  });
}
