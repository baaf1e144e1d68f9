// Binance USD-M GET /fapi/v1/leverageBracket: the notional brackets (tiers) of maintenance margin.
// The body sends ratios and amounts as JSON numbers; they are read from their source text (lossless JSON), so
// 0.004 becomes exactly 4 000 ppm and 1300.0 exactly 1300 quote units.

import { ppm, quote, type Ppm, type Quote } from '../core/units/index.js';
import { FieldReader, isJsonArray, isJsonObject, parseJson, type JsonObject } from './json.js';
import { formatScaled, toFixedAtoms } from './scaled.js';
import type { FeedIssue, Scaled } from './types.js';

export interface LeverageBracket {
  /** Tier number from 1. */
  readonly bracket: number;
  readonly initialLeverage: number;
  /** Lower notional bound, in quote atoms. */
  readonly notionalFloorQuote: Quote;
  /** Upper notional bound, in quote atoms. */
  readonly notionalCapQuote: Quote;
  /** Maintenance margin ratio in ppm (0.004 -> 4 000). */
  readonly maintMarginRatioPpm: Ppm;
  /** Maintenance amount `cum` in quote atoms: MM = notional x MMR - cum. */
  readonly cumQuote: Quote;
}

export interface SymbolBrackets {
  readonly symbol: string;
  /** Present only when the account's brackets were adjusted. */
  readonly notionalCoef?: Scaled;
  readonly brackets: readonly LeverageBracket[];
}

export interface BracketParseOptions {
  /** Decimals of the quote atoms the notional and cum figures are converted to (e.g. 6 for USDT in 1e-6). */
  readonly quoteDecimals: number;
}

export interface BracketParseResult {
  readonly symbols: SymbolBrackets[];
  readonly issues: FeedIssue[];
}

/** Symbols and brackets per symbol accepted from one body. */
export const BRACKET_SYMBOLS_MAX = 1_000;
export const BRACKETS_PER_SYMBOL_MAX = 50;

function exactAtoms(r: FieldReader, v: Scaled, decimals: number, what: string): bigint {
  const a = toFixedAtoms(v, decimals, 'exact');
  if (a.ok) return a.value;
  if (r.problem === undefined) r.problem = { code: 'bad_number', message: `${what}: ${a.error}` };
  return 0n;
}

function parseSymbol(o: JsonObject, opts: BracketParseOptions, issues: FeedIssue[], index: number): SymbolBrackets | undefined {
  const head = new FieldReader(`leverageBracket[${index}]`);
  const symbol = head.string(o, 'symbol');
  const coef = o['notionalCoef'] === undefined || o['notionalCoef'] === null ? undefined : head.numberScaled(o, 'notionalCoef');
  const list = o['brackets'];
  if (head.problem !== undefined || !isJsonArray(list)) {
    issues.push({
      code: head.problem?.code ?? 'bad_shape',
      message: head.problem?.message ?? `leverageBracket[${index}]: brackets is not an array`,
      index,
      ...(symbol !== '' ? { symbol } : {}),
    });
    return undefined;
  }
  if (list.length > BRACKETS_PER_SYMBOL_MAX) {
    issues.push({ code: 'bad_shape', message: `${symbol}: ${list.length} brackets exceed ${BRACKETS_PER_SYMBOL_MAX}`, index, symbol });
    return undefined;
  }
  const brackets: LeverageBracket[] = [];
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    const r = new FieldReader(`${symbol} bracket[${i}]`);
    if (!isJsonObject(b)) {
      issues.push({ code: 'bad_shape', message: `${symbol} bracket[${i}] is not an object`, index: i, symbol });
      return undefined;
    }
    const bracket = r.int(b, 'bracket');
    const initialLeverage = r.int(b, 'initialLeverage');
    const cap = r.numberScaled(b, 'notionalCap');
    const floor = r.numberScaled(b, 'notionalFloor');
    const mmr = r.numberScaled(b, 'maintMarginRatio');
    const cum = r.numberScaled(b, 'cum');
    const rec: LeverageBracket = {
      bracket,
      initialLeverage,
      notionalCapQuote: quote(exactAtoms(r, cap, opts.quoteDecimals, 'notionalCap')),
      notionalFloorQuote: quote(exactAtoms(r, floor, opts.quoteDecimals, 'notionalFloor')),
      maintMarginRatioPpm: ppm(exactAtoms(r, mmr, 6, 'maintMarginRatio (ppm)')),
      cumQuote: quote(exactAtoms(r, cum, opts.quoteDecimals, 'cum')),
    };
    if (r.problem !== undefined) {
      issues.push({ code: r.problem.code, message: r.problem.message, index: i, symbol });
      return undefined;
    }
    brackets.push(rec);
  }
  return { symbol, ...(coef !== undefined ? { notionalCoef: coef } : {}), brackets };
}

