// The auction house through the journal (issue 18 part B): a seeded Maker crash (src/sim/maker-auctions.ts: Dutch
// auctions, sealed-bid batches, a stale feed stopping the clocks) journaled on SQLite; replay from the genesis and
// from every snapshot gives the same events, byte for byte, and the same state.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine/engine.js';
import { encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { rulebookPreset } from '../../src/core/rulebooks/presets.js';
import type { Rulebook } from '../../src/core/rulebooks/rulebook.js';
import { DurableEngine } from '../../src/journal/durable.js';
import { Journal } from '../../src/journal/journal.js';
import { entryBody, framedRecordHasher } from '../../src/journal/record.js';
import { verifyJournal } from '../../src/verify/verify.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../../src/journal/types.js';
import { syntheticCrash } from '../../src/sim/crash.js';
import { MAKER_ENGINE_CONFIG, recordMakerAuctions } from '../../src/sim/maker-auctions.js';

describe('auctions in the journal', () => {
  it('replays a seeded Maker crash from the genesis and from every snapshot to the same events, byte for byte', () => {
    const { report, commands } = recordMakerAuctions(syntheticCrash(), { market: 'AVAXUSDT', vaults: 400, seed: 7 });
    expect(report.conservationOk).toBe(true);
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: MAKER_ENGINE_CONFIG, rulebook: rulebookPreset('binance', 18) as Rulebook };
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-auctions-journal-')), 'journal.db');
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 1500 });
    const entries: JournalEntry[] = [];
    for (let i = 0; i < commands.length; i += 100) entries.push(...de.submit(commands.slice(i, i + 100)));
    const live = encodeSnapshot(de.engine.snapshot());
    de.close();

    // Read-only: recovery below opens the journal for writing, and a journal has one writer at a time.
    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full', readOnly: true }), { name: path });
    const stored = [...journal.bodies(1)].map((r) => r.body.toString('utf8'));
    expect(stored).toHaveLength(commands.length);
    const starts: (number | null)[] = [null, ...journal.snapshots().map((s) => s.seq)];
    expect(starts.length).toBeGreaterThanOrEqual(3);
    const finals = new Set<string>();
    for (const start of starts) {
      const engine = start === null ? Engine.create(journal.genesis.config, journal.genesis.rulebook) : Engine.restore(journal.loadSnapshot(start));
      for (let seq = (start ?? 0) + 1; seq <= journal.head(); seq++) {
        const { command } = journal.parse(seq, Buffer.from(stored[seq - 1] as string));
        expect(entryBody(command, engine.apply(command))).toBe(stored[seq - 1]);
      }
      finals.add(encodeSnapshot(engine.snapshot()));
    }
    expect([...finals]).toEqual([live]);
    // The journal reaches the auctions' paths: Dutch sales, batches, clocks stopped by the feed, refusals.
    const kinds = new Set(entries.flatMap((e) => e.events.map((ev) => ev.kind)));
    for (const k of ['AuctionKicked', 'AuctionTaken', 'SealedBidOpened', 'SealedBidRevealed', 'SealedBidSettled', 'SealedBidAllocated', 'AuctionClock', 'BreakerTripped', 'CommandRejected']) {
      expect(kinds, k).toContain(k);
    }
    // The verifier replays it with the exact scan: no finding.
    const verified = verifyJournal(journal.genesis, journal.records(), { hasher: framedRecordHasher });
    expect(verified.findings).toEqual([]);
    expect(verified.replayedThrough).toBe(commands.length);
    // Recovery from the newest snapshot: the same state as the live engine's.
    const again = DurableEngine.openFile(path, { durability: 'full' });
    expect(encodeSnapshot(again.engine.snapshot())).toBe(live);
    again.close();
    journal.close();
  });
});
