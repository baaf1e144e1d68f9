// The exact boundaries of one market, sorted: where the breach index keeps its ledgers armed at an exact liquidation
// price (bounds.ts ExactBoundary), each of which changes state at one mark.
//
// A threshold heap keys a ledger by the crossing that would change its state, so a state change moves it: a sound
// long watches mark <= b in the DOWN heap, the same ledger in breach watches mark >= b + 1 in the UP heap, and each
// flip re-keys it in both heaps, a walk from the top to the bottom of each (at 1M accounts a cache miss a level). A
// boundary sits here once, whatever its state: a move of the mark from c to m can only change ledgers whose boundary
// lies in [min(c, m), max(c, m)], one contiguous run of this list, and a flip (a margin call, its recovery) moves
// nothing.
//
// A sorted list of blocks (keys ascending within a block and from one block to the next, at most BLOCK pairs a block):
// an insert or a delete is a binary search over the blocks' last keys, one within the block and a shift of at most
// BLOCK pairs; a range is a binary search and a walk. Pairs with equal keys keep no particular order.
//
// The band keeps a cursor (the owner's last mark) and the gap around it: the nearest keys below and above it. A move of
// the cursor that stays inside the gap (a quiet tick) lists nothing in O(1), without a search.

import { assert } from '../assert.js';
import type { Int32List } from './heap.js';

/** Pairs a block holds at most (the default): a full block splits in two, a block emptied to a quarter merges with its neighbour. */
const BLOCK = 256;

interface Block {
  readonly keys: Float64Array;
  readonly ids: Int32Array;
  n: number;
}

function newBlock(size: number): Block {
  return { keys: new Float64Array(size), ids: new Int32Array(size), n: 0 };
}

