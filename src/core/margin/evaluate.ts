// Equity and requirements of an account, exactly.
//
// Cross:    equity = sum(collateral x index x weight) - sum(debt x index) + sum(uPnL) - sum(funding owed)
//           requirement = sum over cross positions of the schedule's requirement at mark
// Isolated: equity = isolated margin + uPnL - funding owed; requirement = that position's requirement
// Rounding (all against the account): position values and collateral round down, debt and funding owed round up,
// requirements round up (schedule.ts). Sources: Binance "margin balance = wallet balance + unrealized PnL",
// maintenance by brackets; dYdX v4 "TNC" (total net collateral) vs maintenance margin requirement.

import type { Account, Position } from '../account/account.js';
import {
  FUNDING_INDEX_SCALE,
  notional,
  positionValue,
  requirement,
  type AssetSpec,
  type MarketState,
  type RequirementContext,
} from '../market/index.js';
import { divRound, pow10, PPM_ONE, ppm, quote, WAD_ONE, type Ppm, type Price, type Quote } from '../units/index.js';

/** What margin needs to read from the engine's state. */
export interface MarginView {
  readonly quoteDecimals: number;
  readonly settlementAsset: string;
  /** Requirements on the position at mark, or on its cost value (see Rulebook.marginValuation). */
  readonly marginValuation: 'mark' | 'entry';
  /** Scales every requirement (1e6 = as is); a margin-call view uses 1e6 + the call buffer. */
  readonly requirementScalePpm?: Ppm;
  market(id: string): MarketState | undefined;
  asset(id: string): AssetSpec | undefined;
}

/** Evaluate as if one market's mark and index both stood at `price` (used to solve for threshold prices). */
export interface PriceOverride {
  readonly market: string;
  readonly price: Price;
}

/** A position's figures without its initial requirement: what a ledger's state (in breach or not) depends on. */
export interface MaintenanceFigures {
  readonly market: string;
  readonly mark: Price;
  /** value(size x mark), signed, rounded down. */
  readonly value: Quote;
  readonly notional: Quote;
  readonly unrealisedPnl: Quote;
  /** Funding not yet settled: positive = the position owes it. Rounded up. */
  readonly fundingOwed: Quote;
  readonly maintenance: Quote;
}

export interface PositionFigures extends MaintenanceFigures {
  readonly initial: Quote;
}

export interface CrossMaintenanceFigures {
  readonly collateral: Quote;
  readonly debt: Quote;
  readonly unrealisedPnl: Quote;
  readonly fundingOwed: Quote;
  readonly equity: Quote;
  readonly maintenance: Quote;
  readonly notional: Quote;
}

export interface CrossFigures extends CrossMaintenanceFigures {
  readonly initial: Quote;
}

export interface IsolatedMaintenanceFigures extends MaintenanceFigures {
  readonly margin: Quote;
  readonly equity: Quote;
}

export interface IsolatedFigures extends PositionFigures, IsolatedMaintenanceFigures {}

/** evaluateMaintenance's answer: evaluateAccount's without the initial requirements. */
export type MaintenanceEvaluation =
  | {
      readonly priced: true;
      readonly cross: CrossMaintenanceFigures;
      readonly positions: readonly MaintenanceFigures[];
      readonly isolated: readonly IsolatedMaintenanceFigures[];
    }
  | { readonly priced: false; readonly unpriced: readonly string[] };

export type AccountEvaluation =
  | { readonly priced: true; readonly cross: CrossFigures; readonly positions: readonly PositionFigures[]; readonly isolated: readonly IsolatedFigures[] }
  | { readonly priced: false; readonly unpriced: readonly string[] };

function markOf(state: MarketState, override: PriceOverride | undefined): Price | null {
  return override !== undefined && override.market === state.spec.id ? override.price : state.markPrice;
}

function indexOf(state: MarketState, override: PriceOverride | undefined): Price | null {
  if (override !== undefined && override.market === state.spec.id) return override.price;
  return state.indexPrice ?? state.markPrice;
}

