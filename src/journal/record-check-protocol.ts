// What recovery's main thread and its record-check worker (record-check-worker.ts) exchange: the worker's data, its
// messages, and the words of the shared control array both read and write with Atomics (the main thread waits for
// records without its event loop: recovery is synchronous, see record-check-pipeline.ts).

import type { MessagePort } from 'node:worker_threads';
import type { JournalErrorCode } from './errors.js';

/** Indexes into the shared Int32Array. */
export const CONTROL = {
  /** Messages the worker has posted (it adds 1 after each, then notifies: the main thread waits on this word). */
  posted: 0,
  /**
   * Bytes of the ring (RecordCheckData.ring) holding records sent and not yet replayed by the main thread, a wrap's
   * skipped end included; or, for a message too large for the ring, its own bytes. The worker writes only where this
   * leaves room, and waits while a window's worth is unread.
   */
  bytesInFlight: 1,
  /** Set by the main thread when recovery stops early: the worker stops reading. */
  cancelled: 2,
  /** Batches the worker has read from SQLite: progress while nothing is posted yet. */
  progress: 3,
  /** Set by the worker's bootstrap when the worker's code has returned or thrown (after its last message). */
  finished: 4,
  /** Set by the main thread when it starts taking records (before that it restores: the worker reads calls ahead). */
  draining: 5,
} as const;
export const CONTROL_WORDS = 6;

export interface RecordCheckData {
  /** The compiled record-check-worker.js to import. */
  readonly module: string;
  /** The journal's SQLite file. */
  readonly file: string;
  readonly start: { readonly name: string; readonly genesisHash: Uint8Array; readonly lastSeq: number; readonly snapshotted: number };
  /** The shared control words (CONTROL). */
  readonly control: SharedArrayBuffer;
  /** The port the messages go to (transferred to the worker). */
  readonly port: MessagePort;
  /** How many bytes of records may wait unread in the main thread before the worker waits. */
  readonly windowBytes: number;
  /**
   * The ring the worker writes checked records into and the main thread reads them from (windowBytes long), shared:
   * no memory is allocated per message on the main thread. Why: each transferred ArrayBuffer counted as new external
   * memory there, and V8 runs a full mark-compact of the whole heap (~0.3-0.5 s at 1M accounts) for every ~64 MB of
   * it: one every ~3 s of a 1M-record replay (docs/performance.md, 2026-12-04 night).
   */
  readonly ring: SharedArrayBuffer;
  /**
   * Whether the worker reads the records' margin calls (CallSummary) for the batches it checks ahead of this thread
   * (while the ring is full: this thread restoring, or replaying slower than the worker reads): a replay that takes
   * the calls from the records then does not read them itself.
   */
  readonly summarizeCalls: boolean;
}

export type FromRecordCheck =
  /**
   * Checked records firstSeq, firstSeq+1, ...: record i's body is ring[bodies[2i] .. bodies[2i+1]), the message
   * occupying `span` bytes of the ring (its records, and the ring's end it skipped when it wrapped to the start).
   * `calls` >= 0: the records' CallSummary words follow them in the ring, from that index of the ring as an Int32Array
   * (one record's after another's); -1: none.
   */
  | { readonly kind: 'ring'; readonly firstSeq: number; readonly bodies: readonly number[]; readonly span: number; readonly calls: number }
  /**
   * The same for a message larger than the ring: its records in their own bytes (transferred), offsets into them, and
   * their CallSummary words in their own array (null: none).
   */
  | { readonly kind: 'records'; readonly firstSeq: number; readonly bytes: Uint8Array; readonly bodies: Uint32Array; readonly calls: Int32Array | null }
  /** Every record was checked and sent: the head reached and the torn last record (not yet cut off), if any. */
  | {
      readonly kind: 'end';
      readonly headSeq: number;
      readonly headHash: Uint8Array;
      readonly torn: { readonly seq: number; readonly reason: string; readonly byteOffset: number } | null;
      /**
       * The worker's own time from its start to the end (opening, reading, checking, sending), its waits for the
       * main thread's window excluded.
       */
      readonly workerMs: number;
    }
  /** The check stopped: a JournalError (code, seq) after the records before it were sent, or any other failure. */
  | { readonly kind: 'error'; readonly message: string; readonly code?: JournalErrorCode; readonly seq?: number };
