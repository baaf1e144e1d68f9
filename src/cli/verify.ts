// `bailiff verify <journal>`: the independent re-check of a journal (verify/verify.ts). Prints each finding as one
// line on stdout, then a summary on stderr. Exit 1 on any finding, 0 when clean, 2 when the journal cannot be read.
// On a terminal, a long verification draws its progress (records replayed of those stored) on stderr.
//
// The source of records is one parameter (JournalSource): the SQLite journal `bailiff ingest` and `serve` write
// (journal-file.ts sqliteVerifySource, its records read raw), or a JSON-lines journal (verify/jsonl.ts).

import type { JournalGenesis, JournalRecord } from '../journal/types.js';
import { canonicalRecordHasher, decodeJsonLines, JournalFormatError } from '../verify/jsonl.js';
import { verifyJournal, type Finding, type RecordHasher, type SignatureRecheck } from '../verify/verify.js';
import { engineAttestationKeys, recheckSignature } from '../feeds/attestation.js';
import { CliError, readTextFile } from './errors.js';
import type { CliIo } from './program.js';
import { startProgress } from './progress.js';

/** A journal opened for verification: its genesis, its records in stored order, and how its records are hashed. */
export interface OpenedJournal {
  readonly genesis: JournalGenesis;
  readonly records: Iterable<JournalRecord>;
  readonly hasher: RecordHasher;
  /** Records the source could not even read (filled as the records are iterated); printed with the findings. */
  readonly unreadable?: readonly Finding[];
  /** How many records it holds, as far as the source can tell before reading them (for progress); absent: unknown. */
  readonly expected?: number;
}

/** Opens a journal file; throws CliError('bad_file') when it cannot be read as one. */
export type JournalSource = (file: string) => OpenedJournal;

export const jsonLinesSource: JournalSource = (file) => {
  const text = readTextFile(file);
  try {
    const decoded = decodeJsonLines(text);
    return { ...decoded, hasher: canonicalRecordHasher, expected: decoded.records.length };
  } catch (e) {
    if (e instanceof JournalFormatError) throw new CliError('bad_file', `${file}: ${e.message}`);
    throw e;
  }
};

export function formatFinding(f: Finding): string {
  const ledger = f.account === null ? '' : ` ${f.account}/${f.market ?? 'cross'}`;
  return `seq ${f.seq} ${f.kind}${ledger}: ${f.explanation}`;
}

/** Price signatures re-checked with node:crypto against the keys the replayed engine holds at that command. */
export const recheckWithEngineKeys: SignatureRecheck = (cmd, engine) => recheckSignature(cmd, engineAttestationKeys(engine));

export function verifyCommand(file: string, io: CliIo, source: JournalSource = jsonLinesSource, signatures: SignatureRecheck | undefined = recheckWithEngineKeys): 0 | 1 {
  const journal = source(file);
  const progress = startProgress({ label: 'verify: replaying with the exact scan', total: journal.expected ?? 0, stream: io.progressStream });
  const stored = journal.records;
  let read = 0;
  function* counted(): Generator<JournalRecord> {
    for (const record of stored) {
      yield record;
      progress.update(++read);
    }
  }
  let report: ReturnType<typeof verifyJournal>;
  try {
    report = verifyJournal(journal.genesis, { [Symbol.iterator]: counted }, { hasher: journal.hasher, ...(signatures === undefined ? {} : { signatures }) });
  } finally {
    progress.stop();
  }
  const findings = [...(journal.unreadable ?? []), ...report.findings].sort((a, b) => a.seq - b.seq);
  for (const f of findings) io.stdout(`${formatFinding(f)}\n`);
  const byKind = new Map<string, number>();
  for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
  io.stderr(
    `verify: ${report.records} records, replayed through seq ${report.replayedThrough} with the exact scan, ${report.liquidations} liquidation steps recorded; ` +
      `${findings.length === 0 ? 'no findings' : `${findings.length} finding(s): ${kinds}`}; ` +
      `price signatures ${report.signaturesChecked ? 're-checked' : 'NOT re-checked'}\n`,
  );
  return findings.length === 0 ? 0 : 1;
}
