// Comet's rounding directions (compound-finance/comet d5a30b0, contracts/CometCore.sol and Comet.sol), each figure
// worked by hand; the index projection is test/accrue-test.ts's projectBaseIndex (index + index*rate*dt/1e18).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accrueCometIndexes, accruedIndexes, BASE_INDEX_SCALE, cometRate, cometUtilization, SECONDS_PER_YEAR, type CometRates, divPrice, mulFactor, mulPrice, presentValue, presentValueBorrow, presentValueSupply,
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

  // compound-finance/comet test/interest-rate-test.ts (d5a30b0): its interestRateParams per year, made per second as
  // Comet's constructor does (perYear / SECONDS_PER_YEAR, floor); its check: rate x SECONDS_PER_YEAR within 1e8 wei
  // of the annual figure. The exact per-second values are worked by hand from the floors.
  const perSecond = (perYearWad: bigint): bigint => perYearWad / SECONDS_PER_YEAR;
  const E16 = 10n ** 16n;
  const RATES: CometRates = {
    supply: { kink: 80n * E16, perSecondInterestRateBase: 0n, perSecondInterestRateSlopeLow: perSecond(4n * E16), perSecondInterestRateSlopeHigh: perSecond(40n * E16) },
    borrow: { kink: 80n * E16, perSecondInterestRateBase: perSecond(E16), perSecondInterestRateSlopeLow: perSecond(5n * E16), perSecondInterestRateSlopeHigh: perSecond(30n * E16) },
  };
  const near = (perSecondRate: bigint, annualWad: bigint): boolean => {
    const d = perSecondRate * SECONDS_PER_YEAR - annualWad;
    return (d < 0n ? -d : d) <= 10n ** 8n;
  };

  it("interest-rate-test.ts 'when below kink utilization': u = 0.1, supply 0.4%, borrow 1.5% a year", () => {
    expect(RATES.supply.perSecondInterestRateSlopeLow).toBe(1_268_391_679n); // 0.04e18 / 31,536,000 = 1,268,391,679.35
    const totals = { baseSupplyIndex: 2n * BASE_INDEX_SCALE, baseBorrowIndex: 4n * BASE_INDEX_SCALE, totalSupplyBase: 500n, totalBorrowBase: 25n };
    const u = cometUtilization(totals); // 25 x 4 / (500 x 2) = 0.1
    expect(u).toBe(10n * E16);
    const supply = cometRate(RATES.supply, u);
    const borrow = cometRate(RATES.borrow, u);
    expect(supply).toBe(126_839_167n); // 1,268,391,679 x 0.1, floor
    expect(borrow).toBe(317_097_919n + 158_548_959n);
    expect(near(supply, 4n * 10n ** 15n)).toBe(true);
    expect(near(borrow, 15n * 10n ** 15n)).toBe(true);
  });

  it('above the kink: u = 0.9, supply 0.04 x 0.8 + 0.4 x 0.1 = 7.2%, borrow 0.01 + 0.05 x 0.8 + 0.3 x 0.1 = 8% a year', () => {
    const u = cometUtilization({ baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 1000n, totalBorrowBase: 900n });
    expect(u).toBe(90n * E16);
    const supply = cometRate(RATES.supply, u);
    const borrow = cometRate(RATES.borrow, u);
    expect(supply).toBe(1_014_713_343n + 1_268_391_679n);
    expect(borrow).toBe(317_097_919n + 1_268_391_679n + 951_293_759n);
    expect(near(supply, 72n * 10n ** 15n)).toBe(true);
    expect(near(borrow, 8n * E16)).toBe(true);
  });

  it('no supply is utilization 0 (Comet.getUtilization), and accrual uses the rates at the utilization before it', () => {
    expect(cometUtilization({ baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 0n, totalBorrowBase: 0n })).toBe(0n);
    const totals = { baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 1000n, totalBorrowBase: 900n };
    const day = 86_400n;
    expect(accrueCometIndexes(totals, RATES, day)).toEqual(accruedIndexes(totals, 2_283_105_022n, 2_536_783_357n, day));
    expect(accrueCometIndexes(totals, RATES, 0n)).toBe(totals);
  });
});
