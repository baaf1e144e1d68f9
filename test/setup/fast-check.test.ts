// The test setup's fast-check settings: every property seeded unless BAILIFF_FC_SEED says otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAST_CHECK_SEED, seedFromEnv } from './fast-check.js';

describe('fast-check setup', () => {
  it('reads BAILIFF_FC_SEED: unset or empty -> the fixed seed, an integer -> that seed, random -> none', () => {
    expect(seedFromEnv(undefined)).toBe(FAST_CHECK_SEED);
    expect(seedFromEnv('')).toBe(FAST_CHECK_SEED);
    expect(seedFromEnv('42')).toBe(42);
    expect(seedFromEnv('-7')).toBe(-7);
    expect(seedFromEnv('random')).toBeUndefined();
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const bad of ['4.2', 'abc', '1e3', '99999999999999999999']) {
      expect(() => seedFromEnv(bad)).toThrow(`BAILIFF_FC_SEED must be an integer or 'random', got '${bad}'`);
    }
  });

  it('a property without a seed of its own runs from the global one, the same cases on every run', () => {
    const configured = fc.readConfigureGlobal().seed;
    if (process.env.BAILIFF_FC_SEED === undefined) expect(configured).toBe(FAST_CHECK_SEED);
    const firstOf = (): number => {
      let first: number | undefined;
      fc.assert(
        fc.property(fc.integer(), (x) => {
          first ??= x;
        }),
      );
      return first as number;
    };
    if (configured !== undefined) expect(firstOf()).toBe(firstOf());
  });
});
