// Compound v3 (Comet): supply and withdraw, the actions that open and close positions (withdrawing base beyond the
// balance is borrowing). The liquidation rules (isLiquidatable, absorb, buyCollateral) are in comet.ts.
//
// Source: compound-finance/comet at d5a30b0aaeff7755f1431e87f818990902237b03, contracts/Comet.sol:
// - supplyBase: dstBalance = presentValue(principal) + amount; new principal = principalValue(dstBalance); the
//   rise split by repayAndSupplyAmount into totalBorrowBase -= repay, totalSupplyBase += supply; the tokens come in
//   (doTransferIn), so the protocol's base balance rises by the amount.
// - supplyCollateral: totalsCollateral[asset].totalSupplyAsset += amount, SupplyCapExceeded above the asset's
//   supplyCap; the user's collateral balance += amount.
// - withdrawBase: srcBalance = presentValue(principal) - amount; new principal = principalValue(srcBalance); the
//   fall split by withdrawAndBorrowAmount into totalSupplyBase -= withdraw, totalBorrowBase += borrow; when
//   srcBalance < 0: BorrowTooSmall if -srcBalance < baseBorrowMin, then NotCollateralized unless
//   isBorrowCollateralized; the tokens go out (doTransferOut, which reverts when the protocol holds fewer).
// - withdrawCollateral: the balance falls by the amount (an underflow reverts), totals too; NotCollateralized unless
//   isBorrowCollateralized after it.
// - isBorrowCollateralized: as isLiquidatable but with borrowCollateralFactor and `liquidity >= 0` (a non-negative
//   principal always is).
// Interest is not accrued here: the indexes are taken as given (comet-math accruedIndexes brings them forward).

import { assert } from '../assert.js';
import { repayAndSupplyAmount, type CometAccount, type CometMarket } from './comet.js';
import { mulFactor, mulPrice, presentValue, principalValue, signedMulPrice } from './comet-math.js';
import { ok, rejected, type LendingResult } from './result.js';

const held = (m: ReadonlyMap<string, bigint>, asset: string): bigint => m.get(asset) ?? 0n;

export interface CometActionResult {
  readonly market: CometMarket;
  readonly account: CometAccount;
}

/** Comet.isBorrowCollateralized: the account's borrow is covered by its collateral at borrowCollateralFactor. */
export function isBorrowCollateralized(market: CometMarket, account: CometAccount): boolean {
  if (account.principal >= 0n) return true;
  let liquidity = signedMulPrice(presentValue(market, account.principal), market.basePrice, market.baseScale);
  for (const asset of market.assets) {
    const balance = held(account.collateral, asset.asset);
    if (balance === 0n) continue; // not in assetsIn
    if (liquidity >= 0n) return true;
    liquidity += mulFactor(mulPrice(balance, asset.price, asset.scale), asset.borrowCollateralFactor);
  }
  return liquidity >= 0n;
}

/** Comet.withdrawAndBorrowAmount: a principal's fall split into supply withdrawn and base borrowed. */
export function withdrawAndBorrowAmount(oldPrincipal: bigint, newPrincipal: bigint): { withdraw: bigint; borrow: bigint } {
  if (newPrincipal > oldPrincipal) return { withdraw: 0n, borrow: 0n };
  if (newPrincipal >= 0n) return { withdraw: oldPrincipal - newPrincipal, borrow: 0n };
  if (oldPrincipal <= 0n) return { withdraw: 0n, borrow: oldPrincipal - newPrincipal };
  return { withdraw: oldPrincipal, borrow: -newPrincipal };
}

/** Comet.supplyBase: base atoms in; repays the borrow first, then supplies. Zero is refused (invalid_amount). */
export function cometSupplyBase(market: CometMarket, account: CometAccount, amount: bigint): LendingResult<CometActionResult, 'invalid_amount'> {
  if (amount <= 0n) return rejected('invalid_amount');
  const principal = principalValue(market, presentValue(market, account.principal) + amount);
  const { repay, supply } = repayAndSupplyAmount(account.principal, principal);
  assert(market.totalBorrowBase >= repay, 'supplyBase: total borrows underflow');
  return ok({
    market: { ...market, totalSupplyBase: market.totalSupplyBase + supply, totalBorrowBase: market.totalBorrowBase - repay, baseBalance: market.baseBalance + amount },
    account: { ...account, principal },
  });
}

