// Threshold math of the breach index: from one exact evaluation of a ledger, the prices of each market it is
// exposed to beyond which it MAY have changed state (sound -> breached, or breached -> sound). Floats screen here;
// nothing is decided: a crossed threshold only sends the ledger back to the exact evaluation.
//
// Notation, per market k the ledger is exposed to (all amounts in quote atoms, prices in k's price atoms):
//   m, i        mark and index of k (the index values collateral and debt; the mark values positions)
//   Q, c        the ledger's signed size on k and c = 10^(quoteDecimals - baseDecimals - priceDecimals), so the
//               position is worth Q c m and its notional is N = |Q| c m
//   E           d(collateral - debt)/di: sum of balance x weight x scale over assets priced on k, minus debts
//   MM(N)       the maintenance requirement of the position; sigma_lo <= dMM/dN <= sigma_hi on the range where the
//               bound is used (see slopeBounds)
// The slack s = equity - maintenance moves with m through Q c m - MM(|Q| c m), whose slope lies in
// [Q c - sigma_hi |Q c|, Q c - sigma_lo |Q c|], and with i through E i. So, for moves of k's prices alone:
//   a fall of the mark by D costs at most  alpha_m D,  alpha_m = Q c - sigma_lo |Q c|
//   a rise of the mark by D costs at most  beta_m D,   beta_m  = sigma_hi |Q c| - Q c
//   a fall of the index by D costs at most E D;  a rise costs at most -E D.
// and symmetrically a rise of the mark GAINS at most alpha_m D, a fall gains at most beta_m D (and -E, E for the
// index). Mark and index move separately, so their parts are added as positive parts, never netted:
//   A_k = alpha_m+ + E+   (falls hurt / rises help),    B_k = beta_m+ + (-E)+   (rises hurt / falls help).
//
// Thresholds. Let lo0 = min(m, i) and hi0 = max(m, i) now, and low = min(m', i'), high = max(m', i') later. A fall
// of either price is at most hi0 - low and a rise at most high - lo0 (note: a DOWN threshold is anchored at the
// HIGHER of the two prices: anchoring it at the lower one would miss a mark that starts above the index and falls).
// A sound ledger with budget S (exact slack minus rounding allowances) gets, for every k,
//   down_k = hi0_k (1 - x)   if A_k > 0     (recheck when low_k  <= down_k)
//   up_k   = lo0_k (1 + x)   if B_k > 0     (recheck when high_k >= up_k)
// with one relative move x = S / sum_k (A_k hi0_k + B_k lo0_k) for all of them: the budget S is split across the
// (market, side) pairs in proportion to how much a 1% move costs there, w = A_k hi0_k / sum (weights sum to 1).
// Soundness: if no price crossed its own threshold, the loss is
//   sum_k (A_k (hi0_k - low_k)+ + B_k (high_k - lo0_k)+) < sum_k (A_k hi0_k x + B_k lo0_k x) = S,
// so the slack stays positive and the ledger is not in breach under either rule (equity > maintenance >= 0).
// A breached ledger is armed the same way for RECOVERY with budget -S and the sides swapped (rises help a long):
// until a threshold is crossed its slack stays negative, so it stays in breach; that keeps the breached set exact
// without re-evaluating breached ledgers on every tick.
//
// Maintenance slopes (slopeBounds). Within one tier MM = mult x (N R - amount) with R the tier's ratio (after the
// size premium, or initial x maintenanceFraction), so its slope is exactly mult x R: the "local" bound, valid only
// while N stays in the tier, so local thresholds are clamped to the prices where N leaves it. Across all tiers,
// a schedule whose requirement is continuous (maintenance amounts that join the tiers, no size premium, no
// multi-tier maintenanceFraction) has slopes between the lowest and highest tier ratio: the "global" bound, valid
// everywhere. When both exist the farther threshold of the two is used (both are sound on their own: local is
// tighter far from a tier floor, global never fires at a floor, which matters for positions sitting near one).
// With marginValuation 'entry' the requirement does not move with the price: slopes 0.
//
// Exactness of the floats. Budgets are shrunk (S x (1 - 1e-9) minus per-term rounding allowances for the floor /
// ceil of values, notionals, requirements and for schedule discontinuities of a few atoms); coefficients are
// inflated by 1e-12 relative plus an absolute 1e-12 on (1 -+ sigma); every threshold is then moved toward its
// anchor by 1e-9 x (anchor + distance) plus one atom, which dominates the rounding of the float arithmetic and of
// the conversion of bigint prices to floats by six orders of magnitude.

import type { Account } from '../account/account.js';
import type { Position } from '../account/account.js';
import { maintenanceContext, settlementCashOnly, singlePositionFixedTerms, singlePositionSlackAt, volatilityMultiplierPpm, type MaintenanceEvaluation, type MaintenanceFigures, type MarginView } from '../margin/evaluate.js';
import { isBreached, type BreachRule } from '../margin/thresholds.js';
import { sizedRatioPpm, tierIndexFor, type MarginSchedule, type MarginTier, type RequirementContext } from '../market/schedule.js';
import type { MarketState } from '../market/state.js';
import { pow10, PPM_ONE, price } from '../units/index.js';
import { assert } from '../assert.js';
import type { SlopeRow } from './slack-screen.js';

