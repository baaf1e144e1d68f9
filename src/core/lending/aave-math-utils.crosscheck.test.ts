// Cross-check of the health factor against Aave's own JS library, @aave/math-utils 1.38.0
// (calculateHealthFactorFromBalances: collateral x threshold / 1e4 / debt in bignumber.js, 20 decimal places,
// ROUND_HALF_UP), on 10,000 seeded random portfolios.
//
// What "agree to the last digit its rounding allows" means here:
// - math-utils divides the exact numerator collateral x threshold / 1e4 by the debt and rounds at the 20th
//   decimal; the contract (and we) first round that numerator half up to a base-currency atom (percentMul), then
//   divide and round half up at the 18th decimal (wadDiv). Fed the same account totals, the two may differ by at
//   most 0.5/debt (the numerator's rounding) + 0.5e-18 (ours) + 0.5e-20 (theirs); checked exactly, in rationals.
// - Fed the numerator already rounded as percentMul rounds it (threshold 100%), they must agree to our 18th
//   decimal: ours = theirs rounded half up to 18 places, except when theirs' 20-place figure ends in 50 (a tie
//   created by their own rounding at the 20th place, double rounding), where ours may be one unit below.
import { calculateHealthFactorFromBalances } from '@aave/math-utils';
import BigNumber from 'bignumber.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentMul, RAY } from './aave-math.js';
import { calculateUserAccountData, type AaveAccount, type AavePosition, type AaveReserve } from './aave-reserve.js';
import { market } from './aave-testkit.js';

const SEED = 20_261_202;
const RUNS = 10_000;

const reserveArb = (id: number): fc.Arbitrary<AaveReserve> =>
  fc
    .record({
      decimals: fc.constantFrom(6, 8, 18),
      priceBase: fc.bigInt({ min: 1n, max: 10n ** 13n }), // up to $100,000 a unit at 8 decimals
      liquidationThresholdBps: fc.bigInt({ min: 0n, max: 9_700n }),
      ltvCut: fc.bigInt({ min: 0n, max: 2_000n }),
      liquidityIndexRay: fc.bigInt({ min: RAY, max: 3n * RAY }),
      variableBorrowIndexRay: fc.bigInt({ min: RAY, max: 3n * RAY }),
    })
    .map((r) => ({
      asset: `A${id}`,
      id,
      decimals: r.decimals,
      ltvBps: r.liquidationThresholdBps > r.ltvCut ? r.liquidationThresholdBps - r.ltvCut : 0n,
      liquidationThresholdBps: r.liquidationThresholdBps,
      liquidationBonusBps: 10_500n,
      liquidationProtocolFeeBps: 1_000n,
      priceBase: r.priceBase,
      liquidityIndexRay: r.liquidityIndexRay,
      variableBorrowIndexRay: r.variableBorrowIndexRay,
      liquidityRateRay: 0n,
      variableBorrowRateRay: 0n,
      lastUpdateS: 0n,
    }));

const positionArb: fc.Arbitrary<AavePosition> = fc.record({
  scaledSupply: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  scaledDebt: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  collateralEnabled: fc.boolean(),
});

const portfolioArb = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.tuple(
    fc.tuple(...Array.from({ length: n }, (_, i) => reserveArb(i))),
    fc.array(positionArb, { minLength: n, maxLength: n }),
  ),
);

/** A BigNumber's exact value as numerator / 10^places (it is a terminating decimal). */
function asScaled(x: BigNumber, places: number): bigint {
  const fixed = x.toFixed(places, BigNumber.ROUND_HALF_UP); // exact: x has at most 20 places
  return BigInt(fixed.replace('.', ''));
}

describe('health factor vs @aave/math-utils', () => {
  it(`agrees on ${RUNS.toLocaleString('en')} seeded random portfolios, within the rounding each side does`, () => {
    let withDebt = 0;
    let doubleRoundingTies = 0;
    fc.assert(
      fc.property(portfolioArb, ([reserves, positions]) => {
        const m = market(reserves);
        const account: AaveAccount = { eMode: 0, positions: new Map(reserves.map((r, i) => [r.asset, positions[i]!])) };
        const d = calculateUserAccountData(m, account, 0n);
        if (d.totalDebtBase === 0n) return; // both sides answer "no HF" (max / -1)
        withDebt += 1;
        const ours = d.healthFactorWad;
        const D = d.totalDebtBase;

        // 1. The same account totals: |ours - theirs| <= 0.5/D + 0.5e-18 + 0.5e-20, in units of 1e-20:
        //    |ours x 100 - T| <= 0.5e20/D + 50 + 0.5  <=>  2D|ours x 100 - T| <= 1e20 + 101 D.
        const theirs = calculateHealthFactorFromBalances({
          collateralBalanceMarketReferenceCurrency: d.totalCollateralBase.toString(),
          borrowBalanceMarketReferenceCurrency: D.toString(),
          currentLiquidationThreshold: d.avgLiquidationThresholdBps.toString(),
        });
        const T = asScaled(theirs, 20);
        const diff = ours * 100n - T;
        expect(2n * D * (diff < 0n ? -diff : diff) <= 10n ** 20n + 101n * D).toBe(true);

        // 2. The numerator rounded as percentMul rounds it: ours = theirs half up at 18 places (ties of theirs' own
        //    20th-place rounding aside, where ours may be one unit lower).
        const numerator = percentMul(d.totalCollateralBase, d.avgLiquidationThresholdBps);
        const theirsRounded = calculateHealthFactorFromBalances({
          collateralBalanceMarketReferenceCurrency: numerator.toString(),
          borrowBalanceMarketReferenceCurrency: D.toString(),
          currentLiquidationThreshold: '10000',
        });
        const at18 = asScaled(theirsRounded.decimalPlaces(18, BigNumber.ROUND_HALF_UP), 18);
        if (ours !== at18) {
          const t20 = asScaled(theirsRounded, 20);
          expect(t20 % 100n).toBe(50n);
          expect(at18 - ours).toBe(1n);
          doubleRoundingTies += 1;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // the generator must reach the interesting cases: most portfolios carry debt
    expect(withDebt).toBeGreaterThan(RUNS / 2);
    expect(doubleRoundingTies).toBeLessThan(withDebt / 100);
  });
});
