// Binance USDⓈ-M published formulas, in exact rationals, to check the generic engine against the venue.
// Source: Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
// (binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93); notes in docs/sources/margin-goldens.md §1.

import { Rational } from '../../units/rational.js';

export interface BinanceBracket {
  /** Notional floor and cap in quote units. */
  readonly floor: Rational;
  readonly cap: Rational;
  readonly maintenanceRatio: Rational;
  /** The maintenance amount ("cum"). */
  readonly cum: Rational;
}

/** cum_n = cum_{n-1} + floor_n x (MMR_n - MMR_{n-1}), cum_1 = 0. */
export function binanceCumChain(brackets: readonly Pick<BinanceBracket, 'floor' | 'maintenanceRatio'>[]): Rational[] {
  const out: Rational[] = [];
  brackets.forEach((b, i) => {
    const prev = brackets[i - 1];
    const prevCum = out[i - 1];
    out.push(prev === undefined || prevCum === undefined ? Rational.int(0) : prevCum.add(b.floor.mul(b.maintenanceRatio.sub(prev.maintenanceRatio))));
  });
  return out;
}

/** MM = notional x MMR - cum of the bracket the notional falls in (floor < notional <= cap). */
export function binanceMaintenance(brackets: readonly BinanceBracket[], notional: Rational): Rational {
  const b = bracketFor(brackets, notional);
  return notional.mul(b.maintenanceRatio).sub(b.cum);
}

export function bracketFor(brackets: readonly BinanceBracket[], notional: Rational): BinanceBracket {
  let chosen = brackets[0];
  for (const b of brackets) if (b.floor.cmp(notional) < 0) chosen = b;
  if (chosen === undefined) throw new RangeError('no brackets');
  return chosen;
}

export interface BinanceLiquidationInput {
  /** Wallet balance (isolated: the isolated wallet balance). */
  readonly walletBalance: Rational;
  /** Maintenance margin of all other contracts (0 in isolated mode). */
  readonly otherMaintenance: Rational;
  /** Unrealised PnL of all other contracts (0 in isolated mode). */
  readonly otherUnrealisedPnl: Rational;
  readonly side: 1 | -1;
  /** Absolute position size. */
  readonly size: Rational;
  readonly entryPrice: Rational;
  readonly brackets: readonly BinanceBracket[];
}

/**
 * One-way mode liquidation price:
 *   LP = (WB - TMM1 + UPNL1 + cum_B - side x Q x EP) / (Q x MMR_B - side x Q)
 * with MMR_B and cum_B those of the bracket of the notional AT the liquidation price (Binance: "substitute the
 * maintenance margin rate and amount of the position level ... to recalculate"). Null when LP < 0 (shown "--").
 */
export function binanceLiquidationPrice(input: BinanceLiquidationInput): { price: Rational; bracket: number } | null {
  const { walletBalance, otherMaintenance, otherUnrealisedPnl, side, size, entryPrice, brackets } = input;
  const s = Rational.int(side);
  for (let i = 0; i < brackets.length; i++) {
    const b = brackets[i] as BinanceBracket;
    const numerator = walletBalance.sub(otherMaintenance).add(otherUnrealisedPnl).add(b.cum).sub(s.mul(size).mul(entryPrice));
    const denominator = size.mul(b.maintenanceRatio).sub(s.mul(size));
    const lp = numerator.div(denominator);
    if (lp.isNegative()) return null;
    if (bracketFor(brackets, size.mul(lp)) === b) return { price: lp, bracket: i + 1 };
  }
  return null;
}
