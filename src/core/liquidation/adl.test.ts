import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price, quote, Rational, size } from '../units/index.js';
import type { FundingIndexE9 } from '../pricing/funding.js';
import {
  adlQueuePercentiles,
  binanceAdlScore,
  adlOrder,
  bitmexAdlScore,
  bitmexAdlScoreFraction,
  bybitAdlScore,
  driftSocialisedFundingDelta,
  dydxDeleveragePrice,
  dydxOffsetPosition,
  offsetAgainst,
  rankForAdl,
  socialisedCharges,
  socialiseLoss,
  type AdlCandidate,
} from './adl.js';
import { dydxBankruptcyQuote } from './bankruptcy.js';
import { BTC, BTC_1, hold, subaccount, usd } from './testkit.js';

describe('BitMEX score as an unreduced fraction (the ADL queue orders by it)', () => {
  const input = fc.record({
    markValue: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
    entryValue: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
    bankruptValue: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
  });
  it('is the reduced score, refused alike, and adlOrder on fractions is adlOrder on the reduced scores', () => {
    let ranked = 0;
    fc.assert(
      fc.property(input, input, fc.constantFrom('a', 'b'), (x, y, other) => {
        const [fx, fy] = [bitmexAdlScoreFraction(x), bitmexAdlScoreFraction(y)];
        const [rx, ry] = [bitmexAdlScore(x), bitmexAdlScore(y)];
        expect(fx.ok).toBe(rx.ok);
        if (!fx.ok || !rx.ok || !fy.ok || !ry.ok) return;
        expect(fx.value.den > 0n).toBe(true);
        expect(Rational.of(fx.value.num, fx.value.den)).toEqual(rx.value);
        expect(Math.sign(adlOrder({ account: 'a', score: fx.value }, { account: other, score: fy.value }))).toBe(Math.sign(adlOrder({ account: 'a', score: rx.value }, { account: other, score: ry.value })));
        ranked++;
      }),
      { numRuns: 2_000, seed: 3 },
    );
    expect(ranked).toBeGreaterThan(100);
  });
  it('orders equal scores by account id, whatever their representation', () => {
    expect(adlOrder({ account: 'a', score: { num: 2n, den: 4n } }, { account: 'b', score: Rational.of(1n, 2n) })).toBeLessThan(0);
    expect(adlOrder({ account: 'b', score: { num: 2n, den: 4n } }, { account: 'a', score: Rational.of(1n, 2n) })).toBeGreaterThan(0);
    expect(adlOrder({ account: 'b', score: { num: 3n, den: 4n } }, { account: 'a', score: Rational.of(1n, 2n) })).toBeLessThan(0);
  });
});

describe('BitMEX ranking', () => {
  it('golden (D): long in profit 0.7333...; long in loss -0.000618556701...; not rankable below bankruptcy', () => {
    expect(bitmexAdlScore({ entryValue: 100n, markValue: 110n, bankruptValue: 95n })).toEqual({ ok: true, value: Rational.of(11n, 15n) });
    const loss = bitmexAdlScore({ entryValue: 100n, markValue: 97n, bankruptValue: 95n });
    expect(loss.ok && loss.value.toString()).toBe('-3/4850');
    expect(loss.ok && loss.value.toAtoms(12, 'trunc')).toBe(-618_556_701n);
    expect(bitmexAdlScore({ entryValue: 100n, markValue: 95n, bankruptValue: 95n })).toEqual({ ok: false, reason: 'not_rankable' });
    expect(bitmexAdlScore({ entryValue: 0n, markValue: 95n, bankruptValue: 90n })).toEqual({ ok: false, reason: 'not_rankable' });
  });

  it('a short uses the same formula on signed values: entry 100, mark 90, bankruptcy 105 -> 0.1 x 6 = 0.6', () => {
    expect(bitmexAdlScore({ entryValue: -100n, markValue: -90n, bankruptValue: -105n })).toEqual({ ok: true, value: Rational.of(3n, 5n) });
  });

  it('the published six-account example (V): order 2, 5, 4, 1, 6, 3; percentiles 20/40/60/80/80/100 (U reading)', () => {
    const longs: AdlCandidate[] = [
      { account: '1', size: 10n, score: Rational.int(3) },
      { account: '2', size: 10n, score: Rational.int(6) },
      { account: '3', size: 20n, score: Rational.int(1) },
      { account: '4', size: 30n, score: Rational.int(4) },
      { account: '5', size: 20n, score: Rational.int(5) },
      { account: '6', size: 10n, score: Rational.int(2) },
    ];
    const ranked = rankForAdl(longs);
    expect(ranked.ok && ranked.value.map((c) => c.account)).toEqual(['2', '5', '4', '1', '6', '3']);
    if (!ranked.ok) return;
    const pct = adlQueuePercentiles(ranked.value, 200_000n);
    expect(pct.ok && pct.value.map((p) => p.percentilePpm)).toEqual([200_000n, 400_000n, 600_000n, 800_000n, 800_000n, 1_000_000n]);
    // A liquidated short of 20 with bankruptcy price $650: account 2 fully (10), then 10 of account 5's 20, at $650.
    const off = offsetAgainst({
      bankruptSize: size(-20n),
      bankruptcyPrice: price(650n),
      units: { baseDecimals: 0, priceDecimals: 0, quoteDecimals: 0 },
      candidates: ranked.value,
    });
    expect(off).toEqual({
      ok: true,
      value: {
        fills: [
          { account: '2', size: 10n, quoteToBankrupt: -6_500n },
          { account: '5', size: 10n, quoteToBankrupt: -6_500n },
        ],
        remaining: 0n,
        visited: 2,
      },
    });
  });

  it('ties break by account id; order does not depend on input order; duplicates are refused', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ account: fc.string({ maxLength: 4 }), s: fc.integer({ min: -3, max: 3 }) }), { selector: (r) => r.account, maxLength: 20 }), (rows) => {
        const cands = rows.map((r) => ({ account: r.account, size: 1n, score: Rational.int(r.s) }));
        const a = rankForAdl(cands);
        const b = rankForAdl([...cands].reverse());
        expect(a.ok && b.ok && a.value.map((c) => c.account)).toEqual(b.ok && b.value.map((c) => c.account));
        if (!a.ok) return;
        for (let k = 1; k < a.value.length; k++) {
          const prev = a.value[k - 1]!;
          const cur = a.value[k]!;
          const c = prev.score.cmp(cur.score);
          expect(c > 0 || (c === 0 && prev.account < cur.account)).toBe(true);
        }
      }),
    );
    expect(rankForAdl([{ account: 'a', size: 1n, score: Rational.int(1) }, { account: 'a', size: 2n, score: Rational.int(2) }])).toEqual({ ok: false, reason: 'invalid_input' });
  });
});

