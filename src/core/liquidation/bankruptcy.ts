// Bankruptcy prices.
//
// 1. dYdX v4 GetBankruptcyPriceInQuoteQuantums: the signed quote amount a liquidated account must receive
//    (positive) or may pay (negative) for closing `delta` of one position so that the insurance fund is not
//    needed. Source: dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30,
//    protocol/x/clob/keeper/liquidations.go; restated in docs/sources/liquidation-goldens.md §1.1 (V).
//      BP = -DNNV - floor(TNC x |DMMR| / TMMR)
//    DNNV = NC(position + delta) - NC(position), DMMR = MMR(position + delta) - MMR(position) (both from the two
//    positions, never from delta alone). The one division is Euclidean (floor toward -infinity even when
//    TNC < 0); because it is subtracted, BP rounds toward +infinity: the liquidated side always asks for enough.
//    `bankruptcyQuoteForDelta` takes the six figures in any quote unit (so the engine can feed its own ledger);
//    `dydxBankruptcyQuote` computes them with dYdX's own rounding from a dYdX subaccount model.
//
// 2. `bankruptcyPrice`: our own whole-position bankruptcy price (isolated or cross): the price at which the
//    ledger's equity is zero, all other prices standing still, treating the position's value as linear in price:
//      equity(p) = equity + value(size, p) - value(size, mark) = 0  =>  p = mark - equity x 10^shift / size,
//    shift = baseDecimals + priceDecimals - quoteDecimals. One rounding: a long's price rounds up, a short's down,
//    so a close at it never leaves a loss (DESIGN.md "rounding favours the venue"); then to the tick, same
//    direction. `equity` is the ledger's figure at `mark` (cross: the account's; isolated: the position's
//    margin + unrealised PnL); if the ledger rounded the position's value, the result inherits that one atom.

import { abs, divRound, pow10, sign, type Price, type Quote, type Size } from '../units/index.js';
import {
  dydxAccountRisk,
  dydxPositionRisk,
  dydxPositionSize,
  type DydxPerpetual,
  type DydxSubaccount,
} from './dydx.js';
import { ok, rejected, type Result } from './result.js';
import { validUnits, valueShift, type MarketUnits } from './units.js';

/** The figures of one partial or full close, in one quote unit (our quote atoms or dYdX quote quantums). */
export interface BankruptcyDeltaInput {
  /** Total net collateral of the ledger (equity), signed. */
  readonly tnc: bigint;
  /** Total maintenance requirement of the ledger (>= 0). */
  readonly tmmr: bigint;
  /** The position's signed size before the close (base atoms/quantums, long > 0). */
  readonly positionSize: bigint;
  /** The signed size change; must close part or all of the position (opposite sign, |delta| <= |size|). */
  readonly delta: bigint;
  /** The position's signed net notional (value at the oracle/mark) before and after the close. */
  readonly ncBefore: bigint;
  readonly ncAfter: bigint;
  /** The position's maintenance requirement before and after the close. */
  readonly mmrBefore: bigint;
  readonly mmrAfter: bigint;
}

export type BankruptcyDeltaReason = 'invalid_delta' | 'no_maintenance' | 'maintenance_increased';

/** dYdX's delta validation: sign(position) x sign(delta) must be -1 and |delta| <= |position|. */
export function isClosingDelta(positionSize: bigint, delta: bigint): boolean {
  return sign(positionSize) * sign(delta) === -1n && abs(delta) <= abs(positionSize);
}

/**
 * BP = -DNNV - floor(TNC x |DMMR| / TMMR), signed quote (see the header; dYdX liquidations.go).
 * Rejections: 'invalid_delta' (dYdX ErrInvalidPerpetualPositionSizeDelta), 'maintenance_increased' (dYdX panics
 * when DMMR > 0), 'no_maintenance' (TMMR = 0: dYdX would divide by zero; it only calls this for liquidatable
 * accounts, which have TMMR > 0).
 */
export function bankruptcyQuoteForDelta(i: BankruptcyDeltaInput): Result<bigint, BankruptcyDeltaReason> {
  if (!isClosingDelta(i.positionSize, i.delta)) return rejected('invalid_delta');
  const dnnv = i.ncAfter - i.ncBefore;
  const dmmr = i.mmrAfter - i.mmrBefore;
  if (dmmr > 0n) return rejected('maintenance_increased');
  if (i.tmmr <= 0n) return rejected('no_maintenance');
  return ok(-dnnv - divRound(i.tnc * -dmmr, i.tmmr, 'floor'));
}

/**
 * GetBankruptcyPriceInQuoteQuantums on a dYdX subaccount model: TNC and TMMR over all its positions, the closed
 * position's NC and MMR before and after, each with dYdX's rounding (dydx.ts). No position in `perp` gives
 * 'invalid_delta', as in dYdX (its size is zero).
 */
export function dydxBankruptcyQuote(sub: DydxSubaccount, perp: DydxPerpetual, delta: bigint): Result<bigint, BankruptcyDeltaReason> {
  const size = dydxPositionSize(sub, perp.id);
  if (!isClosingDelta(size, delta)) return rejected('invalid_delta');
  const total = dydxAccountRisk(sub);
  const before = dydxPositionRisk(perp, size);
  const after = dydxPositionRisk(perp, size + delta);
  return bankruptcyQuoteForDelta({
    tnc: total.tnc,
    tmmr: total.tmmr,
    positionSize: size,
    delta,
    ncBefore: before.nc,
    ncAfter: after.nc,
    mmrBefore: before.mmr,
    mmrAfter: after.mmr,
  });
}

export interface BankruptcyPriceInput {
  /** Signed position size in size atoms (long > 0). */
  readonly size: Size;
  /** The price the ledger's equity was computed at (price atoms, > 0). */
  readonly mark: Price;
  /** The ledger's equity at `mark`, quote atoms (cross: the account; isolated: margin + unrealised PnL). */
  readonly equity: Quote;
  readonly units: MarketUnits;
  /** When given (> 0), the price is moved to a multiple of it in the same direction (long up, short down). */
  readonly tickSize?: Price;
}

export type BankruptcyPriceReason = 'no_position' | 'no_positive_price' | 'invalid_input';

/**
 * The whole position's bankruptcy price (see the header): p = (mark x size x 10^-shift - equity) x 10^shift / size,
 * evaluated exactly and rounded once, long up, short down; then to the tick in the same direction.
 * 'no_positive_price' when p <= 0: a long whose equity covers its whole value never goes bankrupt at a positive
 * price; a short already bankrupt at price 0 has none.
 */
export function bankruptcyPrice(i: BankruptcyPriceInput): Result<Price, BankruptcyPriceReason> {
  if (i.size === 0n) return rejected('no_position');
  if (i.mark <= 0n || !validUnits(i.units) || (i.tickSize !== undefined && i.tickSize <= 0n)) return rejected('invalid_input');
  const shift = valueShift(i.units);
  // p = mark - equity x 10^shift / size  ==  (mark x size - equity x 10^shift) / size  (shift may be negative)
  const num = shift >= 0 ? i.mark * i.size - i.equity * pow10(shift) : i.mark * i.size * pow10(-shift) - i.equity;
  const den = shift >= 0 ? i.size : i.size * pow10(-shift);
  const long = i.size > 0n;
  let p = divRound(num, den, long ? 'ceil' : 'floor');
  if (i.tickSize !== undefined) p = divRound(p, i.tickSize, long ? 'ceil' : 'floor') * i.tickSize;
  if (p <= 0n) return rejected('no_positive_price');
  return ok(p as Price);
}
