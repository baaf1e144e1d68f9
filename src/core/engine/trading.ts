// Fills and isolated margin: how trades change positions, cash and margin.

import { assert } from '../assert.js';
import { applyTrade, type Account, type MarginMode, type Position } from '../account/account.js';
import { evaluateAccount, fundingOwed, positionFigures } from '../margin/evaluate.js';
import { notional, priceForNotional, type MarketState } from '../market/index.js';
import { abs, divRound, formatDecimal, PPM_ONE, price, quote, size, type Quote } from '../units/index.js';
import type { AdjustIsolatedMargin, Fill, FillSide, SettleFunding } from './commands.js';
import type { Emit } from './emit.js';
import type { PositionCause } from './events.js';
import { draftOf, invalidPriceMarket } from './funds.js';
import { transferMarginRequired } from '../margin/transfer.js';
import { guardRules } from '../rulebooks/rulebook.js';
import { reject, type Rejection } from './reasons.js';
import { addTo, noteHolding, type EngineState } from './state.js';
import { selfTradeKey } from './guard-state.js';

/** The planned outcome of one side of a fill, not yet committed. */
interface SidePlan {
  readonly draft: Account;
  readonly mode: MarginMode;
  readonly sizeBefore: bigint;
  readonly sizeAfter: bigint;
  readonly entryPrice: bigint;
  readonly realisedPnl: Quote;
  readonly fundingPaid: Quote;
  readonly isolatedMargin: Quote;
  readonly balance: bigint;
  /** A closed isolated position's loss beyond its margin (0 otherwise). */
  readonly isolatedDeficit: bigint;
  readonly side: 'long' | 'short';
}

function planSide(
  s: EngineState,
  market: MarketState,
  account: Account,
  side: FillSide,
  delta: bigint,
  cash: bigint,
  fillPrice: bigint,
  field: 'buyer' | 'seller',
  check: boolean,
  /** The trade cannot be refused (refusable()): the account itself is changed, not a draft of it. */
  inPlace = false,
): SidePlan | Rejection {
  const spec = market.spec;
  const existing = account.positions.get(spec.id);
  const mode: MarginMode = side.marginMode ?? (existing === undefined || existing.isolatedMargin === null ? 'cross' : 'isolated');
  if (existing !== undefined && (existing.isolatedMargin === null ? 'cross' : 'isolated') !== mode) {
    return reject('margin_mode_mismatch', `${field}.marginMode`, `account ${account.id} holds a ${mode === 'cross' ? 'isolated' : 'cross'} position in ${spec.id}`);
  }
  if (side.isolatedMargin !== undefined) {
    if (mode !== 'isolated') return reject('invalid_field', `${field}.isolatedMargin`, 'isolatedMargin is only for isolated positions');
    if (side.isolatedMargin < 0n) return reject('amount_not_positive', `${field}.isolatedMargin`, 'must not be negative');
  }

  // Work on a draft, which the engine commits only if every check passes; a trade that cannot be refused changes the
  // account's own maps. The traded position is read, never written: the trade replaces it by a new object or removes
  // it (a position is never changed in place), so the draft needs no copy of it.
  const draft = inPlace ? account : tradeDraftOf(account);
  const settle = s.settlementAsset;
  const held = draft.positions.get(spec.id);
  let fundingPaid = quote(0n);
  let isolated = held?.isolatedMargin ?? (mode === 'isolated' ? quote(0n) : null);
  if (held !== undefined) {
    // The funding owed settles before the trade: from the cash (cross) or the position's margin (isolated).
    fundingPaid = fundingOwed(market, held);
    if (isolated === null) addTo(draft.balances, settle, -fundingPaid);
    else isolated = quote(isolated - fundingPaid);
  }
  const sizeBefore = held?.size ?? 0n;
  const effect = applyTrade(sizeBefore, held?.entryQuote ?? 0n, delta, cash);
  addTo(draft.balances, settle, -side.fee);
  if (isolated === null) addTo(draft.balances, settle, effect.realisedPnl);
  else isolated = quote(isolated + effect.realisedPnl);

  let position: Position | undefined;
  let isolatedDeficit = 0n;
  if (effect.size === 0n) {
    draft.positions.delete(spec.id);
    // The isolated margin comes home; a negative one is a loss the isolated position cannot pass on to the
    // account's other funds: it becomes a deficit the venue absorbs (enforcement.ts absorbDeficit).
    if (isolated !== null) {
      if (isolated >= 0n) addTo(draft.balances, settle, isolated);
      else isolatedDeficit = -isolated;
    }
  } else {
    position = { market: spec.id, size: effect.size, entryQuote: effect.entryQuote, fundingIndex: market.fundingIndex, isolatedMargin: isolated };
    draft.positions.set(spec.id, position);
  }

  const increases = effect.openedSize > 0n;
  if (position !== undefined && position.isolatedMargin !== null && increases) {
    // Top the isolated margin up to the initial requirement unless the fill says how much to move.
    let topUp = side.isolatedMargin;
    if (topUp === undefined) {
      // Without a mark yet (only possible with preTradeCheck 'none'), the fill price values the position.
      const initial = positionFigures(s, market, position, price(market.markPrice ?? fillPrice)).initial;
      topUp = quote(initial > position.isolatedMargin ? initial - position.isolatedMargin : 0n);
    }
    position.isolatedMargin = quote(position.isolatedMargin + topUp);
    addTo(draft.balances, settle, -topUp);
  }

  if (increases && check && s.rulebook.preTradeCheck === 'initial_margin') {
    const ev = evaluateAccount(s, draft);
    if (!ev.priced) return reject('market_unpriced', 'market', `cannot value account ${account.id}: no price for ${ev.unpriced.join(', ')}`);
    if (ev.cross.equity < ev.cross.initial) {
      return reject('initial_margin_breach', `${field}.account`, `account ${account.id}: equity ${s.fmtQuote(ev.cross.equity)} below initial margin ${s.fmtQuote(ev.cross.initial)} after the fill`);
    }
    const iso = ev.isolated.find((f) => f.market === spec.id);
    if (iso !== undefined && iso.equity < iso.initial) {
      return reject('initial_margin_breach', `${field}.isolatedMargin`, `account ${account.id}: isolated equity ${s.fmtQuote(iso.equity)} below initial margin ${s.fmtQuote(iso.initial)} after the fill`);
    }
  }

  return {
    draft,
    mode,
    sizeBefore,
    sizeAfter: effect.size,
    entryPrice: effect.size === 0n ? 0n : priceForNotional(spec, s.quoteDecimals, abs(effect.size), abs(effect.entryQuote), 'half_even'),
    realisedPnl: effect.realisedPnl,
    fundingPaid,
    isolatedMargin: quote(position?.isolatedMargin ?? 0n),
    balance: draft.balances.get(settle) ?? 0n,
    isolatedDeficit,
    side: sizeBefore > 0n ? 'long' : 'short',
  };
}

