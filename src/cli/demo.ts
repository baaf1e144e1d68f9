// `bailiff demo`: the offline printout (`npm start` runs the service with the dashboard: scripts/start.mjs): the 2025-02-02 crash replayed against a few
// thousand leveraged accounts, with a market maker quoting a book around each mark and an insurance fund, and the
// engine enforcing its rulebook. Prints what was liquidated, when, at what price, and why; --json gives the same
// report machine-readable (amounts as decimal strings in USDT), --out FILE writes it to a file. The exit code is 1
// when the conservation check fails (a finding), else 0.

import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { conservationReport } from '../core/engine/conservation.js';
import { presetNames, rulebookPreset } from '../core/rulebooks/presets.js';
import { dec, divRound, formatDecimal, ppm, price, size, type Price } from '../core/units/index.js';
import { CRASH_WINDOW, realCrash, syntheticCrash, type CrashMarket, type PricePath } from '../sim/crash.js';
import { runMakerAuctions } from '../sim/maker-auctions.js';
import { altMarketSpec, DEFAULT_POPULATION, populationCommands, QUOTE_ASSET, QUOTE_DECIMALS } from '../sim/population.js';
import { checkOutputFile, CliError } from './errors.js';
import type { CliIo } from './program.js';
import { startProgress } from './progress.js';
import { toJson, writeReport } from './run.js';

export interface DemoOptions {
  readonly accounts: number;
  readonly seed: number;
  readonly synthetic: boolean;
  readonly rulebook: string;
  /** The report as JSON instead of text. */
  readonly json?: boolean;
  /** Write the report to this file instead of stdout. */
  readonly out?: string;
  /** Every STOP_EVERY-th trader places position stop-losses (default true; --no-stops: nobody does). */
  readonly stops?: boolean;
}

/** Every this many traders, one places a position stop-loss on each position, halfway to its liquidation price. */
const STOP_EVERY = 4;

/** The timeline's bucket: liquidations started per 30 minutes, every bucket of the window kept, empty ones too. */
const BUCKET_MS = 1_800_000;

const MAKER = 'maker';
/** The maker's quote ladder: distance from the mark (ppm) and depth (quote value per level, whole USDT). */
const LADDER: readonly [bigint, bigint][] = [
  [3_000n, 20_000n],
  [8_000n, 40_000n],
  [15_000n, 80_000n],
  [30_000n, 160_000n],
  [60_000n, 320_000n],
];
const INSURANCE_SEED = '2000000';
/** The backstop vault's capital, when the rulebook hands ledgers to one (Hyperliquid's liquidator vault, HLP). */
const VAULT_SEED = '2000000';

const q = (v: bigint): string => formatDecimal(v, QUOTE_DECIMALS, 2);
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
type Ev<K extends EngineEvent['kind']> = Extract<EngineEvent, { kind: K }>;

/** Cancels the maker's quotes in a market and quotes the ladder again around `mark`. */
export function requote(m: CrashMarket, mark: bigint, t: number): Command[] {
  const out: Command[] = [];
  LADDER.forEach(([distPpm, depthUsd], i) => {
    for (const side of ['buy', 'sell'] as const) {
      const id = `${side}-${i}`;
      out.push({ kind: 'cancel_order', tsMs: t, account: MAKER, market: m.id, id });
      const px = side === 'buy' ? divRound(mark * (1_000_000n - distPpm), 1_000_000n, 'floor') : divRound(mark * (1_000_000n + distPpm), 1_000_000n, 'ceil');
      if (px <= 0n) continue;
      // depth / price, in base atoms.
      const sz = divRound(depthUsd * 10n ** BigInt(m.priceDecimals + m.baseDecimals), px, 'floor');
      if (sz > 0n) out.push({ kind: 'place_order', tsMs: t, account: MAKER, market: m.id, id, side, price: price(px), size: size(sz), tif: 'gtc' });
    }
  });
  return out;
}

