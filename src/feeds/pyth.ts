// Pyth Hermes: pure parsers for the /v2/updates/price/latest JSON body and the /v2/updates/price/stream SSE text.
// `binary` (the accumulator update to submit on-chain) is kept opaque; only `parsed` becomes quotes.
// price and conf are integer strings sharing `expo`; times are seconds on the wire and milliseconds in quotes.

import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { FieldReader, isJsonArray, isJsonObject, parseJson, type JsonObject, type JsonValue } from './json.js';
import { SCALED_EXPO_ABS_MAX } from './scaled.js';
import type { FeedIssue, ParseResult, PythQuote } from './types.js';

export interface PythParseOptions {
  /** Feed id -> symbol ("e62d...5b43" -> "BTC/USD"); ids may carry 0x and any case. Unmapped ids use the id. */
  readonly symbols?: Readonly<Record<string, string>>;
  /** Stamped on every quote as receivedTimeMs (live clients pass their clock). */
  readonly receivedTimeMs?: number;
}

/** The opaque on-chain update blob(s), exactly as Hermes sent them. */
export interface PythBinary {
  readonly encoding: string;
  readonly data: readonly string[];
}

export interface PythUpdateResult extends ParseResult<PythQuote> {
  readonly binary?: PythBinary;
}

/** Feeds accepted in one update. */
export const PYTH_FEEDS_PER_UPDATE_MAX = 1_000;
/** Characters one SSE event may buffer before the decoder gives up on it. */
export const PYTH_SSE_EVENT_CHARS_MAX = 4 * 1024 * 1024;

const MS_PER_S = 1000;

/** Lowercase hex without 0x, as Hermes returns ids. */
export function normalizePythId(id: string): string {
  const s = id.trim().toLowerCase();
  return s.startsWith('0x') ? s.slice(2) : s;
}

function symbolTable(opts: PythParseOptions): Map<string, string> {
  const m = new Map<string, string>();
  for (const [id, sym] of Object.entries(opts.symbols ?? {})) m.set(normalizePythId(id), sym);
  return m;
}

type Where = { line?: number; offset?: number };

function withWhere(where: Where): Where {
  return {
    ...(where.line !== undefined ? { line: where.line } : {}),
    ...(where.offset !== undefined ? { offset: where.offset } : {}),
  };
}

function secondsToMs(r: FieldReader, s: number, what: string): number {
  const ms = s * MS_PER_S;
  if (s < 0 || !Number.isSafeInteger(ms)) {
    if (r.problem === undefined) r.problem = { code: 'bad_number', message: `${what} out of range: ${s}` };
    return 0;
  }
  return ms;
}

function parseEntry(e: JsonObject, symbols: Map<string, string>, opts: PythParseOptions): { quote?: PythQuote; issue?: FeedIssue } {
  const head = new FieldReader('pyth');
  const feedId = normalizePythId(head.string(e, 'id'));
  const symbol = symbols.get(feedId) ?? feedId;
  const r = new FieldReader(`pyth ${symbol}`);
  const p = r.object(e, 'price');
  const ema = r.object(e, 'ema_price');
  const price = r.intString(p, 'price');
  const conf = r.intString(p, 'conf');
  const expo = r.int(p, 'expo');
  const publishTimeMs = secondsToMs(r, r.int(p, 'publish_time'), 'publish_time');
  const emaPrice = r.intString(ema, 'price');
  const emaConf = r.intString(ema, 'conf');
  const emaExpo = r.int(ema, 'expo');
  const emaPublishTimeMs = secondsToMs(r, r.int(ema, 'publish_time'), 'ema publish_time');
  const meta = e['metadata'];
  let slot: number | undefined;
  let proof: number | undefined;
  let prev: number | undefined;
  if (isJsonObject(meta)) {
    slot = r.optInt(meta, 'slot');
    const proofS = r.optInt(meta, 'proof_available_time');
    const prevS = r.optInt(meta, 'prev_publish_time');
    if (proofS !== undefined) proof = secondsToMs(r, proofS, 'proof_available_time');
    if (prevS !== undefined) prev = secondsToMs(r, prevS, 'prev_publish_time');
  } else if (meta !== undefined && meta !== null && r.problem === undefined) {
    r.problem = { code: 'bad_shape', message: `pyth ${symbol}: metadata is not an object` };
  }
  if (r.problem === undefined && (Math.abs(expo) > SCALED_EXPO_ABS_MAX || Math.abs(emaExpo) > SCALED_EXPO_ABS_MAX)) {
    r.problem = { code: 'bad_number', message: `pyth ${symbol}: expo ${expo} out of range` };
  }
  if (r.problem === undefined && conf < 0n) {
    r.problem = { code: 'bad_number', message: `pyth ${symbol}: negative conf` };
  }
  const problem = head.problem ?? r.problem;
  if (problem !== undefined) {
    return { issue: { code: problem.code, message: problem.message, ...(symbol !== '' ? { symbol } : {}) } };
  }
  return {
    quote: {
      feed: 'pyth',
      kind: 'pythPrice',
      source: feedId,
      symbol,
      price: { mantissa: price, expo },
      conf: { mantissa: conf, expo },
      publishTimeMs,
      ...(opts.receivedTimeMs !== undefined ? { receivedTimeMs: opts.receivedTimeMs } : {}),
      feedId,
      emaPrice: { mantissa: emaPrice, expo: emaExpo },
      emaConf: { mantissa: emaConf, expo: emaExpo },
      emaPublishTimeMs,
      ...(prev !== undefined ? { prevPublishTimeMs: prev } : {}),
      ...(slot !== undefined ? { slot } : {}),
      ...(proof !== undefined ? { proofAvailableTimeMs: proof } : {}),
      noNewPrice: prev !== undefined && prev === publishTimeMs,
    },
  };
}

