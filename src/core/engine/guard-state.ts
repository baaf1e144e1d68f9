// The guards' persistent state (part of snapshots): account groups, pending parameter changes, depegged assets,
// the Halted state and the audit's countdown. docs/guards.md.

import type { SetAsset, SetMarket, SetRulebook } from './commands.js';

/** A parameter change that waits for confirm_change (or cancel_change). */
export interface PendingChange {
  /** The change's number (changes are numbered from 1 as they are previewed). */
  readonly id: number;
  readonly proposedMs: number;
  /** The command as proposed; confirming applies it at the confirming command's time. */
  readonly command: SetMarket | SetAsset | SetRulebook;
  /** What the preview found: ledgers the change would put into breach, and their notional (quote atoms). */
  readonly ledgers: number;
  readonly notional: bigint;
}

export interface Halted {
  readonly sinceMs: number;
  readonly reason: string;
}

export interface GuardState {
  /** Self-trade-prevention groups: account -> group (accounts without one trade only against others). */
  readonly groups: Map<string, string>;
  /** Parameter changes waiting for confirmation, by id, in the order proposed (at most PENDING_CHANGES_MAX). */
  readonly pending: Map<number, PendingChange>;
  /** Pegged assets whose own market is beyond its band now (CollateralDepegged announced, not yet repegged). */
  readonly depegged: Set<string>;
  /** Halted (cancel-only) after a failed audit or by an operator; null while running. */
  halted: Halted | null;
  /** Accepted commands since the last periodic audit. */
  sinceAudit: number;
  /** The number the next previewed parameter change gets (not the sequence number: refused commands must not count). */
  nextChange: number;
  /** Audits run so far (offsets the audit's sample). */
  audits: number;
}

export function newGuardState(): GuardState {
  return { groups: new Map(), pending: new Map(), depegged: new Set(), halted: null, sinceAudit: 0, nextChange: 1, audits: 0 };
}

/** The account's self-trade-prevention key: its group, or its own id. '#' cannot occur in ids, so keys never collide. */
export function selfTradeKey(g: GuardState, account: string): string {
  const group = g.groups.get(account);
  return group === undefined ? account : `#${group}`;
}
