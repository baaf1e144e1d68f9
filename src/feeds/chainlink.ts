// Chainlink Data Feeds (AggregatorV3Interface): pure parsers for recorded rounds (CSV) and for the raw ABI return of
// latestRoundData() / decimals() as an eth_call gives it. Round ids are uint80 proxy ids (phaseId << 64 | aggregator
// round) far above 2^53: bigint throughout. answer is int256, two's complement on the wire.

import { SCALED_EXPO_ABS_MAX } from './scaled.js';
import type { ChainlinkQuote, FeedIssue, ParseResult } from './types.js';

/** 4-byte selectors of the calls the live poller makes. */
export const CHAINLINK_SELECTORS = {
  latestRoundData: '0xfeaf968c',
  decimals: '0x313ce567',
} as const;

/** One round as the contract returns it; times in seconds, unconverted. */
export interface ChainlinkRound {
  readonly roundId: bigint;
  readonly answer: bigint;
  readonly startedAt: bigint;
  readonly updatedAt: bigint;
  readonly answeredInRound: bigint;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const WORD_HEX = 64;
const TWO_256 = 1n << 256n;
const TWO_255 = 1n << 255n;
const UINT80_LIMIT = 1n << 80n;
const AGGREGATOR_ROUND_MASK = (1n << 64n) - 1n;

/** phaseId = roundId >> 64, aggregatorRound = roundId & (2^64 - 1). */
export function splitRoundId(roundId: bigint): { phaseId: number; aggregatorRound: bigint } {
  return { phaseId: Number(roundId >> 64n), aggregatorRound: roundId & AGGREGATOR_ROUND_MASK };
}

/** The inverse of splitRoundId. */
export function proxyRoundId(phaseId: number, aggregatorRound: bigint): bigint {
  return (BigInt(phaseId) << 64n) | aggregatorRound;
}

function words(hex: string, count: number): Decoded<bigint[]> {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length !== count * WORD_HEX) {
    return { ok: false, error: `expected ${count} ABI words (${count * 32} bytes), got ${h.length / 2} bytes` };
  }
  if (!/^[0-9a-fA-F]*$/.test(h)) return { ok: false, error: 'not hex' };
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(BigInt('0x' + h.slice(i * WORD_HEX, (i + 1) * WORD_HEX)));
  return { ok: true, value: out };
}

/** Decodes the 5-word return of latestRoundData()/getRoundData(). */
export function decodeRoundData(hex: string): Decoded<ChainlinkRound> {
  const w = words(hex, 5);
  if (!w.ok) return w;
  const [roundId = 0n, rawAnswer = 0n, startedAt = 0n, updatedAt = 0n, answeredInRound = 0n] = w.value;
  if (roundId >= UINT80_LIMIT) return { ok: false, error: 'roundId exceeds uint80' };
  if (answeredInRound >= UINT80_LIMIT) return { ok: false, error: 'answeredInRound exceeds uint80' };
  const answer = rawAnswer >= TWO_255 ? rawAnswer - TWO_256 : rawAnswer;
  return { ok: true, value: { roundId, answer, startedAt, updatedAt, answeredInRound } };
}

/** Decodes the 1-word return of decimals() (uint8). */
export function decodeDecimals(hex: string): Decoded<number> {
  const w = words(hex, 1);
  if (!w.ok) return w;
  const v = w.value[0] ?? 0n;
  if (v > 255n) return { ok: false, error: 'decimals exceeds uint8' };
  return { ok: true, value: Number(v) };
}

function word(v: bigint): string {
  const u = v < 0n ? v + TWO_256 : v;
  return u.toString(16).padStart(WORD_HEX, '0');
}

/** ABI-encodes a round as latestRoundData() returns it (for mock nodes and tests). */
export function encodeRoundData(r: ChainlinkRound): string {
  return '0x' + [r.roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound].map(word).join('');
}

/** ABI-encodes one uint word (decimals()). */
export function encodeUintWord(v: bigint): string {
  return '0x' + word(v);
}

export interface ChainlinkQuoteOptions {
  readonly symbol: string;
  /** Feed label or proxy address. */
  readonly source: string;
  readonly receivedTimeMs?: number;
}

const MAX_SECONDS = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 1000));

/**
 * A round as a quote: price = answer x 10^-decimals. Refuses rounds with no data (roundId 0 or updatedAt 0:
 * incomplete_round) and out-of-range fields (bad_number). A non-positive answer still becomes a quote; the
 * non-positive guard judges it.
 */
