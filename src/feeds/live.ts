// What the live clients share: status events (clients log nothing; they report), bounded exponential backoff, an
// abortable sleep, the reconnect loop, and an adapter from callbacks to a bounded async iterator.

import { FeedError } from './errors.js';
import type { FeedIssue, FeedQuote } from './types.js';

/** What a live client reports besides quotes. */
export type FeedStatus =
  /** A connection (or, for the poller, a first call) is being attempted; attempt counts from 1 after each success. */
  | { readonly type: 'connecting'; readonly attempt: number; readonly url: string }
  | { readonly type: 'connected'; readonly url: string }
  /** The connection ended or a call failed; `error` says why and whether it is retryable. */
  | { readonly type: 'disconnected'; readonly error: FeedError }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  /** A frame or quote was refused or dropped (parse issue, duplicate, out of order, server error event). */
  | { readonly type: 'issue'; readonly issue: FeedIssue }
  /** A side request failed without ending the connection (e.g. the Pyth /latest re-read). */
  | { readonly type: 'warning'; readonly error: FeedError }
  /** The client stopped: on abort (no error) or on a fatal error. Always the last status. */
  | { readonly type: 'stopped'; readonly error?: FeedError };

export interface FeedHandlers {
  readonly onQuote: (quote: FeedQuote) => void;
  readonly onStatus?: (status: FeedStatus) => void;
}

export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Cap on any delay. */
  readonly maxMs: number;
  /** Growth per attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay drawn at random and subtracted (0..1); default 0 (deterministic). */
  readonly jitter?: number;
  /** Source of randomness for jitter; default Math.random. */
  readonly random?: () => number;
}

