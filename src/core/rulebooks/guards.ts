// Guards against the incidents that cost venues the most (issue 13; docs/guards.md): the rulebook-level settings.
// Market- and asset-level guards live in their specs (MarketSpec.openInterestCap, MarketPricing.answerBounds,
// AssetSpec.peg). Every setting has a default, used when a rulebook has no `guards` section.

import { PPM_ONE, ppm, type Ppm } from '../units/index.js';

export interface GuardRules {
  /**
   * Withdrawals and margin taken out of an isolated position must leave the ledger's equity at or above
   * max(initial margin, this share of its notional) (Hyperliquid's transfer margin requirement after 2025-03-12:
   * max(initial_margin_required, 0.1 x total_position_value)). Default 10%.
   */
  readonly transferMarginPpm: Ppm;
  /**
   * A parameter change (set_market, set_asset, set_rulebook on an existing one) that would put more ledgers than this
   * into breach waits for confirm_change (Aave 2026-03-10: a cap set 2.85% below the live rate liquidated 34
   * accounts). Default 0: any change that would liquidate anyone waits.
   */
  readonly confirmChangesAbove: number;
  /** The invariant audit runs every this many accepted commands (0: only on an `audit` command). Default 0. */
  readonly auditEveryCommands: number;
  /** Accounts the audit checks against the breach index (a deterministic sample; all when fewer). Default 64. */
  readonly auditSampleAccounts: number;
}

export const DEFAULT_GUARDS: GuardRules = {
  transferMarginPpm: ppm(100_000n),
  confirmChangesAbove: 0,
  auditEveryCommands: 0,
  auditSampleAccounts: 64,
};

/** Parameter changes that may wait for confirmation at once (a bounded queue). */
export const PENDING_CHANGES_MAX = 64;

/** The largest sample and period the validation accepts. */
const AUDIT_SAMPLE_MAX = 1_000_000;
const COUNT_MAX = 1_000_000_000;

export function validateGuardRules(g: GuardRules): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (g.transferMarginPpm < 0n || g.transferMarginPpm > PPM_ONE) out.push({ path: 'transferMarginPpm', message: 'must be in [0, 1e6]' });
  if (!Number.isSafeInteger(g.confirmChangesAbove) || g.confirmChangesAbove < 0 || g.confirmChangesAbove > COUNT_MAX) {
    out.push({ path: 'confirmChangesAbove', message: 'must be an integer in [0, 1e9]' });
  }
  if (!Number.isSafeInteger(g.auditEveryCommands) || g.auditEveryCommands < 0 || g.auditEveryCommands > COUNT_MAX) {
    out.push({ path: 'auditEveryCommands', message: 'must be an integer in [0, 1e9]' });
  }
  if (!Number.isSafeInteger(g.auditSampleAccounts) || g.auditSampleAccounts < 1 || g.auditSampleAccounts > AUDIT_SAMPLE_MAX) {
    out.push({ path: 'auditSampleAccounts', message: 'must be an integer in [1, 1e6]' });
  }
  return out;
}
