import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl } from './binance.js';
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
    const cmds = quoteToCommands(first as NonNullable<typeof first>, (s) => (s === 'BTCUSDT' ? { market: 'BTC-PERP', priceDecimals: 2, source: 'binance' } : undefined));
    expect(cmds).toEqual([
      { at: 1738534440001, kind: 'source_price', market: 'BTC-PERP', source: 'binance', price: '97020.12', publishedAt: 1738534440001 },
      { at: 1738534440001, kind: 'funding_rate', market: 'BTC-PERP', rate: '0.0001' },
    ]);
  });

  it('keeps Pyth confidence (rounded up) and skips updates with no new price', () => {
    const { quotes } = parsePythSseText(read('pyth-hermes-stream.txt'), {});
    const eth = quotes.filter((q) => q.feedId.startsWith('ff61491a'));
    const mapped = eth.flatMap((q) => quoteToCommands(q, () => ({ market: 'ETH-PERP', priceDecimals: 2 })));
    expect(eth.length).toBeGreaterThan(mapped.length); // event 4 carries no new price
    expect(mapped.find((c) => c.conf === '70.47')).toMatchObject({ kind: 'source_price', market: 'ETH-PERP', source: 'pyth', price: '2710.2' });
  });

  it('skips a timed-out Chainlink round (answeredInRound < roundId), whose answer is old', () => {
    const { quotes } = parseChainlinkRoundsCsv(read('chainlink-rounds.csv'), { symbol: 'ETH/USD', source: 'chainlink' });
    const out = quotes.map((q) => quoteToCommands(q, () => ({ market: 'ETH-PERP', priceDecimals: 2 })).length);
    expect(out[4]).toBe(0);
    expect(out.filter((n) => n === 1)).toHaveLength(quotes.length - 1);
  });

  it('ignores unmapped symbols', () => {
    const { quotes } = parseBinanceJsonl(read('binance-markprice.jsonl'));
    expect(quotes.flatMap((q) => quoteToCommands(q, () => undefined))).toEqual([]);
  });
});