/** Runs the demo and prints its report. Returns the exit code: 1 if the conservation check failed, else 0. */
export async function runDemo(o: DemoOptions, io: CliIo): Promise<0 | 1> {
  checkOutputFile(o.out);
  const rulebook = rulebookPreset(o.rulebook, QUOTE_DECIMALS);
  if (rulebook === undefined) throw new CliError('bad_argument', `unknown rulebook "${o.rulebook}"; presets: ${presetNames().join(', ')}`);
  const started = process.hrtime.bigint();
  // The progress delay counts from here: reading the klines and building the population are part of the wait.
  const progress = startProgress({ label: 'opening positions, then replaying the crash', total: 0, stream: io.progressStream });
  const path: PricePath = (o.synthetic ? undefined : await realCrash()) ?? syntheticCrash();
  const t0 = CRASH_WINDOW.fromMs;
  const engine = Engine.create(
    { settlement: { asset: QUOTE_ASSET, decimals: QUOTE_DECIMALS }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) },
    rulebook,
  );
  const decimals = new Map(path.markets.map((m) => [m.id, m]));
  const events: EngineEvent[] = [];
  const apply = (cmd: Command): EngineEvent[] => {
    const out = engine.apply(cmd);
    for (const e of out) events.push(e);
    return out;
  };
  apply({ kind: 'insurance_deposit', tsMs: t0, amount: dec(INSURANCE_SEED, QUOTE_DECIMALS) });
  apply({ kind: 'deposit', tsMs: t0, account: MAKER, asset: QUOTE_ASSET, amount: dec('1000000000', QUOTE_DECIMALS) });
  const takeover = rulebook.liquidation.takeover;
  if (takeover.kind === 'backstop') apply({ kind: 'deposit', tsMs: t0, account: takeover.account, asset: QUOTE_ASSET, amount: dec(VAULT_SEED, QUOTE_DECIMALS) });
  for (const m of path.markets) {
    apply({ kind: 'set_market', tsMs: t0, market: altMarketSpec(m) });
    const first = path.points.find((p) => p.market === m.id);
    if (first !== undefined) apply({ kind: 'price', tsMs: t0, market: m.id, mark: price(first.priceAtoms) });
  }
  let opened = 0;
  let refused = 0;
  const population = populationCommands(path.markets, t0, { ...DEFAULT_POPULATION, accounts: o.accounts, seed: o.seed });
  progress.setTotal(population.length + path.points.length);
  let done = 0;
  for (const cmd of population) {
    const out = apply(cmd);
    progress.update(++done);
    if (cmd.kind !== 'fill') continue;
    if (out[0]?.kind === 'CommandRejected') refused++;
    else opened++;
  }
  // Some traders protect their positions: a position SL (the whole position, on the mark) halfway between the mark
  // and the position's liquidation price, on the market's tick (docs/conditional-orders.md).
  let stopsPlaced = 0;
  let stopsRefused = 0;
  const withStops = new Set<string>();
  if (o.stops !== false) {
    let trader = 0;
    for (const [id, account] of engine.state.accounts) {
      if (id === MAKER || id.startsWith('venue:') || account.positions.size === 0 || trader++ % STOP_EVERY !== 0) continue;
      for (const [market, position] of account.positions) {
        const spec = engine.market(market)?.spec;
        const mark = engine.market(market)?.markPrice ?? null;
        const liq = engine.thresholdPrice(id, market, 'liquidation');
        if (spec === undefined || mark === null || liq === null || position.size === 0n) continue;
        const halfway = position.size > 0n ? divRound(mark + liq, 2n * spec.tickSize, 'ceil') * spec.tickSize : divRound(mark + liq, 2n * spec.tickSize, 'floor') * spec.tickSize;
        const out = apply({ kind: 'place_conditional', tsMs: t0, account: id, market, id: `sl-${market}`, type: 'position_sl', trigger: price(halfway) });
        if (out[0]?.kind === 'CommandRejected') stopsRefused++;
        else {
          stopsPlaced++;
          withStops.add(id);
        }
      }
    }
  }
  events.length = 0; // report on the replay only

  const low = new Map<string, bigint>();
  const last = new Map<string, bigint>();
  for (const point of path.points) {
    const m = decimals.get(point.market) as CrashMarket;
    // The maker's quotes move with the price before the engine acts on it: liquidations meet today's book.
    for (const cmd of requote(m, point.priceAtoms, point.tsMs)) apply(cmd);
    apply({ kind: 'price', tsMs: point.tsMs, market: point.market, mark: price(point.priceAtoms) as Price });
    last.set(point.market, point.priceAtoms);
    if (point.priceAtoms < (low.get(point.market) ?? point.priceAtoms + 1n)) low.set(point.market, point.priceAtoms);
    progress.update(++done);
  }
  progress.stop();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

  const starts = events.filter((e): e is Ev<'LiquidationStarted'> => e.kind === 'LiquidationStarted');
  const fills = events.filter((e): e is Ev<'LiquidationFill'> => e.kind === 'LiquidationFill');
  const calls = events.filter((e) => e.kind === 'MarginCall');
  const bad = events.filter((e): e is Ev<'BadDebt'> => e.kind === 'BadDebt');
  const deferred = events.filter((e): e is Ev<'LiquidationDeferred'> => e.kind === 'LiquidationDeferred');
  const liquidatedAccounts = new Set(starts.map((e) => e.account));

  // The report, twice: `out` (text lines) and `report` (the same figures, machine-readable), filled side by side.
  const report: Record<string, unknown> = {};
  const out: string[] = [];
  out.push('Bailiff demo — a real crash day replayed against leveraged accounts, enforced by the engine');
  out.push(`prices   : ${path.source}`);
  out.push(`window   : ${new Date(CRASH_WINDOW.fromMs).toISOString()} to ${new Date(CRASH_WINDOW.toMs).toISOString()}, ${path.points.length} price updates`);
  out.push(`accounts : ${o.accounts} traders (seed ${o.seed}), ${opened} positions opened against the house, ${refused} refused for initial margin`);
  out.push(`rulebook : ${engine.rulebook.name} — breach when equity ${engine.rulebook.breachRule === 'below' ? '<' : '<='} maintenance; sizing ${engine.rulebook.liquidation.sizing.kind}; then ${engine.rulebook.liquidation.takeover.kind === 'backstop' ? `the vault ${engine.rulebook.liquidation.takeover.account}` : engine.rulebook.liquidation.takeover.kind === 'insurance_fund' ? 'the insurance fund takes over' : 'no takeover'}, deleverage ${engine.rulebook.liquidation.deleverage.kind}${engine.rulebook.liquidation.socialise ? ', losses socialised' : ''}`);
  out.push(`book     : a maker quotes 5 levels each side (0.3% to 6% away) after every price; insurance fund seeded with ${INSURANCE_SEED} USDT`);
  Object.assign(report, {
    prices: path.source,
    window: { from: new Date(CRASH_WINDOW.fromMs).toISOString(), to: new Date(CRASH_WINDOW.toMs).toISOString() },
    priceUpdates: path.points.length,
    accounts: o.accounts,
    seed: o.seed,
    positionsOpened: opened,
    positionsRefused: refused,
    rulebook: engine.rulebook.name,
    markets: [] as unknown[],
  });
  out.push('');
  out.push('market      start        low          end          fall to the low');
  for (const m of path.markets) {
    const d = m.priceDecimals;
    const start = path.points.find((p) => p.market === m.id)?.priceAtoms ?? 0n;
    const lo = low.get(m.id) ?? 0n;
    const move = start === 0n ? 0 : (Number(lo - start) / Number(start)) * 100;
    out.push(`${m.id.padEnd(11)} ${formatDecimal(start, d, d).padEnd(12)} ${formatDecimal(lo, d, d).padEnd(12)} ${formatDecimal(last.get(m.id) ?? 0n, d, d).padEnd(12)} ${move.toFixed(1)}%`);
    (report.markets as unknown[]).push({ market: m.id, start: formatDecimal(start, d), low: formatDecimal(lo, d), end: formatDecimal(last.get(m.id) ?? 0n, d), fallToLowPct: Number(move.toFixed(1)) });
  }
  // Stops: triggered (and placed, or refused), cancelled by a liquidation; saved = triggered, placed, never liquidated.
  const triggered = events.filter((e): e is Ev<'ConditionalTriggered'> => e.kind === 'ConditionalTriggered');
  const stopRefusals = events.filter((e) => e.kind === 'ConditionalRefused').length;
  const cancelledByLiquidation = events.filter((e) => e.kind === 'ConditionalCancelled' && e.reason === 'liquidation').length;
  const refusedKeys = new Set(events.flatMap((e) => (e.kind === 'ConditionalRefused' ? [`${e.account}#${e.market}`] : [])));
  const stoppedOut = new Set(triggered.filter((e) => !refusedKeys.has(`${e.account}#${e.market}`)).map((e) => e.account));
  const saved = [...stoppedOut].filter((a) => !liquidatedAccounts.has(a)).length;
  const liquidatedWithStops = [...withStops].filter((a) => liquidatedAccounts.has(a)).length;
  out.push('');
  out.push(
    `traders' stops     : ${stopsPlaced} position stop-losses placed (every ${STOP_EVERY}th trader, halfway to the liquidation price${stopsRefused > 0 ? `; ${stopsRefused} refused` : ''}); ` +
      `${triggered.length} triggered (${stopRefusals} refused when fired), ${cancelledByLiquidation} cancelled by a liquidation`,
  );
  out.push(`saved by a stop    : ${saved} traders stopped out and never liquidated; ${liquidatedWithStops} of the ${withStops.size} with stops were liquidated, ${liquidatedAccounts.size - liquidatedWithStops} of the others`);
  report.stops = { placed: stopsPlaced, refused: stopsRefused, triggered: triggered.length, refusedWhenFired: stopRefusals, cancelledByLiquidation, saved, tradersWithStops: withStops.size, liquidatedWithStops };
  out.push(`margin calls       : ${calls.length}`);
  out.push('');
  out.push('the loss waterfall, stage by stage:');
  out.push(`  1 size        ${String(starts.length).padStart(6)} steps on ${liquidatedAccounts.size} accounts`);
  const notionalOf = (market: string, sizeAtoms: bigint, px: bigint): bigint => {
    const m = decimals.get(market) as CrashMarket;
    return divRound((sizeAtoms < 0n ? -sizeAtoms : sizeAtoms) * px * 10n ** BigInt(QUOTE_DECIMALS), 10n ** BigInt(m.baseDecimals + m.priceDecimals), 'floor');
  };
  const byRoute = new Map<string, { n: number; notional: bigint }>();
  for (const f of fills) {
    const r = byRoute.get(f.route) ?? { n: 0, notional: 0n };
    byRoute.set(f.route, { n: r.n + 1, notional: r.notional + notionalOf(f.market, f.size, f.price) });
  }
  const route = (name: string): string => {
    const r = byRoute.get(name) ?? { n: 0, notional: 0n };
    return `${String(r.n).padStart(6)} fills, ${q(r.notional)} USDT`;
  };
  out.push(`  2 book        ${route('book')}`);
  const capped = events.filter((e): e is Ev<'TakeoverCapped'> => e.kind === 'TakeoverCapped');
  const cappedWhy = [...new Set(capped.map((c) => c.reason))].join(', ');
  const takeoverNote = capped.length === 0 ? '' : `; capped ${capped.length} times (${cappedWhy})`;
  if (takeover.kind === 'insurance_fund') out.push(`  3 takeover    ${route('insurance_fund')} taken over by the insurance fund${takeoverNote}`);
  else if (takeover.kind === 'backstop') out.push(`  3 takeover    ${route('backstop')} taken over by the vault ${takeover.account}${takeoverNote}`);
  else out.push('  3 takeover    none in this rulebook: what the book leaves waits for a retry');
  const unwound = events.filter((e): e is Ev<'FundUnwound'> => e.kind === 'FundUnwound');
  if (unwound.length > 0) {
    const pnl = unwound.reduce((t, u) => t + u.realisedPnl, 0n);
    const n = unwound.reduce((t, u) => t + notionalOf(u.market, u.sizeDelta, u.price), 0n);
    out.push(`    unwind      ${String(unwound.length).padStart(6)} fills, ${q(n)} USDT worked off on the book by the fund, realised ${pnl >= 0n ? '+' : ''}${q(pnl)} USDT`);
  }
  const method = rulebook.liquidation.deleverage.kind;
  out.push(method === 'none' ? '  4 deleverage  none in this rulebook' : `  4 ${method.padEnd(10)}  ${route(method)}, only for what the earlier stages left${rulebook.liquidation.deleverage.onlyBankrupt ? ', of ledgers below zero' : ''}`);
  out.push(`  5 deficit     ${bad.length} accounts, ${q(bad.reduce((t, e) => t + e.amount, 0n))} USDT (fund ${q(bad.reduce((t, e) => t + e.insurance, 0n))}, socialised ${q(bad.reduce((t, e) => t + e.socialised, 0n))}, written off ${q(bad.reduce((t, e) => t + e.writtenOff, 0n))})`);
  const fundPath = events.filter((e): e is Ev<'InsuranceFundChanged'> => e.kind === 'InsuranceFundChanged').map((e) => e.balance);
  const fundLow = fundPath.reduce((lo, v) => (v < lo ? v : lo), dec(INSURANCE_SEED, QUOTE_DECIMALS));
  const fundHeld = [...engine.state.fund.positions.values()].length;
  out.push(`insurance fund     : ${INSURANCE_SEED} -> ${q(engine.state.insuranceFund)} USDT (lowest ${q(fundLow)}${fundHeld > 0 ? `; still holding ${fundHeld} positions` : ''})`);
  if (deferred.length > 0) {
    const reasons = new Map<string, number>();
    for (const d of deferred) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
    out.push(`deferred           : ${deferred.length} (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}), each retried after ${rulebook.liquidation.retryAfterMs} ms or on new liquidity`);
  }
  const deficit = {
    accounts: bad.length,
    amount: q(bad.reduce((t, e) => t + e.amount, 0n)),
    fund: q(bad.reduce((t, e) => t + e.insurance, 0n)),
    socialised: q(bad.reduce((t, e) => t + e.socialised, 0n)),
    writtenOff: q(bad.reduce((t, e) => t + e.writtenOff, 0n)),
  };
  const routeJson = (name: string): { fills: number; notional: string } => {
    const r = byRoute.get(name) ?? { n: 0, notional: 0n };
    return { fills: r.n, notional: q(r.notional) };
  };
  Object.assign(report, {
    marginCalls: calls.length,
    liquidationSteps: starts.length,
    liquidatedAccounts: liquidatedAccounts.size,
    waterfall: {
      book: routeJson('book'),
      takeover:
        takeover.kind === 'none'
          ? null
          : { by: takeover.kind === 'backstop' ? takeover.account : 'insurance_fund', ...routeJson(takeover.kind === 'backstop' ? 'backstop' : 'insurance_fund'), capped: capped.length },
      unwind: {
        fills: unwound.length,
        notional: q(unwound.reduce((t, u) => t + notionalOf(u.market, u.sizeDelta, u.price), 0n)),
        realisedPnl: q(unwound.reduce((t, u) => t + u.realisedPnl, 0n)),
      },
      deleverage: method === 'none' ? null : { method, ...routeJson(method) },
      deficit,
    },
    closedBy: [...byRoute].map(([name, r]) => ({ route: name, fills: r.n, notional: q(r.notional) })),
    insuranceFund: { start: INSURANCE_SEED, end: q(engine.state.insuranceFund), lowest: q(fundLow), positionsHeld: fundHeld },
    deferred: { count: deferred.length, byReason: Object.fromEntries(deferred.reduce((m, d) => m.set(d.reason, (m.get(d.reason) ?? 0) + 1), new Map<string, number>())) },
  });
  out.push('');
  out.push('liquidations per 30 minutes (UTC):');
  // Every bucket of the window, in order, empty ones included, so quiet half-hours show as quiet.
  const buckets = new Map<number, number>();
  for (let t = Math.floor(CRASH_WINDOW.fromMs / BUCKET_MS) * BUCKET_MS; t < CRASH_WINDOW.toMs; t += BUCKET_MS) buckets.set(t, 0);
  for (const s of starts) {
    const k = Math.floor(s.tsMs / BUCKET_MS) * BUCKET_MS;
    buckets.set(k, (buckets.get(k) ?? 0) + 1);
  }
  const scale = Math.max(1, Math.ceil(Math.max(0, ...buckets.values()) / 50));
  for (const [k, n] of buckets) out.push(`  ${hhmm(k)}  ${'#'.repeat(Math.ceil(n / scale))} ${n}`);
  report.timeline = [...buckets].map(([k, n]) => ({ from: new Date(k).toISOString(), liquidations: n }));
  out.push('');
  out.push('the first liquidations, and why (equity at or below maintenance at the mark; closed no worse than the limit):');
  const first: unknown[] = [];
  for (const s of starts.slice(0, 12)) {
    const m = decimals.get(s.market) as CrashMarket;
    const d = m.priceDecimals;
    const fill = fills.find((f) => f.seq === s.seq && f.account === s.account && f.market === s.market);
    const how = fill === undefined ? 'not filled this step' : `${fill.route} at ${formatDecimal(fill.price, d)}`;
    first.push({
      at: new Date(s.tsMs).toISOString(),
      account: s.account,
      ledger: s.ledger,
      market: s.market,
      mark: formatDecimal(s.mark, d),
      equity: q(s.equity),
      maintenance: q(s.maintenance),
      closeSize: formatDecimal(s.closeSize, m.baseDecimals),
      bankruptcyPrice: formatDecimal(s.bankruptcyPrice, d),
      limitPrice: formatDecimal(s.limitPrice, d),
      fill: fill === undefined ? null : { route: fill.route, price: formatDecimal(fill.price, d) },
    });
    out.push(
      `  ${hhmm(s.tsMs)} ${s.account} ${s.ledger === 'cross' ? 'cross   ' : 'isolated'} ${s.market} mark ${formatDecimal(s.mark, d)}: equity ${q(s.equity)} <= maintenance ${q(s.maintenance)}; ` +
        `close ${formatDecimal(s.closeSize, m.baseDecimals)} (bankruptcy ${formatDecimal(s.bankruptcyPrice, d)}, limit ${formatDecimal(s.limitPrice, d)}), ${how}`,
    );
  }
  report.firstLiquidations = first;
  // MakerDAO Liquidations 2.0 on the same crash: vaults, Dutch auctions and sealed-bid batches (docs/auctions.md).
  const maker = runMakerAuctions(path);
  const pct = (bp: number): string => (bp / 100).toFixed(2);
  out.push('');
  out.push(`MakerDAO Liquidations 2.0 on ${maker.market} (docs/auctions.md): ${maker.vaults} vaults of ${maker.ilk}, liquidation ratio 150%, chop 13%, ilk hole 300,000 DAI`);
  out.push(`  barked       ${maker.barked.dutch} to Dutch auctions (1% every 90 s from the feed x 1.2), ${maker.barked.sealed} to sealed-bid batches (every 4th); ${maker.barked.partial} partial, ${maker.barked.limitHits} refused at the hole limit and retried`);
  out.push(`  sold         ${maker.takes} takes, ${maker.redos} redos, ${maker.sealedSettled} batches settled (${maker.sealedFallbacks} remainders sent to a Dutch auction); ${maker.stillInAuction} still in auction at the end`);
  out.push(`  DAI          tab ${maker.tab}, raised ${maker.raised}, uncovered ${maker.uncovered}; keeper incentives ${maker.keeperIncentives}; ${maker.returned} AVAX returned to vault owners`);
  out.push(`  sale price   Dutch ${pct(maker.discountBp.dutch)}% under the market on average, sealed-bid ${pct(maker.discountBp.sealed)}% (one uniform price; bids hidden until the commit window closed)`);
  out.push(`  feed outage  ${maker.outage.minutes} min from ${maker.outage.from.slice(11, 16)} UTC (the steepest minute): auction clocks stopped, ${maker.outage.takesRefused} takes refused, ${maker.outage.vaultMinutesWaiting} vault-minutes waiting for a price`);
  report.makerAuctions = maker;
  const ok = conservationReport(engine.state).every((r) => r.held === r.expected) && maker.conservationOk;
  out.push('');
  out.push(`every unit accounted for: ${ok ? 'yes' : 'NO'} (conservation check over all accounts, the fund and the pools; the Maker vat's DAI equation and collateral)`);
  out.push(`replayed ${engine.seq} commands in ${(elapsedMs / 1000).toFixed(1)} s`);
  Object.assign(report, { conservationOk: ok, commands: engine.seq, elapsedMs: Math.round(elapsedMs), exitCode: ok ? 0 : 1 });
  writeReport(o.json === true ? toJson(report) : `${out.join('\n')}\n`, o.out, io.stdout);
  if (!ok) io.stderr('finding: the conservation check failed: some units are not accounted for\n');
  return ok ? 0 : 1;
}
