// The journal's user-facing failures: a journal that cannot be opened as asked, a record that is bad somewhere other
// than at the tail, a replay that disagrees with what was recorded, a commit that failed. Each names the record's
// sequence number where there is one; the CLI prints the message as one line and exits 2.

import type { CodeName } from '../core/codes.js';
import { BailiffError } from '../errors.js';

/**
 * Stable codes (the `journal_error` vocabulary of the table of codes, src/core/codes.ts); never renamed or reused.
 * - record_corrupt: a record other than the last is bad (length, checksum, sequence or hash chain). Startup halts and
 *   the file is left as it is: never skipped, never repaired.
 * - durability_weak: the database does not run with WAL and synchronous=FULL, and relaxed durability was not asked.
 * - replay_mismatch: replaying a record gave other events than the recorded ones (a non-deterministic engine, or a
 *   journal written by another engine version).
 * - append_failed: a commit failed; the engine that applied the batch is ahead of its journal and stops.
 * - not_a_journal: the file is not a Bailiff journal (no tables, no genesis) or has another format version.
 * - snapshot_corrupt: a snapshot's bytes do not match its content hash (recovery reports it and uses the one before).
 * - journal_locked: another process (or another open store of this one) holds the journal's writer lock
 *   (writer-lock.ts): a journal has one writer at a time.
 * - journal_fenced: a batch's publish to the journal's JetStream stream found another writer's batch where it expected
 *   its own last one (jetstream.ts): another writer took over; this one stops, its batch stored nowhere.
 * - journal_diverged: the local journal and its JetStream stream hold different bytes for the same batch; nothing is
 *   copied either way.
 * - replica_unavailable: the JetStream server could not be reached, or did not acknowledge a publish in time.
 */
export type JournalErrorCode = CodeName<'journal_error'>;

export class JournalError extends BailiffError {
  override readonly name = 'JournalError';
  override readonly code: JournalErrorCode;
  /** The sequence number of the record (or snapshot) at fault, when there is one. */
  readonly seq: number | null;
  constructor(code: JournalErrorCode, message: string, opts: { seq?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.seq = opts.seq ?? null;
  }
}
