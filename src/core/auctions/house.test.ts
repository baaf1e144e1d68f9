// The auction house end to end: a sealed-bid liquidation with escrow, settlement, return of collateral and the
// Clipper fallback; engine-wide clock pauses; refusals that change nothing. Figures worked out by hand beside them.
import { describe, expect, it } from 'vitest';
import { sealedBidDigest } from '../../wire/sealed-bid.js';
import { ray, wad } from '../units/index.js';
import { applyAuctionCommand, createAuctionHouse, escrowHolder, type AuctionCommand, type AuctionHouse } from './house.js';
import { clipperHolder, daiOf, gemOf, totalCollateral, urnOf, vatInvariantHolds } from './maker-state.js';
import { RAY } from './ray-math.js';
import { ALI, BOB, GOLD, ME, TAKE_SETUP_CLIP, clipSetUp, ether, radFromWad, rayFromWad } from './testkit.js';

const T0 = 1_000_000_000; // ms
const salt = (who: string) => Buffer.from(`${who}-secret-salt`.padEnd(32, '#')).toString('hex');

function world(): { h: AuctionHouse; feed: ReturnType<typeof ray>; collateral: bigint } {
  const { s, feed } = clipSetUp(TAKE_SETUP_CLIP);
  return { h: createAuctionHouse(s), feed, collateral: totalCollateral(s, GOLD) };
}

const fingerprint = (h: AuctionHouse) =>
  JSON.stringify(h, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v));

function sealedBark(h: AuctionHouse, feed: ReturnType<typeof ray>) {
  const cmd: AuctionCommand = {
    kind: 'sealed_bark',
    tsMs: T0,
    ilk: GOLD,
    urn: ME,
    keeper: 'kpr',
    feedPrice: feed,
    floorRatio: ray((8n * RAY) / 10n),
    commitS: 60n,
    revealS: 60n,
    maxBids: 10,
  };
  const out = applyAuctionCommand(h, cmd);
  expect(out[0]?.kind).toBe('SealedBidOpened');
  return out[0] as Extract<(typeof out)[number], { kind: 'SealedBidOpened' }>;
}

function bid(h: AuctionHouse, auction: string, who: string, price: bigint, quantity: bigint) {
  const commit = applyAuctionCommand(h, { kind: 'sealed_commit', tsMs: T0 + 10_000, auction, bidder: who, digestHex: sealedBidDigest(auction, who, price, quantity, salt(who)) });
  expect(commit[0]?.kind).toBe('SealedBidCommitted');
}

function reveal(h: AuctionHouse, auction: string, who: string, price: bigint, quantity: bigint) {
  return applyAuctionCommand(h, {
    kind: 'sealed_reveal',
    tsMs: T0 + 70_000,
    auction,
    bidder: who,
    price: ray(price),
    quantity: wad(quantity),
    saltHex: salt(who),
    digestHex: sealedBidDigest(auction, who, price, quantity, salt(who)),
  });
}

