// Recovery's boundary searches on a second thread (core/triggers/boundary-hints.ts says what a hint is and why the
// restored engine is the same with or without one). The restore hands this thread's BoundaryHints each chunk of
// accounts a chunk before the indexes arm them (handAhead); the single-position ones go, as numbers, to a worker
// (boundary-worker.ts) that runs hintedBoundary on a state made from the same snapshot's frame; the indexes then find
// the worker's boundary, or search themselves when it is not there yet. Nothing waits: the main thread never blocks on
// the worker, so a slow, late or failed worker costs at most the searches it did not spare.
//
// What crosses threads, all in shared memory allocated once for the snapshot's account count: per ledger submitted,
// its market's number and whether its account is called (Int32), its position's size, cost and funding index and its
// cash (BigInt64: a figure outside 64 bits is not submitted), and the worker's three results (Float64, one per
// HINT_LEVEL; NaN for a level it did not compute). Two control words order them: SUBMITTED (this thread, after
// writing a chunk's figures) and DONE (the worker, after writing a batch's results); a result is read only below DONE
// as loaded with Atomics, which makes the worker's writes before it visible.

import { Worker } from 'node:worker_threads';
import { compiledModule } from '../sim/sweep/pool.js';
import type { Account } from '../core/account/account.js';
import type { RestorableSnapshot } from '../core/engine/snapshot.js';
import { HINT_LEVELS, hintedLedger, type BoundaryHints } from '../core/triggers/boundary-hints.js';
import { BOUNDARY_CONTROL, BOUNDARY_CONTROL_WORDS, type BoundaryWorkerData } from './boundary-protocol.js';

/** Ledgers the shared tables hold at most (64 bytes each: 256 MB at this cap). */
const MAX_SLOTS = 4_000_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// The worker's bootstrap (CommonJS, run with eval): imports the compiled worker module and runs it. A failure leaves
// DONE where it was: the restore searches itself.
const BOOTSTRAP = `
'use strict';
const { workerData } = require('node:worker_threads');
import(workerData.module).then((m) => m.runBoundaryWorker(workerData)).catch(() => {});
`;

/** What a recovery's boundary thread did (RecoveryReport). */
export interface BoundaryThreadStats {
  /** Ledgers whose figures went to the worker. */
  readonly submitted: number;
  /** Boundaries the indexes took from it. */
  readonly used: number;
  /** Boundaries the indexes asked for before the worker had them (they searched themselves). */
  readonly late: number;
}

export class BoundaryThread implements BoundaryHints {
  private readonly control: Int32Array;
  private readonly meta: Int32Array;
  private readonly figures: BigInt64Array;
  private readonly results: Float64Array;
  /** The slot each account number's ledger was submitted in (-1: none). */
  private slotOfNo: Int32Array;
  private submitted = 0;
  private doneSeen = 0;
  private used = 0;
  private late = 0;
  private closed = false;
  private readonly marketNumber: Map<string, number>;
  private readonly settlementAsset: string;
  private readonly called: ReadonlySet<string> | null;

  private constructor(
    private readonly worker: Worker,
    data: BoundaryWorkerData,
    frame: Omit<RestorableSnapshot, 'accounts'>,
  ) {
    this.control = new Int32Array(data.control);
    this.meta = new Int32Array(data.meta);
    this.figures = new BigInt64Array(data.figures);
    this.results = new Float64Array(data.results);
    this.slotOfNo = new Int32Array(data.capacity).fill(-1);
    this.marketNumber = new Map(data.marketIds.map((id, i) => [id, i]));
    this.settlementAsset = frame.config.settlement.asset;
    const called = frame.enforcement.marginCalled;
    this.called = called.length === 0 ? null : new Set(called);
  }

  /**
   * Starts the worker for a restore of `snapshot` (its frame: everything but the accounts) with room for `accounts`
   * ledgers. `module`: the worker's compiled module (tests).
   */
  /**
   * start(), or null when the worker cannot be started (its module not compiled, no threads): the restore then
   * searches every boundary itself, as without the thread. An optional helper never fails a recovery.
   */
  static tryStart(snapshot: RestorableSnapshot, accounts: number): BoundaryThread | null {
    try {
      return BoundaryThread.start(snapshot, accounts);
    } catch {
      return null;
    }
  }

