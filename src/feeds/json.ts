// A lossless JSON reader: numbers keep their source text (JsonNumber), so a price or ratio sent as a JSON number
// (Binance leverage brackets: "maintMarginRatio": 0.004) never passes through a float. Plus a small field reader
// that records the first problem instead of throwing, so parsers can turn it into a FeedIssue.

import { parseJsonNumberScaled, parseScaled } from './scaled.js';
import type { FeedIssueCode, Scaled } from './types.js';

/** A JSON number literal, kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export type JsonParse =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/** Nesting accepted; wire payloads are 3-4 levels deep. */
export const JSON_DEPTH_MAX = 64;

class JsonSyntaxError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  pos = 0;
  constructor(
    private readonly s: string,
    private readonly depthMax: number,
  ) {}

  fail(message: string, at: number = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(depth: number): JsonValue {
    this.ws();
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case undefined:
        return this.fail('unexpected end of input');
      default:
        return this.number();
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail(`unexpected token`);
    this.pos += word.length;
    return v;
  }

  number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.s);
    if (m === null || m[0].length === 0) return this.fail('unexpected token');
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  string(): string {
    const s = this.s;
    const start = ++this.pos;
    // Fast path: no escapes.
    let i = start;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return s.slice(start, i);
      }
      if (c === 0x5c) break;
      if (c < 0x20) this.fail('control character in string', i);
      i++;
    }
    let out = s.slice(start, i);
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return out;
      }
      if (c < 0x20) this.fail('control character in string', i);
      if (c !== 0x5c) {
        out += s[i];
        i++;
        continue;
      }
      const e = s[i + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', i);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.fail('bad escape', i);
      }
      i += 2;
    }
    return this.fail('unterminated string', start - 1);
  }

  array(depth: number): JsonValue[] {
    if (depth > this.depthMax) this.fail('nested too deep');
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    while (true) {
      out.push(this.value(depth));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.fail("expected ',' or ']'");
    }
  }

  object(depth: number): JsonObject {
    if (depth > this.depthMax) this.fail('nested too deep');
    this.pos++;
    const out = Object.create(null) as Record<string, JsonValue>;
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    while (true) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      out[key] = this.value(depth);
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.fail("expected ',' or '}'");
    }
  }
}

/** Parses JSON text; numbers become JsonNumber. Never throws: a syntax error comes back with its offset. */
export function parseJson(text: string, depthMax: number = JSON_DEPTH_MAX): JsonParse {
  const r = new Reader(text, depthMax);
  try {
    const value = r.value(0);
    r.ws();
    if (r.pos !== text.length) return { ok: false, error: 'unexpected data after JSON value', offset: r.pos };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, error: e.message, offset: e.offset };
    throw e;
  }
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

export function isJsonArray(v: JsonValue | undefined): v is readonly JsonValue[] {
  return Array.isArray(v);
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
    const v = o[key];
    if (isJsonObject(v)) return v;
    this.bad('bad_shape', `${key} is not an object`);
    return Object.create(null) as JsonObject;
  }

  string(o: JsonObject, key: string): string {
    const v = o[key];
    if (typeof v === 'string') return v;
    this.bad('bad_shape', `${key} is not a string`);
    return '';
  }

  optString(o: JsonObject, key: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    this.bad('bad_shape', `${key} is not a string`);
    return undefined;
  }

  bool(o: JsonObject, key: string): boolean {
    const v = o[key];
    if (typeof v === 'boolean') return v;
    this.bad('bad_shape', `${key} is not a boolean`);
    return false;
  }

  /** A decimal sent as a string ("97028.20000000"). */
  decimal(o: JsonObject, key: string): Scaled {
    const v = o[key];
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
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    return this.decimal(o, key);
  }

  /** A decimal sent as a JSON number (0.004), read from its source text. */
  numberScaled(o: JsonObject, key: string): Scaled {
    const v = o[key];
    if (!(v instanceof JsonNumber)) {
      this.bad('bad_shape', `${key} is not a number`);
      return ZERO;
    }
    const r = parseJsonNumberScaled(v.text);
    if (r.ok) return r.value;
    this.bad('bad_number', `${key}: ${r.error}`);
    return ZERO;
  }

  /** An integer within the safe range (times in ms or s, slots, exponents, leverage). */
  int(o: JsonObject, key: string): number {
    const v = o[key];
    if (!(v instanceof JsonNumber)) {
      this.bad('bad_shape', `${key} is not a number`);
      return 0;
    }
    if (!INTEGER.test(v.text)) {
      this.bad('bad_number', `${key} is not an integer: ${v.text}`);
      return 0;
    }
    const n = Number(v.text); // checked integer text; safety checked next
    if (!Number.isSafeInteger(n)) {
      this.bad('bad_number', `${key} exceeds 2^53: ${v.text}`);
      return 0;
    }
    return n;
  }

  /** An integer that may be missing or null. */
  optInt(o: JsonObject, key: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    return this.int(o, key);
  }

  /** An integer of any size sent as a JSON number (ids). */
  bigint(o: JsonObject, key: string): bigint {
    const v = o[key];
    if (!(v instanceof JsonNumber)) {
      this.bad('bad_shape', `${key} is not a number`);
      return 0n;
    }
    if (!INTEGER.test(v.text)) {
      this.bad('bad_number', `${key} is not an integer: ${v.text}`);
      return 0n;
    }
    return BigInt(v.text);
  }

  /** An integer sent as a string (Pyth i64/u64 mantissas). */
  intString(o: JsonObject, key: string): bigint {
    const v = o[key];
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
