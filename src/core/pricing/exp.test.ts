import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expNegWad } from './exp.js';

const WAD = 10n ** 18n;

describe('expNegWad', () => {
  it('matches exp(-x)·1e18 correctly rounded (reference: Python decimal, 80 digits)', () => {
    // x = n/d -> round_half_even(exp(-x) · 1e18); the exact reals are in the comments.
    const cases: [bigint, bigint, bigint][] = [
      [0n, 1n, 1_000_000_000_000_000_000n],
      [1n, 1n, 367_879_441_171_442_322n], // 367879441171442321.5955...
      [1n, 2n, 606_530_659_712_633_424n], // 606530659712633423.6037...
      [2n, 1n, 135_335_283_236_612_692n], // 135335283236612691.8939...
      [10n, 1n, 45_399_929_762_485n], // 45399929762484.8515...
      [3_000n, 150_000n, 980_198_673_306_755_302n], // 3 s of a 150 s EMA: ...302.2208...
      [1_000n, 30_000n, 967_216_100_482_005_902n], // 1 s of a 30 s EMA: ...902.0409...
      [999_999n, 1_000_000n, 367_879_809_051_067_433n], // ...432.8197...
      [1_051_234n, 150_000n, 904_410_989_335_111n], // ...111.0659...
      [1n, 10n ** 18n, 999_999_999_999_999_999n], // ...999.0000000000000000005
      [41n, 1n, 2n], // 1.5628...
      [42n, 1n, 1n], // 0.5749...
      [43n, 1n, 0n], // 0.2115...
      [44n, 1n, 0n],
      [10n ** 30n, 1n, 0n],
    ];
    for (const [n, d, want] of cases) expect([n, d, expNegWad(n, d)]).toEqual([n, d, want]);
  });

  it('is non-increasing in x and stays in [0, 1e18]', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (n, d) => {
        const a = expNegWad(n, d);
        const b = expNegWad(n + 1n, d);
        expect(a >= b).toBe(true);
        expect(a >= 0n && a <= WAD).toBe(true);
      }),
    );
  });

  it('multiplies: exp(-a)·exp(-b) = exp(-(a+b)) within a few units in the last place', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 5_000_000n }), fc.bigInt({ min: 0n, max: 5_000_000n }), (a, b) => {
        const d = 1_000_000n;
        const lhs = (expNegWad(a, d) * expNegWad(b, d)) / WAD;
        const rhs = expNegWad(a + b, d);
        const diff = lhs > rhs ? lhs - rhs : rhs - lhs;
        expect(diff <= 2n).toBe(true);
      }),
    );
  });
});
