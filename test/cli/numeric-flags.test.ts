// The numeric flags: one parser for integers (plain decimal digits only: not 1e3, 0x10, 1.5, +1 or -0, which
// Number() would take), one range for a seed on every command (0 to 2^32 - 1, what sim/random.ts takes), an upper
// bound on a synthetic world's --accounts checked before anything is built, and --speed a positive decimal.

import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

async function refused(args: string[], says: string): Promise<void> {
  const r = await cli(args);
  expect(r.code, r.err).toBe(2);
  expect(r.err).toBe(`error: ${says}\n`);
  expect(r.out).toBe('');
}

describe('integer flags take plain decimal digits only', () => {
  for (const v of ['1e3', '0x10', '1.5', '+1', '-0', ' 1', '0b1', '1_000', '']) {
    it(`refuses ${JSON.stringify(v)}`, async () => {
      await refused(['ingest', '--journal', '/nonexistent/j.db', '--snapshot-every', v], `--snapshot-every must be a positive integer, not ${JSON.stringify(v)}`);
      await refused(['demo', '--accounts', v], `--accounts must be an integer from 1 to 1,000,000, not ${JSON.stringify(v)}`);
      await refused(['simulate', 'x.json', '--seed', v], `--seed must be an integer from 0 to 4,294,967,295, not ${JSON.stringify(v)}`);
      await refused(['serve', '--port', v], `--port must be an integer from 0 to 65,535, not ${JSON.stringify(v)}`);
    });
  }

  it('refuses 0 where a count must be positive, and takes leading zeros as the digits they are', async () => {
    await refused(['sweep', 'x.json', '--workers', '0'], '--workers must be a positive integer, not "0"');
    // 010 is ten, not eight: read as --port 10 and then refused by the durability check after it.
    await refused(['serve', '--port', '010', '--durability', 'x'], '--durability must be full or relaxed, not "x"');
  });
});

describe('a seed is 0 to 4294967295 on every command', () => {
  it('demo, lending-demo and serve take --seed 0 (as simulate does)', async () => {
    const demo = await cli(['demo', '--seed', '0', '--accounts', '5', '--synthetic', '--json']);
    expect(demo.code, demo.err).toBe(0);
    expect(JSON.parse(demo.out)).toMatchObject({ seed: 0 });
    // Parsed: what stops the command is the flag checked after it.
    const lending = await cli(['lending-demo', '--seed', '0', '--gas', 'x']);
    expect(lending.err).toMatch(/^error: --gas x: /);
    await refused(['serve', '--seed', '0', '--durability', 'x'], '--durability must be full or relaxed, not "x"');
  });

  it('refuses 4294967296 (it would replay seed 0) and a negative seed everywhere', async () => {
    for (const cmd of [['demo'], ['lending-demo'], ['serve'], ['simulate', 'x.json']]) {
      await refused([...cmd, '--seed', '4294967296'], '--seed must be an integer from 0 to 4,294,967,295, not "4294967296"');
      await refused([...cmd, '--seed', '-1'], '--seed must be an integer from 0 to 4,294,967,295, not "-1"');
    }
  });
});

describe("a synthetic world's --accounts is bounded up front", () => {
  it('refuses more than 1,000,000 traders at once, with one line', async () => {
    for (const cmd of ['demo', 'lending-demo', 'serve']) {
      await refused([cmd, '--accounts', '1000000000'], '--accounts must be an integer from 1 to 1,000,000, not "1000000000"');
      await refused([cmd, '--accounts', '1000001'], '--accounts must be an integer from 1 to 1,000,000, not "1000001"');
    }
  });

  it('says the bound in the help', async () => {
    const help = await cli(['demo', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('number of synthetic traders (at most 1,000,000;');
  });
});

describe('serve --speed is a positive decimal', () => {
  it('takes 1.5 and 0.5, refuses 0, 1e3 and -1', async () => {
    for (const v of ['1.5', '0.5', '600']) await refused(['serve', '--speed', v, '--durability', 'x'], '--durability must be full or relaxed, not "x"');
    for (const v of ['0', '1e3', '-1', '.5']) await refused(['serve', '--speed', v], `--speed must be a positive number, not ${JSON.stringify(v)}`);
    const help = await cli(['serve', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('replay minutes per wall minute: a positive number, decimals allowed');
  });
});
