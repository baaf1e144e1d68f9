// The trigger index of traders' conditional orders (stop, take-profit, trailing stop): which orders a price tick
// fires, without a loop over the orders. One *lane* per (market, trigger source); an order sits in one lane.
//
// Each lane has, per direction (DOWN fires when price <= trigger, UP when price >= trigger):
// - fixed triggers in an IndexedHeap (DOWN a max-heap, UP a min-heap): a tick that fires k of them costs
//   O(log n + k log n) (collect is O(k), each removal O(log n)); a tick that fires none compares the heap top.
// - trailing triggers (by amount or by ratio), whose trigger follows the best price seen since placement.
//
// Trailing stops: work in signed space x = s * price (s = +1 for DOWN, -1 for UP), so the anchor of every trailing
// order is the *largest* x seen since its placement, and it fires when x <= trigX(anchor): anchor - offset (amount)
// or s * ratioTrigger(s * anchor) (ratio). Re-keying every order on a new extreme would be O(n) per tick. Instead:
// - Orders with the same anchor form a *group*; a group holds two pairing heaps (amount: by offset, ratio: by ratio,
//   then placement seq), whose tops are the group's nearest triggers (for one anchor, the smallest offset or ratio
//   gives the highest trigX). Groups sit in a max-heap keyed by their nearest trigger.
// - Soundness of the lazy re-key. After a tick at x, every live group's anchor is >= x (step 1 below). An order
//   placed at x gets anchor x, so the groups, in creation order, have non-increasing anchors: a stack. A tick at x
//   raises the anchor of exactly the orders whose anchor is < x, i.e. a top segment of the stack, and raises them
//   all to the same value x. So step 1 melds that segment into one group with anchor x (pairing-heap meld, O(1) per
//   group; each group is melded away at most once, so O(1) amortised per placement) and every order's anchor is
//   again exactly the largest x since its placement. No order's anchor is ever stale, so the group heap's keys are
//   exact and step 2 (collect groups with key >= x, pop their orders while trigX >= x) fires exactly what a scan of
//   every order with its own running extreme would.
// - Removals (cancel, amend, liquidation) are lazy in the pairing heaps: the order is marked dead and dropped when
//   it reaches a top. A side whose dead entries outnumber its live ones (and exceed REBUILD_MIN_DEAD) is rebuilt
//   from its live orders, grouped by their exact anchors: O(n log n) once per n removals.
// An order's anchor is found through the group it joined, following merges (union-find with path halving).
//
// Floats screen and never decide: heap keys are Number(trigger); since rounding to float is monotone, trigger >= p
// implies Number(trigger) >= Number(p), so a collect returns a superset of the orders that fire, and each is
// decided with bigint comparisons.
//
// Firing order on one lane's tick: DOWN fires before UP fires (only both at once after an amend or restore; a fixed
// order that would fire at once is refused at placement); within a direction in the order a continuous price path
// from the previous price would cross them (DOWN: trigger descending; UP: trigger ascending), then placement seq.

import { assert } from '../assert.js';
import { IndexedHeap, Int32List, type HeapSlots } from './heap.js';

export type TriggerDirection = 'down' | 'up';

/** How an order's trigger price is found. */
export type TriggerRule =
  | { readonly kind: 'fixed'; readonly trigger: bigint }
  /** DOWN: best (highest) price since placement minus offset; UP: best (lowest) plus offset. Price atoms, > 0. */
  | { readonly kind: 'trail_amount'; readonly offset: bigint }
  /** DOWN: floor(best x (1e6 - ratio) / 1e6); UP: ceil(best x (1e6 + ratio) / 1e6). ppm, 0 < ratio (< 1e6 DOWN). */
  | { readonly kind: 'trail_ratio'; readonly ratioPpm: bigint };

export interface FiredTrigger {
  /** The owner's handle for the order (unique among armed orders). */
  readonly handle: number;
  /** The trigger price it fired at (for trailing orders: as of this tick's anchor). */
  readonly trigger: bigint;
  readonly direction: TriggerDirection;
  readonly seq: number;
}

const PPM = 1_000_000n;

