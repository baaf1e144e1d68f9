// Snapshots written a slice at a time (DurableOptions.snapshotWork 'caller', snapshot-job.ts) while commands go on:
// the same bytes and state root as a snapshot written at once of the same seq, recovery from them, a write that
// stops half way (the process killed), and one that fails.

import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine/engine.js';
import type { Command } from '../../src/core/engine/commands.js';
import { encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { DurableEngine, type SnapshotReport } from '../../src/journal/durable.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { stateRootOf } from '../../src/journal/state-root.js';
import type { JournalStore } from '../../src/journal/store.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../../src/journal/types.js';
import { decodedStream } from '../../src/sim/command-stream.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'bailiff-slices-')), 'journal.db');

function stream(n: number): { genesis: JournalGenesis; commands: Command[] } {
  const { scenario, setup, stream: s } = decodedStream(7, n);
  return { genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook }, commands: [...setup, ...s] };
}

/** The engine after the first `seq` commands, run in memory. */
function at(genesis: JournalGenesis, commands: readonly Command[], seq: number): Engine {
  const e = Engine.create(genesis.config, genesis.rulebook);
  for (const c of commands.slice(0, seq)) e.apply(c);
  return e;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('snapshots written a slice at a time', () => {
  it('go on between batches and store the bytes and root of a snapshot written at once of the same seq', () => {
    const { genesis, commands } = stream(700);
    const path = tmp();
    const reports: SnapshotReport[] = [];
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 100, snapshotPartBytes: 512, snapshotWork: 'caller', onSnapshot: (r) => reports.push(r) });
    let pendingBatches = 0;
    for (let i = 0; i < commands.length; i += 20) {
      de.submit(commands.slice(i, i + 20));
      // One unit of work a batch (a budget of 0 ms still does one): every snapshot spans many batches.
      if (de.workSnapshot(0)) pendingBatches++;
    }
    while (de.workSnapshot(0));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(pendingBatches).toBeGreaterThan(10);
    const stored = de.journal.snapshots();
    expect(stored.map((s) => s.seq)).toEqual(reports.map((r) => r.seq));
    for (const r of reports) {
      expect(r.error).toBeUndefined();
      expect(r.slices).toBeGreaterThan(2);
      // Commands were applied while it was written; what it stores is the state at its own seq.
      const then = at(genesis, commands, r.seq);
      expect(r.info).toEqual({ seq: r.seq, contentHash: sha256(encodeSnapshot(then.snapshot())), stateRoot: stateRootOf(then) });
    }
    // The first snapshot built the state root's tree; the later ones updated it with what was touched since.
    expect(stored.length).toBeGreaterThanOrEqual(2);
    const last = stored.at(-1)?.seq as number;
    expect(last).toBeLessThan(commands.length);
    de.close();
    const recovered = DurableEngine.openFile(path, { durability: 'full' });
    expect(recovered.recovery).toMatchObject({ snapshotSeq: last, skippedSnapshots: [], replayed: commands.length - last });
    expect(encodeSnapshot(recovered.engine.snapshot())).toBe(encodeSnapshot(at(genesis, commands, commands.length).snapshot()));
    recovered.close();
  });

  it('one stopped half way is no snapshot: recovery uses the one before, and the same seq is written whole later', () => {
    const { genesis, commands } = stream(300);
    const path = tmp();
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 150, snapshotPartBytes: 256, snapshotWork: 'caller' });
    de.submit(commands.slice(0, 150));
    while (de.workSnapshot(0));
    de.submit(commands.slice(150, 300));
    // The snapshot at 300: worked until some of its parts are stored, then the process "dies" (close drops it).
    const db = new Database(path, { readonly: true });
    const parts = (): number => (db.prepare('SELECT COUNT(*) AS n FROM snapshot_parts WHERE seq = ?').get(de.engine.seq) as { n: number }).n;
    while (parts() < 3) expect(de.workSnapshot(0)).toBe(true);
    expect(de.journal.snapshots().map((s) => s.seq)).toEqual([150]);
    de.close();
    const reopened = DurableEngine.openFile(path, { durability: 'full' });
    expect(reopened.recovery).toMatchObject({ snapshotSeq: 150, skippedSnapshots: [], replayed: 150 });
    // The same seq again, whole: the parts left behind are replaced or removed, and it loads.
    const info = reopened.snapshot();
    expect(info.seq).toBe(300);
    reopened.close();
    db.close();
    const again = DurableEngine.openFile(path, { durability: 'full' });
    expect(again.recovery).toMatchObject({ snapshotSeq: 300, skippedSnapshots: [], replayed: 0 });
    expect(encodeSnapshot(again.engine.snapshot())).toBe(encodeSnapshot(at(genesis, commands, 300).snapshot()));
    again.close();
  });

  it('take, while opening, a snapshot of the head that recovery replayed to, written afterwards', () => {
    const { genesis, commands } = stream(300);
    const path = tmp();
    const first = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 200 });
    first.submit(commands.slice(0, 200));
    first.submit(commands.slice(200, 250));
    first.close();
    // Recovered from the snapshot at 200 with 50 records replayed: a snapshot of 250 is captured as it opens.
    const reports: SnapshotReport[] = [];
    const de = DurableEngine.openFile(path, { durability: 'full', snapshotEvery: 200, snapshotWork: 'caller', onSnapshot: (r) => reports.push(r) });
    expect(de.recovery).toMatchObject({ snapshotSeq: 200, replayed: 50 });
    expect(de.snapshotPending).toBe(true);
    de.submit(commands.slice(250, 300));
    expect(de.workSnapshot()).toBe(false);
    expect(reports).toEqual([expect.objectContaining({ seq: 250, info: expect.objectContaining({ stateRoot: stateRootOf(at(genesis, commands, 250)) }) })]);
    de.close();
    // Nothing replayed (the head is a snapshot's): nothing to write.
    const path2 = tmp();
    const exact = DurableEngine.openFile(path2, { genesis, durability: 'full', snapshotEvery: 100 });
    exact.submit(commands.slice(0, 100));
    exact.close();
    const again = DurableEngine.openFile(path2, { durability: 'full', snapshotEvery: 100, snapshotWork: 'caller' });
    expect(again.recovery).toMatchObject({ snapshotSeq: 100, replayed: 0 });
    expect(again.snapshotPending).toBe(false);
    again.submit(commands.slice(100, 200));
    expect(again.workSnapshot()).toBe(false);
    expect(again.journal.snapshots().map((x) => x.seq)).toEqual([100, 200]);
    expect(again.journal.snapshots()[1]?.stateRoot).toBe(stateRootOf(at(genesis, commands, 200)));
    again.close();
  });

  it('never replace a snapshot stored at the same seq, even one that recovery passed over as damaged', () => {
    const { genesis, commands } = stream(300);
    const path = tmp();
    const first = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 100 });
    for (let i = 0; i < 300; i += 100) first.submit(commands.slice(i, i + 100));
    const last = first.engine.seq;
    expect(first.journal.snapshots().map((x) => x.seq)).toEqual([100, 200, 300]);
    first.close();
    const db = new Database(path);
    const row = db.prepare('SELECT bytes FROM snapshots WHERE seq = ?').get(last) as { bytes: Buffer };
    row.bytes[10] = (row.bytes[10] as number) ^ 1;
    db.prepare('UPDATE snapshots SET bytes = ? WHERE seq = ?').run(row.bytes, last);
    db.close();
    const stored = (): string[] => {
      const d = new Database(path, { readonly: true });
      const rows = (d.prepare('SELECT seq, content_hash FROM snapshots ORDER BY seq').all() as { seq: number; content_hash: string }[]).map((r) => `${r.seq}:${r.content_hash}`);
      d.close();
      return rows;
    };
    const before = stored();
    for (const snapshotWork of ['inline', 'caller'] as const) {
      const reports: SnapshotReport[] = [];
      const de = DurableEngine.openFile(path, { durability: 'full', snapshotEvery: 100, snapshotWork, onSnapshot: (r) => reports.push(r) });
      expect(de.recovery.skippedSnapshots.map((x) => x.seq)).toEqual([last]);
      // Due at the head (an empty batch), where the damaged one is: nothing captured, nothing written, no error.
      de.submit([]);
      expect(de.workSnapshot()).toBe(false);
      expect(reports).toEqual([]);
      expect(de.snapshotError).toBe(null);
      de.close();
    }
    expect(stored()).toEqual(before);
  });

  it('one that fails is reported and dropped; commands go on and the next one is written', () => {
    const { genesis, commands } = stream(400);
    const inner = SqliteJournalStore.open(tmp(), { durability: 'full' });
    let failing = true;
    // The real store, but its part writes fail while `failing` (a full disk, say).
    const store: JournalStore = Object.assign(Object.create(inner) as JournalStore, {
      putSnapshotPart: (seq: number, part: number, bytes: Uint8Array): void => {
        if (failing) throw new Error('disk full');
        inner.putSnapshotPart(seq, part, bytes);
      },
    });
    const reports: SnapshotReport[] = [];
    const de = DurableEngine.open(store, { genesis, snapshotEvery: 100, snapshotPartBytes: 256, snapshotWork: 'caller', onSnapshot: (r) => reports.push(r) });
    de.submit(commands.slice(0, 100));
    expect(de.workSnapshot()).toBe(false);
    expect(reports).toEqual([expect.objectContaining({ seq: 100, info: null, failedIn: 'write', error: expect.objectContaining({ message: 'disk full' }) })]);
    expect(de.snapshotError).toMatchObject({ message: 'disk full' });
    failing = false;
    de.submit(commands.slice(100, 250));
    expect(de.workSnapshot()).toBe(false);
    expect(de.journal.snapshots().map((s) => s.seq)).toEqual([250]);
    expect(reports[1]).toMatchObject({ seq: 250, info: { seq: 250, stateRoot: stateRootOf(at(genesis, commands, 250)) } });
    de.close();
  });
});
