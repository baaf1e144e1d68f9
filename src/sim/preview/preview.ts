// Preview mode (docs/sweeps.md "Preview"): a proposed rulebook or market change, applied to a snapshot of the live
// accounts and run down a stress path, next to the same snapshot without it: who would be liquidated, when, with which
// positions and margin, before anyone applies it. Two engines restored from one snapshot get the same price commands;
// the change itself goes through the engine's own pending-change machinery (core/engine/changes.ts: its
// ParameterChangePreviewed count is reported as the engine's exact preview at the live prices, and a change held
// pending is confirmed in the copy), so nothing here re-implements a margin rule: liquidations are the engine's own
// LiquidationStarted events.

import type { Command } from '../../core/engine/commands.js';
import type { ParameterCommand } from '../../core/engine/changes.js';
import type { EngineEvent } from '../../core/engine/events.js';
import { Engine } from '../../core/engine/engine.js';
import { isVenueAccount } from '../../core/engine/state.js';
import { divRound, formatDecimal, price, type Price } from '../../core/units/index.js';
import { SweepError } from '../sweep/errors.js';

/** A stress path: each named market's mark and index move linearly by `movePpm` of the live mark over `steps`. */
export interface StressPath {
  readonly steps: number;
  readonly stepMs: number;
  /** Market id -> the move at the last step, ppm of the live mark (-200000: a 20% fall). */
  readonly moves: ReadonlyMap<string, bigint>;
}

/** One ledger's first liquidation on the path. */
export interface PreviewLiquidation {
  readonly account: string;
  readonly ledger: string;
  /** The step it was first liquidated at (0: by the change itself, before any price moved) and its time. */
  readonly step: number;
  readonly tsMs: number;
  readonly market: string;
  /** The liquidated position's size before the step, and the mark and figures that put the ledger in breach. */
  readonly size: string;
  readonly mark: string;
  readonly equity: string;
  readonly maintenance: string;
  /** Every position the account held at the snapshot (market, size). */
  readonly positions: readonly { readonly market: string; readonly size: string }[];
}

export interface PreviewResult {
  /** The snapshot's sequence number and time. */
  readonly seq: number;
  readonly tsMs: number;
  /** What the engine's own preview said of each change at the live prices (ParameterChangePreviewed). */
  readonly enginePreview: readonly { readonly command: string; readonly target: string; readonly ledgers: number; readonly notional: string; readonly pending: boolean }[];
  readonly stress: { readonly steps: number; readonly stepMs: number; readonly moves: Readonly<Record<string, string>> };
  /** First liquidation of each ledger, in order of (step, account, ledger). */
  readonly without: readonly PreviewLiquidation[];
  readonly with: readonly PreviewLiquidation[];
  /** Ledgers liquidated with the change and not without it, and the reverse (account/ledger keys). */
  readonly onlyWithChange: readonly string[];
  readonly onlyWithoutChange: readonly string[];
  /** Ledgers liquidated both ways, but at an earlier step with the change. */
  readonly earlierWithChange: readonly string[];
}

const key = (l: { account: string; ledger: string }): string => `${l.account}/${l.ledger}`;

