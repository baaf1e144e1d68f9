// Index price: a weighted median (or weighted mean) of spot prices from several sources, with staleness and
// deviation protections.
//
// Sources (see /work/shared/data/feeds/FORMATS.md §1.9):
// - Binance USD-M index: "Price Index = Σ weight%_i × spot price_i" with weight%_i = weight_i / Σ weights
//   (binance.com/en/support/faq/360033525071). Binance protections (secondary copies of the FAQ): a source
//   that cannot be reached or has not updated is dropped; a source deviating from the median beyond a cap
//   (3%, or 1% for BTC/ETH, in one copy; 5% in another) is limited. Policies:
//   - 'clip': the deviating price is moved to the edge of the band, median × (1 ± cap) (Binance version A);
//   - 'drop': every deviating source gets weight zero;
//   - 'drop_one_else_median': one deviating source gets weight zero; if more than one deviates, the index is
//     the median of all fresh sources (Binance version B, FAQ 547ba48141474ab3bddc5d7898f97928).
// - Hyperliquid oracle: "weighted median of Binance, OKX, Bybit, ... spot prices ... with weights 3, 2, 2, 1,
//   ..." (hyperliquid.gitbook.io/hyperliquid-docs/hypercore/oracle) — the weighted-median method.
//
// Weighted median (our definition, deterministic): sort the sources by (price ascending, source name
// ascending, by UTF-16 code units); with W the total weight, the result is the price of the FIRST source
// whose cumulative weight c satisfies 2c >= W. This is the lower weighted median (rule 'lower', the
// default): with equal weights and an even count it picks the lower middle value (no averaging, so no
// rounding). The tie rule on names only fixes which source is reported; the price is the same whichever
// equal-priced source is chosen. Rule 'midpoint': when that first source brings c to exactly W/2, the
// median is the mean of its price and the next positive-weight source's price, half_even — the textbook
// median for equal weights (Binance's "median of all sources", docs/sources/pricing-goldens.md §1.2).
//
// Weighted mean: Σ w_i p_i / Σ w_i, rounded half_even (a neutral figure, DESIGN.md "Exact arithmetic").
//
// Deviation band (exact, no rounding in the test): a price p deviates from the reference median m when
// |p - m| × 1e6 > capPpm × m. Clipping moves p to floor(m × (1e6 + cap) / 1e6) above the median or
// ceil(m × (1e6 - cap) / 1e6) below it, so a clipped price is itself inside the band.
import { assert } from '../assert.js';
import type { CodeName } from '../codes.js';
import { divRound, PPM_ONE, type Ppm, type Price } from '../units/index.js';
import { INDEX_SOURCES_MAX } from './limits.js';

export type IndexMethod = 'weighted_median' | 'weighted_mean';
export type DeviationPolicy = 'clip' | 'drop' | 'drop_one_else_median';
export type MedianRule = 'lower' | 'midpoint';

export type Observation = {
  readonly source: string;
  /** Price atoms of the market (all observations share the market's priceDecimals). */
  readonly price: Price;
  /** When the source published this price (integer ms). */
  readonly publishTimeMs: number;
  /** Confidence half-width (Pyth `conf`), same atoms as `price`. */
  readonly conf?: Price;
};

export type IndexParams = {
  readonly method: IndexMethod;
  /** Weight per source name; a source missing here, or with weight 0, is ignored. Weights are >= 0. */
  readonly weights: Readonly<Record<string, bigint>>;
  /** A source older than this (now - publishTime > maxAgeMs) gets weight zero. */
  readonly maxAgeMs: number;
  /** Band around the reference median; absent = no deviation check. 0 <= cap <= 1e6. */
  readonly deviationCapPpm?: Ppm;
  /** What happens to a source outside the band (default 'clip'). */
  readonly deviationPolicy?: DeviationPolicy;
  /** Fewer fresh sources than this: no index. At least 1. */
  readonly minSources: number;
  /** Which weighted median (definition above); default 'lower'. Used for the band and the median method. */
  readonly medianRule?: MedianRule;
  /** A publish time more than this far after now is refused as 'future' (default 0: no tolerance). */
  readonly maxFutureMs?: number;
  /** Pyth-style confidence filter: a source with conf / price > maxConfPpm gets weight zero. */
  readonly maxConfPpm?: Ppm;
};

/**
 * What happened to one source:
 * - used: contributed its own price         - clipped: contributed the band edge instead of its price
 * - dropped: outside the band, policy drop  - stale: older than maxAgeMs
 * - future: published after now + maxFutureMs
 * - wide_conf: conf / price above maxConfPpm
 * - invalid_price: price <= 0 (or conf < 0)  - invalid_time: publishTimeMs not an integer
 * - unweighted: no positive weight configured for the source
 * - unused: fresh and eligible, but no index was formed (only in a rejection's report)
 */
export type SourceStatus = CodeName<'source_status'>;

