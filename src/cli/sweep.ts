// `bailiff sweep <sweep.json>` (docs/sweeps.md): runs the sweep on a pool of worker threads, prints its JSON summary
// (or writes it to --out), and writes the HTML report with --report. A bar on stderr while it runs (a terminal only).

import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SimConfigError } from '../sim/simulate/types.js';
import { parseSimConfig } from '../sim/simulate/config.js';
import { SweepError } from '../sim/sweep/errors.js';
import { defaultWorkers } from '../sim/sweep/pool.js';
import { parseSweepConfig } from '../sim/sweep/schema.js';
import { runSweep } from '../sim/sweep/sweep.js';
import { WireError } from '../wire/decode.js';
import { checkOutputFile, unwritableFile } from './errors.js';
import { writeSweepReport } from './report.js';
import type { CliIo } from './program.js';
import { readJsonFile } from './run.js';
import { startProgress } from './progress.js';

export interface SweepCliOptions {
  readonly workers?: number;
  readonly out?: string;
  readonly report?: string;
  /** The simulator module (tests: a fake); default the real one. */
  readonly runner?: URL;
}

/** The sweep's sim.json as parsed JSON, and the directory its relative files are found from. */
function loadSim(sim: string | Record<string, unknown>, sweepDir: string): { raw: Record<string, unknown>; baseDir: string } {
  if (typeof sim !== 'string') return { raw: sim, baseDir: sweepDir };
  const file = resolve(sweepDir, sim);
  let raw: unknown;
  try {
    raw = readJsonFile(file, 'the sim.json');
  } catch (e) {
    if (e instanceof SimConfigError || e instanceof SweepError || e instanceof WireError) throw e;
    if ((e as { name?: string }).name === 'CliError') throw e;
    throw new SweepError('sweep_config_invalid', 'sim', `${file}: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SweepError('sweep_config_invalid', 'sim', `${file} is not a JSON object`);
  try {
    parseSimConfig(raw);
  } catch (e) {
    if (e instanceof SimConfigError) throw new SweepError('sweep_config_invalid', `sim (${file}) ${e.path}`, e.detail);
    throw e;
  }
  return { raw: raw as Record<string, unknown>, baseDir: dirname(file) };
}

export async function runSweepCommand(file: string, o: SweepCliOptions, io: CliIo): Promise<0> {
  checkOutputFile(o.out);
  checkOutputFile(o.report);
  const config = parseSweepConfig(readJsonFile(file, 'the sweep'));
  const { raw, baseDir } = loadSim(config.sim, dirname(resolve(file)));
  // No delay: a sweep is long, and its progress comes a few times a second (startProgress only looks at the clock
  // on every 256th update before it draws).
  const bar = startProgress({ label: 'sweep', total: 1000, stream: io.progressStream, delayMs: 0 });
  let result;
  try {
    result = await runSweep(config, raw, {
      workers: o.workers ?? defaultWorkers(),
      baseDir,
      ...(o.runner === undefined ? {} : { runner: o.runner }),
      onProgress: (f) => bar.update(Math.round(f * 1000)),
    });
  } finally {
    bar.stop();
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (o.out === undefined) io.stdout(json);
  else {
    try {
      writeFileSync(o.out, json);
    } catch (e) {
      throw unwritableFile(o.out, e);
    }
  }
  if (o.report !== undefined) writeSweepReport(result, o.report);
  const best = result.points[result.best];
  io.stderr(
    `sweep ${result.name}: ${result.points.length} points x ${result.seeds.length} seeds = ${result.runs} runs; frontier ${result.frontier.length} points; best score ${best?.score ?? '-'} at ${JSON.stringify(best?.values ?? {})}\n`,
  );
  return 0;
}
