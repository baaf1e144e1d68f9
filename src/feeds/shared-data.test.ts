import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { feedFixture, feedFixturePath } from '../../test/fixtures/fixtures.js';
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

  it('the repository’s feed fixtures are byte-for-byte the shared ones (when ../shared is present)', (ctx) => {
    const shared = sharedDataPath('feeds');
    ctx.skip(!existsSync(shared), `no shared data at ${shared} to compare with`);
    const ours = readdirSync(feedFixturePath('.')).sort();
    expect(ours).toHaveLength(6);
    for (const name of ours) expect(feedFixture(name), name).toBe(readFileSync(`${shared}/${name}`, 'utf8'));
  });
});
