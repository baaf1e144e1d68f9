// The sweep against a fake simulator of the same signature (test/fixtures/sim/fake-run.mjs, whose figures are known
// in advance): worker-count independence (the same bytes with 1 and 2 workers), the frontier and the best point of a
// known grid, coordinate descent, and refusals that name the field.

import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SweepError } from './errors.js';
import { parseSweepConfig } from './schema.js';
import { gridPoints, runSweep } from './sweep.js';

const FAKE = pathToFileURL(resolve('test/fixtures/sim/fake-run.mjs'));

/** The smallest sim.json the simulator's schema accepts. */
export const TINY_SIM = {
  name: 'tiny',
  steps: 10,
  markets: [
    {
      id: 'ETHUSDT',
      baseDecimals: 3,
      priceDecimals: 2,
      tickSize: '0.01',
      stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 10, maintenanceRatio: '0.02' }] },
      start: '3000',
      path: { kind: 'crash', shape: 'fast_drawdown', depth: 0.3, duration: 5 },
      book: { depth: '100000' },
    },
  ],
  population: { accounts: 10, collateral: { min: '100', max: '1000' }, leverage: { min: 1, max: 5 } },
};

const sweep = (extra: Record<string, unknown> = {}): ReturnType<typeof parseSweepConfig> =>
  parseSweepConfig({
    sim: TINY_SIM,
    seeds: { from: 1, count: 3 },
    parameters: [
      { name: 'mm', path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['0.5', '1', '1.5', '2'] },
      { name: 'fee', path: 'rulebook.liquidation.fees.insurance', values: ['0', '0.005'] },
    ],
    ...extra,
  });

