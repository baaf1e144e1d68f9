// Traders' conditional orders (issue 20; docs/conditional-orders.md): placement, amendment and cancellation
// (commands), expiry, firing (after a price move: the trigger index returns what fired, each becomes a book order
// through applyPlaceOrder, or a ConditionalRefused event with the code place_order would have been refused with),
// and the cancellation of a liquidated ledger's orders.

import type { MarketState } from '../market/index.js';
import { conditionalRules } from '../rulebooks/rulebook.js';
import { TRIGGER_SOURCES, type TriggerSource } from '../rulebooks/conditional.js';
import { trailingTrigger, triggerFires, type TriggerDirection, type TriggerRule } from '../triggers/conditional-index.js';
import { divRound, PPM_ONE, price as asPrice, size as asSize, type Price } from '../units/index.js';
import type { AmendConditional, CancelConditional, ConditionalType, PlaceConditional, PlaceOrder } from './commands.js';
import { laneOf, type ConditionalOrder } from './conditional-book.js';
import type { Emit } from './emit.js';
import type { ConditionalCancelReason } from './events.js';
import { applyPlaceOrder } from './orders.js';
import { reject, type Rejection } from './reasons.js';
import { isName } from './setup.js';
import type { EngineState } from './state.js';

const TYPES: readonly ConditionalType[] = ['stop_market', 'stop_limit', 'take_profit_market', 'take_profit_limit', 'trailing_stop', 'position_tp', 'position_sl'];

const isLimitType = (t: ConditionalType): boolean => t === 'stop_limit' || t === 'take_profit_limit';
const isTrailing = (t: ConditionalType): boolean => t === 'trailing_stop';
const isPositionType = (t: ConditionalType): boolean => t === 'position_tp' || t === 'position_sl';

/**
 * Which way the price must move to fire it: a stop (stop_*, trailing_stop, position_sl) sells when the price falls
 * and buys when it rises; a take-profit (take_profit_*, position_tp) sells when it rises and buys when it falls.
 */
export function directionOf(type: ConditionalType, side: 'buy' | 'sell'): TriggerDirection {
  const stop = type === 'stop_market' || type === 'stop_limit' || type === 'trailing_stop' || type === 'position_sl';
  return stop === (side === 'sell') ? 'down' : 'up';
}

/** The price of a trigger source now; null while it has none. */
export function sourcePrice(m: MarketState, source: TriggerSource): Price | null {
  switch (source) {
    case 'mark':
      return m.markPrice;
    case 'index':
      return m.indexPrice;
    case 'last':
      return m.price.book?.lastTrade ?? null;
  }
}

/** Price fields: positive and on the market's tick. */
function checkPrice(m: MarketState, value: bigint, field: string): Rejection | undefined {
  if (value <= 0n) return reject('price_not_positive', field, `${field} must be positive`);
  if (value % m.spec.tickSize !== 0n) return reject('price_off_tick', field, `${field} must be a multiple of the tick`);
  return undefined;
}

function checkSize(m: MarketState, value: bigint): Rejection | undefined {
  if (value <= 0n) return reject('size_not_positive', 'size', 'size must be positive');
  if (value % m.spec.stepSize !== 0n) return reject('size_off_step', 'size', 'size must be a multiple of the step');
  return undefined;
}

/** The trigger rule of a fixed or trailing order from its fields (checked), or the refusal. */
function ruleOf(m: MarketState, type: ConditionalType, f: { trigger?: Price | undefined; trailAmount?: Price | undefined; trailRatioPpm?: bigint | undefined }, direction: TriggerDirection): TriggerRule | Rejection {
  if (isTrailing(type)) {
    if (f.trigger !== undefined) return reject('invalid_field', 'trigger', 'a trailing stop has no fixed trigger (trailAmount or trailRatioPpm)');
    if ((f.trailAmount === undefined) === (f.trailRatioPpm === undefined)) return reject('invalid_field', 'trailAmount', 'give exactly one of trailAmount and trailRatioPpm');
    if (f.trailAmount !== undefined) {
      const bad = checkPrice(m, f.trailAmount, 'trailAmount');
      return bad ?? { kind: 'trail_amount', offset: f.trailAmount };
    }
    const r = f.trailRatioPpm as bigint;
    const max = direction === 'down' ? PPM_ONE : 10n * PPM_ONE;
    if (r <= 0n || r >= max) return reject('invalid_field', 'trailRatioPpm', `trailRatioPpm must be in (0, ${max})`);
    return { kind: 'trail_ratio', ratioPpm: r };
  }
  if (f.trailAmount !== undefined || f.trailRatioPpm !== undefined) return reject('invalid_field', 'trailAmount', 'only a trailing stop trails');
  if (f.trigger === undefined) return reject('invalid_field', 'trigger', 'a trigger price is required');
  const bad = checkPrice(m, f.trigger, 'trigger');
  return bad ?? { kind: 'fixed', trigger: f.trigger };
}

