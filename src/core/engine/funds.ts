// Money in and out: deposits, withdrawals, borrows and repayments.

import { NO_BORROWS, ownBorrows, type Account } from '../account/account.js';
import { evaluateAccount } from '../margin/evaluate.js';
import { healthFactor } from '../margin/thresholds.js';
import { accountMarkets } from '../margin/dependencies.js';
import { transferMarginRequired } from '../margin/transfer.js';
import { guardRules } from '../rulebooks/rulebook.js';
import { priceValid } from './prices.js';
import type { Borrow, Deposit, InsuranceDeposit, Repay, Withdraw } from './commands.js';
import type { Emit } from './emit.js';
import { reject, type Rejection } from './reasons.js';
import { addTo, isVenueAccount, type EngineState } from './state.js';
import { isName } from './setup.js';

function checkAssetAmount(s: EngineState, asset: string, amount: bigint): Rejection | undefined {
  if (s.assetDecimals(asset) === undefined) return reject('asset_unknown', 'asset', `asset ${asset} is not listed`);
  if (amount <= 0n) return reject('amount_not_positive', 'amount', 'amount must be positive');
  return undefined;
}

/** The existing account a withdrawal, borrow or repayment draws on, with a listed asset and a positive amount. */
function fundedAccount(s: EngineState, cmd: Withdraw | Borrow | Repay): Account | Rejection {
  const account = s.accounts.get(cmd.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${cmd.account} has no funds`);
  return checkAssetAmount(s, cmd.asset, cmd.amount) ?? account;
}

/** A copy of the account whose maps can be changed to test a command before committing it. */
export function draftOf(account: Account): Account {
  return {
    id: account.id,
    no: account.no,
    balances: new Map(account.balances),
    positions: new Map([...account.positions].map(([k, p]) => [k, { ...p }])),
    borrows: account.borrows.size === 0 ? NO_BORROWS : new Map(account.borrows),
  };
}

/**
 * The account after the change must still meet initial margin on its cross ledger and keep its borrows within
 * LTV; money going out (`transferOut`) must also leave the transfer margin (guards: max(IM, a share of notional)).
 * None of it is decided on an invalid price (price_invalid). Isolated positions are untouched by deposits,
 * withdrawals and borrows.
 */
function checkSolvency(s: EngineState, draft: Account, hasRisk: boolean, transferOut: boolean): Rejection | undefined {
  if (!hasRisk) return undefined;
  const invalid = invalidPriceMarket(s, draft);
  if (invalid !== undefined) return invalid;
  const ev = evaluateAccount(s, draft);
  if (!ev.priced) return reject('market_unpriced', 'account', `cannot value the account: no price for ${ev.unpriced.join(', ')}`);
  if (ev.cross.equity < ev.cross.initial) {
    return reject('initial_margin_breach', 'amount', `equity ${s.fmtQuote(ev.cross.equity)} would fall below initial margin ${s.fmtQuote(ev.cross.initial)}`);
  }
  if (transferOut) {
    const required = transferMarginRequired(ev.cross.initial, ev.cross.notional, guardRules(s.rulebook).transferMarginPpm);
    if (ev.cross.equity < required) {
      return reject('transfer_margin_floor', 'amount', `equity ${s.fmtQuote(ev.cross.equity)} would fall below the transfer margin ${s.fmtQuote(required)} (max of initial margin and a share of notional)`);
    }
  }
  if (draft.borrows.size > 0) {
    const hf = healthFactor(s, draft, s);
    if (hf === null) return reject('market_unpriced', 'account', 'cannot value the account’s lending collateral');
    if (hf.borrowHeadroom < 0n) {
      return reject('health_factor_breach', 'amount', `debt ${s.fmtQuote(hf.debtValue)} would exceed borrowing power by ${s.fmtQuote(-hf.borrowHeadroom)}`);
    }
  }
  return undefined;
}

/**
 * Money does not leave against a price that cannot be relied on (Venus 2022: LUNA collateral valued at Chainlink's
 * floor was borrowed against): refused when any market the account's value depends on is unpriced or clamped.
 */
export function invalidPriceMarket(s: EngineState, account: Account): Rejection | undefined {
  for (const id of accountMarkets(s, account)) {
    const m = s.markets.get(id);
    if (m !== undefined && !priceValid(m)) {
      const why = m.price.clamped !== null ? `its last answer was at the aggregator's ${m.price.clamped.bound} bound` : 'no index can be formed';
      return reject('price_invalid', 'account', `the price of ${id} is invalid (${why}); withdrawals and borrows against it are frozen`);
    }
  }
  return undefined;
}

