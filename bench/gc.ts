// Garbage-collection time in a window, from the perf_hooks GC observer (entries arrive asynchronously: settle()
// waits for them before reading).

import { PerformanceObserver, performance } from 'node:perf_hooks';

export class GcWatch {
  private readonly entries: { start: number; end: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.entries.push({ start: e.startTime, end: e.startTime + e.duration });
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** The performance clock (the GC entries' clock), ms. */
  now(): number {
    return performance.now();
  }

  /** Lets queued GC entries arrive. */
  async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** GC time and count overlapping [from, to] (call settle() first). */
  within(from: number, to: number): { ms: number; count: number } {
    let ms = 0;
    let count = 0;
    for (const e of this.entries) {
      const overlap = Math.min(e.end, to) - Math.max(e.start, from);
      if (overlap > 0) {
        ms += overlap;
        count++;
      }
    }
    return { ms, count };
  }

  stop(): void {
    this.observer.disconnect();
  }
}

/** One window of collectAndSettle's wait, and the other threads' CPU in it below which the process counts as quiet. */
const SETTLE_WINDOW_MS = 25;
const QUIET_CPU_MS = 2.5;

/**
 * A full collection (node with --expose-gc, as `npm run bench` runs), then a wait until the process's other threads
 * are idle, up to `maxMs`. V8 sweeps what a full collection freed on background threads: at 1M accounts for seconds,
 * and a tick timed meanwhile shares the 2 cores with the sweeper and waits for pages it has not swept yet (a 1M crash
 * tick ~200 ms slower; docs/performance.md "2026-12-04, last"). The main thread sleeps in the wait, so the process's
 * CPU time in a window is the other threads' work: two windows in a row under QUIET_CPU_MS end it. Returns how long it
 * waited and whether the process went quiet.
 */
export async function collectAndSettle(maxMs = 15_000): Promise<{ waitedMs: number; quiet: boolean }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return { waitedMs: 0, quiet: false };
  gc();
  const start = performance.now();
  let quietWindows = 0;
  while (performance.now() - start < maxMs) {
    const cpu = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
    const used = process.cpuUsage(cpu);
    quietWindows = (used.user + used.system) / 1000 < QUIET_CPU_MS ? quietWindows + 1 : 0;
    if (quietWindows === 2) return { waitedMs: performance.now() - start, quiet: true };
  }
  return { waitedMs: performance.now() - start, quiet: false };
}
