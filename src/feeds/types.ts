// The common record every feed adapter yields, and the issue record every parser and guard returns.
// Prices travel as an exact decimal {mantissa, expo} (value = mantissa x 10^expo) until a market converts
// them to its own price atoms (see scaled.ts: toPriceAtoms). Times are integer milliseconds since the epoch, UTC.

import type { CodeName } from '../core/codes.js';

/** An exact decimal: value = mantissa x 10^expo. Never a float. */
export interface Scaled {
  readonly mantissa: bigint;
  readonly expo: number;
}

export type FeedName = 'binance' | 'pyth' | 'chainlink' | 'kline';

/** Fields shared by every quote. */
export interface QuoteBase {
  readonly feed: FeedName;
  /** Where the quote came from: a Binance stream name, a Pyth feed id, a Chainlink feed label, a kline file name. */
  readonly source: string;
  /** The market symbol, as the adapter was told (or as the wire spells it, e.g. Binance "BTCUSDT"). */
  readonly symbol: string;
  /** The price this quote stands for (mark, mid, trade, answer, close...). */
  readonly price: Scaled;
  /** Half-width of the price's uncertainty, when the source gives one (Pyth conf, Binance half-spread). */
  readonly conf?: Scaled;
  /** When the source produced the price. */
  readonly publishTimeMs: number;
  /** When this process received it (live clients only). */
  readonly receivedTimeMs?: number;
  /** The 1-based line of the file it was read from (kline replays). */
  readonly line?: number;
  /** The 1-based number of the message (WebSocket frame, SSE event, RPC poll) a live client read it from. */
  readonly messageNumber?: number;
}

/** Binance USD-M `markPriceUpdate`: price = mark price `p`. */
export interface BinanceMarkPriceQuote extends QuoteBase {
  readonly feed: 'binance';
  readonly kind: 'markPrice';
  readonly mark: Scaled;
  readonly index: Scaled;
  readonly estimatedSettle: Scaled;
  /** Absent when the wire sends `""` (COIN-M delivery contracts). A fraction, not a percentage. */
  readonly fundingRate?: Scaled;
  /** Absent when the wire sends 0 (COIN-M delivery contracts). */
  readonly nextFundingTimeMs?: number;
}

/** Binance `bookTicker`: price = mid, conf = half the spread (both exact). */
export interface BinanceBookTickerQuote extends QuoteBase {
  readonly feed: 'binance';
  readonly kind: 'bookTicker';
  readonly bid: Scaled;
  readonly bidQty: Scaled;
  readonly ask: Scaled;
  readonly askQty: Scaled;
  /** Order book update id `u`: grows per symbol. */
  readonly updateId: bigint;
  readonly transactionTimeMs: number;
}

/** Binance `aggTrade`: price = trade price. */
export interface BinanceAggTradeQuote extends QuoteBase {
  readonly feed: 'binance';
  readonly kind: 'aggTrade';
  readonly qty: Scaled;
  readonly aggTradeId: bigint;
  readonly firstTradeId: bigint;
  readonly lastTradeId: bigint;
  readonly tradeTimeMs: number;
  /** true: the buyer was the maker, so the taker sold. */
  readonly buyerIsMaker: boolean;
}

/** Binance `forceOrder` (a liquidation snapshot): price = average fill price `ap`. */
export interface BinanceForceOrderQuote extends QuoteBase {
  readonly feed: 'binance';
  readonly kind: 'forceOrder';
  /** SELL closes a liquidated long, BUY a liquidated short. */
  readonly side: 'BUY' | 'SELL';
  readonly orderType: string;
  readonly timeInForce: string;
  readonly status: string;
  readonly qty: Scaled;
  /** The IOC limit price `p`. */
  readonly limitPrice: Scaled;
  readonly avgPrice: Scaled;
  readonly lastFilledQty: Scaled;
  readonly filledQty: Scaled;
  readonly tradeTimeMs: number;
  /** COIN-M only. */
  readonly pair?: string;
}

/** Pyth Hermes parsed price update: price/conf share the exponent. */
export interface PythQuote extends QuoteBase {
  readonly feed: 'pyth';
  readonly kind: 'pythPrice';
  readonly conf: Scaled;
  /** Feed id, lowercase hex without 0x. */
  readonly feedId: string;
  readonly emaPrice: Scaled;
  readonly emaConf: Scaled;
  readonly emaPublishTimeMs: number;
  readonly prevPublishTimeMs?: number;
  readonly slot?: number;
  readonly proofAvailableTimeMs?: number;
  /** prev_publish_time == publish_time: the slot advanced but no new publisher price arrived. */
  readonly noNewPrice: boolean;
}

