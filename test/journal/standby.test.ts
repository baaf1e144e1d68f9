// A standby (DurableEngine.openStandby): recovered read-only beside a writer, kept at its head by follow(), refused
// commands until promote() takes the journal over once the writer has closed it; then the writer, from the state it
// followed, with nothing lost or repeated.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { DurableEngine } from '../../src/journal/durable.js';
import { JournalError } from '../../src/journal/errors.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../../src/journal/types.js';
import { decodedStream } from '../../src/sim/command-stream.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'bailiff-standby-')), 'journal.db');

describe('a standby', () => {
  it('follows the writer to its head, takes no command, and takes the journal over when the writer closes', () => {
    const { scenario, setup, stream } = decodedStream(11, 600);
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
    const path = tmp();
    const writer = DurableEngine.openFile(path, { genesis, durability: 'relaxed', snapshotEvery: 150 });
    writer.submit(setup);
    writer.submit(stream.slice(0, 100));
    const seen: number[] = [];
    const standby = DurableEngine.openStandby(path, { durability: 'relaxed', snapshotEvery: 150, onRecord: (seq) => seen.push(seq) });
    expect(standby.isStandby).toBe(true);
    expect(standby.recovery.head).toBe(writer.journal.head());
    expect(encodeSnapshot(standby.engine.snapshot())).toBe(encodeSnapshot(writer.engine.snapshot()));
    // Nothing new: nothing followed. The writer goes on; each step brings the standby to its head, in the same state.
    expect(standby.follow()).toBe(0);
    for (let i = 100; i < 400; i += 50) {
      writer.submit(stream.slice(i, i + 50));
      expect(standby.follow()).toBe(50);
      expect(standby.journal.head()).toBe(writer.journal.head());
      expect(encodeSnapshot(standby.engine.snapshot())).toBe(encodeSnapshot(writer.engine.snapshot()));
    }
    expect(seen.at(-1)).toBe(writer.journal.head());
    // A standby takes no command, writes no snapshot, and is not promoted while the writer holds the journal.
    expect(() => standby.submit(stream.slice(400, 401))).toThrow(/a standby takes no command before promote\(\)/);
    expect(() => standby.snapshot()).toThrow(RangeError);
    expect(standby.promote()).toBe(false);
    expect(standby.isStandby).toBe(true);
    // The writer's last batch lands after the standby's last step; then the writer stops.
    writer.submit(stream.slice(400, 450));
    const last = writer.journal.head();
    const final = encodeSnapshot(writer.engine.snapshot());
    writer.close();
    // Promoted: the records it had not followed are caught up first, then it is the writer.
    expect(standby.promote()).toBe(true);
    expect(standby.isStandby).toBe(false);
    expect(standby.journal.head()).toBe(last);
    expect(encodeSnapshot(standby.engine.snapshot())).toBe(final);
    const entries = standby.submit(stream.slice(450, 600));
    expect(entries[0]?.seq).toBe(last + 1);
    // It writes snapshots from the old writer's last one on (snapshotEvery 150).
    expect(standby.journal.snapshots().map((s) => s.seq).at(-1)).toBeGreaterThan(last);
    const promoted = encodeSnapshot(standby.engine.snapshot());
    standby.close();
    // The journal is one history: a recovery replays it (every record checked byte for byte) to the same state.
    const again = DurableEngine.openFile(path, { durability: 'relaxed' });
    expect(again.journal.head()).toBe(last + 150);
    expect(encodeSnapshot(again.engine.snapshot())).toBe(promoted);
    again.close();
  });

  it('stops on a record that does not replay to its recorded events, and refuses every later call', () => {
    const { scenario, setup, stream } = decodedStream(11, 60);
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
    const path = tmp();
    const writer = DurableEngine.openFile(path, { genesis, durability: 'relaxed' });
    writer.submit(setup);
    const standby = DurableEngine.openStandby(path, { durability: 'relaxed' });
    writer.submit(stream.slice(0, 30));
    writer.close();
    // Record head+1 rewritten behind the writer's back: its chain no longer holds.
    const db = new Database(path);
    const row = db.prepare('SELECT first_seq, bytes FROM batches ORDER BY first_seq DESC LIMIT 1').get() as { first_seq: number; bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[60] = (bytes[60] as number) ^ 1;
    db.prepare('UPDATE batches SET bytes = ? WHERE first_seq = ?').run(bytes, row.first_seq);
    db.close();
    let err: unknown = null;
    try {
      standby.follow();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JournalError);
    expect((err as JournalError).code).toBe('record_corrupt');
    expect((err as JournalError).seq).toBe(row.first_seq);
    expect(() => standby.promote()).toThrow(JournalError);
    standby.close();
  });

  it('takes over only the journal it followed: another one (or one rewritten) is refused, nothing changed', () => {
    // Two journals of the same genesis and setup whose streams differ (seeds 11 and 12): their records differ from the
    // first stream command on. (One that only extends the other holds the same records up to the head, the same
    // hashes: that one is the journal followed, written further, and is taken over.)
    const [a, b] = [tmp(), tmp()];
    for (const [path, seed] of [[a, 11], [b, 12]] as const) {
      const { scenario, setup, stream } = decodedStream(seed, 30);
      const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
      const w = DurableEngine.openFile(path, { genesis, durability: 'relaxed' });
      w.submit([...setup, ...stream]);
      w.close();
    }
    const head = DurableEngine.openFile(a, { durability: 'relaxed' });
    const aHead = head.journal.head();
    head.close();
    const standby = DurableEngine.openStandby(a, { durability: 'relaxed' });
    const other = SqliteJournalStore.open(b, { durability: 'relaxed' });
    expect(() => standby.journal.takeOver(other)).toThrow(expect.objectContaining({ code: 'record_corrupt', message: expect.stringContaining('is not the one followed') }));
    other.close();
    expect(standby.isStandby).toBe(true);
    expect(standby.promote()).toBe(true);
    expect(standby.journal.head()).toBe(aHead);
    standby.close();
  });

  it('is refused on a journal that does not exist, as a reader is', () => {
    expect(() => DurableEngine.openStandby(tmp(), { durability: 'full' })).toThrow(expect.objectContaining({ code: 'not_a_journal' }));
  });
});
