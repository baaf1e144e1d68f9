// A snapshot's text written in parts (encodeSnapshotParts: never one string, whatever the number of accounts), and a
// stored snapshot decoded for a restore that reads its accounts once, in order (recovery): the accounts are parsed
// one by one as the restore takes them, straight from the snapshot's bytes, instead of as one JSON.parse of the whole
// text. Why: at 1M accounts the whole text is ~240 MB and its parsed tree ~600 MB of objects that all live until the
// restore ends, so every major GC during the restore marks them (and a text of more than V8's ~512 MB string limit
// could not be decoded at all). Here one account's objects die young, right after the restore copied them.
//
// The values are parseCanonical's, exactly: the snapshot is canonical JSON (canonicalJson: keys sorted, no
// whitespace), so it starts with {"accounts":[ ("accounts" sorts first among a snapshot's keys); each element of
// that array is parsed alone, and the rest of the snapshot is parsed with the array left empty. Bytes shaped any
// other way are decoded whole, as loadSnapshot does. The caller checks the bytes against their content hash first.

import type { AccountSnapshot, PositionSnapshot, RestorableSnapshot, Snapshot } from '../core/engine/snapshot.js';
import { CanonicalEncoder, parseCanonical } from './canonical.js';

const PREFIX = Buffer.from('{"accounts":[', 'latin1');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const SPACE = 0x20;

/** About how many bytes each stored part of a snapshot holds (encodeSnapshotParts). */
export const SNAPSHOT_PART_BYTES = 4 * 2 ** 20;

/**
 * encodeSnapshot(snap)'s bytes (canonical JSON) as parts of about `partBytes` each, in order: their concatenation is
 * exactly the snapshot's text, but no part of it is ever one string. Why: V8 caps a string at ~512 MB
 * (buffer.constants.MAX_STRING_LENGTH), which the bench world's snapshot passes at ~2.2M accounts (~240 MB a
 * million): writing such a snapshot as one text threw RangeError "Invalid string length". Each account is encoded
 * alone (the same encoder, so the same bytes as in the whole text), and a part ends after the account that fills it;
 * the rest of the snapshot (markets, enforcement, venue...) is encoded once, with its accounts left empty, and ends the
 * last part.
 */
export function encodeSnapshotParts(snap: Snapshot, partBytes = SNAPSHOT_PART_BYTES): Buffer[] {
  const encoding = new SnapshotEncoding(snap, partBytes);
  while (!encoding.step(Number.MAX_SAFE_INTEGER));
  return encoding.parts;
}

/**
 * encodeSnapshotParts a slice at a time: step(n) encodes up to n more accounts and says whether the encoding is done;
 * `parts` is then the whole. A service encodes a large snapshot between batches this way (durable.ts SnapshotJob),
 * not in one stop of several seconds. The snapshot must not change meanwhile (Engine.snapshot's is a copy).
 */
export class SnapshotEncoding {
  private readonly encoder = new CanonicalEncoder();
  private readonly writer: PartWriter;
  /** The snapshot's text after its accounts: `]` and the rest of the snapshot; null when it is encoded whole. */
  private readonly tail: string | null;
  private next = 0;
  private out: Buffer[] | null = null;
  private partTotal = 0;

  /**
   * `sink`: each part is handed to it as it fills, and its buffer then reused (no new memory per part: a snapshot of
   * 1M accounts is ~60 parts of 4 MiB, whose allocation made V8 run a full GC every ~64 MB of them, ~1.2 s each at a
   * 2 GB heap: measured 2026-12-04); `parts` is then unavailable. Without one, the parts are kept for `parts`.
   */
  constructor(
    private readonly snap: Snapshot,
    partBytes = SNAPSHOT_PART_BYTES,
    private readonly sink: PartSink | null = null,
  ) {
    const rest = this.encoder.encode({ ...snap, accounts: [] });
    const empty = `${PREFIX.toString('latin1')}]`; // '{"accounts":[]': "accounts" sorts first among a snapshot's keys
    this.writer = new PartWriter(Math.max(1, partBytes), sink);
    if (rest.startsWith(empty)) {
      this.tail = `]${rest.slice(empty.length)}`;
      this.writer.text(PREFIX.toString('latin1'));
    } else {
      this.tail = null; // not a snapshot's shape: encoded whole
    }
  }

