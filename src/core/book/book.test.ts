import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { price, size, type Price, type Size } from '../units/index.js';
import {
  OrderBook,
  type BookConfig,
  type BookFill,
  type BookSide,
  type OrderRequest,
  type PlaceResult,
  type RestingOrder,
  type SelfTradePolicy,
  type TimeInForce,
} from './index.js';

const p = (n: bigint): Price => price(n);
const s = (n: bigint): Size => size(n);

function book(over: Partial<BookConfig> = {}): OrderBook {
  return new OrderBook({
    market: 'BTC-PERP',
    tickSize: p(10n),
    stepSize: s(1n),
    maxOrders: 100,
    selfTrade: 'cancel_resting',
    ...over,
  });
}

function order(
  id: string,
  owner: string,
  side: BookSide,
  px: bigint,
  sz: bigint,
  tif: TimeInForce = 'gtc',
): OrderRequest {
  return { id, owner, side, price: p(px), size: s(sz), tif };
}

function placed(b: OrderBook, req: OrderRequest): Extract<PlaceResult, { ok: true }> {
  const r = b.place(req);
  if (!r.ok) throw new Error(`unexpected rejection ${r.reason} for ${req.id}`);
  return r;
}

function fill(maker: string, makerOwner: string, taker: string, takerOwner: string, side: BookSide, px: bigint, sz: bigint): BookFill {
  return { makerOrderId: maker, makerOwner, takerOrderId: taker, takerOwner, side, price: p(px), size: s(sz) };
}

describe('OrderBook matching', () => {
  it('fills two orders at the same price in arrival order', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('b1', 'bob', 'sell', 100n, 5n));
    const r = placed(b, order('c1', 'carol', 'buy', 100n, 7n, 'ioc'));
    expect(r.fills).toEqual([
      fill('a1', 'alice', 'c1', 'carol', 'buy', 100n, 5n),
      fill('b1', 'bob', 'c1', 'carol', 'buy', 100n, 2n),
    ]);
    expect(r.restingSize).toBe(0n);
    expect(r.droppedSize).toBe(0n);
    expect(b.get('a1')).toBeNull();
    expect(b.get('b1')).toEqual({ id: 'b1', owner: 'bob', side: 'sell', price: 100n, size: 3n, placedSize: 5n, seq: 2 });
    expect(b.bestAsk()).toEqual({ price: 100n, size: 3n, orders: 1 });
  });

  it('takes the better price first, whatever the arrival order', () => {
    const b = book();
    placed(b, order('hi', 'alice', 'sell', 110n, 5n));
    placed(b, order('lo', 'bob', 'sell', 100n, 5n));
    placed(b, order('bid-lo', 'alice', 'buy', 80n, 5n));
    placed(b, order('bid-hi', 'bob', 'buy', 90n, 5n));
    const buy = placed(b, order('t1', 'carol', 'buy', 110n, 8n));
    expect(buy.fills).toEqual([
      fill('lo', 'bob', 't1', 'carol', 'buy', 100n, 5n),
      fill('hi', 'alice', 't1', 'carol', 'buy', 110n, 3n),
    ]);
    const sell = placed(b, order('t2', 'carol', 'sell', 80n, 6n));
    expect(sell.fills).toEqual([
      fill('bid-hi', 'bob', 't2', 'carol', 'sell', 90n, 5n),
      fill('bid-lo', 'alice', 't2', 'carol', 'sell', 80n, 1n),
    ]);
    expect(b.depth(5)).toEqual({ bids: [[80n, 4n]], asks: [[110n, 2n]] });
  });

  it('a gtc taker fills what crosses and rests the remainder at its limit', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 4n));
    const r = placed(b, order('c1', 'carol', 'buy', 120n, 10n));
    expect(r.fills).toEqual([fill('a1', 'alice', 'c1', 'carol', 'buy', 100n, 4n)]);
    expect(r.restingSize).toBe(6n);
    expect(r.droppedSize).toBe(0n);
    expect(b.bestBid()).toEqual({ price: 120n, size: 6n, orders: 1 });
    expect(b.bestAsk()).toBeNull();
    expect(b.get('c1')).toEqual({ id: 'c1', owner: 'carol', side: 'buy', price: 120n, size: 6n, placedSize: 10n, seq: 2 });
  });

  it('the limit price bounds the worst price taken', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('a2', 'alice', 'sell', 110n, 5n));
    const r = placed(b, order('c1', 'carol', 'buy', 100n, 8n, 'ioc'));
    expect(r.fills).toEqual([fill('a1', 'alice', 'c1', 'carol', 'buy', 100n, 5n)]);
    expect(r.droppedSize).toBe(3n);
    expect(b.depth(5)).toEqual({ bids: [], asks: [[110n, 5n]] });
  });

  it('an ioc never rests: its remainder is dropped', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 2n));
    const r = placed(b, order('c1', 'carol', 'buy', 200n, 5n, 'ioc'));
    expect(r.fills).toEqual([fill('a1', 'alice', 'c1', 'carol', 'buy', 100n, 2n)]);
    expect(r.restingSize).toBe(0n);
    expect(r.droppedSize).toBe(3n);
    expect(b.get('c1')).toBeNull();
    expect(b.orderCount).toBe(0);
    const none = placed(b, order('c2', 'carol', 'sell', 10n, 5n, 'ioc'));
    expect(none).toEqual({
      ok: true,
      fills: [],
      restingSize: 0n,
      droppedSize: 5n,
      selfTradeCancelledTaker: false,
      cancelledSelfTrades: [],
    });
  });

  it('post_only rests when it does not cross and is refused, with no change, when it would', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    const before = JSON.stringify(b.snapshot());
    expect(b.place(order('c1', 'carol', 'buy', 100n, 5n, 'post_only'))).toEqual({ ok: false, reason: 'would_cross' });
    expect(JSON.stringify(b.snapshot())).toBe(before);
    const r = placed(b, order('c2', 'carol', 'buy', 90n, 5n, 'post_only'));
    expect(r.fills).toEqual([]);
    expect(r.restingSize).toBe(5n);
    expect(b.bestBid()).toEqual({ price: 90n, size: 5n, orders: 1 });
    // The rejected placement did not consume a sequence number.
    expect(b.get('c2')?.seq).toBe(2);
  });
});