/** The multiplier requirements are computed with: the market's volatility multiplier, x the view's scale (rounded up). */
export function volatilityMultiplierPpm(view: MarginView, state: MarketState): Ppm {
  const scale = view.requirementScalePpm;
  const multiplier = state.volatility.multiplierPpm;
  if (scale === undefined) return multiplier;
  // A multiplier of 1 (no volatility add-on: most markets most of the time) scales to the scale itself, exactly: the
  // margin-call levels' re-arms skip a bigint division each.
  return multiplier === PPM_ONE ? scale : ppm(divRound(multiplier * scale, PPM_ONE, 'ceil'));
}

export function requirementContext(view: MarginView, state: MarketState, mark: Price): RequirementContext {
  return {
    // Truncated, as dYdX converts open interest to quote quantums (liquidity_tier.go). Read only by a schedule that
    // scales the initial margin with it (requirement()): 0 for any other, not computed.
    openInterestNotional: state.spec.margin.openInterestScaling === undefined ? quote(0n) : notional(state.spec, view.quoteDecimals, state.openInterest, mark, 'trunc'),
    volatilityMultiplierPpm: volatilityMultiplierPpm(view, state),
    baseUnit: pow10(state.spec.baseDecimals),
  };
}

/** Funding a position owes since its last settlement (positive = owes), rounded up (against the account). */
export function fundingOwed(state: MarketState, position: Position): Quote {
  const delta = state.fundingIndex - position.fundingIndex;
  if (delta === 0n) return quote(0n);
  return quote(divRound(position.size * delta, pow10(state.spec.baseDecimals) * FUNDING_INDEX_SCALE, 'ceil'));
}

export function positionFigures(view: MarginView, state: MarketState, position: Position, mark: Price): PositionFigures {
  return figuresOf(view, state, position, mark, true) as PositionFigures;
}

/** positionFigures without the initial requirement (evaluateMaintenance's figures of a position). */
export function maintenanceFigures(view: MarginView, state: MarketState, position: Position, mark: Price): MaintenanceFigures {
  return figuresOf(view, state, position, mark, false);
}

/**
 * positionFigures and its maintenance-only form (no initial requirement, so neither its requirement() nor the open
 * interest's notional that only the initial one reads): one computation of both, the same maintenance (it ignores
 * the open interest: requirement()).
 */
function figuresOf(view: MarginView, state: MarketState, position: Position, mark: Price, withInitial: boolean): MaintenanceFigures | PositionFigures {
  const absSize = position.size < 0n ? -position.size : position.size;
  const value = positionValue(state.spec, view.quoteDecimals, position.size, mark, 'floor');
  const n = notional(state.spec, view.quoteDecimals, position.size, mark, 'ceil');
  const basis = requirementBasis(view, position, n);
  const market = state.spec.id;
  const unrealisedPnl = quote(value - position.entryQuote);
  const owed = fundingOwed(state, position);
  if (!withInitial) {
    const maintenance = requirement(state.spec.margin, 'maintenance', basis, absSize, maintenanceContext(view, state));
    return { market, mark, value, notional: n, unrealisedPnl, fundingOwed: owed, maintenance };
  }
  const ctx = requirementContext(view, state, mark);
  const initial = requirement(state.spec.margin, 'initial', basis, absSize, ctx);
  const maintenance = requirement(state.spec.margin, 'maintenance', basis, absSize, ctx);
  return { market, mark, value, notional: n, unrealisedPnl, fundingOwed: owed, initial, maintenance };
}

/** What a position's requirements are a ratio of: its notional at mark, or its cost (Rulebook.marginValuation). */
function requirementBasis(view: MarginView, position: Position, notionalAtMark: Quote): Quote {
  return view.marginValuation === 'entry' ? quote(position.entryQuote < 0n ? -position.entryQuote : position.entryQuote) : notionalAtMark;
}

/**
 * requirementContext for a maintenance requirement: the open interest scales the initial margin only
 * (requirement()), so it is not computed (0). Independent of the mark: a caller evaluating one position at many marks
 * (exact boundaries) builds it once.
 */
export function maintenanceContext(view: MarginView, state: MarketState): RequirementContext {
  return { openInterestNotional: quote(0n), volatilityMultiplierPpm: volatilityMultiplierPpm(view, state), baseUnit: pow10(state.spec.baseDecimals) };
}

