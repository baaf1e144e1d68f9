// `bailiff preview --journal <file> --change <change.json> [--stress <stress.json>]` (docs/sweeps.md "Preview"): the
// live accounts at the journal's head (or --seq), a proposed change and a stress path; prints who would be liquidated
// with and without the change, as JSON. The journal is only read.

import { parseChange, parseStress } from '../sim/preview/input.js';
import { runPreview, type StressPath } from '../sim/preview/preview.js';
import { replay } from '../verify/entries.js';
import { checkOutputFile } from './errors.js';
import { checkSeqWithinHead, openCheckedJournal } from './journal-file.js';
import type { CliIo } from './program.js';
import { readJsonFile, writeReport } from './run.js';

export interface PreviewCliOptions {
  readonly journal: string;
  readonly change: string;
  readonly stress?: string;
  readonly seq?: number;
  readonly out?: string;
}

export function runPreviewCommand(o: PreviewCliOptions, io: CliIo): 0 {
  checkOutputFile(o.out);
  const changeRaw = readJsonFile(o.change, 'the change');
  const stress: StressPath = o.stress === undefined ? { steps: 0, stepMs: 60_000, moves: new Map() } : parseStress(readJsonFile(o.stress, 'the stress path'));
  const j = openCheckedJournal(o.journal);
  checkSeqWithinHead(o.seq, j.head, '--seq');
  const live = replay({ genesis: j.genesis, entries: j.records }, () => {}, o.seq ?? Number.POSITIVE_INFINITY);
  const change = parseChange(changeRaw, j.units, live.rulebook.name, live.timeMs + 1);
  const r = runPreview(live, change, stress);
  const json = `${JSON.stringify(r, null, 2)}\n`;
  writeReport(json, o.out, io.stdout);
  io.stderr(
    `preview at seq ${r.seq}: ${r.with.length} ledgers liquidated with the change, ${r.without.length} without; ${r.onlyWithChange.length} only with it, ${r.onlyWithoutChange.length} only without, ${r.earlierWithChange.length} earlier with it\n`,
  );
  return 0;
}
