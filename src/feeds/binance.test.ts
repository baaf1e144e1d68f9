import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl, parseBinanceMessage } from './binance.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { BinanceForceOrderQuote, BinanceMarkPriceQuote, BinanceQuote, ParseResult } from './types.js';

// Frames written for these tests in the wire formats of Binance USD-M streams (../shared/data/feeds/FORMATS.md §1.2
// and §1.5), with values of our own: 2025-03-10 from 10:00:00 UTC. The shared fixtures, when present, add a
// longer recorded-style sequence (tests further down).
const SOL_MARK =
  '{"stream":"solusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1741600800000,"s":"SOLUSDT","p":"126.43150000","i":"126.38712500","P":"126.40000000","r":"-0.00012500","T":1741622400000}}';

describe('Binance markPriceUpdate', () => {
  it('reads a combined-stream frame exactly: decimal strings keep their digits, a negative funding rate its sign', () => {
    const r = parseBinanceMessage(SOL_MARK);
    expect(r.issues).toEqual([]);
    expect(r.quotes).toEqual([
      {
        feed: 'binance',
        kind: 'markPrice',
        source: 'solusdt@markPrice@1s', // the stream name (lowercase); the symbol is the payload's s (uppercase)
        symbol: 'SOLUSDT',
        price: { mantissa: 12643150000n, expo: -8 }, // the mark p, 126.43150000
        publishTimeMs: 1741600800000, // E
        mark: { mantissa: 12643150000n, expo: -8 },
        index: { mantissa: 12638712500n, expo: -8 }, // i = 126.38712500
        estimatedSettle: { mantissa: 12640000000n, expo: -8 }, // P = 126.40000000
        fundingRate: { mantissa: -12500n, expo: -8 }, // r = -0.00012500, a fraction (-0.0125 %)
        nextFundingTimeMs: 1741622400000, // T = 16:00 UTC, 6 h after E
      },
    ]);
  });

  it('stamps receivedTimeMs when given', () => {
    const one = parseBinanceMessage(SOL_MARK, { receivedTimeMs: 1741600800100 });
    expect(one.quotes[0]?.receivedTimeMs).toBe(1741600800100);
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

describe('Binance markPriceUpdate: the shared fixture binance-markprice.jsonl', () => {
  let r: ParseResult<BinanceQuote>;
  let quotes: BinanceMarkPriceQuote[];
  needsFeedFixtures(() => {
    r = parseBinanceJsonl(feedFixture('binance-markprice.jsonl'));
    quotes = r.quotes as BinanceMarkPriceQuote[];
  });

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
  it('reads a !forceOrder@arr frame (one object despite the name): price is the average fill ap, not the IOC limit p', () => {
    const r = parseBinanceMessage(
      '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1741600801250,"o":{"s":"SOLUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"41.7","p":"125.118","ap":"126.2040","X":"FILLED","l":"41.7","z":"41.7","T":1741600801244}}}',
    );
    expect(r.issues).toEqual([]);
    expect(r.quotes).toEqual([
      {
        feed: 'binance',
        kind: 'forceOrder',
        source: '!forceOrder@arr',
        symbol: 'SOLUSDT', // o.s: the payload has no top-level s
        price: { mantissa: 1262040n, expo: -4 }, // ap = 126.2040
        publishTimeMs: 1741600801250, // E
        side: 'SELL', // closes a liquidated long
        orderType: 'LIMIT',
        timeInForce: 'IOC',
        status: 'FILLED',
        qty: { mantissa: 417n, expo: -1 }, // 41.7 SOL
        limitPrice: { mantissa: 125118n, expo: -3 }, // p = 125.118, below the fills: a SELL fills at or above it
        avgPrice: { mantissa: 1262040n, expo: -4 },
        lastFilledQty: { mantissa: 417n, expo: -1 },
        filledQty: { mantissa: 417n, expo: -1 },
        tradeTimeMs: 1741600801244, // o.T, 6 ms before E
      },
    ]);
  });

  it('reads a raw BUY payload filled in several trades (l < z) and names its stream; COIN-M adds the pair ps', () => {
    const buy = parseBinanceMessage(
      '{"e":"forceOrder","E":1741600802875,"o":{"s":"DOGEUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"15000","p":"0.17312","ap":"0.17158","X":"FILLED","l":"6000","z":"15000","T":1741600802870}}',
    );
    expect(buy.issues).toEqual([]);
    const q = buy.quotes[0] as BinanceForceOrderQuote;
    expect(q.source).toBe('dogeusdt@forceOrder'); // a raw stream: named from o.s
    expect(q.side).toBe('BUY'); // closes a liquidated short: fills at or below the limit, 0.17158 <= 0.17312
    expect([q.price, q.limitPrice]).toEqual([
      { mantissa: 17158n, expo: -5 },
      { mantissa: 17312n, expo: -5 },
    ]);
    // The last fill was 6,000 of the 15,000 filled in all: the snapshot is the order's state, not one trade.
    expect([q.qty, q.lastFilledQty, q.filledQty]).toEqual([
      { mantissa: 15000n, expo: 0 },
      { mantissa: 6000n, expo: 0 },
      { mantissa: 15000n, expo: 0 },
    ]);
    expect('pair' in q).toBe(false);
    const coinM = parseBinanceMessage(
      '{"e":"forceOrder","E":1741600803500,"o":{"s":"ETHUSD_PERP","ps":"ETHUSD","S":"SELL","o":"LIMIT","f":"IOC","q":"12","p":"2118.31","ap":"2131.07","X":"FILLED","l":"12","z":"12","T":1741600803496}}',
    );
    expect(coinM.issues).toEqual([]);
    expect(coinM.quotes[0]).toMatchObject({ symbol: 'ETHUSD_PERP', pair: 'ETHUSD', qty: { mantissa: 12n, expo: 0 }, price: { mantissa: 213107n, expo: -2 } });
  });

  it('refuses a frame without o, or with a quantity that is not a decimal string, naming the line', () => {
    const r = parseBinanceJsonl(
      [
        '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1741600804000}}',
        '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1741600804000,"o":{"s":"SOLUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":41.7,"p":"125.118","ap":"126.2040","X":"FILLED","l":"41.7","z":"41.7","T":1741600804000}}}',
      ].join('\n'),
    );
    expect(r.quotes).toEqual([]);
    expect(r.issues.map((i) => [i.code, i.line])).toEqual([
      ['bad_shape', 1],
      ['bad_shape', 2],
    ]);
  });
});

describe('Binance forceOrder: the shared fixture binance-forceorder.jsonl', () => {
  let r: ParseResult<BinanceQuote>;
  let quotes: BinanceForceOrderQuote[];
  needsFeedFixtures(() => {
    r = parseBinanceJsonl(feedFixture('binance-forceorder.jsonl'));
    quotes = r.quotes as BinanceForceOrderQuote[];
  });

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
      SOL_MARK,
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
