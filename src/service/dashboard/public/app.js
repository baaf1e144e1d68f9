// The dashboard page: reads the service's API as any client would and draws it. No framework; uPlot (a global
// from uPlot.iife.min.js) draws the charts. Data flow:
// - the WebSocket /v1/stream sends a snapshot (head seq, insurance fund, markets), then every tape event live; the
//   tape before the snapshot is read page by page from GET /v1/liquidations (seq <= the snapshot's), so nothing is
//   missed or shown twice; a dropped socket reconnects with ?from=<last seq seen>;
// - GET /v1/markets every second appends each market's (engine time, mark, index) to its chart;
// - GET /v1/risk/nearest, /health and /ready every two seconds;
// - a click on "explain" reads GET /v1/liquidations/{id}/explain and shows the rule, the prices and the amounts.
// Figures are shown as the API serves them (format.js only groups digits); floats exist only inside the charts.
/* global document, window, fetch, WebSocket, location, uPlot */

import { amount, duration, percent, time } from './format.js';

const TAPE_ROWS_MAX = 300; // rows kept in the page; the counters count every event
const PRICE_POINTS_MAX = 5000; // points kept per market chart
const COUNTED = ['MarginCall', 'LiquidationStarted', 'LiquidationFill', 'InsuranceFundChanged', 'Deleveraged', 'BadDebt'];

const state = {
  lastSeq: 0, // the last tape seq shown (for reconnects)
  counts: Object.fromEntries(COUNTED.map((k) => [k, 0])),
  fund: { xs: [], ys: [], chart: null },
  markets: new Map(), // id -> { xs, mark, index, chart, el, lastUpdatedMs }
  breakersTripped: new Map(), // market -> reasons, from BreakerTripped events on the tape
  selected: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, body };
}

// ---------------------------------------------------------------- the tape

/** One line of figures per event kind, the fields as served. */
function figures(e) {
  switch (e.kind) {
    case 'MarginCall':
      return `equity ${amount(e.equity)} < call level ${amount(e.callLevel)} (maintenance ${amount(e.maintenance)})`;
    case 'LiquidationStarted':
      return `step ${e.step}: close ${amount(e.closeSize)} of ${amount(e.size)} at mark ${amount(e.mark)}; bankruptcy ${amount(e.bankruptcyPrice)}, limit ${amount(e.limitPrice)}`;
    case 'LiquidationFill':
      return `${e.route}: ${amount(e.size)} @ ${amount(e.price)}${e.counterparty ? ` to ${e.counterparty}` : ''}`;
    case 'LiquidationDeferred':
      return `${e.reason} at ${e.stage}${e.retryAtMs === null ? '' : `, retry ${time(e.retryAtMs)}`}`;
    case 'LiquidationEnded':
      return `after ${e.steps} step(s): equity ${amount(e.equity)}, maintenance ${amount(e.maintenance)}`;
    case 'LiquidatorRewarded':
      return `reward ${amount(e.amount)} (liquidated ${e.liquidated})`;
    case 'Deleveraged':
      return `${e.method}: ${amount(e.size)} @ ${amount(e.price)} against ${e.liquidated}`;
    case 'InsuranceFundChanged':
      return `${e.reason}: ${e.delta.startsWith('-') ? '' : '+'}${amount(e.delta)} → ${amount(e.balance)}`;
    case 'BadDebt':
      return `${amount(e.amount)}: fund ${amount(e.insurance)}, socialised ${amount(e.socialised)}, written off ${amount(e.writtenOff)}`;
    case 'PositionChanged':
      return `${e.cause}: ${amount(e.sizeDelta)} @ ${amount(e.price)} → size ${amount(e.size)}, realised ${amount(e.realisedPnl)}`;
    case 'BreakerTripped':
      return `reasons: ${(e.reasons ?? []).join(', ')}`;
    default: {
      const rest = { ...e };
      for (const k of ['kind', 'seq', 'ordinal', 'tsMs', 'account', 'market', 'ledger', 'stage']) delete rest[k];
      return JSON.stringify(rest);
    }
  }
}

