import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standardSetup, TEST_CONFIG, USDC } from '../core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../core/rulebooks/presets.js';
import { dec } from '../core/units/index.js';
import { JOURNAL_FORMAT_VERSION } from '../journal/types.js';
import { EngineHost } from './engine-host.js';
import { ServiceError } from './errors.js';

const genesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK };
const open = (dir: string, o: { queueCommandsMax?: number } = {}): EngineHost => EngineHost.open({ dataDir: dir, genesis, durability: 'relaxed', ...o });
const deposit = (account: string, t = 10) => ({ kind: 'deposit' as const, tsMs: t, account, asset: USDC, amount: dec('1', 6) });

/** A writer host with the standard setup journaled, and a standby host beside it (polling every 5 ms). */
async function standbyBeside(): Promise<{ dir: string; writer: EngineHost; standby: EngineHost; outcomes: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-host-'));
  const writer = open(dir);
  await writer.submit(standardSetup(1));
  const outcomes: unknown[] = [];
  const standby = EngineHost.open({ dataDir: dir, durability: 'relaxed', standby: { pollMs: 5 }, onStandby: (o) => outcomes.push(o) });
  return { dir, writer, standby, outcomes };
}

describe('EngineHost', () => {
  it('applies queued commands in arrival order, in one group commit, and resolves each caller with its own entries', async () => {
    const host = open(mkdtempSync(join(tmpdir(), 'bailiff-host-')));
    await host.submit(standardSetup(1));
    const commitsBefore = host.stats.commits;
    const [a, b, c] = await Promise.all([host.submit([deposit('a')]), host.submit([deposit('b'), deposit('c')]), host.submit([deposit('d')])]);
    // Setup took seqs 1..6; the three callers arrived in this order within one turn: one commit, seqs 7, 8-9, 10.
    expect(host.stats.commits - commitsBefore).toBe(1);
    expect(a?.map((e) => e.seq)).toEqual([7]);
    expect(b?.map((e) => [e.seq, (e.command as { account: string }).account])).toEqual([
      [8, 'b'],
      [9, 'c'],
    ]);
    expect(c?.map((e) => e.seq)).toEqual([10]);
    expect(host.durable.journal.head()).toBe(10);
    await host.close();
  });

  it('refuses beyond its queue bound (queue_full) and after close (unavailable), journaling nothing', async () => {
    const host = open(mkdtempSync(join(tmpdir(), 'bailiff-host-')), { queueCommandsMax: 2 });
    await expect(host.submit([deposit('a'), deposit('b'), deposit('c')])).rejects.toMatchObject({ code: 'queue_full' });
    expect(host.durable.journal.head()).toBe(0);
    await host.close();
    await expect(host.submit([deposit('a')])).rejects.toBeInstanceOf(ServiceError);
  });

  it('as a standby follows the writer (its bus tells each followed commit), refuses commands, and takes over when the writer closes', async () => {
    const { dir, writer, standby, outcomes } = await standbyBeside();
    const told: number[] = [];
    standby.bus.on('commit', ({ entries }) => told.push(...entries.map((e) => e.seq)));
    expect(standby.isStandby).toBe(true);
    expect(standby.accepting).toBe(false);
    expect(standby.engine.seq).toBe(6);
    await expect(standby.submit([deposit('x')])).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('a standby: another process writes the journal') });
    await writer.submit([deposit('a'), deposit('b')]);
    await writer.submit([deposit('c')]);
    const until = async (done: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    };
    await until(() => standby.engine.seq === 9);
    expect(told).toEqual([7, 8, 9]);
    expect(standby.engine.accountState('c')).toEqual(writer.engine.accountState('c'));
    expect(standby.isStandby).toBe(true);
    await writer.close();
    await until(() => !standby.isStandby);
    expect(outcomes).toEqual([{ promotedAtSeq: 9 }]);
    expect(standby.accepting).toBe(true);
    const [entry] = await standby.submit([deposit('d', 11)]);
    expect(entry?.seq).toBe(10);
    await standby.close();
    const again = open(dir);
    expect(again.engine.seq).toBe(10);
    await again.close();
  });

  it('as a standby that meets a record it cannot follow, stops and says so (to its owner and to every command)', async () => {
    const { dir, writer, standby, outcomes } = await standbyBeside();
    await writer.submit([deposit('a')]);
    // Record 7 rewritten behind the standby's back (one bit of its body), the writer still holding the journal.
    const db = new Database(join(dir, 'journal.db'));
    const row = db.prepare('SELECT first_seq, bytes FROM batches WHERE first_seq = 7').get() as { first_seq: number; bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[60] = (bytes[60] as number) ^ 1;
    db.prepare('UPDATE batches SET bytes = ? WHERE first_seq = 7').run(bytes);
    db.close();
    for (let i = 0; i < 400 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(outcomes).toEqual([{ error: expect.objectContaining({ code: 'record_corrupt', seq: 7 }) }]);
    expect(standby.engine.seq).toBe(6);
    await expect(standby.submit([deposit('x')])).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('the standby stopped following the journal') });
    await standby.close();
    await writer.close();
  });

  it('on close, commits what is queued before closing the journal; a reopened host recovers it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-host-'));
    const host = open(dir);
    const pending = host.submit(standardSetup(1));
    await host.close();
    expect((await pending).length).toBe(6);
    const again = open(dir);
    expect(again.engine.seq).toBe(6);
    expect(again.durable.recovery.replayed).toBe(6);
    await again.close();
  });

  it('decodes wire commands all or nothing, with the units of markets listed earlier in the same batch', async () => {
    const host = open(mkdtempSync(join(tmpdir(), 'bailiff-host-')));
    await host.submit(standardSetup(1));
    const cmds = host.decode([{ kind: 'price', market: 'ETH-PERP', mark: '3000.5' }], (i) => `[${i}]`);
    // ETH-PERP prices have 2 decimals: 3000.5 -> 300050 atoms; no `at`: the engine's time (1).
    expect(cmds).toEqual([{ kind: 'price', tsMs: 1, market: 'ETH-PERP', mark: 300_050n }]);
    expect(() => host.decode([{ kind: 'tick' }, { kind: 'price', market: 'ETH-PERP', mark: '1.001' }], (i) => `[${i}]`)).toThrow('[1].mark');
    // A command with an `at` in the past (refused when applied) does not pull the next one without `at` back with it.
    const later = host.decode([{ kind: 'tick', at: 50 }, { kind: 'tick', at: 0 }, { kind: 'tick' }], (i) => `[${i}]`);
    expect(later.map((c) => c.tsMs)).toEqual([50, 0, 50]);
    await host.close();
  });
});
