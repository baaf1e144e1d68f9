import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { accountCountHint, canonicalJson, encodeSnapshot } from '../core/engine/snapshot.js';
import { decodedStream } from '../sim/command-stream.js';
import { parseCanonical } from './canonical.js';
import { AccountReader, accountSpans, decodeSnapshotForRestore, encodeSnapshotParts, writeAccount } from './snapshot-stream.js';
import type { AccountSnapshot, Snapshot } from '../core/engine/snapshot.js';

/** An engine after the seeded stream (5 traders, 400 commands): a real snapshot to write and read. */
function streamedEngine(): Engine {
  const { scenario, setup, stream } = decodedStream(5, 400);
  const engine = Engine.create(scenario.config, scenario.rulebook);
  for (const c of [...setup, ...stream]) engine.apply(c);
  return engine;
}

/** The decoder's result with its accounts read out (once), comparable with parseCanonical's. */
function readOut(bytes: Buffer | Buffer[]): unknown {
  const snap = decodeSnapshotForRestore(bytes);
  return { ...snap, accounts: [...snap.accounts] };
}

/** Account-like values: strings with quotes, backslashes, brackets and non-ASCII, bigints, nested arrays. */
const tricky = fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', '[', ']', ',', 'é', '€', '😀', '\n') });
const accountLike = fc.record({
  id: tricky,
  balances: fc.array(fc.tuple(tricky, fc.bigInt()), { maxLength: 3 }),
  positions: fc.array(fc.record({ market: tricky, size: fc.bigInt(), isolatedMargin: fc.option(fc.bigInt()) }), { maxLength: 3 }),
  borrows: fc.array(fc.tuple(tricky, fc.bigInt()), { maxLength: 2 }),
});

describe('writeAccount (an account written straight into bytes)', () => {
  /** What writeAccount leaves in a buffer of `size`: the text, or its code (-1 not of its shape, -2 no room). */
  const written = (account: unknown, size = 4096): string | number => {
    const buf = Buffer.alloc(size);
    const end = writeAccount(account as AccountSnapshot, buf, 3);
    return end < 0 ? end : buf.toString('utf8', 3, end);
  };

  it('writes canonicalJson’s bytes of any account, or says it is not of its shape', () => {
    fc.assert(
      fc.property(fc.oneof(engineAccount(anyId), accountLike), (account) => {
        const text = written(account);
        if (text !== -1) expect(text).toBe(canonicalJson(account));
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the engine’s accounts itself (plain ids, amounts below 2^53), and says when the buffer is too short', () => {
    const safe = fc.oneof(
      fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }),
      fc.constantFrom(0n, -1n, 9n, 10n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 10n ** 15n, 9_999_999_999_999_999n / 10n),
    );
    const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '|', ':', '.', ' ', '~'), maxLength: 12 });
    const account = fc.record({
      id: plain,
      balances: fc.array(fc.tuple(plain, safe), { maxLength: 3 }),
      positions: fc.array(fc.record({ market: plain, size: safe, entryQuote: safe, fundingIndex: safe, isolatedMargin: fc.option(safe) }), { maxLength: 3 }),
      borrows: fc.array(fc.tuple(plain, safe), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(account, (a) => {
        const text = canonicalJson(a);
        expect(written(a)).toBe(text);
        expect(written(a, 3 + text.length)).toBe(text); // exactly room enough
        expect(written(a, 2 + text.length)).toBe(-2);
      }),
      { numRuns: 500 },
    );
    // Another key, a missing one, an amount that is not a bigint or is 2^53 or more, an id to escape: not its shape.
    const base = { balances: [['USDC', 5n]], borrows: [], id: 'a', positions: [] };
    expect(written(base)).toBe('{"balances":[["USDC",{"$n":"5"}]],"borrows":[],"id":"a","positions":[]}');
    expect(written({ ...base, extra: 1 })).toBe(-1);
    expect(written({ balances: [], borrows: [], id: 'a' })).toBe(-1);
    expect(written({ ...base, balances: [['USDC', 5]] })).toBe(-1);
    expect(written({ ...base, balances: [['USDC', 2n ** 53n]] })).toBe(-1);
    expect(written({ ...base, id: 'a"b' })).toBe(-1);
    expect(written({ ...base, id: 'é' })).toBe(-1);
  });
});

