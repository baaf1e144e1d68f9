// The one interface a journal backend implements: records and snapshots as bytes, by sequence number. The framing,
// the hash chain, torn-tail and corruption rules, and recovery live above it (journal.ts, durable.ts). Synchronous:
// recovery reads gigabytes of it at disk speed. Replication to other machines is not a second store but a replica
// beside it (jetstream.ts: a BatchCommitter that publishes each batch to a NATS JetStream stream before the local
// commit, and a reconcile of the two; docs/journal.md "Replication over JetStream").

import type { SnapshotInfo } from './types.js';

/** 'full': an append survives power loss once it returns. 'relaxed': it survives a crash of the process only. */
export type Durability = 'full' | 'relaxed';

/**
 * One commit's records: seqs firstSeq..lastSeq framed back to back (record.ts), as one unit of storage. The store
 * never looks inside the bytes; the journal splits them into records by their length fields and checks each one.
 */
export interface StoredBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly bytes: Uint8Array;
}

export interface JournalStore {
  /** What the backend runs with, as read back from it (e.g. "full: SQLite WAL, synchronous=FULL"). */
  readonly mode: string;
  /** The highest sequence number stored (the last batch's lastSeq); -1 when nothing is (not even record 0). */
  lastSeq(): number;
  /** The batches holding any seq in fromSeq..toSeq, by ascending firstSeq; only the ones stored (a gap is simply absent). */
  read(fromSeq: number, toSeq?: number): Iterable<StoredBatch>;
  /** Appends one batch in ONE commit: all or none, durable per `mode` when it returns. Throws on failure. */
  append(batch: StoredBatch): void;
  /**
   * Removes records fromSeq.. (a torn tail): the batch holding fromSeq keeps its first `byteOffset` bytes (the
   * records before fromSeq; none left: the batch goes) and ends at fromSeq - 1; batches after it go. Nothing else is
   * ever deleted.
   */
  truncateFrom(fromSeq: number, byteOffset: number): void;
  /**
   * Stores a snapshot's bytes, given as parts in order (their concatenation is the snapshot: encodeSnapshotParts),
   * with its metadata (content hash computed by the caller), all or nothing.
   */
  putSnapshot(info: SnapshotInfo, parts: readonly Uint8Array[]): void;
  /**
   * A snapshot written a part at a time (durable.ts SnapshotJob, between batches): part `part` (>= 1) of the snapshot
   * at `seq`, stored ahead of it in its own commit. Not a snapshot until sealSnapshot: a part alone is never read. A
   * part stored again (a write that stopped half way, then the same seq again) replaces the earlier one; a stored
   * snapshot's parts are refused.
   */
  putSnapshotPart(seq: number, part: number, bytes: Uint8Array): void;
  /**
   * Makes the snapshot whose parts 1..partCount-1 were put with putSnapshotPart a snapshot: its first part and its
   * metadata, in one commit. Throws JournalError snapshot_corrupt (storing nothing) when one of those parts is not
   * stored. Parts of that seq numbered partCount or more (from an earlier write that stopped) are removed with it.
   */
  sealSnapshot(info: SnapshotInfo, firstPart: Uint8Array, partCount: number): void;
  /** Every stored snapshot's metadata, by ascending seq. */
  snapshotInfos(): SnapshotInfo[];
  /**
   * A stored snapshot's bytes as the parts it was stored in, in order (the caller checks their concatenation against
   * the content hash): a restore reads them where they lie instead of copying ~240 MB a million accounts into one
   * buffer. Throws JournalError snapshot_corrupt when the snapshot or one of its parts is not stored.
   */
  snapshotParts(seq: number): Uint8Array[];
  /** Whether the store may be written (false when opened read-only, e.g. by `bailiff journal info`). */
  readonly writable: boolean;
  /**
   * The file holding the records, when another connection may open it read-only (SQLite): recovery's worker thread
   * reads and checks the records there (record-check-worker.ts). Absent: recovery checks them on its own thread.
   */
  readonly file?: string;
  close(): void;
}

/**
 * A second path for appends that overlaps each commit with the caller's next batch (Journal.appendAsync): commits
 * land in the order commit() was called; each promise resolves once its own batch is durable per `mode`, and after a
 * failed commit every later one rejects. SQLite: a commit worker thread with its own connection (commit-worker.ts);
 * a JetStream backend's publish-with-acknowledgement is the same shape.
 */
export interface BatchCommitter {
  readonly mode: string;
  commit(batch: StoredBatch): Promise<void>;
}
