// The built-in limit order book of one market: price-time priority, depth, and the liquidity liquidation orders
// take (so that they move the price). Resting orders come from scenario commands; takers are liquidations,
// agents or any other order.
//
// Priority: better price first; at one price, earlier arrival first. Arrival is an internal sequence number
// stamped at each accepted placement — there is no clock in the book.
//
// Complexity (n resting orders, L price levels on the side concerned, f maker orders touched by a taker,
// k orders of one owner):
//   place      O(f + log L) + O(L) splice only when a new price level is created away from the top of the book
//   cancel     O(1), plus O(log L + L) when it empties a level that is not the best
//   cancelAllOf / ordersOf   O(k log k) (returned in arrival order) plus the cancels
//   get, bestBid, bestAsk, mid   O(1)
//   depth(d)   O(d)        quoteTake, impactPrice   O(levels walked)
//   snapshot   O(n log n)  restore   O(n log n + n L)
// Every loop is bounded: a taker touches at most maxOrders makers, walks at most L <= maxOrders levels.
//
// Expected bad input (a scenario's order) is rejected with a stable reason code and changes nothing; all
// checks run before the first mutation. Assertions guard the book's own invariants only.

import { assert, unreachable } from '../assert.js';
import type { CodeName } from '../codes.js';
import { divRound, min, price, size, type Price, type Size } from '../units/index.js';
import { Ladder, type BookSide, type Level, type OrderNode } from './ladder.js';

export type { BookSide } from './ladder.js';

/** gtc rests what it cannot fill; ioc fills what it can now and drops the rest; post_only rests or is refused. */
export type TimeInForce = 'gtc' | 'ioc' | 'post_only';

/**
 * What happens when a taker meets a resting order of its own owner:
 * cancel_resting cancels that resting order and matching goes on; cancel_taker cancels the rest of the taker.
 */
export type SelfTradePolicy = 'cancel_resting' | 'cancel_taker';

export interface BookConfig {
  readonly market: string;
  /** Every price is a positive multiple of tickSize. */
  readonly tickSize: Price;
  /** Every order size is a positive multiple of stepSize. */
  readonly stepSize: Size;
  /** Most orders that may rest at once (both sides). Also bounds every loop of the book. */
  readonly maxOrders: number;
  readonly selfTrade: SelfTradePolicy;
}

export interface OrderRequest {
  readonly id: string;
  readonly owner: string;
  readonly side: BookSide;
  /** Limit price: the worst price the taker accepts, and the price at which any remainder rests. */
  readonly price: Price;
  readonly size: Size;
  readonly tif: TimeInForce;
}

/** A resting order as seen from outside: a copy, never the live record. */
export interface RestingOrder {
  readonly id: string;
  readonly owner: string;
  readonly side: BookSide;
  readonly price: Price;
  /** Open size still resting. */
  readonly size: Size;
  /** Size as placed, before any fill. */
  readonly placedSize: Size;
  /** Time priority (arrival sequence within this book). */
  readonly seq: number;
}

export interface BookFill {
  readonly makerOrderId: string;
  readonly makerOwner: string;
  readonly takerOrderId: string;
  readonly takerOwner: string;
  /** The taker's side. */
  readonly side: BookSide;
  /** The maker's price. */
  readonly price: Price;
  readonly size: Size;
}

/**
 * Rejection reasons, checked in this order (the first that applies is reported):
 * bad_id (empty id), bad_owner (empty owner), bad_size (size <= 0), off_step, bad_price (price <= 0), off_tick,
 * duplicate_id (an order with this id rests in the book), would_cross (post_only that would take),
 * book_full (the order would rest and maxOrders already rest).
 */
export type PlaceRejection = CodeName<'book_placement'>;

export type PlaceResult =
  | {
      readonly ok: true;
      /** In execution order. */
      readonly fills: readonly BookFill[];
      /** Size left resting in the book under the order's id (0 when nothing rests). */
      readonly restingSize: Size;
      /** Size neither filled nor rested: an ioc remainder, or the remainder cancelled by cancel_taker. */
      readonly droppedSize: Size;
      /** True when the taker's remainder was cancelled by the cancel_taker self-trade policy. */
      readonly selfTradeCancelledTaker: boolean;
      /** Resting orders of the taker's owner (or its party) cancelled by the cancel_resting policy, in the order met. */
      readonly cancelledSelfTrades: readonly RestingOrder[];
    }
  | { readonly ok: false; readonly reason: PlaceRejection };