function tapeRow(e) {
  const explain = e.kind === 'LiquidationStarted' && e.id
    ? el('button', { 'data-testid': 'explain-button', 'data-id': e.id, onclick: () => showExplanation(e.id, row) }, 'explain')
    : '';
  // The button comes first: a click never scrolls the table sideways.
  const row = el('tr', { class: `kind-${e.kind}`, 'data-kind': e.kind },
    el('td', {}, explain),
    el('td', {}, `${e.seq}-${e.ordinal}`),
    el('td', {}, time(e.tsMs)),
    el('td', {}, e.kind),
    el('td', {}, e.account ?? ''),
    el('td', {}, e.market ?? e.ledger ?? ''),
    el('td', {}, figures(e)));
  return row;
}

/** Takes in tape events oldest first: counters, fund, breakers; then the rows, newest on top. */
function takeEvents(events) {
  if (events.length === 0) return;
  const body = $('tape').tBodies[0];
  const rows = [];
  for (const e of events) {
    if (e.seq < state.lastSeq) continue; // already shown (a reconnect's overlap)
    state.lastSeq = e.seq;
    if (e.kind in state.counts) state.counts[e.kind] += 1;
    if (e.kind === 'InsuranceFundChanged') fundPoint(e.tsMs, e.balance);
    if (e.kind === 'BreakerTripped') state.breakersTripped.set(e.market, e.reasons ?? []);
    rows.push(tapeRow(e));
  }
  for (const row of rows.slice(-TAPE_ROWS_MAX)) body.prepend(row);
  while (body.rows.length > TAPE_ROWS_MAX) body.deleteRow(body.rows.length - 1);
  for (const k of COUNTED) $(`count-${k}`).textContent = String(state.counts[k]);
  drawFund();
}

/** The tape before the stream's snapshot, oldest first, page by page (1,000 rows a page, the route's bound). */
async function tapeHistory(uptoSeq) {
  const out = [];
  let after = null;
  for (let page = 0; page < 20; page++) {
    const query = `limit=1000${after === null ? '' : `&after=${after}`}`;
    const r = await getJson(`/v1/liquidations?${query}`);
    if (!r.ok) break;
    const kept = r.body.events.filter((e) => e.seq <= uptoSeq);
    out.push(...kept);
    if (r.body.events.length < 1000 || kept.length < r.body.events.length) break;
    after = r.body.next;
  }
  return out;
}

function connectStream() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const resume = state.lastSeq > 0 ? `?from=${state.lastSeq}` : '';
  const socket = new WebSocket(`${scheme}://${location.host}/v1/stream${resume}`);
  const pill = $('stream-state');
  let first = true;
  let pending = []; // live events that arrive while the history is being read
  let historyDone = resume !== '';
  socket.addEventListener('message', async (message) => {
    const m = JSON.parse(message.data);
    if (m.type === 'snapshot') {
      pill.textContent = 'live';
      pill.className = 'pill live';
      $('head-seq').textContent = String(m.seq);
      $('engine-time').textContent = time(m.timeMs);
      $('fund-balance').textContent = amount(m.insuranceFund);
      if (state.fund.xs.length === 0) fundPoint(m.timeMs, m.insuranceFund);
      if (first && !historyDone) {
        first = false;
        const history = await tapeHistory(m.seq);
        takeEvents(history);
        historyDone = true;
        takeEvents(pending);
        pending = [];
      }
    } else if (m.type === 'event') {
      if (historyDone) takeEvents([m.event]);
      else pending.push(m.event);
      $('head-seq').textContent = String(m.seq);
      if (m.event.kind === 'InsuranceFundChanged') $('fund-balance').textContent = amount(m.event.balance);
    } else if (m.type === 'error') {
      pill.textContent = m.error.code;
    }
  });
  socket.addEventListener('close', () => {
    pill.textContent = 'reconnecting';
    pill.className = 'pill closed';
    window.setTimeout(connectStream, 1000);
  });
}

// ---------------------------------------------------------------- the insurance fund

function fundPoint(tsMs, balance) {
  state.fund.xs.push(tsMs / 1000);
  state.fund.ys.push(Number(balance)); // drawn only
}