/** ceil(n / d) for n >= 0, d > 0. */
const ceilDiv = (n: bigint, d: bigint): bigint => (n + d - 1n) / d;

/** The trigger price of a trailing order with anchor `best` (a price): floor for DOWN, ceil for UP (never earlier than asked). */
export function trailingTrigger(direction: TriggerDirection, rule: TriggerRule, best: bigint): bigint {
  switch (rule.kind) {
    case 'fixed':
      return rule.trigger;
    case 'trail_amount':
      return direction === 'down' ? best - rule.offset : best + rule.offset;
    case 'trail_ratio': {
      if (direction === 'down') return (best * (PPM - rule.ratioPpm)) / PPM; // floor: both factors >= 0
      const n = best * (PPM + rule.ratioPpm);
      return (n + PPM - 1n) / PPM; // ceil
    }
  }
}

/** Whether a trigger fires at `price`: the one rule, used by the index, the scan and the engine's placement check. */
export function triggerFires(direction: TriggerDirection, trigger: bigint, price: bigint): boolean {
  return direction === 'down' ? price <= trigger : price >= trigger;
}

/** The deterministic firing order of one lane's tick (see the header). */
export function compareFired(a: FiredTrigger, b: FiredTrigger): number {
  if (a.direction !== b.direction) return a.direction === 'down' ? -1 : 1;
  if (a.trigger !== b.trigger) return (a.trigger > b.trigger ? -1 : 1) * (a.direction === 'down' ? 1 : -1);
  return a.seq - b.seq;
}

/**
 * Sorts fired triggers into firing order (compareFired). Keys are compared as numbers first (exact below 2^53, and
 * monotone above, so only equal numbers need the bigint comparison): bigint comparisons in a comparator cost more
 * than the whole rest of a crash tick.
 */
export function sortFired(fired: FiredTrigger[]): void {
  const n = fired.length;
  if (n < 2) return;
  // DOWN first (rank 0), then ascending signed key: DOWN by descending trigger, UP by ascending trigger.
  const rank = new Uint8Array(n);
  const key = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const f = fired[i] as FiredTrigger;
    const down = f.direction === 'down';
    rank[i] = down ? 0 : 1;
    key[i] = (down ? -1 : 1) * Number(f.trigger);
    order[i] = i;
  }
  order.sort((a, b) => (rank[a] as number) - (rank[b] as number) || (key[a] as number) - (key[b] as number) || compareFired(fired[a] as FiredTrigger, fired[b] as FiredTrigger));
  const copy = fired.slice();
  for (let i = 0; i < n; i++) fired[i] = copy[order[i] as number] as FiredTrigger;
}

// ---- pairing heap (min by key, then seq) --------------------------------------------------------------------------

interface PNode {
  readonly order: Armed;
  /** The offset (amount) or ratio (ppm): a safe integer, so exact as a number (checked in arm). */
  readonly key: number;
  child: PNode | null;
  next: PNode | null;
}

function pless(a: PNode, b: PNode): boolean {
  return a.key < b.key || (a.key === b.key && a.order.seq < b.order.seq);
}

function meld(a: PNode | null, b: PNode | null): PNode | null {
  if (a === null) return b;
  if (b === null) return a;
  if (pless(b, a)) [a, b] = [b, a];
  b.next = a.child;
  a.child = b;
  return a;
}

/** The heap without its root (two-pass pairing). */
const kids: PNode[] = [];

function popRoot(root: PNode): PNode | null {
  kids.length = 0;
  for (let c = root.child; c !== null; ) {
    const next = c.next;
    c.next = null;
    kids.push(c);
    c = next;
  }
  root.child = null;
  // First pass left to right in pairs (in place), second right to left.
  let pairs = 0;
  for (let i = 0; i < kids.length; i += 2) kids[pairs++] = meld(kids[i] as PNode, kids[i + 1] ?? null) as PNode;
  let h: PNode | null = null;
  for (let i = pairs - 1; i >= 0; i--) h = meld(kids[i] as PNode, h);
  kids.length = 0;
  return h;
}

// ---- orders and groups --------------------------------------------------------------------------------------------

