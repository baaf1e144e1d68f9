// A journal as JSON lines, the verifier's input until the SQLite journal (journal/sqlite.ts, engineer A) lands:
// line 1 is {"genesis": JournalGenesis}, then one JournalRecord per line, all in canonical JSON (bigints as
// {"$n":"digits"}, core/engine/snapshot.ts). Records are chained with `canonicalRecordHasher`: SHA-256 over the
// canonical JSON of the record without its hash. The SQLite journal frames records its own way (journal/record.ts);
// the verifier takes the hasher as a parameter, so only the source of records and the hasher change.

import { createHash } from 'node:crypto';
import { canonicalJson, decodeSnapshot } from '../core/engine/snapshot.js';
import type { JournalEntry, JournalGenesis, JournalRecord } from '../journal/types.js';
import type { RecordHasher } from './verify.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export const canonicalRecordHasher: RecordHasher = {
  genesis: (genesis) => sha256Hex(canonicalJson(genesis)),
  entry: (entry, prevHash) => sha256Hex(canonicalJson({ seq: entry.seq, prevHash, command: entry.command, events: entry.events })),
};

/** Chains entries into records (each record's prevHash is the hash of the one before; record 1's the genesis'). */
export function chainRecords(genesis: JournalGenesis, entries: Iterable<JournalEntry>, hasher: RecordHasher = canonicalRecordHasher): JournalRecord[] {
  const out: JournalRecord[] = [];
  let prevHash = hasher.genesis(genesis);
  for (const e of entries) {
    const hash = hasher.entry(e, prevHash);
    out.push({ seq: e.seq, command: e.command, events: e.events, prevHash, hash });
    prevHash = hash;
  }
  return out;
}

export function encodeJsonLines(genesis: JournalGenesis, records: Iterable<JournalRecord>): string {
  const lines = [canonicalJson({ genesis })];
  for (const r of records) lines.push(canonicalJson(r));
  return `${lines.join('\n')}\n`;
}

/** Why a JSON-lines journal cannot be read (line numbers from 1). */
export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
}

/** Reads a JSON-lines journal. Throws JournalFormatError with the line on anything that is not one. */
export function decodeJsonLines(text: string): { genesis: JournalGenesis; records: JournalRecord[] } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parse = (line: string, n: number): unknown => {
    try {
      return decodeSnapshot(line) as unknown;
    } catch (err) {
      throw new JournalFormatError(`line ${n}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  };
  const head = lines.length === 0 ? undefined : (parse(lines[0] as string, 1) as { genesis?: JournalGenesis });
  const genesis = head?.genesis;
  if (genesis === undefined || typeof genesis !== 'object' || genesis.config === undefined || genesis.rulebook === undefined) {
    throw new JournalFormatError('line 1: not a genesis ({"genesis": {formatVersion, config, rulebook}})');
  }
  const records: JournalRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const r = parse(lines[i] as string, i + 1) as Partial<JournalRecord> | null;
    const ok =
      r !== null &&
      typeof r === 'object' &&
      Number.isSafeInteger(r.seq) &&
      typeof r.prevHash === 'string' &&
      typeof r.hash === 'string' &&
      typeof r.command === 'object' &&
      r.command !== null &&
      typeof (r.command as { kind?: unknown }).kind === 'string' &&
      Array.isArray(r.events);
    if (!ok) throw new JournalFormatError(`line ${i + 1}: not a journal record ({seq, prevHash, hash, command, events})`);
    records.push(r as JournalRecord);
  }
  return { genesis, records };
}
