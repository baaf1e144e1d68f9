import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldReader, JsonNumber, isJsonNumber, isJsonObject, parseJson, type JsonValue } from './json.js';

/** JsonValue back to plain JS, numbers as their text, for comparison with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (isJsonNumber(v)) return Number(v.value);
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
    expect(parseJson('{"a":1,}')).toEqual({ ok: false, error: "Quoted object key expected but got '}'", offset: 7 });
    expect(parseJson('[1 2]')).toEqual({ ok: false, error: "Comma ',' expected after value but got '2'", offset: 3 });
    expect(parseJson('01')).toEqual({ ok: false, error: "Expected end of input but got '1'", offset: 1 });
    expect(parseJson('"abc')).toMatchObject({ ok: false, offset: 4 });
    expect(parseJson('')).toMatchObject({ ok: false, offset: 0 });
    // Nesting deep enough to exhaust the stack is an error, not a crash.
    expect(parseJson('['.repeat(1_000_000))).toEqual({ ok: false, error: 'nested too deep', offset: 0 });
    // A key given twice with different values is ambiguous: refused.
    expect(parseJson('{"p":"1.5","p":"2.5"}')).toEqual({ ok: false, error: "Duplicate key 'p' encountered", offset: 12 });
  });

  it('keeps integers beyond 2^53 and decimals beyond float precision exact', () => {
    const r = parseJson('{"id":123456789012345678901234567890,"r":0.1000000000000000055511151231257827}');
    if (!r.ok || !isJsonObject(r.value)) throw new Error('not an object');
    expect(r.value['id']).toEqual(new JsonNumber('123456789012345678901234567890'));
    expect(r.value['r']).toEqual(new JsonNumber('0.1000000000000000055511151231257827'));
  });

  it('reads only own fields: "constructor" or "__proto__" in a payload are data, never Object.prototype', () => {
    const r = parseJson('{"__proto__":{"x":1},"s":"BTCUSDT"}');
    if (!r.ok || !isJsonObject(r.value)) throw new Error('not an object');
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    const f = new FieldReader('t');
    expect(f.string(r.value, 's')).toBe('BTCUSDT');
    f.string(r.value, 'constructor');
    expect(f.problem).toEqual({ code: 'bad_shape', message: 't: constructor is not a string' });
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
