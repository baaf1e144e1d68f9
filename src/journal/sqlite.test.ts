import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalError } from './errors.js';
import { SqliteJournalStore } from './sqlite.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'bailiff-sqlite-'));

describe('SqliteJournalStore', () => {
  it('runs WAL + synchronous=FULL by default, read back from the database, and says so', () => {
    const path = join(dir(), 'j.db');
    const store = SqliteJournalStore.open(path, { durability: 'full' });
    expect(store.mode).toBe('full: SQLite journal_mode=WAL, synchronous=FULL');
    store.close();
    // The mode is a property of the file (WAL) and of the connection (synchronous): a second reader sees WAL.
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database that cannot run WAL + FULL (in memory) unless relaxed durability is asked, and names the mode', () => {
    expect(() => SqliteJournalStore.open(':memory:', { durability: 'full' })).toThrow(JournalError);
    try {
      SqliteJournalStore.open(':memory:', { durability: 'full' });
    } catch (e) {
      expect((e as JournalError).code).toBe('durability_weak');
      expect((e as JournalError).message).toContain('journal_mode=MEMORY');
    }
    const relaxed = SqliteJournalStore.open(':memory:', { durability: 'relaxed' });
    expect(relaxed.mode).toBe('relaxed: SQLite journal_mode=MEMORY, synchronous=NORMAL');
    relaxed.close();
    const file = SqliteJournalStore.open(join(dir(), 'r.db'), { durability: 'relaxed' });
    expect(file.mode).toBe('relaxed: SQLite journal_mode=WAL, synchronous=NORMAL');
    file.close();
  });

  it('appends a batch in one transaction: a failing record leaves none of the batch stored', () => {
    const store = SqliteJournalStore.open(join(dir(), 'j.db'), { durability: 'full' });
    store.append([{ seq: 0, bytes: Buffer.from('a') }]);
    expect(() => store.append([{ seq: 1, bytes: Buffer.from('b') }, { seq: 2, bytes: Buffer.from('c') }, { seq: 1, bytes: Buffer.from('dup') }])).toThrow(/UNIQUE/);
    expect(store.lastSeq()).toBe(0);
    store.append([{ seq: 1, bytes: Buffer.from('b') }]);
    expect([...store.read(0)].map((r) => Buffer.from(r.bytes).toString())).toEqual(['a', 'b']);
    // A batch of 150 goes in statements of 64 rows and single rows; a duplicate among the 64-row ones undoes all.
    const batch = Array.from({ length: 150 }, (_, i) => ({ seq: 2 + i, bytes: Buffer.from([i]) }));
    expect(() => store.append([...batch.slice(0, 100), { seq: 50, bytes: Buffer.from('dup') }, ...batch.slice(100)])).toThrow(/UNIQUE/);
    expect(store.lastSeq()).toBe(1);
    store.append(batch);
    expect([...store.read(2)].map((r) => [r.seq, Buffer.from(r.bytes)[0]])).toEqual(batch.map((b, i) => [b.seq, i]));
    store.close();
  });

  it('leaves another application’s database and a non-database file alone: not_a_journal', () => {
    const d = dir();
    const foreign = join(d, 'other.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const before = readFileSync(foreign);
    expect(() => SqliteJournalStore.open(foreign, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
    expect(readFileSync(foreign).equals(before)).toBe(true);
    const text = join(d, 'notes.txt');
    writeFileSync(text, 'these are not the bytes of a database, just some text that is long enough to have a header');
    expect(() => SqliteJournalStore.open(text, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
  });
});
