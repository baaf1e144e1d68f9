// Recovery's second thread: reads the journal's records from its own read-only SQLite connection and checks them
// (checkStoredBatches, the function Journal.check runs: frame, checksum, header, seq, hash chain, torn tail) while
// the main thread loads and restores the snapshot, then streams the checked records to it in order. Runs in a
// worker thread started by record-check-pipeline.ts; the protocol (messages and the shared control words) is there.
//
// What crosses threads: the records' bytes (several stored batches back to back) are written into a ring of shared
// memory (RecordCheckData.ring), and each message carries only where in it each record's body starts and ends. The
// main thread takes the bodies as views into the ring; it parses and replays them, then gives their bytes back
// (CONTROL.bytesInFlight). A message larger than the whole ring carries its own bytes instead (transferred, never
// copied by structured clone). Why a ring: see RecordCheckData.ring.

import type { MessagePort } from 'node:worker_threads';
import { checkStoredBatches, type RecordCheckOutcome } from './check-records.js';
import { JournalError } from './errors.js';
import { SqliteJournalStore } from './sqlite.js';
import type { StoredBatch } from './store.js';
import { CONTROL, type RecordCheckData, type FromRecordCheck } from './record-check-protocol.js';

/** Bytes gathered before a message is sent: few messages, each small next to the main thread's window. */
const MESSAGE_BYTES = 1 << 20;

/** Batches of checked records, gathered and sent to the main thread in messages of ~MESSAGE_BYTES. */
class Sender {
  private rows: Buffer[] = [];
  private bytes = 0;
  /** Body start and end of each record gathered, as offsets into the rows gathered, back to back. */
  private bodies: number[] = [];
  private firstSeq = -1;
  private rowBase = 0;
  private row: Buffer | null = null;
  private readonly ring: Uint8Array;
  /** Where the next message is written in the ring: the bytes before it (bytesInFlight of them) are unread. */
  private ringAt = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly control: Int32Array,
    private readonly windowBytes: number,
    ring: SharedArrayBuffer,
  ) {
    this.ring = new Uint8Array(ring);
  }

  /** A checked record of `row` (its body a view into row's bytes). */
  add(seq: number, body: Buffer, row: Buffer): void {
    if (row !== this.row) {
      // A new stored batch: send what was gathered when it is large enough, then gather this one after it.
      if (this.bytes >= MESSAGE_BYTES) this.flush();
      this.rowBase = this.bytes;
      this.rows.push(row);
      this.bytes += row.length;
      this.row = row;
    }
    if (this.firstSeq < 0) this.firstSeq = seq;
    const start = this.rowBase + (body.byteOffset - row.byteOffset);
    this.bodies.push(start, start + body.length);
  }

  /**
   * Sends the records gathered (one message): written into the ring once it has room for them, or, larger than the
   * whole ring, in their own bytes once the main thread holds less than a window's bytes unread.
   */
  flush(): void {
    if (this.bodies.length === 0) {
      this.reset();
      return;
    }
    if (this.bytes <= this.ring.length) this.sendInRing();
    else this.sendOwnBytes();
    this.reset();
  }

  private sendInRing(): void {
    const n = this.bytes;
    const size = this.ring.length;
    // The unread bytes are always the `bytesInFlight` bytes just before ringAt (around the ring's end). A message never
    // wraps: when it does not fit before the ring's end, it starts at 0 and the end is skipped, held as unread until
    // this message is read ("unread + span <= ring" is the room check). A message longer than the part before ringAt
    // could never have that room: it waits until everything is read, when it may start at 0 with nothing skipped.
    let at = this.ringAt;
    let span = n;
    if (at + n > size) {
      at = 0;
      if (n > this.ringAt) this.waitForWindow(0);
      else span = n + size - this.ringAt;
    }
    this.waitForWindow(size - span);
    let to = at;
    for (const r of this.rows) {
      this.ring.set(r, to);
      to += r.length;
    }
    const bodies = this.bodies;
    for (let i = 0; i < bodies.length; i++) bodies[i] = (bodies[i] as number) + at;
    this.ringAt = at + n;
    Atomics.add(this.control, CONTROL.bytesInFlight, span);
    this.post({ kind: 'ring', firstSeq: this.firstSeq, bodies, span });
  }

  private sendOwnBytes(): void {
    const only = this.rows.length === 1 ? (this.rows[0] as Buffer) : null;
    // One stored batch that owns its whole ArrayBuffer is transferred as it is; several are copied into one.
    let bytes: Uint8Array;
    if (only !== null && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && only.buffer instanceof ArrayBuffer) {
      bytes = new Uint8Array(only.buffer, 0, only.byteLength);
    } else {
      bytes = new Uint8Array(this.bytes);
      let at = 0;
      for (const r of this.rows) {
        bytes.set(r, at);
        at += r.length;
      }
    }
    const bodies = Uint32Array.from(this.bodies);
    this.waitForWindow(this.windowBytes - 1);
    Atomics.add(this.control, CONTROL.bytesInFlight, bytes.byteLength);
    this.post({ kind: 'records', firstSeq: this.firstSeq, bytes, bodies }, [bytes.buffer as ArrayBuffer, bodies.buffer]);
  }

  post(message: FromRecordCheck, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(message, transfer);
    Atomics.add(this.control, CONTROL.posted, 1);
    Atomics.notify(this.control, CONTROL.posted);
  }

  /** Time spent waiting for the main thread to replay what it was sent (not the worker's own work). */
  waitedMs = 0;

  /** Waits until the main thread holds at most `unread` bytes unread. */
  private waitForWindow(unread: number): void {
    const started = performance.now();
    try {
      this.waitUntilAtMost(unread);
    } finally {
      this.waitedMs += performance.now() - started;
    }
  }

  private waitUntilAtMost(unread: number): void {
    for (;;) {
      if (Atomics.load(this.control, CONTROL.cancelled) !== 0) throw new Error('recovery stopped reading');
      const inFlight = Atomics.load(this.control, CONTROL.bytesInFlight);
      if (inFlight <= unread) return;
      Atomics.wait(this.control, CONTROL.bytesInFlight, inFlight, 1_000);
    }
  }

  private reset(): void {
    this.rows = [];
    this.bytes = 0;
    this.bodies = [];
    this.firstSeq = -1;
    this.row = null;
  }
}

