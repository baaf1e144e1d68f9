// A pool of worker threads for a sweep (node:worker_threads): tasks are handed out in order to whichever worker is
// free, and each answer is stored at its task's index, so the results are the same whatever the number of workers or
// the order they finish in (the simulator itself is deterministic: the same sim.json and seed, the same summary).

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { findRepoRoot } from '../../feeds/shared-data.js';
import type { RunFigures } from './figures.js';

export interface WorkerTask {
  readonly task: number;
  /** The grid point's sim.json (as parsed JSON; the worker decodes it). */
  readonly sim: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly baseDir: string;
}

export type WorkerReply =
  | { readonly kind: 'done'; readonly task: number; readonly figures: RunFigures }
  | { readonly kind: 'progress'; readonly task: number; readonly done: number; readonly total: number }
  /** The simulator refused the point's sim.json (a SimConfigError): bad input, named by its field. */
  | { readonly kind: 'refused'; readonly task: number; readonly path: string; readonly detail: string }
  /** Anything else: a bug. */
  | { readonly kind: 'failed'; readonly task: number; readonly message: string };

export type TaskOutcome = Extract<WorkerReply, { kind: 'done' | 'refused' }>;

/** The default pool size: one core left for the main thread and the rest of the machine, at least one worker. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * The compiled file of a module beside this one. Run from the sources (the tests), this module is a .ts file a
 * worker thread cannot load; the test setup emits dist/ (test/setup/build.ts), so the worker runs from there.
 */
export function compiledModule(name: string, from: string = import.meta.url): URL {
  const here = fileURLToPath(from);
  if (!here.endsWith('.ts')) return new URL(name, from);
  const root = findRepoRoot(dirname(here));
  const file = root === undefined ? undefined : join(root, 'dist', relative(root, dirname(here)), name);
  if (file === undefined || !existsSync(file)) throw new Error(`sweep: ${name} is not compiled (npm run build, or run the tests, which emit dist/)`);
  return pathToFileURL(file);
}

/** The real simulator's module (src/sim/simulate/run.ts, compiled). */
export function defaultRunner(): URL {
  return compiledModule('../simulate/run.js');
}

export interface PoolOptions {
  readonly workers: number;
  /** The module exporting runSimulation (default: the real simulator). */
  readonly runner?: URL;
}

/**
 * Runs every task and answers with their outcomes in task order. `onProgress(fraction)` gets the share of the work
 * done (finished tasks plus the finished share of the running ones), 0 to 1. A worker that fails (a bug in the
 * simulator, not a refused config) rejects the whole run, and every worker is stopped.
 */
export async function runTasks(tasks: readonly WorkerTask[], o: PoolOptions, onProgress?: (fraction: number) => void): Promise<TaskOutcome[]> {
  const outcomes: (TaskOutcome | undefined)[] = new Array<TaskOutcome | undefined>(tasks.length).fill(undefined);
  if (tasks.length === 0) return [];
  const size = Math.max(1, Math.min(o.workers, tasks.length));
  const runner = (o.runner ?? defaultRunner()).href;
  const script = compiledModule('./worker.js');
  const workers: Worker[] = [];
  const running = new Map<number, number>();
  let finished = 0;
  let next = 0;
  const report = (): void => {
    if (onProgress === undefined) return;
    let partial = 0;
    for (const f of running.values()) partial += f;
    onProgress((finished + partial) / tasks.length);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker): void => {
        if (next >= tasks.length) return;
        const t = tasks[next++] as WorkerTask;
        running.set(t.task, 0);
        w.postMessage(t);
      };
      for (let i = 0; i < size; i++) {
        const w = new Worker(script, { workerData: { runner } });
        workers.push(w);
        w.on('message', (m: WorkerReply) => {
          if (m.kind === 'progress') {
            running.set(m.task, m.total > 0 ? Math.min(1, m.done / m.total) : 0);
            report();
            return;
          }
          if (m.kind === 'failed') {
            reject(new Error(`sweep task ${m.task}: ${m.message}`));
            return;
          }
          outcomes[m.task] = m;
          running.delete(m.task);
          finished++;
          report();
          if (finished === tasks.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (finished < tasks.length && code !== 0) reject(new Error(`sweep worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes as TaskOutcome[];
}
