import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ppm, price, rateE9, size, type RateE9 } from '../units/index.js';
import {
  averagePremium,
  binanceFundingRate,
  dydxFundingRate8h,
  dydxMaxAbsFundingPpm,
  dydxPremiumSample,
  dydxRemoveSampleTails,
  fundingIndexDelta,
  fundingIndexE9,
  hyperliquidFundingRate,
  interestClamp,
  premiumIndex,
  settleFunding,
  settleFundingBatch,
  type DydxFundingParams,
} from './funding.js';

const r = (n: bigint): RateE9 => rateE9(n);

describe('premium index', () => {
  it('is [max(0, impact bid - index) - max(0, index - impact ask)] / index, half_even', () => {
    const pi = (bid: bigint, ask: bigint, index: bigint) =>
      premiumIndex({ impactBid: price(bid), impactAsk: price(ask), index: price(index) });
    expect(pi(10_100n, 10_120n, 10_000n)).toEqual({ ok: true, value: 10_000_000n }); // +1%
    expect(pi(9_880n, 9_900n, 10_000n)).toEqual({ ok: true, value: -10_000_000n }); // -1%
    expect(pi(9_990n, 10_010n, 10_000n)).toEqual({ ok: true, value: 0n }); // index inside the impact spread
    expect(pi(4n, 5n, 3n)).toEqual({ ok: true, value: 333_333_333n }); // 1/3
    expect(pi(4n, 5n, 0n)).toEqual({ ok: false, reason: 'invalid_input' });
  });

  it('averages equally (Hyperliquid) or with weights 1..n (Binance)', () => {
    const s = [r(1n), r(2n), r(3n)];
    expect(averagePremium(s, 'equal')).toEqual({ ok: true, value: 2n });
    expect(averagePremium(s, 'linear')).toEqual({ ok: true, value: 2n }); // 14 / 6 = 2.33
    expect(averagePremium([r(0n), r(10n)], 'linear')).toEqual({ ok: true, value: 7n }); // 20 / 3 = 6.67
    expect(averagePremium([], 'equal')).toEqual({ ok: false, reason: 'no_samples' });
  });
});

describe('Binance funding rate', () => {
  const params = { interestRate: r(100_000n), clampBand: r(500_000n), capRate: r(20_000_000n), floorRate: r(-20_000_000n), intervalHours: 8 };
  it('is the interest rate whenever the premium is within ±0.05% of it', () => {
    // P = 0.001%: I - P = 0.009% is inside the band, so F = P + (I - P) = I = 0.01%.
    expect(binanceFundingRate(r(10_000n), params)).toEqual({ ok: true, value: 100_000n });
    // P = 0.1%: I - P = -0.09% -> clamped to -0.05%, F = 0.05%.
    expect(binanceFundingRate(r(1_000_000n), params)).toEqual({ ok: true, value: 500_000n });
    // P = -0.2%: I - P = 0.21% -> 0.05%, F = -0.15%.
    expect(binanceFundingRate(r(-2_000_000n), params)).toEqual({ ok: true, value: -1_500_000n });
  });
  it('golden table (pricing-goldens.md §1.3): F = P + clamp(I - P, ±0.05%) with I = 0.01%', () => {
    const rows: [bigint, bigint][] = [
      [100_000n, 100_000n],
      [300_000n, 100_000n],
      [600_000n, 100_000n], // the boundary still gives I
      [1_000_000n, 500_000n],
      [-400_000n, 100_000n],
      [-1_000_000n, -500_000n],
    ];
    for (const [pBar, f] of rows) expect([pBar, binanceFundingRate(r(pBar), params)]).toEqual([pBar, { ok: true, value: f }]);
    // Premium vectors at index 10,000: impact 10,010 / 10,020 -> +0.1%; 9,980 / 9,990 -> -0.1%; 9,995 / 10,005 -> 0.
    const pi = (bid: bigint, ask: bigint) => premiumIndex({ impactBid: price(bid), impactAsk: price(ask), index: price(10_000n) });
    expect([pi(10_010n, 10_020n), pi(9_980n, 9_990n), pi(9_995n, 10_005n)]).toEqual([
      { ok: true, value: 1_000_000n },
      { ok: true, value: -1_000_000n },
      { ok: true, value: 0n },
    ]);
  });

  it('BitMEX worked example (support article 24430352016157): PI8H -0.00184, I 0.01% -> F = -0.00134', () => {
    expect(interestClamp(r(-1_840_000n), r(100_000n), r(500_000n))).toBe(-1_340_000n);
  });

  it('divides by 8/N for shorter intervals and applies the cap and floor', () => {
    expect(binanceFundingRate(r(10_000n), { ...params, intervalHours: 4 })).toEqual({ ok: true, value: 50_000n });
    expect(binanceFundingRate(r(30_000_000n), params)).toEqual({ ok: true, value: 20_000_000n });
    expect(binanceFundingRate(r(-30_000_000n), params)).toEqual({ ok: true, value: -20_000_000n });
    expect(binanceFundingRate(r(0n), { ...params, intervalHours: 0 })).toEqual({ ok: false, reason: 'invalid_input' });
  });
});