/**
 * Would the account stay at or above initial margin if it traded `delta` at `price` (a resting order filled in
 * full at its limit)? Nothing is changed.
 */
export function planRisk(s: EngineState, market: MarketState, account: Account, delta: bigint, price: bigint): Rejection | undefined {
  const n = notional(market.spec, s.quoteDecimals, delta, price, 'half_even');
  const plan = planSide(s, market, account, { account: account.id, fee: quote(0n) }, delta, delta > 0n ? -n : n, price, delta > 0n ? 'buyer' : 'seller', true);
  return isRejection(plan) ? plan : undefined;
}

/**
 * draftOf for a trade: the maps copied, the positions shared. planSide writes no position object (it replaces the
 * traded one), and the account it replaces is not read again (a maker quoting ten markets is not copied whole for
 * every fill it gets).
 */
function tradeDraftOf(account: Account): Account {
  // The borrows are shared, not copied: a trade never writes them (only ownBorrows() does, in funds.ts).
  return { id: account.id, no: account.no, balances: copyOfMap(account.balances), positions: copyOfMap(account.positions), borrows: account.borrows };
}

/**
 * Whether executeTrade may refuse the trade once its sides are planned: a checked trade (initial margin), an external
 * fill (the open-interest cap), a side naming its margin mode or isolated margin (planSide's own refusals), or one
 * account on both sides (each side is planned from the account as it was). Any other trade (the book's fills, the
 * waterfall's takeovers and deleveraging) always settles, so it is planned on the accounts themselves: no copy of
 * either account's maps (a 1M-account crash tick made ~12,000 such trades, each copying both accounts).
 */
function refusable(t: TradeRequest, buyer: Account, seller: Account): boolean {
  const named = (side: FillSide) => side.marginMode !== undefined || side.isolatedMargin !== undefined;
  return t.check || t.cause === 'fill' || buyer === seller || named(t.buyer) || named(t.seller);
}

