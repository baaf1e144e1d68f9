// Recovery with the records read and checked on a worker thread (record-check-pipeline.ts): the same outcome and the
// same errors as the check on the main thread, on a tail long enough to cross many of the worker's messages.

import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../core/engine/snapshot.js';
import { decodedStream } from '../sim/command-stream.js';
import { editStoredRecord } from '../../test/journal/stored-record.js';
import { DurableEngine, RECORD_CHECK_WORKER_MIN_RECORDS } from './durable.js';
import { JournalError } from './errors.js';
import { Journal } from './journal.js';
import { RecordCheckPipeline } from './record-check-pipeline.js';
import { SqliteJournalStore } from './sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from './types.js';

/** Records in the long journal: ~20 of the worker's 1 MB messages. */
const LONG = 40_000;

interface Built {
  readonly path: string;
  readonly head: number;
}

function build(n: number, o: { snapshotEvery?: number; batch?: number } = {}): Built {
  const { scenario, setup, stream } = decodedStream(11, n);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const path = join(mkdtempSync(join(tmpdir(), 'bailiff-pipeline-')), 'journal.db');
  const de = DurableEngine.openFile(path, { genesis, durability: 'relaxed', ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }) });
  const commands = [...setup, ...stream];
  const batch = o.batch ?? 500;
  for (let i = 0; i < commands.length; i += batch) de.submit(commands.slice(i, i + batch));
  const head = de.engine.seq;
  de.close();
  return { path, head };
}

/** A copy of a built journal (its WAL folded in: closed cleanly), for a test to damage. */
function copy(b: Built): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bailiff-pipeline-')), 'journal.db');
  copyFileSync(b.path, path);
  return path;
}

function files(path: string): Buffer[] {
  return [path, `${path}-wal`, `${path}-shm`].map((p) => (existsSync(p) ? readFileSync(p) : Buffer.alloc(0)));
}

function openError(path: string, recordCheckWorker: boolean): unknown {
  try {
    DurableEngine.openFile(path, { durability: 'relaxed', recordCheckWorker }).close();
  } catch (e) {
    return e;
  }
  return undefined;
}

let long: Built;
beforeAll(() => {
  long = build(LONG, { snapshotEvery: 15_000 });
}, 120_000);

