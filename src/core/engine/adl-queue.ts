// The ADL queue of one market and side within a block: the opposite positions in BitMEX's score order (highest
// first, ties by account id: liquidation/adl.ts bitmexAdlScore, rankForAdl's order), found lazily.
//
// Ranking every opposite holder exactly costs an account evaluation each, and a crash needs only the first few
// hundred. So each candidate is first screened in floats (margin/screen.ts screenLedgerEquity), giving an interval
// certain to hold its exact score; a max-heap on the intervals' upper ends says which candidate to score exactly next
// (floats screen, never decide). A candidate scored exactly is released once its score beats the upper end of every
// candidate not yet scored: no unscored candidate can rank before it, so every release is the exact best of the
// opposite side (ties among scored candidates go by account id, as rankForAdl orders them).
//
// Accounts change during a block (a deleveraged candidate's position shrinks, a maker's grows): every account the
// block touches is found again here (`touched`): its slots go stale and, if it still holds an opposite position, it
// is scored exactly as it stands and filed among the scored (an exact score bounds itself). So a release is the exact
// best of the opposite side as it stands, not as it stood when the queue was built.

import type { Account } from '../account/account.js';
import { adlOrder, bitmexAdlScoreFraction, type ScoreFraction } from '../liquidation/adl.js';
import { evaluateMaintenance, ledgerEquity, type MaintenanceEvaluation } from '../margin/evaluate.js';
import { screenLedgerEquity } from '../margin/screen.js';
import { positionValue, type MarketState } from '../market/index.js';
import { Rational } from '../units/index.js';
import { isVenueAccount, type EngineState } from './state.js';
import type { AdlMirror, BoundScratch, MirrorSide, SideLessee } from './adl-mirror.js';

/**
 * A scored candidate waiting for release: its exact score as a fraction (adlOrder compares without reducing) and that
 * fraction in floats (Number(num) / Number(den), within 4e-16 relative of it), which screens the comparisons.
 */
export interface Scored {
  readonly account: string;
  readonly score: ScoreFraction;
  readonly approx: number;
}

export function scored(account: string, score: ScoreFraction): Scored {
  return { account, score, approx: Number(score.num) / Number(score.den) };
}

/**
 * adlOrder (< 0: `a` ranks before `b`), decided by the floats when they are apart by more than their error: each of
 * Number(num), Number(den) and the quotient rounds to nearest (relative error <= 2^-53 each, ~3.3e-16 in all), so two
 * approximations more than 1e-12 of their magnitudes (plus 1e-300 for values near the subnormal range) apart are
 * ordered as the exact scores are. Otherwise (close, equal, or not finite: the comparisons below are false for NaN
 * and for Infinity - Infinity) the exact cross-multiplication decides.
 */
export function screenedOrder(a: Scored, b: Scored): number {
  return orderOf(a.approx, a, b.approx, b);
}

/**
 * screenedOrder with each candidate's approximation given apart (ScoredHeap reads them from its typed array): the
 * floats decide when they are apart by more than their error, else the exact scores.
 */
function orderOf(aApprox: number, a: Scored, bApprox: number, b: Scored): number {
  const d = aApprox - bApprox;
  const tolerance = 1e-12 * (Math.abs(aApprox) + Math.abs(bApprox)) + 1e-300;
  if (d > tolerance) return -1;
  if (d < -tolerance) return 1;
  return adlOrder(a, b);
}

/** The exact score of one position (0 when BitMEX's score is undefined: no entry value, no cushion). */
export function exactAdlScore(s: EngineState, m: MarketState, a: Account): Rational {
  const f = exactAdlFraction(s, m, a);
  return f === ZERO_FRACTION ? ZERO : Rational.of(f.num, f.den);
}

/** exactAdlScore as an unreduced fraction (bitmexAdlScoreFraction): what the queue orders by. */
function exactAdlFraction(s: EngineState, m: MarketState, a: Account): ScoreFraction {
  const p = a.positions.get(m.spec.id);
  if (p === undefined || m.markPrice === null) return ZERO_FRACTION;
  const markValue = positionValue(m.spec, s.quoteDecimals, p.size, m.markPrice, 'floor');
  // The ledger's equity alone (no requirements) when it is a plain one; else the full evaluation.
  const ledger = p.isolatedMargin === null ? null : m.spec.id;
  const equity = ledgerEquity(s, a, ledger) ?? ledgerEquityOf(evaluateMaintenance(s, a), ledger);
  // Bankruptcy value: the position's value less the ledger's equity (long), plus it (short).
  const r = bitmexAdlScoreFraction({ markValue, entryValue: p.entryQuote, bankruptValue: markValue - equity });
  return r.ok ? r.value : ZERO_FRACTION;
}