/** 1e6 - 1: added before a division by 1e6 that rounds up (a bigint constant made once, not at every use). */
const PPM_CEIL = PPM_ONE - 1n;

export type PricedEvaluation = Extract<MaintenanceEvaluation, { priced: true }>;

/**
 * What computeLedgerKeys reads of a position's figures: its market, its mark and its notional, which only selects
 * the margin tier (any notional in the same tier arms the same keys; slack-screen.ts passes one).
 */
export type KeyFigures = Pick<MaintenanceFigures, 'market' | 'mark' | 'notional'>;

/** What computeLedgerKeys reads of an evaluation: the figures of every position of the account, in its order. */
export interface KeyEvaluation {
  readonly positions: readonly KeyFigures[];
}

/** Relative inflation of every float coefficient (>> the few ulps of error in computing it). */
const COEF_EPS = 1e-12;
/** Relative shrink of every budget. */
const BUDGET_EPS = 1e-9;
/** Relative move of every threshold toward its anchor (plus one atom). */
const NUDGE_EPS = 1e-9;

/** What the whole schedule allows, independent of the position (cached per schedule object). */
export interface ScheduleShape {
  /** Lowest and highest maintenance slope over all tiers (fractions, before the volatility multiplier), when the
   * requirement is continuous across tiers (within `jumpAtoms`); null otherwise. */
  readonly global: { readonly lo: number; readonly hi: number } | null;
  /** Sum over tier floors of |jump| of the requirement (atoms, rounded up), plus a tier-0 maintenance amount. */
  readonly jumpAtoms: bigint;
  /**
   * When the maintenance requirement is a non-decreasing function of the notional that is positive for every
   * positive notional (no size premium, no maintenance fraction, no tier-0 maintenance amount, no downward jump at a
   * floor): the highest tier ratio and the sum of the upward jumps at the floors, both in atoms x 1e6, which bound
   * how fast it grows (exactBoundary); `jumpsCeilPpm`: jumpsPpm + 1e6 - 1, the rounding up of a growth's division by
   * 1e6 folded in once. Null otherwise.
   */
  readonly monotone: { readonly maxRatioPpm: bigint; readonly jumpsPpm: bigint; readonly jumpsCeilPpm: bigint } | null;
}

const shapes = new WeakMap<MarginSchedule, ScheduleShape>();

function premiumActive(schedule: MarginSchedule): boolean {
  return schedule.sizePremium !== undefined && schedule.sizePremium.imfFactor !== 0n;
}

/** Maintenance ratio of a tier in ppm x 1e6 (so the maintenanceFraction path stays exact). */
function tierRatioPpm2(schedule: MarginSchedule, tier: MarginTier): bigint {
  const fraction = schedule.maintenanceFraction;
  return fraction === undefined ? tier.maintenancePpm * PPM_ONE : tier.initialPpm * fraction.fractionPpm;
}

export function scheduleShape(schedule: MarginSchedule): ScheduleShape {
  const cached = shapes.get(schedule);
  if (cached !== undefined) return cached;
  const tiers = schedule.tiers;
  const ppm2 = PPM_ONE * PPM_ONE;
  let lo = Infinity;
  let hi = 0;
  let jumpNum = 0n; // atoms x 1e12
  let continuous = !premiumActive(schedule) && (schedule.maintenanceFraction === undefined || tiers.length === 1);
  tiers.forEach((t, i) => {
    const r = tierRatioPpm2(schedule, t);
    lo = Math.min(lo, Number(r) / 1e12);
    hi = Math.max(hi, Number(r) / 1e12);
    if (schedule.maintenanceFraction !== undefined) return; // no maintenance amount on this path
    if (i === 0) {
      jumpNum += (t.maintenanceAmount < 0n ? -t.maintenanceAmount : t.maintenanceAmount) * ppm2;
      return;
    }
    const prev = tiers[i - 1] as MarginTier;
    // The requirement just above the floor minus just below it: F (r_t - r_{t-1}) - (amount_t - amount_{t-1}).
    const jump = t.notionalFloor * (r - tierRatioPpm2(schedule, prev)) - (t.maintenanceAmount - prev.maintenanceAmount) * ppm2;
    jumpNum += jump < 0n ? -jump : jump;
  });
  const jumpAtoms = (jumpNum + ppm2 - 1n) / ppm2;
  // Before rounding, tier t's requirement is N r_t - A_t (atoms x 1e6). From N = F (tier t-1) to N = F + 1 (tier t) it
  // moves by r_t + J_t with J_t = F (r_t - r_{t-1}) - (A_t - A_{t-1}); inside a tier it grows by r_t per atom.
  let monotone: ScheduleShape['monotone'] = null;
  const first = tiers[0];
  if (!premiumActive(schedule) && schedule.maintenanceFraction === undefined && first !== undefined && first.maintenanceAmount === 0n && first.maintenancePpm > 0n) {
    let jumpsPpm = 0n;
    let maxRatioPpm = 0n;
    let ok = true;
    tiers.forEach((t, i) => {
      if (t.maintenancePpm > maxRatioPpm) maxRatioPpm = t.maintenancePpm;
      const prev = tiers[i - 1];
      if (prev === undefined) return;
      const jump = t.notionalFloor * (t.maintenancePpm - prev.maintenancePpm) - (t.maintenanceAmount - prev.maintenanceAmount) * PPM_ONE;
      if (t.maintenancePpm + jump < 0n) ok = false;
      else if (jump > 0n) jumpsPpm += jump;
    });
    if (ok) monotone = { maxRatioPpm, jumpsPpm, jumpsCeilPpm: jumpsPpm + PPM_CEIL };
  }
  // A handful of atoms of discontinuity (validated schedules: at most one per tier) is absorbed by the rounding
  // allowance; anything larger makes the global bound unusable.
  if (jumpAtoms > BigInt(2 * tiers.length + 2)) continuous = false;
  const shape: ScheduleShape = { global: continuous && tiers.length > 1 ? { lo, hi } : null, jumpAtoms, monotone };
  shapes.set(schedule, shape);
  return shape;
}

