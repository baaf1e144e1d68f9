// `bailiff preview --journal <file> --change <change.json> [--stress <stress.json>]` (docs/sweeps.md "Preview"): the
// live accounts at the journal's head (or --seq), a proposed change and a stress path; prints who would be liquidated
// with and without the change, as JSON. The journal is only read.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseChange, parseStress } from '../sim/preview/input.js';
import { runPreview, type StressPath } from '../sim/preview/preview.js';
import { replay } from '../verify/entries.js';
import { unreadableFile } from './errors.js';
import { checkSeqWithinHead, openCheckedJournal } from './journal-file.js';
import type { CliIo } from './program.js';

export interface PreviewCliOptions {
  readonly journal: string;
  readonly change: string;
  readonly stress?: string;
  readonly seq?: number;
  readonly out?: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadableFile(file, e, what);
  }
}

export function runPreviewCommand(o: PreviewCliOptions, io: CliIo): 0 {
  const changeText = readText(o.change, 'the change');
  const stress: StressPath = o.stress === undefined ? { steps: 0, stepMs: 60_000, moves: new Map() } : parseStress(readText(o.stress, 'the stress path'));
  const j = openCheckedJournal(o.journal);
  checkSeqWithinHead(o.seq, j.head, '--seq');
  const live = replay({ genesis: j.genesis, entries: j.records }, () => {}, o.seq ?? Number.POSITIVE_INFINITY);
  const change = parseChange(changeText, j.units, live.rulebook.name, live.timeMs + 1);
  const r = runPreview(live, change, stress);
  const json = `${JSON.stringify(r, null, 2)}\n`;
  if (o.out === undefined) io.stdout(json);
  else writeFileSync(o.out, json);
  io.stderr(
    `preview at seq ${r.seq}: ${r.with.length} ledgers liquidated with the change, ${r.without.length} without; ${r.onlyWithChange.length} only with it, ${r.onlyWithoutChange.length} only without, ${r.earlierWithChange.length} earlier with it\n`,
  );
  return 0;
}
