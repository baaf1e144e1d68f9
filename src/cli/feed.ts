// `bailiff feed <binance|pyth|chainlink|klines>`: reads a price feed (live from a URL the user gives, or kline
// files) and prints the engine commands its quotes stand for, one JSON line each (docs/scenarios.md), ready to be
// pasted into a scenario or piped to a service. Connection status, warnings and every dropped or suspicious value
// (with its code and its line or message number) go to stderr, one line each.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { runBinanceWs } from '../feeds/binance-ws.js';
import { runChainlinkPoller } from '../feeds/chainlink-rpc.js';
import type { FeedStatus } from '../feeds/live.js';
import { hermesLatestUrl, hermesStreamUrl, runPythSse } from '../feeds/pyth-sse.js';
import { replayKlines } from '../feeds/replay.js';
import { symbolFromKlineFileName } from '../feeds/kline.js';
import { quoteToCommands, type MarketMapping } from '../feeds/to-commands.js';
import type { FeedIssue, FeedQuote } from '../feeds/types.js';
import { fileErrorReason } from '../errors.js';
import { CliError, unreadableFile } from './errors.js';
import type { CliIo } from './program.js';

/** Parses repeated `--map SYMBOL=MARKET:DECIMALS[:SOURCE]`. */
export function parseMappings(specs: readonly string[]): Map<string, MarketMapping> {
  const out = new Map<string, MarketMapping>();
  for (const spec of specs) {
    const m = /^([^=]+)=([A-Za-z0-9][A-Za-z0-9._:@/-]*):(\d{1,2})(?::([A-Za-z0-9][A-Za-z0-9._@-]*))?$/.exec(spec);
    if (m === null) throw new CliError('bad_argument', `--map ${JSON.stringify(spec)}: expected SYMBOL=MARKET:DECIMALS[:SOURCE], e.g. BTCUSDT=BTC-PERP:2:binance`);
    const [, symbol = '', market = '', decimals = '0', source] = m;
    out.set(symbol, { market, priceDecimals: Number(decimals), ...(source === undefined ? {} : { source }) });
  }
  if (out.size === 0) throw new CliError('bad_argument', 'give at least one --map SYMBOL=MARKET:DECIMALS[:SOURCE]');
  return out;
}

export interface FeedRun {
  readonly maps: Map<string, MarketMapping>;
  /** Stop after this many commands (default: run until interrupted). */
  readonly max?: number;
  /** Live feeds: consecutive failed connection attempts before giving up (default: unlimited for transient ones). */
  readonly maxAttempts?: number;
}

/** One stderr line for an issue: its code, where it was (file line or live message number), what it says. */
export function issueLine(i: FeedIssue, file?: string): string {
  const where = [file, i.line === undefined ? undefined : `line ${i.line}`, i.messageNumber === undefined ? undefined : `message ${i.messageNumber}`]
    .filter((w) => w !== undefined)
    .join(' ');
  return `feed: issue ${i.code}${where === '' ? '' : ` (${where})`}: ${i.message}\n`;
}

interface Sink {
  readonly onQuote: (q: FeedQuote) => void;
  readonly onStatus: (s: FeedStatus) => void;
  /** Commands written so far. */
  readonly written: () => number;
}

/** Shared plumbing: quotes -> JSON lines and issue lines; stops after `max` commands or on SIGINT/SIGTERM. */
function makeSink(run: FeedRun, io: CliIo, controller: AbortController): Sink {
  let written = 0;
  const unmapped = new Set<string>();
  return {
    written: () => written,
    onQuote: (q) => {
      if (controller.signal.aborted) return;
      const mapping = run.maps.get(q.symbol);
      if (mapping === undefined && !unmapped.has(q.symbol)) {
        unmapped.add(q.symbol);
        io.stderr(`feed: warning: ${q.symbol} is not in any --map; its quotes are skipped\n`);
      }
      const { commands, issues } = quoteToCommands(q, () => mapping);
      for (const i of issues) io.stderr(issueLine(i));
      for (const cmd of commands) {
        io.stdout(`${JSON.stringify(cmd)}\n`);
        written++;
        if (run.max !== undefined && written >= run.max) {
          controller.abort();
          return;
        }
      }
    },
    onStatus: (s) => {
      if (s.type === 'issue') io.stderr(issueLine(s.issue));
      else if (s.type === 'disconnected' || s.type === 'warning') io.stderr(`feed: ${s.type}: ${s.error.message}\n`);
      else if (s.type === 'reconnecting') io.stderr(`feed: reconnecting in ${s.delayMs} ms (attempt ${s.attempt})\n`);
      else if (s.type === 'connected') io.stderr(`feed: connected to ${s.url}\n`);
    },
  };
}

