// Bybit published formulas, in exact rationals. Notes and sources: docs/sources/margin-goldens.md §2.

import { Rational } from '../../units/rational.js';

const ONE = Rational.int(1);

export interface BybitIsolatedInput {
  readonly side: 1 | -1;
  readonly size: Rational;
  readonly entryPrice: Rational;
  readonly leverage: Rational;
  readonly maintenanceRatio: Rational;
  readonly maintenanceDeduction: Rational;
  /** Margin added by hand (negative when funding was taken from the position margin). */
  readonly extraMargin: Rational;
}

/**
 * "Liquidation Price (USDT Contract)" (classic): MM valued at the entry price.
 *   long:  LP = EP - (IM - MM) / size - extra / size;   short: LP = EP + (IM - MM) / size + extra / size
 *   IM = size x EP / leverage; MM = size x EP x MMR - deduction.
 */
export function bybitClassicLiquidationPrice(i: BybitIsolatedInput): Rational {
  const value = i.size.mul(i.entryPrice);
  const im = value.div(i.leverage);
  const mm = value.mul(i.maintenanceRatio).sub(i.maintenanceDeduction);
  const offset = im.sub(mm).div(i.size).add(i.extraMargin.div(i.size));
  return i.side === 1 ? i.entryPrice.sub(offset) : i.entryPrice.add(offset);
}

/**
 * Unified Trading Account, isolated, USDT linear: MM valued at the liquidation price, the estimated fee to close
 * in both IM and MM (so it cancels), the extra margin normalised by the taker fee c:
 *   long:  LP = (E q - E q / lev - A / (1 - c) - D) / (q - q m)
 *   short: LP = (E q + E q / lev + A / (1 + c) + D) / (q + q m)
 */
export function bybitUtaLiquidationPrice(i: BybitIsolatedInput & { readonly takerFee: Rational }): Rational {
  const eq = i.entryPrice.mul(i.size);
  const qm = i.size.mul(i.maintenanceRatio);
  if (i.side === 1) {
    return eq.sub(eq.div(i.leverage)).sub(i.extraMargin.div(ONE.sub(i.takerFee))).sub(i.maintenanceDeduction).div(i.size.sub(qm));
  }
  return eq.add(eq.div(i.leverage)).add(i.extraMargin.div(ONE.add(i.takerFee))).add(i.maintenanceDeduction).div(i.size.add(qm));
}

/** Estimated fee to close: size x entry x (1 -/+ 1/leverage) x taker fee (long -, short +). */
export function bybitFeeToClose(side: 1 | -1, size: Rational, entryPrice: Rational, leverage: Rational, takerFee: Rational): Rational {
  const factor = side === 1 ? ONE.sub(ONE.div(leverage)) : ONE.add(ONE.div(leverage));
  return size.mul(entryPrice).mul(factor).mul(takerFee);
}

/** "Bankruptcy Price (USDT Contract)": long EP x (1 - 1/lev), short EP x (1 + 1/lev). */
export function bybitBankruptcyPrice(side: 1 | -1, entryPrice: Rational, leverage: Rational): Rational {
  const imr = ONE.div(leverage);
  return side === 1 ? entryPrice.mul(ONE.sub(imr)) : entryPrice.mul(ONE.add(imr));
}
