// `bailiff auctions` end to end (in process): the example scenario's events with dss's figures, and bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

const EXAMPLE = new URL('../../examples/auctions/maker-auctions.json', import.meta.url).pathname;

describe('bailiff auctions', () => {
  it('examples/auctions/maker-auctions.json: clip.t.sol test_take_over_tab, then a sealed-bid batch cleared at $3.5', async () => {
    const r = await cli(['auctions', EXAMPLE]);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.kind)).toEqual([
      'AuctionSetUp',
      'AuctionKicked',
      'AuctionTaken',
      'SealedBidOpened',
      'SealedBidCommitted',
      'SealedBidCommitted',
      'SealedBidRevealed',
      'SealedBidRevealed',
      'SealedBidSettled',
      'SealedBidAllocated',
      'SealedBidAllocated',
    ]);
    // Through the engine: the set-up is command 1, each scenario command the next.
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]);
    // tab 100 x 1.1 = 110 DAI, top $4 x 1.25 = $5; 25 gold at $5 would owe 125 > 110: 22 sold, 18 returned
    expect(events[1]).toMatchObject({ tab: '110', lot: '40', top: '5' });
    expect(events[2]).toMatchObject({ price: '5', owe: '110', slice: '22', returned: '18', ended: true });
    // floor $4 x 0.8; ali 20 @ $4, bob 15 @ $3.5: $4 asks 20 < 27.5, $3.5 asks 35 >= floor(110 / 3.5) = 31.428571428571428571
    expect(events[3]).toMatchObject({ floor: '3.2' });
    expect(events[8]).toMatchObject({ price: '3.5', returned: '8.571428571428571429', fallback: null, winners: 2, voided: 0 });
    expect(events.slice(9)).toMatchObject([
      { auction: 'gold-sb-1', bidder: 'ali', quantity: '20', pay: '70' },
      { auction: 'gold-sb-1', bidder: 'bob', quantity: '11.428571428571428571', pay: '39.9999999999999999985' },
    ]);
    expect(r.err).toContain('every unit accounted for: yes');
  });

  it('a malformed scenario is bad input: exit 2, the path of the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-auctions-'));
    const bad = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { ilks: { clipper: { cusp: string } }[] };
    bad.ilks[0]!.clipper.cusp = '1.5';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await cli(['auctions', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${file}: ilks[0].clipper.cusp: cusp must be within (0, RAY)\n`);
  });

  it('a refused command is a CommandRejected with the auction house\'s code, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-auctions-'));
    const sc = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { commands: Record<string, unknown>[] };
    // a take at a max below the price, before the good one
    sc.commands.splice(1, 0, { ...sc.commands[1], max: '4' });
    const file = join(dir, 'refused.json');
    writeFileSync(file, JSON.stringify(sc));
    const r = await cli(['auctions', file]);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[2]).toMatchObject({ kind: 'CommandRejected', command: 'maker_take', reason: 'too_expensive' });
    expect(events[3]).toMatchObject({ kind: 'AuctionTaken', owe: '110', slice: '22', returned: '18' });
    expect(r.err).toContain('1 refused');
  });
});
