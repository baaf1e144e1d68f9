// A float screen of one ledger's slack (equity - maintenance), with a proven error bound: the breach index's
// re-checks of ledgers armed at slope bounds (bounds.ts) use it to skip the exact evaluation when the ledger is,
// beyond any doubt, still in the state it was armed in. Floats screen here; they decide nothing: a screen that
// cannot prove the state returns false or bounds straddling zero, and the caller evaluates the account exactly.
//
// What is bounded. evaluateAccount (margin/evaluate.ts) computes, exactly and with named roundings,
//   cross:    slack = sum(collateral floor) - sum(debt ceil) + sum(value floor - entryQuote - funding owed ceil)
//                     - sum(MM)  over the cross positions
//   isolated: slack = isolatedMargin + value floor - entryQuote - funding owed ceil - MM  of that position
// with, per position, N = ceil(|Q| m c) (c = 10^(quoteDecimals - baseDecimals - priceDecimals)), the tier t of N,
//   req1 = ceil((N r_t - A_t 1e6) / 1e6),  MM = max(0, mu == 1 ? req1 : ceil(req1 mu))   (market/schedule.ts)
// where mu = multiplierPpm / 1e6 is the integer multiplier the requirement uses (volatility x the view's scale).
// Let the "real" figures be the same expressions without the roundings (value Q m c, owed Q dF / (10^b 1e9), and
// R = N_real r_t / 1e6 - A_t with N_real = |Q| m c). Then, term by term (all in quote atoms):
//   value floor in (value - 1, value];  owed ceil in [owed, owed + 1);  collateral floor in (v - 1, v];
//   debt ceil in [d, d + 1);  settlement cash and settlement debt exact;
//   N in [N_real, N_real + 1), so req1 in [R, R + r_t/1e6 + 1) and MM in [max(0, R mu), max(0, R mu) + 2 mu + 1)
//   (ceil(x mu) < x mu + 1, r_t <= 1e6, and max(0, .) is monotone with max(0, x + d) <= max(0, x) + d for d >= 0),
// as long as t is also the tier of N_real, which the screen checks with a margin (below). So the exact slack lies
// in (real - atoms, real], atoms = sum over positions of (2 mu + 3) + 1 per valued non-settlement asset or debt.
// The screen computes the real figures in floats. Each term is a product / quotient of at most 6 operands converted
// from bigints (each conversion within 2^-53 relative) with at most 6 operations (each within 2^-53), so within
// 12 x 2^-53 < 1.4e-15 of its own magnitude; summing k terms adds at most k x 2^-53 x (sum of magnitudes). With
// k <= MAX_TERMS = 1000 the float slack is within 1.2e-13 x (sum of magnitudes) of the real one; the screen allows
// REL = 1e-12 of the magnitudes (ten times that), plus one atom, on top of the rounding atoms:
//   lower = float - REL x magnitudes - atoms - 1  <=  exact slack  <=  float + REL x magnitudes + 1 = upper.
// Tiers: the tier of N is decided in floats only when N_float is farther than REL x N_float + 2 atoms from every
// tier floor (then N_real and N, within 1.4e-15 N + 1 of it, are in the same tier); otherwise the screen gives up.
// Schedules off the plain path (maintenance fraction, an active size premium) and 'entry' valuation give up too.

import type { Account } from '../account/account.js';
import type { MarginView } from '../margin/evaluate.js';
import { volatilityMultiplierPpm } from '../margin/evaluate.js';
import { pow10f, type KeyFigures } from './bounds.js';
import type { MarginSchedule, MarginTier } from '../market/schedule.js';
import type { MarketState } from '../market/state.js';
import { FUNDING_INDEX_SCALE } from '../market/state.js';
import type { Price, Quote } from '../units/index.js';

/** Relative allowance for the float arithmetic (see the header: > 8x the proven 1.2e-13). */
const REL = 1e-12;
/** Beyond this many terms the float error bound above is not proven: the screen gives up. */
const MAX_TERMS = 1000;
const FUNDING_SCALE_F = Number(FUNDING_INDEX_SCALE);

class MutableKeyFigures implements KeyFigures {
  market = '';
  mark = 0n as Price;
  notional = 0n as Quote;
}

/** The screen's result (reused: a screen allocates nothing once its pool has grown to the account's positions). */
export class SlackScreen {
  /** Bounds on the exact slack, in quote atoms (valid when screenLedgerSlack returned true). */
  lower = 0;
  upper = 0;
  /**
   * Per position of the account, in the account's order (as evaluateAccount lists them): its market, mark, and a
   * notional in the same margin tier as its exact notional (the tier's floor + 1 atom: not its notional). What
   * computeLedgerKeys needs to arm the ledger without an exact evaluation.
   */
  readonly positions: KeyFigures[] = [];
  private readonly pool: MutableKeyFigures[] = [];

  /** @internal */
  figuresAt(k: number): MutableKeyFigures {
    let f = this.pool[k];
    if (f === undefined) {
      f = new MutableKeyFigures();
      this.pool.push(f);
      this.positions.push(f);
    }
    return f;
  }
}