/**
 * Parses the response body: an array of {symbol, brackets} (no `symbol` parameter) or one bare object (with it).
 * A symbol whose brackets do not all parse is left out, with an issue.
 */
export function parseLeverageBrackets(text: string, opts: BracketParseOptions): BracketParseResult {
  const issues: FeedIssue[] = [];
  const symbols: SymbolBrackets[] = [];
  const j = parseJson(text);
  if (!j.ok) {
    issues.push({ code: 'bad_json', message: `leverageBracket: ${j.error}`, offset: j.offset });
    return { symbols, issues };
  }
  const items = isJsonArray(j.value) ? j.value : [j.value];
  if (items.length > BRACKET_SYMBOLS_MAX) {
    issues.push({ code: 'bad_shape', message: `leverageBracket: ${items.length} symbols exceed ${BRACKET_SYMBOLS_MAX}` });
    return { symbols, issues };
  }
  items.forEach((item, index) => {
    if (!isJsonObject(item)) {
      issues.push({ code: 'bad_shape', message: `leverageBracket[${index}] is not an object`, index });
      return;
    }
    const sb = parseSymbol(item, opts, issues, index);
    if (sb !== undefined) symbols.push(sb);
  });
  return { symbols, issues };
}

/**
 * Checks one symbol's table: brackets numbered 1..n in order, each floor equal to the previous cap (continuous
 * tiers), floor < cap, MMR not decreasing, and cum_n = cum_{n-1} + floor_n x (MMR_n - MMR_{n-1}) exactly
 * (with cum_0 = MMR_0 = 0). Issues carry the bracket's index in the table.
 */
export function checkBracketTable(sb: SymbolBrackets): FeedIssue[] {
  const issues: FeedIssue[] = [];
  const symbol = sb.symbol;
  let prevCum = 0n;
  let prevMmr = 0n;
  let prevCap: bigint | undefined;
  sb.brackets.forEach((b, index) => {
    if (b.bracket !== index + 1) {
      issues.push({ code: 'bracket_order', message: `${symbol}: bracket at position ${index + 1} is numbered ${b.bracket}`, index, symbol });
    }
    if (b.notionalFloorQuote >= b.notionalCapQuote) {
      issues.push({ code: 'bracket_order', message: `${symbol} bracket ${b.bracket}: floor is not below cap`, index, symbol });
    }
    if (b.maintMarginRatioPpm < prevMmr) {
      issues.push({ code: 'bracket_order', message: `${symbol} bracket ${b.bracket}: MMR decreases`, index, symbol });
    }
    if (prevCap !== undefined && b.notionalFloorQuote !== prevCap) {
      issues.push({
        code: 'bracket_not_continuous',
        message: `${symbol} bracket ${b.bracket}: floor ${b.notionalFloorQuote} differs from the previous cap ${prevCap}`,
        index,
        symbol,
      });
    }
    // cum_n x 1e6 = cum_{n-1} x 1e6 + floor_n x (MMR_n - MMR_{n-1}), all integers: no rounding to hide behind.
    const lhs = b.cumQuote * 1_000_000n;
    const rhs = prevCum * 1_000_000n + b.notionalFloorQuote * (b.maintMarginRatioPpm - prevMmr);
    if (lhs !== rhs) {
      issues.push({
        code: 'bracket_cum_mismatch',
        message: `${symbol} bracket ${b.bracket}: cum ${b.cumQuote} atoms, expected ${formatScaled({ mantissa: rhs, expo: -6 })}`,
        index,
        symbol,
      });
    }
    prevCum = b.cumQuote;
    prevMmr = b.maintMarginRatioPpm;
    prevCap = b.notionalCapQuote;
  });
  return issues;
}
