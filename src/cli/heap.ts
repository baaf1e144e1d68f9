// The process's heap between phases: a full collection, and a wait for V8's background sweeping after it.
//
// Why after recovery: a restore and a replay leave hundreds of MB of garbage (the snapshot's decoded parts, the
// records' texts) in a heap whose live part at 1M accounts is ~1.4 GiB. V8 collects it at the first full GC it
// decides on, which came in the first batch after opening a 1M journal: a mark-compact of 0.25-1.22 s in that batch
// (`npm run bench -- snapshot-stall`, docs/performance.md "2026-12-04, last"). Collected before the first command is
// taken, the pause is part of starting up, and the batches after it see a heap of live data only.
// Why the wait: V8 frees what a full collection found dead on background threads, for seconds at 1M accounts, and
// work done meanwhile shares the cores with it and waits for pages not yet swept (a 1M crash tick timed right after
// a collection took ~200 ms longer; docs/performance.md "2026-12-04, last").
// This is deployment tuning at the edge (like node-flags.ts), never in the engine's core.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One window of the wait, and the other threads' CPU in it under which the process counts as quiet. */
const SETTLE_WINDOW_MS = 25;
const QUIET_CPU_MS = 2.5;

let collector: (() => void) | null | undefined;

/**
 * V8's full collection: node's `gc` when it runs with --expose-gc, else one exposed now (the flag set at run time;
 * a context made after it has `gc`). Null when neither works (a runtime that refuses the flag).
 */
export function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collector = exposed as () => void);
  try {
    setFlagsFromString('--expose-gc');
    const made: unknown = runInNewContext('gc');
    collector = typeof made === 'function' ? (made as () => void) : null;
  } catch {
    collector = null;
  }
  return collector;
}

export interface HeapSettled {
  /** Whether a full collection ran (false: the runtime gave no way to ask for one; nothing was done). */
  readonly collected: boolean;
  /** The collection's own time, ms. */
  readonly collectMs: number;
  /** The wait after it for the background threads to go idle, ms. */
  readonly waitedMs: number;
  /** Whether they went idle within the limit. */
  readonly quiet: boolean;
  /** Whether there was a wait at all (a limit of 0: the collection only). */
  readonly waited: boolean;
}

/**
 * A full collection, then a wait until the process's other threads are idle, up to `maxWaitMs` (0: no wait). The
 * main thread sleeps in the wait, so the process's CPU time in a window is the other threads' work: two windows in a
 * row under QUIET_CPU_MS end it.
 */
export async function collectAndSettle(maxWaitMs = 15_000): Promise<HeapSettled> {
  const gc = fullCollection();
  if (gc === null) return { collected: false, collectMs: 0, waitedMs: 0, quiet: false, waited: false };
  const t0 = performance.now();
  gc();
  const start = performance.now();
  let quietWindows = 0;
  let quiet = false;
  while (performance.now() - start < maxWaitMs) {
    const cpu = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
    const used = process.cpuUsage(cpu);
    quietWindows = (used.user + used.system) / 1000 < QUIET_CPU_MS ? quietWindows + 1 : 0;
    if (quietWindows === 2) {
      quiet = true;
      break;
    }
  }
  return { collected: true, collectMs: start - t0, waitedMs: performance.now() - start, quiet, waited: maxWaitMs > 0 };
}

/** A recovery shorter than this leaves too little garbage to be worth a full collection before the first command. */
export const SETTLE_AFTER_RECOVERY_MS = 1_000;

/** How a settled heap reads in a CLI line: `its garbage collected in 0.9 s (+0.3 s for the sweeping)`. */
export function describeSettled(h: HeapSettled): string {
  if (!h.collected) return 'its garbage left to V8 (no full collection available)';
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const sweeping = h.waited ? ` (+${s(h.waitedMs)} for the sweeping${h.quiet ? '' : ', not finished'})` : '';
  return `its garbage collected in ${s(h.collectMs)}${sweeping} before the first command`;
}
