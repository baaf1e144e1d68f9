// A float mirror of every holder's ADL inputs, per market and side, kept up to date between commands: what the
// ADL queue (adl-queue.ts) screens, without reading a single account.
//
// Why: a crash deleverages against every opposite holder of a market (~60k at 1M accounts x 10 markets), and
// screening one from the account (Maps of the account, its positions, its balances, each market) costs ~1-2 us of
// cache misses: building the queues was a third of the crash tick. Here each holder is one slot of typed arrays, so
// the queue's upper bounds are a linear pass.
//
// What a slot holds is price-free: a ledger's equity at marks p is
//   base + sum over the ledger's positions j of (size_j x p_j x 10^qd / 10^(bd_j + pd_j) - size_j x F_j / fs_j)
// with base = cash (the settlement balance, or the isolated margin) - sum cost_j + sum size_j x Fpos_j / fs_j,
// F_j the market's funding index, Fpos_j the position's, fs_j = 10^bd_j x 1e9 (margin/screen.ts
// screenLedgerEquity, the same terms regrouped; funding owed = size x (F - Fpos) / fs). The bound's error is
// screenLedgerEquity's: 2 atoms per position + 1e-12 of the sum of |terms| + 1. Floats screen, never decide: the
// queue confirms every candidate exactly before it releases it.
//
// Derived, not state: built with the engine (restore included), told of every account a command changes (the same
// feed as the state root's: Engine.enforce), re-read at the end of each command and, within a crash's block, before a
// queue reads it.
// A ledger the mirror cannot value (collateral other than the settlement asset, a debt, more than
// OTHERS_MAX other cross positions, an unknown market) gets no bound: the queue scores it exactly first.

import type { Account, Position } from '../account/account.js';
import type { MarketState } from '../market/index.js';
import { isVenueAccount, type EngineState } from './state.js';

/** Other cross positions a slot carries inline (an account with more is left to the exact path). */
const OTHERS_MAX = 3;

/** What an ADL queue leasing a side's buffers (MirrorSide.lease) must do when they are about to change under it. */
export interface SideLessee {
  /** Slot `slot` of the side, which held `id`, is about to hold another account: the lessee remembers `id` for it. */
  overwriting(slot: number, id: string): void;
  /** Another queue leases the side: the lessee copies its bounds out of the side's buffers, and the ids it reads. */
  detach(): void;
}

/** The arrays an ADL queue builds its bounds heap in (MirrorSide.lease): bounds and heap slots, the equities' errors. */
export interface BoundScratch {
  readonly keys: Float64Array;
  readonly errors: Float64Array;
  readonly slots: Int32Array;
  /** The members whose ledger the mirror does not carry, noted by the pass that opens a queue, ended by -1 (adl-queue.ts). */
  readonly unmirrored: Int32Array;
}

/**
 * The mirror's scratch sets, lent to the queues open at a time (one or two in a block) and taken back when their block
 * ends: a few sets for all the sides, not one a side kept for ever (at 1M accounts 20 sides x 1.2 MB).
 */
export class ScratchPool {
  private readonly free: BoundScratch[] = [];

  /** The smallest free set of at least n slots, or a new one. */
  take(n: number): BoundScratch {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = (this.free[i] as BoundScratch).keys.length;
      if (length >= n && (best < 0 || length < (this.free[best] as BoundScratch).keys.length)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0] as BoundScratch;
    return { keys: new Float64Array(n), errors: new Float64Array(n), slots: new Int32Array(n), unmirrored: new Int32Array(n + 1) };
  }

  /** Takes a set back (at most four are kept: the largest). */
  give(set: BoundScratch): void {
    this.free.push(set);
    if (this.free.length > 4) {
      this.free.sort((a, b) => b.keys.length - a.keys.length);
      this.free.length = 4;
    }
  }
}

/** `unbounded` of a slot no account holds (MirrorSide.releaseSlot): skipped by every pass, taken by the next member. */
const HOLE = 2;

/**
 * The holders of one market on one side. A member that leaves leaves a hole (its slot marked HOLE, on the free list)
 * that the next member takes: no slot moves. Moving the last slot into the hole, as before 2026-12-07, cost a crash
 * tick ~20 cold cache lines per account closed in full (the two slots' columns, the moved account's membership),
 * ~12,000 times in the 1M 5% tick; a hole is one line. Slots [0, n) are members or holes.
 */
