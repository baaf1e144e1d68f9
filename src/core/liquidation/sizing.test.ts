import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abs, ppm, price, quote, Rational, size, type Quote } from '../units/index.js';
import type { BlockUsage } from './blocklimits.js';
import { DRIFT_SLOT_MS } from './insurance.js';
import {
  driftBaseToCoverMarginShortage,
  driftMaxPctToLiquidate,
  driftRampPortionPpm,
  dydxPositionNotionalBounds,
  sizeDrift,
  sizeDydx,
  sizeFull,
  sizeHyperliquid,
  sizeLiquidation,
  validateSizingPolicy,
  type DriftSizingParams,
  type DydxSizingParams,
  type HyperliquidSizingParams,
  type SizingInput,
} from './sizing.js';
import { roundedValue, type MarketUnits } from './units.js';

// dYdX BTC units: size atoms 1e-8 BTC, price atoms 1e-5 USD, quote atoms 1e-6 USDC; $50,000; step 5.
const BTC_UNITS: MarketUnits = { baseDecimals: 8, priceDecimals: 5, quoteDecimals: 6 };
const MARK = price(5_000_000_000n);

function btcInput(q: bigint, over: Partial<SizingInput> = {}): SizingInput {
  const notional = quote(roundedValue(BTC_UNITS, abs(q), MARK, 'floor'));
  return {
    market: 'BTC-USD',
    size: size(q),
    mark: MARK,
    notional,
    equity: quote(0n),
    maintenance: quote(notional / 20n),
    positionMaintenance: quote(notional / 20n),
    ledgerNotional: notional,
    mode: 'cross',
    stepSize: size(5n),
    units: BTC_UNITS,
    nowMs: 1_000_000,
    block: 1n,
    ...over,
  };
}

describe('full', () => {
  it('closes the whole position', () => {
    expect(sizeFull(btcInput(-123n))).toEqual({ ok: true, value: { close: 123n, why: 'full_policy', route: 'book' } });
    expect(sizeFull(btcInput(0n))).toEqual({ ok: false, reason: 'no_position' });
    expect(sizeFull(btcInput(1n, { stepSize: size(0n) }))).toEqual({ ok: false, reason: 'invalid_input' });
    expect(sizeFull(btcInput(1n, { nowMs: 1.5 }))).toEqual({ ok: false, reason: 'invalid_input' });
  });
});

