import { describe, expect, it } from 'vitest';
import {
  isKlineHeader,
  klinePathOrder,
  klineTimeToMs,
  parseKlineCsv,
  parseKlineLine,
  readKlineFile,
  symbolFromKlineFileName,
  type KlineRow,
} from './kline.js';
import { klinePath, klinesMissing } from '../../test/fixtures/fixtures.js';
import type { FeedIssue, KlineQuote } from './types.js';

const HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const AVAX_2214 = '1738534440000,28.2630,28.2670,28.1670,28.1740,8953,1738534499999,252589.4410,812,2669,75303.0750,0';
const CRASH_FROM_MS = 1738534440000; // 2025-02-02 22:14 UTC
const CRASH_TO_MS = 1738548540000; // 2025-02-03 02:09 UTC (the 02:08 minute included)

function row(line: string): KlineRow {
  const r = parseKlineLine(line, 1, false);
  if (r.type !== 'row') throw new Error(`not a row: ${JSON.stringify(r)}`);
  return r.row;
}

describe('kline lines', () => {
  it('detects the header and the time unit', () => {
    expect(isKlineHeader(HEADER)).toBe(true);
    expect(isKlineHeader(AVAX_2214)).toBe(false);
    expect(parseKlineLine(HEADER, 1, true)).toEqual({ type: 'header' });
    expect(klineTimeToMs('1738534440000')).toBe(1738534440000);
    expect(klineTimeToMs('1738534440000000')).toBe(1738534440000); // µs
    expect(klineTimeToMs('1738534499999999')).toBe(1738534499999);
    expect(klineTimeToMs('-1')).toBeUndefined();
  });

  it('parses a row exactly', () => {
    expect(row(AVAX_2214)).toEqual({
      openTimeMs: 1738534440000,
      closeTimeMs: 1738534499999,
      open: { mantissa: 282630n, expo: -4 },
      high: { mantissa: 282670n, expo: -4 },
      low: { mantissa: 281670n, expo: -4 },
      close: { mantissa: 281740n, expo: -4 },
      volume: { mantissa: 8953n, expo: 0 },
    });
    const micros = row('1738534440000000,28.2630,28.2670,28.1670,28.1740,8953,1738534499999999,0,0,0,0,0');
    expect([micros.openTimeMs, micros.closeTimeMs]).toEqual([1738534440000, 1738534499999]);
  });

  it('refuses bad rows and foreign headers without throwing', () => {
    expect(parseKlineLine('time,price', 1, true)).toMatchObject({ type: 'issue', issue: { code: 'bad_header', line: 1 } });
    expect(parseKlineLine('1,2,3', 4, false)).toMatchObject({ type: 'issue', issue: { code: 'bad_row', line: 4 } });
    expect(parseKlineLine('1738534440000,28.2,28.1,28.0,28.3,1,1738534499999', 5, false)).toMatchObject({
      type: 'issue',
      issue: { code: 'bad_row', message: 'kline: high/low do not bound open and close' },
    });
    expect(parseKlineLine('1738534440000,28.2,1e3,28.0,28.3,1,1738534499999', 6, false)).toMatchObject({ issue: { code: 'bad_row' } });
    expect(parseKlineLine('   ', 7, false)).toEqual({ type: 'blank' });
  });

  it('says a zero or negative price is not positive (not that high/low fail to bound it), with the line', () => {
    expect(parseKlineLine('1738534440000,28.2,28.3,28.0,0,1,1738534499999', 8, false)).toEqual({
      type: 'issue',
      issue: { code: 'non_positive_price', message: 'kline: close 0 is not positive', line: 8 },
    });
    expect(parseKlineLine('1738534440000,28.2,28.3,-1.5,28.1,1,1738534499999', 9, false)).toEqual({
      type: 'issue',
      issue: { code: 'non_positive_price', message: 'kline: low -1.5 is not positive', line: 9 },
    });
    const r = parseKlineCsv(`${HEADER}\n${AVAX_2214}\n1738534500000,28.1,28.2,28.0,0.0000,1,1738534559999\n`, { symbol: 'AVAXUSDT', source: 't', mode: 'close' });
    expect(r.quotes).toHaveLength(1);
    expect(r.issues).toEqual([{ code: 'non_positive_price', message: 'kline: close 0.0000 is not positive', line: 3, symbol: 'AVAXUSDT' }]);
  });

  it('orders the intra-minute path by the candle', () => {
    expect(klinePathOrder(row(AVAX_2214))).toEqual(['open', 'high', 'low', 'close']); // falling
    expect(klinePathOrder(row('0,1.0,1.5,0.9,1.2,1,59999'))).toEqual(['open', 'low', 'high', 'close']); // rising
    expect(klinePathOrder(row('0,0.3782,0.3783,0.3780,0.3782,1,59999'))).toEqual(['open', 'high', 'low', 'close']); // flat, high nearer
    expect(klinePathOrder(row('0,2,3,1,2,1,59999'))).toEqual(['open', 'low', 'high', 'close']); // flat tie
  });

  it('path mode spreads open, extremes and close over the minute', () => {
    const r = parseKlineCsv(`${HEADER}\n${AVAX_2214}\n`, { symbol: 'AVAXUSDT', source: 't', mode: 'path' });
    expect(r.issues).toEqual([]);
    expect(r.quotes.map((q) => [q.step, q.price.mantissa, q.publishTimeMs])).toEqual([
      ['open', 282630n, 1738534440000],
      ['high', 282670n, 1738534460000],
      ['low', 281670n, 1738534480000],
      ['close', 281740n, 1738534499999],
    ]);
  });

  it('close mode gives the close at close_time; a headerless file parses the same', () => {
    const withHeader = parseKlineCsv(`${HEADER}\r\n${AVAX_2214}\r\n`, { symbol: 'AVAXUSDT', source: 't', mode: 'close' });
    const without = parseKlineCsv(`${AVAX_2214}\n`, { symbol: 'AVAXUSDT', source: 't', mode: 'close' });
    expect(withHeader.issues).toEqual([]);
    const unlined = (qs: KlineQuote[]) => qs.map(({ line: _line, ...q }) => q);
    expect(unlined(without.quotes)).toEqual(unlined(withHeader.quotes));
    // Each quote names its line: the row is line 2 below the header, line 1 without it.
    expect([withHeader.quotes[0]?.line, without.quotes[0]?.line]).toEqual([2, 1]);
    expect(withHeader.quotes[0]).toMatchObject({ price: { mantissa: 281740n, expo: -4 }, publishTimeMs: 1738534499999, step: 'close' });
  });

  it('names the symbol from the dump file name', () => {
    expect(symbolFromKlineFileName('/x/ALGOUSDT-1m-2025-02.csv')).toBe('ALGOUSDT');
    expect(symbolFromKlineFileName('prices.csv')).toBeUndefined();
  });
});

