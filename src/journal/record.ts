// One journal record as bytes: a fixed header, the body (canonical JSON) and a SHA-256 checksum over both, which is
// also the record's hash: the next record's header carries it (the hash chain). docs/journal.md has the layout.
//
//   offset  size  field
//   0       4     magic "BJRN"
//   4       1     format version (JOURNAL_FORMAT_VERSION)
//   5       1     kind: 0 genesis (record 0), 1 entry
//   6       2     reserved, zero
//   8       8     seq, unsigned 64-bit big-endian
//   16      4     body length N, unsigned 32-bit big-endian
//   20      32    prevHash: the previous record's hash (record 0: 32 zero bytes)
//   52      N     body: UTF-8 canonical JSON (core/engine/snapshot.ts canonicalJson)
//   52+N    32    checksum = hash: SHA-256 of bytes [0, 52+N)
//
// A record that is too short, whose length field disagrees with its size or whose checksum does not match is BAD: a
// torn write when it is the last record, corruption anywhere else. A record whose checksum matches but whose header
// disagrees with its place (magic, version, kind, seq, prevHash) is corrupt wherever it is: a torn write cannot
// produce a matching SHA-256.

import { createHash, hash as digest } from 'node:crypto';
import { canonicalJson } from '../core/engine/snapshot.js';
import { CanonicalEncoder, integerEnd, parseCanonical } from './canonical.js';
import type { Command, PriceUpdate } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { Price } from '../core/units/index.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from './types.js';

export const RECORD_MAGIC = Buffer.from('BJRN', 'latin1');
export const RECORD_HEADER_BYTES = 52;
export const RECORD_CHECKSUM_BYTES = 32;
/** The smallest well-formed record: a header, an empty body and the checksum. */
export const RECORD_BYTES_MIN = RECORD_HEADER_BYTES + RECORD_CHECKSUM_BYTES;
/** The largest body a record may carry (a command with a whole rulebook and its events stays far below). */
export const RECORD_BODY_BYTES_MAX = 64 * 1024 * 1024;
/** prevHash of record 0. */
export const ZERO_HASH = Buffer.alloc(32);

export const RECORD_KIND_GENESIS = 0;
export const RECORD_KIND_ENTRY = 1;

export interface EncodedRecord {
  readonly seq: number;
  readonly bytes: Buffer;
  /** SHA-256 of the record (its checksum): the next record's prevHash. */
  readonly hash: Buffer;
}

/** Entry bodies' encoder: canonicalJson's bytes, with the shapes of commands and events remembered (canonical.ts). */
const bodyEncoder = new CanonicalEncoder();

/** What a record's body holds for an entry: the command and its events, as canonical JSON (canonicalJson's text). */
export function entryBody(command: Command, events: readonly EngineEvent[]): string {
  return bodyEncoder.encode({ command, events });
}

/**
 * Whether `body` is exactly entryBody(command, events) (as text, or as the record's UTF-8 bytes), checked without
 * writing it (CanonicalEncoder.matchesBytes): replay's byte-for-byte check of a replayed command's events against the
 * recorded body.
 */
export function entryBodyMatches(command: Command, events: readonly EngineEvent[], body: string | Uint8Array): boolean {
  return typeof body === 'string' ? bodyEncoder.matches({ command, events }, body) : bodyEncoder.matchesBytes({ command, events }, body);
}

/** What follows the command in an entry's body, and what ends it. */
const EVENTS_KEY_BYTES = Buffer.from(',"events":', 'latin1');
const CLOSE_BRACE = 0x7d;

/**
 * entryBodyMatches of a body whose command readEntryCommand read in canonical form, its bytes up to `commandEnd`
 * (EntryCommandRead.commandEnd > 0): those bytes are the command's canonical encoding already (the reader takes
 * nothing else), so only the events after them are compared, byte for byte. A replay's check costs what its events
 * do, not its command's ~150 bytes again (~0.4 s of a 1M-tick replay, docs/performance.md "2026-12-06, s57").
 */
export function entryEventsMatch(events: readonly EngineEvent[], body: Uint8Array, commandEnd: number): boolean {
  for (let k = 0; k < EVENTS_KEY_BYTES.length; k++) if (body[commandEnd + k] !== EVENTS_KEY_BYTES[k]) return false;
  const end = bodyEncoder.matchBytesAt(events, body, commandEnd + EVENTS_KEY_BYTES.length);
  return end > 0 && end === body.length - 1 && body[end] === CLOSE_BRACE;
}

/** What an event's canonical bytes start with when it names an account (keys in order: "account" sorts first). */
const ACCOUNT_OPEN_BYTES = Buffer.from('{"account":"', 'latin1');
/** A MarginCall's fields after its account and a MarginCallCleared's, in canonical order (events.ts, Stamped last). */
const CALL_AFTER_ACCOUNT = bytesLiteral('","callLevel":');
const CALL_EQUITY = bytesLiteral(',"equity":');
const CALL_KIND = bytesLiteral(',"kind":"MarginCall","ledger":');
const CALL_MAINTENANCE = bytesLiteral(',"maintenance":');
const CLEARED_AFTER_ACCOUNT = bytesLiteral('","kind":"MarginCallCleared"');
const BIGINT_OPEN_BYTES = bytesLiteral('{"$n":"');
const ORDINAL_KEY = bytesLiteral(',"ordinal":');
const SEQ_KEY = bytesLiteral(',"seq":');
const TS_KEY = bytesLiteral(',"tsMs":');
const QUOTE_BYTE = 0x22;
const BACKSLASH_BYTE = 0x5c;
const OPEN_BRACKET_BYTE = 0x5b;
const CLOSE_BRACKET_BYTE = 0x5d;
const COMMA_BYTE = 0x2c;
const OPEN_BRACE_BYTE = 0x7b;

