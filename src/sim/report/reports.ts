// The HTML reports (docs/sweeps.md "Reports"): one run of `bailiff simulate` (price with and without liquidations,
// liquidations over time, the insurance fund and bad debt) and one `bailiff sweep` (the frontier between bad debt and
// unnecessary liquidations, the heatmap of the first two parameters, the points). Amounts stay decimal strings in the
// embedded JSON (exact); the page turns them into numbers only to draw.

import type { SimResult } from '../simulate/types.js';
import { frontierBadDebt, type SweepPoint, type SweepResult } from '../sweep/sweep.js';
import { escapeHtml, htmlPage } from './page.js';

const e = escapeHtml;

function row(cells: readonly (string | number)[], cls = ''): string {
  return `<tr${cls === '' ? '' : ` class="${cls}"`}>${cells.map((c, i) => `<td${i === 0 ? ' class="l"' : ''}>${e(String(c))}</td>`).join('')}</tr>`;
}

function head(cells: readonly string[]): string {
  return `<tr>${cells.map((c, i) => `<th${i === 0 ? ' class="l"' : ''}>${e(c)}</th>`).join('')}</tr>`;
}

/** A ppm figure as a percentage with two places. */
const pct = (ppm: number | null): string => (ppm === null ? '-' : `${(ppm / 10_000).toFixed(2)}%`);

const SIM_DRAW = `
const s = DATA.series;
const t = s.tMs.map((x) => x / 1000);
const num = (a) => a.map(Number);
Object.entries(s.markets).forEach(([id, m], i) => {
  const series = [{}, { label: 'reference', stroke: '#8a8f99' }, { label: 'traded', stroke: '#d1495b' }, { label: 'mark', stroke: '#1f6feb', width: 2 }];
  const data = [t, num(m.reference), num(m.traded), num(m.mark)];
  if (m.markWithoutImpact) {
    series.push({ label: 'mark without liquidation impact', stroke: '#2e9e44', dash: [6, 4], width: 2 });
    data.push(num(m.markWithoutImpact));
  }
  chart('price-' + i, { title: id + ': price with and without liquidations', series, axes: [{}, { size: 90 }] }, data);
});
chart('liquidations', {
  title: 'Liquidations over time',
  scales: { n: {}, q: {} },
  series: [{}, { label: 'liquidation steps', scale: 'n', stroke: '#d1495b', fill: 'rgba(209,73,91,0.35)', paths: uPlot.paths.bars({ size: [0.9, 40] }) },
    { label: 'liquidated notional', scale: 'q', stroke: '#1f6feb' }],
  axes: [{}, { scale: 'n', label: 'steps' }, { scale: 'q', side: 1, label: 'notional', size: 90, grid: { show: false } }],
}, [t, s.liquidations, num(s.liquidatedNotional)]);
chart('fund', {
  title: 'Insurance fund and bad debt',
  series: [{}, { label: 'insurance fund', stroke: '#2e9e44', width: 2 }, { label: 'bad debt (cumulative)', stroke: '#d1495b', width: 2 }, { label: 'ADL notional', stroke: '#8e44ad' }],
  axes: [{}, { size: 90 }],
}, [t, num(s.insuranceFund), num(s.badDebt), num(s.adlNotional)]);
if (s.auctions) {
  chart('auctions', {
    title: 'Auctions: DAI raised against tab (cumulative)',
    scales: { dai: {}, coll: {} },
    series: [{}, { label: 'tab (debt + penalty)', scale: 'dai', stroke: '#8a8f99', width: 2 }, { label: 'DAI raised', scale: 'dai', stroke: '#2e9e44', width: 2 },
      { label: 'uncovered (bad debt)', scale: 'dai', stroke: '#d1495b', width: 2 }, { label: 'collateral sold', scale: 'coll', stroke: '#1f6feb', dash: [6, 4] }],
    axes: [{}, { scale: 'dai', label: 'DAI', size: 90 }, { scale: 'coll', side: 1, label: 'collateral', size: 90, grid: { show: false } }],
  }, [t, num(s.auctions.tab), num(s.auctions.raised), num(s.auctions.uncovered), num(s.auctions.collateralSold)]);
}
`;