describe('OrderBook rejections', () => {
  it('refuses off-tick prices and off-step sizes', () => {
    const b = book({ tickSize: p(10n), stepSize: s(5n) });
    expect(b.place(order('x', 'o', 'buy', 105n, 5n))).toEqual({ ok: false, reason: 'off_tick' });
    expect(b.place(order('x', 'o', 'buy', 100n, 7n))).toEqual({ ok: false, reason: 'off_step' });
    expect(b.place(order('x', 'o', 'buy', 100n, 10n)).ok).toBe(true);
  });

  it('refuses bad ids, owners, sizes, prices and duplicates, in a fixed precedence', () => {
    const b = book({ tickSize: p(10n), stepSize: s(5n) });
    placed(b, order('live', 'o', 'buy', 100n, 5n));
    const cases: [OrderRequest, string][] = [
      [order('', '', 'buy', 0n, 0n), 'bad_id'],
      [order('x', '', 'buy', 0n, 0n), 'bad_owner'],
      [order('x', 'o', 'buy', 3n, 0n), 'bad_size'],
      [order('x', 'o', 'buy', 3n, -5n), 'bad_size'],
      [order('x', 'o', 'buy', 3n, 7n), 'off_step'],
      [order('x', 'o', 'buy', 0n, 5n), 'bad_price'],
      [order('x', 'o', 'buy', -10n, 5n), 'bad_price'],
      [order('live', 'o', 'buy', 3n, 5n), 'off_tick'],
      [order('live', 'o', 'buy', 100n, 5n), 'duplicate_id'],
    ];
    for (const [req, reason] of cases) expect(b.place(req)).toEqual({ ok: false, reason });
    expect(b.orderCount).toBe(1);
  });

  it('an id is a duplicate only while its order rests', () => {
    const b = book();
    placed(b, order('x', 'o', 'buy', 100n, 5n));
    expect(b.cancel('x').ok).toBe(true);
    expect(placed(b, order('x', 'o', 'buy', 100n, 5n)).restingSize).toBe(5n);
  });

  it('book_full refuses only orders that would add a resting order', () => {
    const b = book({ maxOrders: 2 });
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('a2', 'alice', 'sell', 110n, 5n));
    expect(b.place(order('c1', 'carol', 'buy', 90n, 1n))).toEqual({ ok: false, reason: 'book_full' });
    expect(b.place(order('c1', 'carol', 'sell', 120n, 1n, 'post_only'))).toEqual({ ok: false, reason: 'book_full' });
    // would_cross comes before book_full.
    expect(b.place(order('c1', 'carol', 'buy', 100n, 1n, 'post_only'))).toEqual({ ok: false, reason: 'would_cross' });
    // An ioc never rests, a crossing gtc frees a slot before it rests.
    expect(placed(b, order('c1', 'carol', 'buy', 90n, 1n, 'ioc')).droppedSize).toBe(1n);
    const r = placed(b, order('c2', 'carol', 'buy', 100n, 8n));
    expect(r.fills).toEqual([fill('a1', 'alice', 'c2', 'carol', 'buy', 100n, 5n)]);
    expect(r.restingSize).toBe(3n);
    expect(b.orderCount).toBe(2);
  });
});

