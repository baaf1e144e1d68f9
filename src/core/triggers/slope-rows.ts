// Slope rows: the figures of a cross ledger armed at slope bounds, kept in typed arrays beside the breach index's
// tables, so that a tick crossing one of its thresholds re-checks it with the float screen without reading the
// account (its Map of positions, each Position object, each bigint: a cache miss apiece at 1M accounts, most of a
// re-check's cost: docs/performance.md). What the exact rows are for ledgers at exact boundaries.
//
// A row holds what slack-screen.ts SlopeRow names: the settlement cash, and per position (the account's order) its
// market slot, Number(size), Number(entryQuote) and the exact funding index. Only for an account whose positions are
// all in its cross ledger (no isolated position), at most MAX_POSITIONS of them, with no collateral but the settlement
// asset and no debt: then the row is the whole of what screenLedgerSlack and computeLedgerKeys read of the account.
// A row describes the account as it was when the ledger was armed; the index drops it whenever the account may have
// changed (accountChanged, a re-arm, a ledger freed or parked) and writes it again when it next arms the ledger from
// the account. Floats screen, never decide: a row only ever spares the exact evaluation of a false alarm.

import type { Account } from '../account/account.js';
import { settlementCashOnly } from '../margin/evaluate.js';
import type { SlopeRow } from './slack-screen.js';

/** Positions a row carries (an account with more is re-checked from the account). */
export const MAX_POSITIONS = 4;

export class SlopeRows {
  /** Per ledger slot: its row, or -1. */
  private rowOf = new Int32Array(0);
  /** Per row: its positions (0: a free row; then `cash` links the free list). */
  private count = new Uint8Array(0);
  private cash = new Float64Array(0);
  private nextFree = new Int32Array(0);
  /** Per row x MAX_POSITIONS. */
  private market = new Int32Array(0);
  private size = new Float64Array(0);
  private entry = new Float64Array(0);
  private funding = new BigInt64Array(0);
  private top = 0;
  private free = -1;
  private live = 0;

  /** The ledger table grew to `size` slots (the index's growLedgers). */
  growLedgers(size: number): void {
    const rowOf = new Int32Array(size);
    rowOf.set(this.rowOf);
    this.rowOf = rowOf;
  }

  /**
   * Rows for `rows` ledgers allocated now (a capacity hint): a restore sizes its tables before its accounts fill the
   * heap, where each ~64 MB of typed arrays allocated would start a full GC of the whole heap (Engine.restore).
   */
  reserve(rows: number): void {
    if (rows > this.count.length) this.growRows(rows);
  }

  /** A ledger slot handed out for the first time (the index's firstTouch): it has no row. */
  touch(l: number): void {
    this.rowOf[l] = -1;
  }

  /** Rows held (tests). */
  get held(): number {
    return this.live;
  }

  has(l: number): boolean {
    return (this.rowOf[l] as number) >= 0;
  }

  /** Ledger l no longer has a row (its account may have changed, or it is re-armed another way). */
  drop(l: number): void {
    const r = this.rowOf[l] as number;
    if (r < 0) return;
    this.rowOf[l] = -1;
    this.count[r] = 0;
    this.nextFree[r] = this.free;
    this.free = r;
    this.live--;
  }

  /**
   * Keeps the figures of cross ledger l of `account` (see the header), or drops its row when the account is not of
   * that shape. `slotOf` gives a market's slot in the index (each position's market has one: the ledger is armed on
   * it).
   */
  write(l: number, account: Account, settlementAsset: string, slotOf: (market: string) => number): void {
    const n = account.positions.size;
    if (n === 0 || n > MAX_POSITIONS || !settlementCashOnly(account, settlementAsset)) {
      this.drop(l);
      return;
    }
    let r = this.rowOf[l] as number;
    if (r < 0) {
      r = this.allocRow();
      this.rowOf[l] = r;
    }
    let k = 0;
    const at = r * MAX_POSITIONS;
    for (const p of account.positions.values()) {
      if (p.isolatedMargin !== null || BigInt.asIntN(64, p.fundingIndex) !== p.fundingIndex) {
        this.drop(l);
        return;
      }
      this.market[at + k] = slotOf(p.market);
      this.size[at + k] = Number(p.size);
      this.entry[at + k] = Number(p.entryQuote);
      this.funding[at + k] = p.fundingIndex;
      k++;
    }
    this.count[r] = n;
    this.cash[r] = Number(account.balances.get(settlementAsset) ?? 0n);
  }

  /** Ledger l's row into `out` (which has(l) says exists); `marketId` names a market slot. */
  read(l: number, marketId: (slot: number) => string, out: SlopeRow): void {
    const r = this.rowOf[l] as number;
    const n = this.count[r] as number;
    const at = r * MAX_POSITIONS;
    out.count = n;
    out.cash = this.cash[r] as number;
    for (let k = 0; k < n; k++) {
      out.markets[k] = marketId(this.market[at + k] as number);
      out.sizes[k] = this.size[at + k] as number;
      out.entries[k] = this.entry[at + k] as number;
      out.fundings[k] = this.funding[at + k] as bigint;
    }
  }

  private allocRow(): number {
    this.live++;
    if (this.free >= 0) {
      const r = this.free;
      this.free = this.nextFree[r] as number;
      return r;
    }
    const r = this.top++;
    if (r >= this.count.length) this.growRows(Math.max(64, 2 * this.count.length));
    return r;
  }

  private growRows(rows: number): void {
    const grow = <T extends Int32Array | Uint8Array | Float64Array | BigInt64Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a as never);
      return b;
    };
    this.count = grow(this.count, rows);
    this.cash = grow(this.cash, rows);
    this.nextFree = grow(this.nextFree, rows);
    this.market = grow(this.market, rows * MAX_POSITIONS);
    this.size = grow(this.size, rows * MAX_POSITIONS);
    this.entry = grow(this.entry, rows * MAX_POSITIONS);
    this.funding = grow(this.funding, rows * MAX_POSITIONS);
  }
}
