// Recovery takes the margin calls from the records (DurableOptions.recomputeMarginCalls false, the default;
// Engine.deferMarginCalls): on a journal whose tail calls and clears accounts thousands of times, it recovers the
// same engine as a replay that computes them (the same snapshot, the same answers to every later command), and still
// halts on a recorded event it does not replay.

import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng, tailTicks } from '../../bench/world.js';
import { encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { canonicalJson } from '../../src/core/engine/snapshot.js';
import { DurableEngine, type RecoveryProgress } from '../../src/journal/durable.js';
import { encodeEntryRecord } from '../../src/journal/record.js';
import type { JournalEntry } from '../../src/journal/types.js';
import { buildCallsJournal, CALLS_JOURNAL_MARKETS } from './calls-journal.js';
import { editStoredRecord } from './stored-record.js';

const MARKETS = CALLS_JOURNAL_MARKETS;
const TAIL = 6_000;

const B = buildCallsJournal(TAIL, 'full', 'bailiff-calls-');
const copy = (): string => {
  const to = join(mkdtempSync(join(tmpdir(), 'bailiff-calls-')), 'journal.db');
  copyFileSync(B.path, to);
  return to;
};
const kinds = (kind: string): number => B.entries.reduce((n, e) => n + e.events.filter((x) => x.kind === kind).length, 0);

describe('recovery with the margin calls from the records', () => {
  it('recovers the engine a replay computing them recovers: the same snapshot, then the same answers, calls included', () => {
    // The tail calls and clears accounts many times, and liquidates some (the world starts with accounts in breach).
    expect(kinds('MarginCall')).toBeGreaterThan(60);
    expect(kinds('MarginCallCleared')).toBeGreaterThan(60);
    expect(kinds('LiquidationStarted')).toBeGreaterThan(0);
    const taken = DurableEngine.openFile(copy(), { durability: 'full' });
    const computed = DurableEngine.openFile(copy(), { durability: 'full', recomputeMarginCalls: true });
    try {
      expect(taken.recovery.replayed).toBe(TAIL);
      expect(computed.recovery.timings.callsResumeMs).toBe(0);
      expect(taken.engine.marginCallsDeferred).toBe(false);
      expect(encodeSnapshot(taken.engine.snapshot())).toBe(encodeSnapshot(computed.engine.snapshot()));
      expect(taken.engine.state.enforcement.marginCalled.size).toBeGreaterThan(0);
      // And on: more ticks (other draws), through the call levels again.
      const next = tailTicks(MARKETS, rng(99));
      let calls = 0;
      for (let i = 0; i < 3_000; i++) {
        const tick = next(i, taken.engine.timeMs + 1);
        const [a] = taken.submit([tick]);
        const [b] = computed.submit([tick]);
        expect(canonicalJson(a?.events)).toBe(canonicalJson(b?.events));
        calls += a?.events.filter((e) => e.kind === 'MarginCall' || e.kind === 'MarginCallCleared').length ?? 0;
      }
      expect(calls).toBeGreaterThan(100);
    } finally {
      taken.close();
      computed.close();
    }
  });

  it('with the calls read ahead by the record-check worker while the snapshot is restored: the same engine', () => {
    // A record-check worker forced (the tail is below RECORD_CHECK_WORKER_MIN_RECORDS) with a ring of 64 KiB, and a
    // restore that takes 1.5 s (the progress callback sleeps before the replay): the worker reads every batch ahead.
    const sleepBeforeReplay = (p: RecoveryProgress): void => {
      if (p.phase === 'replay' && p.done === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
    };
    const ahead = DurableEngine.openFile(copy(), { durability: 'full', recordCheckWorker: true, recordCheckWindowBytes: 64 * 2 ** 10, onProgress: sleepBeforeReplay });
    const here = DurableEngine.openFile(copy(), { durability: 'full', recordCheckWorker: false });
    try {
      const withCalls = B.entries.filter((e) => e.events.some((x) => x.kind === 'MarginCall' || x.kind === 'MarginCallCleared')).length;
      expect(here.recovery.timings.callsReadAhead).toBe(0);
      expect(ahead.recovery.timings.callsReadAhead).toBeGreaterThan(0);
      expect(ahead.recovery.timings.callsReadAhead).toBeLessThanOrEqual(withCalls);
      expect(encodeSnapshot(ahead.engine.snapshot())).toBe(encodeSnapshot(here.engine.snapshot()));
      expect(ahead.journal.headHashHex()).toBe(here.journal.headHashHex());
    } finally {
      ahead.close();
      here.close();
    }
  });

  it('read ahead past a snapshot: the calls of records before it numbered the accounts, the replay reads them after it', () => {
    // Records 1..3,000 are checked (and their calls read) but not replayed: recovery starts from the snapshot at 3,000.
    const mid = buildCallsJournal(TAIL, 'relaxed', 'bailiff-calls-', 3_000);
    const before = mid.entries.slice(0, 3_000).filter((e) => e.events.some((x) => x.kind === 'MarginCall')).length;
    expect(before).toBeGreaterThan(20);
    const sleepBeforeReplay = (p: RecoveryProgress): void => {
      if (p.phase === 'replay' && p.done === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
    };
    const ahead = DurableEngine.openFile(mid.path, { durability: 'relaxed', recordCheckWorker: true, recordCheckWindowBytes: 64 * 2 ** 10, onProgress: sleepBeforeReplay });
    const aheadState = encodeSnapshot(ahead.engine.snapshot());
    expect(ahead.recovery).toMatchObject({ snapshotSeq: 3_000, replayed: TAIL - 3_000 });
    expect(ahead.recovery.timings.callsReadAhead).toBeGreaterThan(0);
    ahead.close();
    const here = DurableEngine.openFile(mid.path, { durability: 'relaxed', recordCheckWorker: false });
    expect(encodeSnapshot(here.engine.snapshot())).toBe(aheadState);
    here.close();
  });

  it('halts on a recorded event that is not replayed (one dropped from a record with a call), naming its seq', () => {
    // A record with a call and another event: the other one dropped, re-framed with a valid checksum and chain.
    const at = B.entries.findIndex((e) => e.events.some((x) => x.kind === 'MarginCall') && e.events.some((x) => x.kind !== 'MarginCall' && x.kind !== 'MarginCallCleared'));
    expect(at).toBeGreaterThanOrEqual(0);
    const entry = B.entries[at] as JournalEntry;
    const path = copy();
    editStoredRecord(path, entry.seq, (bytes) => {
      const prevHash = Buffer.from(bytes.subarray(20, 52));
      const dropped = entry.events.findIndex((x) => x.kind !== 'MarginCall' && x.kind !== 'MarginCallCleared');
      return encodeEntryRecord({ ...entry, events: entry.events.filter((_, i) => i !== dropped) }, prevHash).bytes;
    });
    expect(() => DurableEngine.openFile(path, { durability: 'full' })).toThrow(
      expect.objectContaining({ code: 'replay_mismatch', seq: entry.seq, message: expect.stringContaining('without the margin calls, which this recovery takes from the records') }),
    );
  });

  it('halts on a recorded event of another kind where a call stands, naming its seq', () => {
    const entry = B.entries.find((e) => e.events.some((x) => x.kind === 'MarginCall')) as JournalEntry;
    const path = copy();
    editStoredRecord(path, entry.seq, (bytes) => {
      const prevHash = Buffer.from(bytes.subarray(20, 52));
      const events = entry.events.map((x) => (x.kind === 'MarginCall' ? { ...x, kind: 'MarginCalls' } : x)) as unknown as JournalEntry['events'];
      return encodeEntryRecord({ ...entry, events }, prevHash).bytes;
    });
    expect(() => DurableEngine.openFile(path, { durability: 'full' })).toThrow(expect.objectContaining({ code: 'replay_mismatch', seq: entry.seq }));
  });
});
