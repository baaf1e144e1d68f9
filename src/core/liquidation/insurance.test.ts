import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price, quote, size } from '../units/index.js';
import {
  checkFillAgainstBlockLimits,
  markMarketLiquidated,
  maxInsuranceLost,
  maxNotionalLiquidatable,
  recordLiquidationFill,
  validateSubaccountBlockLimits,
  type BlockUsage,
} from './blocklimits.js';
import {
  applyInsuranceFundDelta,
  driftLiquidationFee,
  driftLiquidationFeeAtMs,
  driftPerpIfFee,
  dydxInsuranceFundDelta,
  splitAtPrices,
  splitSurplus,
  validateFeeSplitParams,
  type FeeSplitParams,
} from './insurance.js';
import { BTC, CLOB_BTC, hold, subaccount, usd } from './testkit.js';

describe('dYdX GetLiquidationInsuranceFundDelta (V: TestGetLiquidationInsuranceFundDelta; fill 0.1 BTC)', () => {
  const fill = 10_000_000n;
  const long = subaccount(usd(-5_100n), hold(BTC, fill));
  const short = subaccount(usd(4_900n), hold(BTC, -fill));
  type Row = [name: string, isLong: boolean, subticks: bigint, feePpm: bigint, delta: bigint];
  const rows: Row[] = [
    ['long sells at 56,100, fee 0.5%', true, 56_100_000_000n, 5_000n, 28_050_000n],
    ['long sells at 56,100, fee 2.5%', true, 56_100_000_000n, 25_000n, 140_250_000n],
    ['long sells at 56,100, fee 100% (all leftover)', true, 56_100_000_000n, 1_000_000n, 510_000_000n],
    ['short buys at 44,100, fee 0.5%', false, 44_100_000_000n, 5_000n, 22_050_000n],
    ['short buys at 44,100, fee 2.5%', false, 44_100_000_000n, 25_000n, 110_250_000n],
    ['short buys at 44,100, fee 100%', false, 44_100_000_000n, 1_000_000n, 490_000_000n],
    ['long at 51,051 (leftover < max fee)', true, 51_051_000_000n, 5_000n, 5_100_000n],
    ['short at 48,951 (leftover < max fee)', false, 48_951_000_000n, 5_000n, 4_900_000n],
    ['long at the bankruptcy price 51,000', true, 51_000_000_000n, 5_000n, 0n],
    ['short at the bankruptcy price 49,000', false, 49_000_000_000n, 5_000n, 0n],
    ['long at 50,490: the fund pays', true, 50_490_000_000n, 5_000n, -51_000_000n],
    ['short at 49,490: the fund pays', false, 49_490_000_000n, 5_000n, -49_000_000n],
    ['short at 1 subtick (dq floors to 0)', false, 1n, 5_000n, 0n],
  ];
  it.each(rows)('%s', (_n, isLong, subticks, feePpm, delta) => {
    const r = dydxInsuranceFundDelta(isLong ? long : short, BTC, {
      isBuy: !isLong,
      fillAmount: fill,
      subticks,
      clob: CLOB_BTC,
      maxLiquidationFeePpm: feePpm,
    });
    expect(r).toEqual({ ok: true, value: delta });
  });

  it('mainnet fee 15,000 ppm (D): 1.5% of 5,610,000,000 = 84,150,000', () => {
    const r = dydxInsuranceFundDelta(long, BTC, { isBuy: false, fillAmount: fill, subticks: 56_100_000_000n, clob: CLOB_BTC, maxLiquidationFeePpm: 15_000n });
    expect(r).toEqual({ ok: true, value: 84_150_000n });
  });

  it('rejects a zero fill and a fill larger than the position', () => {
    const base = { isBuy: false, subticks: 1n, clob: CLOB_BTC, maxLiquidationFeePpm: 5_000n };
    expect(dydxInsuranceFundDelta(long, BTC, { ...base, fillAmount: 0n })).toEqual({ ok: false, reason: 'zero_fill' });
    expect(dydxInsuranceFundDelta(long, BTC, { ...base, fillAmount: fill + 1n })).toEqual({ ok: false, reason: 'invalid_delta' });
    expect(dydxInsuranceFundDelta(long, BTC, { ...base, isBuy: true, fillAmount: fill })).toEqual({ ok: false, reason: 'invalid_delta' });
  });

  it('IsValidInsuranceFundDelta: gains always; losses only if the fund can pay', () => {
    expect(applyInsuranceFundDelta(quote(0n), 5n)).toEqual({ ok: true, value: 5n });
    expect(applyInsuranceFundDelta(quote(10n), -10n)).toEqual({ ok: true, value: 0n });
    expect(applyInsuranceFundDelta(quote(10n), -11n)).toEqual({ ok: false, reason: 'insufficient_insurance_fund' });
  });
});

