import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dislocationPpm, drawdownPpm, RangeExtremes } from './metrics.js';

describe('run metrics', () => {
  it('RangeExtremes answers every range like a scan (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), (xs, a, b) => {
        const t = new RangeExtremes(Float64Array.from(xs));
        const lo = Math.min(a % xs.length, b % xs.length);
        const hi = Math.max(a % xs.length, b % xs.length);
        const slice = xs.slice(lo, hi + 1);
        expect(t.min(lo, hi)).toBe(Math.min(...slice));
        expect(t.max(lo, hi)).toBe(Math.max(...slice));
      }),
    );
  });

  it('drawdown is the largest peak-to-trough fall; dislocation the largest shortfall under the reference', () => {
    expect(drawdownPpm(Float64Array.from([100, 120, 90, 110, 60, 200]))).toBe(500_000);
    expect(drawdownPpm(Float64Array.from([1, 2, 3]))).toBe(0);
    expect(dislocationPpm(Float64Array.from([100, 100, 100]), Float64Array.from([100, 80, 101]))).toBe(200_000);
    expect(dislocationPpm(Float64Array.from([100]), Float64Array.from([120]))).toBe(0);
  });
});