interface Group {
  /** Largest signed price seen since its orders' placement (exact for every live group). */
  anchorX: bigint;
  amount: PNode | null;
  ratio: PNode | null;
  /** Merged into another group (union-find), or null while it is a root. */
  parent: Group | null;
  /** Slot in the side's group heap (-1 when not in it). */
  readonly id: number;
}

interface Armed {
  readonly handle: number;
  readonly lane: string;
  readonly direction: TriggerDirection;
  readonly rule: TriggerRule;
  readonly seq: number;
  /** Fixed orders: slot in the lane's fixed heap. */
  slot: number;
  /** Trailing orders: the group it joined (follow parents for its current one). */
  group: Group | null;
  alive: boolean;
}

function rootOf(g: Group): Group {
  while (g.parent !== null) {
    if (g.parent.parent !== null) g.parent = g.parent.parent; // path halving
    g = g.parent;
  }
  return g;
}

/** Dead entries a trailing side tolerates before a rebuild is considered. */
const REBUILD_MIN_DEAD = 1024;

/** One direction's trailing orders of one lane (see the header). */
class TrailingSide {
  private readonly s: 1n | -1n;
  private readonly slots: HeapSlots = { at: new Int32Array(16).fill(-1) };
  private readonly heap: IndexedHeap;
  private groups: (Group | null)[] = [];
  private freeIds: number[] = [];
  /** Root groups in creation order; anchors non-increasing from bottom to top. */
  private stack: Group[] = [];
  live = 0;
  dead = 0;

  constructor(readonly direction: TriggerDirection) {
    this.s = direction === 'down' ? 1n : -1n;
    this.heap = new IndexedHeap('max', this.slots);
  }

