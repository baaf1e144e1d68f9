// The trigger index of traders' conditional orders (core/triggers/conditional-index.ts) against the full scan of
// every order of the ticked lane (ConditionalScan), in the same process, on the same orders and the same ticks:
// 1M resting conditional orders over 10 markets (BAILIFF_BENCH_CONDITIONALS), a quiet walk (BAILIFF_BENCH_TRIGGER_TICKS
// ticks that fire nothing), then a 5% crash tick on one market that fires tens of thousands. The index and the scan
// must fire the same orders in the same order on every tick (checked).
//
// Orders per market (triggers at 0.5% to 10% from the price, uniformly): 40% sell stops and 10% buy take-profits
// below the price (fixed, DOWN), 20% buy stops and 10% sell take-profits above it (fixed, UP), 10% trailing sells
// and 10% trailing buys (half by amount, half by ratio). The quiet walk stays within +-0.2% of the start, so it fires
// nothing, while every trailing anchor follows it. Last, quiet ticks of the index alone (no scan in between).

import { ConditionalIndex, ConditionalScan, type FiredTrigger, type TriggerDirection, type TriggerRule } from '../src/core/triggers/conditional-index.js';
import { elapsedMs, heapAtRestGiB, type BenchReport } from './report.js';
import { rng } from './world.js';

const MARKETS = 10;
const NEAR = 0.005;
const FAR = 0.1;
const BAND = 0.002;
const CRASH = 0.05;

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function sameFired(a: readonly FiredTrigger[], b: readonly FiredTrigger[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] as FiredTrigger).handle !== (b[i] as FiredTrigger).handle || (a[i] as FiredTrigger).trigger !== (b[i] as FiredTrigger).trigger) return false;
  return true;
}