describe('OrderBook cancels', () => {
  it('cancel removes one order and reports unknown ids', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('a2', 'alice', 'sell', 100n, 3n));
    expect(b.cancel('a1')).toEqual({
      ok: true,
      order: { id: 'a1', owner: 'alice', side: 'sell', price: 100n, size: 5n, placedSize: 5n, seq: 1 },
    });
    expect(b.cancel('a1')).toEqual({ ok: false, reason: 'unknown_id' });
    expect(b.bestAsk()).toEqual({ price: 100n, size: 3n, orders: 1 });
    expect(b.cancel('a2').ok).toBe(true);
    expect(b.bestAsk()).toBeNull();
    expect(b.depth(3)).toEqual({ bids: [], asks: [] });
  });

  it('cancelAllOf removes an owner’s orders on both sides, in arrival order, and leaves others', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 120n, 5n));
    placed(b, order('b1', 'bob', 'sell', 120n, 5n));
    placed(b, order('a2', 'alice', 'buy', 90n, 2n));
    placed(b, order('a3', 'alice', 'sell', 110n, 1n));
    placed(b, order('c1', 'carol', 'buy', 110n, 1n, 'ioc')); // takes a3 whole
    expect(b.ordersOf('alice').map((o) => o.id)).toEqual(['a1', 'a2']);
    const gone = b.cancelAllOf('alice');
    expect(gone).toEqual([
      { id: 'a1', owner: 'alice', side: 'sell', price: 120n, size: 5n, placedSize: 5n, seq: 1 },
      { id: 'a2', owner: 'alice', side: 'buy', price: 90n, size: 2n, placedSize: 2n, seq: 3 },
    ]);
    expect(b.cancelAllOf('alice')).toEqual([]);
    expect(b.ordersOf('alice')).toEqual([]);
    expect(b.depth(5)).toEqual({ bids: [], asks: [[120n, 5n]] });
    expect(b.ordersOf('bob').map((o) => o.id)).toEqual(['b1']);
  });
});