  private newGroup(anchorX: bigint): Group {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.groups.length;
      this.groups.push(null);
      if (id >= this.slots.at.length) {
        const at = new Int32Array(this.slots.at.length * 2).fill(-1);
        at.set(this.slots.at);
        this.slots.at = at;
      }
    }
    const g: Group = { anchorX, amount: null, ratio: null, parent: null, id };
    this.groups[id] = g;
    return g;
  }

  private retire(g: Group): void {
    if (this.heap.has(g.id)) this.heap.remove(g.id);
    this.groups[g.id] = null;
    this.freeIds.push(g.id);
  }

  /** The exact nearest trigger of a root group in signed space, dropping dead tops; null when it holds no live order. */
  private groupKey(g: Group): bigint | null {
    for (; g.amount !== null && !g.amount.order.alive; this.dead--) g.amount = popRoot(g.amount);
    for (; g.ratio !== null && !g.ratio.order.alive; this.dead--) g.ratio = popRoot(g.ratio);
    let best: bigint | null = null;
    for (const top of [g.amount, g.ratio]) {
      if (top === null) continue;
      const k = this.s * trailingTrigger(this.direction, top.order.rule, this.s * g.anchorX);
      if (best === null || k > best) best = k;
    }
    return best;
  }

  private rekey(g: Group): void {
    const k = this.groupKey(g);
    if (k === null) {
      if (this.heap.has(g.id)) this.heap.remove(g.id);
    } else if (this.heap.has(g.id)) this.heap.update(g.id, Number(k));
    else this.heap.push(g.id, Number(k));
  }

  /** Whether the node became its heap's top (the group's key may have changed). */
  private insertNode(g: Group, o: Armed): boolean {
    const r = o.rule;
    const key = r.kind === 'trail_amount' ? r.offset : r.kind === 'trail_ratio' ? r.ratioPpm : 0n;
    assert(key > 0n && key <= BigInt(Number.MAX_SAFE_INTEGER), 'TrailingSide: offsets and ratios are positive safe integers');
    const node: PNode = { order: o, key: Number(key), child: null, next: null };
    if (r.kind === 'trail_amount') return (g.amount = meld(g.amount, node)) === node;
    return (g.ratio = meld(g.ratio, node)) === node;
  }

  /** Arms an order whose best price since placement is `best` (at placement: the current price). */
  arm(o: Armed, best: bigint): void {
    const x = this.s * best;
    // The price is at x now: older orders' anchors are at least x (a no-op when the lane was told of every price).
    this.raise(x);
    const top = this.stack[this.stack.length - 1];
    let g: Group;
    if (top !== undefined && top.anchorX === x) g = top;
    else {
      // After raise(x) every anchor is >= x, and a new order's anchor is x: it goes on top.
      g = this.newGroup(x);
      this.stack.push(g);
    }
    o.group = g;
    const top2 = this.insertNode(g, o);
    this.live++;
    if (top2 || !this.heap.has(g.id)) this.rekey(g);
  }

  anchorOf(o: Armed): bigint {
    return this.s * rootOf(o.group as Group).anchorX;
  }

  disarm(o: Armed): void {
    const g = rootOf(o.group as Group);
    o.alive = false;
    this.live--;
    this.dead++;
    this.rekey(g);
    if (this.dead > REBUILD_MIN_DEAD && this.dead > this.live) this.rebuild();
  }

  /** Step 1 (raise anchors below x), step 2 (fire); appends the fired orders to `out`. */
  onPrice(price: bigint, scratch: Int32List, out: FiredTrigger[], remove: (o: Armed) => void): void {
    const x = this.s * price;
    this.raise(x);
    // A new extreme fires nothing (every trigger is beyond it); otherwise the groups whose nearest trigger is reached.
    if (this.heap.size === 0 || this.heap.topKey() < Number(x)) return;
    this.fire(price, x, scratch, out, remove);
  }

  /** Step 1: the top segment of the stack with anchors below x melds into one group with anchor x. */
  private raise(x: bigint): void {
    const stack = this.stack;
    let top = stack[stack.length - 1];
    if (top !== undefined && top.anchorX < x) {
      const survivor = stack.pop() as Group;
      for (top = stack[stack.length - 1]; top !== undefined && top.anchorX < x; top = stack[stack.length - 1]) {
        stack.pop();
        survivor.amount = meld(survivor.amount, top.amount);
        survivor.ratio = meld(survivor.ratio, top.ratio);
        top.amount = null;
        top.ratio = null;
        top.parent = survivor;
        this.retire(top);
      }
      survivor.anchorX = x;
      stack.push(survivor);
      this.rekey(survivor);
    }
  }

  /**
   * Step 2: pops, from each group whose nearest trigger is reached, its orders while they fire. For one anchor A and
   * price p the fire test is a bound on the key: amount (DOWN) A - offset >= p <=> offset <= A - p (UP: p - A);
   * ratio (DOWN) floor(A (1e6 - r) / 1e6) >= p <=> A (1e6 - r) >= 1e6 p <=> r <= 1e6 - ceil(1e6 p / A);
   * (UP) ceil(A (1e6 + r) / 1e6) <= p <=> r <= floor(1e6 p / A) - 1e6. So each group costs two bigint bounds, and
   * each fired order one trigger computation (for its event).
   */
  private fire(price: bigint, _x: bigint, scratch: Int32List, out: FiredTrigger[], remove: (o: Armed) => void): void {
    scratch.clear();
    this.heap.collect(Number(_x), scratch);
    const down = this.direction === 'down';
    for (let i = 0; i < scratch.length; i++) {
      const g = this.groups[scratch.data[i] as number] as Group;
      const anchor = this.s * g.anchorX;
      const maxOffset = Number(down ? anchor - price : price - anchor);
      const maxRatio = Number(down ? PPM - ceilDiv(PPM * price, anchor) : (PPM * price) / anchor - PPM);
      for (const which of ['amount', 'ratio'] as const) {
        const bound = which === 'amount' ? maxOffset : maxRatio;
        for (let top = g[which]; top !== null && top.key <= bound; top = g[which]) {
          g[which] = popRoot(top);
          const o = top.order;
          if (!o.alive) {
            this.dead--; // a lazily removed entry
            continue;
          }
          out.push({ handle: o.handle, trigger: trailingTrigger(this.direction, o.rule, anchor), direction: this.direction, seq: o.seq });
          o.alive = false;
          this.live--;
          remove(o);
        }
      }
      this.rekey(g);
    }
  }

  /** Drops the dead entries: live orders regrouped by their exact anchors (the stack order is the anchor order). */
  private rebuild(): void {
    const live: { o: Armed; x: bigint }[] = [];
    for (const g of this.stack) {
      const walk = (n: PNode | null): void => {
        const todo: PNode[] = n === null ? [] : [n];
        while (todo.length > 0) {
          const p = todo.pop() as PNode;
          if (p.order.alive) live.push({ o: p.order, x: g.anchorX });
          if (p.child !== null) todo.push(p.child);
          if (p.next !== null) todo.push(p.next);
        }
      };
      walk(g.amount);
      walk(g.ratio);
    }
    for (const g of this.stack) this.retire(g);
    this.stack = [];
    this.groups = [];
    this.freeIds = [];
    this.slots.at.fill(-1);
    this.live = 0;
    this.dead = 0;
    // Deepest (largest anchor) first, keeping the stack's order; within a group the heaps order by key and seq.
    live.sort((a, b) => (a.x > b.x ? -1 : a.x < b.x ? 1 : a.o.seq - b.o.seq));
    for (const { o, x } of live) this.arm(o, this.s * x);
  }

  /** Every live order with its exact anchor (for checks). */
  checkInvariants(): void {
    for (let i = 1; i < this.stack.length; i++) {
      assert((this.stack[i - 1] as Group).anchorX >= (this.stack[i] as Group).anchorX, 'TrailingSide: stack anchors out of order');
    }
  }
}

