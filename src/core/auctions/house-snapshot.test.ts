// Snapshot -> plain data -> restore continues exactly: the same events and the same state, at every step of a
// session that runs Dutch and sealed-bid auctions through a pause.
import { describe, expect, it } from 'vitest';
import { sealedBidDigest } from '../../wire/sealed-bid.js';
import { ray, wad } from '../units/index.js';
import { applyAuctionCommand, createAuctionHouse, type AuctionCommand } from './house.js';
import { restoreAuctionHouse, snapshotAuctionHouse } from './house-snapshot.js';
import { frob, slip } from './maker-state.js';
import { RAY } from './ray-math.js';
import { ALI, BOB, GOLD, ME, TAKE_SETUP_CLIP, clipSetUp, ether, rayFromWad } from './testkit.js';

const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

describe('auction house snapshots', () => {
  it('restore(snapshot) gives the same events and state as the original, after every command', () => {
    const { s, feed } = clipSetUp(TAKE_SETUP_CLIP);
    slipAndOpen(s);
    const h = createAuctionHouse(s);
    const salt = 'ab'.repeat(16);
    const digest = (a: string, who: string) => sealedBidDigest(a, who, rayFromWad(ether(4)), ether(5), salt);
    const T = 1_000_000;
    const session: AuctionCommand[] = [
      { kind: 'maker_bark', tsMs: T, ilk: GOLD, urn: ME, keeper: 'k', feedPrice: feed },
      { kind: 'maker_take', tsMs: T + 5_000, ilk: GOLD, id: 1, amt: wad(ether(5)), max: rayFromWad(ether(5)), buyer: ALI, who: ALI },
      { kind: 'auction_clock', tsMs: T + 6_000, ilk: null, why: 'engine', paused: true },
      { kind: 'auction_clock', tsMs: T + 60_000, ilk: null, why: 'engine', paused: false },
      { kind: 'sealed_bark', tsMs: T + 61_000, ilk: GOLD, urn: 'second', keeper: 'k', feedPrice: feed, floorRatio: ray((8n * RAY) / 10n), commitS: 30n, revealS: 30n, maxBids: 5 },
      { kind: 'sealed_commit', tsMs: T + 62_000, auction: 'gold-sb-1', bidder: BOB, digestHex: digest('gold-sb-1', BOB) },
      { kind: 'sealed_reveal', tsMs: T + 95_000, auction: 'gold-sb-1', bidder: BOB, price: rayFromWad(ether(4)), quantity: wad(ether(5)), saltHex: salt, digestHex: digest('gold-sb-1', BOB) },
      { kind: 'sealed_settle', tsMs: T + 125_000, auction: 'gold-sb-1', keeper: 'k', feedPrice: feed },
      { kind: 'maker_take', tsMs: T + 130_000, ilk: GOLD, id: 1, amt: wad(ether(40)), max: rayFromWad(ether(5)), buyer: BOB, who: BOB },
    ];
    let original = h;
    for (const cmd of session) {
      const copy = restoreAuctionHouse(JSON.parse(JSON.stringify(snapshotAuctionHouse(original), (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)), (_k, x: unknown) => (typeof x === 'string' && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x)));
      const a = applyAuctionCommand(original, cmd);
      const b = applyAuctionCommand(copy, cmd);
      expect(text(b)).toBe(text(a));
      expect(a.every((e) => e.kind !== 'AuctionRejected')).toBe(true);
      expect(text(snapshotAuctionHouse(copy))).toBe(text(snapshotAuctionHouse(original)));
      original = copy; // go on from the restored one
    }
  });
});

/** A second unsafe vault, for the sealed-bid liquidation. */
function slipAndOpen(s: ReturnType<typeof clipSetUp>['s']) {
  slip(s, GOLD, 'second', ether(40));
  frob(s, GOLD, 'second', ether(40), ether(100));
}
