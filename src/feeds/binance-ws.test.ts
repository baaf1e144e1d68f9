import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseBinanceJsonl } from './binance.js';
import { binanceStreamName, buildBinanceStreamUrl, runBinanceWs } from './binance-ws.js';
import { FeedError } from './errors.js';
import { feedEvents, type FeedStatus } from './live.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { BinanceQuote, FeedQuote } from './types.js';

// Frames written for these tests in the Binance USD-M combined-stream format (../shared/data/feeds/FORMATS.md
// §1.2): SOLUSDT on the 1 s stream, one a second from 2025-03-10 10:00:00 UTC.
const solFrame = (e: number, p: string): string =>
  `{"stream":"solusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":${e},"s":"SOLUSDT","p":"${p}","i":"${p}","P":"${p}","r":"0.00010000","T":1741622400000}}`;
const SOL_FRAMES = [
  solFrame(1741600800000, '126.38000000'),
  solFrame(1741600801000, '126.42000000'),
  solFrame(1741600802000, '126.40000000'),
  solFrame(1741600803000, '126.45000000'),
];
const backoff = { initialMs: 10, maxMs: 40 };
const streams = [binanceStreamName('BTCUSDT', 'markPrice'), binanceStreamName('ETHUSDT', 'markPrice@1s')];

let servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          for (const c of s.clients) c.terminate();
          s.close(() => resolve());
        }),
    ),
  );
  servers = [];
});

async function server(onConnection: (ws: WebSocket, n: number, url: string) => void, opts: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...opts });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let n = 0;
  wss.on('connection', (ws, req) => onConnection(ws, ++n, req.url ?? ''));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

describe('buildBinanceStreamUrl', () => {
  it('builds the routed combined-stream URL', () => {
    expect(buildBinanceStreamUrl({ baseUrl: 'wss://fstream.binance.com/', basePath: '/market', streams })).toBe(
      'wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice/ethusdt@markPrice@1s',
    );
    expect(buildBinanceStreamUrl({ baseUrl: 'wss://fstream.binance.com', basePath: '', streams: ['!forceOrder@arr'] })).toBe(
      'wss://fstream.binance.com/stream?streams=!forceOrder@arr',
    );
  });

  it('refuses empty, oversized and malformed stream lists', () => {
    const base = { baseUrl: 'wss://x', basePath: '/market' };
    expect(() => buildBinanceStreamUrl({ ...base, streams: [] })).toThrow(FeedError);
    expect(() => buildBinanceStreamUrl({ ...base, streams: Array.from({ length: 201 }, (_, i) => `s${i}@aggTrade`) })).toThrow(/exceed 200/);
    expect(() => buildBinanceStreamUrl({ ...base, streams: ['btcusdt markPrice'] })).toThrow(/bad stream name/);
  });
});