/** The threshold keys of one (ledger, market) entry: recheck when low <= down or high >= up. */
export interface EntryKeys {
  readonly market: string;
  /** -Infinity: no fall of this market can change the ledger's state. */
  readonly down: number;
  /** +Infinity: no rise can. */
  readonly up: number;
  /** Set when the keys are an exact boundary compared with the mark alone (crossing it is the state change). */
  readonly exact?: boolean;
}

/** One market's part of a ledger, accumulated before the thresholds are solved (pooled in a KeyBuffer). */
class Term {
  market = '';
  state: MarketState | undefined = undefined;
  lo0 = 0;
  hi0 = 0;
  // Mark part: coefficients per candidate bound (local, and global when the schedule has one), already positive.
  aLocal = 0;
  bLocal = 0;
  aGlobal = 0;
  bGlobal = 0;
  hasGlobal = false;
  /** Prices (mark) where the notional leaves its tier: local bounds only hold strictly inside. */
  clampLo = 0;
  clampHi = Infinity;
  // Index part: positive and negative contributions to E, kept apart.
  ePos = 0;
  eNeg = 0;
  // Solved per side: the weight coefficient and each candidate's coefficient.
  downW = 0;
  upW = 0;
  downLocal = 0;
  upLocal = 0;
  downGlobal = 0;
  upGlobal = 0;

  reset(market: string, state: MarketState, lo0: number, hi0: number): void {
    this.market = market;
    this.state = state;
    this.lo0 = lo0;
    this.hi0 = hi0;
    this.aLocal = 0;
    this.bLocal = 0;
    this.aGlobal = 0;
    this.bGlobal = 0;
    this.hasGlobal = false;
    this.clampLo = 0;
    this.clampHi = Infinity;
    this.ePos = 0;
    this.eNeg = 0;
  }
}

/**
 * Reusable output of computeLedgerKeys: `length` entries of (market, down, up). Also pools the working terms,
 * so arming a ledger allocates nothing of its own.
 */
export class KeyBuffer {
  length = 0;
  readonly markets: string[] = [];
  down = new Float64Array(4);
  up = new Float64Array(4);
  private readonly pool: Term[] = [];
  private used = 0;

  /** The term of `market`, started if new; null when the market is unknown or unpriced. */
  term(view: MarginView, market: string): Term | null {
    for (let i = 0; i < this.used; i++) {
      const t = this.pool[i] as Term;
      if (t.market === market) return t;
    }
    const state = view.market(market);
    if (state === undefined) return null;
    const mark = state.markPrice;
    const index = state.indexPrice ?? mark;
    if (index === null) return null;
    const m = Number(mark ?? index);
    const i = Number(index);
    if (this.used === this.pool.length) this.pool.push(new Term());
    const t = this.pool[this.used++] as Term;
    t.reset(market, state, m < i ? m : i, m < i ? i : m);
    return t;
  }

  get terms(): number {
    return this.used;
  }

  termAt(i: number): Term {
    return this.pool[i] as Term;
  }

  clear(): void {
    this.used = 0;
    this.length = 0;
  }

  push(market: string, down: number, up: number): void {
    if (this.length === this.down.length) {
      const d = new Float64Array(this.length * 2);
      d.set(this.down);
      this.down = d;
      const u = new Float64Array(this.length * 2);
      u.set(this.up);
      this.up = u;
    }
    this.markets[this.length] = market;
    this.down[this.length] = down;
    this.up[this.length] = up;
    this.length++;
  }
}

/** 10^e for |e| <= 22 from a table (exact for e >= 0, one division below). */
const POW10F = Array.from({ length: 45 }, (_, i) => (i >= 22 ? 10 ** (i - 22) : 1 / 10 ** (22 - i)));

/** 10^e as a float (e may be negative); relative error within an ulp or two. */
export function pow10f(e: number): number {
  if (e >= -22 && e <= 22) return POW10F[e + 22] as number;
  return e >= 0 ? Number(pow10(e)) : 1 / Number(pow10(-e));
}

