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
