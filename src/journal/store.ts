// The one interface a journal backend implements: records and snapshots as bytes, by sequence number. The framing,
// the hash chain, torn-tail and corruption rules, and recovery live above it (journal.ts, durable.ts), so SQLite
// today and NATS JetStream later (a stream of records, a key-value bucket of snapshots) differ only here.

import type { SnapshotInfo } from './types.js';

/** 'full': an append survives power loss once it returns. 'relaxed': it survives a crash of the process only. */
export type Durability = 'full' | 'relaxed';

export interface StoredRecord {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

export interface JournalStore {
  /** What the backend runs with, as read back from it (e.g. "full: SQLite WAL, synchronous=FULL"). */
  readonly mode: string;
  /** The highest sequence number stored; -1 when nothing is (not even record 0). */
  lastSeq(): number;
  /** Records with fromSeq <= seq <= toSeq, in order; only the ones stored (a missing seq is simply absent). */
  read(fromSeq: number, toSeq?: number): Iterable<StoredRecord>;
  /** Appends records in ONE commit: all or none, durable per `mode` when it returns. Throws on failure. */
  append(records: readonly StoredRecord[]): void;
  /** Deletes every record with seq >= fromSeq (a torn tail); nothing else is ever deleted. */
  truncateFrom(fromSeq: number): void;
  /** Stores a snapshot's bytes with its metadata (content hash computed by the caller). */
  putSnapshot(info: SnapshotInfo, bytes: Uint8Array): void;
  /** Every stored snapshot's metadata, by ascending seq. */
  snapshotInfos(): SnapshotInfo[];
  /** A stored snapshot's bytes, as stored (the caller checks them against the content hash). */
  snapshotBytes(seq: number): Uint8Array;
  /** Whether the store may be written (false when opened read-only, e.g. by `bailiff journal info`). */
  readonly writable: boolean;
  close(): void;
}
