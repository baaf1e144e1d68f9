// Traders' conditional orders (issue 20; docs/conditional-orders.md): the rulebook-level settings. Every setting has
// a default, used when a rulebook has no `conditionalOrders` section.

import { PPM_ONE, ppm, type Ppm } from '../units/index.js';

/** Which price fires a conditional order: the mark, the index, or the venue's last trade (market_data lastTrade). */
export type TriggerSource = 'mark' | 'index' | 'last';

export const TRIGGER_SOURCES: readonly TriggerSource[] = ['mark', 'index', 'last'];

export interface ConditionalRules {
  /**
   * On a command whose prices both fire traders' conditional orders and put ledgers in breach, which acts first:
   * 'stops_first' (the fired orders are placed, then the ledgers still in breach are liquidated) or
   * 'liquidation_first' (enforcement first, cancelling the liquidated ledgers' conditional orders; then the rest
   * fire). No venue documents the order; 'stops_first' is our default (docs/enforcement.md).
   */
  readonly order: 'stops_first' | 'liquidation_first';
  /**
   * A fired market-type order (stop_market, take_profit_market, trailing_stop, position_*) is an ioc order limited
   * to this share past its trigger price. Default 10%: Hyperliquid's TP/SL page gives market TP/SL orders a 10%
   * slippage tolerance.
   */
  readonly marketSlippagePpm: Ppm;
  /** The trigger source of an order that names none. Default 'mark' (Hyperliquid: trigger orders fire on the mark). */
  readonly defaultSource: TriggerSource;
  /** Most conditional orders one account may hold in one market (bounds the account's cancellation on liquidation). */
  readonly maxPerAccountMarket: number;
}

export const DEFAULT_CONDITIONAL_RULES: ConditionalRules = {
  order: 'stops_first',
  marketSlippagePpm: ppm(100_000n),
  defaultSource: 'mark',
  maxPerAccountMarket: 100,
};

const PER_ACCOUNT_MARKET_MAX = 10_000;

export function validateConditionalRules(c: ConditionalRules): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (c.order !== 'stops_first' && c.order !== 'liquidation_first') out.push({ path: 'order', message: "must be 'stops_first' or 'liquidation_first'" });
  if (c.marketSlippagePpm < 0n || c.marketSlippagePpm >= PPM_ONE) out.push({ path: 'marketSlippagePpm', message: 'must be in [0, 1e6)' });
  if (!TRIGGER_SOURCES.includes(c.defaultSource)) out.push({ path: 'defaultSource', message: "must be 'mark', 'index' or 'last'" });
  if (!Number.isSafeInteger(c.maxPerAccountMarket) || c.maxPerAccountMarket < 1 || c.maxPerAccountMarket > PER_ACCOUNT_MARKET_MAX) {
    out.push({ path: 'maxPerAccountMarket', message: 'must be an integer in [1, 1e4]' });
  }
  return out;
}
