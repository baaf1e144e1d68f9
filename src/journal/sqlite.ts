// The SQLite journal backend (better-sqlite3): one row per commit (first_seq INTEGER PRIMARY KEY, last_seq, bytes:
// the batch's records framed back to back), one per snapshot. One row per commit rather than per record: SQLite's
// cost is per row (~120-165k rows/s measured), a few large rows of the same bytes go at the disk's speed. A snapshot's
// bytes are stored in parts of ~4 MiB (snapshot-stream.ts encodeSnapshotParts): the first in its snapshots row, the
// others in snapshot_parts. One blob of a whole 1M-account snapshot (~240 MB) was read into memory twice (by SQLite,
// then copied by the binding), and SQLite refuses a blob over SQLITE_MAX_LENGTH (1e9 bytes by default): ~4M accounts.
// A journal written before the parts (no snapshot_parts table) reads as one whose snapshots are one part each. WAL with synchronous=FULL, read back after opening: in WAL mode FULL syncs the WAL on every commit, so a
// commit that returned survives power loss; better-sqlite3 defaults to NORMAL, which syncs only at checkpoints and
// can lose the last commits (https://www.sqlite.org/pragma.html#pragma_synchronous). Anything weaker than asked is
// refused, unless the caller asked for 'relaxed' (WAL + NORMAL: survives a killed process, not a power cut).

import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { JournalError } from './errors.js';
import type { Durability, JournalStore, StoredBatch } from './store.js';
import type { SnapshotInfo } from './types.js';
import { WriterLock } from './writer-lock.js';

/** PRAGMA synchronous values (sqlite.org/pragma.html#pragma_synchronous). */
const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
const SYNCHRONOUS_FULL = 2;
/**
 * The page size of a new journal file: a commit is one row of ~0.5-5 MB, stored as a chain of overflow pages, each
 * page one WAL frame with its header. 64 KiB pages (SQLite's largest) write the same bytes as 16x fewer frames:
 * measured 54 -> 91 MB/s for 0.5 MB commits with synchronous=FULL. Only a new file takes it (WAL fixes it after).
 */
const PAGE_BYTES = 65_536;

/** One commit: one row holding the batch's records (the commit worker runs the same statement on its connection). */
export const INSERT_BATCH_SQL = 'INSERT INTO batches (first_seq, last_seq, bytes) VALUES (?, ?, ?)';
/** A stored snapshot's first part (in its snapshots row) and its other parts, by seq (and part): snapshotPart, and the
 * worker that reads parts off the caller's thread (snapshot-part-reader.ts). */
export const SNAPSHOT_FIRST_PART_SQL = 'SELECT bytes FROM snapshots WHERE seq = ?';
export const SNAPSHOT_PART_SQL = 'SELECT bytes FROM snapshot_parts WHERE seq = ? AND part = ?';

/** What identifies a Bailiff journal among SQLite files (bailiff_meta); -2: one row per commit (batches). */
const FORMAT_NAME = 'bailiff-journal-2';

export interface SqliteOpenOptions {
  readonly durability: Durability;
  /** Open an existing journal without writing anything (no table creation, no truncation). */
  readonly readOnly?: boolean;
}

export class SqliteJournalStore implements JournalStore {
  readonly mode: string;
  readonly writable: boolean;
  readonly file?: string;
  private readonly db: Database.Database;
  private readonly insertBatch: Database.Statement<[number, number, Uint8Array]>;
  /** Whether the file has the snapshot_parts table (a journal written before it, opened read-only, has not). */
  private readonly hasParts: boolean;
  /** The journal's writer lock (writer-lock.ts), held until close(); null: read-only, or a database of its own. */
  private readonly lock: WriterLock | null;

  private constructor(db: Database.Database, mode: string, writable: boolean, file: string, lock: WriterLock | null) {
    this.db = db;
    this.lock = lock;
    this.hasParts = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_parts'").get() !== undefined;
    // An in-memory or temporary database is this connection's alone.
    if (file !== '' && file !== ':memory:') this.file = file;
    this.mode = mode;
    this.writable = writable;
    this.insertBatch = db.prepare(INSERT_BATCH_SQL);
  }