describe('runBinanceWs against a local server', () => {
  it('streams the frames, reconnects after a server close, drops a frame sent again and an older one', async () => {
    const paths: string[] = [];
    const base = await server((ws, n, url) => {
      paths.push(url);
      if (n === 1) {
        for (const f of SOL_FRAMES.slice(0, 3)) ws.send(f);
        ws.close(1001, 'going away');
      } else {
        for (const f of [SOL_FRAMES[2], SOL_FRAMES[1], SOL_FRAMES[3]]) ws.send(f ?? '');
      }
    });
    const url = buildBinanceStreamUrl({ baseUrl: base, basePath: '/market', streams: [binanceStreamName('SOLUSDT', 'markPrice@1s')] });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runBinanceWs({
      url,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 5_000,
      now: () => 42,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === 4) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(paths).toEqual(['/market/stream?streams=solusdt@markPrice@1s', '/market/stream?streams=solusdt@markPrice@1s']);
    // Messages are counted over the client's life: 1-3 on the first connection; on the second, 4 resends frame 3
    // (a duplicate), 5 resends frame 2 (older than frame 3: out of order) and 6 is frame 4.
    const sent = parseBinanceJsonl(SOL_FRAMES.join('\n'), { receivedTimeMs: 42 }).quotes;
    expect(quotes).toEqual(sent.map((q, i) => ({ ...q, messageNumber: i < 3 ? i + 1 : 6 })));
    expect(quotes.map((q) => q.price)).toEqual([12638000000n, 12642000000n, 12640000000n, 12645000000n].map((mantissa) => ({ mantissa, expo: -8 })));
    expect(statuses.flatMap((s) => (s.type === 'issue' ? [[s.issue.code, s.issue.messageNumber]] : []))).toEqual([
      ['duplicate', 4],
      ['out_of_order', 5],
    ]);
    expect(statuses.map((s) => (s.type === 'disconnected' ? `disconnected:${s.error.code}` : s.type === 'reconnecting' ? `reconnecting:${s.attempt}:${s.delayMs}` : s.type))).toEqual([
      'connecting',
      'connected',
      'disconnected:stream_ended',
      'reconnecting:1:10', // the connection had delivered: the backoff starts over
      'connecting',
      'connected',
      'issue',
      'issue',
      'stopped',
    ]);
  });

  it('reconnects when the server goes quiet (idle timeout)', async () => {
    const base = await server((ws, n) => {
      if (n === 2) ws.send(SOL_FRAMES[0] ?? '');
    });
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    const quotes: FeedQuote[] = [];
    await runBinanceWs({
      url: `${base}/stream?streams=btcusdt@markPrice`,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 50,
      onQuote: (q) => {
        quotes.push(q);
        ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(quotes).toHaveLength(1);
    expect(statuses.find((s) => s.type === 'disconnected')).toMatchObject({ error: { code: 'idle_timeout', retryable: true } });
    expect(statuses.filter((s) => s.type === 'connected')).toHaveLength(2);
  });

  it('stops on a rejected handshake (HTTP 403 is fatal)', async () => {
    const base = await server(() => {}, { verifyClient: (_info, cb) => cb(false, 403) });
    const statuses: FeedStatus[] = [];
    const err = await runBinanceWs({
      url: `${base}/stream?streams=btcusdt@markPrice`,
      signal: new AbortController().signal,
      backoff,
      idleTimeoutMs: 1_000,
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect(err).toMatchObject({ name: 'FeedError', code: 'http_status', status: 403, retryable: false });
    expect(statuses.map((s) => s.type)).toEqual(['connecting', 'disconnected', 'stopped']);
  });

  it('gives up after maxAttempts consecutive failures', async () => {
    const base = await server(() => {});
    const port = new URL(base).port;
    await new Promise<void>((resolve) => (servers.pop() as WebSocketServer).close(() => resolve())); // nothing listens now
    const statuses: FeedStatus[] = [];
    const err = await runBinanceWs({
      url: `ws://127.0.0.1:${port}/stream?streams=btcusdt@markPrice`,
      signal: new AbortController().signal,
      backoff: { initialMs: 1, maxMs: 4 },
      maxAttempts: 3,
      idleTimeoutMs: 1_000,
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'retries_exhausted', retryable: false });
    expect(statuses.filter((s) => s.type === 'reconnecting').map((s) => (s.type === 'reconnecting' ? s.delayMs : 0))).toEqual([2, 4]);
    expect(statuses[statuses.length - 1]).toMatchObject({ type: 'stopped', error: { code: 'retries_exhausted' } });
  });

  it('refuses a URL that does not parse, has another scheme or that ws refuses, at once and without retrying', async () => {
    const run = async (url: string) => {
      const statuses: FeedStatus[] = [];
      const err = await runBinanceWs({ url, signal: new AbortController().signal, backoff, idleTimeoutMs: 1_000, onQuote: () => {}, onStatus: (s) => statuses.push(s) }).catch(
        (e: unknown) => e,
      );
      return { err, kinds: statuses.map((s) => s.type) };
    };
    const notUrl = await run('notaurl');
    expect(notUrl.err).toMatchObject({ name: 'FeedError', code: 'bad_options', retryable: false, message: 'binance: "notaurl" is not a URL (expected ws://host/... or wss://host/...)' });
    expect(notUrl.kinds).toEqual(['stopped']);
    expect((await run('https://fstream.binance.com/stream')).err).toMatchObject({ code: 'bad_options', message: 'binance: "https://fstream.binance.com/stream" has scheme https: (expected ws: or wss:)' });
    const fragment = await run('ws://127.0.0.1:9/stream#x');
    expect(fragment.err).toMatchObject({ code: 'bad_options', retryable: false });
    expect(fragment.kinds).toEqual(['connecting', 'disconnected', 'stopped']);
  });
});

describe('runBinanceWs: the shared fixture binance-markprice.jsonl', () => {
  let frames: string[];
  let expected: BinanceQuote[];
  needsFeedFixtures(() => {
    frames = feedFixture('binance-markprice.jsonl').trim().split('\n');
    expected = parseBinanceJsonl(frames.join('\n'), { receivedTimeMs: 42 }).quotes;
  });

  it('replays the fixture, reconnects after a server close, drops the frames sent twice', async () => {
    const paths: string[] = [];
    const base = await server((ws, n, url) => {
      paths.push(url);
      if (n === 1) {
        for (const f of frames.slice(0, 8)) ws.send(f);
        ws.close(1001, 'going away');
      } else {
        for (const f of frames.slice(5)) ws.send(f); // frames 5..7 again
      }
    });
    const url = buildBinanceStreamUrl({ baseUrl: base, basePath: '/market', streams });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runBinanceWs({
      url,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 5_000,
      now: () => 42,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === frames.length) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(paths).toEqual(['/market/stream?streams=btcusdt@markPrice/ethusdt@markPrice@1s', '/market/stream?streams=btcusdt@markPrice/ethusdt@markPrice@1s']);
    // Each quote names the frame it came in: the first connection's 8 frames are messages 1-8; the second resends
    // frames 5-7 (messages 9-11, dropped) and goes on from frame 8 as message 12.
    expect(quotes).toEqual(expected.map((q, i) => ({ ...q, messageNumber: i < 8 ? i + 1 : i + 4 })));
    expect(quotes[0]?.price).toEqual({ mantissa: 9702820000000n, expo: -8 });
    expect(statuses.flatMap((s) => (s.type === 'issue' ? [s.issue.messageNumber] : []))).toEqual([9, 10, 11]);
    const summary = statuses.map((s) =>
      s.type === 'disconnected' ? `disconnected:${s.error.code}` : s.type === 'issue' ? `issue:${s.issue.code}` : s.type === 'reconnecting' ? `reconnecting:${s.attempt}:${s.delayMs}` : s.type === 'connecting' ? `connecting:${s.attempt}` : s.type,
    );
    expect(summary).toEqual([
      'connecting:1',
      'connected',
      'disconnected:stream_ended',
      'reconnecting:1:10',
      'connecting:1',
      'connected',
      'issue:out_of_order', // frame 5: ETH E=...443002 after ...444002 (frame 6) was accepted
      'issue:duplicate',
      'issue:duplicate',
      'stopped',
    ]);
    const d = statuses[2];
    expect(d?.type === 'disconnected' && d.error.message).toBe('binance: closed (1001 going away)');
  });

  it('works as an async iterator; breaking out closes the client', async () => {
    const base = await server((ws) => {
      for (const f of frames) ws.send(f);
    });
    const got: FeedQuote[] = [];
    const events = feedEvents((h, signal) => runBinanceWs({ url: `${base}/stream?streams=x@markPrice`, signal, backoff, idleTimeoutMs: 5_000, ...h }), {
      maxQueued: 100,
    });
    for await (const e of events) {
      if (e.type === 'quote') got.push(e.quote);
      if (got.length === 3) break;
    }
    expect(got.map((q) => q.publishTimeMs)).toEqual([1738534440001, 1738534440002, 1738534441002]);
  });
});