/** alpha+ of the mark part for slope lower bound sLo (fraction, multiplier included). */
function markAlpha(qc: number, sLo: number): number {
  // alpha = Q c - sLo |Q c|: |Q c| (1 - sLo) for a long, negative for a short.
  return qc > 0 ? Math.max(0, 1 - sLo + COEF_EPS * (1 + sLo)) * qc * (1 + COEF_EPS) : 0;
}

/** beta+ of the mark part for slope upper bound sHi. */
function markBeta(qc: number, sHi: number): number {
  // beta = sHi |Q c| - Q c: |Q c| (sHi - 1) for a long, |Q c| (sHi + 1) for a short.
  if (qc === 0) return 0;
  return Math.max(0, (qc > 0 ? sHi - 1 : sHi + 1) + COEF_EPS * (1 + sHi)) * Math.abs(qc) * (1 + COEF_EPS);
}

/** Rounding allowance of one position between two exact evaluations, in quote atoms. */
function positionAllowance(schedule: MarginSchedule, multiplierPpm: bigint): bigint {
  const multCeil = (multiplierPpm + PPM_ONE - 1n) / PPM_ONE;
  const m = multCeil < 1n ? 1n : multCeil;
  // Per evaluation: value floor (1), notional ceil (<= 1 x ratio), requirement ceil (1, twice on the
  // maintenanceFraction path), multiplier ceil (1), amounts off the continuous ones (< one per tier), and, when
  // the global bound spans tier floors, the requirement's jumps there. Twice: before and after.
  const shape = scheduleShape(schedule);
  return 2n * ((shape.global === null ? 0n : shape.jumpAtoms) + BigInt(schedule.tiers.length) + 6n) * m;
}

/**
 * A schedule's per-tier figures that addPosition reads on every re-arm, computed once per schedule object (as
 * scheduleShape): each tier's maintenance ratio as a fraction (tierRatioPpm2 / 1e12, before the multiplier), and
 * whether the tier's maintenance amount can hold the requirement at zero near its floor (zeroNearFloor). Not for a
 * schedule whose size premium is active: its ratio depends on the position's size.
 */
interface TierSlopes {
  readonly ratio: Float64Array;
  readonly floorsAtZero: Uint8Array;
  /** positionAllowance by multiplier (ppm): a handful of multipliers per schedule. */
  readonly allowances: Map<bigint, bigint>;
}

const tierSlopes = new WeakMap<MarginSchedule, TierSlopes>();

function tierSlopesOf(schedule: MarginSchedule): TierSlopes {
  let slopes = tierSlopes.get(schedule);
  if (slopes === undefined) {
    const tiers = schedule.tiers;
    slopes = {
      ratio: Float64Array.from(tiers, (tier) => Number(tierRatioPpm2(schedule, tier)) / 1e12),
      floorsAtZero: Uint8Array.from(tiers, (tier) => (schedule.maintenanceFraction === undefined && zeroNearFloor(tier, tierRatioPpm2(schedule, tier)) ? 1 : 0)),
      allowances: new Map(),
    };
    tierSlopes.set(schedule, slopes);
  }
  return slopes;
}

/** A positive maintenance amount can hold the requirement at zero near the tier's floor, where its slope is 0. */
function zeroNearFloor(tier: MarginTier, ratioPpm2: bigint): boolean {
  return tier.maintenanceAmount > 0n && tier.notionalFloor * ratioPpm2 <= tier.maintenanceAmount * PPM_ONE * PPM_ONE;
}

/** positionAllowance, remembered per schedule and multiplier. */
function allowanceOf(schedule: MarginSchedule, multiplierPpm: bigint): bigint {
  const allowances = tierSlopesOf(schedule).allowances;
  let a = allowances.get(multiplierPpm);
  if (a === undefined) {
    a = positionAllowance(schedule, multiplierPpm);
    if (allowances.size < 64) allowances.set(multiplierPpm, a);
  }
  return a;
}

/**
 * One position's part of a ledger's terms. q: Number(size); absSize: |size|, read only under an active size premium
 * (null from a slope row, which the screen keeps to plain schedules).
 */
