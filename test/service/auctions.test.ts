// The auction commands through the service (issue 18 part B): POST /v1/commands takes them in the wire format, answers
// with their events in dss's units (DAI, collateral, prices as decimals) or the house's refusal code, journals them,
// and a restart recovers the auction house from the journal.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { post, start, tempDir } from './support.js';

const EXAMPLE = JSON.parse(readFileSync(new URL('../../examples/auctions/maker-auctions.json', import.meta.url), 'utf8')) as {
  Hole: string;
  ilks: unknown[];
  vaults: unknown[];
  dai: unknown[];
  commands: Record<string, unknown>[];
};

describe('auctions through POST /v1/commands', () => {
  it("clip.t.sol's take_over_tab over HTTP; a refusal carries the house's code; a restart recovers the house", async () => {
    const dir = tempDir();
    const s = await start(dir);
    const setup = await post(s.base, '/v1/commands', { kind: 'auction_setup', Hole: EXAMPLE.Hole, ilks: EXAMPLE.ilks, vaults: EXAMPLE.vaults, dai: EXAMPLE.dai, at: 2_000 });
    expect(setup.status).toBe(200);
    expect(setup.body.events[0]).toMatchObject({ kind: 'AuctionSetUp', Hole: '1000', ilks: ['gold'], vaults: 2, accounts: 2 });
    const { at: _bark, ...bark } = EXAMPLE.commands[0]!;
    const kicked = await post(s.base, '/v1/commands', bark);
    expect(kicked.body.events[0]).toMatchObject({ kind: 'AuctionKicked', tab: '110', lot: '40', top: '5' });
    const { at: _take, ...take } = EXAMPLE.commands[1]!;
    const tooCheap = await post(s.base, '/v1/commands', { ...take, max: '4.99' });
    expect(tooCheap.status).toBe(200);
    expect(tooCheap.body.rejected).toMatchObject({ code: 'too_expensive' });
    const taken = await post(s.base, '/v1/commands', take);
    expect(taken.body.events[0]).toMatchObject({ kind: 'AuctionTaken', price: '5', owe: '110', slice: '22', returned: '18', ended: true });
    const before = encodeSnapshot(s.app.bailiff.host.engine.snapshot());
    await s.app.close();

    const again = await start(dir);
    expect(encodeSnapshot(again.app.bailiff.host.engine.snapshot())).toBe(before);
    expect(again.app.bailiff.host.engine.state.auctions?.house.maker.clippers.get('gold')?.kicks).toBe(1);
    await again.app.close();
  });
});
