export interface BenchReport {
  readonly name: string;
  readonly lines: readonly string[];
  /**
   * The process's RSS high-water (bytes) when the engine's run ended, before the reference scans that follow it in the
   * same process (the honest baseline builds a float screen per sampled market: not the engine's memory). Issue 14's
   * RSS target is the engine's; the report prints both.
   */
  readonly engineHighWater?: number;
}

/** The process's RSS high-water so far, in bytes (maxRSS: the world's build included). */
export function rssHighWater(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Minor page faults of the process so far (first writes to pages: ~10 µs apiece on the 2-core VM). */
export function minorPageFaults(): number {
  return process.resourceUsage().minorPageFault;
}

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Heap in use after a full collection (when node runs with --expose-gc, as `npm run bench` does), in GiB. */
export function heapAtRestGiB(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return 'n/a (run with --expose-gc)';
  gc();
  return `${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(2)} GiB`;
}

/** A benchmark's setting (an environment variable) that cannot be used: bench/main.ts prints it and exits with 2. */
export class BenchSettingError extends Error {
  override readonly name = 'BenchSettingError';
}

/**
 * An integer setting of the benchmarks from the environment: `fallback` when unset or empty, else an integer from `min`
 * to `max`; anything else (a typo, a fraction, a negative count) is refused with BenchSettingError rather than run as NaN.
 */
export function benchInt(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  throw new BenchSettingError(`${name} must be an integer ${range}, not ${text}`);
}

/**
 * A quiet tick: one that announces nothing but clearances of margin calls (MarginCallCleared, since 2026-12-07: before
 * it, the accounts a tick moved back from the recovery level were told by no event, and the walks' quiet ticks have
 * always counted those ticks; they are reported apart, as "with margin-call recoveries").
 */
export function isQuiet(events: readonly { readonly kind: string }[]): boolean {
  for (const e of events) if (e.kind !== 'MarginCallCleared') return false;
  return true;
}