/**
 * positionFigures(...).maintenance alone (margin calls announce it without the position's other figures). `ctx`:
 * maintenanceContext(view, state), when the caller holds it.
 */
export function positionMaintenance(view: MarginView, state: MarketState, position: Position, mark: Price, ctx: RequirementContext = maintenanceContext(view, state)): Quote {
  const absSize = position.size < 0n ? -position.size : position.size;
  const n = view.marginValuation === 'entry' ? quote(0n) : notional(state.spec, view.quoteDecimals, position.size, mark, 'ceil');
  return requirement(state.spec.margin, 'maintenance', requirementBasis(view, position, n), absSize, ctx);
}

/**
 * What a position adds to its ledger's equity at `mark`: value (rounded down) - entry - funding owed, as
 * positionFigures' unrealisedPnl - fundingOwed. The fast paths' one copy (ledgerEquity, singlePositionSlack).
 */
function positionNetPnl(view: MarginView, state: MarketState, position: Position, mark: Price): bigint {
  return positionValue(state.spec, view.quoteDecimals, position.size, mark, 'floor') + singlePositionFixedTerms(state, position, 0n);
}

/** A ledger's equity and maintenance requirement. */
export interface LedgerSlack {
  readonly equity: Quote;
  readonly maintenance: Quote;
}

/**
 * The equity and maintenance of a ledger holding one position and `cash` at `mark` (an isolated position and its
 * margin, or a cross ledger with one cross position and only settlement cash): singlePositionEquity(cash,
 * positionFigures(...)) and its maintenance, without the figures a ledger's state does not need (initial margin, open
 * interest). For the breach index's exact boundaries, which evaluate ledgers at many marks (`ctx`: see
 * positionMaintenance).
 */
export function singlePositionSlack(view: MarginView, state: MarketState, position: Position, mark: Price, cash: bigint, ctx?: RequirementContext): LedgerSlack {
  return singlePositionSlackAt(view, state, position, mark, singlePositionFixedTerms(state, position, cash), ctx);
}

/** What a single-position ledger's equity holds besides its position's value: cash - cost - funding owed. */
export function singlePositionFixedTerms(state: MarketState, position: Position, cash: bigint): bigint {
  return cash - position.entryQuote - fundingOwed(state, position);
}

/**
 * singlePositionSlack with the terms that do not move with the mark given (`fixed`: singlePositionFixedTerms): the
 * same sums, for a caller that evaluates one ledger at many marks (an exact boundary's search) and computes the
 * funding owed once.
 */
export function singlePositionSlackAt(view: MarginView, state: MarketState, position: Position, mark: Price, fixed: bigint, ctx?: RequirementContext): LedgerSlack {
  return { equity: quote(fixed + positionValue(state.spec, view.quoteDecimals, position.size, mark, 'floor')), maintenance: positionMaintenance(view, state, position, mark, ctx) };
}

/**
 * The maintenance requirement of one ledger (market null: the cross ledger; else that isolated position), as
 * evaluateAccount sums it: the cross positions' maintenance, or the isolated position's. Null when a position of the
 * ledger is unpriced or the isolated position does not exist.
 */
export function ledgerMaintenance(view: MarginView, account: Account, market: string | null): Quote | null {
  if (market !== null) {
    const position = account.positions.get(market);
    const state = view.market(market);
    const mark = state?.markPrice ?? null;
    if (position === undefined || position.isolatedMargin === null || state === undefined || mark === null) return null;
    return positionMaintenance(view, state, position, mark);
  }
  let maintenance = 0n;
  for (const position of account.positions.values()) {
    if (position.isolatedMargin !== null) continue;
    const state = view.market(position.market);
    const mark = state?.markPrice ?? null;
    if (state === undefined || mark === null) return null;
    maintenance += positionMaintenance(view, state, position, mark);
  }
  return quote(maintenance);
}

/**
 * Equity of a ledger holding one position and only settlement cash (an isolated position and its margin, or a cross
 * ledger with one cross position, settlement collateral and no debt): cash + uPnL - funding owed, as above.
 */
