import { describe, expect, it } from 'vitest';
import { dec, ppm, price, rateE9, type Price } from '../units/index.js';
import {
  binanceBasisMa,
  binanceMark,
  bitmexFairPrice,
  computeMark,
  dydxIsPriceAccurate,
  dydxMedian,
  dydxMinPriceChange,
  dydxOraclePrice,
  fundingBasisPrice,
  hyperliquidMark,
  newBinanceBasisState,
  newHyperliquidMarkState,
  sampleBinanceBasis,
  stepDydxOracle,
  updateHyperliquidMarkState,
  type BinanceBasisState,
  type HyperliquidMarkState,
} from './mark.js';

const p8 = (s: string): Price => price(dec(s, 8));
const H8 = 28_800_000;

describe('Binance Price 1 (golden: the markPriceUpdate example frame of the Binance docs)', () => {
  it('index 11784.62659091, r 0.00038167, T - E = 17 min -> 11784.78588935', () => {
    // Frame: E = 1562305380000, T = 1562306400000, i = "11784.62659091", r = "0.00038167" (FORMATS.md §1.2).
    // Price 1 = i × (1 + r × (T - E) / 8 h) = 11784.62659091 × (1 + 0.00038167 × 1,020,000 / 28,800,000)
    //         = 11784.62659091 × 1.0000135174791666... = 11784.785889354429... -> 11784.78588935 (8 dp).
    const p1 = fundingBasisPrice(p8('11784.62659091'), {
      rate: rateE9(381_670n),
      timeToFundingMs: 1_562_306_400_000 - 1_562_305_380_000,
      intervalMs: H8,
    });
    expect(p1).toBe(p8('11784.78588935'));
  });

  it('the mark is the median of Price 1, Price 2 and the last price', () => {
    // With the frame's index and r: Price 1 = 11784.78588935; a basis MA of +12 gives Price 2 = 11796.62659091;
    // last trade 11794.15 lies between them, so the mark is 11794.15 (the frame's "p").
    const r = binanceMark({
      index: p8('11784.62659091'),
      funding: { rate: rateE9(381_670n), timeToFundingMs: 1_020_000, intervalMs: H8 },
      basisMa: dec('12', 8),
      lastPrice: p8('11794.15'),
    });
    expect(r).toEqual({
      ok: true,
      price: p8('11794.15'),
      fallback: false,
      components: [
        { name: 'price1', price: p8('11784.78588935') },
        { name: 'price2', price: p8('11796.62659091') },
        { name: 'last', price: p8('11794.15') },
      ],
    });
  });

  it('goldens (pricing-goldens.md §1.1): Price 1 at 8 h', () => {
    const f = (rate: bigint, hours: number) => ({ rate: rateE9(rate), timeToFundingMs: hours * 3_600_000, intervalMs: H8 });
    const p = (s: string) => price(dec(s, 3));
    expect(fundingBasisPrice(p('20000'), f(100_000n, 4))).toBe(p('20001'));
    expect(fundingBasisPrice(p('20000'), f(-375_000n, 2))).toBe(p('19998.125'));
    expect(fundingBasisPrice(p('20000'), f(100_000n, 0))).toBe(p('20000'));
  });

  it('goldens (pricing-goldens.md §1.1): 30 basis samples of +0.06 -> Price 2 = 100.06; mark = median', () => {
    let s = newBinanceBasisState(5_000, 30);
    for (let i = 0; i < 30; i++) {
      // (bid + ask)/2 - index = (100.01 + 100.11)/2 - 100.00 = +0.06
      s = sampleBinanceBasis(s, { nowMs: i * 5_000, bestBid: price(10_001n), bestAsk: price(10_011n), index: price(10_000n) }).state;
    }
    const ma = binanceBasisMa(s, 29 * 5_000);
    expect(ma).toBe(6n);
    // Price 1 = 100.01 (index 100.00, r 0.0001, full interval left).
    const funding = { rate: rateE9(100_000n), timeToFundingMs: H8, intervalMs: H8 };
    const mark = (last: bigint) => binanceMark({ index: price(10_000n), funding, basisMa: ma, lastPrice: price(last) });
    expect(mark(10_020n)).toMatchObject({ price: 10_006n }); // median(100.01, 100.06, 100.20)
    expect(mark(10_003n)).toMatchObject({ price: 10_003n }); // median(100.01, 100.06, 100.03)
  });

  it('falls back to the median of what is present, then to the index', () => {
    // Two inputs: their mean, half_even: (100 + 103) / 2 = 101.5 -> 102; (100 + 101) / 2 = 100.5 -> 100.
    expect(binanceMark({ index: price(100n), basisMa: 3n, lastPrice: price(100n) })).toMatchObject({ price: 102n });
    expect(binanceMark({ index: price(100n), basisMa: 1n, lastPrice: price(100n) })).toMatchObject({ price: 100n });
    expect(binanceMark({ index: price(100n), basisMa: null })).toEqual({
      ok: true,
      price: 100n,
      components: [{ name: 'index', price: 100n }],
      fallback: true,
    });
    expect(binanceMark({ index: price(0n) })).toEqual({ ok: false, reason: 'invalid_input' });
    expect(
      binanceMark({ index: price(1n), funding: { rate: rateE9(0n), timeToFundingMs: H8 + 1, intervalMs: H8 } }),
    ).toEqual({ ok: false, reason: 'invalid_input' });
  });
});

