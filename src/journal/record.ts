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

import { hash as digest } from 'node:crypto';
import { canonicalJson, parseCanonicalJson } from '../core/engine/snapshot.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
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

/** What a record's body holds for an entry: the command and its events, as canonical JSON. */
export function entryBody(command: Command, events: readonly EngineEvent[]): string {
  return canonicalJson({ command, events });
}

function frame(kind: number, seq: number, prevHash: Buffer, body: string): EncodedRecord {
  const n = Buffer.byteLength(body, 'utf8');
  if (n > RECORD_BODY_BYTES_MAX) throw new RangeError(`record ${seq}: body of ${n} bytes exceeds RECORD_BODY_BYTES_MAX`);
  if (prevHash.length !== 32) throw new RangeError(`record ${seq}: prevHash must be 32 bytes`);
  const bytes = Buffer.allocUnsafe(RECORD_BYTES_MIN + n);
  RECORD_MAGIC.copy(bytes, 0);
  bytes.writeUInt8(JOURNAL_FORMAT_VERSION, 4);
  bytes.writeUInt8(kind, 5);
  bytes.writeUInt16BE(0, 6);
  bytes.writeBigUInt64BE(BigInt(seq), 8);
  bytes.writeUInt32BE(n, 16);
  prevHash.copy(bytes, 20);
  bytes.write(body, RECORD_HEADER_BYTES, n, 'utf8');
  const hash = sha256(bytes.subarray(0, RECORD_HEADER_BYTES + n));
  hash.copy(bytes, RECORD_HEADER_BYTES + n);
  return { seq, bytes, hash };
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
  | { readonly status: 'torn' | 'corrupt'; readonly seq: number; readonly reason: string };

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
  if (!hash.equals(buf.subarray(end, end + RECORD_CHECKSUM_BYTES))) return bad('checksum mismatch');
  // The checksum matches: whatever disagrees from here on was written that way.
  if (!buf.subarray(0, 4).equals(RECORD_MAGIC)) return corrupt('not a journal record (magic)');
  const version = buf.readUInt8(4);
  if (version !== JOURNAL_FORMAT_VERSION) return corrupt(`format version ${version}, this build reads ${JOURNAL_FORMAT_VERSION}`);
  const kind = buf.readUInt8(5);
  if (kind !== (seq === 0 ? RECORD_KIND_GENESIS : RECORD_KIND_ENTRY)) return corrupt(`kind ${kind} at seq ${seq}`);
  if (buf.readUInt16BE(6) !== 0) return corrupt('reserved bytes not zero');
  const written = buf.readBigUInt64BE(8);
  if (written !== BigInt(seq)) return corrupt(`header says seq ${written}, stored as seq ${seq}`);
  if (!buf.subarray(20, 52).equals(expect.prevHash)) return corrupt('hash chain broken: prevHash is not the previous record’s hash');
  return { status: 'ok', seq, kind, body: buf.subarray(RECORD_HEADER_BYTES, end), hash };
}

/** An entry record's body as the entry it holds. Throws SyntaxError on a body that is not canonical JSON. */
export function parseEntryBody(seq: number, body: Buffer): JournalEntry {
  const parsed = parseCanonicalJson(body.toString('utf8')) as { command?: Command; events?: EngineEvent[] };
  if (parsed.command === undefined || !Array.isArray(parsed.events)) throw new SyntaxError(`record ${seq}: body has no command or events`);
  return { seq, command: parsed.command, events: parsed.events };
}

/** The genesis record's body. */
export function parseGenesisBody(body: Buffer): JournalGenesis {
  const parsed = parseCanonicalJson(body.toString('utf8')) as JournalGenesis;
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

/**
 * The hashes of this framing from a record's content, for a verifier that re-derives each record's hash
 * (src/verify/verify.ts RecordHasher has this shape): the genesis' and an entry's with the prevHash it carries.
 */
export const framedRecordHasher = {
  genesis: (genesis: JournalGenesis): string => hex(encodeGenesisRecord(genesis).hash),
  entry: (entry: JournalEntry, prevHash: string): string => hex(encodeEntryRecord(entry, Buffer.from(prevHash, 'hex')).hash),
};
