import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, sharedDataDir, sharedDataPath } from './shared-data.js';

describe('sharedDataDir', () => {
  it('prefers BAILIFF_SHARED_DATA', () => {
    expect(sharedDataDir({ BAILIFF_SHARED_DATA: '/tmp/bailiff-data' })).toBe('/tmp/bailiff-data');
  });

  it('falls back to <repo root>/../shared/data, the root being the first directory up with package.json', () => {
    const root = findRepoRoot(new URL('.', import.meta.url).pathname);
    expect(root).toBeDefined();
    expect(existsSync(`${root}/package.json`)).toBe(true);
    const url = pathToFileURL(`${root}/src/feeds/shared-data.ts`).href;
    expect(sharedDataDir({}, url)).toBe(`${root?.replace(/\/[^/]+$/, '')}/shared/data`);
    expect(findRepoRoot('/')).toBeUndefined();
  });

  it('sharedDataPath joins its parts under sharedDataDir()', () => {
    expect(sharedDataPath('feeds', 'chainlink-rounds.csv')).toBe(`${sharedDataDir()}/feeds/chainlink-rounds.csv`);
  });
});