export type CancelResult =
  | { readonly ok: true; readonly order: RestingOrder }
  | { readonly ok: false; readonly reason: CodeName<'book_cancel'> };

/** Best level of one side: its price, aggregate open size and number of orders. */
export interface TopOfBook {
  readonly price: Price;
  readonly size: Size;
  readonly orders: number;
}

export interface Depth {
  /** Best first: bids by descending price. */
  readonly bids: readonly (readonly [Price, Size])[];
  /** Best first: asks by ascending price. */
  readonly asks: readonly (readonly [Price, Size])[];
}

/** A non-mutating estimate of a take. Self-trade is not considered (no owner is given). */
export interface TakeQuote {
  readonly filledSize: Size;
  /** Σ price × size over the fills, in price atoms × size atoms; the caller converts to quote units. */
  readonly sumPriceTimesSize: bigint;
  /** Worst (last) maker price touched, or null when nothing would fill. */
  readonly worstPrice: Price | null;
  /** True when the whole requested size would fill. */
  readonly complete: boolean;
}

/** Where a take of a given Σ price × size completes. */
export interface ImpactQuote {
  /** Price of the level at which the target notional is reached (the impact bid/ask price). */
  readonly price: Price;
  /** Size taken, in whole steps: the last level is taken up to the first step that reaches the target. */
  readonly filledSize: Size;
  /** Σ price × size of that take (>= the target). sumPriceTimesSize / filledSize is the average price. */
  readonly sumPriceTimesSize: bigint;
}

export interface BookSnapshotOrder {
  readonly id: string;
  readonly owner: string;
  readonly side: BookSide;
  readonly price: string;
  readonly size: string;
  readonly placedSize: string;
  readonly seq: number;
}

/** Plain JSON data: bigints as decimal strings, orders in arrival (seq) order. */
export interface BookSnapshot {
  readonly formatVersion: 1;
  readonly market: string;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly maxOrders: number;
  readonly selfTrade: SelfTradePolicy;
  readonly nextSeq: number;
  readonly orders: readonly BookSnapshotOrder[];
}

const opposite = (side: BookSide): BookSide => (side === 'buy' ? 'sell' : 'buy');

/** True when a taker on `side` with limit `limit` accepts a maker at `makerPrice`. */
function accepts(side: BookSide, limit: Price, makerPrice: Price): boolean {
  switch (side) {
    case 'buy':
      return makerPrice <= limit;
    case 'sell':
      return makerPrice >= limit;
    default:
      return unreachable(side);
  }
}

function view(node: OrderNode): RestingOrder {
  return {
    id: node.id,
    owner: node.owner,
    side: node.side,
    price: node.price,
    size: node.remaining,
    placedSize: node.placedSize,
    seq: node.seq,
  };
}

const bySeq = (a: OrderNode, b: OrderNode): number => a.seq - b.seq;

export class OrderBook {
  readonly market: string;
  readonly tickSize: Price;
  readonly stepSize: Size;
  readonly maxOrders: number;
  readonly selfTrade: SelfTradePolicy;

  private readonly bids = new Ladder('buy');
  private readonly asks = new Ladder('sell');
  private readonly byId = new Map<string, OrderNode>();
  private readonly byOwner = new Map<string, Map<string, OrderNode>>();
  private nextSeq = 1;

  constructor(config: BookConfig) {
    assert(config.market !== '', 'book: empty market name');
    assert(config.tickSize > 0n, 'book: tickSize must be positive');
    assert(config.stepSize > 0n, 'book: stepSize must be positive');
    assert(Number.isSafeInteger(config.maxOrders), 'book: maxOrders must be an integer');
    assert(config.maxOrders > 0, 'book: maxOrders must be positive');
    this.market = config.market;
    this.tickSize = config.tickSize;
    this.stepSize = config.stepSize;
    this.maxOrders = config.maxOrders;
    this.selfTrade = config.selfTrade;
  }

  /** Number of resting orders (both sides). */
  get orderCount(): number {
    return this.byId.size;
  }

  // ---- Commands ------------------------------------------------------------------------------------------

