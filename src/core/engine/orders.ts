// Orders on the built-in book: placement (with an initial-margin check on the whole order filled at its limit),
// matching (each match is a trade at the resting order's price), cancellation.

import { assert } from '../assert.js';
import type { BookFill, PlaceRejection, RestingOrder } from '../book/book.js';
import { notional, type MarketState } from '../market/index.js';
import { divRound, PPM_ONE, quote } from '../units/index.js';
import type { CancelOrder, FillSide, PlaceOrder } from './commands.js';
import type { Emit } from './emit.js';
import type { OrderCancelReason } from './events.js';
import { reject, type Rejection, type RejectionReason } from './reasons.js';
import type { EngineState } from './state.js';
import { checkOpenInterestCap, openedBy, planRisk, executeTrade, type TradeCause } from './trading.js';
import { selfTradeKey } from './guard-state.js';
import { isName } from './setup.js';

/** The book's order id: the owner's id and its own order id ('#' cannot occur in account ids). */
export const bookOrderId = (account: string, id: string): string => `${account}#${id}`;
const ownId = (bookId: string): string => bookId.slice(bookId.indexOf('#') + 1);

const BOOK_REJECTIONS: Record<PlaceRejection, [RejectionReason, string]> = {
  bad_id: ['invalid_field', 'id'],
  bad_owner: ['invalid_field', 'account'],
  bad_size: ['size_not_positive', 'size'],
  off_step: ['size_off_step', 'size'],
  bad_price: ['price_not_positive', 'price'],
  off_tick: ['price_off_tick', 'price'],
  duplicate_id: ['order_duplicate', 'id'],
  would_cross: ['order_would_cross', 'price'],
  book_full: ['book_full', 'market'],
};

/** Fee on a book trade: notional x rate, rounded up (a rebate, negative, rounds toward zero). */
function bookFee(s: EngineState, m: MarketState, sizeAtoms: bigint, price: bigint, ratePpm: bigint): bigint {
  if (ratePpm === 0n) return 0n;
  return divRound(notional(m.spec, s.quoteDecimals, sizeAtoms, price, 'half_even') * ratePpm, PPM_ONE, 'ceil');
}

/** Settles the book's fills as trades (maker at its price), emitting their events. Book trades cannot be refused. */
export function settleBookFills(s: EngineState, m: MarketState, fills: readonly BookFill[], cause: TradeCause, emit: Emit): void {
  const fees = m.spec.fees ?? { makerPpm: 0n, takerPpm: 0n };
  for (const f of fills) {
    const maker: FillSide = { account: f.makerOwner, fee: quote(bookFee(s, m, f.size, f.price, fees.makerPpm)) };
    const taker: FillSide = { account: f.takerOwner, fee: quote(cause === 'book' ? bookFee(s, m, f.size, f.price, fees.takerPpm) : 0n) };
    const buyer = f.side === 'buy' ? taker : maker;
    const seller = f.side === 'buy' ? maker : taker;
    const refused = executeTrade(s, { market: m, price: f.price, size: f.size, buyer, seller, check: false, cause }, emit);
    // Unreachable: both owners exist and no side names a margin mode, so an unchecked trade always settles.
    assert(refused === undefined, `book trade refused: ${refused?.reason ?? ''}`);
  }
}

export function emitCancelled(m: MarketState, orders: readonly RestingOrder[], reason: OrderCancelReason, emit: Emit): void {
  if (orders.length === 0) return; // the common case (Book.cancelAllOf of an owner with none): no iterator made
  for (const o of orders) emit({ kind: 'OrderCancelled', account: o.owner, market: m.spec.id, orderId: ownId(o.id), remaining: o.size, reason });
}

export function applyPlaceOrder(s: EngineState, cmd: PlaceOrder, emit: Emit): Rejection | undefined {
  const m = s.markets.get(cmd.market);
  if (m === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const account = s.accounts.get(cmd.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${cmd.account} has no funds`);
  if (!isName(cmd.id)) return reject('invalid_field', 'id', 'order id must be 1-64 letters, digits or ._:@/-');
  if (cmd.side !== 'buy' && cmd.side !== 'sell') return reject('invalid_field', 'side', "side must be 'buy' or 'sell'");
  if (cmd.size <= 0n) return reject('size_not_positive', 'size', 'size must be positive');
  if (cmd.price <= 0n) return reject('price_not_positive', 'price', 'price must be positive');
  // The whole order filled at its limit must keep the account at or above initial margin.
  const delta = cmd.side === 'buy' ? cmd.size : -cmd.size;
  const risk = planRisk(s, m, account, delta, cmd.price);
  if (risk !== undefined) return risk;
  // Open interest can grow by at most what the order opens for its owner (the whole order filled).
  const capped = checkOpenInterestCap(s, m, m.openInterest + openedBy(account.positions.get(m.spec.id)?.size ?? 0n, delta), cmd.price);
  if (capped !== undefined) return capped;
  // Self-trade prevention across linked accounts: the owner's own resting orders and its group's are cancelled.
  const key = selfTradeKey(s.guards, cmd.account);
  const sameParty = s.guards.groups.size === 0 ? undefined : (owner: string): boolean => selfTradeKey(s.guards, owner) === key;
  const result = m.book.place({ id: bookOrderId(cmd.account, cmd.id), owner: cmd.account, side: cmd.side, price: cmd.price, size: cmd.size, tif: cmd.tif }, sameParty);
  if (!result.ok) {
    const [reason, field] = BOOK_REJECTIONS[result.reason];
    return reject(reason, field, `the book refused the order: ${result.reason.replace('_', ' ')}`);
  }
  emitCancelled(m, result.cancelledSelfTrades, 'self_trade', emit);
  emit({ kind: 'OrderPlaced', account: cmd.account, market: cmd.market, orderId: cmd.id, side: cmd.side, price: cmd.price, size: cmd.size, tif: cmd.tif, resting: result.restingSize });
  settleBookFills(s, m, result.fills, 'book', emit);
  return undefined;
}

export function applyCancelOrder(s: EngineState, cmd: CancelOrder, emit: Emit): Rejection | undefined {
  const m = s.markets.get(cmd.market);
  if (m === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const order = m.book.get(bookOrderId(cmd.account, cmd.id));
  if (order === null || order.owner !== cmd.account) return reject('order_unknown', 'id', `account ${cmd.account} has no resting order ${cmd.id} in ${cmd.market}`);
  const r = m.book.cancel(order.id);
  if (r.ok) emitCancelled(m, [r.order], 'user', emit);
  return undefined;
}
