// Sealed-bid batch liquidation auctions (no venue runs them today; issue 18). A lot of seized collateral is sold in
// one batch at one uniform price, so no liquidator gains by seeing others' bids first or by being first in line:
//   1. commit window [openS, commitEndS): each liquidator commits SHA-256(preimage) of its bid, where the preimage
//      (sealedBidPreimage) binds the auction, the bidder, the price, the quantity and a secret salt of 16-64 bytes.
//      Only digests are public: a front-runner watching the mempool learns nothing it can bid on, and a copied digest
//      cannot be revealed by anyone else (the bidder is in the preimage). A commit at or after commitEndS is refused
//      (a late bid is void).
//   2. reveal window [commitEndS, revealEndS): each bidder reveals price, quantity and salt; the digest must match.
//      A zero bid or one below the floor is refused; a commitment never revealed is void.
//   3. settle at or after revealEndS: the uniform clearing price p* allocates the lot (clearBatch below).
// The hash: src/core has no SHA-256 and imports no hashing library, so the digest is computed at the edge (over the
// UTF-8 bytes of sealedBidPreimage: src/wire/sealed-bid.ts, node:crypto) and enters reveal as an input; the core
// compares it with the commitment. A verifier replaying the journal recomputes it from the revealed fields.
//
// Units as in the Maker model: lot and quantities [wad], prices and the floor [ray], tab and payments [rad]
// (wad x ray = rad exactly, so a payment q x p* needs no rounding).

import { assert } from '../assert.js';
import type { CodeName } from '../codes.js';
import { divRound, min, type Ray, type Wad } from '../units/index.js';
import { radOf, rayOf, type Rad } from './ray-math.js';
import { ok, refused, type Result } from './result.js';

export type SealedBidReason = CodeName<'sealed_bid'>;

export interface SealedBidParams {
  /** Collateral for sale [wad]. */
  readonly lot: Wad;
  /** The most DAI to raise (debt + penalty) [rad]: the auction never raises more. */
  readonly tab: Rad;
  /** The lowest acceptable price [ray] (e.g. the feed price x a floor ratio). */
  readonly floor: Ray;
  readonly openS: bigint;
  readonly commitEndS: bigint;
  readonly revealEndS: bigint;
  /** Bound on commitments (every queue has a limit). */
  readonly maxBids: number;
}

export interface Commitment {
  readonly digestHex: string;
  /** The order commitments arrived (0, 1, ...): kept for the record, never used to allocate. */
  readonly order: number;
}

export interface RevealedBid {
  readonly bidder: string;
  readonly price: Ray;
  readonly quantity: Wad;
  readonly digestHex: string;
}

export interface SealedBidAuction {
  readonly id: string;
  readonly params: SealedBidParams;
  /** Receives the collateral left when the tab is covered (the liquidated vault's owner). */
  readonly owner: string;
  readonly commitments: Map<string, Commitment>;
  readonly reveals: Map<string, RevealedBid>;
  settled: boolean;
}

export const SEALED_BID_MAX_BIDS = 10_000;

export function checkSealedBidParams(p: SealedBidParams): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (p.lot <= 0n) problems.push({ path: 'lot', message: 'lot must be positive' });
  if (p.tab <= 0n) problems.push({ path: 'tab', message: 'tab must be positive' });
  if (p.floor <= 0n) problems.push({ path: 'floor', message: 'floor must be positive (no collateral is given away)' });
  if (p.commitEndS <= p.openS) problems.push({ path: 'commitEndS', message: 'the commit window must be open for some time' });
  if (p.revealEndS <= p.commitEndS) problems.push({ path: 'revealEndS', message: 'the reveal window must follow the commit window' });
  if (!Number.isSafeInteger(p.maxBids) || p.maxBids < 1 || p.maxBids > SEALED_BID_MAX_BIDS) {
    problems.push({ path: 'maxBids', message: `maxBids must be within 1..${SEALED_BID_MAX_BIDS}` });
  }
  return problems;
}

export function openSealedBid(id: string, owner: string, params: SealedBidParams): SealedBidAuction {
  assert(checkSealedBidParams(params).length === 0, 'openSealedBid: parameters were checked by the caller');
  return { id, params, owner, commitments: new Map(), reveals: new Map(), settled: false };
}

/**
 * The bytes (as text, hashed as UTF-8) whose SHA-256 a bidder commits to. Every field is in a fixed canonical form
 * (decimal integers, lowercase hex) and the bidder and auction are inside, so a digest means one bid by one bidder.
 */
export function sealedBidPreimage(auctionId: string, bidder: string, price: bigint, quantity: bigint, saltHex: string): string {
  return `bailiff-sealed-bid-v1\n${auctionId}\n${bidder}\n${price.toString()}\n${quantity.toString()}\n${saltHex}`;
}

