// The breach index on the synthetic world of world.ts (1M accounts, 10 markets): build time, then a seeded random
// walk of price ticks applied to the market state the index reads, each followed by onPrice. Reports throughput
// of ticks that cross no threshold, latency percentiles over all ticks (including those that breach), rechecks and
// false alarms, and the same question answered without the index on a sample (baseline.ts: float screen of the
// market's holders + exact confirmation, the ratios' baseline; the exact full scan as a slower reference). Two walks on the same world:
//   A. nothing is enforced: a ledger in breach stays open, so as the price wanders back and forth the same ledgers
//      breach and recover again and again (every flip is a recheck: a worst case for the index);
//   B. enforced: a ledger reported in breach is closed at once (untimed; its reindex is what the engine adds), as the
//      engine's liquidation does, so a tick only meets the ledgers at the price's new extremes.
// Ends with a full exact scan to confirm the index's breached set.

import type { EngineState } from '../src/core/engine/state.js';
import { price } from '../src/core/units/index.js';
import { BreachIndex, scanAccounts, type LedgerRef } from '../src/core/triggers/index.js';
import { describeScans, exactWithCheck, honestScan } from './baseline.js';
import { elapsedMs, type BenchReport } from './report.js';
import { buildWorld, rng } from './world.js';

export interface BreachBenchOptions {
  readonly accounts: number;
  readonly markets?: number;
  /** Ticks per walk. */
  readonly ticks?: number;
  /** Ticks also answered by a full scan, for the ratio. */
  readonly scanTicks?: number;
  readonly seed?: number;
}

const GiB = 2 ** 30;
/** A tick moves the price by up to this share, and one tick in BIG_EVERY by up to BIG_MOVE. */
const SMALL_MOVE = 0.0005;
const BIG_MOVE = 0.01;
const BIG_SHARE = 0.01;

interface WalkResult {
  readonly latencyUs: Float64Array;
  readonly rechecks: Uint32Array;
  readonly big: Uint8Array;
  readonly newBreaches: number;
  readonly recoveries: number;
  readonly rechecksTotal: number;
  readonly falseAlarms: number;
  readonly closed: number;
  readonly closeMs: number;
}

/** Closes a ledger found in breach, as a liquidation would (positions gone, a negative balance written off). */
function close(state: EngineState, ref: LedgerRef): void {
  const a = state.accounts.get(ref.account);
  if (a === undefined) return;
  if (ref.market !== null) a.positions.delete(ref.market);
  else for (const [m, p] of a.positions) if (p.isolatedMargin === null) a.positions.delete(m);
  if ((a.balances.get('USDC') ?? 0n) < 0n) a.balances.set('USDC', 0n);
}

function walk(state: EngineState, index: BreachIndex, ids: readonly string[], ticks: number, seed: number, enforce: boolean): WalkResult {
  const rand = rng(seed);
  const latencyUs = new Float64Array(ticks);
  const rechecks = new Uint32Array(ticks);
  const big = new Uint8Array(ticks);
  let newBreaches = 0;
  let closed = 0;
  let closeMs = 0;
  const before = index.stats();
  for (let t = 0; t < ticks; t++) {
    const id = ids[Math.floor(rand() * ids.length)] as string;
    const m = state.markets.get(id);
    if (m === undefined || m.markPrice === null) continue;
    const isBig = rand() < BIG_SHARE;
    big[t] = isBig ? 1 : 0;
    const move = (rand() * 2 - 1) * (isBig ? BIG_MOVE : SMALL_MOVE);
    const next = price(BigInt(Math.max(1, Math.round(Number(m.markPrice) * (1 + move)))));
    m.markPrice = next;
    m.indexPrice = next;
    const r0 = index.recheckCount;
    const s = process.hrtime.bigint();
    const found = index.onPrice(id);
    latencyUs[t] = Number(process.hrtime.bigint() - s) / 1e3;
    rechecks[t] = index.recheckCount - r0;
    for (const b of found) if (b.newly) newBreaches++;
    if (enforce && found.length > 0) {
      const c = process.hrtime.bigint();
      for (const b of found) {
        close(state, b);
        index.reindex(b.account);
        closed++;
      }
      closeMs += elapsedMs(c);
    }
  }
  const after = index.stats();
  return {
    latencyUs,
    rechecks,
    big,
    newBreaches,
    recoveries: after.recoveries - before.recoveries,
    rechecksTotal: after.rechecks - before.rechecks,
    falseAlarms: after.falseAlarms - before.falseAlarms,
    closed,
    closeMs,
  };
}

