import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ppm, price } from '../units/index.js';
import {
  checkConfidence,
  checkJump,
  checkStale,
  checkTwapDivergence,
  clampedAt,
  runGuards,
  SOUND_BREAKER,
  stepBreaker,
  type BreakerState,
  type GuardViolation,
} from './guards.js';

describe('guards', () => {
  it('stale: age > max (equal is fresh)', () => {
    expect(checkStale(1_000, 61_000, 60_000)).toBeNull();
    expect(checkStale(1_000, 61_001, 60_000)).toEqual({ code: 'stale_price', ageMs: 60_001, maxAgeMs: 60_000 });
  });

  it('jump: |Δ| / previous > max, decided exactly', () => {
    expect(checkJump(price(100_000n), price(105_000n), ppm(50_000n))).toBeNull(); // exactly 5%
    expect(checkJump(price(100_000n), price(94_999n), ppm(50_000n))).toEqual({
      code: 'price_jump',
      jumpPpm: 50_010n,
      maxJumpPpm: 50_000n,
    });
    expect(checkJump(null, price(1n), ppm(0n))).toBeNull();
  });

  it('confidence: conf / price > max (Pyth: a BTC conf of $50 at $60,000 is 833 ppm)', () => {
    expect(checkConfidence(price(6_000_000n), price(5_000n), ppm(1_000n))).toBeNull();
    expect(checkConfidence(price(6_000_000n), price(6_001n), ppm(1_000n))).toEqual({
      code: 'confidence_too_wide',
      confPpm: 1_000n,
      maxConfPpm: 1_000n,
    });
  });

  it('TWAP divergence: |price - twap| / twap > band', () => {
    expect(checkTwapDivergence(price(102n), price(100n), ppm(20_000n))).toBeNull();
    expect(checkTwapDivergence(price(97n), price(100n), ppm(20_000n))).toMatchObject({ divergencePpm: 30_000n });
  });

  it('runGuards reports violations in a fixed order, and only invalid_price for a non-positive price', () => {
    const v = runGuards(
      { price: price(80n), publishTimeMs: 0, nowMs: 10, previous: price(100n), conf: price(10n), twap: price(100n) },
      { maxAgeMs: 5, maxJumpPpm: ppm(10_000n), maxConfPpm: ppm(10_000n), twapBandPpm: ppm(10_000n) },
    );
    expect(v.map((x) => x.code)).toEqual(['stale_price', 'price_jump', 'confidence_too_wide', 'twap_divergence']);
    expect(runGuards({ price: price(0n), publishTimeMs: 0, nowMs: 0 }, { maxAgeMs: 0 })).toEqual([
      { code: 'invalid_price', price: 0n },
    ]);
    expect(runGuards({ price: price(1n), publishTimeMs: 0, nowMs: 0 }, { maxAgeMs: 0 })).toEqual([]);
  });
});

describe('breaker', () => {
  const stale: GuardViolation = { code: 'stale_price', ageMs: 9, maxAgeMs: 5 };
  const jump: GuardViolation = { code: 'price_jump', jumpPpm: 9n, maxJumpPpm: ppm(5n) };

  it('trips on any violation, collects reasons, re-arms after N consecutive sound updates', () => {
    let s: BreakerState = SOUND_BREAKER;
    const trace: (string | null)[] = [];
    const feed = (v: GuardViolation[]) => {
      const r = stepBreaker(s, v, 3);
      s = r.state;
      trace.push(r.transition);
    };
    feed([]);
    feed([jump]);
    feed([stale]);
    feed([]);
    feed([]);
    feed([jump]); // resets the sound run
    feed([]);
    feed([]);
    expect(s).toEqual({ state: 'tripped', reasons: ['stale_price', 'price_jump'], soundRun: 2 });
    feed([]);
    expect(trace).toEqual([null, 'tripped', null, null, null, null, null, null, 'rearmed']);
    expect(s).toEqual({ state: 'sound', reasons: [], soundRun: 3 });
  });

  it('property: transitions alternate tripped/rearmed, and a re-arm always follows N sound updates', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (bad, n) => {
        let s: BreakerState = SOUND_BREAKER;
        let last: 'tripped' | 'rearmed' = 'rearmed';
        let run = 0;
        for (const b of bad) {
          const r = stepBreaker(s, b ? [jump] : [], n);
          run = b ? 0 : run + 1;
          if (r.transition !== null) {
            expect(r.transition).not.toBe(last);
            last = r.transition;
          }
          if (r.transition === 'rearmed') expect(run).toBe(n);
          expect(r.state.state === 'tripped').toBe(last === 'tripped');
          s = r.state;
        }
      }),
    );
  });
});

describe('aggregator answer bounds', () => {
  it("an answer at or beyond minAnswer / maxAnswer is clamped; strictly inside it is a price (Venus 2022: LUNA's 0.107 floor)", () => {
    const bounds = { min: price(107n), max: price(1_000_000n) };
    expect(clampedAt(price(107n), bounds)).toBe('min');
    expect(clampedAt(price(10n), bounds)).toBe('min');
    expect(clampedAt(price(108n), bounds)).toBeNull();
    expect(clampedAt(price(999_999n), bounds)).toBeNull();
    expect(clampedAt(price(1_000_000n), bounds)).toBe('max');
  });
});