describe('Bybit and Binance scores (S)', () => {
  it('Bybit: profit ranks by PnL% / margin rate, loss by PnL% x margin rate', () => {
    // entry 100, mark 110, margin 10 + uPnL 10 over value 110 -> rate 2/11; 0.1 / (2/11) = 0.55
    expect(bybitAdlScore({ entryValue: 100n, markValue: 110n, marginBalance: 20n, marginBase: 110n })).toEqual({ ok: true, value: Rational.of(11n, 20n) });
    // entry 100, mark 95, margin 10 - 5 over 95 -> 1/19; -0.05 x 1/19
    expect(bybitAdlScore({ entryValue: 100n, markValue: 95n, marginBalance: 5n, marginBase: 95n })).toEqual({ ok: true, value: Rational.of(-1n, 380n) });
    expect(bybitAdlScore({ entryValue: 100n, markValue: 80n, marginBalance: -10n, marginBase: 80n })).toEqual({ ok: false, reason: 'not_rankable' });
  });

  it('Binance thread vector: uPnL 40.2, WB 4.27, margin ratio 13.42% -> 1.2634', () => {
    // MM chosen so that MM / (WB + uPnL) = 13.42% exactly: 0.1342 x 44.47 = 5.967874.
    const s = binanceAdlScore({ unrealisedPnl: 40_200_000n, walletBalance: 4_270_000n, maintenance: 5_967_874n, oneQuoteUnit: 1_000_000n });
    expect(s.toAtoms(4, 'half_even')).toBe(12_634n);
    expect(Rational.of(40_200_000n, 4_270_000n).toAtoms(2, 'half_even')).toBe(941n); // PnL% 9.41
    expect(binanceAdlScore({ unrealisedPnl: -1n, walletBalance: 10n, maintenance: 1n, oneQuoteUnit: 1n })).toEqual(Rational.int(0));
  });
});

