// Where proofs and receipts read a journal from: one parameter, an EntrySource (the genesis and the entries in
// order). Today a scenario run in memory (entriesOfScenario); a stored journal (journal/, JournalReader: its genesis
// and records()) is the same shape.

import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { JournalEntry, JournalGenesis, JournalRecord } from '../journal/types.js';
import { canonicalJson } from './json.js';

/** The journal entries did not replay to the events they record. */
export class ReplayMismatchError extends Error {
  override readonly name = 'ReplayMismatchError';
  constructor(readonly seq: number) {
    super(`entry ${seq} does not replay to the events it records`);
  }
}

export interface EntrySource {
  readonly genesis: Pick<JournalGenesis, 'config' | 'rulebook'>;
  readonly entries: Iterable<JournalEntry | JournalRecord>;
}

/** A scenario's commands applied to an engine in memory, as the journal would have recorded them. */
export function entriesOfCommands(genesis: EntrySource['genesis'], commands: readonly Command[]): EntrySource {
  function* entries(): Generator<JournalEntry> {
    const engine = Engine.create(genesis.config, genesis.rulebook);
    for (const command of commands) {
      const events = engine.apply(command);
      yield { seq: engine.seq, command, events };
    }
  }
  return { genesis, entries: { [Symbol.iterator]: entries } };
}

/**
 * Replays the source's entries up to `toSeq` (default: all) in an engine created from its genesis, calling `after`
 * after each; throws ReplayMismatchError when an entry's events differ from the replay's.
 */
export function replay(source: EntrySource, after: (engine: Engine, entry: JournalEntry) => void = () => {}, toSeq = Number.POSITIVE_INFINITY): Engine {
  const engine = Engine.create(source.genesis.config, source.genesis.rulebook);
  for (const entry of source.entries) {
    if (entry.seq > toSeq) break;
    const events = engine.apply(entry.command);
    if (engine.seq !== entry.seq || canonicalJson(events) !== canonicalJson(entry.events)) throw new ReplayMismatchError(entry.seq);
    after(engine, entry);
  }
  return engine;
}
