// The accounts nearest their thresholds, for the dashboard (GET /v1/risk/nearest). Ranking: each account's riskiest
// ledger by margin ratio (maintenance / equity, thresholds.ts marginRatioPpm: 1 = at the threshold; equity <= 0
// ranks first), from evaluateAccount's exact figures; the figures shown for the chosen accounts are the service's own
// account view (views.ts over core/engine/risk-view.ts: liquidation and bankruptcy prices, distances), so the
// dashboard shows the same numbers as GET /v1/accounts/{id}. The full risk view (with ADL ranks) is built only for
// the few accounts returned: ranking with it would cost O(holders) per position.

import { isVenueAccount, type EngineState } from '../../core/engine/state.js';
import { evaluateAccount } from '../../core/margin/evaluate.js';
import { marginRatioPpm } from '../../core/margin/thresholds.js';

/** The most accounts one request may ask for (every route's list has a bound). */
export const NEAREST_LIMIT_MAX = 100;

export interface NearestLedger {
  readonly account: string;
  /** 'cross', or the market of an isolated position: the account's ledger nearest its threshold. */
  readonly ledger: string;
  /** maintenance / equity in ppm, rounded up; null: equity <= 0 (at or past bankruptcy). */
  readonly marginRatioPpm: bigint | null;
}

/** Orders two ratios nearest-first: null (equity <= 0) before any ratio, then the larger ratio first. */
function nearerFirst(x: bigint | null, y: bigint | null): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return x > y ? -1 : x < y ? 1 : 0;
}

/**
 * The `limit` ledgers nearest their maintenance threshold, one per account (its riskiest), ties by account id.
 * Accounts with no requirement (no positions) and the venue's own accounts are left out. O(accounts) exact
 * evaluations and a sort: a query for a page refreshed every few seconds, not a path the engine runs.
 */
export function nearestLedgers(s: Readonly<EngineState>, limit: number): NearestLedger[] {
  const out: NearestLedger[] = [];
  // Read, not kept: accounts a restore has not read yet stay unread (account-table.ts).
  for (const a of s.accounts.reading()) {
    if (isVenueAccount(a.id)) continue;
    const ev = evaluateAccount(s, a);
    if (!ev.priced) continue;
    const ledgers = [
      { ledger: 'cross', equity: ev.cross.equity, maintenance: ev.cross.maintenance },
      ...ev.isolated.map((f) => ({ ledger: f.market, equity: f.equity, maintenance: f.maintenance })),
    ].filter((l) => l.maintenance > 0n);
    let riskiest: NearestLedger | null = null;
    for (const l of ledgers) {
      const ratio = marginRatioPpm(l.equity, l.maintenance);
      if (riskiest === null || nearerFirst(ratio, riskiest.marginRatioPpm) < 0) riskiest = { account: a.id, ledger: l.ledger, marginRatioPpm: ratio };
    }
    if (riskiest !== null) out.push(riskiest);
  }
  out.sort((x, y) => nearerFirst(x.marginRatioPpm, y.marginRatioPpm) || (x.account < y.account ? -1 : x.account > y.account ? 1 : 0));
  return out.slice(0, limit);
}
