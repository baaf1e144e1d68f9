import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl, parseBinanceMessage } from './binance.js';
import { parseKlineCsv } from './kline.js';
import { parseChainlinkRoundsCsv } from './chainlink.js';
import { parsePythSseText } from './pyth.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import { quoteToCommands } from './to-commands.js';

const read = feedFixture;

// Messages written for these tests in the providers' wire formats (../shared/data/feeds/FORMATS.md), values ours.
const SOL_MARK =
  '{"stream":"solusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1741600800000,"s":"SOLUSDT","p":"126.43150000","i":"126.38712500","P":"126.40000000","r":"-0.00012500","T":1741622400000}}';
const SOL_FORCE =
  '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1741600801250,"o":{"s":"SOLUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"41.7","p":"125.118","ap":"126.2040","X":"FILLED","l":"41.7","z":"41.7","T":1741600801244}}}';
// Hermes SSE, ETH/USD: 2,135.105 +- 1.125, then the same publish_time again in a later slot (no new price).
const ETH_SSE = [
  'data:{"binary":{"encoding":"hex","data":["504e41550100"]},"parsed":[{"id":"ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace","price":{"price":"213510500000","conf":"112500000","expo":-8,"publish_time":1741600803},"ema_price":{"price":"215080000000","conf":"99500000","expo":-8,"publish_time":1741600803},"metadata":{"slot":205112348,"proof_available_time":1741600804,"prev_publish_time":1741600802}}]}',
  '',
  'data:{"binary":{"encoding":"hex","data":["504e41550100"]},"parsed":[{"id":"ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace","price":{"price":"213510500000","conf":"112500000","expo":-8,"publish_time":1741600803},"ema_price":{"price":"215080000000","conf":"99500000","expo":-8,"publish_time":1741600803},"metadata":{"slot":205112351,"proof_available_time":1741600805,"prev_publish_time":1741600803}}]}',
  '',
  '',
].join('\n');
// Chainlink BTC/USD-style rounds (8 decimals, phase 3): the third timed out and restates the second's answer.
const BTC_ROUNDS = [
  'round_id,answer,started_at,updated_at,answered_in_round,decimals',
  '55340232221128659968,8312475000000,1741597188,1741597200,55340232221128659968,8',
  '55340232221128659969,8270000000000,1741598003,1741598015,55340232221128659969,8',
  '55340232221128659970,8270000000000,1741598905,1741598920,55340232221128659969,8',
].join('\n');

describe('quoteToCommands', () => {
  it('turns a Binance markPrice frame into the index as a source price (half-even) and the announced funding rate', () => {
    const { quotes } = parseBinanceJsonl(SOL_MARK);
    const q = { ...(quotes[0] as NonNullable<(typeof quotes)[0]>), receivedTimeMs: 1741600800150 };
    const { commands, issues } = quoteToCommands(q, (s) => (s === 'SOLUSDT' ? { market: 'SOL-PERP', priceDecimals: 2, source: 'binance' } : undefined));
    expect(issues).toEqual([]);
    // The index i = 126.387125 at 2 decimals: 126.39 (the dropped 0.007125 is over half a cent). Stamped at the
    // receive time, published at E; the funding rate r = -0.000125 keeps its sign (9 decimals hold it exactly).
    expect(commands).toEqual([
      { at: 1741600800150, kind: 'source_price', market: 'SOL-PERP', source: 'binance', price: '126.39', publishedAt: 1741600800000 },
      { at: 1741600800150, kind: 'funding_rate', market: 'SOL-PERP', rate: '-0.000125' },
    ]);
  });

  it('keeps a Pyth confidence rounded up, the price half-even, and skips an update with no new price', () => {
    const { quotes } = parsePythSseText(ETH_SSE, {});
    const results = quotes.map((q) => quoteToCommands(q, () => ({ market: 'ETH-PERP', priceDecimals: 2 })));
    // 2,135.105 at 2 decimals, half-even: a tie, to the even 2,135.10. conf 1.125 rounded up: 1.13.
    expect(results[0]).toEqual({
      commands: [{ at: 1741600803000, kind: 'source_price', market: 'ETH-PERP', source: 'pyth', price: '2135.1', publishedAt: 1741600803000, conf: '1.13' }],
      issues: [],
    });
    expect(results[1]?.commands).toEqual([]);
    expect(results[1]?.issues).toMatchObject([{ code: 'no_new_price', symbol: quotes[1]?.symbol, atMs: 1741600803000 }]);
  });

  it('skips a Chainlink round that timed out (answeredInRound < roundId) and sends the others', () => {
    const { quotes } = parseChainlinkRoundsCsv(BTC_ROUNDS, { symbol: 'BTC/USD', source: 'chainlink' });
    const results = quotes.map((q) => quoteToCommands(q, () => ({ market: 'BTC-PERP', priceDecimals: 2 })));
    expect(results.map((r) => r.commands.map((c) => c.price))).toEqual([['83124.75'], ['82700'], []]);
    expect(results[2]?.issues).toMatchObject([
      { code: 'stale_answer', message: 'chainlink BTC/USD: round 55340232221128659970 was answered in round 55340232221128659969 (an old answer); skipped' },
    ]);
  });

  it('ignores unmapped symbols', () => {
    const { quotes } = parseBinanceJsonl([SOL_MARK, SOL_FORCE].join('\n'));
    expect(quotes).toHaveLength(2);
    expect(quotes.map((q) => quoteToCommands(q, () => undefined))).toEqual(quotes.map(() => ({ commands: [], issues: [] })));
  });

  it('sends the price without a confidence it cannot convert, and says so', () => {
    const { quotes } = parsePythSseText(ETH_SSE, {});
    // A conf of 1e60 (the largest exponent a parser accepts) at 20 decimals would need 10^80 atoms: out of range.
    const q = { ...(quotes[0] as NonNullable<(typeof quotes)[0]>), conf: { mantissa: 1n, expo: 60 }, line: 1 };
    const r = quoteToCommands(q, () => ({ market: 'BTC-PERP', priceDecimals: 20 }));
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]?.conf).toBeUndefined();
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'bad_number', line: 1, message: expect.stringMatching(/: confidence 10{60}: 10\^80 is out of range; the price is sent without it$/) }),
    ]);
  });

  it('reports a price that is zero, negative or rounds to 0 at the market’s decimals, naming its line; sends nothing for it', () => {
    const text = [
      '1738534440000,0.0040,0.0041,0.0039,0.0040,1,1738534499999', // rounds to 0.00 at 2 decimals
      '1738534500000,28.2,28.3,28.1,28.2,1,1738534559999', // fine
    ].join('\n');
    const { quotes } = parseKlineCsv(text, { symbol: 'AVAXUSDT', source: 'f.csv', mode: 'close' });
    const results = quotes.map((q) => quoteToCommands(q, () => ({ market: 'AVAX-PERP', priceDecimals: 2 })));
    expect(results.map((r) => r.commands.length)).toEqual([0, 1]);
    expect(results[0]?.issues).toEqual([
      { code: 'non_positive_price', message: 'kline AVAXUSDT: close: price 0.004 rounds to 0 at 2 decimals; not sent', symbol: 'AVAXUSDT', atMs: 1738534499999, line: 1 },
    ]);
    // A live Binance frame whose index is 0: the mark was fine, the index is what we send, so it is reported.
    const live = parseBinanceMessage('{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":7,"s":"BTCUSDT","p":"1","i":"0.00000000","P":"1","r":"0","T":0}}');
    const q = { ...(live.quotes[0] as NonNullable<(typeof live.quotes)[0]>), messageNumber: 12 };
    const r = quoteToCommands(q, () => ({ market: 'BTC-PERP', priceDecimals: 2 }));
    expect(r.commands).toEqual([{ at: 7, kind: 'funding_rate', market: 'BTC-PERP', rate: '0' }]);
    expect(r.issues).toEqual([
      { code: 'non_positive_price', message: 'binance BTCUSDT: index i: price 0 is not positive; not sent', symbol: 'BTCUSDT', atMs: 7, messageNumber: 12 },
    ]);
  });
});

