// Recovery's second thread: reads the journal's records from its own read-only SQLite connection and checks them
// (RecordChecker, the check Journal.check runs: frame, checksum, header, seq, hash chain, torn tail) while the main
// thread loads and restores the snapshot, then streams the checked records to it in order. Runs in a worker thread
// started by record-check-pipeline.ts; the protocol (messages and the shared control words) is there.
//
// What crosses threads: the records' bytes (several stored batches back to back) are written into a ring of shared
// memory (RecordCheckData.ring), and each message carries only where in it each record's body starts and ends. The
// main thread takes the bodies as views into the ring; it parses and replays them, then gives their bytes back
// (CONTROL.bytesInFlight). A message larger than the whole ring carries its own bytes instead (transferred, never
// copied by structured clone). Why a ring: see RecordCheckData.ring.
//
// Reading ahead. The ring fills long before the main thread's restore ends (64 MB of a 1M-record tail's 1.1 GB), and
// this thread would then wait, idle, for the whole restore. Instead it goes on checking the batches after the ring's
// (hash chain included) and drops their bytes, keeping of each only where its records are, its CRC-32 and, when
// asked (RecordCheckData.summarizeCalls), where its margin calls are (CallSummary). Once the main thread reads, a
// dropped batch is read again from SQLite (a second connection) and sent if its length and CRC-32 are those of the
// bytes checked (else recovery fails: the file changed under it). So the replay receives every record as checked
// without waiting for this thread's SHA-256 work, and does not read the calls again. Before the main thread takes its
// first record, every batch's calls are read, those the ring takes at once included. Once the main thread takes
// records, a batch it has room for as soon as it is checked is sent at once, with no summary: the main thread is
// waiting for records then, and reading the calls here would only delay them.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { crc32 } from 'node:zlib';
import type { MessagePort } from 'node:worker_threads';
import { asBuffer, RecordChecker, type RecordCheckOutcome } from './check-records.js';
import { JournalError } from './errors.js';
import { CallSummarizer } from './record.js';
import { SqliteJournalStore } from './sqlite.js';
import type { StoredBatch } from './store.js';
import { CONTROL, type RecordCheckData, type FromRecordCheck } from './record-check-protocol.js';

/** Bytes gathered before a message is sent: few messages, each small next to the main thread's window. */
const MESSAGE_BYTES = 1 << 20;

/** A stored batch the check passed, to be sent. */
interface CheckedBatch {
  /** Its first and last seq as stored (its first record is the first handed on). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Where each good record's body starts and ends in the batch's bytes (all of its records, unless the check stopped in it). */
  readonly bodies: number[];
  /** Its bytes; null once dropped (read again to be sent). */
  bytes: Buffer | null;
  readonly length: number;
  /** The CRC-32 of its bytes, taken when they are dropped. */
  crc: number;
  /** Its records' CallSummary words (one record's after another's), or null: none read. */
  calls: Int32Array | null;
}