const DIGEST = /^[0-9a-f]{64}$/;
const SALT = /^(?:[0-9a-f]{2}){16,64}$/;

export interface CommitInput {
  readonly bidder: string;
  readonly digestHex: string;
  readonly nowS: bigint;
}

export function commitBid(a: SealedBidAuction, c: CommitInput): Result<Commitment, SealedBidReason> {
  if (a.settled) return refused('auction_settled');
  if (c.nowS < a.params.openS || c.nowS >= a.params.commitEndS) return refused('commit_window_closed');
  if (!DIGEST.test(c.digestHex)) return refused('digest_invalid');
  if (a.commitments.has(c.bidder)) return refused('already_committed');
  if (a.commitments.size >= a.params.maxBids) return refused('too_many_bids');
  const commitment = { digestHex: c.digestHex, order: a.commitments.size };
  a.commitments.set(c.bidder, commitment);
  return ok(commitment);
}

export interface RevealInput {
  readonly bidder: string;
  readonly price: Ray;
  readonly quantity: Wad;
  readonly saltHex: string;
  /** SHA-256 of sealedBidPreimage(auction, bidder, price, quantity, salt), computed at the edge. */
  readonly digestHex: string;
  readonly nowS: bigint;
}

/** The refusal of a reveal, in order (null: it would be accepted). Pure. */
export function revealRefusal(a: SealedBidAuction, r: RevealInput): SealedBidReason | null {
  if (a.settled) return 'auction_settled';
  if (r.nowS < a.params.commitEndS) return 'reveal_too_early';
  if (r.nowS >= a.params.revealEndS) return 'reveal_window_closed';
  const commitment = a.commitments.get(r.bidder);
  if (commitment === undefined) return 'not_committed';
  if (a.reveals.has(r.bidder)) return 'already_revealed';
  if (!SALT.test(r.saltHex)) return 'salt_invalid';
  if (r.digestHex !== commitment.digestHex) return 'reveal_mismatch';
  if (r.price <= 0n || r.quantity <= 0n) return 'bid_zero';
  if (r.price < a.params.floor) return 'bid_below_floor';
  return null;
}

export function revealBid(a: SealedBidAuction, r: RevealInput): Result<RevealedBid, SealedBidReason> {
  const why = revealRefusal(a, r);
  if (why !== null) return refused(why);
  const bid: RevealedBid = { bidder: r.bidder, price: r.price, quantity: r.quantity, digestHex: r.digestHex };
  a.reveals.set(r.bidder, bid);
  return ok(bid);
}

export interface Allocation {
  readonly bidder: string;
  /** Collateral won [wad]. */
  readonly quantity: Wad;
  /** quantity x the clearing price [rad]. */
  readonly pay: Rad;
}

export type VoidReason = 'unrevealed' | 'unmatched';

export interface Settlement {
  /** The uniform clearing price [ray]; 0 when no bid was revealed. */
  readonly price: Ray;
  /** Winners in the order of their bids (price descending, then digest): quantities sum to `sold`. */
  readonly allocations: readonly Allocation[];
  readonly sold: Wad;
  /** sold x price <= tab [rad]. */
  readonly raised: Rad;
  /** Collateral returned to the owner because the tab is covered [wad]. */
  readonly returned: Wad;
  /** Collateral neither sold nor returned (the tab is not covered): to be auctioned again [wad]. */
  readonly unsold: Wad;
  /** tab - raised [rad]. When the tab is covered this is below one collateral atom's worth at the price. */
  readonly uncovered: Rad;
  /** Commitments that buy nothing, by bidder id: never revealed, or revealed below the clearing price. */
  readonly void: readonly { readonly bidder: string; readonly why: VoidReason }[];
}

/** The collateral to sell at price p: the whole lot, or only what covers the tab (floor: never above the tab). */
function supplyAt(lot: bigint, tab: bigint, p: bigint): bigint {
  return min(lot, divRound(tab, p, 'floor'));
}

/**
 * The uniform-price clearing of revealed bids (pure). Bids are ranked by price, highest first. The clearing price p*
 * is the highest bid price at which the bids at or above it ask for at least the collateral offered at that price
 * (supply(p) = min(lot, floor(tab / p)): the auction never raises more than its tab); when no price is reached
 * (undersubscribed), p* is the lowest revealed price and every revealed bid wins in full. Every winner pays p* per
 * unit, whatever it bid. Bids above p* fill in full; the bids at exactly p* share what is left pro rata to their
 * quantities (floor), and the atoms the floors leave are handed out one each, larger quantity first, then lower
 * digest (a fixed, content-based order: not arrival order, which a front-runner could race for).
 */
