import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { canonicalJson, decodeSnapshot, encodeSnapshot, parseCanonicalJson } from '../core/engine/snapshot.js';
import { standardSetup, TEST_CONFIG, USDC } from '../core/engine/testkit.js';
import type { Command } from '../core/engine/commands.js';
import { DEFAULT_RULEBOOK } from '../core/rulebooks/presets.js';
import {
  decodeRecord,
  encodeEntryBatch,
  encodeEntryRecord,
  frameAt,
  encodeGenesisRecord,
  framedRecordHasher,
  parseEntryBody,
  parseGenesisBody,
  RECORD_BYTES_MIN,
  RECORD_HEADER_BYTES,
  ZERO_HASH,
  entryBody,
  entryCommandEnd,
  entryEventsMatchTakingCalls,
  CallSummarizer,
  type CallSummary,
} from './record.js';
import type { EngineEvent } from '../core/engine/events.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from './types.js';

const GENESIS: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK };

/** Entries of the standard world: what an engine answered to its setup commands and a deposit. */
function entries(): JournalEntry[] {
  const engine = Engine.create(TEST_CONFIG, DEFAULT_RULEBOOK);
  const cmds: Command[] = [...standardSetup(1_000), { kind: 'deposit', tsMs: 2_000, account: 'a', asset: USDC, amount: 123_456_789n }];
  return cmds.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
}