/** Checked batches, gathered and sent to the main thread in messages of ~MESSAGE_BYTES. */
class Sender {
  private rows: Buffer[] = [];
  private bytes = 0;
  /** Body start and end of each record gathered, as offsets into the rows gathered, back to back. */
  private bodies: number[] = [];
  /** The gathered records' CallSummary words: arrays, and counts of records without one (a zero word each). */
  private calls: (Int32Array | number)[] = [];
  private callWords = 0;
  private summarized = false;
  private firstSeq = -1;
  private readonly ring: Uint8Array;
  private readonly ringWords: Int32Array;
  /** Where the next message is written in the ring: the bytes before it (bytesInFlight of them) are unread. */
  private ringAt = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly control: Int32Array,
    private readonly windowBytes: number,
    ring: SharedArrayBuffer,
  ) {
    this.ring = new Uint8Array(ring);
    this.ringWords = new Int32Array(ring, 0, ring.byteLength >>> 2);
  }

  /** Gathers a checked batch (its bytes, read again if it was dropped), after sending what was gathered when that is large enough. */
  add(batch: CheckedBatch, bytes: Buffer): void {
    if (this.bytes >= MESSAGE_BYTES) this.flush();
    const base = this.bytes;
    this.rows.push(bytes);
    this.bytes += bytes.length;
    if (this.firstSeq < 0) this.firstSeq = batch.firstSeq;
    const bodies = batch.bodies;
    for (let i = 0; i < bodies.length; i++) this.bodies.push(base + (bodies[i] as number));
    if (batch.calls !== null) {
      this.calls.push(batch.calls);
      this.callWords += batch.calls.length;
      this.summarized = true;
    } else {
      this.calls.push(bodies.length / 2);
      this.callWords += bodies.length / 2;
    }
  }

  /**
   * Whether the message gathered, with `batch` added, could be sent now, without waiting for the main thread: else the
   * batch waits (read ahead), not in the message, whose bytes stay in memory until sent.
   */
  canTake(batch: CheckedBatch): boolean {
    return this.roomFor(this.withBatch(batch));
  }

  /** Waits until canTake(batch), sending what is gathered first (waiting) when the two would not fit together. */
  waitToTake(batch: CheckedBatch): void {
    if (this.canTake(batch)) return;
    this.flush();
    const n = this.withBatch(batch);
    this.waitForWindow(n > this.ring.length ? this.windowBytes - 1 : this.placeOf(n).unread);
  }

  /** The size of the message gathered with `batch` added (messageBytes). */
  private withBatch(batch: CheckedBatch): number {
    const words = this.callWords + (batch.calls !== null ? batch.calls.length : batch.bodies.length / 2);
    const summarized = this.summarized || batch.calls !== null;
    return this.bytes + batch.length + (summarized ? 3 + 4 * words : 0);
  }

  /** Sends what is gathered if it has room now: when it is large enough, or whatever its size (`any`). */
  trySend(any: boolean): void {
    if (this.bodies.length > 0 && (any || this.bytes >= MESSAGE_BYTES) && this.roomFor(this.messageBytes())) this.flush();
  }

  /**
   * Sends the records gathered (one message): written into the ring once it has room for them, or, larger than the
   * whole ring, in their own bytes once the main thread holds less than a window's bytes unread.
   */
  flush(): void {
    if (this.bodies.length > 0) {
      const n = this.messageBytes();
      if (n <= this.ring.length) this.sendInRing(n);
      else this.sendOwnBytes();
    }
    this.reset();
  }

  /** The bytes the gathered message takes: its rows, then its summary words (4-byte aligned) if any record has one. */
  private messageBytes(): number {
    return this.bytes + (this.summarized ? 3 + 4 * this.callWords : 0);
  }

  /** Where sendInRing writes a message of n bytes, and the ring's bytes it holds until read (its skipped end included). */
  private placeOf(n: number): { at: number; span: number; unread: number } {
    const size = this.ring.length;
    // The unread bytes are always the `bytesInFlight` bytes just before ringAt (around the ring's end). A message never
    // wraps: when it does not fit before the ring's end, it starts at 0 and the end is skipped, held as unread until
    // this message is read ("unread + span <= ring" is the room check). A message longer than the part before ringAt
    // could never have that room: it waits until everything is read, when it may start at 0 with nothing skipped.
    if (this.ringAt + n <= size) return { at: this.ringAt, span: n, unread: size - n };
    if (n > this.ringAt) return { at: 0, span: n, unread: 0 };
    const span = n + size - this.ringAt;
    return { at: 0, span, unread: size - span };
  }

  /** Whether a message of n bytes could be sent now, without waiting for the main thread. */
  private roomFor(n: number): boolean {
    const inFlight = Atomics.load(this.control, CONTROL.bytesInFlight);
    if (n > this.ring.length) return inFlight <= this.windowBytes - 1;
    return inFlight <= this.placeOf(n).unread;
  }

  private sendInRing(n: number): void {
    const { at, span, unread } = this.placeOf(n);
    this.waitForWindow(unread);
    let to = at;
    for (const r of this.rows) {
      this.ring.set(r, to);
      to += r.length;
    }
    let calls = -1;
    if (this.summarized) {
      calls = Math.ceil(to / 4);
      this.writeCalls(this.ringWords, calls);
    }
    const bodies = this.bodies;
    for (let i = 0; i < bodies.length; i++) bodies[i] = (bodies[i] as number) + at;
    this.ringAt = at + n;
    Atomics.add(this.control, CONTROL.bytesInFlight, span);
    this.post({ kind: 'ring', firstSeq: this.firstSeq, bodies, span, calls });
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
    let calls: Int32Array | null = null;
    if (this.summarized) {
      calls = new Int32Array(this.callWords);
      this.writeCalls(calls, 0);
    }
    this.waitForWindow(this.windowBytes - 1);
    Atomics.add(this.control, CONTROL.bytesInFlight, bytes.byteLength);
    const transfer = [bytes.buffer as ArrayBuffer, bodies.buffer];
    if (calls !== null) transfer.push(calls.buffer as ArrayBuffer);
    this.post({ kind: 'records', firstSeq: this.firstSeq, bytes, bodies, calls }, transfer);
  }

  private writeCalls(into: Int32Array, from: number): void {
    let w = from;
    for (const c of this.calls) {
      if (typeof c === 'number') {
        into.fill(0, w, w + c);
        w += c;
      } else {
        into.set(c, w);
        w += c.length;
      }
    }
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
    this.calls = [];
    this.callWords = 0;
    this.summarized = false;
    this.firstSeq = -1;
  }
}

