import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RAY, WAD, rdiv, rmul, rpow, wmul } from './ray-math.js';

describe('dss RAY/WAD math (clip.sol, abaci.sol)', () => {
  it('wmul, rmul and rdiv floor as Solidity integer division does', () => {
    expect(wmul(3n * WAD, (5n * WAD) / 2n)).toBe((15n * WAD) / 2n); // 3 x 2.5 = 7.5
    expect(wmul(1n, WAD - 1n)).toBe(0n); // 0.999.. atoms -> 0
    expect(rmul(1n, RAY - 1n)).toBe(0n);
    expect(rmul(4n * RAY, (125n * RAY) / 100n)).toBe(5n * RAY); // clip.t.sol takeSetup: top = $4 x buf 1.25 = $5
    expect(rdiv(1n, 3n)).toBe(333_333_333_333_333_333_333_333_333n); // 1e27 / 3 = 333..3 (27 threes), floor
    expect(rdiv(2n, 3n)).toBe(666_666_666_666_666_666_666_666_666n); // 666..6.67 floors to ..6
  });

  it('rpow: exact powers, the n = 0 and x = 0 corners', () => {
    expect(rpow(2n * RAY, 10n, RAY)).toBe(1024n * RAY);
    expect(rpow(RAY / 2n, 3n, RAY)).toBe(RAY / 8n); // 0.125 RAY exactly
    expect(rpow(0n, 0n, RAY)).toBe(RAY);
    expect(rpow(0n, 5n, RAY)).toBe(0n);
    expect(rpow(7n * RAY, 1n, RAY)).toBe(7n * RAY);
  });

  it('rpow rounds each product to nearest, halves up (not floor)', () => {
    // base 2: x = 3 means 1.5. n = 2: z = b = 2 (n even); the loop squares x: (9 + 1) / 2 = 5 (4.5 rounds up),
    // then z = (2 x 5 + 1) / 2 = 5. So 1.5^2 = 2.25 is 4.5 units of 1/2 and comes out as 5; flooring would give 4.
    expect(rpow(3n, 2n, 2n)).toBe(5n);
    // base 10: x = 15 (1.5), n = 3: z = 15 (n odd); square: (225 + 5) / 10 = 23; z = (15 x 23 + 5) / 10 = 35.
    // 1.5^3 = 3.375 -> 33.75 units; squaring first rounded 2.25 up to 2.3, which carries: 35. dss gives the same.
    expect(rpow(15n, 3n, 10n)).toBe(35n);
  });

  it('rpow agrees with the exact power within n units of RAY for cut-like bases (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: RAY / 2n, max: RAY }), fc.integer({ min: 1, max: 64 }), (x, nNum) => {
        const n = BigInt(nNum);
        const got = rpow(x, n, RAY);
        const exactScaled = x ** n; // x^n / RAY^(n-1) is the exact value in ray units
        const denominator = RAY ** (n - 1n);
        const diff = got * denominator - exactScaled;
        const absDiff = diff < 0n ? -diff : diff;
        // each of at most 2 log2(n) + 1 roundings adds at most half a unit, scaled by a factor <= 1 afterwards
        return absDiff <= n * denominator;
      }),
      { seed: 18, numRuns: 300 },
    );
  });
});
