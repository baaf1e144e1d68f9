import { describe, expect, it } from 'vitest';
import { emptyArray } from './arrays.js';

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