/** The check of every record and the sending of the good ones in order, reading ahead of the main thread (header). */
class CheckAndSend {
  private readonly checker: RecordChecker;
  private readonly summarizer: CallSummarizer | null;
  private readonly batches: Iterator<StoredBatch>;
  /** Checked batches not yet handed to the sender, in order, their bytes dropped. */
  private readonly waiting: CheckedBatch[] = [];
  /** A second connection reading the dropped batches again, in order, and its rows from the first one waiting. */
  private againStore: SqliteJournalStore | null = null;
  private again: Iterator<StoredBatch> | null = null;
  private done = false;
  private outcome: RecordCheckOutcome | null = null;
  /** What stopped the check (a JournalError: corrupt record), thrown once the records before it were sent. */
  private failure: unknown = null;

  constructor(
    store: SqliteJournalStore,
    private readonly data: RecordCheckData,
    private readonly control: Int32Array,
    private readonly sender: Sender,
  ) {
    this.checker = new RecordChecker({ ...data.start, genesisHash: Buffer.from(data.start.genesisHash) });
    this.summarizer = data.summarizeCalls ? new CallSummarizer() : null;
    this.batches = store.read(1)[Symbol.iterator]();
  }

  run(): RecordCheckOutcome {
    try {
      while (!this.done) {
        while (this.waiting.length > 0 && this.sender.canTake(this.waiting[0] as CheckedBatch)) this.send(this.waiting.shift() as CheckedBatch);
        const batch = this.checkNext();
        if (batch === null) continue;
        // While the main thread restores (it takes no record yet), every batch's calls are read.
        const draining = Atomics.load(this.control, CONTROL.draining) === 1;
        if (!draining) this.summarize(batch);
        if (this.waiting.length === 0 && this.sender.canTake(batch)) this.send(batch);
        else {
          // The main thread has no room for it yet: read ahead, the batch's bytes dropped (their CRC-32 kept).
          this.sender.trySend(true);
          if (draining) this.summarize(batch);
          batch.crc = crc32(batch.bytes as Buffer); // checkNext's batches have their bytes
          batch.bytes = null;
          this.waiting.push(batch);
        }
      }
      // Everything is checked: the rest in order, each read again once the main thread has room for it.
      while (this.waiting.length > 0) {
        const batch = this.waiting.shift() as CheckedBatch;
        this.sender.waitToTake(batch);
        this.send(batch);
      }
      this.sender.flush();
    } finally {
      this.closeAgain();
      this.againStore?.close();
    }
    if (this.failure !== null) throw this.failure;
    return this.outcome as RecordCheckOutcome;
  }

  /** Reads and checks the next stored batch; null when it has no record to send (the genesis', or none is left). */
  private checkNext(): CheckedBatch | null {
    const next = this.batches.next();
    if (next.done === true) {
      this.done = true;
      this.outcome = this.checker.outcome(null);
      return null;
    }
    Atomics.add(this.control, CONTROL.progress, 1);
    const stored = next.value;
    const bytes = asBuffer(stored.bytes);
    const bodies: number[] = [];
    const base = bytes.byteOffset;
    try {
      const torn = this.checker.batch({ firstSeq: stored.firstSeq, lastSeq: stored.lastSeq, bytes }, (_seq, body) => bodies.push(body.byteOffset - base, body.byteOffset - base + body.length));
      if (torn !== null) {
        this.done = true;
        this.outcome = this.checker.outcome(torn);
      }
    } catch (e) {
      this.done = true;
      this.failure = e;
    }
    if (this.done) this.batches.return?.();
    if (bodies.length === 0) return null;
    return { firstSeq: stored.firstSeq, lastSeq: stored.lastSeq, bodies, bytes, length: bytes.length, crc: 0, calls: null };
  }

