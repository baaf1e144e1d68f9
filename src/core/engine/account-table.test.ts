import { describe, expect, it } from 'vitest';
import { newAccount, type Account } from '../account/account.js';
import { AccountTable, idHash, type UnreadAccounts } from './account-table.js';
import type { AccountSnapshot } from './snapshot.js';

/** Accounts u1..un kept as numbers 1..n, read from a source that counts its reads; u0 an account made at once. */
function table(n: number): { t: AccountTable; source: UnreadAccounts; reads: number[]; snapshots: number[] } {
  const reads: number[] = [];
  const snapshots: number[] = [];
  const source: UnreadAccounts = {
    snapshot: (no): AccountSnapshot => {
      snapshots.push(no);
      return { id: `u${no}`, balances: [['USDC', BigInt(no)]], positions: [], borrows: [] };
    },
    account: (snapshot, no) => {
      reads.push(no);
      const a = newAccount(snapshot.id, no);
      for (const [asset, amount] of snapshot.balances) a.balances.set(asset, amount);
      return a;
    },
  };
  const t = new AccountTable();
  t.set('u0', newAccount('u0', 0));
  for (let no = 1; no <= n; no++) expect(t.setUnread(`u${no}`, no, source)).toBe(true);
  return { t, source, reads, snapshots };
}

