// The frontier between two costs to minimise (bad debt and unnecessary liquidations): the points no other point
// beats on both. A point is dominated when another is no worse on both costs and strictly better on one (the
// textbook definition, e.g. Deb, Multi-Objective Optimization Using Evolutionary Algorithms, 2001, def. 2.5); points
// with equal costs do not dominate each other, so every one of them stays. Costs are bigints: exact, no float ties.

export interface Costs {
  readonly a: bigint;
  readonly b: bigint;
}

/**
 * The indexes of the non-dominated items, ordered by cost a ascending (then b, then index): walking that order, an
 * item is on the frontier when its b is below every b seen at a strictly smaller a, or equals the b of the frontier
 * items at its own a (a tie). O(n log n).
 */
export function paretoFront(items: readonly Costs[]): number[] {
  const order = items.map((_, i) => i).sort((i, j) => {
    const x = items[i] as Costs;
    const y = items[j] as Costs;
    return x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : i - j;
  });
  const out: number[] = [];
  /** The lowest b among items with a smaller a than the current group's. */
  let bestBefore: bigint | null = null;
  let k = 0;
  while (k < order.length) {
    // One group of equal a: its lowest b is its first (sorted), and only items with that b can be on the frontier.
    const a = (items[order[k] as number] as Costs).a;
    const groupBest = (items[order[k] as number] as Costs).b;
    let end = k;
    while (end < order.length && (items[order[end] as number] as Costs).a === a) end++;
    if (bestBefore === null || groupBest < bestBefore) {
      for (let g = k; g < end && (items[order[g] as number] as Costs).b === groupBest; g++) out.push(order[g] as number);
      bestBefore = groupBest;
    }
    k = end;
  }
  return out;
}

/** Whether x dominates y: no worse on both, better on one. */
export function dominates(x: Costs, y: Costs): boolean {
  return x.a <= y.a && x.b <= y.b && (x.a < y.a || x.b < y.b);
}
