// Wrapped, staked and pegged assets (wBETH, stETH, BNSOL, cbBTC): one unit converts to `rate` units of the
// underlying, so its price is rate x the underlying's index, whatever its own thin market prints. Binance valued
// wBETH on its own book on 2025-10-10; the book printed ~$430 against ETH at ~$4,100 and collateral holders were
// liquidated on a price nobody could trade at size. The own market is only watched: beyond a band it is a depeg.
//
// Both prices are quote (settlement) per one whole unit; the two markets may count price atoms with different
// decimals (po for the asset's own market, pu for the underlying's). In real numbers:
//   pegged = underlying / 10^pu x rate / 1e18, and the own price is own / 10^po.
// The band test is exact (cross-multiplied): own deviates when
//   |own x 10^pu x 1e18 - underlying x rate x 10^po| x 1e6 > band x underlying x rate x 10^po.

import { assert } from '../assert.js';
import { divRound, pow10, PPM_ONE, WAD_ONE, type Ppm, type Price } from '../units/index.js';

/** rate x underlying in the own market's price atoms, half-even (a displayed figure, never a payout). */
export function peggedPrice(underlying: Price, underlyingPriceDecimals: number, ownPriceDecimals: number, rateWad: bigint): Price {
  assert(rateWad > 0n, 'peggedPrice: rate > 0');
  return divRound(underlying * rateWad * pow10(ownPriceDecimals), WAD_ONE * pow10(underlyingPriceDecimals), 'half_even') as Price;
}

/** Whether the own market's price lies further than bandPpm (relative) from rate x underlying. Exact. */
export function depegged(own: Price, ownPriceDecimals: number, underlying: Price, underlyingPriceDecimals: number, rateWad: bigint, bandPpm: Ppm): boolean {
  assert(rateWad > 0n, 'depegged: rate > 0');
  const ownScaled = own * pow10(underlyingPriceDecimals) * WAD_ONE;
  const pegScaled = underlying * rateWad * pow10(ownPriceDecimals);
  const diff = ownScaled > pegScaled ? ownScaled - pegScaled : pegScaled - ownScaled;
  return diff * PPM_ONE > bandPpm * pegScaled;
}