describe('recovery with the record check on a worker thread', () => {
  it('recovers the same engine, report and bodies as the check on the main thread', () => {
    const seen = { worker: [] as string[], main: [] as string[] };
    const opened = (worker: boolean): DurableEngine =>
      DurableEngine.openFile(long.path, { durability: 'relaxed', recordCheckWorker: worker, onRecord: (seq, body) => (worker ? seen.worker : seen.main).push(`${seq}:${body.toString('base64')}`) });
    // One after the other: a journal has one writer at a time (writer-lock.ts).
    const recovered = (worker: boolean): { de: DurableEngine; snapshot: string; headHash: string } => {
      const de = opened(worker);
      const result = { de, snapshot: encodeSnapshot(de.engine.snapshot()), headHash: de.journal.headHashHex() };
      de.close();
      return result;
    };
    const viaWorker = recovered(true);
    const viaMain = recovered(false);
    expect(viaWorker.de.recovery.timings.checkWorkerMs).toBeGreaterThan(0);
    expect(viaMain.de.recovery.timings.checkWorkerMs).toBeNull();
    const { timings: _w, ...reportWorker } = viaWorker.de.recovery;
    const { timings: _m, ...reportMain } = viaMain.de.recovery;
    expect(reportWorker).toEqual(reportMain);
    expect(reportWorker).toMatchObject({ head: long.head, tornTail: null, snapshotSeq: 30_000 });
    expect(seen.worker.length).toBe(long.head);
    expect(seen.worker).toEqual(seen.main);
    expect(viaWorker.snapshot).toBe(viaMain.snapshot);
    // The journal goes on from the head the worker found: the next record chains to it.
    expect(viaWorker.headHash).toBe(viaMain.headHash);
    // Below RECORD_CHECK_WORKER_MIN_RECORDS the default checks on the main thread (the worker's start costs more).
    expect(long.head).toBeLessThan(RECORD_CHECK_WORKER_MIN_RECORDS);
    const byDefault = DurableEngine.openFile(long.path, { durability: 'relaxed' });
    expect(byDefault.recovery.timings.checkWorkerMs).toBeNull();
    byDefault.close();
  });

  it('halts on a corrupt record deep in a long tail with its exact seq, after replaying every record before it, the file untouched', () => {
    const path = copy(long);
    const bad = 33_333;
    editStoredRecord(path, bad, (bytes) => {
      const out = Buffer.from(bytes);
      out[70] = (out[70] as number) ^ 0x10;
      return out;
    });
    const before = files(path);
    const error = openError(path, true);
    expect(error).toBeInstanceOf(JournalError);
    expect(error).toMatchObject({ code: 'record_corrupt', seq: bad, message: `${path}: record ${bad} is corrupt (checksum mismatch); the journal was left as it is` });
    expect((error as Error).message).toBe((openError(path, false) as Error).message);
    expect(files(path).every((x, i) => x.equals(before[i] as Buffer))).toBe(true);
    // The records before it all reached the main thread, in order, and none after it.
    const journal = Journal.attach(SqliteJournalStore.open(path, { durability: 'relaxed', readOnly: true }), { name: path });
    const pipeline = RecordCheckPipeline.start(path, journal.checkStart());
    const seqs: number[] = [];
    expect(() => pipeline.drain((seq) => seqs.push(seq))).toThrow(expect.objectContaining({ code: 'record_corrupt', seq: bad }));
    expect(seqs.length).toBe(bad - 1);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    journal.close();
  });

  it('halts on a record missing from the middle (a gap in the seqs) with the seq that is missing', () => {
    const path = copy(long);
    // The batch that starts at 20,001 removed whole: records 20,001..20,500 are missing.
    const conn = new Database(path);
    conn.prepare('DELETE FROM batches WHERE first_seq = ?').run(20_001);
    conn.close();
    expect(openError(path, true)).toMatchObject({ code: 'record_corrupt', seq: 20_001, message: expect.stringContaining('missing: the next stored record is 20501') });
  });

  it('truncates a torn last record, reports its seq and goes on from the record before it', () => {
    const path = copy(long);
    editStoredRecord(path, long.head, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
    const de = DurableEngine.openFile(path, { durability: 'relaxed', recordCheckWorker: true });
    expect(de.recovery.tornTail).toMatchObject({ seq: long.head, reason: expect.stringContaining('length field') });
    expect(de.recovery.head).toBe(long.head - 1);
    expect(de.engine.seq).toBe(long.head - 1);
    de.close();
    const again = DurableEngine.openFile(path, { durability: 'relaxed', recordCheckWorker: true });
    expect(again.recovery).toMatchObject({ tornTail: null, head: long.head - 1 });
    again.close();
  });

  it('falls back to the previous snapshot when the newest one is bad, the worker checking meanwhile: the same state', () => {
    const path = copy(long);
    const conn = new Database(path);
    const bytes = Buffer.from((conn.prepare('SELECT bytes FROM snapshots WHERE seq = ?').get(30_000) as { bytes: Buffer }).bytes);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
    conn.prepare('UPDATE snapshots SET bytes = ? WHERE seq = ?').run(bytes, 30_000);
    conn.close();
    const de = DurableEngine.openFile(path, { durability: 'relaxed', recordCheckWorker: true });
    expect(de.recovery).toMatchObject({ snapshotSeq: 15_000, replayed: long.head - 15_000, head: long.head, skippedSnapshots: [{ seq: 30_000, reason: expect.stringContaining('content hash') }] });
    expect(de.recovery.timings.checkWorkerMs).not.toBeNull();
    const reference = DurableEngine.openFile(long.path, { durability: 'relaxed', recordCheckWorker: false });
    expect(encodeSnapshot(de.engine.snapshot())).toBe(encodeSnapshot(reference.engine.snapshot()));
    reference.close();
    de.close();
  });

  it('surfaces the worker failing as an error, never as a finished check', () => {
    const journal = Journal.attach(SqliteJournalStore.open(long.path, { durability: 'relaxed', readOnly: true }), { name: long.path });
    const start = journal.checkStart();
    // The worker's module does not load.
    const noModule = RecordCheckPipeline.start(long.path, start, { module: pathToFileURL(join(tmpdir(), 'no-such-record-check-worker.js')) });
    expect(() => noModule.drain(() => {})).toThrow(/record-check worker failed/);
    // The worker cannot open the file: its JournalError, as the main thread's open would throw it.
    const noFile = RecordCheckPipeline.start(join(tmpdir(), 'no-such-journal.db'), start);
    expect(() => noFile.drain(() => {})).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
    // A replay that throws stops the worker and the error is the replay's.
    const replayFails = RecordCheckPipeline.start(long.path, start, { windowBytes: 1 });
    let n = 0;
    expect(() =>
      replayFails.drain(() => {
        if (++n === 5_000) throw new Error('replay failed here');
      }),
    ).toThrow('replay failed here');
    journal.close();
  });

  /**
   * Drains the long journal through a pipeline of `windowBytes` and requires every record, in order, each body equal
   * to the one the main thread's check hands over (copied: those are views into their stored batches), and the
   * check's outcome. Returns the pipeline, for its message counts.
   */
  function drainAgainstStored(windowBytes: number): RecordCheckPipeline {
    const journal = Journal.attach(SqliteJournalStore.open(long.path, { durability: 'relaxed', readOnly: true }), { name: long.path });
    const start = journal.checkStart();
    const stored: Buffer[] = [];
    journal.check((_seq, body) => stored.push(Buffer.from(body)));
    const pipeline = RecordCheckPipeline.start(long.path, start, { windowBytes });
    let next = 1;
    let differ = 0;
    const outcome = pipeline.drain((seq, body) => {
      expect(seq).toBe(next);
      if (!body.equals(stored[seq - 1] as Buffer)) differ++;
      next++;
    });
    journal.close();
    expect(outcome).toMatchObject({ headSeq: long.head, torn: null });
    expect(next).toBe(long.head + 1);
    expect(differ).toBe(0);
    return pipeline;
  }

  it('reuses its ring: in a ring two messages wide, every body arrives in order and equal to the stored one', () => {
    // Messages are ~1 MB (the worker's MESSAGE_BYTES, rounded up to whole stored batches): ~2 fit in 2.5 MB, so the
    // worker wraps to the ring's start every second message and waits for this thread each time.
    const pipeline = drainAgainstStored(2.5 * 2 ** 20);
    expect(pipeline.messages.own).toBe(0);
    // The long journal's ~20 MB went through 2.5 MB: the ring was written over many times.
    expect(pipeline.messages.ring).toBeGreaterThanOrEqual(10);
  });

  it('in a ring narrower than two messages, each waits for the one before it to be read', () => {
    // Messages of 1-1.3 MB in 1.6 MB: none fits after another, and a message longer than the one before it has no
    // room even with the ring's end skipped: it starts at 0 once that one is read.
    const pipeline = drainAgainstStored(1.6 * 2 ** 20);
    expect(pipeline.messages.own).toBe(0);
    expect(pipeline.messages.ring).toBeGreaterThanOrEqual(10);
  });

  it('sends a message larger than its ring in its own bytes, in order with the ones in the ring', () => {
    // Stored batches of 500 commands: messages of ~1 MB and a smaller last one. A ring of 0.6 MB holds none of the
    // full messages, the last may fit.
    expect(drainAgainstStored(0.6 * 2 ** 20).messages.own).toBeGreaterThanOrEqual(10);
  });

  it('waits for a slow reader: a window of one byte still hands over every record in order', () => {
    const journal = Journal.attach(SqliteJournalStore.open(long.path, { durability: 'relaxed', readOnly: true }), { name: long.path });
    const pipeline = RecordCheckPipeline.start(long.path, journal.checkStart(), { windowBytes: 1 });
    let expected = 1;
    const outcome = pipeline.drain((seq) => {
      expect(seq).toBe(expected);
      expected++;
    });
    expect(outcome).toMatchObject({ headSeq: long.head, torn: null });
    expect(expected).toBe(long.head + 1);
    journal.close();
  });
});
