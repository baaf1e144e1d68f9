// Enforcement: after every accepted command, every ledger in breach is taken down the loss waterfall of its rulebook
// (waterfall.ts), worst first, within the block's limits; then the insurance fund works off what it took over and,
// should its equity have gone below zero, what it cannot carry is deleveraged.
// Sources: DESIGN.md "The loss waterfall"; docs/enforcement.md (the table per preset and its sources).

import { emptyArray } from '../arrays.js';
import { evaluateMaintenance } from '../margin/evaluate.js';
import type { LedgerBreach, LedgerRef } from '../triggers/breach-index.js';
import type { BreachDetector } from '../triggers/detector.js';
import { abs } from '../units/index.js';
import { keyedLedger, type Block, type KeyedLedger } from './block.js';
import { absorbPendingDeficits } from './deficits.js';
import { deleverage } from './deleverage.js';
import { unwindFund } from './fund.js';
import { enforceable } from './prices.js';
import { INSURANCE_FUND, type EngineState } from './state.js';
import { bankruptcyFor, deferLedger, isHeld, isWaiting, ledgerFigures, liquidationStep } from './waterfall.js';

/** Steps one ledger may take in a block under the 'full' policy (one per position, bounded). */
const MAX_POSITIONS_PER_LEDGER_STEP = 64;

/** Passes over the ledgers in breach per block: a step can push a counterparty into breach, handled in the next pass. */
const PASSES_PER_BLOCK = 8;

/**
 * One command's enforcement: the ledgers in breach, worst first, each down the waterfall (a ledger waiting for a
 * retry is left alone); then the fund's unwind and, if it cannot carry what it holds, its deleveraging.
 *
 * While liquidations are paused nothing is stepped: each ledger in breach is only told so, once (deferred
 * 'paused'). `pauseSettled` says every earlier breach has been told: then only the ledgers this command found newly
 * in breach are looked at — the same events as a full pass, in O(new) instead of O(breached) per command (a pause
 * during a crash must not make every command re-evaluate every ledger in breach). Returns whether, after this
 * block, liquidations are paused and every ledger in breach has been told.
 */
export function enforceBlock(b: Block, index: BreachDetector, fresh: ReadonlyMap<string, LedgerBreach>, pauseSettled = false): boolean {
  absorbPendingDeficits(b);
  const handled = new Set<string>();
  const newly: LedgerRef[] | null = pauseSettled ? [...fresh.values()].filter((f) => f.newly) : null;
  // Paused and settled, nothing is stepped, so nothing changes for a second pass to find.
  const passes = newly !== null ? 1 : PASSES_PER_BLOCK;
  for (let pass = 0; pass < passes && index.breachedCount > 0; pass++) {
    const candidates = newly !== null ? newly.filter((ref) => index.isBreached(ref.account, ref.market)) : index.breached();
    const todo: KeyedLedger[] = [];
    for (const ref of candidates) {
      const ledger = keyedLedger(ref);
      if (!handled.has(ledger.key) && !isWaiting(b, ledger) && !isHeld(b, ledger)) todo.push(ledger);
    }
    if (todo.length === 0) break;
    const later = new Set<string>();
    for (const ledger of rankLedgers(b.s, todo, pass === 0 ? fresh : new Map())) {
      handled.add(ledger.key);
      stepLedger(b, index, ledger, later);
    }
    for (const id of later) index.reindex(id);
  }
  workOffFund(b);
  if (!b.s.enforcement.paused) return false;
  // A ledger waiting for a retry was not told: the next command looks at every ledger again.
  return (newly ?? index.breached()).every((ref) => !index.isBreached(ref.account, ref.market) || isHeld(b, keyedLedger(ref)));
}

/**
 * Worst first: equity / maintenance ascending, then account and ledger (a total, input-independent order). Figures
 * the index has just computed in this command are used as they are; others are evaluated.
 */
