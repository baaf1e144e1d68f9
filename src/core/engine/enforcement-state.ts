// Enforcement's persistent state (part of snapshots) and the deficit record trades hand to it.

import type { AttemptState, WindowLog } from '../liquidation/limits.js';
import type { DeferralReason } from './events.js';

/** Persistent enforcement state (in snapshots). */
export interface EnforcementState {
  /** The liquidation pause switch (admin). */
  paused: boolean;
  /** Open liquidation episodes by ledger key: when it began, margin freed so far (Drift), steps taken. */
  readonly episodes: Map<string, Episode>;
  /** Hyperliquid per account: the last partial liquidation, and whether the last book order went unfilled. */
  readonly hyperliquid: Map<string, { lastPartialMs: number | null; bookUnfilled: boolean }>;
  /** Per market, notional liquidated within the sliding window (liquidation/limits.ts). */
  readonly windows: Map<string, WindowLog>;
  /** Per market, liquidation steps within the sliding window (liquidation/limits.ts tryAttempt). */
  readonly attempts: Map<string, AttemptState>;
  /** Accounts margin-called and not yet recovered above the recovery level (margin-calls.ts). */
  readonly marginCalled: Set<string>;
}

export interface Episode {
  readonly startedMs: number;
  marginFreed: bigint;
  steps: number;
  /** The block (command sequence number) of the last step. */
  lastStepBlock: number;
  /** Why the last attempt was deferred (announced once per reason). */
  deferred: DeferralReason | null;
  /** A step left a remainder nobody took: when to try again. Null: at the next command. */
  retry: Retry | null;
}

/**
 * The next step waits until `atMs`, or until the best price of the side of `market`'s book that a liquidation order
 * `side` would take changes from `top` (new liquidity; -1: that side was empty), whichever comes first.
 */
export interface Retry {
  readonly atMs: number;
  readonly market: string;
  readonly side: 'buy' | 'sell';
  readonly top: bigint;
}

export function newEnforcementState(): EnforcementState {
  return { paused: false, episodes: new Map(), hyperliquid: new Map(), windows: new Map(), attempts: new Map(), marginCalled: new Set() };
}

/** A loss an account's ledger cannot carry: it must be absorbed (insurance fund, socialisation, write-off). */
export interface Deficit {
  readonly account: string;
  /** The market it arose in (null: not tied to one market). */
  readonly market: string | null;
  /** The side of the position that went bankrupt (the opposite side bears socialised losses). */
  readonly side: 'long' | 'short' | null;
  readonly amount: bigint;
  /**
   * Whether the loss sits in the account's settlement balance (a cross ledger below zero: absorbing it credits the
   * balance back to zero) or was already dropped with the position (an isolated position closed below zero: its
   * negative margin never reached the balance, so absorbing it fills the hole without crediting the account).
   */
  readonly inBalance: boolean;
}