export class MirrorSide {
  /** Slots in use: members and holes. */
  n = 0;
  ids: string[] = [];
  /** The holes among [0, n), a stack (the last freed is taken first). */
  private free = new Int32Array(16);
  private holes = 0;
  /** The ledger's price-free part (header), and the sum of its |terms|. */
  base: Float64Array;
  magnitude: Float64Array;
  /** This market's position: size (base atoms) and cost (entryQuote, quote atoms). */
  size: Float64Array;
  cost: Float64Array;
  /** Positions in the ledger, this one included (2 rounding atoms each). */
  positions: Int32Array;
  /** 1: no bound (the exact path decides); HOLE (2): no member. */
  unbounded: Uint8Array;
  /**
   * The other cross positions: market slot and size, OTHERS_MAX per slot. Empty until a slot with another cross
   * position is written (othersFor): a side of isolated positions only never reads them, and at 1M accounts they are
   * 36 bytes a slot, ~45 MiB in all.
   */
  otherMarket: Int32Array = new Int32Array(0);
  otherSize: Float64Array = new Float64Array(0);
  /**
   * While an ADL queue leases the side: the scratch it builds its bounds heap in (from the mirror's pool), and the
   * side's ids it reads in place of a copy. At 1M accounts a side has ~60k slots, and a queue opened per liquidation
   * allocated ~1.7 MB (bounds, errors, slots, ids) each time.
   */
  private scratch: BoundScratch | null = null;
  private lessee: SideLessee | null = null;

  /**
   * @param market the market's slot; @param number 2 x market slot + (short ? 1 : 0); @param capacity slots
   * allocated now (more grow by doubling).
   */
  constructor(
    readonly market: number,
    readonly number: number,
    capacity = 64,
    private readonly pool = new ScratchPool(),
  ) {
    this.base = new Float64Array(capacity);
    this.magnitude = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.cost = new Float64Array(capacity);
    this.positions = new Int32Array(capacity);
    this.unbounded = new Uint8Array(capacity);
  }

  /**
   * Leases a scratch set of at least the side's n slots and the ids to `q` (a previous lessee of the side detaches
   * first, and its set passes on); returns the set.
   */
  lease(q: SideLessee): BoundScratch {
    if (this.lessee !== null && this.lessee !== q) this.lessee.detach();
    this.lessee = q;
    if (this.scratch !== null && this.scratch.keys.length < this.n) {
      this.pool.give(this.scratch);
      this.scratch = null;
    }
    this.scratch ??= this.pool.take(this.n);
    return this.scratch;
  }

  /** The lessee is done with the side (its block ended): the scratch goes back to the pool. */
  release(q: SideLessee): void {
    if (this.lessee !== q) return;
    this.lessee = null;
    if (this.scratch !== null) this.pool.give(this.scratch);
    this.scratch = null;
  }

  /** Slot `slot` holds account `id` from now on (a lessee reading the ids in place is told what it held). */
  private setId(slot: number, id: string): void {
    if (this.lessee !== null && slot < this.ids.length) this.lessee.overwriting(slot, this.ids[slot] as string);
    this.ids[slot] = id;
  }

  /** Whether slot `slot` (< n) holds a member (not a hole). */
  isMember(slot: number): boolean {
    return this.unbounded[slot] !== HOLE;
  }

  /** Members: slots in use less the holes. */
  get members(): number {
    return this.n - this.holes;
  }

  /** A slot for account `id`: the last hole freed, else a new one at the end. */
  takeSlot(id: string): number {
    let slot: number;
    if (this.holes > 0) slot = this.free[--this.holes] as number;
    else {
      if (this.n === this.base.length) this.grow();
      slot = this.n++;
    }
    this.unbounded[slot] = 0;
    this.setId(slot, id);
    return slot;
  }

  /**
   * Slot `slot` no longer holds a member: a hole. Its id stays (a queue leasing the side reads it as the slot's account
   * when it opened; that account no longer holds the side, so the queue skips it).
   */
  releaseSlot(slot: number): void {
    this.unbounded[slot] = HOLE;
    if (this.holes === this.free.length) {
      const grown = new Int32Array(2 * this.free.length);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.holes++] = slot;
  }

  /** No members, no holes (a rebuild). */
  clear(): void {
    this.n = 0;
    this.holes = 0;
  }