export type SourceReport = {
  readonly source: string;
  readonly status: SourceStatus;
  readonly observedPrice: Price;
  /** The price that entered the aggregate (the clipped value for 'clipped'); null when excluded. */
  readonly usedPrice: Price | null;
  /** The weight that entered the aggregate; 0n when excluded. */
  readonly weight: bigint;
  /** now - publishTime (negative for a publish time after now; 0 for 'invalid_time'). */
  readonly ageMs: number;
};

/** Stable reason codes (the `index` vocabulary of core/codes.ts). */
export type IndexRejection = CodeName<'index'>;

export type IndexResult =
  | {
      readonly ok: true;
      readonly price: Price;
      /** Weighted median of the fresh sources, the centre of the deviation band. */
      readonly referenceMedian: Price;
      readonly freshCount: number;
      readonly usedCount: number;
      /** One report per observation, sorted by source name. */
      readonly sources: readonly SourceReport[];
    }
  | { readonly ok: false; readonly reason: IndexRejection; readonly sources: readonly SourceReport[] };

type Weighted = { readonly source: string; readonly price: Price; readonly weight: bigint };

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byPriceThenName(a: Weighted, b: Weighted): number {
  return a.price < b.price ? -1 : a.price > b.price ? 1 : compareNames(a.source, b.source);
}

/**
 * Where the lower weighted median sits in `sorted` (by price, then name): the first positive-weight entry
 * whose cumulative weight c has 2c >= W. Returns its position and whether 2c == W exactly.
 */
function medianPosition(sorted: readonly Weighted[]): { readonly at: number; readonly exactHalf: boolean } {
  let total = 0n;
  for (const e of sorted) {
    assert(e.weight >= 0n, 'weightedMedian: negative weight');
    total += e.weight;
  }
  assert(total > 0n, 'weightedMedian: zero total weight');
  let cumulative = 0n;
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted[i]?.weight ?? 0n;
    cumulative += w;
    if (w > 0n && 2n * cumulative >= total) return { at: i, exactHalf: 2n * cumulative === total };
  }
  // Unreachable: the last positive-weight entry brings cumulative to total.
  assert(false, 'weightedMedian: no entry reached half the weight');
}

/**
 * Lower weighted median (definition at the top of this file), as the entry chosen. Entries must be
 * non-empty with positive total weight; a zero-weight entry is never chosen.
 */
export function weightedMedian(entries: readonly Weighted[]): Weighted {
  assert(entries.length > 0, 'weightedMedian: empty');
  const sorted = [...entries].sort(byPriceThenName);
  const m = sorted[medianPosition(sorted).at];
  assert(m !== undefined, 'weightedMedian: position in range');
  return m;
}

/** The weighted median price under `rule` ('lower' or 'midpoint', defined at the top of this file). */
export function weightedMedianPrice(entries: readonly Weighted[], rule: MedianRule): Price {
  assert(entries.length > 0, 'weightedMedianPrice: empty');
  const sorted = [...entries].sort(byPriceThenName);
  const { at, exactHalf } = medianPosition(sorted);
  const m = sorted[at];
  assert(m !== undefined, 'weightedMedianPrice: position in range');
  if (rule === 'lower' || !exactHalf) return m.price;
  const next = sorted.slice(at + 1).find((e) => e.weight > 0n);
  assert(next !== undefined, 'weightedMedianPrice: an exact half leaves weight above');
  return divRound(m.price + next.price, 2n, 'half_even') as Price;
}

/** Σ w p / Σ w, half_even. */
export function weightedMean(entries: readonly Weighted[]): Price {
  let num = 0n;
  let den = 0n;
  for (const e of entries) {
    num += e.weight * e.price;
    den += e.weight;
  }
  assert(den > 0n, 'weightedMean: zero total weight');
  return divRound(num, den, 'half_even') as Price;
}

/** True when |p - m| / m > capPpm / 1e6, decided exactly. m > 0. */
export function deviatesBeyond(p: bigint, m: bigint, capPpm: bigint): boolean {
  const diff = p > m ? p - m : m - p;
  return diff * PPM_ONE > capPpm * m;
}

/** The band edges [ceil(m(1-c)), floor(m(1+c))]; both lie inside the band. */
export function bandEdges(m: Price, capPpm: Ppm): { readonly lo: Price; readonly hi: Price } {
  return {
    lo: divRound(m * (PPM_ONE - capPpm), PPM_ONE, 'ceil') as Price,
    hi: divRound(m * (PPM_ONE + capPpm), PPM_ONE, 'floor') as Price,
  };
}

function paramsValid(params: IndexParams): boolean {
  if (!Number.isSafeInteger(params.maxAgeMs) || params.maxAgeMs < 0) return false;
  if (!Number.isSafeInteger(params.minSources) || params.minSources < 1) return false;
  if (params.minSources > INDEX_SOURCES_MAX) return false;
  const maxFuture = params.maxFutureMs ?? 0;
  if (!Number.isSafeInteger(maxFuture) || maxFuture < 0) return false;
  const cap = params.deviationCapPpm;
  if (cap !== undefined && (cap < 0n || cap > PPM_ONE)) return false;
  if (params.maxConfPpm !== undefined && params.maxConfPpm < 0n) return false;
  for (const w of Object.values(params.weights)) if (w < 0n) return false;
  return true;
}

