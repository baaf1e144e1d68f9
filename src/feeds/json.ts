// JSON for the feed parsers, read losslessly with lossless-json: numbers keep their source text (a LosslessNumber),
// so a price or ratio sent as a JSON number (Binance leverage brackets: "maintMarginRatio": 0.004) never passes
// through a float, and a 19-digit id stays exact. Plus a small field reader that records the first problem instead
// of throwing, so parsers can turn it into a FeedIssue.

import { isLosslessNumber, LosslessNumber, parse } from 'lossless-json';
import { parseJsonNumberScaled, parseScaled } from './scaled.js';
import type { FeedIssueCode, Scaled } from './types.js';

/** A JSON number literal, kept as written (`.value` is its text): lossless-json's LosslessNumber. */
export { LosslessNumber as JsonNumber };
type JsonNumber = LosslessNumber;

export type JsonValue = null | boolean | string | JsonNumber | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export type JsonParse =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/**
 * Parses JSON text; numbers become JsonNumber. Never throws: a syntax error (or a key given twice with different
 * values) comes back with its character offset; nesting deep enough to exhaust the stack comes back as an error too.
 */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: parse(text, null, (digits) => new LosslessNumber(digits)) as JsonValue };
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, error: 'nested too deep', offset: 0 };
    if (!(e instanceof SyntaxError)) throw e;
    // lossless-json ends its messages with "at position N".
    const m = /^(.*?)(?: at position (\d+))?$/s.exec(e.message);
    return { ok: false, error: m?.[1] ?? e.message, offset: m?.[2] === undefined ? 0 : Number(m[2]) };
  }
}

export function isJsonNumber(v: JsonValue | undefined): v is JsonNumber {
  return isLosslessNumber(v);
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

export function isJsonArray(v: JsonValue | undefined): v is readonly JsonValue[] {
  return Array.isArray(v);
}

/** An object's own field (never one inherited from Object.prototype, such as "constructor"). */
export function field(o: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

const ZERO: Scaled = { mantissa: 0n, expo: 0 };
const INTEGER = /^-?\d+$/;

/**
 * Reads typed fields out of JSON objects, remembering the first problem. After a batch of reads, check `problem`:
 * when set, the values read may be placeholders and must not be used.
 */
export class FieldReader {
  problem: { code: FeedIssueCode; message: string } | undefined;

  constructor(private readonly where: string) {}

  private bad(code: FeedIssueCode, message: string): void {
    if (this.problem === undefined) this.problem = { code, message: `${this.where}: ${message}` };
  }

  object(o: JsonObject, key: string): JsonObject {
    const v = field(o, key);
    if (isJsonObject(v)) return v;
    this.bad('bad_shape', `${key} is not an object`);
    return Object.create(null) as JsonObject;
  }

  string(o: JsonObject, key: string): string {
    const v = field(o, key);
    if (typeof v === 'string') return v;
    this.bad('bad_shape', `${key} is not a string`);
    return '';
  }

  optString(o: JsonObject, key: string): string | undefined {
    const v = field(o, key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    this.bad('bad_shape', `${key} is not a string`);
    return undefined;
  }

  bool(o: JsonObject, key: string): boolean {
    const v = field(o, key);
    if (typeof v === 'boolean') return v;
    this.bad('bad_shape', `${key} is not a boolean`);
    return false;
  }

  /** A decimal sent as a string ("97028.20000000"). */
  decimal(o: JsonObject, key: string): Scaled {
    const v = field(o, key);
    if (typeof v !== 'string') {
      this.bad('bad_shape', `${key} is not a decimal string`);
      return ZERO;
    }
    const r = parseScaled(v);
    if (r.ok) return r.value;
    this.bad('bad_number', `${key}: ${r.error}`);
    return ZERO;
  }

  /** A decimal string that may be "" (COIN-M funding rate on delivery contracts): "" gives undefined. */
  optDecimal(o: JsonObject, key: string): Scaled | undefined {
    const v = field(o, key);
    if (v === undefined || v === null || v === '') return undefined;
    return this.decimal(o, key);
  }

  /** A decimal sent as a JSON number (0.004), read from its source text. */
  numberScaled(o: JsonObject, key: string): Scaled {
    const v = field(o, key);
    if (!isJsonNumber(v)) {
      this.bad('bad_shape', `${key} is not a number`);
      return ZERO;
    }
    const r = parseJsonNumberScaled(v.value);
    if (r.ok) return r.value;
    this.bad('bad_number', `${key}: ${r.error}`);
    return ZERO;
  }

  /** An integer within the safe range (times in ms or s, slots, exponents, leverage). */
  int(o: JsonObject, key: string): number {
    const v = field(o, key);
    if (!isJsonNumber(v)) {
      this.bad('bad_shape', `${key} is not a number`);
      return 0;
    }
    if (!INTEGER.test(v.value)) {
      this.bad('bad_number', `${key} is not an integer: ${v.value}`);
      return 0;
    }
    const n = Number(v.value); // checked integer text; safety checked next
    if (!Number.isSafeInteger(n)) {
      this.bad('bad_number', `${key} exceeds 2^53: ${v.value}`);
      return 0;
    }
    return n;
  }

  /** A time in ms since the epoch: a non-negative integer within the safe range (Binance E and T). */
  timeMs(o: JsonObject, key: string): number {
    const t = this.int(o, key);
    if (t < 0) {
      this.bad('bad_number', `${key} is a negative time: ${t}`);
      return 0;
    }
    return t;
  }

  /** An integer that may be missing or null. */
  optInt(o: JsonObject, key: string): number | undefined {
    const v = field(o, key);
    if (v === undefined || v === null) return undefined;
    return this.int(o, key);
  }

  /** An integer of any size sent as a JSON number (ids). */
  bigint(o: JsonObject, key: string): bigint {
    const v = field(o, key);
    if (!isJsonNumber(v)) {
      this.bad('bad_shape', `${key} is not a number`);
      return 0n;
    }
    if (!INTEGER.test(v.value)) {
      this.bad('bad_number', `${key} is not an integer: ${v.value}`);
      return 0n;
    }
    return BigInt(v.value);
  }

  /** An integer sent as a string (Pyth i64/u64 mantissas). */
  intString(o: JsonObject, key: string): bigint {
    const v = field(o, key);
    if (typeof v !== 'string') {
      this.bad('bad_shape', `${key} is not an integer string`);
      return 0n;
    }
    if (!INTEGER.test(v) || v.replace('-', '').length > 40) {
      this.bad('bad_number', `${key} is not an integer: ${JSON.stringify(v)}`);
      return 0n;
    }
    return BigInt(v);
  }
}
