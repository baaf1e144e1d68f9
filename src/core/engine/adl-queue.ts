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
import { evaluateAccount, ledgerEquity, type AccountEvaluation } from '../margin/evaluate.js';
import { screenLedgerEquity } from '../margin/screen.js';
import { positionValue, type MarketState } from '../market/index.js';
import { Rational } from '../units/index.js';
import { isVenueAccount, type EngineState } from './state.js';
import type { AdlMirror, MirrorPrices, MirrorSide } from './adl-mirror.js';

/** A scored candidate waiting for release (its exact score as a fraction: adlOrder compares without reducing). */
interface Scored {
  readonly account: string;
  readonly score: ScoreFraction;
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
  const equity = ledgerEquity(s, a, ledger) ?? ledgerEquityOf(evaluateAccount(s, a), ledger);
  // Bankruptcy value: the position's value less the ledger's equity (long), plus it (short).
  const r = bitmexAdlScoreFraction({ markValue, entryValue: p.entryQuote, bankruptValue: markValue - equity });
  return r.ok ? r.value : ZERO_FRACTION;
}

const ZERO_FRACTION: ScoreFraction = { num: 0n, den: 1n };

/** The ledger's equity from a full evaluation (0 when the account cannot be priced or holds no such ledger). */
function ledgerEquityOf(ev: AccountEvaluation, ledger: string | null): bigint {
  if (!ev.priced) return 0n;
  return ledger === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === ledger)?.equity ?? 0n);
}

const ZERO = Rational.int(0);

/** A relative slack on every float bound, far above the rounding of the few float operations behind it. */
const FLOAT_SLACK = 1e-9;

export class AdlQueue implements DeleverageQueue {
  /** Per slot: the account and the version of it the slot was screened at. */
  private slotAccount: string[] = [];
  private slotVersion: number[] = [];
  /** Accounts touched in the block, with their current version (absent: 0). A slot of an older version is stale. */
  private readonly versions = new Map<string, number>();
  private readonly heap = new UpperBoundHeap();
  /** Scored candidates not yet released, best first. */
  private readonly scored: Scored[] = [];
  /** The accounts in `scored` (drop() need not search it for the many it does not hold). */
  private readonly scoredIds = new Set<string>();
  /** The released candidate the queue stands at (the current best), or null. */
  private head: Scored | null = null;
  private readonly excluded = new Set<string>();
  /** Accounts touched since the last release, to re-place before the next (touched()). */
  private readonly pending = new Set<string>();
  /** How much of the block's touch log this queue has replayed. */
  private logRead: number;