describe('OrderBook self-trade prevention', () => {
  it('cancel_resting cancels the owner’s resting order and keeps matching', () => {
    const b = book({ selfTrade: 'cancel_resting' });
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('b1', 'bob', 'sell', 100n, 5n));
    placed(b, order('a2', 'alice', 'sell', 110n, 5n));
    const r = placed(b, order('a3', 'alice', 'buy', 110n, 8n));
    expect(r.fills).toEqual([fill('b1', 'bob', 'a3', 'alice', 'buy', 100n, 5n)]);
    expect(r.cancelledSelfTrades).toEqual([
      { id: 'a1', owner: 'alice', side: 'sell', price: 100n, size: 5n, placedSize: 5n, seq: 1 },
      { id: 'a2', owner: 'alice', side: 'sell', price: 110n, size: 5n, placedSize: 5n, seq: 3 },
    ]);
    expect(r.selfTradeCancelledTaker).toBe(false);
    expect(r.restingSize).toBe(3n);
    expect(b.depth(5)).toEqual({ bids: [[110n, 3n]], asks: [] });
  });

  it('cancel_taker cancels the rest of the taker and leaves the owner’s resting order', () => {
    const b = book({ selfTrade: 'cancel_taker' });
    placed(b, order('b1', 'bob', 'sell', 100n, 5n));
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('b2', 'bob', 'sell', 1010n, 5n));
    const r = placed(b, order('a2', 'alice', 'buy', 1010n, 15n));
    expect(r.fills).toEqual([fill('b1', 'bob', 'a2', 'alice', 'buy', 100n, 5n)]);
    expect(r.cancelledSelfTrades).toEqual([]);
    expect(r.selfTradeCancelledTaker).toBe(true);
    expect(r.restingSize).toBe(0n);
    expect(r.droppedSize).toBe(10n);
    expect(b.get('a1')?.size).toBe(5n);
    expect(b.get('a2')).toBeNull();
    expect(b.depth(5)).toEqual({ bids: [], asks: [[100n, 5n], [1010n, 5n]] });
  });

  it('applies to the resting orders of every owner the taker is linked with (Mango 2022: one trader, two accounts)', () => {
    const b = book({ selfTrade: 'cancel_resting' });
    placed(b, order('x1', 'avi-2', 'sell', 100n, 5n));
    placed(b, order('b1', 'bob', 'sell', 110n, 5n));
    const linked = new Set(['avi-1', 'avi-2']);
    const r = b.place(order('a1', 'avi-1', 'buy', 110n, 8n), (owner) => linked.has(owner));
    expect(r.ok && r.cancelledSelfTrades.map((o) => o.id)).toEqual(['x1']);
    expect(r.ok && r.fills).toEqual([fill('b1', 'bob', 'a1', 'avi-1', 'buy', 110n, 5n)]);
    // Without the link the two accounts would have traded.
    const unlinked = book({ selfTrade: 'cancel_resting' });
    placed(unlinked, order('x1', 'avi-2', 'sell', 100n, 5n));
    expect(placed(unlinked, order('a1', 'avi-1', 'buy', 110n, 8n)).fills).toEqual([fill('x1', 'avi-2', 'a1', 'avi-1', 'buy', 100n, 5n)]);
  });
});