describe('encodeSnapshotParts', () => {
  it('writes encodeSnapshot’s bytes exactly, in parts that each end after an account, for any part size', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(accountLike, engineAccount(plainId), engineAccount(anyId)), { maxLength: 8 }), tricky, fc.integer({ min: 1, max: 400 }), (accounts, name, partBytes) => {
        const snap = { accounts, config: { name }, seq: 3, markets: [{ id: name }] } as unknown as Snapshot;
        const parts = encodeSnapshotParts(snap, partBytes);
        expect(Buffer.concat(parts).toString('utf8')).toBe(encodeSnapshot(snap));
        // A part ends where an account ends (or with the rest): every part but the last ends with a '}'.
        for (const p of parts.slice(0, -1)) expect(p.toString('utf8').endsWith('}')).toBe(true);
        // Each part holds at least one account, so there are no more parts than accounts and the rest.
        expect(parts.length).toBeLessThanOrEqual(accounts.length + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a real snapshot in parts that decode and restore to the same state', () => {
    const engine = streamedEngine();
    const snap = engine.snapshot();
    const text = encodeSnapshot(snap);
    const parts = encodeSnapshotParts(snap, 256);
    expect(parts.length).toBeGreaterThan(3);
    const bytes = Buffer.concat(parts);
    expect(bytes.toString('utf8')).toBe(text);
    expect(encodeSnapshot(Engine.restore(decodeSnapshotForRestore(bytes)).snapshot())).toBe(text);
    // One part when it fits (the default part size is MiBs).
    expect(encodeSnapshotParts(snap)).toHaveLength(1);
  });

  it('writes a snapshot without accounts, and a value not shaped as a snapshot, as encodeSnapshot does', () => {
    const empty = { accounts: [], seq: 2 } as unknown as Snapshot;
    expect(Buffer.concat(encodeSnapshotParts(empty, 1)).toString('utf8')).toBe('{"accounts":[],"seq":2}');
    const other = { a: 1, accounts: [{ id: 'x' }] } as unknown as Snapshot;
    expect(Buffer.concat(encodeSnapshotParts(other, 1)).toString('utf8')).toBe(canonicalJson(other));
  });
});

