import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price } from '../units/index.js';
import { newTwap, pushTwap, twapValue, type TwapState } from './twap.js';

const push = (s: TwapState, t: number, p: bigint) => pushTwap(s, t, price(p)).state;

describe('TWAP', () => {
  it('integrates the step function over the window (hand-worked)', () => {
    // Window 10 s. 100 from t=0, 110 from t=4 s, 90 from t=8 s; now = 12 s -> window [2 s, 12 s]:
    // 100 × 2 + 110 × 4 + 90 × 4 = 1,000 over 10 s -> 100.
    let s = newTwap(10_000, 16);
    s = push(s, 0, 100n);
    s = push(s, 4_000, 110n);
    s = push(s, 8_000, 90n);
    expect(twapValue(s, 12_000)).toEqual({ ok: true, price: 100n, coveredMs: 10_000 });
    // At 9 s the history covers only 9 s: (100 × 4 + 110 × 4 + 90 × 1) / 9 = 930 / 9 = 103.33 -> 103.
    expect(twapValue(s, 9_000)).toEqual({ ok: true, price: 103n, coveredMs: 9_000 });
  });

  it('replaces a same-ms point, refuses out-of-order and bad prices, and evicts aged-out points', () => {
    let s = newTwap(1_000, 8);
    s = push(s, 0, 10n);
    const rep = pushTwap(s, 0, price(20n));
    expect(rep.outcome).toBe('replaced');
    s = rep.state;
    expect(pushTwap(s, -1, price(5n)).outcome).toBe('out_of_order');
    expect(pushTwap(s, 5, price(0n)).outcome).toBe('invalid_price');
    s = push(s, 500, 30n);
    const late = pushTwap(s, 2_000, price(40n)); // window start 1,000: the t=0 point is no longer needed
    expect(late.evicted).toBe(1);
    expect(late.state.points.map((p) => p.timeMs)).toEqual([500, 2_000]);
    // At 2,500: [1,500, 2,000) at 30, [2,000, 2,500) at 40 -> 35.
    expect(twapValue(late.state, 2_500)).toEqual({ ok: true, price: 35n, coveredMs: 1_000 });
    expect(twapValue(newTwap(1, 2), 0)).toEqual({ ok: false, reason: 'empty' });
    expect(twapValue(late.state, 1_999)).toEqual({ ok: false, reason: 'out_of_order' });
  });

  it('is bounded by capacity', () => {
    let s = newTwap(1_000_000, 3);
    for (let t = 0; t < 10; t++) s = push(s, t * 10, BigInt(t + 1));
    expect(s.points.length).toBe(3);
    // Oldest retained point is t=70: covered 70..100 (now) -> (8 × 10 + 9 × 10 + 10 × 10) / 30 = 9.
    expect(twapValue(s, 100)).toEqual({ ok: true, price: 9n, coveredMs: 30 });
  });

  it('property: the TWAP lies within [min, max] of the prices in the buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.bigInt({ min: 1n, max: 10n ** 15n })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 5_000 }),
        (steps, extra) => {
          let s = newTwap(20_000, 32);
          let t = 0;
          for (const [dt, p] of steps) {
            t += dt;
            s = push(s, t, p);
          }
          const v = twapValue(s, t + extra);
          expect(v.ok).toBe(true);
          if (!v.ok) return;
          const ps = s.points.map((x) => x.price);
          const lo = ps.reduce((a, b) => (b < a ? b : a));
          const hi = ps.reduce((a, b) => (b > a ? b : a));
          expect(v.price >= lo && v.price <= hi).toBe(true);
          expect(s.points.length <= 32).toBe(true);
        },
      ),
    );
  });
});
