// Errors the live clients raise. Bad input lines are never errors (parsers return FeedIssues); a FeedError is a
// failure of the connection or the source itself, and says whether trying again can help.

import { BailiffError } from '../errors.js';

/**
 * Stable codes; never renamed or reused.
 * - bad_options: the caller's options are unusable (fatal).
 * - http_status: the server answered with a non-success HTTP status (fatal for 4xx other than 408/418/429).
 * - connect_failed: the connection could not be made or broke (retryable).
 * - idle_timeout: nothing arrived for longer than the idle limit (retryable).
 * - stream_ended: the server closed the stream (retryable; Binance and Hermes close after 24 h).
 * - rpc_error: the JSON-RPC node answered with an error object (retryable unless a request/method/params error).
 * - bad_response: a response that does not parse as the protocol says (fatal: retrying will not fix it).
 * - retries_exhausted: more consecutive failures than maxAttempts allows (fatal).
 */
export type FeedErrorCode =
  | 'bad_options'
  | 'http_status'
  | 'connect_failed'
  | 'idle_timeout'
  | 'stream_ended'
  | 'rpc_error'
  | 'bad_response'
  | 'retries_exhausted';

export class FeedError extends BailiffError {
  override readonly name = 'FeedError';
  override readonly code: FeedErrorCode;
  /** true: a reconnect may succeed; false: fatal, the client stops. */
  readonly retryable: boolean;
  /** HTTP status, when code is http_status. */
  readonly status?: number;

  constructor(
    code: FeedErrorCode,
    message: string,
    opts: { retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** Whether an HTTP status is worth retrying: 5xx, 408 (timeout), 418 and 429 (rate limit / ban, back off). */
export function httpStatusRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 418 || status === 429;
}

export function httpStatusError(status: number, what: string): FeedError {
  return new FeedError('http_status', `${what}: HTTP ${status}`, { retryable: httpStatusRetryable(status), status });
}

/** Any thrown value as a FeedError; unknown failures of I/O are taken as retryable connection failures. */
export function asFeedError(e: unknown, what: string): FeedError {
  if (e instanceof FeedError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new FeedError('connect_failed', `${what}: ${message}`, { retryable: true, cause: e });
}
