import { describe, expect, it } from 'vitest';
import { ppm, price, PPM_ONE } from '../units/index.js';
import type { VolatilityScaling } from './schedule.js';
import { initialVolatilityState, observeVolatility, type VolatilityState } from './volatility.js';

// One sample a minute; "normal" volatility 0.1% per minute; the multiplier between 1x and 3x, moving at most 0.5x
// an hour (0.5 / 60 per minute).
const params: VolatilityScaling = {
  sampleIntervalMs: 60_000,
  lambdaPpm: ppm(940_000n),
  referenceVolPpm: ppm(1_000n),
  minMultiplierPpm: PPM_ONE,
  maxMultiplierPpm: ppm(3_000_000n),
  maxChangePerHourPpm: ppm(500_000n),
};

function walk(returnsPpm: readonly number[], start = 10_000_000n): VolatilityState[] {
  let s = initialVolatilityState(params, 0);
  let px = start;
  const out: VolatilityState[] = [];
  s = observeVolatility(params, s, price(px), 0);
  returnsPpm.forEach((r, i) => {
    px = (px * BigInt(1_000_000 + r)) / 1_000_000n;
    s = observeVolatility(params, s, price(px), (i + 1) * 60_000);
    out.push(s);
  });
  return out;
}

describe('volatility-aware margin multiplier', () => {
  it('stays at 1x while returns are at the reference volatility', () => {
    const states = walk(Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 1_000 : -1_000)));
    // Integer prices make each return 0.1% give or take an atom: the multiplier stays within 0.1% of 1x.
    expect(states.every((s) => s.multiplierPpm >= PPM_ONE && s.multiplierPpm < PPM_ONE + 1_000n)).toBe(true);
  });

  it('rises in a crash, but never faster than 0.5x an hour, and never above 3x', () => {
    // 5% falls a minute for an hour: the target is far above 3x at once.
    const states = walk(Array.from({ length: 60 }, () => -50_000));
    const first = states[0] as VolatilityState;
    // One minute of rate limit: 500,000 ppm x 60,000 / 3,600,000 = 8,333 ppm.
    expect(first.multiplierPpm).toBe(PPM_ONE + 8_333n);
    for (let i = 1; i < states.length; i++) {
      const step = (states[i] as VolatilityState).multiplierPpm - (states[i - 1] as VolatilityState).multiplierPpm;
      expect(step).toBeLessThanOrEqual(8_333n);
      expect(step).toBeGreaterThanOrEqual(0n);
    }
    // After an hour it has climbed 60 x 8,333 ppm, about half a turn: 1.5x, well short of the 3x cap.
    expect((states.at(-1) as VolatilityState).multiplierPpm).toBe(PPM_ONE + 60n * 8_333n);
    const long = walk(Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? -50_000 : 50_000)));
    expect((long.at(-1) as VolatilityState).multiplierPpm).toBe(ppm(3_000_000n));
  });

  it('ignores prices between samples and starts from the first price', () => {
    let s = initialVolatilityState(params, 0);
    s = observeVolatility(params, s, price(100n), 0);
    const between = observeVolatility(params, s, price(50n), 30_000);
    expect(between).toBe(s);
  });
});
