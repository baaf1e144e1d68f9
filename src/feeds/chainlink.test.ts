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
import { feedFixture } from '../../test/fixtures/fixtures.js';

const csv = feedFixture('chainlink-rounds.csv');
const opts = { symbol: 'ETH/USD', source: 'chainlink-rounds.csv' };

describe('parseChainlinkRoundsCsv', () => {
  const r = parseChainlinkRoundsCsv(csv, opts);
  const row = (n: number) => r.quotes[n - 1];

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
