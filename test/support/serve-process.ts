// `bailiff serve` as a real process (dist/src/cli/main.js) for tests: started on a free port, resolved once it prints
// its URL; its stderr kept to read; its exit code awaited. Needs `npm run build` (dist/).

import { spawn, type ChildProcess } from 'node:child_process';

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  /** Resolves with the exit code once the process exits (the same promise however often read). */
  readonly exited: Promise<number | null>;
}

export function serve(args: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s; stderr: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+)\n/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, stderr: () => err, exited });
      }
    });
    void exited.then((code) => reject(new Error(`exited ${String(code)} before printing its URL; stderr: ${err}`)));
  });
}

export function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function json(url: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await fetch(url)).json();
}

/** POSTs one wire command (or several) to /v1/commands. */
export function postCommands(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Polls `check` every 20 ms until it holds, for at most `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
