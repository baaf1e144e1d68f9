// The dashboard in a real browser (issue 17): the real service (buildServer on a free loopback port, a fresh SQLite
// journal in a temporary directory) fed the bundled crash replay (src/service/replay.ts; the seeded synthetic crash,
// so the test needs no shared data), Debian's chromium driven by playwright-core. The page is opened before the
// crash, then the crash is fed through the service's queue, so everything the page shows arrives as a client sees it:
// the tape over the WebSocket, the charts from GET /v1/markets. Asserted: the counters and tape rows of margin calls,
// liquidations and insurance fund moves; an explanation opened by a click shows the rule and the amounts that
// GET /v1/liquidations/{id}/explain returns; the market and fund charts are drawn (uPlot canvases with pixels);
// the accounts nearest their thresholds are listed. A screenshot is kept at test-results/dashboard.png.
//
// Chromium comes from scripts/setup-debian.sh. Without /usr/bin/chromium the test is skipped with the reason, unless
// BAILIFF_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashReplay, feedReplay, type CrashReplay } from '../../src/service/replay.js';
import { buildServer } from '../../src/service/server.js';

const CHROMIUM = process.env['BAILIFF_CHROMIUM'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['BAILIFF_REQUIRE_BROWSER'] === '1';
const present = existsSync(CHROMIUM);
if (!present) {
  const reason = `dashboard browser test: ${CHROMIUM} not found (install it with scripts/setup-debian.sh)`;
  if (REQUIRED) throw new Error(`${reason}; BAILIFF_REQUIRE_BROWSER=1 requires it`);
  console.warn(`skipped: ${reason}`);
}

export const SCREENSHOT = resolve('test-results', 'dashboard.png');

/**
 * The flags this machine's chromium needs headless as root in a closed network (.library machines/node.md): no
 * sandbox (root), no GPU, and no background connections (they are refused here, many at a time).
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Replay minutes per wall minute: the 600-minute window in about 6 s, live enough for the page to draw several points. */
const SPEED = 6_000;

/** The parts of GET /v1/liquidations/{id}/explain the test compares with the page. */
interface Explanation {
  readonly rule: { readonly text: string };
  readonly breach: Readonly<Record<string, string>>;
  readonly amounts: Readonly<Record<string, string>>;
}

/** Digits as the page shows them (grouped with commas) back to the API's decimal string. */
const ungrouped = (s: string | null): string => (s ?? '').replaceAll(',', '');

describe.skipIf(!present)('dashboard in chromium', () => {
  let app: FastifyInstance;
  let base: string;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let replay: CrashReplay;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bailiff-dashboard-'));
    // 300 traders: the synthetic crash liquidates 149 ledgers of them (first in minute 139 of 600) in a few seconds.
    replay = await crashReplay({ accounts: 300, seed: 7, rulebook: 'binance', synthetic: true });
    app = await buildServer({ dataDir: dir, genesis: replay.genesis, logger: false });
    await app.bailiff.host.submit(replay.setup);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 1900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows margin calls, liquidations and fund moves live, an explanation a click away, and the charts', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByTestId('stream-state').textContent(), { timeout: 10_000 }).toBe('live');
    // The world is set up, nothing has happened yet: the tape read back (GET /v1/liquidations) holds one row, the
    // fund's seed deposit of 2,000,000.
    await expect.poll(() => page.locator('#tape tbody tr').count()).toBe(1);
    expect(await page.locator('#tape tbody tr').first().getAttribute('data-kind')).toBe('InsuranceFundChanged');
    expect(ungrouped(await page.getByTestId('fund-balance').textContent())).toBe(app.bailiff.views.quote(app.bailiff.host.engine.state.insuranceFund));
    expect(app.bailiff.views.quote(app.bailiff.host.engine.state.insuranceFund)).toBe('2000000');

    const fed = await feedReplay(app.bailiff.host, replay, { speed: SPEED });
    expect(fed).toBe(replay.minutes.length);

    // The counters reach what the service's tape holds (every tape event reached the page over the stream).
    const tape = app.bailiff.host.tapeAfter({ seq: 0, ordinal: 0 }, 100_000, () => true);
    const count = (kind: string): number => tape.filter((r) => r.event.kind === kind).length;
    expect(count('MarginCall')).toBeGreaterThan(0);
    expect(count('LiquidationStarted')).toBeGreaterThan(0);
    expect(count('InsuranceFundChanged')).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('count-liquidations').textContent(), { timeout: 10_000 }).toBe(String(count('LiquidationStarted')));
    await expect.poll(() => page.getByTestId('count-margin-calls').textContent(), { timeout: 10_000 }).toBe(String(count('MarginCall')));
    await expect.poll(() => page.getByTestId('count-fund-moves').textContent(), { timeout: 10_000 }).toBe(String(count('InsuranceFundChanged')));
    for (const kind of ['MarginCall', 'LiquidationStarted', 'InsuranceFundChanged']) {
      expect(await page.locator(`#tape tbody tr[data-kind="${kind}"]`).count(), kind).toBeGreaterThan(0);
    }
    // The fund's balance shown is the engine's, as the API serves it.
    const fund = app.bailiff.views.quote(app.bailiff.host.engine.state.insuranceFund);
    await expect.poll(async () => ungrouped(await page.getByTestId('fund-balance').textContent())).toBe(fund);

    // Click the newest liquidation's "explain": the panel shows the rule and the amounts GET .../explain returns.
    const button = page.getByTestId('explain-button').first();
    const id = await button.getAttribute('data-id');
    expect(id).toMatch(/^\d+-\d+$/);
    await button.click();
    const api = (await (await fetch(`${base}/v1/liquidations/${id}/explain`)).json()) as Explanation;
    await expect.poll(() => page.getByTestId('explain-rule').textContent(), { timeout: 10_000 }).toContain(api.rule.text);
    const breach = ungrouped(await page.getByTestId('explain-breach').textContent());
    for (const field of ['equity', 'maintenanceMargin', 'shortfall', 'markPrice', 'bankruptcyPrice']) expect(breach, field).toContain(api.breach[field]);
    const amounts = ungrouped(await page.getByTestId('explain-amounts').textContent());
    for (const field of ['filledSize', 'fees', 'insuranceFundDelta', 'badDebt']) expect(amounts, field).toContain(api.amounts[field]);

    // Charts: one uPlot per market with its canvas drawn (non-blank pixels), and the fund's.
    const markets = replay.setup.filter((c) => c.kind === 'set_market').length;
    expect(await page.locator('[data-testid^="chart-"] canvas').count()).toBe(markets);
    await expect.poll(() => page.locator('[data-testid="fund-chart"] canvas').count()).toBe(1);
    const inked = await page.locator('[data-testid^="chart-"] canvas').first().evaluate((node) => {
      // The page's canvas (no DOM types in this project's tsconfig: the shape used, named).
      const canvas = node as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1_000);

    // Accounts nearest their thresholds: rows, nearest first, as GET /v1/risk/nearest ranks them.
    const nearest = (await (await fetch(`${base}/v1/risk/nearest?limit=12`)).json()) as { accounts: { account: string }[] };
    expect(nearest.accounts.length).toBe(12); // 300 traders hold positions: the list is full
    await expect.poll(() => page.getByTestId('nearest-row').count(), { timeout: 10_000 }).toBe(nearest.accounts.length);
    // The page refreshes every 2 s: wait for a refresh after the replay's end (the state no longer moves).
    await expect.poll(() => page.getByTestId('nearest-row').first().locator('td').first().textContent(), { timeout: 10_000 }).toContain(nearest.accounts[0]?.account);

    mkdirSync(resolve('test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