/** Comet.supplyCollateral: collateral atoms in, within the asset's supplyCap (users' total supply). */
export function cometSupplyCollateral(
  market: CometMarket,
  account: CometAccount,
  asset: string,
  amount: bigint,
  supplyCap: bigint,
): LendingResult<CometActionResult, 'invalid_amount' | 'reserve_unknown' | 'supply_cap_exceeded'> {
  if (amount <= 0n) return rejected('invalid_amount');
  if (!market.assets.some((a) => a.asset === asset)) return rejected('reserve_unknown');
  const total = held(market.totalsCollateral, asset) + amount;
  if (total > supplyCap) return rejected('supply_cap_exceeded');
  const collateral = new Map(account.collateral).set(asset, held(account.collateral, asset) + amount);
  return ok({
    market: {
      ...market,
      totalsCollateral: new Map(market.totalsCollateral).set(asset, total),
      collateralBalances: new Map(market.collateralBalances).set(asset, held(market.collateralBalances, asset) + amount),
    },
    account: { ...account, collateral },
  });
}

export interface CometWithdrawal extends CometActionResult {
  /** The part of the amount that was the account's supply. */
  readonly withdrawn: bigint;
  /** The part borrowed (the account's principal went below zero by this much, in principal). */
  readonly borrowedPrincipal: bigint;
}

/** Comet.withdrawBase: base atoms out; beyond the account's supply it is a borrow (baseBorrowMin, collateralized). */
export function cometWithdrawBase(
  market: CometMarket,
  account: CometAccount,
  amount: bigint,
  baseBorrowMin: bigint,
): LendingResult<CometWithdrawal, 'invalid_amount' | 'insufficient_balance' | 'borrow_too_small' | 'not_collateralized'> {
  if (amount <= 0n) return rejected('invalid_amount');
  const balance = presentValue(market, account.principal) - amount;
  const principal = principalValue(market, balance);
  const { withdraw, borrow } = withdrawAndBorrowAmount(account.principal, principal);
  assert(market.totalSupplyBase >= withdraw, 'withdrawBase: total supply underflow');
  const after: CometAccount = { ...account, principal };
  const next: CometMarket = { ...market, totalSupplyBase: market.totalSupplyBase - withdraw, totalBorrowBase: market.totalBorrowBase + borrow, baseBalance: market.baseBalance - amount };
  if (balance < 0n) {
    if (-balance < baseBorrowMin) return rejected('borrow_too_small');
    if (!isBorrowCollateralized(next, after)) return rejected('not_collateralized');
  }
  // doTransferOut: the protocol cannot send what it does not hold
  if (market.baseBalance < amount) return rejected('insufficient_balance');
  return ok({ market: next, account: after, withdrawn: withdraw, borrowedPrincipal: borrow });
}

/** Comet.withdrawCollateral: collateral atoms out; the account must stay borrow-collateralized. */
export function cometWithdrawCollateral(
  market: CometMarket,
  account: CometAccount,
  asset: string,
  amount: bigint,
): LendingResult<CometActionResult, 'invalid_amount' | 'reserve_unknown' | 'exceeds_position' | 'not_collateralized'> {
  if (amount <= 0n) return rejected('invalid_amount');
  if (!market.assets.some((a) => a.asset === asset)) return rejected('reserve_unknown');
  const balance = held(account.collateral, asset);
  if (amount > balance) return rejected('exceeds_position');
  const collateral = new Map(account.collateral);
  if (balance === amount) collateral.delete(asset);
  else collateral.set(asset, balance - amount);
  const after: CometAccount = { ...account, collateral };
  if (!isBorrowCollateralized(market, after)) return rejected('not_collateralized');
  const total = held(market.totalsCollateral, asset);
  const tokens = held(market.collateralBalances, asset);
  assert(total >= amount && tokens >= amount, 'withdrawCollateral: totals below an account balance');
  return ok({
    market: {
      ...market,
      totalsCollateral: new Map(market.totalsCollateral).set(asset, total - amount),
      collateralBalances: new Map(market.collateralBalances).set(asset, tokens - amount),
    },
    account: after,
  });
}
