// The units a market's amounts are counted in, and the exact (unrounded) conversions between them that the
// liquidation math needs. Conversions that round name their mode, as in core/market/spec.ts.

import type { MarketSpec } from '../market/spec.js';
import { divRound, pow10, Rational, type Rounding } from '../units/index.js';

/** A market's atoms: size atoms are 10^-baseDecimals base units, price atoms 10^-priceDecimals quote per base unit,
 *  quote atoms 10^-quoteDecimals of the settlement asset. */
export type MarketUnits = Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> & { readonly quoteDecimals: number };

/**
 * A market's units under the venue's quote decimals. Built field by field, not as `{ ...spec, quoteDecimals }`: V8
 * (Node 20) promotes the copies a spread with properties added makes to the old generation at the next scavenge,
 * though nothing refers to them: garbage for a full GC to find (the measurement: margin/evaluate.ts isolatedFigures).
 */
export function marketUnits(spec: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>, quoteDecimals: number): MarketUnits {
  return { baseDecimals: spec.baseDecimals, priceDecimals: spec.priceDecimals, quoteDecimals };
}

/** shift = baseDecimals + priceDecimals - quoteDecimals: value_quote = size x price / 10^shift. */
export function valueShift(units: MarketUnits): number {
  return units.baseDecimals + units.priceDecimals - units.quoteDecimals;
}

/** size x price in quote atoms, exactly (signed like size). */
export function exactValue(units: MarketUnits, signedSize: bigint, px: bigint): Rational {
  const shift = valueShift(units);
  return shift >= 0 ? Rational.of(signedSize * px, pow10(shift)) : Rational.of(signedSize * px * pow10(-shift));
}

/** size x price in quote atoms, rounded as asked (signed like size). */
export function roundedValue(units: MarketUnits, signedSize: bigint, px: bigint, rounding: Rounding): bigint {
  const shift = valueShift(units);
  return shift >= 0 ? divRound(signedSize * px, pow10(shift), rounding) : signedSize * px * pow10(-shift);
}

/** The size (in size atoms, >= 0) whose value at `px` is `notional` quote atoms, rounded as asked. px > 0. */
export function sizeForNotional(units: MarketUnits, notional: bigint, px: bigint, rounding: Rounding): bigint {
  const shift = valueShift(units);
  return shift >= 0 ? divRound(notional * pow10(shift), px, rounding) : divRound(notional, px * pow10(-shift), rounding);
}

/** Whether the units are usable: decimals are integers in [0, 36]. */
export function validUnits(units: MarketUnits): boolean {
  const ok = (d: number): boolean => Number.isSafeInteger(d) && d >= 0 && d <= 36;
  return ok(units.baseDecimals) && ok(units.priceDecimals) && ok(units.quoteDecimals);
}