export function singlePositionEquity(cash: bigint, f: MaintenanceFigures): Quote {
  return quote(cash + f.unrealisedPnl - f.fundingOwed);
}

/**
 * No collateral but the settlement asset and no debt (zero amounts aside): a cross ledger valued by its cash alone.
 * keys() and get(): iterating the entries would allocate a [key, value] pair per asset; an empty borrows map is not
 * iterated (an ADL score and every exact boundary ask this).
 */
export function settlementCashOnly(account: Account, settlementAsset: string): boolean {
  for (const id of account.balances.keys()) if (id !== settlementAsset && account.balances.get(id) !== 0n) return false;
  if (account.borrows.size > 0) for (const amount of account.borrows.values()) if (amount !== 0n) return false;
  return true;
}

/**
 * The equity of one ledger (cross: market null; else the isolated position on `market`) exactly as evaluateAccount
 * computes it, without the requirements: for callers that need only the equity (an ADL score). Null when the
 * account holds collateral other than the settlement asset, any debt, or a position without a mark: then
 * evaluateAccount decides (the same sums otherwise: settlement cash + sum(value - cost) - sum(funding owed), each
 * term rounded as there).
 */
export function ledgerEquity(view: MarginView, account: Account, market: string | null): Quote | null {
  const settlement = view.settlementAsset;
  if (!settlementCashOnly(account, settlement)) return null;
  let equity: bigint | null = market === null ? (account.balances.get(settlement) ?? 0n) : null;
  for (const position of account.positions.values()) {
    const state = view.market(position.market);
    const mark = state?.markPrice ?? null;
    if (state === undefined || mark === null) return null; // evaluateAccount: unpriced
    if (market === null ? position.isolatedMargin !== null : position.market !== market) continue;
    const pnl = positionNetPnl(view, state, position, mark);
    if (market === null) equity = (equity as bigint) + pnl;
    else if (position.isolatedMargin !== null) equity = position.isolatedMargin + pnl;
  }
  return equity === null ? null : quote(equity);
}

/** Collateral value of one asset balance: balance x index x weight (x conversion rate when pegged), rounded down. */
export function collateralValue(view: MarginView, assetId: string, balance: bigint, override?: PriceOverride): Quote | null {
  if (assetId === view.settlementAsset) return quote(balance);
  const spec = view.asset(assetId);
  return spec === undefined ? null : assetValue(view, assetId, balance, spec.collateralWeightPpm, 'floor', override);
}

/** Value of a debt at the index (x conversion rate when pegged), rounded up. */
export function debtValue(view: MarginView, assetId: string, amount: bigint, override?: PriceOverride): Quote | null {
  if (assetId === view.settlementAsset) return quote(amount);
  return assetValue(view, assetId, amount, PPM_ONE, 'ceil', override);
}

/**
 * amount x index x weight of an asset, in quote atoms, with ONE division rounded as asked; null when the asset or the
 * market that prices it is unknown or unpriced. A pegged asset (AssetSpec.peg) is valued at conversion rate x the
 * index of its priceMarket, the underlying's: amount x rate / 1e18 x index.
 * The settlement asset is worth its amount (times the weight).
 */
export function assetValue(view: MarginView, assetId: string, amount: bigint, weightPpm: bigint, rounding: 'floor' | 'ceil', override?: PriceOverride): Quote | null {
  if (assetId === view.settlementAsset) return quote(divRound(amount * weightPpm, PPM_ONE, rounding));
  const spec = view.asset(assetId);
  if (spec === undefined) return null;
  const priceState = view.market(spec.priceMarket);
  if (priceState === undefined) return null;
  const px = indexOf(priceState, override);
  if (px === null) return null;
  const rate = spec.peg?.conversionRateWad ?? 1n;
  const rateScale = spec.peg === undefined ? 1n : WAD_ONE;
  const num = amount * px * weightPpm * rate * pow10(view.quoteDecimals);
  const den = PPM_ONE * rateScale * pow10(spec.decimals + priceState.spec.priceDecimals);
  return quote(divRound(num, den, rounding));
}