/** One (market, source): fixed heaps and trailing sides per direction. */
class Lane {
  readonly fixedSlots: HeapSlots = { at: new Int32Array(16).fill(-1) };
  readonly down = new IndexedHeap('max', this.fixedSlots);
  readonly up = new IndexedHeap('min', this.fixedSlots);
  readonly fixed: (Armed | null)[] = [];
  private freeSlots: number[] = [];
  readonly trailDown = new TrailingSide('down');
  readonly trailUp = new TrailingSide('up');

  addFixed(o: Armed): void {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.fixed.length;
      this.fixed.push(null);
      if (slot >= this.fixedSlots.at.length) {
        const at = new Int32Array(this.fixedSlots.at.length * 2).fill(-1);
        at.set(this.fixedSlots.at);
        this.fixedSlots.at = at;
      }
    }
    this.fixed[slot] = o;
    o.slot = slot;
    const trigger = (o.rule as { trigger: bigint }).trigger;
    (o.direction === 'down' ? this.down : this.up).push(slot, Number(trigger));
  }

  removeFixed(o: Armed): void {
    (o.direction === 'down' ? this.down : this.up).remove(o.slot);
    this.fixed[o.slot] = null;
    this.freeSlots.push(o.slot);
    o.slot = -1;
  }
}

/** The trigger index (see the header). Handles are the owner's numbers for its orders. */
export class ConditionalIndex {
  private readonly lanes = new Map<string, Lane>();
  private readonly orders = new Map<number, Armed>();
  private readonly scratch = new Int32List(64);

  get size(): number {
    return this.orders.size;
  }

  has(handle: number): boolean {
    return this.orders.has(handle);
  }

  private lane(key: string): Lane {
    let l = this.lanes.get(key);
    if (l === undefined) {
      l = new Lane();
      this.lanes.set(key, l);
    }
    return l;
  }

  /**
   * Arms an order. `best`: for a trailing order, the best price seen since its placement (at placement, the lane's
   * current price; on restore, the snapshot's); ignored for a fixed one.
   */
  arm(handle: number, lane: string, direction: TriggerDirection, rule: TriggerRule, seq: number, best: bigint | null): void {
    assert(!this.orders.has(handle), 'ConditionalIndex.arm: handle already armed');
    const o: Armed = { handle, lane, direction, rule, seq, slot: -1, group: null, alive: true };
    const l = this.lane(lane);
    if (rule.kind === 'fixed') l.addFixed(o);
    else {
      assert(best !== null, 'ConditionalIndex.arm: a trailing order needs its best price');
      (direction === 'down' ? l.trailDown : l.trailUp).arm(o, best);
    }
    this.orders.set(handle, o);
  }

