// `bailiff sweep` through the real command line and the real simulator (a small crash): the same bytes with 1 and 2
// workers, the report written, and sweep.json errors exit 2 naming the field.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { btcCrashMarket } from '../../src/sim/simulate/testkit.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

const dir = mkdtempSync(join(tmpdir(), 'bailiff-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 150 accounts, a 25% fall in two minutes, four minutes of one-second steps. */
const SIM = {
  name: 'sweep cli',
  steps: 240,
  insuranceFund: '1000',
  markets: [btcCrashMarket({ depth: 0.25, quiet: 20, duration: 120 }, '50000')],
  population: { accounts: 150, collateral: { min: '200', max: '5000' }, leverage: { min: 2, max: 40 }, longShare: 0.8 },
  metrics: { recoveryMinutes: 2, counterfactual: false },
};

describe('bailiff sweep', () => {
  writeFileSync(join(dir, 'sim.json'), JSON.stringify(SIM));
  const sweep = {
    sim: 'sim.json',
    seeds: [1, 2],
    parameters: [
      { name: 'mm', path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['1', '2'] },
      { name: 'depth', path: 'markets[0].book.depth', values: ['50000', '500000'] },
    ],
  };

  it('prints the same JSON with 1 and 2 workers and writes the report', async () => {
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(sweep));
    const one = await cli(['sweep', join(dir, 'sweep.json'), '--workers', '1', '--report', join(dir, 'report.html')]);
    expect(one.err).toMatch(/^sweep sweep: 4 points x 2 seeds = 8 runs; frontier \d+ points; best score/);
    expect(one.code).toBe(0);
    const two = await cli(['sweep', join(dir, 'sweep.json'), '--workers', '2', '--out', join(dir, 'out.json')]);
    expect(two.code).toBe(0);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(one.out);
    // No auctions: the output is byte for byte what it was before the vaults' uncovered debt joined the score.
    expect(createHash('sha256').update(one.out).digest('hex')).toBe('734518075f700d053a05afa0a8d44e11875328fa584f8fcc1498b435a985701c');
    const r = JSON.parse(one.out) as { points: { values: unknown; liquidationSteps: number; onFrontier: boolean }[]; frontier: number[] };
    expect(r.points.map((p) => p.values)).toEqual([
      { mm: '1', depth: '50000' },
      { mm: '1', depth: '500000' },
      { mm: '2', depth: '50000' },
      { mm: '2', depth: '500000' },
    ]);
    // The crash liquidates; a doubled maintenance margin liquidates at least as many ledgers on the same book.
    expect(r.points[0]?.liquidationSteps).toBeGreaterThan(0);
    expect(r.points[2]?.liquidationSteps).toBeGreaterThanOrEqual(r.points[0]?.liquidationSteps ?? 0);
    expect(r.frontier.length).toBeGreaterThan(0);
    expect(r.points.filter((p) => p.onFrontier)).toHaveLength(r.frontier.length);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h1>Bailiff sweep: sweep</h1>');
    expect(html).not.toMatch(/<script[^>]+src=/);
  }, 120_000);

  it.each([
    [{ ...sweep, parameters: [{ path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['x'] }] }, 'error: parameters[0].scale[0]: must be a decimal string'],
    [{ ...sweep, seeds: 'all' }, 'error: seeds: '],
    [{ ...sweep, parameters: [{ path: 'markets[3].book.depth', values: ['1'] }] }, 'error: parameters[0].path: markets has 1 elements, no [3]'],
    [{ ...sweep, parameters: [{ name: 'lev', path: 'population.leverage.max', values: [-1] }] }, 'error: point lev=-1: the sim.json is refused at population.leverage.max'],
    [{ ...sweep, sim: 'missing.json' }, 'error: cannot read the sim.json'],
  ])('exits 2 naming the field (%#)', async (body, message) => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(body));
    const r = await cli(['sweep', join(dir, 'bad.json')]);
    expect(r.code).toBe(2);
    expect(r.err.startsWith(message)).toBe(true);
    expect(r.out).toBe('');
  });
});