function addPosition(buf: KeyBuffer, view: MarginView, figures: KeyFigures, q: number, absSize: bigint | null): bigint {
  const term = buf.term(view, figures.market);
  if (term === null || term.state === undefined) return 0n;
  const state = term.state;
  const spec = state.spec;
  const schedule = spec.margin;
  const qc = q * pow10f(view.quoteDecimals - spec.baseDecimals - spec.priceDecimals);
  // The multiplier the requirement is computed with (the market's volatility multiplier, scaled as the view
  // scales requirements, e.g. a margin-call view).
  const multPpm = volatilityMultiplierPpm(view, state);
  const mult = Number(multPpm) / 1e6;
  if (view.marginValuation === 'entry') {
    // The requirement is taken on the cost value: it does not move with the price.
    const a = markAlpha(qc, 0);
    const b = markBeta(qc, 0);
    term.aLocal += a;
    term.bLocal += b;
    term.aGlobal += a;
    term.bGlobal += b;
    return allowanceOf(schedule, multPpm);
  }
  const tiers = schedule.tiers;
  const t = tierIndexFor(schedule, figures.notional);
  const tier = tiers[t] as MarginTier;
  // Local slope: the tier's own ratio, after the size premium (which depends on the size, not the price). Without an
  // active premium the tier's figures are the schedule's own, taken from its table (no bigint arithmetic per re-arm).
  let ratio: number;
  let floorsAtZero: boolean;
  if (premiumActive(schedule) && schedule.sizePremium !== undefined && schedule.maintenanceFraction === undefined) {
    assert(absSize !== null, 'addPosition: a size premium needs the exact size');
    const ratioPpm2 = sizedRatioPpm(tier.maintenancePpm, schedule.sizePremium, absSize, pow10(spec.baseDecimals)) * PPM_ONE;
    ratio = Number(ratioPpm2) / 1e12;
    floorsAtZero = zeroNearFloor(tier, ratioPpm2);
  } else {
    const slopes = tierSlopesOf(schedule);
    ratio = slopes.ratio[t] as number;
    floorsAtZero = slopes.floorsAtZero[t] === 1;
  }
  const r = ratio * mult;
  const aLocal = markAlpha(qc, floorsAtZero ? 0 : r);
  const bLocal = markBeta(qc, r);
  term.aLocal += aLocal;
  term.bLocal += bLocal;
  if (tiers.length > 1) {
    const absQc = Math.abs(qc);
    // N = |Q| c m leaves the tier when it falls to the floor (tier t needs N > floor) or rises above the next floor.
    const lo = t === 0 ? 0 : Number(tier.notionalFloor) / absQc;
    const next = tiers[t + 1];
    const hi = next === undefined ? Infinity : Number(next.notionalFloor) / absQc;
    term.clampLo = Math.max(term.clampLo, lo);
    term.clampHi = Math.min(term.clampHi, hi);
  }
  const global = scheduleShape(schedule).global;
  if (global !== null) {
    term.aGlobal += markAlpha(qc, global.lo * mult);
    term.bGlobal += markBeta(qc, global.hi * mult);
    term.hasGlobal = true;
  } else {
    term.aGlobal += aLocal;
    term.bGlobal += bLocal;
  }
  return allowanceOf(schedule, multPpm);
}

/** An asset balance (sign = +1) or debt (sign = -1) priced off a market's index. Returns its rounding allowance. */
function addAsset(buf: KeyBuffer, view: MarginView, assetId: string, amount: bigint, sign: 1 | -1): bigint {
  if (amount === 0n || assetId === view.settlementAsset) return 0n;
  const spec = view.asset(assetId);
  if (spec === undefined) return 0n;
  const term = buf.term(view, spec.priceMarket);
  if (term === null || term.state === undefined) return 0n;
  const scale = pow10f(view.quoteDecimals - spec.decimals - term.state.spec.priceDecimals);
  const weight = sign === 1 ? Number(spec.collateralWeightPpm) / 1e6 : 1;
  // A pegged asset is worth conversion rate x the underlying's index (evaluate.ts assetValue).
  const rate = spec.peg === undefined ? 1 : Number(spec.peg.conversionRateWad) / 1e18;
  const e = sign * Number(amount) * weight * rate * scale;
  if (e > 0) term.ePos += e;
  else term.eNeg -= e;
  return 4n;
}

/** The markets whose prices a ledger's figures depend on (one rule for the whole core: margin/dependencies.ts). */
export { ledgerMarkets } from '../margin/dependencies.js';

/** Distance a candidate with coefficient `cand` may travel on a budget share `w x anchor` (x: the relative move). */
function distance(x: number, w: number, cand: number, anchor: number): number {
  return cand <= 0 || w <= 0 ? Infinity : (x * anchor * w) / cand;
}

/**
 * The thresholds of one ledger from an exact evaluation of its account, written to `out`: for each market it is
 * exposed to, the prices beyond which its state (breached or not, by `breached`) may have changed. `slack` =
 * equity - maintenance of the ledger, exactly. `ledgerMarket` null = the cross ledger, else the isolated position
 * on that market.
 */
export function computeLedgerKeys(
  view: MarginView,
  account: Account,
  ev: KeyEvaluation,
  ledgerMarket: string | null,
  breached: boolean,
  slack: bigint,
  out: KeyBuffer,
): void {
  out.clear();
  let allowance = 0n;
  let k = 0;
  for (const position of account.positions.values()) {
    // ev.positions lists the account's positions in the same order (the evaluation is priced: none skipped).
    const figures = ev.positions[k++];
    if (figures === undefined || figures.market !== position.market) continue;
    if (ledgerMarket === null ? position.isolatedMargin !== null : position.market !== ledgerMarket) continue;
    const absSize = position.size < 0n ? -position.size : position.size;
    allowance += addPosition(out, view, figures, Number(position.size), absSize);
  }
  if (ledgerMarket === null) {
    // keys() and get(): iterating entries would allocate a [key, value] pair per asset.
    for (const assetId of account.balances.keys()) allowance += addAsset(out, view, assetId, account.balances.get(assetId) as bigint, 1);
    for (const assetId of account.borrows.keys()) allowance += addAsset(out, view, assetId, account.borrows.get(assetId) as bigint, -1);
  }
  solveKeys(out, breached, slack, allowance);
}

