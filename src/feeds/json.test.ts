import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldReader, JsonNumber, isJsonObject, parseJson, type JsonValue } from './json.js';

/** JsonValue back to plain JS, numbers as their text, for comparison with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (isJsonObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('parseJson', () => {
  it('keeps number source text', () => {
    const r = parseJson('{"a":0.004,"b":[1300.0,-1e-3],"c":"x\\u0041\\n","d":null,"e":true}');
    expect(r.ok).toBe(true);
    if (!r.ok || !isJsonObject(r.value)) throw new Error('not an object');
    expect(r.value['a']).toEqual(new JsonNumber('0.004'));
    expect(r.value['b']).toEqual([new JsonNumber('1300.0'), new JsonNumber('-1e-3')]);
    expect(r.value['c']).toBe('xA\n');
    expect(r.value['d']).toBe(null);
    expect(r.value['e']).toBe(true);
  });

  it('reports syntax errors with an offset, never throws', () => {
    expect(parseJson('{"a":1,}')).toEqual({ ok: false, error: 'expected a key', offset: 7 });
    expect(parseJson('[1 2]')).toEqual({ ok: false, error: "expected ',' or ']'", offset: 3 });
    expect(parseJson('01')).toEqual({ ok: false, error: 'unexpected data after JSON value', offset: 1 });
    expect(parseJson('"abc')).toMatchObject({ ok: false, error: 'unterminated string' });
    expect(parseJson('')).toMatchObject({ ok: false, error: 'unexpected end of input' });
    expect(parseJson('[[[[1]]]]', 3)).toMatchObject({ ok: false, error: 'nested too deep' });
    expect(parseJson('{"__proto__":{"x":1}}')).toMatchObject({ ok: true });
  });

  it('agrees with JSON.parse on any JSON (property)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const r = parseJson(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(plain(r.value)).toEqual(JSON.parse(text));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('FieldReader', () => {
  it('remembers the first problem and its code', () => {
    const r = parseJson('{"E":1738534440001,"big":9007199254740993,"p":"1.5","x":1.5}');
    if (!r.ok || !isJsonObject(r.value)) throw new Error('not an object');
    const o = r.value;
    const f = new FieldReader('t');
    expect(f.int(o, 'E')).toBe(1738534440001);
    expect(f.decimal(o, 'p')).toEqual({ mantissa: 15n, expo: -1 });
    expect(f.bigint(o, 'big')).toBe(9007199254740993n);
    expect(f.problem).toBeUndefined();
    f.int(o, 'big');
    f.string(o, 'missing');
    expect(f.problem).toEqual({ code: 'bad_number', message: 't: big exceeds 2^53: 9007199254740993' });
  });
});