  /** Encodes up to `accounts` more accounts (and ends the text after the last); true once all is encoded. */
  step(accounts: number): boolean {
    if (this.out !== null) return true;
    if (this.tail === null) {
      this.out = [Buffer.from(this.encoder.encode(this.snap), 'utf8')];
      this.sink?.(this.out[0] as Buffer, 0);
      this.partTotal = 1;
      this.next = this.snap.accounts.length;
      return true;
    }
    const list = this.snap.accounts;
    const end = Math.min(list.length, this.next + Math.max(1, accounts));
    const parts = this.writer;
    for (let i = this.next; i < end; i++) {
      const account = list[i] as AccountSnapshot;
      if (i > 0) parts.text(',');
      // The engine's accounts are written as bytes; anything else the general way (the same bytes).
      if (!parts.account(account)) parts.text(this.encoder.encode(account));
      parts.endAccount();
    }
    this.next = end;
    if (end < list.length) return false;
    parts.text(this.tail);
    this.out = parts.finish();
    this.partTotal = parts.handed;
    return true;
  }

  /** The parts, once step() said done (not with a sink: it had them). */
  get parts(): Buffer[] {
    if (this.out === null || this.sink !== null) throw new Error(this.out === null ? 'the snapshot is not encoded yet' : 'the parts went to the sink');
    return this.out;
  }

  /** How many parts the snapshot has, once step() said done. */
  get partCount(): number {
    return this.partTotal;
  }
}

/**
 * Where a snapshot's parts go as they fill, in order (index 0 first). The bytes are valid only during the call: the
 * buffer is written over by the next part, so a sink copies what it keeps.
 */
export type PartSink = (part: Buffer, index: number) => void;

/**
 * The parts of a snapshot as they are written: a buffer of `partBytes` plus room for the accounts written past it,
 * handed on when an account ends at or past `partBytes`: kept as they are (not copied), or to a sink, and then the
 * same buffer takes the next part.
 */
class PartWriter {
  private readonly parts: Buffer[] = [];
  private buf: Buffer;
  private at = 0;
  private count = 0;

  constructor(
    private readonly partBytes: number,
    private readonly sink: PartSink | null = null,
  ) {
    this.buf = Buffer.allocUnsafe(partBytes + PART_SLACK);
  }

  /** Parts handed on so far. */
  get handed(): number {
    return this.count;
  }

  /** Text of any size and content, as UTF-8. */
  text(t: string): void {
    const n = Buffer.byteLength(t, 'utf8');
    if (this.at + n > this.buf.length) this.grow(n);
    this.at += this.buf.write(t, this.at, 'utf8');
  }

  /** canonicalJson(a) written as bytes (writeAccount); false, with nothing written, when `a` is not of its shape. */
  account(a: AccountSnapshot): boolean {
    let end = writeAccount(a, this.buf, this.at);
    if (end === NO_ROOM) {
      this.grow(PART_SLACK);
      end = writeAccount(a, this.buf, this.at);
    }
    if (end < 0) return false;
    this.at = end;
    return true;
  }

  /** After an account: the part is handed on once it holds partBytes. */
  endAccount(): void {
    if (this.at >= this.partBytes) this.flush();
  }

  finish(): Buffer[] {
    this.flush();
    if (this.count === 0) this.hand(Buffer.alloc(0));
    return this.parts;
  }

  private flush(): void {
    if (this.at === 0) return;
    const part = this.buf.subarray(0, this.at);
    this.at = 0;
    this.hand(part);
    // Kept: the next part needs a buffer of its own. Given to a sink: this one is written over.
    if (this.sink === null) this.buf = Buffer.allocUnsafe(this.partBytes + PART_SLACK);
  }

  private hand(part: Buffer): void {
    if (this.sink === null) this.parts.push(part);
    else this.sink(part, this.count);
    this.count++;
  }

  /** Room for `n` more bytes: the part so far kept in a larger buffer (an account or a rest larger than the slack). */
  private grow(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n + PART_SLACK));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}

/** Room past partBytes in a part's buffer: an account of the engine's shape is written in it without a check first. */
const PART_SLACK = 64 * 1024;
/** writeAccount: the account is not of the engine's shape (the caller encodes it the general way). */
const NOT_PLAIN = -1;
/** writeAccount: the buffer ended before the account did. */
const NO_ROOM = -2;
/** Amounts written from a double: |v| < 2^53, exact. */
const SAFE_BIG = 2n ** 53n;

