// Live Pyth Hermes price stream over Server-Sent Events (global fetch + eventsource-parser). Reconnects when the
// server closes (Hermes does after 24 h) or the stream goes quiet, and can re-read /v2/updates/price/latest on each
// reconnect to fill the gap. Emits FeedQuotes and status events; logs nothing.

import { FeedError, asFeedError, checkFeedUrl, httpStatusError } from './errors.js';
import { checkConfidence, OrderGuard } from './guards.js';
import { childController, runReconnecting, stopBeforeStart, type FeedHandlers, type FeedStatus, type ReconnectOptions, type SessionEnd } from './live.js';
import { PythSseDecoder, normalizePythId, parsePythLatest, type PythParseOptions } from './pyth.js';
import type { FeedIssue, FeedQuote } from './types.js';

export interface HermesUrlOptions {
  /** e.g. "https://hermes.pyth.network" (or a local test server). */
  readonly baseUrl: string;
  readonly ids: readonly string[];
  /** Extra query parameters (encoding, parsed, allow_unordered, benchmarks_only, ignore_invalid_price_ids). */
  readonly params?: Readonly<Record<string, string>>;
}

/** Feed ids per request; Hermes URLs grow by ~75 characters per id. */
export const HERMES_IDS_PER_REQUEST_MAX = 100;

function hermesUrl(path: string, o: HermesUrlOptions): string {
  if (o.ids.length === 0 || o.ids.length > HERMES_IDS_PER_REQUEST_MAX) {
    throw new FeedError('bad_options', `pyth: ${o.ids.length} ids (need 1..${HERMES_IDS_PER_REQUEST_MAX})`, { retryable: false });
  }
  const q = new URLSearchParams();
  for (const id of o.ids) {
    const n = normalizePythId(id);
    if (!/^[0-9a-f]{64}$/.test(n)) throw new FeedError('bad_options', `pyth: bad feed id ${JSON.stringify(id)}`, { retryable: false });
    q.append('ids[]', n);
  }
  for (const [k, v] of Object.entries(o.params ?? {})) q.append(k, v);
  return `${o.baseUrl.replace(/\/+$/, '')}${path}?${q.toString()}`;
}

/** GET /v2/updates/price/stream?ids[]=... */
export function hermesStreamUrl(o: HermesUrlOptions): string {
  return hermesUrl('/v2/updates/price/stream', o);
}

/** GET /v2/updates/price/latest?ids[]=... */
export function hermesLatestUrl(o: HermesUrlOptions): string {
  return hermesUrl('/v2/updates/price/latest', o);
}

export interface PythSseOptions extends ReconnectOptions, FeedHandlers, PythParseOptions {
  /** The stream URL (see hermesStreamUrl). */
  readonly url: string;
  /** If set, re-read on every reconnect (and first, if readLatestOnStart) so the gap is filled. */
  readonly latestUrl?: string;
  readonly readLatestOnStart?: boolean;
  /** Reconnect when nothing (events or keep-alive comments) arrives for this long. */
  readonly idleTimeoutMs: number;
  /** Deadline of one /latest request; default 10 s. */
  readonly latestTimeoutMs?: number;
  /** Drop updates older than the last per feed (guards.ts OrderGuard); default true. */
  readonly dropOutOfOrder?: boolean;
  /**
   * Flag (a `wide_confidence` issue; the quote is still delivered) an update whose conf / price exceeds this share,
   * in ppm (10 000 = 1%). Unset: no check here (a market's own guard may still pause on it).
   */
  readonly maxConfPpm?: bigint;
  readonly eventCharsMax?: number;
  /** Clock for receivedTimeMs; default Date.now. */
  readonly now?: () => number;
  /** fetch implementation; default the global one. */
  readonly fetch?: typeof fetch;
}

/**
 * Streams until `signal` aborts (resolves) or a fatal error (rejects with a FeedError, after a `stopped` status).
 * Hermes `event:error` lines become `issue` statuses (server_error); the connection stays up. A URL that does not
 * parse as http(s) is fatal at once. Issues and quotes carry the number of the message they came in (an SSE event
 * or a /latest response, counted from 1 over the client's life).
 */