describe('readKlineFile (the shared ALGOUSDT month dump)', () => {
  const path = klinePath('ALGOUSDT');
  const missing = klinesMissing();

  it('streams the whole 40,320-row month in order', async (ctx) => {
    ctx.skip(missing !== undefined, missing);
    const issues: FeedIssue[] = [];
    let n = 0;
    let first: KlineQuote | undefined;
    let last: KlineQuote | undefined;
    let ordered = true;
    for await (const q of readKlineFile(path, { symbol: 'ALGOUSDT', source: 'ALGOUSDT-1m-2025-02.csv', mode: 'close', onIssue: (i) => issues.push(i) })) {
      if (last !== undefined && q.publishTimeMs <= last.publishTimeMs) ordered = false;
      first ??= q;
      last = q;
      n++;
    }
    expect(issues).toEqual([]);
    expect(n).toBe(40_320);
    expect(ordered).toBe(true);
    expect(first).toMatchObject({ price: { mantissa: 3788n, expo: -4 }, publishTimeMs: 1738368059999 });
    expect(last).toMatchObject({ price: { mantissa: 2380n, expo: -4 }, publishTimeMs: 1740787199999 });
  });

  it('reads only the crash window when asked', async (ctx) => {
    ctx.skip(missing !== undefined, missing);
    const quotes: KlineQuote[] = [];
    for await (const q of readKlineFile(path, {
      symbol: 'ALGOUSDT',
      source: 'ALGOUSDT-1m-2025-02.csv',
      mode: 'close',
      fromMs: CRASH_FROM_MS,
      toMs: CRASH_TO_MS,
      onIssue: (i) => {
        throw new Error(i.message);
      },
    })) {
      quotes.push(q);
    }
    expect(quotes).toHaveLength(235); // 22:14 .. 02:08 inclusive
    expect(quotes[0]).toMatchObject({ price: { mantissa: 3069n, expo: -4 }, openTimeMs: CRASH_FROM_MS });
    expect(quotes[234]).toMatchObject({ price: { mantissa: 2304n, expo: -4 }, openTimeMs: 1738548480000 });
  });
});
