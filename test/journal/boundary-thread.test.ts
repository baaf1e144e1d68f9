// A restore's boundary hints (core/triggers/boundary-hints.ts) and recovery's boundary thread (journal/
// boundary-thread.ts): hints computed elsewhere are the boundaries the indexes would have searched for, so a restore
// with them, with some of them, or without them gives the same engine; a wrong hint would be taken (the test of
// that shows the comparison can fail); the worker's hints are hintedBoundary's, level by level; a recovery with the
// thread recovers the same state as one without it.

import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWorld, rng, START_PRICE } from '../../bench/world.js';
import type { Account } from '../../src/core/account/account.js';
import type { Command } from '../../src/core/engine/commands.js';
import { Engine } from '../../src/core/engine/engine.js';
import { callLevelsOf, levelViews } from '../../src/core/engine/margin-calls.js';
import { encodeSnapshot, restoreFrame, type RestorableSnapshot } from '../../src/core/engine/snapshot.js';
import type { EngineState } from '../../src/core/engine/state.js';
import type { MarginView } from '../../src/core/margin/evaluate.js';
import { handAhead, HINT_LEVEL, HINT_LEVELS, hintedBoundary, hintedLedger, NO_BOUNDARY, type BoundaryHints } from '../../src/core/triggers/boundary-hints.js';
import { price } from '../../src/core/units/index.js';
import { BoundaryThread } from '../../src/journal/boundary-thread.js';
import { DurableEngine } from '../../src/journal/durable.js';
import { decodeSnapshotForRestore } from '../../src/journal/snapshot-stream.js';
import { Journal } from '../../src/journal/journal.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { JOURNAL_FORMAT_VERSION } from '../../src/journal/types.js';

const MARKETS = 4;

/** Price ticks of up to +-bp on the bench world's markets, seeded. */
function walker(seed: number, from: number): (bp: number) => Command {
  const rand = rng(seed);
  const px = Array.from({ length: MARKETS }, () => START_PRICE);
  let ts = from;
  return (bp) => {
    const i = Math.floor(rand() * MARKETS);
    px[i] = ((px[i] as bigint) * BigInt(10_000 + Math.floor(rand() * (2 * bp + 1)) - bp)) / 10_000n;
    return { kind: 'price', tsMs: ++ts, market: `M${i}-PERP`, mark: price(px[i] as bigint) };
  };
}

/** The bench world (margin calls after every command) walked until accounts are called and liquidated: its snapshot's bytes. */
function worldBytes(): Buffer {
  const world = buildWorld({ accounts: 3000, markets: MARKETS, seed: 11, callIntervalMs: 0 });
  const next = walker(3, world.timeMs);
  for (let i = 0; i < 150; i++) world.apply(next(150));
  const bytes = Buffer.from(encodeSnapshot(world.snapshot()));
  return bytes;
}

const BYTES = worldBytes();
const restorable = (): RestorableSnapshot => decodeSnapshotForRestore(BYTES);

/** What a restored engine does next: the hash of its indexes' state, every event of a walk and the state after it. */
function future(e: Engine): { indexes: string; events: string } {
  const x = e as unknown as { index: Indexish; calls: { levelIndex: Indexish | null } | null };
  const indexes = [x.index, x.calls?.levelIndex].filter((i): i is Indexish => i !== null && i !== undefined);
  const ser = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
  const ih = JSON.stringify(indexes.map((i) => [i.stats(), i.breached().map((r) => `${r.account}/${r.market}`).sort()]));
  const h = createHash('sha256');
  const next = walker(5, e.timeMs);
  for (let i = 0; i < 300; i++) h.update(JSON.stringify(e.apply(next(120)), ser));
  h.update(encodeSnapshot(e.snapshot()));
  return { indexes: ih, events: h.digest('hex') };
}
interface Indexish {
  stats(): unknown;
  breached(): { account: string; market: string | null }[];
}

/** The levels' views of a state made from the snapshot's frame, as the worker makes them. */
function frameViews(snap: RestorableSnapshot): { s: EngineState; views: (MarginView | null)[] } {
  const s = restoreFrame({ ...snap, accounts: [] } as RestorableSnapshot);
  const callLevels = callLevelsOf(s.rulebook.liquidation);
  const levels = callLevels.callPpm > 0n ? levelViews(s, callLevels) : null;
  return { s, views: [s, levels?.call ?? null, levels?.recovery ?? null] };
}

