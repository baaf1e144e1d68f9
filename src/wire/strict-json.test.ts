import { describe, expect, it } from 'vitest';
import { WireError } from './decode.js';
import { checkReservedKeys, parseStrictJson, pathText } from './strict-json.js';

function refusal(f: () => unknown): { path: string; detail: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof WireError) return { path: e.path, detail: e.detail };
    throw e;
  }
  throw new Error('not refused');
}

describe('parseStrictJson', () => {
  it('parses valid JSON as JSON.parse does', () => {
    const text = '{"a":[1,{"b":"x"}],"c":null,"d":{"e":{"f":true}}}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });

  it('refuses a key given twice in one object, naming its path, line and column', () => {
    expect(refusal(() => parseStrictJson('{"a":1,"a":1}'))).toEqual({ path: 'a', detail: 'key given twice in one object (line 1, column 8)' });
    expect(refusal(() => parseStrictJson('{"accounts":[{"id":"x"},\n {"id":"y","deposits":{"USDT":"1",\n   "USDT":"2"}}]}'))).toEqual({
      path: 'accounts[1].deposits.USDT',
      detail: 'key given twice in one object (line 3, column 4)',
    });
    // The same key in two different objects is fine.
    expect(parseStrictJson('[{"a":1},{"a":2},{"b":{"a":3}}]')).toEqual([{ a: 1 }, { a: 2 }, { b: { a: 3 } }]);
  });

  it('refuses reserved keys anywhere, and invalid JSON with path ""', () => {
    expect(refusal(() => parseStrictJson('{"x":[{"__proto__":{}}]}'))).toEqual({ path: 'x[0].__proto__', detail: '"__proto__" is a reserved key, not a field' });
    expect(refusal(() => parseStrictJson('{"prototype":1}'))).toMatchObject({ path: 'prototype' });
    expect(refusal(() => parseStrictJson('{"a":'))).toMatchObject({ path: '', detail: expect.stringMatching(/^not valid JSON: /) });
    // The parser's reason quotes the text at the fault; its line breaks are escaped, so the message stays one line.
    expect(refusal(() => parseStrictJson('not json\r\nline2\n'))).toEqual({ path: '', detail: `not valid JSON: Unexpected token 'o', "not json\\r\\nline2\\n" is not valid JSON` });
    // Valid but absurdly deep JSON is refused before anything recurses over it (no stack overflow).
    expect(refusal(() => parseStrictJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toMatchObject({ detail: 'nested deeper than 64 levels' });
  });
});

describe('checkReservedKeys', () => {
  it('finds a reserved key in an object built by hand (own properties only) and refuses absurd nesting', () => {
    const o = JSON.parse('{"m":{"constructor":{}}}') as unknown;
    expect(refusal(() => checkReservedKeys(o))).toEqual({ path: 'm.constructor', detail: '"constructor" is a reserved key, not a field' });
    expect(() => checkReservedKeys({ toString: 'fine?' })).not.toThrow(); // only the three object-model keys are reserved
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(refusal(() => checkReservedKeys(deep)).detail).toBe('nested deeper than 64 levels');
  });

  it('writes paths as the decoder does', () => {
    expect(pathText(['accounts', 0, 'deposits', 'USDT'])).toBe('accounts[0].deposits.USDT');
    expect(pathText([])).toBe('');
  });
});

describe('parseStrictJson and a byte-order mark', () => {
  it('skips one leading U+FEFF (some editors write it first); elsewhere it is not JSON', () => {
    expect(parseStrictJson('\uFEFF{"a":1,"b":[2]}')).toEqual({ a: 1, b: [2] });
    expect(refusal(() => parseStrictJson('\uFEFF{"a":1,"a":2}'))).toEqual({ path: 'a', detail: 'key given twice in one object (line 1, column 8)' });
    expect(refusal(() => parseStrictJson('{"a":\uFEFF1}')).detail).toMatch(/^not valid JSON/);
  });
});
