import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dydxBaseToQuote, dydxIsLiquidatable, dydxAccountRisk, dydxQuoteToBase, dydxRoundToMultiple } from './dydx.js';
import { BTC, ETH, hold, subaccount, usd } from './testkit.js';
import { roundedValue, sizeForNotional } from './units.js';

describe('dYdX quantum helpers', () => {
  it('fixtures: 1 BTC = $50,000; 0.1 ETH = $300; a short truncates toward zero', () => {
    expect(dydxBaseToQuote(BTC, 100_000_000n)).toBe(50_000_000_000n);
    expect(dydxBaseToQuote(ETH, 100_000_000n)).toBe(300_000_000n);
    expect(dydxBaseToQuote({ atomicResolution: -8, price: 3n, exponent: -5 }, -4_000_000n)).toBe(-1n); // -1.2 -> -1
    expect(dydxQuoteToBase(BTC, -1_500_001n)).toBe(-3_000n); // -3,000.002 -> -3,000
  });

  it('BigIntRoundToMultiple is Euclidean', () => {
    expect([dydxRoundToMultiple(-7n, 5n, false), dydxRoundToMultiple(-7n, 5n, true), dydxRoundToMultiple(7n, 5n, true)]).toEqual([-10n, -5n, 10n]);
  });

  it('IsLiquidatable: TMMR > 0 and TNC < TMMR', () => {
    expect(dydxIsLiquidatable(dydxAccountRisk(subaccount(usd(-4_501n), hold(BTC, 10_000_000n))))).toBe(true);
    expect(dydxIsLiquidatable(dydxAccountRisk(subaccount(usd(-4_500n), hold(BTC, 10_000_000n))))).toBe(false);
    expect(dydxIsLiquidatable(dydxAccountRisk(subaccount(usd(-1n))))).toBe(false);
  });

  it('property: with quoteDecimals 6, baseDecimals -atomicResolution, priceDecimals -exponent, dYdX units are our atoms', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: -12, max: 0 }),
        fc.integer({ min: -12, max: 0 }),
        (q, px, atomicResolution, exponent) => {
          const perp = { atomicResolution, price: px, exponent };
          const units = { baseDecimals: -atomicResolution, priceDecimals: -exponent, quoteDecimals: 6 };
          expect(dydxBaseToQuote(perp, q)).toBe(roundedValue(units, q, px, 'trunc'));
          const absQuote = q < 0n ? -q : q;
          expect(dydxQuoteToBase(perp, absQuote)).toBe(sizeForNotional(units, absQuote, px, 'floor'));
        },
      ),
    );
  });
});