/**
 * Writes canonicalJson(a) into `buf` at `at` for an AccountSnapshot of the engine's shape (accountSnapshot: the keys
 * balances, borrows, id, positions; a position's entryQuote, fundingIndex, isolatedMargin, market, size), with ASCII
 * ids without quotes or backslashes and amounts below 2^53 in magnitude: the mirror of AccountReader. Returns the
 * index after it, NOT_PLAIN for any other account (another key or type, a string JSON.stringify would escape or that is
 * not ASCII, a larger amount) and NO_ROOM when `buf` ends first. Why: the general encoder builds a string of each value
 * and a rope of them (and the GC then collects them): at 1M accounts it took ~7 s of a snapshot's ~11 s, which a
 * service waits for (2026-12-04).
 */
export function writeAccount(a: AccountSnapshot, buf: Buffer, at: number): number {
  if (!hasOnlyKeys(a, ACCOUNT_KEYS)) return NOT_PLAIN;
  const positions = a.positions;
  if (!Array.isArray(positions)) return NOT_PLAIN;
  let i = ascii(buf, at, '{"balances":');
  i = pairs(buf, i, a.balances);
  i = ascii(buf, i, ',"borrows":');
  i = pairs(buf, i, a.borrows);
  i = ascii(buf, i, ',"id":');
  i = quoted(buf, i, a.id);
  i = ascii(buf, i, ',"positions":[');
  for (let k = 0; k < positions.length && i >= 0; k++) {
    const p = positions[k] as PositionSnapshot;
    if (!hasOnlyKeys(p, POSITION_KEYS)) return NOT_PLAIN;
    if (k > 0) i = ascii(buf, i, ',');
    i = ascii(buf, i, '{"entryQuote":');
    i = amount(buf, i, p.entryQuote);
    i = ascii(buf, i, ',"fundingIndex":');
    i = amount(buf, i, p.fundingIndex);
    i = ascii(buf, i, ',"isolatedMargin":');
    i = p.isolatedMargin === null ? ascii(buf, i, 'null') : amount(buf, i, p.isolatedMargin);
    i = ascii(buf, i, ',"market":');
    i = quoted(buf, i, p.market);
    i = ascii(buf, i, ',"size":');
    i = amount(buf, i, p.size);
    i = ascii(buf, i, '}');
  }
  return ascii(buf, i, ']}');
}

/** [["USDC",{"$n":"5"}],...] for an array of [id, amount] pairs. */
function pairs(buf: Buffer, at: number, list: readonly (readonly [string, bigint])[]): number {
  if (at < 0) return at;
  if (!Array.isArray(list)) return NOT_PLAIN;
  let i = ascii(buf, at, '[');
  for (let k = 0; k < list.length && i >= 0; k++) {
    const pair = list[k];
    if (!Array.isArray(pair) || pair.length !== 2) return NOT_PLAIN;
    if (k > 0) i = ascii(buf, i, ',');
    i = ascii(buf, i, '[');
    i = quoted(buf, i, pair[0]);
    i = ascii(buf, i, ',');
    i = amount(buf, i, pair[1]);
    i = ascii(buf, i, ']');
  }
  return ascii(buf, i, ']');
}

/** An ASCII text known to need no escape (the writer's own). */
function ascii(buf: Buffer, at: number, t: string): number {
  if (at < 0) return at;
  if (at + t.length > buf.length) return NO_ROOM;
  for (let k = 0; k < t.length; k++) buf[at + k] = t.charCodeAt(k);
  return at + t.length;
}

/** "s" for a string of printable ASCII without a quote or a backslash (JSON.stringify writes it as it is). */
function quoted(buf: Buffer, at: number, s: unknown): number {
  if (at < 0) return at;
  if (typeof s !== 'string') return NOT_PLAIN;
  if (at + s.length + 2 > buf.length) return NO_ROOM;
  buf[at] = QUOTE;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < SPACE || c > 0x7e || c === QUOTE || c === BACKSLASH) return NOT_PLAIN;
    buf[at + 1 + k] = c;
  }
  buf[at + 1 + s.length] = QUOTE;
  return at + s.length + 2;
}

/** {"$n":"<digits>"} for a bigint of magnitude below 2^53 (its digits from a double, exactly). */
function amount(buf: Buffer, at: number, v: unknown): number {
  if (at < 0) return at;
  if (typeof v !== 'bigint' || v >= SAFE_BIG || v <= -SAFE_BIG) return NOT_PLAIN;
  let n = Number(v);
  const negative = n < 0;
  if (negative) n = -n;
  // The digits, last first, into the scratch: the low 8 and the rest, each below 2^31, in integer arithmetic (a
  // double's % per digit cost ~3 µs an account); n % 1e8 and (n - low) / 1e8 are exact below 2^53.
  const low = n % 1e8;
  const high = (n - low) / 1e8;
  let count = high === 0 ? intDigits(low, 0, 1) : intDigits(low, 0, 8);
  if (high > 0) count = intDigits(high, count, 1);
  const size = AMOUNT_OPEN.length + (negative ? 1 : 0) + count + AMOUNT_CLOSE.length;
  if (at + size > buf.length) return NO_ROOM;
  let i = ascii(buf, at, AMOUNT_OPEN);
  if (negative) buf[i++] = MINUS;
  while (count > 0) buf[i++] = DIGITS[--count] as number;
  return ascii(buf, i, AMOUNT_CLOSE);
}

