// A rulebook is data plus a few named strategy choices. This file holds the choices the engine reads today;
// pricing (mark method, guards) and enforcement (partial sizing, routes, fees, ADL) extend it.

import type { BreachRule } from '../margin/thresholds.js';
import type { MarkMethod } from '../pricing/mark.js';
import { DEFAULT_CONDITIONAL_RULES, validateConditionalRules, type ConditionalRules } from './conditional.js';
import { DEFAULT_GUARDS, validateGuardRules, type GuardRules } from './guards.js';
import { validateLiquidationRules, type LiquidationRules } from './liquidation.js';
import { PPM_ONE, type Ppm } from '../units/index.js';

export interface Rulebook {
  /** A preset's name ("binance", "dydx-v4", ...) or "custom". */
  readonly name: string;
  /** When an account is in breach of maintenance. */
  readonly breachRule: BreachRule;
  /**
   * Whether a fill that opens or increases a position must leave the account (or the isolated position) at or
   * above initial margin. 'none' accepts fills as facts from an external matching engine.
   */
  readonly preTradeCheck: 'initial_margin' | 'none';
  /**
   * What notional margin requirements are taken on: 'mark' (Binance, Bybit UTA, Hyperliquid, dYdX, Drift: the
   * position at the mark price) or 'entry' (BitMEX, Bybit classic: the position's cost value, fixed between fills).
   */
  readonly marginValuation: 'mark' | 'entry';
  /** How the mark price is formed from the index, the book and funding (core/pricing/mark.ts). */
  readonly markMethod: MarkMethod;
  /** How ledgers in breach are closed down. */
  readonly liquidation: LiquidationRules;
  /** The largest fee and rebate a fill may carry, as shares of its notional. */
  readonly feeBounds: FeeBounds;
  /** Guards from real incidents (rulebooks/guards.ts); absent: DEFAULT_GUARDS. */
  readonly guards?: GuardRules;
  /** Traders' conditional orders (rulebooks/conditional.ts); absent: DEFAULT_CONDITIONAL_RULES. */
  readonly conditionalOrders?: ConditionalRules;
}

/** The rulebook's conditional-order settings, defaults filled in. */
export function conditionalRules(r: Rulebook): ConditionalRules {
  return r.conditionalOrders ?? DEFAULT_CONDITIONAL_RULES;
}

/** The rulebook's guard settings, defaults filled in. */
export function guardRules(r: Rulebook): GuardRules {
  return r.guards ?? DEFAULT_GUARDS;
}

/**
 * Fees and rebates a fill may carry, per side, as parts per million of the fill's notional: a fee above
 * notional x maxFee (rounded up) or a rebate above notional x maxRebate (rounded down) is refused
 * (`fee_out_of_bounds`), so a fill cannot move money between an account and the fee pool beyond the venue's schedule.
 */
export interface FeeBounds {
  readonly maxFeePpm: Ppm;
  readonly maxRebatePpm: Ppm;
}

/** 1% fee, 0.1% rebate: above every listed venue's schedule (Binance VIP 0 taker 0.05%, best maker rebates ~0.01%). */
export const DEFAULT_FEE_BOUNDS: FeeBounds = { maxFeePpm: 10_000n as Ppm, maxRebatePpm: 1_000n as Ppm };

export interface RulebookProblem {
  readonly path: string;
  readonly message: string;
}

export function validateRulebook(r: Rulebook): RulebookProblem[] {
  const problems: RulebookProblem[] = [];
  if (r.name.length === 0 || r.name.length > 64) problems.push({ path: 'name', message: 'must be 1 to 64 characters' });
  if (r.breachRule !== 'below' && r.breachRule !== 'at_or_below') {
    problems.push({ path: 'breachRule', message: "must be 'below' or 'at_or_below'" });
  }
  if (r.preTradeCheck !== 'initial_margin' && r.preTradeCheck !== 'none') {
    problems.push({ path: 'preTradeCheck', message: "must be 'initial_margin' or 'none'" });
  }
  if (!['binance', 'bitmex', 'hyperliquid', 'dydx', 'oracle'].includes(r.markMethod)) {
    problems.push({ path: 'markMethod', message: 'must be binance, bitmex, hyperliquid, dydx or oracle' });
  }
  if (r.marginValuation !== 'mark' && r.marginValuation !== 'entry') {
    problems.push({ path: 'marginValuation', message: "must be 'mark' or 'entry'" });
  }
  for (const [field, v] of [['maxFeePpm', r.feeBounds.maxFeePpm], ['maxRebatePpm', r.feeBounds.maxRebatePpm]] as const) {
    if (v < 0n || v > PPM_ONE) problems.push({ path: `feeBounds.${field}`, message: 'must be in [0, 1]' });
  }
  for (const p of validateLiquidationRules(r.liquidation)) problems.push({ path: `liquidation.${p.path}`, message: p.message });
  if (r.guards !== undefined) for (const p of validateGuardRules(r.guards)) problems.push({ path: `guards.${p.path}`, message: p.message });
  if (r.conditionalOrders !== undefined) {
    for (const p of validateConditionalRules(r.conditionalOrders)) problems.push({ path: `conditionalOrders.${p.path}`, message: p.message });
  }
  return problems;
}
