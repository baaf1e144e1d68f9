// Errors the live clients raise. Bad input lines are never errors (parsers return FeedIssues); a FeedError is a
// failure of the connection or the source itself, and says whether trying again can help.

import type { CodeName } from '../core/codes.js';
import { BailiffError } from '../errors.js';

/**
 * Stable codes (the `feed_error` vocabulary of the table of codes, src/core/codes.ts); never renamed or reused.
 * - bad_options: the caller's options are unusable (fatal).
 * - http_status: the server answered with a non-success HTTP status (fatal for 4xx other than 408/418/429).
 * - connect_failed: the connection could not be made or broke (retryable).
 * - idle_timeout: nothing arrived for longer than the idle limit (retryable).
 * - stream_ended: the server closed the stream (retryable; Binance and Hermes close after 24 h).
 * - rpc_error: the JSON-RPC node answered with an error object (retryable unless a request/method/params error).
 * - bad_response: a response that does not parse as the protocol says (fatal: retrying will not fix it).
 * - retries_exhausted: more consecutive failures than maxAttempts (or maxPersistentFailures) allows (fatal).
 * - host_not_found: the host name does not resolve (DNS ENOTFOUND). Retryable but persistent: a typo in a URL never
 *   resolves, so the clients give up after maxPersistentFailures of these in a row.
 * - tls_failed: the server's TLS certificate is refused (expired, self-signed, wrong host). Retryable, persistent.
 */
export type FeedErrorCode = CodeName<'feed_error'>;

export class FeedError extends BailiffError {
  override readonly name = 'FeedError';
  override readonly code: FeedErrorCode;
  /** true: a reconnect may succeed; false: fatal, the client stops. */
  readonly retryable: boolean;
  /**
   * A retryable failure that usually does not go away by itself (host not found, a refused certificate): the clients
   * try it again only a few times (maxPersistentFailures in a row).
   */
  readonly persistent: boolean;
  /** HTTP status, when code is http_status. */
  readonly status?: number;

  constructor(
    code: FeedErrorCode,
    message: string,
    opts: { retryable: boolean; persistent?: boolean; status?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable;
    this.persistent = opts.persistent ?? false;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** Node's error codes for a certificate the TLS layer refused. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The system error code of a failure, looking through fetch's wrapping (TypeError "fetch failed" with a cause). */
function systemCode(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Whether an HTTP status is worth retrying: 5xx, 408 (timeout), 418 and 429 (rate limit / ban, back off). */
export function httpStatusRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 418 || status === 429;
}

export function httpStatusError(status: number, what: string): FeedError {
  return new FeedError('http_status', `${what}: HTTP ${status}`, { retryable: httpStatusRetryable(status), status });
}

/**
 * Any thrown value as a FeedError: a host that does not resolve and a refused certificate are persistent; other
 * failures of I/O are taken as retryable connection failures.
 */
export function asFeedError(e: unknown, what: string): FeedError {
  if (e instanceof FeedError) return e;
  const code = systemCode(e);
  const message = e instanceof Error ? e.message : String(e);
  const cause = (e as { cause?: unknown } | null)?.cause;
  const detail = message === 'fetch failed' && cause instanceof Error ? cause.message : message;
  if (code === 'ENOTFOUND') return new FeedError('host_not_found', `${what}: ${detail}`, { retryable: true, persistent: true, cause: e });
  if (code !== undefined && TLS_CODES.has(code)) return new FeedError('tls_failed', `${what}: ${detail}`, { retryable: true, persistent: true, cause: e });
  return new FeedError('connect_failed', `${what}: ${detail}`, { retryable: true, cause: e });
}

/**
 * Checks a URL the caller gave before anything connects: one that does not parse, or has a scheme the client does
 * not speak, is a fatal bad_options error (retrying cannot fix it). undefined when the URL is usable.
 */
export function checkFeedUrl(url: string, schemes: readonly string[], what: string): FeedError | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return new FeedError('bad_options', `${what}: ${JSON.stringify(url)} is not a URL (expected ${schemes.map((p) => `${p}//host/...`).join(' or ')})`, { retryable: false });
  }
  if (!schemes.includes(parsed.protocol)) {
    return new FeedError('bad_options', `${what}: ${JSON.stringify(url)} has scheme ${parsed.protocol} (expected ${schemes.join(' or ')})`, { retryable: false });
  }
  return undefined;
}