const ZERO_FRACTION: ScoreFraction = { num: 0n, den: 1n };

/** The ledger's equity from a full evaluation (0 when the account cannot be priced or holds no such ledger). */
function ledgerEquityOf(ev: MaintenanceEvaluation, ledger: string | null): bigint {
  if (!ev.priced) return 0n;
  return ledger === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === ledger)?.equity ?? 0n);
}

const ZERO = Rational.int(0);

/** A relative slack on every float bound, far above the rounding of the few float operations behind it. */
const FLOAT_SLACK = 1e-9;

export class AdlQueue implements DeleverageQueue, SideLessee {
  /**
   * Per slot: the account. From the mirror: the side's own ids, read in place while the queue holds the side's lease;
   * a slot the mirror gives to another account later in the block (it catches up when another queue opens) keeps the
   * account it had for this queue in `overwritten` (accountAt). slotCount: how many slots.
   */
  private slotAccount: readonly string[] = [];
  private slotCount = 0;
  private overwritten: Map<number, string> | null = null;
  private heap = new UpperBoundHeap(new Float64Array(0), new Int32Array(0), 0);
  /** The mirror side whose buffers and ids the queue leases (null: its own arrays). */
  private leased: MirrorSide | null = null;
  /** Scored candidates not yet released, the best on top (entries dropped since stay until they surface). */
  private readonly scored = new ScoredHeap();
  /** The live candidate of each account in `scored` (an entry of the heap that is not its account's here is dropped). */
  private readonly scoredById = new Map<string, Scored>();
  /** The released candidate the queue stands at (the current best), or null. */
  private head: Scored | null = null;
  private readonly excluded = new Set<string>();
  /** Accounts touched since the last release, to re-place before the next (touched()). */
  private readonly pending = new Set<string>();
  /** How much of the block's touch log this queue has replayed. */
  private logRead: number;

  /**
   * @param long the side being deleveraged: the queue holds the opposite (shorts when longs are deleveraged).
   * @param mirror the engine's float mirror of the holders: the upper bounds without reading the accounts (the same
   *   bounds' guarantee; every release is still confirmed exactly).
   * @param touchLog the block's touches (block.ts touchLog): those after this queue was opened are replayed to
   *   touched() before each pick, in order; null: the caller calls touched() itself.
   */
  constructor(
    private readonly s: EngineState,
    private readonly m: MarketState,
    private readonly long: boolean,
    mirror: AdlMirror | null = null,
    private readonly touchLog: readonly string[] | null = null,
  ) {
    this.logRead = touchLog?.length ?? 0;
    if (mirror === null) {
      // Only the opposite side: shorts when longs are deleveraged. Screened from the accounts.
      const ids: string[] = [];
      const keys: number[] = [];
      for (const id of s.holders.get(m.spec.id)?.[long ? 'short' : 'long'] ?? []) {
        if (isVenueAccount(id)) continue;
        const a = s.accounts.get(id);
        const p = a?.positions.get(m.spec.id);
        if (a === undefined || p === undefined || p.size > 0n === long) continue;
        ids.push(id);
        keys.push(adlScoreBounds(s, m, a).high);
      }
      this.slotAccount = ids;
      this.slotCount = ids.length;
      this.heap = new UpperBoundHeap(Float64Array.from(keys), Int32Array.from(ids.keys()), ids.length);
    } else {
      const side = mirror.side(m.spec.id, !long);
      if (side !== null) {
        const scratch = side.lease(this);
        this.leased = side;
        this.slotAccount = side.ids;
        this.slotCount = side.n;
        const members = this.mirroredUpperBounds(mirror, side, scratch);
        // The members the mirror does not carry, screened from their accounts (mirroredUpperBounds says why not there).
        const { keys, slots, unmirrored } = scratch;
        for (let k = 0; (unmirrored[k] as number) >= 0; k++) {
          const member = unmirrored[k] as number;
          keys[member] = this.accountUpperBound(side.ids[slots[member] as number] as string);
        }
        this.heap = new UpperBoundHeap(keys, slots, members);
      }
    }
  }