  /**
   * Opens (or creates) the journal database at `path`. Throws JournalError durability_weak when the database cannot
   * run as durably as asked, not_a_journal when the file is some other SQLite database, journal_locked when another
   * process (or another open store of this one) writes it: a writable open takes the journal's writer lock first
   * (writer-lock.ts), before it reads or changes anything; close() releases it. Read-only opens take no lock.
   */
  static open(path: string, o: SqliteOpenOptions): SqliteJournalStore {
    const readOnly = o.readOnly === true;
    if (readOnly && !existsSync(path)) throw new JournalError('not_a_journal', `${path}: no such journal`);
    // Before the writer lock, whose file would be left beside it.
    if (existsSync(path) && statSync(path).isDirectory()) throw new JournalError('not_a_journal', `${path}: a directory, not a journal file`);
    // An in-memory or temporary database is this connection's alone: nothing to lock.
    const lock = readOnly || path === '' || path === ':memory:' ? null : WriterLock.take(path);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: readOnly, fileMustExist: readOnly });
    } catch (e) {
      lock?.release();
      throw new JournalError('not_a_journal', `${path}: cannot open as SQLite: ${(e as Error).message}`, { cause: e });
    }
    try {
      const fresh = refuseForeign(db, path);
      if (fresh && !readOnly) db.pragma(`page_size = ${PAGE_BYTES}`);
      const mode = readOnly ? readMode(db) : setMode(db, path, o.durability);
      if (!readOnly) createTables(db);
      checkFormat(db, path);
      return new SqliteJournalStore(db, mode, !readOnly, path, lock);
    } catch (e) {
      db.close();
      lock?.release();
      if (e instanceof JournalError) throw e;
      throw new JournalError('not_a_journal', `${path}: cannot read as a journal: ${(e as Error).message}`, { cause: e });
    }
  }

  lastSeq(): number {
    const row = this.db.prepare('SELECT last_seq FROM batches ORDER BY first_seq DESC LIMIT 1').get() as { last_seq: number } | undefined;
    return row?.last_seq ?? -1;
  }

  *read(fromSeq: number, toSeq: number = Number.MAX_SAFE_INTEGER): Iterable<StoredBatch> {
    // From the batch holding fromSeq (the last one starting at or before it; the primary key finds it).
    const rows = this.db
      .prepare('SELECT first_seq, last_seq, bytes FROM batches WHERE first_seq >= COALESCE((SELECT MAX(first_seq) FROM batches WHERE first_seq <= ?), 0) AND first_seq <= ? ORDER BY first_seq')
      .raw()
      .iterate(fromSeq, toSeq) as IterableIterator<[number, number, Buffer]>;
    for (const [firstSeq, lastSeq, bytes] of rows) {
      if (lastSeq >= fromSeq) yield { firstSeq, lastSeq, bytes };
    }
  }

  append(batch: StoredBatch): void {
    // One statement in autocommit: one transaction, one fsync of the WAL (synchronous=FULL).
    this.insertBatch.run(batch.firstSeq, batch.lastSeq, batch.bytes);
  }

  truncateFrom(fromSeq: number, byteOffset: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM batches WHERE first_seq > ?').run(fromSeq);
      this.db.prepare('DELETE FROM batches WHERE first_seq = ?').run(fromSeq);
      // The batch that holds fromSeq after its first record keeps the records before it.
      this.db.prepare('UPDATE batches SET last_seq = ?, bytes = substr(bytes, 1, ?) WHERE first_seq < ? AND last_seq >= ?').run(fromSeq - 1, byteOffset, fromSeq, fromSeq);
    })();
  }

  // Each write below is one IMMEDIATE transaction (nested ones are savepoints): it takes the write lock before its
  // first read, so it waits (busy timeout) for the commit worker's connection (commit-worker.ts) instead of failing
  // with SQLITE_BUSY, as a transaction that read first and then wrote after another connection's commit would.
  putSnapshot(info: SnapshotInfo, parts: readonly Uint8Array[]): void {
    this.db
      .transaction(() => {
        for (let k = 1; k < parts.length; k++) this.putSnapshotPart(info.seq, k, parts[k] as Uint8Array);
        this.sealSnapshot(info, parts[0] ?? Buffer.alloc(0), Math.max(1, parts.length));
      })
      .immediate();
  }

  putSnapshotPart(seq: number, part: number, bytes: Uint8Array): void {
    if (!Number.isSafeInteger(part) || part < 1) throw new RangeError(`a snapshot part stored apart is numbered from 1, not ${part}`);
    this.db
      .transaction(() => {
        // A stored snapshot's parts are never replaced.
        if (this.db.prepare('SELECT 1 FROM snapshots WHERE seq = ?').get(seq) !== undefined) throw new RangeError(`snapshot ${seq} is stored already`);
        this.db.prepare('INSERT OR REPLACE INTO snapshot_parts (seq, part, bytes) VALUES (?, ?, ?)').run(seq, part, bytes);
      })
      .immediate();
  }

  sealSnapshot(info: SnapshotInfo, firstPart: Uint8Array, partCount: number): void {
    this.db.transaction(() => {
      const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM snapshot_parts WHERE seq = ? AND part BETWEEN 1 AND ?').get(info.seq, partCount - 1) as { n: number };
      if (n !== partCount - 1) throw new JournalError('snapshot_corrupt', `snapshot ${info.seq}: ${partCount - 1 - n} of its parts 1..${partCount - 1} are not stored`, { seq: info.seq });
      // Left by a write of this seq that stopped half way: not part of this snapshot (snapshotParts reads every part of its seq).
      this.db.prepare('DELETE FROM snapshot_parts WHERE seq = ? AND part >= ?').run(info.seq, partCount);
      this.db.prepare('INSERT INTO snapshots (seq, content_hash, state_root, bytes) VALUES (?, ?, ?, ?)').run(info.seq, info.contentHash, info.stateRoot, firstPart);
    }).immediate();
  }

  /**
   * Removes the parts of snapshots never sealed (a copy or write that stopped half way: never read, see sealSnapshot);
   * how many. Only for the journal's one writer at a moment when it writes no snapshot itself (a standby's copier
   * before it copies one): a snapshot being written a slice at a time is unsealed until its last slice.
   */
  removeUnsealedSnapshotParts(): number {
    if (!this.hasParts) return 0;
    return this.db.prepare('DELETE FROM snapshot_parts WHERE seq NOT IN (SELECT seq FROM snapshots)').run().changes;
  }

  snapshotInfos(): SnapshotInfo[] {
    const rows = this.db.prepare('SELECT seq, content_hash, state_root FROM snapshots ORDER BY seq').all() as { seq: number; content_hash: string; state_root: string }[];
    return rows.map((r) => ({ seq: r.seq, contentHash: r.content_hash, stateRoot: r.state_root }));
  }

  snapshotParts(seq: number): Uint8Array[] {
    const row = this.db.prepare('SELECT bytes FROM snapshots WHERE seq = ?').get(seq) as { bytes: Buffer } | undefined;
    if (row === undefined) throw new JournalError('snapshot_corrupt', `snapshot ${seq} is not stored`, { seq });
    const parts: Uint8Array[] = [row.bytes];
    if (!this.hasParts) return parts;
    let expected = 1;
    for (const [part, bytes] of this.db.prepare('SELECT part, bytes FROM snapshot_parts WHERE seq = ? ORDER BY part').raw().iterate(seq) as IterableIterator<[number, Buffer]>) {
      // A missing part makes the bytes wrong: their content hash tells (the caller checks it), but say which.
      if (part !== expected) throw new JournalError('snapshot_corrupt', `snapshot ${seq}: part ${expected} is missing`, { seq });
      parts.push(bytes);
      expected++;
    }
    return parts;
  }

  /**
   * The sizes of a stored snapshot's parts, in order, without their bytes: with snapshotPart, a snapshot read a part at
   * a time (put into a stream's object store while commands go on: stream-snapshots.ts) instead of ~240 MB a million
   * accounts at once.
   */
  snapshotPartSizes(seq: number): number[] {
    const first = this.db.prepare('SELECT length(bytes) AS n FROM snapshots WHERE seq = ?').get(seq) as { n: number } | undefined;
    if (first === undefined) throw new JournalError('snapshot_corrupt', `snapshot ${seq} is not stored`, { seq });
    if (!this.hasParts) return [first.n];
    const rest = this.db.prepare('SELECT part, length(bytes) AS n FROM snapshot_parts WHERE seq = ? ORDER BY part').all(seq) as { part: number; n: number }[];
    rest.forEach((r, i) => {
      if (r.part !== i + 1) throw new JournalError('snapshot_corrupt', `snapshot ${seq}: part ${i + 1} is missing`, { seq });
    });
    return [first.n, ...rest.map((r) => r.n)];
  }

  /** Part `part` of a stored snapshot (0: the one in its snapshots row), or null when there is none (snapshotPartSizes). */
  snapshotPart(seq: number, part: number): Uint8Array | null {
    if (part === 0) return (this.db.prepare(SNAPSHOT_FIRST_PART_SQL).get(seq) as { bytes: Buffer } | undefined)?.bytes ?? null;
    if (!this.hasParts) return null;
    return (this.db.prepare(SNAPSHOT_PART_SQL).get(seq, part) as { bytes: Buffer } | undefined)?.bytes ?? null;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock?.release(); // after the journal's connection: no other writer can start before it is closed
  }
}

