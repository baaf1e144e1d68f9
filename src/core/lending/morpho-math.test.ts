// Morpho Blue's rounding (morpho-org/morpho-blue 3085651, src/libraries/MathLib.sol, SharesMathLib.sol), figures
// worked by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulDivDown, mulDivUp, toAssetsDown, toAssetsUp, toSharesDown, toSharesUp, WAD, wDivDown, wDivUp, wMulDown } from './morpho-math.js';

describe('Morpho MathLib and SharesMathLib', () => {
  it('mulDivDown floors, mulDivUp ceils', () => {
    expect(mulDivDown(10n, 1n, 3n)).toBe(3n);
    expect(mulDivUp(10n, 1n, 3n)).toBe(4n);
    expect(mulDivUp(9n, 1n, 3n)).toBe(3n);
    expect(wMulDown(WAD / 3n, 3n)).toBe(0n); // 333333333333333333 * 3 / 1e18 = 0.999... -> 0
    expect(wDivDown(1n, 3n * WAD)).toBe(0n);
    expect(wDivUp(1n, 3n * WAD)).toBe(1n);
  });
  it('shares on an empty market: 1 asset = 1e6 shares (virtual shares 1e6, virtual assets 1)', () => {
    expect(toSharesDown(1n, 0n, 0n)).toBe(1_000_000n);
    expect(toAssetsDown(1_000_000n, 0n, 0n)).toBe(1n);
    // 100 assets over 1e8 shares: one share is worth 101 / 100_000_000+1e6 = 1e-6 assets
    expect(toAssetsUp(1n, 100n, 100_000_000n)).toBe(1n);
    expect(toAssetsDown(1n, 100n, 100_000_000n)).toBe(0n);
  });
  it('round trips favour the protocol', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 36n }), (a, ta, ts) => {
        expect(toAssetsDown(toSharesDown(a, ta, ts), ta, ts) <= a).toBe(true);
        expect(toAssetsUp(toSharesUp(a, ta, ts), ta, ts) >= a).toBe(true);
        expect(toSharesUp(a, ta, ts) - toSharesDown(a, ta, ts) <= 1n).toBe(true);
      }),
    );
  });
});