describe('dYdX subaccount block limits (V: TestGetMaxLiquidatableNotionalAndInsuranceLost)', () => {
  const block = 7n;
  const used = (market: string): BlockUsage => ({ block, notionalLiquidated: 100n, insuranceLost: 100n, marketsLiquidated: [market] });
  it('150 / 150 with 100 / -100 used on perp 1 -> 50 and 50 for perp 0', () => {
    const limits = { maxNotionalLiquidated: 150n, maxQuantumsInsuranceLost: 150n };
    expect(maxNotionalLiquidatable(used('1'), limits, block, '0')).toEqual({ ok: true, value: 50n });
    expect(maxInsuranceLost(used('1'), limits, block, '0')).toEqual({ ok: true, value: 50n });
  });
  it('the same perpetual again in the block -> error for both', () => {
    const limits = { maxNotionalLiquidated: 100_000_000_000_000n, maxQuantumsInsuranceLost: 100_000_000_000_000n };
    expect(maxNotionalLiquidatable(used('0'), limits, block, '0')).toEqual({ ok: false, reason: 'already_liquidated_this_block' });
    expect(maxInsuranceLost(used('0'), limits, block, '0')).toEqual({ ok: false, reason: 'already_liquidated_this_block' });
  });
  it('usage above a limit (dYdX panics) -> usage_exceeds_limit; the other limit still answers', () => {
    const a = { maxNotionalLiquidated: 50n, maxQuantumsInsuranceLost: 150n };
    expect(maxNotionalLiquidatable(used('1'), a, block, '0')).toEqual({ ok: false, reason: 'usage_exceeds_limit' });
    expect(maxInsuranceLost(used('1'), a, block, '0')).toEqual({ ok: true, value: 50n });
    const b = { maxNotionalLiquidated: 150n, maxQuantumsInsuranceLost: 50n };
    expect(maxNotionalLiquidatable(used('1'), b, block, '0')).toEqual({ ok: true, value: 50n });
    expect(maxInsuranceLost(used('1'), b, block, '0')).toEqual({ ok: false, reason: 'usage_exceeds_limit' });
  });
  it('usage of an earlier block is stale; fills accumulate; a market is marked once', () => {
    const limits = { maxNotionalLiquidated: 150n, maxQuantumsInsuranceLost: 150n };
    expect(maxNotionalLiquidatable(used('0'), limits, block + 1n, '0')).toEqual({ ok: true, value: 150n });
    let u = recordLiquidationFill(null, block, -60n, 5n); // a fee: no insurance lost
    u = recordLiquidationFill(u, block, 40n, -30n);
    expect(u).toEqual({ block, notionalLiquidated: 100n, insuranceLost: 30n, marketsLiquidated: [] });
    expect(checkFillAgainstBlockLimits(u, limits, block, '0', 51n, 0n)).toEqual({ ok: false, reason: 'exceeds_notional_limit' });
    expect(checkFillAgainstBlockLimits(u, limits, block, '0', -50n, -121n)).toEqual({ ok: false, reason: 'exceeds_insurance_limit' });
    expect(checkFillAgainstBlockLimits(u, limits, block, '0', 50n, -120n)).toEqual({ ok: true, value: true });
    const m = markMarketLiquidated(u, block, '0');
    expect(m.ok).toBe(true);
    if (m.ok) expect(markMarketLiquidated(m.value, block, '0')).toEqual({ ok: false, reason: 'already_liquidated_this_block' });
    expect(validateSubaccountBlockLimits({ maxNotionalLiquidated: 0n, maxQuantumsInsuranceLost: 1n })).toEqual([
      { path: 'maxNotionalLiquidated', message: 'must be > 0' },
    ]);
  });
});

