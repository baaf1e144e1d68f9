// `bailiff feed`: live mode against a local WebSocket server replaying Binance frames (the shared fixture, and frames
// written here), and kline replay.

import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { feedFixture, feedsMissing, klinePath, klinesMissing } from '../fixtures/fixtures.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe('bailiff feed', () => {
  it('binance: streams a local server’s markPrice frames as source_price and funding_rate commands', async (ctx) => {
    const missing = feedsMissing();
    ctx.skip(missing !== undefined, missing);
    const frames = feedFixture('binance-markprice.jsonl').trim().split('\n');
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (ws) => {
      for (const f of frames) ws.send(f);
    });
    await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const r = await cli(['feed', 'binance', '--url', `ws://127.0.0.1:${port}/stream`, '--map', 'BTCUSDT=BTC-PERP:2:binance', '--max', '4']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ kind: 'source_price', market: 'BTC-PERP', source: 'binance', price: '97020.12', publishedAt: 1738534440001 });
    expect(lines[1]).toMatchObject({ kind: 'funding_rate', market: 'BTC-PERP', rate: '0.0001' });
    // ETHUSDT frames are not mapped: only BTC commands come out, and stderr says so once.
    expect(lines.every((l) => l.market === 'BTC-PERP')).toBe(true);
    expect(r.err.split('\n').filter((l) => l.includes('ETHUSDT'))).toEqual(['feed: warning: ETHUSDT is not in any --map; its quotes are skipped']);
  });

  it('klines: replays the crash files as source prices in time order', async (ctx) => {
    const missing = klinesMissing();
    ctx.skip(missing !== undefined, missing);
    const files = (['AVAXUSDT', 'NEARUSDT'] as const).map(klinePath);
    const r = await cli([
      'feed', 'klines', ...files,
      '--map', 'AVAXUSDT=AVAX-PERP:3', '--map', 'NEARUSDT=NEAR-PERP:4',
      '--from', '2025-02-02T22:14:00Z', '--to', '2025-02-02T22:16:00Z',
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.market)).toEqual(['AVAX-PERP', 'NEAR-PERP', 'AVAX-PERP', 'NEAR-PERP']);
    expect(lines[0]).toMatchObject({ kind: 'source_price', source: 'kline', at: Date.UTC(2025, 1, 2, 22, 14, 59, 999) });
  });

  it('binance: a non-positive index and a negative event time are reported with their message numbers', async () => {
    const frame = (e: number, i: string) => JSON.stringify({ stream: 'btcusdt@markPrice', data: { e: 'markPriceUpdate', E: e, s: 'BTCUSDT', p: '97000.1', i, P: '97000', r: '0.0001', T: 0 } });
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (ws) => {
      ws.send(frame(1738534440001, '97000.00')); // message 1: fine
      ws.send(frame(1738534441001, '0.00000000')); // message 2: index 0, not sent as a price (the funding rate is)
      ws.send(frame(-5, '97000.00')); // message 3: E negative, refused
      ws.send(frame(1738534442001, '97001.00')); // message 4: fine
    });
    await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const r = await cli(['feed', 'binance', '--url', `ws://127.0.0.1:${port}/stream`, '--map', 'BTCUSDT=BTC-PERP:2', '--max', '5']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => `${String(l.kind)}:${String(l.price ?? l.rate)}`)).toEqual([
      'source_price:97000',
      'funding_rate:0.0001',
      'funding_rate:0.0001',
      'source_price:97001',
      'funding_rate:0.0001',
    ]);
    expect(r.err.split('\n').filter((l) => l.startsWith('feed: issue'))).toEqual([
      'feed: issue non_positive_price (message 2): binance BTCUSDT: index i: price 0 is not positive; not sent',
      'feed: issue bad_number (message 3): binance markPriceUpdate: E is a negative time: -5',
    ]);
  });

  it('refuses a malformed --map with exit code 2', async () => {
    const r = await cli(['feed', 'klines', 'x.csv', '--map', 'AVAX']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected SYMBOL=MARKET:DECIMALS');
  });
});
