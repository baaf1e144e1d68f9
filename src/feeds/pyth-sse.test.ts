import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedError } from './errors.js';
import type { FeedStatus } from './live.js';
import { hermesLatestUrl, hermesStreamUrl, runPythSse } from './pyth-sse.js';
import { parsePythLatest, parsePythSseText } from './pyth.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { FeedQuote, PythQuote } from './types.js';

const BTC = 'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43';
const ETH = 'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace';
const symbols = { [BTC]: 'BTC/USD', [ETH]: 'ETH/USD' };

// Hermes messages written for these tests (../shared/data/feeds/FORMATS.md §2.1-2.2), values ours: one parsed entry
// per feed, mantissas with expo -8, times in seconds.
const entry = (id: string, price: string, conf: string, t: number, prev: number, slot: number): string =>
  `{"id":"${id}","price":{"price":"${price}","conf":"${conf}","expo":-8,"publish_time":${t}},"ema_price":{"price":"${price}","conf":"${conf}","expo":-8,"publish_time":${t}},"metadata":{"slot":${slot},"proof_available_time":${t + 1},"prev_publish_time":${prev}}}`;
const update = (...entries: string[]): string => `{"binary":{"encoding":"hex","data":["504e41550100"]},"parsed":[${entries.join(',')}]}`;
// /latest at 10:00:00 UTC: BTC 83,124.75 +- 31.0525, ETH 2,140.36 +- 1.125.
const INLINE_LATEST = update(
  entry(BTC, '8312475000000', '3105250000', 1741600800, 1741600799, 205112340),
  entry(ETH, '214036000000', '112500000', 1741600800, 1741600799, 205112340),
);
// The stream: event A (both, at :02), then the server closes; event B (ETH at :03, conf 42.702 on 2,135.10 =
// exactly 20,000 ppm) and event C (BTC at :04) on the next connection.
const INLINE_PART1 = `data:${update(entry(BTC, '8313010000000', '3101000000', 1741600802, 1741600800, 205112345), entry(ETH, '214020000000', '112000000', 1741600802, 1741600800, 205112345))}\n\n`;
const INLINE_PART2 =
  `data:${update(entry(ETH, '213510000000', '4270200000', 1741600803, 1741600802, 205112348))}\n\n` +
  `data:${update(entry(BTC, '8309020000000', '3350000000', 1741600804, 1741600802, 205112351))}\n\n`;
const backoff = { initialMs: 10, maxMs: 40 };

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  servers = [];
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function hermes(stream: Handler, latest?: Handler): Promise<string> {
  let streams = 0;
  let latests = 0;
  const s = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v2/updates/price/stream') stream(req, res, ++streams);
    else if (path === '/v2/updates/price/latest' && latest !== undefined) latest(req, res, ++latests);
    else res.writeHead(404).end();
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const sse = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
};

function summary(statuses: FeedStatus[]): string[] {
  return statuses.map((s) => {
    switch (s.type) {
      case 'connecting':
        return `connecting:${s.attempt}`;
      case 'disconnected':
        return `disconnected:${s.error.code}`;
      case 'reconnecting':
        return `reconnecting:${s.attempt}:${s.delayMs}`;
      case 'issue':
        return `issue:${s.issue.code}`;
      case 'warning':
        return `warning:${s.error.code}`;
      default:
        return s.type;
    }
  });
}

describe('Hermes URLs', () => {
  it('puts every id as ids[] without 0x, plus extra params', () => {
    expect(hermesStreamUrl({ baseUrl: 'https://hermes.pyth.network/', ids: ['0x' + BTC, ETH], params: { parsed: 'true' } })).toBe(
      `https://hermes.pyth.network/v2/updates/price/stream?ids%5B%5D=${BTC}&ids%5B%5D=${ETH}&parsed=true`,
    );
    expect(hermesLatestUrl({ baseUrl: 'http://h', ids: [BTC] })).toBe(`http://h/v2/updates/price/latest?ids%5B%5D=${BTC}`);
    expect(() => hermesStreamUrl({ baseUrl: 'http://h', ids: ['abc'] })).toThrow(FeedError);
    expect(() => hermesStreamUrl({ baseUrl: 'http://h', ids: [] })).toThrow(/ids/);
  });
});

