// Indexed binary heaps over float64 keys, and a growable int32 list. The breach index keeps two heaps per market
// (thresholds below and above the price); every entry knows where it sits, so a key can be changed or an entry
// removed in O(log n) without searching.
//
// Ids are small non-negative integers handed out by the owner. Positions live in a table the owner shares
// between heaps whose ids never overlap (every entry is in exactly one market's DOWN heap and one UP heap), so the
// per-entry cost stays one int32 per heap family rather than one per heap.

import { assert } from '../assert.js';

/** Where each id sits in its heap; -1 = in no heap. The owner grows `at` (filling with -1) before pushing an id. */
export interface HeapSlots {
  at: Int32Array;
}

/** A growable list of int32 (scratch buffers and id lists without per-push allocation). */
export class Int32List {
  data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(1, capacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  get(i: number): number {
    assert(i >= 0 && i < this.length, 'Int32List: index out of range');
    return this.data[i] as number;
  }

  clear(): void {
    this.length = 0;
  }
}

export type HeapOrder = 'min' | 'max';

/**
 * A binary heap of ids keyed by float64. 'min' keeps the smallest key on top, 'max' the largest. Internally it is
 * always a min-heap: a max-heap stores negated keys. Keys must not be NaN; +-Infinity are allowed (an entry with
 * the key that never reaches the top, e.g. -Infinity in a max-heap, is a parked member).
 * Keys sit beside ids in the heap array (not behind an indirection) so sifting touches contiguous memory.
 */
export class IndexedHeap {
  private keys: Float64Array;
  private ids: Int32Array;
  private n = 0;
  private readonly sign: 1 | -1;

  constructor(
    readonly order: HeapOrder,
    private readonly slots: HeapSlots,
    capacity = 8,
  ) {
    this.sign = order === 'min' ? 1 : -1;
    this.keys = new Float64Array(Math.max(1, capacity));
    this.ids = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.n;
  }

  /** The top key (the smallest for 'min', the largest for 'max'); the empty heap answers the key that never fires. */
  topKey(): number {
    return this.n === 0 ? this.sign * Infinity : this.sign * (this.keys[0] as number);
  }

  topId(): number {
    assert(this.n > 0, 'IndexedHeap.topId: empty heap');
    return this.ids[0] as number;
  }

  /** The id at heap position i (0 <= i < size), for iterating the members in no particular order. */
  idAt(i: number): number {
    assert(i >= 0 && i < this.n, 'IndexedHeap.idAt: out of range');
    return this.ids[i] as number;
  }

  has(id: number): boolean {
    const p = this.slots.at[id];
    return p !== undefined && p >= 0 && p < this.n && this.ids[p] === id;
  }

  key(id: number): number {
    assert(this.has(id), 'IndexedHeap.key: id not in this heap');
    return this.sign * (this.keys[this.slots.at[id] as number] as number);
  }

  push(id: number, key: number): void {
    assert(!Number.isNaN(key), 'IndexedHeap.push: NaN key');
    assert(id >= 0 && id < this.slots.at.length, 'IndexedHeap.push: id outside the slot table');
    assert((this.slots.at[id] as number) < 0, 'IndexedHeap.push: id already in a heap');
    if (this.n === this.keys.length) this.grow();
    const p = this.n++;
    this.place(p, id, this.sign * key);
    this.siftUp(p);
  }

  update(id: number, key: number): void {
    assert(!Number.isNaN(key), 'IndexedHeap.update: NaN key');
    assert(this.has(id), 'IndexedHeap.update: id not in this heap');
    const p = this.slots.at[id] as number;
    const old = this.keys[p] as number;
    const k = this.sign * key;
    if (k === old) return;
    this.keys[p] = k;
    if (k < old) this.siftUp(p);
    else this.siftDown(p);
  }

  remove(id: number): void {
    assert(this.has(id), 'IndexedHeap.remove: id not in this heap');
    const p = this.slots.at[id] as number;
    const last = --this.n;
    this.slots.at[id] = -1;
    if (p === last) return;
    const movedId = this.ids[last] as number;
    const movedKey = this.keys[last] as number;
    this.place(p, movedId, movedKey);
    // The moved entry may belong above or below p.
    if (p > 0 && movedKey < (this.keys[(p - 1) >> 1] as number)) this.siftUp(p);
    else this.siftDown(p);
  }

  pop(): number {
    const id = this.topId();
    this.remove(id);
    return id;
  }

  /**
   * Appends to `out` every id whose key has reached `bound` ('max': key >= bound; 'min': key <= bound), without
   * changing the heap. Those entries form a subtree around the root, so the walk visits only them and their
   * children: O(k) for k ids found. Returns k.
   */
  collect(bound: number, out: Int32List): number {
    const b = this.sign * bound;
    const keys = this.keys;
    const n = this.n;
    if (n === 0 || (keys[0] as number) > b) return 0;
    const start = out.length;
    out.push(0);
    // Breadth-first over heap positions, using `out` as the queue; positions become ids afterwards.
    for (let i = start; i < out.length; i++) {
      const l = 2 * (out.data[i] as number) + 1;
      if (l < n && (keys[l] as number) <= b) out.push(l);
      if (l + 1 < n && (keys[l + 1] as number) <= b) out.push(l + 1);
    }
    for (let i = start; i < out.length; i++) out.data[i] = this.ids[out.data[i] as number] as number;
    return out.length - start;
  }

  /** Checks the heap property and the position table (tests). */
  checkInvariants(): void {
    for (let p = 0; p < this.n; p++) {
      assert(this.slots.at[this.ids[p] as number] === p, 'IndexedHeap: position table out of step');
      if (p > 0) assert((this.keys[(p - 1) >> 1] as number) <= (this.keys[p] as number), 'IndexedHeap: heap order violated');
    }
  }

  private place(p: number, id: number, k: number): void {
    this.keys[p] = k;
    this.ids[p] = id;
    this.slots.at[id] = p;
  }

  private siftUp(p: number): void {
    const keys = this.keys;
    const ids = this.ids;
    const at = this.slots.at;
    const k = keys[p] as number;
    const id = ids[p] as number;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      const pk = keys[parent] as number;
      if (pk <= k) break;
      keys[p] = pk;
      const pid = ids[parent] as number;
      ids[p] = pid;
      at[pid] = p;
      p = parent;
    }
    keys[p] = k;
    ids[p] = id;
    at[id] = p;
  }

  private siftDown(p: number): void {
    const keys = this.keys;
    const ids = this.ids;
    const at = this.slots.at;
    const n = this.n;
    const k = keys[p] as number;
    const id = ids[p] as number;
    while (true) {
      let c = 2 * p + 1;
      if (c >= n) break;
      if (c + 1 < n && (keys[c + 1] as number) < (keys[c] as number)) c++;
      const ck = keys[c] as number;
      if (ck >= k) break;
      keys[p] = ck;
      const cid = ids[c] as number;
      ids[p] = cid;
      at[cid] = p;
      p = c;
    }
    keys[p] = k;
    ids[p] = id;
    at[id] = p;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.keys = keys;
    this.ids = ids;
  }
}
