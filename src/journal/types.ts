// The journal's shapes, shared by its backends (SQLite today, NATS JetStream later), recovery, the verifier, the
// proofs and the exporters. A journal is a genesis (what Engine.create was given) and then one record per command,
// in sequence order, each with the events the engine answered it with and the hash of the record before it.
// Refused commands are journaled too: they take a sequence number like any other (the engine counts them).

import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { Snapshot } from '../core/engine/snapshot.js';
import type { EngineConfig } from '../core/engine/state.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';

/**
 * The journal's format, in every record's header and the genesis: a build reads only its own. 2 (2026-12-07): the
 * events tell every change of an account's called state (MarginCallCleared), which recovery takes the calls from
 * (docs/journal.md "Margin calls from the records"); a format-1 journal has no clearances, so it is refused rather
 * than replayed with calls that never end.
 */
export const JOURNAL_FORMAT_VERSION = 2;

/** What the engine was created with: the journal's record 0. */
export interface JournalGenesis {
  readonly formatVersion: number;
  readonly config: EngineConfig;
  readonly rulebook: Rulebook;
}

/** One command as it was applied, with the engine's answer. `seq` equals the engine's sequence number. */
export interface JournalEntry {
  readonly seq: number;
  readonly command: Command;
  readonly events: readonly EngineEvent[];
}

/** An entry as stored: with the hash chain (hex SHA-256). `prevHash` of seq 1 is the genesis record's hash. */
export interface JournalRecord extends JournalEntry {
  readonly prevHash: string;
  readonly hash: string;
}

/** A stored snapshot's metadata; the state root is the Merkle sum root over accounts (journal/state-root.ts). */
export interface SnapshotInfo {
  readonly seq: number;
  /** hex SHA-256 of the snapshot's stored bytes. */
  readonly contentHash: string;
  readonly stateRoot: string;
}

/** Reads a journal that opened cleanly (hash chain checked as it reads). */
export interface JournalReader {
  readonly genesis: JournalGenesis;
  /** The last record's sequence number; 0 when only the genesis is stored. */
  head(): number;
  /** Records from `fromSeq` (default 1) to `toSeq` (default head), in order. */
  records(fromSeq?: number, toSeq?: number): Iterable<JournalRecord>;
  snapshots(): readonly SnapshotInfo[];
  loadSnapshot(seq: number): Snapshot;
}
