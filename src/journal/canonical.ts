// Canonical JSON at journal speed. The bytes are core/engine/snapshot.ts canonicalJson's, exactly (canonical.test.ts
// pins it with a property test over arbitrary values and over real commands and events); only the work differs.
//
// canonicalJson sorts every object's keys (Object.keys + sort) each time. Commands and events come in a few shapes
// that repeat millions of times, so this encoder remembers, at each place in the value tree (the command, an event,
// an event's field), the shapes it met there: the keys in insertion order, and the same keys sorted with their quoted
// text. An object whose own keys (for...in over a plain object: own enumerable string keys, in Object.keys' order)
// equal a remembered insertion order is written in the remembered sorted order; any other object is sorted afresh
// and its shape remembered. Objects whose prototype is not Object.prototype or null take canonicalJson's path.
//
// matchesBytes(value, bytes) answers "bytes are the UTF-8 of encode(value)" without writing encode's text: the same
// walk and shapes, each piece compared with the bytes where it stands (recovery's byte-for-byte check of every replayed
// record, on the record's bytes as stored); matches(value, text) asks it of a string's UTF-8.
//
// parseCanonical reads the text back as parseCanonicalJson does (bigints from {"$n": ...}), but with JSON.parse
// without a reviver and one walk after it: the reviver calls back into JS for every value and is the slow part.

import { canonicalJson } from '../core/engine/snapshot.js';

interface Field {
  readonly key: string;
  /** `"key":`, written when the field is the first one written. */
  readonly first: string;
  /** `,"key":`, written after another field. */
  readonly next: string;
  /** `first` and `next` in UTF-8, for matches() (which compares bytes). */
  readonly firstBytes: Uint8Array;
  readonly nextBytes: Uint8Array;
  readonly node: ShapeNode;
}

interface Shape {
  readonly insertion: readonly string[];
  readonly sorted: readonly Field[];
}

/** What the encoder remembers at one place of the value tree. */
interface ShapeNode {
  /** Shapes met here, keyed by the object's `kind` when it has a string one (commands and events do). */
  readonly byKind: Map<string, Shape[]>;
  readonly shapes: Shape[];
  /** The node for an array's items. */
  items: ShapeNode | null;
}

/** Shapes kept per node and kind: a place that sees more is written the plain way (still exact). */
const SHAPES_PER_NODE_MAX = 8;
/** Nodes in one encoder's tree: a bound on memory for values of unbounded variety. */
const NODES_MAX = 100_000;
/** Quoted strings remembered (account ids, markets, kinds repeat): a bound on memory. */
const QUOTED_STRINGS_MAX = 50_000;

const newNode = (): ShapeNode => ({ byKind: new Map(), shapes: [], items: null });

function sameKeys(o: object, insertion: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (insertion[i] !== k) return false;
    i++;
  }
  return i === insertion.length;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BIGINT_OPEN = '{"$n":"';
const BIGINT_CLOSE = '"}';
/**
 * Integers below this (in magnitude) are compared by their digits' value: at most 15 digits, so the value read
 * digit by digit stays exact in a double (< 2^53).
 */
const INTEGER_FAST_MAX = 1e15;

const utf8 = new TextEncoder();
const bytesOf = (text: string): Uint8Array => utf8.encode(text);
const BIGINT_OPEN_BYTES = bytesOf(BIGINT_OPEN);
const BIGINT_CLOSE_BYTES = bytesOf(BIGINT_CLOSE);
const NULL_BYTES = bytesOf('null');

/** Whether the string holds a surrogate that is not half of a pair (which UTF-8 cannot carry). */
function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++; // a pair
  }
  return false;
}

/** The index after `p` when `bytes` holds it at `at`; -1 otherwise (and when `at` is already -1). */
function piece(bytes: Uint8Array, at: number, p: Uint8Array): number {
  if (at < 0) return -1;
  const n = p.length;
  for (let k = 0; k < n; k++) if (bytes[at + k] !== p[k]) return -1;
  return at + n;
}

/**
 * The index after the decimal text of the integer `n` (|n| < 10^15: String(n) and BigInt's toString write the same
 * digits) when `bytes` holds it at `at`, else -1. Canonical digits only: a sign for negatives, no leading zero.
 */
export function integerEnd(n: number, bytes: Uint8Array, at: number): number {
  if (at < 0) return -1;
  let i = at;
  let magnitude = n;
  if (n < 0) {
    if (bytes[i] !== MINUS) return -1;
    i++;
    magnitude = -n;
  }
  const first = i;
  let read = 0;
  for (;;) {
    const c = bytes[i];
    // Past the end the byte is undefined: not a digit either.
    if (c === undefined || c < DIGIT_0 || c > DIGIT_9) break;
    read = read * 10 + (c - DIGIT_0);
    i++;
    // More digits than any |n| < 10^15 has (and `read` would stop being exact).
    if (i - first > 15) return -1;
  }
  const digits = i - first;
  if (digits === 0 || (digits > 1 && bytes[first] === DIGIT_0)) return -1;
  return read === magnitude ? i : -1;
}