  /** The mirror gives slot `slot` (which held `id`) to another account: this queue keeps `id` there. */
  overwriting(slot: number, id: string): void {
    if (slot >= this.slotCount) return; // a slot the side grew after this queue opened: not one it reads
    this.overwritten ??= new Map();
    if (!this.overwritten.has(slot)) this.overwritten.set(slot, id);
  }

  /** Another queue leases the side: the bounds heap and the ids become this queue's own. */
  detach(): void {
    const ids = this.slotAccount.slice(0, this.slotCount);
    for (const [slot, id] of this.overwritten ?? []) ids[slot] = id;
    this.slotAccount = ids;
    this.overwritten = null;
    this.heap = this.heap.copy();
    this.leased = null;
  }

  /** The heap of the candidates' upper bounds (the class PINNED_QUEUE_CLASSES keeps). */
  boundsHeap(): object {
    return this.heap;
  }

  /** The account of slot `slot` when the queue opened. */
  private accountAt(slot: number): string {
    return this.overwritten?.get(slot) ?? (this.slotAccount[slot] as string);
  }

  /** The block is over: the side's buffers are free for the next queue. */
  close(): void {
    this.leased?.release(this);
    this.leased = null;
  }

  /** The exact best opposite position now, or null when none is left. */
  peek(): string | null {
    if (this.touchLog !== null) {
      const log = this.touchLog;
      for (let i = this.logRead; i < log.length; i++) this.touched(log[i] as string);
      this.logRead = log.length;
    }
    if (this.pending.size > 0) this.catchUp();
    if (this.head !== null) return this.head.account;
    for (;;) {
      const best = this.bestScored();
      const bound = this.heap.size === 0 ? -Infinity : this.heap.topKey();
      if (best !== undefined && best.approx > bound) {
        this.scored.pop();
        this.scoredById.delete(best.account);
        this.head = best;
        return best.account;
      }
      if (this.heap.size === 0) return null;
      const account = this.accountAt(this.heap.pop());
      // A slot is stale once its account was touched: that account is now among the scored or the left out
      // (re-placed by its exact score; there is no head here), or holds no opposite position; only an untouched one
      // is scored here.
      if (this.scoredById.has(account) || this.excluded.has(account)) continue;
      const a = this.s.accounts.get(account);
      if (a === undefined || !this.holdsOpposite(a)) continue;
      this.file(scored(account, exactAdlFraction(this.s, this.m, a)));
    }
  }

  /**
   * The account changed (or appeared) during the block: its place in the queue is found again before the next
   * release (an account touched many times between two releases, as the maker met by every book fill, is re-placed
   * once; a queue of a market not deleveraged for a while is not kept up with touch by touch).
   */
  touched(id: string): void {
    // The venue's own accounts (the fund after a takeover) are never candidates: nothing to re-place.
    if (!this.excluded.has(id) && !isVenueAccount(id)) this.pending.add(id);
  }

  /** Leaves the account out for the rest of the block (a transfer to it was refused). */
  exclude(id: string): void {
    this.excluded.add(id);
    this.pending.delete(id);
    this.drop(id);
  }

  /**
   * Re-places the accounts touched since the last release, as they stand now. Most hold nothing on the opposite side
   * any more (a counterparty closed in full, the liquidated account, the fund): they are only dropped. One that still
   * holds an opposite position (a counterparty closed in part, the maker) is scored exactly at once and filed among
   * the scored: an exact score is a bound of itself, so no float screen (and no mirror read) is needed for it, and
   * its older slots are stale. The mirror re-reads the accounts the block touched at the end of the command.
   */
  private catchUp(): void {
    let filed = false;
    for (const id of this.pending) {
      this.drop(id);
      const a = this.s.accounts.get(id);
      // No longer a candidate (nothing on the opposite side; the venue's accounts never reach pending).
      if (a === undefined || !this.holdsOpposite(a)) continue;
      this.file(scored(id, exactAdlFraction(this.s, this.m, a)));
      filed = true;
    }
    this.pending.clear();
    // A released head untouched stays exact, but an account re-placed may now rank before it: it competes again.
    // (Stage 4 trades with the head at once, which touches it, so in the engine this does not arise.)
    if (filed && this.head !== null) {
      this.file(this.head);
      this.head = null;
    }
  }

  /**
   * Takes the account out of the scored (or off the head). Its slot in the heap needs no mark: when it surfaces, the
   * account is found placed again or no longer a candidate (peek()).
   */
  private drop(id: string): void {
    if (this.head?.account === id) this.head = null;
    this.scoredById.delete(id); // its entry in `scored` is dead from now on (bestScored() discards it)
  }

