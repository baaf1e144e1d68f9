// A user-facing CLI failure: printed as one line (`error: <message>`), no stack, exit code 2 (bad input).

import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CodeName } from '../core/codes.js';
import { BailiffError, fileErrorReason } from '../errors.js';

/**
 * Stable codes (the `cli_error` vocabulary of the table of codes, src/core/codes.ts); never renamed or reused.
 * - bad_argument: a flag or argument is malformed or unknown (a --map spec, a time, a rulebook name).
 * - bad_file: a file cannot be read, or is not what the command reads (missing, empty, binary, wrong layout).
 * - no_data: the inputs are readable but give the command nothing to do (a --map that matches no symbol).
 */
export type CliErrorCode = CodeName<'cli_error'>;

export class CliError extends BailiffError {
  override readonly name = 'CliError';
  /** Every CliError is bad input: the command could not run as asked. */
  readonly exitCode = 2;
  constructor(
    override readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A file the command could not open or read: `cannot read [what ]<file>: <reason> (<errno code>)` (fileErrorReason). */
export function unreadableFile(file: string, e: unknown, what?: string): CliError {
  return new CliError('bad_file', `cannot read ${what === undefined ? '' : `${what} `}${file}: ${fileErrorReason(e, 'read')}`);
}

/** A file or directory the command could not create or write: `cannot write <file>: <reason> (<errno code>)`. */
export function unwritableFile(file: string, e: unknown): CliError {
  return new CliError('bad_file', `cannot write ${file}: ${fileErrorReason(e, 'write')}`);
}

/**
 * An output file (--out, --report) checked before a command's work starts: not a directory, in a directory that exists
 * and can be written (a simulation of an hour must not fail at its end over a typo in a path). `cannot write <file>:
 * <reason>` (exit 2), as a failed write says it. The write itself can still fail (a full disk).
 */
export function checkOutputFile(file: string | undefined): void {
  if (file === undefined) return;
  const refuse = (code: string): never => {
    throw unwritableFile(file, Object.assign(new Error(code), { code }));
  };
  const existing = statOrUndefined(file);
  if (existing?.isDirectory() === true) refuse('EISDIR');
  const parent = dirname(resolve(file));
  const dir = statOrUndefined(parent);
  if (dir === undefined) refuse('ENOENT');
  else if (!dir.isDirectory()) refuse('ENOTDIR');
  try {
    accessSync(existing === undefined ? parent : file, constants.W_OK);
  } catch (e) {
    throw unwritableFile(file, e);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A file's text (UTF-8), or `cannot read [what ]<file>: <code>` (exit 2): the one read of an input file. */
export function readTextFile(file: string, what?: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadableFile(file, e, what);
  }
}

