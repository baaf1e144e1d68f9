// Recovery with the records read and checked on a worker thread (record-check-pipeline.ts): the same outcome and the
// same errors as the check on the main thread, on a tail long enough to cross many of the worker's messages.

import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../core/engine/snapshot.js';
import { decodedStream } from '../sim/command-stream.js';
import { buildCallsJournal } from '../../test/journal/calls-journal.js';
import { editStoredRecord, storedFrames } from '../../test/journal/stored-record.js';
import { DurableEngine, RECORD_CHECK_WORKER_MIN_RECORDS } from './durable.js';
import { JournalError } from './errors.js';
import { Journal } from './journal.js';
import { CallSummarizer, RECORD_HEADER_BYTES, type CallSummary } from './record.js';
import { RecordCheckPipeline } from './record-check-pipeline.js';
import { CHECK_THREAD_NICE } from './record-check-worker.js';
import { SqliteJournalStore } from './sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from './types.js';

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

/** Flips one bit inside record `seq`'s stored body: a record whose hash no longer matches. */
function flipBit(path: string, seq: number): void {
  editStoredRecord(path, seq, (bytes) => {
    const out = Buffer.from(bytes);
    out[70] = (out[70] as number) ^ 0x10;
    return out;
  });
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
    flipBit(path, bad);
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

describe('reading ahead of the replay (the worker checks on while its ring is full)', () => {
  const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const storedBatches = (path: string): number => {
    const db = new Database(path, { readonly: true });
    const n = (db.prepare('SELECT COUNT(*) AS n FROM batches WHERE first_seq >= 1').get() as { n: number }).n;
    db.close();
    return n;
  };

  /**
   * A pipeline on `path` that has read every stored batch after the genesis (or the first `batches`) before this thread
   * drains it (as while it restores).
   */
  function readAhead(path: string, windowBytes: number, batches = storedBatches(path)): { pipeline: RecordCheckPipeline; journal: Journal; batches: number } {
    const journal = Journal.attach(SqliteJournalStore.open(path, { durability: 'relaxed', readOnly: true }), { name: path });
    const pipeline = RecordCheckPipeline.start(path, journal.checkStart(), { windowBytes, summarizeCalls: true });
    const until = Date.now() + 60_000;
    while (pipeline.batchesRead() < batches && Date.now() < until) sleep(20);
    sleep(50);
    // Then it waits for this thread: nothing is read again before this thread has room for it.
    expect(pipeline.batchesRead()).toBe(batches);
    return { pipeline, journal, batches };
  }

  /**
   * Drains a pipeline read ahead of this thread and requires every record, in order, as the main thread's check hands
   * it over, with the calls (CallSummary) this thread's own reading of the same bodies, in the same order, finds.
   * Returns the records handed with a summary.
   */
  function drainReadAhead(path: string, windowBytes: number): { summarized: number; pipeline: RecordCheckPipeline; batches: number } {
    const { pipeline, journal, batches } = readAhead(path, windowBytes);
    const stored: Buffer[] = [];
    journal.check((_seq, body) => stored.push(Buffer.from(body)));
    const head = stored.length;
    const here = new CallSummarizer();
    let next = 1;
    let summarized = 0;
    let differ = 0;
    const outcome = pipeline.drain((seq, body, calls) => {
      expect(seq).toBe(next++);
      if (!body.equals(stored[seq - 1] as Buffer)) differ++;
      const words: number[] = [];
      here.summarize(seq, body, words);
      if (words[0] === 0) expect(calls).toBeNull();
      else {
        summarized++;
        const c = calls as CallSummary;
        expect(Array.from(c.words.subarray(c.at, c.at + words.length))).toEqual(words);
      }
    });
    journal.close();
    expect(outcome).toMatchObject({ headSeq: head, torn: null });
    expect(next).toBe(head + 1);
    expect(differ).toBe(0);
    return { summarized, pipeline, batches };
  }

  it('hands over every record as checked, the batches it dropped read again, in order and equal to the stored ones', () => {
    // ~20 MB of records through a ring of 2.5 MB, 2.5 MB more kept: most batches were dropped and are read again.
    const { pipeline, batches } = drainReadAhead(long.path, 2.5 * 2 ** 20);
    expect(pipeline.batchesRead()).toBeGreaterThan(batches + batches / 2);
    expect(pipeline.messages.ring).toBeGreaterThanOrEqual(10);
  });

  it('hands each record with the margin calls its own reading finds, the ids numbered once', () => {
    const built = buildCallsJournal(6_000, 'relaxed', 'bailiff-pipeline-');
    const callsOf = (e: JournalEntry): number => e.events.filter((x) => x.kind === 'MarginCall' || x.kind === 'MarginCallCleared').length;
    const { summarized } = drainReadAhead(built.path, 64 * 2 ** 10);
    expect(summarized).toBe(built.entries.filter((e) => callsOf(e) > 0).length);
    expect(summarized).toBeGreaterThan(100);
  });

  it.runIf(existsSync('/proc/thread-self') && getPriority() < CHECK_THREAD_NICE)('runs at a lower priority than the engine’s threads (Linux: its thread’s nice value)', () => {
    // The threads at that nice value now (an earlier test's worker may still be ending): one of them is new.
    // A thread listed may end before its priority is read (ESRCH): it is not one of them.
    const niceOf = (tid: string): number | null => {
      try {
        return getPriority(Number(tid));
      } catch (error) {
        if ((error as { info?: { code?: string } }).info?.code === 'ESRCH') return null;
        throw error;
      }
    };
    const niceThreads = (): string[] => readdirSync('/proc/self/task').filter((tid) => niceOf(tid) === CHECK_THREAD_NICE);
    const before = new Set(niceThreads());
    const own = getPriority();
    const { pipeline, journal } = readAhead(long.path, 2.5 * 2 ** 20);
    expect(niceThreads().filter((tid) => !before.has(tid))).toHaveLength(1);
    expect(getPriority()).toBe(own);
    pipeline.drain(() => {});
    journal.close();
  });

  it('found ahead, a corrupt record still halts the drain after every record before it, dropped ones read again', () => {
    const path = copy(long);
    const bad = 38_888;
    flipBit(path, bad);
    // The check stops at the bad record's batch.
    const db = new Database(path, { readonly: true });
    const upTo = (db.prepare('SELECT COUNT(*) AS n FROM batches WHERE first_seq >= 1 AND first_seq <= ?').get(bad) as { n: number }).n;
    db.close();
    const { pipeline, journal } = readAhead(path, 2.5 * 2 ** 20, upTo);
    const seqs: number[] = [];
    expect(() => pipeline.drain((seq) => seqs.push(seq))).toThrow(expect.objectContaining({ code: 'record_corrupt', seq: bad }));
    expect(seqs.length).toBe(bad - 1);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    journal.close();
  });

  it('found ahead, a torn last record ends the drain with it reported, every record before it handed over', () => {
    const path = copy(long);
    editStoredRecord(path, long.head, (bytes) => bytes.subarray(0, bytes.length - 1));
    const { pipeline, journal } = readAhead(path, 2.5 * 2 ** 20);
    let next = 1;
    const outcome = pipeline.drain((seq) => expect(seq).toBe(next++));
    expect(outcome).toMatchObject({ headSeq: long.head - 1, torn: { seq: long.head, reason: expect.stringContaining('length field') } });
    expect(next).toBe(long.head);
    journal.close();
  });

  it('halts when a batch read again is not the one checked (the journal changed during recovery), after the records before it', () => {
    const path = copy(long);
    const { pipeline, journal } = readAhead(path, 2.5 * 2 ** 20);
    // One bit of a late record flipped after the check (by a writer behind the journal's back), its length the same:
    // its batch was checked and dropped, and is read again (its CRC-32 tells).
    const frames = storedFrames(path);
    const target = frames[frames.length - 20] as { seq: number; bytes: Buffer };
    editStoredRecord(path, target.seq, (bytes) => {
      const out = Buffer.from(bytes);
      out[RECORD_HEADER_BYTES + 5] = (out[RECORD_HEADER_BYTES + 5] as number) ^ 0x01;
      return out;
    });
    const db = new Database(path, { readonly: true });
    const batch = db.prepare('SELECT first_seq AS first, last_seq AS last FROM batches WHERE first_seq <= ? AND last_seq >= ?').get(target.seq, target.seq) as { first: number; last: number };
    db.close();
    let last = 0;
    expect(() => pipeline.drain((seq) => (last = seq))).toThrow(`records ${batch.first}-${batch.last}, read again to be replayed, are not the bytes checked: the journal changed during recovery`);
    expect(last).toBe(batch.first - 1);
    journal.close();
  });
});
