// The CLI run in-process with its output captured: what every CLI test starts from.
import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface CliRunOptions {
  /** The environment the CLI sees (default: this process's); `{}` keeps BAILIFF_* settings of the test run out. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What `ingest` reads (default: nothing given). */
  readonly stdin?: AsyncIterable<string | Buffer>;
}

export async function runCliCaptured(args: readonly string[], o: CliRunOptions = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), ...(o.stdin === undefined ? {} : { stdin: o.stdin }) };
  const code = await runCli(args, io, o.env ?? process.env);
  return { code, out, err };
}