  /** The other cross positions' tables, made at the side's capacity on first use. */
  othersFor(): void {
    if (this.otherSize.length > 0) return;
    this.otherMarket = new Int32Array(this.base.length * OTHERS_MAX);
    this.otherSize = new Float64Array(this.base.length * OTHERS_MAX);
  }

  grow(): void {
    const cap = this.base.length * 2;
    const f = (a: Float64Array, k = 1): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap * k);
      b.set(a);
      return b;
    };
    this.base = f(this.base);
    this.magnitude = f(this.magnitude);
    this.size = f(this.size);
    this.cost = f(this.cost);
    if (this.otherSize.length > 0) this.otherSize = f(this.otherSize, OTHERS_MAX);
    const positions = new Int32Array(cap);
    positions.set(this.positions);
    this.positions = positions;
    const unbounded = new Uint8Array(cap);
    unbounded.set(this.unbounded);
    this.unbounded = unbounded;
    if (this.otherMarket.length > 0) {
      const otherMarket = new Int32Array(cap * OTHERS_MAX);
      otherMarket.set(this.otherMarket);
      this.otherMarket = otherMarket;
    }
  }
}

/** Per market slot, the constants the bounds need at the current prices (read once per queue). */
export interface MirrorPrices {
  /** Mark price atoms (NaN: no mark). */
  readonly mark: Float64Array;
  /** 10^(baseDecimals + priceDecimals). */
  readonly valueDivisor: Float64Array;
  /** The market's funding index / (10^baseDecimals x 1e9). */
  readonly fundingPerSize: Float64Array;
  /** 10^quoteDecimals. */
  readonly quoteScale: number;
}

/**
 * Per account: its memberships, each one number side number x SLOT_SPAN + slot (side number = 2 x market slot +
 * (short ? 1 : 0)); a single number for the usual one position, an array (exactly sized) for more. Compact: at 1M
 * accounts a growable array each would cost ~150 MB of heap.
 */
type Memberships = number | number[];
const SLOT_SPAN = 2 ** 26;
const encode = (sideNumber: number, slot: number): number => sideNumber * SLOT_SPAN + slot;
/** AdlMirror.single: the account's memberships are in its `several` Map (no code is negative). */
const SEVERAL = -1;

export class AdlMirror {
  private readonly marketSlot = new Map<string, number>();
  private readonly marketIds: string[] = [];
  private readonly sides: MirrorSide[] = [];
  /**
   * Account number (Account.no) -> its one membership code; NaN: none; SEVERAL: its codes are in `several`. A table,
   * not a Map keyed by id: a restore fills it for a million accounts (a Map insert is ~1 us there). Float64: a code
   * exceeds 32 bits beyond 16 markets.
   */
  private single = new Float64Array(0);
  private readonly several = new Map<number, number[]>();
  private readonly dirty = new Set<string>();
  private stale = false;
  private readonly scratch = new ScratchPool();

  /** Sides made beforehand for market slot i (2i long, 2i + 1 short), taken as the slots are made. */
  private readonly spareSides: MirrorSide[] = [];

  /**
   * @param capacity accounts expected (a restore's, before they exist: why, Engine.restore): the sides of as many
   * markets as the state has are made now, each sized for an even share of the accounts' positions (~1.25 each).
   */
  constructor(
    private readonly s: EngineState,
    capacity = 0,
  ) {
    this.single = new Float64Array(Math.max(64, capacity)).fill(NaN);
    const markets = s.markets.size;
    if (capacity > 0 && markets > 0) {
      const share = Math.max(64, Math.ceil((capacity * 1.25) / (2 * markets)));
      for (let m = 0; m < markets; m++) this.spareSides.push(new MirrorSide(m, 2 * m, share, this.scratch), new MirrorSide(m, 2 * m + 1, share, this.scratch));
    }
    this.rebuild();
  }

  /** The account may have changed: it is refreshed before the mirror is next read. */
  markDirty(id: string): void {
    if (!this.stale) this.dirty.add(id);
  }

  /** Market or asset parameters changed: everything is re-read before the mirror is next read. */
  invalidateAll(): void {
    this.stale = true;
    this.dirty.clear();
  }

  /**
   * End of a command: the mirror catches up with what the command changed, so that the next crash's queues pay only
   * for the accounts that crash changes (the cost of a command: one re-read per account it touched).
   */
  settle(): void {
    this.flush();
  }