  /** The best live scored candidate (dead entries on top discarded), or undefined. */
  private bestScored(): Scored | undefined {
    for (;;) {
      const top = this.scored.top();
      if (top === undefined || this.scoredById.get(top.account) === top) return top;
      this.scored.pop();
    }
  }

  /**
   * The upper ends of adlScoreBounds for every member of the side, from the mirror in one pass over its arrays (the same
   * formula on the same terms, without the accounts): member k's slot in scratch.slots[k], its bound in scratch.keys[k]
   * (the side's holes left out). Returns how many members.
   */
  private mirroredUpperBounds(mirror: AdlMirror, side: MirrorSide, scratch: BoundScratch): number {
    const n = side.n;
    const { keys, slots, unmirrored } = scratch; // at least n each (unmirrored n + 1)
    unmirrored[0] = -1; // none yet (a list ended by -1)
    const px = mirror.prices();
    const mark = px.mark[side.market] as number;
    let members = 0;
    // No mark: only the exact scores decide.
    if (!(mark > 0)) {
      for (let slot = 0; slot < n; slot++) {
        if (!side.isMember(slot)) continue;
        keys[members] = Infinity;
        slots[members++] = slot;
      }
      return members;
    }
    // The ledgers' equities first (into keys[slot]), then each member's bound from its equity, written at
    // keys[members] (members <= slot: each equity is read before its place is written over).
    const errors = scratch.errors;
    mirror.equities(side, px, 0, n, keys, errors);
    const divisor = px.valueDivisor[side.market] as number;
    const q = px.quoteScale;
    const sizes = side.size;
    const costs = side.cost;
    // A ledger the mirror does not carry (many positions: a maker's; other collateral) is only noted here (in
    // `unmirrored`, ended by -1); the constructor screens it from its account. Why not here: this pass is compiled
    // while it runs (on-stack replacement), and the account's reads in a branch that had not run yet had no type
    // feedback, so V8 threw the compiled pass away at the first such member and ran the rest of the side's ~60,000
    // interpreted, and so did any code after the loop (docs/performance.md "2026-12-07, s70"). Nothing follows the
    // loop but the return.
    let unmirroredCount = 0;
    for (let slot = 0; slot < n; slot++) {
      if (!side.isMember(slot)) continue;
      const cost = costs[slot] as number;
      const equity = keys[slot] as number;
      // The score is 0 exactly without a cost; Infinity until the constructor screens a member the mirror does not
      // carry. The list is written for every member, so that no operation here waits on a branch that has not run.
      const missing = cost !== 0 && Number.isNaN(equity) ? 1 : 0;
      unmirrored[unmirroredCount] = members;
      unmirroredCount += missing;
      unmirrored[unmirroredCount] = -1;
      keys[members] = cost === 0 ? 0 : missing === 1 ? Infinity : adlScoreBound(((sizes[slot] as number) * mark * q) / divisor, cost, equity, errors[slot] as number, true);
      slots[members++] = slot;
    }
    return members;
  }

  /** adlScoreBounds' upper end screened from the account (a ledger the mirror does not carry); Infinity: unknown. */
  private accountUpperBound(id: string): number {
    const a = this.s.accounts.get(id);
    return a === undefined ? Infinity : adlScoreBounds(this.s, this.m, a).high;
  }

  /** The account holds a position on the side this queue deleverages against (the opposite one). */
  private holdsOpposite(a: Account): boolean {
    const p = a.positions.get(this.m.spec.id);
    return p !== undefined && p.size !== 0n && p.size > 0n !== this.long;
  }

  /** Files a candidate scored exactly among the scored (its account's earlier entry, if any, is dead from now on). */
  private file(c: Scored): void {
    this.scored.push(c);
    this.scoredById.set(c.account, c);
  }
}

/**
 * Float bounds certain to hold the account's exact ADL score on the market (exactAdlScore): the formula at the
 * largest and the smallest PnL% and effective leverage |markValue| / equity the float errors allow (the score rises
 * with both, in either branch of BitMEX's formula). [-Infinity, +Infinity] when the ledger cannot be screened or its
 * equity may be <= 0: then only the exact score decides. Floats screen; they never rank.
 */
