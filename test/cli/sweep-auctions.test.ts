// `bailiff sweep` over the auctions of Maker vaults (the sim.json `auctions` section) through the real command line
// and simulator: the curve and the mode (a string value) as parameters, the same bytes with 1 and 2 workers, and each
// point's auction figures summed over its seeds.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { btcCrashMarket } from '../../src/sim/simulate/testkit.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

const dir = mkdtempSync(join(tmpdir(), 'bailiff-sweep-auctions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30 vaults on BTC, no perp accounts, a 30% fall in a minute: four minutes of one-second steps. */
const SIM = {
  name: 'sweep auctions',
  steps: 240,
  markets: [btcCrashMarket({ depth: 0.3, quiet: 20, duration: 60, noise: 0.3 })],
  population: { accounts: 0, collateral: { min: '200', max: '5000' }, leverage: { min: 2, max: 30 } },
  liquidators: [
    { id: 'keeper-a', capital: '1000000', latencyMs: 0, maxPosition: '500000', discount: 0.02, orderSize: '50000' },
    { id: 'keeper-b', capital: '1000000', latencyMs: 2000, maxPosition: '500000', discount: 0.04, orderSize: '50000' },
  ],
  metrics: { counterfactual: false },
  auctions: {
    market: 'BTCUSDT',
    clipper: { tail: 600, cusp: '0.3', curve: { kind: 'stairstep_exponential_decrease', step: 5, cut: '0.98' } },
    vaults: { count: 30, ink: { min: '0.05', max: '1' }, collateralisation: { min: 1.55, max: 2.2 } },
    sealed: { commit: 10, reveal: 10 },
  },
};

describe('bailiff sweep over auction curves', () => {
  it('prints the same JSON with 1 and 2 workers, with auction figures per point', async () => {
    writeFileSync(join(dir, 'sim.json'), JSON.stringify(SIM));
    const sweep = {
      sim: 'sim.json',
      seeds: [1, 2],
      parameters: [
        { name: 'cut', path: 'auctions.clipper.curve.cut', values: ['0.99', '0.95'] },
        { name: 'mode', path: 'auctions.mode', values: ['dutch', 'sealed_bid'] },
      ],
    };
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(sweep));
    const one = await cli(['sweep', join(dir, 'sweep.json'), '--workers', '1']);
    expect(one.code).toBe(0);
    const two = await cli(['sweep', join(dir, 'sweep.json'), '--workers', '2', '--out', join(dir, 'out.json')]);
    expect(two.code).toBe(0);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(one.out);
    const r = JSON.parse(one.out) as { points: { values: unknown; auctions?: { barked: number; raised: string; discountPpm: number }; runs: { auctions?: unknown }[] }[] };
    expect(r.points.map((p) => p.values)).toEqual([
      { cut: '0.99', mode: 'dutch' },
      { cut: '0.99', mode: 'sealed_bid' },
      { cut: '0.95', mode: 'dutch' },
      { cut: '0.95', mode: 'sealed_bid' },
    ]);
    for (const p of r.points) {
      expect(p.auctions?.barked).toBeGreaterThan(0);
      expect(p.runs.every((x) => x.auctions !== undefined)).toBe(true);
    }
    // A steeper Dutch curve falls further below the liquidators' valuations before they take: a deeper discount.
    expect(r.points[2]!.auctions!.discountPpm).toBeGreaterThan(r.points[0]!.auctions!.discountPpm);
  }, 120_000);
});