describe('decodeSnapshotForRestore', () => {
  it('gives parseCanonical’s values, accounts included, for any accounts and the rest of a snapshot', () => {
    fc.assert(
      fc.property(fc.array(accountLike, { maxLength: 6 }), tricky, fc.bigInt(), (accounts, name, amount) => {
        const snap = { accounts, config: { name, amount }, seq: 3, markets: [{ id: name }] };
        const bytes = Buffer.from(canonicalJson(snap), 'utf8');
        expect(readOut(bytes)).toEqual(parseCanonical(bytes.toString('utf8')));
        // The accounts' number, known before one is read: Engine.restore's capacity hint.
        expect(accountCountHint(decodeSnapshotForRestore(bytes).accounts)).toBe(accounts.length);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the parts a snapshot was stored in as their concatenation, wherever they are cut', () => {
    const anyAccount = fc.oneof(accountLike, engineAccount(plainId), engineAccount(anyId));
    fc.assert(
      fc.property(fc.array(anyAccount, { maxLength: 8 }), tricky, fc.integer({ min: 1, max: 400 }), fc.array(fc.nat(), { maxLength: 6 }), (accounts, name, partBytes, cuts) => {
        const snap = { accounts, config: { name }, seq: 3, markets: [{ id: name }] } as unknown as Snapshot;
        const whole = Buffer.from(encodeSnapshot(snap), 'utf8');
        const expected = parseCanonical(whole.toString('utf8'));
        // As encodeSnapshotParts writes them (every account in one part: read in place, never concatenated)...
        const parts = encodeSnapshotParts(snap, partBytes);
        expect(accountSpans(parts)?.count).toBe(accounts.length);
        expect(readOut(parts)).toEqual(expected);
        // Found as they are read (walkedAccounts): none can be read again before the walk reaches it; every one after.
        const walked = decodeSnapshotForRestore(parts).accounts;
        const reread = walked.reread as (k: number) => AccountSnapshot;
        if (accounts.length > 0) expect(() => reread(0)).toThrow(RangeError);
        const inOrder = [...walked];
        expect(inOrder.map((_, k) => reread(k))).toEqual(inOrder);
        expect(() => reread(accounts.length)).toThrow(RangeError);
        // One part: the hint is the accounts' number (its scan counts them); more: estimated from their bytes.
        if (parts.length === 1) expect(accountCountHint(walked)).toBe(accounts.length);
        else expect(accountCountHint(walked)).toBeGreaterThan(0);
        // ...and cut anywhere (inside an account, a string, an escape: read as one buffer), empty parts included.
        const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at].map((from, k) => whole.subarray(from, at[k] ?? whole.length));
        expect(readOut(pieces)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a snapshot cut in two at every byte, as one buffer (an array of the rest may end where a part starts)', () => {
    const accounts = Array.from({ length: 3 }, (_, i) => ({ balances: [['USDC', BigInt(i)]], borrows: [], id: `a${i}`, positions: [] }));
    const snap = { accounts, config: { name: 'aa' }, markets: [{ id: 'aa' }, { id: '],{' }], seq: 3 } as unknown as Snapshot;
    const whole = Buffer.from(encodeSnapshot(snap), 'utf8');
    const expected = parseCanonical(whole.toString('utf8'));
    for (let at = 0; at <= whole.length; at++) expect(readOut([whole.subarray(0, at), whole.subarray(at)]), `cut at ${at}`).toEqual(expected);
  });

  it('finds `{"balances":` in a real snapshot only where an account starts (what walkedAccounts takes a part start for)', () => {
    const engine = streamedEngine();
    const snap = engine.snapshot();
    const text = encodeSnapshot(snap);
    expect(snap.accounts.length).toBeGreaterThan(5);
    expect(text.split('{"balances":').length - 1).toBe(snap.accounts.length);
    expect(text.split(',{"balances":').length - 1).toBe(snap.accounts.length - 1);
  });

  it('estimates the accounts of many parts from the bytes of the first and the last, over rather than under', () => {
    const accounts = Array.from({ length: 3000 }, (_, i) => ({
      balances: [['USDC', BigInt(1000 + ((i * 7919) % 9_000_000))]],
      borrows: [],
      id: `acct-${i}`,
      positions: Array.from({ length: 1 + (i % 2) }, (_, j) => ({
        entryQuote: BigInt(-((i * 104_729) % 40_000_000_000)),
        fundingIndex: 0n,
        isolatedMargin: (i + j) % 5 === 0 ? BigInt(i * 31) : null,
        market: `M${(i + j) % 10}-PERP`,
        size: BigInt(((i * 13) % 500) - 250),
      })),
    }));
    const snap = { accounts, config: { name: 'x' }, seq: 3, markets: [] } as unknown as Snapshot;
    const parts = encodeSnapshotParts(snap, 16 * 1024);
    expect(parts.length).toBeGreaterThan(10);
    const hint = accountCountHint(decodeSnapshotForRestore(parts).accounts);
    expect(hint).toBeGreaterThanOrEqual(accounts.length);
    expect(hint).toBeLessThanOrEqual(accounts.length * 1.15);
  });

  it('throws SyntaxError, as the accounts are read, on parts cut between accounts whose accounts do not parse or do not follow each other', () => {
    const accounts = Array.from({ length: 40 }, (_, i) => ({ balances: [['USDC', BigInt(i)]], borrows: [], id: `a${i}`, positions: [] }));
    const parts = encodeSnapshotParts({ accounts, config: {}, seq: 1 } as unknown as Snapshot, 200);
    expect(parts.length).toBeGreaterThan(3);
    expect(readOut(parts)).toEqual(parseCanonical(Buffer.concat(parts).toString('utf8')));
    const edited = (p: number, edit: (text: string) => string): Buffer[] => parts.map((b, k) => (k === p ? Buffer.from(edit(b.toString('latin1')), 'latin1') : b));
    // An id without quotes; an account cut short at its part's end; a comma more; a value other than an account.
    expect(() => readOut(edited(1, (t) => t.replace('"id":"a', '"id":a')))).toThrow(SyntaxError);
    expect(() => readOut(edited(1, (t) => t.slice(0, -2)))).toThrow(SyntaxError);
    expect(() => readOut(edited(1, (t) => `${t},`))).toThrow(SyntaxError);
    expect(() => readOut(edited(2, (t) => t.replace('},{"balances"', '},7,{"balances"')))).toThrow(SyntaxError);
  });

  it('throws SyntaxError on malformed accounts arrays however they are cut into parts', () => {
    const bad = [
      '{"accounts":[{"id":"a"},{"id":"b",}],"seq":0}',
      '{"accounts":[1,{"id":"a"}],"seq":0}',
      '{"accounts":[{"id":"a"},2],"seq":0}',
      '{"accounts":[{"id":"a"}{"id":"b"}],"seq":0}',
      '{"accounts":[{"id":"a"},,{"id":"b"}],"seq":0}',
      '{"accounts":[{"id":"a"},],"seq":0}',
      '{"accounts":[[],{"id":"a"}],"seq":0}',
      '{"accounts":["},{\\"",{"id":"a"}],"seq":0}',
      '{"accounts":[{"id":"a"}',
    ];
    for (const text of bad) {
      const bytes = Buffer.from(text, 'utf8');
      for (let cut = 0; cut <= bytes.length; cut++) expect(() => readOut([bytes.subarray(0, cut), bytes.subarray(cut)]), `${text} cut at ${cut}`).toThrow(SyntaxError);
    }
  });

  it('restores an engine to the same state as the whole-text decoder, on a real snapshot', () => {
    const engine = streamedEngine();
    const text = encodeSnapshot(engine.snapshot());
    const bytes = Buffer.from(text, 'utf8');
    expect(text.startsWith('{"accounts":[{')).toBe(true); // the streamed path, not the fallback
    const restored = Engine.restore(decodeSnapshotForRestore(bytes));
    expect(encodeSnapshot(restored.snapshot())).toBe(text);
  });

  it('decodes bytes not shaped as a snapshot (no leading accounts array) whole, as loadSnapshot does', () => {
    // A key sorting before "accounts": the text does not start with the accounts array.
    const bytes = Buffer.from(canonicalJson({ a: 1, accounts: [{ id: 'x', b: [2n] }], seq: 1 }), 'utf8');
    expect(bytes.toString('utf8').startsWith('{"a":1,')).toBe(true);
    expect(readOut(bytes)).toEqual({ a: 1, accounts: [{ id: 'x', b: [2n] }], seq: 1 });
    expect(readOut(Buffer.from('{"accounts":[],"seq":2}', 'utf8'))).toEqual({ accounts: [], seq: 2 });
  });

  it('throws SyntaxError on an account that does not parse, or on something other than accounts in the array', () => {
    const bad = (text: string): (() => unknown) => () => readOut(Buffer.from(text, 'utf8'));
    expect(bad('{"accounts":[{"id":"a"},{"id":"b",}],"seq":0}')).toThrow(SyntaxError);
    expect(bad('{"accounts":[1,{"id":"a"}],"seq":0}')).toThrow(SyntaxError);
    expect(bad('{"accounts":[{"id":"a"},2],"seq":0}')).toThrow(SyntaxError);
    expect(bad('{"accounts":[{"id":"a"}{"id":"b"}],"seq":0}')).toThrow(SyntaxError);
    expect(bad('{"accounts":[3],"seq":0}')).toThrow(SyntaxError);
    expect(bad('{"accounts":[{"id":"a"}')).toThrow(SyntaxError); // the array does not close: decoded whole, fails
    expect(bad('{"accounts":[{"id":"a"}],"seq":')).toThrow(SyntaxError); // the rest does not parse
  });
});

/** Accounts as the engine snapshots them (accountSnapshot), with ids and amounts of any form. */
const plainId = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '|', ':', '.'), minLength: 1, maxLength: 12 });
const anyId = fc.oneof(plainId, tricky, fc.string({ unit: 'binary', maxLength: 6 }));
const amount = fc.oneof(fc.bigInt(), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom(0n, -1n, 10n ** 15n - 1n, 10n ** 15n, -(10n ** 16n)));
const engineAccount = (id: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.record({
    id,
    balances: fc.array(fc.tuple(id, amount), { maxLength: 3 }),
    positions: fc.array(fc.record({ market: id, size: amount, entryQuote: amount, fundingIndex: amount, isolatedMargin: fc.option(amount) }), { maxLength: 3 }),
    borrows: fc.array(fc.tuple(id, amount), { maxLength: 2 }),
  });

describe('AccountReader (an account read straight from the bytes)', () => {
  it('gives parseCanonical’s values for any account as the engine writes it, and reads plain ones itself', () => {
    const reader = new AccountReader();
    fc.assert(
      fc.property(fc.array(engineAccount(plainId), { minLength: 1, maxLength: 4 }), fc.array(engineAccount(anyId), { maxLength: 4 }), (plain, any) => {
        for (const [account, mustRead] of [...plain.map((a) => [a, true] as const), ...any.map((a) => [a, false] as const)]) {
          // Inside a larger buffer, as in a snapshot: the reader stops at the account's end.
          const text = canonicalJson(account);
          const bytes = Buffer.from(`[${text},1]`, 'utf8');
          const read = reader.read(bytes, 1, bytes.length - 3);
          if (mustRead) expect(read).not.toBeNull();
          if (read !== null) expect(read).toStrictEqual(parseCanonical(text));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves to parseCanonical what it does not read: other shapes, escapes, numbers of other forms, trailing bytes', () => {
    const reader = new AccountReader();
    const base = '{"balances":[["USDC",{"$n":"5"}]],"borrows":[],"id":"a","positions":[]}';
    const cases = [
      base.replace('"5"', '"05"'), // a leading zero: BigInt reads it, the reader does not
      base.replace('"5"', '"-0"'),
      base.replace('"5"', '""'),
      base.replace('"5"', '"+5"'),
      base.replace('"5"', '"5 "'),
      base.replace('"a"', '"a\\"b"'), // an escape
      base.replace('"borrows":[],', ''), // a field missing
      base.replace('"positions":[]', '"positions":[],"x":1'), // a field more
      base.replace('[["USDC"', '[ ["USDC"'), // whitespace
      base.replace('"positions":[]', '"positions":[{"entryQuote":{"$n":"1"},"fundingIndex":{"$n":"0"},"market":"M","size":{"$n":"1"}}]'), // no isolatedMargin
    ];
    for (const text of cases) {
      const bytes = Buffer.from(text, 'utf8');
      expect(reader.read(bytes, 0, bytes.length), text).toBeNull();
    }
    const bytes = Buffer.from(base, 'utf8');
    expect(reader.read(bytes, 0, bytes.length - 1)).toBeNull(); // cut short
    expect(reader.read(Buffer.from(`${base} `, 'utf8'), 0, bytes.length + 1)).toBeNull(); // a byte after it
    expect(reader.read(bytes, 0, bytes.length)).toStrictEqual({ balances: [['USDC', 5n]], borrows: [], id: 'a', positions: [] });
  });
});