function bytesLiteral(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/**
 * entryEventsMatch for a replay whose engine takes the margin calls from the records (Engine.deferMarginCalls): the
 * recorded events must be the replayed ones with the command's MarginCall and MarginCallCleared events among them,
 * and each of those is told to `onCall` (its account; true for a call, false for a clearance), in the records' order.
 * A replayed event after k recorded calls is compared with its ordinal moved up by k (the replay numbered it without
 * them). Of a call, its place is checked (the record's seq and time, its ordinal), not its figures: those are the
 * records' (a notification; the only state it changes is the account's called state). False where the bodies differ
 * otherwise (what was told before that is moot: the caller stops).
 */
export function entryEventsMatchTakingCalls(
  events: readonly EngineEvent[],
  body: Uint8Array,
  commandEnd: number,
  /** The record's seq and its command's time: every event's stamp. */
  stamp: { readonly seq: number; readonly tsMs: number },
  onCall: (account: string, called: boolean) => void,
  /** Where the record's calls are, read ahead on the record-check worker (CallSummary); null: read here. */
  summary: CallSummary | null = null,
): boolean {
  for (let k = 0; k < EVENTS_KEY_BYTES.length; k++) if (body[commandEnd + k] !== EVENTS_KEY_BYTES[k]) return false;
  let at = commandEnd + EVENTS_KEY_BYTES.length;
  if (body[at] !== OPEN_BRACKET_BYTE) return false;
  at++;
  let replayed = 0;
  let calls = 0;
  const words = summary === null ? null : summary.words;
  const listed = words === null ? 0 : (words[(summary as CallSummary).at] as number);
  let w = words === null ? 0 : (summary as CallSummary).at + 1;
  let taken = 0;
  for (let first = true; body[at] !== CLOSE_BRACKET_BYTE; first = false) {
    if (!first) {
      if (body[at] !== COMMA_BYTE) return false;
      at++;
    }
    if (taken < listed && (words as Int32Array)[w] === at) {
      // A call the worker read here (recordedCallAt, with this ordinal, seq and time): its account and kind told.
      const code = (words as Int32Array)[w + 2] as number;
      const ids = (summary as CallSummary).ids;
      const n = code >>> 1;
      let id = ids[n];
      if (id === undefined) {
        // The first call of this account this thread meets (the worker may have numbered it in a record before the
        // snapshot, which is not replayed): its id read here, once.
        const learned = callAccountAt(body, at);
        if (learned === null) return false;
        ids[n] = id = learned;
      }
      onCall(id, (code & CALL_CALLED) !== 0);
      at = (words as Int32Array)[w + 1] as number;
      w += 3;
      taken++;
      calls++;
      continue;
    }
    const next = events[replayed];
    if (next !== undefined) {
      // Rare: an event after a call in the record (an audit's, an auction clock's).
      const end = bodyEncoder.matchBytesAt(calls === 0 ? next : Object.assign({}, next, { ordinal: next.ordinal + calls }), body, at);
      if (end > 0) {
        at = end;
        replayed++;
        continue;
      }
    }
    // Its place is checked too: its ordinal among the record's events, the record's seq and time.
    const end = recordedCallAt(body, at, replayed + calls, stamp.seq, stamp.tsMs, onCall);
    if (end < 0) return false;
    at = end;
    calls++;
  }
  return replayed === events.length && taken === listed && at === body.length - 2 && body[at + 1] === CLOSE_BRACE;
}

/**
 * A recorded MarginCall or MarginCallCleared event at `at`, in the canonical form the engine writes (its keys, in
 * order; amounts as {"$n":"..."}) and stamped (ordinal, seq, tsMs) as given: its account told to `onCall`, and the
 * index after it; -1 when the event there is of another kind, shape or stamp. Read for speed (a 1M-record replay
 * reads ~5M of them: ~0.2 µs each): its account and kind are compared byte for byte, the keys between its fields are
 * stepped over by their lengths (their first byte checked) and its amounts by a native search for their closing
 * brace. The record's checksum vouches for its bytes; this decides only which event it is and where it ends.
 */
function recordedCallAt(body: Uint8Array, at: number, ordinal: number, seq: number, tsMs: number, onCall: (account: string, called: boolean) => void): number {
  if (!literalAt(body, at, ACCOUNT_OPEN_BYTES)) return -1;
  const bytes = body as Buffer;
  const idStart = at + ACCOUNT_OPEN_BYTES.length;
  let idEnd = plainStringEnd(body, idStart);
  const plain = idEnd >= 0;
  if (!plain) idEnd = stringEnd(body, idStart);
  if (idEnd < 0) return -1;
  let i: number;
  let called: boolean;
  if (literalAt(body, idEnd, CLEARED_AFTER_ACCOUNT)) {
    called = false;
    i = idEnd + CLEARED_AFTER_ACCOUNT.length;
  } else {
    // Its amounts are skipped, not read: the kind and the stamp are what is checked (a call's figures are the record's).
    if (!literalAt(body, idEnd, CALL_AFTER_ACCOUNT)) return -1;
    i = bigintSkip(bytes, idEnd + CALL_AFTER_ACCOUNT.length);
    if (i < 0 || body[i] !== COMMA_BYTE) return -1;
    i = bigintSkip(bytes, i + CALL_EQUITY.length);
    if (i < 0 || !literalAt(body, i, CALL_KIND)) return -1;
    i += CALL_KIND.length;
    if (body[i] !== QUOTE_BYTE) return -1;
    i = plainStringEnd(body, i + 1);
    if (i < 0 || body[i + 1] !== COMMA_BYTE) return -1;
    i = bigintSkip(bytes, i + 1 + CALL_MAINTENANCE.length);
    if (i < 0) return -1;
    called = true;
  }
  if (body[i] !== COMMA_BYTE) return -1;
  i = integerEnd(ordinal, body, i + ORDINAL_KEY.length);
  if (i < 0 || body[i] !== COMMA_BYTE) return -1;
  i = integerEnd(seq, body, i + SEQ_KEY.length);
  if (i < 0 || body[i] !== COMMA_BYTE) return -1;
  i = integerEnd(tsMs, body, i + TS_KEY.length);
  if (i < 0 || body[i] !== CLOSE_BRACE) return -1;
  onCall(accountText(body, idStart, idEnd, plain), called);
  return i + 1;
}

/**
 * The account id of a call event that starts at `at` (its shape checked by recordedCallAt), or null when its id does
 * not end. For an account the record-check worker names by number (CallSummary): the main thread reads it once.
 */
function callAccountAt(body: Uint8Array, at: number): string | null {
  if (!literalAt(body, at, ACCOUNT_OPEN_BYTES)) return null;
  const idStart = at + ACCOUNT_OPEN_BYTES.length;
  let idEnd = plainStringEnd(body, idStart);
  const plain = idEnd >= 0;
  if (!plain) idEnd = stringEnd(body, idStart);
  return idEnd < 0 ? null : accountText(body, idStart, idEnd, plain);
}

/**
 * The id in bytes [idStart, idEnd) of a call's account. An id JSON escapes or that is not ASCII is read as JSON reads
 * it (rare: ids are printable ASCII as a rule).
 */
function accountText(body: Uint8Array, idStart: number, idEnd: number, plain: boolean): string {
  return plain ? internedId(body, idStart, idEnd) : (JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8', idStart - 1, idEnd + 1)) as string);
}

/**
 * startsWithAscii (below) against bytes made once: a typed array's bytes compare ~20% faster than a string's char
 * codes on the ~5M calls a 1M-record replay reads (measured with the reader alone, 2026-12-07).
 */
function literalAt(body: Uint8Array, at: number, literal: Uint8Array): boolean {
  for (let k = 0; k < literal.length; k++) if (body[at + k] !== literal[k]) return false;
  return true;
}

/** The index of the closing quote of a JSON string whose bytes start at `at` (escapes skipped), or -1. */
function stringEnd(body: Uint8Array, at: number): number {
  for (let i = at; i < body.length; i++) {
    const c = body[i] as number;
    if (c === QUOTE_BYTE) return i;
    if (c === BACKSLASH_BYTE) i++;
  }
  return -1;
}

/** The index of the closing quote of a string whose bytes from `at` are printable ASCII without escapes, or -1. */
function plainStringEnd(body: Uint8Array, at: number): number {
  for (let i = at; i < body.length; i++) {
    const c = body[i] as number;
    if (c === QUOTE_BYTE) return i;
    if (c === BACKSLASH_BYTE || c < 0x20 || c >= 0x80) return -1;
  }
  return -1;
}

/** The index after an amount {"$n":"..."} at `at` (its closing brace found by a native search), or -1. */
function bigintSkip(bytes: Buffer, at: number): number {
  if (bytes[at] !== OPEN_BRACE_BYTE) return -1;
  const close = bytes.indexOf(CLOSE_BRACE, at + BIGINT_OPEN_BYTES.length);
  return close < 0 ? -1 : close + 1;
}

/**
 * The account id of bytes [from, to) (printable ASCII), the same string object each time the same bytes come: a
 * replay's calls name the same few hundred accounts millions of times, and a Map keyed by a string it has hashed
 * before finds it without hashing it again. A fixed table of the last id seen at each slot of a hash of the bytes.
 */
function internedId(body: Uint8Array, from: number, to: number): string {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (body[i] as number), 0x01000193);
  const slot = (h >>> 0) % ID_CACHE_SLOTS;
  const known = idCache[slot];
  if (known !== undefined && known.length === to - from) {
    let same = true;
    for (let k = 0; k < known.length; k++) {
      if (known.charCodeAt(k) !== body[from + k]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const id = String.fromCharCode.apply(null, body.subarray(from, to) as unknown as number[]);
  idCache[slot] = id;
  return id;
}

/** internedId's table: one id per slot, the last one seen there. */
const ID_CACHE_SLOTS = 65_536;
const idCache: (string | undefined)[] = new Array<string | undefined>(ID_CACHE_SLOTS);

/**
 * Where one record's margin calls are, read ahead of the replay by recovery's record-check worker (CallSummarizer, in
 * record-check-worker.ts) while the main thread restores the snapshot, so that the replay that takes the calls from
 * the records (entryEventsMatchTakingCalls) need not read them again. `words[at]` is the record's count of calls
 * listed, then for each, in the body's order, three words: where the event starts and ends in the body, and a code,
 * the account's number x 2 + CALL_CALLED (a MarginCall; a MarginCallCleared without). The worker numbers accounts in
 * the order it meets them, for good; the main thread reads an account's id at the first call of it that it meets.
 * Each call was read by recordedCallAt, the same reader, with its ordinal, the record's seq and its command's time. A
 * count of 0 asserts nothing: the main thread reads the calls of such a record itself, as it does without a summary.
 */
export interface CallSummary {
  words: Int32Array;
  at: number;
  /** The accounts by number, as the records named them so far (the replay's, kept across its records). */
  readonly ids: string[];
}

export const CALL_CALLED = 1;

/** Appends records' CallSummary words (a count, then three words a call), numbering the accounts as it meets them. */
export class CallSummarizer {
  private readonly numbers = new Map<string, number>();
  private code = 0;
  private readonly tell = (account: string, called: boolean): void => {
    let n = this.numbers.get(account);
    if (n === undefined) {
      n = this.numbers.size;
      this.numbers.set(account, n);
    }
    this.code = n * 2 + (called ? CALL_CALLED : 0);
  };

  /**
   * Appends record `seq`'s summary to `out`: every MarginCall and MarginCallCleared among its events, or a count of 0
   * when its body is not read so (a command or an event of another shape than the replay expects): then nothing is
   * asserted and the main thread reads that record's calls itself.
   */
  summarize(seq: number, body: Buffer, out: number[]): void {
    const countAt = out.length;
    out.push(0);
    const count = this.calls(seq, body, out);
    if (count > 0) out[countAt] = count;
    else out.length = countAt + 1;
  }

  /** The calls of the record into `out` (three words each); 0 when it lists none or is not read. */
  private calls(seq: number, body: Buffer, out: number[]): number {
    let command: Command;
    let end: number;
    try {
      const read = readEntryCommand(seq, body);
      command = read.command;
      end = read.commandEnd > 0 ? read.commandEnd : entryCommandEnd(command, body);
    } catch {
      return 0;
    }
    if (end <= 0 || !literalAt(body, end, EVENTS_KEY_BYTES)) return 0;
    let at = end + EVENTS_KEY_BYTES.length;
    if (body[at] !== OPEN_BRACKET_BYTE) return 0;
    at++;
    let count = 0;
    for (let ordinal = 0; body[at] !== CLOSE_BRACKET_BYTE; ordinal++) {
      if (ordinal > 0) {
        if (body[at] !== COMMA_BYTE) return 0;
        at++;
      }
      const callEnd = recordedCallAt(body, at, ordinal, seq, command.tsMs, this.tell);
      if (callEnd > 0) {
        out.push(at, callEnd, this.code);
        count++;
        at = callEnd;
      } else {
        at = valueEnd(body, at);
        if (at < 0) return 0;
      }
    }
    return at === body.length - 2 && body[at + 1] === CLOSE_BRACE ? count : 0;
  }
}

/** The index after the JSON value at `at` (an object or array to its matching bracket, strings skipped), or -1. */
function valueEnd(body: Uint8Array, at: number): number {
  let depth = 0;
  for (let i = at; i < body.length; i++) {
    const c = body[i] as number;
    if (c === QUOTE_BYTE) {
      i = stringEnd(body, i + 1);
      if (i < 0) return -1;
      if (depth === 0) return i + 1;
    } else if (c === OPEN_BRACE_BYTE || c === OPEN_BRACKET_BYTE) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET_BYTE) {
      if (depth === 0) return i; // a scalar ends where its array does
      if (--depth === 0) return i + 1;
    } else if (c === COMMA_BYTE && depth === 0) return i;
  }
  return -1;
}

/** Records framed back to back in one buffer: what one commit stores (the journal's batch, one SQLite row). */
export interface EncodedBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly bytes: Buffer;
  /** The last record's hash: the next record's prevHash. */
  readonly hash: Buffer;
}

/**
 * Frames records into one growing buffer: each body is written once, straight into place (no intermediate Buffer),
 * the header beside it, and each record hashed with one SHA-256 over its header and body.
 */
class BatchWriter {
  private buf: Buffer;
  private used = 0;
  /** The last record's hash (the first record's prevHash until one is added). */
  private prevHash: Buffer;

  constructor(capacity: number, firstPrevHash: Buffer) {
    if (firstPrevHash.length !== 32) throw new RangeError('prevHash must be 32 bytes');
    this.prevHash = firstPrevHash;
    this.buf = Buffer.allocUnsafe(Math.max(capacity, RECORD_BYTES_MIN));
  }

  add(kind: number, seq: number, body: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units).
    this.reserve(RECORD_BYTES_MIN + body.length * 3);
    const buf = this.buf;
    const at = this.used;
    const n = buf.write(body, at + RECORD_HEADER_BYTES, 'utf8');
    if (n > RECORD_BODY_BYTES_MAX) throw new RangeError(`record ${seq}: body of ${n} bytes exceeds RECORD_BODY_BYTES_MAX`);
    // Small fixed fields by index (TypedArray stores; Buffer.copy is a native call per use).
    buf[at] = 0x42; // B
    buf[at + 1] = 0x4a; // J
    buf[at + 2] = 0x52; // R
    buf[at + 3] = 0x4e; // N
    buf[at + 4] = JOURNAL_FORMAT_VERSION;
    buf[at + 5] = kind;
    buf[at + 6] = 0;
    buf[at + 7] = 0;
    // seq as unsigned 64-bit big-endian: seq is a safe integer (< 2^53), split in two 32-bit halves.
    buf.writeUInt32BE(Math.floor(seq / 2 ** 32), at + 8);
    buf.writeUInt32BE(seq >>> 0, at + 12);
    buf.writeUInt32BE(n, at + 16);
    buf.set(this.prevHash, at + 20);
    const end = at + RECORD_HEADER_BYTES + n;
    const hash = sha256(buf.subarray(at, end));
    buf.set(hash, end);
    this.prevHash = hash;
    this.used = end + RECORD_CHECKSUM_BYTES;
  }

  /** The framed bytes (a view) and the last record's hash (its own buffer, not a view into the batch). */
  finish(): { bytes: Buffer; hash: Buffer } {
    return { bytes: this.buf.subarray(0, this.used), hash: this.prevHash };
  }

  private reserve(more: number): void {
    if (this.used + more <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + more));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}

function frame(kind: number, seq: number, prevHash: Buffer, body: string): EncodedRecord {
  const w = new BatchWriter(RECORD_BYTES_MIN + body.length * 3, prevHash);
  w.add(kind, seq, body);
  const { bytes, hash } = w.finish();
  return { seq, bytes, hash };
}

/** Bytes per record to start a batch's buffer with (the bench's records average ~520; the buffer grows if needed). */
const BATCH_BYTES_PER_RECORD_GUESS = 640;

/**
 * Entries (consecutive seqs) framed back to back, the first chained to `prevHash`: one commit's bytes. Each record
 * is exactly encodeEntryRecord's frame; the batch is only their concatenation.
 */
export function encodeEntryBatch(entries: readonly JournalEntry[], prevHash: Buffer): EncodedBatch {
  if (entries.length === 0) throw new RangeError('an empty batch');
  const first = (entries[0] as JournalEntry).seq;
  const w = new BatchWriter(entries.length * BATCH_BYTES_PER_RECORD_GUESS, prevHash);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as JournalEntry;
    if (!Number.isSafeInteger(e.seq) || e.seq < 1) throw new RangeError(`an entry's seq must be a positive integer, not ${e.seq}`);
    if (e.seq !== first + i) throw new RangeError(`a batch's seqs are consecutive: ${e.seq} after ${first + i - 1}`);
    w.add(RECORD_KIND_ENTRY, e.seq, entryBody(e.command, e.events));
  }
  const { bytes, hash } = w.finish();
  return { firstSeq: first, lastSeq: first + entries.length - 1, bytes, hash };
}

