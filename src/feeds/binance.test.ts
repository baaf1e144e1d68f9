import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl, parseBinanceMessage } from './binance.js';
import { feedFixture } from '../../test/fixtures/fixtures.js';
import type { BinanceForceOrderQuote, BinanceMarkPriceQuote } from './types.js';

const markText = feedFixture('binance-markprice.jsonl');
const forceText = feedFixture('binance-forceorder.jsonl');

describe('Binance markPriceUpdate', () => {
  const r = parseBinanceJsonl(markText);
  const quotes = r.quotes as BinanceMarkPriceQuote[];

  it('reads all 19 fixture frames without issues', () => {
    expect(r.issues).toEqual([]);
    expect(quotes).toHaveLength(19);
    expect(quotes.every((q) => q.kind === 'markPrice')).toBe(true);
    expect(quotes.filter((q) => q.symbol === 'BTCUSDT')).toHaveLength(9);
    expect(quotes.filter((q) => q.symbol === 'ETHUSDT')).toHaveLength(10);
  });

  it('parses the first BTC frame exactly', () => {
    expect(quotes[0]).toEqual({
      feed: 'binance',
      kind: 'markPrice',
      source: 'btcusdt@markPrice',
      symbol: 'BTCUSDT',
      price: { mantissa: 9702820000000n, expo: -8 },
      publishTimeMs: 1738534440001,
      mark: { mantissa: 9702820000000n, expo: -8 },
      index: { mantissa: 9702012345678n, expo: -8 },
      estimatedSettle: { mantissa: 9702356320000n, expo: -8 },
      fundingRate: { mantissa: 10000n, expo: -8 },
      nextFundingTimeMs: 1738540800000,
    });
  });

  it('keeps the stream name as source and the uppercase symbol from the payload', () => {
    const eth = quotes[1];
    expect(eth?.source).toBe('ethusdt@markPrice@1s');
    expect(eth?.symbol).toBe('ETHUSDT');
    expect(eth?.price).toEqual({ mantissa: 274261000000n, expo: -8 });
    expect(eth?.fundingRate).toEqual({ mantissa: 10000n, expo: -8 });
    const last = quotes[18];
    expect(last?.publishTimeMs).toBe(1738534464002);
    expect(last?.index).toEqual({ mantissa: 268910871234n, expo: -8 });
  });

  it('stamps receivedTimeMs when given', () => {
    const one = parseBinanceMessage(markText.split('\n')[0] ?? '', { receivedTimeMs: 1738534440100 });
    expect(one.quotes[0]?.receivedTimeMs).toBe(1738534440100);
  });

  it('reads a raw payload (doc example) and names its stream', () => {
    const raw =
      '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}';
    const r1 = parseBinanceMessage(raw);
    expect(r1.issues).toEqual([]);
    expect(r1.quotes[0]?.source).toBe('btcusdt@markPrice');
    expect(r1.quotes[0]?.price).toEqual({ mantissa: 1179415000000n, expo: -8 });
  });

  it('reads !markPrice@arr arrays, combined or raw', () => {
    const a =
      '[{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.5","i":"1.4","P":"1.45","r":"-0.0001","T":2},' +
      '{"e":"markPriceUpdate","E":1,"s":"ETHUSDT","p":"2.5","i":"2.4","P":"2.45","r":"0.0002","T":2}]';
    const raw = parseBinanceMessage(a);
    expect(raw.quotes.map((q) => q.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect((raw.quotes[0] as BinanceMarkPriceQuote).fundingRate).toEqual({ mantissa: -1n, expo: -4 });
    const combined = parseBinanceMessage(`{"stream":"!markPrice@arr@1s","data":${a}}`);
    expect(combined.quotes.map((q) => q.source)).toEqual(['!markPrice@arr@1s', '!markPrice@arr@1s']);
  });

  it('accepts the COIN-M delivery form: r "" and T 0 leave funding out', () => {
    const r1 = parseBinanceMessage(
      '{"e":"markPriceUpdate","E":1591261236000,"s":"BTCUSD_200626","p":"9642.49","i":"9646.57","P":"9646.57","r":"","T":0}',
    );
    expect(r1.issues).toEqual([]);
    const q = r1.quotes[0] as BinanceMarkPriceQuote;
    expect(q.price).toEqual({ mantissa: 964249n, expo: -2 });
    expect('fundingRate' in q).toBe(false);
    expect('nextFundingTimeMs' in q).toBe(false);
  });
});

describe('Binance bookTicker and aggTrade', () => {
  it('bookTicker: exact mid as price, half spread as conf, update id as bigint', () => {
    const r = parseBinanceMessage(
      '{"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}',
    );
    expect(r.issues).toEqual([]);
    expect(r.quotes[0]).toEqual({
      feed: 'binance',
      kind: 'bookTicker',
      source: 'bnbusdt@bookTicker',
      symbol: 'BNBUSDT',
      price: { mantissa: 25358550000n, expo: -9 }, // 25.35855
      conf: { mantissa: 6650000n, expo: -9 }, // 0.00665
      publishTimeMs: 1568014460893,
      bid: { mantissa: 2535190000n, expo: -8 },
      bidQty: { mantissa: 3121000000n, expo: -8 },
      ask: { mantissa: 2536520000n, expo: -8 },
      askQty: { mantissa: 4066000000n, expo: -8 },
      updateId: 400900217n,
      transactionTimeMs: 1568014460891,
    });
  });

  it('aggTrade: price, quantity, ids and maker flag', () => {
    const r = parseBinanceMessage(
      '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1738534440123,"s":"BTCUSDT","a":2405180001,"p":"96990.10","q":"0.250","f":5801000001,"l":5801000004,"T":1738534440120,"m":true}}',
    );
    expect(r.issues).toEqual([]);
    expect(r.quotes[0]).toEqual({
      feed: 'binance',
      kind: 'aggTrade',
      source: 'btcusdt@aggTrade',
      symbol: 'BTCUSDT',
      price: { mantissa: 9699010n, expo: -2 },
      publishTimeMs: 1738534440123,
      qty: { mantissa: 250n, expo: -3 },
      aggTradeId: 2405180001n,
      firstTradeId: 5801000001n,
      lastTradeId: 5801000004n,
      tradeTimeMs: 1738534440120,
      buyerIsMaker: true,
    });
  });
});

describe('Binance forceOrder', () => {
  const r = parseBinanceJsonl(forceText);
  const quotes = r.quotes as BinanceForceOrderQuote[];

  it('reads 11 liquidation snapshots over 5 symbols', () => {
    expect(r.issues).toEqual([]);
    expect(quotes).toHaveLength(11);
    expect(new Set(quotes.map((q) => q.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT', 'AVAXUSDT', 'NEARUSDT', 'FILUSDT']));
  });

  it('parses the first frame exactly: price is the average fill', () => {
    expect(quotes[0]).toEqual({
      feed: 'binance',
      kind: 'forceOrder',
      source: '!forceOrder@arr',
      symbol: 'BTCUSDT',
      price: { mantissa: 9687120n, expo: -2 },
      publishTimeMs: 1738534440350,
      side: 'SELL',
      orderType: 'LIMIT',
      timeInForce: 'IOC',
      status: 'FILLED',
      qty: { mantissa: 12n, expo: -3 },
      limitPrice: { mantissa: 9641240n, expo: -2 },
      avgPrice: { mantissa: 9687120n, expo: -2 },
      lastFilledQty: { mantissa: 12n, expo: -3 },
      filledQty: { mantissa: 12n, expo: -3 },
      tradeTimeMs: 1738534440343,
    });
  });

  it('has two BUY frames; SELL fills at or above the limit, BUY at or below; l = z = q', () => {
    const buys = quotes.filter((q) => q.side === 'BUY').map((q) => q.symbol);
    expect(buys).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const q of quotes) {
      const ap = q.avgPrice.mantissa;
      const p = q.limitPrice.mantissa;
      expect(q.avgPrice.expo).toBe(q.limitPrice.expo);
      if (q.side === 'SELL') expect(ap >= p).toBe(true);
      else expect(ap <= p).toBe(true);
      expect(q.lastFilledQty).toEqual(q.qty);
      expect(q.filledQty).toEqual(q.qty);
    }
    expect(quotes.find((q) => q.symbol === 'AVAXUSDT')?.qty).toEqual({ mantissa: 312n, expo: 0 });
    expect(quotes.find((q) => q.symbol === 'FILUSDT')?.qty).toEqual({ mantissa: 8041n, expo: -1 });
  });

  it('keeps at most one frame per symbol per 1000 ms', () => {
    const last = new Map<string, number>();
    for (const q of quotes) {
      const prev = last.get(q.symbol);
      if (prev !== undefined) expect(q.publishTimeMs - prev).toBeGreaterThanOrEqual(1000);
      last.set(q.symbol, q.publishTimeMs);
    }
  });
});

describe('Binance bad input', () => {
  it('returns issues with line numbers and keeps the good lines', () => {
    const lines = [
      markText.split('\n')[0] ?? '',
      '{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate"', // truncated
      '',
      '{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","i":"1","P":"1","r":"0","T":2}}', // no p
      '{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1e5","i":"1","P":"1","r":"0","T":2}}',
      '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}',
      '{"result":null,"id":1}',
      '{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1.5,"s":"BTCUSDT","p":"1","i":"1","P":"1","r":"0","T":2}}',
      '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"HOLD","o":"LIMIT","f":"IOC","q":"1","p":"1","ap":"1","X":"FILLED","l":"1","z":"1","T":1}}',
      '42',
    ];
    const r = parseBinanceJsonl(lines.join('\n'));
    expect(r.quotes).toHaveLength(1);
    expect(r.issues.map((i) => [i.code, i.line])).toEqual([
      ['bad_json', 2],
      ['bad_shape', 4],
      ['bad_number', 5],
      ['unknown_event', 6],
      ['bad_number', 8],
      ['bad_shape', 9],
      ['bad_shape', 10],
    ]);
    expect(r.issues[0]?.offset).toBe(lines[1]?.length); // end of input
    expect(r.issues[1]?.message).toBe('binance markPriceUpdate: p is not a decimal string');
    expect(r.issues[1]?.symbol).toBe('BTCUSDT');
  });

  it('refuses a negative event time E (and a negative T) as bad_number', () => {
    const frame = (e: string, t: string) =>
      `{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":${e},"s":"BTCUSDT","p":"1","i":"1","P":"1","r":"0","T":${t}}}`;
    const r = parseBinanceJsonl([frame('-5', '2'), frame('1', '-1'), frame('0', '0')].join('\n'));
    expect(r.issues).toEqual([
      { code: 'bad_number', message: 'binance markPriceUpdate: E is a negative time: -5', line: 1, symbol: 'BTCUSDT' },
      { code: 'bad_number', message: 'binance markPriceUpdate: T is a negative time: -1', line: 2, symbol: 'BTCUSDT' },
    ]);
    expect(r.quotes.map((q) => q.publishTimeMs)).toEqual([0]);
  });

  it('never throws on arbitrary text', () => {
    for (const t of ['', 'null', '[', '{"stream":1}', '[1,2]', '{"data":{}}', '\u0000', '{"stream":"x","data":null}']) {
      const r = parseBinanceMessage(t);
      expect(r.quotes).toEqual([]);
      expect(r.issues.length).toBeGreaterThan(0);
    }
  });
});
