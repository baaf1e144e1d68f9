export interface BenchReport {
  readonly name: string;
  readonly lines: readonly string[];
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