/**
 * new Map(map), without the iterator protocol: `new Map(map)` steps an iterator and allocates a result object for
 * every entry (Node 20), and every fill copies both sides' maps (~15% of the bytes the +-10 bp walk allocated,
 * scripts/walk-allocations.mjs, 2026-12-05). The same entries in the same order.
 */
function copyOfMap<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  const copy = new Map<K, V>();
  map.forEach((value, key) => copy.set(key, value));
  return copy;
}

function isRejection(x: SidePlan | Rejection): x is Rejection {
  return 'reason' in x;
}

export function applyFill(s: EngineState, cmd: Fill, emit: Emit): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const spec = market.spec;
  if (cmd.size <= 0n) return reject('size_not_positive', 'size', 'size must be positive');
  if (cmd.size % spec.stepSize !== 0n) return reject('size_off_step', 'size', `size must be a multiple of the step ${formatDecimal(spec.stepSize, spec.baseDecimals)}`);
  if (cmd.price <= 0n) return reject('price_not_positive', 'price', 'price must be positive');
  if (cmd.price % spec.tickSize !== 0n) return reject('price_off_tick', 'price', `price must be a multiple of the tick ${formatDecimal(spec.tickSize, spec.priceDecimals)}`);
  if (cmd.buyer.account === cmd.seller.account) return reject('self_trade', 'seller.account', 'buyer and seller are the same account');
  if (selfTradeKey(s.guards, cmd.buyer.account) === selfTradeKey(s.guards, cmd.seller.account)) {
    return reject('group_self_trade', 'seller.account', `buyer ${cmd.buyer.account} and seller ${cmd.seller.account} are linked in group ${s.guards.groups.get(cmd.buyer.account) ?? ''}`);
  }
  const cash = notional(spec, s.quoteDecimals, cmd.size, cmd.price, 'half_even');
  for (const field of ['buyer', 'seller'] as const) {
    const bad = checkFeeBounds(s, cash, cmd[field].fee, `${field}.fee`);
    if (bad !== undefined) return bad;
  }

  return executeTrade(s, { market, price: cmd.price, size: cmd.size, buyer: cmd.buyer, seller: cmd.seller, check: true, cause: 'fill' }, emit);
}

/** A fill's fee within the rulebook's bounds: at most notional x maxFee (up), a rebate at most notional x maxRebate (down). */
function checkFeeBounds(s: EngineState, cash: bigint, fee: bigint, field: string): Rejection | undefined {
  const { maxFeePpm, maxRebatePpm } = s.rulebook.feeBounds;
  const maxFee = divRound(cash * maxFeePpm, PPM_ONE, 'ceil');
  const maxRebate = divRound(cash * maxRebatePpm, PPM_ONE, 'floor');
  if (fee > maxFee) return reject('fee_out_of_bounds', field, `fee ${s.fmtQuote(fee)} exceeds ${s.fmtQuote(maxFee)}, the rulebook's maximum on this fill`);
  if (-fee > maxRebate) return reject('fee_out_of_bounds', field, `rebate ${s.fmtQuote(-fee)} exceeds ${s.fmtQuote(maxRebate)}, the rulebook's maximum on this fill`);
  return undefined;
}

/** Why a trade happened: an external fill, a match on the built-in book, or an enforcement step (PositionChanged.cause). */
export type TradeCause = PositionCause;

export interface TradeRequest {
  readonly market: MarketState;
  readonly price: bigint;
  readonly size: bigint;
  readonly buyer: FillSide;
  readonly seller: FillSide;
  /** Apply the rulebook's pre-trade initial-margin check to sides that open or grow a position. */
  readonly check: boolean;
  readonly cause: TradeCause;
}

/**
 * A trade between two accounts: plans both sides on drafts (checks included), then commits both or neither; a trade
 * that cannot be refused is planned on the accounts themselves (refusable).
 * One cash amount for both sides (size x price, half-even: neutral), so the trade moves exactly that amount.
 */