function withInterrupt<T>(controller: AbortController, body: () => Promise<T>): Promise<T> {
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return body().finally(() => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
}

const BACKOFF = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

function retryOptions(run: FeedRun): { maxAttempts?: number } {
  return run.maxAttempts === undefined ? {} : { maxAttempts: run.maxAttempts };
}

export async function feedBinance(run: FeedRun & { url: string }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  await withInterrupt(controller, () =>
    runBinanceWs({ url: run.url, idleTimeoutMs: 60_000, signal: controller.signal, backoff: BACKOFF, ...retryOptions(run), onQuote: sink.onQuote, onStatus: sink.onStatus }),
  );
}

export async function feedPyth(run: FeedRun & { baseUrl: string; maxConfPpm: bigint }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  const ids = [...run.maps.keys()];
  const symbols = Object.fromEntries(ids.map((id) => [id, id]));
  await withInterrupt(controller, () =>
    runPythSse({
      url: hermesStreamUrl({ baseUrl: run.baseUrl, ids }),
      latestUrl: hermesLatestUrl({ baseUrl: run.baseUrl, ids }),
      readLatestOnStart: true,
      idleTimeoutMs: 30_000,
      symbols,
      maxConfPpm: run.maxConfPpm,
      signal: controller.signal,
      backoff: BACKOFF,
      ...retryOptions(run),
      onQuote: sink.onQuote,
      onStatus: sink.onStatus,
    }),
  );
}

export async function feedChainlink(run: FeedRun & { rpcUrl: string; address: string; intervalMs: number }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  const symbol = [...run.maps.keys()][0] as string;
  await withInterrupt(controller, () =>
    runChainlinkPoller({
      rpcUrl: run.rpcUrl,
      address: run.address,
      symbol,
      intervalMs: run.intervalMs,
      signal: controller.signal,
      backoff: BACKOFF,
      ...retryOptions(run),
      onQuote: sink.onQuote,
      onStatus: sink.onStatus,
    }),
  );
}

/** Bytes looked at to tell a text file from a binary one. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Refuses, as bad input and before anything is printed, a kline file that cannot be read, is empty, or is not text
 * (a NUL byte or invalid UTF-8 in its first 64 KiB).
 */
export function checkKlineFile(path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new CliError('bad_file', `${path} is a directory, not a kline CSV file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError('bad_file', `cannot read ${path}: ${fileErrorReason(e, 'read')}`);
  }
  if (size === 0) throw new CliError('bad_file', `${path} is empty: no kline rows to replay`);
  const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    throw unreadableFile(path, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const nul = head.indexOf(0);
  let text = nul < 0;
  if (text) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    } catch {
      text = false;
    }
  }
  if (!text) throw new CliError('bad_file', `${path} is not text (binary content${nul >= 0 ? ` at byte ${nul}` : ''}); expected a Binance kline CSV`);
}

export async function feedKlines(run: FeedRun & { files: readonly string[]; mode: 'close' | 'path'; fromMs?: number; toMs?: number }, io: CliIo): Promise<void> {
  const files = run.files.map((path) => {
    const symbol = symbolFromKlineFileName(path);
    if (symbol === undefined) throw new CliError('bad_argument', `${path}: cannot tell the symbol from the file name (expected SYMBOL-1m-YYYY-MM.csv)`);
    return { path, symbol };
  });
  for (const f of files) checkKlineFile(f.path);
  const mapped = files.filter((f) => run.maps.has(f.symbol));
  if (mapped.length === 0) {
    throw new CliError(
      'no_data',
      `--map names ${[...run.maps.keys()].join(', ')} but the files hold ${[...new Set(files.map((f) => f.symbol))].join(', ')} (from their names): nothing to replay`,
    );
  }
  for (const f of files) if (!run.maps.has(f.symbol)) io.stderr(`feed: warning: ${f.path} (${f.symbol}) has no --map; skipped\n`);
  for (const symbol of run.maps.keys()) if (!files.some((f) => f.symbol === symbol)) io.stderr(`feed: warning: --map ${symbol} matches no file\n`);

  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  const fileOf = new Map(mapped.map((f) => [f.symbol, basename(f.path)]));
  const rows = new Map<string, number>(mapped.map((f) => [f.symbol, 0]));
  const issuesOf = new Map<string, FeedIssue[]>();
  let issues = 0;
  const quotes = replayKlines(mapped, {
    mode: run.mode,
    onIssue: (i) => {
      issues++;
      const symbol = i.symbol ?? '';
      issuesOf.set(symbol, [...(issuesOf.get(symbol) ?? []), i]);
      io.stderr(issueLine(i, fileOf.get(symbol)));
    },
    signal: controller.signal,
    ...(run.fromMs === undefined ? {} : { fromMs: run.fromMs }),
    ...(run.toMs === undefined ? {} : { toMs: run.toMs }),
  });
  for await (const q of quotes) {
    rows.set(q.symbol, (rows.get(q.symbol) ?? 0) + 1);
    sink.onQuote(q);
    if (controller.signal.aborted) break;
  }
  if (issues > 0) io.stderr(`feed: ${issues} issue(s) in the kline files\n`);
  if (controller.signal.aborted) return;
  // A file that gave no row while others did is worth a warning; no command at all is bad input.
  const unread = mapped.filter((f) => (rows.get(f.symbol) ?? 0) === 0);
  if (sink.written() === 0) {
    const broken = unread.find((f) => (issuesOf.get(f.symbol)?.length ?? 0) > 0);
    if (broken !== undefined) {
      const first = issuesOf.get(broken.symbol)?.[0];
      throw new CliError('bad_file', `no kline row could be read from ${broken.path}${first === undefined ? '' : ` (first issue, line ${first.line ?? '?'}: ${first.code})`}`);
    }
    const read = [...rows.values()].reduce((a, b) => a + b, 0);
    if (read > 0) throw new CliError('no_data', `${read} kline price(s) read but none became a command (see the issues above)`);
    const window = run.fromMs !== undefined || run.toMs !== undefined ? ' between --from and --to' : '';
    throw new CliError('no_data', `no kline row${window} in ${mapped.map((f) => f.path).join(', ')}: no command written`);
  }
  for (const f of unread) io.stderr(`feed: warning: no kline row read from ${f.path}\n`);
}
