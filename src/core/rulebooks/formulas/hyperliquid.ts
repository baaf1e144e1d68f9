// Hyperliquid published formulas, in exact rationals.
// Source: Hyperliquid docs, Trading -> Liquidations, "Computing Liquidation Price" and Margin tiers
// (hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations); docs/sources/margin-goldens.md §4.

import { Rational } from '../../units/rational.js';

/** Maintenance leverage is twice the maximum leverage: l = 1 / (2 x maxLeverage). */
export function hyperliquidMaintenanceRate(maxLeverage: bigint): Rational {
  return Rational.of(1n, 2n * maxLeverage);
}

export interface HyperliquidLiquidationInput {
  readonly side: 1 | -1;
  /** Current price the margin available is measured at. */
  readonly price: Rational;
  readonly size: Rational;
  /** Isolated margin, or account value for cross. */
  readonly margin: Rational;
  readonly maxLeverage: bigint;
}

/**
 * liq_price = price - side x margin_available / position_size / (1 - l x side),
 * margin_available = margin - maintenance margin required at `price`.
 */
export function hyperliquidLiquidationPrice(i: HyperliquidLiquidationInput): Rational {
  const l = hyperliquidMaintenanceRate(i.maxLeverage);
  const side = Rational.int(i.side);
  const available = i.margin.sub(i.size.mul(i.price).mul(l));
  return i.price.sub(side.mul(available).div(i.size).div(Rational.int(1).sub(l.mul(side))));
}

/** maintenance_deduction_n = deduction_{n-1} + lower_bound_n x (mmr_n - mmr_{n-1}). */
export function hyperliquidDeductions(tiers: readonly { lowerBound: Rational; maxLeverage: bigint }[]): Rational[] {
  const out: Rational[] = [];
  tiers.forEach((t, i) => {
    const prev = tiers[i - 1];
    const prevDeduction = out[i - 1];
    if (prev === undefined || prevDeduction === undefined) out.push(Rational.int(0));
    else out.push(prevDeduction.add(t.lowerBound.mul(hyperliquidMaintenanceRate(t.maxLeverage).sub(hyperliquidMaintenanceRate(prev.maxLeverage)))));
  });
  return out;
}
