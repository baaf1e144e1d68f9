import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBinanceJsonl } from './binance.js';
import { parseChainlinkRoundsCsv } from './chainlink.js';
import {
  OrderGuard,
  checkAnsweredInRound,
  checkConfidence,
  checkDeviation,
  checkHeartbeat,
  checkJumpAfterGap,
  checkNoNewPrice,
  checkPositivePrice,
  checkStaleness,
  dropOutOfOrder,
  groupBySymbol,
} from './guards.js';
import { parsePythSseText } from './pyth.js';
import { feedFixture } from '../../test/fixtures/fixtures.js';
import type { BinanceBookTickerQuote, ChainlinkQuote, FeedQuote } from './types.js';

const fixture = feedFixture;
const mark = groupBySymbol(parseBinanceJsonl(fixture('binance-markprice.jsonl')).quotes);
const btc = mark.get('BTCUSDT') ?? [];
const eth = mark.get('ETHUSDT') ?? [];
const rounds = parseChainlinkRoundsCsv(fixture('chainlink-rounds.csv'), { symbol: 'ETH/USD', source: 'csv' }).quotes;
const pyth = groupBySymbol(
  parsePythSseText(fixture('pyth-hermes-stream.txt'), {
    symbols: {
      e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43: 'BTC/USD',
      ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace: 'ETH/USD',
    },
  }).quotes,
);
const pythEth = pyth.get('ETH/USD') ?? [];
const pythBtc = pyth.get('BTC/USD') ?? [];

const codesAt = (issues: { code: string; index?: number }[]) => issues.map((i) => [i.code, i.index]);

describe('staleness (Binance mark price)', () => {
  it('ETH 16 s gap on the 1 s stream trips at max age 5 s; BTC does not', () => {
    expect(btc).toHaveLength(9);
    expect(eth).toHaveLength(10);
    expect(checkStaleness(btc, { maxAgeMs: 5_000 })).toEqual([]);
    expect(checkStaleness(eth, { maxAgeMs: 5_000 })).toEqual([
      {
        code: 'stale_price',
        message: 'ETHUSDT: 16000 ms since the previous update (limit 5000 ms)',
        index: 5,
        symbol: 'ETHUSDT',
        atMs: 1738534460002,
      },
    ]);
  });

  it('checks the end of the sequence against now', () => {
    expect(checkStaleness(eth, { maxAgeMs: 5_000, nowMs: 1738534466000 })).toHaveLength(1);
    expect(checkStaleness(eth, { maxAgeMs: 5_000, nowMs: 1738534470000 })[1]).toMatchObject({ code: 'stale_price', index: 9, atMs: 1738534470000 });
    expect(checkStaleness(btc, { maxAgeMs: 5_000, nowMs: 1738534470000 })).toMatchObject([{ code: 'stale_price', index: 8 }]);
    expect(checkStaleness([], { maxAgeMs: 1, nowMs: 1 })).toEqual([]);
  });
});

describe('jump after gap and deviation', () => {
  it('the first ETH frame after the gap is 1.29% below the last before it', () => {
    const issues = checkJumpAfterGap(eth, { gapMs: 5_000, maxMovePpm: 10_000n });
    expect(issues).toEqual([
      {
        code: 'jump_after_gap',
        message: 'ETHUSDT: 2735.61 -> 2700.41 moved 12867 ppm after a 16000 ms gap (cap 10000 ppm)',
        index: 5,
        symbol: 'ETHUSDT',
        atMs: 1738534460002,
      },
    ]);
    expect(checkJumpAfterGap(eth, { gapMs: 5_000, maxMovePpm: 13_000n })).toEqual([]);
    expect(checkJumpAfterGap(btc, { gapMs: 2_000, maxMovePpm: 10_000n })).toEqual([]);
  });

  it('deviation per update: only the post-gap ETH frame; Chainlink row 13 (-8%) at 5%', () => {
    expect(codesAt(checkDeviation(eth, { maxMovePpm: 10_000n }))).toEqual([['deviation', 5]]);
    expect(checkDeviation(btc, { maxMovePpm: 10_000n })).toEqual([]);
    const cl = checkDeviation(rounds, { maxMovePpm: 50_000n });
    expect(codesAt(cl)).toEqual([['deviation', 12]]);
    expect(cl[0]?.message).toBe('ETH/USD: 2881.2 -> 2650.33 moved 80129 ppm (cap 50000 ppm)');
  });
});