describe('Binance basis moving average', () => {
  const q = (nowMs: number, bid: bigint, ask: bigint, index: bigint) => ({
    nowMs,
    bestBid: price(bid),
    bestAsk: price(ask),
    index: price(index),
  });
  const run = (s: BinanceBasisState, qs: ReturnType<typeof q>[]) => {
    const outcomes: string[] = [];
    for (const x of qs) {
      const r = sampleBinanceBasis(s, x);
      s = r.state;
      outcomes.push(r.outcome);
    }
    return { s, outcomes };
  };

  it('samples once per 5 s slot and averages (bid + ask)/2 - index with one rounding', () => {
    const { s, outcomes } = run(newBinanceBasisState(5_000, 30), [
      q(0, 101n, 103n, 100n), // basis +2
      q(4_999, 500n, 600n, 100n), // same slot: ignored
      q(5_000, 100n, 101n, 100n), // +0.5
      q(10_000, 99n, 100n, 100n), // -0.5
      q(9_000, 1n, 1n, 1n), // earlier slot: out of order
      q(15_000, 101n, 100n, 100n), // crossed book
    ]);
    expect(outcomes).toEqual(['sampled', 'same_slot', 'sampled', 'sampled', 'out_of_order', 'invalid_book']);
    // (2 + 0.5 - 0.5) / 3 = 0.666... -> 1
    expect(binanceBasisMa(s, 10_000)).toBe(1n);
  });

  it('keeps at most `capacity` samples and ignores samples older than the window', () => {
    const { s } = run(newBinanceBasisState(1_000, 2), [q(0, 110n, 110n, 100n), q(1_000, 104n, 104n, 100n), q(2_000, 102n, 102n, 100n)]);
    expect(s.samples.length).toBe(2);
    expect(binanceBasisMa(s, 2_000)).toBe(3n); // (4 + 2) / 2
    expect(binanceBasisMa(s, 3_000)).toBe(2n); // only the slot-2 sample is within the last 2 slots
    expect(binanceBasisMa(s, 4_000)).toBeNull();
  });
});

describe('BitMEX fair price', () => {
  it('index × (1 + rate × time to funding / interval), half_even', () => {
    // 10000.00 × (1 + 0.0001 × 4 h / 8 h) = 10000.50
    expect(
      bitmexFairPrice(price(1_000_000n), { rate: rateE9(100_000n), timeToFundingMs: 4 * 3_600_000, intervalMs: H8 }),
    ).toEqual({ ok: true, price: 1_000_050n, components: [{ name: 'fair', price: 1_000_050n }], fallback: false });
    // 12345 × (1 + 0.000375 × 1/8) = 12345.578671875 -> 12346; negative rate: 12345 × (1 - 0.000375/8) = 12344.42 -> 12344
    expect(bitmexFairPrice(price(12_345n), { rate: rateE9(375_000n), timeToFundingMs: 3_600_000, intervalMs: H8 })).toMatchObject({
      price: 12_346n,
    });
    expect(bitmexFairPrice(price(12_345n), { rate: rateE9(-375_000n), timeToFundingMs: 3_600_000, intervalMs: H8 })).toMatchObject({
      price: 12_344n,
    });
    // pricing-goldens.md §2.1: 10,000.0 at -0.000375 with 2 h of 8 h left -> 9,999.0625 (4 decimals).
    expect(
      bitmexFairPrice(price(100_000_000n), { rate: rateE9(-375_000n), timeToFundingMs: 2 * 3_600_000, intervalMs: H8 }),
    ).toMatchObject({ price: 99_990_625n });
  });
});