function hasRisk(s: EngineState, account: Account): boolean {
  if ((account.balances.get(s.settlementAsset) ?? 0n) < 0n) return true;
  for (const p of account.positions.values()) if (p.isolatedMargin === null) return true;
  for (const d of account.borrows.values()) if (d !== 0n) return true;
  return false;
}

export function applyDeposit(s: EngineState, cmd: Deposit, emit: Emit): Rejection | undefined {
  if (!isName(cmd.account)) return reject('invalid_field', 'account', 'account id must be 1-64 letters, digits or ._:@/-');
  if (isVenueAccount(cmd.account)) return reject('account_reserved', 'account', `account ids starting with "venue:" are the venue's own (insurance_deposit funds the insurance fund)`);
  const bad = checkAssetAmount(s, cmd.asset, cmd.amount);
  if (bad !== undefined) return bad;
  let account = s.accounts.get(cmd.account);
  if (account === undefined) account = s.openAccount(cmd.account);
  const balance = addTo(account.balances, cmd.asset, cmd.amount);
  addTo(s.venue.deposited, cmd.asset, cmd.amount);
  emit({ kind: 'Deposited', account: cmd.account, asset: cmd.asset, amount: cmd.amount, balance });
  return undefined;
}

export function applyWithdraw(s: EngineState, cmd: Withdraw, emit: Emit): Rejection | undefined {
  const account = fundedAccount(s, cmd);
  if ('reason' in account) return account;
  const before = account.balances.get(cmd.asset) ?? 0n;
  if (before < cmd.amount) return reject('insufficient_balance', 'amount', `balance ${s.fmtAsset(cmd.asset, before)} is less than ${s.fmtAsset(cmd.asset, cmd.amount)}`);
  const draft = draftOf(account);
  draft.balances.set(cmd.asset, before - cmd.amount);
  const insolvent = checkSolvency(s, draft, hasRisk(s, account), true);
  if (insolvent !== undefined) return insolvent;
  // Committed.
  account.balances.set(cmd.asset, before - cmd.amount);
  addTo(s.venue.withdrawn, cmd.asset, cmd.amount);
  emit({ kind: 'Withdrawn', account: cmd.account, asset: cmd.asset, amount: cmd.amount, balance: before - cmd.amount });
  return undefined;
}

export function applyBorrow(s: EngineState, cmd: Borrow, emit: Emit): Rejection | undefined {
  const account = fundedAccount(s, cmd);
  if ('reason' in account) return account;
  const debt = (account.borrows.get(cmd.asset) ?? 0n) + cmd.amount;
  const draft = draftOf(account);
  ownBorrows(draft).set(cmd.asset, debt);
  const insolvent = checkSolvency(s, draft, true, false);
  if (insolvent !== undefined) return insolvent;
  ownBorrows(account).set(cmd.asset, debt);
  addTo(s.venue.borrowed, cmd.asset, cmd.amount);
  emit({ kind: 'Borrowed', account: cmd.account, asset: cmd.asset, amount: cmd.amount, debt });
  return undefined;
}

export function applyRepay(s: EngineState, cmd: Repay, emit: Emit): Rejection | undefined {
  const account = fundedAccount(s, cmd);
  if ('reason' in account) return account;
  const debt = account.borrows.get(cmd.asset) ?? 0n;
  if (cmd.amount > debt) return reject('debt_exceeded', 'amount', `repayment ${s.fmtAsset(cmd.asset, cmd.amount)} exceeds the debt ${s.fmtAsset(cmd.asset, debt)}`);
  const left = debt - cmd.amount;
  if (left === 0n) ownBorrows(account).delete(cmd.asset);
  else ownBorrows(account).set(cmd.asset, left);
  addTo(s.venue.repaid, cmd.asset, cmd.amount);
  emit({ kind: 'Repaid', account: cmd.account, asset: cmd.asset, amount: cmd.amount, debt: left });
  return undefined;
}

/** Money paid into the insurance fund from outside: the fund account's settlement balance grows. */
export function applyInsuranceDeposit(s: EngineState, cmd: InsuranceDeposit, emit: Emit): Rejection | undefined {
  if (cmd.amount <= 0n) return reject('amount_not_positive', 'amount', 'amount must be positive');
  addTo(s.fund.balances, s.settlementAsset, cmd.amount);
  addTo(s.venue.deposited, s.settlementAsset, cmd.amount);
  emit({ kind: 'InsuranceFundChanged', delta: cmd.amount, balance: s.insuranceFund, reason: 'deposit', stage: null, account: null, market: null });
  return undefined;
}
