// A journal whose tail calls and clears accounts thousands of times: the bench world, small (its calls after every
// command), as the snapshot at seq 0, then +-5 bp price ticks stored in commits of 200 (as a service's). The recovery
// bench's journal (bench/journal.ts journal-recovery) at a test's size.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRulebook, buildWorld, rng, tailTicks } from '../../bench/world.js';
import { TEST_CONFIG } from '../../src/core/engine/testkit.js';
import { Journal } from '../../src/journal/journal.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import type { Durability } from '../../src/journal/store.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../../src/journal/types.js';

export const CALLS_JOURNAL_MARKETS = 4;

/** `snapshotAt` > 0: a second snapshot at that seq, so that the records before it are checked and not replayed. */
export function buildCallsJournal(tail: number, durability: Durability, prefix: string, snapshotAt = 0): { path: string; entries: JournalEntry[] } {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), 'journal.db');
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: benchRulebook(0) };
  const world = buildWorld({ accounts: 4_000, markets: CALLS_JOURNAL_MARKETS, seed: 42, callIntervalMs: 0 });
  const journal = Journal.open(SqliteJournalStore.open(path, { durability }), { genesis });
  journal.writeSnapshot(world.snapshot(), (contentHash) => contentHash);
  const next = tailTicks(CALLS_JOURNAL_MARKETS, rng(7));
  const entries: JournalEntry[] = [];
  let stored = 0;
  const store = (): void => {
    for (; stored < entries.length; stored += 200) journal.append(entries.slice(stored, Math.min(stored + 200, entries.length)));
  };
  for (let i = 0; i < tail; i++) {
    const command = next(i, world.timeMs + 1);
    entries.push({ command, events: world.apply(command), seq: world.seq });
    if (world.seq === snapshotAt) {
      store();
      journal.writeSnapshot(world.snapshot(), (contentHash) => contentHash);
    }
  }
  store();
  journal.close();
  return { path, entries };
}
