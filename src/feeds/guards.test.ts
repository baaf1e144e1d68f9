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
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { BinanceBookTickerQuote, ChainlinkQuote, FeedQuote, PythQuote } from './types.js';

// Quotes from the shared feed fixtures, read once by the suites that need them (see loadFixtures).
let btc: FeedQuote[] = [];
let eth: FeedQuote[] = [];
let rounds: ChainlinkQuote[] = [];
let pythEth: PythQuote[] = [];
let pythBtc: PythQuote[] = [];
let loaded = false;

function loadFixtures(): void {
  if (loaded) return;
  const fixture = feedFixture;
  const mark = groupBySymbol(parseBinanceJsonl(fixture('binance-markprice.jsonl')).quotes);
  btc = mark.get('BTCUSDT') ?? [];
  eth = mark.get('ETHUSDT') ?? [];
  rounds = parseChainlinkRoundsCsv(fixture('chainlink-rounds.csv'), { symbol: 'ETH/USD', source: 'csv' }).quotes;
  const pyth = groupBySymbol(
    parsePythSseText(fixture('pyth-hermes-stream.txt'), {
      symbols: {
        e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43: 'BTC/USD',
        ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace: 'ETH/USD',
      },
    }).quotes,
  );
  pythEth = pyth.get('ETH/USD') ?? [];
  pythBtc = pyth.get('BTC/USD') ?? [];
  loaded = true;
}

// Messages written for these tests in the providers' wire formats (../shared/data/feeds/FORMATS.md), with values
// of our own, each sequence holding one case per guard.
// Binance SOLUSDT on the 1 s stream: three frames a second apart, 7 s of silence, then a mark 1.5 % lower:
// 126.40 -> 124.504 is 1.896 / 126.40 = 15,000 ppm exactly.
const solFrame = (e: number, p: string): string =>
  `{"stream":"solusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":${e},"s":"SOLUSDT","p":"${p}","i":"${p}","P":"${p}","r":"0.00010000","T":1741622400000}}`;
const sol = parseBinanceJsonl(
  [
    solFrame(1741600800000, '126.38000000'),
    solFrame(1741600801000, '126.42000000'),
    solFrame(1741600802000, '126.40000000'),
    solFrame(1741600809000, '124.50400000'), // index 3: 7,000 ms after the previous frame
    solFrame(1741600810000, '124.51000000'),
  ].join('\n'),
).quotes;
// Chainlink rounds of a BTC/USD-style feed (8 decimals; 3 << 64 = 55340232221128654848, 4 << 64 =
// 73786976294838206464): index 2 timed out (answered in round 5121); index 3 is phase 4's round 1; index 4 comes
// 9,000 s after index 3 and 4.27 % lower; index 5 is a heartbeat exactly 3,600 s later.
const btcRounds = parseChainlinkRoundsCsv(
  [
    'round_id,answer,started_at,updated_at,answered_in_round,decimals',
    '55340232221128659968,8312475000000,1741597188,1741597200,55340232221128659968,8',
    '55340232221128659969,8270000000000,1741598003,1741598015,55340232221128659969,8',
    '55340232221128659970,8270000000000,1741598905,1741598920,55340232221128659969,8',
    '73786976294838206465,8255012000000,1741599100,1741599100,73786976294838206465,8',
    '73786976294838206466,7902550000000,1741608100,1741608100,73786976294838206466,8',
    '73786976294838206467,7915000000000,1741611700,1741611700,73786976294838206467,8',
  ].join('\n'),
  { symbol: 'BTC/USD', source: 'csv' },
).quotes;
// Hermes SSE, ETH/USD only: event 2's conf is exactly 2 % of its price (42.702 / 2,135.10); event 3 repeats it at
// the same publish_time with prev_publish_time == publish_time in a later slot (no new price).
const ETH_ID = 'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace';
const ethEvent = (price: string, conf: string, t: number, prev: number, slot: number): string =>
  `data:{"binary":{"encoding":"hex","data":["504e41550100"]},"parsed":[{"id":"${ETH_ID}","price":{"price":"${price}","conf":"${conf}","expo":-8,"publish_time":${t}},"ema_price":{"price":"215080000000","conf":"99500000","expo":-8,"publish_time":${t}},"metadata":{"slot":${slot},"proof_available_time":${t + 1},"prev_publish_time":${prev}}}]}\n\n`;