/** The genesis record as a batch of one (the store's first commit). */
export function encodeGenesisBatch(genesis: JournalGenesis): EncodedBatch {
  const r = encodeGenesisRecord(genesis);
  return { firstSeq: 0, lastSeq: 0, bytes: r.bytes, hash: r.hash };
}

/**
 * The frame that starts at `offset` of a batch's bytes, as its length field says: bytes [offset, offset + 84 + N),
 * or fewer when the batch ends first (decodeRecord then finds it incomplete or its length wrong).
 */
export function frameAt(batch: Buffer, offset: number): Buffer {
  if (offset + RECORD_HEADER_BYTES > batch.length) return batch.subarray(offset);
  const end = offset + RECORD_BYTES_MIN + batch.readUInt32BE(offset + 16);
  return batch.subarray(offset, Math.min(end, batch.length));
}

/** Record 0: what the engine was created with. */
export function encodeGenesisRecord(genesis: JournalGenesis): EncodedRecord {
  return frame(RECORD_KIND_GENESIS, 0, ZERO_HASH, canonicalJson(genesis));
}

/** Record `entry.seq`, chained to the record before it. */
export function encodeEntryRecord(entry: JournalEntry, prevHash: Buffer): EncodedRecord {
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) throw new RangeError(`an entry's seq must be a positive integer, not ${entry.seq}`);
  return frame(RECORD_KIND_ENTRY, entry.seq, prevHash, entryBody(entry.command, entry.events));
}