describe('sealed-bid liquidation in the auction house', () => {
  it('vault 40 gold / 110 DAI tab at $4: ali 20 @ $4, bob 15 @ $3.5 clear at $3.5; escrow refunded; 8.57 gold back to the owner', () => {
    const { h, feed, collateral } = world();
    const opened = sealedBark(h, feed);
    expect(opened).toMatchObject({ auction: 'gold-sb-1', lot: ether(40), tab: radFromWad(ether(110)), floor: rayFromWad((ether(32) / 10n)) }); // $4 x 0.8
    expect(urnOf(h.maker, GOLD, ME)).toEqual({ ink: 0n, art: 0n });
    bid(h, opened.auction, ALI, rayFromWad(ether(4)), ether(20));
    bid(h, opened.auction, BOB, rayFromWad(ether(35) / 10n), ether(15));
    expect(reveal(h, opened.auction, ALI, rayFromWad(ether(4)), ether(20))[0]).toMatchObject({ kind: 'SealedBidRevealed', escrow: radFromWad(ether(80)) });
    expect(reveal(h, opened.auction, BOB, rayFromWad(ether(35) / 10n), ether(15))[0]).toMatchObject({ escrow: radFromWad((ether(525) / 10n)) });
    expect(daiOf(h.maker, escrowHolder(opened.auction))).toBe(radFromWad(ether(1325) / 10n)); // 80 + 52.5
    expect(applyAuctionCommand(h, { kind: 'sealed_settle', tsMs: T0 + 119_999, auction: opened.auction, keeper: 'k', feedPrice: feed })).toEqual([
      { kind: 'AuctionRejected', command: 'sealed_settle', reason: 'settle_too_early' },
    ]);
    const [settled] = applyAuctionCommand(h, { kind: 'sealed_settle', tsMs: T0 + 120_000, auction: opened.auction, keeper: 'k', feedPrice: feed });
    // $4: 20 < 27.5 (110 / 4); $3.5: 35 >= floor(110 / 3.5) = 31.428571428571428571: p* = $3.5
    const supply = 31_428_571_428_571_428_571n;
    const p = rayFromWad(ether(35) / 10n);
    expect(settled).toMatchObject({
      kind: 'SealedBidSettled',
      price: p,
      allocations: [
        { bidder: ALI, quantity: ether(20), pay: radFromWad(ether(70)) },
        { bidder: BOB, quantity: supply - ether(20), pay: (supply - ether(20)) * p },
      ],
      raised: supply * p, // 109.9999999999999999985 DAI
      returned: ether(40) - supply, // 8.571428571428571429 gold
      unsold: 0n,
      uncovered: 15n * 10n ** 26n, // 1.5e27 rad atoms < $3.5 (3.5e27): the tab counts as covered
      fallback: null,
    });
    expect(gemOf(h.maker, GOLD, ALI)).toBe(ether(20));
    expect(gemOf(h.maker, GOLD, BOB)).toBe(supply - ether(20));
    expect(gemOf(h.maker, GOLD, ME)).toBe(ether(960) + ether(40) - supply);
    expect(daiOf(h.maker, ALI)).toBe(radFromWad(ether(1000 - 70))); // paid $3.5 x 20, not its $4 bid
    expect(daiOf(h.maker, BOB)).toBe(radFromWad(ether(1000)) - (supply - ether(20)) * p);
    expect(daiOf(h.maker, escrowHolder(opened.auction))).toBe(0n);
    expect(gemOf(h.maker, GOLD, clipperHolder(GOLD))).toBe(0n);
    expect(h.maker.Dirt).toBe(0n);
    expect(vatInvariantHolds(h.maker)).toBe(true);
    expect(totalCollateral(h.maker, GOLD)).toBe(collateral);
  });

  it('undersubscribed: what no bid took goes to a Clipper auction with the uncovered tab; Dirt carries it over', () => {
    const { h, feed, collateral } = world();
    const opened = sealedBark(h, feed);
    bid(h, opened.auction, ALI, rayFromWad(ether(4)), ether(10));
    reveal(h, opened.auction, ALI, rayFromWad(ether(4)), ether(10));
    const [settled] = applyAuctionCommand(h, { kind: 'sealed_settle', tsMs: T0 + 120_000, auction: opened.auction, keeper: 'k', feedPrice: feed });
    // 10 gold at $4 = 40 DAI; 30 gold unsold, 70 DAI uncovered
    expect(settled).toMatchObject({ price: rayFromWad(ether(4)), raised: radFromWad(ether(40)), unsold: ether(30), uncovered: radFromWad(ether(70)), fallback: 1 });
    const sale = h.maker.clippers.get(GOLD)!.sales.get(1)!;
    expect(sale.lot).toBe(ether(30));
    expect(sale.tab).toBe(radFromWad(ether(70)));
    expect(sale.top).toBe(rayFromWad(ether(5))); // $4 x buf 1.25
    expect(h.maker.Dirt).toBe(radFromWad(ether(70)));
    expect(vatInvariantHolds(h.maker)).toBe(true);
    expect(totalCollateral(h.maker, GOLD)).toBe(collateral);
  });

  it('a reveal its bidder cannot pay, and every other refusal, changes nothing', () => {
    const { h, feed } = world();
    const opened = sealedBark(h, feed);
    bid(h, opened.auction, 'poor', rayFromWad(ether(4)), ether(10));
    const before = fingerprint(h);
    expect(reveal(h, opened.auction, 'poor', rayFromWad(ether(4)), ether(10))).toEqual([{ kind: 'AuctionRejected', command: 'sealed_reveal', reason: 'insufficient_dai' }]);
    expect(reveal(h, opened.auction, ALI, rayFromWad(ether(4)), ether(10))).toEqual([{ kind: 'AuctionRejected', command: 'sealed_reveal', reason: 'not_committed' }]);
    expect(reveal(h, 'nope', ALI, rayFromWad(ether(4)), ether(10))[0]).toMatchObject({ reason: 'auction_unknown' });
    expect(applyAuctionCommand(h, { kind: 'maker_bark', tsMs: T0, ilk: GOLD, urn: ME, keeper: 'k', feedPrice: feed })[0]).toMatchObject({ reason: 'not_unsafe' }); // nothing left to bark
    expect(fingerprint(h)).toBe(before);
  });
});