/** Sets WAL and the synchronous level the durability asks for, then reads both back; refuses anything weaker. */
function setMode(db: Database.Database, path: string, durability: Durability): string {
  db.pragma('journal_mode = WAL');
  db.pragma(durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  return checkMode(journalMode, synchronous, path, durability);
}

/**
 * What a writing connection runs with, as read back from it (`journal_mode`, `synchronous`), against what was asked:
 * the mode's description, or JournalError durability_weak. Each connection has its own synchronous level, so every
 * writer checks its own (the commit worker's too: commit-worker.ts).
 */
export function checkMode(journalMode: string, synchronous: number, path: string, durability: Durability): string {
  const described = describe(journalMode, synchronous);
  const full = journalMode === 'wal' && synchronous >= SYNCHRONOUS_FULL;
  if (durability === 'full' && !full) {
    throw new JournalError('durability_weak', `${path}: SQLite runs with ${described}, weaker than WAL + synchronous=FULL; --durability relaxed accepts it`);
  }
  return `${full ? 'full' : 'relaxed'}: SQLite ${described}`;
}

/** A reader's view: the journal mode is the file's; synchronous belongs to each writing connection, not the file. */
function readMode(db: Database.Database): string {
  return `read-only: SQLite journal_mode=${String(db.pragma('journal_mode', { simple: true })).toUpperCase()}`;
}

function describe(journalMode: string, synchronous: number): string {
  return `journal_mode=${journalMode.toUpperCase()}, synchronous=${SYNCHRONOUS_NAMES[synchronous] ?? synchronous}`;
}

function createTables(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS bailiff_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS batches (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, bytes BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, content_hash TEXT NOT NULL, state_root TEXT NOT NULL, bytes BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot_parts (seq INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (seq, part));
    `);
    db.prepare('INSERT OR IGNORE INTO bailiff_meta (key, value) VALUES (?, ?)').run('format', FORMAT_NAME);
  })();
}

/**
 * Another application's database, or a journal of another layout, is left alone: nothing is set or created in it.
 * Returns whether the database is empty (a new journal).
 */
function refuseForeign(db: Database.Database, path: string): boolean {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  if (tables.length === 0) return true;
  if (!tables.some((t) => t.name === 'bailiff_meta')) throw new JournalError('not_a_journal', `${path}: not a Bailiff journal (another database)`);
  checkFormat(db, path, false);
  return false;
}

function checkFormat(db: Database.Database, path: string, tables = true): void {
  const names = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  if (tables && (!names.has('bailiff_meta') || !names.has('batches') || !names.has('snapshots'))) throw new JournalError('not_a_journal', `${path}: not a Bailiff journal (tables missing)`);
  const format = db.prepare("SELECT value FROM bailiff_meta WHERE key = 'format'").get() as { value: string } | undefined;
  if (format?.value !== FORMAT_NAME) throw new JournalError('not_a_journal', `${path}: not a Bailiff journal (format ${JSON.stringify(format?.value ?? null)})`);
}
