// Prometheus metrics (prom-client), on the service's own registry (several services in one process do not share
// counters). Counters follow the commits the host announces; gauges are read from the engine and the host when
// /metrics is scraped. Money gauges are floats: for dashboards only, never for a decision.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineHost } from './engine-host.js';
import { operatorView } from './operator.js';

/** Apply-time buckets (seconds): a quiet tick is microseconds, a crash tick up to seconds. */
const APPLY_BUCKETS_S = [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5];
const LAG_BUCKETS_S = [1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 5];
/** A snapshot's writing: milliseconds for a small world, a minute or more for millions of accounts. */
const SNAPSHOT_BUCKETS_S = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300];

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly streamClients: Gauge<'stream'>;
  readonly httpRejections: Counter<'code'>;
}

export function createMetrics(host: EngineHost): ServiceMetrics {
  const registry = new Registry();
  // prom-client's own names start with process_ or nodejs_: the prefix is the service's alone.
  collectDefaultMetrics({ register: registry, prefix: 'bailiff_' });
  const commands = new Counter({ name: 'bailiff_commands_total', help: 'Commands journaled, by kind', labelNames: ['kind'], registers: [registry] });
  const rejections = new Counter({ name: 'bailiff_rejections_total', help: 'Commands the engine refused (journaled), by reason code', labelNames: ['code'], registers: [registry] });
  const httpRejections = new Counter({ name: 'bailiff_http_rejections_total', help: 'Requests answered with an error, by code (nothing journaled)', labelNames: ['code'], registers: [registry] });
  const events = new Counter({ name: 'bailiff_liquidation_events_total', help: 'Liquidation-related events, by kind', labelNames: ['kind'], registers: [registry] });
  const apply = new Histogram({ name: 'bailiff_command_apply_seconds', help: "Engine apply time per command (a price command's is the tick latency), by kind", labelNames: ['kind'], buckets: APPLY_BUCKETS_S, registers: [registry] });
  const lag = new Histogram({ name: 'bailiff_commit_lag_seconds', help: 'From a batch entering the queue to its journal commit', buckets: LAG_BUCKETS_S, registers: [registry] });
  const streamClients = new Gauge({ name: 'bailiff_stream_clients', help: 'Open WebSocket streams', labelNames: ['stream'], registers: [registry] });
  streamClients.set({ stream: 'public' }, 0);
  streamClients.set({ stream: 'account' }, 0);

  const snapshots = new Counter({ name: 'bailiff_snapshots_total', help: 'Snapshots written after a capture, by outcome (written, failed)', labelNames: ['outcome'], registers: [registry] });
  const snapshotCapture = new Histogram({ name: 'bailiff_snapshot_capture_seconds', help: "A snapshot's capture: the only part of it commands wait for", buckets: LAG_BUCKETS_S, registers: [registry] });
  const snapshotWrite = new Histogram({ name: 'bailiff_snapshot_write_seconds', help: "From a snapshot's capture to its stored seal, written a slice at a time between batches", buckets: SNAPSHOT_BUCKETS_S, registers: [registry] });
  const shared = new Counter({ name: 'bailiff_stream_snapshots_total', help: "Snapshots put into the replicated journal's stream (its object store), by outcome (put, failed)", labelNames: ['outcome'], registers: [registry] });
  const sharedTime = new Histogram({ name: 'bailiff_stream_snapshot_put_seconds', help: "A snapshot's put into the stream's object store", buckets: SNAPSHOT_BUCKETS_S, registers: [registry] });
  host.observer = {
    onSnapshotShared: (outcome, seconds) => {
      shared.inc({ outcome });
      if (outcome === 'put') sharedTime.observe(seconds);
    },
    onApply: (kind, ms) => apply.observe({ kind }, ms / 1000),
    onCommit: (_n, ms) => lag.observe(ms / 1000),
    onSnapshot: (r) => {
      snapshots.inc({ outcome: r.error === undefined ? 'written' : 'failed' });
      snapshotCapture.observe(r.captureMs / 1000);
      snapshotWrite.observe(r.elapsedMs / 1000);
    },
  };
  host.bus.on('commit', ({ entries }) => {
    for (const entry of entries) {
      commands.inc({ kind: entry.command.kind });
      for (const e of entry.events) {
        if (e.kind === 'CommandRejected') rejections.inc({ code: e.reason });
        else if (e.kind.startsWith('Liquidation') || e.kind === 'MarginCall' || e.kind === 'MarginCallCleared' || e.kind === 'Deleveraged' || e.kind === 'BadDebt' || e.kind === 'InsuranceFundChanged') events.inc({ kind: e.kind });
      }
    }
  });

  const gauge = (name: string, help: string, read: () => number | null, labelNames: string[] = []): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const v = read();
        if (v !== null) this.set(v);
      },
    });
  };
  gauge('bailiff_journal_head', 'The journal head seq', () => host.engine.seq);
  gauge('bailiff_queue_depth', 'Commands waiting in the risk queue', () => host.queueDepth);
  gauge('bailiff_batches_in_flight', 'Replicated batches applied and not yet acknowledged by the stream and the local journal', () => host.batchesInFlight);
  gauge('bailiff_commit_lag_last_seconds', "The last batch's enqueue-to-commit time", () => host.stats.lastCommitLagMs / 1000);
  gauge('bailiff_liquidation_backlog', 'Ledgers in breach after the last commit', () => operatorView(host).liquidationBacklog);
  gauge('bailiff_oldest_liquidatable_age_seconds', 'Engine time the oldest ledger in breach has been in breach', () => (operatorView(host).oldestLiquidatableAgeMs ?? 0) / 1000);
  gauge('bailiff_deferred_liquidations', 'Open liquidations whose last step was deferred', () => operatorView(host).deferredLiquidations);
  gauge('bailiff_missed_liquidations', 'Ledgers in breach that no guard holds and no liquidation follows (should stay 0)', () => operatorView(host).missedLiquidations);
  gauge('bailiff_insurance_fund', 'The insurance fund, settlement asset units (float, for display)', () => Number(host.engine.state.insuranceFund) / 10 ** host.engine.state.quoteDecimals);
  new Gauge({
    name: 'bailiff_role',
    help: "1 for this process's role: writer, standby, connecting (a replicated journal not yet connected to its stream), stopped",
    labelNames: ['role'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ role: host.role }, 1);
    },
  });
  new Gauge({
    name: 'bailiff_oracle_state',
    help: "1 for each market's current oracle state (fresh, stale, clamped, breaker, unpriced)",
    labelNames: ['market', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of operatorView(host).markets) this.set({ market: m.id, state: m.oracle }, 1);
    },
  });
  return { registry, streamClients, httpRejections };
}
