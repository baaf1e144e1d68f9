// End-to-end through the CLI: keygen, receipts, verify-receipt, prove, verify-proof on the bundled crash example
// (one liquidation: trader, AVAXUSDT, at seq 18).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { canonicalJson, parseCanonical } from '../../src/verify/json.js';
import type { LiquidationReceipt } from '../../src/verify/receipt.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

const SCENARIO = 'examples/crash-liquidations.json';

describe('bailiff keygen / receipts / verify-receipt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-proofs-'));
  const prefix = join(dir, 'operator');

  it('keygen writes a private PEM (0600) and a hex public key, and never overwrites them', async () => {
    const r = await cli(['keygen', '--out', prefix]);
    expect(r.code).toBe(0);
    const pub = readFileSync(`${prefix}.pub`, 'utf8').trim();
    expect(pub).toMatch(/^[0-9a-f]{64}$/);
    expect(r.out.trim()).toBe(pub);
    expect(readFileSync(`${prefix}.key`, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    const again = await cli(['keygen', '--out', prefix]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^error: .*operator\.key exists; keygen does not overwrite a key\n$/);
  });

  it('receipts signs the liquidation of the crash example; verify-receipt accepts it (0) and refuses an edit (1, one line)', async () => {
    const outDir = join(dir, 'receipts');
    const r = await cli(['receipts', '--scenario', SCENARIO, '--key', `${prefix}.key`, '--out', outDir]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`1 liquidation receipt in ${outDir}\n`);
    const files = readdirSync(outDir);
    expect(files).toEqual(['receipt-18-trader-AVAXUSDT-1.json']);
    const file = join(outDir, files[0] as string);
    const ok = await cli(['verify-receipt', file, '--key', `${prefix}.pub`]);
    expect(ok.code).toBe(0);
    // The figures of the example's LiquidationStarted, in atoms (USDT, 6 decimals): equity 605.835, maintenance 648.75.
    expect(ok.out).toBe('valid: liquidation of trader (cross, AVAXUSDT step 1) at seq 18, equity 605835000 vs requirement 648750000\n');
    // The key as hex on the command line works too.
    expect((await cli(['verify-receipt', file, '--key', readFileSync(`${prefix}.pub`, 'utf8').trim()])).code).toBe(0);

    const receipt = parseCanonical(readFileSync(file, 'utf8')) as LiquidationReceipt;
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, canonicalJson({ ...receipt, breach: { ...receipt.breach, equity: receipt.breach.equity - 1n } }));
    const bad = await cli(['verify-receipt', edited, '--key', `${prefix}.pub`]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('invalid: the operator signature does not verify\n');
    writeFileSync(edited, 'not json');
    expect(await cli(['verify-receipt', edited, '--key', `${prefix}.pub`])).toEqual({ code: 1, out: '', err: `invalid: ${edited} is not JSON\n` });
  });

  it('verify-receipt with another operator key is invalid; a malformed key or a missing file cannot run (2)', async () => {
    const other = join(dir, 'other');
    expect((await cli(['keygen', '--out', other])).code).toBe(0);
    const r = await cli(['receipts', '--scenario', SCENARIO, '--key', `${prefix}.key`]);
    const file = join(dir, 'stdout-receipt.json');
    writeFileSync(file, r.out.trim().split('\n')[0] as string);
    const wrong = await cli(['verify-receipt', file, '--key', `${other}.pub`]);
    expect(wrong).toEqual({ code: 1, out: '', err: 'invalid: the receipt names another operator key than the one given\n' });
    const junkKey = join(dir, 'junk.pub');
    writeFileSync(junkKey, 'hello');
    expect((await cli(['verify-receipt', file, '--key', junkKey])).code).toBe(2);
    expect((await cli(['verify-receipt', join(dir, 'missing.json'), '--key', `${prefix}.pub`])).code).toBe(2);
  });
});