/** The digits of integer 0 <= x < 2^31 into DIGITS from `count`, last first, at least `min` of them (zeros before). */
function intDigits(x: number, count: number, min: number): number {
  let rest = x | 0;
  const until = count + min;
  do {
    const next = (rest / 10) | 0;
    DIGITS[count++] = DIGIT_0 + (rest - next * 10);
    rest = next;
  } while (rest > 0 || count < until);
  return count;
}

const AMOUNT_OPEN = '{"$n":"';
const AMOUNT_CLOSE = '"}';
/** amount()'s digits, last first (at most 16 below 2^53). */
const DIGITS = new Uint8Array(16);

const ACCOUNT_KEYS = ['balances', 'borrows', 'id', 'positions'];
const POSITION_KEYS = ['entryQuote', 'fundingIndex', 'isolatedMargin', 'market', 'size'];

/** A plain object (or one without a prototype) whose own enumerable keys are exactly `keys`, none undefined. */
function hasOnlyKeys(o: unknown, keys: readonly string[]): boolean {
  if (typeof o !== 'object' || o === null) return false;
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  let n = 0;
  for (const k in o) {
    if (!keys.includes(k) || (o as Record<string, unknown>)[k] === undefined) return false;
    n++;
  }
  return n === keys.length;
}

/**
 * The snapshot in `bytes` (canonical JSON; or the parts it was stored in, in order) with its accounts decoded lazily,
 * in order, once: iterate `accounts` one time (restoreContents does). Throws SyntaxError, now or while the accounts
 * are read, on bytes that do not parse. Parts are read where they lie, never copied into one buffer (at 1M accounts
 * that was a 240 MB copy into fresh pages, ~0.7 s), when every account lies in one part, as encodeSnapshotParts
 * writes them; otherwise they are concatenated first.
 */
export function decodeSnapshotForRestore(bytes: Buffer | readonly Buffer[]): RestorableSnapshot {
  const parts = Buffer.isBuffer(bytes) ? [bytes] : bytes;
  const first = parts[0];
  const shaped = first !== undefined && first.length > PREFIX.length && first.subarray(0, PREFIX.length).equals(PREFIX);
  if (shaped) {
    const walked = walkedAccounts(parts);
    if (walked !== null) return walked;
    const spans = accountSpans(parts);
    if (spans !== null) return spannedAccounts(parts, spans);
  }
  // A first part too short to tell, or an account across two parts: read as one buffer.
  if (parts.length !== 1) return decodeSnapshotForRestore(Buffer.concat(parts));
  return parseCanonical((first as Buffer).toString('utf8')) as RestorableSnapshot;
}

/** What starts every part but the first that encodeSnapshotParts writes before the array's end: the next account. */
const ACCOUNT_AFTER = Buffer.from(',{"balances":', 'latin1');
/** A walk's capacity hint is over by this much rather than under (a table grown during a restore costs a copy and a GC). */
const HINT_MARGIN = 1.02;

/**
 * decodeSnapshotForRestore of parts cut between accounts, as encodeSnapshotParts cuts them: every part after the first
 * starts with `,{"balances":`, the last one may start with the array's `]` instead, and the array's end and the rest
 * of the snapshot are in the last part. In a snapshot's canonical JSON `{"balances":` begins an account and nothing
 * else ("balances" sorts first among an account's keys; no other object of a snapshot has that key: tested), and a
 * quote inside a string is escaped, so such a part starts between two accounts. Only the first and the last part are
 * scanned ahead (for the rest of the snapshot, and the accounts' number estimated from their bytes: a capacity hint);
 * each account's end is where its reader stops as the restore takes it, in order, from the array's true start, and
 * the array is checked as it goes (an account, then a comma and another, or the array's end where the last part's
 * scan found it): bytes that are not what the layout says throw SyntaxError there, never give other accounts. Why:
 * scanning every account's bytes before the first was read took ~0.6 s of a 1M recovery (~240 MB). Null when the
 * parts are not cut so: the caller finds every account first (accountSpans).
 */