describe('splitSurplus / splitAtPrices (ours)', () => {
  const bitmex: FeeSplitParams = { insuranceFeePpm: 1_000_000n, liquidatorRewardPpm: 0n, order: 'insurance_first' };
  const cents = { baseDecimals: 0, priceDecimals: 2, quoteDecimals: 2 };
  it('BitMEX (D): long 1 at $100, bankruptcy $99.00: a fill at $99.40 gives the fund $0.40, at $98.80 costs it $0.20', () => {
    const at = (fill: bigint) =>
      splitAtPrices({ positionSize: size(1n), closed: size(1n), fillPrice: price(fill), bankruptcyPrice: price(9_900n), units: cents, params: bitmex });
    expect(at(9_940n)).toEqual({ ok: true, value: { surplus: 40n, insuranceFund: 40n, liquidatorReward: 0n, toAccount: 0n, insuranceLoss: 0n } });
    expect(at(9_880n)).toEqual({ ok: true, value: { surplus: -20n, insuranceFund: -20n, liquidatorReward: 0n, toAccount: 0n, insuranceLoss: 20n } });
  });
  it('BitMEX clone (S, blog.btcmex.com): bankruptcy 3,000, fill 3,060 -> +60 to the fund', () => {
    const r = splitAtPrices({ positionSize: size(1n), closed: size(1n), fillPrice: price(3_060n), bankruptcyPrice: price(3_000n), units: { baseDecimals: 0, priceDecimals: 0, quoteDecimals: 0 }, params: bitmex });
    expect(r.ok && r.value.insuranceFund).toBe(60n);
  });
  it('dYdX is the special case with no reward: the first insurance row again, from quote amounts', () => {
    const r = splitSurplus(5_610_000_000n, 5_100_000_000n, 5_610_000_000n, { insuranceFeePpm: 5_000n, liquidatorRewardPpm: 0n, order: 'insurance_first' });
    expect(r.ok && r.value).toEqual({ surplus: 510_000_000n, insuranceFund: 28_050_000n, liquidatorReward: 0n, toAccount: 481_950_000n, insuranceLoss: 0n });
  });
  it('the order decides who is short-changed when the surplus covers only one cap', () => {
    // surplus 10; caps: fee 8, reward 5.
    const p = { insuranceFeePpm: 80_000n, liquidatorRewardPpm: 50_000n } as const;
    expect(splitSurplus(110n, 100n, 100n, { ...p, order: 'insurance_first' })).toMatchObject({ ok: true, value: { insuranceFund: 8n, liquidatorReward: 2n, toAccount: 0n } });
    expect(splitSurplus(110n, 100n, 100n, { ...p, order: 'liquidator_first' })).toMatchObject({ ok: true, value: { insuranceFund: 5n, liquidatorReward: 5n, toAccount: 0n } });
  });
  it('a short closes by buying: a fill below bankruptcy is a surplus; rounding goes against the account', () => {
    // short 3 atoms, value = 3 x p / 10 (shift 1): fill 33 -> costs ceil(9.9) = 10; bankruptcy 40 -> allows floor(12) = 12.
    const r = splitAtPrices({
      positionSize: size(-3n),
      closed: size(3n),
      fillPrice: price(33n),
      bankruptcyPrice: price(40n),
      units: { baseDecimals: 1, priceDecimals: 0, quoteDecimals: 0 },
      params: { insuranceFeePpm: 0n, liquidatorRewardPpm: 0n, order: 'insurance_first' },
    });
    expect(r).toEqual({ ok: true, value: { surplus: 2n, insuranceFund: 0n, liquidatorReward: 0n, toAccount: 2n, insuranceLoss: 0n } });
  });
  it('refuses bad params and sizes', () => {
    expect(validateFeeSplitParams({ insuranceFeePpm: -1n, liquidatorRewardPpm: 2_000_000n, order: 'x' as never })).toHaveLength(3);
    expect(splitSurplus(1n, 0n, 1n, { insuranceFeePpm: -1n, liquidatorRewardPpm: 0n, order: 'insurance_first' })).toEqual({ ok: false, reason: 'invalid_params' });
    const base = { positionSize: size(2n), fillPrice: price(1n), bankruptcyPrice: price(1n), units: cents, params: bitmex };
    expect(splitAtPrices({ ...base, closed: size(3n) })).toEqual({ ok: false, reason: 'invalid_input' });
    expect(splitAtPrices({ ...base, positionSize: size(0n), closed: size(1n) })).toEqual({ ok: false, reason: 'no_position' });
  });
  it('property: fund + reward + account = surplus; shares are non-negative and within their caps', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.constantFrom('insurance_first' as const, 'liquidator_first' as const),
        (fq, bq, n, f, rw, order) => {
          const r = splitSurplus(fq, bq, n, { insuranceFeePpm: f, liquidatorRewardPpm: rw, order });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const s = r.value;
          expect(s.insuranceFund + s.liquidatorReward + s.toAccount).toBe(fq - bq);
          expect(s.liquidatorReward >= 0n && s.toAccount >= 0n && s.insuranceLoss >= 0n).toBe(true);
          if (s.surplus > 0n) {
            expect(s.insuranceFund >= 0n && s.insuranceFund * 1_000_000n <= n * f).toBe(true);
            expect(s.liquidatorReward * 1_000_000n <= n * rw).toBe(true);
          } else {
            expect(s.insuranceLoss).toBe(bq - fq);
          }
        },
      ),
    );
  });
});

