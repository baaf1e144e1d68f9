// `npm start` (scripts/start.mjs over `bailiff serve --insecure-local --replay`), end to end: in a temporary working
// directory (its journal goes to ./data/npm-start there), the service starts, prints the dashboard's URL, serves the
// page, feeds the crash replay to its end and, with --exit-after-replay, stops by itself with its journal flushed and
// exit code 0. Small and fast: 100 traders, the synthetic crash, 10^6 replay minutes per wall minute.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts', 'start.mjs');

describe('npm start (scripts/start.mjs)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'bailiff-start-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('starts the service with the dashboard, replays the crash and, asked to, stops by itself cleanly', async () => {
    const args = [SCRIPT, '--exit-after-replay', '--port', '0', '--speed', '1000000', '--accounts', '100', '--synthetic'];
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let page: Promise<string> | null = null;
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      if (url !== undefined && page === null) page = fetch(url).then((r) => r.text()).catch((e: unknown) => `fetch failed: ${String(e)}`);
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));

    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/ {3}\(Ctrl-C stops the service\)$/m);
    expect(await (page ?? Promise.resolve('no URL printed'))).toContain('<title>Bailiff dashboard</title>');
    expect(stderr).toContain('--insecure-local');
    expect(stderr).toMatch(/serve: replay done after 600 minutes; head (\d+)/);
    const head = /replay done after 600 minutes; head (\d+)/.exec(stderr)?.[1];
    expect(stderr).toContain(`serve: stopped; journal flushed at head ${head}`);
    expect(existsSync(join(cwd, 'data', 'npm-start', 'journal.db'))).toBe(true);
  }, 120_000);
});
