import { describe, expect, it } from 'vitest';
import { FeedError } from './errors.js';
import { backoffDelayMs, feedEvents, runReconnecting, sleep, type FeedEvent, type FeedStatus } from './live.js';
import type { FeedQuote } from './types.js';

const quote = (t: number): FeedQuote => ({
  feed: 'kline',
  kind: 'kline',
  source: 's',
  symbol: 'X',
  price: { mantissa: 1n, expo: 0 },
  publishTimeMs: t,
  open: { mantissa: 1n, expo: 0 },
  high: { mantissa: 1n, expo: 0 },
  low: { mantissa: 1n, expo: 0 },
  close: { mantissa: 1n, expo: 0 },
  volume: { mantissa: 1n, expo: 0 },
  openTimeMs: t,
  closeTimeMs: t,
  step: 'close',
});

describe('backoffDelayMs', () => {
  it('grows exponentially and stays bounded', () => {
    const o = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50, 10_000].map((a) => backoffDelayMs(a, o))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(backoffDelayMs(3, { initialMs: 10, maxMs: 1_000, factor: 3 })).toBe(90);
  });

  it('subtracts at most the jitter fraction', () => {
    expect(backoffDelayMs(4, { initialMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 1 })).toBe(400);
    expect(backoffDelayMs(4, { initialMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 0 })).toBe(800);
  });
});

describe('sleep', () => {
  it('resolves false at once when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
});

describe('runReconnecting', () => {
  it('resets the attempt count after a session that delivered data', async () => {
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    const progressed = [false, true, false, false];
    let n = 0;
    await runReconnecting({ signal: ac.signal, backoff: { initialMs: 1, maxMs: 100 } }, 'u', (s) => statuses.push(s), async () => {
      const p = progressed[n++];
      if (p === undefined) ac.abort();
      return { error: new FeedError('stream_ended', 'x', { retryable: true }), progressed: p ?? false };
    });
    expect(statuses.filter((s) => s.type === 'connecting').map((s) => (s.type === 'connecting' ? s.attempt : 0))).toEqual([1, 2, 1, 2, 3]);
    expect(statuses[statuses.length - 1]).toEqual({ type: 'stopped' });
  });
});

describe('feedEvents', () => {
  it('delivers quotes and statuses in order, then ends', async () => {
    const events: FeedEvent[] = [];
    for await (const e of feedEvents(
      async (h) => {
        h.onQuote(quote(1));
        h.onStatus({ type: 'connected', url: 'u' });
        h.onQuote(quote(2));
        h.onStatus({ type: 'stopped' });
      },
      { maxQueued: 10 },
    )) {
      events.push(e);
    }
    expect(events.map((e) => (e.type === 'quote' ? e.quote.publishTimeMs : e.type))).toEqual([1, 'connected', 2, 'stopped']);
  });

  it('bounds the queue and reports what it dropped; never drops the final stopped', async () => {
    const events: FeedEvent[] = [];
    for await (const e of feedEvents(
      async (h) => {
        for (let t = 1; t <= 10; t++) h.onQuote(quote(t));
        h.onStatus({ type: 'stopped' });
      },
      { maxQueued: 3 },
    )) {
      events.push(e);
    }
    expect(events.map((e) => (e.type === 'quote' ? e.quote.publishTimeMs : e.type === 'overflow' ? `overflow:${e.dropped}` : e.type))).toEqual([
      1,
      2,
      3,
      'overflow:7',
      'stopped',
    ]);
  });

  it('throws a fatal error after delivering what came before it', async () => {
    const got: string[] = [];
    const fatal = new FeedError('http_status', 'HTTP 401', { retryable: false, status: 401 });
    const it = feedEvents(
      async (h) => {
        h.onStatus({ type: 'stopped', error: fatal });
        throw fatal;
      },
      { maxQueued: 10 },
    );
    await expect(
      (async () => {
        for await (const e of it) got.push(e.type);
      })(),
    ).rejects.toBe(fatal);
    expect(got).toEqual(['stopped']);
  });

  it('aborts the client when the consumer stops early', async () => {
    let aborted = false;
    const it = feedEvents(
      (h, signal) =>
        new Promise<void>((resolve) => {
          h.onQuote(quote(1));
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
      { maxQueued: 10 },
    );
    for await (const _e of it) break;
    expect(aborted).toBe(true);
  });
});

describe('FeedError', () => {
  it('has a literal name, a stable code and a retryable flag', () => {
    const e = new FeedError('idle_timeout', 'quiet', { retryable: true });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.retryable, e.message]).toEqual(['FeedError', 'idle_timeout', true, 'quiet']);
  });
});