const sum = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
};
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const pct = (xs: readonly number[], p: number): number => (xs.length === 0 ? 0 : (xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] as number));
const fmt = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`);
const rate = (n: number, us: number): string => (us <= 0 ? '-' : `${((n / us) * 1e3).toFixed(0)} k/s`);
const count = (n: number): string => n.toLocaleString('en');

function describeWalk(label: string, r: WalkResult, scanMeanUs: number): string[] {
  const n = r.latencyUs.length;
  const all: number[] = [];
  const quiet: number[] = [];
  const busy: number[] = [];
  const small: number[] = [];
  const bigs: number[] = [];
  for (let t = 0; t < n; t++) {
    const us = r.latencyUs[t] as number;
    all.push(us);
    ((r.rechecks[t] as number) === 0 ? quiet : busy).push(us);
    ((r.big[t] as number) === 0 ? small : bigs).push(us);
  }
  const [a, q, b, s, g] = [all, quiet, busy, small, bigs].map(sorted) as [number[], number[], number[], number[], number[]];
  const mean = sum(a) / Math.max(1, n);
  let maxRechecks = 0;
  for (let t = 0; t < n; t++) maxRechecks = Math.max(maxRechecks, r.rechecks[t] as number);
  return [
    `${label}`,
    `  ticks crossing nothing : ${count(q.length)} (${((q.length / n) * 100).toFixed(1)}%): ${rate(q.length, sum(q))}, p50 ${fmt(pct(q, 0.5))}, p99 ${fmt(pct(q, 0.99))}, max ${fmt(pct(q, 1))}`,
    `  ticks with rechecks    : ${count(b.length)}: p50 ${fmt(pct(b, 0.5))}, p99 ${fmt(pct(b, 0.99))}, max ${fmt(pct(b, 1))}; up to ${count(maxRechecks)} rechecks in one tick`,
    `  small-move ticks       : ${count(s.length)}: p50 ${fmt(pct(s, 0.5))}, p99 ${fmt(pct(s, 0.99))}, max ${fmt(pct(s, 1))}`,
    `  big-move ticks (<= 1%) : ${count(g.length)}: p50 ${fmt(pct(g, 0.5))}, p99 ${fmt(pct(g, 0.99))}, max ${fmt(pct(g, 1))}`,
    `  all ticks              : ${rate(n, sum(a))}, mean ${fmt(mean)}, p50 ${fmt(pct(a, 0.5))}, p99 ${fmt(pct(a, 0.99))}, max ${fmt(pct(a, 1))}`,
    `  rechecks ${count(r.rechecksTotal)} (${(r.rechecksTotal / n).toFixed(2)} per tick, ${fmt(sum(a) / Math.max(1, r.rechecksTotal))} each): ${count(r.newBreaches)} new breaches, ` +
      `${count(r.recoveries)} left breach (recovered, or closed in B), ${count(r.falseAlarms)} false alarms (${((r.falseAlarms / Math.max(1, r.rechecksTotal)) * 100).toFixed(1)}% of rechecks)`,
    ...(r.closed > 0 ? [`  closed ${count(r.closed)} ledgers on breach (untimed above: ${r.closeMs.toFixed(0)} ms incl. their reindex)`] : []),
    `  ratio to honest scan  : ${(scanMeanUs / mean).toFixed(0)}x at the mean tick, ${(scanMeanUs / pct(a, 0.99)).toFixed(0)}x at the index's p99`,
  ];
}

