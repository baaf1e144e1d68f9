// Before the tests: one temporary directory for the whole run, made the TMPDIR of every test process (the workers
// are forked after this runs and inherit it; os.tmpdir() reads TMPDIR on each call, and the CLI and service the
// end-to-end tests spawn inherit it in turn), and removed with everything in it when the run ends. The tests make
// their journals, keys and reports under os.tmpdir() and leave them there; before this, each `npm test` left ~150
// directories (and their SQLite journals) in /tmp for good. BAILIFF_KEEP_TEST_TMP=1 keeps the directory to look into
// after a failure, and the run says where it is.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-tests-'));
  const before = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
    if (process.env['BAILIFF_KEEP_TEST_TMP'] === '1') {
      process.stderr.write(`note: the tests' temporary files are kept in ${dir}\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
