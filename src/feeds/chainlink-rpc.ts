// Live Chainlink feed by polling a JSON-RPC node: eth_call of decimals() once (again after a phase change, since the
// proxy then points at a new aggregator) and of latestRoundData() every interval. A quote is emitted when the round
// id changes. Failed calls back off (bounded, exponential) and resume. Emits FeedQuotes and status events.

import { CHAINLINK_SELECTORS, chainlinkRoundToQuote, decodeDecimals, decodeRoundData, splitRoundId } from './chainlink.js';
import { FeedError, asFeedError, checkFeedUrl, httpStatusError } from './errors.js';
import { OrderGuard } from './guards.js';
import { backoffDelayMs, childController, persistentFailureLimit, sleep, stopBeforeStart, type FeedHandlers, type FeedStatus, type ReconnectOptions } from './live.js';

export interface EthCallOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly id: number;
  /** Block tag; default "latest". */
  readonly block?: string;
  readonly fetch?: typeof fetch;
}

/** JSON-RPC error codes that mean the request itself is wrong: retrying cannot help. */
const FATAL_RPC_CODES = new Set([-32600, -32601, -32602]);
/** Response bodies accepted (a latestRoundData answer is < 1 KiB). */
export const RPC_RESPONSE_CHARS_MAX = 1_000_000;

