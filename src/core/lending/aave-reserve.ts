// Aave v3 reserves and accounts: per-asset risk parameters, balances kept as scaled amounts against the
// reserve's liquidity and variable borrow indexes, e-mode categories, and the account data (total collateral and
// debt in the base currency, average LTV and liquidation threshold, health factor) exactly as
// GenericLogic.calculateUserAccountData computes it.
//
// Sources (aave-dao/aave-v3-origin, tag v3.3.0 = 5431379f8beb4d7128c84a81ced3917d856efa84):
// - src/contracts/protocol/libraries/logic/GenericLogic.sol (calculateUserAccountData, _getUserBalanceInBaseCurrency,
//   _getUserDebtInBaseCurrency): balance = rayMul(scaled, index) x price / 10^decimals (floor); LTV and threshold
//   weighted by the balances, averaged with a floored division; e-mode parameters for the assets enabled as
//   collateral in the account's category (its collateral bitmap); an LTV of 0 counts as zero-LTV collateral;
//   HF = wadDiv(percentMul(totalCollateral, avgThreshold), totalDebt), or uint256 max without debt.
// - src/contracts/protocol/libraries/logic/ReserveLogic.sol (getNormalizedIncome: linear interest x index;
//   getNormalizedDebt: compounded interest x index; the stored index when updated in the same block).
// Amounts are atoms of each asset; prices and values are in the base currency's atoms (Aave's oracle: USD, 8
// decimals); percentages in basis points; indexes and rates in ray. Times are seconds, given, never read.

import { assert } from '../assert.js';
import { divRound, pow10 } from '../units/fixed.js';
import { compoundedInterest, linearInterest, percentMul, RAY, rayMul, wadDiv } from './aave-math.js';

/** What getUserAccountData answers for an account without debt: type(uint256).max. */
export const HEALTH_FACTOR_MAX = 2n ** 256n - 1n;
/** HEALTH_FACTOR_LIQUIDATION_THRESHOLD: 1e18 (ValidationLogic). */
export const HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 10n ** 18n;

export interface AaveReserve {
  readonly asset: string;
  /** The reserve's id (its place in Aave's reserves list): e-mode bitmaps are indexed by it. */
  readonly id: number;
  readonly decimals: number;
  /** Loan to value, basis points (7500 = 75%). */
  readonly ltvBps: bigint;
  /** Liquidation threshold, basis points. 0: not usable as collateral. */
  readonly liquidationThresholdBps: bigint;
  /** Liquidation bonus including the principal, basis points (10500 = 5% bonus). */
  readonly liquidationBonusBps: bigint;
  /** The protocol's share of the bonus, basis points (1000 = 10% of the bonus). */
  readonly liquidationProtocolFeeBps: bigint;
  /** Oracle price of one whole unit, in base-currency atoms (USD with 8 decimals on Aave's markets). */
  readonly priceBase: bigint;
  /** Cumulated supply income at lastUpdateS, ray. */
  readonly liquidityIndexRay: bigint;
  /** Cumulated variable borrow interest at lastUpdateS, ray. */
  readonly variableBorrowIndexRay: bigint;
  /** Yearly supply rate, ray (accrued linearly). */
  readonly liquidityRateRay: bigint;
  /** Yearly variable borrow rate, ray (compounded). */
  readonly variableBorrowRateRay: bigint;
  readonly lastUpdateS: bigint;
}

/** An e-mode category (v3.2+): its own LTV, threshold and bonus for the assets of its collateral bitmap. */
export interface EModeCategory {
  readonly id: number;
  readonly ltvBps: bigint;
  readonly liquidationThresholdBps: bigint;
  readonly liquidationBonusBps: bigint;
  /** Assets priced with the category's parameters when used as collateral. */
  readonly collateralAssets: ReadonlySet<string>;
}

export interface AaveMarket {
  readonly reserves: ReadonlyMap<string, AaveReserve>;
  readonly eModes: ReadonlyMap<number, EModeCategory>;
}

/** One asset of an account: aToken and variable-debt-token balances, scaled (divided by the index). */
export interface AavePosition {
  readonly scaledSupply: bigint;
  readonly scaledDebt: bigint;
  /** The account's usingAsCollateral flag for this reserve. */
  readonly collateralEnabled: boolean;
}

export interface AaveAccount {
  /** The account's e-mode category; 0 = none. */
  readonly eMode: number;
  readonly positions: ReadonlyMap<string, AavePosition>;
}

/** The supply index at time nowS (ReserveLogic.getNormalizedIncome). */
export function normalizedIncome(reserve: AaveReserve, nowS: bigint): bigint {
  assert(nowS >= reserve.lastUpdateS, 'normalizedIncome: time before the last update');
  if (nowS === reserve.lastUpdateS) return reserve.liquidityIndexRay;
  return rayMul(linearInterest(reserve.liquidityRateRay, nowS - reserve.lastUpdateS), reserve.liquidityIndexRay);
}

/** The variable borrow index at time nowS (ReserveLogic.getNormalizedDebt). */
export function normalizedDebt(reserve: AaveReserve, nowS: bigint): bigint {
  assert(nowS >= reserve.lastUpdateS, 'normalizedDebt: time before the last update');
  if (nowS === reserve.lastUpdateS) return reserve.variableBorrowIndexRay;
  return rayMul(compoundedInterest(reserve.variableBorrowRateRay, nowS - reserve.lastUpdateS), reserve.variableBorrowIndexRay);
}

