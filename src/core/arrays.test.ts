import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyArray, sortSmall } from './arrays.js';

describe('emptyArray', () => {
  it('empties arrays of every length in place, short ones by pops and long ones at once', () => {
    for (const n of [0, 1, 2, 8, 9, 100]) {
      const a = Array.from({ length: n }, (_, i) => i);
      emptyArray(a);
      expect(a).toEqual([]);
      a.push(7);
      expect(a).toEqual([7]); // the same array, still usable
    }
  });
});

describe('sortSmall', () => {
  it('sorts as Array.prototype.sort does, stably, at every length (insertion below 17, the builtin above)', () => {
    const byKey = (x: { key: number }, y: { key: number }): number => x.key - y.key;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (keys) => {
        const items = keys.map((key, i) => ({ key, i }));
        const expected = items.slice().sort(byKey);
        const got = items.slice();
        expect(sortSmall(got, byKey)).toBe(got); // in place
        expect(got.map((x) => x.i)).toEqual(expected.map((x) => x.i)); // ties keep their order, as the builtin's
      }),
    );
  });
});
