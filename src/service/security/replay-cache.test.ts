import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

describe('replay cache', () => {
  it('refuses a signature seen within the window and forgets it once its timestamp leaves the window', () => {
    const cache = new ReplayCache(30_000, 10);
    // Timestamped 1,000 and received at 1,200: remembered until 1,000 + 30,000 = 31,000.
    expect(cache.check('a', 1_000, 1_200)).toBe('fresh');
    expect(cache.check('a', 1_000, 30_999)).toBe('replayed');
    // At 31,000 the window check refuses the timestamp by itself (31,000 - 1,000 > 30,000 from 31,001): forgotten.
    expect(cache.check('b', 31_000, 31_000)).toBe('fresh');
    expect(cache.size).toBe(1);
  });

  it('fails closed when full of live signatures, and makes room by dropping expired ones out of order', () => {
    const cache = new ReplayCache(1_000, 3);
    expect(cache.check('late', 5_000, 4_500)).toBe('fresh'); // a clock ahead: expires at 6,000
    expect(cache.check('early', 3_600, 4_500)).toBe('fresh'); // expires at 4,600 (behind 'late' in arrival order)
    expect(cache.check('c', 4_500, 4_500)).toBe('fresh'); // expires at 5,500
    expect(cache.check('d', 4_550, 4_550)).toBe('full'); // nothing has expired yet: refuse, forget nothing
    expect(cache.check('late', 5_000, 4_550)).toBe('replayed');
    // At 4,600 'early' has expired though 'late' (not expired) is in front of it: the full sweep finds it.
    expect(cache.check('d', 4_600, 4_600)).toBe('fresh');
    expect(cache.size).toBe(3);
  });

  it('refuses nonsense bounds', () => {
    expect(() => new ReplayCache(0, 10)).toThrow(RangeError);
    expect(() => new ReplayCache(1_000, 0)).toThrow(RangeError);
  });
});
