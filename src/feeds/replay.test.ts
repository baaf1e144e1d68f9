import { describe, expect, it } from 'vitest';
import { mergeArraysByTime, mergeByTime, replayKlines } from './replay.js';
import { KLINE_SYMBOLS, klinePath, klinesMissing } from '../../test/fixtures/fixtures.js';
import type { FeedIssue, FeedQuote, KlineQuote } from './types.js';

const SYMBOLS = KLINE_SYMBOLS;
const files = SYMBOLS.map((s) => ({ path: klinePath(s) }));
const missing = klinesMissing();
const FROM = 1738534440000; // 2025-02-02 22:14 UTC
const TO = 1738548540000; // through the 02:08 minute

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function fake(source: string, times: number[]): FeedQuote[] {
  return times.map((t) => ({
    feed: 'kline',
    kind: 'kline',
    source,
    symbol: source,
    price: { mantissa: BigInt(t), expo: 0 },
    publishTimeMs: t,
    open: { mantissa: 1n, expo: 0 },
    high: { mantissa: 1n, expo: 0 },
    low: { mantissa: 1n, expo: 0 },
    close: { mantissa: 1n, expo: 0 },
    volume: { mantissa: 1n, expo: 0 },
    openTimeMs: t,
    closeTimeMs: t,
    step: 'close',
  }));
}

async function* gen<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe('replayKlines: the 2025-02-02 crash across ALGO/AVAX/FIL/NEAR', () => {
  it('merges the four closes minute by minute, in the order the files were given', async (ctx) => {
    ctx.skip(missing !== undefined, missing);
    const issues: FeedIssue[] = [];
    const quotes = await collect(replayKlines(files, { mode: 'close', fromMs: FROM, toMs: TO, onIssue: (i) => issues.push(i) }));
    expect(issues).toEqual([]);
    expect(quotes).toHaveLength(4 * 235);
    for (let i = 1; i < quotes.length; i++) {
      expect((quotes[i]?.publishTimeMs ?? 0) >= (quotes[i - 1]?.publishTimeMs ?? 0)).toBe(true);
    }
    expect(quotes.slice(0, 4).map((q) => [q.symbol, q.source, q.publishTimeMs])).toEqual(
      SYMBOLS.map((s) => [s, `${s}-1m-2025-02.csv`, 1738534499999]),
    );
    const firstLast = (s: string) => {
      const qs = quotes.filter((q) => q.symbol === s);
      return [qs[0]?.price, qs[qs.length - 1]?.price];
    };
    expect(firstLast('ALGOUSDT')).toEqual([{ mantissa: 3069n, expo: -4 }, { mantissa: 2304n, expo: -4 }]);
    expect(firstLast('AVAXUSDT')).toEqual([{ mantissa: 281740n, expo: -4 }, { mantissa: 221450n, expo: -4 }]);
    expect(firstLast('FILUSDT')).toEqual([{ mantissa: 3725n, expo: -3 }, { mantissa: 2735n, expo: -3 }]);
    expect(firstLast('NEARUSDT')).toEqual([{ mantissa: 37920n, expo: -4 }, { mantissa: 28730n, expo: -4 }]);
  });

  it('path mode: 4 points per minute per symbol, still time-ordered', async (ctx) => {
    ctx.skip(missing !== undefined, missing);
    const quotes: KlineQuote[] = await collect(
      replayKlines(files, { mode: 'path', fromMs: FROM, toMs: FROM + 120_000, onIssue: (i) => expect.fail(i.message) }),
    );
    expect(quotes).toHaveLength(4 * 2 * 4);
    expect(quotes.slice(0, 8).map((q) => `${q.symbol}:${q.step}@${q.publishTimeMs - FROM}`)).toEqual([
      'ALGOUSDT:open@0',
      'AVAXUSDT:open@0',
      'FILUSDT:open@0',
      'NEARUSDT:open@0',
      'ALGOUSDT:high@20000',
      'AVAXUSDT:high@20000',
      'FILUSDT:high@20000',
      'NEARUSDT:high@20000',
    ]);
  });

  it('stops cleanly when the consumer breaks early', async (ctx) => {
    ctx.skip(missing !== undefined, missing);
    let n = 0;
    for await (const _q of replayKlines(files, { mode: 'close', fromMs: FROM, onIssue: () => {} })) {
      if (++n === 10) break;
    }
    expect(n).toBe(10);
  });
});

describe('merging', () => {
  it('drops a quote that goes back in time within its source', async () => {
    const issues: FeedIssue[] = [];
    const a = fake('a', [1, 3, 2, 5]);
    const b = fake('b', [1, 4]);
    const merged = await collect(mergeByTime([gen(a), gen(b)], (i) => issues.push(i)));
    expect(merged.map((q) => `${q.source}${q.publishTimeMs}`)).toEqual(['a1', 'b1', 'a3', 'b4', 'a5']);
    expect(issues).toEqual([{ code: 'out_of_order', message: 'replay: a a at 2 is older than 3', symbol: 'a', atMs: 2 }]);
    const issues2: FeedIssue[] = [];
    expect(mergeArraysByTime([a, b], (i) => issues2.push(i))).toEqual(merged);
    expect(issues2).toEqual(issues);
  });
});
