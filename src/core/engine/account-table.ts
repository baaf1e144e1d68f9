// The engine's accounts by id, in the order the state made them (their numbers' order: account k is at position k),
// some of them possibly not read yet: a restore from a snapshot that can read any of its accounts again
// (RestorableAccounts.reread) keeps each account as its number until something asks for it, and makes its object from
// the snapshot then.
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

/**
 * The hash of an id for the table's index: FNV-1a over its UTF-16 code units, then murmur3's finalizer (so that the low
 * bits the table masks depend on every unit). A function of the id alone, and only where an id's slot is: the table's
 * order is the order accounts were added, whatever the hashes. Unseeded, so ids chosen to collide would probe long runs
 * (PROBES_MAX bounds that).
 */
export function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** An empty slot of the index (positions are >= 0). */
const EMPTY = -1;
/**
 * The longest probe the index accepts before it gives way to a Map (AccountTable.byMap). Ids hashed as they come reach
 * ~30-40 at 1M (half full; `idHash` of the bench world's ids, sequential ones and 40-digit hex addresses); ids made to
 * collide (addresses ground until their hashes share low bits: idHash is unseeded) would make every lookup walk a run
 * as long as the attacker likes. A Map, whose hash V8 seeds per process, bounds that; the order, the numbers and every
 * answer are the same either way.
 */
const PROBES_MAX = 128;

export class AccountTable {
  /**
   * By position (the order accounts were added, which is their numbers' order), two entries each: at 2p the id, at
   * 2p + 1 its object, or undefined while it is not read yet (its number is then its position). Side by side, so a
   * lookup that found the position reads one line, not one in an array of ids and another in an array of objects
   * (at 1M, each read a cache and TLB miss of its own).
   */
  private readonly slots: (string | Account | undefined)[] = [];
  private count = 0;
  /**
   * The index from id to position: open addressing with linear probing, two Int32 a slot (the position, the id's
   * idHash), at most half full. Why not a Map: a restore adds 1M ids at once, which took a Map ~1.2 s of a ~17 s
   * recovery (its table rebuilt at every doubling, an entry object per id) and this index ~0.4 s: sized once, the
   * hashes kept beside the positions so a probe compares ids only when the hashes match (scripts/id-table-hash.mjs,
   * docs/performance.md "2026-12-06, s57").
   */
  private index = new Int32Array(64).fill(EMPTY);
  private mask = 31; // slots - 1
  /** Id -> position in place of the index, once a probe ran longer than PROBES_MAX (never, for ids not made to collide). */
  private byMap: Map<string, number> | null = null;
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
  /** How many accounts are not read yet, and how many of those have a copy of their snapshot. */
  private unreadCount = 0;
  private copied = 0;

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  get(id: string): Account | undefined {
    const p = this.find(id);
    if (p < 0) return undefined;
    return this.objectAt(p) ?? this.read(p);
  }

  /** The account numbered `no` (its position in the table), read if it was not yet; undefined past the table's end. */
  byNumber(no: number): Account | undefined {
    if (!(no >= 0 && no < this.count)) return undefined;
    return this.objectAt(no) ?? this.read(no);
  }

  /** Account `id`'s number (Account.no), without reading an account not read yet. */
  numberOf(id: string): number | undefined {
    const p = this.find(id);
    if (p < 0) return undefined;
    return this.objectAt(p)?.no ?? p;
  }

  /** Puts `account` under `id`: a new id is the last in order; an id the table has keeps its place. */
  set(id: string, account: Account): this {
    const h = idHash(id);
    const p = this.lookup(id, h);
    if (p < 0) this.add(id, h, account);
    else {
      if (this.objectAt(p) === undefined) this.readDone(p);
      this.slots[2 * p + 1] = account;
    }
    return this;
  }

  /**
   * A restore's accounts not read yet: `id` holds account number `no` (the next in order: the table's size), made from
   * `unread` when first asked for. False when the table had `id` already (a snapshot listing an account twice: the
   * restore fails, and this table with it).
   */
  setUnread(id: string, no: number, unread: UnreadAccounts): boolean {
    if (this.make !== unread.account) {
      if (this.unreadCount > 0) throw new RangeError('AccountTable.setUnread: accounts of another restore are not read yet');
      this.source = unread.snapshot;
      this.make = unread.account;
    }
    const h = idHash(id);
    if (this.lookup(id, h) >= 0) return false;
    if (no !== this.count) throw new RangeError(`AccountTable.setUnread: account ${id} numbered ${no}, the next number is ${this.count}`);
    this.add(id, h, undefined);
    this.unreadCount++;
    return true;
  }

  /** Makes room for `count` accounts in all (a restore's hint): the index sized once instead of at every doubling. */
  reserve(count: number): void {
    // A hint beyond any real table (~33M accounts) is not trusted with ~0.5 GB at once: the index grows as they come.
    if (this.byMap === null && 2 * count > this.mask + 1 && count <= 1 << 25) this.rehash(count);
  }