function walkedAccounts(parts: readonly Buffer[]): RestorableSnapshot | null {
  const endPart = parts.length - 1;
  const startsAccount = (b: Buffer): boolean => b.length >= ACCOUNT_AFTER.length && b.subarray(0, ACCOUNT_AFTER.length).equals(ACCOUNT_AFTER);
  for (let p = 1; p < endPart; p++) if (!startsAccount(parts[p] as Buffer)) return null;
  const last = parts[endPart] as Buffer;
  if (endPart > 0 && !startsAccount(last)) {
    // A last part of the array's `]` and the rest (the last account filled the part before): that `]` is the array's
    // only if the part before ends between two accounts, scanned from its start (itself an account's start).
    const before = parts[endPart - 1] as Buffer;
    if (last[0] !== CLOSE_BRACKET || closeOf(before, endPart === 1 ? PREFIX.length : 0, before.length, 1) >= 0 || !scanBetween || before[before.length - 1] !== CLOSE_BRACE) return null;
  }
  const lastFrom = endPart === 0 ? PREFIX.length : 0;
  const end = closeOf(last, lastFrom, last.length, 1);
  if (end < 0) return null;
  const lastAccounts = objectsClosed;
  let rest: RestorableSnapshot;
  try {
    rest = parseCanonical(`{"accounts":[]${last.toString('utf8', end)}`) as RestorableSnapshot;
  } catch {
    return null; // the bytes are not what the layout says: accountSpans reads them, or says why they do not parse
  }
  const stopLast = end - 1; // the array's `]`
  let hint = lastAccounts;
  if (endPart > 0) {
    // Accounts' bytes over the fewest bytes an account of the first or the last part took.
    const firstPart = parts[0] as Buffer;
    closeOf(firstPart, PREFIX.length, firstPart.length, 1);
    const firstAccounts = objectsClosed;
    let bytes = stopLast - lastFrom - PREFIX.length;
    for (let p = 0; p < endPart; p++) bytes += (parts[p] as Buffer).length;
    const perAccount = Math.min(firstAccounts > 0 ? (firstPart.length - PREFIX.length) / firstAccounts : Infinity, lastAccounts > 0 ? (stopLast - lastFrom) / lastAccounts : Infinity);
    hint = Number.isFinite(perAccount) && perAccount > 0 ? Math.ceil((bytes / perAccount) * HINT_MARGIN) : 0;
  }
  let from: Float64Array = new Float64Array(Math.max(16, hint));
  let to: Float64Array = new Float64Array(from.length);
  const partEnd = new Int32Array(parts.length);
  let read = 0; // accounts the walk has reached
  let walkPart = 0;
  const reader = new AccountReader();
  function* accounts(): Generator<AccountSnapshot> {
    let k = 0;
    for (let p = 0; p <= endPart; p++) {
      const b = parts[p] as Buffer;
      walkPart = p;
      const stop = p === endPart ? stopLast : b.length;
      let at = p === 0 ? PREFIX.length : 1; // after the comma that starts a later part
      if (p === endPart && p > 0 && b[0] === CLOSE_BRACKET) at = 0;
      while (at < stop) {
        if (b[at] !== OPEN_BRACE) throw new SyntaxError(`snapshot: the accounts array holds something other than accounts (account ${k})`);
        let account = reader.read(b, at, -1);
        let next = reader.end;
        if (account === null || next > stop) {
          next = closeOf(b, at, stop, 0);
          if (next < 0) throw new SyntaxError(`snapshot: account ${k} does not end in its part`);
          account = parseCanonical(b.toString('utf8', at, next)) as AccountSnapshot;
        }
        if (k === from.length) {
          from = grown(from);
          to = grown(to);
        }
        from[k] = at;
        to[k] = next;
        k++;
        partEnd[p] = k;
        read = k;
        yield account;
        if (next === stop) break;
        if (b[next] !== COMMA || next + 1 === stop) throw new SyntaxError(`snapshot: account ${k - 1} is not followed by a comma and another account, or the array's end`);
        at = next + 1;
      }
      partEnd[p] = k;
    }
  }
  // Account k read again (RestorableAccounts.reread) once the walk has read it, from the same immutable bytes, by a
  // reader of its own.
  const again = new AccountReader();
  const reread = (k: number): AccountSnapshot => {
    if (!(k >= 0 && k < read)) throw new RangeError(`snapshot: no account ${k} read yet (${read} are)`);
    return accountAt(again, parts[partOfAccount(partEnd, walkPart, k)] as Buffer, from[k] as number, to[k] as number);
  };
  return { ...rest, accounts: Object.assign(accounts(), { length: hint, reread }) };
}