describe('offsetAgainst (ours)', () => {
  const units = { baseDecimals: 0, priceDecimals: 2, quoteDecimals: 2 };
  it('skips same-side and empty positions, wraps from the start offset, stops at the visit bound', () => {
    const cands = [
      { account: 'a', size: 5n },
      { account: 'b', size: -3n },
      { account: 'c', size: 0n },
      { account: 'd', size: -10n },
    ];
    const r = offsetAgainst({ bankruptSize: size(8n), bankruptcyPrice: price(150n), units, candidates: cands, startOffset: 2 });
    expect(r).toEqual({
      ok: true,
      value: { fills: [{ account: 'd', size: 8n, quoteToBankrupt: 1_200n }], remaining: 0n, visited: 2 },
    });
    const bounded = offsetAgainst({ bankruptSize: size(20n), bankruptcyPrice: price(150n), units, candidates: cands, maxCandidates: 2 });
    expect(bounded.ok && [bounded.value.fills.length, bounded.value.remaining, bounded.value.visited]).toEqual([1, 17n, 2]);
    expect(offsetAgainst({ bankruptSize: size(0n), bankruptcyPrice: price(1n), units, candidates: cands })).toEqual({ ok: false, reason: 'no_position' });
    expect(offsetAgainst({ bankruptSize: size(1n), bankruptcyPrice: price(1n), units, candidates: cands, maxCandidates: 501 })).toEqual({ ok: false, reason: 'invalid_input' });
  });

  it('property: fills sum to |size| - remaining, each within its candidate; a bankrupt long is paid rounding up', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1_000n, max: 1_000n }).filter((s) => s !== 0n),
        fc.array(fc.bigInt({ min: -100n, max: 100n }), { maxLength: 30 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (bs, sizes, px) => {
          const cands = sizes.map((s, k) => ({ account: `x${k}`, size: s }));
          const r = offsetAgainst({ bankruptSize: size(bs), bankruptcyPrice: price(px), units: { baseDecimals: 1, priceDecimals: 0, quoteDecimals: 0 }, candidates: cands });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          let sum = 0n;
          for (const f of r.value.fills) {
            sum += f.size;
            const c = cands.find((x) => x.account === f.account)!;
            expect(c.size > 0n !== bs > 0n).toBe(true);
            expect(f.size <= (c.size < 0n ? -c.size : c.size)).toBe(true);
            // quote = value(slice) rounded toward +infinity for the bankrupt side
            const exact = Rational.of((bs > 0n ? f.size : -f.size) * px, 10n);
            expect(Rational.int(f.quoteToBankrupt).cmp(exact) >= 0 && Rational.int(f.quoteToBankrupt - 1n).cmp(exact) < 0).toBe(true);
          }
          expect(sum + r.value.remaining).toBe(bs < 0n ? -bs : bs);
        },
      ),
    );
  });
});

describe('dYdX deleveraging (V: TestOffsetSubaccountPerpetualPosition)', () => {
  it('one offsetting 1 BTC long: the liquidated 1 BTC short with 54,999 USDC (TNC $4,999) pays 54,999,000,000', () => {
    const short = subaccount(usd(54_999n), hold(BTC, -BTC_1));
    const r = dydxOffsetPosition(short, BTC, [{ account: 'offsetting', size: BTC_1 }]);
    expect(r.ok && r.value.fills).toEqual([{ account: 'offsetting', deltaQuantums: BTC_1, quoteQuantums: -54_999_000_000n }]);
    // The offsetting account (50,000 USDC) ends with 50,000 + 54,999 USDC; open interest ends at 0.
    expect(usd(50_000n) - (r.ok ? r.value.fills[0]!.quoteQuantums : 0n)).toBe(104_999_000_000n);
    expect(r.ok && r.value.liquidated).toEqual({ quoteBalance: 0n, positions: [] });
  });

  it('mirror: liquidated 1 BTC long with -54,999 USDC (TNC < 0) against a 1 BTC short -> +54,999,000,000', () => {
    const carl = subaccount(usd(-54_999n), hold(BTC, BTC_1));
    const r = dydxOffsetPosition(carl, BTC, [{ account: 'dave', size: -BTC_1 }]);
    expect(r.ok && r.value.fills).toEqual([{ account: 'dave', deltaQuantums: -BTC_1, quoteQuantums: 54_999_000_000n }]);
    expect(r.ok && r.value.liquidated).toEqual({ quoteBalance: 0n, positions: [] });
    // The offsetting account ends at 100,000 - 54,999 USDC.
    expect(usd(100_000n) - (r.ok ? r.value.fills[0]!.quoteQuantums : 0n)).toBe(45_001_000_000n);
  });

  it('two 0.5 BTC offsets are priced one after the other: 27,499,500,000 each; same side skipped', () => {
    const carl = subaccount(usd(-54_999n), hold(BTC, BTC_1));
    const r = dydxOffsetPosition(carl, BTC, [
      { account: 'same-side', size: BTC_1 },
      { account: 'x', size: -BTC_1 / 2n },
      { account: 'y', size: -BTC_1 / 2n },
    ]);
    expect(r.ok && r.value.fills.map((f) => f.quoteQuantums)).toEqual([27_499_500_000n, 27_499_500_000n]);
    expect(r.ok && r.value.remaining).toBe(0n);
  });

  it('CanDeleverageSubaccount: TNC < 0 -> bankruptcy price; final settlement -> oracle; else none', () => {
    expect(dydxDeleveragePrice({ tnc: -1n }, false)).toBe('bankruptcy');
    expect(dydxDeleveragePrice({ tnc: -1n }, true)).toBe('bankruptcy');
    expect(dydxDeleveragePrice({ tnc: 0n }, true)).toBe('oracle');
    expect(dydxDeleveragePrice({ tnc: 0n }, false)).toBeNull();
    const healthy = subaccount(usd(-40_000n), hold(BTC, BTC_1));
    const fs = dydxOffsetPosition(healthy, BTC, [{ account: 'd', size: -BTC_1 }], { price: 'oracle' });
    expect(fs.ok && fs.value.fills).toEqual([{ account: 'd', deltaQuantums: -BTC_1, quoteQuantums: 50_000_000_000n }]);
  });

  it('rounding vectors (D, notes §1.5): BTC price 4,999,999,937, delta 49,999,991', () => {
    const odd = { ...BTC, price: 4_999_999_937n };
    expect(dydxBankruptcyQuote(subaccount(usd(54_999n), hold(odd, -BTC_1)), odd, 49_999_991n)).toEqual({ ok: true, value: -27_499_495_050n });
    expect(dydxBankruptcyQuote(subaccount(usd(45_001n), hold(odd, -BTC_1)), odd, 49_999_991n)).toEqual({ ok: true, value: -22_500_495_951n });
    expect(dydxBankruptcyQuote(subaccount(usd(-54_999n), hold(odd, BTC_1)), odd, -49_999_991n)).toEqual({ ok: true, value: 27_499_495_051n });
  });
});