describe('record framing', () => {
  it('frames a batch as its records back to back, each exactly encodeEntryRecord’s frame, split again by length', () => {
    const genesisHash = encodeGenesisRecord(GENESIS).hash;
    const all = entries();
    const batch = encodeEntryBatch(all, genesisHash);
    let prev = genesisHash;
    const frames = all.map((e) => {
      const r = encodeEntryRecord(e, prev);
      prev = r.hash;
      return r.bytes;
    });
    expect(batch.bytes.equals(Buffer.concat(frames))).toBe(true);
    expect(batch).toMatchObject({ firstSeq: 1, lastSeq: all.length });
    expect(batch.hash.equals(prev)).toBe(true);
    let offset = 0;
    for (const f of frames) {
      expect(frameAt(batch.bytes, offset).equals(f)).toBe(true);
      offset += f.length;
    }
    // Cut inside the last frame: frameAt gives what is left, which decodes as torn when last.
    const cut = batch.bytes.subarray(0, batch.bytes.length - 7);
    const lastStart = batch.bytes.length - (frames.at(-1) as Buffer).length;
    expect(decodeRecord(frameAt(cut, lastStart), { seq: all.length, prevHash: ZERO_HASH, last: true })).toMatchObject({ status: 'torn' });
    expect(() => encodeEntryBatch([all[0] as JournalEntry, all[2] as JournalEntry], genesisHash)).toThrow(RangeError);
  });

  it('lays the genesis out byte by byte: magic, version, kind 0, seq 0, length, zero prevHash, body, SHA-256', () => {
    const g = encodeGenesisRecord(GENESIS);
    const body = canonicalJson(GENESIS);
    const n = Buffer.byteLength(body);
    expect(g.bytes.length).toBe(52 + n + 32);
    expect(g.bytes.subarray(0, 4).toString('latin1')).toBe('BJRN');
    expect(g.bytes[4]).toBe(JOURNAL_FORMAT_VERSION);
    expect(g.bytes[5]).toBe(0);
    expect(g.bytes.readUInt16BE(6)).toBe(0);
    expect(g.bytes.readBigUInt64BE(8)).toBe(0n);
    expect(g.bytes.readUInt32BE(16)).toBe(n);
    expect(g.bytes.subarray(20, 52).equals(ZERO_HASH)).toBe(true);
    expect(g.bytes.subarray(52, 52 + n).toString('utf8')).toBe(body);
    const sha = createHash('sha256').update(g.bytes.subarray(0, 52 + n)).digest();
    expect(g.bytes.subarray(52 + n).equals(sha)).toBe(true);
    expect(g.hash.equals(sha)).toBe(true);
    const d = decodeRecord(g.bytes, { seq: 0, prevHash: ZERO_HASH, last: true });
    expect(d.status).toBe('ok');
    if (d.status === 'ok') expect(parseGenesisBody(d.body)).toEqual(GENESIS);
  });

  it('chains each entry to the one before: prevHash is the previous record’s checksum', () => {
    let prev = encodeGenesisRecord(GENESIS).hash;
    for (const e of entries()) {
      const r = encodeEntryRecord(e, prev);
      expect(r.bytes.subarray(20, 52).equals(prev)).toBe(true);
      expect(r.bytes.readBigUInt64BE(8)).toBe(BigInt(e.seq));
      const d = decodeRecord(r.bytes, { seq: e.seq, prevHash: prev, last: false });
      expect(d.status).toBe('ok');
      if (d.status === 'ok') expect(parseEntryBody(e.seq, d.body)).toEqual(e);
      prev = r.hash;
    }
  });

  it('round-trips any entry: bigints, strings and nesting come back equal (fast-check)', () => {
    const bigint = fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n });
    const command = fc.record({ account: fc.string({ maxLength: 12 }), amount: bigint, tsMs: fc.nat() }).map((c) => ({ kind: 'deposit', asset: USDC, ...c }) as Command);
    const event = fc.record({ ordinal: fc.nat(9), kind: fc.constant('Deposited'), amount: bigint, account: fc.string(), note: fc.option(fc.string(), { nil: null }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), command, fc.array(event, { maxLength: 5 }), (seq, prev, cmd, evs) => {
        const entry = { seq, command: cmd, events: evs.map((e) => ({ ...e, seq, tsMs: cmd.tsMs })) } as unknown as JournalEntry;
        const prevHash = Buffer.from(prev);
        const r = encodeEntryRecord(entry, prevHash);
        const d = decodeRecord(r.bytes, { seq, prevHash, last: false });
        expect(d.status).toBe('ok');
        if (d.status !== 'ok') return;
        expect(d.hash.equals(r.hash)).toBe(true);
        expect(parseEntryBody(seq, d.body)).toEqual(entry);
      }),
      { numRuns: 300 },
    );
  });

  it('calls a record cut short torn when it is the last one, corrupt anywhere else, and keeps its seq', () => {
    const e = entries()[2] as JournalEntry;
    const r = encodeEntryRecord(e, ZERO_HASH);
    // Cut at 1 byte, half, all but 1 byte.
    for (const keep of [1, Math.floor(r.bytes.length / 2), r.bytes.length - 1]) {
      const cut = r.bytes.subarray(0, keep);
      expect(decodeRecord(cut, { seq: e.seq, prevHash: ZERO_HASH, last: true })).toMatchObject({ status: 'torn', seq: e.seq });
      expect(decodeRecord(cut, { seq: e.seq, prevHash: ZERO_HASH, last: false })).toMatchObject({ status: 'corrupt', seq: e.seq });
    }
    expect(r.bytes.length).toBeGreaterThan(RECORD_BYTES_MIN);
  });

  it('finds every single flipped bit (fast-check): bad frame, torn if last, corrupt otherwise', () => {
    const e = entries()[0] as JournalEntry;
    const r = encodeEntryRecord(e, ZERO_HASH);
    fc.assert(
      fc.property(fc.nat(r.bytes.length - 1), fc.nat(7), fc.boolean(), (at, bit, last) => {
        const bytes = Buffer.from(r.bytes);
        bytes[at] = (bytes[at] as number) ^ (1 << bit);
        const d = decodeRecord(bytes, { seq: e.seq, prevHash: ZERO_HASH, last });
        expect(d.status).toBe(last ? 'torn' : 'corrupt');
      }),
      { numRuns: 500 },
    );
  });

  it('calls a well-checksummed record in the wrong place corrupt even when last: chain, seq', () => {
    const [a, b] = entries() as [JournalEntry, JournalEntry];
    const ra = encodeEntryRecord(a, ZERO_HASH);
    const rb = encodeEntryRecord(b, ZERO_HASH); // chained to the wrong hash
    expect(decodeRecord(rb.bytes, { seq: b.seq, prevHash: ra.hash, last: true })).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('hash chain') });
    expect(decodeRecord(ra.bytes, { seq: a.seq + 1, prevHash: ZERO_HASH, last: true })).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('header says seq') });
    expect(RECORD_HEADER_BYTES).toBe(52);
  });
});

describe('parseCanonicalJson (shared with decodeSnapshot)', () => {
  it('revives tagged bigints and reads back what canonicalJson wrote, a snapshot included', () => {
    expect(parseCanonicalJson('{"a":{"$n":"-12345678901234567890"},"b":[{"$n":"0"}]}')).toEqual({ a: -12345678901234567890n, b: [0n] });
    const engine = Engine.create(TEST_CONFIG, DEFAULT_RULEBOOK);
    for (const c of standardSetup(1_000)) engine.apply(c);
    const text = encodeSnapshot(engine.snapshot());
    expect(encodeSnapshot(decodeSnapshot(text))).toBe(text);
  });
});

