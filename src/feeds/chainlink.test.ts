import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chainlinkRoundToQuote,
  decodeDecimals,
  decodeRoundData,
  encodeRoundData,
  encodeUintWord,
  parseChainlinkRoundsCsv,
  proxyRoundId,
  splitRoundId,
} from './chainlink.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { ChainlinkQuote, ParseResult } from './types.js';

const opts = { symbol: 'ETH/USD', source: 'chainlink-rounds.csv' };

// Rounds written for these tests (format: ../shared/data/feeds/FORMATS.md §3.1), a BTC/USD-style feed with 8
// decimals. Proxy round ids are (phaseId << 64) | aggregatorRound: 3 << 64 = 55340232221128654848 and
// 4 << 64 = 73786976294838206464.
//   row 1  phase 3 round 5120  83,124.75  a legacy Flux round: started 12 s before it was updated
//   row 2  phase 3 round 5121  82,700.00  a deviation round (-0.51 %)
//   row 3  phase 3 round 5122  82,700.00  timed out: row 2's answer, answered in round 5121, updatedAt fresh
//   row 4  phase 4 round 1     82,550.12  the proxy moved to an OCR aggregator: startedAt = updatedAt, round 1 again
//   row 5  phase 4 round 2     79,025.50  9,000 s after row 4 (2.5 heartbeats of 3,600 s), -4.27 %
//   row 6  phase 4 round 3     79,150.00  a heartbeat round exactly 3,600 s after row 5
const BTC_ROUNDS = [
  'round_id,answer,started_at,updated_at,answered_in_round,decimals',
  '55340232221128659968,8312475000000,1741597188,1741597200,55340232221128659968,8',
  '55340232221128659969,8270000000000,1741598003,1741598015,55340232221128659969,8',
  '55340232221128659970,8270000000000,1741598905,1741598920,55340232221128659969,8',
  '73786976294838206465,8255012000000,1741599100,1741599100,73786976294838206465,8',
  '73786976294838206466,7902550000000,1741608100,1741608100,73786976294838206466,8',
  '73786976294838206467,7915000000000,1741611700,1741611700,73786976294838206467,8',
].join('\n');

describe('parseChainlinkRoundsCsv', () => {
  const r = parseChainlinkRoundsCsv(BTC_ROUNDS, { symbol: 'BTC/USD', source: 'btc-rounds.csv' });
  const row = (n: number) => r.quotes[n - 1];

  it('reads every round; row 1 exactly, its round id above 2^53 kept as a bigint', () => {
    expect(r.issues).toEqual([]);
    expect(r.quotes).toHaveLength(6);
    expect(row(1)).toEqual({
      feed: 'chainlink',
      kind: 'chainlinkRound',
      source: 'btc-rounds.csv',
      symbol: 'BTC/USD',
      price: { mantissa: 8312475000000n, expo: -8 }, // answer x 10^-decimals = 83,124.75
      publishTimeMs: 1741597200000, // updated_at, s -> ms
      roundId: 55340232221128659968n, // 3 << 64 | 5120
      answeredInRound: 55340232221128659968n,
      phaseId: 3,
      aggregatorRound: 5120n,
      startedAtMs: 1741597188000,
      answer: 8312475000000n,
      decimals: 8,
    });
  });

  it('row 3, a timed-out round: the answer of row 2 and answeredInRound pointing back to it, with a fresh updatedAt', () => {
    expect(row(3)?.answer).toBe(row(2)?.answer);
    expect(row(3)?.answeredInRound).toBe(row(2)?.roundId);
    expect(row(3)?.roundId).toBe(55340232221128659970n); // 3 << 64 | 5122
    expect(row(3)?.publishTimeMs).toBe(1741598920000); // 905 s after row 2: looks fresh, the answer is not
  });

  it('row 4: the phase changes to 4 and the aggregator round restarts at 1', () => {
    expect([row(3)?.phaseId, row(3)?.aggregatorRound]).toEqual([3, 5122n]);
    expect([row(4)?.phaseId, row(4)?.aggregatorRound]).toEqual([4, 1n]);
    expect(row(4)?.roundId).toBe(73786976294838206465n); // 4 << 64 | 1
    expect(row(4)?.startedAtMs).toBe(row(4)?.publishTimeMs);
    expect(row(6)?.aggregatorRound).toBe(3n);
  });

  it('reads the columns by name, in any order, with CRLF line ends', () => {
    const reordered = [
      'decimals,answered_in_round,updated_at,started_at,answer,round_id',
      '8,55340232221128659968,1741597200,1741597188,8312475000000,55340232221128659968',
      '8,55340232221128659969,1741598015,1741598003,8270000000000,55340232221128659969',
    ].join('\r\n');
    const r2 = parseChainlinkRoundsCsv(reordered, { symbol: 'BTC/USD', source: 'btc-rounds.csv' });
    expect(r2.issues).toEqual([]);
    expect(r2.quotes).toEqual(r.quotes.slice(0, 2));
  });

  it('reports bad rows by line and keeps going; a missing header column is fatal to the parse', () => {
    const text = [
      'round_id,answer,started_at,updated_at,answered_in_round,decimals',
      '5,-100,1,2,5,8',
      '6,1.5,1,2,6,8',
      '0,100,0,0,0,8',
      '7,100,1,2,7,99',
      '18446744073709551617,100,1,2,18446744073709551617,8',
    ].join('\n');
    const r2 = parseChainlinkRoundsCsv(text, opts);
    expect(r2.quotes.map((q) => [q.answer, q.phaseId, q.aggregatorRound])).toEqual([
      [-100n, 0, 5n],
      [100n, 1, 1n],
    ]);
    expect(r2.issues.map((i) => [i.code, i.line])).toEqual([
      ['bad_row', 3],
      ['incomplete_round', 4],
      ['bad_number', 5],
    ]);
    expect(parseChainlinkRoundsCsv('round_id,answer\n1,2\n', opts).issues.map((i) => i.code)).toEqual(['bad_header']);
    expect(parseChainlinkRoundsCsv('', opts).issues.map((i) => i.code)).toEqual(['bad_header']);
  });
});

