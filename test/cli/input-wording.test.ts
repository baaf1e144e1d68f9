// Bad input says what is wrong, in the words of the field at fault: a command's unknown kind (its path once), a
// decimals field out of range (the range), a scenario of the other kind (the command that takes it), a missing field of a union (is required), a key store that does not
// exist (not its master key); a simulation's or sweep's integer out of range (the range); and a scenario file that starts with a UTF-8 byte-order mark is read.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bailiff-wording-'));
const SCENARIO = 'examples/btc-isolated-long.json';

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('what bad input says', () => {
  it('an unknown kind on ingest stdin: "kind: unknown or missing kind" (the path once)', async () => {
    const journal = join(dir, 'j.db');
    const made = await runCliCaptured(['ingest', '--journal', journal, '--scenario', SCENARIO], { stdin: Readable.from([]) });
    expect(made.code, made.err).toBe(0);
    const r = await runCliCaptured(['ingest', '--journal', journal], { stdin: Readable.from(['{"kind":"nosuch"}\n']) });
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: stdin line 1: kind: unknown or missing kind\n');
  });

  it('a scenario field of decimals out of range says the range', async () => {
    const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as { markets: { baseDecimals: number }[] };
    for (const d of [36, -1]) {
      (scenario.markets[0] as { baseDecimals: number }).baseDecimals = d;
      const file = write(`decimals${d}.json`, JSON.stringify(scenario));
      const r = await runCliCaptured(['run', file]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`error: ${file}: markets[0].baseDecimals: must be an integer from 0 to 30\n`);
    }
  });

  it('a simulation or sweep field out of range says the range, not only "must be an integer"', async () => {
    const sim = JSON.parse(readFileSync('examples/sim/quick.json', 'utf8')) as Record<string, unknown>;
    for (const [field, value, message] of [
      ['seed', -1, 'seed: must be an integer from 0 to 4,294,967,295'],
      ['steps', 20_000_000, 'steps: must be an integer from 1 to 10,000,000'],
      ['stepMs', 1.5, 'stepMs: must be an integer from 1 to 86,400,000'],
    ] as const) {
      const file = write(`sim-${field}.json`, JSON.stringify({ ...sim, [field]: value }));
      const r = await runCliCaptured(['simulate', file]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
    }
    const sweep = write('sweep-seeds.json', JSON.stringify({ sim: join(process.cwd(), 'examples/sim/quick.json'), seeds: { from: 0, count: 20_000 }, parameters: [] }));
    const r = await runCliCaptured(['sweep', sweep]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('seeds.count: must be an integer from 1 to 10,000');
  });

  it('an auction scenario given to run, or an engine scenario to auctions, says which command takes it; auctions names its file', async () => {
    const toRun = await runCliCaptured(['run', 'examples/auctions/maker-auctions.json']);
    expect(toRun.code).toBe(2);
    expect(toRun.err).toBe('error: examples/auctions/maker-auctions.json: an auction scenario (Hole, ilks), not an engine scenario: run it with `bailiff auctions` (docs/auctions.md)\n');
    const toAuctions = await runCliCaptured(['auctions', 'examples/auctions/engine-auctions.json']);
    expect(toAuctions.code).toBe(2);
    expect(toAuctions.err).toBe('error: examples/auctions/engine-auctions.json: an engine scenario (settlement, markets), not an auction scenario: run it with `bailiff run` (docs/scenarios.md)\n');
    const empty = write('auctions-empty.json', '{}');
    expect((await runCliCaptured(['auctions', empty])).err).toBe(`error: ${empty}: Hole: is required\n`);
  });

  it('a sweep without its sim: "sim: is required"', async () => {
    const file = write('sweep.json', '{}');
    const r = await runCliCaptured(['sweep', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: sim: is required\n');
  });

  it('keys list of a store that does not exist says so (not that its master key is missing)', async () => {
    const store = join(dir, 'nosuch.json');
    const r = await runCliCaptured(['keys', 'list', '--store', store]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: no key store ${store} (bailiff keys add --store ${store} makes one)\n`);
  });

  it('a scenario file that starts with a UTF-8 byte-order mark runs as the same file without it', async () => {
    const text = readFileSync(SCENARIO, 'utf8');
    const bom = write('bom.json', `\uFEFF${text}`);
    const withBom = await runCliCaptured(['run', bom]);
    expect(withBom.code, withBom.err).toBe(0);
    expect(withBom.out).toBe((await runCliCaptured(['run', SCENARIO])).out);
  });
});