  /**
   * Places an order: it takes what crosses, in price-time priority, then rests (gtc), drops (ioc) or is refused.
   * Self-trade prevention applies to the taker's own resting orders, and to every resting order whose owner
   * `sameParty` says belongs with the taker (linked accounts: Mango 2022 was two accounts of one trader).
   */
  place(req: OrderRequest, sameParty?: (owner: string) => boolean): PlaceResult {
    const rejection = this.check(req);
    if (rejection !== null) return { ok: false, reason: rejection };
    // ---- From here on the placement succeeds. ----

    const seq = this.nextSeq;
    assert(Number.isSafeInteger(seq + 1), 'book: sequence exhausted');
    this.nextSeq = seq + 1;

    const book = this.ladder(opposite(req.side));
    const fills: BookFill[] = [];
    const cancelledSelfTrades: RestingOrder[] = [];
    let remaining = req.size;
    let selfTradeCancelledTaker = false;

    // post_only passed the would_cross check, so its loop exits at once. Each pass either removes a maker or
    // leaves the taker with nothing remaining, so the loop runs at most (orders resting) + 1 times.
    for (let pass = 0; remaining > 0n; pass++) {
      assert(pass <= this.maxOrders, 'book.place: match loop exceeded maxOrders');
      const level = book.best();
      if (level === null || !accepts(req.side, req.price, level.price)) break;
      const maker = level.head;
      assert(maker !== null, 'book.place: empty level in the ladder');
      assert(req.tif !== 'post_only', 'book.place: post_only reached matching');

      if (maker.owner === req.owner || (sameParty !== undefined && sameParty(maker.owner))) {
        if (this.selfTrade === 'cancel_taker') {
          selfTradeCancelledTaker = true;
          break;
        }
        cancelledSelfTrades.push(view(maker));
        this.unlink(maker);
        continue;
      }

      const qty = min(remaining, maker.remaining);
      fills.push({
        makerOrderId: maker.id,
        makerOwner: maker.owner,
        takerOrderId: req.id,
        takerOwner: req.owner,
        side: req.side,
        price: maker.price,
        size: qty,
      });
      remaining = size(remaining - qty);
      if (qty === maker.remaining) this.unlink(maker);
      else book.reduce(maker, qty);
    }

    let restingSize = size(0n);
    if (remaining > 0n && req.tif !== 'ioc' && !selfTradeCancelledTaker) {
      const best = book.best();
      assert(best === null || !accepts(req.side, req.price, best.price), 'book.place: resting would cross');
      assert(this.byId.size < this.maxOrders, 'book.place: resting past maxOrders (book_full check missed)');
      this.link({
        id: req.id,
        owner: req.owner,
        side: req.side,
        price: req.price,
        placedSize: req.size,
        seq,
        remaining,
        prev: null,
        next: null,
      });
      restingSize = remaining;
    }
    const droppedSize = size(remaining - restingSize);
    return { ok: true, fills, restingSize, droppedSize, selfTradeCancelledTaker, cancelledSelfTrades };
  }

  /** Cancels one resting order. */
  cancel(id: string): CancelResult {
    const node = this.byId.get(id);
    if (node === undefined) return { ok: false, reason: 'unknown_id' };
    const order = view(node);
    this.unlink(node);
    return { ok: true, order };
  }

  /** Cancels every resting order of an owner; returns them in arrival order (empty when it has none). */
  cancelAllOf(owner: string): readonly RestingOrder[] {
    // Most owners hold none (a cross liquidation asks every market's book): no arrays made for them.
    if (!this.byOwner.has(owner)) return NO_ORDERS;
    const nodes = this.nodesOf(owner);
    const out = nodes.map(view);
    for (const node of nodes) this.unlink(node);
    assert(!this.byOwner.has(owner), 'book.cancelAllOf: owner index not emptied');
    return out;
  }

  // ---- Reads ---------------------------------------------------------------------------------------------

  get(id: string): RestingOrder | null {
    const node = this.byId.get(id);
    return node === undefined ? null : view(node);
  }

  /** An owner's resting orders in arrival order. */
  ordersOf(owner: string): RestingOrder[] {
    return this.nodesOf(owner).map(view);
  }

  bestBid(): TopOfBook | null {
    return top(this.bids.best());
  }

  bestAsk(): TopOfBook | null {
    return top(this.asks.best());
  }

  /** floor((best bid + best ask) / 2), or null when a side is empty. */
  mid(): Price | null {
    const bid = this.bids.best();
    const ask = this.asks.best();
    if (bid === null || ask === null) return null;
    return price(divRound(bid.price + ask.price, 2n, 'floor'));
  }

