// `bailiff demo` (what `npm start` runs until the service exists): the 2025-02-02 crash replayed against a few
// thousand leveraged accounts, reporting every account that fell below its maintenance requirement, when, at what
// price, and by how much.

import { Engine } from '../core/engine/engine.js';
import { evaluateAccount } from '../core/margin/evaluate.js';
import { isBreached } from '../core/margin/thresholds.js';
import { presetNames, rulebookPreset } from '../core/rulebooks/presets.js';
import { formatDecimal, ppm } from '../core/units/index.js';
import { CRASH_WINDOW, realCrash, syntheticCrash, type PricePath } from '../sim/crash.js';
import { altMarketSpec, DEFAULT_POPULATION, HOUSE, populationCommands, QUOTE_ASSET, QUOTE_DECIMALS } from '../sim/population.js';
import { CliError } from './errors.js';
import type { CliIo } from './program.js';

export interface DemoOptions {
  readonly accounts: number;
  readonly seed: number;
  readonly synthetic: boolean;
  readonly rulebook: string;
}

interface Breach {
  readonly tsMs: number;
  readonly account: string;
  readonly market: string;
  readonly mark: bigint;
  readonly ledger: string;
  readonly equity: bigint;
  readonly maintenance: bigint;
}

const q = (v: bigint): string => formatDecimal(v, QUOTE_DECIMALS, 2);
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

export async function runDemo(o: DemoOptions, io: CliIo): Promise<void> {
  const rulebook = rulebookPreset(o.rulebook, QUOTE_DECIMALS);
  if (rulebook === undefined) throw new CliError(`unknown rulebook "${o.rulebook}"; presets: ${presetNames().join(', ')}`, 2);
  const path: PricePath = (o.synthetic ? undefined : await realCrash()) ?? syntheticCrash();
  const t0 = CRASH_WINDOW.fromMs;
  const engine = Engine.create(
    { settlement: { asset: QUOTE_ASSET, decimals: QUOTE_DECIMALS }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) },
    rulebook,
  );
  const decimals = new Map(path.markets.map((m) => [m.id, m.priceDecimals]));
  for (const m of path.markets) {
    engine.apply({ kind: 'set_market', tsMs: t0, market: altMarketSpec(m) });
    const first = path.points.find((p) => p.market === m.id);
    if (first !== undefined) engine.apply({ kind: 'price', tsMs: t0, market: m.id, mark: first.priceAtoms as never });
  }
  let opened = 0;
  let refused = 0;
  for (const cmd of populationCommands(path.markets, t0, { ...DEFAULT_POPULATION, accounts: o.accounts, seed: o.seed })) {
    const events = engine.apply(cmd);
    if (cmd.kind !== 'fill') continue;
    if (events[0]?.kind === 'CommandRejected') refused++;
    else opened++;
  }

  // Who holds what, to re-check only the accounts a price move can touch.
  const holders = new Map<string, string[]>();
  for (const a of engine.state.accounts.values()) {
    if (a.id === HOUSE) continue;
    for (const market of a.positions.keys()) holders.set(market, [...(holders.get(market) ?? []), a.id]);
  }

  const breached = new Map<string, Breach>();
  const low = new Map<string, bigint>();
  const last = new Map<string, bigint>();
  const rule = engine.rulebook.breachRule;
  for (const point of path.points) {
    engine.apply({ kind: 'price', tsMs: point.tsMs, market: point.market, mark: point.priceAtoms as never });
    last.set(point.market, point.priceAtoms);
    if (point.priceAtoms < (low.get(point.market) ?? point.priceAtoms + 1n)) low.set(point.market, point.priceAtoms);
    for (const id of holders.get(point.market) ?? []) {
      if (breached.has(id)) continue;
      const account = engine.account(id);
      if (account === undefined) continue;
      const ev = evaluateAccount(engine.state, account);
      if (!ev.priced) continue;
      const ledgers = [{ name: 'cross', equity: ev.cross.equity, maintenance: ev.cross.maintenance }, ...ev.isolated.map((f) => ({ name: `isolated ${f.market}`, equity: f.equity, maintenance: f.maintenance }))];
      const hit = ledgers.find((l) => isBreached(l.equity, l.maintenance, rule));
      if (hit !== undefined) {
        breached.set(id, { tsMs: point.tsMs, account: id, market: point.market, mark: point.priceAtoms, ledger: hit.name, equity: hit.equity, maintenance: hit.maintenance });
      }
    }
  }

  const out: string[] = [];
  out.push('Bailiff demo — a real crash day replayed against leveraged accounts');
  out.push(`prices   : ${path.source}`);
  out.push(`window   : ${new Date(CRASH_WINDOW.fromMs).toISOString()} to ${new Date(CRASH_WINDOW.toMs).toISOString()}, ${path.points.length} price updates`);
  out.push(`accounts : ${o.accounts} traders (seed ${o.seed}), ${opened} positions opened against the house, ${refused} refused for initial margin`);
  out.push(`rulebook : ${engine.rulebook.name} (breach when equity ${rule === 'below' ? '<' : '<='} maintenance)`);
  out.push('');
  out.push('market      start        low          end          move');
  for (const m of path.markets) {
    const d = decimals.get(m.id) ?? 0;
    const start = path.points.find((p) => p.market === m.id)?.priceAtoms ?? 0n;
    const lo = low.get(m.id) ?? 0n;
    const end = last.get(m.id) ?? 0n;
    const move = start === 0n ? 0 : (Number(lo - start) / Number(start)) * 100;
    out.push(`${m.id.padEnd(11)} ${formatDecimal(start, d, d).padEnd(12)} ${formatDecimal(lo, d, d).padEnd(12)} ${formatDecimal(end, d, d).padEnd(12)} ${move.toFixed(1)}% at the low`);
  }
  out.push('');
  const list = [...breached.values()].sort((a, b) => a.tsMs - b.tsMs || a.account.localeCompare(b.account));
  out.push(`${list.length} of ${o.accounts} accounts fell below maintenance margin:`);
  const buckets = new Map<string, number>();
  for (const b of list) {
    const bucket = hhmm(Math.floor(b.tsMs / 1_800_000) * 1_800_000);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  for (const [bucket, n] of buckets) out.push(`  ${bucket} UTC  ${'#'.repeat(Math.ceil(n / Math.max(1, Math.ceil(list.length / 60))))} ${n}`);
  out.push('');
  out.push('first breaches, and why (equity at or below the maintenance requirement at that mark):');
  for (const b of list.slice(0, 12)) {
    const d = decimals.get(b.market) ?? 0;
    out.push(`  ${hhmm(b.tsMs)}  ${b.account}  ${b.ledger.padEnd(17)} ${b.market} mark ${formatDecimal(b.mark, d)}: equity ${q(b.equity)} <= maintenance ${q(b.maintenance)} USDT`);
  }
  const negative = list.filter((b) => engine.evaluate(b.account)?.priced === true && (engine.evaluate(b.account) as { cross: { equity: bigint } }).cross.equity < 0n).length;
  out.push('');
  out.push(`without enforcement, ${negative} of them end the window with negative equity (bad debt the venue would carry).`);
  out.push('Liquidation (sizing, routes, insurance fund, ADL) is the enforcement pipeline; see README "Status".');
  io.stdout(`${out.join('\n')}\n`);
}