/**
 * computeLedgerKeys of the cross ledger whose figures a slope row holds (slack-screen.ts SlopeRow: every position of
 * the account in the ledger, settlement cash only, no debt), from the screen's figures: the same terms in the same
 * order, so the same keys, without reading the account.
 */
export function computeRowKeys(view: MarginView, row: SlopeRow, ev: KeyEvaluation, breached: boolean, slack: bigint, out: KeyBuffer): void {
  out.clear();
  let allowance = 0n;
  for (let k = 0; k < row.count; k++) {
    const figures = ev.positions[k];
    if (figures === undefined || figures.market !== row.markets[k]) continue;
    allowance += addPosition(out, view, figures, row.sizes[k] as number, null);
  }
  solveKeys(out, breached, slack, allowance);
}

/** The thresholds from the terms in `out`, the exact slack and the rounding allowance (computeLedgerKeys' second half). */
function solveKeys(out: KeyBuffer, breached: boolean, slack: bigint, allowance: bigint): void {
  const n = out.terms;
  if (n === 0) return;

  // Budget: what the exact slack can absorb (sound) or must regain (breached), less the rounding allowances.
  const budgetAtoms = (breached ? -slack : slack) - allowance;
  const budget = budgetAtoms > 0n ? Number(budgetAtoms) * (1 - BUDGET_EPS) : 0;

  // Per term and side: the coefficient of the side that hurts (sound) or helps (breached), for each candidate.
  // "down" is the side compared against the low price, "up" against the high price.
  let weightSum = 0;
  for (let j = 0; j < n; j++) {
    const t = out.termAt(j);
    const eA = Math.max(0, t.ePos * (1 + COEF_EPS) - t.eNeg * (1 - COEF_EPS));
    const eB = Math.max(0, t.eNeg * (1 + COEF_EPS) - t.ePos * (1 - COEF_EPS));
    // A sound ledger is hurt by falls through A and by rises through B; a breached one is helped by rises through
    // A and by falls through B.
    t.downLocal = (breached ? t.bLocal : t.aLocal) + (breached ? eB : eA);
    t.upLocal = (breached ? t.aLocal : t.bLocal) + (breached ? eA : eB);
    t.downGlobal = (breached ? t.bGlobal : t.aGlobal) + (breached ? eB : eA);
    t.upGlobal = (breached ? t.aGlobal : t.bGlobal) + (breached ? eA : eB);
    t.downW = Math.max(t.downLocal, t.hasGlobal ? t.downGlobal : 0);
    t.upW = Math.max(t.upLocal, t.hasGlobal ? t.upGlobal : 0);
    weightSum += t.downW * t.hi0 + t.upW * t.lo0;
  }
  // One relative move for every (market, side): x = budget / sum(coefficient x anchor).
  const x = weightSum > 0 ? budget / weightSum : Infinity;

  for (let j = 0; j < n; j++) {
    const t = out.termAt(j);
    // DOWN: farther (lower) of the local threshold (clamped at the tier floor) and the global one.
    let down = Math.max(t.hi0 - distance(x, t.downW, t.downLocal, t.hi0), t.clampLo > 0 ? t.clampLo : -Infinity);
    if (t.hasGlobal) down = Math.min(down, t.hi0 - distance(x, t.downW, t.downGlobal, t.hi0));
    let up = Math.min(t.lo0 + distance(x, t.upW, t.upLocal, t.lo0), t.clampHi);
    if (t.hasGlobal) up = Math.max(up, t.lo0 + distance(x, t.upW, t.upGlobal, t.lo0));
    // Toward the anchor: float error may make a threshold early, never late.
    if (down !== -Infinity) down += NUDGE_EPS * (t.hi0 + Math.abs(t.hi0 - down)) + 1;
    if (up !== Infinity) up -= NUDGE_EPS * (t.lo0 + Math.abs(up - t.lo0)) + 1;
    // Prices are at least one atom: a DOWN threshold below that can never fire.
    if (down < 1) down = -Infinity;
    out.push(t.market, down, up);
  }
}

/** computeLedgerKeys as a list (tests, dashboards). */
export function ledgerKeys(
  view: MarginView,
  account: Account,
  ev: PricedEvaluation,
  ledgerMarket: string | null,
  breached: boolean,
  slack: bigint,
): EntryKeys[] {
  const buf = new KeyBuffer();
  computeLedgerKeys(view, account, ev, ledgerMarket, breached, slack, buf);
  const out: EntryKeys[] = [];
  for (let i = 0; i < buf.length; i++) out.push({ market: buf.markets[i] as string, down: buf.down[i] as number, up: buf.up[i] as number });
  return out;
}