  /** Aggregate size per price for the best `levels` levels of each side, best first. */
  depth(levels: number): Depth {
    assert(Number.isSafeInteger(levels), 'book.depth: levels is not an integer');
    assert(levels >= 0, 'book.depth: negative levels');
    return { bids: aggregate(this.bids, levels), asks: aggregate(this.asks, levels) };
  }

  /**
   * What a taker on `side` for `wanted` would fill now, without changing the book. With `limitPrice`, levels
   * beyond it are not taken (as place() would). Ignores self-trade prevention.
   */
  quoteTake(side: BookSide, wanted: Size, limitPrice?: Price): TakeQuote {
    assert(wanted >= 0n, 'book.quoteTake: negative size');
    const book = this.ladder(opposite(side));
    let filled = 0n;
    let sum = 0n;
    let worst: Price | null = null;
    for (let rank = 0; filled < wanted; rank++) {
      const level = book.levelAt(rank);
      if (level === null) break;
      if (limitPrice !== undefined && !accepts(side, limitPrice, level.price)) break;
      const qty = min(wanted - filled, level.total);
      filled += qty;
      sum += level.price * qty;
      worst = level.price;
    }
    return { filledSize: size(filled), sumPriceTimesSize: sum, worstPrice: worst, complete: filled === wanted };
  }

  /**
   * The level at which a taker on `side` reaches Σ price × size >= `target` (e.g. the impact notional of a
   * funding rule, expressed in price atoms × size atoms), or null when the book is too thin.
   */
  impactPrice(side: BookSide, target: bigint): ImpactQuote | null {
    assert(target > 0n, 'book.impactPrice: target must be positive');
    const book = this.ladder(opposite(side));
    let filled = 0n;
    let sum = 0n;
    for (let rank = 0; ; rank++) {
      const level = book.levelAt(rank);
      if (level === null) return null;
      const rest = target - sum;
      const levelSum = level.price * level.total;
      if (levelSum >= rest) {
        // Smallest whole number of steps whose notional reaches the rest; it fits in the level because the
        // level's total is itself a whole number of steps with enough notional.
        const steps = divRound(rest, level.price * this.stepSize, 'ceil');
        const qty = steps * this.stepSize;
        assert(qty <= level.total, 'book.impactPrice: step rounding exceeded the level');
        filled += qty;
        sum += level.price * qty;
        return { price: level.price, filledSize: size(filled), sumPriceTimesSize: sum };
      }
      filled += level.total;
      sum += levelSum;
    }
  }

  // ---- Snapshot ------------------------------------------------------------------------------------------

  snapshot(): BookSnapshot {
    const nodes = [...this.byId.values()].sort(bySeq);
    return {
      formatVersion: 1,
      market: this.market,
      tickSize: this.tickSize.toString(),
      stepSize: this.stepSize.toString(),
      maxOrders: this.maxOrders,
      selfTrade: this.selfTrade,
      nextSeq: this.nextSeq,
      orders: nodes.map((n) => ({
        id: n.id,
        owner: n.owner,
        side: n.side,
        price: n.price.toString(),
        size: n.remaining.toString(),
        placedSize: n.placedSize.toString(),
        seq: n.seq,
      })),
    };
  }

