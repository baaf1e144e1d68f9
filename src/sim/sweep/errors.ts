// The sweep's and the preview's user-facing errors: one line naming the field, exit code 2 (bad input).

import type { CodeName } from '../../core/codes.js';
import { BailiffError } from '../../errors.js';

/** A bad sweep.json, a grid point the simulator refuses, or a bad preview input; `path` names the field. */
export class SweepError extends BailiffError {
  override readonly name = 'SweepError';
  /** Bad input: the CLI exits with 2. */
  readonly exitCode = 2;
  constructor(
    override readonly code: CodeName<'sweep_error'>,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}