/** Parses one decoded PriceUpdate value ({binary, parsed}). */
export function parsePythUpdateValue(v: JsonValue, opts: PythParseOptions = {}, where: Where = {}): PythUpdateResult {
  const quotes: PythQuote[] = [];
  const issues: FeedIssue[] = [];
  if (!isJsonObject(v)) {
    issues.push({ code: 'bad_shape', message: 'pyth: update is not an object', ...withWhere(where) });
    return { quotes, issues };
  }
  let binary: PythBinary | undefined;
  const b = v['binary'];
  if (isJsonObject(b)) {
    const enc = b['encoding'];
    const data = b['data'];
    if (typeof enc === 'string' && isJsonArray(data) && data.every((x) => typeof x === 'string')) {
      binary = { encoding: enc, data: data as readonly string[] };
    } else {
      issues.push({ code: 'bad_shape', message: 'pyth: binary is not {encoding, data[]}', ...withWhere(where) });
    }
  }
  const parsed = v['parsed'];
  if (parsed !== undefined && parsed !== null) {
    if (!isJsonArray(parsed)) {
      issues.push({ code: 'bad_shape', message: 'pyth: parsed is not an array', ...withWhere(where) });
    } else if (parsed.length > PYTH_FEEDS_PER_UPDATE_MAX) {
      issues.push({ code: 'bad_shape', message: `pyth: ${parsed.length} feeds exceed ${PYTH_FEEDS_PER_UPDATE_MAX}`, ...withWhere(where) });
    } else {
      const symbols = symbolTable(opts);
      for (const e of parsed) {
        if (!isJsonObject(e)) {
          issues.push({ code: 'bad_shape', message: 'pyth: parsed entry is not an object', ...withWhere(where) });
          continue;
        }
        const r = parseEntry(e, symbols, opts);
        if (r.quote !== undefined) quotes.push(r.quote);
        if (r.issue !== undefined) issues.push({ ...r.issue, ...withWhere(where) });
      }
    }
  }
  return { quotes, issues, ...(binary !== undefined ? { binary } : {}) };
}

/** Parses a GET /v2/updates/price/latest response body. */
export function parsePythLatest(text: string, opts: PythParseOptions = {}): PythUpdateResult {
  const j = parseJson(text);
  if (!j.ok) return { quotes: [], issues: [{ code: 'bad_json', message: `pyth: ${j.error}`, offset: j.offset }] };
  return parsePythUpdateValue(j.value, opts);
}

/** What the SSE decoder hands out, in stream order. */
export type PythSseEvent =
  | { readonly type: 'update'; readonly result: PythUpdateResult; readonly line: number }
  /** `event:error` from Hermes, or an event the adapter does not read, or a malformed stream. */
  | { readonly type: 'issue'; readonly issue: FeedIssue }
  /** A `:` comment: keep-alive, or "No update available". */
  | { readonly type: 'comment'; readonly text: string; readonly line: number }
  /** The server's `retry:` hint, in ms. */
  | { readonly type: 'retry'; readonly ms: number };