describe('OrderBook reads', () => {
  it('depth aggregates orders per level, best first, up to the asked number of levels', () => {
    const b = book();
    placed(b, order('b1', 'x', 'buy', 90n, 1n));
    placed(b, order('b2', 'y', 'buy', 90n, 2n));
    placed(b, order('b3', 'x', 'buy', 70n, 4n));
    placed(b, order('b4', 'y', 'buy', 80n, 8n));
    placed(b, order('s1', 'x', 'sell', 130n, 1n));
    placed(b, order('s2', 'y', 'sell', 110n, 2n));
    placed(b, order('s3', 'z', 'sell', 110n, 3n));
    expect(b.depth(2)).toEqual({
      bids: [
        [90n, 3n],
        [80n, 8n],
      ],
      asks: [
        [110n, 5n],
        [130n, 1n],
      ],
    });
    expect(b.depth(0)).toEqual({ bids: [], asks: [] });
    expect(b.depth(10).bids).toEqual([
      [90n, 3n],
      [80n, 8n],
      [70n, 4n],
    ]);
    expect(b.bestBid()).toEqual({ price: 90n, size: 3n, orders: 2 });
    expect(b.bestAsk()).toEqual({ price: 110n, size: 5n, orders: 2 });
    expect(b.mid()).toBe(100n);
  });

  it('mid is the floor of the average of the best prices, null with an empty side', () => {
    const b = book({ tickSize: p(1n) });
    expect(b.mid()).toBeNull();
    placed(b, order('b', 'x', 'buy', 100n, 1n));
    expect(b.mid()).toBeNull();
    placed(b, order('a', 'y', 'sell', 111n, 1n));
    expect(b.mid()).toBe(105n);
  });

  it('quoteTake estimates a take without changing the book', () => {
    const b = book();
    placed(b, order('a1', 'x', 'sell', 100n, 5n));
    placed(b, order('a2', 'y', 'sell', 110n, 5n));
    const before = JSON.stringify(b.snapshot());
    expect(b.quoteTake('buy', s(7n))).toEqual({ filledSize: 7n, sumPriceTimesSize: 720n, worstPrice: 110n, complete: true });
    expect(b.quoteTake('buy', s(7n), p(100n))).toEqual({
      filledSize: 5n,
      sumPriceTimesSize: 500n,
      worstPrice: 100n,
      complete: false,
    });
    expect(b.quoteTake('buy', s(20n))).toEqual({ filledSize: 10n, sumPriceTimesSize: 1050n, worstPrice: 110n, complete: false });
    expect(b.quoteTake('sell', s(1n))).toEqual({ filledSize: 0n, sumPriceTimesSize: 0n, worstPrice: null, complete: false });
    expect(b.quoteTake('buy', s(0n))).toEqual({ filledSize: 0n, sumPriceTimesSize: 0n, worstPrice: null, complete: true });
    expect(JSON.stringify(b.snapshot())).toBe(before);
  });

  it('impactPrice finds the level where a notional is reached, in whole steps', () => {
    const b = book({ stepSize: s(2n) });
    placed(b, order('a1', 'x', 'sell', 100n, 4n));
    placed(b, order('a2', 'y', 'sell', 110n, 6n));
    // 400 at 100, then 150 more at 110: ceil(150 / 220) = 1 step of 2.
    expect(b.impactPrice('buy', 550n)).toEqual({ price: 110n, filledSize: 6n, sumPriceTimesSize: 620n });
    expect(b.impactPrice('buy', 400n)).toEqual({ price: 100n, filledSize: 4n, sumPriceTimesSize: 400n });
    expect(b.impactPrice('buy', 1060n)).toEqual({ price: 110n, filledSize: 10n, sumPriceTimesSize: 1060n });
    expect(b.impactPrice('buy', 1061n)).toBeNull();
    expect(b.impactPrice('sell', 1n)).toBeNull();
  });
});

describe('OrderBook snapshot', () => {
  it('is plain JSON in arrival order, and a restored book fills exactly like the original', () => {
    const b = book({ selfTrade: 'cancel_taker', maxOrders: 7 });
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('b1', 'bob', 'sell', 100n, 5n));
    placed(b, order('c1', 'carol', 'buy', 90n, 3n));
    placed(b, order('t', 'dan', 'buy', 100n, 2n, 'ioc'));
    const snap = b.snapshot();
    expect(snap).toEqual({
      formatVersion: 1,
      market: 'BTC-PERP',
      tickSize: '10',
      stepSize: '1',
      maxOrders: 7,
      selfTrade: 'cancel_taker',
      nextSeq: 5,
      orders: [
        { id: 'a1', owner: 'alice', side: 'sell', price: '100', size: '3', placedSize: '5', seq: 1 },
        { id: 'b1', owner: 'bob', side: 'sell', price: '100', size: '5', placedSize: '5', seq: 2 },
        { id: 'c1', owner: 'carol', side: 'buy', price: '90', size: '3', placedSize: '3', seq: 3 },
      ],
    });
    const r = OrderBook.restore(JSON.parse(JSON.stringify(snap)));
    expect(JSON.stringify(r.snapshot())).toBe(JSON.stringify(snap));
    const next = [order('x1', 'erin', 'sell', 100n, 1n), order('x2', 'bob', 'buy', 100n, 20n), order('x3', 'dan', 'sell', 90n, 4n)];
    for (const req of next) expect(r.place(req)).toEqual(b.place(req));
    expect(r.snapshot()).toEqual(b.snapshot());
  });
});

