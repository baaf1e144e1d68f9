// Binance kline CSV dumps (data.binance.vision layout): open_time,open,high,low,close,volume,close_time,...
// The header row is optional (detected: its first field is not numeric). Times are ms, or µs in newer spot dumps
// (detected by magnitude: > 1e14 means µs). Each row becomes one quote (its close, at close_time) or a 4-point
// intra-minute path (open, the two extremes in the order the candle implies, close).

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { compareScaled, parseScaled, subScaled } from './scaled.js';
import type { FeedIssue, KlinePathStep, KlineQuote, ParseResult, Scaled } from './types.js';

export const KLINE_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

/** Columns the adapter reads (the rest are passed over). */
const KLINE_COLUMNS_READ = 7;
/** A time above this is in microseconds. */
const MICROS_THRESHOLD = 100_000_000_000_000n; // 1e14

export interface KlineRow {
  readonly openTimeMs: number;
  readonly closeTimeMs: number;
  readonly open: Scaled;
  readonly high: Scaled;
  readonly low: Scaled;
  readonly close: Scaled;
  readonly volume: Scaled;
}

export type KlineLine =
  | { readonly type: 'blank' }
  | { readonly type: 'header' }
  | { readonly type: 'row'; readonly row: KlineRow }
  | { readonly type: 'issue'; readonly issue: FeedIssue };

/** 'close': one quote per row, the close at close_time. 'path': open, extreme, extreme, close over the row's span. */
export type KlineMode = 'close' | 'path';

export interface KlineOptions {
  readonly symbol: string;
  /** Usually the file name. */
  readonly source: string;
  readonly mode: KlineMode;
}

/** Whether a line is a header: its first field is not a number. */
export function isKlineHeader(line: string): boolean {
  const first = line.split(',', 1)[0]?.trim() ?? '';
  return !/^\d+(\.\d+)?$/.test(first);
}

