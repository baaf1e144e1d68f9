// What recovery's boundary thread (boundary-thread.ts) and its worker (boundary-worker.ts) share.

import type { RestorableSnapshot } from '../core/engine/snapshot.js';

/** The control words (Int32, shared). */
export const BOUNDARY_CONTROL = {
  /** Ledgers whose figures the main thread has written (slots below it are readable by the worker). */
  submitted: 0,
  /** Ledgers whose results the worker has written (slots below it are readable by the main thread). */
  done: 1,
  /** Set by the main thread: the worker ends. */
  stop: 2,
} as const;
export const BOUNDARY_CONTROL_WORDS = 3;

export interface BoundaryWorkerData {
  /** The worker module's URL (compiled). */
  readonly module: string;
  /** The snapshot without its accounts: the worker's state is restoreFrame of it. */
  readonly frame: Omit<RestorableSnapshot, 'accounts'>;
  /** The markets in the frame's order: a ledger's market travels as its number here. */
  readonly marketIds: readonly string[];
  /** Slots: ledgers that can be submitted. */
  readonly capacity: number;
  readonly control: SharedArrayBuffer;
  /** Per slot: the market's number, then 1 when the account is called (its call-index level is the recovery one). */
  readonly meta: SharedArrayBuffer;
  /** Per slot: the position's size, entry cost and funding index, then the ledger's cash (BigInt64). */
  readonly figures: SharedArrayBuffer;
  /** Per slot and HINT_LEVEL: the boundary (hintedBoundary), NaN for a level not computed (Float64). */
  readonly results: SharedArrayBuffer;
}