const isRejection = (x: object): x is Rejection => 'reason' in x;

function placedEvent(kind: 'ConditionalPlaced' | 'ConditionalAmended', o: ConditionalOrder, trigger: bigint): Parameters<Emit>[0] {
  return { kind, account: o.account, market: o.market, orderId: o.id, type: o.type, side: o.side, source: o.source, trigger, size: o.size, limitPrice: o.limitPrice, expiresMs: o.expiresMs };
}

export function applyPlaceConditional(s: EngineState, cmd: PlaceConditional, emit: Emit): Rejection | undefined {
  const m = s.markets.get(cmd.market);
  if (m === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const account = s.accounts.get(cmd.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${cmd.account} has no funds`);
  if (!isName(cmd.id)) return reject('invalid_field', 'id', 'order id must be 1-64 letters, digits or ._:@/-');
  if (!TYPES.includes(cmd.type)) return reject('invalid_field', 'type', `type must be one of ${TYPES.join(', ')}`);
  const book = s.conditionals;
  if (book.find(cmd.account, cmd.market, cmd.id) !== undefined) return reject('conditional_duplicate', 'id', `account ${cmd.account} already has a conditional order ${cmd.id} in ${cmd.market}`);
  const rules = conditionalRules(s.rulebook);
  // Position TP/SL: the side opposite the position, the whole position when it fires.
  let side = cmd.side;
  const positionType = isPositionType(cmd.type);
  if (positionType) {
    const held = account.positions.get(cmd.market)?.size ?? 0n;
    if (held === 0n) return reject('position_unknown', 'market', `account ${cmd.account} holds no position in ${cmd.market}`);
    const opposite = held > 0n ? 'sell' : 'buy';
    if (side !== undefined && side !== opposite) return reject('invalid_field', 'side', `a position TP/SL closes the position: side ${opposite}`);
    side = opposite;
  }
  if (side !== 'buy' && side !== 'sell') return reject('invalid_field', 'side', "side must be 'buy' or 'sell'");
  const source = cmd.source ?? rules.defaultSource;
  if (!TRIGGER_SOURCES.includes(source)) return reject('invalid_field', 'source', "source must be 'mark', 'index' or 'last'");
  const closePosition = positionType || cmd.closePosition === true;
  if (closePosition) {
    if (cmd.size !== undefined) return reject('invalid_field', 'size', 'a close-position order takes the size of the position when it fires');
  } else {
    if (cmd.size === undefined) return reject('invalid_field', 'size', 'a size is required (or closePosition)');
    const bad = checkSize(m, cmd.size);
    if (bad !== undefined) return bad;
  }
  const direction = directionOf(cmd.type, side);
  const rule = ruleOf(m, cmd.type, cmd, direction);
  if (isRejection(rule)) return rule;
  if (isLimitType(cmd.type)) {
    if (cmd.limitPrice === undefined) return reject('invalid_field', 'limitPrice', 'a limit type needs a limitPrice');
    const bad = checkPrice(m, cmd.limitPrice, 'limitPrice');
    if (bad !== undefined) return bad;
  } else if (cmd.limitPrice !== undefined) return reject('invalid_field', 'limitPrice', 'only stop_limit and take_profit_limit take a limitPrice');
  if (cmd.expiresMs !== undefined && (!Number.isSafeInteger(cmd.expiresMs) || cmd.expiresMs <= cmd.tsMs)) {
    return reject('invalid_field', 'expiresMs', 'expiresMs must be an integer after the command time');
  }
  const now = sourcePrice(m, source);
  if (now === null) return reject('market_unpriced', 'source', `${cmd.market} has no ${source} price yet`);
  const trigger = trailingTrigger(direction, rule, now);
  if (triggerFires(direction, trigger, now)) {
    return reject('conditional_would_trigger', rule.kind === 'fixed' ? 'trigger' : 'trailAmount', `the ${source} price ${now} already reaches the trigger ${trigger}`);
  }
  if (book.countOf(cmd.account, cmd.market) >= rules.maxPerAccountMarket) {
    return reject('conditionals_full', 'id', `account ${cmd.account} holds ${rules.maxPerAccountMarket} conditional orders in ${cmd.market}`);
  }
  // Accepted: nothing below refuses.
  const o: ConditionalOrder = {
    handle: book.nextHandle++,
    account: cmd.account,
    market: cmd.market,
    id: cmd.id,
    type: cmd.type,
    side,
    source,
    direction,
    rule,
    limitPrice: cmd.limitPrice ?? null,
    size: closePosition ? null : (cmd.size ?? null),
    reduceOnly: closePosition || cmd.reduceOnly === true,
    closePosition,
    expiresMs: cmd.expiresMs ?? null,
  };
  book.add(o, now);
  emit(placedEvent('ConditionalPlaced', o, trigger));
  return undefined;
}

export function applyAmendConditional(s: EngineState, cmd: AmendConditional, emit: Emit): Rejection | undefined {
  const m = s.markets.get(cmd.market);
  if (m === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const book = s.conditionals;
  const o = book.find(cmd.account, cmd.market, cmd.id);
  if (o === undefined) return reject('conditional_unknown', 'id', `account ${cmd.account} has no conditional order ${cmd.id} in ${cmd.market}`);
  const ruleFields = cmd.trigger !== undefined || cmd.trailAmount !== undefined || cmd.trailRatioPpm !== undefined;
  let rule = o.rule;
  if (ruleFields) {
    const r = ruleOf(m, o.type, cmd, o.direction);
    if (isRejection(r)) return r;
    rule = r;
  }
  if (cmd.limitPrice !== undefined) {
    if (!isLimitType(o.type)) return reject('invalid_field', 'limitPrice', 'only stop_limit and take_profit_limit take a limitPrice');
    const bad = checkPrice(m, cmd.limitPrice, 'limitPrice');
    if (bad !== undefined) return bad;
  }
  if (cmd.size !== undefined) {
    if (o.closePosition) return reject('invalid_field', 'size', 'a close-position order takes the size of the position when it fires');
    const bad = checkSize(m, cmd.size);
    if (bad !== undefined) return bad;
  }
  if (cmd.expiresMs !== undefined && cmd.expiresMs !== null && (!Number.isSafeInteger(cmd.expiresMs) || cmd.expiresMs <= cmd.tsMs)) {
    return reject('invalid_field', 'expiresMs', 'expiresMs must be an integer after the command time');
  }
  const now = sourcePrice(m, o.source);
  if (now === null) return reject('market_unpriced', 'source', `${cmd.market} has no ${o.source} price yet`);
  const trigger = trailingTrigger(o.direction, rule, book.index.bestOf(o.handle) ?? 0n);
  if (triggerFires(o.direction, trigger, now)) {
    return reject('conditional_would_trigger', rule.kind === 'fixed' ? 'trigger' : 'trailAmount', `the ${o.source} price ${now} already reaches the trigger ${trigger}`);
  }
  const amended: ConditionalOrder = {
    ...o,
    rule,
    limitPrice: cmd.limitPrice ?? o.limitPrice,
    size: cmd.size ?? o.size,
    expiresMs: cmd.expiresMs === undefined ? o.expiresMs : cmd.expiresMs,
  };
  book.replace(amended);
  emit(placedEvent('ConditionalAmended', amended, trigger));
  return undefined;
}

export function applyCancelConditional(s: EngineState, cmd: CancelConditional, emit: Emit): Rejection | undefined {
  if (!s.markets.has(cmd.market)) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  const o = s.conditionals.find(cmd.account, cmd.market, cmd.id);
  if (o === undefined) return reject('conditional_unknown', 'id', `account ${cmd.account} has no conditional order ${cmd.id} in ${cmd.market}`);
  cancel(s, o, 'user', emit);
  return undefined;
}

function cancel(s: EngineState, o: ConditionalOrder, reason: ConditionalCancelReason, emit: Emit): void {
  s.conditionals.remove(o.handle, true);
  emit({ kind: 'ConditionalCancelled', account: o.account, market: o.market, orderId: o.id, reason });
}

/** Cancels the orders whose expiry has come (by expiry, then placement). */
export function expireConditionals(s: EngineState, nowMs: number, emit: Emit): void {
  if (s.conditionals.size === 0) return;
  for (const o of s.conditionals.expired(nowMs)) cancel(s, o, 'expired', emit);
}

/** A liquidation's stage 1: the ledger's conditional orders are cancelled (all of the account's for its cross ledger). */
export function cancelConditionalsOf(s: EngineState, account: string, market: string | null, emit: Emit): void {
  if (s.conditionals.size === 0) return;
  for (const o of s.conditionals.ofAccount(account, market)) cancel(s, o, 'liquidation', emit);
}

/**
 * The markets whose prices moved: each of their trigger sources is shown to the index (trailing stops follow it),
 * and the orders it fires are placed, market by market in the order given, sources mark, index, last, and within a
 * source in the index's firing order (trigger price in crossing order, then placement).
 */
export function fireConditionals(s: EngineState, markets: Iterable<string>, emit: Emit): void {
  const book = s.conditionals;
  if (book.size === 0) return;
  for (const market of markets) {
    const m = s.markets.get(market);
    if (m === undefined) continue;
    for (const source of TRIGGER_SOURCES) {
      const now = sourcePrice(m, source);
      if (now === null) continue;
      for (const f of book.index.onPrice(laneOf(market, source), now)) {
        const o = book.remove(f.handle, false);
        emit({ kind: 'ConditionalTriggered', account: o.account, market, orderId: o.id, source, trigger: f.trigger, price: now });
        const refused = placeFired(s, m, o, f.trigger, emit);
        if (refused !== undefined) emit({ kind: 'ConditionalRefused', account: o.account, market, orderId: o.id, reason: refused.reason, message: refused.message });
      }
    }
  }
}

/**
 * The limit of a fired market-type order: the rulebook's slippage past its trigger, rounded to a tick toward the
 * trigger (a sell's limit up, a buy's down: never more slippage than allowed), at least one tick.
 */
export function marketLimit(m: MarketState, side: 'buy' | 'sell', trigger: bigint, slippagePpm: bigint): Price {
  const tick = m.spec.tickSize;
  const raw = trigger * (side === 'sell' ? PPM_ONE - slippagePpm : PPM_ONE + slippagePpm);
  const ticks = divRound(raw, PPM_ONE * tick, side === 'sell' ? 'ceil' : 'floor');
  return asPrice((ticks < 1n ? 1n : ticks) * tick);
}

/** Places a fired order on the book (as place_order would), or answers why it cannot. */
function placeFired(s: EngineState, m: MarketState, o: ConditionalOrder, trigger: bigint, emit: Emit): Rejection | undefined {
  const account = s.accounts.get(o.account);
  if (account === undefined) return reject('account_unknown', 'account', `account ${o.account} has no funds`);
  let size = o.size ?? 0n;
  if (o.reduceOnly) {
    // Reduce-only: what the position has on the side it reduces (a sell reduces a long), at most the order's size.
    const held = account.positions.get(o.market)?.size ?? 0n;
    const reducible = o.side === 'sell' ? held : -held;
    if (reducible <= 0n) return reject('reduce_only_flat', 'size', `account ${o.account} has no ${o.side === 'sell' ? 'long' : 'short'} position in ${o.market} to reduce`);
    size = o.closePosition || reducible < size ? reducible : size;
  }
  const limit = isLimitType(o.type) ? (o.limitPrice as Price) : marketLimit(m, o.side, trigger, conditionalRules(s.rulebook).marketSlippagePpm);
  const place: PlaceOrder = { kind: 'place_order', tsMs: s.timeMs, account: o.account, market: o.market, id: o.id, side: o.side, price: limit, size: asSize(size), tif: isLimitType(o.type) ? 'gtc' : 'ioc' };
  return applyPlaceOrder(s, place, emit);
}