export function clearBatch(params: Pick<SealedBidParams, 'lot' | 'tab'>, bids: readonly RevealedBid[]): {
  price: Ray;
  allocations: Allocation[];
  sold: Wad;
} {
  const ranked = [...bids].sort((x, y) => (x.price !== y.price ? (x.price > y.price ? -1 : 1) : x.digestHex < y.digestHex ? -1 : x.digestHex > y.digestHex ? 1 : 0));
  if (ranked.length === 0) return { price: rayOf(0n), allocations: [], sold: 0n as Wad };
  // Distinct prices, highest first, with the demand at or above each.
  let clearing: bigint | null = null;
  let above = 0n; // demand strictly above the price under test
  for (let i = 0; i < ranked.length; ) {
    const p = ranked[i]!.price;
    let atP = 0n;
    let j = i;
    while (j < ranked.length && ranked[j]!.price === p) atP += ranked[j++]!.quantity;
    if (above + atP >= supplyAt(params.lot, params.tab, p)) {
      clearing = p;
      break;
    }
    above += atP;
    i = j;
  }
  const price = clearing ?? ranked[ranked.length - 1]!.price;
  const supply = clearing === null ? above : supplyAt(params.lot, params.tab, price);
  const allocations: Allocation[] = [];
  let left = supply;
  const marginal: RevealedBid[] = [];
  for (const b of ranked) {
    if (b.price > price) {
      allocations.push({ bidder: b.bidder, quantity: b.quantity, pay: radOf(b.quantity * price) });
      left -= b.quantity;
    } else if (b.price === price) marginal.push(b);
  }
  assert(left >= 0n, 'clearBatch: bids above the clearing price ask for less than the supply');
  const marginalDemand = marginal.reduce((t, b) => t + b.quantity, 0n);
  const share = marginal.map((b) => (marginalDemand <= left ? b.quantity : divRound(b.quantity * left, marginalDemand, 'floor')));
  let rest = left - share.reduce((t, q) => t + q, 0n);
  assert(rest >= 0n && rest < BigInt(marginal.length + 1), 'clearBatch: floors leave fewer atoms than marginal bids');
  const order = marginal.map((_, k) => k).sort((x, y) => {
    const a = marginal[x]!;
    const b = marginal[y]!;
    if (a.quantity !== b.quantity) return a.quantity > b.quantity ? -1 : 1;
    return a.digestHex < b.digestHex ? -1 : a.digestHex > b.digestHex ? 1 : 0;
  });
  for (const k of order) {
    if (rest === 0n) break;
    if (share[k]! < marginal[k]!.quantity) {
      share[k]! += 1n;
      rest -= 1n;
    }
  }
  marginal.forEach((b, k) => {
    const q = share[k]!;
    if (q > 0n) allocations.push({ bidder: b.bidder, quantity: q as Wad, pay: radOf(q * price) });
  });
  const sold = allocations.reduce((t, x) => t + x.quantity, 0n);
  assert(sold === supply, 'clearBatch: the allocations sum to the supply');
  return { price: rayOf(price), allocations, sold: sold as Wad };
}

/** The settlement the batch would have now (pure: the caller checks the time and marks it settled). */
export function planSettlement(a: SealedBidAuction): Settlement {
  const { price, allocations, sold } = clearBatch(a.params, [...a.reveals.values()]);
  const raised = allocations.reduce((t, x) => t + x.pay, 0n);
  assert(raised <= a.params.tab, 'planSettlement: never raises more than the tab');
  // The tab counts as covered when what is left of it is worth less than one collateral atom at the price.
  const covered = price > 0n && a.params.tab - raised < price;
  const remaining = a.params.lot - sold;
  const winners = new Set(allocations.map((x) => x.bidder));
  const voids: { bidder: string; why: VoidReason }[] = [];
  for (const bidder of a.commitments.keys()) {
    if (!a.reveals.has(bidder)) voids.push({ bidder, why: 'unrevealed' });
    else if (!winners.has(bidder)) voids.push({ bidder, why: 'unmatched' });
  }
  voids.sort((x, y) => (x.bidder < y.bidder ? -1 : x.bidder > y.bidder ? 1 : 0)); // not arrival order
  return {
    price,
    allocations,
    sold,
    raised: radOf(raised),
    returned: (covered ? remaining : 0n) as Wad,
    unsold: (covered ? 0n : remaining) as Wad,
    uncovered: radOf(a.params.tab - raised),
    void: voids,
  };
}

/** The refusal of a settlement now (null: it may settle). */
export function settleRefusal(a: SealedBidAuction, nowS: bigint): SealedBidReason | null {
  if (a.settled) return 'auction_settled';
  if (nowS < a.params.revealEndS) return 'settle_too_early';
  return null;
}

/** Settles the batch after the reveal window: the clearing, what returns to the owner, what is void. */
export function settleSealedBid(a: SealedBidAuction, nowS: bigint): Result<Settlement, SealedBidReason> {
  const why = settleRefusal(a, nowS);
  if (why !== null) return refused(why);
  const settlement = planSettlement(a);
  a.settled = true;
  return ok(settlement);
}
