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
// BLOCK pairs; a range is a binary search and a walk. Pairs with equal keys keep no particular order. The blocks are
// regions of two pooled typed arrays, in their list order through `order`: a band is a handful of typed arrays
// whatever its size (at 1M accounts an array pair a block made ~30k ArrayBuffers, and the restore's GC paid for each).
//
// The band keeps a cursor (the owner's last mark) and the gap around it: the nearest keys below and above it. A move of
// the cursor that stays inside the gap (a quiet tick) lists nothing in O(1), without a search.

import { assert } from '../assert.js';
import type { Int32List } from './heap.js';

/** Pairs a block holds at most (the default): a full block splits in two, a block emptied to a quarter merges with its neighbour. */
const BLOCK = 256;

/** A copy of `a` at `size` elements (the rest zero): growing one of the pools. */
function grown<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** First position in keys[from..to) whose key is >= key (to when none). */
function lowerBound(keys: Float64Array, from: number, to: number, key: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The indexes 0..n-1 in ascending order of keys[i]. Keys that are all integers in [0, 2^53) (prices in atoms, the
 * band's keys) are radix-sorted, 16 bits a pass, least significant first (stable): O(n) a pass, no comparisons;
 * anything else goes to a comparison sort.
 */
function sortedOrder(keys: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  let max = 0;
  let integers = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const k = keys[i] as number;
    if (!(k >= 0 && k < 2 ** 53 && Math.floor(k) === k)) integers = false;
    else if (k > max) max = k;
  }
  if (!integers) return order.sort((a, b) => (keys[a] as number) - (keys[b] as number));
  let spare = new Uint32Array(n);
  const counts = new Int32Array(65_536);
  for (let shift = 1; shift <= max; shift *= 65_536) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const digit = Math.floor((keys[order[i] as number] as number) / shift) % 65_536;
      counts[digit] = (counts[digit] as number) + 1;
    }
    for (let d = 0, sum = 0; d < 65_536; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i] as number;
      const digit = Math.floor((keys[idx] as number) / shift) % 65_536;
      spare[counts[digit] as number] = idx;
      counts[digit] = (counts[digit] as number) + 1;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

/** A sorted multiset of (key, id) pairs, keys finite float64, ids int32. */
export class BoundaryBand {
  /** The pools: region r holds its pairs at [r x block, r x block + count[r]). */
  private keys: Float64Array;
  private ids: Int32Array;
  private count: Int32Array;
  private regions = 0;
  private readonly freeRegions: number[] = [];
  /** The blocks in key order: the region of each, and its last key (for the binary search over blocks). */
  private order: Int32Array;
  private lasts: Float64Array;
  private blocks = 0;
  private pairs = 0;
  private at = Number.NaN;
  /**
   * When gapKnown: no key lies strictly between gapBelow and gapAbove except, when keyAtCursor, keys equal to the
   * cursor (which lies between them).
   */
  private gapKnown = false;
  private gapBelow = -Infinity;
  private gapAbove = Infinity;
  private keyAtCursor = false;
  /**
   * Pairs staged by a bulk build (stage()), not yet in the blocks: settled (one sort into an empty band, else inserted)
   * by settle() and before anything reads or changes the band.
   */
  private staged: { keys: Float64Array; ids: Int32Array; n: number } | null = null;
  /** A staging area allocated ahead by reserve(), taken by the first stage(). */
  private reserved: { keys: Float64Array; ids: Int32Array; n: number } | null = null;

  /** @param block pairs a block holds at most (tests use small blocks to split and merge often). */
  constructor(private readonly block = BLOCK) {
    assert(Number.isInteger(block) && block >= 4, 'BoundaryBand: a block holds at least 4 pairs');
    this.keys = new Float64Array(4 * block);
    this.ids = new Int32Array(4 * block);
    this.count = new Int32Array(4);
    this.order = new Int32Array(4);
    this.lasts = new Float64Array(4);
  }

  get size(): number {
    return this.pairs + (this.staged?.n ?? 0);
  }

  /**
   * Adds (key, id) to the pairs staged for settle(): a bulk build stages its pairs and settles once, one sort instead
   * of an insert at a random place each (~1 µs at 1M accounts, a cache miss or two apiece).
   */
  stage(key: number, id: number): void {
    if (this.staged === null) {
      this.staged = this.reserved ?? { keys: new Float64Array(1024), ids: new Int32Array(1024), n: 0 };
      this.reserved = null;
    }
    const staged = this.staged;
    if (staged.n === staged.keys.length) {
      staged.keys = grown(staged.keys, 2 * staged.n);
      staged.ids = grown(staged.ids, 2 * staged.n);
    }
    staged.keys[staged.n] = key;
    staged.ids[staged.n] = id;
    staged.n++;
  }

  /**
   * Sizes the pools, and a staging area for a bulk build, for `pairs` pairs now (a capacity hint): a restore allocates
   * its tables before its accounts fill the heap, where each ~64 MB of typed arrays allocated starts a full GC of the
   * whole heap (Engine.restore). More pairs grow as ever.
   */
  reserve(pairs: number): void {
    if (pairs <= 0) return;
    const fill = Math.max(1, (3 * this.block) >> 2);
    const regions = Math.ceil(pairs / fill);
    this.growRegions(regions + (regions >> 3) + 1); // as load() sizes them for that many
    if (this.staged === null && (this.reserved?.keys.length ?? 0) < pairs) this.reserved = { keys: new Float64Array(pairs), ids: new Int32Array(pairs), n: 0 };
  }

  /** Puts the staged pairs in the blocks: loaded at once into an empty band, else inserted one by one. */
  settle(): void {
    const staged = this.staged;
    if (staged === null) return;
    this.staged = null;
    if (this.pairs === 0) this.load(staged.keys, staged.ids, staged.n);
    else for (let i = 0; i < staged.n; i++) this.insert(staged.keys[i] as number, staged.ids[i] as number);
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
   * both included (nothing when there was no cursor, or when it stays where it was), in key order.
   */
  moveCursor(to: number, out: Int32List): void {
    this.settle();
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
    this.settle();
    if (this.blocks === 0) this.insertBlock(0, this.allocRegion());
    let b = this.blockFor(key);
    if ((this.count[this.order[b] as number] as number) === this.block) {
      this.split(b);
      if (key > (this.lasts[b] as number)) b++;
    }
    const r = this.order[b] as number;
    const base = r * this.block;
    const n = this.count[r] as number;
    const p = lowerBound(this.keys, base, base + n, key);
    this.keys.copyWithin(p + 1, p, base + n);
    this.ids.copyWithin(p + 1, p, base + n);
    this.keys[p] = key;
    this.ids[p] = id;
    this.count[r] = n + 1;
    if (p === base + n) this.lasts[b] = key;
    this.pairs++;
    this.keyTaken(key);
  }

  /**
   * Fills an empty band with the n pairs (keys[i], ids[i]) given in any order (a bulk build: one sort, the blocks
   * filled to three quarters, instead of n inserts at random places). The arrays are the caller's; they are read only.
   */
  load(keys: Float64Array, ids: Int32Array, n: number): void {
    this.settle();
    assert(this.pairs === 0, 'BoundaryBand.load: the band is not empty');
    if (n === 0) return;
    const order = sortedOrder(keys, n);
    const fill = Math.max(1, (3 * this.block) >> 2);
    // The pools sized for the blocks at once, with an eighth to spare (doubling from 4 regions would leave up to half
    // of them empty: at 1M accounts ~30 MB over the bands).
    const regions = Math.ceil(n / fill);
    this.growRegions(regions + (regions >> 3) + 1);
    for (let from = 0; from < n; from += fill) {
      const r = this.allocRegion();
      const base = r * this.block;
      const m = Math.min(fill, n - from);
      for (let j = 0; j < m; j++) {
        const i = order[from + j] as number;
        assert(Number.isFinite(keys[i] as number), 'BoundaryBand.load: key not finite');
        this.keys[base + j] = keys[i] as number;
        this.ids[base + j] = ids[i] as number;
      }
      this.count[r] = m;
      this.insertBlock(this.blocks, r);
    }
    this.pairs = n;
    this.gapKnown = false;
  }

  /** Removes one (key, id) pair; false when there is none. */
  delete(key: number, id: number): boolean {
    this.settle();
    const p = this.find(key, id);
    if (p < 0) return false;
    this.removeAt(this.foundBlock, p);
    return true;
  }

  /**
   * Changes the key of one (from, id) pair to `to`: what delete(from, id) then insert(to, id) do, in place when `to`
   * still belongs to the pair's block (a margin call or its recovery moves a boundary a few basis points: one search,
   * and a shift of the pairs between the old place and the new). False, the band unchanged, when there is no such pair.
   */
  rekey(from: number, to: number, id: number): boolean {
    assert(Number.isFinite(to), 'BoundaryBand.rekey: key not finite');
    this.settle();
    const p = this.find(from, id);
    if (p < 0) return false;
    const b = this.foundBlock;
    const keys = this.keys;
    const ids = this.ids;
    const r = this.order[b] as number;
    const base = r * this.block;
    const end = base + (this.count[r] as number);
    // Block b takes `to` when it lies between the previous block's last key and the next block's first.
    const below = b > 0 ? (this.lasts[b - 1] as number) : -Infinity;
    const above = b + 1 < this.blocks ? (keys[(this.order[b + 1] as number) * this.block] as number) : Infinity;
    if (to < below || to > above) {
      this.removeAt(b, p);
      this.insert(to, id);
      return true;
    }
    if (to > from) {
      const q = lowerBound(keys, p + 1, end, to); // the pairs in (p, q) come before `to`: one place down
      keys.copyWithin(p, p + 1, q);
      ids.copyWithin(p, p + 1, q);
      keys[q - 1] = to;
      ids[q - 1] = id;
    } else if (to < from) {
      const q = lowerBound(keys, base, p, to); // the pairs in [q, p) come after `to`: one place up
      keys.copyWithin(q + 1, q, p);
      ids.copyWithin(q + 1, q, p);
      keys[q] = to;
      ids[q] = id;
    }
    this.lasts[b] = keys[end - 1] as number;
    this.keyLeft(from);
    this.keyTaken(to);
    return true;
  }

  /** Appends to `out` the id of every pair with lo <= key <= hi, in key order. */
  range(lo: number, hi: number, out: Int32List): void {
    this.settle();
    const first = this.firstBlockAtLeast(lo);
    const keys = this.keys;
    for (let b = first; b < this.blocks; b++) {
      const r = this.order[b] as number;
      const base = r * this.block;
      const end = base + (this.count[r] as number);
      for (let p = b === first ? lowerBound(keys, base, end, lo) : base; p < end; p++) {
        if ((keys[p] as number) > hi) return;
        out.push(this.ids[p] as number);
      }
    }
  }

  /** Appends every id to `out`, in key order. */
  all(out: Int32List): void {
    this.settle();
    for (let b = 0; b < this.blocks; b++) {
      const r = this.order[b] as number;
      const base = r * this.block;
      for (let p = base; p < base + (this.count[r] as number); p++) out.push(this.ids[p] as number);
    }
  }

  /** Checks the order within and between blocks, the blocks' fill and last keys, the regions, the count and the gap (tests). */
  checkInvariants(): void {
    this.settle();
    let n = 0;
    let previous = -Infinity;
    const used = new Set<number>();
    for (let b = 0; b < this.blocks; b++) {
      const r = this.order[b] as number;
      assert(r >= 0 && r < this.regions && !used.has(r) && !this.freeRegions.includes(r), 'BoundaryBand: a block in a bad region');
      used.add(r);
      const count = this.count[r] as number;
      assert(count > 0 && count <= this.block, 'BoundaryBand: empty or overfull block');
      for (let p = r * this.block; p < r * this.block + count; p++) {
        const k = this.keys[p] as number;
        assert(k >= previous, 'BoundaryBand: keys out of order');
        previous = k;
        if (this.gapKnown) {
          assert(k <= this.gapBelow || k >= this.gapAbove || (k === this.at && this.keyAtCursor), 'BoundaryBand: a key inside the gap around the cursor');
          assert(k !== this.at || this.keyAtCursor, 'BoundaryBand: a key at the cursor not known');
        }
      }
      assert(this.lasts[b] === previous, 'BoundaryBand: last key out of step');
      n += count;
    }
    assert(used.size + this.freeRegions.length === this.regions, 'BoundaryBand: a region lost');
    assert(n === this.pairs, 'BoundaryBand: count out of step');
  }

  /** The block find() last found its pair in. */
  private foundBlock = 0;

  /** The position of the pair (key, id) in the pools, its block in foundBlock; -1 when the band has no such pair. */
  private find(key: number, id: number): number {
    const keys = this.keys;
    for (let b = this.firstBlockAtLeast(key); b < this.blocks; b++) {
      const r = this.order[b] as number;
      const base = r * this.block;
      const end = base + (this.count[r] as number);
      for (let p = lowerBound(keys, base, end, key); p < end; p++) {
        if ((keys[p] as number) !== key) return -1;
        if (this.ids[p] !== id) continue;
        this.foundBlock = b;
        return p;
      }
    }
    return -1;
  }

  /** Removes the pair at position p of block b. */
  private removeAt(b: number, p: number): void {
    const keys = this.keys;
    const key = keys[p] as number;
    const r = this.order[b] as number;
    const base = r * this.block;
    const end = base + (this.count[r] as number);
    keys.copyWithin(p, p + 1, end);
    this.ids.copyWithin(p, p + 1, end);
    const n = end - base - 1;
    this.count[r] = n;
    this.pairs--;
    this.keyLeft(key);
    if (n > 0 && p === end - 1) this.lasts[b] = keys[end - 2] as number;
    this.shrink(b);
  }

  /** A pair with this key left the band: the gap around the cursor is found again if the key bounded it. */
  private keyLeft(key: number): void {
    if (this.gapKnown && (key === this.gapBelow || key === this.gapAbove || key === this.at)) this.gapKnown = false;
  }

  /** A pair with this key entered the band: the known gap around the cursor narrows to it if it falls inside. */
  private keyTaken(key: number): void {
    if (!this.gapKnown) return;
    if (key === this.at) this.keyAtCursor = true;
    else if (key < this.at && key > this.gapBelow) this.gapBelow = key;
    else if (key > this.at && key < this.gapAbove) this.gapAbove = key;
  }

  /** The nearest keys below and above `at`, and whether a key equals it (gapKnown). */
  private findGap(at: number): void {
    let below = -Infinity;
    let above = Infinity;
    let equal = false;
    const b = this.firstBlockAtLeast(at);
    if (b < this.blocks) {
      const r = this.order[b] as number;
      const base = r * this.block;
      const p = lowerBound(this.keys, base, base + (this.count[r] as number), at);
      if (p > base) below = this.keys[p - 1] as number;
      else if (b > 0) below = this.lasts[b - 1] as number;
      // The first key above `at`: past the run of keys equal to it, which may go on into later blocks.
      search: for (let c = b, q = p; c < this.blocks; c++) {
        const cr = this.order[c] as number;
        const end = cr * this.block + (this.count[cr] as number);
        if (c > b) q = cr * this.block;
        for (; q < end; q++) {
          const k = this.keys[q] as number;
          if (k === at) equal = true;
          else {
            above = k;
            break search;
          }
        }
      }
    } else if (this.blocks > 0) below = this.lasts[this.blocks - 1] as number;
    this.gapBelow = below;
    this.gapAbove = above;
    this.keyAtCursor = equal;
    this.gapKnown = true;
  }

  /** The block a key is inserted into: the first whose last key is >= key, else the last block. */
  private blockFor(key: number): number {
    const b = this.firstBlockAtLeast(key);
    return b < this.blocks ? b : this.blocks - 1;
  }

  /** The first block whose last key is >= key (blocks when none). */
  private firstBlockAtLeast(key: number): number {
    return lowerBound(this.lasts, 0, this.blocks, key);
  }

  /** A free region of the pools (grown by doubling when none is left), empty. */
  private allocRegion(): number {
    const reused = this.freeRegions.pop();
    const r = reused ?? this.regions++;
    if (r >= this.count.length) this.growRegions(2 * this.count.length);
    this.count[r] = 0;
    return r;
  }

  /** The pools grown to hold `regions` regions (never shrunk). */
  private growRegions(regions: number): void {
    if (regions <= this.count.length) return;
    this.keys = grown(this.keys, regions * this.block);
    this.ids = grown(this.ids, regions * this.block);
    this.count = grown(this.count, regions);
  }

  /** Puts region r in the block list at position b (its last key set from its pairs, -Infinity when empty). */
  private insertBlock(b: number, r: number): void {
    if (this.blocks === this.order.length) {
      this.order = grown(this.order, 2 * this.order.length);
      this.lasts = grown(this.lasts, 2 * this.lasts.length);
    }
    this.order.copyWithin(b + 1, b, this.blocks);
    this.lasts.copyWithin(b + 1, b, this.blocks);
    this.blocks++;
    this.order[b] = r;
    const n = this.count[r] as number;
    this.lasts[b] = n === 0 ? -Infinity : (this.keys[r * this.block + n - 1] as number);
  }

  /** Takes block b out of the list and frees its region. */
  private removeBlock(b: number): void {
    this.freeRegions.push(this.order[b] as number);
    this.order.copyWithin(b, b + 1, this.blocks);
    this.lasts.copyWithin(b, b + 1, this.blocks);
    this.blocks--;
  }

  private split(b: number): void {
    const r = this.order[b] as number;
    const right = this.allocRegion(); // may grow the pools: read them after
    const base = r * this.block;
    const n = this.count[r] as number;
    const half = n >> 1;
    this.keys.copyWithin(right * this.block, base + half, base + n);
    this.ids.copyWithin(right * this.block, base + half, base + n);
    this.count[right] = n - half;
    this.count[r] = half;
    this.lasts[b] = this.keys[base + half - 1] as number;
    this.insertBlock(b + 1, right);
  }

  /** After a delete from block b: drops it when empty, merges the next block into it when both fit in half a block. */
  private shrink(b: number): void {
    const r = this.order[b] as number;
    const n = this.count[r] as number;
    if (n === 0) {
      this.removeBlock(b);
      return;
    }
    if (n > this.block >> 2 || b + 1 >= this.blocks) return;
    const next = this.order[b + 1] as number;
    const m = this.count[next] as number;
    if (n + m > this.block >> 1) return;
    this.keys.copyWithin(r * this.block + n, next * this.block, next * this.block + m);
    this.ids.copyWithin(r * this.block + n, next * this.block, next * this.block + m);
    this.count[r] = n + m;
    this.lasts[b] = this.lasts[b + 1] as number;
    this.removeBlock(b + 1);
  }
}