describe('dYdX sizing', () => {
  it('GetMaxAndMinPositionNotionalLiquidatable (V: TestGetMaxAndMinPositionNotionalLiquidatable, BTC $50,000)', () => {
    const b = (n: bigint, min: bigint, portion: bigint) =>
      dydxPositionNotionalBounds(n, { minPositionNotionalLiquidated: quote(min), maxPositionPortionLiquidatedPpm: ppm(portion) });
    expect(b(50_000_000_000n, 100n, 1_000_000n)).toEqual({ min: 100n, max: 50_000_000_000n }); // 1 BTC
    expect(b(50_000_000_000n, 100n, 500_000n)).toEqual({ min: 100n, max: 25_000_000_000n });
    expect(b(5_000_000n, 10_000_000n, 1_000_000n)).toEqual({ min: 5_000_000n, max: 5_000_000n }); // 10,000 quantums = $5
  });

  const MAINNET: DydxSizingParams = {
    minPositionNotionalLiquidated: quote(1_000_000_000n),
    maxPositionPortionLiquidatedPpm: ppm(100_000n),
    subaccount: { maxNotionalLiquidated: 100_000_000_000n, maxQuantumsInsuranceLost: 1_000_000_000_000n },
  };

  it('GetLiquidatablePositionSizeDelta with mainnet limits (D, notes §1.4)', () => {
    const r1 = sizeDydx(btcInput(100_000_000n), MAINNET, null); // 1 BTC: 10% = $5,000 -> 0.1 BTC
    expect(r1.ok && [r1.value.close, r1.value.why]).toEqual([10_000_000n, 'dydx_position_portion']);
    const r2 = sizeDydx(btcInput(1_000_000n), MAINNET, null); // 0.01 BTC = $500 < min 1,000 -> full
    expect(r2.ok && [r2.value.close, r2.value.why]).toEqual([1_000_000n, 'dydx_within_limit']);
    const r3 = sizeDydx(btcInput(-10_000_000_000n), MAINNET, null); // 100 BTC short: the 100k subaccount cap -> 2 BTC
    expect(r3.ok && [r3.value.close, r3.value.why]).toEqual([200_000_000n, 'dydx_subaccount_notional']);
    expect(r3.ok && r3.value.subaccountNotionalLeft).toBe(100_000_000_000n);
  });

  it('respects usage earlier in the block, refuses a market liquidated this block, and rounds down to the step', () => {
    const usage: BlockUsage = { block: 1n, notionalLiquidated: 99_000_000_000n, insuranceLost: 0n, marketsLiquidated: ['ETH-USD'] };
    const r = sizeDydx(btcInput(100_000_000n), MAINNET, usage); // $1,000 left -> 0.02 BTC = 2,000,000
    expect(r.ok && [r.value.close, r.value.why, r.value.insuranceLossLeft]).toEqual([2_000_000n, 'dydx_subaccount_notional', 1_000_000_000_000n]);
    const again: BlockUsage = { ...usage, marketsLiquidated: ['BTC-USD'] };
    expect(sizeDydx(btcInput(100_000_000n), MAINNET, again)).toEqual({ ok: false, reason: 'already_liquidated_this_block' });
    expect(sizeDydx(btcInput(100_000_000n, { block: 2n }), MAINNET, again).ok).toBe(true); // a new block
    // step 7: $5,000 -> 10,000,000 atoms -> 9,999,997 (down to a multiple of 7)
    const s7 = sizeDydx(btcInput(100_000_000n, { stepSize: size(7n) }), MAINNET, null);
    expect(s7.ok && s7.value.close).toBe(9_999_997n);
    // a position no larger than one step goes whole
    const tiny = sizeDydx(btcInput(5n), { ...MAINNET, minPositionNotionalLiquidated: quote(0n), maxPositionPortionLiquidatedPpm: ppm(1n) }, null);
    expect(tiny.ok && [tiny.value.close, tiny.value.why]).toEqual([5n, 'dydx_one_step']);
  });

  it('property: close <= |size|, on the step unless whole, and its notional within the limit unless whole or one step', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }).filter((q) => q !== 0n),
        fc.bigInt({ min: 1n, max: 1_000n }),
        fc.bigInt({ min: 1n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (q, step, portion, min, cap) => {
          const params: DydxSizingParams = {
            minPositionNotionalLiquidated: quote(min),
            maxPositionPortionLiquidatedPpm: ppm(portion),
            subaccount: { maxNotionalLiquidated: cap, maxQuantumsInsuranceLost: 1n },
          };
          const r = sizeDydx(btcInput(q, { stepSize: size(step) }), params, null);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const whole = abs(q);
          expect(r.value.close > 0n && r.value.close <= whole).toBe(true);
          if (r.value.close !== whole) {
            expect(r.value.close % step).toBe(0n);
            const limit = r.value.maxPositionNotional < cap ? r.value.maxPositionNotional : cap;
            if (r.value.close > step) expect(roundedValue(BTC_UNITS, r.value.close, MARK, 'floor') <= limit).toBe(true);
          }
        },
      ),
    );
  });
});

