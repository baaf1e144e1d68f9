// Enforcement's persistent state (part of snapshots) and the deficit record trades hand to it.

/** Persistent enforcement state (in snapshots). */
export interface EnforcementState {
  /** The liquidation pause switch (admin). */
  paused: boolean;
  /** Open liquidation episodes by ledger key: when it began, margin freed so far (Drift), steps taken. */
  readonly episodes: Map<string, Episode>;
  /** Hyperliquid per account: the last partial liquidation, and whether the last book order went unfilled. */
  readonly hyperliquid: Map<string, { lastPartialMs: number | null; bookUnfilled: boolean }>;
  /** Per market, notional liquidated within the sliding window: [tsMs, notional] oldest first. */
  readonly windows: Map<string, [number, bigint][]>;
  /** Per market, the times of the liquidation steps within the sliding window, oldest first. */
  readonly attempts: Map<string, number[]>;
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
  deferred: string | null;
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

