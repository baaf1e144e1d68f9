import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, paretoFront, type Costs } from './pareto.js';

const c = (a: number, b: number): Costs => ({ a: BigInt(a), b: BigInt(b) });

describe('paretoFront', () => {
  it('keeps exactly the non-dominated points of a known set, ordered by the first cost', () => {
    // (bad debt, unnecessary): 0 (5,5) dominated by 1 (3,4); 1 on it; 2 (1,9) on it (least a); 3 (4,1) on it;
    // 4 (6,0) on it (least b); 5 (4,2) dominated by 3; 6 (3,4) equal to 1: a tie, kept; 7 (9,9) dominated.
    const items = [c(5, 5), c(3, 4), c(1, 9), c(4, 1), c(6, 0), c(4, 2), c(3, 4), c(9, 9)];
    expect(paretoFront(items)).toEqual([2, 1, 6, 3, 4]);
  });

  it('handles the corners: empty, one point, all equal, a point best on both', () => {
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([c(7, 7)])).toEqual([0]);
    expect(paretoFront([c(2, 2), c(2, 2), c(2, 2)])).toEqual([0, 1, 2]);
    expect(paretoFront([c(3, 1), c(0, 0), c(1, 5)])).toEqual([1]);
    // Equal a, different b: only the lower b.
    expect(paretoFront([c(1, 3), c(1, 2)])).toEqual([1]);
  });

  it('agrees with the definition on random sets (no frontier point dominated; every other point dominated by one)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 })), { maxLength: 40 }), (pairs) => {
        const items = pairs.map(([a, b]) => c(a, b));
        const front = new Set(paretoFront(items));
        items.forEach((x, i) => {
          const beaten = items.some((y) => dominates(y, x));
          expect(front.has(i)).toBe(!beaten);
        });
      }),
    );
  });
});
