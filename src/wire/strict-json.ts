// JSON for wire input (scenario files), read strictly: a key given twice in one object is an error (JSON.parse
// would silently keep the last one), and so is a key such as "__proto__" or "constructor" anywhere (they mean
// something to JavaScript objects, never to us). Errors name the path of the field, as every WireError does.

import { visit, type JSONPath } from 'jsonc-parser';
import { WireError } from './decode.js';

/** Keys refused anywhere in wire input: they name parts of JavaScript's object model, never a field of ours. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON path as the decoder writes it: accounts[0].deposits.USDT */
export function pathText(parts: readonly (string | number)[]): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * Parses JSON text (a leading byte-order mark skipped); throws a WireError for invalid JSON (path ''), for a key given twice in one object and for a
 * reserved key (both with the key's path).
 */
export function parseStrictJson(withBom: string): unknown {
  // A UTF-8 byte-order mark some editors write first (U+FEFF): not JSON, and meaningless in UTF-8 (RFC 8259 §8.1
  // lets a parser ignore it).
  const text = withBom.charCodeAt(0) === 0xfeff ? withBom.slice(1) : withBom;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // One line: the parser quotes the text around the fault, newlines and all.
    throw new WireError('', `not valid JSON: ${(e as Error).message.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}`);
  }
  // Reserved keys and depth first: the token walk below recurses, so it only sees input of a bounded depth.
  checkReservedKeys(value);
  // The text is valid JSON: walk its tokens once more for what JSON.parse does not say (duplicates).
  const keysOfOpenObjects: Set<string>[] = [];
  let problem: WireError | undefined;
  visit(text, {
    onObjectBegin: () => {
      keysOfOpenObjects.push(new Set());
    },
    onObjectEnd: () => {
      keysOfOpenObjects.pop();
    },
    onObjectProperty: (key: string, _offset: number, _length: number, line: number, column: number, pathOf: () => JSONPath) => {
      if (problem !== undefined) return;
      const keys = keysOfOpenObjects[keysOfOpenObjects.length - 1];
      if (keys === undefined) return;
      if (keys.has(key)) problem = new WireError(pathText([...pathOf(), key]), `key given twice in one object (line ${line + 1}, column ${column + 1})`);
      keys.add(key);
    },
  });
  if (problem !== undefined) throw problem;
  return value;
}

/** Nesting accepted in wire input; a scenario file is about 7 levels deep. */
export const WIRE_DEPTH_MAX = 64;

/**
 * Throws a WireError naming the first reserved key (RESERVED_KEYS) found anywhere in a parsed value, or the first
 * place nested deeper than WIRE_DEPTH_MAX.
 */
export function checkReservedKeys(value: unknown): void {
  const path: (string | number)[] = [];
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    if (path.length > WIRE_DEPTH_MAX) throw new WireError(pathText(path), `nested deeper than ${WIRE_DEPTH_MAX} levels`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
      return;
    }
    for (const key of Object.keys(v)) {
      path.push(key);
      if (RESERVED_KEYS.has(key)) throw new WireError(pathText(path), `"${key}" is a reserved key, not a field`);
      walk((v as Record<string, unknown>)[key]);
      path.pop();
    }
  };
  walk(value);
}
