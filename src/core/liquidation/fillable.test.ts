import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price, Rational } from '../units/index.js';
import { dydxAccountRisk, dydxPositionRisk, type DydxPerpetual } from './dydx.js';
import {
  dydxFillablePrice,
  dydxFillablePriceToSubticks,
  fillableLimitPrice,
  fillablePrice,
  validateFillablePriceParams,
  type FillablePriceParams,
} from './fillable.js';
import { BTC, BTC_1, CLOB_BTC, ETH, ETH_01, hold, subaccount, usd } from './testkit.js';
import type { MarketUnits } from './units.js';

const DEFAULT: FillablePriceParams = { bankruptcyAdjustmentPpm: 1_000_000n, spreadToMaintenanceMarginRatioPpm: 100_000n };
const MAINNET: FillablePriceParams = { bankruptcyAdjustmentPpm: 1_000_000n, spreadToMaintenanceMarginRatioPpm: 1_500_000n };

describe('dYdX GetFillablePrice (V: TestGetFillablePrice)', () => {
  const tenth = BTC_1 / 10n;
  type Row = [name: string, qb: bigint, positions: [DydxPerpetual, bigint][], perp: DydxPerpetual, delta: bigint, params: FillablePriceParams, fp: string];
  const L = (qb: bigint): [bigint, [DydxPerpetual, bigint][]] => [usd(qb), [[BTC, tenth]]];
  const S = (qb: bigint): [bigint, [DydxPerpetual, bigint][]] => [usd(qb), [[BTC, -tenth]]];
  const ba = (v: bigint): FillablePriceParams => ({ ...DEFAULT, bankruptcyAdjustmentPpm: v });
  const smmr = (v: bigint): FillablePriceParams => ({ ...DEFAULT, spreadToMaintenanceMarginRatioPpm: v });
  const rows: Row[] = [
    ['long -4,501 default', ...L(-4_501n), BTC, -tenth, DEFAULT, '49999/100'],
    ['long -4,501 BA 2e6', ...L(-4_501n), BTC, -tenth, ba(2_000_000n), '24999/50'],
    ['long -4,501 SMMR 2e5', ...L(-4_501n), BTC, -tenth, smmr(200_000n), '24999/50'],
    ['short +5,499 default', ...S(5_499n), BTC, tenth, DEFAULT, '50001/100'],
    ['short +5,499 BA 2e6', ...S(5_499n), BTC, tenth, ba(2_000_000n), '25001/50'],
    ['short +5,499 SMMR 2e5', ...S(5_499n), BTC, tenth, smmr(200_000n), '25001/50'],
    ['long -5,000 default, full', ...L(-5_000n), BTC, -tenth, DEFAULT, '495'],
    ['long -5,000 default, half', ...L(-5_000n), BTC, -tenth / 2n, DEFAULT, '495'],
    ['short +5,000 default', ...S(5_000n), BTC, tenth, DEFAULT, '505'],
    ['long -5,500 (TNC < 0, ABR clamped to 1)', ...L(-5_500n), BTC, -tenth, DEFAULT, '495'],
    ['short +4,500', ...S(4_500n), BTC, tenth, DEFAULT, '505'],
    ['0.004 BTC long + 0.1 ETH long, perp 1', usd(-490n), [[BTC, 400_000n], [ETH, ETH_01]], ETH, -ETH_01, DEFAULT, '372/125'],
    ['long -4,501 BA 2^32-1', ...L(-4_501n), BTC, -tenth, ba(4_294_967_295n), '495'],
    ['long -4,501 SMMR 1', ...L(-4_501n), BTC, -tenth, smmr(1n), '4999999999/10000000'],
    ['long -4,501 SMMR 1e6', ...L(-4_501n), BTC, -tenth, smmr(1_000_000n), '4999/10'],
  ];
  it.each(rows)('%s', (_n, qb, positions, perp, delta, params, fp) => {
    const sub = subaccount(qb, ...positions.map(([p, q]) => hold(p, q)));
    const r = dydxFillablePrice(sub, perp, delta, params);
    expect(r.ok && r.value.toString()).toBe(fp);
  });

  it('mainnet SMMR 1,500,000 (D): $49,985, $42,500, $50,015', () => {
    const fp = (qb: bigint, q: bigint): string => {
      const r = dydxFillablePrice(subaccount(usd(qb), hold(BTC, q)), BTC, -q, MAINNET);
      return r.ok ? r.value.toString() : r.reason;
    };
    expect(fp(-4_501n, tenth)).toBe('9997/20');
    expect(fp(-5_000n, tenth)).toBe('425');
    expect(fp(5_499n, -tenth)).toBe('10003/20');
  });

  it('shares the bankruptcy error rows, and refuses bad params', () => {
    const sub = subaccount(usd(-4_501n), hold(BTC, BTC_1));
    for (const delta of [0n, 10_000_000n, -100_000_001n]) {
      expect(dydxFillablePrice(sub, BTC, delta, DEFAULT)).toEqual({ ok: false, reason: 'invalid_delta' });
    }
    expect(dydxFillablePrice(subaccount(usd(-4_501n)), BTC, -10_000_000n, DEFAULT)).toEqual({ ok: false, reason: 'invalid_delta' });
    expect(validateFillablePriceParams({ bankruptcyAdjustmentPpm: 999_999n, spreadToMaintenanceMarginRatioPpm: 0n })).toEqual([
      { path: 'bankruptcyAdjustmentPpm', message: 'must be in [1e6, 2^32 - 1] (dYdX requires >= 1e6)' },
      { path: 'spreadToMaintenanceMarginRatioPpm', message: 'must be in [1, 2^32 - 1]' },
    ]);
    expect(fillablePrice({ tnc: 1n, tmmr: 0n, positionSize: 1n, pnnv: 1n, pmmr: 0n, params: DEFAULT })).toEqual({ ok: false, reason: 'no_maintenance' });
    expect(fillablePrice({ tnc: 1n, tmmr: 1n, positionSize: 1n, pnnv: 1n, pmmr: 0n, params: ba(1n) })).toEqual({ ok: false, reason: 'invalid_params' });
    // A huge spread on a small long takes the price below zero: dYdX panics, we reject.
    expect(fillablePrice({ tnc: -10n, tmmr: 1n, positionSize: 1n, pnnv: 1n, pmmr: 100n, params: smmr(1_000_000n) })).toEqual({
      ok: false,
      reason: 'negative_fillable_price',
    });
  });

  it('property: a long sells at or below the oracle, a short buys at or above it; deeper accounts get worse prices', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.boolean(),
        fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        (absSize, long, qb, dq) => {
          const q = long ? absSize : -absSize;
          const at = (balance: bigint): Rational | null => {
            const r = dydxFillablePrice(subaccount(balance, hold(BTC, q)), BTC, -q, DEFAULT);
            return r.ok ? r.value : null;
          };
          const a = at(qb);
          const b = at(qb - dq); // less collateral
          if (a === null || b === null) return;
          const oracle = Rational.of(dydxPositionRisk(BTC, q).nc, q);
          expect(long ? a.cmp(oracle) <= 0 : a.cmp(oracle) >= 0).toBe(true);
          expect(long ? b.cmp(a) <= 0 : b.cmp(a) >= 0).toBe(true);
          // ABR = 0 when the account is healthy: FP = oracle.
          if (dydxAccountRisk(subaccount(qb, hold(BTC, q))).tnc >= dydxPositionRisk(BTC, q).mmr) expect(a.cmp(oracle)).toBe(0);
        },
      ),
    );
  });
});