describe('parseChainlinkRoundsCsv: the shared fixture chainlink-rounds.csv', () => {
  let r: ParseResult<ChainlinkQuote>;
  const row = (n: number) => r.quotes[n - 1];
  needsFeedFixtures(() => {
    r = parseChainlinkRoundsCsv(feedFixture('chainlink-rounds.csv'), opts);
  });

  it('reads 20 rounds without issues', () => {
    expect(r.issues).toEqual([]);
    expect(r.quotes).toHaveLength(20);
  });

  it('row 1: phase 5, round ids above 2^53 kept exact', () => {
    expect(row(1)).toEqual({
      feed: 'chainlink',
      kind: 'chainlinkRound',
      source: 'chainlink-rounds.csv',
      symbol: 'ETH/USD',
      price: { mantissa: 314550000000n, expo: -8 },
      publishTimeMs: 1738526412000,
      roundId: 92233720368547776520n,
      answeredInRound: 92233720368547776520n,
      phaseId: 5,
      aggregatorRound: 18440n,
      startedAtMs: 1738526400000,
      answer: 314550000000n,
      decimals: 8,
    });
  });

  it('row 5: timed-out round carries row 4 answer and points back to it', () => {
    expect(row(5)?.answer).toBe(row(4)?.answer);
    expect(row(5)?.answeredInRound).toBe(row(4)?.roundId);
    expect(row(5)?.roundId).toBe(92233720368547776524n);
  });

  it('row 9: phase 6, aggregator round 1', () => {
    expect(row(8)?.phaseId).toBe(5);
    expect(row(8)?.aggregatorRound).toBe(18447n);
    expect(row(9)?.roundId).toBe(110680464442257309697n);
    expect(row(9)?.phaseId).toBe(6);
    expect(row(9)?.aggregatorRound).toBe(1n);
    expect(row(9)?.startedAtMs).toBe(row(9)?.publishTimeMs);
    expect(row(20)?.aggregatorRound).toBe(12n);
  });
});

describe('latestRoundData ABI', () => {
  it('decodes a real-shaped return, answer in two\'s complement', () => {
    const hex =
      '0x' +
      '0000000000000000000000000000000000000000000000060000000000000001' +
      'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9c' +
      '0000000000000000000000000000000000000000000000000000000067a0062e' +
      '0000000000000000000000000000000000000000000000000000000067a0062e' +
      '0000000000000000000000000000000000000000000000060000000000000001';
    expect(decodeRoundData(hex)).toEqual({
      ok: true,
      value: {
        roundId: 110680464442257309697n,
        answer: -100n,
        startedAt: 1738540590n,
        updatedAt: 1738540590n,
        answeredInRound: 110680464442257309697n,
      },
    });
  });

  it('round-trips any round (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }),
        fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        (roundId, answer, t) => {
          const round = { roundId, answer, startedAt: t, updatedAt: t, answeredInRound: roundId };
          expect(decodeRoundData(encodeRoundData(round))).toEqual({ ok: true, value: round });
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('refuses wrong lengths, non-hex and ids wider than uint80', () => {
    expect(decodeRoundData('0x')).toEqual({ ok: false, error: 'expected 5 ABI words (160 bytes), got 0 bytes' });
    expect(decodeRoundData('0x' + 'zz'.repeat(160))).toEqual({ ok: false, error: 'not hex' });
    const wide = encodeRoundData({ roundId: 1n << 80n, answer: 1n, startedAt: 1n, updatedAt: 1n, answeredInRound: 1n });
    expect(decodeRoundData(wide)).toEqual({ ok: false, error: 'roundId exceeds uint80' });
  });

  it('decodes decimals()', () => {
    expect(decodeDecimals(encodeUintWord(8n))).toEqual({ ok: true, value: 8 });
    expect(decodeDecimals(encodeUintWord(256n))).toEqual({ ok: false, error: 'decimals exceeds uint8' });
  });

  it('splits and joins proxy round ids (LINK/USD worked example)', () => {
    expect(splitRoundId(92233720368547771158n)).toEqual({ phaseId: 5, aggregatorRound: 13078n });
    expect(proxyRoundId(5, 13078n)).toBe(92233720368547771158n);
  });

  it('turns a decoded round into a quote with the decimals read', () => {
    const r = chainlinkRoundToQuote(
      { roundId: proxyRoundId(6, 3n), answer: 289988000000n, startedAt: 1738535611n, updatedAt: 1738535611n, answeredInRound: proxyRoundId(6, 3n) },
      8,
      { symbol: 'ETH/USD', source: '0xproxy', receivedTimeMs: 1738535612345 },
    );
    expect(r.ok && r.quote.price).toEqual({ mantissa: 289988000000n, expo: -8 });
    expect(r.ok && r.quote.receivedTimeMs).toBe(1738535612345);
    const empty = chainlinkRoundToQuote({ roundId: 0n, answer: 0n, startedAt: 0n, updatedAt: 0n, answeredInRound: 0n }, 8, opts);
    expect(empty.ok).toBe(false);
    expect(!empty.ok && empty.issue.code).toBe('incomplete_round');
  });
});
