// The takeover limit's search (fund.ts): the float-screened bisection returns exactly what the exact-only bisection
// returns, and the screen never contradicts the exact checks.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { size } from '../units/index.js';
import { searchTakeover, takeoverFits, takeoverScreen, type TakeoverLimit, type TakeoverTerms } from './fund.js';

/** The search as it was before the screen (fund.ts before the float screen): exact probes only, the result re-checked. */
function plainBisection(t: TakeoverTerms, wanted: bigint): TakeoverLimit {
  const step = t.spec.stepSize;
  const all = takeoverFits(t, wanted);
  if (all === null) return { size: wanted, limitedBy: null };
  if (wanted <= step || takeoverFits(t, step) !== null) return { size: 0n, limitedBy: all };
  let lo = 1n;
  let hi = wanted / step;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (takeoverFits(t, mid * step) === null) lo = mid;
    else hi = mid;
  }
  const q = lo * step;
  return { size: q > 0n && takeoverFits(t, q) !== null ? 0n : q, limitedBy: all };
}

const terms = fc
  .record({
    baseDecimals: fc.integer({ min: 0, max: 12 }),
    priceDecimals: fc.integer({ min: 0, max: 8 }),
    quoteDecimals: fc.integer({ min: 0, max: 12 }),
    stepSize: fc.bigInt({ min: 1n, max: 10n ** 6n }),
    long: fc.boolean(),
    mark: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    // The bankruptcy price against the mark, in ppm (below and above it).
    pxPpm: fc.bigInt({ min: 700_000n, max: 1_300_000n }),
    equity: fc.oneof(fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 10n ** 18n })),
    budgetPpm: fc.bigInt({ min: 0n, max: 1_500_000n }),
    sharePpm: fc.option(fc.bigInt({ min: 0n, max: 3_000_000n }), { nil: null }),
    held: fc.oneof(fc.constant(0n), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: -1000n, max: 1000n })),
    fund: fc.boolean(),
  })
  .map((r): TakeoverTerms => {
    const px = (r.mark * r.pxPpm) / 1_000_000n;
    const budget = (r.equity * r.budgetPpm) / 1_000_000n;
    return {
      spec: { baseDecimals: r.baseDecimals, priceDecimals: r.priceDecimals, stepSize: size(r.stepSize) },
      quoteDecimals: r.quoteDecimals,
      long: r.long,
      px: px > 0n ? px : 1n,
      mark: r.mark,
      equity: r.equity,
      budget: budget > 0n ? budget : 0n,
      sharePpm: r.sharePpm,
      held: (r.held / r.stepSize) * r.stepSize,
      capReason: r.fund ? 'notional_cap' : 'exposure_cap',
    };
  });

const wantedSteps = fc.oneof(fc.bigInt({ min: 1n, max: 64n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.bigInt({ min: 1n, max: 10n ** 15n }));

describe('takeoverLimit search', () => {
  it('the screened bisection returns the plain bisection\'s size and reason', () => {
    fc.assert(
      fc.property(terms, wantedSteps, (t, steps) => {
        const wanted = steps * t.spec.stepSize;
        expect(searchTakeover(t, wanted, takeoverScreen(t))).toEqual(plainBisection(t, wanted));
      }),
      { numRuns: 3000 },
    );
  });

  it('the screen decides a probe only as the exact checks do (probes at and around the boundary)', () => {
    fc.assert(
      fc.property(terms, wantedSteps, fc.bigInt({ min: -3n, max: 3n }), (t, steps, offset) => {
        const wanted = steps * t.spec.stepSize;
        const found = plainBisection(t, wanted).size;
        const screen = takeoverScreen(t);
        for (const q of [found + offset * t.spec.stepSize, found + t.spec.stepSize, wanted, t.spec.stepSize]) {
          if (q <= 0n) continue;
          const v = screen(q);
          if (v !== undefined) expect(v).toBe(takeoverFits(t, q));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('on small sizes where the checks are monotone, the result is the largest fitting step multiple (brute force)', () => {
    fc.assert(
      fc.property(terms, fc.bigInt({ min: 1n, max: 200n }), (t, steps) => {
        const step = t.spec.stepSize;
        const verdicts = [];
        for (let k = 1n; k <= steps; k++) verdicts.push(takeoverFits(t, k * step) === null);
        const firstMiss = verdicts.indexOf(false);
        const monotone = firstMiss < 0 || verdicts.slice(firstMiss).every((ok) => !ok);
        fc.pre(monotone);
        const best = firstMiss < 0 ? steps : BigInt(firstMiss);
        const got = searchTakeover(t, steps * step, takeoverScreen(t));
        expect(got.size).toBe(best * step);
        expect(got.limitedBy).toBe(best === steps ? null : takeoverFits(t, steps * step));
      }),
      { numRuns: 1500 },
    );
  });

  it('a worked case: a capped fund takes the largest whole steps within its notional cap', () => {
    // 1 base = 10^2 atoms, prices in 10^-2, quote in 10^-2: notional = q x px / 10^2. Mark 100.00, taken at 90.00:
    // each atom gains 0.10 (10 quote atoms) and adds 100 quote atoms of exposure. Equity 10,000 atoms, share 50%:
    // exposure <= (10,000 + 10 q) / 2 -> 100 q <= 5,000 + 5 q -> q <= 52.6: 52 atoms.
    const t: TakeoverTerms = { spec: { baseDecimals: 2, priceDecimals: 2, stepSize: size(1n) }, quoteDecimals: 2, long: true, px: 9000n, mark: 10_000n, equity: 10_000n, budget: 10_000n, sharePpm: 500_000n, held: 0n, capReason: 'notional_cap' };
    expect(searchTakeover(t, 1000n, takeoverScreen(t))).toEqual({ size: 52n, limitedBy: 'notional_cap' });
    expect(searchTakeover(t, 1000n, null)).toEqual({ size: 52n, limitedBy: 'notional_cap' });
  });

  it('the screen decides the probes away from the boundary (a 1-atom step search of ~40 probes checks few exactly)', () => {
    const t: TakeoverTerms = { spec: { baseDecimals: 8, priceDecimals: 2, stepSize: size(1n) }, quoteDecimals: 6, long: true, px: 9_405_000n, mark: 9_500_000n, equity: 8_542_036_557n, budget: 8_542_036_557n, sharePpm: 1_000_000n, held: 0n, capReason: 'notional_cap' };
    const screen = takeoverScreen(t);
    let probes = 0;
    let undecided = 0;
    const counting = (q: bigint): ReturnType<typeof screen> => {
      probes++;
      const v = screen(q);
      if (v === undefined) undecided++;
      return v;
    };
    const wanted = 10n ** 12n;
    expect(searchTakeover(t, wanted, counting)).toEqual(plainBisection(t, wanted));
    expect(probes).toBeGreaterThan(30);
    expect(undecided).toBeLessThanOrEqual(3);
  });
});
