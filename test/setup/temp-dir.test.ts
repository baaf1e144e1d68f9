// The run's temporary directory (temp-dir.ts): the test processes and what they spawn write under it, so the run can
// remove everything the tests left when it ends.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';

describe("the tests' temporary directory", () => {
  it('is the test process TMPDIR, one directory made for this run', () => {
    expect(basename(tmpdir())).toMatch(/^bailiff-tests-/);
    expect(existsSync(tmpdir())).toBe(true);
  });

  it('is inherited by the processes a test spawns (the CLI and the service in the end-to-end tests)', () => {
    const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(child).toBe(tmpdir());
  });
});
