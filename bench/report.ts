export interface BenchReport {
  readonly name: string;
  readonly lines: readonly string[];
}

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
