// The margin a ledger must keep when money leaves it (a withdrawal, margin taken out of an isolated position).
// Hyperliquid, after 2025-03-12 (a trader withdrew unrealised profit from a 50x ETH long and left the liquidation to
// the HLP vault): "transfer_margin_required = max(initial_margin_required, 0.1 * total_position_value)" (Hyperliquid
// docs, Margining). The share is a rulebook setting (guards.transferMarginPpm, default 10%).

import { divRound, PPM_ONE, quote, type Ppm, type Quote } from '../units/index.js';

/** max(initial, share x notional), the share's part rounded up (a requirement: against the account). */
export function transferMarginRequired(initial: Quote, notional: Quote, sharePpm: Ppm): Quote {
  const floor = divRound(notional * sharePpm, PPM_ONE, 'ceil');
  return quote(floor > initial ? floor : initial);
}