export function benchBreach(o: BreachBenchOptions): BenchReport {
  const markets = o.markets ?? 10;
  const ticks = o.ticks ?? 50_000;
  const scanTicks = o.scanTicks ?? 20;
  const seed = o.seed ?? 42;

  const t0 = process.hrtime.bigint();
  const engine = buildWorld({ accounts: o.accounts, markets, seed });
  const worldMs = elapsedMs(t0);
  // The bench drives the world's state directly (prices, and closing ledgers in walk B), outside the engine.
  const state = engine.state as EngineState;
  const rssWorld = process.memoryUsage().rss;

  // Build: every account evaluated exactly once and armed.
  const t1 = process.hrtime.bigint();
  const index = new BreachIndex({ view: state, account: (id) => state.accounts.get(id), rule: () => state.rulebook.breachRule });
  let breachedAtStart = 0;
  for (const id of state.accounts.keys()) breachedAtStart += index.reindex(id).length;
  const buildMs = elapsedMs(t1);
  const built = index.stats();
  const rssBuilt = process.memoryUsage().rss;
  const heapBuilt = process.memoryUsage().heapUsed;

  const ids = [...state.markets.keys()];
  const a = walk(state, index, ids, ticks, seed + 1, false);

  // Without the index, a tick needs a scan of the market's holders: the honest baseline (float screen + exact
  // confirmation of what it flags) sets the ratios; the exact bigint scan is printed as a slower reference.
  const sampled = Array.from({ length: scanTicks }, (_, k) => ids[k % ids.length] as string);
  const honest = honestScan(state, sampled);
  const exact = exactWithCheck(state, sampled.slice(0, Math.min(5, scanTicks)));
  const scanMeanUs = honest.meanMs * 1000;

  // Walk B: first close what walk A left in breach (as the engine would have), then walk with enforcement.
  let preClosed = 0;
  for (const ref of index.breached()) {
    close(state, ref);
    index.reindex(ref.account);
    preClosed++;
  }
  const b = walk(state, index, ids, ticks, seed + 2, true);

  // Confirmation: the index's breached set equals an exact scan of every account.
  const t2 = process.hrtime.bigint();
  const key = (x: LedgerRef): string => `${x.account}/${x.market ?? ''}`;
  const truth = new Set(scanAccounts(state, state.accounts.values(), state.rulebook.breachRule).map(key));
  const held = new Set(index.breached().map(key));
  const agree = truth.size === held.size && [...truth].every((k) => held.has(k));
  const verifyMs = elapsedMs(t2);

  return {
    name: `breach index, ${count(o.accounts)} accounts x ${markets} markets, 2 walks of ${count(ticks)} ticks`,
    lines: [
      `world from a snapshot in ${worldMs.toFixed(0)} ms; rss ${(rssWorld / GiB).toFixed(2)} GiB`,
      `index built in ${buildMs.toFixed(0)} ms (${(o.accounts / buildMs).toFixed(0)} k accounts/s): ${count(built.ledgers)} ledgers, ${count(built.entries)} entries, ` +
        `${count(built.armedKeys)} armed thresholds, ${breachedAtStart} in breach; rss ${(rssBuilt / GiB).toFixed(2)} GiB, heap ${(heapBuilt / GiB).toFixed(2)} GiB`,
      ...describeScans(honest, exact),
      `walks: +-${SMALL_MOVE * 100}% per tick, ${BIG_SHARE * 100}% of ticks up to +-${BIG_MOVE * 100}%, mark = index, a random market each tick`,
      ...describeWalk(`A. nothing enforced (ledgers in breach stay open and flip back and forth), seed ${seed + 1}`, a, scanMeanUs),
      ...describeWalk(`B. enforced (ledgers closed on breach; ${count(preClosed)} left by A closed first), seed ${seed + 2}`, b, scanMeanUs),
      `verification: breached set ${agree ? 'equals' : 'DIFFERS FROM'} an exact scan of all accounts (${count(truth.size)} ledgers, ${verifyMs.toFixed(0)} ms)`,
    ],
  };
}