describe('socialisation', () => {
  it('Drift (V): loss -100 USDC over 7 long + 4 short units -> 9,090,910,000', () => {
    expect(driftSocialisedFundingDelta(-100_000_000n, 7_000_000_000n, -4_000_000_000n)).toEqual({ ok: true, value: 9_090_910_000n });
    expect(driftSocialisedFundingDelta(-1n, 0n, 0n)).toEqual({ ok: false, reason: 'no_open_interest' });
  });

  it('ours, in FundingIndexE9 units: the same loss over both sides, and over the opposite side only', () => {
    const both = socialiseLoss({ loss: quote(100_000_000n), bankruptSide: 'long', bearers: 'both', longOpenInterest: 7_000_000_000n, shortOpenInterest: 4_000_000_000n, baseDecimals: 9 });
    // $9.0909... per unit = 9,090,909.09 quote atoms -> x 1e9, rounded up
    expect(both.ok && [both.value.chargePerUnitE9, both.value.longIndexDelta, both.value.shortIndexDelta]).toEqual([
      9_090_909_090_909_091n,
      9_090_909_090_909_091n,
      -9_090_909_090_909_091n,
    ]);
    expect(both.ok && [both.value.chargedAtLeast, both.value.dust]).toEqual([100_000_001n, 1n]);
    const opp = socialiseLoss({ loss: quote(100_000_000n), bankruptSide: 'long', bearers: 'opposite', longOpenInterest: 7_000_000_000n, shortOpenInterest: 4_000_000_000n, baseDecimals: 9 });
    expect(opp.ok && [opp.value.chargePerUnitE9, opp.value.longIndexDelta, opp.value.shortIndexDelta, opp.value.dust]).toEqual([
      25_000_000_000_000_000n,
      0n,
      -25_000_000_000_000_000n,
      0n,
    ]);
    expect(socialiseLoss({ loss: quote(1n), bankruptSide: 'short', bearers: 'opposite', longOpenInterest: 0n, shortOpenInterest: 5n, baseDecimals: 0 })).toEqual({
      ok: false,
      reason: 'no_open_interest',
    });
  });

  it('property: the bearers always pay at least the loss; the dust is bounded by the rounding', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 10n }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 12 }),
        (loss, sizes, bd) => {
          const oi = sizes.reduce((a, b) => a + b, 0n);
          const s = socialiseLoss({ loss: quote(loss), bankruptSide: 'short', bearers: 'opposite', longOpenInterest: oi, shortOpenInterest: 0n, baseDecimals: bd });
          expect(s.ok).toBe(true);
          if (!s.ok) return;
          expect(s.value.chargedAtLeast >= loss).toBe(true);
          const c = socialisedCharges(sizes, s.value.chargePerUnitE9 as FundingIndexE9, bd, quote(loss));
          expect(c.ok).toBe(true);
          if (!c.ok) return;
          expect(c.value.total >= s.value.chargedAtLeast).toBe(true);
          expect(c.value.dust >= 0n).toBe(true);
          // rounding the per-unit charge up costs < OI / (10^bd x 1e9) + 1 atoms in aggregate; per-position rounding
          // < 1 atom each
          const chargeSlack = oi / (10n ** BigInt(bd) * 1_000_000_000n) + 1n;
          expect(s.value.dust <= chargeSlack).toBe(true);
          expect(c.value.dust <= BigInt(sizes.length) + chargeSlack).toBe(true);
        },
      ),
    );
  });
});