// ---- Exact boundaries: ledgers whose state is a monotone function of one mark ----
//
// A ledger holding one position and only settlement cash (an isolated position; a cross ledger with one cross
// position, settlement collateral and no debt) has, at mark p (integer price atoms),
//   slack(p) = cash - cost - funding owed + value(p) - MM(N(p)),   value = floor(Q p c), N = ceil(|Q| p c),
// with nothing else moving it. When MM is non-decreasing in N and positive (ScheduleShape.monotone), a short's
// slack falls with every atom the mark rises; a long's rises as long as one atom of price adds at least as much
// value (>= floor(|Q| c)) as it can add requirement (<= ceil(ceil((ceil(|Q| c) x r_max + jumps) / 1e6) x mult
// / 1e6), each ceiling being one of requirement()'s roundings; checked exactly below). Then, with MM > 0, the ledger
// is in breach exactly on one side of a boundary price: a long at marks <= B (its liquidation price), a short at
// marks >= B; the boundary is found by exact evaluations (a float estimate from the closed form LP = p - slack /
// slope, then galloping and bisection on the integer grid), so crossing it IS the state change. Marginal funding,
// schedule, multiplier and cash changes re-arm the ledger (the index's contract).

/** The boundary of a ledger whose state depends on one market's mark alone, monotonically. */
export interface ExactBoundary {
  readonly market: string;
  readonly long: boolean;
  /** Long: the highest mark in breach (0: none). Short: the lowest mark in breach. Price atoms, < 2^53. */
  readonly boundary: number;
  /** The ledger's one position and its cash (isolated margin, or the cross ledger's settlement balance), as evaluated. */
  readonly position: Position;
  readonly cash: bigint;
}

/**
 * Whether a ledger with exact boundary `b` is in breach at `mark`: a long is at or below its highest mark in breach, a
 * short at or above its lowest. Exact: the ledger's state is a monotone function of the mark wherever exactBoundaryOf
 * finds a boundary, and the boundary is where its exact evaluations say the state turns.
 */
export function breachedAt(b: ExactBoundary, mark: bigint): boolean {
  return b.long ? mark <= BigInt(b.boundary) : mark >= BigInt(b.boundary);
}

/** Exact evaluations one boundary may take before the ledger is left to the slope bounds. */
const MAX_BOUNDARY_EVALUATIONS = 80;

/** The single position and cash of a ledger eligible for an exact boundary, or null. */
function singlePositionLedger(view: MarginView, account: Account, ledgerMarket: string | null): { position: Position; cash: bigint } | null {
  if (ledgerMarket !== null) {
    const p = account.positions.get(ledgerMarket);
    return p === undefined || p.isolatedMargin === null ? null : { position: p, cash: p.isolatedMargin };
  }
  let position: Position | null = null;
  for (const p of account.positions.values()) {
    if (p.isolatedMargin !== null) continue;
    if (position !== null) return null;
    position = p;
  }
  if (position === null) return null;
  if (!settlementCashOnly(account, view.settlementAsset)) return null;
  return { position, cash: account.balances.get(view.settlementAsset) ?? 0n };
}

/**
 * The exact boundary of a ledger (ledgerMarket null: the cross ledger) when its state is a monotone function of one
 * mark (see above), else null. `breached` and `slack` are the ledger's exact state and equity - maintenance now.
 */
export function exactBoundary(
  view: MarginView,
  account: Account,
  ledgerMarket: string | null,
  rule: BreachRule,
  breached: boolean,
  slack: bigint,
): ExactBoundary | null {
  if (view.marginValuation !== 'mark') return null;
  const ledger = singlePositionLedger(view, account, ledgerMarket);
  if (ledger === null) return null;
  return exactBoundaryOf(view, ledger.position, ledger.cash, rule, breached, slack);
}

/**
 * exactBoundary of a ledger given its one position and its cash (what singlePositionLedger finds in the account; the
 * breach index passes its exact row, the cost basis folded into the cash). `breached` and `slack` as exactBoundary's,
 * or both null when the caller has not evaluated the ledger: the search then starts from the slack estimated in floats
 * (the start only: the exact evaluations decide wherever it starts), and the ledger's state now follows from the
 * boundary (breachedAt): one exact evaluation fewer for a caller that evaluated the ledger only to find its boundary.
 * `context`: maintenanceContext(view, the position's market), when the caller has built it (the same at every mark).
 */