/** The auction section of a run's report (only when the sim.json has an `auctions` section). */
function auctionSection(r: SimResult): string {
  const a = r.summary.auctions;
  if (a === undefined) return '';
  const figures: readonly (readonly [string, string | number])[] = [
    ['mode, ilk, fed by', `${a.mode}, ${a.ilk}, ${a.market}`],
    ['vaults / barked / refused by the limits', `${a.vaults} / ${a.barked} / ${a.barkRefusedByLimit}`],
    ['settled / still running', `${a.settled} / ${a.stillRunning}`],
    ['takes / redos', `${a.takes} / ${a.redos}`],
    ['sealed settlements (fallbacks to Dutch)', `${a.sealedSettlements} (${a.sealedFallbacks})`],
    ['tab (DAI)', a.tab],
    ['raised (DAI)', a.raised],
    ['uncovered, bad debt (DAI)', a.uncovered],
    ['keeper incentives, chip + tip (DAI)', a.keeperIncentives],
    ['collateral sold / returned', `${a.collateralSold} / ${a.collateralReturned}`],
    ['discount to the reference (weighted by collateral)', pct(a.discountPpm)],
  ];
  const chartDiv = r.series.auctions === undefined ? '' : '<div class="chart" id="auctions"></div>';
  return `
<h2 id="auctions-section">Auctions</h2>
<p class="muted">Maker vaults on ${e(a.ilk)}, fed by ${e(a.market)}; DAI at par with the quote asset.</p>
${chartDiv}
<table id="auction-figures">${head(['figure', 'value'])}${figures.map(([k, v]) => row([k, v])).join('')}</table>
<h2>Auction liquidators</h2>
<table id="auction-keepers">${head(['liquidator', 'wins', 'collateral bought', 'DAI paid', 'value at the reference', 'gas', 'P&L'])}${a.keepers
    .map((k) => row([k.id, k.wins, k.bought, k.paid, k.value, k.gas, k.pnl]))
    .join('')}</table>
`;
}

/** The report of one simulation run. */
export function simReportHtml(r: SimResult): string {
  const s = r.summary;
  const title = `Bailiff simulation: ${s.name} (seed ${s.seed})`;
  const figures = [
    ['accounts', s.accounts],
    ['positions opened (notional)', `${s.positions} (${s.openNotional})`],
    ['liquidation steps / ledgers', `${s.liquidations.steps} / ${s.liquidations.ledgers}`],
    ['liquidated notional', s.liquidations.notional],
    ...Object.entries(s.liquidations.byRoute).map(([route, v]) => [`  by ${route}`, v] as const),
    ['slippage', `${s.slippage.quote} (${pct(s.slippage.ppmOfNotional)} of notional)`],
    ['insurance fund start / end / min', `${s.insuranceFund.start} / ${s.insuranceFund.end} / ${s.insuranceFund.min}`],
    ['bad debt (written off, socialised)', `${s.badDebt.total} (${s.badDebt.writtenOff}, ${s.badDebt.socialised})`],
    ['ADL notional (count, overshoot)', `${s.adl.notional} (${s.adl.count}, ${s.adl.overshoot})`],
    [`unnecessary liquidations (recovered within ${s.unnecessary.recoveryMinutes} min)`, `${s.unnecessary.count} (${s.unnecessary.notional})`],
    ['margin calls / top-ups / panic sells', `${s.marginCalls} / ${s.topUps} / ${s.panicSells}`],
    ['dust left (ledgers, notional)', `${s.dust.ledgers} (${s.dust.notional})`],
    ...(s.withoutImpact === null ? [] : [['without liquidation impact: steps, notional, bad debt', `${s.withoutImpact.liquidationSteps}, ${s.withoutImpact.liquidatedNotional}, ${s.withoutImpact.badDebt}`] as const]),
  ] as const;
  const markets = Object.keys(r.series.markets);
  const body = `
<h1>${e(title)}</h1>
<p class="muted">Rulebook ${e(s.rulebook)}; ${s.steps} steps of ${s.stepMs} ms from ${e(new Date(s.startMs).toISOString())}; one chart point per ${r.series.seriesEvery} steps. Amounts in quote units.</p>
<h2>Summary</h2>
<table>${head(['figure', 'value'])}${figures.map(([k, v]) => row([k, v])).join('')}</table>
<h2>Drawdown</h2>
<table>${head(['market', 'reference', 'mark', 'caused by liquidations', 'largest dislocation below reference'])}${Object.entries(s.drawdown)
    .map(([m, d]) => row([m, pct(d.referencePpm), pct(d.markPpm), pct(d.causedByLiquidationsPpm), pct(d.maxDislocationPpm)]))
    .join('')}</table>
<h2>Price with and without liquidations</h2>
${markets.map((_, i) => `<div class="chart" id="price-${i}"></div>`).join('\n')}
<h2>Liquidations over time</h2>
<div class="chart" id="liquidations"></div>
<h2>Insurance fund</h2>
<div class="chart" id="fund"></div>
<h2>Keepers</h2>
<table>${head(['keeper', 'fills', 'notional', 'bonus', 'fees', 'gas', 'P&L'])}${s.keepers.map((k) => row([k.id, k.fills, k.notional, k.bonus, k.fees, k.gas, k.pnl])).join('')}</table>
${auctionSection(r)}`;
  return htmlPage(title, body, r, SIM_DRAW);
}

