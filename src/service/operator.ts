// The operator view (/ready and the gauges of /metrics): oracle trust per market, the liquidation backlog and the
// age of its oldest ledger, deferred and missed liquidations, the journal's head and lag. Read from the engine and
// the host between commits.

import { ledgerKey } from '../core/engine/block.js';
import type { EngineHost, HostRole } from './engine-host.js';
import { oracleTrust, type OracleTrust } from './views.js';

export interface OperatorView {
  readonly ready: boolean;
  /** The host's role (EngineHost.role): writer, standby, connecting (to its stream), stopped. */
  readonly role: HostRole;
  readonly seq: number;
  readonly engineTimeMs: number;
  readonly halted: string | null;
  readonly liquidationsPaused: boolean;
  readonly markets: readonly { readonly id: string; readonly oracle: OracleTrust; readonly breakerReasons: readonly string[]; readonly priceUpdatedMs: number }[];
  /** Ledgers in breach after the last commit. */
  readonly liquidationBacklog: number;
  /** Engine time the oldest of them has been in breach (ms); null: none in breach. */
  readonly oldestLiquidatableAgeMs: number | null;
  /** Open liquidations whose last step was deferred (a guard, a limit, a book that did not fill). */
  readonly deferredLiquidations: number;
  /** LiquidationDeferred events since the service started. */
  readonly deferralsTotal: number;
  readonly liquidationsStartedTotal: number;
  /** Ledgers in breach with no liquidation under way and nothing holding them: the engine should never leave one. */
  readonly missedLiquidations: number;
  readonly journal: { readonly head: number; readonly queueDepth: number; readonly lastCommitLagMs: number; readonly commits: number; readonly snapshotSeq: number };
}

export function operatorView(host: EngineHost): OperatorView {
  const engine = host.engine;
  const s = engine.state;
  const markets = [...s.markets.values()].map((m) => ({ id: m.spec.id, oracle: oracleTrust(m, s.timeMs), breakerReasons: [...m.price.breaker.reasons], priceUpdatedMs: m.priceUpdatedMs }));
  const backlog = host.breachBacklog();
  let deferred = 0;
  for (const e of s.enforcement.episodes.values()) if (e.deferred !== null) deferred++;
  // A ledger in breach is accounted for when a liquidation episode is open for it, or when the engine is halted or
  // paused (the waterfall's guards); anything else is missed.
  let missed = 0;
  if (s.guards.halted === null && !s.enforcement.paused) {
    for (const ref of engine.breachedLedgers()) if (!s.enforcement.episodes.has(ledgerKey(ref))) missed++;
  }
  return {
    ready: host.accepting,
    role: host.role,
    seq: engine.seq,
    engineTimeMs: s.timeMs,
    halted: s.guards.halted?.reason ?? null,
    liquidationsPaused: s.enforcement.paused,
    markets,
    liquidationBacklog: backlog.ledgers,
    oldestLiquidatableAgeMs: backlog.oldestSinceMs === null ? null : s.timeMs - backlog.oldestSinceMs,
    deferredLiquidations: deferred,
    deferralsTotal: host.stats.liquidationsDeferred,
    liquidationsStartedTotal: host.stats.liquidationsStarted,
    missedLiquidations: missed,
    journal: { head: host.durable.journal.head(), queueDepth: host.queueDepth, lastCommitLagMs: host.stats.lastCommitLagMs, commits: host.stats.commits, snapshotSeq: host.snapshotAtOrBefore(engine.seq) },
  };
}