describe('Hyperliquid sizing', () => {
  const HL: HyperliquidSizingParams = {
    partialThresholdNotional: quote(100_000_000_000n),
    partialPortionPpm: ppm(200_000n),
    cooldownMs: 30_000,
    backstopEquityNumerator: 2n,
    backstopEquityDenominator: 3n,
  };
  const fresh = { lastPartialMs: null, bookUnfilled: false };

  it('at most 100k USDC goes whole; above it 20% slices; the 30 s after a partial block are whole-position orders', () => {
    const two = sizeHyperliquid(btcInput(200_000_000n), HL, fresh); // 2 BTC = $100,000 exactly: not "larger than"
    expect(two.ok && [two.value.close, two.value.why]).toEqual([200_000_000n, 'hl_below_threshold']);
    const ten = sizeHyperliquid(btcInput(-1_000_000_000n), HL, fresh); // 10 BTC = $500,000
    expect(ten.ok && [ten.value.close, ten.value.why, ten.value.next.lastPartialMs]).toEqual([200_000_000n, 'hl_partial_slice', 1_000_000]);
    if (!ten.ok) return;
    const inCooldown = sizeHyperliquid(btcInput(-800_000_000n, { nowMs: 1_029_999 }), HL, ten.value.next);
    expect(inCooldown.ok && [inCooldown.value.close, inCooldown.value.why]).toEqual([800_000_000n, 'hl_cooldown_full']);
    const after = sizeHyperliquid(btcInput(-800_000_000n, { nowMs: 1_030_000 }), HL, ten.value.next);
    expect(after.ok && [after.value.close, after.value.why]).toEqual([160_000_000n, 'hl_partial_slice']);
    expect(sizeHyperliquid(btcInput(-800_000_000n, { nowMs: 999_999 }), HL, ten.value.next)).toEqual({ ok: false, reason: 'time_went_backwards' });
  });

  it('the backstop takes the ledger when equity < 2/3 maintenance and the book did not fill', () => {
    const deep = btcInput(1_000_000_000n, { equity: quote(66n), maintenance: quote(100n), positionMaintenance: quote(100n) });
    const r = sizeHyperliquid(deep, HL, { lastPartialMs: null, bookUnfilled: true });
    expect(r.ok && [r.value.close, r.value.why, r.value.route]).toEqual([1_000_000_000n, 'hl_backstop', 'backstop']);
    const notYet = sizeHyperliquid(deep, HL, fresh); // the book first
    expect(notYet.ok && notYet.value.why).toBe('hl_partial_slice');
    const boundary = sizeHyperliquid({ ...deep, equity: quote(200n), maintenance: quote(300n), positionMaintenance: quote(300n) }, HL, { lastPartialMs: null, bookUnfilled: true });
    expect(boundary.ok && boundary.value.route).toBe('book'); // exactly 2/3 is not below
  });
});

