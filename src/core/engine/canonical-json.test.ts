// canonicalJson is the bytes the journal hashes and compares: its output must never change. The reference below is
// its first implementation (entries, filter, sort, map, join), kept as the specification of the format.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, parseCanonicalJson } from './snapshot.js';

function reference(value: unknown): string {
  if (typeof value === 'bigint') return `{"$n":"${value.toString()}"}`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.bigInt(), fc.string(), fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('node'), { maxKeys: 6 })),
})).node;

describe('canonicalJson', () => {
  it('writes exactly what the reference writes, for any value (fast-check)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys by UTF-16 code units, drops undefined properties, tags bigints', () => {
    // 'B' (0x42) < 'a' (0x61) < 'é' (0xe9); undefined dropped; an undefined array item is null.
    expect(canonicalJson({ é: 1, a: [undefined, 2n], B: undefined, b: 'x' })).toBe('{"a":[null,{"$n":"2"}],"b":"x","é":1}');
    expect(parseCanonicalJson(canonicalJson({ n: -(10n ** 30n) }))).toEqual({ n: -(10n ** 30n) });
  });
});