function chartWidth(node) {
  return Math.max(300, node.clientWidth - 4);
}

function drawFund() {
  const node = $('fund-chart');
  if (state.fund.xs.length === 0) return;
  const data = [state.fund.xs, state.fund.ys];
  if (state.fund.chart === null) {
    state.fund.chart = new uPlot({
      width: chartWidth(node),
      height: 150,
      legend: { show: false },
      scales: { x: { time: true } },
      series: [{}, { label: 'insurance fund', stroke: '#1f5fa8', width: 2, paths: uPlot.paths.stepped({ align: 1 }) }],
      axes: [{}, { size: 80 }],
    }, data, node);
  } else state.fund.chart.setData(data);
}

// ---------------------------------------------------------------- markets, breakers, operator

function marketCard(m) {
  const chartNode = el('div', { class: 'chart', 'data-testid': `chart-${m.id}` });
  const figuresNode = el('div', { class: 'figures' });
  const card = el('div', { class: 'card market', 'data-testid': 'market', 'data-market': m.id }, el('h3', {}, m.id), figuresNode, chartNode);
  $('markets').append(card);
  const entry = { xs: [], mark: [], index: [], chart: null, chartNode, figuresNode, lastUpdatedMs: null };
  state.markets.set(m.id, entry);
  return entry;
}

function drawMarket(entry) {
  const data = [entry.xs, entry.mark, entry.index];
  if (entry.chart === null) {
    entry.chart = new uPlot({
      width: chartWidth(entry.chartNode),
      height: 160,
      scales: { x: { time: true } },
      series: [{}, { label: 'mark', stroke: '#c0392b', width: 2 }, { label: 'index', stroke: '#1f5fa8', width: 1, dash: [4, 3] }],
      axes: [{}, { size: 70 }],
    }, data, entry.chartNode);
  } else entry.chart.setData(data);
}

async function refreshMarkets() {
  const r = await getJson('/v1/markets');
  if (!r.ok) return;
  const breakers = $('breakers');
  breakers.replaceChildren();
  for (const m of r.body.markets) {
    const entry = state.markets.get(m.id) ?? marketCard(m);
    entry.figuresNode.replaceChildren(
      el('span', {}, 'mark ', el('b', {}, amount(m.mark))),
      el('span', {}, 'index ', el('b', {}, amount(m.index))),
      el('span', {}, 'oracle ', el('b', { class: `state-${m.oracle}` }, m.oracle)),
      el('span', {}, 'open interest ', el('b', {}, amount(m.openInterest))),
    );
    if (m.mark !== null && m.priceUpdatedMs !== entry.lastUpdatedMs) {
      entry.lastUpdatedMs = m.priceUpdatedMs;
      entry.xs.push(m.priceUpdatedMs / 1000);
      entry.mark.push(Number(m.mark)); // drawn only
      entry.index.push(m.index === null ? null : Number(m.index));
      if (entry.xs.length > PRICE_POINTS_MAX) for (const a of [entry.xs, entry.mark, entry.index]) a.shift();
      drawMarket(entry);
    }
    const tripped = m.breaker.state === 'tripped';
    const everTripped = state.breakersTripped.get(m.id);
    breakers.append(el('li', { 'data-market': m.id }, `${m.id}: `,
      el('b', { class: `state-${m.breaker.state}` }, m.breaker.state),
      tripped ? ` (${m.breaker.reasons.join(', ')})` : everTripped ? ` (tripped earlier: ${everTripped.join(', ')})` : ''));
  }
}

function kvRows(table, pairs) {
  table.replaceChildren(...pairs.map(([k, v, cls]) => el('tr', {}, el('td', {}, k), el('td', cls ? { class: cls } : {}, v))));
}

