// The baselines a tick of the index is compared with, measured in the same process on the same state:
// - honest: the float screen (MarginScreen, typed arrays) over every ledger of the ticked market's holders, then the
//   exact evaluation of the ledgers it flags (floats screen, the exact path decides): the fastest honest alternative
//   to the index, and the one the "x faster" ratios use;
// - exact: every holder of the ticked market evaluated exactly in bigint (a slower second reference).
// The screens are built once from the state as it stands (untimed, as the index's build is); a sample then times
// only the per-tick work.

import { holdersOf, type EngineState } from '../src/core/engine/state.js';
import { evaluateAccount, type MarginView } from '../src/core/margin/evaluate.js';
import { MarginScreen } from '../src/core/margin/screen.js';
import { isBreached } from '../src/core/margin/thresholds.js';
import { elapsedMs } from './report.js';

export interface ScanResult {
  /** Mean time of one tick's scan, ms. */
  readonly meanMs: number;
  readonly samples: number;
  /** Mean ledgers scanned / flagged by the screen / confirmed in breach exactly, per tick. */
  readonly rows: number;
  readonly flagged: number;
  readonly breached: number;
}

/** `view` sets the level screened and confirmed (the state itself: maintenance; a scaled view: a margin-call level). */
export function honestScan(state: Readonly<EngineState>, markets: readonly string[], view: MarginView = state): ScanResult {
  const rule = state.rulebook.breachRule;
  let ms = 0;
  let rows = 0;
  let flagged = 0;
  let breached = 0;
  for (const market of markets) {
    const holders = [...holdersOf(state, market)].flatMap((id) => state.accounts.get(id) ?? []);
    const screen = new MarginScreen(view, state.markets.values(), holders, { isolated: true });
    const out = new Int32Array(screen.size);
    const marks = new Float64Array(state.markets.size);
    screen.flag(marks, out); // warm (the index it is compared with is warm too)
    const start = process.hrtime.bigint();
    for (const m of state.markets.values()) {
      const slot = screen.marketSlot(m.spec.id);
      if (slot !== undefined) marks[slot] = Number(m.markPrice ?? 0n);
    }
    const n = screen.flag(marks, out);
    for (let j = 0; j < n; j++) {
      const row = out[j] as number;
      const account = state.accounts.get(screen.accountIds[row] as string);
      if (account === undefined) continue;
      const ev = evaluateAccount(view, account);
      if (!ev.priced) continue;
      const ledger = screen.ledgers[row] ?? null;
      const f = ledger === null ? ev.cross : ev.isolated.find((x) => x.market === ledger);
      if (f !== undefined && isBreached(f.equity, f.maintenance, rule)) breached++;
    }
    ms += elapsedMs(start);
    rows += screen.size;
    flagged += n;
  }
  const k = Math.max(1, markets.length);
  return { meanMs: ms / k, samples: markets.length, rows: rows / k, flagged: flagged / k, breached: breached / k };
}

/** Every holder of the market evaluated exactly, every ledger tested (the slower reference). */
export function exactScan(state: Readonly<EngineState>, markets: readonly string[]): ScanResult {
  const rule = state.rulebook.breachRule;
  let ms = 0;
  let rows = 0;
  let breached = 0;
  for (const market of markets) {
    const holders = holdersOf(state, market);
    const start = process.hrtime.bigint();
    for (const id of holders) {
      const a = state.accounts.get(id);
      if (a === undefined) continue;
      const ev = evaluateAccount(state, a);
      if (!ev.priced) continue;
      rows++;
      if (isBreached(ev.cross.equity, ev.cross.maintenance, rule)) breached++;
      for (const f of ev.isolated) if (isBreached(f.equity, f.maintenance, rule)) breached++;
    }
    ms += elapsedMs(start);
  }
  const k = Math.max(1, markets.length);
  return { meanMs: ms / k, samples: markets.length, rows: rows / k, flagged: rows / k, breached: breached / k };
}

/** The exact reference over `markets`, with a check that the honest scan finds the same ledgers in breach there. */
export function exactWithCheck(state: Readonly<EngineState>, markets: readonly string[]): ScanResult & { readonly agrees: boolean } {
  const exact = exactScan(state, markets);
  return { ...exact, agrees: honestScan(state, markets).breached === exact.breached };
}

export function describeScans(honest: ScanResult, exact: (ScanResult & { readonly agrees?: boolean }) | null): string[] {
  const lines = [
    `honest baseline    : ${fmtMs(honest.meanMs)} per tick: float screen over ${Math.round(honest.rows).toLocaleString('en')} ledgers of the ticked market's holders, ` +
      `${Math.round(honest.flagged).toLocaleString('en')} flagged and confirmed exactly, ${Math.round(honest.breached)} in breach (mean of ${honest.samples} ticks)`,
  ];
  if (exact !== null) {
    lines.push(`exact reference    : ${fmtMs(exact.meanMs)} per tick: every holder evaluated exactly in bigint, ${Math.round(exact.breached)} in breach` +
      `${exact.agrees === undefined ? '' : exact.agrees ? ' (the honest scan finds the same on these ticks)' : ' (the honest scan DIFFERS on these ticks)'} (mean of ${exact.samples} ticks; a slower reference, not used for ratios)`);
  }
  return lines;
}

export function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
