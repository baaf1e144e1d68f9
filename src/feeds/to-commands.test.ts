import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl, parseBinanceMessage } from './binance.js';
import { parseKlineCsv } from './kline.js';
import { parseChainlinkRoundsCsv } from './chainlink.js';
import { parsePythSseText } from './pyth.js';
import { feedFixture } from '../../test/fixtures/fixtures.js';
import { quoteToCommands } from './to-commands.js';

const read = feedFixture;

describe('quoteToCommands', () => {
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

  it('ignores unmapped symbols', () => {
    const { quotes } = parseBinanceJsonl(read('binance-markprice.jsonl'));
    expect(quotes.map((q) => quoteToCommands(q, () => undefined))).toEqual(quotes.map(() => ({ commands: [], issues: [] })));
  });

  it('sends the price without a confidence it cannot convert, and says so', () => {
    const { quotes } = parsePythSseText(read('pyth-hermes-stream.txt'), {});
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