describe('bailiff sweep (fake simulator)', () => {
  it('gives the same result, byte for byte, with 1 and 2 workers', async () => {
    const c = sweep();
    const one = await runSweep(c, TINY_SIM, { workers: 1, runner: FAKE, baseDir: '.' });
    const two = await runSweep(c, TINY_SIM, { workers: 2, runner: FAKE, baseDir: '.' });
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    expect(one.runs).toBe(8 * 3);
  }, 60_000);

  it('keeps the output of a sweep without auctions byte for byte (digests from before the vaults joined the score)', async () => {
    const digest = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex');
    const grid = await runSweep(sweep(), TINY_SIM, { workers: 1, runner: FAKE, baseDir: '.' });
    const descent = await runSweep(sweep({ search: { kind: 'coordinate_descent', start: [3, 0] } }), TINY_SIM, { workers: 2, runner: FAKE, baseDir: '.' });
    expect(grid.points.every((p) => !('auctions' in p) && !('badDebtWithVaults' in p))).toBe(true);
    expect([digest(grid), digest(descent)]).toEqual(['d8edc4347f215e3f2c43201ada54c3ee93856d25e59655d5fd70adf098bc48c6', 'd1ac951b374759c4c75606f58451e5ee7f3c8d1559edbd502ed2e3ee1c93bba5']);
  }, 60_000);

  it('sums each point over its seeds and finds the frontier and the best point', async () => {
    const r = await runSweep(sweep(), TINY_SIM, { workers: 2, runner: FAKE, baseDir: '.' });
    // Seeds 1, 2, 3: bad debt factors (1 + seed mod 3) = 2, 3, 1; unnecessary factors (1 + seed mod 2) = 2, 1, 2.
    // mm scale 0.5 (m = 0.01), fee 0: bad debt 0.04 x (2 + 3 + 1) = 0.24; unnecessary 0.1 x (2 + 1 + 2) = 0.5.
    const p0 = r.points[0];
    expect(p0?.values).toEqual({ mm: '0.5', fee: '0' });
    expect(p0?.badDebt).toBe('0.24');
    expect(p0?.unnecessaryNotional).toBe('0.5');
    expect(p0?.score).toBe('0.74');
    // fee 0.005 lowers each seed's bad debt by 0.005: 0.24 - 0.015 = 0.225; unnecessary unchanged.
    expect(r.points[1]?.badDebt).toBe('0.225');
    // m = 0.02, 0.03, 0.04 with fee 0.005: bad debt 0.18 - 0.015, 0.12 - 0.015, 0.06 - 0.015; unnecessary 1, 1.5, 2.
    // Every fee-0.005 point beats its fee-0 twin, and lower m trades bad debt for unnecessary notional: the frontier
    // is the four fee-0.005 points (indexes 1, 3, 5, 7), by bad debt ascending.
    expect(r.frontier).toEqual([7, 5, 3, 1]);
    expect(r.points.filter((p) => p.onFrontier).map((p) => p.index)).toEqual([1, 3, 5, 7]);
    // Scores: 0.725, 0.165 + 1 = 1.165, ...: the least is m = 0.01 with the fee.
    expect(r.best).toBe(1);
  }, 60_000);

  it("with auctions, judges each point on bad debt plus the vaults' uncovered debt (DAI at par)", async () => {
    // The fake's vaults leave f x 100 uncovered per seed: fee 0.005 adds 0.5 x 3 seeds = 1.5 to its points, which now
    // lose to their fee-0 twins: the frontier turns to the four fee-0 points, and the best to (mm 0.5, fee 0).
    const sim = { ...TINY_SIM, auctions: { market: 'ETHUSDT', clipper: {}, vaults: { count: 2, ink: { min: '1', max: '1' }, collateralisation: { min: 1.6, max: 2 } } } };
    const r = await runSweep(sweep(), sim, { workers: 2, runner: FAKE, baseDir: '.' });
    expect(r.points[1]?.badDebt).toBe('0.225');
    expect(r.points[1]?.auctions?.uncovered).toBe('1.5');
    expect(r.points[1]?.badDebtWithVaults).toBe('1.725');
    expect(r.points[0]?.badDebtWithVaults).toBe('0.24');
    // Score: 1.725 + 0.5 (unnecessary, weight 1).
    expect(r.points[1]?.score).toBe('2.225');
    expect(r.frontier).toEqual([6, 4, 2, 0]);
    expect(r.best).toBe(0);
    // The descent follows the same score: from (mm 2, fee 0.005) it ends at fee 0.
    const d = await runSweep(sweep({ search: { kind: 'coordinate_descent', start: [3, 1] } }), sim, { workers: 2, runner: FAKE, baseDir: '.' });
    expect(d.points[d.best]?.values).toEqual({ mm: '0.5', fee: '0' });
    // 1 and 2 workers: the same bytes with auctions too.
    expect(JSON.stringify(await runSweep(sweep(), sim, { workers: 1, runner: FAKE, baseDir: '.' }))).toBe(JSON.stringify(r));
  }, 60_000);

  it('coordinate descent visits lines of the grid and stops where no move improves the score', async () => {
    const r = await runSweep(sweep({ search: { kind: 'coordinate_descent', start: [3, 0] } }), TINY_SIM, { workers: 2, runner: FAKE, baseDir: '.' });
    // From (mm 2, fee 0): round 1's mm line (4 points) moves to mm 0.5; its fee line at mm 0.5 adds (0.5, 0.005),
    // which wins. Round 2's mm line at fee 0.005 adds 3 points and stays at mm 0.5; its fee line is known; nothing
    // moved: stop. 8 points, 24 runs.
    expect(r.points.map((p) => p.at)).toEqual([[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 1], [3, 1]]);
    expect(r.runs).toBe(24);
    expect(r.points[r.best]?.values).toEqual({ mm: '0.5', fee: '0.005' });
  }, 60_000);

  it('refuses a point the simulator would refuse before running anything, naming the values and the field', async () => {
    const c = sweep({ parameters: [{ name: 'depth', path: 'markets[0].book.depth', values: ['100', 'deep'] }] });
    const e = await runSweep(c, TINY_SIM, { workers: 1, runner: FAKE, baseDir: '.' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SweepError);
    expect((e as SweepError).code).toBe('sweep_point_invalid');
    expect((e as SweepError).message).toMatch(/^point depth="deep": the sim.json is refused at markets\[0\]\.book\.depth: must be a decimal string/);
  });

  it('reports a crash of the simulator as a failure, not as bad input', async () => {
    await expect(runSweep(sweep(), { ...TINY_SIM, name: 'explode' }, { workers: 2, runner: FAKE, baseDir: join('.') })).rejects.toThrow(/fake simulator bug/);
  });

  it('enumerates a grid with the first parameter slowest', () => {
    expect(gridPoints([2, 3])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    expect(gridPoints([])).toEqual([[]]);
  });
});

describe('sweep.json errors name the field', () => {
  const bad = (raw: unknown): SweepError => {
    try {
      parseSweepConfig(raw);
    } catch (e) {
      return e as SweepError;
    }
    throw new Error('accepted');
  };
  const base = { sim: TINY_SIM, seeds: [1], parameters: [{ path: 'rulebook.liquidation.fees.insurance', values: ['0'] }] };
  it.each([
    [{ ...base, seeds: [] }, 'seeds'],
    [{ ...base, parameters: [{ path: 'a..b', values: [1] }] }, 'parameters[0].path'],
    [{ ...base, parameters: [{ path: 'x', values: [1], scale: ['2'] }] }, 'parameters[0].values'],
    [{ ...base, parameters: [{ path: 'x', scale: ['two'] }] }, 'parameters[0].scale[0]'],
    [{ ...base, search: { kind: 'coordinate_descent', start: [5] } }, 'search.start[0]'],
    [{ ...base, serach: {} }, '(root)'],
    [{ ...base, seeds: { from: 0, count: 10_000 }, parameters: [{ path: 'x', values: Array.from({ length: 11 }, (_, i) => i) }] }, 'parameters'],
  ])('%# -> %s', (raw, path) => {
    const e = bad(raw);
    expect(e).toBeInstanceOf(SweepError);
    expect(e.code).toBe('sweep_config_invalid');
    expect(e.path).toBe(path);
  });
});
