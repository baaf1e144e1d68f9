// Sealed-bid batch auctions: worked examples with the figures by hand, every refusal, and the front-runner test.
// Digests are computed as the edge computes them (src/wire/sealed-bid.ts, SHA-256 via node:crypto).
import { describe, expect, it } from 'vitest';
import { sealedBidDigest } from '../../wire/sealed-bid.js';
import { ray, wad } from '../units/index.js';
import { take } from './clipper.js';
import { bark } from './dog.js';
import { RAD, RAY, radOf } from './ray-math.js';
import {
  clearBatch,
  commitBid,
  openSealedBid,
  revealBid,
  settleSealedBid,
  type SealedBidAuction,
  type SealedBidParams,
  type Settlement,
} from './sealed-bid.js';
import { GOLD, ME, START_S, TAKE_SETUP_CLIP, clipSetUp, ether, rayFromWad } from './testkit.js';

const price = (dollarsTimes10: bigint) => ray((dollarsTimes10 * RAY) / 10n); // $4.5 = price(45n)
const PARAMS: SealedBidParams = {
  lot: wad(ether(10)),
  tab: radOf(45n * RAD),
  floor: price(30n),
  openS: 0n,
  commitEndS: 60n,
  revealEndS: 120n,
  maxBids: 100,
};
const saltOf = (bidder: string) => Buffer.from(`salt-of-${bidder}`.padEnd(32, '.')).toString('hex');

interface Bid {
  bidder: string;
  price: bigint;
  quantity: bigint;
}

function commitAll(a: SealedBidAuction, bids: readonly Bid[], nowS = 10n) {
  for (const b of bids) {
    const r = commitBid(a, { bidder: b.bidder, digestHex: sealedBidDigest(a.id, b.bidder, b.price, b.quantity, saltOf(b.bidder)), nowS });
    expect(r.ok).toBe(true);
  }
}

function revealAll(a: SealedBidAuction, bids: readonly Bid[], nowS = 70n) {
  for (const b of bids) {
    const salt = saltOf(b.bidder);
    const r = revealBid(a, {
      bidder: b.bidder,
      price: ray(b.price),
      quantity: wad(b.quantity),
      saltHex: salt,
      digestHex: sealedBidDigest(a.id, b.bidder, b.price, b.quantity, salt),
      nowS,
    });
    expect(r.ok).toBe(true);
  }
}