describe('OrderBook restore of a corrupt snapshot', () => {
  it('fails an assertion (the journal verifies snapshots by hash, so this is a bug, not an input)', () => {
    const b = book();
    placed(b, order('a1', 'alice', 'sell', 100n, 5n));
    placed(b, order('b1', 'bob', 'buy', 90n, 5n));
    const snap = b.snapshot();
    const crossed = { ...snap, orders: snap.orders.map((o) => (o.id === 'b1' ? { ...o, price: '100' } : o)) };
    expect(() => OrderBook.restore(crossed)).toThrow(AssertionError);
    const offTick = { ...snap, orders: snap.orders.map((o) => (o.id === 'b1' ? { ...o, price: '95' } : o)) };
    expect(() => OrderBook.restore(offTick)).toThrow('book.restore: price off tick');
    const hex = { ...snap, orders: snap.orders.map((o) => (o.id === 'b1' ? { ...o, size: '0x5' } : o)) };
    expect(() => OrderBook.restore(hex)).toThrow('book.restore: not a decimal integer');
    const staleSeq = { ...snap, nextSeq: 2 };
    expect(() => OrderBook.restore(staleSeq)).toThrow('book.restore: seq not below nextSeq');
  });
});

// ---- Property tests against a naive reference ----------------------------------------------------------------

/** A deliberately simple book: one array, sorted afresh for every match. The spec, not the implementation. */
class RefBook {
  orders: RestingOrder[] = [];
  seq = 1;

  constructor(readonly cfg: { tick: bigint; step: bigint; max: number; selfTrade: SelfTradePolicy }) {}

  private makersFor(side: BookSide, limit: bigint): RestingOrder[] {
    return this.orders
      .filter((o) => o.side !== side && (side === 'buy' ? o.price <= limit : o.price >= limit))
      .sort((a, b) => {
        if (a.price !== b.price) return (side === 'buy' ? a.price < b.price : a.price > b.price) ? -1 : 1;
        return a.seq - b.seq;
      });
  }

  place(req: OrderRequest): PlaceResult {
    const reject = (reason: Extract<PlaceResult, { ok: false }>['reason']): PlaceResult => ({ ok: false, reason });
    if (req.id === '') return reject('bad_id');
    if (req.owner === '') return reject('bad_owner');
    if (req.size <= 0n) return reject('bad_size');
    if (req.size % this.cfg.step !== 0n) return reject('off_step');
    if (req.price <= 0n) return reject('bad_price');
    if (req.price % this.cfg.tick !== 0n) return reject('off_tick');
    if (this.orders.some((o) => o.id === req.id)) return reject('duplicate_id');
    const crosses = this.makersFor(req.side, req.price).length > 0;
    if (req.tif === 'post_only' && crosses) return reject('would_cross');
    if (req.tif !== 'ioc' && !crosses && this.orders.length >= this.cfg.max) return reject('book_full');
    const seq = this.seq++;
    let rem = req.size as bigint;
    const fills: BookFill[] = [];
    const cancelledSelfTrades: RestingOrder[] = [];
    let stc = false;
    while (rem > 0n) {
      const m = this.makersFor(req.side, req.price)[0];
      if (m === undefined) break;
      if (m.owner === req.owner) {
        if (this.cfg.selfTrade === 'cancel_taker') {
          stc = true;
          break;
        }
        cancelledSelfTrades.push(m);
        this.orders = this.orders.filter((o) => o !== m);
        continue;
      }
      const q = rem < m.size ? rem : m.size;
      fills.push({
        makerOrderId: m.id,
        makerOwner: m.owner,
        takerOrderId: req.id,
        takerOwner: req.owner,
        side: req.side,
        price: m.price,
        size: s(q),
      });
      rem -= q;
      const left = m.size - q;
      this.orders = left === 0n ? this.orders.filter((o) => o !== m) : this.orders.map((o) => (o === m ? { ...m, size: s(left) } : o));
    }
    let restingSize = 0n;
    if (rem > 0n && req.tif !== 'ioc' && !stc) {
      this.orders.push({ id: req.id, owner: req.owner, side: req.side, price: req.price, size: s(rem), placedSize: req.size, seq });
      restingSize = rem;
    }
    return {
      ok: true,
      fills,
      restingSize: s(restingSize),
      droppedSize: s(rem - restingSize),
      selfTradeCancelledTaker: stc,
      cancelledSelfTrades,
    };
  }

  cancel(id: string): RestingOrder | null {
    const o = this.orders.find((x) => x.id === id);
    if (o === undefined) return null;
    this.orders = this.orders.filter((x) => x !== o);
    return o;
  }

