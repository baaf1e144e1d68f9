// Where the shared test and example data lives: $BAILIFF_SHARED_DATA, else <repo root>/../shared/data.
// The repo root is the nearest directory above this module that holds a package.json.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `startDir` to the first directory containing package.json; undefined if none. */
export function findRepoRoot(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (let depth = 0; depth < 64; depth++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** The shared data directory. `env` and `moduleUrl` are parameters so tests can pin them. */
export function sharedDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  moduleUrl: string = import.meta.url,
): string {
  const fromEnv = env['BAILIFF_SHARED_DATA'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const here = dirname(fileURLToPath(moduleUrl));
  const root = findRepoRoot(here) ?? here;
  return resolve(root, '..', 'shared', 'data');
}

/** A path inside the shared data directory: sharedDataPath('feeds', 'chainlink-rounds.csv'). */
export function sharedDataPath(...parts: string[]): string {
  return join(sharedDataDir(), ...parts);
}