describe('runPythSse against a local server', () => {
  it('streams inline events across a disconnect, re-reading /latest (older: dropped), flagging a conf over the cap', async () => {
    const base = await hermes(
      (_req, res, n) => {
        sse(res);
        if (n === 1) res.end(INLINE_PART1); // the server closes the stream
        else res.write(INLINE_PART2); // and stays open
      },
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(INLINE_LATEST),
    );
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runPythSse({
      url: hermesStreamUrl({ baseUrl: base, ids: [BTC, ETH] }),
      latestUrl: hermesLatestUrl({ baseUrl: base, ids: [BTC, ETH] }),
      readLatestOnStart: true,
      symbols,
      maxConfPpm: 10_000n,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 5_000,
      now: () => 7,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === 6) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    // Messages over the client's life: 1 /latest at start (BTC, ETH at :00); 2 event A (both at :02); the server
    // closes; 3 /latest again (both at :00, older than :02: dropped); 4 event B (ETH :03); 5 event C (BTC :04).
    expect(quotes.map((q) => [q.symbol, q.publishTimeMs - 1741600800000, q.messageNumber])).toEqual([
      ['BTC/USD', 0, 1],
      ['ETH/USD', 0, 1],
      ['BTC/USD', 2000, 2],
      ['ETH/USD', 2000, 2],
      ['ETH/USD', 3000, 4],
      ['BTC/USD', 4000, 5],
    ]);
    expect((quotes[4] as PythQuote).conf).toEqual({ mantissa: 4270200000n, expo: -8 });
    expect(quotes.every((q) => q.receivedTimeMs === 7)).toBe(true);
    expect(summary(statuses)).toEqual([
      'connecting:1',
      'connected',
      'disconnected:stream_ended',
      'reconnecting:1:10',
      'connecting:1',
      'issue:out_of_order', // /latest BTC at :00 after the stream's :02
      'issue:out_of_order', // /latest ETH likewise
      'connected',
      'issue:wide_confidence', // event B: 20,000 ppm over the 10,000 ppm cap; the quote is still delivered
      'stopped',
    ]);
    const wide = statuses.find((s) => s.type === 'issue' && s.issue.code === 'wide_confidence');
    expect(wide?.type === 'issue' && [wide.issue.messageNumber, wide.issue.message]).toEqual([4, 'ETH/USD: conf 42.702 is 20000 ppm of price 2135.1 (cap 10000 ppm)']);
  });

  it('stops on 404 (unknown feed id) and reports a failed /latest as a warning', async () => {
    const base = await hermes(
      (_req, res) => res.writeHead(404).end('Price ids not found'),
      (_req, res) => res.writeHead(500).end(),
    );
    const statuses: FeedStatus[] = [];
    const err = await runPythSse({
      url: hermesStreamUrl({ baseUrl: base, ids: [BTC] }),
      latestUrl: hermesLatestUrl({ baseUrl: base, ids: [BTC] }),
      readLatestOnStart: true,
      signal: new AbortController().signal,
      backoff,
      idleTimeoutMs: 1_000,
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FeedError', code: 'http_status', status: 404, retryable: false });
    expect(summary(statuses)).toEqual(['connecting:1', 'warning:http_status', 'disconnected:http_status', 'stopped']);
  });

  it('refuses a URL that does not parse, at once, without retrying', async () => {
    const statuses: FeedStatus[] = [];
    const err = await runPythSse({
      url: 'notaurl',
      signal: new AbortController().signal,
      backoff,
      idleTimeoutMs: 1_000,
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FeedError', code: 'bad_options', retryable: false, message: 'pyth: "notaurl" is not a URL (expected http://host/... or https://host/...)' });
    expect(summary(statuses)).toEqual(['stopped']);
  });

  it('gives up after maxPersistentFailures in a row of a host that does not resolve (default 3)', async () => {
    // fetch reports DNS failures as TypeError("fetch failed") caused by getaddrinfo ENOTFOUND; injected here so the
    // test does not depend on the machine's resolver.
    let calls = 0;
    const dnsFailure: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hermes.invalid'), { code: 'ENOTFOUND' }) });
    };
    const statuses: FeedStatus[] = [];
    const err = await runPythSse({
      url: hermesStreamUrl({ baseUrl: 'https://hermes.invalid', ids: [BTC] }),
      fetch: dnsFailure,
      signal: new AbortController().signal,
      backoff: { initialMs: 1, maxMs: 4 },
      idleTimeoutMs: 1_000,
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toMatchObject({ name: 'FeedError', code: 'retries_exhausted', retryable: false });
    expect((err as FeedError).message).toMatch(/gave up after 3 consecutive failures; last: pyth: stream: getaddrinfo ENOTFOUND hermes\.invalid$/);
    expect(summary(statuses).filter((s) => s.startsWith('disconnected'))).toEqual(['disconnected:host_not_found', 'disconnected:host_not_found', 'disconnected:host_not_found']);
  });
});

describe('runPythSse: the shared fixtures pyth-hermes-stream.txt and pyth-hermes-latest.json', () => {
  let streamText: string;
  let latestText: string;
  let part1: string;
  let part2: string;
  let streamQuotes: PythQuote[];
  let latestQuotes: PythQuote[];
  needsFeedFixtures(() => {
    streamText = feedFixture('pyth-hermes-stream.txt');
    latestText = feedFixture('pyth-hermes-latest.json');
    // Part 1: event 1, the keep-alive, event 2. Part 2: event 3, the error event, event 4.
    const cut = streamText.split('\n').slice(0, 6).join('\n').length + 1;
    part1 = streamText.slice(0, cut);
    part2 = streamText.slice(cut);
    streamQuotes = parsePythSseText(streamText, { symbols }).quotes;
    latestQuotes = parsePythLatest(latestText, { symbols }).quotes;
  });

  it('streams the fixture across a disconnect, re-reading /latest and dropping what is older', async () => {
    const seen: string[] = [];
    const base = await hermes(
      (req, res, n) => {
        seen.push(req.headers.accept ?? '');
        sse(res);
        if (n === 1) res.end(part1); // the server closes the stream
        else res.write(part2); // and stays open
      },
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(latestText),
    );
    const url = hermesStreamUrl({ baseUrl: base, ids: [BTC, ETH] });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runPythSse({
      url,
      latestUrl: hermesLatestUrl({ baseUrl: base, ids: [BTC, ETH] }),
      readLatestOnStart: true,
      symbols,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 5_000,
      now: () => 7,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === 9) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    const plain = quotes.map((q) => {
      const { receivedTimeMs: _r, messageNumber: _m, ...rest } = q;
      return rest;
    });
    expect(plain).toEqual([...latestQuotes, ...streamQuotes]);
    // Messages, counted over the client's life: 1 /latest at start (BTC, ETH); 2 event 1 (BTC, ETH); 3 event 2 (BTC);
    // the server closes; 4 /latest again (both older: dropped); 5 event 3; 6 the error event; 7 event 4.
    expect(quotes.map((q) => q.messageNumber)).toEqual([1, 1, 2, 2, 3, 5, 5, 7, 7]);
    expect(statuses.flatMap((s) => (s.type === 'issue' ? [[s.issue.code, s.issue.messageNumber]] : []))).toEqual([
      ['out_of_order', 4],
      ['out_of_order', 4],
      ['server_error', 6],
    ]);
    expect(quotes.every((q) => q.receivedTimeMs === 7)).toBe(true);
    expect(seen).toEqual(['text/event-stream', 'text/event-stream']);
    expect(summary(statuses)).toEqual([
      'connecting:1',
      'connected',
      'disconnected:stream_ended',
      'reconnecting:1:10',
      'connecting:1',
      'issue:out_of_order', // /latest BTC at ...445 after the stream's ...447
      'issue:out_of_order', // /latest ETH at ...445 after ...446
      'connected',
      'issue:server_error',
      'stopped',
    ]);
    const err = statuses.find((s) => s.type === 'issue' && s.issue.code === 'server_error');
    expect(err?.type === 'issue' && err.issue.message).toBe('pyth: Error receiving update: Lagged(3)');
  });

  it('retries a 503, reconnects after an idle stream, then reads', async () => {
    const base = await hermes((_req, res, n) => {
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) sse(res); // headers, then silence
      else {
        sse(res);
        res.write(streamText);
      }
    });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runPythSse({
      url: hermesStreamUrl({ baseUrl: base, ids: [BTC, ETH] }),
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 80,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === 7) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(quotes.map((q) => [q.source, q.publishTimeMs])).toEqual(streamQuotes.map((q) => [q.feedId, q.publishTimeMs]));
    expect(summary(statuses).filter((s) => !s.startsWith('issue'))).toEqual([
      'connecting:1',
      'disconnected:http_status',
      'reconnecting:2:20',
      'connecting:2',
      'connected',
      'disconnected:idle_timeout',
      'reconnecting:3:40',
      'connecting:3',
      'connected',
      'stopped',
    ]);
  });

  it('flags a confidence wider than maxConfPpm of the price (the quote is still delivered), naming the message', async () => {
    // Event 3 of the fixture: ETH conf 70.465 on 2710.2033 is 25 999 ppm (2.6%); event 4 repeats it. A 10x-the-price
    // conf, sent after them as message 5, is 10 000 000 ppm. Cap 1% = 10 000 ppm: the three are flagged; BTC is not.
    const tenX = JSON.parse(part2.split('\n').find((l) => l.startsWith('data:{')) ?.slice(5) ?? '{}') as { parsed: { price: { price: string; conf: string; publish_time: number } }[] };
    const eth = tenX.parsed.find((p) => p.price !== undefined && (p as unknown as { id: string }).id === ETH);
    if (eth === undefined) throw new Error('fixture: no ETH in event 3');
    eth.price.conf = (BigInt(eth.price.price) * 10n).toString();
    eth.price.publish_time += 60;
    tenX.parsed = [eth];
    const base = await hermes((_req, res) => {
      sse(res);
      res.write(streamText + `data:${JSON.stringify(tenX)}\n\n`);
    });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runPythSse({
      url: hermesStreamUrl({ baseUrl: base, ids: [BTC, ETH] }),
      symbols,
      maxConfPpm: 10_000n,
      signal: ac.signal,
      backoff,
      idleTimeoutMs: 5_000,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === streamQuotes.length + 1) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(quotes).toHaveLength(streamQuotes.length + 1);
    const wide = statuses.flatMap((s) => (s.type === 'issue' && s.issue.code === 'wide_confidence' ? [s.issue] : []));
    expect(wide.map((i) => [i.symbol, i.messageNumber])).toEqual([
      ['ETH/USD', 3],
      ['ETH/USD', 5],
      ['ETH/USD', 6],
    ]);
    expect(wide[0]?.message).toMatch(/is 25999 ppm of price 2710\.2033 \(cap 10000 ppm\)$/);
    expect(wide[2]?.message).toMatch(/is 10000000 ppm of price/);
  });
});
