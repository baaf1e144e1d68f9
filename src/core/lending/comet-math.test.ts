// Comet's rounding directions (compound-finance/comet d5a30b0, contracts/CometCore.sol and Comet.sol), each figure
// worked by hand; the index projection is test/accrue-test.ts's projectBaseIndex (index + index*rate*dt/1e18).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accruedIndexes, BASE_INDEX_SCALE, divPrice, mulFactor, mulPrice, presentValue, presentValueBorrow, presentValueSupply,
  principalValue, principalValueBorrow, principalValueSupply, signedMulPrice,
} from './comet-math.js';

describe('Comet math', () => {
  it('mulFactor, mulPrice and divPrice floor', () => {
    expect(mulFactor(10n, 333_333_333_333_333_333n)).toBe(3n); // 3.33 -> 3
    expect(mulPrice(1n, 175n * 10n ** 8n, 10n ** 18n)).toBe(0n); // 1 wei of COMP at $175: 1.75e-8 -> 0
    expect(divPrice(10n ** 8n, 3n * 10n ** 8n, 10n ** 6n)).toBe(333_333n); // $1 at $3 per unit, 6 decimals
  });
  it('signedMulPrice truncates toward zero (Solidity int division)', () => {
    expect(signedMulPrice(-7n, 1n, 2n)).toBe(-3n); // -3.5 -> -3, not floor's -4
    expect(signedMulPrice(7n, 1n, 2n)).toBe(3n);
  });
  it('borrow principal rounds up, supply principal down: the protocol never loses a unit', () => {
    const index = 1_000_000_000_000_001n; // 1.000000000000001e15
    expect(principalValueSupply(index, 10n ** 6n)).toBe(999_999n); // 1e21 / 1.000000000000001e15 = 999999.999... -> 999999
    expect(principalValueBorrow(index, 10n ** 6n)).toBe(1_000_000n); // -> up
    expect(presentValueSupply(2n * BASE_INDEX_SCALE, 5n)).toBe(10n);
    expect(presentValueBorrow(3n * BASE_INDEX_SCALE, 5n)).toBe(15n);
    fc.assert(
      fc.property(fc.bigInt({ min: BASE_INDEX_SCALE, max: 10n * BASE_INDEX_SCALE }), fc.bigInt({ min: 0n, max: 10n ** 24n }), (i, pv) => {
        // a borrow recorded from pv is worth at least pv; a supply at most pv
        expect(presentValueBorrow(i, principalValueBorrow(i, pv)) >= pv).toBe(true);
        expect(presentValueSupply(i, principalValueSupply(i, pv)) <= pv).toBe(true);
      }),
    );
  });
  it('signed present and principal values pick the supply or the borrow index', () => {
    const idx = { baseSupplyIndex: 2n * BASE_INDEX_SCALE, baseBorrowIndex: 3n * BASE_INDEX_SCALE };
    expect(presentValue(idx, 10n)).toBe(20n);
    expect(presentValue(idx, -10n)).toBe(-30n);
    expect(principalValue(idx, -31n)).toBe(-11n); // 31/3 = 10.33 -> 11 (borrow rounds up)
    expect(principalValue(idx, 31n)).toBe(15n); // 31/2 = 15.5 -> 15
  });
  it('accrues as accrue-test.ts projects: index + index*rate*dt/1e18', () => {
    const idx = { baseSupplyIndex: 2n * BASE_INDEX_SCALE, baseBorrowIndex: 3n * BASE_INDEX_SCALE };
    // supply 1e9/s (3.15% a year) over 1000 s: 2e15 * 1e12 / 1e18 = 2e9 more
    const next = accruedIndexes(idx, 10n ** 9n, 2n * 10n ** 9n, 1000n);
    expect(next.baseSupplyIndex).toBe(2n * BASE_INDEX_SCALE + 2_000_000_000n);
    expect(next.baseBorrowIndex).toBe(3n * BASE_INDEX_SCALE + 6_000_000_000n);
    expect(accruedIndexes(idx, 10n ** 9n, 10n ** 9n, 0n)).toBe(idx);
  });
});
