// Rulebook presets: the strategy choices of real venues. Each cites where the choice is documented.
// Margin schedules (tiers, ratios) are per market and live in the market specs, not here.

import type { Rulebook } from './rulebook.js';

export const PRESETS: Readonly<Record<string, Rulebook>> = {
  // Binance USDⓈ-M: liquidation when margin ratio (maintenance / margin balance) reaches 100%; brackets at mark.
  binance: { name: 'binance', breachRule: 'at_or_below', preTradeCheck: 'initial_margin', marginValuation: 'mark', markMethod: 'binance' },
  // Bybit "Liquidation Price (USDT Contract)": liquidation when position margin <= MM, MM on the entry value;
  // mark = index + moving average of the basis, as Binance's Price 2.
  bybit: { name: 'bybit', breachRule: 'at_or_below', preTradeCheck: 'initial_margin', marginValuation: 'entry', markMethod: 'binance' },
  // BitMEX "Isolated and Cross Margin Examples": MM is a share of the cost value, liquidation at that level.
  bitmex: { name: 'bitmex', breachRule: 'at_or_below', preTradeCheck: 'initial_margin', marginValuation: 'entry', markMethod: 'bitmex' },
  // Hyperliquid docs, Liquidations: liquidatable when account value < maintenance margin.
  hyperliquid: { name: 'hyperliquid', breachRule: 'below', preTradeCheck: 'initial_margin', marginValuation: 'mark', markMethod: 'hyperliquid' },
  // dYdX v4 (protocol/x/clob/keeper/liquidations.go): liquidatable when TNC < maintenance requirement.
  'dydx-v4': { name: 'dydx-v4', breachRule: 'below', preTradeCheck: 'initial_margin', marginValuation: 'mark', markMethod: 'dydx' },
  // Drift v2: liquidatable when total collateral < maintenance margin requirement.
  'drift-v2': { name: 'drift-v2', breachRule: 'below', preTradeCheck: 'initial_margin', marginValuation: 'mark', markMethod: 'oracle' },
};

export const DEFAULT_RULEBOOK: Rulebook = PRESETS.binance as Rulebook;

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
