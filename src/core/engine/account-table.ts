// The engine's accounts by id, in the order the state made them (their numbers' order), some of them possibly not
// read yet: a restore from a snapshot that can read any of its accounts again (RestorableAccounts.reread) keeps each
// account as its number until something asks for it, and makes its object from the snapshot then.
//
// Why: a restore of 1M accounts spent ~5.5 s of a ~20 s recovery making every account's objects (~640 B each: two
// Maps, a position, its bigints; ~200k first writes to new pages at ~10 µs on the VM of docs/performance.md, and the
// scavenger copying all of it once or twice), while a recovery's tail of price ticks reads a few hundred of them: the
// breach indexes keep what they need of each account in their own tables. The indexes are still built from every
// account, each read once from the snapshot's bytes for the build and then dropped (Engine.restore).
//
// Reading an account that is not read yet is invisible: its object is made from the snapshot exactly as an eager
// restore makes it (accountFromSnapshot), once, and kept from then on; the snapshot's bytes are immutable and were
// checked against their hash before the restore, and every account was decoded once during it.

import type { Account } from '../account/account.js';
import type { AccountSnapshot } from './snapshot.js';

/** What a table needs to make an account it holds by number: its object, or its snapshot, read afresh. */
export interface UnreadAccounts {
  /** Account `no`'s object as the snapshot has it (a new object each call). */
  account(no: number): Account;
  /** Account `no` as the snapshot holds it (a new value each call): what a snapshot of the state copies. */
  snapshot(no: number): AccountSnapshot;
}

export class AccountTable {
  /** Each account's object, or its number while it is not read yet (only with `unread`). */
  private readonly byId = new Map<string, Account | number>();
  private unread: UnreadAccounts | null = null;
  /** How many entries are still numbers. */
  private unreadCount = 0;

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Account | undefined {
    const v = this.byId.get(id);
    return typeof v === 'number' ? this.read(id, v) : v;
  }

  /** Account `id`'s number (Account.no), without reading an account not read yet. */
  numberOf(id: string): number | undefined {
    const v = this.byId.get(id);
    return typeof v === 'number' ? v : v?.no;
  }

  /** Puts `account` under `id`: a new id is the last in order; an id the table has keeps its place. */
  set(id: string, account: Account): this {
    if (this.unreadCount > 0 && typeof this.byId.get(id) === 'number') this.readOne();
    this.byId.set(id, account);
    return this;
  }

  /**
   * A restore's accounts not read yet: `id` holds account number `no`, made from `unread` when first asked for.
   * Appended in order, like set(). False when the table had `id` already (a snapshot listing an account twice: the
   * restore fails, and this table with it).
   */
  setUnread(id: string, no: number, unread: UnreadAccounts): boolean {
    if (this.unread !== unread) {
      if (this.unreadCount > 0) throw new RangeError('AccountTable.setUnread: accounts of another restore are not read yet');
      this.unread = unread;
    }
    const before = this.byId.size;
    this.byId.set(id, no);
    if (this.byId.size === before) return false;
    this.unreadCount++;
    return true;
  }

  /** How many accounts are not read yet (made from the snapshot when first asked for). */
  get unreadAccounts(): number {
    return this.unreadCount;
  }

  keys(): IterableIterator<string> {
    return this.byId.keys();
  }

  /** Every account in order; those not read yet are read now, and kept. */
  values(): IterableIterator<Account> {
    this.readAll();
    return this.byId.values() as IterableIterator<Account>;
  }

  entries(): IterableIterator<[string, Account]> {
    this.readAll();
    return this.byId.entries() as IterableIterator<[string, Account]>;
  }

  [Symbol.iterator](): IterableIterator<[string, Account]> {
    return this.entries();
  }

  /**
   * Every account in order (those whose id `keep` keeps, when given), for a pass that only reads them and keeps none
   * of their objects: an account not read yet is made for this pass alone and not kept (a conservation check, the
   * holders or an index's rebuild over 1M accounts do not turn a lazy restore into an eager one).
   */
  *reading(keep?: (id: string) => boolean): Generator<Account> {
    const unread = this.unread;
    if (keep === undefined) {
      for (const v of this.byId.values()) yield typeof v === 'number' ? (unread as UnreadAccounts).account(v) : v;
      return;
    }
    for (const [id, v] of this.byId) {
      if (keep(id)) yield typeof v === 'number' ? (unread as UnreadAccounts).account(v) : v;
    }
  }

  /**
   * Every account in order as (id, its object), or (id, its number) for one not read yet (unreadSnapshot gives it):
   * what a snapshot of the state copies, without making objects it would drop.
   */
  rawEntries(): IterableIterator<[string, Account | number]> {
    return this.byId.entries();
  }

  /** Account `no`, not read yet (rawEntries), as the snapshot it is restored from holds it. */
  unreadSnapshot(no: number): AccountSnapshot {
    return (this.unread as UnreadAccounts).snapshot(no);
  }

  private read(id: string, no: number): Account {
    const account = (this.unread as UnreadAccounts).account(no);
    this.byId.set(id, account);
    this.readOne();
    return account;
  }

  private readOne(): void {
    // The last one read: the snapshot's bytes can go.
    if (--this.unreadCount === 0) this.unread = null;
  }

  private readAll(): void {
    if (this.unreadCount === 0) return;
    for (const [id, v] of this.byId) if (typeof v === 'number') this.read(id, v);
  }
}