describe('Hyperliquid mark', () => {
  const feed = (s: HyperliquidMarkState, nowMs: number, oracle: bigint, bid: bigint, ask: bigint, last?: bigint) => {
    const book = last === undefined ? { bestBid: price(bid), bestAsk: price(ask) } : { bestBid: price(bid), bestAsk: price(ask), lastTrade: price(last) };
    const r = updateHyperliquidMarkState(s, { nowMs, oracle: price(oracle), book });
    expect(r.ok).toBe(true);
    return r.state;
  };

  it('golden (docs example): oracle 10,000, basis EMA +20, book 10,005/10,015/10,010, external 9,990 -> 10,010', () => {
    // Input 1 = 10,000 + 20 = 10,020; input 2 = median(10,005, 10,015, 10,010) = 10,010; input 3 = 9,990.
    let s = newHyperliquidMarkState();
    s = feed(s, 0, 10_000n, 10_015n, 10_025n); // mid - oracle = +20
    s = feed(s, 3_000, 10_000n, 10_015n, 10_025n);
    const r = hyperliquidMark({
      oracle: price(10_000n),
      state: s,
      book: { bestBid: price(10_005n), bestAsk: price(10_015n), lastTrade: price(10_010n) },
      externalPerpMid: price(9_990n),
    });
    expect(r).toEqual({
      ok: true,
      price: 10_010n,
      fallback: false,
      components: [
        { name: 'oracle_plus_basis_ema', price: 10_020n },
        { name: 'book_median', price: 10_010n },
        { name: 'external_perp_mid', price: 9_990n },
      ],
    });
  });

  it('goldens (pricing-goldens.md §3.2): 100.10 / 100.15 / 100.11 -> 100.11; without input 3, book EMA 100.13 -> 100.13', () => {
    // One update with oracle 100.00 and book 100.05 / 100.15 / last 100.13: basis EMA = mid - oracle = +0.10,
    // book EMA = median(100.05, 100.15, 100.13) = 100.13.
    const s = feed(newHyperliquidMarkState(), 0, 10_000n, 10_005n, 10_015n, 10_013n);
    const book = { bestBid: price(10_005n), bestAsk: price(10_015n), lastTrade: price(10_030n) };
    expect(hyperliquidMark({ oracle: price(10_000n), state: s, book, externalPerpMid: price(10_011n) })).toMatchObject({
      price: 10_011n,
      components: [{ price: 10_010n }, { price: 10_015n }, { price: 10_011n }],
    });
    expect(hyperliquidMark({ oracle: price(10_000n), state: s, book })).toMatchObject({
      price: 10_013n,
      components: [{ price: 10_010n }, { price: 10_015n }, { name: 'book_ema', price: 10_013n }],
    });
  });

  it('EMA weights the sample by the time since the last update, decayed by exp(-t / 150 s)', () => {
    // t=0: basis +20.00 (weight 1 ms); t=3 s: basis +10.00 (weight 3000 ms), prior decayed by e^-0.02.
    // ema = (20 × 0.980198673306755302 + 10 × 3000) / (0.980198673306755302 + 3000) = 10.003266...
    // oracle 10000.00 + 10.003266 = 10010.003266 -> 10010.00 (2 dp).
    let s = newHyperliquidMarkState();
    s = feed(s, 0, 1_000_000n, 1_001_500n, 1_002_500n);
    s = feed(s, 3_000, 1_000_000n, 1_000_500n, 1_001_500n);
    const r = hyperliquidMark({ oracle: price(1_000_000n), state: s, book: {} });
    expect(r).toMatchObject({ ok: true, price: 1_001_000n, components: [{ name: 'oracle_plus_basis_ema' }] });
  });

  it('adds the 30 s book EMA when exactly two of the three inputs exist', () => {
    let s = newHyperliquidMarkState();
    s = feed(s, 0, 100n, 99n, 101n, 100n); // basis 0, book median 100
    const r = hyperliquidMark({
      oracle: price(100n),
      state: s,
      book: { bestBid: price(110n), bestAsk: price(112n), lastTrade: price(111n) },
    });
    // median(100 + 0, 111, book EMA 100) = 100 (without the third input it would be 105.5).
    expect(r).toMatchObject({
      price: 100n,
      components: [
        { name: 'oracle_plus_basis_ema', price: 100n },
        { name: 'book_median', price: 111n },
        { name: 'book_ema', price: 100n },
      ],
    });
  });

  it('with no input at all, falls back to the oracle; refuses a crossed book', () => {
    expect(hyperliquidMark({ oracle: price(7n), state: newHyperliquidMarkState(), book: {} })).toMatchObject({
      ok: true,
      price: 7n,
      fallback: true,
    });
    expect(
      hyperliquidMark({ oracle: price(7n), state: newHyperliquidMarkState(), book: { bestBid: price(9n), bestAsk: price(8n) } }),
    ).toEqual({ ok: false, reason: 'invalid_input' });
    const s = feed(newHyperliquidMarkState(), 5_000, 100n, 99n, 101n);
    expect(updateHyperliquidMarkState(s, { nowMs: 4_999, oracle: price(100n), book: { bestBid: price(99n), bestAsk: price(101n) } })).toMatchObject({
      ok: false,
      reason: 'out_of_order',
    });
  });
});

