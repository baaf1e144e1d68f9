// End-to-end through the CLI: `bailiff export` on a scenario; a source whose replay disagrees with its entries.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.js';
import { runExport, scenarioExportSource } from '../../src/cli/export.js';

const bailiff = (args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8' });

describe('bailiff export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-export-'));

  it('writes the liquidation history of the crash example as CSV to --out, and the same rows as JSON lines to stdout', () => {
    const out = join(dir, 'liquidations.csv');
    const csv = bailiff(['export', '--what', 'liquidations', '--format', 'csv', '--out', out, '--scenario', 'examples/crash-liquidations.json']);
    expect(csv.status).toBe(0);
    expect(csv.stdout).toBe('');
    const lines = readFileSync(out, 'utf8').split('\r\n');
    expect(lines[0]).toBe('seq,ordinal,time,event,stage,route,account,ledger,market,counterparty,side,size,price,fee,amount,realised_pnl,equity,maintenance,bankruptcy_price,limit_price,step,reason');
    expect(lines.at(-1)).toBe(''); // every record ends with CRLF
    // The trader bought 1000 AVAX at 28.33 paying the 0.05% taker fee, 14.165: cash 3000 - 14.165 = 2985.835. At the
    // mark 25.95: equity 2985.835 + 1000 x (25.95 - 28.33) = 605.835, maintenance 25950 x 2.5% = 648.75: a breach.
    // Bankruptcy price 28.33 - 2985.835 / 1000 = 25.344165, up to the price unit against the long: 25.345.
    expect(lines[1]).toBe('18,0,2025-02-02T22:18:00.000Z,LiquidationStarted,size,book,trader,cross,AVAXUSDT,,sell,1000,25.95,,,,605.835,648.75,25.345,25.345,1,full_policy');
    const jsonl = bailiff(['export', '--what', 'liquidations', '--format', 'jsonl', '--scenario', 'examples/crash-liquidations.json']);
    expect(jsonl.status).toBe(0);
    const rows = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(lines.length - 2);
    expect(rows[0]).toMatchObject({ seq: 18, event: 'LiquidationStarted', size: '1000', price: '25.95', bankruptcy_price: '25.345' });
  });

  it('exports account states at the head and at --seq', () => {
    const head = bailiff(['export', '--what', 'accounts', '--scenario', 'examples/btc-isolated-long.json']);
    expect(head.status).toBe(0);
    const [header, ...body] = head.stdout.trimEnd().split('\r\n');
    expect(header?.split(',').slice(0, 5)).toEqual(['seq', 'time', 'account', 'balance', 'ledger']);
    expect(body.every((l) => l.startsWith(`${body[0]?.split(',')[0]},`))).toBe(true); // one seq: the head
    const early = bailiff(['export', '--what', 'accounts', '--format', 'jsonl', '--seq', '4', '--scenario', 'examples/btc-isolated-long.json']);
    expect(early.status).toBe(0);
    // After the setup's deposits (seq 3 alice, 4 maker) nobody holds a position yet.
    const rows = early.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.filter((r) => r.account !== 'venue:insurance').map((r) => [r.seq, r.account, r.balance, r.market])).toEqual([
      [4, 'alice', '1000', null],
      [4, 'maker', '1000000', null],
    ]);
  });

  it('refuses a bad --what or --format with exit code 2 and one line', () => {
    const bad = bailiff(['export', '--what', 'trades', '--scenario', 'examples/crash-liquidations.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('error: --what must be liquidations or accounts, not "trades"\n');
    const badFormat = bailiff(['export', '--what', 'accounts', '--format', 'xlsx', '--scenario', 'examples/crash-liquidations.json']);
    expect(badFormat.status).toBe(2);
    const missing = bailiff(['export', '--what', 'accounts', '--scenario', join(dir, 'nope.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.json: no such file \(ENOENT\)\n$/);
  });

  it('refuses a journal whose replay disagrees with its records as bad input (exit 2), not a bug', () => {
    const source = scenarioExportSource('examples/crash-liquidations.json');
    // One entry's events dropped: the replay gives more than the journal holds.
    const entries = source.entries as { seq: number; command: unknown; events: unknown[] }[];
    const k = entries.findIndex((e) => e.events.length > 1);
    entries[k] = { ...(entries[k] as (typeof entries)[number]), events: [] };
    const io = { stdout: () => undefined, stderr: () => undefined };
    let thrown: unknown;
    try {
      runExport(source, { what: 'accounts', format: 'csv' }, io as never);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).code).toBe('bad_file');
    expect((thrown as Error).message).toMatch(new RegExp(`^the journal does not replay: seq ${k + 1}: replay gave seq ${k + 1} with \\d+ events, the journal ${k + 1} with 0$`));
  });
});