/**
 * The worker's work: open the journal read-only, check every record after the genesis from `data.start`, send them,
 * then the outcome ('end') or what stopped the check ('error': a JournalError's code, message and seq, or a bug).
 */
export function runRecordCheck(data: RecordCheckData): void {
  const control = new Int32Array(data.control);
  const sender = new Sender(data.port, control, data.windowBytes, data.ring);
  const started = performance.now();
  let store: SqliteJournalStore | null = null;
  try {
    store = SqliteJournalStore.open(data.file, { durability: 'relaxed', readOnly: true });
    let row: Buffer = Buffer.alloc(0);
    const read = store.read(1);
    function* rows(): Generator<StoredBatch> {
      for (const b of read) {
        row = Buffer.isBuffer(b.bytes) ? b.bytes : Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
        Atomics.add(control, CONTROL.progress, 1);
        yield { firstSeq: b.firstSeq, lastSeq: b.lastSeq, bytes: row };
      }
    }
    const start = { ...data.start, genesisHash: Buffer.from(data.start.genesisHash) };
    let outcome: RecordCheckOutcome;
    try {
      outcome = checkStoredBatches(rows(), start, (seq, body) => sender.add(seq, body, row));
    } finally {
      // The records before a bad one reach the main thread first: it replays them, as Journal.check would have.
      sender.flush();
    }
    store.close();
    store = null;
    const headHash = new Uint8Array(outcome.headHash);
    sender.post({ kind: 'end', headSeq: outcome.headSeq, headHash, torn: outcome.torn, workerMs: performance.now() - started - sender.waitedMs });
  } catch (e) {
    if (Atomics.load(control, CONTROL.cancelled) !== 0) return;
    const error = e as Error;
    sender.post({
      kind: 'error',
      message: String(error?.message ?? e),
      ...(e instanceof JournalError ? { code: e.code, ...(e.seq === null ? {} : { seq: e.seq }) } : {}),
    });
  } finally {
    store?.close();
  }
}