function plainSchedule(schedule: MarginSchedule): boolean {
  return schedule.maintenanceFraction === undefined && (schedule.sizePremium === undefined || schedule.sizePremium.imfFactor === 0n);
}

/** A schedule's tiers as floats (floors, maintenance ratios, amounts), converted once per schedule object. */
interface FloatTiers {
  readonly floors: Float64Array;
  readonly maintenance: Float64Array;
  readonly amounts: Float64Array;
}

const floatTiers = new WeakMap<MarginSchedule, FloatTiers>();

function floatTiersOf(schedule: MarginSchedule): FloatTiers {
  let f = floatTiers.get(schedule);
  if (f === undefined) {
    const tiers = schedule.tiers;
    f = {
      floors: Float64Array.from(tiers, (t) => Number(t.notionalFloor)),
      maintenance: Float64Array.from(tiers, (t) => Number(t.maintenancePpm)),
      amounts: Float64Array.from(tiers, (t) => Number(t.maintenanceAmount)),
    };
    floatTiers.set(schedule, f);
  }
  return f;
}

/**
 * The tier of a float notional, or -1 when it is within the screen's margin of a tier floor. The floors as floats
 * are within 2^-53 relative of the exact ones, which the margin (REL x n) covers near n.
 */
function certainTier(floors: Float64Array, n: number): number {
  const margin = REL * n + 2;
  let t = 0;
  while (t + 1 < floors.length && (floors[t + 1] as number) < n) t++;
  if (t > 0 && n - margin <= (floors[t] as number)) return -1;
  if (t + 1 < floors.length && n + margin >= (floors[t + 1] as number)) return -1;
  return t;
}

/** An asset's value at its index in floats (x weight, x conversion rate), or NaN when unpriced. */
function assetValueF(view: MarginView, assetId: string, amount: bigint, weightPpm: number): number {
  const spec = view.asset(assetId);
  if (spec === undefined) return Number.NaN;
  const state = view.market(spec.priceMarket);
  const px = state === undefined ? null : (state.indexPrice ?? state.markPrice);
  if (state === undefined || px === null) return Number.NaN;
  const rate = spec.peg === undefined ? 1 : Number(spec.peg.conversionRateWad) / 1e18;
  return (((Number(amount) * Number(px) * weightPpm) / 1e6) * rate * pow10f(view.quoteDecimals - spec.decimals - state.spec.priceDecimals));
}

/**
 * Bounds on the exact slack of one ledger (ledgerMarket null: the cross ledger, else the isolated position there),
 * written to `out` with the figures computeLedgerKeys needs. False when the screen cannot bound it (an unpriced
 * market or asset, entry valuation, a schedule off the plain path, a notional at a tier floor): evaluate exactly.
 */
export function screenLedgerSlack(view: MarginView, account: Account, ledgerMarket: string | null, out: SlackScreen): boolean {
  if (view.marginValuation !== 'mark') return false;
  const settlement = view.settlementAsset;
  const cross = ledgerMarket === null;
  let slack = 0;
  let magnitude = 0;
  let atoms = 1;
  let terms = 0;
  // Every asset must be priced (evaluateAccount is unpriced otherwise); only the cross ledger counts them.
  for (const assetId of account.balances.keys()) {
    const balance = account.balances.get(assetId) as bigint;
    if (balance === 0n) continue;
    if (assetId === settlement) {
      if (!cross) continue;
      const v = Number(balance);
      slack += v;
      magnitude += Math.abs(v);
      terms++;
      continue;
    }
    const spec = view.asset(assetId);
    const v = spec === undefined ? Number.NaN : assetValueF(view, assetId, balance, Number(spec.collateralWeightPpm));
    if (Number.isNaN(v)) return false;
    if (!cross) continue;
    slack += v;
    magnitude += Math.abs(v);
    atoms += 1;
    terms++;
  }
  for (const assetId of account.borrows.keys()) {
    const amount = account.borrows.get(assetId) as bigint;
    if (amount === 0n) continue;
    const v = assetId === settlement ? Number(amount) : assetValueF(view, assetId, amount, 1e6);
    if (Number.isNaN(v)) return false;
    if (!cross) continue;
    slack -= v;
    magnitude += Math.abs(v);
    if (assetId !== settlement) atoms += 1;
    terms++;
  }
  let k = 0;
  let found = cross;
  const acc = ACC.start(slack, magnitude, atoms, terms);
  for (const position of account.positions.values()) {
    const state: MarketState | undefined = view.market(position.market);
    const mark = state === undefined ? null : state.markPrice;
    if (state === undefined || mark === null) return false;
    const figures = out.figuresAt(k++);
    figures.market = position.market;
    figures.mark = mark;
    figures.notional = 0n as Quote; // read for the ledger's own positions only (set below)
    if (cross ? position.isolatedMargin !== null : position.market !== ledgerMarket) continue;
    if (!cross && position.isolatedMargin === null) return false; // not an isolated ledger: the exact path decides
    found = true;
    if (!screenPosition(view, state, mark, Number(position.size), Number(position.entryQuote), position.fundingIndex, figures, acc)) return false;
    if (!cross) acc.add(Number(position.isolatedMargin));
  }
  if (!found) return false;
  return acc.finish(out);
}

