// Binance USD-M WebSocket market data: pure parsers (no I/O) for combined-stream frames {"stream","data"} and raw
// payloads of markPriceUpdate (also !markPrice@arr arrays and COIN-M's empty funding rate), bookTicker, aggTrade
// and forceOrder. Every price is read from its decimal string straight into a Scaled.

import { FieldReader, isJsonArray, isJsonObject, parseJson, type JsonObject, type JsonValue } from './json.js';
import { midScaled, subScaled } from './scaled.js';
import type {
  BinanceAggTradeQuote,
  BinanceBookTickerQuote,
  BinanceForceOrderQuote,
  BinanceMarkPriceQuote,
  BinanceQuote,
  FeedIssue,
  ParseResult,
} from './types.js';

export interface BinanceParseOptions {
  /** Stamped on every quote as receivedTimeMs (live clients pass their clock). */
  readonly receivedTimeMs?: number;
}

/** Array payloads (!markPrice@arr) accepted per frame; Binance lists a few hundred symbols. */
export const BINANCE_ARRAY_ITEMS_MAX = 2_000;

type Where = { line?: number; offset?: number };

function issue(code: FeedIssue['code'], message: string, where: Where, symbol?: string): FeedIssue {
  return {
    code,
    message,
    ...(where.line !== undefined ? { line: where.line } : {}),
    ...(where.offset !== undefined ? { offset: where.offset } : {}),
    ...(symbol !== undefined && symbol !== '' ? { symbol } : {}),
  };
}

const STREAM_SUFFIX: Record<string, string> = {
  markPriceUpdate: 'markPrice',
  bookTicker: 'bookTicker',
  aggTrade: 'aggTrade',
  forceOrder: 'forceOrder',
};

function received(opts: BinanceParseOptions): { receivedTimeMs?: number } {
  return opts.receivedTimeMs !== undefined ? { receivedTimeMs: opts.receivedTimeMs } : {};
}

function parseMarkPrice(d: JsonObject, source: string, opts: BinanceParseOptions, r: FieldReader): BinanceMarkPriceQuote {
  const symbol = r.string(d, 's');
  const mark = r.decimal(d, 'p');
  const index = r.decimal(d, 'i');
  const estimatedSettle = r.decimal(d, 'P');
  const fundingRate = r.optDecimal(d, 'r');
  const nextFundingTimeMs = r.timeMs(d, 'T');
  return {
    feed: 'binance',
    kind: 'markPrice',
    source,
    symbol,
    price: mark,
    publishTimeMs: r.timeMs(d, 'E'),
    ...received(opts),
    mark,
    index,
    estimatedSettle,
    ...(fundingRate !== undefined ? { fundingRate } : {}),
    ...(nextFundingTimeMs !== 0 ? { nextFundingTimeMs } : {}),
  };
}

function parseBookTicker(d: JsonObject, source: string, opts: BinanceParseOptions, r: FieldReader): BinanceBookTickerQuote {
  const bid = r.decimal(d, 'b');
  const ask = r.decimal(d, 'a');
  const spread = subScaled(ask, bid);
  // Half the spread, exact: |ask - bid| x 5 x 10^(expo - 1).
  const halfSpread = { mantissa: (spread.mantissa < 0n ? -spread.mantissa : spread.mantissa) * 5n, expo: spread.expo - 1 };
  return {
    feed: 'binance',
    kind: 'bookTicker',
    source,
    symbol: r.string(d, 's'),
    price: midScaled(bid, ask),
    conf: halfSpread,
    publishTimeMs: r.timeMs(d, 'E'),
    ...received(opts),
    bid,
    bidQty: r.decimal(d, 'B'),
    ask,
    askQty: r.decimal(d, 'A'),
    updateId: r.bigint(d, 'u'),
    transactionTimeMs: r.timeMs(d, 'T'),
  };
}

function parseAggTrade(d: JsonObject, source: string, opts: BinanceParseOptions, r: FieldReader): BinanceAggTradeQuote {
  return {
    feed: 'binance',
    kind: 'aggTrade',
    source,
    symbol: r.string(d, 's'),
    price: r.decimal(d, 'p'),
    publishTimeMs: r.timeMs(d, 'E'),
    ...received(opts),
    qty: r.decimal(d, 'q'),
    aggTradeId: r.bigint(d, 'a'),
    firstTradeId: r.bigint(d, 'f'),
    lastTradeId: r.bigint(d, 'l'),
    tradeTimeMs: r.timeMs(d, 'T'),
    buyerIsMaker: r.bool(d, 'm'),
  };
}

function parseForceOrder(d: JsonObject, source: string, opts: BinanceParseOptions, r: FieldReader): BinanceForceOrderQuote {
  const o = r.object(d, 'o');
  const sideText = r.string(o, 'S');
  if (sideText !== 'BUY' && sideText !== 'SELL' && r.problem === undefined) {
    r.problem = { code: 'bad_shape', message: `forceOrder: side S is ${JSON.stringify(sideText)}` };
  }
  const avgPrice = r.decimal(o, 'ap');
  const pair = r.optString(o, 'ps');
  return {
    feed: 'binance',
    kind: 'forceOrder',
    source,
    symbol: r.string(o, 's'),
    price: avgPrice,
    publishTimeMs: r.timeMs(d, 'E'),
    ...received(opts),
    side: sideText === 'BUY' ? 'BUY' : 'SELL',
    orderType: r.string(o, 'o'),
    timeInForce: r.string(o, 'f'),
    status: r.string(o, 'X'),
    qty: r.decimal(o, 'q'),
    limitPrice: r.decimal(o, 'p'),
    avgPrice,
    lastFilledQty: r.decimal(o, 'l'),
    filledQty: r.decimal(o, 'z'),
    tradeTimeMs: r.timeMs(o, 'T'),
    ...(pair !== undefined ? { pair } : {}),
  };
}

