// `bailiff demo` end to end (in process, on the seeded synthetic crash so it needs nothing beside the repository):
// the text report, the same figures as JSON, --out, the timeline with its empty half-hours, the exit code.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

interface Report {
  prices: string;
  accounts: number;
  liquidationSteps: number;
  timeline: { from: string; liquidations: number }[];
  firstLiquidations: { account: string; equity: string; maintenance: string }[];
  insuranceFund: { start: string; end: string; lowest: string };
  conservationOk: boolean;
  exitCode: number;
  stops: { placed: number; triggered: number; saved: number; tradersWithStops: number; liquidatedWithStops: number };
  makerAuctions: { barked: { dutch: number; sealed: number }; takes: number; sealedSettled: number; stillInAuction: number; raised: string; conservationOk: boolean };
}

describe('bailiff demo', () => {
  const args = ['demo', '--synthetic', '--accounts', '150'];
  // Two runs serve the tests below (each replays 2,400 prices): the JSON report written with --out, and the text.
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-demo-'));
  const jsonRun = cli([...args, '--json', '--out', join(dir, 'report.json')]).then((r) => ({ ...r, report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report }));
  const textRun = jsonRun.then(() => cli(args));

  it('--json --out: the report machine-readable in the file, nothing on stdout; every half-hour of the window in the timeline', async () => {
    const { code, out, err, report } = await jsonRun;
    expect({ code, out, err }).toEqual({ code: 0, out: '', err: '' });
    expect(report).toMatchObject({ prices: 'synthetic crash (seed 20250202)', accounts: 150, conservationOk: true, exitCode: 0 });
    // 20:00 to 06:00 UTC is 10 h = 20 buckets of 30 minutes, in order, whatever happened in them.
    expect(report.timeline).toHaveLength(20);
    expect(report.timeline[0]?.from).toBe('2025-02-02T20:00:00.000Z');
    expect(report.timeline[19]?.from).toBe('2025-02-03T05:30:00.000Z');
    expect(report.timeline.some((b) => b.liquidations === 0)).toBe(true);
    expect(report.timeline.reduce((t, b) => t + b.liquidations, 0)).toBe(report.liquidationSteps);
    expect(report.liquidationSteps).toBeGreaterThan(0);
    // Amounts are decimal strings (never JSON numbers, never floats).
    expect(report.insuranceFund.start).toMatch(/^\d+$/);
    expect(report.insuranceFund.end).toMatch(/^\d+\.\d{2,6}$/);
    for (const l of report.firstLiquidations) expect([l.equity, l.maintenance].every((v) => /^-?\d+(\.\d+)?$/.test(v))).toBe(true);
    // Every 4th trader places position stop-losses; the crash fires some of them, and a trader saved by one was stopped
    // out and never liquidated.
    const stops = report.stops;
    expect(stops.placed).toBeGreaterThan(0);
    expect(stops.triggered).toBeGreaterThan(0);
    expect(stops.triggered).toBeLessThanOrEqual(stops.placed);
    expect(stops.saved).toBeGreaterThan(0);
    expect(stops.saved + stops.liquidatedWithStops).toBeLessThanOrEqual(stops.tradersWithStops);
    // MakerDAO auctions on the same crash: vaults barked, every lot sold (Dutch and sealed-bid), units conserved.
    const maker = report.makerAuctions;
    expect(maker.barked.dutch).toBeGreaterThan(0);
    expect(maker.barked.sealed).toBeGreaterThan(0);
    expect(maker.sealedSettled).toBe(maker.barked.sealed);
    expect(maker.stillInAuction).toBe(0);
    expect(maker.raised).toMatch(/^\d+\.\d{2}$/);
    expect(maker.conservationOk).toBe(true);
  });

  it('text: the same figures; the timeline prints all 20 half-hours, empty ones with a 0', async () => {
    const { report } = await jsonRun;
    const text = await textRun;
    expect(text.code).toBe(0);
    const timeline = text.out.split('\n').filter((l) => /^ {2}\d\d:\d\d {2}#* \d+$/.test(l));
    expect(timeline.map((l) => Number(l.split(' ').pop()))).toEqual(report.timeline.map((b) => b.liquidations));
    expect(timeline[0]).toMatch(/^ {2}20:00 {2}/);
    expect(text.out).toContain(`  1 size        ${String(report.liquidationSteps).padStart(6)} steps on `);
    expect(text.out).toContain(`insurance fund     : ${report.insuranceFund.start} -> ${report.insuranceFund.end} USDT`);
    expect(text.out).toContain('every unit accounted for: yes');
    expect(text.out).toContain(`  barked       ${report.makerAuctions.barked.dutch} to Dutch auctions`);
  });

  it('an unknown rulebook is bad input: exit 2, one line', async () => {
    const r = await cli(['demo', '--synthetic', '--accounts', '10', '--rulebook', 'kraken']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown rulebook "kraken"; presets: binance, [^\n]*\n$/);
  });
});
