import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimConfig } from './config.js';
import { klinePoints, klineSteps, referencePath } from './paths.js';
import type { PricePathConfig, SimMarketConfig } from './types.js';

function market(path: unknown, start = '100'): SimMarketConfig {
  const c = parseSimConfig({
    steps: 10,
    markets: [{ id: 'X', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 10, maintenanceRatio: '0.05' }] }, start, path, book: { depth: '1000' } }],
    population: { accounts: 0, collateral: { min: '1', max: '1' }, leverage: { min: 0, max: 0 } },
  });
  return c.markets[0]!;
}

describe('reference paths', () => {
  it('crash shapes reach their documented levels (start 100.00 = 10,000 atoms, no noise)', () => {
    const fast = referencePath(market({ kind: 'crash', shape: 'fast_drawdown', depth: 0.3, quiet: 10, duration: 100 }), 'm', 200, 1000, 1);
    expect(fast[10]).toBe(10_000);
    expect(fast[110]).toBeCloseTo(7_000, 6);
    expect(fast[200]).toBeCloseTo(7_000, 6);
    // exponential approach: most of the fall in the first fifth
    expect(10_000 - fast[30]!).toBeGreaterThan(0.6 * 3_000);
    const wick = referencePath(market({ kind: 'crash', shape: 'v_wick', depth: 0.3, duration: 90, recovery: 1 }), 'm', 120, 1000, 1);
    expect(wick[30]).toBeCloseTo(7_000, 6);
    expect(Math.min(...wick)).toBeCloseTo(7_000, 6);
    expect(wick[90]).toBeCloseTo(10_000, 6);
    const bleed = referencePath(market({ kind: 'crash', shape: 'slow_bleed', depth: 0.5, duration: 100 }), 'm', 100, 1000, 1);
    expect(bleed[50]).toBeCloseTo(7_500, 6);
    expect(bleed[100]).toBeCloseTo(5_000, 6);
  });

  it('GBM is seeded and its log returns have the configured volatility', () => {
    const m = market({ kind: 'gbm', volatility: 0.8 });
    const a = referencePath(m, 'm', 20_000, 60_000, 5);
    expect(referencePath(m, 'm', 20_000, 60_000, 5)).toEqual(a);
    expect(referencePath(m, 'm', 20_000, 60_000, 6)).not.toEqual(a);
    let sum = 0;
    let sq = 0;
    for (let k = 1; k < a.length; k++) {
      const r = Math.log(a[k]! / a[k - 1]!);
      sum += r;
      sq += r * r;
    }
    const n = a.length - 1;
    const annualised = Math.sqrt((sq / n - (sum / n) ** 2) * (365 * 24 * 60));
    expect(annualised).toBeGreaterThan(0.76);
    expect(annualised).toBeLessThan(0.84);
  });

  it('jumps: a day of one-minute steps with 50 jumps a day of -10% ends far lower than without', () => {
    const m = market({ kind: 'gbm', volatility: 0, jumps: { perDay: 50, mean: -0.1, stdev: 0 } });
    const p = referencePath(m, 'm', 1440, 60_000, 3);
    const falls = [...p].filter((x, k) => k > 0 && x < p[k - 1]! - 1e-9).length;
    expect(falls).toBeGreaterThan(30);
    expect(falls).toBeLessThan(75);
    expect(p[1440]).toBeCloseTo(10_000 * 0.9 ** falls, 3);
  });

  it('kline replay: closes held from their close time, ohlc walks four points a kline; steps span the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-kl-'));
    const file = join(dir, 'X-1m.csv');
    writeFileSync(file, [
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
      '0,100.00,101.00,99.00,100.50,1,59999,0,0,0,0,0',
      '60000,100.50,100.60,90.00,91.00,1,119999,0,0,0,0,0',
    ].join('\n'));
    const close = market({ kind: 'klines', file: 'X-1m.csv' });
    const pts = klinePoints(close, close.path as Extract<PricePathConfig, { kind: 'klines' }>, 'm', dir);
    expect(pts.map((p) => p.atoms)).toEqual([10_050, 9_100]);
    expect(klineSteps(pts, 1000)).toBe(60);
    const path = referencePath(close, 'm', 60, 1000, 1, pts);
    expect(path[0]).toBe(10_050);
    expect(path[59]).toBe(10_050);
    expect(path[60]).toBe(9_100);
    const ohlc = market({ kind: 'klines', file: 'X-1m.csv', mode: 'ohlc' });
    const walk = klinePoints(ohlc, ohlc.path as Extract<PricePathConfig, { kind: 'klines' }>, 'm', dir);
    // rising first candle dips first (open, low, high, close); the falling second rallies first
    expect(walk.map((p) => p.atoms)).toEqual([10_000, 9_900, 10_100, 10_050, 10_050, 10_060, 9_000, 9_100]);
  });

  it('a missing kline file names the field', () => {
    const m = market({ kind: 'klines', file: 'nope.csv' });
    expect(() => klinePoints(m, m.path as Extract<PricePathConfig, { kind: 'klines' }>, 'markets[0].path', '/nonexistent')).toThrow(/^markets\[0\]\.path\.file: cannot read/);
  });
});