async function refreshOperator() {
  const [health, ready] = await Promise.all([getJson('/health'), getJson('/ready')]);
  const h = health.body ?? {};
  const r = ready.body ?? {};
  kvRows($('operator'), [
    ['/health', health.ok ? `${h.status}, up ${duration((h.uptimeS ?? 0) * 1000)}` : `HTTP ${health.status}`, health.ok ? 'state-fresh' : 'bad'],
    ['/ready', ready.ok ? 'ready' : `not ready (HTTP ${ready.status})`, ready.ok ? 'state-fresh' : 'bad'],
    ['halted', r.halted ?? 'no', r.halted ? 'bad' : ''],
    ['liquidations paused', r.liquidationsPaused ? 'yes' : 'no', r.liquidationsPaused ? 'bad' : ''],
    ['liquidation backlog (ledgers in breach)', r.liquidationBacklog ?? '–'],
    ['oldest liquidatable', duration(r.oldestLiquidatableAgeMs)],
    ['deferred liquidations (open / total)', `${r.deferredLiquidations ?? '–'} / ${r.deferralsTotal ?? '–'}`],
    ['liquidations started', r.liquidationsStartedTotal ?? '–'],
    ['missed liquidations', r.missedLiquidations ?? '–', r.missedLiquidations > 0 ? 'bad' : ''],
    ['journal head / queue / last commit lag', r.journal ? `${r.journal.head} / ${r.journal.queueDepth} / ${Number(r.journal.lastCommitLagMs).toFixed(1)} ms` : '–'],
  ]);
  if (r.seq !== undefined) $('head-seq').textContent = String(Math.max(Number($('head-seq').textContent) || 0, r.seq));
  if (r.engineTimeMs !== undefined) $('engine-time').textContent = time(r.engineTimeMs);
  const markets = r.markets ?? [];
  $('oracles').replaceChildren(
    el('tr', {}, el('th', {}, 'market'), el('th', {}, 'oracle'), el('th', {}, 'breaker reasons'), el('th', {}, 'price updated')),
    ...markets.map((m) => el('tr', {}, el('td', {}, m.id), el('td', { class: `state-${m.oracle}` }, m.oracle), el('td', {}, m.breakerReasons.join(', ') || '–'), el('td', {}, time(m.priceUpdatedMs)))),
  );
}

// ---------------------------------------------------------------- accounts nearest their thresholds

async function refreshNearest() {
  const r = await getJson('/v1/risk/nearest?limit=12');
  if (!r.ok) {
    $('nearest-note').textContent = r.status === 401 || r.status === 403 ? 'needs an operator key (the service runs with security on)' : `HTTP ${r.status}`;
    return;
  }
  $('nearest-note').textContent = `at journal seq ${r.body.seq}; margin ratio = maintenance / equity (100% = at the threshold); distances as the API serves them`;
  const header = el('tr', {}, ...['account', 'ledger', 'margin ratio', 'equity', 'maintenance', 'distance to threshold', 'market', 'size', 'mark', 'liquidation price', 'bankruptcy price', 'distance to liquidation']
    .map((h, i) => el('th', i >= 2 && i !== 6 ? { class: 'num' } : {}, h)));
  const rows = [];
  for (const n of r.body.accounts) {
    const v = n.view ?? {};
    const ledger = n.ledger === 'cross' ? v.cross : (v.isolated ?? []).find((l) => l.ledger === n.ledger);
    const positions = (v.positions ?? []).filter((p) => (n.ledger === 'cross' ? p.marginMode === 'cross' : p.market === n.ledger));
    const first = positions[0];
    const more = positions.length > 1 ? ` (+${positions.length - 1})` : '';
    rows.push(el('tr', { 'data-testid': 'nearest-row', class: ledger?.breached ? 'bad' : '' },
      el('td', {}, n.account + (v.marginCalled ? ' ⚑' : '')),
      el('td', {}, n.ledger),
      el('td', { class: 'num' }, n.marginRatio === null ? 'equity ≤ 0' : percent(n.marginRatio)),
      el('td', { class: 'num' }, amount(ledger?.equity)),
      el('td', { class: 'num' }, amount(ledger?.maintenanceMargin)),
      el('td', { class: 'num' }, amount(ledger?.distanceToThreshold)),
      el('td', {}, (first?.market ?? '–') + more),
      el('td', { class: 'num' }, amount(first?.size)),
      el('td', { class: 'num' }, amount(first?.markPrice)),
      el('td', { class: 'num' }, amount(first?.liquidationPrice)),
      el('td', { class: 'num' }, amount(first?.bankruptcyPrice)),
      el('td', { class: 'num' }, first?.distanceToLiquidationRatio == null ? amount(first?.distanceToLiquidation) : `${amount(first.distanceToLiquidation)} (${percent(first.distanceToLiquidationRatio)})`)));
  }
  $('nearest').replaceChildren(header, ...rows);
}