export function exactBoundaryOf(view: MarginView, position: Position, cash: bigint, rule: BreachRule, breached: boolean | null, slack: bigint | null, context?: RequirementContext): ExactBoundary | null {
  if (view.marginValuation !== 'mark') return null;
  const state = view.market(position.market);
  const mark = state?.markPrice ?? null;
  if (state === undefined || mark === null) return null;
  const shape = scheduleShape(state.spec.margin).monotone;
  if (shape === null) return null;
  const ctx = context ?? maintenanceContext(view, state); // the same at every mark
  const multPpm = ctx.volatilityMultiplierPpm;
  if (multPpm <= 0n) return null;
  const long = position.size > 0n;
  const shift = state.spec.baseDecimals + state.spec.priceDecimals - view.quoteDecimals;
  const scale = pow10(shift < 0 ? -shift : shift);
  if (long) {
    const absSize = position.size;
    const valueLo = shift <= 0 ? absSize * scale : absSize / scale; // value (and notional) per price atom, at least
    const valueHi = shift <= 0 ? valueLo : (absSize + scale - 1n) / scale; // ... and at most
    const grow = (valueHi * shape.maxRatioPpm + shape.jumpsCeilPpm) / PPM_ONE;
    const growMax = multPpm === PPM_ONE ? grow : (grow * multPpm + PPM_CEIL) / PPM_ONE;
    if (valueLo < growMax) return null;
  }
  const fixed = singlePositionFixedTerms(state, position, cash); // cash - cost - funding owed: the same at every mark
  let evaluations = 0;
  const bad = (p: number): boolean => {
    evaluations++;
    const f = singlePositionSlackAt(view, state, position, price(BigInt(p)), fixed, ctx);
    return isBreached(f.equity, f.maintenance, rule);
  };
  // Estimate from the closed form at the current tier: slack falls to zero at p - slack / slope.
  const m0 = Number(mark);
  const c = shift <= 0 ? Number(scale) : 1 / Number(scale);
  const tiers = state.spec.margin.tiers;
  const q = Number(position.size) * c;
  const tierNow = tierIndexFor(state.spec.margin, BigInt(Math.floor(Math.abs(q) * m0))); // the notional now, estimated
  const tier = tiers[tierNow] as MarginTier;
  const mult = Number(multPpm) / 1e6;
  const slope = q - (Number(tier.maintenancePpm) / 1e6) * mult * Math.abs(q);
  const maintenanceNow = (Math.abs(q) * m0 * (Number(tier.maintenancePpm) / 1e6) - Number(tier.maintenanceAmount)) * mult;
  // Equity - maintenance now: the caller's exact figure, or estimated on the same line (value, cost, funding owed).
  const slackNow = slack !== null ? Number(slack) : Number(fixed) + q * m0 - maintenanceNow;
  let guess = slope === 0 ? m0 : Math.round(m0 - slackNow / slope);
  // The closed form holds within one tier. When the guess lies in another (a short's notional growing past a tier
  // floor before its boundary), solve again on that tier's line, MM(p) = (|q| p r - amount) x mult, through the
  // maintenance now: slack(p) = slack - q m0 - MM(m0) + q p - MM(p) = 0. A float estimate only: the search starts
  // next to the boundary instead of galloping back across the tier; the exact search below decides wherever it starts.
  for (let round = 0, at = tierNow; round < 4 && Number.isFinite(guess) && guess >= 1; round++) {
    const t = tierIndexFor(state.spec.margin, BigInt(Math.floor(Math.abs(q) * guess)));
    if (t === at) break;
    at = t;
    const other = tiers[t] as MarginTier;
    const otherSlope = q - (Number(other.maintenancePpm) / 1e6) * mult * Math.abs(q);
    if (otherSlope === 0) break;
    guess = Math.round((q * m0 - slackNow - maintenanceNow - Number(other.maintenanceAmount) * mult) / otherSlope);
  }
  if (!Number.isFinite(guess) || guess < 1) guess = 1;
  if (guess > Number.MAX_SAFE_INTEGER / 4) return null;
  // The ledger's state now, when known, pins one side of the search.
  if (breached !== null) {
    if (long ? breached && guess < m0 : !breached && guess < m0) guess = m0;
    if (long ? !breached && guess >= m0 : breached && guess > m0) guess = Math.max(1, m0 - 1);
  }
  const limit = Number.MAX_SAFE_INTEGER / 4;
  // Long: the highest bad price; short: the lowest. lo/hi bracket the boundary with bad(lo) for a long, bad(hi) for
  // a short.
  let lo: number;
  let hi: number;
  if (long) {
    if (bad(guess)) {
      lo = guess;
      let step = 1;
      hi = lo + step;
      while (bad(hi)) {
        if (evaluations > MAX_BOUNDARY_EVALUATIONS || hi > limit) return null;
        lo = hi;
        step *= 2;
        hi = lo + step;
      }
    } else {
      hi = guess;
      let step = 1;
      lo = hi - step;
      for (;;) {
        if (lo < 1) {
          if (!bad(1)) return { market: position.market, long, position, cash, boundary: 0 };
          lo = 1;
          break;
        }
        if (bad(lo)) break;
        if (evaluations > MAX_BOUNDARY_EVALUATIONS) return null;
        hi = lo;
        step *= 2;
        lo = hi - step;
      }
    }
    while (hi - lo > 1) {
      if (evaluations > MAX_BOUNDARY_EVALUATIONS) return null;
      const mid = Math.floor((lo + hi) / 2);
      if (bad(mid)) lo = mid;
      else hi = mid;
    }
    return { market: position.market, long, position, cash, boundary: lo };
  }
  if (bad(guess)) {
    hi = guess;
    let step = 1;
    lo = hi - step;
    for (;;) {
      if (lo < 1) {
        if (bad(1)) return { market: position.market, long, position, cash, boundary: 1 };
        lo = 1;
        break;
      }
      if (!bad(lo)) break;
      if (evaluations > MAX_BOUNDARY_EVALUATIONS) return null;
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
  } else {
    lo = guess;
    let step = 1;
    hi = lo + step;
    while (!bad(hi)) {
      if (evaluations > MAX_BOUNDARY_EVALUATIONS || hi > limit) return null;
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
  }
  while (hi - lo > 1) {
    if (evaluations > MAX_BOUNDARY_EVALUATIONS) return null;
    const mid = Math.floor((lo + hi) / 2);
    if (bad(mid)) hi = mid;
    else lo = mid;
  }
  return { market: position.market, long, position, cash, boundary: hi };
}