/** Where a record stands against what its place in the journal expects. */
export interface RecordExpectation {
  /** Its sequence number (the row it was read from). */
  readonly seq: number;
  /** The previous record's hash (ZERO_HASH for record 0). */
  readonly prevHash: Buffer;
  /** Whether it is the last record stored: then a bad frame is a torn write, not corruption. */
  readonly last: boolean;
}

export type DecodedRecord =
  | { readonly status: 'ok'; readonly seq: number; readonly kind: number; readonly body: Buffer; readonly hash: Buffer }
  | {
      readonly status: 'torn' | 'corrupt';
      readonly seq: number;
      readonly reason: string;
      /** The record is whole (its checksum matches) and of another format version: this one. */
      readonly otherFormat?: number;
    };

/** Checks one record's frame and its place in the chain; the body is returned unparsed (parseEntryBody). */
export function decodeRecord(bytes: Uint8Array, expect: RecordExpectation): DecodedRecord {
  const seq = expect.seq;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (reason: string): DecodedRecord => ({ status: expect.last ? 'torn' : 'corrupt', seq, reason });
  const corrupt = (reason: string): DecodedRecord => ({ status: 'corrupt', seq, reason });
  if (buf.length < RECORD_BYTES_MIN) return bad(`incomplete: ${buf.length} bytes, a record has at least ${RECORD_BYTES_MIN}`);
  const n = buf.readUInt32BE(16);
  if (buf.length !== RECORD_BYTES_MIN + n) return bad(`length field says a ${n}-byte body, the record has ${buf.length - RECORD_BYTES_MIN}`);
  const end = RECORD_HEADER_BYTES + n;
  const hash = sha256(buf.subarray(0, end));
  // Byte comparisons in place (compare with ranges: no subarray views made per record).
  if (buf.compare(hash, 0, RECORD_CHECKSUM_BYTES, end, end + RECORD_CHECKSUM_BYTES) !== 0) return bad('checksum mismatch');
  // The checksum matches: whatever disagrees from here on was written that way.
  if (buf[0] !== RECORD_MAGIC[0] || buf[1] !== RECORD_MAGIC[1] || buf[2] !== RECORD_MAGIC[2] || buf[3] !== RECORD_MAGIC[3]) return corrupt('not a journal record (magic)');
  const version = buf[4] as number;
  if (version !== JOURNAL_FORMAT_VERSION) return { status: 'corrupt', seq, reason: `format version ${version}, this build reads ${JOURNAL_FORMAT_VERSION}`, otherFormat: version };
  const kind = buf[5] as number;
  if (kind !== (seq === 0 ? RECORD_KIND_GENESIS : RECORD_KIND_ENTRY)) return corrupt(`kind ${kind} at seq ${seq}`);
  if (buf[6] !== 0 || buf[7] !== 0) return corrupt('reserved bytes not zero');
  // seq as two 32-bit halves (seq is a safe integer): no bigint made per record.
  if (buf.readUInt32BE(8) !== Math.floor(seq / 2 ** 32) || buf.readUInt32BE(12) !== seq >>> 0) return corrupt(`header says seq ${buf.readBigUInt64BE(8)}, stored as seq ${seq}`);
  if (buf.compare(expect.prevHash, 0, 32, 20, 52) !== 0) return corrupt('hash chain broken: prevHash is not the previous record’s hash');
  return { status: 'ok', seq, kind, body: buf.subarray(RECORD_HEADER_BYTES, end), hash };
}

