// The journal end to end on SQLite files: torn tails, corruption, snapshot fallback, a failed commit, and
// determinism (replay from the genesis and from every snapshot gives the same events, byte for byte, and the same
// state) on a long seeded command stream.

import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine/engine.js';
import { accountCountHint, encodeSnapshot } from '../../src/core/engine/snapshot.js';
import type { Command } from '../../src/core/engine/commands.js';
import { DurableEngine, RECOVERY_PROGRESS_STEP, type RecoveryProgress } from '../../src/journal/durable.js';
import { JournalError } from '../../src/journal/errors.js';
import { Journal } from '../../src/journal/journal.js';
import { encodeEntryRecord, entryBody, entryBodyMatches, framedRecordHasher, RECORD_CHECKSUM_BYTES } from '../../src/journal/record.js';
import { parseCanonical } from '../../src/journal/canonical.js';
import { verifyJournal } from '../../src/verify/verify.js';
import { stateRootOf } from '../../src/journal/state-root.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import type { JournalStore } from '../../src/journal/store.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../../src/journal/types.js';
import { decodedStream } from '../../src/sim/command-stream.js';
import { editStoredRecord } from './stored-record.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'bailiff-journal-')), 'journal.db');

interface Built {
  readonly path: string;
  readonly genesis: JournalGenesis;
  readonly commands: readonly Command[];
  readonly entries: readonly JournalEntry[];
}

/** A journal of the scenario's setup and `n` stream commands, committed in batches of `batch`. */
function build(n: number, o: { snapshotEvery?: number; snapshotPartBytes?: number; batch?: number; seed?: number } = {}): Built {
  const { scenario, setup, stream } = decodedStream(o.seed ?? 7, n);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const path = tmp();
  const de = DurableEngine.openFile(path, {
    genesis,
    durability: 'full',
    ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
    ...(o.snapshotPartBytes === undefined ? {} : { snapshotPartBytes: o.snapshotPartBytes }),
  });
  const commands = [...setup, ...stream];
  const entries: JournalEntry[] = [];
  const batch = o.batch ?? 50;
  for (let i = 0; i < commands.length; i += batch) entries.push(...de.submit(commands.slice(i, i + batch)));
  de.close();
  return { path, genesis, commands, entries };
}

/** The engine an in-memory run of `commands` leaves. */
function inMemory(genesis: JournalGenesis, commands: readonly Command[]): Engine {
  const e = Engine.create(genesis.config, genesis.rulebook);
  for (const c of commands) e.apply(c);
  return e;
}

/** Edits the stored bytes of one record (as a disk or another writer would), outside the journal's code. */
const editRecord = editStoredRecord;

function fileBytes(path: string): Buffer[] {
  return [path, `${path}-wal`, `${path}-shm`].map((p) => (existsSync(p) ? readFileSync(p) : Buffer.alloc(0)));
}