  /** The holders' float mirror (adl-mirror.ts), and the market constants at this block's prices; null: read the accounts. */
  private px: MirrorPrices | null;
  private readonly equity = { value: 0, error: 0 };

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
    private readonly mirror: AdlMirror | null = null,
    private readonly touchLog: readonly string[] | null = null,
  ) {
    this.logRead = touchLog?.length ?? 0;
    this.px = mirror === null ? null : mirror.prices();
    if (mirror === null) {
      // Only the opposite side: shorts when longs are deleveraged. Screened in one pass, then heapified.
      for (const id of s.holders.get(m.spec.id)?.[long ? 'short' : 'long'] ?? []) this.consider(id);
    } else {
      // Every slot at version 0 (nothing touched yet): the ids in one copy.
      const side = mirror.side(m.spec.id, !long);
      if (side !== null) {
        this.slotAccount = side.ids.slice(0, side.n);
        this.slotVersion = new Array<number>(side.n).fill(0);
        for (let slot = 0; slot < side.n; slot++) this.heap.add(slot, this.mirroredUpperBound(side, slot));
      }
    }
    this.heap.heapify();
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
      const best = this.scored[0];
      const bound = this.heap.size === 0 ? -Infinity : this.heap.topKey();
      if (best !== undefined && toNumber(best.score) > bound) {
        this.scored.shift();
        this.scoredIds.delete(best.account);
        this.head = best;
        return best.account;
      }
      if (this.heap.size === 0) return null;
      const slot = this.heap.pop();
      const account = this.slotAccount[slot] as string;
      if (this.slotVersion[slot] === (this.versions.get(account) ?? 0)) this.score(slot);
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
      const p = a?.positions.get(this.m.spec.id);
      // No longer a candidate (nothing on the opposite side; the venue's accounts never reach pending).
      if (a === undefined || p === undefined || p.size === 0n || p.size > 0n === this.long) continue;
      this.file({ account: id, score: exactAdlFraction(this.s, this.m, a) });
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

  /** Makes every slot of the account stale (the heap drops them when they surface). */
  private drop(id: string): void {
    if (this.head?.account === id) this.head = null;
    this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
    if (!this.scoredIds.has(id)) return;
    this.scoredIds.delete(id);
    const at = this.scored.findIndex((c) => c.account === id);
    if (at >= 0) this.scored.splice(at, 1);
  }

  /** Screens an account: a candidate when it holds a position on the opposite side (the venue's never is). */
  private consider(id: string): void {
    if (isVenueAccount(id)) return;
    const a = this.s.accounts.get(id);
    const p = a?.positions.get(this.m.spec.id);
    if (a === undefined || p === undefined || p.size > 0n === this.long) return;
    this.addSlot(id, adlScoreBounds(this.s, this.m, a).high);
  }

  /** A slot in the heap as the queue is built (heapified once, after every slot is in). */
  private addSlot(id: string, upperBound: number): void {
    const slot = this.slotAccount.length;
    this.slotAccount.push(id);
    this.slotVersion.push(0);
    this.heap.add(slot, upperBound);
  }

  /** adlScoreBounds' upper end from the mirror (the same formula on the same terms, without the account). */
  private mirroredUpperBound(side: MirrorSide, slot: number): number {
    // A market the mirror met after this queue read the prices (prices do not move within a block).
    if (side.market >= (this.px as MirrorPrices).mark.length) this.px = (this.mirror as AdlMirror).prices();
    const px = this.px as MirrorPrices;
    const mark = px.mark[side.market] as number;
    if (!(mark > 0)) return Infinity; // no mark: only the exact score decides
    const cost = side.cost[slot] as number;
    if (cost === 0) return 0; // the score is 0 exactly
    if (!(this.mirror as AdlMirror).equity(side, slot, px, this.equity)) {
      // A ledger the mirror does not carry (many positions: a maker's; other collateral): screened from the account.
      const a = this.s.accounts.get(side.ids[slot] as string);
      return a === undefined ? Infinity : adlScoreBounds(this.s, this.m, a).high;
    }
    const markValue = ((side.size[slot] as number) * mark * px.quoteScale) / (px.valueDivisor[side.market] as number);
    return adlScoreBound(markValue, cost, this.equity.value, this.equity.error, true);
  }

  /** Scores a candidate exactly and files it among the scored, best first (ties by account id). */
  private score(slot: number): void {
    const account = this.slotAccount[slot] as string;
    const a = this.s.accounts.get(account) as Account;
    this.file({ account, score: exactAdlFraction(this.s, this.m, a) });
  }

  /** Files a candidate scored exactly among the scored, best first (ties by account id): a binary search. */
  private file(c: Scored): void {
    let lo = 0;
    let hi = this.scored.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (adlOrder(this.scored[mid] as Scored, c) > 0) hi = mid;
      else lo = mid + 1;
    }
    this.scored.splice(lo, 0, c);
    this.scoredIds.add(c.account);
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

function toNumber(r: ScoreFraction): number {
  return Number(r.num) / Number(r.den);
}

/** What stage 4 walks: the next counterparty (the exact best now), told when accounts change during the block. */
export interface DeleverageQueue {
  peek(): string | null;
  /** The account changed during the block (its place, or whether it is a candidate at all, is found again). */
  touched(id: string): void;
  /** Leaves the account out for the rest of the block. */
  exclude(id: string): void;
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

  private holdsOpposite(id: string): boolean {
    if (isVenueAccount(id)) return false;
    const p = this.s.accounts.get(id)?.positions.get(this.m.spec.id);
    return p !== undefined && p.size > 0n !== this.long;
  }
}

/**
 * A max-heap of (upper bound, slot) in typed arrays: built in one pass (`add`, then `heapify`, O(n)), then popped in
 * O(log n). Stale slots stay until they surface (the queue checks their version).
 */
class UpperBoundHeap {
  private keys = new Float64Array(256);
  private slots = new Int32Array(256);
  private n = 0;

  get size(): number {
    return this.n;
  }

  topKey(): number {
    return this.keys[0] as number;
  }

  add(slot: number, key: number): void {
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2);
      keys.set(this.keys);
      this.keys = keys;
      const slots = new Int32Array(this.n * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    this.keys[this.n] = key;
    this.slots[this.n] = slot;
    this.n++;
  }

  heapify(): void {
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.down(i);
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
