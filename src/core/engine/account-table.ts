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

/** What a table needs to make an account it holds by number: its snapshot, read afresh, and its object from that. */
export interface UnreadAccounts {
  /** Account `no` as the snapshot it is restored from holds it (a new value each call). */
  snapshot(no: number): AccountSnapshot;
  /**
   * The state's object of account `no`, made from its snapshot (a new object each call). It must not hold on to what
   * snapshot() reads: the table drops that once every account still unread has a copy of its snapshot (below).
   */
  account(snapshot: AccountSnapshot, no: number): Account;
}

export class AccountTable {
  /** Each account's object, or its number while it is not read yet. */
  private readonly byId = new Map<string, Account | number>();
  /** While accounts are unread and some have no copy: reads account `no`'s snapshot (UnreadAccounts.snapshot). */
  private source: ((no: number) => AccountSnapshot) | null = null;
  /** While accounts are unread: makes an account's object from its snapshot (UnreadAccounts.account). */
  private make: ((snapshot: AccountSnapshot, no: number) => Account) | null = null;
  /**
   * By number, for unread accounts: the copy of its snapshot a snapshot of the state took (unreadSnapshot), kept so
   * that the next one shares it, as AccountReuse shares the copies of unchanged accounts, instead of reading it again
   * (~4 µs an account, twice the copy of an account's objects). Once every unread account has one, the source (at 1M,
   * the snapshot's ~240 MB of parts) goes.
   */
  private copies: (AccountSnapshot | undefined)[] = [];
  /** How many entries are still numbers, and how many of those have a copy. */
  private unreadCount = 0;
  private copied = 0;

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
    if (this.unreadCount > 0) {
      const before = this.byId.get(id);
      if (typeof before === 'number') this.readDone(before);
    }
    this.byId.set(id, account);
    return this;
  }

  /**
   * A restore's accounts not read yet: `id` holds account number `no`, made from `unread` when first asked for.
   * Appended in order, like set(). False when the table had `id` already (a snapshot listing an account twice: the
   * restore fails, and this table with it).
   */
  setUnread(id: string, no: number, unread: UnreadAccounts): boolean {
    if (this.make !== unread.account) {
      if (this.unreadCount > 0) throw new RangeError('AccountTable.setUnread: accounts of another restore are not read yet');
      this.source = unread.snapshot;
      this.make = unread.account;
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
   * of their objects: an account not read yet is made for this pass alone, from the copy of its snapshot, which is
   * kept (unreadSnapshot). So a conservation check, the holders or an index's rebuild over 1M accounts do not turn a
   * lazy restore into an eager one, and only the first such pass reads the snapshot's bytes: reading 1M unread
   * accounts from the bytes at every pass took ~1.3 s where the accounts' objects took 0.17 s (a conservation check),
   * from the copies ~15% more than from the objects (the dashboard's nearest ledgers, docs/performance.md s56).
   */
  *reading(keep?: (id: string) => boolean): Generator<Account> {
    if (keep === undefined) {
      for (const v of this.byId.values()) yield typeof v === 'number' ? this.transient(v) : v;
      return;
    }
    for (const [id, v] of this.byId) {
      if (keep(id)) yield typeof v === 'number' ? this.transient(v) : v;
    }
  }

  /**
   * Every account in order as (id, its object), or (id, its number) for one not read yet (unreadSnapshot gives it):
   * what a snapshot of the state copies, without making objects it would drop.
   */
  rawEntries(): IterableIterator<[string, Account | number]> {
    return this.byId.entries();
  }

  /**
   * Account `no`, not read yet (rawEntries), as the snapshot it is restored from holds it: a copy kept for the next
   * call (an immutable value, shared as AccountReuse shares them).
   */
  unreadSnapshot(no: number): AccountSnapshot {
    const kept = this.copies[no];
    if (kept !== undefined) return kept;
    const copy = (this.source as (no: number) => AccountSnapshot)(no);
    if (this.copies.length === 0) this.copies = new Array<AccountSnapshot | undefined>(this.byId.size);
    this.copies[no] = copy;
    // Every unread account has its copy: the snapshot's bytes are no longer needed.
    if (++this.copied === this.unreadCount) this.source = null;
    return copy;
  }

  /** Account `no`'s snapshot: its copy, or read afresh. */
  private snapshotOf(no: number): AccountSnapshot {
    return this.copies[no] ?? (this.source as (no: number) => AccountSnapshot)(no);
  }

  /** Account `no`'s object for one pass, not kept (the copy of its snapshot is). */
  private transient(no: number): Account {
    return (this.make as (snapshot: AccountSnapshot, no: number) => Account)(this.unreadSnapshot(no), no);
  }

  private read(id: string, no: number): Account {
    const account = (this.make as (snapshot: AccountSnapshot, no: number) => Account)(this.snapshotOf(no), no);
    this.byId.set(id, account);
    this.readDone(no);
    return account;
  }

  /** Account `no` is unread no longer (read, or replaced by set()). */
  private readDone(no: number): void {
    if (this.copies[no] !== undefined) {
      this.copies[no] = undefined;
      this.copied--;
    }
    if (--this.unreadCount === 0) {
      // The last one read: the snapshot's bytes and copies can go.
      this.source = null;
      this.make = null;
      this.copies = [];
      this.copied = 0;
    } else if (this.copied === this.unreadCount) this.source = null;
  }

  private readAll(): void {
    if (this.unreadCount === 0) return;
    for (const [id, v] of this.byId) if (typeof v === 'number') this.read(id, v);
  }
}
