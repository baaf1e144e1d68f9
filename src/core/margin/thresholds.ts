// Thresholds: breach tests, margin ratio, liquidation and bankruptcy prices, health factor.

import type { Account, Position } from '../account/account.js';
import { divRound, PPM_ONE, price, quote, WAD_ONE, type Price, type Quote, type Wad } from '../units/index.js';
import { assetValue, evaluateAccount, type MarginView, type PriceOverride } from './evaluate.js';

/**
 * When an account is in breach of maintenance.
 * - 'at_or_below': equity <= maintenance (Binance / Bybit: margin ratio reaches 100%).
 * - 'below': equity < maintenance (dYdX v4: TNC < MMR).
 * Either way an account with negative equity is in breach even with no requirement left (bad debt).
 */
export type BreachRule = 'at_or_below' | 'below';

export function isBreached(equity: bigint, maintenance: bigint, rule: BreachRule): boolean {
  if (equity < 0n) return true;
  if (maintenance === 0n) return false;
  return rule === 'below' ? equity < maintenance : equity <= maintenance;
}

/** Binance's margin ratio = maintenance / margin balance, ppm, rounded up; null when equity <= 0 (infinite). */
export function marginRatioPpm(equity: bigint, maintenance: bigint): bigint | null {
  if (equity <= 0n) return maintenance === 0n && equity === 0n ? 0n : null;
  return divRound(maintenance * PPM_ONE, equity, 'ceil');
}

/** Which ledger of the account a threshold is about: its cross margin or one isolated position. */
function slackAt(view: MarginView, account: Account, position: Position, override: PriceOverride): { equity: bigint; maintenance: bigint } | null {
  const ev = evaluateAccount(view, account, override);
  if (!ev.priced) return null;
  if (position.isolatedMargin === null) return { equity: ev.cross.equity, maintenance: ev.cross.maintenance };
  const iso = ev.isolated.find((f) => f.market === position.market);
  return iso === undefined ? null : { equity: iso.equity, maintenance: iso.maintenance };
}

const MAX_DOUBLINGS = 256;

/**
 * Finds the boundary price of a monotone predicate `bad(p)` over positive integer prices.
 * direction 'down': bad for low prices; returns the highest p with bad(p). 'up': bad for high prices; returns the
 * lowest p with bad(p). Null when no positive price is bad. Bisection: O(log p) evaluations.
 */
export function boundaryPrice(bad: (p: bigint) => boolean, direction: 'down' | 'up', start: bigint): Price | null {
  let p0 = start < 1n ? 1n : start;
  if (direction === 'down') {
    let lo: bigint;
    let hi: bigint;
    if (bad(p0)) {
      lo = p0;
      hi = p0 * 2n;
      let n = 0;
      while (bad(hi)) {
        lo = hi;
        hi *= 2n;
        if (++n > MAX_DOUBLINGS) return price(lo);
      }
    } else {
      if (!bad(1n)) return null;
      lo = 1n;
      hi = p0;
    }
    // invariant: bad(lo), !bad(hi)
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (bad(mid)) lo = mid;
      else hi = mid;
    }
    return price(lo);
  }
  let lo: bigint;
  let hi: bigint;
  if (bad(p0)) {
    if (bad(1n)) return price(1n);
    lo = 1n;
    hi = p0;
  } else {
    lo = p0;
    hi = p0 * 2n;
    let n = 0;
    while (!bad(hi)) {
      lo = hi;
      hi *= 2n;
      if (++n > MAX_DOUBLINGS) return null;
    }
  }
  // invariant: !bad(lo), bad(hi)
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (bad(mid)) hi = mid;
    else lo = mid;
  }
  p0 = hi;
  return price(p0);
}

/**
 * Which way a market's price must move to hurt the ledger holding `position`: compares the slack at the current
 * price and at twice it. Returns null when the slack does not depend on this price.
 */
function adverseDirection(view: MarginView, account: Account, position: Position, current: bigint): 'down' | 'up' | null {
  const here = slackAt(view, account, position, { market: position.market, price: price(current) });
  const above = slackAt(view, account, position, { market: position.market, price: price(current * 2n) });
  if (here === null || above === null) return null;
  const s0 = here.equity - here.maintenance;
  const s1 = above.equity - above.maintenance;
  if (s1 > s0) return 'down';
  if (s1 < s0) return 'up';
  return null;
}