/**
 * An isolated position's figures: its position figures (with `initial` when evaluated with it), its margin and its
 * equity, in that key order. Written out, not as `{ ...f, margin, equity }`: V8 (Node 20) promotes the copies a spread
 * with properties added makes to the old generation at the next scavenge, though nothing refers to them, and there
 * they are garbage for a full GC to find (an evaluation of an isolated position promoted ~0.4 KB; a restore of 1M isolated accounts,
 * ~1.3 GB: docs/performance.md "2026-12-05").
 */
function isolatedFigures(f: MaintenanceFigures, margin: Quote, withInitial: boolean): IsolatedMaintenanceFigures {
  const equity = singlePositionEquity(margin, f);
  if (withInitial) {
    const initial = (f as PositionFigures).initial;
    return { market: f.market, mark: f.mark, value: f.value, notional: f.notional, unrealisedPnl: f.unrealisedPnl, fundingOwed: f.fundingOwed, initial, maintenance: f.maintenance, margin, equity } as IsolatedFigures;
  }
  return { market: f.market, mark: f.mark, value: f.value, notional: f.notional, unrealisedPnl: f.unrealisedPnl, fundingOwed: f.fundingOwed, maintenance: f.maintenance, margin, equity };
}

export function evaluateAccount(view: MarginView, account: Account, override?: PriceOverride): AccountEvaluation {
  // With the initial requirements, every figure is there (evaluate's objects carry `initial`).
  return evaluate(view, account, override, true) as AccountEvaluation;
}

/**
 * evaluateAccount without the initial requirements: the figures a ledger's state depends on (equity, maintenance,
 * each position's value and notional), the same to the atom. For the breach indexes, which evaluate accounts on every
 * re-arm and never read an initial requirement.
 */
export function evaluateMaintenance(view: MarginView, account: Account, override?: PriceOverride): MaintenanceEvaluation {
  return evaluate(view, account, override, false);
}

function evaluate(view: MarginView, account: Account, override: PriceOverride | undefined, withInitial: boolean): MaintenanceEvaluation {
  const unpriced: string[] = [];
  let collateral = 0n;
  for (const [assetId, balance] of account.balances) {
    if (balance === 0n) continue;
    const v = collateralValue(view, assetId, balance, override);
    if (v === null) unpriced.push(view.asset(assetId)?.priceMarket ?? assetId);
    else collateral += v;
  }
  let debt = 0n;
  for (const [assetId, amount] of account.borrows) {
    if (amount === 0n) continue;
    const v = debtValue(view, assetId, amount, override);
    if (v === null) unpriced.push(view.asset(assetId)?.priceMarket ?? assetId);
    else debt += v;
  }
  const positions: MaintenanceFigures[] = [];
  const isolated: IsolatedMaintenanceFigures[] = [];
  let upnl = 0n;
  let owed = 0n;
  let initial = 0n;
  let maintenance = 0n;
  let crossNotional = 0n;
  for (const position of account.positions.values()) {
    const state = view.market(position.market);
    const mark = state === undefined ? null : markOf(state, override);
    if (state === undefined || mark === null) {
      unpriced.push(position.market);
      continue;
    }
    const f = figuresOf(view, state, position, mark, withInitial);
    positions.push(f);
    if (position.isolatedMargin === null) {
      upnl += f.unrealisedPnl;
      owed += f.fundingOwed;
      if (withInitial) initial += (f as PositionFigures).initial;
      maintenance += f.maintenance;
      crossNotional += f.notional;
    } else {
      isolated.push(isolatedFigures(f, position.isolatedMargin, withInitial));
    }
  }
  if (unpriced.length > 0) return { priced: false, unpriced: [...new Set(unpriced)] };
  const equity = quote(collateral - debt + upnl - owed);
  const cross: CrossMaintenanceFigures | CrossFigures = withInitial
    ? { collateral: quote(collateral), debt: quote(debt), unrealisedPnl: quote(upnl), fundingOwed: quote(owed), equity, initial: quote(initial), maintenance: quote(maintenance), notional: quote(crossNotional) }
    : { collateral: quote(collateral), debt: quote(debt), unrealisedPnl: quote(upnl), fundingOwed: quote(owed), equity, maintenance: quote(maintenance), notional: quote(crossNotional) };
  return { priced: true, positions, isolated, cross };
}
