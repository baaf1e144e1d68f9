// Breach detection behind one interface, two strategies (DESIGN.md "Durability and proof": the verifier replays
// with the naive full scan instead of the index):
// - 'index' (BreachIndex, breach-index.ts): float-screened thresholds in per-market heaps; a tick costs
//   O(log n + k). What the engine runs.
// - 'scan' (ScanDetector, scan-detector.ts): every followed account evaluated exactly on every call; O(n) per call,
//   no screen, no heaps. What the verifier replays with: obviously right, and a check on the index.
// Both keep the same contract (breach-index.ts header), so an engine gives the same events, byte for byte, with
// either; a shared suite runs the engine's property tests and the end-to-end scenarios under both.

import type { Account } from '../account/account.js';
import { handAhead, type BoundaryHints } from './boundary-hints.js';
import { BreachIndex, type BreachIndexOptions, type LedgerBreach, type LedgerRef } from './breach-index.js';
import { ScanDetector } from './scan-detector.js';

/** What the engine and its margin calls ask of breach detection. */
export interface BreachDetector {
  /** Evaluates the account's ledgers (an unknown account is forgotten); returns those in breach. */
  reindex(accountId: string): readonly LedgerBreach[];
  /**
   * The account changed; reindex() of it follows before the command ends. Until then a detector that keeps figures
   * of the account (BreachIndex exactRows) reads the account instead.
   */
  accountChanged(accountId: string): void;
  /** Forgets the account. */
  remove(accountId: string): void;
  /** Stops following the account until resume() or reindex() (margin calls move accounts between levels). */
  suspend(accountId: string): void;
  /** Follows the account again; returns its ledgers in breach, all `newly`. */
  resume(accountId: string): readonly LedgerBreach[];
  /** After the market's mark or index moved: the ledgers found in breach (`newly`: entered breach now). */
  onPrice(marketId: string): readonly LedgerBreach[];
  /** After the market's funding index, schedule or multiplier changed. */
  reindexMarket(marketId: string): readonly LedgerBreach[];
  /** After the rulebook or an asset spec changed. */
  reindexAll(): readonly LedgerBreach[];
  /** How many ledgers are in breach. */
  readonly breachedCount: number;
  /**
   * Re-checks after price moves since the detector was made: the index's, of a ledger whose armed key or boundary the
   * mark crossed; the scan's, every account it evaluated on a move. What a quiet tick's cost follows (bench/walk.ts).
   */
  readonly recheckCount: number;
  /** The ledgers in breach (in no particular order: callers that act on them order them). */
  breached(): LedgerRef[];
  isBreached(accountId: string, market?: string | null): boolean;
  isAccountBreached(accountId: string): boolean;
}

export type DetectionStrategy = 'index' | 'scan';
export const DETECTION_STRATEGIES: readonly DetectionStrategy[] = ['index', 'scan'];

export type DetectorOptions = BreachIndexOptions;

export function createDetector(strategy: DetectionStrategy, options: DetectorOptions): BreachDetector {
  return strategy === 'index' ? new BreachIndex(options) : new ScanDetector(options);
}

/**
 * A detector's first look at many accounts (a restore): reindex() of each, in order, the breaches found dropped.
 * `accounts` are the accounts themselves, each what the detector's options.account(id) returns for its id (the
 * accounts it would forget left out), each once. The index builds in bulk (BreachIndex.indexAll: its tables sized
 * once for `count` accounts, each account not looked up again).
 */
export function indexAccounts(detector: BreachDetector, accounts: Iterable<Account>, count: number): void {
  if (detector instanceof BreachIndex) detector.indexAll(accounts, count);
  else for (const account of accounts) detector.reindex(account.id);
}

/** A build of one pass over the accounts: BreachIndex (indexAll's parts), the engine's ADL mirror. */
export interface BulkIndex {
  beginBulk(count: number): void;
  indexBulk(account: Account): void;
  endBulk(): void;
}

/**
 * indexAccounts for several indexes over the same accounts (a restore's breach index, margin-call index and ADL
 * mirror): one pass, each account handed to every index in turn, so its objects are read from memory once, not once
 * per index. Each index ends as a build of its own would leave it.
 */
export function indexTogether(indexes: readonly BulkIndex[], accounts: Iterable<Account>, count: number, ahead: { readonly hints: BoundaryHints; readonly chunk: number } | null = null): void {
  for (const index of indexes) index.beginBulk(count);
  if (ahead === null) for (const account of accounts) for (const index of indexes) index.indexBulk(account);
  else {
    // Each chunk of accounts handed to the hints' helper a chunk before the indexes see it (boundary-hints.ts).
    handAhead(accounts, ahead.hints, ahead.chunk, (account) => {
      for (const index of indexes) index.indexBulk(account);
    });
  }
  for (const index of indexes) index.endBulk();
}
