// `bailiff export --what liquidations|accounts --format csv|jsonl [--out file] [--seq n] --journal j.db|--scenario f`:
// the liquidation history or the account states of a journal, for analysts (src/journal/export.ts; docs/export.md).
// The entries come from one place, an ExportSource: a stored journal (`--journal`) or a scenario file applied to an
// engine in memory.

import { closeSync, openSync, writeSync } from 'node:fs';
import { Engine } from '../core/engine/engine.js';
import { ACCOUNT_COLUMNS, LIQUIDATION_COLUMNS, accountRows, formatRows, liquidationRows, ReplayMismatch, type ExportFormat } from '../journal/export.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../journal/types.js';
import type { UnitLookup } from '../wire/decode.js';
import { CliError, unwritableFile } from './errors.js';
import { checkSeqWithinHead } from './journal-file.js';
import type { CliIo } from './program.js';
import { loadScenarioFile } from './run.js';

/** What an export reads: the journal's genesis, its head, its entries in order, and the units to print amounts in. */
export interface ExportSource {
  readonly genesis: JournalGenesis;
  readonly head: number;
  readonly entries: Iterable<JournalEntry>;
  readonly units: UnitLookup;
}

/** A scenario file as a journal: its commands applied to a fresh engine, each with the events it answered. */
export function scenarioExportSource(file: string): ExportSource {
  const scenario = loadScenarioFile(file);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const engine = Engine.create(genesis.config, genesis.rulebook);
  const entries: JournalEntry[] = scenario.commands.map((command) => {
    const events = engine.apply(command);
    return { seq: engine.seq, command, events };
  });
  return { genesis, head: engine.seq, entries, units: scenario.units };
}

export type ExportWhat = 'liquidations' | 'accounts';

export interface ExportOptions {
  readonly what: string;
  readonly format: string;
  readonly out?: string;
  /** The state (accounts) or history (liquidations) up to this sequence number; default: the journal's head. */
  readonly seq?: number;
}

/** Writes the export to --out or stdout, in chunks (a long journal streams through). */
export function runExport(source: ExportSource, o: ExportOptions, io: CliIo): 0 {
  if (o.what !== 'liquidations' && o.what !== 'accounts') throw new CliError('bad_argument', `--what must be liquidations or accounts, not ${JSON.stringify(o.what)}`);
  if (o.format !== 'csv' && o.format !== 'jsonl') throw new CliError('bad_argument', `--format must be csv or jsonl, not ${JSON.stringify(o.format)}`);
  const format: ExportFormat = o.format;
  checkSeqWithinHead(o.seq, source.head, '--seq');
  const lines =
    o.what === 'liquidations'
      ? formatRows(format, liquidationRows(source.entries, source.units, o.seq), LIQUIDATION_COLUMNS)
      : formatRows(format, accountRows(source.genesis, source.entries, source.units, o.seq === undefined ? {} : { atSeq: o.seq }), ACCOUNT_COLUMNS);
  const sink = openSink(o.out, io);
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += line;
      if (chunk.length >= 1 << 16) {
        sink.write(chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) sink.write(chunk);
  } catch (e) {
    // A journal whose replay disagrees with its records is bad input (exit 2, as `verify` and `prove` say), not a bug.
    if (e instanceof ReplayMismatch) throw new CliError('bad_file', `the journal does not replay: ${e.message}`);
    throw e;
  } finally {
    sink.close();
  }
  return 0;
}

function openSink(out: string | undefined, io: CliIo): { write: (t: string) => void; close: () => void } {
  if (out === undefined) return { write: io.stdout, close: () => {} };
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (e) {
    throw unwritableFile(out, e);
  }
  return { write: (t) => void writeSync(fd, t), close: () => closeSync(fd) };
}
