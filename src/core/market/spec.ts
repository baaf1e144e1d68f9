// Market and asset specifications: the units every amount of a market is counted in, and its margin schedule.

import { abs, divRound, pow10, type Price, type Quote, type Rounding, type Size, type Ppm, quote } from '../units/index.js';
import type { MarketPricing } from './pricing.js';
import type { MarginSchedule } from './schedule.js';

/** The settlement (quote) asset: ledger balances, PnL, margins and fees are counted in its atoms. */
export interface SettlementSpec {
  readonly asset: string;
  readonly decimals: number;
}

/**
 * Wrapped, staked or pegged collateral (wBETH, stETH, BNSOL, ...): worth `conversionRateWad` / 1e18 units of the
 * underlying, so it is valued at conversion rate x the index of its `priceMarket` (the UNDERLYING's market), never at
 * its own thin market. Its own market, when named, is only watched: straying beyond the band raises a depeg event.
 * Binance 2025-10-10 valued wBETH on its own book, which printed ~$430 against ETH at ~$4,100.
 */
export interface AssetPeg {
  /** Underlying units per unit of this asset, x 1e18 (> 0). */
  readonly conversionRateWad: bigint;
  /** The asset's own market, watched for depegs; absent: not watched. Never the priceMarket. */
  readonly market?: string;
  /** The own market's price further than this share from conversion rate x the underlying's index: a depeg. */
  readonly depegBandPpm: Ppm;
}

/** A collateral asset other than the settlement asset, valued at the index of `priceMarket`. */
export interface AssetSpec {
  readonly id: string;
  readonly decimals: number;
  /** Share of the asset's value that counts as margin collateral (1e6 = full value; haircut = 1e6 - weight). */
  readonly collateralWeightPpm: Ppm;
  /** The market whose index price (quote per whole unit) values this asset. */
  readonly priceMarket: string;
  /** Lending: the share of value that may be borrowed against (Aave LTV). */
  readonly ltvPpm: Ppm;
  /** Lending: the share of value counted in the health factor (Aave liquidation threshold). */
  readonly liquidationThresholdPpm: Ppm;
  /** Wrapped, staked or pegged: valued at conversion rate x the index of priceMarket (the underlying's). */
  readonly peg?: AssetPeg;
}

export interface MarketSpec {
  readonly id: string;
  /** A size atom is 10^-baseDecimals of one base unit. */
  readonly baseDecimals: number;
  /** A price atom is 10^-priceDecimals quote per one base unit. */
  readonly priceDecimals: number;
  /** Prices of fills and orders are multiples of tickSize. */
  readonly tickSize: Price;
  /** Sizes of fills and orders are multiples of stepSize. */
  readonly stepSize: Size;
  readonly margin: MarginSchedule;
  /** Fee rates of trades on the built-in book (negative: a rebate). Default none. */
  readonly fees?: { readonly makerPpm: bigint; readonly takerPpm: bigint };
  /** Index sources, guards, attestations, funding; absent: priced by direct `price` commands, no guards. */
  readonly pricing?: MarketPricing;
  /**
   * Open-interest cap (Hyperliquid after JELLY, 2025-03-26): fills and orders that would raise the market's open
   * interest beyond either limit are refused (open_interest_cap); liquidations are exempt. Absent: no cap.
   */
  readonly openInterestCap?: OpenInterestCap;
}

export interface OpenInterestCap {
  /** Base atoms of open interest (the sum of long sizes). */
  readonly size?: Size;
  /** Quote atoms: open interest x mark (rounded up). */
  readonly notional?: Quote;
}

/**
 * Converts size x price into quote atoms of the settlement asset:
 *   value = size_atoms x price_atoms x 10^quoteDecimals / 10^(baseDecimals + priceDecimals).
 * Signed: a short (negative size) has a negative value. The caller names the rounding.
 */
export function positionValue(
  spec: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>,
  quoteDecimals: number,
  signedSize: bigint,
  px: bigint,
  rounding: Rounding,
): Quote {
  const shift = spec.baseDecimals + spec.priceDecimals - quoteDecimals;
  if (shift <= 0) return quote(signedSize * px * pow10(-shift));
  return quote(divRound(signedSize * px, pow10(shift), rounding));
}

/** |size| x price in quote atoms (the position's notional), rounded as asked. */
export function notional(
  spec: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>,
  quoteDecimals: number,
  signedSize: bigint,
  px: bigint,
  rounding: Rounding,
): Quote {
  return positionValue(spec, quoteDecimals, abs(signedSize), px, rounding);
}

/**
 * The price (in price atoms) at which |size| has the given notional: notional x 10^(b+p-q) / |size|.
 * Used to turn notional-denominated tier boundaries into prices.
 */
export function priceForNotional(
  spec: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>,
  quoteDecimals: number,
  absSize: bigint,
  notionalQuote: bigint,
  rounding: Rounding,
): Price {
  const shift = spec.baseDecimals + spec.priceDecimals - quoteDecimals;
  const num = shift >= 0 ? notionalQuote * pow10(shift) : notionalQuote;
  const den = shift >= 0 ? absSize : absSize * pow10(-shift);
  return divRound(num, den, rounding) as Price;
}