/** decodeSnapshotForRestore of parts whose accounts accountSpans found (wherever the parts are cut between accounts). */
function spannedAccounts(parts: readonly Buffer[], spans: AccountSpans): RestorableSnapshot {
  const { from, to, partEnd, endPart, end } = spans;
  // The rest as bytes first: a part may end inside a character.
  const after = Buffer.concat([(parts[endPart] as Buffer).subarray(end), ...parts.slice(endPart + 1)]).toString('utf8');
  const rest = parseCanonical(`{"accounts":[]${after}`) as RestorableSnapshot;
  const reader = new AccountReader();
  function* accounts(): Generator<AccountSnapshot> {
    let k = 0;
    for (let p = 0; p <= endPart; p++) {
      const b = parts[p] as Buffer;
      for (const last = partEnd[p] as number; k < last; k++) {
        const f = from[k] as number;
        const t = to[k] as number;
        yield accountAt(reader, b, f, t);
      }
    }
  }
  // Account k read again (RestorableAccounts.reread: an account a lazy restore has not read yet, when first read),
  // from the same immutable bytes, by a reader of its own.
  const again = new AccountReader();
  const reread = (k: number): AccountSnapshot => {
    if (!(k >= 0 && k < spans.count)) throw new RangeError(`snapshot: no account ${k} (it holds ${spans.count})`);
    const b = parts[partOfAccount(partEnd, endPart, k)] as Buffer;
    const f = from[k] as number;
    const t = to[k] as number;
    return accountAt(again, b, f, t);
  };
  // Their number is known before one is parsed: Engine.restore sizes its indexes for it (a capacity hint).
  return { ...rest, accounts: Object.assign(accounts(), { length: spans.count, reread }) };
}

/** Objects closeOf() saw close at depth 1 (the accounts, in an accounts array) in its last call. */
let objectsClosed = 0;
/** Whether closeOf()'s last call that found no close stopped at depth 1 outside any string (between two accounts). */
let scanBetween = false;

/**
 * Scans `b` from `from` (outside any string, nested `depth` deep there) up to `stop`: the index after the bracket or
 * brace that brings the nesting to 0, or -1 when none does before `stop`. Counts in objectsClosed the objects that
 * close at depth 1 on the way. Bytes of multi-byte UTF-8 characters are >= 0x80: never a quote, backslash or bracket.
 */
function closeOf(b: Buffer, from: number, stop: number, depth: number): number {
  let closed = 0;
  let open = false; // inside a string at `stop`
  for (let i = from; i < stop; i++) {
    const c = b[i] as number;
    if (c === QUOTE) {
      open = true;
      for (i++; i < stop; i++) {
        const d = b[i] as number;
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) {
          open = false;
          break;
        }
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 1 && c === CLOSE_BRACE) closed++;
      else if (depth === 0) {
        objectsClosed = closed;
        return i + 1;
      }
    }
  }
  objectsClosed = closed;
  scanBetween = depth === 1 && !open;
  return -1;
}

/** The account in bytes [from, to) of `b`: read straight from the bytes, or parsed when the reader cannot (another shape). */
function accountAt(reader: AccountReader, b: Buffer, from: number, to: number): AccountSnapshot {
  return reader.read(b, from, to) ?? (parseCanonical(b.toString('utf8', from, to)) as AccountSnapshot);
}