describe('framedRecordHasher', () => {
  it('re-derives the hashes the journal stores, from the genesis and each entry with its prevHash', () => {
    const g = encodeGenesisRecord(GENESIS);
    expect(framedRecordHasher.genesis(GENESIS)).toBe(g.hash.toString('hex'));
    let prev = g.hash;
    for (const e of entries()) {
      const r = encodeEntryRecord(e, prev);
      expect(framedRecordHasher.entry(e, prev.toString('hex'))).toBe(r.hash.toString('hex'));
      prev = r.hash;
    }
  });
});

describe('entryEventsMatchTakingCalls (a recovery taking the margin calls from the records)', () => {
  const command = { kind: 'price', market: 'BTC-PERP', mark: 100_000n, tsMs: 5_000 } as Command;
  const stamp = { seq: 42, tsMs: 5_000 };
  const at = (ordinal: number) => ({ seq: 42, ordinal, tsMs: 5_000 });
  const call = (ordinal: number, account: string): EngineEvent => ({ ...at(ordinal), kind: 'MarginCall', account, ledger: 'cross', equity: -12n, maintenance: 300n, callLevel: 375n });
  const cleared = (ordinal: number, account: string): EngineEvent => ({ ...at(ordinal), kind: 'MarginCallCleared', account });
  const other = (ordinal: number): EngineEvent => ({ ...at(ordinal), kind: 'InvariantAudited', sampled: 3, failures: 0 });
  /** The recorded body, and what the replay (without calls) gives: the others, numbered as they come. */
  const check = (recorded: EngineEvent[], replayed: EngineEvent[], s = stamp): { same: boolean; told: string[] } => {
    const body = Buffer.from(entryBody(command, recorded), 'utf8');
    const end = entryCommandEnd(command, body);
    const told: string[] = [];
    const same = entryEventsMatchTakingCalls(replayed, body, end, s, (account, called) => told.push(`${called ? 'call' : 'clear'} ${account}`));
    return { same, told };
  };

  it('tells the recorded calls and clearances in order and compares every other event, its ordinal moved past them', () => {
    expect(check([cleared(0, 'b'), call(1, 'a'), other(2), call(3, 'c')], [other(0)])).toEqual({ same: true, told: ['clear b', 'call a', 'call c'] });
    expect(check([call(0, 'a')], [])).toEqual({ same: true, told: ['call a'] });
    expect(check([], [])).toEqual({ same: true, told: [] });
    // An id JSON escapes, or not ASCII, is read as JSON reads it.
    expect(check([call(0, 'q"x\\y'), cleared(1, 'é')], []).told).toEqual(['call q"x\\y', 'clear é']);
  });

  it('is false for a replayed event the record lacks, a recorded one the replay lacks, another stamp or ordinal, another kind', () => {
    expect(check([call(0, 'a')], [other(0)]).same).toBe(false);
    expect(check([other(0), call(1, 'a')], []).same).toBe(false);
    expect(check([call(0, 'a')], [], { seq: 43, tsMs: 5_000 }).same).toBe(false);
    expect(check([call(0, 'a')], [], { seq: 42, tsMs: 5_001 }).same).toBe(false);
    expect(check([call(1, 'a')], []).same).toBe(false);
    expect(check([{ ...cleared(0, 'a'), kind: 'MarginCallClearedX' } as unknown as EngineEvent], []).same).toBe(false);
  });

  /**
   * check() with the record's calls read ahead (CallSummarizer, as the record-check worker reads them, for the record's
   * seq and its command's time: a record's stamp is always its own seq and its command's time).
   */
  const checkAhead = (recorded: EngineEvent[], replayed: EngineEvent[], s = stamp, summarizer = new CallSummarizer(), ids: string[] = []): { same: boolean; told: string[]; listed: number } => {
    const cmd = { ...command, tsMs: s.tsMs } as Command;
    const body = Buffer.from(entryBody(cmd, recorded), 'utf8');
    const words: number[] = [];
    summarizer.summarize(s.seq, body, words);
    const told: string[] = [];
    const summary: CallSummary = { words: Int32Array.from(words), at: 0, ids };
    const same = entryEventsMatchTakingCalls(replayed, body, entryCommandEnd(cmd, body), s, (account, called) => told.push(`${called ? 'call' : 'clear'} ${account}`), words[0] === 0 ? null : summary);
    return { same, told, listed: words[0] as number };
  };
  const checkHere = (recorded: EngineEvent[], replayed: EngineEvent[], s = stamp): { same: boolean; told: string[] } => {
    const cmd = { ...command, tsMs: s.tsMs } as Command;
    const body = Buffer.from(entryBody(cmd, recorded), 'utf8');
    const told: string[] = [];
    const same = entryEventsMatchTakingCalls(replayed, body, entryCommandEnd(cmd, body), s, (account, called) => told.push(`${called ? 'call' : 'clear'} ${account}`));
    return { same, told };
  };

  it('with the calls read ahead (CallSummary): the same verdicts and the same calls told as reading them here', () => {
    const cases: [EngineEvent[], EngineEvent[]][] = [
      [[cleared(0, 'b'), call(1, 'a'), other(2), call(3, 'c')], [other(0)]],
      [[call(0, 'a')], []],
      [[], []],
      [[call(0, 'q"x\\y'), cleared(1, 'é')], []],
      [[call(0, 'a')], [other(0)]],
      [[other(0), call(1, 'a')], []],
      [[call(1, 'a')], []],
      [[{ ...cleared(0, 'a'), kind: 'MarginCallClearedX' } as unknown as EngineEvent], []],
    ];
    for (const [recorded, replayed] of cases) {
      for (const s of [stamp, { seq: 43, tsMs: 5_000 }, { seq: 42, tsMs: 5_001 }]) {
        const ahead = checkAhead(recorded, replayed, s);
        expect({ same: ahead.same, told: ahead.told }).toEqual(checkHere(recorded, replayed, s));
      }
    }
    // What is listed: every call and clearance of the record at its stamp; nothing (0) when one of them is not one.
    expect(checkAhead([cleared(0, 'b'), call(1, 'a'), other(2), call(3, 'c')], [other(0)]).listed).toBe(3);
    expect(checkAhead([call(0, 'a')], [], { seq: 43, tsMs: 5_000 }).listed).toBe(0);
    expect(checkAhead([other(0)], [other(0)]).listed).toBe(0);
  });

  it('numbers each account once across records; the replay reads an id at the first call of it it meets', () => {
    const summarizer = new CallSummarizer();
    const ids: string[] = [];
    expect(checkAhead([call(0, 'a'), call(1, 'b')], [], stamp, summarizer, ids).told).toEqual(['call a', 'call b']);
    expect(ids).toEqual(['a', 'b']);
    expect(checkAhead([cleared(0, 'b'), call(1, 'c'), cleared(2, 'a')], [], stamp, summarizer, ids).told).toEqual(['clear b', 'call c', 'clear a']);
    expect(ids).toEqual(['a', 'b', 'c']);
    // A record the worker read and the replay does not (before the snapshot): the accounts it numbered first are read
    // at their next call the replay meets.
    summarizer.summarize(42, Buffer.from(entryBody(command, [call(0, 'd'), call(1, 'e')]), 'utf8'), []);
    expect(checkAhead([cleared(0, 'e'), call(1, 'a'), cleared(2, 'd')], [], stamp, summarizer, ids).told).toEqual(['clear e', 'call a', 'clear d']);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    // A record not listed (its body goes on after the events): nothing asserted, the replay reads it itself.
    const longer = Buffer.from(entryBody(command, [call(0, 'f')]).replace(/\]\}$/, '],"more":1}'), 'utf8');
    const words: number[] = [];
    summarizer.summarize(42, longer, words);
    expect(words).toEqual([0]);
  });

  it('is false when a listed call is not where the replay reaches, or one is left over', () => {
    const body = Buffer.from(entryBody(command, [other(0), call(1, 'a')]), 'utf8');
    const end = entryCommandEnd(command, body);
    const words: number[] = [];
    new CallSummarizer().summarize(42, body, words);
    expect(words[0]).toBe(1);
    const told: string[] = [];
    const tell = (account: string): number => told.push(account);
    expect(entryEventsMatchTakingCalls([other(0)], body, end, stamp, tell, { words: Int32Array.from(words), at: 0, ids: [] })).toBe(true);
    expect(told).toEqual(['a']);
    // The call listed one byte off: the replay never meets it there (it reads the call itself, then finds one left).
    const off = Int32Array.from(words);
    off[1] = (off[1] as number) + 1;
    expect(entryEventsMatchTakingCalls([other(0)], body, end, stamp, tell, { words: off, at: 0, ids: [] })).toBe(false);
  });
});
