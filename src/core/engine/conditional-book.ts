// The armed conditional orders (state) and their trigger index (derived: rebuilt on restore from each order's
// trigger rule and, for trailing stops, the best price seen since placement). docs/conditional-orders.md.

import { assert } from '../assert.js';
import type { TriggerSource } from '../rulebooks/conditional.js';
import { ConditionalIndex, type TriggerDirection, type TriggerRule } from '../triggers/conditional-index.js';
import type { Price, Size } from '../units/index.js';
import type { ConditionalType } from './commands.js';

export interface ConditionalOrder {
  /** Placement sequence in this book: the time priority among orders firing at one trigger price. */
  readonly handle: number;
  readonly account: string;
  readonly market: string;
  readonly id: string;
  readonly type: ConditionalType;
  readonly side: 'buy' | 'sell';
  readonly source: TriggerSource;
  /** down: fires when the source's price <= trigger; up: when >= trigger. */
  readonly direction: TriggerDirection;
  readonly rule: TriggerRule;
  readonly limitPrice: Price | null;
  /** null: the position's size when it fires (closePosition). */
  readonly size: Size | null;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly expiresMs: number | null;
}

/** An order as a snapshot holds it: with its trailing anchor (the best price since placement; null when fixed). */
export interface ConditionalSnapshot extends ConditionalOrder {
  readonly best: bigint | null;
}

export const laneOf = (market: string, source: TriggerSource): string => `${market}|${source}`;
const keyOf = (account: string, market: string, id: string): string => `${account}#${market}#${id}`;

/** Expiry times in a lazy min-heap of [expiresMs, handle]: entries of orders gone or amended are dropped when met. */
class ExpiryQueue {
  private heap: [number, number][] = [];

  get length(): number {
    return this.heap.length;
  }

  private less(a: [number, number], b: [number, number]): boolean {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }

  push(entry: [number, number]): void {
    const h = this.heap;
    h.push(entry);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as [number, number], h[p] as [number, number])) break;
      [h[i], h[p]] = [h[p] as [number, number], h[i] as [number, number]];
      i = p;
    }
  }

  top(): [number, number] | undefined {
    return this.heap[0];
  }

  pop(): void {
    const h = this.heap;
    const last = h.pop() as [number, number];
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as [number, number], h[m] as [number, number])) m = l;
      if (r < h.length && this.less(h[r] as [number, number], h[m] as [number, number])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as [number, number], h[i] as [number, number]];
      i = m;
    }
  }

  rebuild(entries: [number, number][]): void {
    this.heap = [];
    for (const e of entries) this.push(e);
  }
}

export class ConditionalBook {
  /** By handle, in placement order (an amend keeps the place). */
  readonly orders = new Map<number, ConditionalOrder>();
  private readonly byKey = new Map<string, number>();
  /** Each account's handles, in placement order. */
  private readonly byAccount = new Map<string, Set<number>>();
  private readonly perAccountMarket = new Map<string, number>();
  readonly index = new ConditionalIndex();
  private readonly expiry = new ExpiryQueue();
  nextHandle = 1;

  get size(): number {
    return this.orders.size;
  }

  find(account: string, market: string, id: string): ConditionalOrder | undefined {
    const h = this.byKey.get(keyOf(account, market, id));
    return h === undefined ? undefined : this.orders.get(h);
  }

  countOf(account: string, market: string): number {
    return this.perAccountMarket.get(`${account}|${market}`) ?? 0;
  }

  /** Arms an order (its handle already taken from nextHandle, or restored); `best`: a trailing order's anchor. */
  add(o: ConditionalOrder, best: bigint | null): void {
    assert(!this.orders.has(o.handle), 'ConditionalBook.add: handle in use');
    this.orders.set(o.handle, o);
    this.byKey.set(keyOf(o.account, o.market, o.id), o.handle);
    let set = this.byAccount.get(o.account);
    if (set === undefined) this.byAccount.set(o.account, (set = new Set()));
    set.add(o.handle);
    const am = `${o.account}|${o.market}`;
    this.perAccountMarket.set(am, (this.perAccountMarket.get(am) ?? 0) + 1);
    this.index.arm(o.handle, laneOf(o.market, o.source), o.direction, o.rule, o.handle, best);
    if (o.expiresMs !== null) this.expiry.push([o.expiresMs, o.handle]);
  }

  /** Replaces an armed order by its amended version (same handle, same place, same anchor). */
  replace(o: ConditionalOrder): void {
    const best = this.index.bestOf(o.handle);
    this.index.disarm(o.handle);
    this.orders.set(o.handle, o);
    this.index.arm(o.handle, laneOf(o.market, o.source), o.direction, o.rule, o.handle, best);
    if (o.expiresMs !== null) this.expiry.push([o.expiresMs, o.handle]);
  }

  /** Forgets an order; `armed`: whether it is still in the index (a fired one has left it). */
  remove(handle: number, armed: boolean): ConditionalOrder {
    const o = this.orders.get(handle);
    assert(o !== undefined, 'ConditionalBook.remove: unknown handle');
    if (armed) this.index.disarm(handle);
    this.orders.delete(handle);
    this.byKey.delete(keyOf(o.account, o.market, o.id));
    const set = this.byAccount.get(o.account) as Set<number>;
    set.delete(handle);
    if (set.size === 0) this.byAccount.delete(o.account);
    const am = `${o.account}|${o.market}`;
    const n = (this.perAccountMarket.get(am) ?? 1) - 1;
    if (n === 0) this.perAccountMarket.delete(am);
    else this.perAccountMarket.set(am, n);
    // Stale expiry entries are dropped when met; many of them are swept at once.
    if (this.expiry.length > 2 * this.orders.size + 64) this.sweepExpiry();
    return o;
  }

  private sweepExpiry(): void {
    const entries: [number, number][] = [];
    for (const o of this.orders.values()) if (o.expiresMs !== null) entries.push([o.expiresMs, o.handle]);
    this.expiry.rebuild(entries);
  }

  /** The account's orders (in `market` only, when given), in placement order. */
  ofAccount(account: string, market: string | null): ConditionalOrder[] {
    const set = this.byAccount.get(account);
    if (set === undefined) return [];
    const out: ConditionalOrder[] = [];
    for (const h of set) {
      const o = this.orders.get(h) as ConditionalOrder;
      if (market === null || o.market === market) out.push(o);
    }
    return out;
  }

  /** Orders whose expiry is at or before `nowMs`, by expiry then placement; not removed. */
  expired(nowMs: number): ConditionalOrder[] {
    const out: ConditionalOrder[] = [];
    const seen = new Set<number>();
    for (let top = this.expiry.top(); top !== undefined && top[0] <= nowMs; top = this.expiry.top()) {
      this.expiry.pop();
      const o = this.orders.get(top[1]);
      // An entry of an order gone, or of an expiry since amended, is stale.
      if (o === undefined || o.expiresMs !== top[0] || seen.has(o.handle)) continue;
      seen.add(o.handle);
      out.push(o);
    }
    return out;
  }

  snapshot(): { nextHandle: number; orders: ConditionalSnapshot[] } {
    return { nextHandle: this.nextHandle, orders: [...this.orders.values()].map((o) => ({ ...o, best: this.index.bestOf(o.handle) })) };
  }

  static restore(snap: { nextHandle: number; orders: readonly ConditionalSnapshot[] } | undefined): ConditionalBook {
    const b = new ConditionalBook();
    if (snap === undefined) return b;
    b.nextHandle = snap.nextHandle;
    for (const { best, ...o } of snap.orders) b.add(o, best);
    return b;
  }
}