  cancelAllOf(owner: string): RestingOrder[] {
    const mine = this.ordersOf(owner);
    this.orders = this.orders.filter((x) => x.owner !== owner);
    return mine;
  }

  ordersOf(owner: string): RestingOrder[] {
    return this.orders.filter((x) => x.owner === owner).sort((a, b) => a.seq - b.seq);
  }

  depth(): { bids: [bigint, bigint][]; asks: [bigint, bigint][] } {
    const side = (sd: BookSide): [bigint, bigint][] => {
      const m = new Map<bigint, bigint>();
      for (const o of this.orders) if (o.side === sd) m.set(o.price, (m.get(o.price) ?? 0n) + o.size);
      return [...m.entries()].sort((a, b) => (sd === 'buy' ? (a[0] > b[0] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    };
    return { bids: side('buy'), asks: side('sell') };
  }

  /** Unit by unit: the first level at which Σ price × size reaches the target, taking whole steps. */
  impact(side: BookSide, target: bigint): { price: bigint; filledSize: bigint; sumPriceTimesSize: bigint } | null {
    const levels = side === 'buy' ? this.depth().asks : this.depth().bids;
    let filled = 0n;
    let sum = 0n;
    for (const [px, sz] of levels) {
      for (let taken = 0n; taken < sz; taken += this.cfg.step) {
        filled += this.cfg.step;
        sum += px * this.cfg.step;
        if (sum >= target) return { price: px, filledSize: filled, sumPriceTimesSize: sum };
      }
    }
    return null;
  }
}

type Op =
  | {
      kind: 'place';
      owner: number;
      side: BookSide;
      ticks: number;
      steps: number;
      tif: TimeInForce;
      reuse: number | null;
      offTick: boolean;
      offStep: boolean;
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'cancelAll'; owner: number }
  | { kind: 'impact'; side: BookSide; target: number }
  | { kind: 'restore' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      owner: fc.integer({ min: 0, max: 3 }),
      side: fc.constantFrom<BookSide>('buy', 'sell'),
      ticks: fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.constant(0) }),
      steps: fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constant(0) }),
      tif: fc.constantFrom<TimeInForce>('gtc', 'gtc', 'ioc', 'post_only'),
      reuse: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
      offTick: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      offStep: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelAll' as const), owner: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('impact' as const),
      side: fc.constantFrom<BookSide>('buy', 'sell'),
      target: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
);

const TICK = 10n;
const STEP = 5n;

/** Per placement: where its size went. placed = filled + resting + cancelled + dropped, always. */
interface Ledger {
  id: string;
  placed: bigint;
  filled: bigint;
  cancelled: bigint;
  dropped: bigint;
  live: boolean;
}

