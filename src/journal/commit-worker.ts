// Pipelined commits: a worker thread with its own SQLite connection runs each batch's INSERT and fsync while the
// caller applies and frames the next batch. One after the other, framing (~4.7 µs a record) and the commit (~2.7 µs)
// cap an append near 135k records/s on this machine; overlapped, the slower of the two sets the rate.
//
// Order and acknowledgement: one worker, one connection, messages handled in arrival order, so batches land in the
// order commit() was called, and each promise resolves only after its own commit returned (durable per the mode).
// After a failed commit the worker refuses every later batch (no gap can follow a hole in the chain) and each of
// their promises rejects. The worker checks its own connection's mode (synchronous is per connection) exactly as the
// main connection does (sqlite.ts checkMode).
//
// The worker's code is a plain-JavaScript script run with `eval`: it needs only better-sqlite3 (resolved here and
// passed in) and runs the same way from the compiled build and from the TypeScript sources under the test runner.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { JournalError } from './errors.js';
import { checkMode, INSERT_BATCH_SQL } from './sqlite.js';
import type { BatchCommitter, Durability, StoredBatch } from './store.js';

interface WorkerData {
  readonly sqliteModule: string;
  readonly path: string;
  readonly durability: Durability;
  readonly insertSql: string;
}

type FromWorker =
  | { readonly kind: 'ready'; readonly journalMode: string; readonly synchronous: number }
  | { readonly kind: 'ready'; readonly error: string }
  | { readonly kind: 'done'; readonly id: number; readonly error?: string };

type ToWorker = { readonly kind: 'commit'; readonly id: number; readonly firstSeq: number; readonly lastSeq: number; readonly bytes: Uint8Array } | { readonly kind: 'close' };

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
let db = null;
let insert = null;
let failed = null;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma(workerData.durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  insert = db.prepare(workerData.insertSql);
  parentPort.postMessage({ kind: 'ready', journalMode, synchronous });
} catch (e) {
  parentPort.postMessage({ kind: 'ready', error: String(e && e.message || e) });
}
parentPort.on('message', (m) => {
  if (m.kind === 'close') {
    if (db !== null) db.close();
    parentPort.close();
    return;
  }
  if (failed !== null || insert === null) {
    parentPort.postMessage({ kind: 'done', id: m.id, error: 'an earlier commit failed: ' + (failed || 'not open') });
    return;
  }
  try {
    insert.run(m.firstSeq, m.lastSeq, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    parentPort.postMessage({ kind: 'done', id: m.id });
  } catch (e) {
    failed = String(e && e.message || e);
    parentPort.postMessage({ kind: 'done', id: m.id, error: failed });
  }
});
`;

/** Commits batches on a worker thread (see the file's comment); `start` resolves once its connection is checked. */
export class CommitWorker implements BatchCommitter {
  readonly mode: string;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private closed = false;
  private exitError: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    mode: string,
    private readonly path: string,
  ) {
    this.mode = mode;
    worker.on('message', (m: FromWorker) => {
      if (m.kind !== 'done') return;
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.error === undefined) p.resolve();
      else p.reject(new JournalError('append_failed', `${this.path}: commit failed on the commit worker: ${m.error}`));
    });
    const failAll = (e: Error): void => {
      this.exitError ??= e;
      for (const p of this.pending.values()) p.reject(new JournalError('append_failed', `${this.path}: the commit worker stopped: ${e.message}`, { cause: e }));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
  }

  /** Starts a worker writing to the journal file at `path` (created and checked by the main connection first). */
  static start(path: string, durability: Durability): Promise<CommitWorker> {
    const data: WorkerData = { sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'), path, durability, insertSql: INSERT_BATCH_SQL };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    return new Promise((resolve, reject) => {
      const fail = (e: Error): void => {
        void worker.terminate();
        reject(e);
      };
      worker.once('error', fail);
      worker.once('message', (m: FromWorker) => {
        worker.off('error', fail);
        if (m.kind !== 'ready') return fail(new Error(`commit worker: unexpected first message ${m.kind}`));
        if ('error' in m) return fail(new JournalError('not_a_journal', `${path}: the commit worker cannot open it: ${m.error}`));
        try {
          resolve(new CommitWorker(worker, checkMode(m.journalMode, m.synchronous, path, durability), path));
        } catch (e) {
          fail(e as Error);
        }
      });
    });
  }

  /** Commits one batch after every batch given before it; resolves when its commit returned. */
  commit(batch: StoredBatch): Promise<void> {
    if (this.closed) return Promise.reject(new RangeError('commit after close()'));
    if (this.exitError !== null) return Promise.reject(new JournalError('append_failed', `${this.path}: the commit worker stopped: ${this.exitError.message}`, { cause: this.exitError }));
    const id = this.nextId++;
    // A copy the worker owns (transferred, not cloned): the caller's buffer may be a view into a larger or pooled one.
    const bytes = new Uint8Array(batch.bytes.byteLength);
    bytes.set(batch.bytes);
    const message: ToWorker = { kind: 'commit', id, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, bytes };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message, [bytes.buffer]);
    });
  }

  /** Commits in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Waits for the commits in flight (their own promises tell how each ended), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pending.values()].map((p) => new Promise<void>((done) => {
      const { resolve, reject } = p;
      p.resolve = () => { resolve(); done(); };
      p.reject = (e) => { reject(e); done(); };
    })));
    if (this.exitError !== null) return;
    const exited = new Promise<void>((done) => this.worker.once('exit', () => done()));
    this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    await exited;
  }
}
