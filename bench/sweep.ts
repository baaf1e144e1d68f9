// `npm run bench -- sweep`: a sweep (issue 19 part B) of the simulate bench's world: a 2 x 2 grid (maintenance margin
// x the book's depth) x 2 seeds = 8 runs, once on one worker thread and once on several, with the wall time of each,
// the speed-up, and whether the two outputs are the same bytes (they must be). The baseline is the one-worker run.
// Sizes: BAILIFF_SWEEP_ACCOUNTS (default 2,000), BAILIFF_SWEEP_STEPS (default 3,600), BAILIFF_SWEEP_WORKERS (default
// the pool's default: available cores - 1, at least 2 here so that there is something to compare).

import { parseSweepConfig } from '../src/sim/sweep/schema.js';
import { defaultWorkers } from '../src/sim/sweep/pool.js';
import { runSweep } from '../src/sim/sweep/sweep.js';
import { benchInt, type BenchReport } from './report.js';
import { benchConfig } from './simulate.js';

export async function benchSweep(): Promise<BenchReport> {
  const accounts = benchInt('BAILIFF_SWEEP_ACCOUNTS', 2_000);
  const steps = benchInt('BAILIFF_SWEEP_STEPS', 3_600);
  const workers = benchInt('BAILIFF_SWEEP_WORKERS', Math.max(2, defaultWorkers()));
  const sim = benchConfig(accounts, steps) as unknown as Record<string, unknown>;
  const config = parseSweepConfig({
    sim,
    seeds: [1, 2],
    parameters: [
      { name: 'maintenance', path: 'markets[*].margin.tiers[*].maintenanceRatio', scale: ['1', '1.5'] },
      { name: 'depth', path: 'markets[0].book.depth', scale: ['0.25', '1'] },
    ],
  });
  const timed = async (n: number): Promise<{ ms: number; json: string; frontier: number }> => {
    const t = performance.now();
    const r = await runSweep(config, sim, { workers: n, baseDir: '.' });
    return { ms: performance.now() - t, json: JSON.stringify(r), frontier: r.frontier.length };
  };
  const one = await timed(1);
  const many = await timed(workers);
  const runs = 8;
  // Worker-count independence is a must-hold: a difference fails the bench.
  if (one.json !== many.json) process.exitCode = 1;
  return {
    name: `sweep (${runs} runs of ${accounts.toLocaleString('en')} accounts x ${steps.toLocaleString('en')} steps)`,
    lines: [
      `1 worker: ${(one.ms / 1000).toFixed(1)} s (${(one.ms / runs / 1000).toFixed(2)} s a run)`,
      `${workers} workers: ${(many.ms / 1000).toFixed(1)} s; speed-up x${(one.ms / many.ms).toFixed(2)}`,
      `outputs ${one.json === many.json ? 'identical' : 'DIFFERENT'} (${one.json.length.toLocaleString('en')} bytes); frontier ${one.frontier} points`,
    ],
  };
}
