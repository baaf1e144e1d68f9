import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalError } from './errors.js';
import { SqliteJournalStore } from './sqlite.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'bailiff-sqlite-'));
/** A stored snapshot's text: its parts, concatenated. */
const snapshotText = (store: SqliteJournalStore, seq: number): string => Buffer.concat(store.snapshotParts(seq)).toString('utf8');

/** Another application's SQLite database (one table of its own) in `d`. */
function foreignDatabase(d: string): string {
  const path = join(d, 'other.db');
  const db = new Database(path);
  db.exec('CREATE TABLE t (x)');
  db.close();
  return path;
}

describe('SqliteJournalStore', () => {
  it('runs WAL + synchronous=FULL by default, read back from the database, and says so', () => {
    const path = join(dir(), 'j.db');
    const store = SqliteJournalStore.open(path, { durability: 'full' });
    expect(store.mode).toBe('full: SQLite journal_mode=WAL, synchronous=FULL');
    store.close();
    // The mode is a property of the file (WAL) and of the connection (synchronous): a second reader sees WAL.
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // A new journal takes 64 KiB pages (a commit's row is a chain of overflow pages: fewer, larger WAL frames).
    expect(db.pragma('page_size', { simple: true })).toBe(65_536);
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

  it('stores each commit as one row: a batch is all or none, read back by any seq it holds, cut at a byte offset', () => {
    const store = SqliteJournalStore.open(join(dir(), 'j.db'), { durability: 'full' });
    store.append({ firstSeq: 0, lastSeq: 0, bytes: Buffer.from('a') });
    store.append({ firstSeq: 1, lastSeq: 3, bytes: Buffer.from('bcd') });
    // A second batch starting at a stored seq fails whole (the primary key), nothing of it stored.
    expect(() => store.append({ firstSeq: 1, lastSeq: 5, bytes: Buffer.from('dup') })).toThrow(/UNIQUE/);
    expect(store.lastSeq()).toBe(3);
    store.append({ firstSeq: 4, lastSeq: 9, bytes: Buffer.from('efghij') });
    const read = (from: number, to?: number): string[] => [...store.read(from, to)].map((b) => `${b.firstSeq}-${b.lastSeq}:${Buffer.from(b.bytes).toString()}`);
    // seq 2 sits inside the batch 1..3: that batch comes first.
    expect(read(2)).toEqual(['1-3:bcd', '4-9:efghij']);
    expect(read(0, 0)).toEqual(['0-0:a']);
    expect(read(5, 6)).toEqual(['4-9:efghij']);
    // Records 7.. cut: the batch 4..9 keeps its first 3 bytes (records 4..6 here) and ends at 6.
    store.truncateFrom(7, 3);
    expect(read(0)).toEqual(['0-0:a', '1-3:bcd', '4-6:efg']);
    expect(store.lastSeq()).toBe(6);
    // Records 4.. cut: a batch starting at the cut goes whole.
    store.truncateFrom(4, 0);
    expect(read(0)).toEqual(['0-0:a', '1-3:bcd']);
    store.close();
  });

  it('refuses a journal of the earlier one-row-per-record layout without creating anything in it', () => {
    const path = join(dir(), 'old.db');
    const db = new Database(path);
    db.exec("CREATE TABLE bailiff_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO bailiff_meta VALUES ('format', 'bailiff-journal'); CREATE TABLE records (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL)");
    db.close();
    expect(() => SqliteJournalStore.open(path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal', message: expect.stringContaining('"bailiff-journal"') }));
    const after = new Database(path, { readonly: true });
    expect((after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name)).toEqual(['bailiff_meta', 'records']);
    after.close();
  });

  it('stores a snapshot in parts and reads back their concatenation, all or nothing', () => {
    const store = SqliteJournalStore.open(join(dir(), 'parts.db'), { durability: 'full' });
    const parts = ['{"accounts":[{"id":"a"}', ',{"id":"b"}', ',{"id":"c"}],"seq":4}'].map((t) => Buffer.from(t, 'utf8'));
    store.putSnapshot({ seq: 4, contentHash: 'h', stateRoot: 'r' }, parts);
    expect(snapshotText(store, 4)).toBe('{"accounts":[{"id":"a"},{"id":"b"},{"id":"c"}],"seq":4}');
    // Or the parts as stored, in order (a restore reads them where they lie).
    expect(store.snapshotParts(4).map((b) => Buffer.from(b).toString('utf8'))).toEqual(parts.map((b) => b.toString('utf8')));
    store.putSnapshot({ seq: 5, contentHash: 'h5', stateRoot: 'r5' }, [Buffer.from('{"seq":5}', 'utf8')]);
    expect(snapshotText(store, 5)).toBe('{"seq":5}');
    expect(store.snapshotParts(5).map((b) => Buffer.from(b).toString('utf8'))).toEqual(['{"seq":5}']);
    // A second snapshot at seq 4 is refused whole: none of its parts is written either.
    expect(() => store.putSnapshot({ seq: 4, contentHash: 'x', stateRoot: 'x' }, [Buffer.from('x'), Buffer.from('y')])).toThrow();
    expect(snapshotText(store, 4)).toBe('{"accounts":[{"id":"a"},{"id":"b"},{"id":"c"}],"seq":4}');
    expect(store.snapshotInfos()).toEqual([
      { seq: 4, contentHash: 'h', stateRoot: 'r' },
      { seq: 5, contentHash: 'h5', stateRoot: 'r5' },
    ]);
    store.close();
  });

  it('stores a snapshot a part at a time: nothing until sealed, leftovers of a stopped write replaced or removed', () => {
    const path = join(dir(), 'steps.db');
    let store = SqliteJournalStore.open(path, { durability: 'full' });
    // A write of seq 7 that stopped after three parts (the process died): no snapshot, the parts unread.
    for (const [k, t] of [[1, 'old1'], [2, 'old2'], [3, 'old3']] as const) store.putSnapshotPart(7, k, Buffer.from(t));
    expect(store.snapshotInfos()).toEqual([]);
    store.close();
    store = SqliteJournalStore.open(path, { durability: 'full' });
    // The same seq written again, in two parts this time: part 1 replaced, parts 2 and 3 removed by the seal.
    store.putSnapshotPart(7, 1, Buffer.from('],"seq":7}'));
    store.sealSnapshot({ seq: 7, contentHash: 'h', stateRoot: 'r' }, Buffer.from('{"accounts":['), 2);
    expect(snapshotText(store, 7)).toBe('{"accounts":[],"seq":7}');
    expect(store.snapshotParts(7).map((b) => Buffer.from(b).toString('utf8'))).toEqual(['{"accounts":[', '],"seq":7}']);
    // A part missing: refused, nothing stored.
    store.putSnapshotPart(9, 2, Buffer.from('y'));
    expect(() => store.sealSnapshot({ seq: 9, contentHash: 'h9', stateRoot: 'r9' }, Buffer.from('{}'), 3)).toThrow(expect.objectContaining({ code: 'snapshot_corrupt', message: expect.stringContaining('1 of its parts 1..2 are not stored') }));
    expect(store.snapshotInfos()).toEqual([{ seq: 7, contentHash: 'h', stateRoot: 'r' }]);
    // A stored snapshot's parts are not replaced.
    expect(() => store.putSnapshotPart(7, 1, Buffer.from('!'))).toThrow(/stored already/);
    expect(snapshotText(store, 7)).toBe('{"accounts":[],"seq":7}');
    store.close();
  });

  it('reads a journal written before snapshots had parts (no snapshot_parts table), read-only or not', () => {
    const path = join(dir(), 'before.db');
    const store = SqliteJournalStore.open(path, { durability: 'full' });
    store.putSnapshot({ seq: 1, contentHash: 'h', stateRoot: 'r' }, [Buffer.from('{"accounts":[],"seq":1}', 'utf8')]);
    store.close();
    const db = new Database(path);
    db.exec('DROP TABLE snapshot_parts');
    db.close();
    const reader = SqliteJournalStore.open(path, { durability: 'full', readOnly: true });
    expect(snapshotText(reader, 1)).toBe('{"accounts":[],"seq":1}');
    reader.close();
    // Opened to write, it gains the table; the old snapshot reads the same.
    const writer = SqliteJournalStore.open(path, { durability: 'full' });
    expect(snapshotText(writer, 1)).toBe('{"accounts":[],"seq":1}');
    writer.putSnapshot({ seq: 2, contentHash: 'h2', stateRoot: 'r2' }, [Buffer.from('{"accounts":[', 'utf8'), Buffer.from('],"seq":2}', 'utf8')]);
    expect(snapshotText(writer, 2)).toBe('{"accounts":[],"seq":2}');
    writer.close();
  });

  it('leaves another application’s database and a non-database file alone: not_a_journal', () => {
    const d = dir();
    const foreign = foreignDatabase(d);
    const before = readFileSync(foreign);
    expect(() => SqliteJournalStore.open(foreign, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
    expect(readFileSync(foreign).equals(before)).toBe(true);
    const text = join(d, 'notes.txt');
    writeFileSync(text, 'these are not the bytes of a database, just some text that is long enough to have a header');
    expect(() => SqliteJournalStore.open(text, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
  });

  it('has one writer at a time: a second writable open is refused with journal_locked before it reads or changes anything', () => {
    const d = dir();
    const path = join(d, 'j.db');
    const first = SqliteJournalStore.open(path, { durability: 'full' });
    first.append({ firstSeq: 0, lastSeq: 0, bytes: Buffer.from('a') });
    expect(existsSync(`${path}-writer`)).toBe(true);
    expect(existsSync(`${path}-writer-journal`)).toBe(false); // its rollback journal is kept in memory
    let refused: unknown = null;
    try {
      SqliteJournalStore.open(path, { durability: 'relaxed' });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(JournalError);
    expect((refused as JournalError).code).toBe('journal_locked');
    expect((refused as JournalError).message).toBe(
      `${path}: another process is writing this journal (it holds ${path}-writer); stop it first. The journal can be read meanwhile (bailiff journal info, verify, export)`,
    );
    // The same file by another name (a symbolic link) is the same journal.
    const link = join(d, 'link.db');
    symlinkSync(path, link);
    expect(() => SqliteJournalStore.open(link, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'journal_locked' }));
    // Readers take no lock: the journal is read while it is written.
    const reader = SqliteJournalStore.open(path, { durability: 'full', readOnly: true });
    expect(reader.lastSeq()).toBe(0);
    first.append({ firstSeq: 1, lastSeq: 1, bytes: Buffer.from('b') });
    expect(reader.lastSeq()).toBe(1);
    reader.close();
    // Closed, the journal takes its next writer (the refused opens changed nothing: its rows are the first's).
    first.close();
    const next = SqliteJournalStore.open(path, { durability: 'full' });
    expect([...next.read(0)].map((b) => Buffer.from(b.bytes).toString('latin1'))).toEqual(['a', 'b']);
    next.close();
    // Databases of their own (in memory) have no lock to take.
    const a = SqliteJournalStore.open(':memory:', { durability: 'relaxed' });
    const b = SqliteJournalStore.open(':memory:', { durability: 'relaxed' });
    a.close();
    b.close();
  });

  it('releases the writer lock when an open fails after taking it (another database is refused, the lock is not kept)', () => {
    const d = dir();
    const foreign = foreignDatabase(d);
    expect(() => SqliteJournalStore.open(foreign, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
    // Refused again for what it is, not for a lock the first attempt left behind.
    expect(() => SqliteJournalStore.open(foreign, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
  });
});
