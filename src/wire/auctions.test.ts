// The auction commands on the wire (issue 18 part B): the engine's decoder (scenarios, ingest, POST /v1/commands),
// a scenario file's `auctions` section, and the events' dss units on the way out.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { curvePrice } from '../core/auctions/abaci.js';
import { Engine } from '../core/engine/engine.js';
import { RAY } from '../core/auctions/ray-math.js';
import { formatDecimal, ray } from '../core/units/index.js';
import { parseScenarioText } from '../scenario/load.js';
import { decodeCommand, WireError, type UnitLookup } from './decode.js';
import { encodeEvent } from './encode.js';
import { sealedBidDigest } from './sealed-bid.js';

const UNITS: UnitLookup = { quoteDecimals: 18, settlementAsset: 'DAI', market: () => undefined, assetDecimals: () => undefined };
const decode = (raw: unknown) => decodeCommand(raw, UNITS, 'cmd', 1_000);
const EXAMPLE = new URL('../../examples/auctions/engine-auctions.json', import.meta.url);

describe('auction commands on the engine wire', () => {
  it('decodes the feed price as absent (from the ilk market), null (none) or a price in ray', () => {
    expect(decode({ kind: 'maker_bark', ilk: 'gold', urn: 'me', keeper: 'k' })).toEqual({ kind: 'maker_bark', tsMs: 1_000, ilk: 'gold', urn: 'me', keeper: 'k' });
    expect(decode({ kind: 'maker_redo', ilk: 'gold', id: 1, keeper: 'k', feedPrice: null })).toMatchObject({ feedPrice: null });
    expect(decode({ kind: 'sealed_settle', auction: 'gold-sb-1', keeper: 'k', feedPrice: '3.5' })).toMatchObject({ feedPrice: ray((35n * RAY) / 10n) });
    expect(decode({ kind: 'maker_take', at: 2_000, ilk: 'gold', id: 1, amt: '25', max: '5', buyer: 'ali' })).toEqual({
      kind: 'maker_take',
      tsMs: 2_000,
      ilk: 'gold',
      id: 1,
      amt: 25n * 10n ** 18n,
      max: 5n * RAY,
      buyer: 'ali',
      who: 'ali',
    });
  });

  it('computes a reveal digest at the edge (the reveal carries none)', () => {
    const cmd = decode({ kind: 'sealed_reveal', auction: 'a', bidder: 'ali', price: '4', quantity: '20', salt: 'ab'.repeat(16) });
    expect(cmd).toMatchObject({ digestHex: sealedBidDigest('a', 'ali', 4n * RAY, 20n * 10n ** 18n, 'ab'.repeat(16)) });
  });

  it('refuses a malformed set-up with the path of the field', () => {
    const bad = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { auctions: { ilks: { clipper: { cusp: string } }[] } };
    bad.auctions.ilks[0]!.clipper.cusp = '0';
    expect(() => parseScenarioText(JSON.stringify(bad), 'x.json')).toThrow(new WireError('x.json: auctions.ilks[0].clipper.cusp', 'cusp must be within (0, RAY)'));
    expect(() => decode({ kind: 'auction_setup', ilks: [], vaults: [{ ilk: 'gold', owner: 'me', ink: '-1', art: '0' }] })).toThrow(/cmd\.vaults\[0\]\.ink: must not be negative/);
  });
});

describe("a scenario's auctions section (examples/auctions/engine-auctions.json)", () => {
  it('runs clip.t.sol take_over_tab from the market feed, then stops the clock while the feed is stale', () => {
    const sc = parseScenarioText(readFileSync(EXAMPLE, 'utf8'), 'engine-auctions.json');
    const e = Engine.create(sc.config, sc.rulebook);
    const events = sc.commands.flatMap((c) => e.apply(c)).map((ev) => encodeEvent(ev, sc.units));
    const of = (kind: string) => events.filter((ev) => ev.kind === kind);
    expect(of('AuctionSetUp')).toMatchObject([{ Hole: '1000', ilks: ['gold'], vaults: 2, accounts: 2 }]);
    expect(of('IlkPoked')).toMatchObject([{ feed: '4', spot: '2' }]);
    const taken = of('AuctionTaken');
    expect(taken[0]).toMatchObject({ id: 1, price: '5', owe: '110', slice: '22', returned: '18', ended: true });
    expect(of('AuctionClock')).toMatchObject([{ why: 'feed', running: false }, { why: 'feed', running: true }]);
    expect(of('CommandRejected')).toMatchObject([{ command: 'maker_take', reason: 'auction_clock_paused' }]);
    // 100 s after the kick, 60 of them with a stale feed: the curve is at 40 s.
    const at40 = curvePrice({ kind: 'stairstep_exponential_decrease', stepS: 1n, cut: ray((99n * RAY) / 100n) }, ray(5n * RAY), 40n);
    expect(taken[1]).toMatchObject({ id: 2, price: formatDecimal(at40, 27), owe: '110', ended: true });
    expect(formatDecimal(at40, 27)).toBe('3.344858792848402569691692995');
  });
});