/** eth_call(to, data) -> the hex return. Throws FeedError (retryable or fatal) on any failure. */
export async function ethCall(rpcUrl: string, to: string, data: string, o: EthCallOptions): Promise<string> {
  const { controller, dispose } = childController(o.signal);
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  try {
    const body = JSON.stringify({ jsonrpc: '2.0', id: o.id, method: 'eth_call', params: [{ to, data }, o.block ?? 'latest'] });
    let res: Response;
    let text: string;
    try {
      res = await (o.fetch ?? fetch)(rpcUrl, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json' }, body });
      text = await res.text();
    } catch (e) {
      if (controller.signal.aborted && !o.signal.aborted) {
        throw new FeedError('connect_failed', `chainlink: eth_call timed out after ${o.timeoutMs} ms`, { retryable: true, cause: e });
      }
      throw asFeedError(e, 'chainlink: eth_call');
    }
    if (!res.ok) throw httpStatusError(res.status, 'chainlink: eth_call');
    if (text.length > RPC_RESPONSE_CHARS_MAX) throw new FeedError('bad_response', 'chainlink: response too large', { retryable: true });
    let msg: unknown;
    try {
      msg = JSON.parse(text); // no amounts in a JSON-RPC envelope: the result is a hex string
    } catch {
      throw new FeedError('bad_response', 'chainlink: response is not JSON', { retryable: true });
    }
    if (typeof msg !== 'object' || msg === null) throw new FeedError('bad_response', 'chainlink: response is not an object', { retryable: true });
    const m = msg as { result?: unknown; error?: { code?: unknown; message?: unknown } };
    if (m.error !== undefined) {
      const code = typeof m.error.code === 'number' ? m.error.code : 0;
      const text2 = typeof m.error.message === 'string' ? m.error.message : 'unknown error';
      throw new FeedError('rpc_error', `chainlink: eth_call error ${code}: ${text2}`, { retryable: !FATAL_RPC_CODES.has(code) });
    }
    if (typeof m.result !== 'string') throw new FeedError('bad_response', 'chainlink: result is not a string', { retryable: true });
    return m.result;
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

export interface ChainlinkPollerOptions extends ReconnectOptions, FeedHandlers {
  readonly rpcUrl: string;
  /** The feed's proxy address (0x...). */
  readonly address: string;
  readonly symbol: string;
  /** Defaults to the address. */
  readonly source?: string;
  /** Time between polls after a successful one. */
  readonly intervalMs: number;
  /** Deadline of one eth_call; default 10 s. */
  readonly requestTimeoutMs?: number;
  readonly block?: string;
  /** Drop rounds whose id does not grow within a phase (guards.ts OrderGuard); default true. */
  readonly dropOutOfOrder?: boolean;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * Polls until `signal` aborts (resolves) or a fatal error (rejects with a FeedError after a `stopped` status):
 * a URL that is not http(s), a 4xx answer, an invalid-request RPC error, a return that is not the ABI of
 * latestRoundData (wrong address), more than maxAttempts consecutive failures, or maxPersistentFailures in a row of
 * a host that does not resolve. Issues and quotes carry the number of the poll they came from.
 */
export async function runChainlinkPoller(opts: ChainlinkPollerOptions): Promise<void> {
  const status = (s: FeedStatus): void => opts.onStatus?.(s);
  const badUrl = checkFeedUrl(opts.rpcUrl, ['http:', 'https:'], 'chainlink');
  if (badUrl !== undefined) stopBeforeStart(status, badUrl);
  const now = opts.now ?? Date.now;
  const guard = opts.dropOutOfOrder === false ? undefined : new OrderGuard();
  const source = opts.source ?? opts.address;
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  const maxPersistent = persistentFailureLimit(opts);
  let persistentInARow = 0;
  let messageNumber = 0;
  let id = 0;
  const call = (data: string): Promise<string> =>
    ethCall(opts.rpcUrl, opts.address, data, {
      signal: opts.signal,
      timeoutMs: opts.requestTimeoutMs ?? 10_000,
      id: ++id,
      ...(opts.block !== undefined ? { block: opts.block } : {}),
      ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
    });
  const stop = (error?: FeedError): void => status(error === undefined ? { type: 'stopped' } : { type: 'stopped', error });

  let decimals: number | undefined;
  let lastRoundId: bigint | undefined;
  let lastPhase: number | undefined;
  let failures = 0;
  let connected = false;
  status({ type: 'connecting', attempt: 1, url: opts.rpcUrl });
  while (!opts.signal.aborted) {
    try {
      if (decimals === undefined) {
        const d = decodeDecimals(await call(CHAINLINK_SELECTORS.decimals));
        if (!d.ok) throw new FeedError('bad_response', `chainlink: decimals(): ${d.error}`, { retryable: false });
        decimals = d.value;
      }
      const answer = await call(CHAINLINK_SELECTORS.latestRoundData);
      messageNumber++;
      const r = decodeRoundData(answer);
      if (!r.ok) throw new FeedError('bad_response', `chainlink: latestRoundData(): ${r.error}`, { retryable: false });
      if (!connected) {
        connected = true;
        status({ type: 'connected', url: opts.rpcUrl });
      }
      failures = 0;
      persistentInARow = 0;
      const round = r.value;
      if (round.roundId !== lastRoundId) {
        const { phaseId } = splitRoundId(round.roundId);
        if (lastPhase !== undefined && phaseId !== lastPhase) {
          // A new aggregator behind the proxy: its decimals may differ.
          const d = decodeDecimals(await call(CHAINLINK_SELECTORS.decimals));
          if (!d.ok) throw new FeedError('bad_response', `chainlink: decimals(): ${d.error}`, { retryable: false });
          decimals = d.value;
        }
        const q = chainlinkRoundToQuote(round, decimals, { symbol: opts.symbol, source, receivedTimeMs: now() });
        lastRoundId = round.roundId;
        lastPhase = phaseId;
        if (!q.ok) status({ type: 'issue', issue: { ...q.issue, messageNumber } });
        else {
          const quote = { ...q.quote, messageNumber };
          const dropped = guard?.check(quote);
          if (dropped === undefined) opts.onQuote(quote);
          else status({ type: 'issue', issue: { code: dropped.code, message: dropped.message, symbol: opts.symbol, atMs: quote.publishTimeMs, messageNumber } });
        }
      }
      if (!(await sleep(opts.intervalMs, opts.signal))) break;
    } catch (e) {
      if (opts.signal.aborted) break;
      const err = asFeedError(e, 'chainlink');
      connected = false;
      status({ type: 'disconnected', error: err });
      if (!err.retryable) {
        stop(err);
        throw err;
      }
      failures++;
      persistentInARow = err.persistent ? persistentInARow + 1 : 0;
      if (failures > maxAttempts - 1 || persistentInARow >= maxPersistent) {
        const n = persistentInARow >= maxPersistent ? persistentInARow : failures;
        const fatal = new FeedError('retries_exhausted', `chainlink: gave up after ${n} consecutive failures; last: ${err.message}`, { retryable: false, cause: err });
        stop(fatal);
        throw fatal;
      }
      const delayMs = backoffDelayMs(failures + 1, opts.backoff);
      status({ type: 'reconnecting', attempt: failures + 1, delayMs });
      if (!(await sleep(delayMs, opts.signal))) break;
      status({ type: 'connecting', attempt: failures + 1, url: opts.rpcUrl });
    }
  }
  stop();
}