  static start(snapshot: RestorableSnapshot, accounts: number, o: { module?: URL } = {}): BoundaryThread {
    const { accounts: _accounts, ...frame } = snapshot; // the accounts (a decoder over this thread's bytes) stay here
    // The venue's accounts number among them; past MAX_SLOTS ledgers the restore searches the rest itself.
    const capacity = Math.min(accounts + 64, MAX_SLOTS);
    const data: BoundaryWorkerData = {
      module: (o.module ?? compiledModule('./boundary-worker.js', import.meta.url)).href,
      frame,
      marketIds: snapshot.markets.map((m) => m.spec.id),
      capacity,
      control: new SharedArrayBuffer(BOUNDARY_CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
      meta: new SharedArrayBuffer(capacity * 2 * Int32Array.BYTES_PER_ELEMENT),
      figures: new SharedArrayBuffer(capacity * 4 * BigInt64Array.BYTES_PER_ELEMENT),
      results: new SharedArrayBuffer(capacity * HINT_LEVELS * Float64Array.BYTES_PER_ELEMENT),
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
    // Never holds the process open; a worker that fails only leaves its boundaries to the restore.
    worker.unref();
    worker.on('error', () => {});
    return new BoundaryThread(worker, data, frame);
  }

  ahead(accounts: readonly Account[]): void {
    if (this.closed) return;
    const { meta, figures } = this;
    let slot = this.submitted;
    for (const account of accounts) {
      const ledger = hintedLedger(account, this.settlementAsset);
      if (ledger === null) continue;
      const market = this.marketNumber.get(ledger.position.market);
      const { size, entryQuote, fundingIndex } = ledger.position;
      const cash = ledger.cash;
      if (market === undefined || slot * 2 >= meta.length || !int64(size) || !int64(entryQuote) || !int64(fundingIndex) || !int64(cash)) continue;
      const no = account.no;
      if (no >= this.slotOfNo.length) {
        const wider = new Int32Array(Math.max(2 * this.slotOfNo.length, no + 1)).fill(-1);
        wider.set(this.slotOfNo);
        this.slotOfNo = wider;
      }
      meta[2 * slot] = market;
      meta[2 * slot + 1] = this.called !== null && this.called.has(account.id) ? 1 : 0;
      figures[4 * slot] = size;
      figures[4 * slot + 1] = entryQuote;
      figures[4 * slot + 2] = fundingIndex;
      figures[4 * slot + 3] = cash;
      this.slotOfNo[no] = slot;
      slot++;
    }
    this.submitted = slot;
    Atomics.store(this.control, BOUNDARY_CONTROL.submitted, slot);
    Atomics.notify(this.control, BOUNDARY_CONTROL.submitted);
  }

  boundary(no: number, level: number): number {
    const slot = no < this.slotOfNo.length ? (this.slotOfNo[no] as number) : -1;
    if (slot < 0) return Number.NaN;
    if (slot >= this.doneSeen) {
      this.doneSeen = Atomics.load(this.control, BOUNDARY_CONTROL.done);
      if (slot >= this.doneSeen) {
        this.late++;
        return Number.NaN;
      }
    }
    const b = this.results[slot * HINT_LEVELS + level] as number;
    if (!Number.isNaN(b)) this.used++;
    return b;
  }

  /** Stops the worker (it ends after the batch it is on); the hints answer NaN from now on. */
  close(): BoundaryThreadStats {
    if (!this.closed) {
      this.closed = true;
      this.slotOfNo = new Int32Array(0);
      Atomics.store(this.control, BOUNDARY_CONTROL.stop, 1);
      Atomics.notify(this.control, BOUNDARY_CONTROL.submitted);
      void this.worker.terminate();
    }
    return { submitted: this.submitted, used: this.used, late: this.late };
  }
}

function int64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}
