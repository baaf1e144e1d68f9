// `bailiff simulate <sim.json> --report out.html`: simulate's own output is unchanged, and the report embeds the run.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

const dir = mkdtempSync(join(tmpdir(), 'bailiff-sim-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIM = {
  name: 'report cli',
  steps: 120,
  markets: [
    {
      id: 'ETHUSDT', baseDecimals: 3, priceDecimals: 2, tickSize: '0.01', stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
      start: '3000', path: { kind: 'crash', shape: 'v_wick', depth: 0.2, quiet: 10, duration: 90 }, book: { depth: '20000' },
    },
  ],
  population: { accounts: 50, collateral: { min: '100', max: '1000' }, leverage: { min: 5, max: 40 } },
};

describe('bailiff simulate --report', () => {
  it('writes the HTML report of the run and prints the same summary as without it', async () => {
    const file = join(dir, 'sim.json');
    writeFileSync(file, JSON.stringify(SIM));
    const plain = await cli(['simulate', file]);
    const withReport = await cli(['simulate', file, '--report', join(dir, 'r.html')]);
    expect(plain.code).toBe(0);
    expect(withReport.code).toBe(0);
    expect(withReport.out).toBe(plain.out);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h1>Bailiff simulation: report cli (seed 1)</h1>');
    // The run is embedded as JSON: its summary is the one printed.
    const embedded = JSON.parse(/<script type="application\/json" id="bailiff-data">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null') as { summary: unknown; series: { tMs: unknown[] } };
    expect(embedded.summary).toEqual(JSON.parse(plain.out));
    expect(embedded.series.tMs.length).toBeGreaterThan(0);
  }, 60_000);
});
