import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ppm, price } from '../units/index.js';
import { aggregateIndex, bandEdges, weightedMedian, type IndexParams, type Observation } from './index.js';

const NOW = 1_700_000_000_000;
const obs = (source: string, p: bigint, ageMs = 0, conf?: bigint): Observation =>
  conf === undefined
    ? { source, price: price(p), publishTimeMs: NOW - ageMs }
    : { source, price: price(p), publishTimeMs: NOW - ageMs, conf: price(conf) };

// Hyperliquid's oracle weights (hyperliquid.gitbook.io/hyperliquid-docs/hypercore/oracle): 3, 2, 2, 1, 1, ...
const HL_WEIGHTS = { binance: 3n, okx: 2n, bybit: 2n, kraken: 1n, kucoin: 1n };
const base: IndexParams = { method: 'weighted_median', weights: HL_WEIGHTS, maxAgeMs: 10_000, minSources: 3 };

describe('weightedMedian', () => {
  it('is the first source, by (price, name), whose cumulative weight reaches half', () => {
    // Sorted: kraken 99 (1), okx 100 (2), binance 101 (3), bybit 102 (2), kucoin 150 (1); W = 9.
    // Cumulative: 1, 3, 6 -> 2*6 = 12 >= 9, so binance's 101.
    const r = aggregateIndex(
      [obs('binance', 101n), obs('okx', 100n), obs('bybit', 102n), obs('kraken', 99n), obs('kucoin', 150n)],
      base,
      NOW,
    );
    expect(r.ok && r.price).toBe(101n);
  });

  it('takes the lower middle with equal weights and an even count (no averaging)', () => {
    const m = weightedMedian([
      { source: 'a', price: price(10n), weight: 1n },
      { source: 'b', price: price(20n), weight: 1n },
      { source: 'c', price: price(30n), weight: 1n },
      { source: 'd', price: price(40n), weight: 1n },
    ]);
    expect(m.price).toBe(20n);
  });

  it('breaks price ties by source name', () => {
    const m = weightedMedian([
      { source: 'zeta', price: price(50n), weight: 1n },
      { source: 'alpha', price: price(50n), weight: 1n },
      { source: 'mid', price: price(60n), weight: 1n },
    ]);
    // Half of 3 is reached at the second entry; in (price, name) order that is zeta (alpha, zeta, mid).
    expect(m.source).toBe('zeta');
  });
});

