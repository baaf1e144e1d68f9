// `bailiff feed <binance|pyth|chainlink|klines>`: reads a price feed (live from a URL the user gives, or kline
// files) and prints the engine commands its quotes stand for, one JSON line each (docs/scenarios.md), ready to be
// pasted into a scenario or piped to a service. Connection status goes to stderr.

import { runBinanceWs } from '../feeds/binance-ws.js';
import { runChainlinkPoller } from '../feeds/chainlink-rpc.js';
import type { FeedStatus } from '../feeds/live.js';
import { hermesLatestUrl, hermesStreamUrl, runPythSse } from '../feeds/pyth-sse.js';
import { replayKlines } from '../feeds/replay.js';
import { symbolFromKlineFileName } from '../feeds/kline.js';
import { quoteToCommands, type MarketMapping } from '../feeds/to-commands.js';
import type { FeedQuote } from '../feeds/types.js';
import { CliError } from './errors.js';
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
}

/** Shared plumbing: quotes -> JSON lines; stops after `max` commands or on SIGINT/SIGTERM. */
function makeSink(run: FeedRun, io: CliIo, controller: AbortController): { onQuote: (q: FeedQuote) => void; onStatus: (s: FeedStatus) => void } {
  let written = 0;
  return {
    onQuote: (q) => {
      if (controller.signal.aborted) return;
      for (const cmd of quoteToCommands(q, (s) => run.maps.get(s))) {
        io.stdout(`${JSON.stringify(cmd)}\n`);
        written++;
        if (run.max !== undefined && written >= run.max) {
          controller.abort();
          return;
        }
      }
    },
    onStatus: (s) => {
      if (s.type === 'issue') io.stderr(`feed: issue ${s.issue.code}: ${s.issue.message}\n`);
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

export async function feedBinance(run: FeedRun & { url: string }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  await withInterrupt(controller, () => runBinanceWs({ url: run.url, idleTimeoutMs: 60_000, signal: controller.signal, backoff: BACKOFF, ...sink }));
}

export async function feedPyth(run: FeedRun & { baseUrl: string }, io: CliIo): Promise<void> {
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
      signal: controller.signal,
      backoff: BACKOFF,
      ...sink,
    }),
  );
}

export async function feedChainlink(run: FeedRun & { rpcUrl: string; address: string; intervalMs: number }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  const symbol = [...run.maps.keys()][0] as string;
  await withInterrupt(controller, () =>
    runChainlinkPoller({ rpcUrl: run.rpcUrl, address: run.address, symbol, intervalMs: run.intervalMs, signal: controller.signal, backoff: BACKOFF, ...sink }),
  );
}

export async function feedKlines(run: FeedRun & { files: readonly string[]; mode: 'close' | 'path'; fromMs?: number; toMs?: number }, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const sink = makeSink(run, io, controller);
  const files = run.files.map((path) => {
    const symbol = symbolFromKlineFileName(path);
    if (symbol === undefined) throw new CliError('bad_argument', `${path}: cannot tell the symbol from the file name (expected SYMBOL-1m-YYYY-MM.csv)`);
    return { path, symbol };
  });
  let issues = 0;
  const quotes = replayKlines(files, {
    mode: run.mode,
    onIssue: (i) => {
      issues++;
      io.stderr(`feed: issue ${i.code}: ${i.message}\n`);
    },
    signal: controller.signal,
    ...(run.fromMs === undefined ? {} : { fromMs: run.fromMs }),
    ...(run.toMs === undefined ? {} : { toMs: run.toMs }),
  });
  for await (const q of quotes) {
    sink.onQuote(q);
    if (controller.signal.aborted) break;
  }
  if (issues > 0) io.stderr(`feed: ${issues} issue(s) in the kline files\n`);
}