describe('a durable engine on SQLite', () => {
  it('journals every command with its events, chained, and recovers the same state', () => {
    const b = build(300, { snapshotEvery: 100 });
    const store = SqliteJournalStore.open(b.path, { durability: 'full' });
    const journal = Journal.open(store);
    expect(journal.head()).toBe(b.commands.length);
    const records = [...journal.records()];
    expect(records.map((r) => entryBody(r.command, r.events))).toEqual(b.entries.map((e) => entryBody(e.command, e.events)));
    for (let i = 1; i < records.length; i++) expect(records[i]?.prevHash).toBe(records[i - 1]?.hash);
    // Snapshots every 100 commands counted from the last: 100, 200, 300 (the batches of 50 end there).
    expect(journal.snapshots().map((s) => s.seq)).toEqual([100, 200, 300]);
    journal.close();
    const de = DurableEngine.openFile(b.path, { durability: 'full' });
    // 300 stream + 2 scenario commands + 15 setup commands (rulebook, 2 markets, 11 deposits): head 317, replay 17.
    expect(de.recovery).toMatchObject({ created: false, snapshotSeq: 300, replayed: b.commands.length - 300, tornTail: null, skippedSnapshots: [] });
    expect(de.recovery.mode).toBe('full: SQLite journal_mode=WAL, synchronous=FULL');
    expect(encodeSnapshot(de.engine.snapshot())).toBe(encodeSnapshot(inMemory(b.genesis, b.commands).snapshot()));
    // A snapshot asked at a seq that has one already returns it (one per seq); an injected state root is stored.
    const taken = de.snapshot();
    expect(taken.seq).toBe(b.commands.length);
    expect(de.snapshot()).toEqual(taken);
    expect(de.journal.snapshots().map((s) => s.seq)).toEqual([100, 200, 300, b.commands.length]);
    de.close();
    const withRoot = DurableEngine.openFile(b.path, { durability: 'full', stateRoot: (e) => `root-at-${e.seq}` });
    withRoot.submit([b.commands[0] as Command]);
    expect(withRoot.snapshot()).toMatchObject({ seq: b.commands.length + 1, stateRoot: `root-at-${b.commands.length + 1}` });
    withRoot.close();
  });

  for (const [what, keep] of [
    ['1 byte', (_n: number) => 1],
    ['half', (n: number) => Math.floor(n / 2)],
    ['all but 1 byte', (n: number) => n - 1],
  ] as const) {
    it(`truncates a torn last record (cut to ${what}), reports its seq, and goes on`, () => {
      const b = build(120);
      const last = b.commands.length;
      editRecord(b.path, last, (bytes) => bytes.subarray(0, keep(bytes.length)));
      const de = DurableEngine.openFile(b.path, { durability: 'full' });
      expect(de.recovery.tornTail).toMatchObject({ seq: last });
      expect(de.recovery.head).toBe(last - 1);
      expect(de.engine.seq).toBe(last - 1);
      // The client resends the lost command: it takes the same seq and gives the same events, byte for byte.
      const [again] = de.submit([b.commands[last - 1] as Command]);
      const original = b.entries[last - 1] as JournalEntry;
      expect(again?.seq).toBe(last);
      expect(entryBody(again?.command as Command, again?.events ?? [])).toBe(entryBody(original.command, original.events));
      de.close();
      expect(DurableEngine.openFile(b.path, { durability: 'full' }).recovery).toMatchObject({ tornTail: null, head: last });
    });
  }

  it("refuses a journal of another format version as such (not_a_journal), a whole genesis whose header says so; a flipped version bit is damage", () => {
    const b = build(20);
    const reframe = (version: number, checksum: boolean) => (bytes: Buffer): Buffer => {
      const out = Buffer.from(bytes);
      out[4] = version;
      if (checksum) out.set(createHash('sha256').update(out.subarray(0, out.length - RECORD_CHECKSUM_BYTES)).digest(), out.length - RECORD_CHECKSUM_BYTES);
      return out;
    };
    editRecord(b.path, 0, reframe(JOURNAL_FORMAT_VERSION - 1, true));
    const before = fileBytes(b.path);
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(
      expect.objectContaining({ code: 'not_a_journal', message: expect.stringContaining(`journal format ${JOURNAL_FORMAT_VERSION - 1}, this build reads ${JOURNAL_FORMAT_VERSION}`) }),
    );
    expect(fileBytes(b.path).every((x, i) => x.equals(before[i] as Buffer))).toBe(true);
    // The same byte changed without a matching checksum: the genesis is damaged, not of another format.
    editRecord(b.path, 0, reframe(JOURNAL_FORMAT_VERSION, false));
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'record_corrupt', seq: 0 }));
  });

  it('halts on one flipped bit in a middle record, naming its seq, and leaves the file untouched', () => {
    const b = build(200, { snapshotEvery: 50 });
    const middle = 111;
    editRecord(b.path, middle, (bytes) => {
      const out = Buffer.from(bytes);
      out[60] = (out[60] as number) ^ 0x04; // a bit in the body
      return out;
    });
    const before = fileBytes(b.path);
    let error: unknown;
    try {
      DurableEngine.openFile(b.path, { durability: 'full' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalError);
    expect(error).toMatchObject({ code: 'record_corrupt', seq: middle, message: expect.stringContaining(`record ${middle} is corrupt (checksum mismatch)`) });
    const after = fileBytes(b.path);
    expect(after.map((x) => x.length)).toEqual(before.map((x) => x.length));
    expect(after.every((x, i) => x.equals(before[i] as Buffer))).toBe(true);
  });

  it('halts on a damaged length field of a record inside the last batch: only the batch’s last record can be torn', () => {
    const b = build(120, { batch: 200 });
    const last = b.commands.length;
    // Record last-3 shares the last row with the three after it; its length grows by 2^24, past the row's end.
    editRecord(b.path, last - 3, (bytes) => {
      bytes[16] = (bytes[16] as number) ^ 0x01;
      return bytes;
    });
    const before = fileBytes(b.path);
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'record_corrupt', seq: last - 3 }));
    expect(fileBytes(b.path).every((x, i) => x.equals(before[i] as Buffer))).toBe(true);
  });

  it('halts on a bad last record that a snapshot covers: it had been committed, so it is not a torn write', () => {
    const b = build(100, { snapshotEvery: 1, batch: 117 });
    const last = b.commands.length;
    editRecord(b.path, last, (bytes) => bytes.subarray(0, 10));
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'record_corrupt', seq: last }));
  });

  it('falls back to the previous snapshot when the newest one’s bytes do not match its content hash, deleting nothing', () => {
    const b = build(450, { snapshotEvery: 100 });
    const db = new Database(b.path);
    const newest = (db.prepare('SELECT MAX(seq) AS s FROM snapshots').get() as { s: number }).s;
    const bytes = Buffer.from((db.prepare('SELECT bytes FROM snapshots WHERE seq = ?').get(newest) as { bytes: Buffer }).bytes);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
    db.prepare('UPDATE snapshots SET bytes = ? WHERE seq = ?').run(bytes, newest);
    db.close();
    const de = DurableEngine.openFile(b.path, { durability: 'full' });
    expect(newest).toBe(400);
    expect(de.recovery.skippedSnapshots).toEqual([{ seq: 400, reason: expect.stringContaining('content hash') }]);
    expect(de.recovery.snapshotSeq).toBe(300);
    expect(de.recovery.replayed).toBe(b.commands.length - 300);
    expect(encodeSnapshot(de.engine.snapshot())).toBe(encodeSnapshot(inMemory(b.genesis, b.commands).snapshot()));
    expect(de.journal.snapshots().map((s) => s.seq)).toEqual([100, 200, 300, 400]);
    de.close();
  });

  it('recovers from a snapshot stored in parts, and falls back when one of its later parts is damaged or missing', () => {
    const b = build(450, { snapshotEvery: 100, snapshotPartBytes: 512 });
    const db = new Database(b.path);
    const parts = (seq: number): number => (db.prepare('SELECT COUNT(*) AS n FROM snapshot_parts WHERE seq = ?').get(seq) as { n: number }).n;
    expect(parts(400)).toBeGreaterThan(2); // the first part in its snapshots row, the others in snapshot_parts
    db.close();
    const clean = encodeSnapshot(inMemory(b.genesis, b.commands).snapshot());
    const de = DurableEngine.openFile(b.path, { durability: 'full' });
    expect(de.recovery).toMatchObject({ snapshotSeq: 400, skippedSnapshots: [], replayed: b.commands.length - 400 });
    expect(encodeSnapshot(de.engine.snapshot())).toBe(clean);
    de.close();
    // A flipped bit in part 2 of the snapshot at 400, then part 1 of the one at 300 gone: each is passed over.
    const edit = new Database(b.path);
    const part = (edit.prepare('SELECT bytes FROM snapshot_parts WHERE seq = 400 AND part = 2').get() as { bytes: Buffer }).bytes;
    part[0] = (part[0] as number) ^ 1;
    edit.prepare('UPDATE snapshot_parts SET bytes = ? WHERE seq = 400 AND part = 2').run(part);
    edit.prepare('DELETE FROM snapshot_parts WHERE seq = 300 AND part = 1').run();
    edit.close();
    const fallback = DurableEngine.openFile(b.path, { durability: 'full' });
    expect(fallback.recovery.skippedSnapshots).toEqual([
      { seq: 400, reason: expect.stringContaining('content hash') },
      { seq: 300, reason: expect.stringContaining('part 1 is missing') },
    ]);
    expect(fallback.recovery.snapshotSeq).toBe(200);
    expect(encodeSnapshot(fallback.engine.snapshot())).toBe(clean);
    fallback.close();
  });

  it('tells its progress phase by phase: the snapshot, its accounts (indexed as they are read), then the replay, counted to the end', () => {
    // One snapshot at 1,500, then 1,117 records: the replay is told at its start, at 1,024 records and at its end.
    const b = build(2600, { snapshotEvery: 1500 });
    for (const recordCheckWorker of [false, true]) {
      const told: RecoveryProgress[] = [];
      const de = DurableEngine.openFile(b.path, { durability: 'full', recordCheckWorker, onProgress: (p) => told.push(p) });
      const accounts = de.engine.snapshot().accounts.length;
      const tail = b.commands.length - 1500;
      expect(de.recovery).toMatchObject({ snapshotSeq: 1500, replayed: tail });
      expect(told).toEqual([
        { phase: 'snapshot', done: 0, total: 1 },
        { phase: 'snapshot', done: 1, total: 1 },
        { phase: 'accounts', done: 0, total: accounts },
        { phase: 'accounts', done: accounts, total: accounts },
        // No 'indexes' phase: a journal's snapshot reads its accounts again, so each is indexed as it is restored.
        { phase: 'replay', done: 0, total: tail },
        { phase: 'replay', done: RECOVERY_PROGRESS_STEP, total: tail },
        { phase: 'replay', done: tail, total: tail },
      ]);
      de.close();
    }
  });

  it('tells a snapshot passed over as a second snapshot phase, and a journal without one only its replay', () => {
    const b = build(450, { snapshotEvery: 100 });
    const db = new Database(b.path);
    const bytes = Buffer.from((db.prepare('SELECT bytes FROM snapshots WHERE seq = 400').get() as { bytes: Buffer }).bytes);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
    db.prepare('UPDATE snapshots SET bytes = ? WHERE seq = 400').run(bytes);
    db.close();
    const phases: string[] = [];
    const de = DurableEngine.openFile(b.path, { durability: 'full', onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`) });
    expect(de.recovery.snapshotSeq).toBe(300);
    de.close();
    // The snapshot at 400 is read and refused (its content hash), then the one at 300 is restored.
    expect(phases.slice(0, 3)).toEqual(['snapshot 0/1', 'snapshot 0/1', 'snapshot 1/1']);
    expect(phases.at(-1)).toBe(`replay ${b.commands.length - 300}/${b.commands.length - 300}`);
    const plain = build(120);
    const replayOnly: string[] = [];
    DurableEngine.openFile(plain.path, { durability: 'full', onProgress: (p) => replayOnly.push(`${p.phase} ${p.done}/${p.total}`) }).close();
    expect(replayOnly).toEqual([`replay 0/${plain.commands.length}`, `replay ${plain.commands.length}/${plain.commands.length}`]);
  });

  it('falls back to the previous snapshot when the newest one’s accounts do not parse (bytes matching their recorded hash)', () => {
    // Recovery decodes a snapshot's accounts one by one while restoring (snapshot-stream.ts): a bad account found
    // then is the same snapshot_corrupt as one found by the whole-text decoder.
    const b = build(450, { snapshotEvery: 100 });
    const db = new Database(b.path);
    const text = (db.prepare('SELECT bytes FROM snapshots WHERE seq = 400').get() as { bytes: Buffer }).bytes.toString('utf8');
    const at = text.indexOf('},{', text.indexOf('{"accounts":[') + 20);
    expect(at).toBeGreaterThan(0);
    const broken = Buffer.from(`${text.slice(0, at + 1)}{"x":}${text.slice(at + 1)}`, 'utf8');
    db.prepare('UPDATE snapshots SET bytes = ?, content_hash = ? WHERE seq = 400').run(broken, createHash('sha256').update(broken).digest('hex'));
    db.close();
    const de = DurableEngine.openFile(b.path, { durability: 'full' });
    expect(de.recovery.skippedSnapshots).toEqual([{ seq: 400, reason: expect.stringContaining('does not parse') }]);
    expect(de.recovery.snapshotSeq).toBe(300);
    expect(encodeSnapshot(de.engine.snapshot())).toBe(encodeSnapshot(inMemory(b.genesis, b.commands).snapshot()));
    de.close();
  });

  it('loads a snapshot whole (loadSnapshot) with the streaming decoder: the whole-text values, never the whole text as one string', () => {
    const b = build(450, { snapshotEvery: 100 });
    const journal = Journal.open(SqliteJournalStore.open(b.path, { durability: 'full' }));
    const db = new Database(b.path, { readonly: true });
    const bytes = (db.prepare('SELECT bytes FROM snapshots WHERE seq = 400').get() as { bytes: Buffer }).bytes;
    db.close();
    const decoded: number[] = [];
    const toString = Buffer.prototype.toString;
    // Every text decoded from the journal's copy of the snapshot's bytes (the same length as ours), by its length.
    Buffer.prototype.toString = function (this: Buffer, encoding?: BufferEncoding, start?: number, end?: number): string {
      const text = toString.call(this, encoding, start, end);
      if (this.length === bytes.length) decoded.push(text.length);
      return text;
    };
    let snap: ReturnType<Journal['loadSnapshot']>;
    try {
      snap = journal.loadSnapshot(400);
    } finally {
      Buffer.prototype.toString = toString;
    }
    expect(snap).toStrictEqual(parseCanonical(bytes.toString('utf8')));
    expect(snap.accounts.length).toBeGreaterThan(5);
    // Each account's text and the rest were decoded apart; none of them is the whole snapshot.
    expect(decoded.length).toBeGreaterThan(snap.accounts.length);
    expect(Math.max(...decoded)).toBeLessThan(bytes.length);
    // For a restore, the accounts say how many they are before one is read (Engine.restore's capacity hint).
    expect(accountCountHint(journal.loadSnapshotForRestore(400).accounts)).toBe(snap.accounts.length);
    journal.close();
  });

  it('refuses a snapshot whose account does not parse in loadSnapshot too (snapshot_corrupt)', () => {
    const b = build(250, { snapshotEvery: 100 });
    const db = new Database(b.path);
    const text = (db.prepare('SELECT bytes FROM snapshots WHERE seq = 200').get() as { bytes: Buffer }).bytes.toString('utf8');
    const at = text.indexOf('},{', text.indexOf('{"accounts":[') + 20);
    const broken = Buffer.from(`${text.slice(0, at + 1)}{"x":}${text.slice(at + 1)}`, 'utf8');
    db.prepare('UPDATE snapshots SET bytes = ?, content_hash = ? WHERE seq = 200').run(broken, createHash('sha256').update(broken).digest('hex'));
    db.close();
    const journal = Journal.open(SqliteJournalStore.open(b.path, { durability: 'full' }));
    expect(() => journal.loadSnapshot(200)).toThrow(expect.objectContaining({ code: 'snapshot_corrupt', seq: 200 }));
    expect(journal.loadSnapshot(100).seq).toBe(100);
    journal.close();
  });

  it('halts when a replayed command answers with other events than the recorded ones (replay_mismatch)', () => {
    const b = build(60);
    const last = b.commands.length;
    const original = b.entries[last - 1] as JournalEntry;
    // Re-framed with a valid checksum and chain: only the recorded events differ (one fewer).
    editRecord(b.path, last, (bytes) => {
      const prevHash = Buffer.from(bytes.subarray(20, 52));
      return encodeEntryRecord({ ...original, events: original.events.slice(1) }, prevHash).bytes;
    });
    expect(original.events.length).toBeGreaterThan(0);
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'replay_mismatch', seq: last }));
  });

  it('halts on a recorded body that differs from the replay by one digit of one amount, and says where (replay_mismatch)', () => {
    const b = build(60);
    // The last record whose events carry an amount: one digit of its last one changed, the length kept.
    const seq = b.entries.map((e) => entryBody(e.command, e.events).includes('{"$n":"')).lastIndexOf(true) + 1;
    const original = b.entries[seq - 1] as JournalEntry;
    const body = entryBody(original.command, original.events);
    // Its last digit (the first may be a minus sign).
    const at = body.indexOf('"}', body.lastIndexOf('{"$n":"') + '{"$n":"'.length) - 1;
    const digit = body.charAt(at);
    const changed = `${body.slice(0, at)}${digit === '9' ? '8' : String(Number(digit) + 1)}${body.slice(at + 1)}`;
    expect(changed.length).toBe(body.length);
    editRecord(b.path, seq, (bytes) => {
      // Re-framed with a valid checksum and chain: the body's text is all that differs.
      const prevHash = Buffer.from(bytes.subarray(20, 52));
      const frame = encodeEntryRecord(original, prevHash).bytes;
      const edited = Buffer.from(frame);
      edited.write(changed, 52, 'utf8');
      edited.set(createHash('sha256').update(edited.subarray(0, edited.length - RECORD_CHECKSUM_BYTES)).digest(), edited.length - RECORD_CHECKSUM_BYTES);
      return edited;
    });
    expect(() => DurableEngine.openFile(b.path, { durability: 'full' })).toThrow(
      expect.objectContaining({ code: 'replay_mismatch', seq, message: expect.stringContaining(`first difference at character ${at}`) }),
    );
  });

  it('stops after a failed commit: nothing acknowledged, no later submit, and the journal holds what was committed', () => {
    const b = build(40);
    const head = b.commands.length;
    const real = SqliteJournalStore.open(b.path, { durability: 'full' });
    let failNext = false;
    const flaky: JournalStore = Object.assign(Object.create(real) as JournalStore, {
      append(records: Parameters<JournalStore['append']>[0]): void {
        if (failNext) throw new Error('disk full');
        real.append(records);
      },
    });
    const de = DurableEngine.open(flaky);
    const { stream } = decodedStream(8, 3);
    expect(de.submit([stream[0] as Command])[0]?.seq).toBe(head + 1);
    failNext = true;
    expect(() => de.submit([stream[1] as Command])).toThrow(expect.objectContaining({ code: 'append_failed', message: expect.stringContaining('disk full') }));
    failNext = false;
    expect(() => de.submit([stream[2] as Command])).toThrow(expect.objectContaining({ code: 'append_failed' }));
    de.close();
    expect(DurableEngine.openFile(b.path, { durability: 'full' }).recovery.head).toBe(head + 1);
  });
});

describe('determinism', () => {
  it('replays from the genesis and from every snapshot to the same events, byte for byte, and the same state', () => {
    const b = build(4000, { snapshotEvery: 700, seed: 42 });
    const store = SqliteJournalStore.open(b.path, { durability: 'full' });
    const journal = Journal.open(store);
    const stored = [...journal.bodies(1)].map((r) => r.body.toString('utf8'));
    expect(stored).toHaveLength(b.commands.length);
    const starts: (number | null)[] = [null, ...journal.snapshots().map((s) => s.seq)];
    expect(starts.length).toBeGreaterThanOrEqual(6);
    const finals = new Set<string>();
    const roots = new Set<string>();
    for (const start of starts) {
      const engine = start === null ? Engine.create(journal.genesis.config, journal.genesis.rulebook) : Engine.restore(journal.loadSnapshot(start));
      // Each snapshot carries the Merkle sum root of its state (the default state root).
      if (start !== null) expect(stateRootOf(engine)).toBe(journal.snapshots().find((s) => s.seq === start)?.stateRoot);
      for (let seq = (start ?? 0) + 1; seq <= journal.head(); seq++) {
        const { command } = journal.parse(seq, Buffer.from(stored[seq - 1] as string));
        const events = engine.apply(command);
        expect(entryBody(command, events)).toBe(stored[seq - 1]);
        // Recovery's check (compared in place) agrees.
        expect(entryBodyMatches(command, events, stored[seq - 1] as string)).toBe(true);
      }
      finals.add(encodeSnapshot(engine.snapshot()));
      roots.add(stateRootOf(engine));
    }
    expect(finals.size).toBe(1);
    expect(roots.size).toBe(1);
    expect([...finals][0]).toBe(encodeSnapshot(inMemory(b.genesis, b.commands).snapshot()));
    // The stream reaches the paths worth replaying: liquidations, refusals, the insurance fund.
    const kinds = new Set(b.entries.flatMap((e) => e.events.map((ev) => ev.kind)));
    for (const k of ['LiquidationStarted', 'CommandRejected', 'InsuranceFundChanged', 'OrderPlaced']) expect(kinds).toContain(k);
    expect(RECORD_CHECKSUM_BYTES).toBe(32);
    journal.close();
  });
});

describe('the verifier over a SQLite journal', () => {
  it('reads it through JournalReader and re-derives its hash chain with framedRecordHasher: no finding', () => {
    const b = build(500, { snapshotEvery: 200 });
    const journal = Journal.open(SqliteJournalStore.open(b.path, { durability: 'full' }));
    const report = verifyJournal(journal.genesis, journal.records(), { hasher: framedRecordHasher });
    expect(report.findings).toEqual([]);
    expect(report.records).toBe(b.commands.length);
    expect(report.replayedThrough).toBe(b.commands.length);
    journal.close();
  });
});

describe('margin calls swept at an interval, journaled', () => {
  it('stores snapshots only when settled, each restores to the same later events, and an explicit snapshot between sweeps is refused', () => {
    const { scenario, setup, stream } = decodedStream(7, 400);
    const rulebook = { ...scenario.rulebook, liquidation: { ...scenario.rulebook.liquidation, marginCallIntervalMs: 5_000 } };
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook };
    const path = tmp();
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 1 });
    // The setup sets the venue's rulebook: with the interval too.
    const commands = [...setup.map((c) => (c.kind === 'set_rulebook' ? { ...c, rulebook: rulebook } : c)), ...stream];
    const entries: JournalEntry[] = [];
    let refused = 0;
    for (const command of commands) {
      entries.push(...de.submit([command]));
      if (de.engine.callsSettled) continue;
      expect(() => de.snapshot()).toThrow(/margin calls are swept every 5000 ms/);
      refused++;
    }
    const stored = de.journal.snapshots().map((s) => s.seq);
    de.close();
    // Some states were settled (stored), some not (skipped, and an explicit snapshot refused). (This stream makes
    // hardly any margin call: the calls themselves are margin-calls.test.ts's property.)
    expect(refused).toBeGreaterThan(10);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored.length).toBeLessThan(commands.length - refused + 1);
    // Every stored snapshot restores to an engine that answers the rest of the journal as it was recorded.
    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }));
    try {
      for (const seq of stored) {
        const engine = Engine.restore(journal.loadSnapshotForRestore(seq));
        for (const entry of entries.slice(seq)) expect(engine.apply(entry.command)).toEqual(entry.events);
      }
    } finally {
      journal.close();
    }
    // Recovery (the newest snapshot and the tail after it, checked byte for byte) gives the in-memory state.
    const recovered = DurableEngine.openFile(path, { durability: 'full' });
    expect(encodeSnapshot(recovered.engine.snapshot())).toBe(encodeSnapshot(inMemory(genesis, commands).snapshot()));
    recovered.close();
  });
});
