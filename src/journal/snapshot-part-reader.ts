// A stored snapshot's parts read on a worker thread with its own read-only connection, handed over without a copy:
// a writer putting its snapshot into a stream's object store (cli/replica.ts SnapshotSharing) reads ~4 MiB parts one at
// a time while it goes on applying commands, and at 1M accounts each read took 6-7 ms (up to ~30 ms) of the thread that
// applies them, 58 of them a snapshot (docs/journal.md "Snapshots through the stream").
//
// The worker's code is a plain-JavaScript script run with `eval`, as the commit worker's (commit-worker.ts): it needs
// only better-sqlite3 and the store's own queries (sqlite.ts), passed in.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { JournalError } from './errors.js';
import { SNAPSHOT_FIRST_PART_SQL, SNAPSHOT_PART_SQL } from './sqlite.js';

interface WorkerData {
  readonly sqliteModule: string;
  readonly path: string;
  readonly firstPartSql: string;
  readonly partSql: string;
}

type FromWorker =
  | { readonly kind: 'ready'; readonly error?: string }
  | { readonly kind: 'part'; readonly id: number; readonly bytes: Uint8Array | null; readonly error?: string };

type ToWorker = { readonly kind: 'read'; readonly id: number; readonly seq: number; readonly part: number } | { readonly kind: 'close' };

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
let db = null;
let first = null;
let rest = null;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  first = db.prepare(workerData.firstPartSql);
  const hasParts = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_parts'").get() !== undefined;
  rest = hasParts ? db.prepare(workerData.partSql) : null;
  parentPort.postMessage({ kind: 'ready' });
} catch (e) {
  parentPort.postMessage({ kind: 'ready', error: String(e && e.message || e) });
}
parentPort.on('message', (m) => {
  if (m.kind === 'close') {
    if (db !== null) db.close();
    parentPort.close();
    return;
  }
  try {
    const row = m.part === 0 ? first.get(m.seq) : rest === null ? undefined : rest.get(m.seq, m.part);
    if (row === undefined) return parentPort.postMessage({ kind: 'part', id: m.id, bytes: null });
    let bytes = row.bytes;
    // Handed over, not cloned: a buffer of its own, whole.
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = new Uint8Array(bytes);
    parentPort.postMessage({ kind: 'part', id: m.id, bytes }, [bytes.buffer]);
  } catch (e) {
    parentPort.postMessage({ kind: 'part', id: m.id, bytes: null, error: String(e && e.message || e) });
  }
});
`;

/** Reads a journal file's stored snapshot parts on a worker thread (see the file's comment). */
export class SnapshotPartReader {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (bytes: Uint8Array | null) => void; reject: (e: Error) => void }>();
  private stopped: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly path: string,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.kind !== 'part') return;
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.error === undefined) p.resolve(m.bytes === null ? null : Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      else p.reject(new JournalError('snapshot_corrupt', `${this.path}: reading a snapshot part: ${m.error}`));
    });
    const failAll = (e: Error): void => {
      this.stopped ??= e;
      for (const p of this.pending.values()) p.reject(new Error(`${this.path}: the snapshot part reader stopped: ${e.message}`, { cause: e }));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
  }

  /** A reader of the journal file at `path`, once its worker's connection is open. */
  static open(path: string): Promise<SnapshotPartReader> {
    const data: WorkerData = { sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'), path, firstPartSql: SNAPSHOT_FIRST_PART_SQL, partSql: SNAPSHOT_PART_SQL };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    // An idle reader does not keep a process alive (a service stopping while a put waits on the network).
    worker.unref();
    return new Promise((resolve, reject) => {
      const fail = (e: Error): void => {
        void worker.terminate();
        reject(e);
      };
      worker.once('error', fail);
      worker.once('message', (m: FromWorker) => {
        worker.off('error', fail);
        if (m.kind !== 'ready') return fail(new Error(`snapshot part reader: unexpected first message ${m.kind}`));
        if (m.error !== undefined) return fail(new JournalError('not_a_journal', `${path}: the snapshot part reader cannot open it: ${m.error}`));
        resolve(new SnapshotPartReader(worker, path));
      });
    });
  }

  /** Part `part` of the snapshot at `seq` (0: the one in its snapshots row), or null when none is stored. */
  read(seq: number, part: number): Promise<Uint8Array | null> {
    if (this.stopped !== null) return Promise.reject(new Error(`${this.path}: the snapshot part reader stopped: ${this.stopped.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'read', id, seq, part } satisfies ToWorker);
    });
  }

  /** Closes the worker's connection and ends it (reads in flight are answered first: one connection, in order). */
  async close(): Promise<void> {
    if (this.stopped !== null) return;
    const exited = new Promise<void>((done) => this.worker.once('exit', () => done()));
    this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    await exited;
  }
}