export function executeTrade(s: EngineState, t: TradeRequest, emit: Emit): Rejection | undefined {
  const spec = t.market.spec;
  const buyer = s.accounts.get(t.buyer.account);
  const seller = s.accounts.get(t.seller.account);
  if (buyer === undefined) return reject('account_unknown', 'buyer.account', `account ${t.buyer.account} has no funds`);
  if (seller === undefined) return reject('account_unknown', 'seller.account', `account ${t.seller.account} has no funds`);
  const cashAmount = notional(spec, s.quoteDecimals, t.size, t.price, 'half_even');
  const inPlace = !refusable(t, buyer, seller);
  const buy = planSide(s, t.market, buyer, t.buyer, t.size, -cashAmount, t.price, 'buyer', t.check, inPlace);
  if (isRejection(buy)) return buy;
  const sell = planSide(s, t.market, seller, t.seller, -t.size, cashAmount, t.price, 'seller', t.check, inPlace);
  if (isRejection(sell)) return sell;
  const longBefore = pos(buy.sizeBefore) + pos(sell.sizeBefore);
  const longAfter = pos(buy.sizeAfter) + pos(sell.sizeAfter);
  if (t.cause === 'fill') {
    // External fills respect the open-interest cap (book trades were checked when their taker was placed).
    const capped = checkOpenInterestCap(s, t.market, t.market.openInterest + longAfter - longBefore, t.price);
    if (capped !== undefined) return capped;
  }

  // Committed: replace both accounts by their drafts (planned in place: they are the accounts) and book the venue's side.
  if (!inPlace) {
    s.accounts.set(buyer.id, buy.draft);
    s.accounts.set(seller.id, sell.draft);
  }
  // The holders change only when a side's sign does (Set lookups in the market's ~100k holders are not free).
  if (sign(buy.sizeBefore) !== sign(buy.sizeAfter)) noteHolding(s, spec.id, buyer.id, buy.sizeBefore, buy.sizeAfter);
  if (sign(sell.sizeBefore) !== sign(sell.sizeAfter)) noteHolding(s, spec.id, seller.id, sell.sizeBefore, sell.sizeAfter);
  // Each side's deficit and event by a call per side, not a loop over pairs (a pair array and an iterator result per
  // side and trade: ~0.5 KB a liquidation of the crash tick, scripts/crash-allocations.mjs).
  noteIsolatedDeficit(s, spec.id, buyer.id, buy);
  noteIsolatedDeficit(s, spec.id, seller.id, sell);
  s.venue.feePool += t.buyer.fee + t.seller.fee;
  s.venue.fundingPool += buy.fundingPaid + sell.fundingPaid;
  t.market.openInterest = size(t.market.openInterest + longAfter - longBefore);
  emitPositionChanged(t, buy, t.buyer, t.size, emit);
  emitPositionChanged(t, sell, t.seller, -t.size, emit);
  return undefined;
}

/** A closed isolated position's loss beyond its margin goes to the venue (enforcement.ts absorbDeficit). */
function noteIsolatedDeficit(s: EngineState, market: string, account: string, plan: SidePlan): void {
  if (plan.isolatedDeficit > 0n) s.pendingDeficits.push({ account, market, side: plan.side, amount: plan.isolatedDeficit, inBalance: false });
}

/** One side's PositionChanged (`delta`: the side's change of size, signed). */
function emitPositionChanged(t: TradeRequest, plan: SidePlan, side: FillSide, delta: bigint, emit: Emit): void {
  emit({
    kind: 'PositionChanged',
    account: side.account,
    market: t.market.spec.id,
    cause: t.cause,
    marginMode: plan.mode,
    price: t.price,
    sizeDelta: delta,
    size: plan.sizeAfter,
    entryPrice: plan.entryPrice,
    realisedPnl: plan.realisedPnl,
    fee: side.fee,
    fundingPaid: plan.fundingPaid,
    isolatedMargin: plan.isolatedMargin,
    balance: plan.balance,
  });
}

function pos(n: bigint): bigint {
  return n > 0n ? n : 0n;
}

/**
 * The market's open-interest cap (MarketSpec.openInterestCap; Hyperliquid after JELLY, 2025-03-26): refuses new
 * exposure that would take open interest (the sum of long sizes) above the cap in size, or in notional at the mark
 * (the trade's price before the first mark). Exposure that does not raise open interest is never refused; liquidations
 * do not come through here.
 */
export function checkOpenInterestCap(s: EngineState, market: MarketState, oiAfter: bigint, fallbackPrice: bigint): Rejection | undefined {
  const cap = market.spec.openInterestCap;
  if (cap === undefined || oiAfter <= market.openInterest) return undefined;
  const spec = market.spec;
  if (cap.size !== undefined && oiAfter > cap.size) {
    return reject('open_interest_cap', 'size', `open interest in ${spec.id} would reach ${formatDecimal(oiAfter, spec.baseDecimals)}, above its cap ${formatDecimal(cap.size, spec.baseDecimals)}`);
  }
  if (cap.notional !== undefined) {
    const n = notional(spec, s.quoteDecimals, oiAfter, market.markPrice ?? fallbackPrice, 'ceil');
    if (n > cap.notional) return reject('open_interest_cap', 'size', `open interest in ${spec.id} would be worth ${s.fmtQuote(n)}, above its cap ${s.fmtQuote(cap.notional)}`);
  }
  return undefined;
}