export function chainlinkRoundToQuote(
  r: ChainlinkRound,
  decimals: number,
  opts: ChainlinkQuoteOptions,
): { ok: true; quote: ChainlinkQuote } | { ok: false; issue: FeedIssue } {
  const symbol = opts.symbol;
  if (r.roundId === 0n || r.updatedAt === 0n) {
    return { ok: false, issue: { code: 'incomplete_round', message: `chainlink ${symbol}: round ${r.roundId} has no data (updatedAt ${r.updatedAt})`, symbol } };
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > SCALED_EXPO_ABS_MAX) {
    return { ok: false, issue: { code: 'bad_number', message: `chainlink ${symbol}: decimals ${decimals} out of range`, symbol } };
  }
  if (r.startedAt < 0n || r.startedAt > MAX_SECONDS || r.updatedAt < 0n || r.updatedAt > MAX_SECONDS) {
    return { ok: false, issue: { code: 'bad_number', message: `chainlink ${symbol}: timestamp out of range`, symbol } };
  }
  if (r.roundId < 0n || r.roundId >= UINT80_LIMIT || r.answeredInRound < 0n || r.answeredInRound >= UINT80_LIMIT) {
    return { ok: false, issue: { code: 'bad_number', message: `chainlink ${symbol}: round id outside uint80`, symbol } };
  }
  const { phaseId, aggregatorRound } = splitRoundId(r.roundId);
  return {
    ok: true,
    quote: {
      feed: 'chainlink',
      kind: 'chainlinkRound',
      source: opts.source,
      symbol,
      price: { mantissa: r.answer, expo: decimals === 0 ? 0 : -decimals },
      publishTimeMs: Number(r.updatedAt) * 1000,
      ...(opts.receivedTimeMs !== undefined ? { receivedTimeMs: opts.receivedTimeMs } : {}),
      roundId: r.roundId,
      answeredInRound: r.answeredInRound,
      phaseId,
      aggregatorRound,
      startedAtMs: Number(r.startedAt) * 1000,
      answer: r.answer,
      decimals,
    },
  };
}

/** The rounds CSV columns, by name (any order). */
export const CHAINLINK_CSV_COLUMNS = ['round_id', 'answer', 'started_at', 'updated_at', 'answered_in_round', 'decimals'] as const;

const UNSIGNED = /^\d{1,78}$/;
const SIGNED = /^-?\d{1,78}$/;

/**
 * Parses recorded rounds: a header naming CHAINLINK_CSV_COLUMNS, then one round per row. Issues carry the 1-based
 * line (row n of data is line n + 1).
 */
export function parseChainlinkRoundsCsv(text: string, opts: Omit<ChainlinkQuoteOptions, 'receivedTimeMs'>): ParseResult<ChainlinkQuote> {
  const quotes: ChainlinkQuote[] = [];
  const issues: FeedIssue[] = [];
  const lines = text.split('\n');
  let col: Map<string, number> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    if (col === undefined) {
      col = new Map(cells.map((c, k) => [c, k]));
      const missing = CHAINLINK_CSV_COLUMNS.filter((c) => !col?.has(c));
      if (missing.length > 0) {
        issues.push({ code: 'bad_header', message: `chainlink: header lacks ${missing.join(', ')}`, line: i + 1 });
        return { quotes, issues };
      }
      continue;
    }
    const cell = (name: (typeof CHAINLINK_CSV_COLUMNS)[number]): string => cells[col?.get(name) ?? -1] ?? '';
    const bad = CHAINLINK_CSV_COLUMNS.find((name) => !(name === 'answer' ? SIGNED : UNSIGNED).test(cell(name)));
    if (bad !== undefined) {
      issues.push({ code: 'bad_row', message: `chainlink: ${bad} is not an integer: ${JSON.stringify(cell(bad))}`, line: i + 1, symbol: opts.symbol });
      continue;
    }
    const round: ChainlinkRound = {
      roundId: BigInt(cell('round_id')),
      answer: BigInt(cell('answer')),
      startedAt: BigInt(cell('started_at')),
      updatedAt: BigInt(cell('updated_at')),
      answeredInRound: BigInt(cell('answered_in_round')),
    };
    const decimals = Number.parseInt(cell('decimals'), 10);
    const r = chainlinkRoundToQuote(round, decimals, opts);
    if (r.ok) quotes.push(r.quote);
    else issues.push({ ...r.issue, line: i + 1 });
  }
  if (col === undefined) issues.push({ code: 'bad_header', message: 'chainlink: no header row' });
  return { quotes, issues };
}