describe('Drift sizing', () => {
  it('calculate_base_asset_amount_to_cover_margin_shortage (V: tests.rs; $10 shortage, 10x, P = $100)', () => {
    const base = { marginShortage: 10_000_000n, marginRatio: 1_000n, liquidatorFee: 0n, ifFee: 0n, oraclePrice: 100_000_000n, quoteOraclePrice: 1_000_000n };
    expect(driftBaseToCoverMarginShortage(base)).toBe(1_000_000_000n);
    expect(driftBaseToCoverMarginShortage({ ...base, quoteOraclePrice: 990_000n })).toBe(1_010_101_010n);
    expect(driftBaseToCoverMarginShortage({ ...base, quoteOraclePrice: 1_010_000n })).toBe(990_099_009n);
    expect(driftBaseToCoverMarginShortage({ ...base, liquidatorFee: 10_000n })).toBe(1_111_111_111n);
    expect(driftBaseToCoverMarginShortage({ ...base, liquidatorFee: 10_000n, ifFee: 10_000n })).toBe(1_250_000_000n);
    expect(driftBaseToCoverMarginShortage({ ...base, oraclePrice: 0n })).toBeNull();
    expect(driftBaseToCoverMarginShortage({ ...base, liquidatorFee: 100_000n })).toBeNull();
  });

  it('calculate_max_pct_to_liquidate (V: $49 -> 100%; D: the $100 ramp rows)', () => {
    expect(driftMaxPctToLiquidate({ marginShortage: 49_000_000n, slotsSinceStart: 1n, initialPct: 1_000n, duration: 10n, marginFreed: 0n })).toBe(10_000n);
    const at = (slots: bigint, freed = 0n, duration = 150n) =>
      driftMaxPctToLiquidate({ marginShortage: 100_000_000n, slotsSinceStart: slots, initialPct: 1_000n, duration, marginFreed: freed });
    expect([at(0n), at(75n), at(150n), at(75n, 20_000_000n), at(75n, 0n, 0n)]).toEqual([1_000n, 6_000n, 10_000n, 5_200n, 10_000n]);
    // The same on our clock (400 ms per slot, ppm = 1e4 x 100).
    const p = { initialPortionPpm: ppm(100_000n), rampDurationMs: 150 * DRIFT_SLOT_MS, smallShortfall: quote(50_000_000n) };
    const ms = (slots: number, freed = 0n) => driftRampPortionPpm(100_000_000n, slots * DRIFT_SLOT_MS, p, freed);
    expect([ms(0), ms(75), ms(150), ms(75, 20_000_000n)]).toEqual([100_000n, 600_000n, 1_000_000n, 520_000n]);
  });

  // Drift-like units: base 1e9, price 1e6, quote 1e6. 10 units at $100, maintenance 10%.
  const DU: MarketUnits = { baseDecimals: 9, priceDecimals: 6, quoteDecimals: 6 };
  const drift = (over: Partial<SizingInput> = {}): SizingInput => ({
    market: 'SOL-PERP',
    size: size(10_000_000_000n),
    mark: price(100_000_000n),
    notional: quote(1_000_000_000n),
    equity: quote(90_000_000n),
    maintenance: quote(100_000_000n),
    positionMaintenance: quote(100_000_000n),
    ledgerNotional: quote(1_000_000_000n),
    mode: 'cross',
    stepSize: size(1_000_000n),
    units: DU,
    nowMs: 0,
    block: 1n,
    ...over,
  });
  const P: DriftSizingParams = {
    marginBufferPpm: ppm(0n),
    bufferBasis: 'liability',
    liquidatorFeePpm: ppm(0n),
    insuranceFeePpm: ppm(0n),
    initialPortionPpm: ppm(100_000n),
    rampDurationMs: 60_000,
    smallShortfall: quote(50_000_000n),
    smallPosition: quote(50_000_000n),
  };
  const start = { startedMs: 0, marginFreed: quote(0n) };

  it('closes only the shortfall: $10 short at 10% maintenance and $100 -> 1 unit (the Drift V row in our units)', () => {
    const r = sizeDrift(drift(), P, start);
    expect(r.ok && [r.value.close, r.value.why, r.value.shortfall]).toEqual([1_000_000_000n, 'drift_cover_shortfall', 10_000_000n]);
    // With a 1% liquidator fee: 1.111111112 units, up to the 0.001 step -> 1.112.
    const lf = sizeDrift(drift(), { ...P, liquidatorFeePpm: ppm(10_000n) }, start);
    expect(lf.ok && lf.value.close).toBe(1_112_000_000n);
  });

  it('the buffer: 2% of the liability ($20 more) or of the maintenance ($2 more)', () => {
    const liab = sizeDrift(drift(), { ...P, marginBufferPpm: ppm(20_000n) }, start);
    // required 100 + 20 = 120, shortfall 30; per unit frees 10 + 2 = 12 -> 2.5 units
    expect(liab.ok && [liab.value.required, liab.value.shortfall, liab.value.close]).toEqual([120_000_000n, 30_000_000n, 2_500_000_000n]);
    const mm = sizeDrift(drift(), { ...P, marginBufferPpm: ppm(20_000n), bufferBasis: 'maintenance' }, start);
    // required 102, shortfall 12; per unit frees 10.2 -> 1.17647... -> 1.177
    expect(mm.ok && [mm.value.required, mm.value.shortfall, mm.value.close]).toEqual([102_000_000n, 12_000_000n, 1_177_000_000n]);
  });

  it('ramps a large shortfall over time; isolated positions are not ramped; small positions go whole', () => {
    const big = drift({ equity: quote(-100_000_000n), maintenance: quote(100_000_000n) }); // shortfall $200 -> 20 units, capped at 10
    const t0 = sizeDrift(big, P, start);
    expect(t0.ok && [t0.value.portionPpm, t0.value.close, t0.value.why]).toEqual([100_000n, 1_000_000_000n, 'drift_ramp_limited']);
    const t30 = sizeDrift({ ...big, nowMs: 30_000 }, P, start);
    expect(t30.ok && [t30.value.portionPpm, t30.value.close]).toEqual([600_000n, 6_000_000_000n]);
    const iso = sizeDrift({ ...big, mode: 'isolated' }, P, start);
    expect(iso.ok && [iso.value.portionPpm, iso.value.close, iso.value.why]).toEqual([1_000_000n, 10_000_000_000n, 'drift_cover_shortfall']);
    const small = sizeDrift(big, { ...P, smallPosition: quote(1_000_000_000n) }, start);
    expect(small.ok && [small.value.close, small.value.why]).toEqual([10_000_000_000n, 'drift_small_position']);
    const wait = sizeDrift(big, { ...P, initialPortionPpm: ppm(0n) }, start);
    expect(wait.ok && [wait.value.close, wait.value.why]).toEqual([0n, 'drift_ramp_wait']);
    const fees = sizeDrift(drift(), { ...P, liquidatorFeePpm: ppm(60_000n), insuranceFeePpm: ppm(50_000n) }, start);
    expect(fees.ok && [fees.value.close, fees.value.why, fees.value.baseToCover]).toEqual([10_000_000_000n, 'drift_fees_exceed_margin', null]);
    const healthy = sizeDrift(drift({ equity: quote(100_000_000n) }), P, start);
    expect(healthy.ok && [healthy.value.close, healthy.value.why]).toEqual([0n, 'drift_no_shortfall']);
    expect(sizeDrift(drift(), P, { startedMs: 1, marginFreed: quote(0n) })).toEqual({ ok: false, reason: 'time_went_backwards' });
  });

  it('property: closing the unramped amount restores the buffered requirement (linear model), and one step less would not', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }), // |size|
        fc.bigInt({ min: 1n, max: 10n ** 12n }), // notional
        fc.bigInt({ min: 1n, max: 500_000n }), // maintenance ratio ppm
        fc.bigInt({ min: 0n, max: 50_000n }), // buffer
        fc.bigInt({ min: 0n, max: 20_000n }), // fees
        fc.bigInt({ min: 1n, max: 10n ** 6n }), // step
        fc.bigInt({ min: 0n, max: 1_000_000n }), // equity as ppm of maintenance
        fc.constantFrom('liability' as const, 'maintenance' as const),
        (absSize, n, mmr, buf, fee, step, eqPpm, basis) => {
          const pm = (n * mmr + 999_999n) / 1_000_000n;
          const eq = (pm * eqPpm) / 1_000_000n;
          const input = drift({ size: size(absSize), notional: quote(n), ledgerNotional: quote(n), maintenance: quote(pm), positionMaintenance: quote(pm), equity: quote(eq), stepSize: size(step), mode: 'isolated' });
          const params: DriftSizingParams = { ...P, marginBufferPpm: ppm(buf), bufferBasis: basis, liquidatorFeePpm: ppm(fee), smallPosition: quote(0n) };
          const r = sizeDrift(input, params, start);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const c = r.value.close;
          expect(c >= 0n && c <= absSize).toBe(true);
          if (c !== absSize) expect(c % step).toBe(0n);
          if (c === 0n || c === absSize) return;
          // After closing c: equity' >= maintenance' + basis' x buffer (exact, linear model).
          const f = Rational.of(c, absSize);
          const eqAfter = Rational.int(eq).sub(f.mul(Rational.of(n * fee, 1_000_000n)));
          const mmAfter = Rational.int(pm).sub(f.mul(Rational.int(pm)));
          const basisAfter = basis === 'liability' ? Rational.int(n).sub(f.mul(Rational.int(n))) : mmAfter;
          const req = mmAfter.add(basisAfter.mul(Rational.of(buf, 1_000_000n)));
          expect(eqAfter.cmp(req) >= 0).toBe(true);
          // ... and one step less would not have been enough, unless rounding to the step was all that added it.
          const less = c - step;
          if (less > 0n) {
            const g = Rational.of(less, absSize);
            const e2 = Rational.int(eq).sub(g.mul(Rational.of(n * fee, 1_000_000n)));
            const m2 = Rational.int(pm).sub(g.mul(Rational.int(pm)));
            const b2 = basis === 'liability' ? Rational.int(n).sub(g.mul(Rational.int(n))) : m2;
            const req2 = m2.add(b2.mul(Rational.of(buf, 1_000_000n)));
            // not enough: the requirement was rounded up by less than one atom, so e2 < req2 + 1
            expect(e2.cmp(req2.add(Rational.int(1))) < 0).toBe(true);
          }
        },
      ),
    );
  });
});