// ---------------------------------------------------------------- explanations

async function showExplanation(id, row) {
  if (state.selected) state.selected.classList.remove('selected');
  state.selected = row;
  row?.classList.add('selected');
  const panel = $('explain');
  panel.replaceChildren(el('h2', {}, `Explanation of ${id}`), el('p', { class: 'hint' }, 'loading…'));
  const r = await getJson(`/v1/liquidations/${encodeURIComponent(id)}/explain`);
  if (!r.ok) {
    panel.replaceChildren(el('h2', {}, `Explanation of ${id}`), el('p', { class: 'bad' }, r.body?.error?.message ?? `HTTP ${r.status}`));
    return;
  }
  const x = r.body;
  const table = (pairs) => el('table', { class: 'kv' }, ...pairs.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v))));
  panel.replaceChildren(
    el('h2', {}, `Explanation of ${x.id}`),
    el('p', {}, `${x.account}, ledger ${x.ledger}, market ${x.market}, step ${x.step}`),
    el('p', { class: 'rule', 'data-testid': 'explain-rule' }, x.rule.text, el('br'), `sizing ${x.rule.sizing}, takeover ${x.rule.takeover}, margin valued at ${x.rule.marginValuation}`),
    el('h3', {}, 'Breach'),
    el('div', { 'data-testid': 'explain-breach' }, table([
      ['equity', amount(x.breach.equity)],
      ['maintenance margin', amount(x.breach.maintenanceMargin)],
      ['shortfall', amount(x.breach.shortfall)],
      ['mark price', amount(x.breach.markPrice)],
      ['index price', amount(x.breach.indexPrice)],
      ['bankruptcy price', amount(x.breach.bankruptcyPrice)],
      ['limit price', amount(x.breach.limitPrice)],
      ['position / closed', `${amount(x.breach.size)} / ${amount(x.breach.closeSize)} (${x.breach.policy}: ${x.breach.why}, route ${x.breach.route})`],
    ])),
    el('h3', {}, 'Amounts'),
    el('div', { 'data-testid': 'explain-amounts' }, table([
      ['filled size', amount(x.amounts.filledSize)],
      ['fees', amount(x.amounts.fees)],
      ['insurance fund delta', amount(x.amounts.insuranceFundDelta)],
      ['bad debt', amount(x.amounts.badDebt)],
    ])),
    el('h3', {}, 'Waterfall'),
    el('ol', {}, ...x.waterfall.map((w) => el('li', {}, el('b', {}, w.stage), ': ', w.events.map((e) => `${e.kind} ${figures(e)}`).join('; ')))),
    el('h3', {}, 'Prices and sources'),
    el('ul', {}, ...x.prices.map((p) => el('li', {}, `${p.market}: mark ${amount(p.markPrice)}, index ${amount(p.indexPrice)} at ${time(p.priceUpdatedMs)}`,
      p.sources.length === 0 ? '' : ` — ${p.sources.map((s) => `${s.source} ${amount(s.price)}${s.signature ? ' (signed)' : ''}`).join(', ')}`))),
    el('h3', {}, 'Replay'),
    el('p', { class: 'hint' }, `journal record ${x.journal.seq}${x.journal.entryHash ? `, entry hash ${x.journal.entryHash.slice(0, 16)}…` : ''}: ${x.journal.replay}`),
  );
}

// ---------------------------------------------------------------- start

function every(ms, task) {
  const run = () => task().catch(() => undefined).finally(() => window.setTimeout(run, ms));
  run();
}

connectStream();
every(1000, refreshMarkets);
every(2000, refreshOperator);
every(2000, refreshNearest);
