// Test support: V8's own answer to "do two objects share a hidden class (map)?" (docs/performance.md "2026-12-07, s68").

import { setFlagsFromString } from 'node:v8';

/** %HaveSameMap as a function: natives syntax, allowed only while the function is compiled. */
export function sameHiddenClass(): (a: object, b: object) => boolean {
  setFlagsFromString('--allow-natives-syntax');
  try {
    return new Function('a', 'b', 'return %HaveSameMap(a, b);') as (a: object, b: object) => boolean;
  } finally {
    setFlagsFromString('--no-allow-natives-syntax');
  }
}
