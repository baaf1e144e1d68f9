import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divRound, isqrt, isqrtCeil, mulDiv, type Rounding } from './fixed.js';

const modes: Rounding[] = ['floor', 'ceil', 'trunc', 'away', 'half_even'];

describe('divRound', () => {
  it('rounds 7/2 and -7/2 in each mode', () => {
    expect(modes.map((m) => divRound(7n, 2n, m))).toEqual([3n, 4n, 3n, 4n, 4n]);
    expect(modes.map((m) => divRound(-7n, 2n, m))).toEqual([-4n, -3n, -3n, -4n, -4n]);
    expect(modes.map((m) => divRound(5n, 2n, m))).toEqual([2n, 3n, 2n, 3n, 2n]);
    expect(modes.map((m) => divRound(7n, -2n, m))).toEqual([-4n, -3n, -3n, -4n, -4n]);
  });

  it('half_even rounds to nearest away from ties', () => {
    expect(divRound(7n, 3n, 'half_even')).toBe(2n); // 2.33
    expect(divRound(8n, 3n, 'half_even')).toBe(3n); // 2.67
    expect(divRound(-8n, 3n, 'half_even')).toBe(-3n);
  });

  it('floor <= exact <= ceil and they differ by at most one', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt().filter((d) => d !== 0n), (n, d) => {
        const f = divRound(n, d, 'floor');
        const c = divRound(n, d, 'ceil');
        // f <= n/d <= c, compared without division: f*d <= n (d>0) etc.
        const pos = d > 0n;
        expect(pos ? f * d <= n : f * d >= n).toBe(true);
        expect(pos ? c * d >= n : c * d <= n).toBe(true);
        expect(c - f === 0n || c - f === 1n).toBe(true);
        expect(c - f === 0n).toBe(n % d === 0n);
      }),
    );
  });

  it('half_up rounds ties away from zero and agrees with (n + d/2) / d for n >= 0, d > 0', () => {
    expect(divRound(5n, 2n, 'half_up')).toBe(3n); // 2.5 -> 3 (half_even gives 2)
    expect(divRound(-5n, 2n, 'half_up')).toBe(-3n);
    expect(divRound(7n, 3n, 'half_up')).toBe(2n); // 2.33
    expect(divRound(8n, 3n, 'half_up')).toBe(3n); // 2.67
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 60n }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (n, d) => {
        expect(divRound(n, d, 'half_up')).toBe((n + d / 2n) / d);
      }),
    );
  });

  it('mulDiv rounds once', () => {
    expect(mulDiv(10n, 3n, 4n, 'floor')).toBe(7n);
    expect(mulDiv(10n, 3n, 4n, 'ceil')).toBe(8n);
  });
});

describe('isqrt', () => {
  it('is the floor square root', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), (n) => {
        const r = isqrt(n);
        expect(r * r <= n).toBe(true);
        expect((r + 1n) * (r + 1n) > n).toBe(true);
        const c = isqrtCeil(n);
        expect(c * c >= n).toBe(true);
        expect(c === 0n || (c - 1n) * (c - 1n) < n).toBe(true);
      }),
    );
    expect(isqrt(0n)).toBe(0n);
    expect(isqrt(99n)).toBe(9n);
    expect(isqrt(100n)).toBe(10n);
  });
});
