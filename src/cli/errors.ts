/** A user-facing CLI failure: printed as one line, no stack, with a meaningful exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** 2: bad input (file, flags); 1: the run failed. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