const SWEEP_DRAW = `
// With auctions the frontier's bad debt includes the vaults' uncovered debt (sweep.ts frontierBadDebt).
const debt = (p) => Number(p.badDebtWithVaults ?? p.badDebt);
const vaults = DATA.points.some((p) => p.badDebtWithVaults !== undefined);
const pts = DATA.points.slice().sort((a, b) => debt(a) - debt(b) || Number(a.unnecessaryNotional) - Number(b.unnecessaryNotional));
const x = pts.map(debt);
chart('frontier', {
  title: vaults ? "Bad debt (with the vaults' uncovered debt) against unnecessary liquidations (each point summed over the seeds)" : 'Bad debt against unnecessary liquidations (each point summed over the seeds)',
  scales: { x: { time: false } },
  series: [{ label: 'bad debt' },
    { label: 'grid point', stroke: '#8a8f99', paths: () => null, points: { show: true, size: 7, fill: '#8a8f99' } },
    { label: 'frontier', stroke: '#d1495b', width: 2, spanGaps: true, points: { show: true, size: 9, fill: '#d1495b' } }],
  axes: [{ label: 'bad debt' }, { label: 'unnecessary liquidated notional', size: 90 }],
}, [x, pts.map((p) => Number(p.unnecessaryNotional)), pts.map((p) => (p.onFrontier ? Number(p.unnecessaryNotional) : null))]);
`;

