// The simulator's HTML reports in a real browser (issue 19): a real run of the simulator (a small crash) and a sweep
// (against the fake simulator, whose figures are known) are written as self-contained files, opened from disk in
// Debian's chromium (playwright-core), and the charts are checked as drawn: the canvases are there with ink on them,
// and each uPlot holds the data of the run (series lengths, the frontier's points). Screenshots are kept at
// test-results/sim-report.png and test-results/sweep-report.png.
//
// Chromium comes from scripts/setup-debian.sh. Without /usr/bin/chromium the test is skipped with the reason, unless
// BAILIFF_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simReportHtml, sweepReportHtml } from '../../src/sim/report/reports.js';
import { parseSimConfig, parseSimConfigText } from '../../src/sim/simulate/config.js';
import { runSimulation } from '../../src/sim/simulate/run.js';
import type { SimResult } from '../../src/sim/simulate/types.js';
import { parseSweepConfig } from '../../src/sim/sweep/schema.js';
import { runSweep, type SweepResult } from '../../src/sim/sweep/sweep.js';
import { btcCrashMarket } from '../../src/sim/simulate/testkit.js';

const CHROMIUM = process.env['BAILIFF_CHROMIUM'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['BAILIFF_REQUIRE_BROWSER'] === '1';
const present = existsSync(CHROMIUM);
if (!present) {
  const reason = `simulator report browser test: ${CHROMIUM} not found (install it with scripts/setup-debian.sh)`;
  if (REQUIRED) throw new Error(`${reason}; BAILIFF_REQUIRE_BROWSER=1 requires it`);
  console.warn(`skipped: ${reason}`);
}

/** As the dashboard's test: no sandbox (root), no GPU, no background connections (.library machines/node.md). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** A 25% fast drawdown on 200 accounts for 10 minutes: liquidations, a fund that moves, a counterfactual run. */
const SIM = {
  name: 'report test',
  seed: 3,
  steps: 600,
  insuranceFund: '10000',
  markets: [btcCrashMarket({ depth: 0.25, quiet: 60, duration: 300 })],
  population: { accounts: 200, collateral: { min: '200', max: '5000' }, leverage: { min: 2, max: 30 }, longShare: 0.8 },
};

type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };

/** Canvases on the page and how many of them have non-blank pixels. */
async function inkedCanvases(page: Page): Promise<{ canvases: number; inked: number }> {
  const inked = await page.locator('canvas').evaluateAll((nodes) =>
    nodes.map((node) => {
      const canvas = node as unknown as CanvasLike;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    }),
  );
  return { canvases: inked.length, inked: inked.filter((n) => n > 500).length };
}

/** Each uPlot on the page: its title and the length of each data array. */
async function charts(page: Page): Promise<{ title: string; lengths: number[] }[]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { bailiffCharts: { series: { label?: string }[]; data: unknown[][]; root: { querySelector(s: string): { textContent: string } | null } }[] };
    return w.bailiffCharts.map((u) => ({ title: u.root.querySelector('.u-title')?.textContent ?? '', lengths: u.data.map((d) => d.length) }));
  });
}