/** The reserve with its indexes brought to nowS (ReserveLogic.updateState's index part; no treasury accrual). */
export function accrueReserve(reserve: AaveReserve, nowS: bigint): AaveReserve {
  return {
    ...reserve,
    liquidityIndexRay: normalizedIncome(reserve, nowS),
    variableBorrowIndexRay: normalizedDebt(reserve, nowS),
    lastUpdateS: nowS,
  };
}

/** aToken balanceOf: rayMul(scaled, normalized income). */
export function supplyBalance(reserve: AaveReserve, position: AavePosition, nowS: bigint): bigint {
  return rayMul(position.scaledSupply, normalizedIncome(reserve, nowS));
}

/** Variable debt token balanceOf: rayMul(scaled, normalized debt). */
export function debtBalance(reserve: AaveReserve, position: AavePosition, nowS: bigint): bigint {
  return rayMul(position.scaledDebt, normalizedDebt(reserve, nowS));
}

/** An amount of the reserve's asset in base-currency atoms, floored as Aave divides: amount x price / 10^decimals. */
export function valueInBase(reserve: AaveReserve, amount: bigint): bigint {
  return divRound(amount * reserve.priceBase, pow10(reserve.decimals), 'floor');
}

export interface AccountData {
  readonly totalCollateralBase: bigint;
  readonly totalDebtBase: bigint;
  readonly avgLtvBps: bigint;
  readonly avgLiquidationThresholdBps: bigint;
  /** WAD; HEALTH_FACTOR_MAX without debt. */
  readonly healthFactorWad: bigint;
  readonly hasZeroLtvCollateral: boolean;
}

/** The account uses the reserve as collateral: the flag is on and it has a balance (Aave clears the flag at 0). */
function usesAsCollateral(p: AavePosition): boolean {
  return p.collateralEnabled && p.scaledSupply > 0n;
}

/** GenericLogic.calculateUserAccountData, step by step. */
export function calculateUserAccountData(market: AaveMarket, account: AaveAccount, nowS: bigint): AccountData {
  const eMode = account.eMode === 0 ? undefined : market.eModes.get(account.eMode);
  assert(account.eMode === 0 || eMode !== undefined, 'calculateUserAccountData: unknown e-mode category');
  let totalCollateralBase = 0n;
  let totalDebtBase = 0n;
  let weightedLtv = 0n;
  let weightedThreshold = 0n;
  let hasZeroLtvCollateral = false;
  for (const [asset, position] of account.positions) {
    const reserve = market.reserves.get(asset);
    assert(reserve !== undefined, `calculateUserAccountData: no reserve ${asset}`);
    if (reserve.liquidationThresholdBps !== 0n && usesAsCollateral(position)) {
      const balanceBase = valueInBase(reserve, supplyBalance(reserve, position, nowS));
      totalCollateralBase += balanceBase;
      const inEMode = eMode !== undefined && eMode.collateralAssets.has(asset);
      if (reserve.ltvBps !== 0n) weightedLtv += balanceBase * (inEMode ? eMode.ltvBps : reserve.ltvBps);
      else hasZeroLtvCollateral = true;
      weightedThreshold += balanceBase * (inEMode ? eMode.liquidationThresholdBps : reserve.liquidationThresholdBps);
    }
    if (position.scaledDebt > 0n) totalDebtBase += valueInBase(reserve, debtBalance(reserve, position, nowS));
  }
  const avgLtvBps = totalCollateralBase === 0n ? 0n : divRound(weightedLtv, totalCollateralBase, 'floor');
  const avgLiquidationThresholdBps = totalCollateralBase === 0n ? 0n : divRound(weightedThreshold, totalCollateralBase, 'floor');
  const healthFactorWad =
    totalDebtBase === 0n ? HEALTH_FACTOR_MAX : wadDiv(percentMul(totalCollateralBase, avgLiquidationThresholdBps), totalDebtBase);
  return { totalCollateralBase, totalDebtBase, avgLtvBps, avgLiquidationThresholdBps, healthFactorWad, hasZeroLtvCollateral };
}

/** The liquidation bonus that applies to a collateral for this account: its e-mode's when the asset is in it. */
export function liquidationBonusBps(market: AaveMarket, account: AaveAccount, reserve: AaveReserve): bigint {
  const eMode = account.eMode === 0 ? undefined : market.eModes.get(account.eMode);
  return eMode !== undefined && eMode.collateralAssets.has(reserve.asset) ? eMode.liquidationBonusBps : reserve.liquidationBonusBps;
}

/** A reserve with its indexes at 1 ray and no interest: for examples and tests. */
export function staticReserve(
  fields: Pick<AaveReserve, 'asset' | 'id' | 'decimals' | 'ltvBps' | 'liquidationThresholdBps' | 'liquidationBonusBps' | 'liquidationProtocolFeeBps' | 'priceBase'>,
): AaveReserve {
  return { ...fields, liquidityIndexRay: RAY, variableBorrowIndexRay: RAY, liquidityRateRay: 0n, variableBorrowRateRay: 0n, lastUpdateS: 0n };
}
