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

describe('runReconnecting: failures that persist', () => {
  const hostNotFound = new FeedError('host_not_found', 'x: getaddrinfo ENOTFOUND x.invalid', { retryable: true, persistent: true });
  const dropped = new FeedError('stream_ended', 'x: closed', { retryable: true });

  it('gives up after maxPersistentFailures in a row (default 3), while transient failures retry without bound', async () => {
    // Sessions: 4 transient failures (retried, unbounded), then persistent ones: the third in a row ends it.
    const ends = [dropped, dropped, dropped, dropped, hostNotFound, hostNotFound, hostNotFound, dropped];
    let n = 0;
    const statuses: FeedStatus[] = [];
    const err = await runReconnecting({ signal: new AbortController().signal, backoff: { initialMs: 0, maxMs: 0 } }, 'u', (s) => statuses.push(s), async () => ({
      error: ends[n++] ?? dropped,
      progressed: false,
    })).catch((e: unknown) => e);
    expect(n).toBe(7);
    expect(err).toMatchObject({ code: 'retries_exhausted', retryable: false, message: 'u: gave up after 3 consecutive failures; last: x: getaddrinfo ENOTFOUND x.invalid' });
    expect(statuses[statuses.length - 1]).toMatchObject({ type: 'stopped', error: { code: 'retries_exhausted' } });
  });

  it('counts only persistent failures in a row: a transient one or a session with data in between starts again', async () => {
    const ends: [FeedError, boolean][] = [
      [hostNotFound, false],
      [hostNotFound, false],
      [dropped, false], // resets the persistent count
      [hostNotFound, false],
      [hostNotFound, true], // delivered data first: resets
      [hostNotFound, false],
      [hostNotFound, false],
    ];
    let n = 0;
    const ac = new AbortController();
    await runReconnecting({ signal: ac.signal, backoff: { initialMs: 0, maxMs: 0 }, maxPersistentFailures: 3 }, 'u', () => {}, async () => {
      const e = ends[n++];
      if (e === undefined) ac.abort();
      return { error: e?.[0] ?? dropped, progressed: e?.[1] ?? false };
    });
    expect(n).toBe(8); // never three in a row: ran until aborted
  });

  it('takes maxPersistentFailures from the option, and never more than maxAttempts', async () => {
    let n = 0;
    const fail = async () => ({ error: (n++, hostNotFound), progressed: false });
    await runReconnecting({ signal: new AbortController().signal, backoff: { initialMs: 0, maxMs: 0 }, maxPersistentFailures: 1 }, 'u', () => {}, fail).catch(() => {});
    expect(n).toBe(1);
    n = 0;
    await runReconnecting({ signal: new AbortController().signal, backoff: { initialMs: 0, maxMs: 0 }, maxPersistentFailures: 5, maxAttempts: 2 }, 'u', () => {}, fail).catch(() => {});
    expect(n).toBe(2);
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
