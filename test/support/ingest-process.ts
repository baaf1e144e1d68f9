// A real `bailiff ingest` process for the CLI tests (dist/src/cli/main.js: needs `npm run build`, which the tests'
// global setup runs): its stdout and stderr as they come, and a wait for text in either.

import { spawn } from 'node:child_process';

export interface IngestProcess {
  readonly child: ReturnType<typeof spawn>;
  out(): string;
  err(): string;
  /** Resolves once `pick()` holds `text`; rejects if the process ends first. */
  until(pick: () => string, text: string): Promise<void>;
  /** Its exit code (null: killed by a signal). */
  readonly closed: Promise<number | null>;
}

export function startIngest(args: readonly string[]): IngestProcess {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'ingest', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let ended = false;
  const waiters: (() => void)[] = [];
  const tell = (): void => waiters.splice(0).forEach((w) => w());
  child.stdout?.on('data', (d: Buffer) => ((out += d.toString('utf8')), tell()));
  child.stderr?.on('data', (d: Buffer) => ((err += d.toString('utf8')), tell()));
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      tell();
      resolve(code);
    }),
  );
  const until = async (pick: () => string, text: string): Promise<void> => {
    while (!pick().includes(text)) {
      if (ended) throw new Error(`the process ended before ${JSON.stringify(text)}:\n${err}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, out: () => out, err: () => err, until, closed };
}

/** The seqs of an ingest's acknowledgement lines (its stdout), in order. */
export function ackedSeqs(out: string): number[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
}
