// One worker thread of a sweep's pool: runs simulations one task at a time (a grid point's sim.json and a seed) and
// answers with the run's figures. The simulator is imported from `workerData.runner` (a module exporting
// runSimulation: the real one, or a test's fake), so the thread holds no state between tasks but its imports.

import { parentPort, workerData } from 'node:worker_threads';
import { isBailiffError } from '../../errors.js';
import { parseSimConfig } from '../simulate/config.js';
import { SimConfigError, type RunSimulation } from '../simulate/types.js';
import { runFigures } from './figures.js';
import type { WorkerReply, WorkerTask } from './pool.js';

/** A progress message at most this often per task (each crosses threads). */
const PROGRESS_EVERY_MS = 200;

const port = parentPort;
if (port === null) throw new Error('sweep worker: started outside a worker thread');
const { runner } = workerData as { runner: string };
const load: Promise<RunSimulation> = import(runner).then((m: { runSimulation?: RunSimulation }) => {
  if (typeof m.runSimulation !== 'function') throw new Error(`${runner} exports no runSimulation`);
  return m.runSimulation;
});

port.on('message', (task: WorkerTask) => {
  void load.then(
    (runSimulation) => port.postMessage(runTask(runSimulation, task)),
    (e: unknown) => port.postMessage({ kind: 'failed', task: task.task, message: `cannot load the simulator: ${(e as Error).message}` } satisfies WorkerReply),
  );
});

function runTask(runSimulation: RunSimulation, task: WorkerTask): WorkerReply {
  let last = 0;
  try {
    const config = parseSimConfig(task.sim);
    const result = runSimulation(config, {
      seed: task.seed,
      baseDir: task.baseDir,
      onProgress(done, total) {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS) return;
        last = now;
        port?.postMessage({ kind: 'progress', task: task.task, done, total } satisfies WorkerReply);
      },
    });
    return { kind: 'done', task: task.task, figures: runFigures(task.seed, result.summary) };
  } catch (e) {
    if (e instanceof SimConfigError) return { kind: 'refused', task: task.task, path: e.path, detail: e.detail };
    if (isBailiffError(e)) return { kind: 'refused', task: task.task, path: '(run)', detail: e.message };
    return { kind: 'failed', task: task.task, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