  /** Brings every slot up to date with the accounts. */
  flush(): void {
    if (this.stale) {
      this.rebuild();
      return;
    }
    if (this.dirty.size === 0) return; // the quiet tick: a Set's clear() allocates, even when empty (~1.4 us a tick)
    for (const id of this.dirty) this.refresh(id);
    this.dirty.clear();
  }

  /** The holders of `market` on one side (up to date), or null when the market has none. */
  side(market: string, long: boolean): MirrorSide | null {
    this.flush();
    const m = this.marketSlot.get(market);
    return m === undefined ? null : (this.sides[2 * m + (long ? 0 : 1)] ?? null);
  }

  /** The account's slot in `side`, or -1 (up to date). */
  slotOf(side: MirrorSide, id: string): number {
    this.flush();
    const a = this.s.accounts.get(id);
    const ms = a === undefined ? undefined : this.membershipsOf(a.no);
    return ms === undefined ? -1 : slotIn(ms, side.number);
  }

  /** The constants of every market at the current prices. */
  prices(): MirrorPrices {
    const n = this.marketIds.length;
    const mark = new Float64Array(n);
    const valueDivisor = new Float64Array(n);
    const fundingPerSize = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = this.s.markets.get(this.marketIds[i] as string);
      mark[i] = m === undefined || m.markPrice === null ? NaN : Number(m.markPrice);
      valueDivisor[i] = m === undefined ? NaN : 10 ** (m.spec.baseDecimals + m.spec.priceDecimals);
      fundingPerSize[i] = m === undefined ? NaN : Number(m.fundingIndex) / (10 ** m.spec.baseDecimals * 1e9);
    }
    return { mark, valueDivisor, fundingPerSize, quoteScale: 10 ** this.s.quoteDecimals };
  }

  /**
   * The ledger's screened equity at `prices` (value and error, as screenLedgerEquity), written to `out`; false when
   * the slot has no bound. (equities() for one slot.)
   */
  equity(side: MirrorSide, slot: number, px: MirrorPrices, out: { value: number; error: number }): boolean {
    this.equities(side, px, slot, slot + 1, this.oneValue, this.oneError);
    if (Number.isNaN(this.oneValue[0])) return false;
    out.value = this.oneValue[0] as number;
    out.error = this.oneError[0] as number;
    return true;
  }

  private readonly oneValue = new Float64Array(1);
  private readonly oneError = new Float64Array(1);

  /**
   * The screened equity of the ledgers of slots [from, to) at `prices` (screenLedgerEquity's value and error), into
   * value[slot - from] and error[slot - from]; a value of NaN: the slot has no bound, or is a hole. One pass over the
   * side's arrays, for opening an ADL queue.
   */
  equities(side: MirrorSide, px: MirrorPrices, from: number, to: number, value: Float64Array, error: Float64Array): void {
    const own = side.market;
    const mark = px.mark[own] as number;
    if (!(mark > 0)) {
      value.fill(NaN, 0, to - from); // NaN: no mark
      return;
    }
    const q = px.quoteScale;
    const ownDivisor = px.valueDivisor[own] as number;
    const ownFunding = px.fundingPerSize[own] as number;
    const { unbounded, size, base, magnitude, positions, otherMarket, otherSize } = side;
    const { mark: marks, valueDivisor, fundingPerSize } = px;
    for (let slot = from; slot < to; slot++) {
      const i = slot - from;
      if (unbounded[slot] !== 0) {
        value[i] = NaN; // no bound, or a hole
        continue;
      }
      const sz = size[slot] as number;
      const v = (sz * mark * q) / ownDivisor;
      const f = sz * ownFunding;
      let sum = (base[slot] as number) + (v - f);
      let terms = (magnitude[slot] as number) + (Math.abs(v) + Math.abs(f));
      const count = positions[slot] as number;
      for (let k = 0; k < count - 1; k++) {
        const mi = otherMarket[slot * OTHERS_MAX + k] as number;
        const mk = marks[mi] as number;
        if (!(mk > 0)) {
          sum = NaN; // no mark, or a market met after `px` was read
          break;
        }
        const os = otherSize[slot * OTHERS_MAX + k] as number;
        const ov = (os * mk * q) / (valueDivisor[mi] as number);
        const of = os * (fundingPerSize[mi] as number);
        sum += ov - of;
        terms += Math.abs(ov) + Math.abs(of);
      }
      value[i] = sum;
      error[i] = 2 * count + 1e-12 * terms + 1;
    }
  }

  // ---- maintenance --------------------------------------------------------------------------------------------

  private rebuild(): void {
    this.beginBulk();
    for (const a of this.s.accounts.reading()) this.indexBulk(a); // the mirror keeps numbers and ids, not the objects
  }

  /**
   * rebuild() in parts (BulkIndex), for a restore that hands each account to the breach indexes and the mirror in one
   * pass (detector.ts indexTogether): emptied, then each account of the state once, in the state's order (the
   * venue's accounts may be left out: the mirror skips them).
   */
  beginBulk(): void {
    this.stale = false;
    this.dirty.clear();
    this.single.fill(NaN);
    this.several.clear();
    for (const side of this.sides) side.clear();
  }

  indexBulk(a: Account): void {
    const ms = this.place(a);
    if (ms.length > 0) this.setMemberships(a.no, ms.length === 1 ? (ms[0] as number) : ms.slice());
  }

  endBulk(): void {}

  /**
   * Re-reads one account: a position still on the same side is rewritten in its slot; slots of sides it left go,
   * new sides get a slot (no Map churn for the usual touch: a deleveraged counterparty, the maker after a fill).
   */
  private refresh(id: string): void {
    const a = this.s.accounts.get(id);
    if (a === undefined) return; // never made (the state deletes no account): never a member
    const old = this.membershipsOf(a.no);
    const now = this.place(a, old);
    // The sides the account left (one membership is a number: no array made for it).
    if (typeof old === 'number') this.leaveUnless(old, now);
    else if (old !== undefined) for (const code of old) this.leaveUnless(code, now);
    if (now.length === 0) {
      if (old !== undefined) this.setMemberships(a.no, undefined);
    } else if (now.length === 1) {
      if (old !== now[0]) this.setMemberships(a.no, now[0] as number);
    } else this.setMemberships(a.no, now.slice()); // exactly sized
  }

  /** Frees the slot of membership `code` unless the account still holds it (`now`). */
  private leaveUnless(code: number, now: readonly number[]): void {
    if (!now.includes(code)) this.removeSlot(Math.floor(code / SLOT_SPAN), code % SLOT_SPAN);
  }

  /** The memberships of account number `no` (undefined: none). */
  private membershipsOf(no: number): Memberships | undefined {
    if (no >= this.single.length) return undefined;
    const code = this.single[no] as number;
    if (code === SEVERAL) return this.several.get(no);
    return Number.isNaN(code) ? undefined : code;
  }

  private setMemberships(no: number, ms: Memberships | undefined): void {
    if (no >= this.single.length) {
      let n = this.single.length;
      while (n <= no) n *= 2;
      const next = new Float64Array(n).fill(NaN);
      next.set(this.single);
      this.single = next;
    }
    if (Array.isArray(ms)) {
      // Set over the entry it has, never deleted first. V8 leaves a deleted entry in its key's hash chain until the
      // table is rebuilt, which a Map rebuilds only once it is full: adding the key again walks every entry it left
      // there, ~2 ns each. The maker re-refreshed on every tick that filled it deleted and re-added its number each
      // time, and this Map holds ~40k accounts of several positions at 200k accounts (~200k at 1M): tens of
      // thousands of re-adds before a rebuild, ~30 µs a refresh where ~3 µs is the work (docs/performance.md,
      // "2026-12-05, s48").
      this.single[no] = SEVERAL;
      this.several.set(no, ms);
      return;
    }
    if (this.single[no] === SEVERAL) this.several.delete(no);
    this.single[no] = ms === undefined ? NaN : ms;
  }

  private removeSlot(sideNumber: number, slot: number): void {
    (this.sides[sideNumber] as MirrorSide).releaseSlot(slot);
  }

  private slotForMarket(id: string): number | undefined {
    let m = this.marketSlot.get(id);
    if (m === undefined) {
      if (!this.s.markets.has(id)) return undefined;
      m = this.marketIds.length;
      this.marketSlot.set(id, m);
      this.marketIds.push(id);
      this.sides.push(this.spareSides[2 * m] ?? new MirrorSide(m, 2 * m, 64, this.scratch), this.spareSides[2 * m + 1] ?? new MirrorSide(m, 2 * m + 1, 64, this.scratch));
    }
    return m;
  }

  /**
   * Writes every position of the account into a slot of its side: the slot it had there (`old`), else a new one.
   * Returns the memberships (the venue's own accounts are never deleveraged against: none).
   */
  private place(a: Account, old?: Memberships): number[] {
    const ms: number[] = [];
    if (isVenueAccount(a.id) || a.positions.size === 0) return ms;
    // The cross ledger's price-free part, and whether the screen can value it.
    let crossOk = true;
    const settlement = this.s.settlementAsset;
    if (a.balances.size > (a.balances.has(settlement) ? 1 : 0)) a.balances.forEach((amount, asset) => (crossOk &&= asset === settlement || amount === 0n));
    if (a.borrows.size > 0) a.borrows.forEach((debt) => (crossOk &&= debt === 0n));
    const cash = Number(a.balances.get(settlement) ?? 0n);
    let crossBase = cash;
    let crossMagnitude = Math.abs(cash);
    let crossCount = 0;
    for (const p of a.positions.values()) {
      if (p.isolatedMargin !== null) continue;
      crossCount++;
      if (this.fixedTerms(p)) {
        crossBase += this.fixedBase;
        crossMagnitude += this.fixedMagnitude;
      } else crossOk = false;
    }
    for (const p of a.positions.values()) {
      if (p.size === 0n) continue;
      const mi = this.slotForMarket(p.market);
      if (mi === undefined) continue; // no such market: not a holder ADL can reach (holders needs a market)
      const sideNumber = 2 * mi + (p.size > 0n ? 0 : 1);
      const side = this.sides[sideNumber] as MirrorSide;
      let slot = old === undefined ? -1 : slotIn(old, sideNumber);
      if (slot < 0) slot = side.takeSlot(a.id);
      side.size[slot] = Number(p.size);
      side.cost[slot] = Number(p.entryQuote);
      let ok: boolean;
      if (p.isolatedMargin !== null) {
        ok = this.fixedTerms(p);
        const margin = Number(p.isolatedMargin);
        side.base[slot] = margin + (ok ? this.fixedBase : 0);
        side.magnitude[slot] = Math.abs(margin) + (ok ? this.fixedMagnitude : 0);
        side.positions[slot] = 1;
      } else {
        ok = crossOk && crossCount - 1 <= OTHERS_MAX;
        side.base[slot] = crossBase;
        side.magnitude[slot] = crossMagnitude;
        side.positions[slot] = crossCount;
        if (crossCount > 1) side.othersFor();
        let k = 0;
        for (const o of a.positions.values()) {
          if (o === p || o.isolatedMargin !== null || k >= OTHERS_MAX) continue;
          side.otherMarket[slot * OTHERS_MAX + k] = this.slotForMarket(o.market) ?? 0;
          side.otherSize[slot * OTHERS_MAX + k] = Number(o.size);
          k++;
        }
      }
      side.unbounded[slot] = ok ? 0 : 1;
      ms.push(encode(sideNumber, slot));
    }
    return ms;
  }

  /** fixedTerms' results (fields, so that the hot path allocates nothing). */
  private fixedBase = 0;
  private fixedMagnitude = 0;

  /**
   * A position's price-free terms, - cost + size x Fpos / fs, and their magnitudes, into fixedBase / fixedMagnitude;
   * false for an unknown market.
   */
  private fixedTerms(p: Position): boolean {
    const m: MarketState | undefined = this.s.markets.get(p.market);
    if (m === undefined || this.slotForMarket(p.market) === undefined) return false;
    const cost = Number(p.entryQuote);
    const funding = p.fundingIndex === 0n ? 0 : (Number(p.size) * Number(p.fundingIndex)) / (10 ** m.spec.baseDecimals * 1e9);
    this.fixedBase = funding - cost;
    this.fixedMagnitude = Math.abs(cost) + Math.abs(funding);
    return true;
  }
}

/** The account's slot in side `sideNumber` by its memberships, or -1. */
function slotIn(ms: Memberships, sideNumber: number): number {
  if (typeof ms === 'number') return Math.floor(ms / SLOT_SPAN) === sideNumber ? ms % SLOT_SPAN : -1;
  for (const code of ms) if (Math.floor(code / SLOT_SPAN) === sideNumber) return code % SLOT_SPAN;
  return -1;
}