describe('aggregateIndex', () => {
  it('computes the weighted mean half_even (Binance Σ weight% × price)', () => {
    // (3*100 + 2*101 + 2*103) / 7 = 708 / 7 = 101.142... -> 101
    const r = aggregateIndex([obs('binance', 100n), obs('okx', 101n), obs('bybit', 103n)], {
      ...base,
      method: 'weighted_mean',
    }, NOW);
    expect(r.ok && r.price).toBe(101n);
    // (1*1 + 1*2) / 2 = 1.5 -> 2 (even), (1*2 + 1*3)/2 = 2.5 -> 2 (even)
    const w = { a: 1n, b: 1n };
    const p = { method: 'weighted_mean', weights: w, maxAgeMs: 10, minSources: 1 } as const;
    expect(aggregateIndex([obs('a', 1n), obs('b', 2n)], p, NOW)).toMatchObject({ ok: true, price: 2n });
    expect(aggregateIndex([obs('a', 2n), obs('b', 3n)], p, NOW)).toMatchObject({ ok: true, price: 2n });
  });

  it('gives stale, future, unweighted, wide-confidence and invalid sources weight zero, and reports each', () => {
    const r = aggregateIndex(
      [
        obs('binance', 100n),
        obs('okx', 101n),
        obs('bybit', 102n),
        obs('kraken', 500n, 10_001), // stale: age 10,001 > 10,000
        obs('kucoin', 500n, -1), // one ms in the future
        obs('gemini', 500n), // no weight
        obs('zzz', 0n), // invalid
      ],
      base,
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.price).toBe(101n);
    expect(r.sources.map((s) => [s.source, s.status, s.weight])).toEqual([
      ['binance', 'used', 3n],
      ['bybit', 'used', 2n],
      ['gemini', 'unweighted', 0n],
      ['kraken', 'stale', 0n],
      ['kucoin', 'future', 0n],
      ['okx', 'used', 2n],
      ['zzz', 'invalid_price', 0n],
    ]);
    // Exactly maxAgeMs old is still fresh; maxFutureMs admits a small clock skew.
    const edge = aggregateIndex([obs('binance', 1n, 10_000), obs('okx', 1n, -5)], {
      ...base,
      minSources: 2,
      maxFutureMs: 5,
    }, NOW);
    expect(edge.ok && edge.usedCount).toBe(2);
  });

  it('drops a source whose confidence is too wide (conf / price > maxConfPpm)', () => {
    const p = { ...base, minSources: 1, maxConfPpm: ppm(10_000n) }; // 1%
    const r = aggregateIndex([obs('binance', 1000n, 0, 10n), obs('okx', 900n, 0, 11n)], p, NOW);
    expect(r.ok && r.sources.map((s) => s.status)).toEqual(['used', 'wide_conf']);
  });

  it('clips a deviating source to median × (1 ± cap)', () => {
    // Median of (100_000, 100_500, 110_000, 90_000, 100_200) with weights 3,2,2,1,1: sorted 90_000 (kraken 1),
    // 100_000 (binance 3) -> cumulative 4, 100_200 (kucoin 1) -> 5, 2*5 >= 9: median 100_200.
    const p: IndexParams = { ...base, method: 'weighted_mean', deviationCapPpm: ppm(30_000n) };
    const r = aggregateIndex(
      [
        obs('binance', 100_000n),
        obs('okx', 100_500n),
        obs('bybit', 110_000n),
        obs('kraken', 90_000n),
        obs('kucoin', 100_200n),
      ],
      p,
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.referenceMedian).toBe(100_200n);
    // Band: [ceil(100_200 * 0.97), floor(100_200 * 1.03)] = [97_194, 103_206].
    expect(bandEdges(price(100_200n), ppm(30_000n))).toEqual({ lo: 97_194n, hi: 103_206n });
    const byName = Object.fromEntries(r.sources.map((s) => [s.source, s]));
    expect(byName['bybit']).toMatchObject({ status: 'clipped', usedPrice: 103_206n });
    expect(byName['kraken']).toMatchObject({ status: 'clipped', usedPrice: 97_194n });
    // (3*100_000 + 2*100_500 + 2*103_206 + 1*97_194 + 1*100_200) / 9 = 904_806 / 9 = 100_534 exactly.
    expect(r.price).toBe(100_534n);
  });

  it('drops deviating sources under the drop policy, and refuses when too few agree', () => {
    const p: IndexParams = { ...base, deviationCapPpm: ppm(10_000n), deviationPolicy: 'drop' };
    const r = aggregateIndex([obs('binance', 100n), obs('okx', 100n), obs('bybit', 100n), obs('kraken', 102n)], p, NOW);
    expect(r.ok && r.sources.find((s) => s.source === 'kraken')?.status).toBe('dropped');
    const bad = aggregateIndex([obs('binance', 100n), obs('okx', 120n), obs('bybit', 80n)], p, NOW);
    expect(bad).toMatchObject({ ok: false, reason: 'too_few_agreeing_sources' });
    if (!bad.ok) expect(bad.sources.map((s) => s.status)).toEqual(['unused', 'dropped', 'dropped']);
  });

  it('golden, Binance version A (pricing-goldens.md §1.2): 100, 101, 99, 110 with a 3% cap -> 100.87875', () => {
    // The median of four equal weights is 100.5 (midpoint rule); 110 is +9.45%, capped at 100.5 × 1.03 = 103.515;
    // index = (100 + 101 + 99 + 103.515) / 4 = 100.87875. Prices with 5 decimals.
    const p: IndexParams = {
      method: 'weighted_mean',
      weights: { a: 1n, b: 1n, c: 1n, d: 1n },
      maxAgeMs: 300_000, // "no update within the last five minutes" -> weight 0
      minSources: 1,
      medianRule: 'midpoint',
      deviationCapPpm: ppm(30_000n),
      deviationPolicy: 'clip',
    };
    const four = [obs('a', 10_000_000n), obs('b', 10_100_000n), obs('c', 9_900_000n), obs('d', 11_000_000n)];
    const r = aggregateIndex(four, p, NOW);
    expect(r).toMatchObject({ ok: true, price: 10_087_875n, referenceMedian: 10_050_000n });
    expect(r.ok && r.sources[3]).toMatchObject({ source: 'd', status: 'clipped', usedPrice: 10_351_500n });
    // The FAQ's own example: median 20,000, a source at +7% counts as 20,600, one at -6% as 19,400.
    const faq = aggregateIndex(
      [obs('a', 20_000n), obs('b', 20_000n), obs('c', 20_000n), obs('d', 21_400n), obs('e', 18_800n)],
      { ...p, weights: { a: 1n, b: 1n, c: 1n, d: 1n, e: 1n } },
      NOW,
    );
    expect(faq.ok && faq.sources.map((x) => x.usedPrice)).toEqual([20_000n, 20_000n, 20_000n, 20_600n, 19_400n]);
  });

  it('golden, Binance version B: one source beyond 5% gets weight 0; several -> the median of all', () => {
    const p: IndexParams = {
      method: 'weighted_mean',
      weights: { a: 1n, b: 1n, c: 1n, d: 1n },
      maxAgeMs: 10_000,
      minSources: 1,
      medianRule: 'midpoint',
      deviationCapPpm: ppm(50_000n),
      deviationPolicy: 'drop_one_else_median',
    };
    const one = aggregateIndex([obs('a', 10_000_000n), obs('b', 10_100_000n), obs('c', 9_900_000n), obs('d', 11_000_000n)], p, NOW);
    expect(one).toMatchObject({ ok: true, price: 10_000_000n, usedCount: 3 }); // (100 + 101 + 99) / 3
    const two = aggregateIndex([obs('a', 10_000_000n), obs('b', 10_100_000n), obs('c', 12_000_000n), obs('d', 8_000_000n)], p, NOW);
    expect(two).toMatchObject({ ok: true, price: 10_050_000n, usedCount: 4 }); // median(80, 100, 101, 120) = 100.5
  });

  it('midpoint rule: averages the two middle prices only when the weight splits exactly in half', () => {
    const p = (rule: 'lower' | 'midpoint', w: Record<string, bigint>): IndexParams => ({
      method: 'weighted_median',
      weights: w,
      maxAgeMs: 10,
      minSources: 1,
      medianRule: rule,
    });
    const xs = [obs('a', 10n), obs('b', 21n), obs('c', 30n), obs('d', 40n)];
    expect(aggregateIndex(xs, p('lower', { a: 1n, b: 1n, c: 1n, d: 1n }), NOW)).toMatchObject({ price: 21n });
    expect(aggregateIndex(xs, p('midpoint', { a: 1n, b: 1n, c: 1n, d: 1n }), NOW)).toMatchObject({ price: 26n }); // 25.5 -> 26
    expect(aggregateIndex(xs, p('midpoint', { a: 1n, b: 2n, c: 1n, d: 1n }), NOW)).toMatchObject({ price: 21n });
  });

  it('refuses with a reason code: too few fresh sources, duplicates, bad params, too many', () => {
    expect(aggregateIndex([obs('binance', 1n), obs('okx', 1n)], base, NOW)).toMatchObject({
      ok: false,
      reason: 'too_few_sources',
    });
    expect(aggregateIndex([obs('binance', 1n), obs('binance', 2n), obs('okx', 1n)], base, NOW)).toMatchObject({
      ok: false,
      reason: 'duplicate_source',
    });
    expect(aggregateIndex([], { ...base, minSources: 0 }, NOW)).toMatchObject({ reason: 'invalid_params' });
    expect(aggregateIndex([], { ...base, weights: { a: -1n } }, NOW)).toMatchObject({ reason: 'invalid_params' });
    expect(aggregateIndex([], { ...base, deviationCapPpm: ppm(1_000_001n) }, NOW)).toMatchObject({
      reason: 'invalid_params',
    });
    const many = Array.from({ length: 65 }, (_, i) => obs(`s${i}`, 1n));
    expect(aggregateIndex(many, base, NOW)).toMatchObject({ reason: 'too_many_sources' });
  });

  it('ignores weights inherited from Object.prototype', () => {
    const r = aggregateIndex([obs('constructor', 5n), obs('toString', 6n)], { ...base, minSources: 1 }, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'too_few_sources' });
  });
});