  /** Whether ids are found through a Map, the index having met a probe longer than PROBES_MAX (ids made to collide). */
  get hashedByMap(): boolean {
    return this.byMap !== null;
  }

  /** The object of the account at position `p`; undefined while it is not read yet. */
  private objectAt(p: number): Account | undefined {
    return this.slots[2 * p + 1] as Account | undefined;
  }

  /** The position of `id`, or -1. */
  private find(id: string): number {
    return this.lookup(id, idHash(id));
  }

  /** find() of `id` whose idHash is `h`. */
  private lookup(id: string, h: number): number {
    if (this.byMap !== null) return this.byMap.get(id) ?? -1;
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const p = index[2 * i] as number;
      if (p === EMPTY) return -1;
      if (index[2 * i + 1] === h && this.slots[2 * p] === id) return p;
    }
  }

  /** Appends `id` (not in the table; its idHash `h`) at the next position. */
  private add(id: string, h: number, account: Account | undefined): void {
    const p = this.count;
    if (this.byMap === null && 2 * (p + 1) > this.mask + 1) this.rehash(p + 1);
    if (this.byMap === null && !this.place(p, h)) this.toMap();
    this.byMap?.set(id, p);
    this.slots.push(id, account);
    this.count++;
  }

  /** Puts position `p` (hash `h`) in the index; false, nothing done, when its probe would pass PROBES_MAX. */
  private place(p: number, h: number): boolean {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    for (let probes = 0; index[2 * i] !== EMPTY; probes++) {
      if (probes === PROBES_MAX) return false;
      i = (i + 1) & mask;
    }
    index[2 * i] = p;
    index[2 * i + 1] = h;
    return true;
  }

  /** A larger index for `count` accounts (slots: a power of two at least twice that), every id placed again. */
  private rehash(count: number): void {
    let slots = this.mask + 1;
    while (slots < 2 * count) slots *= 2;
    const old = this.index;
    this.index = new Int32Array(2 * slots).fill(EMPTY);
    this.mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const p = old[i] as number;
      if (p !== EMPTY && !this.place(p, old[i + 1] as number)) {
        this.toMap();
        return;
      }
    }
  }

  /** Every id so far into byMap, the index dropped: lookups through the Map from now on. */
  private toMap(): void {
    const byMap = new Map<string, number>();
    for (let p = 0; p < this.count; p++) byMap.set(this.slots[2 * p] as string, p);
    this.byMap = byMap;
    this.index = new Int32Array(0);
    this.mask = -1;
  }

  /** How many accounts are not read yet (made from the snapshot when first asked for). */
  get unreadAccounts(): number {
    return this.unreadCount;
  }

  *keys(): IterableIterator<string> {
    const slots = this.slots;
    for (let p = 0; p < this.count; p++) yield slots[2 * p] as string;
  }

  /** Every account in order; those not read yet are read now, and kept. */
  *values(): IterableIterator<Account> {
    this.readAll();
    const slots = this.slots;
    for (let p = 0; p < this.count; p++) yield slots[2 * p + 1] as Account;
  }

  *entries(): IterableIterator<[string, Account]> {
    this.readAll();
    const slots = this.slots;
    for (let p = 0; p < this.count; p++) yield [slots[2 * p] as string, slots[2 * p + 1] as Account];
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
    const slots = this.slots;
    for (let p = 0; p < this.count; p++) {
      if (keep === undefined || keep(slots[2 * p] as string)) yield this.objectAt(p) ?? this.transient(p);
    }
  }

  /**
   * Every account in order as (id, its object), or (id, its number) for one not read yet (unreadSnapshot gives it):
   * what a snapshot of the state copies, without making objects it would drop.
   */
  *rawEntries(): IterableIterator<[string, Account | number]> {
    const slots = this.slots;
    for (let p = 0; p < this.count; p++) yield [slots[2 * p] as string, this.objectAt(p) ?? p];
  }

  /**
   * Account `no`, not read yet (rawEntries), as the snapshot it is restored from holds it: a copy kept for the next
   * call (an immutable value, shared as AccountReuse shares them).
   */
  unreadSnapshot(no: number): AccountSnapshot {
    const kept = this.copies[no];
    if (kept !== undefined) return kept;
    const copy = (this.source as (no: number) => AccountSnapshot)(no);
    if (this.copies.length === 0) this.copies = new Array<AccountSnapshot | undefined>(this.count);
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

  /** Reads account `no` (at its position), not read yet, and keeps it. */
  private read(no: number): Account {
    const account = (this.make as (snapshot: AccountSnapshot, no: number) => Account)(this.snapshotOf(no), no);
    this.slots[2 * no + 1] = account;
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
    for (let p = 0; p < this.count; p++) if (this.objectAt(p) === undefined) this.read(p);
  }
}