/** The cells of the heatmap: the first two parameters; over the others, each cell shows its least-score point. */
function heatmap(r: SweepResult): string {
  if (r.parameters.length < 2) return '<p class="muted">The heatmap needs two parameters.</p>';
  const [p0, p1] = r.parameters as [SweepResult['parameters'][number], SweepResult['parameters'][number]];
  const labels = (p: typeof p0): string[] => (p.values ?? p.scale ?? []).map((v) => (p.scale !== undefined ? `x${String(v)}` : JSON.stringify(v)));
  const rows = labels(p0);
  const cols = labels(p1);
  const cell = new Map<string, SweepPoint>();
  for (const p of r.points) {
    const key = `${p.at[0]},${p.at[1]}`;
    const had = cell.get(key);
    if (had === undefined || Number(p.score) < Number(had.score)) cell.set(key, p);
  }
  const scores = [...cell.values()].map((p) => Number(p.score));
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const colour = (v: number): string => {
    const f = hi > lo ? (v - lo) / (hi - lo) : 0;
    return `hsl(${Math.round(120 * (1 - f))}, 65%, ${Math.round(78 - 12 * f)}%)`;
  };
  const cells = rows
    .map((label, i) => {
      const tds = cols.map((_, j) => {
        const p = cell.get(`${i},${j}`);
        if (p === undefined) return '<td></td>';
        return `<td style="background:${colour(Number(p.score))}" title="bad debt ${e(frontierBadDebt(p))}, unnecessary ${e(p.unnecessaryNotional)}">${e(p.score)}${p.onFrontier ? ' *' : ''}</td>`;
      });
      return `<tr><th class="l">${e(label)}</th>${tds.join('')}</tr>`;
    })
    .join('');
  return `<p class="muted">Score (bad debt${r.points.some((p) => p.badDebtWithVaults !== undefined) ? " with the vaults' uncovered debt" : ''} + weight x unnecessary notional) by ${e(p0.name)} (rows) and ${e(p1.name)} (columns); green is lower; * on the frontier.</p>
<table class="heat"><tr><th class="l">${e(p0.name)} \\ ${e(p1.name)}</th>${cols.map((c) => `<th>${e(c)}</th>`).join('')}</tr>${cells}</table>`;
}

/** The report of a sweep. */
export function sweepReportHtml(r: SweepResult): string {
  const title = `Bailiff sweep: ${r.name}`;
  const names = r.parameters.map((p) => p.name);
  // The vaults' auction columns, only when the sweep's sim.json has an `auctions` section.
  const withAuctions = r.points.some((p) => p.auctions !== undefined);
  const auctionHead = withAuctions ? ['vaults barked', 'auction tab', 'auction raised', 'auction uncovered', 'auction discount', 'bad debt with vaults'] : [];
  const auctionCells = (p: SweepPoint): (string | number)[] =>
    !withAuctions ? [] : p.auctions === undefined ? ['-', '-', '-', '-', '-', p.badDebt] : [p.auctions.barked, p.auctions.tab, p.auctions.raised, p.auctions.uncovered, pct(p.auctions.discountPpm), frontierBadDebt(p)];
  const pointRow = (p: SweepPoint): string =>
    row([p.index, ...names.map((n) => JSON.stringify(p.values[n])), p.badDebt, p.unnecessaryCount, p.unnecessaryNotional, p.liquidationSteps, ...auctionCells(p), p.score], p.onFrontier ? 'front' : '');
  const table = (ps: readonly SweepPoint[]): string =>
    `<table class="points">${head(['point', ...names, 'bad debt', 'unnecessary', 'unnecessary notional', 'liquidation steps', ...auctionHead, 'score'])}${ps.map(pointRow).join('')}</table>`;
  const best = r.points[r.best] as SweepPoint;
  const shown = r.points.slice(0, 500);
  const body = `
<h1>${e(title)}</h1>
<p class="muted">${e(r.search === 'grid' ? 'Grid' : 'Coordinate descent')}: ${r.points.length} points x ${r.seeds.length} seeds = ${r.runs} runs. Parameters: ${r.parameters.map((p) => `${e(p.name)} (${e(p.path)}${p.scale !== undefined ? ', scaled' : ''})`).join(', ')}. Amounts in quote units, summed over the seeds.</p>
<h2>Frontier</h2>
<div class="chart" id="frontier"></div>
<p>Best score: point ${best.index} (${names.map((n) => `${e(n)} = ${e(JSON.stringify(best.values[n]))}`).join(', ')}): bad debt ${e(frontierBadDebt(best))}${best.badDebtWithVaults === undefined ? '' : ' (with the vaults\' uncovered debt)'}, unnecessary ${e(best.unnecessaryNotional)}.</p>
${table(r.frontier.map((i) => r.points[i] as SweepPoint))}
<h2>Heatmap</h2>
${heatmap(r)}
<h2>All points${shown.length < r.points.length ? ` (the first ${shown.length})` : ''}</h2>
${table(shown)}
`;
  return htmlPage(title, body, r, SWEEP_DRAW);
}