/** Runs the preview. `snapshot` is the live engine (not mutated: two copies are restored from its snapshot). */
export function runPreview(live: Engine, change: readonly ParameterCommand[], stress: StressPath): PreviewResult {
  const snap = live.snapshot();
  // What-if copies: a live engine between two sweeps of margin calls is copied too (EngineOptions.restoreUnsettledCalls).
  const base = Engine.restore(snap, { restoreUnsettledCalls: true });
  const proposed = Engine.restore(snap, { restoreUnsettledCalls: true });
  const t0 = Math.max(live.timeMs, ...change.map((c) => c.tsMs));
  const q = live.state.quoteDecimals;
  const marketOf = (id: string): { priceDecimals: number; baseDecimals: number; tickSize: Price; mark: Price } => {
    const m = live.market(id);
    const mark = m?.markPrice ?? m?.indexPrice ?? null;
    if (m === undefined || mark === null) throw new SweepError('preview_input_invalid', `stress.moves.${id}`, m === undefined ? `the journal lists no market ${id}` : `market ${id} has no price yet`);
    return { priceDecimals: m.spec.priceDecimals, baseDecimals: m.spec.baseDecimals, tickSize: m.spec.tickSize, mark };
  };
  const positionsAtSnapshot = (account: string): { market: string; size: string }[] =>
    [...(live.account(account)?.positions.values() ?? [])]
      .map((p) => ({ market: p.market, size: formatDecimal(p.size, live.market(p.market)?.spec.baseDecimals ?? 0) }))
      .sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));

  const found = { without: new Map<string, PreviewLiquidation>(), with: new Map<string, PreviewLiquidation>() };
  const record = (into: Map<string, PreviewLiquidation>, step: number, events: readonly EngineEvent[]): void => {
    for (const e of events) {
      if (e.kind !== 'LiquidationStarted' || isVenueAccount(e.account)) continue;
      if (into.has(key(e))) continue;
      const m = live.market(e.market);
      into.set(key(e), {
        account: e.account,
        ledger: e.ledger,
        step,
        tsMs: e.tsMs,
        market: e.market,
        size: formatDecimal(e.size, m?.spec.baseDecimals ?? 0),
        mark: formatDecimal(e.mark, m?.spec.priceDecimals ?? 0),
        equity: formatDecimal(e.equity, q),
        maintenance: formatDecimal(e.maintenance, q),
        positions: positionsAtSnapshot(e.account),
      });
    }
  };
  const applyBoth = (cmd: Command, step: number): void => {
    record(found.without, step, base.apply(cmd));
    record(found.with, step, proposed.apply(cmd));
  };

  // Step 0: the change, in the proposed copy; time passes in the other.
  const enginePreview: PreviewResult['enginePreview'][number][] = [];
  for (const cmd of change) {
    const events = proposed.apply({ ...cmd, tsMs: t0 });
    const refused = events.find((e) => e.kind === 'CommandRejected');
    if (refused !== undefined) throw new SweepError('preview_input_invalid', `change (${cmd.kind})`, `the engine refuses it: ${refused.reason}: ${refused.message}`);
    record(found.with, 0, events);
    const previewed = events.find((e) => e.kind === 'ParameterChangePreviewed');
    const pending = events.some((e) => e.kind === 'ParameterChangePending');
    if (previewed !== undefined) {
      enginePreview.push({ command: previewed.command, target: previewed.target, ledgers: previewed.ledgers, notional: formatDecimal(previewed.notional, q), pending });
    }
    if (pending && previewed !== undefined) record(found.with, 0, proposed.apply({ kind: 'confirm_change', tsMs: t0, change: previewed.change, actor: 'bailiff-preview' }));
  }
  record(found.without, 0, base.apply({ kind: 'tick', tsMs: t0 }));

  // Steps 1..n: the same prices to both. A linear move from the live mark, rounded down to the tick.
  const markets = [...stress.moves.keys()].sort();
  const specs = new Map(markets.map((id) => [id, marketOf(id)]));
  for (let step = 1; step <= stress.steps; step++) {
    const tsMs = t0 + step * stress.stepMs;
    for (const id of markets) {
      const m = specs.get(id) as ReturnType<typeof marketOf>;
      const move = stress.moves.get(id) as bigint;
      const atoms = m.mark + divRound(m.mark * move * BigInt(step), 1_000_000n * BigInt(stress.steps), 'floor');
      const onTick = divRound(atoms, m.tickSize, 'floor') * m.tickSize;
      const px = price(onTick > 0n ? onTick : m.tickSize);
      applyBoth({ kind: 'price', tsMs, market: id, mark: px, index: px }, step);
    }
  }

  const order = (a: PreviewLiquidation, b: PreviewLiquidation): number => a.step - b.step || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const without = [...found.without.values()].sort(order);
  const withChange = [...found.with.values()].sort(order);
  return {
    seq: live.seq,
    tsMs: t0,
    enginePreview,
    stress: { steps: stress.steps, stepMs: stress.stepMs, moves: Object.fromEntries(markets.map((id) => [id, formatDecimal(stress.moves.get(id) as bigint, 6)])) },
    without,
    with: withChange,
    onlyWithChange: withChange.filter((l) => !found.without.has(key(l))).map(key),
    onlyWithoutChange: without.filter((l) => !found.with.has(key(l))).map(key),
    earlierWithChange: withChange.filter((l) => (found.without.get(key(l))?.step ?? -1) > l.step).map(key),
  };
}