  private summarize(batch: CheckedBatch): void {
    const summarizer = this.summarizer;
    const bytes = batch.bytes;
    if (summarizer === null || bytes === null) return;
    const words: number[] = [];
    const bodies = batch.bodies;
    for (let i = 0, seq = batch.firstSeq; i < bodies.length; i += 2, seq++) summarizer.summarize(seq, bytes.subarray(bodies[i] as number, bodies[i + 1] as number), words);
    batch.calls = Int32Array.from(words);
  }

  private send(batch: CheckedBatch): void {
    let bytes = batch.bytes;
    if (bytes === null) {
      try {
        bytes = this.readAgain(batch);
      } catch (e) {
        this.sender.flush(); // the records before it reach the main thread first, as before a corrupt record
        throw e;
      }
    }
    this.sender.add(batch, bytes);
    this.sender.trySend(false);
    if (this.waiting.length === 0) this.closeAgain(); // the next batch read ahead opens it again from there
  }

  /** A dropped batch read again (the next row of the second connection): its bytes, if they are those checked. */
  private readAgain(batch: CheckedBatch): Buffer {
    if (this.again === null) {
      this.againStore ??= SqliteJournalStore.open(this.data.file, { durability: 'relaxed', readOnly: true });
      this.again = this.againStore.read(batch.firstSeq)[Symbol.iterator]();
    }
    const next = this.again.next();
    Atomics.add(this.control, CONTROL.progress, 1);
    const stored = next.done === true ? null : next.value;
    const bytes = stored === null ? null : asBuffer(stored.bytes);
    if (stored === null || bytes === null || stored.firstSeq !== batch.firstSeq || stored.lastSeq !== batch.lastSeq || bytes.length !== batch.length || crc32(bytes) !== batch.crc) {
      throw new Error(`${this.data.start.name}: records ${batch.firstSeq}-${batch.lastSeq}, read again to be replayed, are not the bytes checked: the journal changed during recovery`);
    }
    return bytes;
  }

  private closeAgain(): void {
    this.again?.return?.();
    this.again = null;
  }
}

/** The nice value the record-check thread takes (yieldToEngineThreads says why). */
export const CHECK_THREAD_NICE = 10;

/**
 * Lowers this thread's scheduling priority (Linux: a nice value is a thread's own, and /proc/thread-self names this
 * thread's id; elsewhere nothing is done). Why: while it reads ahead, three threads want the machine's two cores (the
 * main thread's restore, the boundary thread, this one), and the two of them the restore waits for should win. Measured
 * on the 1M + 1M-record journal: the restore 5.9-6.0 s with this thread at nice 10 or 19, 6.5-6.6 s at 0, against
 * 5.7-6.0 s without reading ahead (docs/performance.md "2026-12-07, s65"). The replay, after, runs on two threads.
 */
function yieldToEngineThreads(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, CHECK_THREAD_NICE);
  } catch {
    // Not Linux (no /proc/thread-self), or not allowed: the thread keeps its priority.
  }
}

/**
 * The worker's work: open the journal read-only, check every record after the genesis from `data.start`, send them,
 * then the outcome ('end') or what stopped the check ('error': a JournalError's code, message and seq, or a bug).
 */
export function runRecordCheck(data: RecordCheckData): void {
  yieldToEngineThreads();
  const control = new Int32Array(data.control);
  const sender = new Sender(data.port, control, data.windowBytes, data.ring);
  const started = performance.now();
  let store: SqliteJournalStore | null = null;
  try {
    store = SqliteJournalStore.open(data.file, { durability: 'relaxed', readOnly: true });
    // The records before a bad one reach the main thread first: it replays them, as Journal.check would have.
    const outcome = new CheckAndSend(store, data, control, sender).run();
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