describe('Hyperliquid funding rate', () => {
  it('golden: impact bid 10,100 vs oracle 10,000 -> premium 1%, 8 h rate 0.95%, hourly 0.11875%', () => {
    // F = 1% + clamp(0.01% - 1%, -0.05%, 0.05%) = 0.95%; paid hourly at one eighth.
    expect(hyperliquidFundingRate(r(10_000_000n))).toEqual({ rate8h: 9_500_000n, hourly: 1_187_500n });
    // A quiet market pays the interest: 0.01% / 8 = 0.00125% per hour.
    expect(hyperliquidFundingRate(r(0n))).toEqual({ rate8h: 100_000n, hourly: 12_500n });
  });
  it('hourly payment for 10 BTC at oracle 10,000 is 118.75 USDC (pricing-goldens.md §3.3)', () => {
    const { hourly } = hyperliquidFundingRate(r(10_000_000n));
    const d = fundingIndexDelta({ rate: hourly, price: price(10_000n), priceDecimals: 0, quoteDecimals: 6 });
    expect(d.ok && settleFunding(size(1_000_000_000n), d.value, 8).change).toBe(-118_750_000n);
  });

  it('caps the hourly rate at 4%', () => {
    expect(hyperliquidFundingRate(r(400_000_000n)).hourly).toBe(40_000_000n);
    expect(hyperliquidFundingRate(r(-400_000_000n)).hourly).toBe(-40_000_000n);
  });
});