describe('dYdX ConvertFillablePriceToSubticks (V: TestConvertFillablePriceToSubticks)', () => {
  const pair100 = { subticksPerTick: 100n, quantumConversionExponent: 1 };
  it.each([
    ['5e9 BTC, long', Rational.int(5_000_000_000), true, CLOB_BTC, 500_000_000_000_000_000n],
    ['5e9 BTC, short', Rational.int(5_000_000_000), false, CLOB_BTC, 500_000_000_000_000_000n],
    ['7, tick 100, QCE +1', Rational.int(7), true, pair100, 100n],
    ['197', Rational.int(197), true, pair100, 100n],
    ['0 (lower bound)', Rational.int(0), true, pair100, 100n],
    ['1e22 (upper bound)', Rational.of(10n ** 22n), true, pair100, 18_446_744_073_709_551_600n],
  ] as const)('%s', (_n, fp, long, pair, subticks) => {
    expect(dydxFillablePriceToSubticks(fp, long, pair)).toEqual({ ok: true, value: subticks });
  });

  it('rounds a short down and a long up to the tick', () => {
    expect(dydxFillablePriceToSubticks(Rational.int(2_570), false, pair100)).toEqual({ ok: true, value: 200n });
    expect(dydxFillablePriceToSubticks(Rational.int(2_570), true, pair100)).toEqual({ ok: true, value: 300n });
    expect(dydxFillablePriceToSubticks(Rational.int(-1), true, pair100)).toEqual({ ok: false, reason: 'negative_fillable_price' });
    expect(dydxFillablePriceToSubticks(Rational.int(1), true, { subticksPerTick: 0n, quantumConversionExponent: 0 })).toEqual({
      ok: false,
      reason: 'invalid_params',
    });
  });
});

