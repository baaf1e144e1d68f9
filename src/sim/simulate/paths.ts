// Reference price paths, one value per step (docs/simulate.md "Price paths"): the external price arbitrageurs pull the
// venue's traded price towards. Values are price atoms of the market as floats (synthetic paths are continuous; the
// simulator rounds to the tick when it sends a price to the engine). Seeded: the same seed, the same path.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileErrorReason } from '../../errors.js';
import { parseKlineCsv } from '../../feeds/kline.js';
import { toPriceAtoms } from '../../feeds/scaled.js';
import { timeMs } from '../../wire/decode.js';
import { decimalAtoms } from '../../wire/decode.js';
import { seededRandom } from '../random.js';
import { SimConfigError, type PricePathConfig, type SimMarketConfig } from './types.js';

const MS_PER_YEAR = 365 * 86_400_000;

/** Standard normal draws from a uniform source (Box-Muller; the second value of each pair is kept for the next call). */
export function normalSource(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = rand();
    while (u <= 1e-300) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A kline replay's closes (or OHLC walk) as [time, atoms] points, sorted by time. */
export function klinePoints(m: SimMarketConfig, path: Extract<PricePathConfig, { kind: 'klines' }>, at: string, baseDir: string): { tMs: number; atoms: number }[] {
  const file = resolve(baseDir, path.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SimConfigError(`${at}.file`, `cannot read ${file}: ${fileErrorReason(e, 'read')}`);
  }
  const symbol = path.symbol ?? m.id;
  const { quotes, issues } = parseKlineCsv(text, { symbol, source: file, mode: path.mode === 'ohlc' ? 'path' : 'close' });
  if (issues.length > 0) throw new SimConfigError(`${at}.file`, `${issues.length} bad rows in ${file}, first: ${issues[0]?.message}`);
  const from = path.from === undefined ? -Infinity : timeMs(path.from, `${at}.from`);
  const to = path.to === undefined ? Infinity : timeMs(path.to, `${at}.to`);
  const out: { tMs: number; atoms: number }[] = [];
  for (const q of quotes) {
    if (q.closeTimeMs < from || q.closeTimeMs > to) continue;
    const r = toPriceAtoms(q.price, m.priceDecimals, 'half_even');
    if (!r.ok) throw new SimConfigError(`${at}.file`, `${file}: ${r.error}`);
    out.push({ tMs: q.publishTimeMs, atoms: Number(r.value) });
  }
  if (out.length === 0) throw new SimConfigError(`${at}.file`, `no klines in ${file}${path.from !== undefined || path.to !== undefined ? ' between from and to' : ''}`);
  out.sort((a, b) => a.tMs - b.tMs);
  return out;
}

/** Steps a kline replay spans at `stepMs` (its first point is step 0). */
export function klineSteps(points: readonly { tMs: number }[], stepMs: number): number {
  const first = points[0]?.tMs ?? 0;
  const last = points[points.length - 1]?.tMs ?? first;
  return Math.max(1, Math.floor((last - first) / stepMs));
}


/**
 * The reference path of one market: steps + 1 values (index 0 is the start). `seed` is the market's own (derived
 * from the run's seed and the market's position), so adding a market does not change the others' paths.
 */
export function referencePath(m: SimMarketConfig, at: string, steps: number, stepMs: number, seed: number, klines?: readonly { tMs: number; atoms: number }[]): Float64Array {
  const out = new Float64Array(steps + 1);
  const p = m.path;
  const start = Number(decimalAtoms(m.start, m.priceDecimals, `${at}.start`));
  if (!(start > 0)) throw new SimConfigError(`${at}.start`, 'must be positive');
  const rand = seededRandom(seed);
  const normal = normalSource(rand);
  const dtYears = stepMs / MS_PER_YEAR;
  switch (p.kind) {
    case 'constant':
      out.fill(start);
      return out;
    case 'klines': {
      const pts = klines ?? [];
      const t0 = pts[0]?.tMs ?? 0;
      let j = 0;
      for (let k = 0; k <= steps; k++) {
        const t = t0 + k * stepMs;
        while (j + 1 < pts.length && (pts[j + 1] as { tMs: number }).tMs <= t) j++;
        out[k] = (pts[j] as { atoms: number }).atoms; // held until the next point (a replay past its end holds the last)
      }
      return out;
    }
    case 'gbm': {
      // Merton jump diffusion, exact GBM step in log space.
      let logS = Math.log(start);
      out[0] = start;
      const mu = (p.drift - (p.volatility * p.volatility) / 2) * dtYears;
      const sd = p.volatility * Math.sqrt(dtYears);
      const jumpP = p.jumps === undefined ? 0 : p.jumps.perDay * (stepMs / 86_400_000);
      for (let k = 1; k <= steps; k++) {
        logS += mu + sd * normal();
        if (p.jumps !== undefined && rand() < jumpP) {
          const j = Math.max(-0.99, p.jumps.mean + p.jumps.stdev * normal());
          logS += Math.log(1 + j);
        }
        out[k] = Math.exp(logS);
      }
      return out;
    }
    case 'crash': {
      const quiet = Math.round((p.quiet * 1000) / stepMs);
      const duration = Math.max(1, Math.round((p.duration * 1000) / stepMs));
      const sd = p.noise * Math.sqrt(dtYears);
      let noise = 0;
      for (let k = 0; k <= steps; k++) {
        const u = (k - quiet) / duration; // 0..1 inside the shape
        let level = 1;
        if (u > 0) {
          const v = Math.min(1, u);
          switch (p.shape) {
            case 'fast_drawdown': // exponential approach, time constant duration / 5, normalised to reach depth at the end
              level = 1 - (p.depth * (1 - Math.exp(-5 * v))) / (1 - Math.exp(-5));
              break;
            case 'v_wick':
              level = v <= 1 / 3 ? 1 - p.depth * 3 * v : 1 - p.depth * (1 - p.recovery * ((v - 1 / 3) * 1.5));
              break;
            case 'slow_bleed':
              level = 1 - p.depth * v;
              break;
          }
        }
        if (k > 0 && sd > 0) noise += sd * normal();
        out[k] = start * level * Math.exp(noise);
      }
      return out;
    }
  }
}