describe('dYdX funding rate', () => {
  it('removes tails as GetRemoveSampleTailsFunc (cases from dYdX perpetual_test.go)', () => {
    const t = (xs: bigint[]) => dydxRemoveSampleTails(xs, ppm(250_000n));
    expect(t([])).toEqual([]);
    expect(t([0n])).toEqual([0n]);
    expect(t([0n, -1n, -3n])).toEqual([-3n, -1n]); // bottom 0, top 1
    expect(t([0n, -1n, -3n, 5n])).toEqual([-1n, 0n]);
    expect(t([0n, -1n, -3n, 5n, 7n])).toEqual([-1n, 0n, 5n]);
  });

  const lt: DydxFundingParams = {
    minSamples: 60,
    tailRemovalPpm: ppm(0n),
    defaultFundingPpm: 0n,
    initialMarginPpm: ppm(50_000n), // 5%
    maintenanceFractionPpm: ppm(600_000n), // MMF = 3%
    clampFactorPpm: ppm(6_000_000n), // 600%
  };

  it('clamps at factor × (IMF - MMF): 600% × (15% - 12%) = 18% (a dYdX test case)', () => {
    expect(
      dydxMaxAbsFundingPpm({ ...lt, initialMarginPpm: ppm(150_000n), maintenanceFractionPpm: ppm(800_000n) }),
    ).toBe(180_000n);
    expect(dydxMaxAbsFundingPpm(lt)).toBe(120_000n);
  });

  it('averages the padded samples with truncation, adds the default, clamps', () => {
    // Three non-zero samples in a 60-sample tick: (100 + 200 + 300) / 60 = 10 ppm.
    expect(dydxFundingRate8h([100n, 200n, 300n], lt)).toEqual({ ok: true, value: { ratePpm: 10n, rate: 10_000n } });
    // -7 / 2 = -3.5 -> -3 (toward zero), + default 1 = -2.
    expect(dydxFundingRate8h([-7n], { ...lt, minSamples: 2, defaultFundingPpm: 1n })).toMatchObject({
      value: { ratePpm: -2n },
    });
    expect(dydxFundingRate8h([1_000_000n], { ...lt, minSamples: 1 })).toMatchObject({ value: { ratePpm: 120_000n } });
    expect(dydxFundingRate8h([], lt)).toMatchObject({ value: { ratePpm: 0n } });
  });

  it('end-to-end tick vectors (dYdX TestMaybeProcessNewFundingTickEpoch, via pricing-goldens.md §4.2)', () => {
    // BTC $50,000 (price 5e9, exponent -5), 1 h tick of an 8 h rate. dYdX's Δindex is ppm × quote quantums per
    // base quantum (atomic resolution -10); ours is quote atoms per whole BTC × 1e9 = dYdX's × 1e10 × 1e3.
    const tier = (im: bigint, frac: bigint): DydxFundingParams => ({
      ...lt,
      initialMarginPpm: ppm(im),
      maintenanceFractionPpm: ppm(frac),
    });
    const t100_75 = tier(1_000_000n, 750_000n);
    const cases: [bigint, DydxFundingParams, bigint, bigint][] = [
      [1_000n, t100_75, 1_000n, 625n],
      [-1_000n, t100_75, -1_000n, -625n],
      [2_147_483_647n, t100_75, 1_500_000n, 937_500n],
      [-2_147_483_648n, t100_75, -1_500_000n, -937_500n],
      [2_000n, t100_75, 2_000n, 1_250n],
      [150_000n, tier(200_000n, 900_000n), 120_000n, 75_000n],
      [-150_000n, tier(200_000n, 900_000n), -120_000n, -75_000n],
      [120_000n, tier(1_000_000n, 1_000_000n), 0n, 0n],
    ];
    for (const [sample, params, wantPpm, dydxDelta] of cases) {
      const rate = dydxFundingRate8h(new Array<bigint>(60).fill(sample), params);
      expect(rate.ok && rate.value.ratePpm).toBe(wantPpm);
      if (!rate.ok) continue;
      const d = fundingIndexDelta({
        rate: rate.value.rate,
        price: price(5_000_000_000n),
        priceDecimals: 5,
        quoteDecimals: 6,
        elapsedMs: 3_600_000,
        periodMs: 28_800_000,
      });
      expect(d).toEqual({ ok: true, value: dydxDelta * 10n ** 13n });
    }
    // 30 s samples (120 expected), 60 of 1,000: zero padding halves the rate to 500 ppm.
    expect(dydxFundingRate8h(new Array<bigint>(60).fill(1_000n), { ...t100_75, minSamples: 120 })).toMatchObject({
      value: { ratePpm: 500n },
    });
    // Mainnet-like: IMF 2%, maintenance fraction 60% -> clamp 48,000 ppm; 60 × 50 + default 100 = 150 ppm.
    const mainnet = { ...tier(20_000n, 600_000n), defaultFundingPpm: 100n };
    expect(dydxMaxAbsFundingPpm(mainnet)).toBe(48_000n);
    expect(dydxFundingRate8h(new Array<bigint>(60).fill(50n), mainnet)).toMatchObject({ value: { ratePpm: 150n } });
  });

  it('makes a sample from the median of zero-padded votes', () => {
    expect(dydxPremiumSample([5n, 1n], 3)).toEqual({ ok: true, value: 1n }); // [5, 1, 0]
    expect(dydxPremiumSample([6n, 7n], 0)).toEqual({ ok: true, value: 7n }); // 6.5 -> 7
    expect(dydxPremiumSample([], 0)).toEqual({ ok: false, reason: 'no_samples' });
  });
});

