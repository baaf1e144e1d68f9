import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { canonicalJson, encodeSnapshot, parseCanonicalJson } from '../core/engine/snapshot.js';
import { decodedStream } from '../sim/command-stream.js';
import { CanonicalEncoder, parseCanonical } from './canonical.js';
import { entryBody, parseEntryCommand } from './record.js';

/** JSON-like values with bigints, undefined properties and items, repeated shapes with varying key orders. */
const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.bigInt(),
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom('kind', 'a', 'b', 'B', '$n', '10', '2', 'é', '__proto__'), fc.string()), tie('value'), { maxKeys: 5 }),
}));

describe('CanonicalEncoder', () => {
  it('writes canonicalJson’s text exactly, for any value, with one encoder reused across all of them', () => {
    const encoder = new CanonicalEncoder();
    fc.assert(
      fc.property(fc.array(values.value, { maxLength: 8 }), (vs) => {
        for (const v of vs) expect(encoder.encode(v)).toBe(canonicalJson(v));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the same keys in any insertion order, an undefined property or a missing one, as canonicalJson does', () => {
    const encoder = new CanonicalEncoder();
    // Same kind, same keys in three insertion orders, then one with a key undefined and one with an extra key.
    const shapes = [
      { kind: 'k', b: 1n, a: 'x' },
      { a: 'x', kind: 'k', b: 1n },
      { b: 1n, a: 'x', kind: 'k' },
      { kind: 'k', b: undefined, a: 'x' },
      { kind: 'k', b: 1n, a: 'x', c: [undefined, { z: 1, y: 2 }] },
      Object.assign(Object.create({ inherited: 1 }) as object, { kind: 'k', a: 'x' }),
    ];
    for (const v of [...shapes, ...shapes]) expect(encoder.encode(v)).toBe(canonicalJson(v));
    expect(encoder.encode(shapes[1])).toBe('{"a":"x","b":{"$n":"1"},"kind":"k"}');
  });

  it('frames every command and event of a seeded stream as canonicalJson does, and the command reads back alone', () => {
    const { scenario, setup, stream } = decodedStream(11, 3_000);
    const engine = Engine.create(scenario.config, scenario.rulebook);
    for (const command of [...setup, ...stream]) {
      const events = engine.apply(command);
      const text = entryBody(command, events);
      expect(text).toBe(canonicalJson({ command, events }));
      expect(canonicalJson(parseEntryCommand(engine.seq, text))).toBe(canonicalJson(command));
    }
    // The whole state too (the snapshot's encoding uses canonicalJson).
    expect(new CanonicalEncoder().encode(engine.snapshot())).toBe(encodeSnapshot(engine.snapshot()));
  });
});

describe('parseCanonical', () => {
  it('reads canonical text back as parseCanonicalJson does (bigints included)', () => {
    fc.assert(
      fc.property(values.value, (v) => {
        const text = canonicalJson(v);
        if (text === undefined) return;
        // Both throw alike on {"$n": x} where BigInt(x) does (the generator makes some: {"$n": null}).
        const outcome = (parse: (t: string) => unknown): unknown => {
          try {
            return { value: parse(text) };
          } catch (e) {
            return { error: (e as Error).constructor.name };
          }
        };
        expect(outcome(parseCanonical)).toStrictEqual(outcome(parseCanonicalJson));
      }),
      { numRuns: 500 },
    );
    expect(parseCanonical('{"a":[{"$n":"-12"},{"$n":"3","x":1}],"__proto__":{"$n":"4"}}')).toStrictEqual(
      parseCanonicalJson('{"a":[{"$n":"-12"},{"$n":"3","x":1}],"__proto__":{"$n":"4"}}'),
    );
  });

  it('refuses a body whose command object does not end, or that does not start with one', () => {
    expect(() => parseEntryCommand(5, '{"command":{"kind":"tick","x":"}"')).toThrow(SyntaxError);
    expect(() => parseEntryCommand(5, '{"events":[],"command":{"kind":"tick"}}')).toThrow(SyntaxError);
    // Braces inside strings and escaped quotes do not end it.
    expect(parseEntryCommand(5, '{"command":{"kind":"halt","reason":"a \\"}\\" b"},"events":[]}')).toEqual({ kind: 'halt', reason: 'a "}" b' });
  });
});
