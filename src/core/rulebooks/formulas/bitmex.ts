// BitMEX published relations for a linear contract in cross margin, in exact rationals.
// Source: BitMEX "Isolated and Cross Margin Examples" (bitmex.com/app/isolatedMarginExamples), profit realisation
// example one; docs/sources/margin-goldens.md §3a. Maintenance margin is a share of the cost value, held fixed.

import { Rational } from '../../units/rational.js';

export interface BitmexCrossInput {
  readonly side: 1 | -1;
  readonly walletBalance: Rational;
  readonly size: Rational;
  readonly entryPrice: Rational;
  readonly maintenanceRatio: Rational;
}

/** Bankruptcy: the whole wallet is lost. BP = EP - side x WB / Q. */
export function bitmexBankruptcyPrice(i: BitmexCrossInput): Rational {
  return i.entryPrice.sub(Rational.int(i.side).mul(i.walletBalance.div(i.size)));
}

/** Liquidation: the margin left equals maintenance on the cost value. LP = BP + side x MM / Q. */
export function bitmexLiquidationPrice(i: BitmexCrossInput): Rational {
  const mm = i.size.mul(i.entryPrice).mul(i.maintenanceRatio);
  return bitmexBankruptcyPrice(i).add(Rational.int(i.side).mul(mm.div(i.size)));
}
