// Price paths for demos and simulations: the real 2025-02-02/03 crash from Binance kline dumps when the shared data
// is present, else a synthetic crash of the same shape (documented, seeded), so a fresh machine still runs.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readKlineFile } from '../feeds/kline.js';
import { toPriceAtoms } from '../feeds/scaled.js';
import { sharedDataDir } from '../feeds/shared-data.js';
import type { FeedIssue } from '../feeds/types.js';
import { seededRandom } from './random.js';

export interface CrashMarket {
  /** Market id in the engine, e.g. "AVAXUSDT". */
  readonly id: string;
  readonly priceDecimals: number;
  readonly baseDecimals: number;
  /** Price at the start, as a decimal string. */
  readonly start: string;
}

/** One price observation: market, time, price in the market's price atoms. */
export interface PricePoint {
  readonly market: string;
  readonly tsMs: number;
  readonly priceAtoms: bigint;
}

export interface PricePath {
  readonly source: string;
  readonly markets: readonly CrashMarket[];
  readonly points: readonly PricePoint[];
}

/** The four markets of ../shared/data/klines, with their Binance price precision. */
export const CRASH_MARKETS: readonly CrashMarket[] = [
  { id: 'ALGOUSDT', priceDecimals: 4, baseDecimals: 1, start: '0.3110' },
  { id: 'AVAXUSDT', priceDecimals: 4, baseDecimals: 0, start: '28.6320' },
  { id: 'FILUSDT', priceDecimals: 4, baseDecimals: 1, start: '3.7890' },
  { id: 'NEARUSDT', priceDecimals: 4, baseDecimals: 0, start: '3.8130' },
];

/** 2025-02-02 20:00 UTC to 2025-02-03 06:00 UTC: the crash (22:14 to 02:08) with two hours either side. */
export const CRASH_WINDOW = { fromMs: Date.UTC(2025, 1, 2, 20, 0), toMs: Date.UTC(2025, 1, 3, 6, 0) };

/** Reads the real crash from the kline files (one close per minute per market), or returns undefined. */
export async function realCrash(dataDir = sharedDataDir()): Promise<PricePath | undefined> {
  const files = CRASH_MARKETS.map((m) => join(dataDir, 'klines', `${m.id}-1m-2025-02.csv`));
  if (!files.every((f) => existsSync(f))) return undefined;
  const points: PricePoint[] = [];
  const issues: FeedIssue[] = [];
  const markets: CrashMarket[] = [];
  for (const [i, m] of CRASH_MARKETS.entries()) {
    let first: string | undefined;
    for await (const q of readKlineFile(files[i] as string, { symbol: m.id, source: m.id, mode: 'close', onIssue: (x) => issues.push(x), ...CRASH_WINDOW })) {
      const converted = toPriceAtoms(q.price, m.priceDecimals, 'half_even');
      if (!converted.ok) throw new Error(`kline replay: ${m.id} at ${q.publishTimeMs}: ${converted.error}`);
      const atoms: bigint = converted.value;
      first ??= formatAtoms(atoms, m.priceDecimals);
      points.push({ market: m.id, tsMs: q.publishTimeMs, priceAtoms: atoms });
    }
    markets.push({ ...m, start: first ?? m.start });
  }
  if (issues.length > 0) throw new Error(`kline replay: ${issues.length} issues, first: ${issues[0]?.message}`);
  points.sort((a, b) => a.tsMs - b.tsMs || a.market.localeCompare(b.market));
  return { source: `Binance USD-M 1m klines, ${dataDir}`, markets, points };
}

/**
 * A synthetic crash with the real one's shape: two quiet hours, a fall of 25-31% over four hours with a sharp
 * first hour, a partial rebound; one close per minute; seeded, so every run is the same.
 */
export function syntheticCrash(seed = 20250202): PricePath {
  const rand = seededRandom(seed);
  const falls = [0.291, 0.251, 0.311, 0.29];
  const points: PricePoint[] = [];
  const minutes = (CRASH_WINDOW.toMs - CRASH_WINDOW.fromMs) / 60_000;
  CRASH_MARKETS.forEach((m, i) => {
    const start = Number(m.start);
    const fall = falls[i] ?? 0.25;
    let noise = 0;
    for (let k = 0; k < minutes; k++) {
      const t = k - 134; // the fall starts at 22:14
      let level = 1;
      if (t > 0 && t <= 234) level = 1 - fall * (1 - Math.exp(-t / 45)) / (1 - Math.exp(-234 / 45));
      else if (t > 234) level = 1 - fall * (1 - 0.35 * Math.min(1, (t - 234) / 200));
      noise = 0.9 * noise + (rand() - 0.5) * 0.004;
      const px = start * level * (1 + noise);
      points.push({ market: m.id, tsMs: CRASH_WINDOW.fromMs + (k + 1) * 60_000 - 1, priceAtoms: BigInt(Math.round(px * 10 ** m.priceDecimals)) });
    }
  });
  points.sort((a, b) => a.tsMs - b.tsMs || a.market.localeCompare(b.market));
  return { source: `synthetic crash (seed ${seed})`, markets: CRASH_MARKETS, points };
}

function formatAtoms(atoms: bigint, decimals: number): string {
  const s = atoms.toString().padStart(decimals + 1, '0');
  return `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}