// ---- properties ----------------------------------------------------------------------------------------

const priceArb = fc.bigInt({ min: 1n, max: 10n ** 15n });
const methodArb = fc.constantFrom('weighted_median' as const, 'weighted_mean' as const);
const obsListArb = fc.uniqueArray(
  fc.record({
    source: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
    price: priceArb,
    age: fc.integer({ min: 0, max: 20_000 }),
  }),
  { selector: (o) => o.source, minLength: 1, maxLength: 7 },
);
const weightsArb = fc.record({
  a: fc.bigInt({ min: 0n, max: 5n }),
  b: fc.bigInt({ min: 0n, max: 5n }),
  c: fc.bigInt({ min: 0n, max: 5n }),
  d: fc.bigInt({ min: 1n, max: 5n }),
  e: fc.bigInt({ min: 1n, max: 5n }),
  f: fc.bigInt({ min: 1n, max: 5n }),
  g: fc.bigInt({ min: 1n, max: 5n }),
});
const toObs = (l: readonly { source: string; price: bigint; age: number }[]): Observation[] =>
  l.map((o) => obs(o.source, o.price, o.age));

describe('aggregateIndex properties', () => {
  it('lies within [min, max] of the fresh source prices', () => {
    fc.assert(
      fc.property(
        obsListArb,
        weightsArb,
        methodArb,
        fc.option(fc.bigInt({ min: 0n, max: 200_000n }), { nil: undefined }),
        fc.constantFrom('clip' as const, 'drop' as const, 'drop_one_else_median' as const),
        fc.constantFrom('lower' as const, 'midpoint' as const),
        (list, weights, method, cap, policy, medianRule) => {
          const base = { method, weights, maxAgeMs: 10_000, minSources: 1, medianRule };
          const params: IndexParams =
            cap === undefined ? base : { ...base, deviationCapPpm: ppm(cap), deviationPolicy: policy };
          const r = aggregateIndex(toObs(list), params, NOW);
          const fresh = list.filter((o) => o.age <= 10_000 && (weights as Record<string, bigint>)[o.source]! > 0n);
          if (fresh.length === 0) {
            expect(r.ok).toBe(false);
            return;
          }
          if (!r.ok) {
            // A midpoint median need not be any source's price, so a tight band can drop every source.
            expect([r.reason, medianRule, policy === 'clip']).toEqual(['too_few_agreeing_sources', 'midpoint', false]);
            return;
          }
          const lo = fresh.reduce((m, o) => (o.price < m ? o.price : m), fresh[0]!.price);
          const hi = fresh.reduce((m, o) => (o.price > m ? o.price : m), fresh[0]!.price);
          expect(r.price >= lo && r.price <= hi).toBe(true);
        },
      ),
    );
  });

  it('one manipulated source of three (any price) cannot move the index beyond the cap from the honest prices', () => {
    fc.assert(
      fc.property(
        priceArb,
        priceArb,
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        methodArb,
        fc.constantFrom('clip' as const, 'drop' as const, 'drop_one_else_median' as const),
        (h1, h2, manipulated, cap, method, policy) => {
          const params: IndexParams = {
            method,
            weights: { h1: 1n, h2: 1n, evil: 1n },
            maxAgeMs: 1_000,
            minSources: 1,
            deviationCapPpm: ppm(cap),
            deviationPolicy: policy,
          };
          const r = aggregateIndex([obs('h1', h1), obs('h2', h2), obs('evil', manipulated)], params, NOW);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const lo = h1 < h2 ? h1 : h2;
          const hi = h1 < h2 ? h2 : h1;
          // index >= lo × (1 - cap) and index <= hi × (1 + cap), exactly.
          expect(r.price * 1_000_000n >= lo * (1_000_000n - cap)).toBe(true);
          expect(r.price * 1_000_000n <= hi * (1_000_000n + cap)).toBe(true);
          // The reference median of three equal weights is always between the honest prices.
          expect(r.referenceMedian >= lo && r.referenceMedian <= hi).toBe(true);
        },
      ),
    );
  });

  it('does not depend on the order of the observations', () => {
    fc.assert(
      fc.property(
        obsListArb,
        weightsArb,
        methodArb,
        fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
        fc.constantFrom('clip' as const, 'drop' as const, 'drop_one_else_median' as const),
        fc.constantFrom('lower' as const, 'midpoint' as const),
        (list, weights, method, keys, policy, rule) => {
          const params: IndexParams = {
            method,
            weights,
            maxAgeMs: 10_000,
            minSources: 1,
            deviationCapPpm: ppm(20_000n),
            deviationPolicy: policy,
            medianRule: rule,
          };
          const a = toObs(list);
          const shuffled = a
            .map((o, i) => ({ o, k: keys[i] ?? 0, i }))
            .sort((x, y) => x.k - y.k || y.i - x.i)
            .map((x) => x.o);
          expect(aggregateIndex(shuffled, params, NOW)).toEqual(aggregateIndex(a, params, NOW));
        },
      ),
    );
  });
});

