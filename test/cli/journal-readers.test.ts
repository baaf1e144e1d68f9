// The reading commands on a journal written by `bailiff ingest`: verify (clean, an edited amount, a dropped record),
// receipts + verify-receipt, prove + verify-proof, export (the same rows as from the scenario run in memory).
// The journal is the bundled crash example ingested with an empty stdin: its 20 commands (setup and the file's own), one liquidation at seq 18.

import { dropStoredRecord, editStoredRecord, storedFrames } from '../journal/stored-record.js';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { sqliteVerifySource } from '../../src/cli/journal-file.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([]) });
  return { code, out, err };
}

const SCENARIO = 'examples/crash-liquidations.json';

describe('reading commands on an ingested journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-readers-'));
  const journal = join(dir, 'journal.db');

  beforeAll(async () => {
    const r = await cli(['ingest', '--journal', journal, '--scenario', SCENARIO]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('20 scenario commands journaled; head 20');
  });

  it('verify finds nothing on the clean journal and says the signatures were re-checked', async () => {
    const r = await cli(['verify', journal]);
    expect(r.err).toContain('verify: 20 records, replayed through seq 20 with the exact scan, 1 liquidation steps recorded; no findings; price signatures re-checked');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('the verifier’s source says how many records it holds before reading them (what verify’s progress counts to)', () => {
    const source = sqliteVerifySource(journal);
    expect(source.expected).toBe(20);
    expect([...source.records].map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('verify reports an amount edited in a stored record (chain broken, events differ) and exits 1', async () => {
    const edited = join(dir, 'edited.db');
    copyFileSync(journal, edited);
    // The first deposit's record holds its amount as {"$n":"<atoms>"}: one digit changed in place keeps the frame's
    // length, so only the checksum and the replay can tell.
    const row = storedFrames(edited).find((r) => r.bytes.toString('latin1').includes('"kind":"deposit"'));
    if (row === undefined) throw new Error('the example deposits');
    const seq = row.seq;
    const text = row.bytes.toString('latin1');
    const at = text.indexOf('"amount":{"$n":"') + '"amount":{"$n":"'.length;
    expect(at).toBeGreaterThan(16);
    editStoredRecord(edited, seq, (bytes) => {
      bytes[at] = bytes[at] === 0x39 ? 0x38 : (bytes[at] as number) + 1;
      return bytes;
    });
    const r = await cli(['verify', edited]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^seq ${seq} chain_broken`, 'm'));
    expect(r.out).toMatch(new RegExp(`^seq ${seq} events_differ`, 'm'));
  });

  it('verify reports a dropped record as a gap and exits 1', async () => {
    const dropped = join(dir, 'dropped.db');
    copyFileSync(journal, dropped);
    dropStoredRecord(dropped, 9);
    const r = await cli(['verify', dropped]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^seq 9 seq_gap/m);
  });

  it('receipts from the journal verify with the operator key; prove + verify-proof accept the trader', async () => {
    const key = join(dir, 'operator');
    expect((await cli(['keygen', '--out', key])).code).toBe(0);
    const out = join(dir, 'receipts');
    const r = await cli(['receipts', '--journal', journal, '--key', `${key}.key`, '--out', out]);
    expect(r.code).toBe(0);
    const files = readdirSync(out);
    expect(files).toEqual(['receipt-18-trader-AVAXUSDT-1.json']);
    const v = await cli(['verify-receipt', join(out, files[0] as string), '--key', `${key}.pub`]);
    expect(v.code).toBe(0);
    const proof = join(dir, 'trader.json');
    expect((await cli(['prove', 'trader', '--journal', journal, '--out', proof])).code).toBe(0);
    expect((await cli(['verify-proof', proof])).code).toBe(0);
  });

  it('export from the journal gives the same rows as the scenario run in memory', async () => {
    for (const what of ['liquidations', 'accounts']) {
      const fromJournal = await cli(['export', '--what', what, '--format', 'csv', '--journal', journal]);
      const fromScenario = await cli(['export', '--what', what, '--format', 'csv', '--scenario', SCENARIO]);
      expect(fromJournal.code).toBe(0);
      expect(fromJournal.out.split('\r\n').length).toBeGreaterThan(2);
      expect(fromJournal.out).toBe(fromScenario.out);
    }
  });

  it('a reading command needs exactly one journal (exit 2)', async () => {
    const both = await cli(['export', '--what', 'accounts', '--journal', journal, '--scenario', SCENARIO]);
    expect(both.code).toBe(2);
    expect(both.err).toBe('error: give --journal or --scenario, not both\n');
    const none = await cli(['prove', 'trader']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('which journal?');
  });
});