export function benchTriggers(orders: number, ticks: number, seed = 20): BenchReport {
  const rand = rng(seed);
  const ix = new ConditionalIndex();
  const scan = new ConditionalScan();
  const start: bigint[] = [];
  const priceOf: bigint[] = [];
  for (let m = 0; m < MARKETS; m++) {
    const p = BigInt(1_000_000 + Math.floor(rand() * 9_000_000)); // 10,000.00 to 100,000.00 in cents
    start.push(p);
    priceOf.push(p);
  }
  const lane = (m: number): string => `M${m}|mark`;
  const at = (p: bigint, share: number): bigint => BigInt(Math.round(Number(p) * (1 + share)));

  // Build: every order armed in both (the index's build is timed).
  const specs: { lane: string; direction: TriggerDirection; rule: TriggerRule; best: bigint }[] = [];
  for (let i = 0; i < orders; i++) {
    const m = i % MARKETS;
    const p = start[m] as bigint;
    const d = NEAR + rand() * (FAR - NEAR);
    const r = rand();
    let direction: TriggerDirection;
    let rule: TriggerRule;
    if (r < 0.5) [direction, rule] = ['down', { kind: 'fixed', trigger: at(p, -d) }];
    else if (r < 0.8) [direction, rule] = ['up', { kind: 'fixed', trigger: at(p, d) }];
    else {
      direction = r < 0.9 ? 'down' : 'up';
      rule = rand() < 0.5 ? { kind: 'trail_amount', offset: BigInt(Math.round(Number(p) * d)) } : { kind: 'trail_ratio', ratioPpm: BigInt(Math.round(d * 1e6)) };
    }
    specs.push({ lane: lane(m), direction, rule, best: p });
  }
  let t0 = process.hrtime.bigint();
  specs.forEach((s, i) => ix.arm(i, s.lane, s.direction, s.rule, i, s.best));
  const buildMs = elapsedMs(t0);
  specs.forEach((s, i) => scan.arm(i, s.lane, s.direction, s.rule, i, s.best));
  specs.length = 0;
  const heap = heapAtRestGiB();

  // The quiet walk: each tick on a random market, a move of up to 0.05%, kept within +-BAND of its start.
  const indexUs = new Float64Array(ticks);
  const scanUs = new Float64Array(ticks);
  let mismatches = 0;
  let firedQuiet = 0;
  for (let k = 0; k < ticks; k++) {
    const m = Math.floor(rand() * MARKETS);
    const s0 = Number(start[m]);
    const next = Math.min(s0 * (1 + BAND), Math.max(s0 * (1 - BAND), Number(priceOf[m]) * (1 + (rand() - 0.5) * 0.001)));
    const p = BigInt(Math.round(next));
    priceOf[m] = p;
    t0 = process.hrtime.bigint();
    const a = ix.onPrice(lane(m), p);
    indexUs[k] = elapsedMs(t0) * 1000;
    t0 = process.hrtime.bigint();
    const b = scan.onPrice(lane(m), p);
    scanUs[k] = elapsedMs(t0) * 1000;
    firedQuiet += a.length;
    if (!sameFired(a, b)) mismatches++;
  }
  const mean = (xs: Float64Array): number => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
  const iSorted = Float64Array.from(indexUs).sort();
  const sSorted = Float64Array.from(scanUs).sort();

  // The crash: market 0 falls 5% in one tick.
  const crash = at(priceOf[0] as bigint, -CRASH);
  t0 = process.hrtime.bigint();
  const fired = ix.onPrice(lane(0), crash);
  const crashIndexMs = elapsedMs(t0);
  t0 = process.hrtime.bigint();
  const firedScan = scan.onPrice(lane(0), crash);
  const crashScanMs = elapsedMs(t0);
  if (!sameFired(fired, firedScan)) mismatches++;
  // The next quiet tick after the crash (a small bounce), both.
  const bounce = at(crash, 0.0005);
  t0 = process.hrtime.bigint();
  const after = ix.onPrice(lane(0), bounce);
  const afterUs = elapsedMs(t0) * 1000;
  if (!sameFired(after, scan.onPrice(lane(0), bounce))) mismatches++;
  ix.checkInvariants();

  // The index alone (no scan between its ticks to evict its memory): quiet ticks on the other markets.
  const aloneTicks = ticks * 20;
  const aloneUs = new Float64Array(aloneTicks);
  for (let k = 0; k < aloneTicks; k++) {
    const m = 1 + Math.floor(rand() * (MARKETS - 1));
    const s0 = Number(start[m]);
    const p = BigInt(Math.round(Math.min(s0 * (1 + BAND), Math.max(s0 * (1 - BAND), Number(priceOf[m]) * (1 + (rand() - 0.5) * 0.001)))));
    priceOf[m] = p;
    t0 = process.hrtime.bigint();
    if (ix.onPrice(lane(m), p).length > 0) mismatches++; // the band fires nothing
    aloneUs[k] = elapsedMs(t0) * 1000;
  }
  const aSorted = Float64Array.from(aloneUs).sort();

  const perLane = Math.round(orders / MARKETS).toLocaleString('en');
  return {
    name: `conditional-order trigger index (${orders.toLocaleString('en')} orders, ${MARKETS} markets, ${ticks.toLocaleString('en')} quiet ticks)`,
    lines: [
      `build: ${(buildMs / 1000).toFixed(2)} s (${Math.round(orders / (buildMs / 1000)).toLocaleString('en')} orders/s); heap at rest ${heap} (index and scan)`,
      `quiet ticks (fired ${firedQuiet}): index mean ${mean(indexUs).toFixed(2)} us, p50 ${percentile(iSorted, 0.5).toFixed(2)} us, p99 ${percentile(iSorted, 0.99).toFixed(2)} us, max ${(iSorted[iSorted.length - 1] ?? 0).toFixed(1)} us`,
      `quiet ticks, full scan of the ticked market's ${perLane} orders: mean ${(mean(scanUs) / 1000).toFixed(2)} ms, p99 ${(percentile(sSorted, 0.99) / 1000).toFixed(2)} ms`,
      `quiet tick ratio (scan mean / index mean): ${Math.round(mean(scanUs) / mean(indexUs)).toLocaleString('en')}x`,
      `quiet ticks, the index alone (${aloneTicks.toLocaleString('en')}): mean ${mean(aloneUs).toFixed(2)} us, p50 ${percentile(aSorted, 0.5).toFixed(2)} us, p99 ${percentile(aSorted, 0.99).toFixed(2)} us; ratio to the scan mean ${Math.round(mean(scanUs) / mean(aloneUs)).toLocaleString('en')}x`,
      `5% crash tick on one market: fired ${fired.length.toLocaleString('en')}; index ${crashIndexMs.toFixed(1)} ms (${((crashIndexMs * 1000) / Math.max(1, fired.length)).toFixed(2)} us per fired order), full scan ${crashScanMs.toFixed(1)} ms, ratio ${(crashScanMs / crashIndexMs).toFixed(1)}x`,
      `next tick after the crash: index ${afterUs.toFixed(1)} us`,
      `index and scan fired the same orders in the same order on every tick: ${mismatches === 0 ? 'yes' : `NO (${mismatches} ticks differ)`}`,
    ],
  };
}
