// Snapshots through the stream on a worker thread (snapshot-share-worker.ts): this is the side of the thread that
// starts it. A writer's puts, one at a time, answered with what the worker stored or why it could not; a standby's
// reads of a snapshot's parts, handed over without a copy.

import { Worker } from 'node:worker_threads';
import { compiledModule } from '../sim/sweep/pool.js';
import { JournalError, type JournalErrorCode } from './errors.js';
import type { FromShareWorker, SharedPut, SnapshotShareData, ToShareWorker } from './snapshot-share-protocol.js';
import type { SnapshotInfo } from './types.js';

export type { SharedPut };

export class SnapshotShareWorker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (answer: SharedPut | Uint8Array | null) => void; reject: (e: Error) => void }>();
  private stopped: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromShareWorker) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(m.code === undefined ? new Error(m.error) : new JournalError(m.code as JournalErrorCode, m.error));
      else if (m.kind === 'read') p.resolve(m.bytes === null ? null : Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      else {
        const { kind: _kind, id: _id, ...put } = m;
        p.resolve(put);
      }
    });
    const failAll = (e: Error): void => {
      this.stopped ??= e;
      for (const p of this.pending.values()) p.reject(new Error(`the snapshot-sharing worker stopped: ${e.message}`, { cause: e }));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
  }

  /** A worker for the stream's object store (its connections opened at its first request): puts of `data.journalFile`'s snapshots, reads. */
  static start(data: SnapshotShareData, module: URL = compiledModule('./snapshot-share-worker.js', import.meta.url)): SnapshotShareWorker {
    const worker = new Worker(module, { workerData: data });
    // An idle worker does not keep a process alive; a stopping writer ends a put in progress with terminate().
    worker.unref();
    return new SnapshotShareWorker(worker);
  }

  /** Puts the stored snapshot `info` (StreamSnapshots.put, then prune) on the worker. */
  put(info: SnapshotInfo): Promise<SharedPut> {
    return this.ask((id) => ({ kind: 'put', id, info })) as Promise<SharedPut>;
  }

  /** Part k of the object store's snapshot at `seq` (StreamSnapshots.readPart), read on the worker and handed over. */
  readPart(seq: number, part: number): Promise<Uint8Array | null> {
    return this.ask((id) => ({ kind: 'read', id, seq, part })) as Promise<Uint8Array | null>;
  }

  private ask(request: (id: number) => Exclude<ToShareWorker, { kind: 'close' }>): Promise<SharedPut | Uint8Array | null> {
    if (this.stopped !== null) return Promise.reject(new Error(`the snapshot-sharing worker stopped: ${this.stopped.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(request(id));
    });
  }

  /** Closes its connections and ends it once idle. */
  async close(): Promise<void> {
    if (this.stopped !== null) return;
    const exited = new Promise<void>((done) => this.worker.once('exit', () => done()));
    this.worker.postMessage({ kind: 'close' } satisfies ToShareWorker);
    await exited;
  }

  /** Ends it now, a put in progress with it (its parts stay unnamed by any manifest: never listed). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
