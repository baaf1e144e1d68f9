// Recovery's boundary worker (boundary-thread.ts has the protocol): a state made from the snapshot's frame (markets,
// rulebook, config: what a boundary depends on besides the ledger), the breach index's view and the margin-call levels'
// views of it, and hintedBoundary for each ledger the main thread submits: at the breach level always, and at the one
// call level the index arms the account at (the recovery level for a called account).

import { restoreFrame, type RestorableSnapshot } from '../core/engine/snapshot.js';
import { callLevelsOf, levelViews } from '../core/engine/margin-calls.js';
import type { Position } from '../core/account/account.js';
import type { MarginView } from '../core/margin/evaluate.js';
import { HINT_LEVEL, HINT_LEVELS, hintedBoundary } from '../core/triggers/boundary-hints.js';
import { BOUNDARY_CONTROL, type BoundaryWorkerData } from './boundary-protocol.js';

/** Ledgers computed between two publications of DONE (and two looks at STOP). */
const BATCH = 256;
/** How long the worker sleeps on SUBMITTED at most before it looks at STOP again. */
const WAIT_MS = 200;

export function runBoundaryWorker(data: BoundaryWorkerData): void {
  const s = restoreFrame({ ...data.frame, accounts: [] } as RestorableSnapshot);
  const callLevels = callLevelsOf(s.rulebook.liquidation);
  const levels = callLevels.callPpm > 0n ? levelViews(s, callLevels) : null;
  const views: (MarginView | null)[] = [s, levels?.call ?? null, levels?.recovery ?? null];
  const rule = s.rulebook.breachRule;
  const control = new Int32Array(data.control);
  const meta = new Int32Array(data.meta);
  const figures = new BigInt64Array(data.figures);
  const results = new Float64Array(data.results);
  const marketIds = data.marketIds;
  let done = 0;
  for (;;) {
    if (Atomics.load(control, BOUNDARY_CONTROL.stop) === 1) return;
    const submitted = Atomics.load(control, BOUNDARY_CONTROL.submitted);
    if (submitted === done) {
      Atomics.wait(control, BOUNDARY_CONTROL.submitted, submitted, WAIT_MS);
      continue;
    }
    const end = Math.min(submitted, done + BATCH);
    for (let slot = done; slot < end; slot++) {
      const position: Position = {
        market: marketIds[meta[2 * slot] as number] as string,
        size: figures[4 * slot] as bigint,
        entryQuote: figures[4 * slot + 1] as bigint,
        fundingIndex: figures[4 * slot + 2] as bigint,
        isolatedMargin: null,
      } as Position;
      const cash = figures[4 * slot + 3] as bigint;
      const at = slot * HINT_LEVELS;
      results[at + HINT_LEVEL.breach] = hintedBoundary(s, position, cash, rule);
      const calledLevel = meta[2 * slot + 1] === 1 ? HINT_LEVEL.recovery : HINT_LEVEL.call;
      const otherLevel = calledLevel === HINT_LEVEL.call ? HINT_LEVEL.recovery : HINT_LEVEL.call;
      const view = views[calledLevel];
      results[at + calledLevel] = view === null || view === undefined ? Number.NaN : hintedBoundary(view, position, cash, rule);
      results[at + otherLevel] = Number.NaN;
    }
    done = end;
    Atomics.store(control, BOUNDARY_CONTROL.done, done);
  }
}