describe('dispatch and validation', () => {
  it('validates each policy with paths', () => {
    expect(validateSizingPolicy({ kind: 'full' })).toEqual([]);
    expect(
      validateSizingPolicy({
        kind: 'dydx',
        params: { minPositionNotionalLiquidated: quote(-1n), maxPositionPortionLiquidatedPpm: ppm(0n), subaccount: { maxNotionalLiquidated: 0n, maxQuantumsInsuranceLost: 1n } },
      }).map((p) => p.path),
    ).toEqual(['params.minPositionNotionalLiquidated', 'params.maxPositionPortionLiquidatedPpm', 'params.subaccount.maxNotionalLiquidated']);
    expect(
      validateSizingPolicy({
        kind: 'hyperliquid',
        params: { partialThresholdNotional: quote(0n), partialPortionPpm: ppm(0n), cooldownMs: -1, backstopEquityNumerator: 4n, backstopEquityDenominator: 3n },
      }).map((p) => p.path),
    ).toEqual(['params.partialPortionPpm', 'params.cooldownMs', 'params.backstopEquityNumerator']);
    expect(validateSizingPolicy({ kind: 'drift', params: { ...({} as DriftSizingParams), marginBufferPpm: ppm(-1n), bufferBasis: 'x' as never, liquidatorFeePpm: ppm(0n), insuranceFeePpm: ppm(0n), initialPortionPpm: ppm(0n), rampDurationMs: 0, smallShortfall: quote(0n), smallPosition: quote(0n) } }).map((p) => p.path)).toEqual([
      'params.marginBufferPpm',
      'params.bufferBasis',
    ]);
    expect(validateSizingPolicy({ kind: 'nope' } as never)).toEqual([{ path: 'kind', message: "must be 'full', 'dydx', 'hyperliquid' or 'drift'" }]);
  });

  it('dispatches with fresh state by default', () => {
    const i = btcInput(1_000_000_000n);
    expect(sizeLiquidation(i, { kind: 'full' })).toEqual({ ok: true, value: { close: 1_000_000_000n, why: 'full_policy', route: 'book' } });
    const hl = sizeLiquidation(i, {
      kind: 'hyperliquid',
      params: { partialThresholdNotional: quote(100_000_000_000n), partialPortionPpm: ppm(200_000n), cooldownMs: 30_000, backstopEquityNumerator: 2n, backstopEquityDenominator: 3n },
    });
    expect(hl.ok && hl.value.close).toBe(200_000_000n);
    const zero = 0n as Quote;
    const dr = sizeLiquidation(i, {
      kind: 'drift',
      params: { marginBufferPpm: ppm(0n), bufferBasis: 'liability', liquidatorFeePpm: ppm(0n), insuranceFeePpm: ppm(0n), initialPortionPpm: ppm(1_000_000n), rampDurationMs: 0, smallShortfall: zero, smallPosition: zero },
    });
    expect(dr.ok && dr.value.why).toBe('drift_cover_shortfall');
  });
});