  /**
   * Rebuilds a book from snapshot(): the result matches the original in every future result. The snapshot is
   * trusted data (the journal verifies it by hash), so a malformed one is a bug and fails an assertion.
   */
  static restore(snap: BookSnapshot): OrderBook {
    assert(snap.formatVersion === 1, 'book.restore: unknown format version');
    const book = new OrderBook({
      market: snap.market,
      tickSize: price(parseInteger(snap.tickSize)),
      stepSize: size(parseInteger(snap.stepSize)),
      maxOrders: snap.maxOrders,
      selfTrade: snap.selfTrade,
    });
    assert(snap.orders.length <= snap.maxOrders, 'book.restore: more orders than maxOrders');
    assert(Number.isSafeInteger(snap.nextSeq), 'book.restore: nextSeq is not an integer');
    assert(snap.nextSeq >= 1, 'book.restore: nextSeq below 1');
    let lastSeq = 0;
    for (const o of snap.orders) {
      const p = price(parseInteger(o.price));
      const remaining = size(parseInteger(o.size));
      const placed = size(parseInteger(o.placedSize));
      assert(o.id !== '', 'book.restore: empty id');
      assert(o.owner !== '', 'book.restore: empty owner');
      assert(o.side === 'buy' || o.side === 'sell', 'book.restore: bad side');
      assert(Number.isSafeInteger(o.seq), 'book.restore: seq is not an integer');
      assert(o.seq > lastSeq, 'book.restore: orders not in increasing seq');
      assert(o.seq < snap.nextSeq, 'book.restore: seq not below nextSeq');
      assert(p > 0n, 'book.restore: non-positive price');
      assert(p % book.tickSize === 0n, 'book.restore: price off tick');
      assert(remaining > 0n, 'book.restore: non-positive size');
      assert(remaining % book.stepSize === 0n, 'book.restore: size off step');
      assert(remaining <= placed, 'book.restore: open size above placed size');
      assert(placed % book.stepSize === 0n, 'book.restore: placed size off step');
      assert(!book.byId.has(o.id), 'book.restore: duplicate id');
      lastSeq = o.seq;
      book.link({
        id: o.id,
        owner: o.owner,
        side: o.side,
        price: p,
        placedSize: placed,
        seq: o.seq,
        remaining,
        prev: null,
        next: null,
      });
    }
    book.nextSeq = snap.nextSeq;
    const bid = book.bids.best();
    const ask = book.asks.best();
    assert(bid === null || ask === null || bid.price < ask.price, 'book.restore: crossed book');
    return book;
  }

  // ---- Internals -----------------------------------------------------------------------------------------

  private ladder(side: BookSide): Ladder {
    return side === 'buy' ? this.bids : this.asks;
  }

  /** All rejections, in their documented precedence. Reads only. */
  private check(req: OrderRequest): PlaceRejection | null {
    if (req.id === '') return 'bad_id';
    if (req.owner === '') return 'bad_owner';
    if (req.size <= 0n) return 'bad_size';
    if (req.size % this.stepSize !== 0n) return 'off_step';
    if (req.price <= 0n) return 'bad_price';
    if (req.price % this.tickSize !== 0n) return 'off_tick';
    if (this.byId.has(req.id)) return 'duplicate_id';
    const best = this.ladder(opposite(req.side)).best();
    const crosses = best !== null && accepts(req.side, req.price, best.price);
    if (req.tif === 'post_only' && crosses) return 'would_cross';
    // An order that crosses can rest only after removing every crossing maker (filled or self-trade
    // cancelled), at least one, so it never grows the book. Only a non-crossing gtc/post_only adds an order.
    if (req.tif !== 'ioc' && !crosses && this.byId.size >= this.maxOrders) return 'book_full';
    return null;
  }

  private link(node: OrderNode): void {
    assert(!this.byId.has(node.id), 'book.link: id already resting');
    assert(this.byId.size < this.maxOrders, 'book.link: book over maxOrders');
    this.ladder(node.side).append(node);
    this.byId.set(node.id, node);
    let mine = this.byOwner.get(node.owner);
    if (mine === undefined) {
      mine = new Map();
      this.byOwner.set(node.owner, mine);
    }
    mine.set(node.id, node);
  }

  private unlink(node: OrderNode): void {
    assert(this.byId.get(node.id) === node, 'book.unlink: order not in the id index');
    this.ladder(node.side).remove(node);
    this.byId.delete(node.id);
    const mine = this.byOwner.get(node.owner);
    assert(mine !== undefined, 'book.unlink: owner not indexed');
    const deleted = mine.delete(node.id);
    assert(deleted, 'book.unlink: order not in the owner index');
    if (mine.size === 0) this.byOwner.delete(node.owner);
  }

  private nodesOf(owner: string): OrderNode[] {
    const mine = this.byOwner.get(owner);
    return mine === undefined ? [] : [...mine.values()].sort(bySeq);
  }
}

const NO_ORDERS: readonly RestingOrder[] = Object.freeze([]);

function top(level: Level | null): TopOfBook | null {
  return level === null ? null : { price: level.price, size: level.total, orders: level.count };
}

function aggregate(ladder: Ladder, levels: number): (readonly [Price, Size])[] {
  const out: (readonly [Price, Size])[] = [];
  for (let rank = 0; rank < levels; rank++) {
    const level = ladder.levelAt(rank);
    if (level === null) break;
    out.push([level.price, level.total]);
  }
  return out;
}

const INTEGER = /^-?\d+$/;

function parseInteger(text: string): bigint {
  assert(INTEGER.test(text), 'book.restore: not a decimal integer');
  return BigInt(text);
}