describe('fillableLimitPrice (ours): quote atoms per size atom -> price atoms on the tick', () => {
  // BTC with size atoms 1e-8, price atoms 1e-5 USD, quote atoms 1e-6: price = FP x 10^(8+5-6) = FP x 1e7.
  const units: MarketUnits = { baseDecimals: 8, priceDecimals: 5, quoteDecimals: 6 };
  it('$49,999 = 49999/100 quote per atom -> 4,999,900,000 price atoms; tick rounding by side', () => {
    expect(fillableLimitPrice(Rational.of(49_999n, 100n), 10_000_000n, units, price(1n))).toEqual({ ok: true, value: 4_999_900_000n });
    expect(fillableLimitPrice(Rational.of(49_999n, 100n), 10_000_000n, units, price(1_000_000n))).toEqual({ ok: true, value: 5_000_000_000n });
    expect(fillableLimitPrice(Rational.of(49_999n, 100n), -10_000_000n, units, price(1_000_000n))).toEqual({ ok: true, value: 4_999_000_000n });
    expect(fillableLimitPrice(Rational.of(1n, 10n ** 9n), -1n, units, price(100n))).toEqual({ ok: true, value: 100n }); // at least a tick
    expect(fillableLimitPrice(Rational.int(1), 0n, units, price(1n))).toEqual({ ok: false, reason: 'no_position' });
    expect(fillableLimitPrice(Rational.int(-1), 1n, units, price(1n))).toEqual({ ok: false, reason: 'negative_fillable_price' });
    expect(fillableLimitPrice(Rational.int(1), 1n, units, price(0n))).toEqual({ ok: false, reason: 'invalid_input' });
  });

  it('property: a long limit is >= FP and a short limit <= FP (or one tick), always on the tick', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.boolean(),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d, long, tick) => {
          const fp = Rational.of(n, d);
          const r = fillableLimitPrice(fp, long ? 1n : -1n, units, price(tick));
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.value % tick).toBe(0n);
          const asQuotePerAtom = Rational.of(r.value, 10n ** 7n);
          if (long) expect(asQuotePerAtom.cmp(fp) >= 0).toBe(true);
          else expect(asQuotePerAtom.cmp(fp) <= 0 || r.value === tick).toBe(true);
        },
      ),
    );
  });
});