describe('funding index', () => {
  it('rises by rate × price in quote atoms per whole base unit × 1e9', () => {
    // 0.01% of 60,000.00 USDC (6 decimals) = 6 USDC = 6,000,000 atoms.
    expect(
      fundingIndexDelta({ rate: r(100_000n), price: price(6_000_000n), priceDecimals: 2, quoteDecimals: 6 }),
    ).toEqual({ ok: true, value: 6_000_000n * 10n ** 9n });
  });

  it('agrees with dYdX GetFundingIndexDelta ("Varied parameters (2)", atomic resolution 0) scaled ppm -> 1e9', () => {
    // dYdX: rate -1,001,999 ppm (8 h), price 1000 × 10^-6, 1 h of 8 h, one base quantum = one whole unit:
    // index delta -125,249,875 (ppm × quote quantums per base quantum). Ours is the same figure × 1000.
    const d = fundingIndexDelta({
      rate: r(-1_001_999_000n),
      price: price(1_000n),
      priceDecimals: 6,
      quoteDecimals: 6,
      elapsedMs: 3_600_000,
      periodMs: 28_800_000,
    });
    expect(d).toEqual({ ok: true, value: -125_249_875_000n });
  });
});

describe('funding settlement', () => {
  const D = fundingIndexE9(6_000_000n * 10n ** 9n); // 6 USDC per BTC
  it('charges size × Δindex / (10^baseDecimals × 1e9): payer rounds up, receiver rounds down', () => {
    expect(settleFunding(size(150_000_000n), D, 8)).toMatchObject({ change: -9_000_000n, dustNumerator: 0n });
    expect(settleFunding(size(-150_000_000n), D, 8)).toMatchObject({ change: 9_000_000n, dustNumerator: 0n });
    // 1 satoshi owes 0.06 atoms: the long pays 1, the short receives 0.
    expect(settleFunding(size(1n), D, 8)).toMatchObject({ change: -1n });
    expect(settleFunding(size(-1n), D, 8)).toMatchObject({ change: 0n });
    expect(settleFundingBatch([size(1n), size(-1n)], D, 8)).toEqual({ ok: true, value: { changes: [-1n, 0n], dust: 1n } });
    expect(settleFundingBatch([size(1n)], D, 8)).toEqual({ ok: false, reason: 'unbalanced_sizes' });
  });

  it('property: sizes summing to zero -> Σ payments <= 0 for the accounts, dust = -Σ, each position off by < 1 atom', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { minLength: 1, maxLength: 30 }),
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
        fc.integer({ min: 0, max: 18 }),
        (partial, delta, baseDecimals) => {
          const sizes = [...partial, -partial.reduce((a, b) => a + b, 0n)].map(size);
          const res = settleFundingBatch(sizes, fundingIndexE9(delta), baseDecimals);
          expect(res.ok).toBe(true);
          if (!res.ok) return;
          const sum = res.value.changes.reduce((a, b) => a + b, 0n);
          expect(sum <= 0n).toBe(true);
          expect(res.value.dust).toBe(-sum);
          expect(res.value.dust < BigInt(sizes.length)).toBe(true);
          const divisor = 10n ** BigInt(baseDecimals) * 10n ** 9n;
          sizes.forEach((s, i) => {
            const exactTimesDivisor = -s * delta; // the exact balance change × divisor
            const c = res.value.changes[i]!;
            // change <= exact < change + 1: payers never pay less, receivers never get more.
            expect(c * divisor <= exactTimesDivisor).toBe(true);
            expect(exactTimesDivisor < (c + 1n) * divisor).toBe(true);
          });
        },
      ),
    );
  });
});
