// Live Binance USD-M market streams over WebSocket (the `ws` package): one combined-stream connection, reconnect with
// bounded backoff, an idle watchdog, out-of-order drop. Emits FeedQuotes and status events; logs nothing.

import WebSocket from 'ws';
import { parseBinanceMessage } from './binance.js';
import { FeedError, asFeedError, checkFeedUrl, httpStatusError } from './errors.js';
import { OrderGuard } from './guards.js';
import { runReconnecting, stopBeforeStart, type FeedHandlers, type FeedStatus, type ReconnectOptions, type SessionEnd } from './live.js';

/** Binance's limit of streams on one connection. */
export const BINANCE_STREAMS_PER_CONNECTION_MAX = 200;

export type BinanceStreamKind = 'markPrice' | 'markPrice@1s' | 'bookTicker' | 'aggTrade' | 'forceOrder';

/** "BTCUSDT", "markPrice@1s" -> "btcusdt@markPrice@1s" (stream names use lowercase symbols). */
export function binanceStreamName(symbol: string, kind: BinanceStreamKind): string {
  return `${symbol.toLowerCase()}@${kind}`;
}

export interface BinanceStreamUrlOptions {
  /** e.g. "wss://fstream.binance.com" (or a local test server). */
  readonly baseUrl: string;
  /**
   * Routed path prefix: "/market" for regular market data such as markPrice (the legacy unrouted URLs retire on
   * 2026-04-23), "/public" for high-frequency data, "" for the legacy layout.
   */
  readonly basePath: string;
  readonly streams: readonly string[];
}

/** The combined-stream URL: <baseUrl><basePath>/stream?streams=a/b/c. Throws a fatal FeedError on bad options. */
export function buildBinanceStreamUrl(o: BinanceStreamUrlOptions): string {
  if (o.streams.length === 0) throw new FeedError('bad_options', 'binance: no streams', { retryable: false });
  if (o.streams.length > BINANCE_STREAMS_PER_CONNECTION_MAX) {
    throw new FeedError('bad_options', `binance: ${o.streams.length} streams exceed ${BINANCE_STREAMS_PER_CONNECTION_MAX} per connection`, {
      retryable: false,
    });
  }
  for (const s of o.streams) {
    if (!/^(?:![A-Za-z]+|[a-z0-9_]+)@[A-Za-z0-9@_]+$/.test(s)) throw new FeedError('bad_options', `binance: bad stream name ${JSON.stringify(s)}`, { retryable: false });
  }
  const base = o.baseUrl.replace(/\/+$/, '');
  const path = o.basePath === '' ? '' : '/' + o.basePath.replace(/^\/+|\/+$/g, '');
  return `${base}${path}/stream?streams=${o.streams.join('/')}`;
}

export interface BinanceWsOptions extends ReconnectOptions, FeedHandlers {
  /** The full stream URL (see buildBinanceStreamUrl). */
  readonly url: string;
  /** Reconnect when nothing (data or ping) arrives for this long. Binance pings every 3 min; markPrice ticks every 1-3 s. */
  readonly idleTimeoutMs: number;
  /** Handshake deadline; default 10 s. */
  readonly handshakeTimeoutMs?: number;
  /** Drop frames not newer than the last per symbol (guards.ts OrderGuard); default true. */
  readonly dropOutOfOrder?: boolean;
  /** Clock for receivedTimeMs; default Date.now. */
  readonly now?: () => number;
}

function rawToText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Streams until `signal` aborts (resolves) or a fatal error (rejects with a FeedError, after a `stopped` status).
 * Reconnects on close, error or idle timeout; a 4xx handshake answer (other than 408/418/429) is fatal, and so is a
 * URL that does not parse as ws:// or wss://. Issues and quotes carry the number of the frame they came in
 * (counted from 1 over the client's life, across reconnects).
 */
export async function runBinanceWs(opts: BinanceWsOptions): Promise<void> {
  const status = (s: FeedStatus): void => opts.onStatus?.(s);
  const badUrl = checkFeedUrl(opts.url, ['ws:', 'wss:'], 'binance');
  if (badUrl !== undefined) stopBeforeStart(status, badUrl);
  const now = opts.now ?? Date.now;
  const guard = opts.dropOutOfOrder === false ? undefined : new OrderGuard();
  let messageNumber = 0;

  const connect = (): Promise<SessionEnd> =>
    new Promise<SessionEnd>((resolve) => {
      let progressed = false;
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      let ws: WebSocket;
      try {
        ws = new WebSocket(opts.url, { handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000, perMessageDeflate: false });
      } catch (e) {
        // The ws package refuses some URLs that parse (a #fragment, for one): as fatal as an unparsable URL.
        resolve({ error: new FeedError('bad_options', `binance: ${(e as Error).message}`, { retryable: false, cause: e }), progressed: false });
        return;
      }

      const finish = (error: FeedError): void => {
        if (settled) return;
        settled = true;
        if (idle !== undefined) clearTimeout(idle);
        opts.signal.removeEventListener('abort', onAbort);
        ws.terminate();
        resolve({ error, progressed });
      };
      const armIdle = (): void => {
        if (idle !== undefined) clearTimeout(idle);
        idle = setTimeout(
          () => finish(new FeedError('idle_timeout', `binance: nothing received for ${opts.idleTimeoutMs} ms`, { retryable: true })),
          opts.idleTimeoutMs,
        );
      };
      const onAbort = (): void => finish(new FeedError('stream_ended', 'binance: aborted', { retryable: false }));
      opts.signal.addEventListener('abort', onAbort, { once: true });

      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        finish(httpStatusError(res.statusCode ?? 0, 'binance: websocket handshake'));
      });
      ws.on('open', () => {
        status({ type: 'connected', url: opts.url });
        armIdle();
      });
      ws.on('ping', armIdle);
      ws.on('message', (data) => {
        if (settled) return;
        progressed = true;
        armIdle();
        messageNumber++;
        const r = parseBinanceMessage(rawToText(data), { receivedTimeMs: now() });
        for (const issue of r.issues) status({ type: 'issue', issue: { ...issue, messageNumber } });
        for (const parsed of r.quotes) {
          const q = { ...parsed, messageNumber };
          const dropped = guard?.check(q);
          if (dropped === undefined) opts.onQuote(q);
          else status({ type: 'issue', issue: { code: dropped.code, message: dropped.message, symbol: q.symbol, atMs: q.publishTimeMs, messageNumber } });
        }
      });
      ws.on('close', (code, reason) => {
        finish(new FeedError('stream_ended', `binance: closed (${code}${reason.length > 0 ? ` ${reason.toString('utf8')}` : ''})`, { retryable: true }));
      });
      ws.on('error', (err) => finish(asFeedError(err, 'binance')));
    });

  await runReconnecting(opts, opts.url, status, connect);
}
