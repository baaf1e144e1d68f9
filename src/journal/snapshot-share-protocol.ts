// What crosses between a thread and its snapshot-sharing worker (snapshot-share.ts, snapshot-share-worker.ts): a
// writer's puts, a standby's reads of a snapshot's parts.

import type { JetStreamOptions } from './jetstream.js';
import type { SnapshotInfo } from './types.js';

export interface SnapshotShareData {
  /** The worker's own connection to the stream: the writer's options, the stream never created by it. */
  readonly jetstream: JetStreamOptions;
  /** Replicas of the object store when the worker creates it. */
  readonly replicas: number;
  /** The local journal file whose snapshots are put (read on the worker's own read-only connection); none: reads only. */
  readonly journalFile?: string;
}

export type ToShareWorker =
  | { readonly kind: 'put'; readonly id: number; readonly info: SnapshotInfo }
  | { readonly kind: 'read'; readonly id: number; readonly seq: number; readonly part: number }
  | { readonly kind: 'close' };

/** What a put stored and removed (SnapshotShareWorker.put's answer). */
export interface SharedPut {
  /** The object store, and the snapshot's size in it (null: that seq was stored already). */
  readonly bucket: string;
  readonly bytes: number | null;
  /** Older snapshots removed (all but the newest SNAPSHOTS_KEPT_IN_STREAM). */
  readonly removed: number;
  /** Objects of puts that stopped half way, removed with them (StreamSnapshots.prune). */
  readonly strays: readonly string[];
  /** Objects of the records store no message names, removed after the put (JetStreamLog.collectOrphanRecords). */
  readonly orphans: readonly string[];
  /** Why those could not be looked for (the put itself stands). */
  readonly orphansError?: string;
}

export type FromShareWorker =
  | ({ readonly kind: 'put'; readonly id: number } & SharedPut)
  | { readonly kind: 'read'; readonly id: number; readonly bytes: Uint8Array | null }
  | { readonly kind: 'put' | 'read'; readonly id: number; readonly error: string; readonly code?: string };
