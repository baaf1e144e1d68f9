// Arrays on a hot path: emptying a reused scratch array, sorting a short one.
//
// `a.length = 0` is a call into V8's runtime whatever the array holds: ~40 ns on this project's VM even when the
// array is already empty, where pop() is ~2 ns an element and a length check ~2 ns (measured with a 20M-iteration
// loop on Node 20). A price tick empties several scratch arrays that usually hold nothing or one entry.

/** Pops short arrays empty (keeping their backing store for reuse) and cuts long ones at once. */
export function emptyArray(a: unknown[]): void {
  const n = a.length;
  if (n === 0) return;
  if (n > 8) {
    a.length = 0;
    return;
  }
  for (let i = 0; i < n; i++) a.pop();
}

/** Arrays up to this long are sorted by insertion (sortSmall). */
const INSERTION_SORT_MAX = 16;

/**
 * Sorts `a` in place by `compare`, stably, as Array.prototype.sort does: short arrays by insertion. Why: the
 * builtin's setup costs ~0.5 µs even for two or three elements (a scratch copy, then the merge machinery), where an
 * insertion sort of that many takes ~0.05 µs (node 20, a 300,000-sort loop); a tick's margin calls are usually two
 * or three (docs/performance.md, "2026-12-05, s48").
 */
export function sortSmall<T>(a: T[], compare: (x: T, y: T) => number): T[] {
  const n = a.length;
  if (n > INSERTION_SORT_MAX) return a.sort(compare);
  for (let i = 1; i < n; i++) {
    const v = a[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(a[j] as T, v) > 0) {
      a[j + 1] = a[j] as T;
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}
