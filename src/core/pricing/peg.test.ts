import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ppm, price } from '../units/index.js';
import { depegged, peggedPrice } from './peg.js';

const WAD = 10n ** 18n;

describe('pegged price and the depeg band', () => {
  it('wBETH at 1.07 ETH with ETH at 4,100.00: pegged 4,387.00; the 430.00 print is 90% off (Binance, 2025-10-10)', () => {
    const rate = 1_070_000_000_000_000_000n;
    expect(peggedPrice(price(410_000n), 2, 2, rate)).toBe(438_700n);
    expect(depegged(price(43_000n), 2, price(410_000n), 2, rate, ppm(50_000n))).toBe(true);
    // 4,380 is 0.16% below: inside a 5% band.
    expect(depegged(price(438_000n), 2, price(410_000n), 2, rate, ppm(50_000n))).toBe(false);
  });

  it('rescales between markets with different price decimals', () => {
    // Underlying 4,100.00 (2 decimals), own market in 4 decimals: pegged 4,387.0000.
    expect(peggedPrice(price(410_000n), 2, 4, 1_070_000_000_000_000_000n)).toBe(43_870_000n);
    // stETH 1:1 at 2,000.5 (1 decimal) against an own price of 1,900.000 (3 decimals): 5.02% off.
    expect(depegged(price(1_900_000n), 3, price(20_005n), 1, WAD, ppm(50_000n))).toBe(true);
    expect(depegged(price(1_900_000n), 3, price(20_005n), 1, WAD, ppm(50_300n))).toBe(false);
  });

  it('the band edge is inside: exactly 5% off is not a depeg, one atom further is', () => {
    // Pegged 100.00; 95.00 and 105.00 are exactly 5% away.
    for (const own of [9_500n, 10_500n]) expect(depegged(price(own), 2, price(10_000n), 2, WAD, ppm(50_000n))).toBe(false);
    for (const own of [9_499n, 10_501n]) expect(depegged(price(own), 2, price(10_000n), 2, WAD, ppm(50_000n))).toBe(true);
  });

  it('agrees with the band measured on the pegged price, for any rate and prices (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 6n }), (own, under, rate, band) => {
        // Same decimals: compare own with under x rate / 1e18 as exact rationals.
        const peg = under * rate; // x 1e18
        const diff = own * WAD > peg ? own * WAD - peg : peg - own * WAD;
        expect(depegged(price(own), 2, price(under), 2, rate, ppm(band))).toBe(diff * 1_000_000n > band * peg);
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});
