// The pipelined path (CommitWorker + Journal.appendAsync + DurableEngine.submitPipelined) against the one-commit-at-
// a-time path: the same bytes in the file, batches landing and resolving in order, reads and snapshots never ahead of
// what is durable, and a failed commit stopping everything after it.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import { decodedStream } from '../sim/command-stream.js';
import { CommitWorker } from './commit-worker.js';
import { DurableEngine } from './durable.js';
import { JournalError } from './errors.js';
import { Journal } from './journal.js';
import { SqliteJournalStore } from './sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from './types.js';

const path = (): string => join(mkdtempSync(join(tmpdir(), 'bailiff-commit-worker-')), 'journal.db');

const { scenario, setup, stream } = decodedStream(11, 3_000);
const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
const commands: Command[] = [...setup, ...stream];
const entriesOf = (): JournalEntry[] => {
  const engine = Engine.create(scenario.config, scenario.rulebook);
  return commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
};

/** Every stored row of the batches table, as (first, last, hex bytes). */
function rows(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT first_seq, last_seq, bytes FROM batches ORDER BY first_seq').raw().all() as [number, number, Buffer][]).map(([f, l, b]) => `${f}-${l}:${b.toString('hex')}`);
  } finally {
    db.close();
  }
}

describe('CommitWorker + Journal.appendAsync', () => {
  it('stores the same rows as Journal.append, batches landing and resolving in call order', async () => {
    const entries = entriesOf();
    const syncFile = path();
    const sync = Journal.open(SqliteJournalStore.open(syncFile, { durability: 'full' }), { genesis });
    for (let i = 0; i < entries.length; i += 250) sync.append(entries.slice(i, i + 250));
    const syncHead = sync.headHashHex();
    sync.close();

    const file = path();
    const journal = Journal.open(SqliteJournalStore.open(file, { durability: 'full' }), { genesis });
    const worker = await CommitWorker.start(file, 'full');
    expect(worker.mode).toBe('full: SQLite journal_mode=WAL, synchronous=FULL');
    const resolved: number[] = [];
    const commits: Promise<void>[] = [];
    for (let i = 0; i < entries.length; i += 250) {
      const last = Math.min(i + 250, entries.length);
      commits.push(journal.appendAsync(entries.slice(i, last), worker).then(() => {
        resolved.push(last);
        // Resolved: this batch is durable, so the durable head has reached it.
        expect(journal.durableHead()).toBeGreaterThanOrEqual(last);
      }));
    }
    // Everything framed at once; nothing may be read or snapshotted past what is durable.
    expect(journal.head()).toBe(entries.length);
    expect(worker.inFlight).toBe(commits.length);
    expect(journal.durableHead()).toBeLessThan(entries.length);
    expect([...journal.bodies()].length).toBe(journal.durableHead());
    await Promise.all(commits);
    expect(resolved).toEqual([...resolved].sort((a, b) => a - b));
    expect(resolved.at(-1)).toBe(entries.length);
    expect(journal.headHashHex()).toBe(syncHead);
    await worker.close();
    journal.close();
    expect(rows(file)).toEqual(rows(syncFile));
    // And it opens and checks like any journal.
    const reopened = Journal.open(SqliteJournalStore.open(file, { durability: 'full' }));
    expect(reopened.head()).toBe(entries.length);
    reopened.close();
  });

  it('a failed commit rejects its batch and every later one; the journal takes no more appends', async () => {
    const entries = entriesOf().slice(0, 300);
    const file = path();
    const journal = Journal.open(SqliteJournalStore.open(file, { durability: 'full' }), { genesis });
    const worker = await CommitWorker.start(file, 'full');
    await journal.appendAsync(entries.slice(0, 100), worker);
    // Another writer takes the next batch's place: its INSERT fails on the primary key.
    const intruder = new Database(file);
    intruder.prepare('INSERT INTO batches (first_seq, last_seq, bytes) VALUES (101, 101, x\'00\')').run();
    intruder.close();
    const second = journal.appendAsync(entries.slice(100, 200), worker);
    const third = journal.appendAsync(entries.slice(200, 300), worker);
    await expect(second).rejects.toMatchObject({ code: 'append_failed' });
    await expect(third).rejects.toThrow(/earlier commit failed/);
    expect(journal.durableHead()).toBe(100);
    expect(() => journal.append(entries.slice(200, 300))).toThrow(JournalError);
    await expect(journal.appendAsync(entries.slice(200, 300), worker)).rejects.toMatchObject({ code: 'append_failed' });
    await worker.close();
    journal.close();
  });

  it('Journal.append refuses while commits are in flight (the chain would fork)', async () => {
    const entries = entriesOf().slice(0, 20);
    const file = path();
    const journal = Journal.open(SqliteJournalStore.open(file, { durability: 'full' }), { genesis });
    const worker = await CommitWorker.start(file, 'full');
    const inFlight = journal.appendAsync(entries.slice(0, 10), worker);
    expect(() => journal.append(entries.slice(10, 20))).toThrow(/in flight/);
    await inFlight;
    journal.append(entries.slice(10, 20));
    expect(journal.durableHead()).toBe(20);
    await worker.close();
    journal.close();
  });

  it('refuses to start on a file that is not there', async () => {
    await expect(CommitWorker.start(join(mkdtempSync(join(tmpdir(), 'bailiff-commit-worker-')), 'absent.db'), 'full')).rejects.toMatchObject({ code: 'not_a_journal' });
  });
});

describe('DurableEngine.submitPipelined', () => {
  it('gives the events, journal rows, snapshots and recovered state of submit()', async () => {
    const syncFile = path();
    const sync = DurableEngine.openFile(syncFile, { genesis, durability: 'full', snapshotEvery: 700 });
    const syncEvents = [];
    for (let i = 0; i < commands.length; i += 200) syncEvents.push(...sync.submit(commands.slice(i, i + 200)));
    const syncSnapshots = sync.journal.snapshots();
    sync.close();

    const file = path();
    const de = DurableEngine.openFile(file, { genesis, durability: 'full', snapshotEvery: 700 });
    const worker = await CommitWorker.start(file, 'full');
    const batches: Promise<JournalEntry[]>[] = [];
    for (let i = 0; i < commands.length; i += 200) batches.push(de.submitPipelined(commands.slice(i, i + 200), worker));
    const events = (await Promise.all(batches)).flat();
    await worker.close();
    expect(events).toEqual(syncEvents);
    // Snapshots at the same seqs with the same content and roots, each stored only after its records.
    expect(de.journal.snapshots()).toEqual(syncSnapshots);
    expect(syncSnapshots.length).toBeGreaterThan(2);
    de.close();
    expect(rows(file)).toEqual(rows(syncFile));
    const recovered = DurableEngine.openFile(file, { durability: 'full' });
    expect(recovered.recovery.snapshotSeq).toBe(syncSnapshots.at(-1)?.seq);
    expect(recovered.engine.snapshot()).toEqual(DurableEngine.openFile(syncFile, { durability: 'full' }).engine.snapshot());
    recovered.close();
  });
});