export interface PythSseDecoderOptions extends PythParseOptions {
  readonly eventCharsMax?: number;
  /** Clock for receivedTimeMs, read once per event (live clients); overrides the fixed receivedTimeMs. */
  readonly now?: () => number;
}

/**
 * Incremental SSE decoder for Hermes streams (wraps eventsource-parser). Feed it text chunks of any size; it calls
 * `emit` synchronously for each complete event. `line` is the 1-based line that completed the event's data.
 */
export class PythSseDecoder {
  private readonly parser;
  private line = 1;
  private terminated = false;

  constructor(
    private readonly opts: PythSseDecoderOptions,
    private readonly emit: (e: PythSseEvent) => void,
  ) {
    this.parser = createParser({
      maxBufferSize: opts.eventCharsMax ?? PYTH_SSE_EVENT_CHARS_MAX,
      onEvent: (m) => this.onEvent(m),
      onComment: (text) => this.emit({ type: 'comment', text, line: this.line }),
      onRetry: (ms) => this.emit({ type: 'retry', ms }),
      onError: (err) => this.onError(err),
    });
  }

  private onEvent(m: EventSourceMessage): void {
    const line = this.line - 1; // the blank line that dispatched follows the last data line
    if (m.event === 'error') {
      this.emit({ type: 'issue', issue: { code: 'server_error', message: `pyth: ${m.data}`, line } });
      return;
    }
    if (m.event !== undefined && m.event !== 'message') {
      this.emit({ type: 'issue', issue: { code: 'unknown_event', message: `pyth: SSE event ${JSON.stringify(m.event)} is not read`, line } });
      return;
    }
    const j = parseJson(m.data);
    if (!j.ok) {
      this.emit({ type: 'issue', issue: { code: 'bad_json', message: `pyth: ${j.error}`, line, offset: j.offset } });
      return;
    }
    const now = this.opts.now;
    const opts: PythParseOptions = now === undefined ? this.opts : { ...this.opts, receivedTimeMs: now() };
    this.emit({ type: 'update', result: parsePythUpdateValue(j.value, opts, { line }), line });
  }

  private onError(err: ParseError): void {
    if (err.type === 'max-buffer-size-exceeded') {
      this.terminated = true;
      this.emit({ type: 'issue', issue: { code: 'bad_shape', message: `pyth: SSE event larger than the buffer limit`, line: this.line } });
      return;
    }
    this.emit({ type: 'issue', issue: { code: 'bad_shape', message: `pyth: SSE ${err.type}: ${err.message}`, line: this.line } });
  }

  /** True once an event overflowed the buffer; the decoder must be reset (a live client reconnects). */
  get broken(): boolean {
    return this.terminated;
  }

  /** Feeds a chunk; lines are counted so issues can name them. */
  feed(chunk: string): void {
    if (this.terminated) return;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf('\n', start);
      const end = nl === -1 ? chunk.length : nl + 1;
      this.parser.feed(chunk.slice(start, end));
      if (this.terminated) return;
      if (nl !== -1) this.line++;
      start = end;
    }
  }

  /** Forgets partial input (call between connections). Line numbers restart at 1. */
  reset(): void {
    this.parser.reset();
    this.line = 1;
    this.terminated = false;
  }
}

export interface PythSseTextResult extends ParseResult<PythQuote> {
  /** Update events read (data events that parsed as JSON). */
  readonly updates: number;
  /** Comments seen (keep-alives). */
  readonly comments: number;
}

/** Parses a whole SSE text (a recording of /v2/updates/price/stream). */
export function parsePythSseText(text: string, opts: PythParseOptions = {}): PythSseTextResult {
  const quotes: PythQuote[] = [];
  const issues: FeedIssue[] = [];
  let updates = 0;
  let comments = 0;
  const d = new PythSseDecoder(opts, (e) => {
    switch (e.type) {
      case 'update':
        updates++;
        quotes.push(...e.result.quotes);
        issues.push(...e.result.issues);
        break;
      case 'issue':
        issues.push(e.issue);
        break;
      case 'comment':
        comments++;
        break;
      case 'retry':
        break;
    }
  });
  d.feed(text);
  // A final event not followed by a blank line is incomplete under SSE rules and is not dispatched.
  return { quotes, issues, updates, comments };
}