/** Delay before retry number `attempt` (1-based): min(maxMs, initialMs x factor^(attempt-1)), less jitter. */
export function backoffDelayMs(attempt: number, o: BackoffOptions): number {
  const factor = o.factor ?? 2;
  const exp = Math.max(0, attempt - 1);
  const raw = o.initialMs * Math.pow(factor, Math.min(exp, 64));
  const capped = Math.min(o.maxMs, Number.isFinite(raw) ? raw : o.maxMs);
  const jitter = Math.min(1, Math.max(0, o.jitter ?? 0));
  if (jitter === 0) return Math.round(capped);
  const r = (o.random ?? Math.random)();
  return Math.round(capped * (1 - jitter * r));
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Persistent failures (host not found, a refused certificate) tolerated in a row by default. */
export const DEFAULT_MAX_PERSISTENT_FAILURES = 3;

export interface ReconnectOptions {
  readonly signal: AbortSignal;
  readonly backoff: BackoffOptions;
  /** Consecutive failed attempts tolerated before giving up (fatal retries_exhausted). Default: unlimited. */
  readonly maxAttempts?: number;
  /**
   * Consecutive failures that usually persist (FeedError.persistent: a host that does not resolve, a refused TLS
   * certificate) tolerated before giving up (retries_exhausted). Default DEFAULT_MAX_PERSISTENT_FAILURES (3).
   */
  readonly maxPersistentFailures?: number;
}

/** The limit on persistent failures in a row: the option, else the default, never above maxAttempts. */
export function persistentFailureLimit(opts: ReconnectOptions): number {
  return Math.min(opts.maxPersistentFailures ?? DEFAULT_MAX_PERSISTENT_FAILURES, opts.maxAttempts ?? Number.POSITIVE_INFINITY);
}

/** A client that cannot start (bad options): reports `stopped` with the error, then throws it, as fatal errors do. */
export function stopBeforeStart(status: (s: FeedStatus) => void, error: FeedError): never {
  status({ type: 'stopped', error });
  throw error;
}

/** One connection's outcome: why it ended, and whether it delivered anything (which resets the attempt count). */
export interface SessionEnd {
  readonly error: FeedError;
  readonly progressed: boolean;
  /** A server-requested minimum delay before the next attempt (SSE `retry:`). */
  readonly retryAfterMs?: number;
}

/**
 * Runs `connect` until the signal aborts (resolves) or a fatal error (rejects with it). Between sessions it waits
 * with bounded exponential backoff. Status events: connecting, disconnected, reconnecting, stopped.
 */
export async function runReconnecting(
  opts: ReconnectOptions,
  url: string,
  status: (s: FeedStatus) => void,
  connect: (attempt: number) => Promise<SessionEnd>,
): Promise<void> {
  let attempt = 1;
  let persistentInARow = 0;
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  const maxPersistent = persistentFailureLimit(opts);
  const stop = (error?: FeedError): void => status(error === undefined ? { type: 'stopped' } : { type: 'stopped', error });
  while (!opts.signal.aborted) {
    status({ type: 'connecting', attempt, url });
    const end = await connect(attempt);
    if (opts.signal.aborted) break;
    status({ type: 'disconnected', error: end.error });
    if (!end.error.retryable) {
      stop(end.error);
      throw end.error;
    }
    if (end.progressed) attempt = 1;
    else attempt++;
    persistentInARow = end.error.persistent && !end.progressed ? persistentInARow + 1 : 0;
    if (attempt > maxAttempts || persistentInARow >= maxPersistent) {
      const n = persistentInARow >= maxPersistent ? persistentInARow : attempt - 1;
      const e = new FeedError('retries_exhausted', `${url}: gave up after ${n} consecutive failures; last: ${end.error.message}`, {
        retryable: false,
        cause: end.error,
      });
      stop(e);
      throw e;
    }
    const delayMs = Math.max(backoffDelayMs(attempt, opts.backoff), end.retryAfterMs ?? 0);
    status({ type: 'reconnecting', attempt, delayMs });
    if (!(await sleep(delayMs, opts.signal))) break;
  }
  stop();
}

/** An AbortController that also aborts when `parent` does; `dispose` unlinks it. */
export function childController(parent: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** An item of a feed's async iteration. */
export type FeedEvent =
  | { readonly type: 'quote'; readonly quote: FeedQuote }
  | FeedStatus
  /** The consumer fell behind: this many events were dropped since the last delivered one. */
  | { readonly type: 'overflow'; readonly dropped: number };

export interface FeedEventsOptions {
  /** Events buffered for a slow consumer; beyond it, new events are dropped and counted (an overflow event). */
  readonly maxQueued: number;
  readonly signal?: AbortSignal;
}

/**
 * Turns a callback client into an async iterator:
 *   for await (const e of feedEvents((h, signal) => runBinanceWs({ ...opts, ...h, signal }), { maxQueued: 10_000 }))
 * Breaking out of the loop aborts the client. A fatal client error is thrown from the iterator after the events
 * before it (including the final `stopped`) were delivered.
 */
export function feedEvents(
  start: (handlers: Required<FeedHandlers>, signal: AbortSignal) => Promise<void>,
  opts: FeedEventsOptions,
): AsyncIterableIterator<FeedEvent> {
  if (!(opts.maxQueued >= 1)) throw new RangeError('feedEvents: maxQueued must be >= 1');
  const { controller, dispose } = childController(opts.signal ?? new AbortController().signal);
  const queue: FeedEvent[] = [];
  let dropped = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const push = (e: FeedEvent): void => {
    // The final `stopped` is always kept; anything else beyond the bound is counted, and the count is delivered
    // (as an overflow event) in the place of the dropped events, before the next one that fits.
    if (queue.length >= opts.maxQueued && e.type !== 'stopped') {
      dropped++;
      return;
    }
    if (dropped > 0) {
      queue.push({ type: 'overflow', dropped });
      dropped = 0;
    }
    queue.push(e);
    wake?.();
  };
  const running = start({ onQuote: (quote) => push({ type: 'quote', quote }), onStatus: push }, controller.signal).then(
    () => {
      done = true;
      wake?.();
    },
    (e: unknown) => {
      done = true;
      failure = e;
      wake?.();
    },
  );
  const it: AsyncIterableIterator<FeedEvent> = {
    [Symbol.asyncIterator]() {
      return it;
    },
    async next(): Promise<IteratorResult<FeedEvent>> {
      while (true) {
        const e = queue.shift();
        if (e !== undefined) return { done: false, value: e };
        if (dropped > 0) {
          const n = dropped;
          dropped = 0;
          return { done: false, value: { type: 'overflow', dropped: n } };
        }
        if (done) {
          dispose();
          if (failure !== undefined) {
            const f = failure;
            failure = undefined;
            throw f;
          }
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<FeedEvent>> {
      controller.abort();
      await running;
      dispose();
      done = true;
      queue.length = 0;
      return { done: true, value: undefined };
    },
  };
  return it;
}