/** Hints computed on this thread, at every level, as soon as the accounts are handed ahead; `alter` may change them. */
class SameThreadHints implements BoundaryHints {
  readonly byNo = new Map<number, number[]>();
  chunks: number[] = [];
  asked = 0;
  taken = 0;
  private readonly frame: ReturnType<typeof frameViews>;
  constructor(
    snap: RestorableSnapshot,
    private readonly alter: (b: number, level: number, no: number) => number = (b) => b,
  ) {
    this.frame = frameViews(snap);
  }
  ahead(accounts: readonly Account[]): void {
    this.chunks.push(accounts.length);
    for (const a of accounts) {
      const ledger = hintedLedger(a, this.frame.s.settlementAsset);
      if (ledger === null) continue;
      this.byNo.set(
        a.no,
        this.frame.views.map((v, level) => (v === null ? Number.NaN : this.alter(hintedBoundary(v, ledger.position, ledger.cash, this.frame.s.rulebook.breachRule), level, a.no))),
      );
    }
  }
  boundary(no: number, level: number): number {
    this.asked++;
    const b = this.byNo.get(no)?.[level] ?? Number.NaN;
    if (!Number.isNaN(b)) this.taken++;
    return b;
  }
}

describe('boundary hints in a restore', () => {
  const plain = future(Engine.restore(restorable()));

  it('give the same engine as the searches they spare, all of them or some', () => {
    const all = new SameThreadHints(restorable());
    expect(future(Engine.restore(restorable(), { boundaryHints: all }))).toEqual(plain);
    // Taken: most ledgers are single-position cross ones; a few are asked for twice (both levels of a call index).
    expect(all.taken).toBeGreaterThan(3000);
    expect(all.chunks.reduce((a, b) => a + b, 0)).toBe(3000); // every account handed ahead once
    // Every other hint missing (NaN: not computed yet): the index searches those itself.
    const some = new SameThreadHints(restorable(), (b, _level, no) => (no % 2 === 0 ? Number.NaN : b));
    expect(future(Engine.restore(restorable(), { boundaryHints: some }))).toEqual(plain);
    expect(some.taken).toBeGreaterThan(1000);
  });

  it('are taken as given: a wrong one changes the engine (what the comparison above can catch)', () => {
    // Every long's boundary moved to 1 atom (in breach only at a price of 1): its liquidations are missed.
    const wrong = new SameThreadHints(restorable(), (b) => (b > 0 ? 1 : b));
    expect(future(Engine.restore(restorable(), { boundaryHints: wrong }))).not.toEqual(plain);
    // NO_BOUNDARY where there is one costs only time: the index evaluates the ledger and its search from the state
    // now finds the boundary all the same.
    const none = new SameThreadHints(restorable(), (b) => (b >= 0 ? NO_BOUNDARY : b));
    expect(future(Engine.restore(restorable(), { boundaryHints: none }))).toEqual(plain);
    expect(none.taken).toBeGreaterThan(3000);
  });

  it('handAhead hands every account on, in order, after the chunk that follows its own was handed ahead', () => {
    const accounts = Array.from({ length: 23 }, (_, i) => ({ no: i }) as Account);
    for (const chunk of [1, 4, 5, 23, 30]) {
      const handed: number[] = [];
      const seenAhead = new Set<number>();
      const hints: BoundaryHints = { ahead: (as) => as.forEach((a) => seenAhead.add(a.no)), boundary: () => Number.NaN };
      handAhead(accounts, hints, chunk, (a) => {
        handed.push(a.no);
        // The chunk after this account's (when there is one) was handed ahead before it.
        const nextChunkEnd = Math.min(accounts.length, (Math.floor(a.no / chunk) + 2) * chunk) - 1;
        expect(seenAhead.has(nextChunkEnd)).toBe(true);
      });
      expect(handed).toEqual(accounts.map((a) => a.no));
    }
  });
});

