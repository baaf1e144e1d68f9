// Stage 5 of the loss waterfall: a loss a ledger cannot carry. The insurance fund pays what it can (within its
// cash, equity and the block's budget); the rest is charged to the opposite side's open interest where the rulebook
// socialises (Drift resolve_perp_bankruptcy: through the funding index), else the venue writes it off (BadDebt).

import type { Account, Position } from '../account/account.js';
import { assert } from '../assert.js';
import { socialiseLoss, socialisedCharges } from '../liquidation/adl.js';
import { quote } from '../units/index.js';
import { abs } from '../units/index.js';
import { touch, type Block } from './block.js';
import type { Deficit } from './enforcement-state.js';
import { changeFund, fundCapacity } from './fund.js';
import { addTo, isVenueAccount, type EngineState } from './state.js';

/** Credits (or debits) a ledger's margin: the isolated position's margin while it is open, else the settlement balance. */
export function creditLedger(s: EngineState, account: Account, market: string | null, amount: bigint): void {
  if (amount === 0n) return;
  const p = market === null ? undefined : account.positions.get(market);
  if (p !== undefined && p.isolatedMargin !== null) p.isolatedMargin = quote(p.isolatedMargin + amount);
  else addTo(account.balances, s.settlementAsset, amount);
}

/** Absorbs a deficit: the insurance fund first, then (if the rulebook socialises) the opposite side, then a write-off. */
export function absorbDeficit(b: Block, d: Deficit): void {
  const s = b.s;
  const account = s.accounts.get(d.account);
  if (account === undefined || d.amount <= 0n) return;
  touch(b, d.account);
  const credit = (amount: bigint): void => {
    if (d.inBalance) addTo(account.balances, s.settlementAsset, amount);
  };
  const capacity = fundCapacity(b);
  const fromFund = d.amount < capacity ? d.amount : capacity;
  if (fromFund > 0n) {
    changeFund(b, -fromFund, 'bad_debt', 'deficit', d.account, d.market);
    credit(fromFund);
  }
  let rest = d.amount - fromFund;
  let socialised = 0n;
  if (rest > 0n && s.rulebook.liquidation.socialise && d.market !== null && d.side !== null) {
    socialised = socialise(b, d.market, d.side, rest, d.account);
    credit(socialised);
    rest -= socialised;
  }
  if (rest > 0n) {
    // Nobody left to bear it: the venue writes it off, visibly.
    s.venue.badDebtWrittenOff += rest;
    credit(rest);
  }
  b.emit({ kind: 'BadDebt', account: d.account, market: d.market, amount: d.amount, insurance: fromFund, socialised, writtenOff: rest, stage: 'deficit' });
}

/**
 * Charges `loss` to the positions opposite a bankrupt `side` in `market`, pro rata to size, each rounded up
 * (adl.ts socialiseLoss / socialisedCharges); the rounding excess goes to the insurance fund. Returns what it
 * covered (the loss, or 0 when nobody holds the other side). The venue's own accounts bear nothing.
 */
function socialise(b: Block, market: string, side: 'long' | 'short', loss: bigint, bankrupt: string): bigint {
  const s = b.s;
  const m = s.markets.get(market);
  assert(m !== undefined, `socialise: market ${market} is listed (markets are never delisted)`);
  const bearers: [Account, Position][] = [];
  // The opposite side bears it.
  const opposite = s.holders.get(market)?.[side === 'long' ? 'short' : 'long'] ?? [];
  for (const id of [...opposite].sort()) {
    if (id === bankrupt || isVenueAccount(id)) continue;
    const a = s.accounts.get(id);
    const p = a?.positions.get(market);
    if (a === undefined || p === undefined) continue;
    bearers.push([a, p]);
  }
  const oi = bearers.reduce((t, [, p]) => t + abs(p.size), 0n);
  const plan = socialiseLoss({ loss: quote(loss), bankruptSide: side, bearers: 'opposite', longOpenInterest: side === 'short' ? oi : 0n, shortOpenInterest: side === 'long' ? oi : 0n, baseDecimals: m.spec.baseDecimals });
  const bearing = side === 'long' ? 'short' : 'long';
  if (!plan.ok) {
    // The loss is positive and the market's decimals validated: only an empty opposite side refuses. Written off.
    assert(plan.reason === 'no_open_interest', `socialiseLoss refused validated input: ${plan.reason}`);
    b.emit({ kind: 'SocialisationRefused', market, side: bearing, amount: loss, reason: plan.reason, stage: 'deficit' });
    return 0n;
  }
  const charges = socialisedCharges(bearers.map(([, p]) => p.size), plan.value.chargePerUnitE9, m.spec.baseDecimals, quote(loss));
  if (!charges.ok) {
    // More bearers than SOCIALISE_POSITIONS_MAX: written off, and said so.
    assert(charges.reason === 'too_many_entries', `socialisedCharges refused validated input: ${charges.reason}`);
    b.emit({ kind: 'SocialisationRefused', market, side: bearing, amount: loss, reason: charges.reason, stage: 'deficit' });
    return 0n;
  }
  charges.value.payments.forEach((pay, i) => {
    const [a] = bearers[i] as [Account, Position];
    creditLedger(s, a, market, -pay);
    touch(b, a.id);
  });
  if (charges.value.dust > 0n) changeFund(b, charges.value.dust, 'socialisation_dust', 'deficit', bankrupt, market);
  b.emit({ kind: 'Socialised', market, side: bearing, amount: loss, charged: charges.value.total, bearers: bearers.length, stage: 'deficit' });
  return loss;
}

/** Drains the deficits trades left behind in this block (isolated positions closed below zero). */
export function absorbPendingDeficits(b: Block): void {
  while (b.s.pendingDeficits.length > 0) {
    const d = b.s.pendingDeficits.shift() as Deficit;
    absorbDeficit(b, d);
  }
}
