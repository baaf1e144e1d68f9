// `bailiff feed`: live mode against a local WebSocket server replaying the Binance fixture, and kline replay.

import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runCli } from '../../src/cli/program.js';
import { feedFixture, klinePath, klinesMissing } from '../fixtures/fixtures.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe('bailiff feed', () => {
  it('binance: streams a local server’s markPrice frames as source_price and funding_rate commands', async () => {
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
    // ETHUSDT frames are not mapped: only BTC commands come out.
    expect(lines.every((l) => l.market === 'BTC-PERP')).toBe(true);
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

  it('refuses a malformed --map with exit code 2', async () => {
    const r = await cli(['feed', 'klines', 'x.csv', '--map', 'AVAX']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected SYMBOL=MARKET:DECIMALS');
  });
});
