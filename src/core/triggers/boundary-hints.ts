// Exact boundaries a restore's breach indexes may take from a helper instead of searching for them, when the helper
// ran the very same search (exactBoundaryOf) on the very same inputs: the boundary an index arms a single-position
// ledger at is a pure function of the view's market state, the rule, the ledger's one position and its cash, so
// whoever computes it gets the same number. A 1M restore runs ~1.44M such searches (two exact evaluations each, in
// the breach index and the margin-call levels); the journal's recovery runs them on its second core
// (journal/boundary-thread.ts) while the main thread decodes and indexes: ~0.5 s of a ~6 s restore (docs/performance.md
// "2026-12-06, s59").
//
// The contract keeps the restore deterministic whatever the helper does or how late it is: the indexes ask for a
// ledger's boundary when they arm it and take a hint only if one is there; no hint (NaN) and they search as they
// always do. Only BreachIndex.armSingle asks, whose search starts from the ledger's state unknown, as the helper's
// does: the same call on the same inputs. A ledger evaluated first (an isolated one, a cross one beside isolated
// positions) is searched from its state now, a start that may make a search give up (too many evaluations) where the
// other found the boundary: a hint there could arm a ledger the index would have left to its slope bounds. The
// restored engine is the same with all, some or no hints (test/journal/boundary-thread.test.ts compares them). The
// core starts no thread: it is handed hints (Engine.restore's options) and feeds them the accounts a chunk ahead
// (handAhead).

import type { Account, Position } from '../account/account.js';
import { maintenanceContext, settlementCashOnly, type MarginView } from '../margin/evaluate.js';
import type { BreachRule } from '../margin/thresholds.js';
import { exactBoundaryOf } from './bounds.js';

/** A hint saying the search found no exact boundary (exactBoundaryOf returned null): the index evaluates the ledger. */
export const NO_BOUNDARY = -1;

/**
 * Which view a hint was computed in: the breach index's (the state itself), or one of the margin-call levels (the
 * call level below, the recovery level above: margin-calls.ts levelViews).
 */
export const HINT_LEVEL = { breach: 0, call: 1, recovery: 2 } as const;
export const HINT_LEVELS = 3;

export interface BoundaryHints {
  /** Accounts the indexes will arm next, in order: a helper may compute their boundaries meanwhile. */
  ahead(accounts: readonly Account[]): void;
  /**
   * The boundary of account number `no`'s one ledger at `level` (HINT_LEVEL), as hintedBoundary computes it: the
   * boundary (>= 0), NO_BOUNDARY, or NaN when no hint is there (the index searches itself).
   */
  boundary(no: number, level: number): number;
}

/**
 * The ledger a hint is computed for: an account's one position, held cross, and its settlement cash (no other
 * collateral, no debt); null for any other account. The shape BreachIndex.armSingle arms from a boundary.
 */
export function hintedLedger(account: Account, settlementAsset: string): { position: Position; cash: bigint } | null {
  if (account.positions.size !== 1) return null;
  let position: Position | undefined;
  for (const p of account.positions.values()) position = p;
  if (position === undefined || position.isolatedMargin !== null || !settlementCashOnly(account, settlementAsset)) return null;
  return { position, cash: account.balances.get(settlementAsset) ?? 0n };
}

/**
 * The hint of a ledger holding `position` (cross) and `cash`, in `view` under `rule`: exactBoundaryOf's search from
 * the ledger's state unknown, as BreachIndex.armSingle runs it; NaN when the position's market has no mark (the index
 * does not search then).
 */
export function hintedBoundary(view: MarginView, position: Position, cash: bigint, rule: BreachRule): number {
  const state = view.market(position.market);
  if (state === undefined || state.markPrice === null) return Number.NaN;
  const exact = exactBoundaryOf(view, position, cash, rule, null, null, maintenanceContext(view, state));
  return exact === null ? NO_BOUNDARY : exact.boundary;
}

/**
 * Calls `each` on the accounts as they come, each only after hints.ahead() was given the chunk after its own: a helper
 * has the time the indexes spend on one chunk to compute the next one's boundaries. (A loop, not a generator: a
 * generator's resumption was ~0.1 µs an account, ~0.1 s of a 1M restore.)
 */
export function handAhead(accounts: Iterable<Account>, hints: BoundaryHints, chunk: number, each: (account: Account) => void): void {
  let ready: Account[] = [];
  let next: Account[] = [];
  for (const account of accounts) {
    next.push(account);
    if (next.length < chunk) continue;
    hints.ahead(next);
    for (const a of ready) each(a);
    ready = next;
    next = [];
  }
  if (next.length > 0) hints.ahead(next);
  for (const a of ready) each(a);
  for (const a of next) each(a);
}
