// A journal file as the read-only commands see it (verify, prove, receipts, export). Two kinds of file, told apart by
// their first bytes: the SQLite journal that `bailiff ingest` writes (docs/journal.md) and the JSON-lines journal of
// verify/jsonl.ts (a genesis line, then one record per line).
//
// `verify` must read a damaged journal to report what is wrong with it, so it reads the SQLite records raw: each
// stored batch is split into frames by their length fields and each frame is split without being judged, and the verifier re-derives the hash chain itself (an edited record
// is a chain_broken finding, not a refusal to read). The other commands trust what they read only after the journal
// opened cleanly (Journal.open: every record's checksum and the chain checked), and stop with exit 2 otherwise.

import { closeSync, openSync, readSync } from 'node:fs';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { Journal } from '../journal/journal.js';
import {
  framedRecordHasher,
  hex,
  parseEntryBody,
  parseGenesisBody,
  frameAt,
  RECORD_BYTES_MIN,
  RECORD_CHECKSUM_BYTES,
  RECORD_HEADER_BYTES,
} from '../journal/record.js';
import { SqliteJournalStore } from '../journal/sqlite.js';
import type { JournalGenesis, JournalRecord } from '../journal/types.js';
import { TrackingUnits } from '../scenario/load.js';
import type { Finding } from '../verify/verify.js';
import { CliError, unreadableFile } from './errors.js';
import type { JournalSource, OpenedJournal } from './verify.js';
import { jsonLinesSource } from './verify.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether the file starts as an SQLite database does (the SQLite journal); false for anything else. */
export function isSqliteFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw unreadableFile(file, e);
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } catch (e) {
      // A directory opens for reading and fails only here (EISDIR).
      throw unreadableFile(file, e);
    }
    return n === head.length && head.equals(SQLITE_MAGIC);
  } finally {
    closeSync(fd);
  }
}

/** A record's fields read from its frame without judging them: the verifier judges. */
function splitFrame(bytes: Uint8Array): { seq: number; prevHash: string; body: Buffer; storedHash: string } | string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < RECORD_BYTES_MIN) return `${b.length} bytes, shorter than any record (${RECORD_BYTES_MIN})`;
  const length = b.readUInt32BE(16);
  if (RECORD_BYTES_MIN + length !== b.length) return `its length field says ${length} body bytes, it holds ${b.length - RECORD_BYTES_MIN}`;
  return {
    seq: Number(b.readBigUInt64BE(8)),
    prevHash: hex(b.subarray(20, RECORD_HEADER_BYTES)),
    body: b.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length),
    storedHash: hex(b.subarray(b.length - RECORD_CHECKSUM_BYTES)),
  };
}

/**
 * The SQLite journal for the verifier: the genesis (which must read cleanly: without it nothing can be replayed),
 * then every stored record as its frame says, in stored order. A record whose frame or body cannot be read at all
 * becomes a finding of its own (`unreadable`) and is left out, so the verifier also reports the gap it leaves.
 */
export function sqliteVerifySource(file: string): OpenedJournal & { readonly unreadable: Finding[] } {
  const store = SqliteJournalStore.open(file, { durability: 'full', readOnly: true });
  let genesis: JournalGenesis | undefined;
  for (const r of store.read(0, 0)) {
    const f = splitFrame(frameAt(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength), 0));
    if (typeof f === 'string') break;
    try {
      genesis = parseGenesisBody(f.body);
    } catch {
      genesis = undefined;
    }
  }
  if (genesis === undefined) {
    store.close();
    throw new CliError('bad_file', `${file}: its genesis record (record 0) cannot be read; nothing can be replayed`);
  }
  const unreadable: Finding[] = [];
  function* records(): Generator<JournalRecord> {
    try {
      // Each stored batch (one commit) split into frames by their length fields, to its last byte.
      for (const b of store.read(1)) {
        if (b.firstSeq === 0) continue;
        const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
        let seq = b.firstSeq;
        for (let offset = 0; offset < bytes.length; seq++) {
          const frame = frameAt(bytes, offset);
          offset += frame.length;
          const f = splitFrame(frame);
          if (typeof f === 'string') {
            // The frames after it cannot be located: one finding for the rest of the batch.
            unreadable.push({ seq, kind: 'chain_broken', account: null, market: null, explanation: `record ${seq} is unreadable: ${f}` });
            break;
          }
          let entry: { command: Command; events: readonly EngineEvent[] };
          try {
            entry = parseEntryBody(f.seq, f.body);
          } catch (e) {
            unreadable.push({ seq, kind: 'chain_broken', account: null, market: null, explanation: `record ${seq}'s body does not parse: ${(e as Error).message}` });
            continue;
          }
          yield { seq: f.seq, command: entry.command, events: entry.events, prevHash: f.prevHash, hash: f.storedHash };
        }
      }
    } finally {
      store.close();
    }
  }
  return { genesis, records: { [Symbol.iterator]: records }, hasher: framedRecordHasher, unreadable, expected: Math.max(0, store.lastSeq()) };
}

/** verify's source: the SQLite journal read raw, or a JSON-lines journal. */
export const journalFileVerifySource: JournalSource = (file) => (isSqliteFile(file) ? sqliteVerifySource(file) : jsonLinesSource(file));

/**
 * A journal that opened cleanly, for the commands that trust what they read (prove, receipts, export): its genesis,
 * its records in order (read lazily, once per iteration) and the units its commands declared, learned as the records
 * go by (a market's units are declared by its set_market before any event of it).
 */
export interface CheckedJournalFile {
  readonly genesis: JournalGenesis;
  /** The last record's sequence number. */
  readonly head: number;
  readonly records: Iterable<JournalRecord>;
  readonly units: TrackingUnits;
}

export function openCheckedJournal(file: string): CheckedJournalFile {
  if (!isSqliteFile(file)) throw new CliError('bad_file', `${file} is not a journal written by bailiff ingest (an SQLite file)`);
  const store = SqliteJournalStore.open(file, { durability: 'full', readOnly: true });
  let journal: Journal;
  try {
    journal = Journal.open(store, { name: file });
  } catch (e) {
    store.close();
    throw e;
  }
  const units = new TrackingUnits(journal.genesis.config.settlement.decimals, journal.genesis.config.settlement.asset);
  function* records(): Generator<JournalRecord> {
    for (const r of journal.records()) {
      units.learn(r.command);
      yield r;
    }
  }
  return { genesis: journal.genesis, head: journal.head(), records: { [Symbol.iterator]: records }, units };
}

/**
 * The one check of a sequence number a command was given (--seq, --journal-seq): a state the journal reaches, so
 * at most its head. Past it, the command would silently answer at the head instead, so it refuses (exit 2).
 */
export function checkSeqWithinHead(seq: number | undefined, head: number, flag: string): void {
  if (seq !== undefined && seq > head) throw new CliError('bad_argument', `${flag} ${seq}: the journal ends at seq ${head}`);
}