describe('the boundary thread', () => {
  it("computes hintedBoundary's boundaries: the breach level and the call index's level of each account", async () => {
    const snap = restorable();
    const engine = Engine.restore(restorable());
    const accounts = [...engine.state.accounts.reading()];
    const called = new Set(snap.enforcement.marginCalled);
    expect(called.size).toBeGreaterThan(0); // the world has called accounts (their level: the recovery one)
    const thread = BoundaryThread.start(snap, accounts.length);
    try {
      for (let i = 0; i < accounts.length; i += 500) thread.ahead(accounts.slice(i, i + 500));
      const { s, views } = frameViews(snap);
      const singles = accounts.filter((a) => hintedLedger(a, s.settlementAsset) !== null);
      const last = singles.at(-1) as Account;
      const deadline = Date.now() + 60_000;
      while (Number.isNaN(thread.boundary(last.no, HINT_LEVEL.breach)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      let compared = 0;
      for (const a of singles) {
        const ledger = hintedLedger(a, s.settlementAsset) as NonNullable<ReturnType<typeof hintedLedger>>;
        const callLevel = called.has(a.id) ? HINT_LEVEL.recovery : HINT_LEVEL.call;
        for (let level = 0; level < HINT_LEVELS; level++) {
          const view = views[level] as MarginView;
          const expected = level === HINT_LEVEL.breach || level === callLevel ? hintedBoundary(view, ledger.position, ledger.cash, s.rulebook.breachRule) : Number.NaN;
          expect(thread.boundary(a.no, level)).toBe(expected);
          compared++;
        }
      }
      expect(compared).toBe(singles.length * HINT_LEVELS);
      expect(singles.length).toBeGreaterThan(2000);
      // An account that is not a single-position cross ledger is never submitted.
      const other = accounts.find((a) => hintedLedger(a, s.settlementAsset) === null) as Account;
      expect(thread.boundary(other.no, HINT_LEVEL.breach)).toBeNaN();
    } finally {
      const stats = thread.close();
      expect(stats.submitted).toBeGreaterThan(2000);
    }
  });

  it('a worker that fails costs nothing but its searches: no hint is ever there, the restore is the same', async () => {
    const snap = restorable();
    const thread = BoundaryThread.start(snap, 3000, { module: new URL('file:///nonexistent/boundary-worker.js') });
    try {
      await new Promise((r) => setTimeout(r, 200)); // the worker's import has failed by now
      expect(future(Engine.restore(restorable(), { boundaryHints: thread }))).toEqual(future(Engine.restore(restorable())));
    } finally {
      const stats = thread.close();
      expect(stats.submitted).toBeGreaterThan(2000);
      expect(stats.used).toBe(0);
      expect(stats.late).toBeGreaterThan(2000); // asked, never there
    }
  });

  it('a recovery with it recovers the same state as one without it', () => {
    // A journal of the bench world's snapshot at seq 0 and a walk after it that calls and liquidates accounts.
    const world = buildWorld({ accounts: 3000, markets: MARKETS, seed: 11, callIntervalMs: 0 });
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-boundary-')), 'journal.db');
    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'relaxed' }), {
      genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config: world.snapshot().config, rulebook: world.rulebook },
    });
    journal.writeSnapshot(world.snapshot(), (h) => h);
    const next = walker(3, world.timeMs);
    const entries = [];
    for (let i = 0; i < 150; i++) {
      const command = next(150);
      entries.push({ command, events: world.apply(command), seq: world.seq });
    }
    journal.append(entries);
    journal.close();
    const recovered = (boundaryThread: boolean): { state: string; stats: unknown; future: ReturnType<typeof future> } => {
      const de = DurableEngine.openFile(path, { durability: 'relaxed', boundaryThread });
      try {
        return { state: encodeSnapshot(de.engine.snapshot()), stats: de.recovery.timings.boundaryThread, future: future(de.engine) };
      } finally {
        de.close();
      }
    };
    const without = recovered(false);
    const withThread = recovered(true);
    expect(without.stats).toBeNull();
    expect(withThread.stats).toMatchObject({ submitted: expect.any(Number) });
    expect((withThread.stats as { submitted: number }).submitted).toBeGreaterThan(2000);
    expect(withThread.state).toBe(without.state);
    expect(withThread.state).toBe(encodeSnapshot(world.snapshot()));
    expect(withThread.future).toEqual(without.future);
  });
});
