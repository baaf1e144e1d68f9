import { describe, expect, it } from 'vitest';
import { checkBracketTable, parseLeverageBrackets, type BracketParseResult, type SymbolBrackets } from './binance-brackets.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';

const USDT = 10n ** 6n; // quote atoms of 1e-6

// A GET /fapi/v1/leverageBracket body written for these tests (format: ../shared/data/feeds/FORMATS.md §1.7), with
// brackets of our own for SOLUSDT. Each cum follows cum_n = cum_{n-1} + floor_n x (MMR_n - MMR_{n-1}):
//   bracket 2: 0 + 5,000 x (0.01 - 0.0065) = 17.5
//   bracket 3: 17.5 + 50,000 x (0.025 - 0.01) = 767.5
//   bracket 4: 767.5 + 600,000 x (0.05 - 0.025) = 15,767.5
const SOL_TABLE = `[{"symbol":"SOLUSDT","brackets":[
  {"bracket":1,"initialLeverage":75,"notionalCap":5000,"notionalFloor":0,"maintMarginRatio":0.0065,"cum":0.0},
  {"bracket":2,"initialLeverage":50,"notionalCap":50000,"notionalFloor":5000,"maintMarginRatio":0.01,"cum":17.5},
  {"bracket":3,"initialLeverage":20,"notionalCap":600000,"notionalFloor":50000,"maintMarginRatio":0.025,"cum":767.5},
  {"bracket":4,"initialLeverage":10,"notionalCap":3000000,"notionalFloor":600000,"maintMarginRatio":0.05,"cum":15767.5}
]}]`;

describe('parseLeverageBrackets', () => {
  const r = parseLeverageBrackets(SOL_TABLE, { quoteDecimals: 6 });
  const sol = r.symbols[0] as SymbolBrackets;

  it('reads a table exactly: JSON numbers to ppm and quote atoms from their text, never through a float', () => {
    expect(r.issues).toEqual([]);
    expect(r.symbols).toHaveLength(1);
    expect(sol.symbol).toBe('SOLUSDT');
    expect('notionalCoef' in sol).toBe(false);
    expect(sol.brackets[1]).toEqual({
      bracket: 2,
      initialLeverage: 50,
      notionalFloorQuote: 5_000n * USDT,
      notionalCapQuote: 50_000n * USDT,
      maintMarginRatioPpm: 10_000n, // 0.01
      cumQuote: 17_500_000n, // 17.5 USDT
    });
    expect(sol.brackets.map((b) => b.maintMarginRatioPpm)).toEqual([6_500n, 10_000n, 25_000n, 50_000n]);
    expect(sol.brackets.map((b) => b.cumQuote)).toEqual([0n, 17_500_000n, 767_500_000n, 15_767_500_000n]);
    expect(sol.brackets.map((b) => b.initialLeverage)).toEqual([75, 50, 20, 10]);
  });

  it('passes the cum recurrence and continuity checks; MM = notional x MMR - cum is continuous at each floor', () => {
    expect(checkBracketTable(sol)).toEqual([]);
    // At 5,000: 5,000 x 0.65% - 0 = 32.5 = 5,000 x 1% - 17.5. At 50,000: 500 - 17.5 = 482.5 = 1,250 - 767.5.
    // At 600,000: 15,000 - 767.5 = 14,232.5 = 30,000 - 15,767.5. (x 1e6 to stay in integers: atoms x ppm.)
    const mmAt = (b: (typeof sol.brackets)[number], notional: bigint) => notional * b.maintMarginRatioPpm - b.cumQuote * 1_000_000n;
    const atFloors = sol.brackets.slice(1).map((hi, n) => {
      const lo = sol.brackets[n] as (typeof sol.brackets)[number];
      return [mmAt(lo, hi.notionalFloorQuote), mmAt(hi, hi.notionalFloorQuote)];
    });
    expect(atFloors).toEqual([
      [32_500_000n * 1_000_000n, 32_500_000n * 1_000_000n],
      [482_500_000n * 1_000_000n, 482_500_000n * 1_000_000n],
      [14_232_500_000n * 1_000_000n, 14_232_500_000n * 1_000_000n],
    ]);
    // 200,000 USDT sits in bracket 3: MM = 200,000 x 2.5% - 767.5 = 4,232.5 USDT.
    expect(mmAt(sol.brackets[2] as (typeof sol.brackets)[number], 200_000n * USDT) / 1_000_000n).toBe(4_232_500_000n);
  });

  it('accepts the bare-object form (the response when symbol is sent)', () => {
    const bare = parseLeverageBrackets(JSON.stringify(JSON.parse(SOL_TABLE)[0]), { quoteDecimals: 6 });
    expect(bare.issues).toEqual([]);
    expect(bare.symbols[0]?.brackets[3]?.cumQuote).toBe(15_767_500_000n);
  });

  it('flags a cum off by 0.1 (and the next, which builds on it) and a floor that leaves a gap', () => {
    const bad = JSON.parse(SOL_TABLE);
    bad[0].brackets[2].cum = 767.6; // bracket 3: 767.6 != 767.5; bracket 4: 15,767.5 != 767.6 + 15,000
    bad[0].brackets[3].notionalFloor = 600001; // bracket 4 starts 1 USDT above bracket 3's cap
    const r2 = parseLeverageBrackets(JSON.stringify(bad), { quoteDecimals: 6 });
    expect(r2.issues).toEqual([]);
    expect(checkBracketTable(r2.symbols[0] as SymbolBrackets).map((i) => [i.code, i.index])).toEqual([
      ['bracket_cum_mismatch', 2],
      ['bracket_not_continuous', 3],
      ['bracket_cum_mismatch', 3],
    ]);
  });

  it('refuses a table whose cum cannot be held in whole quote atoms (17.5 at 0 decimals), naming the bracket', () => {
    const whole = parseLeverageBrackets(SOL_TABLE, { quoteDecimals: 0 });
    expect(whole.symbols).toEqual([]);
    expect(whole.issues.map((i) => [i.code, i.index, i.symbol])).toEqual([['bad_number', 1, 'SOLUSDT']]);
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

describe('parseLeverageBrackets: the shared fixture binance-leverage-bracket.json', () => {
  let text: string;
  let r: BracketParseResult;
  let btc: SymbolBrackets;
  needsFeedFixtures(() => {
    text = feedFixture('binance-leverage-bracket.json');
    r = parseLeverageBrackets(text, { quoteDecimals: 6 });
    btc = r.symbols[0] as SymbolBrackets;
  });

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
});
