// Recovery on two threads: a worker reads the journal's records from SQLite and checks them (record-check-worker.ts,
// the same checkStoredBatches Journal.check runs) from the moment recovery starts, while this thread loads and
// restores the snapshot; then this thread takes the checked records in order, in batches, and replays them.
//
// Recovery stays synchronous (DurableEngine.openFile returns the recovered engine): this thread takes the worker's
// messages with receiveMessageOnPort and, when none is there yet, sleeps on a shared word the worker bumps after each
// message (Atomics.wait). The records' bytes come through a ring of shared memory of RECORD_CHECK_WINDOW_BYTES,
// allocated once (RecordCheckData.ring says why); back-pressure is the ring's room: the worker writes a message only
// where the records sent before it were read here, so the whole tail is never held twice in memory. While the ring is
// full the worker reads ahead (record-check-worker.ts): it checks the batches after it and reads their margin calls
// (CallSummary, handed on with each record), and reads those batches again when there is room for them.
//
// Failure: the worker's JournalError (a corrupt record, with its seq, after every record before it was sent) is thrown
// here as the same JournalError once those records were replayed: the same order and outcome as Journal.check with
// the replay inside it. Anything else the worker meets (its module not loading, SQLite failing) is thrown as an Error;
// a worker that stops without an outcome is an Error too. Never a silent success: only an 'end' message after every
// record ends the drain.

import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { compiledModule } from '../sim/sweep/pool.js';
import type { RecordCheckOutcome, RecordCheckStart } from './check-records.js';
import { JournalError } from './errors.js';
import type { CallSummary } from './record.js';
import { CONTROL, CONTROL_WORDS, type FromRecordCheck, type RecordCheckData } from './record-check-protocol.js';

/** The ring's size: bytes of checked records that may wait unread on this thread (~64k records of the 1M bench world). */
export const RECORD_CHECK_WINDOW_BYTES = 64 * 2 ** 20;
/** How long this thread sleeps between looks at the worker's state while it waits for records. */
const WAIT_SLICE_MS = 200;
/** No message and no batch read for this long, the worker not finished: it is taken as gone. */
const STALL_MS = 120_000;

// The worker's bootstrap (CommonJS, run with eval): imports the compiled worker module, runs it, and whatever
// happens (the module failing to load included) marks the control word `finished` so this thread never waits on a
// worker that is gone; a failure before the module ran is posted as an 'error' message.
const BOOTSTRAP = `
'use strict';
const { workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
const done = () => {
  Atomics.store(control, ${CONTROL.finished}, 1);
  Atomics.notify(control, ${CONTROL.posted});
};
import(workerData.module)
  .then((m) => m.runRecordCheck(workerData))
  .catch((e) => {
    workerData.port.postMessage({ kind: 'error', message: 'the record-check worker failed: ' + String(e && e.message || e) });
    Atomics.add(control, ${CONTROL.posted}, 1);
  })
  .finally(done);
`;