export class CanonicalEncoder {
  private readonly root = newNode();
  /** The root of values matched where they stand inside a text (matchBytesAt): their shapes learnt apart. */
  private readonly partRoot = newNode();
  private nodes = 2;
  private readonly quotedStrings = new Map<string, string>();

  /** canonicalJson(value), byte for byte. */
  encode(value: unknown): string {
    return this.value(value, this.root);
  }

  private value(v: unknown, node: ShapeNode): string {
    switch (typeof v) {
      case 'bigint':
        return '{"$n":"' + v.toString() + '"}';
      case 'string':
        return this.quote(v);
      case 'number':
        // JSON.stringify's number text: non-finite numbers are null.
        return Number.isFinite(v) ? String(v) : 'null';
      case 'object':
        if (v === null) return 'null';
        if (Array.isArray(v)) return this.array(v as readonly unknown[], node);
        return this.object(v, node);
      default:
        return JSON.stringify(v);
    }
  }

  private array(a: readonly unknown[], node: ShapeNode): string {
    const items = node.items ?? this.child();
    node.items = items;
    let out = '[';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) out += ',';
      const item = a[i];
      out += item === undefined ? 'null' : this.value(item, items);
    }
    return `${out}]`;
  }

  private object(o: object, node: ShapeNode): string {
    const shape = this.shapeOf(o, node);
    if (shape === null) return canonicalJson(o);
    const record = o as Record<string, unknown>;
    let out = '{';
    let written = false;
    for (const f of shape.sorted) {
      const item = record[f.key];
      if (item === undefined) continue;
      out += (written ? f.next : f.first) + this.value(item, f.node);
      written = true;
    }
    return out + '}';
  }

  /**
   * The remembered shape of a plain object here (learning it when it is new); null when it takes canonicalJson's
   * path: another prototype, or too many shapes or nodes to remember one more.
   */
  private shapeOf(o: object, node: ShapeNode): Shape | null {
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) return null;
    const kind = (o as { kind?: unknown }).kind;
    let shapes = node.shapes;
    if (typeof kind === 'string') {
      const known = node.byKind.get(kind);
      if (known === undefined) {
        shapes = [];
        node.byKind.set(kind, shapes);
      } else shapes = known;
    }
    for (const s of shapes) if (sameKeys(o, s.insertion)) return s;
    const insertion = Object.keys(o);
    // Too many shapes here (or too many nodes): sorted afresh each time, not remembered.
    if (shapes.length >= SHAPES_PER_NODE_MAX || this.nodes + insertion.length > NODES_MAX) return null;
    const sorted = [...insertion].sort().map((key): Field => {
      const first = `${JSON.stringify(key)}:`;
      const next = `,${first}`;
      return { key, first, next, firstBytes: bytesOf(first), nextBytes: bytesOf(next), node: this.child() };
    });
    const shape = { insertion, sorted };
    shapes.push(shape);
    return shape;
  }

  /**
   * Whether `text` is exactly encode(value), found without writing encode's text: matchesBytes against the text's
   * UTF-8 bytes. A text with a lone surrogate (which UTF-8 cannot carry, and a record decoded from bytes never holds)
   * is compared with encode's text itself.
   */
  matches(value: unknown, text: string): boolean {
    if (hasLoneSurrogate(text)) return (value === undefined || typeof value === 'function' || typeof value === 'symbol' ? undefined : this.encode(value)) === text;
    return this.matchesBytes(value, bytesOf(text));
  }

  /**
   * Whether `bytes` are exactly the UTF-8 of encode(value), found without writing encode's text: the value is walked as
   * encode walks it and each piece compared with the bytes where it stands (no strings built, so nothing for the GC).
   * Integers (numbers and bigints) of fewer than 16 digits are compared by reading the digits as a number (exact below
   * 2^53), and strings of printable ASCII that JSON.stringify writes as they are (no quote or backslash) byte by byte;
   * anything else is compared as the UTF-8 of encode's text of it. Replay checks every record with this, on the
   * record's bytes as stored (comparing bytes in place is ~1.7x faster a character than a string's charCodeAt, and no
   * text of the events is decoded).
   */
  matchesBytes(value: unknown, bytes: Uint8Array): boolean {
    // encode gives no text at all for these (JSON.stringify's undefined).
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
    return this.match(value, this.root, bytes, 0) === bytes.length;
  }

  /**
   * matchesBytes of a value written at `at` of `bytes`, followed by anything: the index after it, or -1 where the bytes
   * differ (replay's check of a record's events after a command it read in canonical form: record.ts).
   */
  matchBytesAt(value: unknown, bytes: Uint8Array, at: number): number {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return -1;
    return this.match(value, this.partRoot, bytes, at);
  }

  /** The index in `bytes` after encode(v)'s UTF-8 written at `at`, or -1 where the bytes differ. */
  private match(v: unknown, node: ShapeNode, bytes: Uint8Array, at: number): number {
    switch (typeof v) {
      case 'bigint': {
        const n = Number(v);
        // Number(v) is v exactly when |v| < 10^15 (and |n| >= 10^15 when |v| is: rounding keeps the order).
        if (n > -INTEGER_FAST_MAX && n < INTEGER_FAST_MAX) {
          const digits = piece(bytes, at, BIGINT_OPEN_BYTES);
          return digits < 0 ? -1 : piece(bytes, integerEnd(n, bytes, digits), BIGINT_CLOSE_BYTES);
        }
        return piece(bytes, at, bytesOf('{"$n":"' + v.toString() + '"}'));
      }
      case 'string':
        return this.matchString(v, bytes, at);
      case 'number':
        if (Number.isInteger(v) && v > -INTEGER_FAST_MAX && v < INTEGER_FAST_MAX) return integerEnd(v, bytes, at);
        return piece(bytes, at, bytesOf(Number.isFinite(v) ? String(v) : 'null'));
      case 'object': {
        if (v === null) return piece(bytes, at, NULL_BYTES);
        if (Array.isArray(v)) return this.matchArray(v as readonly unknown[], node, bytes, at);
        const shape = this.shapeOf(v, node);
        if (shape === null) return piece(bytes, at, bytesOf(canonicalJson(v)));
        if (bytes[at] !== OPEN_BRACE) return -1;
        let i = at + 1;
        let written = false;
        const record = v as Record<string, unknown>;
        for (const f of shape.sorted) {
          const item = record[f.key];
          if (item === undefined) continue;
          i = piece(bytes, i, written ? f.nextBytes : f.firstBytes);
          if (i < 0) return -1;
          i = this.match(item, f.node, bytes, i);
          if (i < 0) return -1;
          written = true;
        }
        return bytes[i] === CLOSE_BRACE ? i + 1 : -1;
      }
      default:
        // encode's text for the rest (booleans; functions and symbols write "undefined", as encode's concatenation does).
        return piece(bytes, at, bytesOf(String(JSON.stringify(v))));
    }
  }

  private matchArray(a: readonly unknown[], node: ShapeNode, bytes: Uint8Array, at: number): number {
    const items = node.items ?? this.child();
    node.items = items;
    if (bytes[at] !== OPEN_BRACKET) return -1;
    let i = at + 1;
    for (let k = 0; k < a.length; k++) {
      if (k > 0) {
        if (bytes[i] !== COMMA) return -1;
        i++;
      }
      const item = a[k];
      i = item === undefined ? piece(bytes, i, NULL_BYTES) : this.match(item, items, bytes, i);
      if (i < 0) return -1;
    }
    return bytes[i] === CLOSE_BRACKET ? i + 1 : -1;
  }

  /**
   * A string: its characters byte for byte between quotes when they are printable ASCII that JSON.stringify writes as
   * they are (one byte each in UTF-8), else the UTF-8 of its quoted text.
   */
  private matchString(s: string, bytes: Uint8Array, at: number): number {
    if (bytes[at] !== QUOTE) return -1;
    const from = at + 1;
    const n = s.length;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      // Escaped by JSON.stringify, or more than one byte in UTF-8: compare the quoted text's bytes instead.
      if (c < 0x20 || c === QUOTE || c === BACKSLASH || c >= 0x80) return piece(bytes, at, this.quotedBytes(s));
      if (bytes[from + k] !== c) return -1;
    }
    return bytes[from + n] === QUOTE ? from + n + 1 : -1;
  }

  private child(): ShapeNode {
    this.nodes++;
    return newNode();
  }

  /** The UTF-8 of JSON.stringify(s) (not remembered: only strings with an escape or a non-ASCII character come here). */
  private quotedBytes(s: string): Uint8Array {
    return bytesOf(this.quote(s));
  }

  private quote(s: string): string {
    let q = this.quotedStrings.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.quotedStrings.size < QUOTED_STRINGS_MAX) this.quotedStrings.set(s, q);
    }
    return q;
  }
}

/** parseCanonicalJson(text), without a reviver: JSON.parse, then one walk turning {"$n": x} into BigInt(x). */
export function parseCanonical(text: string): unknown {
  return reviveBigints(JSON.parse(text) as unknown);
}

/** Turns every object whose only own key is `$n` into BigInt of its value, bottom up (as the reviver did). */
export function reviveBigints(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveBigints(v[i]);
    return v;
  }
  const record = v as Record<string, unknown>;
  let count = 0;
  let only = '';
  for (const k in record) {
    const item = record[k];
    if (item !== null && typeof item === 'object') {
      // A "__proto__" key parsed as data stays data (an assignment would set the prototype).
      if (k === '__proto__') Object.defineProperty(record, k, { value: reviveBigints(item), writable: true, enumerable: true, configurable: true });
      else record[k] = reviveBigints(item);
    }
    only = k;
    count++;
  }
  if (count === 1 && only === '$n') return BigInt(record.$n as string);
  return v;
}