/** The part account k lies in: the first p with k < partEnd[p] (partEnd rises; a binary search). */
function partOfAccount(partEnd: Int32Array, endPart: number, k: number): number {
  let lo = 0;
  let hi = endPart;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (k < (partEnd[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Where the accounts lie in a snapshot's parts (accountSpans). */
export interface AccountSpans {
  /** Account k is bytes [from[k], to[k]) of its part (doubles: a part may pass 2^31 bytes). */
  readonly from: Float64Array;
  readonly to: Float64Array;
  readonly count: number;
  /** The accounts of part p are those from partEnd[p - 1] (0 for the first part) to before partEnd[p]. */
  readonly partEnd: Int32Array;
  /** Where the array ends: the part, and the index after its `]`. */
  readonly endPart: number;
  readonly end: number;
}

/**
 * Where each account of the accounts array lies in `parts` (the first starting with PREFIX). Null when an account runs
 * from one part into the next or the array does not close. Throws SyntaxError when the array holds anything but
 * objects separated by single commas. Bytes of multi-byte UTF-8 characters are >= 0x80, so they never look like a
 * quote, a backslash or a bracket.
 */
export function accountSpans(parts: readonly Buffer[]): AccountSpans | null {
  let from: Float64Array = new Float64Array(1024);
  let to: Float64Array = new Float64Array(1024);
  let count = 0;
  const partEnd = new Int32Array(parts.length);
  let depth = 0;
  // Where the byte after the last account (or after `[`) is: the next account must start one comma later.
  let gapPart = 0;
  let gapAt = PREFIX.length;
  let startAt = 0;
  for (let p = 0; p < parts.length; p++) {
    const b = parts[p] as Buffer;
    const n = b.length;
    for (let i = p === 0 ? PREFIX.length - 1 : 0; i < n; i++) {
      const c = b[i] as number;
      if (c === QUOTE) {
        // A string: to its closing quote, a backslash escaping the byte after it. One that runs past the part's end
        // is in an account (which then ends in another part: null below) or between accounts (a SyntaxError).
        for (i++; i < n; i++) {
          const d = b[i] as number;
          if (d === BACKSLASH) i++;
          else if (d === QUOTE) break;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (depth === 1) {
          if (c !== OPEN_BRACE || !separated(parts, gapPart, gapAt, p, i, count === 0 ? -1 : COMMA)) throw new SyntaxError(`snapshot: the accounts array holds something other than accounts (account ${count})`);
          startAt = i;
        }
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 1) {
          if (count === from.length) {
            from = grown(from);
            to = grown(to);
          }
          from[count] = startAt;
          to[count] = i + 1;
          count++;
          gapPart = p;
          gapAt = i + 1;
        } else if (depth === 0) {
          if (!separated(parts, gapPart, gapAt, p, i, -1)) throw new SyntaxError(`snapshot: account ${count - 1} is not followed by a comma or the array's end`);
          partEnd[p] = count;
          return { from, to, count, partEnd, endPart: p, end: i + 1 };
        }
      }
    }
    if (depth > 1) return null; // an account across two parts
    partEnd[p] = count;
  }
  return null;
}

/** Whether the bytes from (gapPart, gapAt) to (p, i) are exactly `sep`, or none when `sep` is -1. */
function separated(parts: readonly Buffer[], gapPart: number, gapAt: number, p: number, i: number, sep: number): boolean {
  const wanted = sep < 0 ? 0 : 1;
  let seen = 0;
  for (let q = gapPart, j = gapAt; q < p || (q === p && j < i); ) {
    const b = parts[q] as Buffer;
    if (j >= b.length) {
      q++;
      j = 0;
      continue;
    }
    if (seen === wanted || b[j] !== sep) return false;
    seen++;
    j++;
  }
  return seen === wanted;
}

function grown(a: Float64Array): Float64Array {
  const bigger = new Float64Array(a.length * 2);
  bigger.set(a);
  return bigger;
}

/** Strings kept to share (asset and market ids repeat in every account); a bound on what one snapshot can make us keep. */
const SHARED_STRINGS_MAX = 256;
/** Digits read as a double exactly (< 2^53) and made a bigint from it; longer ones go through BigInt(text). */
const FAST_DIGITS_MAX = 15;
/** One zero for every zero amount (bigints are values: sharing one is invisible, and saves an object per position). */
const ZERO = 0n;

/**
 * Reads one account as canonicalJson writes an AccountSnapshot, straight from the bytes: the fields in their sorted
 * order, amounts as {"$n":"<digits>"}, strings without escapes. It gives parseCanonical's values (property-tested)
 * without parsing the text into a tree and walking it again for the bigints; asset and market ids are shared
 * between accounts, and zero amounts are one value. Anything else (another shape, an escape, a number of another
 * form) gives null: the caller parses that account with parseCanonical, which gives the values or the error.
 */
export class AccountReader {
  private b: Buffer = Buffer.alloc(0);
  private i = 0;
  private readonly shared: string[] = [];

  /** Where the last read() stopped: after the account's closing brace when it gave one. */
  get end(): number {
    return this.i;
  }

  /** The account at `from`, ending at `to` (-1: wherever its closing brace is; then see end). */
  read(bytes: Buffer, from: number, to: number): AccountSnapshot | null {
    this.b = bytes;
    this.i = from;
    if (!this.literal('{"balances":')) return null;
    const balances = this.amounts();
    if (balances === null || !this.literal(',"borrows":')) return null;
    const borrows = this.amounts();
    if (borrows === null || !this.literal(',"id":')) return null;
    const id = this.string(false);
    if (id === null || !this.literal(',"positions":[')) return null;
    const positions: PositionSnapshot[] = [];
    if (this.b[this.i] === CLOSE_BRACKET) this.i++;
    else {
      for (;;) {
        if (!this.literal('{"entryQuote":')) return null;
        const entryQuote = this.bigint();
        if (entryQuote === null || !this.literal(',"fundingIndex":')) return null;
        const fundingIndex = this.bigint();
        if (fundingIndex === null || !this.literal(',"isolatedMargin":')) return null;
        let isolatedMargin: bigint | null = null;
        if (!this.literal('null')) {
          isolatedMargin = this.bigint();
          if (isolatedMargin === null) return null;
        }
        if (!this.literal(',"market":')) return null;
        const market = this.string(true);
        if (market === null || !this.literal(',"size":')) return null;
        const size = this.bigint();
        if (size === null || !this.literal('}')) return null;
        positions.push({ entryQuote, fundingIndex, isolatedMargin, market, size } as PositionSnapshot);
        if (this.b[this.i] === COMMA) this.i++;
        else if (this.literal(']')) break;
        else return null;
      }
    }
    if (!this.literal('}') || (to >= 0 && this.i !== to)) return null;
    return { balances, borrows, id, positions };
  }

  /** An array of [id, amount] pairs: [["USDC",{"$n":"5"}],...]. */
  private amounts(): [string, bigint][] | null {
    const out: [string, bigint][] = [];
    if (!this.literal('[')) return null;
    if (this.literal(']')) return out;
    for (;;) {
      if (!this.literal('[')) return null;
      const id = this.string(true);
      if (id === null || !this.literal(',')) return null;
      const amount = this.bigint();
      if (amount === null || !this.literal(']')) return null;
      out.push([id, amount]);
      if (this.b[this.i] === COMMA) this.i++;
      else return this.literal(']') ? out : null;
    }
  }

  /** The ASCII text `s` at the cursor: consumed (true), or nothing consumed (false). */
  private literal(s: string): boolean {
    const b = this.b;
    const at = this.i;
    for (let k = 0; k < s.length; k++) if (b[at + k] !== s.charCodeAt(k)) return false;
    this.i = at + s.length;
    return true;
  }

  /** A string without escapes or control characters (null otherwise); `share`: one string per distinct id. */
  private string(share: boolean): string | null {
    const b = this.b;
    if (b[this.i] !== QUOTE) return null;
    const from = this.i + 1;
    let at = from;
    for (;;) {
      const c = b[at];
      if (c === undefined || c === BACKSLASH || c < SPACE) return null;
      if (c === QUOTE) break;
      at++;
    }
    this.i = at + 1;
    if (!share) return b.toString('utf8', from, at);
    for (const s of this.shared) if (this.holds(s, from, at)) return s;
    const s = b.toString('utf8', from, at);
    if (this.shared.length < SHARED_STRINGS_MAX && this.holds(s, from, at)) this.shared.push(s);
    return s;
  }

  /** Whether bytes [from, to) are the ASCII string s (a shared string is compared byte by byte, so ASCII only). */
  private holds(s: string, from: number, to: number): boolean {
    if (s.length !== to - from) return false;
    const b = this.b;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80 || b[from + k] !== c) return false;
    }
    return true;
  }

  /** {"$n":"<digits>"} as a bigint; null when it is not one. */
  private bigint(): bigint | null {
    if (!this.literal('{"$n":"')) return null;
    const b = this.b;
    let at = this.i;
    const negative = b[at] === MINUS;
    if (negative) at++;
    const first = at;
    let value = 0;
    for (;;) {
      const c = b[at];
      if (c === undefined || c < DIGIT_0 || c > DIGIT_9) break;
      value = value * 10 + (c - DIGIT_0);
      at++;
    }
    const digits = at - first;
    if (digits === 0 || b[at] !== QUOTE || b[at + 1] !== CLOSE_BRACE) return null;
    // Canonical digits only (what bigint.toString() writes): no leading zero, no "-0".
    if (b[first] === DIGIT_0 && (digits > 1 || negative)) return null;
    this.i = at + 2;
    if (digits > FAST_DIGITS_MAX) return BigInt(b.toString('latin1', negative ? first - 1 : first, at));
    if (value === 0) return ZERO;
    return BigInt(negative ? -value : value);
  }
}