describe('Clipper commands and the engine-wide clock', () => {
  it('maker_bark, a pause of every ilk (ilk null), a take refused while paused, then taken at the frozen price', () => {
    const { h, feed, collateral } = world();
    const [kicked] = applyAuctionCommand(h, { kind: 'maker_bark', tsMs: T0, ilk: GOLD, urn: ME, keeper: 'k', feedPrice: feed });
    expect(kicked).toMatchObject({ kind: 'AuctionKicked', id: 1, tab: radFromWad(ether(110)), lot: ether(40), top: rayFromWad(ether(5)) });
    expect(applyAuctionCommand(h, { kind: 'auction_clock', tsMs: T0 + 10_000, ilk: null, why: 'engine', paused: true })).toEqual([
      { kind: 'AuctionClock', ilk: GOLD, why: 'engine', running: false },
    ]);
    const takeCmd = (tsMs: number): AuctionCommand => ({ kind: 'maker_take', tsMs, ilk: GOLD, id: 1, amt: wad(ether(1)), max: rayFromWad(ether(5)), buyer: ALI, who: ALI });
    expect(applyAuctionCommand(h, takeCmd(T0 + 500_000))[0]).toMatchObject({ reason: 'auction_clock_paused' });
    expect(applyAuctionCommand(h, { kind: 'auction_clock', tsMs: T0 + 600_000, ilk: null, why: 'engine', paused: false })[0]).toMatchObject({ running: true });
    // 10 s ran before the pause; at resume + 0 the price is 5 x 0.99^10, the same as at the pause
    const [taken] = applyAuctionCommand(h, takeCmd(T0 + 600_000));
    expect(taken).toMatchObject({ kind: 'AuctionTaken', slice: ether(1) });
    const price = (taken as { price: bigint }).price;
    // 99^10 = 90438207500880449001, so 0.99^10 = 0.90438207500880449001 exactly (20 decimals < 27: rpow never rounds)
    // and 5 x 0.99^10 = 4.52191037504402245005
    expect(price).toBe(4_521_910_375_044_022_450_050_000_000n);
    expect(applyAuctionCommand(h, { kind: 'auction_clock', tsMs: T0, ilk: 'silver', why: 'feed', paused: true })[0]).toMatchObject({ reason: 'ilk_unknown' });
    expect(vatInvariantHolds(h.maker)).toBe(true);
    expect(totalCollateral(h.maker, GOLD)).toBe(collateral);
  });
});
