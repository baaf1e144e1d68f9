// Adapter-level guards: pure functions over the sequence of quotes for one symbol (in arrival order) that return
// issue codes. Each issue names the 0-based index of the quote it concerns. None of them reads a clock: where "now"
// matters it is a parameter. Run dropOutOfOrder first; the other guards assume the sequence it keeps.

import { formatScaled, ratioPpm, relativeExceedsPpm, shareExceedsPpm, subScaled } from './scaled.js';
import type { ChainlinkQuote, FeedIssue, FeedIssueCode, FeedQuote, PythQuote } from './types.js';

/** Where a quote was read (its file line or live message number), to be copied onto an issue about it. */
export function quoteWhere(q: FeedQuote): { line?: number; messageNumber?: number } {
  return {
    ...(q.line !== undefined ? { line: q.line } : {}),
    ...(q.messageNumber !== undefined ? { messageNumber: q.messageNumber } : {}),
  };
}

function at(code: FeedIssueCode, q: FeedQuote, index: number, message: string, atMs: number = q.publishTimeMs): FeedIssue {
  return { code, message, index, symbol: q.symbol, atMs, ...quoteWhere(q) };
}

/** Splits a mixed stream into per-symbol sequences, keeping arrival order. */
export function groupBySymbol<Q extends FeedQuote>(quotes: readonly Q[]): Map<string, Q[]> {
  const m = new Map<string, Q[]>();
  for (const q of quotes) {
    const list = m.get(q.symbol);
    if (list === undefined) m.set(q.symbol, [q]);
    else list.push(q);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Ordering

type OrderState =
  | { readonly by: 'time'; readonly t: number }
  | { readonly by: 'updateId'; readonly u: bigint }
  | { readonly by: 'pyth'; readonly t: number; readonly slot: number | undefined }
  | { readonly by: 'round'; readonly phase: number; readonly round: bigint };

/** What identifies one ordered series: the kind plus the feed's own identity for a price. */
function orderKey(q: FeedQuote): string {
  switch (q.kind) {
    case 'pythPrice':
      return `${q.kind}|${q.feedId}`;
    case 'chainlinkRound':
    case 'kline':
      return `${q.kind}|${q.source}|${q.symbol}`;
    default:
      return `${q.kind}|${q.symbol}`;
  }
}

/**
 * Drops quotes that are not newer than the last one accepted for the same series:
 * - Binance markPrice/aggTrade/forceOrder, klines: publish time (E) <= last;
 * - Binance bookTicker: update id u <= last;
 * - Pyth: publish_time < last (out_of_order); an equal publish_time is kept when the slot advanced (the "no new
 *   price" case, flagged by checkNoNewPrice) and dropped as a duplicate otherwise;
 * - Chainlink: within a phase the aggregator round must grow; a higher phase is accepted (aggregator rounds restart
 *   at 1), a lower phase is out_of_order.
 * Stateful so live clients can use it one quote at a time; dropOutOfOrder wraps it for sequences.
 */
export class OrderGuard {
  private readonly last = new Map<string, OrderState>();

  /** undefined: accepted (and remembered). Otherwise the reason it was dropped (index left for the caller). */
  check(q: FeedQuote): { code: 'duplicate' | 'out_of_order'; message: string } | undefined {
    const key = orderKey(q);
    const prev = this.last.get(key);
    const next = this.stateOf(q);
    if (prev !== undefined) {
      const verdict = this.compare(prev, next);
      if (verdict !== undefined) return { code: verdict, message: `${q.kind} ${q.symbol}: ${verdict.replaceAll('_', ' ')} (${describe(next)} after ${describe(prev)})` };
    }
    this.last.set(key, next);
    return undefined;
  }

  private stateOf(q: FeedQuote): OrderState {
    switch (q.kind) {
      case 'bookTicker':
        return { by: 'updateId', u: q.updateId };
      case 'pythPrice':
        return { by: 'pyth', t: q.publishTimeMs, slot: q.slot };
      case 'chainlinkRound':
        return { by: 'round', phase: q.phaseId, round: q.aggregatorRound };
      default:
        return { by: 'time', t: q.publishTimeMs };
    }
  }

  private compare(prev: OrderState, next: OrderState): 'duplicate' | 'out_of_order' | undefined {
    if (prev.by === 'time' && next.by === 'time') return next.t === prev.t ? 'duplicate' : next.t < prev.t ? 'out_of_order' : undefined;
    if (prev.by === 'updateId' && next.by === 'updateId') return next.u === prev.u ? 'duplicate' : next.u < prev.u ? 'out_of_order' : undefined;
    if (prev.by === 'pyth' && next.by === 'pyth') {
      if (next.t < prev.t) return 'out_of_order';
      if (next.t > prev.t) return undefined;
      if (next.slot !== undefined && prev.slot !== undefined && next.slot > prev.slot) return undefined;
      return 'duplicate';
    }
    if (prev.by === 'round' && next.by === 'round') {
      if (next.phase > prev.phase) return undefined;
      if (next.phase < prev.phase) return 'out_of_order';
      return next.round === prev.round ? 'duplicate' : next.round < prev.round ? 'out_of_order' : undefined;
    }
    return undefined; // a series never changes kind (the key includes it)
  }
}

function describe(s: OrderState): string {
  switch (s.by) {
    case 'time':
      return `t=${s.t}`;
    case 'updateId':
      return `u=${s.u}`;
    case 'pyth':
      return `t=${s.t} slot=${s.slot ?? '-'}`;
    case 'round':
      return `phase ${s.phase} round ${s.round}`;
  }
}

/** The quotes kept in order, and a duplicate / out_of_order issue for each one dropped (index into the input). */
export function dropOutOfOrder<Q extends FeedQuote>(quotes: readonly Q[]): { kept: Q[]; issues: FeedIssue[] } {
  const g = new OrderGuard();
  const kept: Q[] = [];
  const issues: FeedIssue[] = [];
  quotes.forEach((q, index) => {
    const v = g.check(q);
    if (v === undefined) kept.push(q);
    else issues.push(at(v.code, q, index, v.message));
  });
  return { kept, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// Staleness

export interface StalenessOptions {
  /** Longest tolerated silence, e.g. 5 000 ms on a 1 s stream. */
  readonly maxAgeMs: number;
  /** If given, the end of the sequence is also checked: now - last publish time > maxAgeMs. */
  readonly nowMs?: number;
}

function gaps(quotes: readonly FeedQuote[], limitMs: number, code: FeedIssueCode, nowMs: number | undefined, what: string): FeedIssue[] {
  const issues: FeedIssue[] = [];
  for (let i = 1; i < quotes.length; i++) {
    const q = quotes[i];
    const p = quotes[i - 1];
    if (q === undefined || p === undefined) continue;
    const gap = q.publishTimeMs - p.publishTimeMs;
    if (gap > limitMs) issues.push(at(code, q, i, `${q.symbol}: ${gap} ms since the previous ${what} (limit ${limitMs} ms)`));
  }
  const last = quotes[quotes.length - 1];
  if (nowMs !== undefined && last !== undefined && nowMs - last.publishTimeMs > limitMs) {
    issues.push(at(code, last, quotes.length - 1, `${last.symbol}: ${nowMs - last.publishTimeMs} ms since the last ${what} (limit ${limitMs} ms)`, nowMs));
  }
  return issues;
}

/**
 * Per-symbol staleness: a `stale_price` issue on the first quote after each silence longer than maxAgeMs (the symbol was
 * stale until it arrived), and on the last quote if `nowMs` is given and it is already too old.
 */
export function checkStaleness(quotes: readonly FeedQuote[], opts: StalenessOptions): FeedIssue[] {
  return gaps(quotes, opts.maxAgeMs, 'stale_price', opts.nowMs, 'update');
}

export interface HeartbeatOptions {
  /** The feed's published heartbeat, e.g. 3 600 000 ms. */
  readonly heartbeatMs: number;
  /** Tolerated lateness of a heartbeat round (Chainlink says "a slight delay"), e.g. 60 000 ms. */
  readonly graceMs: number;
  readonly nowMs?: number;
}

/** Chainlink: `heartbeat_exceeded` on a round that came more than heartbeat + grace after the previous one. */
export function checkHeartbeat(quotes: readonly ChainlinkQuote[], opts: HeartbeatOptions): FeedIssue[] {
  return gaps(quotes, opts.heartbeatMs + opts.graceMs, 'heartbeat_exceeded', opts.nowMs, 'round');
}

/**
 * Chainlink: `stale_answer` where answeredInRound < roundId (a timed-out FluxAggregator round: updatedAt looks
 * fresh but the answer is the previous round's).
 */
export function checkAnsweredInRound(quotes: readonly ChainlinkQuote[]): FeedIssue[] {
  const issues: FeedIssue[] = [];
  quotes.forEach((q, i) => {
    if (q.answeredInRound < q.roundId) {
      issues.push(at('stale_answer', q, i, `${q.symbol}: round ${q.roundId} was answered in round ${q.answeredInRound}`));
    }
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------------------------
// Price sanity

/** `non_positive_price` on every quote whose price is <= 0. */
export function checkPositivePrice(quotes: readonly FeedQuote[]): FeedIssue[] {
  const issues: FeedIssue[] = [];
  quotes.forEach((q, i) => {
    if (q.price.mantissa <= 0n) issues.push(at('non_positive_price', q, i, `${q.symbol}: price ${formatScaled(q.price)} is not positive`));
  });
  return issues;
}

export interface ConfidenceOptions {
  /** Largest tolerated conf / price, in ppm (10 000 = 1%). */
  readonly maxConfPpm: bigint;
}

/**
 * `wide_confidence` where conf / |price| > the cap (quotes without conf are skipped; a zero price always trips).
 * Exact: conf x 1e6 > cap x |price|, no division.
 */
export function checkConfidence(quotes: readonly FeedQuote[], opts: ConfidenceOptions): FeedIssue[] {
  const issues: FeedIssue[] = [];
  quotes.forEach((q, i) => {
    if (q.conf === undefined) return;
    if (q.price.mantissa === 0n || shareExceedsPpm(q.conf, q.price, opts.maxConfPpm)) {
      issues.push(
        at('wide_confidence', q, i, `${q.symbol}: conf ${formatScaled(q.conf)} is ${ratioPpm(q.conf, q.price)} ppm of price ${formatScaled(q.price)} (cap ${opts.maxConfPpm} ppm)`),
      );
    }
  });
  return issues;
}

/** Pyth: `no_new_price` where prev_publish_time == publish_time (the slot advanced, the price did not). */
export function checkNoNewPrice(quotes: readonly PythQuote[]): FeedIssue[] {
  const issues: FeedIssue[] = [];
  quotes.forEach((q, i) => {
    if (q.noNewPrice) issues.push(at('no_new_price', q, i, `${q.symbol}: no new price since ${q.publishTimeMs} (slot ${q.slot ?? '-'})`));
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------------------------
// Moves

export interface DeviationOptions {
  /** Largest tolerated |Δprice| / previous price, in ppm. */
  readonly maxMovePpm: bigint;
}

function moves(quotes: readonly FeedQuote[], capPpm: bigint, minGapMs: number, code: FeedIssueCode): FeedIssue[] {
  const issues: FeedIssue[] = [];
  for (let i = 1; i < quotes.length; i++) {
    const q = quotes[i];
    const p = quotes[i - 1];
    if (q === undefined || p === undefined) continue;
    const gap = q.publishTimeMs - p.publishTimeMs;
    if (gap <= minGapMs) continue;
    if (relativeExceedsPpm(q.price, p.price, capPpm)) {
      const after = code === 'jump_after_gap' ? ` after a ${gap} ms gap` : '';
      issues.push(
        at(code, q, i, `${q.symbol}: ${formatScaled(p.price)} -> ${formatScaled(q.price)} moved ${movePpm(q, p)} ppm${after} (cap ${capPpm} ppm)`),
      );
    }
  }
  return issues;
}

function movePpm(q: FeedQuote, p: FeedQuote): bigint {
  return ratioPpm(subScaled(q.price, p.price), p.price);
}

/** `deviation` on every update that moved more than the cap from the previous quote. */
export function checkDeviation(quotes: readonly FeedQuote[], opts: DeviationOptions): FeedIssue[] {
  return moves(quotes, opts.maxMovePpm, Number.NEGATIVE_INFINITY, 'deviation');
}

export interface JumpAfterGapOptions extends DeviationOptions {
  /** A silence longer than this makes the next quote "after a gap". */
  readonly gapMs: number;
}

/**
 * `jump_after_gap` on the first quote after a silence longer than gapMs when it moved more than the cap: the price
 * was not observed in between, so the move must be confirmed before acting on it.
 */
export function checkJumpAfterGap(quotes: readonly FeedQuote[], opts: JumpAfterGapOptions): FeedIssue[] {
  return moves(quotes, opts.maxMovePpm, opts.gapMs, 'jump_after_gap');
}