/**
 * The most a taker's order can raise open interest: the part of it that opens or grows the taker's position (a fill
 * raises open interest only when both sides open, so never by more than the taker opens).
 */
export function openedBy(sizeBefore: bigint, delta: bigint): bigint {
  if (sizeBefore === 0n || sizeBefore > 0n === delta > 0n) return abs(delta);
  return abs(delta) > abs(sizeBefore) ? abs(delta) - abs(sizeBefore) : 0n;
}

export function applyAdjustIsolatedMargin(s: EngineState, cmd: AdjustIsolatedMargin, emit: Emit): Rejection | undefined {
  const account = s.accounts.get(cmd.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${cmd.account} has no funds`);
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const existing = account.positions.get(cmd.market);
  if (existing === undefined) return reject('position_unknown', 'market', `account ${cmd.account} has no position in ${cmd.market}`);
  if (existing.isolatedMargin === null) return reject('not_isolated', 'market', `the position in ${cmd.market} is cross margined`);
  if (cmd.amount === 0n) return reject('amount_not_positive', 'amount', 'amount must not be zero');
  const draft = draftOf(account);
  const position = draft.positions.get(cmd.market) as Position;
  const fundingPaid = fundingOwed(market, position);
  position.fundingIndex = market.fundingIndex;
  position.isolatedMargin = quote((position.isolatedMargin as bigint) - fundingPaid + cmd.amount);
  addTo(draft.balances, s.settlementAsset, -cmd.amount);
  if (cmd.amount < 0n) {
    const invalid = invalidPriceMarket(s, draft);
    if (invalid !== undefined) return invalid;
  }
  const ev = evaluateAccount(s, draft);
  if (!ev.priced) return reject('market_unpriced', 'market', `cannot value account ${cmd.account}: no price for ${ev.unpriced.join(', ')}`);
  if (cmd.amount > 0n && ev.cross.equity < ev.cross.initial) {
    return reject('initial_margin_breach', 'amount', `cross equity ${s.fmtQuote(ev.cross.equity)} would fall below initial margin ${s.fmtQuote(ev.cross.initial)}`);
  }
  const iso = ev.isolated.find((f) => f.market === cmd.market);
  if (cmd.amount < 0n && iso !== undefined && iso.equity < iso.initial) {
    return reject('initial_margin_breach', 'amount', `isolated equity ${s.fmtQuote(iso.equity)} would fall below initial margin ${s.fmtQuote(iso.initial)}`);
  }
  if (cmd.amount < 0n && iso !== undefined) {
    // Margin taken out is a transfer: the position keeps max(initial, a share of its notional) (Hyperliquid).
    const required = transferMarginRequired(iso.initial, iso.notional, guardRules(s.rulebook).transferMarginPpm);
    if (iso.equity < required) {
      return reject('transfer_margin_floor', 'amount', `isolated equity ${s.fmtQuote(iso.equity)} would fall below the transfer margin ${s.fmtQuote(required)} (max of initial margin and a share of notional)`);
    }
  }
  s.accounts.set(account.id, draft);
  s.venue.fundingPool += fundingPaid;
  emit({ kind: 'IsolatedMarginChanged', account: cmd.account, market: cmd.market, amount: cmd.amount, isolatedMargin: position.isolatedMargin as bigint });
  return undefined;
}

export function applySettleFunding(s: EngineState, cmd: SettleFunding, emit: Emit): Rejection | undefined {
  const account = s.accounts.get(cmd.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${cmd.account} has no funds`);
  for (const position of account.positions.values()) {
    const market = s.markets.get(position.market);
    assert(market !== undefined, `a position's market ${position.market} is listed (markets are never delisted)`);
    const owed = fundingOwed(market, position);
    position.fundingIndex = market.fundingIndex;
    if (owed === 0n) continue;
    if (position.isolatedMargin === null) addTo(account.balances, s.settlementAsset, -owed);
    else position.isolatedMargin = quote(position.isolatedMargin - owed);
    s.venue.fundingPool += owed;
    emit({ kind: 'FundingSettled', account: account.id, market: position.market, amount: quote(-owed), balance: position.isolatedMargin ?? account.balances.get(s.settlementAsset) ?? 0n });
  }
  return undefined;
}

function sign(n: bigint): number {
  return n > 0n ? 1 : n < 0n ? -1 : 0;
}
