// The risk path is isolated from API load (issue 17 "Must hold"): a flood of reads over HTTP and WebSocket during a
// crash changes neither which accounts are liquidated nor their order. The same commands (the bundled crash replay,
// synthetic prices, 150 traders) go to a plain Engine and through the service's queue while eight readers hammer
// the read routes; the journal must hold exactly the plain engine's events, record by record.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine/engine.js';
import type { Command } from '../../src/core/engine/commands.js';
import type { JournalEntry } from '../../src/journal/types.js';
import { crashReplay } from '../../src/service/replay.js';
import { canonicalJson } from '../../src/verify/json.js';
import { get, start, StreamClient } from './support.js';

describe('a read flood during a crash', () => {
  it('changes neither which accounts are liquidated nor their order', async () => {
    const replay = await crashReplay({ accounts: 150, seed: 7, rulebook: 'binance', synthetic: true });
    // The first three hours of the fall (the quiet hours before it and the rebound after add nothing here).
    const minutes = replay.minutes.slice(130, 310);
    const commands: Command[] = [...replay.setup, ...minutes.flat()];

    // The reference: the same commands applied to a plain Engine.
    const plain = Engine.create(replay.genesis.config, replay.genesis.rulebook);
    const expected = commands.map((c) => canonicalJson(plain.apply(c)));
    type Named = { readonly kind: string; readonly account?: unknown; readonly ledger?: unknown; readonly market?: unknown };
    const startedOf = (events: readonly Named[]): string[] => events.flatMap((e) => (e.kind === 'LiquidationStarted' ? [`${String(e.account)}/${String(e.ledger)}/${String(e.market)}`] : []));

    const s = await start(undefined, { genesis: replay.genesis, durability: 'relaxed', tapeEventsMax: 100_000 }, null);
    const host = s.app.bailiff.host;
    const feeds = [await StreamClient.open(`${s.ws}/v1/stream`)];
    let feeding = true;
    let reads = 0;
    const reader = async (k: number): Promise<void> => {
      const paths = [`/v1/accounts/trader-${String(k * 7).padStart(5, '0')}`, `/v1/accounts/trader-${String(k * 11).padStart(5, '0')}/why-not`, '/v1/markets', '/v1/liquidations?limit=50', '/ready'];
      for (let i = 0; feeding; i++) {
        const r = await get(s.base, paths[i % paths.length] as string);
        expect(r.status).toBe(200);
        reads++;
      }
    };
    try {
      const readers = Array.from({ length: 8 }, (_, k) => reader(k));
      const entries: JournalEntry[] = [];
      entries.push(...(await host.submit(replay.setup)));
      feeds.push(await StreamClient.open(`${s.ws}/v1/accounts/trader-00003/stream`));
      // Minutes queued ten at a time without waiting: the queue, not the caller, keeps their order.
      // Each batch also waits for four more reads, so the flood interleaves with the crash however fast either runs.
      let batches = 0;
      for (let i = 0; i < minutes.length; i += 10) {
        const wanted = reads + 4;
        const batch = minutes.slice(i, i + 10).map((m) => host.submit(m));
        for (const done of await Promise.all(batch)) entries.push(...done);
        while (reads < wanted) await new Promise((r) => setTimeout(r, 1));
        batches++;
      }
      feeding = false;
      await Promise.all(readers);

      // The service's answers and the journal are the plain engine's, command for command.
      expect(entries.map((e) => canonicalJson(e.events))).toEqual(expected);
      const journaled = [...host.durable.journal.records(1, host.durable.journal.head())];
      expect(journaled.map((r) => canonicalJson(r.events))).toEqual(expected);
      const liquidated = startedOf(journaled.flatMap((r) => r.events));
      expect(liquidated).toEqual(startedOf(expectedEvents(expected)));
      expect(liquidated.length).toBeGreaterThan(10);
      expect(reads).toBeGreaterThanOrEqual(4 * batches);
      expect(batches).toBeGreaterThan(10);
      // The public stream saw every liquidation, in the same order.
      const streamed = (feeds[0] as StreamClient).messages.filter((m) => m.type === 'event' && m.event.kind === 'LiquidationStarted').map((m) => `${m.event.account}/${m.event.ledger}/${m.event.market}`);
      expect(streamed).toEqual(liquidated);
    } finally {
      feeding = false;
      for (const f of feeds) f.close();
      await s.app.close();
    }
  }, 180_000);
});

function expectedEvents(canonical: readonly string[]): { kind: string }[] {
  return canonical.flatMap((c) => JSON.parse(c) as { kind: string }[]);
}