/**
 * A cross ledger's own figures as the breach index keeps them beside its tables (a slope row): the settlement cash
 * and, per position in the account's order, its market, size, cost and funding index, as the screen reads them
 * (Number of each bigint; the funding index exact). Only for an account whose every position is in the ledger, with
 * no collateral but the settlement asset and no debt: then screenRowSlack computes what screenLedgerSlack computes
 * of the account, operation for operation (the same floats), without reading it.
 */
export class SlopeRow {
  count = 0;
  cash = 0;
  readonly markets: string[] = [];
  readonly sizes: number[] = [];
  readonly entries: number[] = [];
  readonly fundings: bigint[] = [];
}

/**
 * screenLedgerSlack of the cross ledger whose figures `row` holds (see SlopeRow), with the same result and the same
 * figures for computeRowKeys, or false where it would give up.
 */
export function screenRowSlack(view: MarginView, row: SlopeRow, out: SlackScreen): boolean {
  if (view.marginValuation !== 'mark') return false;
  const acc = ACC.start(0, 0, 1, 0);
  if (row.cash !== 0) acc.add(row.cash); // the settlement balance (screenLedgerSlack skips a zero one)
  for (let k = 0; k < row.count; k++) {
    const market = row.markets[k] as string;
    const state: MarketState | undefined = view.market(market);
    const mark = state === undefined ? null : state.markPrice;
    if (state === undefined || mark === null) return false;
    const figures = out.figuresAt(k);
    figures.market = market;
    figures.mark = mark;
    if (!screenPosition(view, state, mark, row.sizes[k] as number, row.entries[k] as number, row.fundings[k] as bigint, figures, acc)) return false;
  }
  return row.count > 0 && acc.finish(out);
}

/** The screen's running sums (one, reused: a screen allocates nothing). */
class Accumulator {
  slack = 0;
  magnitude = 0;
  atoms = 1;
  terms = 0;

  start(slack: number, magnitude: number, atoms: number, terms: number): this {
    this.slack = slack;
    this.magnitude = magnitude;
    this.atoms = atoms;
    this.terms = terms;
    return this;
  }

  /** An exact amount (settlement cash, isolated margin): one term. */
  add(v: number): void {
    this.slack += v;
    this.magnitude += Math.abs(v);
    this.terms++;
  }

  /** The bounds on the exact slack (see the header), into `out`; false when the error bound is not proven. */
  finish(out: SlackScreen): boolean {
    const { slack, magnitude, atoms, terms } = this;
    if (terms > MAX_TERMS || !Number.isFinite(slack) || !Number.isFinite(magnitude)) return false;
    const err = REL * magnitude + 1;
    out.lower = slack - err - atoms;
    out.upper = slack + err;
    return true;
  }
}

const ACC = new Accumulator();

/**
 * One position's part of the slack (value - cost - funding owed - maintenance, as the header bounds it), added to
 * `acc`, with the notional computeLedgerKeys arms it by written to `figures`; false when the screen gives up (a
 * schedule off the plain path, a notional at a tier floor). q: Number(size); entry: Number(entryQuote).
 */
function screenPosition(view: MarginView, state: MarketState, mark: Price, q: number, entry: number, fundingIndex: bigint, figures: MutableKeyFigures, acc: Accumulator): boolean {
  const spec = state.spec;
  const schedule = spec.margin;
  if (!plainSchedule(schedule)) return false;
  const m = Number(mark);
  const c = pow10f(view.quoteDecimals - spec.baseDecimals - spec.priceDecimals);
  const value = q * m * c;
  const n = Math.abs(value);
  const ft = floatTiersOf(schedule);
  const t = certainTier(ft.floors, n);
  if (t < 0) return false;
  figures.notional = (t === 0 ? 0n : (schedule.tiers[t] as MarginTier).notionalFloor + 1n) as Quote; // in tier t, as the exact notional
  const multPpm = view.requirementScalePpm === undefined ? state.volatility.multiplierPpm : volatilityMultiplierPpm(view, state);
  const mu = Number(multPpm) / 1e6;
  const nr = (n * (ft.maintenance[t] as number)) / 1e6;
  const amount = ft.amounts[t] as number;
  const mm = Math.max(0, (nr - amount) * mu);
  const delta = state.fundingIndex === fundingIndex ? 0 : Number(state.fundingIndex - fundingIndex);
  const owed = (q * delta) / (pow10f(spec.baseDecimals) * FUNDING_SCALE_F);
  acc.slack += value - entry - owed - mm;
  acc.magnitude += n + Math.abs(entry) + Math.abs(owed) + (nr + Math.abs(amount)) * mu;
  acc.atoms += 2 * mu + 3;
  acc.terms += 4;
  return true;
}
