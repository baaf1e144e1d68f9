// The enforcement part of a rulebook: how a ledger in breach is closed down. Each field is a venue's choice;
// presets.ts fills them from the venues' published rules (docs/sources/liquidation-goldens.md).

import type { FillablePriceParams } from '../liquidation/fillable.js';
import { validateFillablePriceParams } from '../liquidation/fillable.js';
import type { FeeSplitParams } from '../liquidation/insurance.js';
import { validateFeeSplitParams } from '../liquidation/insurance.js';
import type { SizingPolicy } from '../liquidation/sizing.js';
import { validateSizingPolicy } from '../liquidation/sizing.js';
import { PPM_ONE, type Ppm, type Quote } from '../units/index.js';

/**
 * The worst price a liquidation order accepts, before the insurance fund's capacity widens it:
 * - 'bankruptcy': the bankruptcy price of the part closed (the account never ends below zero on the book);
 * - 'fillable': dYdX's fillable price, between the oracle and the bankruptcy price (liquidations.go).
 * Either way the order may go beyond bankruptcy by what the insurance fund can absorb this block.
 */
export type LimitPriceRule = { readonly kind: 'bankruptcy' } | { readonly kind: 'fillable'; readonly params: FillablePriceParams };

/**
 * What happens to the part the book did not take, when no backstop account takes it, and to a loss nobody absorbed:
 * - 'adl': closed against opposite positions ranked by BitMEX's score (PnL% x effective leverage) at the
 *   bankruptcy price (BitMEX, Bybit, Binance);
 * - 'offset': closed against opposite positions in account order from a rotating start, at the bankruptcy price
 *   (dYdX v4 deleveraging);
 * - 'socialise': left for the next block; a loss is charged to the opposite side's open interest (Drift v2).
 */
export type BadDebtPolicy = 'adl' | 'offset' | 'socialise';

export interface LiquidationLimits {
  /** Ledgers liquidated per engine command at most (a block). */
  readonly maxStepsPerBlock: number;
  /** Sliding window of the per-market caps below (Synthetix perps: maxLiquidationDelta per window). */
  readonly windowMs: number;
  /** Liquidation steps per market per window at most; null: no cap. */
  readonly maxStepsPerMarketPerWindow: number | null;
  /** Notional liquidated per market per window at most; null: no cap. */
  readonly maxNotionalPerMarketPerWindow: Quote | null;
}

export interface LiquidationRules {
  /** MarginCall when equity falls below maintenance x (1 + buffer), once per crossing; 0: no margin calls. */
  readonly marginCallBufferPpm: Ppm;
  readonly sizing: SizingPolicy;
  readonly limitPrice: LimitPriceRule;
  /** An account that takes what the book does not, at the bankruptcy price (Hyperliquid's liquidator vault). */
  readonly backstopAccount: string | null;
  readonly fees: FeeSplitParams;
  /** Receives the liquidator reward; null: the backstop when it takes part, else the insurance fund. */
  readonly liquidatorAccount: string | null;
  /** The insurance fund loses at most this much per block; null: up to its balance. */
  readonly maxInsuranceLossPerBlock: Quote | null;
  readonly badDebt: BadDebtPolicy;
  readonly limits: LiquidationLimits;
  /** dYdX: no withdrawals while any account has negative equity. */
  readonly gateWithdrawalsOnNegativeEquity: boolean;
}

export interface LiquidationProblem {
  readonly path: string;
  readonly message: string;
}

export function validateLiquidationRules(r: LiquidationRules): LiquidationProblem[] {
  const out: LiquidationProblem[] = [];
  if (r.marginCallBufferPpm < 0n || r.marginCallBufferPpm > 10n * PPM_ONE) out.push({ path: 'marginCallBufferPpm', message: 'must be in [0, 10e6]' });
  for (const p of validateSizingPolicy(r.sizing)) out.push({ path: `sizing.${p.path}`, message: p.message });
  if (r.limitPrice.kind === 'fillable') {
    for (const p of validateFillablePriceParams(r.limitPrice.params)) out.push({ path: `limitPrice.params.${p.path}`, message: p.message });
  } else if (r.limitPrice.kind !== 'bankruptcy') {
    out.push({ path: 'limitPrice.kind', message: "must be 'bankruptcy' or 'fillable'" });
  }
  for (const p of validateFeeSplitParams(r.fees)) out.push({ path: `fees.${p.path}`, message: p.message });
  if (r.maxInsuranceLossPerBlock !== null && r.maxInsuranceLossPerBlock < 0n) out.push({ path: 'maxInsuranceLossPerBlock', message: 'must not be negative' });
  if (!['adl', 'offset', 'socialise'].includes(r.badDebt)) out.push({ path: 'badDebt', message: "must be 'adl', 'offset' or 'socialise'" });
  const l = r.limits;
  if (!Number.isSafeInteger(l.maxStepsPerBlock) || l.maxStepsPerBlock < 1 || l.maxStepsPerBlock > 1_000_000) {
    out.push({ path: 'limits.maxStepsPerBlock', message: 'must be an integer in [1, 1e6]' });
  }
  if (!Number.isSafeInteger(l.windowMs) || l.windowMs < 1) out.push({ path: 'limits.windowMs', message: 'must be a positive integer' });
  if (l.maxStepsPerMarketPerWindow !== null && (!Number.isSafeInteger(l.maxStepsPerMarketPerWindow) || l.maxStepsPerMarketPerWindow < 1 || l.maxStepsPerMarketPerWindow > 100_000)) {
    out.push({ path: 'limits.maxStepsPerMarketPerWindow', message: 'must be an integer in [1, 100000] or null' });
  }
  if (l.maxNotionalPerMarketPerWindow !== null && l.maxNotionalPerMarketPerWindow <= 0n) {
    out.push({ path: 'limits.maxNotionalPerMarketPerWindow', message: 'must be positive' });
  }
  return out;
}