function rankLedgers(s: EngineState, refs: readonly KeyedLedger[], fresh: ReadonlyMap<string, LedgerBreach>): KeyedLedger[] {
  // equity / maintenance as the pair itself (maintenance > 0): compared by cross-multiplication, the order of the
  // reduced fractions without a gcd each.
  const ranked: { ref: KeyedLedger; equity: bigint; maintenance: bigint }[] = [];
  for (const ref of refs) {
    const known = fresh.get(ref.key);
    let figures: { equity: bigint; maintenance: bigint } | null = known ?? null;
    if (figures === null) {
      const a = s.accounts.get(ref.account);
      const ev = a === undefined ? undefined : evaluateMaintenance(s, a);
      if (ev === undefined || !ev.priced) continue;
      figures = ledgerFigures(ev, ref.market);
      if (figures === null) continue;
    }
    const { equity, maintenance } = figures;
    ranked.push({ ref, equity, maintenance: maintenance > 0n ? maintenance : 1n });
  }
  ranked.sort((x, y) => compareRatios(x.equity, x.maintenance, y.equity, y.maintenance) || (x.ref.account < y.ref.account ? -1 : x.ref.account > y.ref.account ? 1 : 0) || ((x.ref.market ?? '') < (y.ref.market ?? '') ? -1 : 1));
  return ranked.map((r) => r.ref);
}

/** a / b against c / d for b, d > 0 (Rational.cmp's cross-multiplication, without reducing either). */
function compareRatios(a: bigint, b: bigint, c: bigint, d: bigint): number {
  const l = a * d;
  const r = c * b;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Liquidates one ledger: 'full' closes the whole ledger within the block (Binance, BitMEX: every position of a
 * cross account goes); partial policies take one step per ledger per block (dYdX, Hyperliquid, Drift). The
 * liquidated account is re-armed at once (the loop asks whether it is still in breach); counterparties (a maker met
 * by every liquidation, ADL counterparts, the fund) are collected in `later` and re-armed once per pass.
 */
function stepLedger(b: Block, index: BreachDetector, ref: KeyedLedger, later: Set<string>): void {
  const s = b.s;
  const stepsPerLedger = s.rulebook.liquidation.sizing.kind === 'full' ? MAX_POSITIONS_PER_LEDGER_STEP : 1;
  for (let k = 0; k < stepsPerLedger; k++) {
    if (b.steps >= s.rulebook.liquidation.limits.maxStepsPerBlock) {
      // The block's budget is spent: the ledger is stepped in a later block (announced once).
      deferLedger(b, ref, 'block_limit', 'guard', null);
      return;
    }
    const outcome = liquidationStep(b, ref);
    if (outcome !== 'none') index.reindex(ref.account);
    for (const id of b.recent) if (id !== ref.account) later.add(id);
    emptyArray(b.recent);
    if (outcome !== 'progress' || !index.isBreached(ref.account, ref.market)) return;
  }
}

/**
 * The fund's part of the block: it works off what it took over (fund.ts unwindFund); if its equity is then below
 * zero, it cannot carry its positions: position by position, the largest maintenance requirement first, each is
 * deleveraged at its bankruptcy price (waterfall.ts bankruptcyFor, dYdX's formula: each position takes its share of
 * the deficit in proportion to its requirement), until the fund holds nothing or its equity is back at zero (Binance:
 * when the unrealised loss of the positions the fund took over exceeds the fund, counterparty liquidation).
 */
function workOffFund(b: Block): void {
  const s = b.s;
  if (s.fund.positions.size === 0) return;
  unwindFund(b);
  const method = s.rulebook.liquidation.deleverage.kind;
  if (method === 'none') return;
  for (let k = 0; k < MAX_POSITIONS_PER_LEDGER_STEP && s.fund.positions.size > 0; k++) {
    const ev = evaluateMaintenance(s, s.fund);
    if (!ev.priced || ev.cross.equity >= 0n) return;
    let worst = null as (typeof ev.positions)[number] | null;
    for (const f of ev.positions) if (worst === null || f.maintenance > worst.maintenance) worst = f;
    if (worst === null) return;
    const m = s.markets.get(worst.market);
    const position = s.fund.positions.get(worst.market);
    if (m === undefined || position === undefined || !enforceable(m)) return;
    const bp = bankruptcyFor(s, m, position, worst, ev.cross.equity, ev.cross.maintenance, abs(position.size));
    if (bp === null) return;
    const closed = deleverage(b, m, INSURANCE_FUND, position.size > 0n, abs(position.size), bp.price, method, ev.cross.equity);
    if (closed === 0n) return;
  }
}