/** One raw payload object (the `data` of a combined frame, or a raw-stream message). */
function parsePayloadObject(
  d: JsonObject,
  stream: string | undefined,
  opts: BinanceParseOptions,
  where: Where,
  out: ParseResult<BinanceQuote>,
): void {
  const e = d['e'];
  const symbolValue = d['s'];
  const symbolHint = typeof symbolValue === 'string' ? symbolValue : undefined;
  if (typeof e !== 'string') {
    out.issues.push(issue('bad_shape', 'binance: payload has no event type e', where, symbolHint));
    return;
  }
  const suffix = STREAM_SUFFIX[e];
  if (suffix === undefined) {
    out.issues.push(issue('unknown_event', `binance: event type ${JSON.stringify(e)} is not read`, where, symbolHint));
    return;
  }
  const r = new FieldReader(`binance ${e}`);
  let q: BinanceQuote;
  const sourceFor = (sym: string): string => stream ?? `${sym.toLowerCase()}@${suffix}`;
  switch (e) {
    case 'markPriceUpdate':
      q = parseMarkPrice(d, sourceFor(symbolHint ?? ''), opts, r);
      break;
    case 'bookTicker':
      q = parseBookTicker(d, sourceFor(symbolHint ?? ''), opts, r);
      break;
    case 'aggTrade':
      q = parseAggTrade(d, sourceFor(symbolHint ?? ''), opts, r);
      break;
    default: {
      const o = d['o'];
      const s = isJsonObject(o) && typeof o['s'] === 'string' ? o['s'] : '';
      q = parseForceOrder(d, sourceFor(s), opts, r);
    }
  }
  if (r.problem !== undefined) {
    out.issues.push(issue(r.problem.code, r.problem.message, where, q.symbol));
    return;
  }
  out.quotes.push(q);
}

function parsePayload(
  v: JsonValue,
  stream: string | undefined,
  opts: BinanceParseOptions,
  where: Where,
  out: ParseResult<BinanceQuote>,
): void {
  if (isJsonArray(v)) {
    if (v.length > BINANCE_ARRAY_ITEMS_MAX) {
      out.issues.push(issue('bad_shape', `binance: array payload of ${v.length} items exceeds ${BINANCE_ARRAY_ITEMS_MAX}`, where));
      return;
    }
    for (const item of v) {
      if (isJsonObject(item)) parsePayloadObject(item, stream, opts, where, out);
      else out.issues.push(issue('bad_shape', 'binance: array item is not an object', where));
    }
    return;
  }
  if (isJsonObject(v)) {
    parsePayloadObject(v, stream, opts, where, out);
    return;
  }
  out.issues.push(issue('bad_shape', 'binance: payload is neither an object nor an array', where));
}

/** Parses an already-decoded JSON value (combined frame, raw payload or array), appending to `out`. */
export function parseBinanceValue(
  v: JsonValue,
  opts: BinanceParseOptions = {},
  where: Where = {},
  out: ParseResult<BinanceQuote> = { quotes: [], issues: [] },
): ParseResult<BinanceQuote> {
  if (isJsonObject(v)) {
    const stream = v['stream'];
    const data = v['data'];
    if (typeof stream === 'string' && data !== undefined) {
      parsePayload(data, stream, opts, where, out);
      return out;
    }
    // A reply to a SUBSCRIBE/LIST request: not market data.
    if ('result' in v && 'id' in v && !('e' in v)) return out;
  }
  parsePayload(v, undefined, opts, where, out);
  return out;
}

/** Parses one WebSocket message (text). Issues carry the character offset of a JSON syntax error. */
export function parseBinanceMessage(text: string, opts: BinanceParseOptions = {}): ParseResult<BinanceQuote> {
  const out: ParseResult<BinanceQuote> = { quotes: [], issues: [] };
  const j = parseJson(text);
  if (!j.ok) {
    out.issues.push(issue('bad_json', `binance: ${j.error}`, { offset: j.offset }));
    return out;
  }
  return parseBinanceValue(j.value, opts, {}, out);
}

/** Parses recorded frames, one JSON message per line (blank lines skipped). Issues carry the 1-based line. */
export function parseBinanceJsonl(text: string, opts: BinanceParseOptions = {}): ParseResult<BinanceQuote> {
  const out: ParseResult<BinanceQuote> = { quotes: [], issues: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const j = parseJson(line);
    if (!j.ok) {
      out.issues.push(issue('bad_json', `binance: ${j.error}`, { line: i + 1, offset: j.offset }));
      continue;
    }
    parseBinanceValue(j.value, opts, { line: i + 1 }, out);
  }
  return out;
}