export function adlScoreBounds(s: EngineState, m: MarketState, a: Account): { readonly low: number; readonly high: number } {
  const p = a.positions.get(m.spec.id);
  if (p === undefined || m.markPrice === null) return UNBOUNDED;
  if (p.entryQuote === 0n) return ZERO_BOUNDS; // the score is 0 exactly
  const equity = screenLedgerEquity(s, a, p.isolatedMargin === null ? null : m.spec.id);
  if (equity === null) return UNBOUNDED;
  const markValue = (Number(p.size) * Number(m.markPrice) * 10 ** s.quoteDecimals) / 10 ** (m.spec.baseDecimals + m.spec.priceDecimals);
  const entry = Number(p.entryQuote);
  return { low: adlScoreBound(markValue, entry, equity.value, equity.error, false), high: adlScoreBound(markValue, entry, equity.value, equity.error, true) };
}

/**
 * One end of adlScoreBounds from the floats: the position's value at the mark (as adlScoreBounds computes it), its
 * cost (non-zero) and the ledger's screened equity; -Infinity / +Infinity when the equity may be <= 0 or the mark
 * value is within its error of 0 (then only the exact score decides).
 */
export function adlScoreBound(markValue: number, entryQuote: number, equity: number, equityError: number, high: boolean): number {
  if (equity - equityError <= 0) return high ? Infinity : -Infinity;
  const mvError = 1 + Math.abs(markValue) * 1e-15;
  if (Math.abs(markValue) <= mvError) return high ? Infinity : -Infinity;
  const entry = Math.abs(entryQuote);
  if (high) {
    const pnlHigh = (markValue - entryQuote + mvError) / entry;
    const levHigh = (Math.abs(markValue) + mvError) / (equity - equityError);
    // In profit the score is PnL% x leverage (largest with both largest); in loss PnL% / leverage (negative: largest
    // with the largest leverage).
    const v = pnlHigh >= 0 ? pnlHigh * levHigh : pnlHigh / levHigh;
    return v + Math.abs(v) * FLOAT_SLACK + 1e-12;
  }
  const pnlLow = (markValue - entryQuote - mvError) / entry;
  const levLow = (Math.abs(markValue) - mvError) / (equity + equityError);
  const v = pnlLow >= 0 ? pnlLow * levLow : pnlLow / levLow;
  return v - Math.abs(v) * FLOAT_SLACK - 1e-12;
}

const UNBOUNDED = { low: -Infinity, high: Infinity } as const;
const ZERO_BOUNDS = { low: 0, high: 0 } as const;

/** What stage 4 walks: the next counterparty (the exact best now), told when accounts change during the block. */
export interface DeleverageQueue {
  peek(): string | null;
  /** The account changed during the block (its place, or whether it is a candidate at all, is found again). */
  touched(id: string): void;
  /** Leaves the account out for the rest of the block. */
  exclude(id: string): void;
  /** The block is over (the queue is not used again). */
  close(): void;
}

/**
 * dYdX offsetting: the opposite positions in account order, from a start that rotates with the block
 * (deleveraging.go OffsetSubaccountPerpetualPosition starts at a pseudo-random subaccount and walks on). What a
 * candidate holds is read when it is reached.
 */
export class OffsetQueue implements DeleverageQueue {
  private readonly order: string[];
  private at = 0;
  private readonly excluded = new Set<string>();

  constructor(
    private readonly s: EngineState,
    private readonly m: MarketState,
    private readonly long: boolean,
    block: bigint,
  ) {
    const ids: string[] = [];
    for (const id of s.holders.get(m.spec.id)?.[long ? 'short' : 'long'] ?? []) if (this.holdsOpposite(id)) ids.push(id);
    ids.sort();
    const start = ids.length === 0 ? 0 : Number(block % BigInt(ids.length));
    this.order = [...ids.slice(start), ...ids.slice(0, start)];
  }

  peek(): string | null {
    while (this.at < this.order.length) {
      const id = this.order[this.at] as string;
      if (!this.excluded.has(id) && this.holdsOpposite(id)) return id;
      this.at++;
    }
    return null;
  }

  touched(): void {}

  exclude(id: string): void {
    this.excluded.add(id);
  }

  close(): void {}

  private holdsOpposite(id: string): boolean {
    if (isVenueAccount(id)) return false;
    const p = this.s.accounts.get(id)?.positions.get(this.m.spec.id);
    return p !== undefined && p.size > 0n !== this.long;
  }
}

/**
 * The scored candidates, the best on top (screenedOrder: score, then account id). A binary heap: a crash files
 * thousands (a counterparty closed in part is scored again after each fill), and a sorted array's insertions moved
 * ~2.6M entries in one 1M-account tick (2026-12-05). Entries are never removed from inside: a dropped candidate's entry
 * is left to surface and be discarded (AdlQueue.bestScored), so the same Scored object must not be pushed while an
 * entry of it is in the heap (AdlQueue re-files only its released head, which has left the heap).
 */
