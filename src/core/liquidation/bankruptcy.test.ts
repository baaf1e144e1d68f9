import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price, quote, Rational, size } from '../units/index.js';
import { bankruptcyPrice, bankruptcyQuoteForDelta, dydxBankruptcyQuote } from './bankruptcy.js';
import { dydxAccountRisk, dydxPositionRisk, type DydxPerpetual } from './dydx.js';
import { BTC, BTC_1, ETH, ETH_01, hold, subaccount, usd } from './testkit.js';
import { exactValue, type MarketUnits } from './units.js';

describe('dYdX GetBankruptcyPriceInQuoteQuantums (V: liquidations_test.go TestGetBankruptcyPriceInQuoteQuantums)', () => {
  const tenth = BTC_1 / 10n;
  const btc004 = 400_000n;
  type Row = [name: string, quoteBalance: bigint, positions: [DydxPerpetual, bigint][], perp: DydxPerpetual, delta: bigint, bp: bigint];
  const rows: Row[] = [
    ['0.1 BTC long, -4,501', usd(-4_501n), [[BTC, tenth]], BTC, -tenth, 4_501_000_000n],
    ['0.1 BTC short, +5,499', usd(5_499n), [[BTC, -tenth]], BTC, tenth, -5_499_000_000n],
    ['0.1 BTC long, -5,000', usd(-5_000n), [[BTC, tenth]], BTC, -tenth, 5_000_000_000n],
    ['0.1 BTC long, -5,000, half', usd(-5_000n), [[BTC, tenth]], BTC, -tenth / 2n, 2_500_000_000n],
    ['0.1 BTC short, +5,000, half', usd(5_000n), [[BTC, -tenth]], BTC, tenth / 2n, -2_500_000_000n],
    ['0.1 BTC short, +5,000', usd(5_000n), [[BTC, -tenth]], BTC, tenth, -5_000_000_000n],
    ['0.1 BTC long, -5,100 (TNC < 0)', usd(-5_100n), [[BTC, tenth]], BTC, -tenth, 5_100_000_000n],
    ['0.1 BTC short, +4,900 (TNC < 0)', usd(4_900n), [[BTC, -tenth]], BTC, tenth, -4_900_000_000n],
    ['0.004 BTC long + 0.1 ETH long', usd(-490n), [[BTC, btc004], [ETH, ETH_01]], ETH, -ETH_01, 294_000_000n],
    ['0.004 BTC short + 0.1 ETH short', usd(510n), [[BTC, -btc004], [ETH, -ETH_01]], ETH, ETH_01, -306_000_000n],
    ['0.004 BTC long + 0.1 ETH short', usd(110n), [[BTC, btc004], [ETH, -ETH_01]], ETH, ETH_01, -306_000_000n],
    ['1 BTC long, -13, tiny delta (2,775.11 -> up)', usd(-13n), [[BTC, BTC_1]], BTC, -21_347n, 2_776n],
    ['1 BTC short, +13, tiny delta (-2,775.11 -> toward +inf)', usd(13n), [[BTC, -BTC_1]], BTC, 21_347n, -2_775n],
    ['1 BTC long, +1', usd(1n), [[BTC, BTC_1]], BTC, -BTC_1, -1_000_000n],
  ];
  it.each(rows)('%s', (_name, qb, positions, perp, delta, bp) => {
    const sub = subaccount(qb, ...positions.map(([p, q]) => hold(p, q)));
    expect(dydxBankruptcyQuote(sub, perp, delta)).toEqual({ ok: true, value: bp });
  });

  it('rejects deltas that do not close (0, same sign, larger than the position) and a missing position', () => {
    const sub = subaccount(usd(-4_501n), hold(BTC, BTC_1));
    for (const delta of [0n, 10_000_000n, -100_000_001n]) {
      expect(dydxBankruptcyQuote(sub, BTC, delta)).toEqual({ ok: false, reason: 'invalid_delta' });
    }
    expect(dydxBankruptcyQuote(subaccount(usd(-4_501n)), BTC, -10_000_000n)).toEqual({ ok: false, reason: 'invalid_delta' });
  });

  it('worked check of the 2,776 row (notes §1.1, D)', () => {
    const sub = subaccount(usd(-13n), hold(BTC, BTC_1));
    expect(dydxAccountRisk(sub)).toMatchObject({ tnc: 49_987_000_000n, tmmr: 5_000_000_000n });
    expect(dydxPositionRisk(BTC, BTC_1 - 21_347n)).toEqual({ nc: 49_989_326_500n, imr: 9_997_865_300n, mmr: 4_998_932_650n });
  });

  it('refuses a requirement that grows, and a zero total requirement', () => {
    const base = { tnc: 10n, tmmr: 5n, positionSize: 10n, delta: -5n, ncBefore: 100n, ncAfter: 50n, mmrBefore: 5n };
    expect(bankruptcyQuoteForDelta({ ...base, mmrAfter: 6n })).toEqual({ ok: false, reason: 'maintenance_increased' });
    expect(bankruptcyQuoteForDelta({ ...base, tmmr: 0n, mmrBefore: 0n, mmrAfter: 0n })).toEqual({ ok: false, reason: 'no_maintenance' });
  });

  it('property: applying (BP, delta) never worsens TNC/TMMR, and a full close of the only position leaves TNC = 0', () => {
    const perpArb = fc.record({
      price: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      initialMarginPpm: fc.bigInt({ min: 1n, max: 1_000_000n }),
      maintenanceFractionPpm: fc.bigInt({ min: 1n, max: 1_000_000n }),
    });
    fc.assert(
      fc.property(
        perpArb,
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.boolean(),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        (p, absSize, long, qb, cut) => {
          const perp: DydxPerpetual = { id: 0, atomicResolution: -8, exponent: -5, ...p };
          const sz = long ? absSize : -absSize;
          const closeAbs = cut > absSize ? absSize : cut;
          const delta = long ? -closeAbs : closeAbs;
          const sub = subaccount(qb, hold(perp, sz));
          const before = dydxAccountRisk(sub);
          const r = dydxBankruptcyQuote(sub, perp, delta);
          if (before.tmmr === 0n) {
            expect(r).toEqual({ ok: false, reason: 'no_maintenance' });
            return;
          }
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const after = dydxAccountRisk(subaccount(qb + r.value, hold(perp, sz + delta)));
          // TNC' / TMMR' >= TNC / TMMR, cross-multiplied (TMMR' may be 0).
          expect(after.tnc * before.tmmr >= before.tnc * after.tmmr).toBe(true);
          if (sz + delta === 0n) expect(after.tnc).toBe(0n);
        },
      ),
    );
  });
});

