// The one check of a journal's records after the genesis (frame, checksum, header, seq, hash chain, torn tail), over
// the store's batches in order. Journal.check runs it on the main thread; recovery runs it on a worker thread
// (record-check-worker.ts) while the main thread restores the snapshot. One function, so both apply the same rules
// (docs/journal.md "Recovery"): a bad LAST record is a torn write (reported, the caller deletes it); a bad record
// anywhere else, a missing seq, or a bad last record that a snapshot covers throws record_corrupt naming the seq.

import { JournalError } from './errors.js';
import { decodeRecord, frameAt } from './record.js';
import type { StoredBatch } from './store.js';

/** Where the check starts and what it must know of the store (read before the records are). */
export interface RecordCheckStart {
  /** A name for messages (the file's path). */
  readonly name: string;
  /** The genesis record's hash: record 1's prevHash. */
  readonly genesisHash: Buffer;
  /** The highest seq stored (store.lastSeq()): its record is the one that may be torn. */
  readonly lastSeq: number;
  /** The highest snapshot's seq (-1: none): a bad last record a snapshot covers is damage, not a torn write. */
  readonly snapshotted: number;
}

/** What the check found: the head it reached and the torn last record, if any (not yet deleted). */
export interface RecordCheckOutcome {
  /** The last good record (0: only the genesis). */
  readonly headSeq: number;
  /** Its hash: what the next record chains to. */
  readonly headHash: Buffer;
  /** The torn last record; the store keeps the first `byteOffset` bytes of its batch when it is cut off. */
  readonly torn: { readonly seq: number; readonly reason: string; readonly byteOffset: number } | null;
}

/** record_corrupt for record `seq`, in the words recovery reports. */
export function corruptRecord(name: string, seq: number, reason: string): JournalError {
  return new JournalError('record_corrupt', `${name}: record ${seq} is corrupt (${reason}); the journal was left as it is`, { seq });
}

/** A stored batch's bytes as a Buffer (a view, never a copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The check of a journal's records one stored batch at a time, in order (checkStoredBatches runs it over a whole
 * store; recovery's worker runs it as it reads ahead, record-check-worker.ts).
 */
export class RecordChecker {
  private prev: Buffer;
  private expected = 1;

  constructor(private readonly start: RecordCheckStart) {
    this.prev = start.genesisHash;
  }

  /**
   * Checks the next stored batch's records (the genesis' batch is skipped: attach() checked it) and hands each good
   * one to `onRecord` in order, its body a view into the batch's bytes. Returns the torn last record when this batch
   * ends with one (the check ends there: no batch may follow), else null. Throws JournalError record_corrupt on
   * anything else that is bad, after handing on the records before it.
   */
  batch(b: StoredBatch, onRecord?: (seq: number, body: Buffer) => void): RecordCheckOutcome['torn'] {
    if (b.firstSeq === 0) return null; // the genesis' batch: attach() checked it
    const { name, lastSeq: last, snapshotted } = this.start;
    const expected = this.expected;
    if (b.firstSeq !== expected) throw corruptRecord(name, expected, `missing: the next stored record is ${b.firstSeq}`);
    if (b.lastSeq < b.firstSeq) throw corruptRecord(name, b.firstSeq, `its batch says it ends at ${b.lastSeq}`);
    const bytes = asBuffer(b.bytes);
    let offset = 0;
    for (let seq = b.firstSeq; seq <= b.lastSeq; seq++) {
      const frame = frameAt(bytes, offset);
      const d = decodeRecord(frame, { seq, prevHash: this.prev, last: seq === last });
      if (d.status !== 'ok') {
        if (d.status === 'corrupt') throw corruptRecord(name, seq, d.reason);
        if (snapshotted >= seq) throw corruptRecord(name, seq, `${d.reason}, and snapshot ${snapshotted} covers it`);
        return { seq, reason: d.reason, byteOffset: offset };
      }
      onRecord?.(seq, d.body);
      this.prev = d.hash;
      this.expected++;
      offset += frame.length;
    }
    // Bytes after the batch's last record: not a torn write (that cuts bytes off, it adds none).
    if (offset !== bytes.length) throw corruptRecord(name, b.lastSeq, `${bytes.length - offset} bytes follow it in its batch`);
    return null;
  }

  /** What the check found so far: the last good record and its hash, and the torn record that ended it (if any). */
  outcome(torn: RecordCheckOutcome['torn']): RecordCheckOutcome {
    return { headSeq: this.expected - 1, headHash: this.prev, torn };
  }
}

/**
 * Checks every record of `batches` (the store's batches from seq 1, by ascending firstSeq; the genesis' batch is
 * skipped: attach() checked it) and hands each good one to `onRecord` in order, its body a view into the batch's
 * bytes. Stops at a torn last record and returns it; throws JournalError record_corrupt on anything else that is bad.
 */
export function checkStoredBatches(
  batches: Iterable<StoredBatch>,
  start: RecordCheckStart,
  onRecord?: (seq: number, body: Buffer) => void,
): RecordCheckOutcome {
  const checker = new RecordChecker(start);
  for (const b of batches) {
    const torn = checker.batch(b, onRecord);
    if (torn !== null) return checker.outcome(torn);
  }
  return checker.outcome(null);
}