describe('ordering', () => {
  it('keeps the fixtures whole', () => {
    for (const seq of [btc, eth, rounds, pythEth, pythBtc]) expect(dropOutOfOrder<FeedQuote>(seq).issues).toEqual([]);
  });

  it('Binance: drops E <= last per symbol', () => {
    const [a, b, c, d] = eth as [FeedQuote, FeedQuote, FeedQuote, FeedQuote];
    const r = dropOutOfOrder([a, b, b, d, c, btc[0] as FeedQuote]);
    expect(r.kept).toEqual([a, b, d, btc[0]]);
    expect(codesAt(r.issues)).toEqual([
      ['duplicate', 2],
      ['out_of_order', 4],
    ]);
    expect(r.issues[1]?.message).toBe('markPrice ETHUSDT: out of order (t=1738534442002 after t=1738534443002)');
  });

  it('Binance bookTicker: by update id u', () => {
    const base = { feed: 'binance', kind: 'bookTicker', source: 's', symbol: 'BNBUSDT', price: { mantissa: 1n, expo: 0 }, publishTimeMs: 5 } as const;
    const t = (u: bigint): BinanceBookTickerQuote =>
      ({ ...base, bid: base.price, ask: base.price, bidQty: base.price, askQty: base.price, updateId: u, transactionTimeMs: 5 }) as BinanceBookTickerQuote;
    expect(codesAt(dropOutOfOrder([t(10n), t(11n), t(9n), t(11n), t(12n)]).issues)).toEqual([
      ['out_of_order', 2],
      ['duplicate', 3],
    ]);
  });

  it('Pyth: publish_time < last is dropped; same time with a higher slot is kept (event 4), same slot is a duplicate', () => {
    expect(pythEth.map((q) => q.publishTimeMs / 1000)).toEqual([1738534446, 1738534448, 1738534448]);
    const [e1, e3, e4] = pythEth as [FeedQuote, FeedQuote, FeedQuote];
    const r = dropOutOfOrder([e1, e3, e4, e4, e1]);
    expect(r.kept).toEqual([e1, e3, e4]);
    expect(codesAt(r.issues)).toEqual([
      ['duplicate', 3],
      ['out_of_order', 4],
    ]);
  });

  it('Chainlink: round id grows within a phase; the phase 5 -> 6 jump is allowed, going back is not', () => {
    const row = (n: number) => rounds[n - 1] as ChainlinkQuote;
    const r = dropOutOfOrder([row(7), row(8), row(9), row(11), row(10), row(8), row(11), row(12)]);
    expect(r.kept).toEqual([row(7), row(8), row(9), row(11), row(12)]);
    expect(codesAt(r.issues)).toEqual([
      ['out_of_order', 4],
      ['out_of_order', 5],
      ['duplicate', 6],
    ]);
  });

  it('OrderGuard is incremental and keys series apart', () => {
    const g = new OrderGuard();
    expect(g.check(eth[0] as FeedQuote)).toBeUndefined();
    expect(g.check(btc[0] as FeedQuote)).toBeUndefined();
    expect(g.check(eth[0] as FeedQuote)?.code).toBe('duplicate');
  });
});