describe('bankruptcyPrice: whole position, equity = 0 (ours)', () => {
  const usdCents: MarketUnits = { baseDecimals: 0, priceDecimals: 2, quoteDecimals: 2 };
  it('BitMEX liquidation example (D): long 1 at $100.00 with $1.00 of margin goes bankrupt at $99.00', () => {
    expect(bankruptcyPrice({ size: size(1n), mark: price(10_000n), equity: quote(100n), units: usdCents })).toEqual({ ok: true, value: 9_900n });
    // The mirrored short goes bankrupt at $101.00.
    expect(bankruptcyPrice({ size: size(-1n), mark: price(10_000n), equity: quote(100n), units: usdCents })).toEqual({ ok: true, value: 10_100n });
  });

  it('agrees with dYdX on a full close of a single position: 0.1 BTC long with -4,501 USDC -> $45,010', () => {
    const dydxUnits: MarketUnits = { baseDecimals: 8, priceDecimals: 5, quoteDecimals: 6 };
    const tnc = dydxAccountRisk(subaccount(usd(-4_501n), hold(BTC, 10_000_000n))).tnc;
    const r = bankruptcyPrice({ size: size(10_000_000n), mark: price(5_000_000_000n), equity: quote(tnc), units: dydxUnits });
    expect(r).toEqual({ ok: true, value: 4_501_000_000n });
    // value(0.1 BTC at that price) = the dYdX bankruptcy quote for the whole close.
    expect(exactValue(dydxUnits, 10_000_000n, 4_501_000_000n).toString()).toBe('4501000000');
  });

  it('rounds a long up and a short down, then to the tick in the same direction', () => {
    // long 3 units, equity 1 cent at $1.00: p = 100 - 1/3 -> 99.67 -> 100 (ceil) ; with tick 5 -> 100.
    const u: MarketUnits = { baseDecimals: 0, priceDecimals: 2, quoteDecimals: 2 };
    expect(bankruptcyPrice({ size: size(3n), mark: price(100n), equity: quote(1n), units: u })).toEqual({ ok: true, value: 100n });
    expect(bankruptcyPrice({ size: size(3n), mark: price(100n), equity: quote(4n), units: u })).toEqual({ ok: true, value: 99n });
    expect(bankruptcyPrice({ size: size(3n), mark: price(100n), equity: quote(4n), units: u, tickSize: price(5n) })).toEqual({ ok: true, value: 100n });
    expect(bankruptcyPrice({ size: size(-3n), mark: price(100n), equity: quote(4n), units: u })).toEqual({ ok: true, value: 101n });
    expect(bankruptcyPrice({ size: size(-3n), mark: price(100n), equity: quote(4n), units: u, tickSize: price(5n) })).toEqual({ ok: true, value: 100n });
  });

  it('has no positive price for a fully backed long, nor for a short bankrupt at 0; refuses bad input', () => {
    const u: MarketUnits = { baseDecimals: 0, priceDecimals: 2, quoteDecimals: 2 };
    expect(bankruptcyPrice({ size: size(1n), mark: price(100n), equity: quote(100n), units: u })).toEqual({ ok: false, reason: 'no_positive_price' });
    expect(bankruptcyPrice({ size: size(-1n), mark: price(100n), equity: quote(-100n), units: u })).toEqual({ ok: false, reason: 'no_positive_price' });
    expect(bankruptcyPrice({ size: size(0n), mark: price(100n), equity: quote(1n), units: u })).toEqual({ ok: false, reason: 'no_position' });
    expect(bankruptcyPrice({ size: size(1n), mark: price(0n), equity: quote(1n), units: u })).toEqual({ ok: false, reason: 'invalid_input' });
    expect(bankruptcyPrice({ size: size(1n), mark: price(1n), equity: quote(1n), units: u, tickSize: price(0n) })).toEqual({ ok: false, reason: 'invalid_input' });
  });

  it('property: equity at the price is >= 0, and one price atom worse it is < 0 (any units)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).filter((s) => s !== 0n),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (s, m, e, bd, pd, qd) => {
          const units: MarketUnits = { baseDecimals: bd, priceDecimals: pd, quoteDecimals: qd };
          const r = bankruptcyPrice({ size: size(s), mark: price(m), equity: quote(e), units });
          const equityAt = (p: bigint): Rational => Rational.of(e).add(exactValue(units, s, p)).sub(exactValue(units, s, m));
          if (!r.ok) {
            expect(r.reason).toBe('no_positive_price');
            // no positive price: a long is solvent at 1 atom; a short is insolvent at 1 atom (or the
            // solvent range ends below 1 atom).
            if (s > 0n) expect(equityAt(1n).isNegative()).toBe(false);
            return;
          }
          expect(equityAt(r.value).isNegative()).toBe(false);
          const worse = s > 0n ? r.value - 1n : r.value + 1n;
          if (worse > 0n) expect(equityAt(worse).isNegative()).toBe(true);
        },
      ),
    );
  });
});