  disarm(handle: number): void {
    const o = this.orders.get(handle);
    assert(o !== undefined, 'ConditionalIndex.disarm: handle not armed');
    this.orders.delete(handle);
    const l = this.lane(o.lane);
    if (o.rule.kind === 'fixed') l.removeFixed(o);
    else (o.direction === 'down' ? l.trailDown : l.trailUp).disarm(o);
  }

  /** A trailing order's best price since placement (exact); null for a fixed order. */
  bestOf(handle: number): bigint | null {
    const o = this.orders.get(handle);
    assert(o !== undefined, 'ConditionalIndex.bestOf: handle not armed');
    if (o.rule.kind === 'fixed') return null;
    const l = this.lane(o.lane);
    return (o.direction === 'down' ? l.trailDown : l.trailUp).anchorOf(o);
  }

  /** The order's trigger price now. */
  triggerOf(handle: number): bigint {
    const o = this.orders.get(handle);
    assert(o !== undefined, 'ConditionalIndex.triggerOf: handle not armed');
    return trailingTrigger(o.direction, o.rule, this.bestOf(handle) ?? 0n);
  }

  /** The lane's price is now `price`: raises trailing anchors, returns the fired orders (disarmed) in firing order. */
  onPrice(lane: string, price: bigint): FiredTrigger[] {
    const l = this.lanes.get(lane);
    if (l === undefined) return [];
    const fired: FiredTrigger[] = [];
    const drop = (o: Armed): void => {
      this.orders.delete(o.handle);
    };
    const p = Number(price);
    for (const [heap, direction] of [[l.down, 'down'], [l.up, 'up']] as const) {
      if (heap.size === 0 || (direction === 'down' ? heap.topKey() < p : heap.topKey() > p)) continue;
      const scratch = this.scratch;
      scratch.clear();
      heap.collect(p, scratch);
      const hit: Armed[] = [];
      for (let i = 0; i < scratch.length; i++) {
        const o = l.fixed[scratch.data[i] as number] as Armed;
        const trigger = (o.rule as { trigger: bigint }).trigger;
        if (triggerFires(direction, trigger, price)) hit.push(o);
      }
      for (const o of hit) {
        fired.push({ handle: o.handle, trigger: (o.rule as { trigger: bigint }).trigger, direction, seq: o.seq });
        l.removeFixed(o);
        drop(o);
      }
    }
    l.trailDown.onPrice(price, this.scratch, fired, drop);
    l.trailUp.onPrice(price, this.scratch, fired, drop);
    sortFired(fired);
    return fired;
  }

  checkInvariants(): void {
    for (const l of this.lanes.values()) {
      l.down.checkInvariants();
      l.up.checkInvariants();
      l.trailDown.checkInvariants();
      l.trailUp.checkInvariants();
    }
  }
}

/**
 * The naive strategy: every order of the lane checked on every tick, each trailing order with its own running best
 * price. The property test and the benchmark compare the index with it.
 */
export class ConditionalScan {
  private readonly lanes = new Map<string, Map<number, { direction: TriggerDirection; rule: TriggerRule; seq: number; best: bigint | null }>>();

  get size(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.size;
    return n;
  }

  arm(handle: number, lane: string, direction: TriggerDirection, rule: TriggerRule, seq: number, best: bigint | null): void {
    let l = this.lanes.get(lane);
    if (l === undefined) this.lanes.set(lane, (l = new Map()));
    l.set(handle, { direction, rule, seq, best: rule.kind === 'fixed' ? null : best });
  }

  disarm(handle: number, lane: string): void {
    this.lanes.get(lane)?.delete(handle);
  }

  onPrice(lane: string, price: bigint): FiredTrigger[] {
    const l = this.lanes.get(lane);
    if (l === undefined) return [];
    const fired: FiredTrigger[] = [];
    for (const [handle, o] of l) {
      if (o.best !== null && (o.direction === 'down' ? price > o.best : price < o.best)) o.best = price;
      const trigger = trailingTrigger(o.direction, o.rule, o.best ?? 0n);
      if (triggerFires(o.direction, trigger, price)) fired.push({ handle, trigger, direction: o.direction, seq: o.seq });
    }
    for (const f of fired) l.delete(f.handle);
    sortFired(fired);
    return fired;
  }
}
