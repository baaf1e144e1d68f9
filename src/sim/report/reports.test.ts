// The reports are single files that need nothing else, and a name from a user's file cannot break out of the page.

import { describe, expect, it } from 'vitest';
import type { SweepResult } from '../sweep/sweep.js';
import { jsonForScript } from './page.js';
import { sweepReportHtml } from './reports.js';

const HOSTILE = 'x</script><script>alert(1)</script>';

const SWEEP: SweepResult = {
  name: HOSTILE,
  search: 'grid',
  seeds: [1],
  parameters: [{ name: 'mm', path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['1', '2'] }],
  settlementDecimals: 6,
  runs: 2,
  points: [
    { index: 0, at: [0], values: { mm: '1' }, badDebt: '5', unnecessaryCount: 1, unnecessaryNotional: '10', liquidationSteps: 3, liquidatedNotional: '100', adlNotional: '0', score: '15', onFrontier: true, runs: [] },
    { index: 1, at: [1], values: { mm: '2' }, badDebt: '1', unnecessaryCount: 4, unnecessaryNotional: '40', liquidationSteps: 6, liquidatedNotional: '200', adlNotional: '0', score: '41', onFrontier: true, runs: [] },
  ],
  frontier: [1, 0],
  best: 0,
};

describe('HTML reports', () => {
  it('escape user text in the markup and in the embedded JSON', () => {
    const html = sweepReportHtml(SWEEP);
    expect(html).toContain('<h1>Bailiff sweep: x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).not.toContain(HOSTILE);
    expect(jsonForScript({ name: HOSTILE })).toBe('{"name":"x\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"}');
    expect(JSON.parse(jsonForScript({ name: HOSTILE }))).toEqual({ name: HOSTILE });
  });

  it('inline uPlot and load nothing from elsewhere', () => {
    const html = sweepReportHtml(SWEEP);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('uPlot');
    // Exactly three script elements: uPlot, the data, the drawing.
    expect(html.match(/<script[\s>]/g)).toHaveLength(3);
  });

  it('shows the auction columns only when the points have auction figures', () => {
    expect(sweepReportHtml(SWEEP)).not.toContain('auction raised');
    const points = SWEEP.points.map((p, i) => ({ ...p, badDebtWithVaults: `${135 + i}`, auctions: { barked: 3 + i, tab: '1130', raised: '1000', uncovered: `${130 + i}`, discountPpm: 25_000 } }));
    const html = sweepReportHtml({ ...SWEEP, points });
    expect(html).toContain('<th>vaults barked</th><th>auction tab</th><th>auction raised</th><th>auction uncovered</th><th>auction discount</th><th>bad debt with vaults</th><th>score</th>');
    expect(html).toContain('<td>3</td><td>1130</td><td>1000</td><td>130</td><td>2.50%</td><td>135</td>');
    expect(html).toContain("bad debt 135 (with the vaults' uncovered debt)");
  });

  it('needs two parameters for the heatmap and says so', () => {
    expect(sweepReportHtml(SWEEP)).toContain('The heatmap needs two parameters.');
  });
});
