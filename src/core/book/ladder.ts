// One side of an order book: price levels kept in priority order, each level a FIFO queue of orders.
//
// Layout: `levels` is sorted from the worst price to the best (bids ascending, asks descending), so the best
// level sits at the end of the array and removing it — the common case while matching — is an O(1) pop.
// Inserting a new level binary-searches its place (O(log L)) and splices (O(L) moves in the worst case, O(1)
// when the new level is at or near the top of the book, where most orders arrive). A Map gives O(1) lookup of an
// existing level by price. Each level is a doubly linked list: append at the tail, pop at the head and unlink
// from the middle (cancel) are all O(1).

import { assert } from '../assert.js';
import { size, type Price, type Size } from '../units/index.js';

export type BookSide = 'buy' | 'sell';

/** The internal, mutable record of a resting order. Never handed out of the book: readers get copies. */
export interface OrderNode {
  readonly id: string;
  readonly owner: string;
  readonly side: BookSide;
  readonly price: Price;
  /** Size of the order as placed (before any fill), kept for accounting and snapshots. */
  readonly placedSize: Size;
  /** Time priority: the book's sequence number at placement. Unique and increasing. */
  readonly seq: number;
  /** Open size still resting. Always > 0 while the node is in a ladder. */
  remaining: Size;
  prev: OrderNode | null;
  next: OrderNode | null;
}

/** One price level: a FIFO queue of orders at the same price, with its aggregate open size. */
export interface Level {
  readonly price: Price;
  head: OrderNode | null;
  tail: OrderNode | null;
  total: Size;
  count: number;
}

export class Ladder {
  readonly side: BookSide;
  /** Worst -> best; the best level is last. */
  private readonly levels: Level[] = [];
  private readonly byPrice = new Map<Price, Level>();

  constructor(side: BookSide) {
    this.side = side;
  }

  /** Number of distinct price levels. */
  get levelCount(): number {
    return this.levels.length;
  }

  /** The best level, or null when this side is empty. O(1). */
  best(): Level | null {
    return this.levels[this.levels.length - 1] ?? null;
  }

  /** The level of rank `rank` counted from the best (0 = best), or null past the last level. O(1). */
  levelAt(rank: number): Level | null {
    assert(Number.isSafeInteger(rank), 'ladder.levelAt: rank is not an integer');
    assert(rank >= 0, 'ladder.levelAt: negative rank');
    return this.levels[this.levels.length - 1 - rank] ?? null;
  }

  /** Adds an order at the back of its price level's queue, creating the level if needed. */
  append(node: OrderNode): void {
    assert(node.side === this.side, 'ladder.append: order on the wrong side');
    assert(node.remaining > 0n, 'ladder.append: order with nothing to rest');
    assert(node.prev === null && node.next === null, 'ladder.append: order already linked');
    let level = this.byPrice.get(node.price);
    if (level === undefined) level = this.insertLevel(node.price);
    if (level.tail === null) {
      level.head = node;
    } else {
      assert(level.tail.seq < node.seq, 'ladder.append: time priority out of order');
      level.tail.next = node;
      node.prev = level.tail;
    }
    level.tail = node;
    level.total = size(level.total + node.remaining);
    level.count += 1;
  }

  /** Takes an order out of its level (fill or cancel); drops the level when it empties. */
  remove(node: OrderNode): void {
    const level = this.byPrice.get(node.price);
    assert(level !== undefined, 'ladder.remove: no level at the order price');
    assert(level.count > 0, 'ladder.remove: empty level');
    if (node.prev === null) {
      assert(level.head === node, 'ladder.remove: order not at its level head');
      level.head = node.next;
    } else {
      node.prev.next = node.next;
    }
    if (node.next === null) {
      assert(level.tail === node, 'ladder.remove: order not at its level tail');
      level.tail = node.prev;
    } else {
      node.next.prev = node.prev;
    }
    node.prev = null;
    node.next = null;
    level.total = size(level.total - node.remaining);
    level.count -= 1;
    assert(level.total >= 0n, 'ladder.remove: negative level total');
    if (level.count === 0) {
      assert(level.total === 0n, 'ladder.remove: empty level with open size');
      this.removeLevel(level);
    } else {
      assert(level.total > 0n, 'ladder.remove: non-empty level without open size');
    }
  }

  /** Reduces a resting order by a partial fill that leaves it open. */
  reduce(node: OrderNode, by: Size): void {
    assert(by > 0n, 'ladder.reduce: non-positive reduction');
    assert(by < node.remaining, 'ladder.reduce: reduction would close the order (remove it instead)');
    const level = this.byPrice.get(node.price);
    assert(level !== undefined, 'ladder.reduce: no level at the order price');
    node.remaining = size(node.remaining - by);
    level.total = size(level.total - by);
  }

  /** Priority key: larger is better on this side. */
  private key(p: Price): bigint {
    return this.side === 'buy' ? p : -p;
  }

  /** Index of the first level whose key is >= key(p) (binary search over worst -> best). */
  private lowerBound(p: Price): number {
    const k = this.key(p);
    let lo = 0;
    let hi = this.levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const level = this.levels[mid];
      assert(level !== undefined, 'ladder.lowerBound: index out of range');
      if (this.key(level.price) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertLevel(p: Price): Level {
    const at = this.lowerBound(p);
    const there = this.levels[at];
    assert(there === undefined || there.price !== p, 'ladder.insertLevel: level already present');
    const level: Level = { price: p, head: null, tail: null, total: size(0n), count: 0 };
    if (at === this.levels.length) this.levels.push(level);
    else this.levels.splice(at, 0, level);
    this.byPrice.set(p, level);
    return level;
  }

  private removeLevel(level: Level): void {
    const last = this.levels.length - 1;
    if (this.levels[last] === level) {
      this.levels.pop();
    } else {
      const at = this.lowerBound(level.price);
      assert(this.levels[at] === level, 'ladder.removeLevel: level not found where it sorts');
      this.levels.splice(at, 1);
    }
    const deleted = this.byPrice.delete(level.price);
    assert(deleted, 'ladder.removeLevel: level missing from the price map');
  }
}
