// Writing the simulator's HTML reports (src/sim/report): `bailiff simulate --report` and `bailiff sweep --report`.

import { writeFileSync } from 'node:fs';
import { simReportHtml, sweepReportHtml } from '../sim/report/reports.js';
import type { SimResult } from '../sim/simulate/types.js';
import type { SweepResult } from '../sim/sweep/sweep.js';
import { unwritableFile } from './errors.js';

function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw unwritableFile(file, e);
  }
}

export function writeSimReport(result: SimResult, file: string): void {
  write(file, simReportHtml(result));
}

export function writeSweepReport(result: SweepResult, file: string): void {
  write(file, sweepReportHtml(result));
}
