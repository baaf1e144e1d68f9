// The words a file's error code is told in: the reason a person reads, the code kept for a search.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileErrorReason } from './errors.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('fileErrorReason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-errors-'));
  it('says what the system said, in words, with its code', () => {
    expect(fileErrorReason(thrown(() => readFileSync(join(dir, 'nosuch'))), 'read')).toBe('no such file (ENOENT)');
    expect(fileErrorReason(thrown(() => writeFileSync(join(dir, 'nodir', 'x'), 'x')), 'write')).toBe('no such directory (ENOENT)');
    expect(fileErrorReason(thrown(() => readFileSync(dir)), 'read')).toBe('a directory, not a file (EISDIR)');
    writeFileSync(join(dir, 'file'), 'x');
    expect(fileErrorReason(thrown(() => readFileSync(join(dir, 'file', 'below'))), 'read')).toBe('a part of the path is not a directory (ENOTDIR)');
  });
  it('a code it has no words for is told as it is; an error without a code by its message', () => {
    expect(fileErrorReason(Object.assign(new Error('x'), { code: 'EMFILE' }), 'read')).toBe('EMFILE');
    expect(fileErrorReason(new Error('the disk said no'), 'write')).toBe('the disk said no');
    expect(fileErrorReason('a string', 'read')).toBe('a string');
  });
});
