// `bailiff simulate`: a run prints its summary as JSON (the same bytes for the same seed; --seed changes them),
// --out writes summary and series, and a bad sim.json is exit 2 with the path of the field at fault.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { editStoredRecord } from '../journal/stored-record.js';
import { runCli } from '../../src/cli/program.js';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { parseSimConfigText } from '../../src/sim/simulate/config.js';
import { prepare } from '../../src/sim/simulate/run.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

const SMALL = {
  name: 'cli test',
  seed: 3,
  steps: 300,
  rulebook: 'binance',
  markets: [
    {
      id: 'ETHUSDT', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 25, maintenanceRatio: '0.02' }] },
      start: '3000',
      path: { kind: 'crash', shape: 'v_wick', depth: 0.15, quiet: 30, duration: 240 },
      book: { depth: '50000' },
    },
  ],
  population: { accounts: 60, collateral: { min: '100', max: '5000' }, leverage: { min: 3, max: 20 }, longShare: 0.8 },
  metrics: { counterfactual: false },
};

function write(json: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-sim-'));
  const file = join(dir, 'sim.json');
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

describe('bailiff simulate', () => {
  it('prints the summary as JSON, byte for byte the same on a second run; --seed changes it; --out writes the series', async () => {
    const file = write(SMALL);
    const a = await cli(['simulate', file]);
    expect(a.code, a.err).toBe(0);
    const summary = JSON.parse(a.out);
    expect(summary.name).toBe('cli test');
    expect(summary.steps).toBe(300);
    expect(summary.liquidations.steps).toBeGreaterThan(0);
    const b = await cli(['simulate', file]);
    expect(b.out).toBe(a.out);
    const c = await cli(['simulate', file, '--seed', '4']);
    expect(JSON.parse(c.out).seed).toBe(4);
    expect(c.out).not.toBe(a.out);
    const out = join(mkdtempSync(join(tmpdir(), 'bailiff-sim-')), 'result.json');
    const d = await cli(['simulate', file, '--out', out]);
    expect(d.out).toBe(a.out);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.summary).toEqual(summary);
    expect(result.series.markets.ETHUSDT.reference.length).toBe(result.series.tMs.length);
  });

  it.each([
    [{ ...SMALL, markets: [{ ...SMALL.markets[0], book: { depth: 50000 } }] }, 'markets[0].book.depth'],
    [{ ...SMALL, population: { ...SMALL.population, leverage: { min: 5, max: 2 } } }, 'population.leverage.max'],
    [{ ...SMALL, steps: undefined }, 'steps: is required unless a market replays klines'],
    [{ ...SMALL, extra: 1 }, 'unknown field(s): extra'],
    [{ ...SMALL, markets: [{ ...SMALL.markets[0], path: { kind: 'crash', shape: 'zigzag', depth: 0.1, duration: 10 } }] }, 'markets[0].path.shape'],
    [{ ...SMALL, markets: [{ ...SMALL.markets[0], tickSize: '0.001' }] }, 'markets[0].tickSize'],
    [{ ...SMALL, rulebook: 'nope' }, 'rulebook: unknown rulebook preset'],
  ])('a bad file is exit 2 naming the field (%#)', async (json, says) => {
    const file = write(json);
    const r = await cli(['simulate', file]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`error: ${file}: `);
    expect(r.err).toContain(says);
  });

  it('a missing file, bad JSON and a bad --seed are exit 2 too', async () => {
    expect((await cli(['simulate', '/nonexistent/sim.json'])).err).toMatch(/^error: cannot read simulation \/nonexistent\/sim.json: no such file \(ENOENT\)/);
    expect((await cli(['simulate', write('{"seed": 1, "seed": 2}')])).code).toBe(2);
    const bad = await cli(['simulate', write(SMALL), '--seed', '-1']);
    expect(bad.code).toBe(2);
    // --journal-seq is a seq of --journal's: alone it would be ignored.
    const stray = await cli(['simulate', write(SMALL), '--journal-seq', '3']);
    expect(stray.code).toBe(2);
    expect(stray.err).toBe("error: --journal-seq is a seq of the journal's: it goes with --journal <file>\n");
    expect(stray.out).toBe('');
  });

  it('the examples decode; the crash example replays its kline excerpt (5 hours of 1m klines, OHLC: 17,999 steps)', () => {
    const quick = prepare(parseSimConfigText(readFileSync('examples/sim/quick.json', 'utf8')));
    expect(quick.steps).toBe(1800);
    const crash = prepare(parseSimConfigText(readFileSync('examples/sim/crash.json', 'utf8')), { baseDir: 'examples/sim' });
    expect(crash.steps).toBe(17_999);
    const avax = crash.refs[0]!;
    expect(avax[0]).toBe(277_610); // the first kline's open, 27.7610
    expect(Math.min(...avax)).toBe(212_190); // the lowest low of the excerpt (OHLC walk), 21.2190
  });

  it('--journal starts from a journal\'s live accounts (bailiff ingest of examples/btc-isolated-long.json)', async () => {
    const journal = join(mkdtempSync(join(tmpdir(), 'bailiff-sim-')), 'j.db');
    const ingest = await runCli(['ingest', '--journal', journal, '--scenario', 'examples/btc-isolated-long.json'], { stdout: () => {}, stderr: () => {}, stdin: Readable.from([]) });
    expect(ingest).toBe(0);
    const live = {
      ...SMALL,
      markets: [{ ...SMALL.markets[0], id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 2, tickSize: '0.1', stepSize: '0.001', start: '1' }],
      population: { ...SMALL.population, accounts: 5 },
    };
    const r = await cli(['simulate', write(live), '--journal', journal, '--journal-seq', '6']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.accounts).toBeGreaterThan(5); // the journal's accounts and the 5 generated
    expect(summary.positions).toBe(5);
    const missing = await cli(['simulate', write(live), '--journal', '/nonexistent/j.db']);
    expect(missing.code).toBe(2);
    // A corrupt journal is bad input: said as the journal says it, without the seed a simulator's bug is told with.
    editStoredRecord(journal, 3, (b) => {
      const flipped = Buffer.from(b);
      const at = flipped.length >> 1;
      flipped.writeUInt8(flipped.readUInt8(at) ^ 1, at);
      return flipped;
    });
    const corrupt = await cli(['simulate', write(live), '--journal', journal]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.err).toMatch(/^error: .*record 3\b.*\n$/);
    expect(corrupt.err).not.toContain('(simulation');
  });
});
