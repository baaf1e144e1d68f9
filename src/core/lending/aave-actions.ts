// Aave v3.3 supply, borrow and repay on the account's scaled balances: what an account does before it can be
// liquidated, with the borrow checks that decide how close to its threshold it may go.
//
// Sources (aave-dao/aave-v3-origin, tag v3.3.0 = 5431379f8beb4d7128c84a81ced3917d856efa84):
// - ScaledBalanceTokenBase._mintScaled / _burnScaled: the scaled amount is amount.rayDiv(index) (half up);
// - ValidationLogic.validateBorrow (the checks kept here, in its order): amount != 0; collateral != 0; LTV != 0;
//   HF > 1; collateralNeeded = (debt + amount x price / 10^decimals).percentDiv(avgLtv) <= collateral;
// - BorrowLogic.executeRepay: the payback is min(amount, debt); the scaled debt burned is payback.rayDiv(index).
// - EModeLogic.executeSetUserEMode: the same category is a no-op; ValidationLogic.validateSetUserEMode refuses a
//   category whose liquidation threshold is 0 (INCONSISTENT_EMODE_CATEGORY: it does not exist); the category is set,
//   then validateHealthFactor requires HF >= 1 with it (HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD).
// Not modelled: caps, frozen/paused reserves, isolation mode, siloed borrowing, e-mode borrowable bitmaps
// (validateSetUserEMode's NOT_BORROWABLE_IN_EMODE), the pool's available liquidity.

import { assert } from '../assert.js';
import { percentDiv, rayDiv, rayMul } from './aave-math.js';
import {
  calculateUserAccountData, HEALTH_FACTOR_LIQUIDATION_THRESHOLD, normalizedDebt, normalizedIncome, valueInBase,
  type AaveAccount, type AaveMarket, type AavePosition,
} from './aave-reserve.js';
import { ok, rejected, type LendingResult } from './result.js';

const EMPTY: AavePosition = { scaledSupply: 0n, scaledDebt: 0n, collateralEnabled: false };

function withPosition(account: AaveAccount, asset: string, position: AavePosition): AaveAccount {
  return { eMode: account.eMode, positions: new Map(account.positions).set(asset, position) };
}

/** Supply: aTokens minted at rayDiv(amount, liquidity index); the first supply of an asset enables it as collateral. */
export function supply(market: AaveMarket, account: AaveAccount, asset: string, amount: bigint, nowS: bigint): LendingResult<AaveAccount, 'reserve_unknown' | 'invalid_amount'> {
  const reserve = market.reserves.get(asset);
  if (reserve === undefined) return rejected('reserve_unknown');
  if (amount <= 0n) return rejected('invalid_amount');
  const p = account.positions.get(asset) ?? EMPTY;
  const first = p.scaledSupply === 0n;
  const enable = first ? reserve.liquidationThresholdBps !== 0n : p.collateralEnabled;
  return ok(withPosition(account, asset, { ...p, scaledSupply: p.scaledSupply + rayDiv(amount, normalizedIncome(reserve, nowS)), collateralEnabled: enable }));
}

export type BorrowRefusal =
  | 'reserve_unknown'
  | 'invalid_amount'
  | 'collateral_balance_is_zero'
  | 'ltv_validation_failed'
  | 'health_factor_lower_than_liquidation_threshold'
  | 'collateral_cannot_cover_new_borrow';

/** Borrow at the variable rate: validateBorrow's account checks, then debt tokens minted at rayDiv(amount, index). */
export function borrow(market: AaveMarket, account: AaveAccount, asset: string, amount: bigint, nowS: bigint): LendingResult<AaveAccount, BorrowRefusal> {
  const reserve = market.reserves.get(asset);
  if (reserve === undefined) return rejected('reserve_unknown');
  if (amount <= 0n) return rejected('invalid_amount');
  const data = calculateUserAccountData(market, account, nowS);
  if (data.totalCollateralBase === 0n) return rejected('collateral_balance_is_zero');
  if (data.avgLtvBps === 0n) return rejected('ltv_validation_failed');
  if (!(data.healthFactorWad > HEALTH_FACTOR_LIQUIDATION_THRESHOLD)) return rejected('health_factor_lower_than_liquidation_threshold');
  const collateralNeeded = percentDiv(data.totalDebtBase + valueInBase(reserve, amount), data.avgLtvBps);
  if (collateralNeeded > data.totalCollateralBase) return rejected('collateral_cannot_cover_new_borrow');
  const p = account.positions.get(asset) ?? EMPTY;
  return ok(withPosition(account, asset, { ...p, scaledDebt: p.scaledDebt + rayDiv(amount, normalizedDebt(reserve, nowS)) }));
}

/** Repay: min(amount, debt) burned at rayDiv(payback, index). Returns the account and the payback. */
export function repay(
  market: AaveMarket,
  account: AaveAccount,
  asset: string,
  amount: bigint,
  nowS: bigint,
): LendingResult<{ readonly account: AaveAccount; readonly payback: bigint }, 'reserve_unknown' | 'invalid_amount' | 'specified_currency_not_borrowed_by_user'> {
  const reserve = market.reserves.get(asset);
  if (reserve === undefined) return rejected('reserve_unknown');
  if (amount <= 0n) return rejected('invalid_amount');
  const p = account.positions.get(asset) ?? EMPTY;
  const index = normalizedDebt(reserve, nowS);
  const debt = rayMul(p.scaledDebt, index);
  if (debt === 0n) return rejected('specified_currency_not_borrowed_by_user');
  const payback = amount < debt ? amount : debt;
  const burned = rayDiv(payback, index);
  // rayDiv(rayMul(s, i), i) = s for any index >= 1 ray: repaying the whole debt burns exactly the scaled debt
  assert(burned <= p.scaledDebt, 'repay: burns more scaled debt than the account owes');
  return ok({ account: withPosition(account, asset, { ...p, scaledDebt: p.scaledDebt - burned }), payback });
}

/** Pool.setUserEMode: the account's e-mode category (0 leaves e-mode); it must exist and leave the HF at 1 or above. */
export function setUserEMode(
  market: AaveMarket,
  account: AaveAccount,
  categoryId: number,
  nowS: bigint,
): LendingResult<AaveAccount, 'inconsistent_emode_category' | 'health_factor_lower_than_liquidation_threshold'> {
  if (account.eMode === categoryId) return ok(account);
  if (categoryId !== 0 && !((market.eModes.get(categoryId)?.liquidationThresholdBps ?? 0n) > 0n)) return rejected('inconsistent_emode_category');
  const next: AaveAccount = { eMode: categoryId, positions: account.positions };
  if (calculateUserAccountData(market, next, nowS).healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) return rejected('health_factor_lower_than_liquidation_threshold');
  return ok(next);
}