describe('bailiff prove / verify-proof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-prove-'));

  it("proves the trader's account after the crash and at an earlier seq; verify-proof checks it against the root", async () => {
    const file = join(dir, 'trader.json');
    const r = await cli(['prove', 'trader', '--scenario', SCENARIO, '--out', file]);
    expect(r.code).toBe(0);
    const doc = parseCanonical(readFileSync(file, 'utf8')) as { seq: number; stateRoot: string; proof: { account: { id: string } } };
    expect(doc.seq).toBe(20); // the example's 20 commands
    expect(doc.proof.account.id).toBe('trader');
    expect(r.err).toBe(`account trader at seq 20: state root ${doc.stateRoot}, ${(doc.proof as unknown as { siblings: unknown[] }).siblings.length} siblings\n`);
    expect(await cli(['verify-proof', file])).toEqual({ code: 0, out: `valid: account trader is in state root ${doc.stateRoot}\n`, err: '' });
    // Against another published root (the state before the crash), the same proof is invalid.
    const early = await cli(['prove', 'trader', '--scenario', SCENARIO, '--seq', '5']);
    const earlyRoot = (parseCanonical(early.out) as { stateRoot: string }).stateRoot;
    expect(earlyRoot).not.toBe(doc.stateRoot);
    const wrong = await cli(['verify-proof', file, '--root', earlyRoot]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^invalid: the proof leads to root [0-9a-f]{64}, not [0-9a-f]{64}\n$/);
    expect((await cli(['prove', 'nobody', '--scenario', SCENARIO])).err).toBe('error: account nobody does not exist at seq 20\n');
  });
});

describe('verify-proof and verify-receipt agree on files that are not a proof or a receipt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-not-a-proof-'));
  const pub = join(dir, 'operator');
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('a file that cannot be read (missing, a directory) cannot run: exit 2, one line', async () => {
    expect((await cli(['keygen', '--out', pub])).code).toBe(0);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    for (const [what, path, code] of [['missing', join(dir, 'nosuch.json'), 'no such file (ENOENT)'], ['a directory', folder, 'a directory, not a file (EISDIR)']] as const) {
      expect(await cli(['verify-proof', path]), what).toEqual({ code: 2, out: '', err: `error: cannot read proof ${path}: ${code}\n` });
      expect(await cli(['verify-receipt', path, '--key', `${pub}.pub`]), what).toEqual({ code: 2, out: '', err: `error: cannot read receipt ${path}: ${code}\n` });
    }
  });

  it('JSON that is not an object is invalid (1) with a reason a person reads, never a JavaScript error', async () => {
    for (const [text, kind] of [['null', 'null'], ['[]', 'an array'], ['"str"', 'a string'], ['5', 'a number']] as const) {
      const f = file('value.json', text);
      expect(await cli(['verify-proof', f]), text).toEqual({ code: 1, out: '', err: `invalid: not a proof: ${f} holds ${kind}, not an object\n` });
      expect(await cli(['verify-receipt', f, '--key', `${pub}.pub`]), text).toEqual({ code: 1, out: '', err: `invalid: not a receipt: ${f} holds ${kind}, not an object\n` });
    }
    const empty = file('empty-object.json', '{}');
    expect(await cli(['verify-proof', empty])).toEqual({ code: 1, out: '', err: `invalid: not a proof: ${empty} has no "proof" object (bailiff prove writes {"proof", "seq", "stateRoot"})\n` });
    expect(await cli(['verify-receipt', empty, '--key', `${pub}.pub`])).toEqual({ code: 1, out: '', err: 'invalid: not a receipt: no "format" field (a liquidation receipt has format 1)\n' });
    expect(await cli(['verify-proof', file('inner.json', '{"proof":null}')])).toEqual({ code: 1, out: '', err: `invalid: not a proof: ${join(dir, 'inner.json')} has no "proof" object (bailiff prove writes {"proof", "seq", "stateRoot"})\n` });
    expect(await cli(['verify-proof', file('inner.json', '{"proof":{}}')])).toEqual({ code: 1, out: '', err: 'invalid: not a proof: no "format" field (an inclusion proof has format 1)\n' });
  });
});
