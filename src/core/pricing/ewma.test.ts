import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ppm, price } from '../units/index.js';
import { ewmaVolatilityE9, newEwmaVol, simpleReturnE9, updateEwmaVol, type EwmaVolState } from './ewma.js';

const step = (s: EwmaVolState, p: bigint, t: number) => {
  const r = updateEwmaVol(s, price(p), t);
  expect(r.ok).toBe(true);
  return r.state;
};

describe('EWMA volatility', () => {
  it('folds squared returns in with weight (1 - λ): hand-worked', () => {
    // λ = 0.94. Prices 100 -> 101 -> 99.99: r1 = +1% = 10_000_000 (E9), r2 = -1% exactly.
    let s = newEwmaVol(ppm(940_000n));
    s = step(s, 10_000n, 0);
    expect(s.returns).toBe(0);
    s = step(s, 10_100n, 1_000);
    // var1 = 0.06 × (1e7)² = 6e12
    expect(s.varianceE18).toBe(6_000_000_000_000n);
    s = step(s, 9_999n, 2_000);
    // var2 = 0.94 × 6e12 + 0.06 × 1e14 = 5.64e12 + 6e12 = 1.164e13
    expect(s.varianceE18).toBe(11_640_000_000_000n);
    // σ = sqrt(1.164e13) = 3,411,744.42 -> 3,411,744 (E9): 0.34% per sample.
    expect(ewmaVolatilityE9(s)).toBe(3_411_744n);
    expect(s.returns).toBe(2);
  });

  it('rounds returns half_even and refuses bad input without changing state', () => {
    expect(simpleReturnE9(price(3n), price(4n))).toBe(333_333_333n);
    const s = step(newEwmaVol(ppm(900_000n)), 100n, 10);
    expect(updateEwmaVol(s, price(0n), 11)).toEqual({ ok: false, reason: 'invalid_price', state: s });
    expect(updateEwmaVol(s, price(101n), 9)).toEqual({ ok: false, reason: 'out_of_order', state: s });
  });

  it('property: a constant price decays the variance toward zero, never below; it stays non-negative', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 2, maxLength: 50 }), (prices) => {
        let s = newEwmaVol(ppm(970_000n));
        prices.forEach((p, i) => (s = step(s, p, i)));
        expect(s.varianceE18 >= 0n).toBe(true);
        const before = s.varianceE18;
        s = step(s, prices[prices.length - 1]!, prices.length);
        expect(s.varianceE18 <= before).toBe(true);
      }),
    );
  });
});