/** First position in keys[0..n) whose key is >= key. */
function lowerBound(keys: Float64Array, n: number, key: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A sorted multiset of (key, id) pairs, keys finite float64, ids int32. */
export class BoundaryBand {
  private blocks: Block[] = [];
  /** The last key of each block, for the binary search over blocks. */
  private lasts = new Float64Array(8);
  private count = 0;
  private at = Number.NaN;
  /**
   * When gapKnown: no key lies strictly between gapBelow and gapAbove except, when keyAtCursor, keys equal to the
   * cursor (which lies between them).
   */
  private gapKnown = false;
  private gapBelow = -Infinity;
  private gapAbove = Infinity;
  private keyAtCursor = false;

  /** @param block pairs a block holds at most (tests use small blocks to split and merge often). */
  constructor(private readonly block = BLOCK) {
    assert(Number.isInteger(block) && block >= 4, 'BoundaryBand: a block holds at least 4 pairs');
  }

  get size(): number {
    return this.count;
  }

  /** The cursor: the mark the owner's states agree with (NaN: none yet). */
  get cursor(): number {
    return this.at;
  }

  setCursor(at: number): void {
    this.at = at;
    this.gapKnown = false;
  }

  /**
   * Moves the cursor to `to` and appends to `out` the id of every pair with a key between the old cursor and `to`,
   * both included (nothing when there was no cursor), in key order.
   */
  moveCursor(to: number, out: Int32List): void {
    const from = this.at;
    this.at = to;
    if (Number.isNaN(from) || from === to) return;
    if (!this.gapKnown) this.findGap(from);
    if (!this.keyAtCursor && to > this.gapBelow && to < this.gapAbove) return; // the gap holds no key: nothing crossed
    this.gapKnown = false;
    if (from < to) this.range(from, to, out);
    else this.range(to, from, out);
  }

  insert(key: number, id: number): void {
    assert(Number.isFinite(key), 'BoundaryBand.insert: key not finite');
    if (this.blocks.length === 0) {
      this.blocks.push(newBlock(this.block));
      this.syncLasts();
    }
    let b = this.blockFor(key);
    if ((this.blocks[b] as Block).n === this.block) {
      this.split(b);
      if (key > (this.lasts[b] as number)) b++;
    }
    const block = this.blocks[b] as Block;
    const p = lowerBound(block.keys, block.n, key);
    block.keys.copyWithin(p + 1, p, block.n);
    block.ids.copyWithin(p + 1, p, block.n);
    block.keys[p] = key;
    block.ids[p] = id;
    block.n++;
    if (p === block.n - 1) this.lasts[b] = key;
    this.count++;
    if (this.gapKnown) {
      if (key === this.at) this.keyAtCursor = true;
      else if (key < this.at && key > this.gapBelow) this.gapBelow = key;
      else if (key > this.at && key < this.gapAbove) this.gapAbove = key;
    }
  }

  /** Removes one (key, id) pair; false when there is none. */
  delete(key: number, id: number): boolean {
    for (let b = this.firstBlockAtLeast(key); b < this.blocks.length; b++) {
      const block = this.blocks[b] as Block;
      const keys = block.keys;
      for (let p = lowerBound(keys, block.n, key); p < block.n; p++) {
        if ((keys[p] as number) !== key) return false;
        if (block.ids[p] !== id) continue;
        keys.copyWithin(p, p + 1, block.n);
        block.ids.copyWithin(p, p + 1, block.n);
        block.n--;
        this.count--;
        if (this.gapKnown && (key === this.gapBelow || key === this.gapAbove || key === this.at)) this.gapKnown = false;
        if (block.n > 0 && p === block.n) this.lasts[b] = keys[block.n - 1] as number;
        this.shrink(b);
        return true;
      }
    }
    return false;
  }

  /** Appends to `out` the id of every pair with lo <= key <= hi, in key order. */
  range(lo: number, hi: number, out: Int32List): void {
    const first = this.firstBlockAtLeast(lo);
    for (let b = first; b < this.blocks.length; b++) {
      const block = this.blocks[b] as Block;
      const keys = block.keys;
      for (let p = b === first ? lowerBound(keys, block.n, lo) : 0; p < block.n; p++) {
        if ((keys[p] as number) > hi) return;
        out.push(block.ids[p] as number);
      }
    }
  }

  /** Appends every id to `out`, in key order. */
  all(out: Int32List): void {
    for (const block of this.blocks) for (let p = 0; p < block.n; p++) out.push(block.ids[p] as number);
  }

  /** Checks the order within and between blocks, the blocks' fill and last keys, and the count (tests). */
  checkInvariants(): void {
    let n = 0;
    let previous = -Infinity;
    assert(this.lasts.length >= this.blocks.length, 'BoundaryBand: last-key table too short');
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b] as Block;
      assert(block.n > 0 && block.n <= this.block, 'BoundaryBand: empty or overfull block');
      for (let p = 0; p < block.n; p++) {
        const k = block.keys[p] as number;
        assert(k >= previous, 'BoundaryBand: keys out of order');
        previous = k;
      }
      assert(this.lasts[b] === block.keys[block.n - 1], 'BoundaryBand: last key out of step');
      n += block.n;
      if (this.gapKnown) {
        for (let p = 0; p < block.n; p++) {
          const k = block.keys[p] as number;
          assert(k <= this.gapBelow || k >= this.gapAbove || (k === this.at && this.keyAtCursor), 'BoundaryBand: a key inside the gap around the cursor');
          assert(k !== this.at || this.keyAtCursor, 'BoundaryBand: a key at the cursor not known');
        }
      }
    }
    assert(n === this.count, 'BoundaryBand: count out of step');
  }

  /** The nearest keys below and above `at`, and whether a key equals it (gapKnown). */
  private findGap(at: number): void {
    const b = this.firstBlockAtLeast(at);
    let below = -Infinity;
    let above = Infinity;
    let equal = false;
    if (b < this.blocks.length) {
      const block = this.blocks[b] as Block;
      const p = lowerBound(block.keys, block.n, at);
      if (p > 0) below = block.keys[p - 1] as number;
      else if (b > 0) below = this.lasts[b - 1] as number;
      // The first key above `at`: past the run of keys equal to it, which may go on into later blocks.
      search: for (let c = b, q = p; c < this.blocks.length; c++, q = 0) {
        const cb = this.blocks[c] as Block;
        for (; q < cb.n; q++) {
          const k = cb.keys[q] as number;
          if (k === at) equal = true;
          else {
            above = k;
            break search;
          }
        }
      }
    } else if (this.blocks.length > 0) below = this.lasts[this.blocks.length - 1] as number;
    this.gapBelow = below;
    this.gapAbove = above;
    this.keyAtCursor = equal;
    this.gapKnown = true;
  }

  /** The block a key is inserted into: the first whose last key is >= key, else the last block. */
  private blockFor(key: number): number {
    const b = this.firstBlockAtLeast(key);
    return b < this.blocks.length ? b : this.blocks.length - 1;
  }

  /** The first block whose last key is >= key (blocks.length when none). */
  private firstBlockAtLeast(key: number): number {
    return lowerBound(this.lasts, this.blocks.length, key);
  }

  private split(b: number): void {
    const block = this.blocks[b] as Block;
    const half = block.n >> 1;
    const right = newBlock(this.block);
    right.keys.set(block.keys.subarray(half, block.n));
    right.ids.set(block.ids.subarray(half, block.n));
    right.n = block.n - half;
    block.n = half;
    this.blocks.splice(b + 1, 0, right);
    this.syncLasts();
  }

  /** After a delete from block b: drops it when empty, merges it into a neighbour when both fit in half a block. */
  private shrink(b: number): void {
    const block = this.blocks[b] as Block;
    if (block.n === 0) {
      this.blocks.splice(b, 1);
      this.syncLasts();
      return;
    }
    if (block.n > this.block >> 2) return;
    const next = this.blocks[b + 1];
    if (next !== undefined && block.n + next.n <= this.block >> 1) {
      block.keys.set(next.keys.subarray(0, next.n), block.n);
      block.ids.set(next.ids.subarray(0, next.n), block.n);
      block.n += next.n;
      this.blocks.splice(b + 1, 1);
      this.syncLasts();
    }
  }

  private syncLasts(): void {
    const blocks = this.blocks;
    if (this.lasts.length < blocks.length) this.lasts = new Float64Array(2 * blocks.length);
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b] as Block;
      this.lasts[b] = block.n === 0 ? -Infinity : (block.keys[block.n - 1] as number);
    }
  }
}