export type ThresholdKind = 'liquidation' | 'bankruptcy';

/**
 * The mark price of `market` at which the account (its cross margin, or the isolated position) reaches its
 * threshold, all other prices standing still; the market's index moves with its mark.
 * - liquidation: the last price (in the adverse direction) at which the account is in breach by `rule`;
 *   for a long, the highest breached price; for a short, the lowest.
 * - bankruptcy: the price at which equity reaches zero; for a long the lowest price with equity >= 0, for a
 *   short the highest, so closing at it never leaves a loss (rounded in the venue's favour).
 * Null when no price reaches it (e.g. a long fully backed by stable collateral never goes bankrupt above zero).
 * Exact: bisection on the integer price grid with exact evaluations (DESIGN: "floats may screen, never decide").
 */
export function thresholdPrice(
  view: MarginView,
  account: Account,
  market: string,
  kind: ThresholdKind,
  rule: BreachRule,
): Price | null {
  const position = account.positions.get(market);
  const state = view.market(market);
  if (position === undefined || state === undefined || state.markPrice === null) return null;
  const current = state.markPrice;
  const direction = adverseDirection(view, account, position, current);
  if (direction === null) return null;
  if (kind === 'liquidation') {
    const bad = (p: bigint): boolean => {
      const s = slackAt(view, account, position, { market, price: price(p) });
      return s !== null && isBreached(s.equity, s.maintenance, rule);
    };
    return boundaryPrice(bad, direction, current);
  }
  const negative = (p: bigint): boolean => {
    const s = slackAt(view, account, position, { market, price: price(p) });
    return s !== null && s.equity < 0n;
  };
  const lastNegative = boundaryPrice(negative, direction, current);
  if (lastNegative === null) return null;
  return price(direction === 'down' ? lastNegative + 1n : lastNegative - 1n);
}

export interface HealthFactor {
  /** sum(collateral x index x liquidation threshold) / sum(debt x index), WAD, rounded down; null = no debt. */
  readonly healthFactor: Wad | null;
  /** sum(collateral x index x LTV) - sum(debt x index): what may still be borrowed, quote atoms. */
  readonly borrowHeadroom: Quote;
  readonly collateralValue: Quote;
  readonly debtValue: Quote;
}

/** Lending-side view of the account's collateral, assets valued at their index (Aave v3 GenericLogic). */
export interface LendingParams {
  ltvPpm(asset: string): bigint;
  liquidationThresholdPpm(asset: string): bigint;
}

export function healthFactor(view: MarginView, account: Account, params: LendingParams): HealthFactor | null {
  let weightedLt = 0n;
  let weightedLtv = 0n;
  let total = 0n;
  for (const [assetId, balance] of account.balances) {
    if (balance <= 0n) continue;
    const v = rawValue(view, assetId, balance, 'floor');
    if (v === null) return null;
    total += v;
    weightedLt += divRound(v * params.liquidationThresholdPpm(assetId), PPM_ONE, 'floor');
    weightedLtv += divRound(v * params.ltvPpm(assetId), PPM_ONE, 'floor');
  }
  let debt = 0n;
  for (const [assetId, amount] of account.borrows) {
    if (amount === 0n) continue;
    const v = rawValue(view, assetId, amount, 'ceil');
    if (v === null) return null;
    debt += v;
  }
  return {
    healthFactor: debt === 0n ? null : (divRound(weightedLt * WAD_ONE, debt, 'floor') as Wad),
    borrowHeadroom: quote(weightedLtv - debt),
    collateralValue: quote(total),
    debtValue: quote(debt),
  };
}

/** An asset amount at its index (conversion rate x the underlying's when pegged), unweighted: evaluate.ts assetValue. */
function rawValue(view: MarginView, assetId: string, amount: bigint, rounding: 'floor' | 'ceil'): bigint | null {
  return assetValue(view, assetId, amount, PPM_ONE, rounding);
}
