import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import { canonicalJson, encodeSnapshot, parseCanonicalJson } from '../core/engine/snapshot.js';
import { decodedStream } from '../sim/command-stream.js';
import { CanonicalEncoder, parseCanonical } from './canonical.js';
import { entryBody, entryBodyMatches, entryCommandOf, entryEventsMatch, parseEntryCommand, readEntryCommand, readPriceCommand } from './record.js';

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

describe('CanonicalEncoder.matches (replay’s check, without writing the text)', () => {
  /** One edit of a text: a character removed, replaced or inserted, the text cut, or one added at its end. */
  const edited = fc.tuple(fc.nat(), fc.constantFrom('remove', 'replace', 'insert', 'cut', 'append'), fc.constantFrom('0', '1', '9', '-', '"', '\\', ',', '}', ']', 'a', 'é', '\ud800'));
  const edit = (text: string, [n, how, c]: [number, string, string]): string => {
    const at = text.length === 0 ? 0 : n % text.length;
    if (how === 'remove') return text.slice(0, at) + text.slice(at + 1);
    if (how === 'replace') return text.slice(0, at) + c + text.slice(at + 1);
    if (how === 'insert') return text.slice(0, at) + c + text.slice(at);
    if (how === 'cut') return text.slice(0, at);
    return text + c;
  };

  it('is true exactly when the text is encode’s, for any value against its own text edited once and against another value’s text', () => {
    const encoder = new CanonicalEncoder();
    fc.assert(
      fc.property(values.value, values.value, edited, (v, w, e) => {
        const own = canonicalJson(v);
        if (own === undefined) {
          expect(encoder.matches(v, 'undefined')).toBe(false);
          return;
        }
        expect(encoder.matches(v, own)).toBe(true);
        const changed = edit(own, e);
        expect(encoder.matches(v, changed)).toBe(changed === own);
        const other = canonicalJson(w);
        if (other !== undefined) expect(encoder.matches(v, other)).toBe(other === own);
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads integers by their digits exactly: signs, leading zeros, the 15-digit fast path’s edges, and larger ones', () => {
    const encoder = new CanonicalEncoder();
    const cases: [unknown, string, boolean][] = [
      [0n, '{"$n":"0"}', true],
      [0n, '{"$n":"-0"}', false],
      [0n, '{"$n":"00"}', false],
      [0n, '{"$n":""}', false],
      [7n, '{"$n":"07"}', false],
      [-7n, '{"$n":"-7"}', true],
      [-7n, '{"$n":"7"}', false],
      [7n, '{"$n":"-7"}', false],
      [999_999_999_999_999n, '{"$n":"999999999999999"}', true],
      [999_999_999_999_999n, '{"$n":"999999999999998"}', false],
      [1_000_000_000_000_000n, '{"$n":"1000000000000000"}', true],
      [1_000_000_000_000_000n, '{"$n":"1000000000000001"}', false],
      [-(2n ** 64n), `{"$n":"-${2n ** 64n}"}`, true],
      [2n ** 53n + 1n, `{"$n":"${2n ** 53n}"}`, false],
      [123n, '{"$n":"123"', false],
      [123n, '{"$n":"1234"}', false],
      [0, '0', true],
      [-0, '0', true],
      [-0, '-0', false],
      [42, '042', false],
      [999_999_999_999_999, '999999999999999', true],
      [1e15, '1000000000000000', true],
      [2 ** 53 + 2, String(2 ** 53 + 2), true],
      [1e21, '1e+21', true],
      [0.5, '0.5', true],
      [NaN, 'null', true],
      [[1, undefined, 2], '[1,null,2]', true],
      [{ a: 12 }, '{"a":12}', true],
      [{ a: 12 }, '{"a":1}', false],
      [{ a: 1 }, '{"a":12}', false],
    ];
    for (const [v, text, expected] of cases) {
      expect(encoder.matches(v, text), `${String(v)} against ${text}`).toBe(expected);
      expect(canonicalJson(v) === text, `canonicalJson(${String(v)}) against ${text}`).toBe(expected);
    }
  });

  it('compares strings JSON.stringify escapes by their escaped text, and others in place', () => {
    const encoder = new CanonicalEncoder();
    for (const s of ['plain', '', 'a"b', 'back\\slash', 'new\nline', '\u0001', 'é ü €', '\ud83d\ude00', '\ud800 lone', '\udfff']) {
      const text = JSON.stringify(s);
      expect(encoder.matches(s, text)).toBe(true);
      expect(encoder.matches({ kind: 'k', s }, `{"kind":"k","s":${text}}`)).toBe(true);
      // The raw characters between quotes are not the escaped text (where there is an escape).
      expect(encoder.matches(s, `"${s}"`)).toBe(text === `"${s}"`);
    }
  });

  it('compares a record\'s bytes (matchesBytes): characters of several bytes, and any one byte changed', () => {
    const encoder = new CanonicalEncoder();
    const value = { kind: 'k', account: 'acct-é ü € 😀', amount: 12345678901234567890n, n: -42, ok: true, list: ['a', null, 1.5] };
    const bytes = Buffer.from(canonicalJson(value));
    expect(encoder.matchesBytes(value, bytes)).toBe(true);
    for (let i = 0; i < bytes.length; i++) {
      const edited = Buffer.from(bytes);
      edited[i] = (edited[i] as number) ^ 0x01;
      expect(encoder.matchesBytes(value, edited), `byte ${i}`).toBe(false);
    }
    expect(encoder.matchesBytes(value, bytes.subarray(0, bytes.length - 1))).toBe(false);
    expect(encoder.matchesBytes(value, Buffer.concat([bytes, Buffer.from(' ')]))).toBe(false);
  });

  it('matches every command and event of a seeded stream against its body, and no body with one event changed', () => {
    const { scenario, setup, stream } = decodedStream(12, 2_000);
    const engine = Engine.create(scenario.config, scenario.rulebook);
    let changed = 0;
    for (const command of [...setup, ...stream]) {
      const events = engine.apply(command);
      const text = canonicalJson({ command, events });
      expect(entryBodyMatches(command, events, text)).toBe(true);
      const first = events[0];
      if (first === undefined) continue;
      // The same event with its ordinal one more, or one event fewer: never the recorded body.
      expect(entryBodyMatches(command, [{ ...first, ordinal: first.ordinal + 1 }, ...events.slice(1)], text)).toBe(false);
      expect(entryBodyMatches(command, events.slice(1), text)).toBe(false);
      changed++;
    }
    expect(changed).toBeGreaterThan(1_000);
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

describe('parseEntryCommand of a price command (read without JSON.parse: readPriceCommand)', () => {
  const amount = fc.oneof(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.constantFrom(0n, 1n, -1n, 10n ** 15n - 1n, 10n ** 15n, -(10n ** 16n)));
  const priceCommand = fc
    .record(
      {
        conf: amount,
        index: amount,
        mark: amount,
        market: fc.oneof(fc.constantFrom('BTC-PERP', 'M5-PERP'), fc.string(), fc.string({ unit: 'grapheme' })),
        tsMs: fc.oneof(fc.nat(), fc.constantFrom(0, 1e15 - 1, 1e15, Number.MAX_SAFE_INTEGER)),
      },
      { requiredKeys: ['market', 'tsMs'] },
    )
    .map((c) => ({ kind: 'price' as const, ...c }));
  const commandOf = (text: string): unknown => (parseCanonical(text) as { command: unknown }).command;

  it('reads what parseCanonical reads: the same values, with the keys in the same order', () => {
    fc.assert(
      fc.property(priceCommand, fc.boolean(), (command, withEvent) => {
        const events = withEvent ? [{ seq: 1, ordinal: 0, tsMs: 1, kind: 'FundingSettled', market: command.market, index: 1n }] : [];
        const text = entryBody(command as Command, events as never);
        const read = parseEntryCommand(1, text);
        expect(read).toStrictEqual(commandOf(text));
        expect(Object.keys(read)).toEqual(Object.keys(commandOf(text) as object));
      }),
      { numRuns: 500 },
    );
  });

  it('reads the same command from a record\'s bytes (entryCommandOf) as from its text, long markets and characters of 1 to 4 bytes included', () => {
    // Markets of every length around 256 bytes (a cut the reader once made), with characters of 1 to 4 bytes in UTF-8,
    // and bodies with events after the command.
    const market = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.integer({ min: 150, max: 300 }).map((n) => 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2)), fc.integer({ min: 180, max: 260 }).map((n) => `${'M'.repeat(n)}😀`));
    fc.assert(
      fc.property(priceCommand, market, fc.nat({ max: 3 }), (command, m, padding) => {
        const c = { ...command, market: m };
        const events = Array.from({ length: padding }, (_, i) => ({ seq: 1, ordinal: i, tsMs: 1, kind: 'FundingSettled', market: 'x'.repeat(100), index: 1n }));
        const text = entryBody(c as Command, events as never);
        const read = entryCommandOf(1, Buffer.from(text));
        expect(read).toStrictEqual(parseEntryCommand(1, text));
        expect(Object.keys(read)).toEqual(Object.keys(parseEntryCommand(1, text)));
      }),
      { numRuns: 500 },
    );
    // Not a price tick: read from the whole body; not a command: refused as parseEntryCommand refuses it.
    const deposit = { kind: 'deposit', account: 'a'.repeat(300), asset: 'USDT', amount: 5n, tsMs: 1 };
    expect(entryCommandOf(1, Buffer.from(entryBody(deposit as unknown as Command, [])))).toStrictEqual(parseEntryCommand(1, entryBody(deposit as unknown as Command, [])));
    expect(() => entryCommandOf(7, Buffer.from(`{"events":[],"x":"${'y'.repeat(300)}"}`))).toThrow(/record 7/);
  });

  it('vouches for a price command\'s bytes only when they are its canonical encoding, and then checks the events alone as the whole body would be', () => {
    const events = fc.array(fc.record({ seq: fc.nat(), ordinal: fc.nat(), tsMs: fc.nat(), kind: fc.constantFrom('FundingSettled', 'MarginCall'), market: fc.string({ unit: 'grapheme', maxLength: 20 }), index: amount }), { maxLength: 3 });
    let vouched = 0;
    fc.assert(
      fc.property(priceCommand, events, events, fc.nat({ max: 200 }), (command, recorded, replayed, cut) => {
        const bytes = Buffer.from(entryBody(command as Command, recorded as never));
        const read = readEntryCommand(1, bytes);
        expect(read.command).toStrictEqual(entryCommandOf(1, bytes));
        // Vouched for: ASCII bytes up to commandEnd, which are `{"command":` and the command's canonical JSON.
        if (read.commandEnd > 0) {
          vouched++;
          expect(bytes.subarray(0, read.commandEnd).toString('latin1')).toBe(`{"command":${canonicalJson(read.command)}`);
          // The events alone decide, as the whole body's comparison does: the recorded ones, others, a cut or a byte more.
          for (const [evs, body] of [
            [recorded, bytes],
            [replayed, bytes],
            [recorded, bytes.subarray(0, Math.max(read.commandEnd, bytes.length - 1 - cut))],
            [recorded, Buffer.concat([bytes, Buffer.from('}')])],
          ] as const) {
            expect(entryEventsMatch(evs as never, body, read.commandEnd)).toBe(entryBodyMatches(read.command, evs as never, body));
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(vouched).toBeGreaterThan(100);
    // A market outside ASCII: its text and bytes differ, so the whole body is compared.
    expect(readEntryCommand(1, Buffer.from(entryBody({ kind: 'price', market: 'é-PERP', tsMs: 1 } as Command, []))).commandEnd).toBe(0);
    expect(readEntryCommand(1, Buffer.from(entryBody({ kind: 'price', market: 'E-PERP', tsMs: 1 } as Command, []))).commandEnd).toBeGreaterThan(0);
  });

  it('takes the price ticks replay meets, and leaves every other form to parseCanonical', () => {
    const body = (command: string): string => `{"command":${command},"events":[]}`;
    const tick = '{"kind":"price","mark":{"$n":"9997000"},"market":"M5-PERP","tsMs":20006}';
    expect(readPriceCommand(body(tick), 11)).toStrictEqual({ kind: 'price', mark: 9997000n, market: 'M5-PERP', tsMs: 20006 });
    expect(readPriceCommand(body('{"index":{"$n":"5"},"kind":"price","market":"X","tsMs":0}'), 11)).toStrictEqual({ index: 5n, kind: 'price', market: 'X', tsMs: 0 });
    // Not canonical, or not this reader's: a leading zero, a minus zero, an escape, a key out of order or one more,
    // a number that is not a plain integer, another kind.
    for (const other of [
      '{"kind":"price","mark":{"$n":"09"},"market":"X","tsMs":1}',
      '{"kind":"price","mark":{"$n":"-0"},"market":"X","tsMs":1}',
      '{"kind":"price","market":"X\\"Y","tsMs":1}',
      '{"kind":"price","market":"X","mark":{"$n":"9"},"tsMs":1}',
      '{"kind":"price","market":"X","tsMs":1,"zz":1}',
      '{"kind":"price","market":"X","tsMs":1.5}',
      '{"kind":"price","market":"X","tsMs":01}',
      '{"kind":"price","market":"X","tsMs":1234567890123456}',
      '{"kind":"price_x","market":"X","tsMs":1}',
      '{"a":1,"kind":"price","market":"X","tsMs":1}',
    ]) {
      expect(readPriceCommand(body(other), 11), other).toBeNull();
    }
    // ... which reads them as JSON says, or refuses them.
    expect(parseEntryCommand(1, body('{"kind":"price","market":"X\\"Y","tsMs":1}'))).toStrictEqual({ kind: 'price', market: 'X"Y', tsMs: 1 });
    expect(parseEntryCommand(1, body('{"kind":"price","market":"X","tsMs":1234567890123456}'))).toStrictEqual({ kind: 'price', market: 'X', tsMs: 1234567890123456 });
  });
});
