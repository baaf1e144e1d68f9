import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-bucket.js';

describe('token buckets', () => {
  it('lets a burst through, then one request per 1/rate seconds, with the wait until the next token', () => {
    const buckets = new TokenBuckets();
    const limit = { perSecond: 4, burst: 2 };
    expect(buckets.take('k', limit, 0)).toEqual({ ok: true }); // 2 -> 1
    expect(buckets.take('k', limit, 0)).toEqual({ ok: true }); // 1 -> 0
    expect(buckets.take('k', limit, 0)).toEqual({ ok: false, retryAfterMs: 250 }); // one token per 1000/4 = 250 ms
    // 100 ms later: 0.4 tokens; the missing 0.6 takes 0.6 x 250 = 150 ms.
    expect(buckets.take('k', limit, 100)).toEqual({ ok: false, retryAfterMs: 150 });
    expect(buckets.take('k', limit, 250)).toEqual({ ok: true }); // 1.0 token at 250 ms
    // Another key has its own bucket.
    expect(buckets.take('other', limit, 250)).toEqual({ ok: true });
    // A long pause refills to the burst, not beyond: 2 pass, the 3rd waits.
    expect(buckets.take('k', limit, 60_000)).toEqual({ ok: true });
    expect(buckets.take('k', limit, 60_000)).toEqual({ ok: true });
    expect(buckets.take('k', limit, 60_000).ok).toBe(false);
  });

  it('never lets more than burst + rate x t requests through in any interval of t seconds (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ perSecond: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
        (limit, gapsMs) => {
          const buckets = new TokenBuckets();
          const passedAt: number[] = [];
          let t = 0;
          for (const gap of gapsMs) {
            t += gap;
            if (buckets.take('k', limit, t).ok) passedAt.push(t);
          }
          for (let i = 0; i < passedAt.length; i++) {
            for (let j = i; j < passedAt.length; j++) {
              const seconds = (passedAt[j]! - passedAt[i]!) / 1000;
              expect(j - i + 1).toBeLessThanOrEqual(limit.burst + limit.perSecond * seconds + 1e-9);
            }
          }
        },
      ),
      { seed: 17, numRuns: 200 },
    );
  });
});