/** Chainlink `latestRoundData()` / `getRoundData()` tuple: price = answer x 10^-decimals. */
export interface ChainlinkQuote extends QuoteBase {
  readonly feed: 'chainlink';
  readonly kind: 'chainlinkRound';
  /** Proxy round id: (phaseId << 64) | aggregatorRound. */
  readonly roundId: bigint;
  readonly answeredInRound: bigint;
  readonly phaseId: number;
  readonly aggregatorRound: bigint;
  readonly startedAtMs: number;
  /** The raw signed answer and its decimals (price restates them as a Scaled). */
  readonly answer: bigint;
  readonly decimals: number;
}

export type KlinePathStep = 'open' | 'high' | 'low' | 'close';

/** One point of a 1-minute kline: its close (per-minute mode) or a step of the intra-minute path. */
export interface KlineQuote extends QuoteBase {
  readonly feed: 'kline';
  readonly kind: 'kline';
  readonly open: Scaled;
  readonly high: Scaled;
  readonly low: Scaled;
  readonly close: Scaled;
  readonly volume: Scaled;
  readonly openTimeMs: number;
  readonly closeTimeMs: number;
  /** Which candle value `price` is. */
  readonly step: KlinePathStep;
}

export type BinanceQuote = BinanceMarkPriceQuote | BinanceBookTickerQuote | BinanceAggTradeQuote | BinanceForceOrderQuote;

export type FeedQuote = BinanceQuote | PythQuote | ChainlinkQuote | KlineQuote;

export type QuoteKind = FeedQuote['kind'];

/**
 * Stable issue codes: the `feed_issue` vocabulary of the table of codes (src/core/codes.ts, docs/codes.md), where each
 * is numbered. A code is never renamed or reused for another meaning; a retired one stays as `deprecated_N`.
 *
 * Parse issues (a line or frame was refused or is noteworthy):
 * - bad_json: not JSON.                   - bad_shape: a field is missing or has the wrong type.
 * - bad_number: a decimal or integer field does not parse, or is out of range.
 * - unknown_event: a well-formed frame of a kind the adapter does not read (ignored).
 * - server_error: the source reported an error in-band (Pyth `event:error`).
 * - bad_header: a CSV header with unexpected columns.   - bad_row: a CSV row that does not parse.
 * - bracket_cum_mismatch / bracket_not_continuous / bracket_order: leverage bracket table checks.
 * Guard issues (a quote parsed fine but must not be trusted as is):
 * - stale_price: no update for longer than the allowed age (the core's word; `stale` before, retired).
 * - duplicate / out_of_order: a quote not newer than the last one accepted (dropped).
 * - stale_answer: Chainlink answeredInRound < roundId (timed-out round carrying an old answer).
 * - heartbeat_exceeded: Chainlink rounds further apart than heartbeat + grace.
 * - incomplete_round: Chainlink roundId 0 or updatedAt 0.
 * - wide_confidence: conf / price above the cap.
 * - no_new_price: Pyth prev_publish_time == publish_time.
 * - non_positive_price: price <= 0, or a price that rounds to 0 at the market's decimals.
 * - jump_after_gap: the first quote after a gap moved more than the cap.
 * - deviation: any single update moved more than the cap.
 */
export type FeedIssueCode = CodeName<'feed_issue'>;

/** Something a parser or guard refused or flagged. Parsers return these; they never throw on bad input. */
export interface FeedIssue {
  readonly code: FeedIssueCode;
  readonly message: string;
  /** 1-based line in the input text, when the input is line-oriented. */
  readonly line?: number;
  /** 0-based character offset in the input (JSON syntax errors). */
  readonly offset?: number;
  /** 0-based index of the quote in the sequence a guard was given. */
  readonly index?: number;
  /** 1-based number of the message a live client received (a WebSocket frame, an SSE event, an RPC poll). */
  readonly messageNumber?: number;
  readonly symbol?: string;
  /** The time the issue refers to (the quote's publish time, or `now` for end-of-sequence staleness). */
  readonly atMs?: number;
}

/** What a parser returns: the quotes it could read and the issues it found, in input order. */
export interface ParseResult<T = FeedQuote> {
  readonly quotes: T[];
  readonly issues: FeedIssue[];
}