function run(params: SealedBidParams, bids: readonly Bid[], revealed = bids): Settlement {
  const a = openSealedBid('sb-1', 'owner', params);
  commitAll(a, bids);
  revealAll(a, revealed);
  const r = settleSealedBid(a, params.revealEndS);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const A = { bidder: 'A', price: price(50n), quantity: ether(4) };
const B = { bidder: 'B', price: price(45n), quantity: ether(5) };
const C = { bidder: 'C', price: price(40n), quantity: ether(6) };
const D = { bidder: 'D', price: price(35n), quantity: ether(3) };

describe('uniform clearing price', () => {
  it('lot 10 gold, tab 45 DAI: $5 asks 4 < 9 (45/5); $4.5 asks 9 < 10; $4 asks 15 >= 10: everyone pays $4', () => {
    const s = run(PARAMS, [A, B, C, D]);
    expect(s.price).toBe(price(40n));
    // A and B above $4 fill in full (4 + 5); C at $4 gets the last 1; D ($3.5) is unmatched.
    expect(s.allocations).toEqual([
      { bidder: 'A', quantity: ether(4), pay: 16n * RAD },
      { bidder: 'B', quantity: ether(5), pay: 20n * RAD },
      { bidder: 'C', quantity: ether(1), pay: 4n * RAD },
    ]);
    expect(s.sold).toBe(ether(10));
    expect(s.raised).toBe(40n * RAD); // 10 x $4 < tab 45: 5 DAI uncovered, no collateral left to return
    expect(s.uncovered).toBe(5n * RAD);
    expect(s.returned).toBe(0n);
    expect(s.unsold).toBe(0n);
    expect(s.void).toEqual([{ bidder: 'D', why: 'unmatched' }]);
  });

  it('tab 30 DAI: at $4.5 only floor(30 / 4.5) = 6.666666666666666666 gold are sold; the rest returns to the owner', () => {
    const s = run({ ...PARAMS, tab: radOf(30n * RAD) }, [A, B, C, D]);
    expect(s.price).toBe(price(45n));
    const supply = 6_666_666_666_666_666_666n; // floor(30e45 / 4.5e27) wad
    expect(s.allocations).toEqual([
      { bidder: 'A', quantity: ether(4), pay: 18n * RAD },
      { bidder: 'B', quantity: supply - ether(4), pay: (supply - ether(4)) * price(45n) },
    ]);
    expect(s.raised).toBe(supply * price(45n)); // 29.999999999999999997 DAI
    expect(s.uncovered).toBe(3n * RAY); // 3e27 rad atoms: less than one wad atom's worth at $4.5 (4.5e27)
    expect(s.returned).toBe(ether(10) - supply); // covered: 3.333333333333333334 gold back to the owner
    expect(s.unsold).toBe(0n);
  });

  it('undersubscribed: every revealed bid wins at the lowest revealed price; the rest is unsold (tab not covered)', () => {
    const s = run(PARAMS, [{ ...A, quantity: ether(3) }, { ...C, quantity: ether(2) }]);
    expect(s.price).toBe(price(40n));
    expect(s.sold).toBe(ether(5));
    expect(s.raised).toBe(20n * RAD); // 5 x $4
    expect(s.unsold).toBe(ether(5));
    expect(s.returned).toBe(0n);
  });

  it('ties at the clearing price share pro rata; the odd atom goes to the larger bid, then the lower digest', () => {
    // lot 10 gold + 1 atom, no tab limit in reach. Z 1 @ $5 fills; X and Y 6 each @ $4 share 9 gold + 1 atom:
    // 6 x (9e18 + 1) / 12 = 4.5e18 + 0.5 -> 4.5e18 each, and the one atom left goes to the lower digest.
    const params = { ...PARAMS, lot: wad(ether(10) + 1n), tab: radOf(1000n * RAD) };
    const X = { bidder: 'X', price: price(40n), quantity: ether(6) };
    const Y = { bidder: 'Y', price: price(40n), quantity: ether(6) };
    const Z = { bidder: 'Z', price: price(50n), quantity: ether(1) };
    const s = run(params, [X, Y, Z]);
    const dx = sealedBidDigest('sb-1', 'X', X.price, X.quantity, saltOf('X'));
    const dy = sealedBidDigest('sb-1', 'Y', Y.price, Y.quantity, saltOf('Y'));
    const first = dx < dy ? 'X' : 'Y';
    const byBidder = new Map(s.allocations.map((x) => [x.bidder, x.quantity]));
    expect(byBidder.get('Z')).toBe(ether(1));
    expect(byBidder.get(first)).toBe((ether(9) / 2n) + 1n);
    expect(byBidder.get(first === 'X' ? 'Y' : 'X')).toBe(ether(9) / 2n);
    expect(s.sold).toBe(ether(10) + 1n);
  });

  it('no revealed bid: nothing sold, price 0, every commitment void as unrevealed', () => {
    const s = run(PARAMS, [A, B], []);
    expect(s.price).toBe(0n);
    expect(s.unsold).toBe(ether(10));
    expect(s.void).toEqual([{ bidder: 'A', why: 'unrevealed' }, { bidder: 'B', why: 'unrevealed' }]);
  });

  it('clearBatch does not depend on the order of the bids', () => {
    const bids = [A, B, C, D].map((b) => ({ bidder: b.bidder, price: ray(b.price), quantity: wad(b.quantity), digestHex: b.bidder.repeat(64).slice(0, 64) }));
    expect(clearBatch(PARAMS, bids)).toEqual(clearBatch(PARAMS, [...bids].reverse()));
  });
});

describe('refusals', () => {
  const dig = (b: Bid, salt = saltOf(b.bidder), bidder = b.bidder) => sealedBidDigest('sb-1', bidder, b.price, b.quantity, salt);
  const reveal = (a: SealedBidAuction, b: Bid, over: Partial<{ price: bigint; quantity: bigint; salt: string; nowS: bigint; bidder: string }> = {}) => {
    const p = over.price ?? b.price;
    const q = over.quantity ?? b.quantity;
    const salt = over.salt ?? saltOf(b.bidder);
    const bidder = over.bidder ?? b.bidder;
    return revealBid(a, { bidder, price: ray(p), quantity: wad(q), saltHex: salt, digestHex: sealedBidDigest('sb-1', bidder, p, q, salt), nowS: over.nowS ?? 70n });
  };

  it('commit: late (at the window end) is void, a bad digest, twice, over the bound', () => {
    const a = openSealedBid('sb-1', 'owner', { ...PARAMS, maxBids: 2 });
    expect(commitBid(a, { bidder: 'A', digestHex: dig(A), nowS: 60n })).toEqual({ ok: false, reason: 'commit_window_closed' });
    expect(commitBid(a, { bidder: 'A', digestHex: 'ABC', nowS: 10n })).toEqual({ ok: false, reason: 'digest_invalid' });
    expect(commitBid(a, { bidder: 'A', digestHex: dig(A), nowS: 10n }).ok).toBe(true);
    expect(commitBid(a, { bidder: 'A', digestHex: dig(A), nowS: 11n })).toEqual({ ok: false, reason: 'already_committed' });
    expect(commitBid(a, { bidder: 'B', digestHex: dig(B), nowS: 11n }).ok).toBe(true);
    expect(commitBid(a, { bidder: 'C', digestHex: dig(C), nowS: 11n })).toEqual({ ok: false, reason: 'too_many_bids' });
  });

  it('reveal: too early, too late, not committed, another salt or price, a zero or below-floor bid, twice', () => {
    const a = openSealedBid('sb-1', 'owner', PARAMS);
    const zero = { bidder: 'Z', price: 0n, quantity: ether(1) };
    const low = { bidder: 'L', price: price(29n), quantity: ether(1) }; // $2.9 < floor $3
    const none = { bidder: 'N', price: price(40n), quantity: 0n };
    for (const b of [A, zero, low, none]) expect(commitBid(a, { bidder: b.bidder, digestHex: dig(b), nowS: 10n }).ok).toBe(true);
    expect(reveal(a, A, { nowS: 59n })).toEqual({ ok: false, reason: 'reveal_too_early' });
    expect(reveal(a, A, { nowS: 120n })).toEqual({ ok: false, reason: 'reveal_window_closed' });
    expect(reveal(a, B)).toEqual({ ok: false, reason: 'not_committed' });
    expect(reveal(a, A, { salt: saltOf('other') })).toEqual({ ok: false, reason: 'reveal_mismatch' });
    expect(reveal(a, A, { price: price(51n) })).toEqual({ ok: false, reason: 'reveal_mismatch' });
    expect(reveal(a, A, { salt: 'abcd' })).toEqual({ ok: false, reason: 'salt_invalid' });
    expect(reveal(a, zero)).toEqual({ ok: false, reason: 'bid_zero' });
    expect(reveal(a, none)).toEqual({ ok: false, reason: 'bid_zero' });
    expect(reveal(a, low)).toEqual({ ok: false, reason: 'bid_below_floor' });
    expect(reveal(a, A).ok).toBe(true);
    expect(reveal(a, A)).toEqual({ ok: false, reason: 'already_revealed' });
    expect(a.reveals.size).toBe(1);
    expect(settleSealedBid(a, 119n)).toEqual({ ok: false, reason: 'settle_too_early' });
    const s = settleSealedBid(a, 120n);
    expect(s.ok && s.value.void).toEqual([
      { bidder: 'L', why: 'unrevealed' },
      { bidder: 'N', why: 'unrevealed' },
      { bidder: 'Z', why: 'unrevealed' },
    ]);
    expect(settleSealedBid(a, 121n)).toEqual({ ok: false, reason: 'auction_settled' });
    expect(commitBid(a, { bidder: 'Q', digestHex: dig(A), nowS: 10n })).toEqual({ ok: false, reason: 'auction_settled' });
  });
});

describe('a front-runner who sees the public mempool gains nothing', () => {
  it('Dutch auction (Clipper) for contrast: copying a keeper\'s take with priority takes the lot from it', () => {
    const { s, feed } = clipSetUp(TAKE_SETUP_CLIP);
    const b = bark(s, { ilk: GOLD, urn: ME, keeper: 'k', nowS: START_S, feedPrice: feed });
    expect(b.ok).toBe(true);
    // The honest keeper broadcasts take(40 gold, max $5); the front-runner copies it and is mined first.
    const honest = { ilk: GOLD, id: 1, amt: wad(ether(40)), max: rayFromWad(ether(5)), buyer: 'ali', who: 'ali', nowS: START_S };
    const copied = { ...honest, buyer: 'bob', who: 'bob' };
    expect(take(s, copied).ok).toBe(true);
    expect(take(s, honest)).toEqual({ ok: false, reason: 'auction_unknown' }); // the lot is gone
  });

  const HONEST: Bid[] = [A, B, C, D];
  const FR: Bid = { bidder: 'F', price: price(48n), quantity: ether(3) };

  it('the mempool shows only digests: a copied digest cannot be revealed by the copier (the bidder is in the preimage)', () => {
    const a = openSealedBid('sb-1', 'owner', PARAMS);
    commitAll(a, HONEST);
    // F copies A's commitment from the mempool, then copies A's reveal (price, quantity, salt) when A broadcasts it.
    const aDigest = a.commitments.get('A')!.digestHex;
    expect(commitBid(a, { bidder: 'F', digestHex: aDigest, nowS: 11n }).ok).toBe(true);
    revealAll(a, HONEST);
    const copied = revealBid(a, {
      bidder: 'F',
      price: ray(A.price),
      quantity: wad(A.quantity),
      saltHex: saltOf('A'),
      digestHex: sealedBidDigest('sb-1', 'F', A.price, A.quantity, saltOf('A')), // what the edge computes for F
      nowS: 70n,
    });
    expect(copied).toEqual({ ok: false, reason: 'reveal_mismatch' });
    // Seeing the reveals, F cannot commit anything new: the commit window is closed.
    expect(commitBid(a, { bidder: 'G', digestHex: sealedBidDigest('sb-1', 'G', price(41n), ether(10), saltOf('G')), nowS: 70n })).toEqual({
      ok: false,
      reason: 'commit_window_closed',
    });
    const s = settleSealedBid(a, 120n);
    if (!s.ok) throw new Error(s.reason);
    expect(s.value.void).toEqual([{ bidder: 'D', why: 'unmatched' }, { bidder: 'F', why: 'unrevealed' }]);
    const { void: _void, ...withoutF } = run(PARAMS, HONEST);
    const { void: _void2, ...withF } = s.value;
    expect(withF).toEqual(withoutF); // the same sale as if F had not been there at all
  });

  it('arriving first or last changes nothing: the same price and allocation in every order of the commitments', () => {
    const all = [...HONEST, FR];
    const orders = permutations(all);
    expect(orders.length).toBe(120);
    const reference = run(PARAMS, all);
    for (const order of orders) {
      const a = openSealedBid('sb-1', 'owner', PARAMS);
      commitAll(a, order);
      revealAll(a, [...order].reverse());
      const s = settleSealedBid(a, 120n);
      expect(s.ok && s.value).toEqual(reference);
    }
    // F outbid A's neighbours but pays the clearing price, the same as every other winner.
    // $5: 4 < 9 (45 / 5); $4.8: 4 + 3 = 7 < 9.375; $4.5: 12 >= 10: A 4, F 3, B the last 3; 10 x $4.5 = tab 45
    expect(reference.price).toBe(price(45n));
    expect(reference.allocations.map((x) => [x.bidder, x.quantity])).toEqual([['A', ether(4)], ['F', ether(3)], ['B', ether(3)]]);
    expect(reference.raised).toBe(45n * RAD);
    for (const x of reference.allocations) expect(x.pay).toBe(x.quantity * reference.price);
  });
});

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