describe('Drift fees (V: math/liquidation/tests.rs)', () => {
  // shortage $20, base 10 units, margin ratio 500 (5%), lf 1%, max 5%; P = $100, Q = $1 reproduce the notes' rows.
  const base = {
    marginShortage: 20_000_000n,
    baseAssetAmount: 10_000_000_000n,
    marginRatio: 500n,
    liquidatorFee: 10_000n,
    oraclePrice: 100_000_000n,
    quoteOraclePrice: 1_000_000n,
    maxIfFee: 50_000n,
  };
  it.each([
    ['$20 shortage: 2% x 0.95', {}, 19_000n],
    ['$1 shortage: 3.9% x 0.95', { marginShortage: 1_000_000n }, 37_050n],
    ['$1,000 shortage', { marginShortage: 1_000_000_000n }, 0n],
    ['liquidator fee 10%', { liquidatorFee: 100_000n }, 0n],
    ['P = 0', { oraclePrice: 0n }, 0n],
    ['Q = 0', { quoteOraclePrice: 0n }, 0n],
    ['base = 0', { baseAssetAmount: 0n }, 0n],
  ] as const)('calculate_perp_if_fee: %s', (_n, over, fee) => {
    expect(driftPerpIfFee({ ...base, ...over })).toBe(fee);
  });

  it('get_liquidation_fee: base 2%, max 5% (V rows and the D grace-step rows)', () => {
    expect(driftLiquidationFee(20_000n, 50_000n, 100_000n)).toBe(50_000n);
    expect(driftLiquidationFee(20_000n, 50_000n, 10n)).toBe(20_000n);
    expect(driftLiquidationFee(20_000n, 50_000n, 10_000n)).toBe(30_000n);
    expect(driftLiquidationFee(20_000n, 50_000n, 1_499n)).toBe(20_000n);
    expect(driftLiquidationFee(20_000n, 50_000n, 1_500n)).toBe(21_500n);
  });

  it('on our clock: 400 ms per slot', () => {
    expect(driftLiquidationFeeAtMs(20_000n, 50_000n, 599_999)).toEqual({ ok: true, value: 20_000n }); // 1,499 slots
    expect(driftLiquidationFeeAtMs(20_000n, 50_000n, 600_000)).toEqual({ ok: true, value: 21_500n }); // 1,500 slots
    expect(driftLiquidationFeeAtMs(20_000n, 50_000n, 4_000_000)).toEqual({ ok: true, value: 30_000n }); // 10,000 slots
    expect(driftLiquidationFeeAtMs(20_000n, 50_000n, -1)).toEqual({ ok: false, reason: 'invalid_input' });
  });
});