export class RecordCheckPipeline {
  private readonly control: Int32Array;
  /** The records' ring (RecordCheckData.ring), read through one view for the whole recovery. */
  private readonly ring: Buffer;
  private finished = false;
  /** Time this thread spent waiting for the worker's records. */
  waitMs = 0;
  /** The worker's own time (opening, reading, checking; its waits for this thread excluded), once it ended. */
  workerMs = 0;
  /** Messages of records taken: through the ring, and larger than the ring (in their own bytes). */
  readonly messages = { ring: 0, own: 0 };
  /** The ring's words (CallSummary words of ring messages). */
  private readonly ringWords: Int32Array;
  /** The summary handed with each record that has one: one object, pointed at the record's words before each call. */
  private readonly calls: CallSummary;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    private readonly name: string,
  ) {
    this.control = new Int32Array(control);
    this.ring = Buffer.from(ring);
    this.calls = { words: new Int32Array(ring, 0, ring.byteLength >>> 2), at: 0, ids: [] };
    this.ringWords = this.calls.words;
  }

  /** Starts the worker on the journal file `file`, checking from `start` (Journal.checkStart()). */
  static start(file: string, start: RecordCheckStart, o: { windowBytes?: number; module?: URL; summarizeCalls?: boolean } = {}): RecordCheckPipeline {
    const { port1, port2 } = new MessageChannel();
    const control = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const windowBytes = o.windowBytes ?? RECORD_CHECK_WINDOW_BYTES;
    const ring = new SharedArrayBuffer(windowBytes);
    const data: RecordCheckData = {
      module: (o.module ?? compiledModule('./record-check-worker.js', import.meta.url)).href,
      file,
      start: { name: start.name, genesisHash: new Uint8Array(start.genesisHash), lastSeq: start.lastSeq, snapshotted: start.snapshotted },
      control,
      port: port2,
      windowBytes,
      ring,
      summarizeCalls: o.summarizeCalls ?? false,
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [port2] });
    // Never holds the process open; errors reach this thread through the control words and the port.
    worker.unref();
    worker.on('error', () => {});
    return new RecordCheckPipeline(worker, port1, control, ring, start.name);
  }

  /**
   * Hands every checked record to `onRecord` in order (waiting for the worker as needed) and returns the check's
   * outcome for Journal.completeCheck. Throws the worker's JournalError after the records before the bad one, or an
   * Error when the worker failed or stopped without an outcome. Whatever `onRecord` throws stops the worker too.
   * A body is a view that is valid during its onRecord call only: its bytes are written over once it returns (a
   * caller that keeps a body copies it). So is `calls`, the record's margin calls as the worker read them ahead
   * (null: not read ahead).
   */
  drain(onRecord: (seq: number, body: Buffer, calls: CallSummary | null) => void): RecordCheckOutcome {
    Atomics.store(this.control, CONTROL.draining, 1);
    try {
      for (;;) {
        const m = this.next();
        if (m.kind === 'ring') {
          this.hand(m.firstSeq, this.ring, m.bodies, m.calls < 0 ? null : this.ringWords, m.calls, onRecord);
          this.messages.ring++;
          Atomics.sub(this.control, CONTROL.bytesInFlight, m.span);
          Atomics.notify(this.control, CONTROL.bytesInFlight);
          continue;
        }
        if (m.kind === 'records') {
          const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
          this.hand(m.firstSeq, bytes, m.bodies, m.calls, 0, onRecord);
          this.messages.own++;
          Atomics.sub(this.control, CONTROL.bytesInFlight, m.bytes.byteLength);
          Atomics.notify(this.control, CONTROL.bytesInFlight);
          continue;
        }
        if (m.kind === 'end') {
          this.finish();
          this.workerMs = m.workerMs;
          return { headSeq: m.headSeq, headHash: Buffer.from(m.headHash), torn: m.torn };
        }
        if (m.code !== undefined) throw new JournalError(m.code, m.message, m.seq === undefined ? {} : { seq: m.seq });
        throw new Error(`${this.name}: recovery's record check failed on its worker thread: ${m.message}`);
      }
    } finally {
      this.finish();
    }
  }

  /**
   * Hands on a message's records, each with its CallSummary words when the message has them (from word `at` of
   * `words`; null: none), a record whose count is 0 without.
   */
  private hand(firstSeq: number, bytes: Buffer, bodies: ArrayLike<number>, words: Int32Array | null, at: number, onRecord: (seq: number, body: Buffer, calls: CallSummary | null) => void): void {
    const calls = this.calls;
    if (words !== null) calls.words = words;
    let w = at;
    for (let i = 0, seq = firstSeq; i < bodies.length; i += 2, seq++) {
      const body = bytes.subarray(bodies[i] as number, bodies[i + 1] as number);
      const count = words === null ? 0 : (words[w] as number);
      if (count === 0) onRecord(seq, body, null);
      else {
        calls.at = w;
        onRecord(seq, body, calls);
      }
      w += 1 + 3 * count;
    }
  }

  /** Stored batches the worker has read so far (read again after reading ahead included). */
  batchesRead(): number {
    return Atomics.load(this.control, CONTROL.progress);
  }

  /** Stops the worker (recovery failed or ended early); safe to call more than once. */
  cancel(): void {
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    Atomics.store(this.control, CONTROL.cancelled, 1);
    Atomics.notify(this.control, CONTROL.bytesInFlight);
    this.port.close();
    void this.worker.terminate();
  }

  /** The worker's next message, waiting for it. */
  private next(): FromRecordCheck {
    const started = performance.now();
    let lastSign = -1;
    let lastChange = started;
    try {
      for (;;) {
        const posted = Atomics.load(this.control, CONTROL.posted);
        const got = receiveMessageOnPort(this.port);
        if (got !== undefined) return got.message as FromRecordCheck;
        if (Atomics.load(this.control, CONTROL.finished) !== 0) {
          // Finished: its last message was posted before the flag, so it is there now or never.
          const last = receiveMessageOnPort(this.port);
          if (last !== undefined) return last.message as FromRecordCheck;
          throw new Error(`${this.name}: recovery's record-check worker stopped without checking every record`);
        }
        const sign = posted * 65_536 + Atomics.load(this.control, CONTROL.progress);
        const now = performance.now();
        if (sign !== lastSign) {
          lastSign = sign;
          lastChange = now;
        } else if (now - lastChange > STALL_MS) {
          throw new Error(`${this.name}: recovery's record-check worker made no progress for ${STALL_MS / 1000} s`);
        }
        Atomics.wait(this.control, CONTROL.posted, posted, WAIT_SLICE_MS);
      }
    } finally {
      this.waitMs += performance.now() - started;
    }
  }
}