export async function runPythSse(opts: PythSseOptions): Promise<void> {
  const status = (s: FeedStatus): void => opts.onStatus?.(s);
  for (const url of opts.latestUrl === undefined ? [opts.url] : [opts.url, opts.latestUrl]) {
    const bad = checkFeedUrl(url, ['http:', 'https:'], 'pyth');
    if (bad !== undefined) stopBeforeStart(status, bad);
  }
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const guard = opts.dropOutOfOrder === false ? undefined : new OrderGuard();
  const parseOpts: PythParseOptions = opts.symbols !== undefined ? { symbols: opts.symbols } : {};
  let retryHintMs: number | undefined;
  let messageNumber = 0;
  const issue = (i: FeedIssue): void => status({ type: 'issue', issue: { ...i, messageNumber } });

  const deliver = (parsed: FeedQuote): void => {
    const q = { ...parsed, messageNumber };
    const dropped = guard?.check(q);
    if (dropped !== undefined) {
      issue({ code: dropped.code, message: dropped.message, symbol: q.symbol, atMs: q.publishTimeMs });
      return;
    }
    if (opts.maxConfPpm !== undefined) {
      for (const wide of checkConfidence([q], { maxConfPpm: opts.maxConfPpm })) {
        const { index: _index, ...flag } = wide;
        issue(flag);
      }
    }
    opts.onQuote(q);
  };

  const decoder = new PythSseDecoder({ ...parseOpts, now, ...(opts.eventCharsMax !== undefined ? { eventCharsMax: opts.eventCharsMax } : {}) }, (e) => {
    switch (e.type) {
      case 'update':
        messageNumber++;
        for (const i of e.result.issues) issue(i);
        for (const q of e.result.quotes) deliver(q);
        break;
      case 'issue':
        messageNumber++;
        issue(e.issue);
        break;
      case 'retry':
        retryHintMs = e.ms;
        break;
      case 'comment':
        break;
    }
  });

  const readLatest = async (latestUrl: string): Promise<void> => {
    const { controller, dispose } = childController(opts.signal);
    const timer = setTimeout(() => controller.abort(), opts.latestTimeoutMs ?? 10_000);
    try {
      const res = await doFetch(latestUrl, { signal: controller.signal, headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel();
        throw httpStatusError(res.status, 'pyth: /latest');
      }
      const text = await res.text();
      messageNumber++;
      const r = parsePythLatest(text, { ...parseOpts, receivedTimeMs: now() });
      for (const i of r.issues) issue(i);
      for (const q of r.quotes) deliver(q);
    } catch (e) {
      if (!opts.signal.aborted) status({ type: 'warning', error: asFeedError(e, 'pyth: /latest') });
    } finally {
      clearTimeout(timer);
      dispose();
    }
  };

  let sessions = 0;
  const connect = async (): Promise<SessionEnd> => {
    sessions++;
    if (opts.latestUrl !== undefined && (sessions > 1 || opts.readLatestOnStart === true)) await readLatest(opts.latestUrl);
    const { controller, dispose } = childController(opts.signal);
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const armIdle = (): void => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        controller.abort();
      }, opts.idleTimeoutMs);
    };
    let progressed = false;
    const end = (error: FeedError): SessionEnd => {
      const hint = retryHintMs;
      return hint === undefined ? { error, progressed } : { error, progressed, retryAfterMs: hint };
    };
    decoder.reset();
    try {
      armIdle();
      const res = await doFetch(opts.url, { signal: controller.signal, headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' } });
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        return end(res.ok ? new FeedError('bad_response', 'pyth: stream has no body', { retryable: true }) : httpStatusError(res.status, 'pyth: stream'));
      }
      status({ type: 'connected', url: opts.url });
      const text = new TextDecoder('utf-8');
      for await (const chunk of res.body) {
        progressed = true;
        armIdle();
        decoder.feed(text.decode(chunk, { stream: true }));
        if (decoder.broken) {
          controller.abort();
          return end(new FeedError('bad_response', 'pyth: SSE event exceeds the buffer limit', { retryable: true }));
        }
      }
      return end(new FeedError('stream_ended', 'pyth: server closed the stream', { retryable: true }));
    } catch (e) {
      if (idleFired) return end(new FeedError('idle_timeout', `pyth: nothing received for ${opts.idleTimeoutMs} ms`, { retryable: true }));
      return end(asFeedError(e, 'pyth: stream'));
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      if (!controller.signal.aborted) controller.abort();
      dispose();
    }
  };

  await runReconnecting(opts, opts.url, status, connect);
}