/** An entry record's body as the entry it holds. Throws SyntaxError on a body that is not canonical JSON. */
export function parseEntryBody(seq: number, body: Buffer): JournalEntry {
  const parsed = parseCanonical(body.toString('utf8')) as { command?: Command; events?: EngineEvent[] };
  if (parsed.command === undefined || !Array.isArray(parsed.events)) throw new SyntaxError(`record ${seq}: body has no command or events`);
  return { seq, command: parsed.command, events: parsed.events };
}

/** The genesis record's body. */
export function parseGenesisBody(body: Buffer): JournalGenesis {
  const parsed = parseCanonical(body.toString('utf8')) as JournalGenesis;
  if (typeof parsed.formatVersion !== 'number' || parsed.config === undefined || parsed.rulebook === undefined) {
    throw new SyntaxError('genesis: body has no formatVersion, config or rulebook');
  }
  return parsed;
}

/** Lower-case hex, as hashes appear in JournalRecord and SnapshotInfo. */
export function hex(hash: Buffer): string {
  return hash.toString('hex');
}

/** SHA-256 (crypto.hash: the one-shot form, ~3x faster than createHash on records of a few hundred bytes). */
function sha256(bytes: Uint8Array): Buffer {
  return digest('sha256', bytes, 'buffer');
}

/** hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return digest('sha256', bytes, 'hex');
}

/** hex SHA-256 of the concatenation of `parts` (a snapshot stored in parts), without concatenating them. */
export function sha256Parts(parts: readonly Uint8Array[]): string {
  if (parts.length === 1) return sha256Hex(parts[0] as Uint8Array);
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * The hashes of this framing from a record's content, for a verifier that re-derives each record's hash
 * (src/verify/verify.ts RecordHasher has this shape): the genesis' and an entry's with the prevHash it carries.
 */
export const framedRecordHasher = {
  genesis: (genesis: JournalGenesis): string => hex(encodeGenesisRecord(genesis).hash),
  entry: (entry: JournalEntry, prevHash: string): string => hex(encodeEntryRecord(entry, Buffer.from(prevHash, 'hex')).hash),
};

const COMMAND_PREFIX = '{"command":';

/**
 * Only the command of an entry record's body (replay needs nothing else: the events it replays are compared with the
 * body as text). The body is canonical, so it starts with {"command": and the command object runs to its matching
 * brace. Throws SyntaxError on a body that is not shaped so.
 */
export function parseEntryCommand(seq: number, text: string): Command {
  const price = text.startsWith(COMMAND_PREFIX) ? readPriceCommand(text, COMMAND_PREFIX.length) : null;
  return price ?? parseOtherCommand(seq, text);
}

/** parseEntryCommand of a body whose command is not a price tick readPriceBytes reads. */
function parseOtherCommand(seq: number, text: string): Command {
  if (!text.startsWith(COMMAND_PREFIX) || text.charCodeAt(COMMAND_PREFIX.length) !== 0x7b) throw new SyntaxError(`record ${seq}: body does not start with a command object`);
  const end = objectEnd(text, COMMAND_PREFIX.length);
  if (end < 0) throw new SyntaxError(`record ${seq}: the command object does not end`);
  const command = parseCanonical(text.slice(COMMAND_PREFIX.length, end)) as Command;
  if (typeof command !== 'object' || command === null || typeof command.kind !== 'string') throw new SyntaxError(`record ${seq}: body has no command`);
  return command;
}

/**
 * The command of a record's body (its bytes as stored): parseEntryCommand of the body's text. A price tick (most
 * records a replay reads) is read from the bytes (readPriceBytes), so no text is decoded; any other command from the
 * body's text.
 */
export function entryCommandOf(seq: number, body: Buffer): Command {
  return readEntryCommand(seq, body).command;
}

/** A record's command (readEntryCommand), and where its canonical bytes end when the reader vouches for them. */
export interface EntryCommandRead {
  readonly command: Command;
  /**
   * > 0: the body's bytes before this index are `{"command":` and the command's canonical encoding, as the strict price
   * reader took them (readPriceBytes: canonical integers, keys in order, a plain ASCII market), so a check of the
   * body need compare only what follows (entryEventsMatch). 0: not vouched for (another command, or a market outside
   * ASCII): compare the whole body (entryBodyMatches).
   */
  readonly commandEnd: number;
}

/**
 * Where `command`'s canonical bytes end in a record's body that starts with them (the index an EntryCommandRead's
 * commandEnd gives when the reader vouches for them), or -1 when the body does not start so.
 */
export function entryCommandEnd(command: Command, body: Uint8Array): number {
  if (!startsWithAscii(body, 0, COMMAND_PREFIX)) return -1;
  return bodyEncoder.matchBytesAt(command, body, COMMAND_PREFIX.length);
}

/** entryCommandOf, and whether its bytes need no second comparison (EntryCommandRead). */
export function readEntryCommand(seq: number, body: Buffer): EntryCommandRead {
  const price = startsWithAscii(body, 0, COMMAND_PREFIX) ? readPriceBytes(body, COMMAND_PREFIX.length) : null;
  if (price !== null) return { command: price, commandEnd: priceReadAscii ? priceReadEnd : 0 };
  return { command: parseOtherCommand(seq, body.toString('utf8')), commandEnd: 0 };
}

/** readPriceBytes of a text (its UTF-8 bytes), `at` a character index before which the text is ASCII. */
export function readPriceCommand(text: string, at: number): PriceUpdate | null {
  return readPriceBytes(Buffer.from(text, 'utf8'), at);
}

/**
 * A price command as canonicalJson writes it at byte `at` of `b`, read without JSON.parse or decoding text: most
 * records a replay parses are price ticks, and JSON.parse of the command with the walk that turns {"$n": ...} into
 * bigints cost ~1 µs a record (and decoding the body's first 256 bytes to text first, ~0.25 µs more). The keys in
 * canonicalJson's sorted order (conf, index, kind, mark, market, tsMs), the three prices each optional and written
 * {"$n":"<digits>"}, the market a string without escapes or control characters, tsMs a non-negative integer; the
 * object is built with its keys in the text's order, as parseCanonical builds it. Anything else (another command,
 * another form of a value, a key more or out of order) gives null: parseCanonical reads it, or says why it does not
 * parse. An ASCII market is shared between ticks (marketOf); one with other bytes is decoded as UTF-8, as the body's
 * text would have been.
 */
export function readPriceBytes(b: Buffer, at: number): PriceUpdate | null {
  if (b[at] !== 0x7b) return null;
  let i = at + 1;
  let next = optionalAmount(b, i, CONF_FIELD);
  if (next < 0) return null;
  const conf = next > i ? amountRead : undefined;
  i = next;
  next = optionalAmount(b, i, INDEX_FIELD);
  if (next < 0) return null;
  const index = next > i ? amountRead : undefined;
  i = next;
  if (!startsWithAscii(b, i, KIND_PRICE)) return null;
  i += KIND_PRICE.length;
  next = optionalAmount(b, i, MARK_FIELD);
  if (next < 0) return null;
  const mark = next > i ? amountRead : undefined;
  i = next;
  if (!startsWithAscii(b, i, MARKET_FIELD)) return null;
  const from = i + MARKET_FIELD.length;
  let to = from;
  let ascii = true;
  let hash = 0x811c9dc5;
  for (;;) {
    const c = b[to];
    // An escape, a control character or the bytes' end: not the plain string this reader takes.
    if (c === undefined || c < 0x20 || c === 0x5c) return null;
    if (c === 0x22) break;
    if (c >= 0x80) ascii = false;
    hash = Math.imul(hash ^ c, 0x01000193);
    to++;
  }
  const market = ascii ? marketOf(b, from, to, hash) : b.toString('utf8', from, to);
  i = to + 1;
  if (!startsWithAscii(b, i, TS_FIELD)) return null;
  i += TS_FIELD.length;
  const digits = i;
  let tsMs = 0;
  for (let c = b[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++i]) tsMs = tsMs * 10 + (c - 0x30);
  // Canonical integers: no leading zero, and at most 15 digits (exact in a double as read digit by digit).
  if (i === digits || i - digits > 15 || (i - digits > 1 && b[digits] === 0x30) || b[i] !== 0x7d) return null;
  priceReadEnd = i + 1;
  priceReadAscii = ascii;
  // The usual shapes as literals (one hidden class each); the keys in the text's order either way.
  if (conf === undefined && index === undefined) return mark === undefined ? { kind: 'price', market, tsMs } : { kind: 'price', mark: mark as Price, market, tsMs };
  const command: Record<string, unknown> = {};
  if (conf !== undefined) command.conf = conf;
  if (index !== undefined) command.index = index;
  command.kind = 'price';
  if (mark !== undefined) command.mark = mark;
  command.market = market;
  command.tsMs = tsMs;
  return command as unknown as PriceUpdate;
}

/** Of the command readPriceBytes read last: the index after it, and whether its bytes are ASCII (then bytes = chars). */
let priceReadEnd = 0;
let priceReadAscii = false;

const CONF_FIELD = '"conf":';
const INDEX_FIELD = '"index":';
const KIND_PRICE = '"kind":"price",';
const MARK_FIELD = '"mark":';
const MARKET_FIELD = '"market":"';
const TS_FIELD = ',"tsMs":';

/** Whether the bytes of `b` at `at` are the ASCII text `s`. */
function startsWithAscii(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let k = 0; k < s.length; k++) if (b[at + k] !== s.charCodeAt(k)) return false;
  return true;
}