describe('quoteToCommands: the shared fixtures', () => {
  needsFeedFixtures();

  it('turns a Binance markPrice frame into the index source price and the announced funding rate', () => {
    const { quotes } = parseBinanceJsonl(read('binance-markprice.jsonl'));
    const first = quotes[0];
    expect(first).toBeDefined();
    const { commands, issues } = quoteToCommands(first as NonNullable<typeof first>, (s) => (s === 'BTCUSDT' ? { market: 'BTC-PERP', priceDecimals: 2, source: 'binance' } : undefined));
    expect(issues).toEqual([]);
    expect(commands).toEqual([
      { at: 1738534440001, kind: 'source_price', market: 'BTC-PERP', source: 'binance', price: '97020.12', publishedAt: 1738534440001 },
      { at: 1738534440001, kind: 'funding_rate', market: 'BTC-PERP', rate: '0.0001' },
    ]);
  });

  it('keeps Pyth confidence (rounded up) and skips updates with no new price', () => {
    const { quotes } = parsePythSseText(read('pyth-hermes-stream.txt'), {});
    const eth = quotes.filter((q) => q.feedId.startsWith('ff61491a'));
    const results = eth.map((q) => quoteToCommands(q, () => ({ market: 'ETH-PERP', priceDecimals: 2 })));
    const mapped = results.flatMap((r) => r.commands);
    expect(eth.length).toBe(mapped.length + 1); // event 4 carries no new price: skipped, and said so
    expect(results.flatMap((r) => r.issues)).toMatchObject([{ code: 'no_new_price', symbol: eth[0]?.symbol }]);
    expect(mapped.find((c) => c.conf === '70.47')).toMatchObject({ kind: 'source_price', market: 'ETH-PERP', source: 'pyth', price: '2710.2' });
  });

  it('skips a timed-out Chainlink round (answeredInRound < roundId), whose answer is old', () => {
    const { quotes } = parseChainlinkRoundsCsv(read('chainlink-rounds.csv'), { symbol: 'ETH/USD', source: 'chainlink' });
    const results = quotes.map((q) => quoteToCommands(q, () => ({ market: 'ETH-PERP', priceDecimals: 2 })));
    const out = results.map((r) => r.commands.length);
    expect(out[4]).toBe(0);
    expect(out.filter((n) => n === 1)).toHaveLength(quotes.length - 1);
    expect(results[4]?.issues).toMatchObject([{ code: 'stale_answer', symbol: 'ETH/USD' }]);
  });
});
