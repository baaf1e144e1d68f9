// `bailiff simulate <sim.json>` (docs/simulate.md): one seeded stress run of the engine. The summary goes to stdout as
// JSON (the same seed gives the same bytes); --out writes the whole result (summary and per-step series) to a file.
// A bad file is exit 2 with the path of the field at fault.

import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseSimConfig } from '../sim/simulate/config.js';
import { runSimulation } from '../sim/simulate/run.js';
import { SimConfigError, type SimResult } from '../sim/simulate/types.js';
import type { Snapshot } from '../core/engine/snapshot.js';
import { replay } from '../verify/entries.js';
import { BailiffError } from '../errors.js';
import { unwritableFile } from './errors.js';
import { checkSeqWithinHead, openCheckedJournal } from './journal-file.js';
import type { CliIo } from './program.js';
import { startProgress } from './progress.js';
import { readJsonFile } from './run.js';

export interface SimulateOptions {
  readonly out?: string;
  readonly seed?: number;
  /** Start from the live accounts of this journal (its head, or journalSeq). */
  readonly journal?: string;
  readonly journalSeq?: number;
}

/** Runs the file's simulation; returns the result (for callers that add reports) after printing / writing it. */
export function runSimulate(file: string, o: SimulateOptions, io: CliIo): SimResult {
  const raw = readJsonFile(file, 'simulation');
  let result: SimResult;
  let seed: number | undefined = o.seed;
  const progress = startProgress({ label: 'simulating', total: 0, stream: io.progressStream });
  try {
    const config = parseSimConfig(raw);
    seed ??= config.seed;
    const snapshot = o.journal === undefined ? undefined : journalSnapshot(o.journal, o.journalSeq);
    result = runSimulation(config, {
      ...(snapshot !== undefined ? { snapshot } : {}),
      baseDir: dirname(resolve(file)),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      onProgress: (done, total) => {
        progress.setTotal(total);
        progress.update(done);
      },
    });
  } catch (e) {
    if (e instanceof SimConfigError) throw new SimConfigError(`${file}: ${e.path}`, e.detail);
    // A bug (not one of Bailiff's own errors, which are bad input: exit 2): the seed replays it (STYLE.md: the
    // simulator prints its seed on failure).
    if (e instanceof Error && !(e instanceof BailiffError)) e.message = `${e.message} (simulation ${file}, seed ${seed ?? 'unknown'})`;
    throw e;
  } finally {
    progress.stop();
  }
  const summary = `${JSON.stringify(result.summary, null, 2)}\n`;
  if (o.out !== undefined) {
    try {
      writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    } catch (e) {
      throw unwritableFile(o.out, e);
    }
  }
  io.stdout(summary);
  return result;
}

/** The engine state of a journal at its head (or at `seq`), replayed read-only and checked as `bailiff verify` does. */
function journalSnapshot(file: string, seq: number | undefined): Snapshot {
  const j = openCheckedJournal(file);
  checkSeqWithinHead(seq, j.head, '--journal-seq');
  return replay({ genesis: j.genesis, entries: j.records }, () => {}, seq ?? Number.POSITIVE_INFINITY).snapshot();
}
