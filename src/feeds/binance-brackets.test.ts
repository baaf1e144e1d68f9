import { describe, expect, it } from 'vitest';
import { checkBracketTable, parseLeverageBrackets, type SymbolBrackets } from './binance-brackets.js';
import { feedFixture } from '../../test/fixtures/fixtures.js';

const text = feedFixture('binance-leverage-bracket.json');
const USDT = 10n ** 6n; // quote atoms of 1e-6

describe('parseLeverageBrackets', () => {
  const r = parseLeverageBrackets(text, { quoteDecimals: 6 });
  const btc = r.symbols[0] as SymbolBrackets;

  it('reads the BTCUSDT table: 10 brackets, exact ppm and quote atoms', () => {
    expect(r.issues).toEqual([]);
    expect(r.symbols).toHaveLength(1);
    expect(btc.symbol).toBe('BTCUSDT');
    expect('notionalCoef' in btc).toBe(false);
    expect(btc.brackets).toHaveLength(10);
    expect(btc.brackets[2]).toEqual({
      bracket: 3,
      initialLeverage: 50,
      notionalFloorQuote: 250_000n * USDT,
      notionalCapQuote: 3_000_000n * USDT,
      maintMarginRatioPpm: 10_000n,
      cumQuote: 1_300n * USDT,
    });
    expect(btc.brackets.map((b) => b.maintMarginRatioPpm)).toEqual([
      4_000n, 5_000n, 10_000n, 25_000n, 50_000n, 100_000n, 125_000n, 150_000n, 250_000n, 500_000n,
    ]);
    expect(btc.brackets.map((b) => b.cumQuote / USDT)).toEqual([
      0n, 50n, 1_300n, 46_300n, 546_300n, 2_546_300n, 5_046_300n, 8_046_300n, 28_046_300n, 103_046_300n,
    ]);
    expect(btc.brackets[9]?.notionalCapQuote).toBe(500_000_000n * USDT);
  });

  it('passes the cum recurrence and continuity checks', () => {
    expect(checkBracketTable(btc)).toEqual([]);
  });

  it('gives a continuous MM = notional x MMR - cum at every floor', () => {
    for (let n = 1; n < btc.brackets.length; n++) {
      const lo = btc.brackets[n - 1];
      const hi = btc.brackets[n];
      if (lo === undefined || hi === undefined) throw new Error('bracket missing');
      const f = hi.notionalFloorQuote;
      expect(f * lo.maintMarginRatioPpm - lo.cumQuote * 1_000_000n).toBe(f * hi.maintMarginRatioPpm - hi.cumQuote * 1_000_000n);
    }
    // notional 1,000,000 USDT sits in bracket 3: MM = 1e6 x 1% - 1300 = 8700 USDT.
    const b3 = btc.brackets[2];
    expect(b3 && (1_000_000n * USDT * b3.maintMarginRatioPpm) / 1_000_000n - b3.cumQuote).toBe(8_700n * USDT);
  });

  it('accepts the bare-object form', () => {
    const bare = JSON.stringify(JSON.parse(text)[0]);
    const r2 = parseLeverageBrackets(bare, { quoteDecimals: 6 });
    expect(r2.issues).toEqual([]);
    expect(r2.symbols[0]?.brackets[2]?.cumQuote).toBe(1_300n * USDT);
  });

  it('reads notionalCoef exactly when present', () => {
    const r2 = parseLeverageBrackets(
      '{"symbol":"ETHUSDT","notionalCoef":1.50,"brackets":[{"bracket":1,"initialLeverage":75,"notionalCap":10000,"notionalFloor":0,"maintMarginRatio":0.0065,"cum":0}]}',
      { quoteDecimals: 2 },
    );
    expect(r2.issues).toEqual([]);
    expect(r2.symbols[0]?.notionalCoef).toEqual({ mantissa: 150n, expo: -2 });
    expect(r2.symbols[0]?.brackets[0]?.maintMarginRatioPpm).toBe(6_500n);
    expect(r2.symbols[0]?.brackets[0]?.notionalCapQuote).toBe(1_000_000n);
  });

  it('flags a cum that breaks the recurrence, and a gap between tiers', () => {
    const bad = JSON.parse(text);
    bad[0].brackets[3].cum = 46301.0;
    bad[0].brackets[5].notionalFloor = 40000001;
    const r2 = parseLeverageBrackets(JSON.stringify(bad), { quoteDecimals: 6 });
    expect(r2.issues).toEqual([]);
    const issues = checkBracketTable(r2.symbols[0] as SymbolBrackets);
    expect(issues.map((i) => [i.code, i.index])).toEqual([
      ['bracket_cum_mismatch', 3],
      ['bracket_cum_mismatch', 4],
      ['bracket_not_continuous', 5],
      ['bracket_cum_mismatch', 5],
    ]);
  });

  it('refuses values finer than the quote atoms, and bad shapes, without throwing', () => {
    const fine = parseLeverageBrackets(
      '[{"symbol":"X","brackets":[{"bracket":1,"initialLeverage":5,"notionalCap":1.0000001,"notionalFloor":0,"maintMarginRatio":0.01,"cum":0}]}]',
      { quoteDecimals: 6 },
    );
    expect(fine.symbols).toEqual([]);
    expect(fine.issues.map((i) => i.code)).toEqual(['bad_number']);
    expect(parseLeverageBrackets('[{"symbol":"X"}]', { quoteDecimals: 6 }).issues.map((i) => i.code)).toEqual(['bad_shape']);
    expect(parseLeverageBrackets('[1]', { quoteDecimals: 6 }).issues.map((i) => i.code)).toEqual(['bad_shape']);
    expect(parseLeverageBrackets('{', { quoteDecimals: 6 }).issues.map((i) => i.code)).toEqual(['bad_json']);
  });
});