describe('AccountTable', () => {
  it('reads an account kept as a number once, when first asked for, and keeps it', () => {
    const { t, reads } = table(3);
    expect(t.size).toBe(4);
    expect(t.unreadAccounts).toBe(3);
    expect(t.has('u2')).toBe(true);
    expect(t.numberOf('u2')).toBe(2);
    expect(reads).toEqual([]); // has() and numberOf() read nothing
    const a = t.get('u2') as Account;
    expect(a.balances.get('USDC')).toBe(2n);
    expect(t.get('u2')).toBe(a);
    expect(reads).toEqual([2]);
    expect(t.unreadAccounts).toBe(2);
    expect(t.get('u9')).toBeUndefined();
  });

  it('keeps the order of its numbers whatever is read or replaced, and values() reads every account', () => {
    const { t, reads } = table(4);
    t.get('u3');
    const draft = newAccount('u1', 1);
    t.set('u1', draft); // a draft replacing an account not read yet (a trade's copy-on-write)
    expect(t.unreadAccounts).toBe(2);
    expect(t.get('u1')).toBe(draft);
    t.set('u5', newAccount('u5', 5));
    expect([...t.keys()]).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    expect([...t.values()].map((a) => a.no)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reads.sort()).toEqual([2, 3, 4]);
    expect(t.unreadAccounts).toBe(0);
    expect([...t].map(([id]) => id)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('reading() makes the accounts not read yet for the pass alone, and filters by id before it reads', () => {
    const { t, reads, snapshots } = table(3);
    const kept = t.get('u1');
    const seen = [...t.reading()];
    expect(seen.map((a) => a.id)).toEqual(['u0', 'u1', 'u2', 'u3']);
    expect(seen[1]).toBe(kept);
    expect(t.unreadAccounts).toBe(2); // u2 and u3 made for the pass, not kept
    expect(t.get('u2')).not.toBe(seen[2]);
    reads.length = 0;
    expect([...t.reading((id) => id !== 'u3')].map((a) => a.id)).toEqual(['u0', 'u1', 'u2']);
    expect(reads).toEqual([]); // u2 is read now; u3 was left out before it was read
    // Each unread account's snapshot read once (u1 when read, u2 and u3 by the first pass): later passes use copies.
    expect([...t.reading()]).toHaveLength(4);
    expect(snapshots).toEqual([1, 2, 3]);
  });

  it('gives a snapshot of an account not read yet from its source, without reading it', () => {
    const { t, reads, snapshots } = table(2);
    t.get('u1');
    const raw = [...t.rawEntries()];
    expect(raw.map(([id, v]) => [id, typeof v === 'number' ? v : 'object'])).toEqual([
      ['u0', 'object'],
      ['u1', 'object'],
      ['u2', 2],
    ]);
    expect(t.unreadSnapshot(2)).toEqual({ id: 'u2', balances: [['USDC', 2n]], positions: [], borrows: [] });
    expect(snapshots).toEqual([1, 2]); // u1's to make it when read, u2's for the snapshot
    expect(reads).toEqual([1]); // u2 not made
    expect(t.unreadAccounts).toBe(1);
  });

  it('keeps the copy of an unread account snapshot for the next state snapshot and makes the account from it', () => {
    const { t, reads, snapshots } = table(3);
    const copy = t.unreadSnapshot(2);
    expect(t.unreadSnapshot(2)).toBe(copy); // the next snapshot shares it
    expect(snapshots).toEqual([2]);
    expect(t.get('u2')?.balances.get('USDC')).toBe(2n); // made from the copy, not read again
    expect(snapshots).toEqual([2]);
    t.unreadSnapshot(1);
    t.unreadSnapshot(3);
    expect(snapshots).toEqual([2, 1, 3]);
    // Every unread account has its copy: what is left is made from the copies, the source not read again.
    expect([...t.reading()].map((a) => a.balances.get('USDC'))).toEqual([undefined, 1n, 2n, 3n]);
    expect(snapshots).toEqual([2, 1, 3]);
    t.set('u3', newAccount('u3', 3)); // a draft replacing an unread account drops its copy
    expect(t.get('u1')?.no).toBe(1);
    expect(t.unreadAccounts).toBe(0);
    expect(reads).toEqual([2, 1, 3, 1]);
  });

  it('tells an id added twice, and refuses accounts of a second restore while the first has some unread', () => {
    const { t, source } = table(2);
    const other: UnreadAccounts = { snapshot: () => ({ id: 'x', balances: [], positions: [], borrows: [] }), account: (snapshot, no) => newAccount(snapshot.id, no) };
    expect(() => t.setUnread('x3', 3, other)).toThrow(RangeError);
    expect(t.setUnread('u1', 7, source)).toBe(false);
  });
});

describe('AccountTable index', () => {
  it('finds every id of many, in order, through its growth and a reserve, as a Map does', () => {
    // Ids that differ in one unit, of several lengths and beyond Latin-1: the index's probes and hash at work.
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? `acct-${i}` : i % 3 === 1 ? `0x${i.toString(16).padStart(40, '0')}` : `帳戶${i}`));
    const grown = new AccountTable();
    const reserved = new AccountTable();
    reserved.reserve(ids.length);
    const map = new Map<string, number>();
    ids.forEach((id, no) => {
      grown.set(id, newAccount(id, no));
      reserved.set(id, newAccount(id, no));
      map.set(id, no);
    });
    for (const t of [grown, reserved]) {
      expect(t.size).toBe(map.size);
      expect([...t.keys()]).toEqual([...map.keys()]);
      for (const [id, no] of map) {
        expect(t.numberOf(id)).toBe(no);
        expect(t.get(id)?.id).toBe(id);
      }
      for (const missing of ['acct-5000', 'acct-', '', '0x', '帳戶', 'acct-0 ']) {
        expect(t.has(missing)).toBe(false);
        expect(t.get(missing)).toBeUndefined();
      }
    }
    // Replacing keeps the place and the count.
    const again = newAccount('acct-3', 3);
    grown.set('acct-3', again);
    expect(grown.size).toBe(ids.length);
    expect(grown.get('acct-3')).toBe(again);
    expect([...grown.keys()][3]).toBe('acct-3');
  });

  it('gives way to a Map when ids are made to collide, with the same answers and order', () => {
    // 300 ids whose hashes share their low 10 bits (those a table of 300 masks): one run of probes, as addresses ground
    // against the unseeded idHash would make.
    const colliding: string[] = [];
    for (let k = 0; colliding.length < 300; k++) if ((idHash(`x${k}`) & 1023) === 7) colliding.push(`x${k}`);
    const ordinary = Array.from({ length: 300 }, (_, i) => `x${i}`);
    for (const [ids, byMap] of [[colliding, true], [ordinary, false]] as const) {
      const t = new AccountTable();
      ids.forEach((id, no) => t.set(id, newAccount(id, no)));
      expect(t.hashedByMap).toBe(byMap);
      expect([...t.keys()]).toEqual(ids);
      ids.forEach((id, no) => expect(t.numberOf(id)).toBe(no));
      expect(t.get('x-1')).toBeUndefined();
      t.set('late', newAccount('late', ids.length));
      expect(t.numberOf('late')).toBe(ids.length);
      expect(t.size).toBe(ids.length + 1);
    }
  });

  it('refuses an unread account out of its number, and ignores a reserve no real table needs', () => {
    const t = new AccountTable();
    const source: UnreadAccounts = { snapshot: (no) => ({ id: `u${no}`, balances: [], positions: [], borrows: [] }), account: (snapshot, no) => newAccount(snapshot.id, no) };
    t.reserve(2 ** 40); // a corrupt hint: not ~TB of index
    expect(t.setUnread('u0', 0, source)).toBe(true);
    expect(() => t.setUnread('u5', 5, source)).toThrow(/numbered 5, the next number is 1/);
    expect(t.get('u0')?.no).toBe(0);
  });
});