describe('OrderBook properties', () => {
  it('matches the naive reference, conserves size, respects limits and is never crossed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SelfTradePolicy>('cancel_resting', 'cancel_taker'),
        fc.integer({ min: 1, max: 12 }),
        fc.array(opArb, { minLength: 1, maxLength: 120, size: 'max' }),
        (selfTrade, maxOrders, ops) => {
          let b = new OrderBook({ market: 'M', tickSize: p(TICK), stepSize: s(STEP), maxOrders, selfTrade });
          const ref = new RefBook({ tick: TICK, step: STEP, max: maxOrders, selfTrade });
          const ids: string[] = [];
          const ledgers = new Map<string, Ledger>(); // the live ledger of each id
          const all: Ledger[] = [];
          const closeIfGone = (id: string): void => {
            const l = ledgers.get(id);
            if (l !== undefined && b.get(id) === null) {
              l.live = false;
              ledgers.delete(id);
            }
          };

          for (const op of ops) {
            switch (op.kind) {
              case 'place': {
                const id = op.reuse !== null && ids.length > 0 ? (ids[op.reuse % ids.length] ?? 'never') : `o${ids.length}`;
                if (!ids.includes(id)) ids.push(id);
                const req: OrderRequest = {
                  id,
                  owner: `u${op.owner}`,
                  side: op.side,
                  price: p(BigInt(op.ticks) * TICK + (op.offTick ? 3n : 0n)),
                  size: s(BigInt(op.steps) * STEP + (op.offStep ? 2n : 0n)),
                  tif: op.tif,
                };
                const quote = b.quoteTake(req.side, s(req.size > 0n ? req.size : 0n), req.price);
                const got = b.place(req);
                expect(got).toEqual(ref.place(req));
                if (!got.ok) break;
                const ledger: Ledger = { id, placed: req.size, filled: 0n, cancelled: 0n, dropped: got.droppedSize, live: true };
                all.push(ledger);
                for (const f of got.fills) {
                  // Never worse than the taker's limit.
                  expect(req.side === 'buy' ? f.price <= req.price : f.price >= req.price).toBe(true);
                  expect(f.size > 0n).toBe(true);
                  ledger.filled += f.size;
                  const maker = ledgers.get(f.makerOrderId);
                  expect(maker).toBeDefined();
                  if (maker !== undefined) maker.filled += f.size;
                  closeIfGone(f.makerOrderId);
                }
                for (const c of got.cancelledSelfTrades) {
                  const maker = ledgers.get(c.id);
                  if (maker !== undefined) maker.cancelled += c.size;
                  closeIfGone(c.id);
                }
                if (got.restingSize > 0n) ledgers.set(id, ledger);
                else ledger.live = false;
                // Without self-trade interference the estimate equals the execution.
                if (got.cancelledSelfTrades.length === 0 && !got.selfTradeCancelledTaker && req.tif !== 'post_only') {
                  expect(quote.filledSize).toBe(got.fills.reduce((a, f) => a + f.size, 0n));
                  expect(quote.sumPriceTimesSize).toBe(got.fills.reduce((a, f) => a + f.price * f.size, 0n));
                  expect(quote.worstPrice).toBe(got.fills.at(-1)?.price ?? null);
                }
                break;
              }
              case 'cancel': {
                const id = ids.length === 0 ? 'none' : (ids[op.pick % (ids.length + 1)] ?? 'unknown');
                const got = b.cancel(id);
                const want = ref.cancel(id);
                expect(got).toEqual(want === null ? { ok: false, reason: 'unknown_id' } : { ok: true, order: want });
                if (got.ok) {
                  const l = ledgers.get(id);
                  if (l !== undefined) l.cancelled += got.order.size;
                  closeIfGone(id);
                }
                break;
              }
              case 'cancelAll': {
                const owner = `u${op.owner}`;
                const got = b.cancelAllOf(owner);
                expect(got).toEqual(ref.cancelAllOf(owner));
                for (const o of got) {
                  const l = ledgers.get(o.id);
                  if (l !== undefined) l.cancelled += o.size;
                  closeIfGone(o.id);
                }
                break;
              }
              case 'impact': {
                const target = BigInt(op.target) * 50n;
                expect(b.impactPrice(op.side, target)).toEqual(ref.impact(op.side, target));
                break;
              }
              case 'restore': {
                const twin = OrderBook.restore(JSON.parse(JSON.stringify(b.snapshot())) as ReturnType<OrderBook['snapshot']>);
                expect(twin.snapshot()).toEqual(b.snapshot());
                b = twin; // every later op now runs on the restored book and is checked against the reference
                break;
              }
            }

            // The book agrees with the reference on everything visible.
            const owners = ['u0', 'u1', 'u2', 'u3'];
            expect({ depth: b.depth(1000), count: b.orderCount, mine: owners.map((u) => b.ordersOf(u)) }).toEqual({
              depth: ref.depth(),
              count: ref.orders.length,
              mine: owners.map((u) => ref.ordersOf(u)),
            });
            expect(b.orderCount <= maxOrders).toBe(true);
            // Never crossed.
            const bid = b.bestBid();
            const ask = b.bestAsk();
            if (bid !== null && ask !== null) expect(bid.price < ask.price).toBe(true);
            // Conservation, per placement.
            const unbalanced = all.filter((l) => {
              const resting = l.live ? (b.get(l.id)?.size ?? 0n) : 0n;
              return l.filled + resting + l.cancelled + l.dropped !== l.placed;
            });
            expect(unbalanced).toEqual([]);
          }
        },
      ),
      { seed: 20_240_611, numRuns: 200 },
    );
  });
});
