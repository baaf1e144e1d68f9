// Every command that takes a sequence number (--seq, --journal-seq) refuses one past the journal's head, with exit 2
// and one line, from the one check (src/cli/journal-file.ts checkSeqWithinHead); at the head it answers.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';

const SCENARIO = 'examples/btc-isolated-long.json'; // 10 commands: the journal's head is seq 10
const dir = mkdtempSync(join(tmpdir(), 'bailiff-seq-'));
const journal = join(dir, 'j.db');
const change = join(dir, 'change.json');

beforeAll(async () => {
  const ingest = await runCliCaptured(['ingest', '--journal', journal, '--scenario', SCENARIO], { stdin: Readable.from([]) });
  expect(ingest.code, ingest.err).toBe(0);
  writeFileSync(change, JSON.stringify({ rulebook: 'bybit' }));
});

describe('a seq past the head', () => {
  const commands: [string, string[], string][] = [
    ['export accounts --journal', ['export', '--what', 'accounts', '--journal', journal], '--seq'],
    ['export accounts --scenario', ['export', '--what', 'accounts', '--scenario', SCENARIO], '--seq'],
    ['export liquidations --journal', ['export', '--what', 'liquidations', '--journal', journal], '--seq'],
    ['export liquidations --scenario', ['export', '--what', 'liquidations', '--scenario', SCENARIO], '--seq'],
    ['account', ['account', 'alice', '--journal', journal], '--seq'],
    ['prove --journal', ['prove', 'alice', '--journal', journal], '--seq'],
    ['prove --scenario', ['prove', 'alice', '--scenario', SCENARIO], '--seq'],
    ['preview', ['preview', '--journal', journal, '--change', change], '--seq'],
  ];

  for (const [name, args, flag] of commands) {
    it(`${name}: refused with exit 2 and one line; the head itself is answered`, async () => {
      const past = await runCliCaptured([...args, flag, '999']);
      expect(past.code).toBe(2);
      expect(past.err).toBe(`error: ${flag} 999: the journal ends at seq 10\n`);
      expect(past.out).toBe('');
      const atHead = await runCliCaptured([...args, flag, '10']);
      expect(atHead.code, atHead.err).toBe(0);
    });
  }

  it('simulate --journal-seq: refused before the simulation runs', async () => {
    const r = await runCliCaptured(['simulate', 'examples/sim/quick.json', '--journal', journal, '--journal-seq', '11']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --journal-seq 11: the journal ends at seq 10\n');
  });
});