/**
 * Aggregates observations into an index price at `nowMs`. Order of `observations` does not matter: the
 * result (including the per-source list, sorted by name) is a function of the set. Each source may appear
 * once. Checks run in a fixed order: params, count, duplicates, per-source freshness, minSources,
 * deviation, minSources again (after drops).
 */
export function aggregateIndex(observations: readonly Observation[], params: IndexParams, nowMs: number): IndexResult {
  assert(Number.isSafeInteger(nowMs), 'aggregateIndex: nowMs is an integer');
  if (!paramsValid(params)) return { ok: false, reason: 'invalid_params', sources: [] };
  if (observations.length > INDEX_SOURCES_MAX) return { ok: false, reason: 'too_many_sources', sources: [] };
  const sorted = [...observations].sort((a, b) => compareNames(a.source, b.source));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.source === sorted[i - 1]?.source) return { ok: false, reason: 'duplicate_source', sources: [] };
  }

  const maxFutureMs = params.maxFutureMs ?? 0;
  // Pass 1: freshness and weights.
  const statuses = new Map<string, SourceStatus>();
  const fresh: Weighted[] = [];
  for (const o of sorted) {
    const ageMs = nowMs - o.publishTimeMs;
    const weight = Object.hasOwn(params.weights, o.source) ? (params.weights[o.source] ?? 0n) : 0n;
    let status: SourceStatus | null = null;
    if (o.price <= 0n || (o.conf !== undefined && o.conf < 0n)) status = 'invalid_price';
    else if (weight <= 0n) status = 'unweighted';
    else if (!Number.isSafeInteger(o.publishTimeMs)) status = 'invalid_time';
    else if (-ageMs > maxFutureMs) status = 'future';
    else if (ageMs > params.maxAgeMs) status = 'stale';
    else if (
      params.maxConfPpm !== undefined &&
      o.conf !== undefined &&
      o.conf * PPM_ONE > params.maxConfPpm * o.price
    ) {
      status = 'wide_conf';
    }
    if (status === null) fresh.push({ source: o.source, price: o.price, weight });
    else statuses.set(o.source, status);
  }

  const report = (used: ReadonlyMap<string, Weighted>): SourceReport[] =>
    sorted.map((o) => {
      const u = used.get(o.source);
      const status = statuses.get(o.source) ?? (u !== undefined ? 'used' : 'unused');
      return {
        source: o.source,
        status,
        observedPrice: o.price,
        usedPrice: u?.price ?? null,
        weight: u?.weight ?? 0n,
        ageMs: Number.isSafeInteger(o.publishTimeMs) ? nowMs - o.publishTimeMs : 0,
      };
    });

  if (fresh.length < params.minSources || fresh.length === 0) {
    return { ok: false, reason: 'too_few_sources', sources: report(new Map()) };
  }

  // Pass 2: the deviation band around the weighted median of the fresh sources.
  const rule = params.medianRule ?? 'lower';
  const referenceMedian = weightedMedianPrice(fresh, rule);
  const cap = params.deviationCapPpm;
  const policy = params.deviationPolicy ?? 'clip';
  const used = new Map<string, Weighted>();
  if (policy === 'drop_one_else_median' && cap !== undefined) {
    const deviating = fresh.filter((f) => deviatesBeyond(f.price, referenceMedian, cap));
    if (deviating.length > 1) {
      // Binance version B: "the index becomes the median of all sources".
      for (const f of fresh) used.set(f.source, f);
      const n = fresh.length;
      return { ok: true, price: referenceMedian, referenceMedian, freshCount: n, usedCount: n, sources: report(used) };
    }
  }
  for (const f of fresh) {
    if (cap === undefined || !deviatesBeyond(f.price, referenceMedian, cap)) {
      used.set(f.source, f);
      continue;
    }
    if (policy === 'drop' || policy === 'drop_one_else_median') {
      statuses.set(f.source, 'dropped');
      continue;
    }
    const { lo, hi } = bandEdges(referenceMedian, cap);
    used.set(f.source, { source: f.source, price: f.price > referenceMedian ? hi : lo, weight: f.weight });
    statuses.set(f.source, 'clipped');
  }

  if (used.size < params.minSources || used.size === 0) {
    return { ok: false, reason: 'too_few_agreeing_sources', sources: report(new Map()) };
  }
  const entries = [...used.values()];
  const price = params.method === 'weighted_median' ? weightedMedianPrice(entries, rule) : weightedMean(entries);
  return {
    ok: true,
    price,
    referenceMedian,
    freshCount: fresh.length,
    usedCount: used.size,
    sources: report(used),
  };
}