class ScoredHeap {
  private readonly items: Scored[] = [];
  /** items[i].approx at i: the comparisons read the floats here, contiguous, and an object only when they tie. */
  private approx = new Float64Array(64);
  private n = 0;

  top(): Scored | undefined {
    return this.n === 0 ? undefined : this.items[0];
  }

  push(c: Scored): void {
    if (this.n === this.approx.length) {
      const grown = new Float64Array(2 * this.n);
      grown.set(this.approx);
      this.approx = grown;
    }
    const { items, approx } = this;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      // The parent ranks first (or the same): c stays below it.
      if (orderOf(approx[parent] as number, items[parent] as Scored, c.approx, c) <= 0) break;
      items[i] = items[parent] as Scored;
      approx[i] = approx[parent] as number;
      i = parent;
    }
    items[i] = c;
    approx[i] = c.approx;
  }

  pop(): void {
    if (this.n === 0) return;
    const { items, approx } = this;
    const n = --this.n;
    const last = items.pop() as Scored; // items[n]
    if (n === 0) return;
    const key = last.approx;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && orderOf(approx[right] as number, items[right] as Scored, approx[child] as number, items[child] as Scored) < 0) child = right;
      if (orderOf(approx[child] as number, items[child] as Scored, key, last) >= 0) break;
      items[i] = items[child] as Scored;
      approx[i] = approx[child] as number;
      i = child;
    }
    items[i] = last;
    approx[i] = key;
  }
}

/**
 * A max-heap of (upper bound, slot) in typed arrays: built from every slot's bound at once (heapified in place, O(n)),
 * then popped in O(log n). Stale slots stay until they surface (the queue skips them).
 */
class UpperBoundHeap {
  /**
   * @param keys, slots: entry i (< n) is slot slots[i] with upper bound keys[i]; the heap takes the first n of both over.
   */
  constructor(
    private readonly keys: Float64Array,
    private readonly slots: Int32Array,
    private n: number,
    /** False: keys and slots already form a heap (copy()). */
    heapify = true,
  ) {
    if (!heapify) return;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** The same heap in arrays of its own. */
  copy(): UpperBoundHeap {
    return new UpperBoundHeap(this.keys.slice(0, this.n), this.slots.slice(0, this.n), this.n, false);
  }

  get size(): number {
    return this.n;
  }

  topKey(): number {
    return this.keys[0] as number;
  }

  pop(): number {
    const top = this.slots[0] as number;
    this.n--;
    if (this.n > 0) {
      this.keys[0] = this.keys[this.n] as number;
      this.slots[0] = this.slots[this.n] as number;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const key = this.keys[i] as number;
    const slot = this.slots[i] as number;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.n) break;
      if (child + 1 < this.n && (this.keys[child + 1] as number) > (this.keys[child] as number)) child++;
      if ((this.keys[child] as number) <= key) break;
      this.keys[i] = this.keys[child] as number;
      this.slots[i] = this.slots[child] as number;
      i = child;
    }
    this.keys[i] = key;
    this.slots[i] = slot;
  }
}

/**
 * One instance of each class a block's queues are made of, kept for the module's life. V8 reaches the hidden class of
 * a class's instances through transitions it holds weakly, and a queue lives one block: after a quiet spell of full
 * collections no instance is left, the classes are freed, and the code optimized against them (the bounds heap, the
 * queue's opening over the mirror) is thrown away ("weak objects") to run cold in the next crash. An instance of each
 * kept alive keeps the classes, and that code (docs/performance.md "2026-12-07, s69"; adl-queue-shape.test.ts checks
 * that these share their class with the queues a block opens).
 */
export const PINNED_QUEUE_CLASSES = pinnedQueueClasses();

function pinnedQueueClasses(): { readonly adl: AdlQueue; readonly offset: OffsetQueue; readonly boundsHeap: object } {
  // A state and a market with no holders: with no mirror, a queue's opening reads only these two fields of them.
  const noHolders = { holders: new Map() } as unknown as EngineState;
  const noMarket = { spec: { id: '' } } as unknown as MarketState;
  const adl = new AdlQueue(noHolders, noMarket, true);
  return { adl, offset: new OffsetQueue(noHolders, noMarket, true, 0n), boundsHeap: adl.boundsHeap() };
}