/** ASCII market ids read from price ticks, by a hash of their bytes: one string per market, not one per tick. */
const markets = new Map<number, string>();
/** A bound on the ids kept (a journal of more markets makes strings for the others, as before). */
const MARKETS_KEPT = 4096;

/** The ASCII string in bytes [from, to) of `b` (`hash`: of those bytes), the one kept for it when there is one. */
function marketOf(b: Buffer, from: number, to: number, hash: number): string {
  const kept = markets.get(hash);
  if (kept !== undefined && kept.length === to - from) {
    let same = true;
    for (let k = 0; k < kept.length && same; k++) same = b[from + k] === kept.charCodeAt(k);
    if (same) return kept;
  }
  const id = b.toString('latin1', from, to);
  if (kept === undefined && markets.size < MARKETS_KEPT) markets.set(hash, id);
  return id;
}

/**
 * The index after `field` (`"key":`), its amount and the comma after it at `at`, the amount in amountRead; `at` when
 * the field is not there; -1 when it is, but not as canonicalJson writes it.
 */
function optionalAmount(b: Buffer, at: number, field: string): number {
  if (!startsWithAscii(b, at, field)) return at;
  const end = amountEnd(b, at + field.length);
  return end < 0 || b[end] !== 0x2c ? -1 : end + 1;
}

/** The bigint amountEnd() read last. */
let amountRead = 0n;

/**
 * Reads {"$n":"<digits>"} (canonicalJson's bigint: an optional minus, no leading zero) at `at` into amountRead and
 * returns the index after it, or -1.
 */
function amountEnd(b: Buffer, at: number): number {
  if (!startsWithAscii(b, at, '{"$n":"')) return -1;
  let i = at + 7;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  const digits = i;
  let value = 0;
  for (let c = b[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++i]) value = value * 10 + (c - 0x30);
  const n = i - digits;
  if (n === 0 || (n > 1 && b[digits] === 0x30) || (negative && n === 1 && value === 0) || b[i] !== 0x22 || b[i + 1] !== 0x7d) return -1;
  // Up to 15 digits the double read digit by digit is exact; longer ones through BigInt's own parse.
  const magnitude = n <= 15 ? BigInt(value) : BigInt(b.toString('latin1', digits, i));
  amountRead = negative ? -magnitude : magnitude;
  return i + 2;
}

/** The index after the object that opens at `start` (its matching brace), skipping strings; -1 if it does not end. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, a backslash escaping the character after it.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