const ethHermes = parsePythSseText(
  ethEvent('214036000000', '112500000', 1741600802, 1741600801, 205112345) +
    ethEvent('213510000000', '4270200000', 1741600803, 1741600802, 205112348) +
    ethEvent('213510000000', '4270200000', 1741600803, 1741600803, 205112351),
  { symbols: { [ETH_ID]: 'ETH/USD' } },
).quotes;

const codesAt = (issues: { code: string; index?: number }[]) => issues.map((i) => [i.code, i.index]);

describe('guards on messages written inline', () => {
  it('staleness: the 7 s silence on the 1 s stream trips at 5 s, and so does a quiet end at a given now', () => {
    expect(checkStaleness(sol, { maxAgeMs: 5_000 })).toEqual([
      { code: 'stale_price', message: 'SOLUSDT: 7000 ms since the previous update (limit 5000 ms)', index: 3, symbol: 'SOLUSDT', atMs: 1741600809000 },
    ]);
    expect(checkStaleness(sol, { maxAgeMs: 7_000 })).toEqual([]); // exactly the limit is not stale
    // The last frame is at ...810000: 5,001 ms later is too long, 5,000 ms is not.
    expect(checkStaleness(sol, { maxAgeMs: 5_000, nowMs: 1741600815001 })[1]).toMatchObject({ code: 'stale_price', index: 4, atMs: 1741600815001 });
    expect(checkStaleness(sol, { maxAgeMs: 5_000, nowMs: 1741600815000 })).toHaveLength(1);
  });

  it('jump after the gap: 15,000 ppm trips a 1 % cap; a cap of exactly 15,000 ppm does not; deviation sees it too', () => {
    expect(checkJumpAfterGap(sol, { gapMs: 5_000, maxMovePpm: 10_000n })).toEqual([
      {
        code: 'jump_after_gap',
        message: 'SOLUSDT: 126.4 -> 124.504 moved 15000 ppm after a 7000 ms gap (cap 10000 ppm)',
        index: 3,
        symbol: 'SOLUSDT',
        atMs: 1741600809000,
      },
    ]);
    expect(checkJumpAfterGap(sol, { gapMs: 5_000, maxMovePpm: 15_000n })).toEqual([]);
    expect(checkJumpAfterGap(sol, { gapMs: 7_000, maxMovePpm: 10_000n })).toEqual([]); // a 7 s silence is not a gap over 7 s
    // The other moves: 126.38 -> 126.42 is 0.04 / 126.38 = 316 ppm; 124.504 -> 124.51 is 48 ppm.
    expect(codesAt(checkDeviation(sol, { maxMovePpm: 10_000n }))).toEqual([['deviation', 3]]);
  });

  it('Binance ordering: a frame sent again is a duplicate, an older one out of order', () => {
    const [a, b, c] = sol as [FeedQuote, FeedQuote, FeedQuote];
    const r = dropOutOfOrder([a, c, c, b]);
    expect(r.kept).toEqual([a, c]);
    expect(codesAt(r.issues)).toEqual([
      ['duplicate', 2],
      ['out_of_order', 3],
    ]);
    expect(r.issues[1]?.message).toBe('markPrice SOLUSDT: out of order (t=1741600801000 after t=1741600802000)');
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

  it('Chainlink: the timed-out round is a stale answer; 9,000 s between rounds exceeds 3,600 s + 60 s; -4.27 % is a deviation at 4 %', () => {
    expect(checkAnsweredInRound(btcRounds)).toEqual([
      {
        code: 'stale_answer',
        message: 'BTC/USD: round 55340232221128659970 was answered in round 55340232221128659969',
        index: 2,
        symbol: 'BTC/USD',
        atMs: 1741598920000,
      },
    ]);
    const late = checkHeartbeat(btcRounds, { heartbeatMs: 3_600_000, graceMs: 60_000 });
    expect(codesAt(late)).toEqual([['heartbeat_exceeded', 4]]);
    expect(late[0]?.message).toBe('BTC/USD: 9000000 ms since the previous round (limit 3660000 ms)');
    // The last round comes exactly 3,600 s after the one before: on time even without grace.
    expect(codesAt(checkHeartbeat(btcRounds, { heartbeatMs: 3_600_000, graceMs: 0 }))).toEqual([['heartbeat_exceeded', 4]]);
    // 82,550.12 -> 79,025.50: 3,524.62 / 82,550.12 = 0.0426967... = 42,696 ppm, rounded down in the message.
    const moved = checkDeviation(btcRounds, { maxMovePpm: 40_000n });
    expect(codesAt(moved)).toEqual([['deviation', 4]]);
    expect(moved[0]?.message).toBe('BTC/USD: 82550.12 -> 79025.5 moved 42696 ppm (cap 40000 ppm)');
  });

  it('Chainlink ordering: the phase 3 -> 4 change is accepted (round 1 again); going back to phase 3 is not', () => {
    const row = (i: number) => btcRounds[i] as ChainlinkQuote;
    const r = dropOutOfOrder([row(1), row(2), row(3), row(2), row(4), row(4)]);
    expect(r.kept).toEqual([row(1), row(2), row(3), row(4)]);
    expect(codesAt(r.issues)).toEqual([
      ['out_of_order', 3],
      ['duplicate', 5],
    ]);
  });

  it('Pyth: a conf of exactly 2 % trips a 1 % cap, not a 2 % one; the repeated price is no new price and not a duplicate', () => {
    const wide = checkConfidence(ethHermes, { maxConfPpm: 10_000n });
    expect(codesAt(wide)).toEqual([
      ['wide_confidence', 1],
      ['wide_confidence', 2],
    ]);
    expect(wide[0]?.message).toBe('ETH/USD: conf 42.702 is 20000 ppm of price 2135.1 (cap 10000 ppm)');
    expect(checkConfidence(ethHermes, { maxConfPpm: 20_000n })).toEqual([]); // 1.125 / 2,140.36 = 525 ppm
    expect(checkNoNewPrice(ethHermes)).toEqual([
      { code: 'no_new_price', message: 'ETH/USD: no new price since 1741600803000 (slot 205112351)', index: 2, symbol: 'ETH/USD', atMs: 1741600803000 },
    ]);
    // Same publish_time, later slot: kept (the no-new-price guard speaks for it); sent twice: a duplicate.
    const [e1, e2, e3] = ethHermes as [FeedQuote, FeedQuote, FeedQuote];
    expect(codesAt(dropOutOfOrder([e1, e2, e3, e3, e1]).issues)).toEqual([
      ['duplicate', 3],
      ['out_of_order', 4],
    ]);
  });
});

describe('staleness (Binance mark price): the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

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

describe('jump after gap and deviation: the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

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

describe('ordering: the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

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

describe('Chainlink answer checks: the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

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

describe('Pyth checks: the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

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
    expect(checkPositivePrice(sol)).toEqual([]);
  });
});

describe('non-positive prices: the shared fixtures', () => {
  needsFeedFixtures(loadFixtures);

  it('none in the Binance mark prices', () => {
    expect(checkPositivePrice(eth)).toEqual([]);
  });
});

describe('ordering invariants (property)', () => {
  it('dropOutOfOrder keeps a strictly increasing subsequence and accounts for every input', () => {
    const base = sol[0] as FeedQuote;
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