describe('dYdX v4', () => {
  it('median of exchange prices: even counts average the middle pair, rounded away from zero (lib.Median)', () => {
    expect(dydxMedian([3n, 1n, 2n])).toBe(2n);
    expect(dydxMedian([6n, 7n])).toBe(7n); // 6.5 -> 7
    expect(dydxMedian([-5n, -4n])).toBe(-5n); // -4.5 -> -5
    // pricing-goldens.md §4.1, from dYdX's TestMaybeProcessNewFundingSampleEpoch:
    expect(dydxMedian([51n, 51n, -100n, -100n])).toBe(-25n);
    expect(dydxMedian([51n, 51n, 100n, 100n])).toBe(76n);
    expect(dydxMedian([-1000n, 1000n, 51n, -50n, 100n, -100n])).toBe(1n);
    expect(dydxMedian([0n, 0n, 1n, 2n, 3n, 4n])).toBe(2n);
    expect(dydxMedian([-1000n, -500n, -5n, 5n, 500n, 1000n])).toBe(0n);
    expect(dydxOraclePrice([price(100n), price(102n), price(101n), price(104n)], 3)).toEqual({ ok: true, price: 102n });
    expect(dydxOraclePrice([price(100n)], 3)).toEqual({ ok: false, reason: 'too_few_sources' });
  });

  it('min price change: floor(old × ppm / 1e6), accepted when |new - old| >= it', () => {
    expect(dydxMinPriceChange(price(1_000_000_000n), ppm(50n))).toBe(50_000n);
    // dYdX util_test.go TestGetMinPriceChangeAmountForMarket: 123,000 -> 123; 1,234 -> 1 ("discards decimal"); 0 -> 0.
    expect(dydxMinPriceChange(price(123_000n), ppm(1_000n))).toBe(123n);
    expect(dydxMinPriceChange(price(1_234n), ppm(1_000n))).toBe(1n);
    expect(dydxMinPriceChange(price(0n), ppm(1_000n))).toBe(0n);
    const old = { price: price(123_000n) };
    expect(stepDydxOracle(old, price(123_123n), ppm(1_000n)).accepted).toBe(true);
    expect(stepDydxOracle(old, price(123_122n), ppm(1_000n)).accepted).toBe(false);
    expect(stepDydxOracle(old, price(122_877n), ppm(1_000n)).accepted).toBe(true);
    let st = stepDydxOracle({ price: null }, price(1_000_000_000n), ppm(50n));
    expect(st).toMatchObject({ accepted: true, reason: 'first_price' });
    expect(stepDydxOracle(st.state, price(1_000_049_999n), ppm(50n))).toMatchObject({
      accepted: false,
      reason: 'below_min_price_change',
      state: { price: 1_000_000_000n },
    });
    st = stepDydxOracle(st.state, price(999_950_000n), ppm(50n)); // exactly the minimum, downwards
    expect(st).toMatchObject({ accepted: true, state: { price: 999_950_000n } });
    // Rounding down biases toward updates: 999,999 × 1 / 1e6 = 0.999999 -> 0, so even an equal price passes.
    expect(stepDydxOracle({ price: price(999_999n) }, price(999_999n), ppm(1n)).accepted).toBe(true);
  });

  it('price accuracy: towards the index, or crossing it by at most sqrt(old ticks)', () => {
    const a = (o: bigint, i: bigint, n: bigint) => dydxIsPriceAccurate(price(o), price(i), price(n), ppm(10_000n));
    expect(a(100n, 110n, 105n)).toBe(true); // towards
    expect(a(100n, 110n, 95n)).toBe(false); // away
    // tick = 1 (1% of 100); old_ticks = 10; new_ticks must be <= sqrt(10) = 3.16.
    expect(a(100n, 110n, 113n)).toBe(true);
    expect(a(100n, 110n, 114n)).toBe(false);
    // Index within one tick: new_delta <= old_delta.
    expect(a(100n, 101n, 102n)).toBe(true);
    expect(a(100n, 101n, 103n)).toBe(false);
  });
});

describe('computeMark', () => {
  it('dispatches every method', () => {
    expect(computeMark({ method: 'oracle', index: price(5n) })).toMatchObject({ ok: true, price: 5n });
    expect(computeMark({ method: 'dydx', oracle: { price: price(6n) } })).toMatchObject({ ok: true, price: 6n });
    expect(computeMark({ method: 'dydx', oracle: { price: null } })).toEqual({ ok: false, reason: 'no_oracle_price' });
    expect(
      computeMark({ method: 'bitmex', index: price(100n), funding: { rate: rateE9(0n), timeToFundingMs: 0, intervalMs: 1 } }),
    ).toMatchObject({ price: 100n });
    expect(computeMark({ method: 'binance', index: price(100n), lastPrice: price(101n) })).toMatchObject({ price: 101n });
    expect(computeMark({ method: 'hyperliquid', oracle: price(9n), state: newHyperliquidMarkState(), book: {} })).toMatchObject({
      price: 9n,
    });
  });
});
