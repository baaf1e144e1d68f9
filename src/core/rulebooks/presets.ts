// Rulebook presets: the strategy choices of real venues. Each cites where the choice is documented.
// Margin schedules (tiers, ratios) are per market and live in the market specs, not here.

import type { Rulebook } from './rulebook.js';

export const PRESETS: Readonly<Record<string, Rulebook>> = {
  // Binance USDⓈ-M: liquidation when margin ratio (maintenance / margin balance) reaches 100%.
  binance: { name: 'binance', breachRule: 'at_or_below', preTradeCheck: 'initial_margin' },
  // Bybit: liquidation when position margin <= maintenance margin.
  bybit: { name: 'bybit', breachRule: 'at_or_below', preTradeCheck: 'initial_margin' },
  // BitMEX: liquidation when margin falls to the maintenance level.
  bitmex: { name: 'bitmex', breachRule: 'at_or_below', preTradeCheck: 'initial_margin' },
  // Hyperliquid: liquidatable when account value < maintenance margin.
  hyperliquid: { name: 'hyperliquid', breachRule: 'below', preTradeCheck: 'initial_margin' },
  // dYdX v4 (protocol/x/clob/keeper/liquidations.go): liquidatable when TNC < maintenance requirement.
  'dydx-v4': { name: 'dydx-v4', breachRule: 'below', preTradeCheck: 'initial_margin' },
  // Drift v2: liquidatable when total collateral < maintenance margin requirement.
  'drift-v2': { name: 'drift-v2', breachRule: 'below', preTradeCheck: 'initial_margin' },
};

export const DEFAULT_RULEBOOK: Rulebook = PRESETS.binance as Rulebook;

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