describe.skipIf(!present)('simulator reports in chromium', () => {
  let browser: Browser;
  let dir: string;
  let sim: SimResult;
  let sweep: SweepResult;
  let auctions: SimResult;
  let auctionSweep: SweepResult;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bailiff-sim-report-'));
    mkdirSync('test-results', { recursive: true });
    sim = runSimulation(parseSimConfig(SIM));
    auctions = runSimulation(parseSimConfigText(readFileSync('examples/sim/auctions.json', 'utf8')), { baseDir: 'examples/sim' });
    const config = parseSweepConfig({
      sim: SIM,
      seeds: [1, 2, 3],
      parameters: [
        { name: 'mm', path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['0.5', '1', '1.5', '2', '3'] },
        { name: 'fee', path: 'rulebook.liquidation.fees.insurance', values: ['0', '0.005', '0.01'] },
      ],
    });
    sweep = await runSweep(config, SIM, { workers: 2, runner: pathToFileURL(resolve('test/fixtures/sim/fake-run.mjs')), baseDir: '.' });
    // The same grid over a sim.json with vaults (the fake's uncovered debt rises with the fee): the frontier on bad debt with the vaults'.
    const withVaults = { ...SIM, auctions: { market: 'BTCUSDT', clipper: {}, vaults: { count: 2, ink: { min: '1', max: '1' }, collateralisation: { min: 1.6, max: 2 } } } };
    auctionSweep = await runSweep(parseSweepConfig({ ...config, sim: withVaults }), withVaults, { workers: 2, runner: pathToFileURL(resolve('test/fixtures/sim/fake-run.mjs')), baseDir: '.' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string): Promise<Page> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
    // Offline: the page must need nothing but itself.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as unknown as { bailiffCharts?: unknown[] }).bailiffCharts !== undefined);
    return page;
  }

  it('draws a run: price with and without liquidations, liquidations over time, the fund', async () => {
    expect(sim.summary.liquidations.steps).toBeGreaterThan(0);
    const page = await open(simReportHtml(sim), 'sim');
    const points = sim.series.tMs.length;
    const drawn = await charts(page);
    // One price chart (reference, traded, mark, mark without impact), liquidations (count, notional), fund (3 lines).
    expect(drawn).toEqual([
      { title: 'BTCUSDT: price with and without liquidations', lengths: [points, points, points, points, points] },
      { title: 'Liquidations over time', lengths: [points, points, points] },
      { title: 'Insurance fund and bad debt', lengths: [points, points, points, points] },
    ]);
    expect(await inkedCanvases(page)).toEqual({ canvases: 3, inked: 3 });
    expect(await page.locator('h1').textContent()).toBe('Bailiff simulation: report test (seed 3)');
    await page.screenshot({ path: resolve('test-results', 'sim-report.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('draws the auctions of examples/sim/auctions.json: DAI raised against tab, the figures, the liquidators', async () => {
    const a = auctions.summary.auctions!;
    expect(a.barked).toBeGreaterThan(0);
    const page = await open(simReportHtml(auctions), 'auctions');
    const points = auctions.series.tMs.length;
    const drawn = await charts(page);
    // The three perp charts as before, then the auctions' (tab, raised, uncovered, collateral sold).
    expect(drawn.map((c) => c.title)).toEqual(['BTCUSDT: price with and without liquidations', 'Liquidations over time', 'Insurance fund and bad debt', 'Auctions: DAI raised against tab (cumulative)']);
    expect(drawn[3]!.lengths).toEqual([points, points, points, points, points]);
    // The chart holds the run's figures: its last raised point is the summary's raised.
    const lastRaised = await page.evaluate(() => (globalThis as unknown as { bailiffCharts: { data: number[][] }[] }).bailiffCharts[3]?.data[2]?.at(-1));
    expect(lastRaised).toBe(Number(a.raised));
    expect(await inkedCanvases(page)).toEqual({ canvases: 4, inked: 4 });
    expect(await page.locator('#auctions canvas').count()).toBe(1);
    expect(await page.locator('#auctions-section').textContent()).toBe('Auctions');
    expect(await page.locator('#auction-figures').textContent()).toContain(`raised (DAI)${a.raised}`);
    // One row per liquidator under the header, each with its P&L.
    expect(await page.locator('#auction-keepers tr').count()).toBe(a.keepers.length + 1);
    expect(await page.locator('#auction-keepers tr:nth-child(2) td:last-child').textContent()).toBe(a.keepers[0]!.pnl);
    await page.screenshot({ path: resolve('test-results', 'auctions-report.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('draws a sweep: the frontier over every point, the heatmap of the two parameters', async () => {
    const page = await open(sweepReportHtml(sweep), 'sweep');
    const drawn = await charts(page);
    expect(drawn).toEqual([{ title: 'Bad debt against unnecessary liquidations (each point summed over the seeds)', lengths: [15, 15, 15] }]);
    // The frontier series holds exactly the frontier's points (the rest are gaps).
    const frontier = await page.evaluate(() => (globalThis as unknown as { bailiffCharts: { data: (number | null)[][] }[] }).bailiffCharts[0]?.data[2]?.filter((v) => v !== null).length);
    expect(frontier).toBe(sweep.frontier.length);
    expect(sweep.frontier.length).toBeGreaterThan(1);
    expect(await inkedCanvases(page)).toEqual({ canvases: 1, inked: 1 });
    // The heatmap: 5 rows (mm) x 3 columns (fee), every cell filled and coloured.
    expect(await page.locator('table.heat tr').count()).toBe(6);
    expect(await page.locator('table.heat td[style*="background"]').count()).toBe(15);
    await page.screenshot({ path: resolve('test-results', 'sweep-report.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("draws a sweep with auctions: the frontier on bad debt with the vaults' uncovered debt, the auction columns", async () => {
    const page = await open(sweepReportHtml(auctionSweep), 'sweep-auctions');
    const drawn = await charts(page);
    expect(drawn).toEqual([{ title: "Bad debt (with the vaults' uncovered debt) against unnecessary liquidations (each point summed over the seeds)", lengths: [15, 15, 15] }]);
    // The x values are the points' badDebtWithVaults, ascending.
    const x = await page.evaluate(() => (globalThis as unknown as { bailiffCharts: { data: number[][] }[] }).bailiffCharts[0]?.data[0]);
    expect(x).toEqual(auctionSweep.points.map((p) => Number(p.badDebtWithVaults)).sort((a, b) => a - b));
    expect(await inkedCanvases(page)).toEqual({ canvases: 1, inked: 1 });
    expect(await page.locator('table.points th', { hasText: 'auction uncovered' }).count()).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