/** A kline time field in ms; µs values (> 1e14) are converted, rounding down. undefined if not an integer. */
export function klineTimeToMs(text: string): number | undefined {
  if (!/^\d{1,19}$/.test(text)) return undefined;
  let t = BigInt(text);
  if (t > MICROS_THRESHOLD) t /= 1000n;
  const ms = Number(t);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Parses one line. `first` says whether it is the first non-blank line (the only place a header may be).
 * A header whose leading columns differ from KLINE_COLUMNS is a bad_header issue.
 */
export function parseKlineLine(rawLine: string, lineNo: number, first: boolean): KlineLine {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  if (line.trim() === '') return { type: 'blank' };
  if (first && isKlineHeader(line)) {
    const names = line.split(',').map((c) => c.trim());
    const expected = KLINE_COLUMNS.slice(0, KLINE_COLUMNS_READ);
    if (expected.every((name, k) => names[k] === name)) return { type: 'header' };
    return { type: 'issue', issue: { code: 'bad_header', message: `kline: header ${JSON.stringify(line.slice(0, 80))} is not the Binance layout`, line: lineNo } };
  }
  const cells = line.split(',');
  if (cells.length < KLINE_COLUMNS_READ) {
    return { type: 'issue', issue: { code: 'bad_row', message: `kline: ${cells.length} columns, need ${KLINE_COLUMNS_READ}`, line: lineNo } };
  }
  const openTimeMs = klineTimeToMs(cells[0]?.trim() ?? '');
  const closeTimeMs = klineTimeToMs(cells[6]?.trim() ?? '');
  if (openTimeMs === undefined || closeTimeMs === undefined || closeTimeMs < openTimeMs) {
    return { type: 'issue', issue: { code: 'bad_row', message: 'kline: bad open_time/close_time', line: lineNo } };
  }
  const values: Scaled[] = [];
  for (let k = 1; k <= 5; k++) {
    const r = parseScaled(cells[k]?.trim() ?? '');
    if (!r.ok) {
      return { type: 'issue', issue: { code: 'bad_row', message: `kline: ${KLINE_COLUMNS[k]}: ${r.error}`, line: lineNo } };
    }
    values.push(r.value);
  }
  const [open, high, low, close, volume] = values as [Scaled, Scaled, Scaled, Scaled, Scaled];
  // A price of zero or below is no price: said as such, before (and instead of) the high/low consistency check.
  for (let k = 1; k <= 4; k++) {
    const v = values[k - 1] as Scaled;
    if (v.mantissa <= 0n) {
      return { type: 'issue', issue: { code: 'non_positive_price', message: `kline: ${KLINE_COLUMNS[k]} ${cells[k]?.trim()} is not positive`, line: lineNo } };
    }
  }
  const hiOk = compareScaled(high, open) >= 0 && compareScaled(high, close) >= 0;
  const loOk = compareScaled(low, open) <= 0 && compareScaled(low, close) <= 0;
  if (!hiOk || !loOk) {
    return { type: 'issue', issue: { code: 'bad_row', message: 'kline: high/low do not bound open and close', line: lineNo } };
  }
  return { type: 'row', row: { openTimeMs, closeTimeMs, open, high, low, close, volume } };
}

/**
 * The order of the two extremes inside the candle: a rising candle (close > open) dips first, then rallies
 * (open, low, high, close); a falling one rallies first (open, high, low, close). A flat candle visits the extreme
 * nearer its open first (low on a tie).
 */
export function klinePathOrder(row: KlineRow): readonly [KlinePathStep, KlinePathStep, KlinePathStep, KlinePathStep] {
  const dir = compareScaled(row.close, row.open);
  let lowFirst: boolean;
  if (dir > 0) lowFirst = true;
  else if (dir < 0) lowFirst = false;
  else {
    const up = subScaled(row.high, row.open);
    const down = subScaled(row.open, row.low);
    lowFirst = compareScaled(down, up) <= 0;
  }
  return lowFirst ? ['open', 'low', 'high', 'close'] : ['open', 'high', 'low', 'close'];
}

/**
 * The quotes of one row: [close at close_time], or the 4-point path at open, +1/3, +2/3 of the span, close_time.
 * `line` (the row's 1-based line in its file) is carried on the quotes, so a later issue about one can name it.
 */
export function klineRowToQuotes(row: KlineRow, opts: KlineOptions, line?: number): KlineQuote[] {
  const base = {
    feed: 'kline',
    kind: 'kline',
    source: opts.source,
    symbol: opts.symbol,
    ...(line !== undefined ? { line } : {}),
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
    openTimeMs: row.openTimeMs,
    closeTimeMs: row.closeTimeMs,
  } as const;
  if (opts.mode === 'close') return [{ ...base, price: row.close, publishTimeMs: row.closeTimeMs, step: 'close' }];
  const span = row.closeTimeMs + 1 - row.openTimeMs; // 60 000 for a 1m row ending in ...59999
  const times = [row.openTimeMs, row.openTimeMs + Math.floor(span / 3), row.openTimeMs + Math.floor((2 * span) / 3), row.closeTimeMs];
  return klinePathOrder(row).map((step, k) => ({ ...base, price: row[step], publishTimeMs: times[k] ?? row.closeTimeMs, step }));
}

/** "ALGOUSDT-1m-2025-02.csv" -> "ALGOUSDT"; undefined if the name is not in the dump layout. */
export function symbolFromKlineFileName(path: string): string | undefined {
  const m = /^([A-Z0-9]+)-\d+[smhdwM]-/.exec(basename(path));
  return m?.[1];
}

/** Parses a whole CSV text (for small inputs; use readKlineFile for month files). */
export function parseKlineCsv(text: string, opts: KlineOptions): ParseResult<KlineQuote> {
  const quotes: KlineQuote[] = [];
  const issues: FeedIssue[] = [];
  const lines = text.split('\n');
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const r = parseKlineLine(lines[i] ?? '', i + 1, first);
    if (r.type === 'blank') continue;
    first = false;
    if (r.type === 'row') quotes.push(...klineRowToQuotes(r.row, opts, i + 1));
    else if (r.type === 'issue') {
      issues.push({ ...r.issue, symbol: opts.symbol });
      if (r.issue.code === 'bad_header') break;
    }
  }
  return { quotes, issues };
}

export interface KlineFileOptions extends KlineOptions {
  /** Receives every issue (bad rows are skipped; a bad header ends the file). */
  readonly onIssue: (issue: FeedIssue) => void;
  /** Keep quotes with fromMs <= publishTimeMs < toMs. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly signal?: AbortSignal;
}

/** Streams the quotes of a kline file, line by line (a 40k-row month file never sits in memory as a whole). */
export async function* readKlineFile(path: string, opts: KlineFileOptions): AsyncGenerator<KlineQuote, void, undefined> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  const from = opts.fromMs ?? Number.NEGATIVE_INFINITY;
  const to = opts.toMs ?? Number.POSITIVE_INFINITY;
  let lineNo = 0;
  let first = true;
  try {
    for await (const line of rl) {
      lineNo++;
      if (opts.signal?.aborted === true) return;
      const r = parseKlineLine(line, lineNo, first);
      if (r.type === 'blank') continue;
      first = false;
      if (r.type === 'issue') {
        opts.onIssue({ ...r.issue, symbol: opts.symbol });
        if (r.issue.code === 'bad_header') return;
        continue;
      }
      if (r.type !== 'row') continue;
      if (r.row.closeTimeMs < from) continue;
      if (r.row.openTimeMs >= to) return; // rows are in time order; the replay's order guard catches files that are not
      for (const q of klineRowToQuotes(r.row, opts, lineNo)) {
        if (q.publishTimeMs >= from && q.publishTimeMs < to) yield q;
      }
    }
  } finally {
    rl.close();
    input.destroy();
  }
}