describe('Chainlink answer checks', () => {
  it('row 5 is a timed-out round: stale answer though updatedAt is fresh', () => {
    expect(checkAnsweredInRound(rounds)).toEqual([
      {
        code: 'stale_answer',
        message: 'ETH/USD: round 92233720368547776524 was answered in round 92233720368547776523',
        index: 4,
        symbol: 'ETH/USD',
        atMs: 1738533060000,
      },
    ]);
  });

  it('rows 12 -> 13 exceed the 3600 s heartbeat three times over; rows 17 and 19 (exactly 3600 s) do not', () => {
    const issues = checkHeartbeat(rounds, { heartbeatMs: 3_600_000, graceMs: 60_000 });
    expect(codesAt(issues)).toEqual([['heartbeat_exceeded', 12]]);
    expect(issues[0]?.message).toBe('ETH/USD: 10800000 ms since the previous round (limit 3660000 ms)');
    expect(rounds[16] && rounds[15] && rounds[16].publishTimeMs - rounds[15].publishTimeMs).toBe(3_600_000);
    // With no grace, the slightly late heartbeat of row 2 (3603 s) also trips.
    expect(codesAt(checkHeartbeat(rounds, { heartbeatMs: 3_600_000, graceMs: 0 }))).toEqual([
      ['heartbeat_exceeded', 1],
      ['heartbeat_exceeded', 12],
    ]);
    // And at a given now, a feed silent for more than the heartbeat.
    expect(checkHeartbeat(rounds, { heartbeatMs: 3_600_000, graceMs: 60_000, nowMs: 1738561207000 + 3_700_000 })).toHaveLength(2);
  });
});

describe('Pyth checks', () => {
  it('event 3 ETH conf 2.6% trips a 1% cap (and event 4 repeats it); BTC stays under', () => {
    const issues = checkConfidence(pythEth, { maxConfPpm: 10_000n });
    expect(codesAt(issues)).toEqual([
      ['wide_confidence', 1],
      ['wide_confidence', 2],
    ]);
    expect(issues[0]?.message).toBe('ETH/USD: conf 70.465 is 25999 ppm of price 2710.2033 (cap 10000 ppm)');
    expect(checkConfidence(pythBtc, { maxConfPpm: 10_000n })).toEqual([]);
    expect(checkConfidence(pythEth, { maxConfPpm: 30_000n })).toEqual([]);
  });

  it('event 4 ETH: no new price', () => {
    expect(checkNoNewPrice(pythEth)).toEqual([
      { code: 'no_new_price', message: 'ETH/USD: no new price since 1738534448000 (slot 197318454)', index: 2, symbol: 'ETH/USD', atMs: 1738534448000 },
    ]);
    expect(checkNoNewPrice(pythBtc)).toEqual([]);
  });
});

describe('non-positive prices', () => {
  it('flags zero and negative answers, whatever the feed', () => {
    const text = ['round_id,answer,started_at,updated_at,answered_in_round,decimals', '1,100,1,1,1,8', '2,0,2,2,2,8', '3,-5,3,3,3,8'].join('\n');
    const qs = parseChainlinkRoundsCsv(text, { symbol: 'X', source: 'x' }).quotes;
    expect(codesAt(checkPositivePrice(qs))).toEqual([
      ['non_positive_price', 1],
      ['non_positive_price', 2],
    ]);
    expect(checkPositivePrice(eth)).toEqual([]);
  });
});

describe('ordering invariants (property)', () => {
  it('dropOutOfOrder keeps a strictly increasing subsequence and accounts for every input', () => {
    const base = eth[0] as FeedQuote;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), (times) => {
        const qs = times.map((t) => ({ ...base, publishTimeMs: t }));
        const r = dropOutOfOrder(qs);
        expect(r.kept.length + r.issues.length).toBe(qs.length);
        for (let i = 1; i < r.kept.length; i++) expect((r.kept[i]?.publishTimeMs ?? 0) > (r.kept[i - 1]?.publishTimeMs ?? 0)).toBe(true);
        // The first quote is always kept; a quote is dropped exactly when it is not above the running maximum.
        let max = Number.NEGATIVE_INFINITY;
        const expectDropped = qs.flatMap((q, i) => {
          if (q.publishTimeMs > max) {
            max = q.publishTimeMs;
            return [];
          }
          return [i];
        });
        expect(r.issues.map((x) => x.index)).toEqual(expectDropped);
      }),
      { seed: 2025, numRuns: 200 },
    );
  });
});
