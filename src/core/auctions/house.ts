// The auction house: Liquidations 2.0 and sealed-bid batches as one deterministic state machine, commands in and
// events out, the shape the engine's dispatch calls (commands carry their time in ms, as the engine's do; the
// auctions' clocks count whole seconds, floor(tsMs / 1000), as dss counts block.timestamp).
//
// Every command checks all of its refusals before it changes anything; a refused command emits only
// AuctionRejected with a stable code (vocabularies `auction` and `sealed_bid`, core/codes.ts) and changes nothing.
//
// A sealed-bid liquidation (`sealed_bark`) barks a vault as the Dog does (planBark: the same room, dust and chop) but
// sells the lot in a batch: bids are committed, then revealed with their DAI locked in escrow (price x quantity), then
// settled at the uniform price: winners pay quantity x price and get their collateral, the rest of their escrow is
// refunded, collateral left over returns to the vault owner when the tab is covered, and what no bid took (tab not
// covered) goes to a Clipper auction as a fallback, so nothing is left unsold. The floor is feed x floorRatio (ceil).

import { assert, unreachable } from '../assert.js';
import type { Ray, Wad } from '../units/index.js';
import { keeperIncentive, kickChecked, kickRefusal, pauseClock, redo, resumeClock, take } from './clipper.js';
import { bark, confiscate, planBark } from './dog.js';
import { clipperHolder, daiOf, digs, flux, move, suck, urnOf, VOW, type ClockPause, type MakerState } from './maker-state.js';
import { radOf, rayOf, type Rad } from './ray-math.js';
import type { AuctionReason } from './result.js';
import {
  checkSealedBidParams,
  commitBid,
  openSealedBid,
  planSettlement,
  revealBid,
  revealRefusal,
  settleRefusal,
  type Allocation,
  type SealedBidAuction,
  type SealedBidReason,
  type VoidReason,
} from './sealed-bid.js';

interface Timed {
  readonly tsMs: number;
}

export type AuctionCommand =
  | (Timed & { readonly kind: 'maker_bark'; readonly ilk: string; readonly urn: string; readonly keeper: string; readonly feedPrice: Ray | null })
  | (Timed & { readonly kind: 'maker_take'; readonly ilk: string; readonly id: number; readonly amt: Wad; readonly max: Ray; readonly buyer: string; readonly who: string })
  | (Timed & { readonly kind: 'maker_redo'; readonly ilk: string; readonly id: number; readonly keeper: string; readonly feedPrice: Ray | null })
  /** Stops or restarts the auction clocks of one ilk (its price feed) or of every ilk (ilk null: the engine). */
  | (Timed & { readonly kind: 'auction_clock'; readonly ilk: string | null; readonly why: ClockPause; readonly paused: boolean })
  | (Timed & {
      readonly kind: 'sealed_bark';
      readonly ilk: string;
      readonly urn: string;
      readonly keeper: string;
      readonly feedPrice: Ray | null;
      /** The floor as a share of the feed price [ray]: 0.8 RAY sells at no less than 80% of the feed. */
      readonly floorRatio: Ray;
      readonly commitS: bigint;
      readonly revealS: bigint;
      readonly maxBids: number;
    })
  | (Timed & { readonly kind: 'sealed_commit'; readonly auction: string; readonly bidder: string; readonly digestHex: string })
  | (Timed & {
      readonly kind: 'sealed_reveal';
      readonly auction: string;
      readonly bidder: string;
      readonly price: Ray;
      readonly quantity: Wad;
      readonly saltHex: string;
      /** SHA-256 of sealedBidPreimage(...), computed at the edge (src/wire/sealed-bid.ts). */
      readonly digestHex: string;
    })
  /** Settles a batch; what no bid took starts a Clipper auction at the feed price now (the keeper gets its incentive). */
  | (Timed & { readonly kind: 'sealed_settle'; readonly auction: string; readonly keeper: string; readonly feedPrice: Ray | null });

export type AuctionEvent =
  | { readonly kind: 'AuctionKicked'; readonly ilk: string; readonly id: number; readonly urn: string; readonly keeper: string; readonly tab: Rad; readonly lot: Wad; readonly top: Ray; readonly coin: Rad; readonly due: Rad; readonly partial: boolean }
  | { readonly kind: 'AuctionTaken'; readonly ilk: string; readonly id: number; readonly buyer: string; readonly price: Ray; readonly owe: Rad; readonly slice: Wad; readonly tab: Rad; readonly lot: Wad; readonly returned: Wad; readonly uncovered: Rad; readonly ended: boolean }
  | { readonly kind: 'AuctionRedone'; readonly ilk: string; readonly id: number; readonly keeper: string; readonly top: Ray; readonly coin: Rad }
  | { readonly kind: 'AuctionClock'; readonly ilk: string; readonly why: ClockPause; readonly running: boolean }
  | { readonly kind: 'SealedBidOpened'; readonly auction: string; readonly ilk: string; readonly urn: string; readonly lot: Wad; readonly tab: Rad; readonly floor: Ray; readonly commitEndS: bigint; readonly revealEndS: bigint; readonly due: Rad; readonly coin: Rad; readonly partial: boolean }
  | { readonly kind: 'SealedBidCommitted'; readonly auction: string; readonly bidder: string; readonly digestHex: string }
  | { readonly kind: 'SealedBidRevealed'; readonly auction: string; readonly bidder: string; readonly price: Ray; readonly quantity: Wad; readonly escrow: Rad }
  | {
      readonly kind: 'SealedBidSettled';
      readonly auction: string;
      readonly price: Ray;
      readonly allocations: readonly Allocation[];
      readonly raised: Rad;
      readonly returned: Wad;
      readonly unsold: Wad;
      readonly uncovered: Rad;
      readonly void: readonly { readonly bidder: string; readonly why: VoidReason }[];
      /** The Clipper auction that sells what no bid took (null when nothing is left). */
      readonly fallback: number | null;
    }
  | { readonly kind: 'AuctionRejected'; readonly command: AuctionCommand['kind']; readonly reason: AuctionReason | SealedBidReason };

/** A sealed-bid liquidation in progress: the batch, and where it came from. */
export interface SealedLiquidation {
  readonly ilk: string;
  readonly urn: string;
  readonly feedPrice: Ray;
  readonly auction: SealedBidAuction;
}

export interface AuctionHouse {
  readonly maker: MakerState;
  readonly sealed: Map<string, SealedLiquidation>;
  sealedCount: number;
}

export const escrowHolder = (auction: string): string => `escrow:${auction}`;
const seconds = (tsMs: number): bigint => BigInt(Math.floor(tsMs / 1000));

export function createAuctionHouse(maker: MakerState): AuctionHouse {
  return { maker, sealed: new Map(), sealedCount: 0 };
}

/** Applies one command: its events, or its AuctionRejected alone (and nothing changed). */
export function applyAuctionCommand(h: AuctionHouse, cmd: AuctionCommand): AuctionEvent[] {
  const s = h.maker;
  const nowS = seconds(cmd.tsMs);
  const refuse = (reason: AuctionReason | SealedBidReason): AuctionEvent[] => [{ kind: 'AuctionRejected', command: cmd.kind, reason }];
  switch (cmd.kind) {
    case 'maker_bark': {
      const r = bark(s, { ilk: cmd.ilk, urn: cmd.urn, keeper: cmd.keeper, nowS, feedPrice: cmd.feedPrice });
      if (!r.ok) return refuse(r.reason);
      const b = r.value;
      return [{ kind: 'AuctionKicked', ilk: cmd.ilk, id: b.id, urn: cmd.urn, keeper: cmd.keeper, tab: b.tab, lot: b.dink, top: b.top, coin: b.coin, due: b.due, partial: b.partial }];
    }
    case 'maker_take': {
      const r = take(s, { ilk: cmd.ilk, id: cmd.id, amt: cmd.amt, max: cmd.max, buyer: cmd.buyer, who: cmd.who, nowS });
      if (!r.ok) return refuse(r.reason);
      return [{ kind: 'AuctionTaken', ilk: cmd.ilk, id: cmd.id, buyer: cmd.buyer, ...r.value }];
    }
    case 'maker_redo': {
      const r = redo(s, { ilk: cmd.ilk, id: cmd.id, keeper: cmd.keeper, nowS, feedPrice: cmd.feedPrice });
      if (!r.ok) return refuse(r.reason);
      return [{ kind: 'AuctionRedone', ilk: cmd.ilk, id: cmd.id, keeper: cmd.keeper, ...r.value }];
    }
    case 'auction_clock': {
      if (cmd.ilk !== null && !s.clippers.has(cmd.ilk)) return refuse('ilk_unknown');
      const ilks = cmd.ilk === null ? [...s.clippers.keys()] : [cmd.ilk];
      const out: AuctionEvent[] = [];
      for (const ilk of ilks) {
        const clip = s.clippers.get(ilk);
        assert(clip !== undefined, 'auction_clock: listed');
        const changed = cmd.paused ? pauseClock(clip, cmd.why, nowS) : resumeClock(clip, cmd.why, nowS);
        if (changed) out.push({ kind: 'AuctionClock', ilk, why: cmd.why, running: !cmd.paused });
      }
      return out;
    }
    case 'sealed_bark':
      return sealedBark(h, cmd, nowS, refuse);
    case 'sealed_commit': {
      const l = h.sealed.get(cmd.auction);
      if (l === undefined) return refuse('auction_unknown');
      const r = commitBid(l.auction, { bidder: cmd.bidder, digestHex: cmd.digestHex, nowS });
      if (!r.ok) return refuse(r.reason);
      return [{ kind: 'SealedBidCommitted', auction: cmd.auction, bidder: cmd.bidder, digestHex: cmd.digestHex }];
    }
    case 'sealed_reveal': {
      const l = h.sealed.get(cmd.auction);
      if (l === undefined) return refuse('auction_unknown');
      // The escrow (price x quantity) is checked after the bid's own refusals: a bid its bidder cannot pay is refused
      // (and, unrevealed, stays void).
      const input = { bidder: cmd.bidder, price: cmd.price, quantity: cmd.quantity, saltHex: cmd.saltHex, digestHex: cmd.digestHex, nowS };
      const why = revealRefusal(l.auction, input);
      if (why !== null) return refuse(why);
      const escrow = cmd.price * cmd.quantity;
      if (daiOf(s, cmd.bidder) < escrow) return refuse('insufficient_dai');
      const r = revealBid(l.auction, input);
      assert(r.ok, 'sealed_reveal: the refusals were checked');
      move(s, cmd.bidder, escrowHolder(cmd.auction), escrow);
      return [{ kind: 'SealedBidRevealed', auction: cmd.auction, bidder: cmd.bidder, price: cmd.price, quantity: cmd.quantity, escrow: radOf(escrow) }];
    }
    case 'sealed_settle':
      return sealedSettle(h, cmd, nowS, refuse);
    default:
      return unreachable(cmd);
  }
}

function sealedBark(
  h: AuctionHouse,
  cmd: Extract<AuctionCommand, { kind: 'sealed_bark' }>,
  nowS: bigint,
  refuse: (reason: AuctionReason | SealedBidReason) => AuctionEvent[],
): AuctionEvent[] {
  const s = h.maker;
  const plan = planBark(s, { ilk: cmd.ilk, urn: cmd.urn, keeper: cmd.keeper, nowS, feedPrice: cmd.feedPrice });
  if (!plan.ok) return refuse(plan.reason);
  const clip = s.clippers.get(cmd.ilk);
  assert(clip !== undefined, 'sealed_bark: a listed ilk has a Clipper');
  if (clip.pausedBy.size > 0) return refuse('auction_clock_paused');
  if (cmd.feedPrice === null || cmd.feedPrice <= 0n) return refuse('invalid_price');
  const { dink, dart, due, tab } = plan.value;
  // floor = feed x floorRatio, rounded up (the venue's side: never a lower floor than asked)
  const floor = rayOf((cmd.feedPrice * cmd.floorRatio + 10n ** 27n - 1n) / 10n ** 27n);
  const params = { lot: dink, tab, floor, openS: nowS, commitEndS: nowS + cmd.commitS, revealEndS: nowS + cmd.commitS + cmd.revealS, maxBids: cmd.maxBids };
  if (cmd.floorRatio <= 0n || checkSealedBidParams(params).length > 0) return refuse('amount_not_positive');

  // ---- commit point ----------------------------------------------------------------------------------------
  const art = urnOf(s, cmd.ilk, cmd.urn).art;
  confiscate(s, cmd.ilk, cmd.urn, dink, dart, tab);
  const id = `${cmd.ilk}-sb-${++h.sealedCount}`;
  h.sealed.set(id, { ilk: cmd.ilk, urn: cmd.urn, feedPrice: cmd.feedPrice, auction: openSealedBid(id, cmd.urn, params) });
  // The keeper who starts it is paid as a Clipper kick pays (tip + chip x tab).
  const coin = keeperIncentive(clip, tab);
  if (coin > 0n) suck(s, VOW, cmd.keeper, coin);
  return [{ kind: 'SealedBidOpened', auction: id, ilk: cmd.ilk, urn: cmd.urn, lot: dink, tab, floor, commitEndS: params.commitEndS, revealEndS: params.revealEndS, due, coin, partial: art > dart }];
}

function sealedSettle(
  h: AuctionHouse,
  cmd: Extract<AuctionCommand, { kind: 'sealed_settle' }>,
  nowS: bigint,
  refuse: (reason: AuctionReason | SealedBidReason) => AuctionEvent[],
): AuctionEvent[] {
  const s = h.maker;
  const l = h.sealed.get(cmd.auction);
  if (l === undefined) return refuse('auction_unknown');
  const clip = s.clippers.get(l.ilk);
  assert(clip !== undefined, 'sealed_settle: listed');
  const why = settleRefusal(l.auction, nowS);
  if (why !== null) return refuse(why);
  const st = planSettlement(l.auction);
  // What no bid took goes to a Clipper auction: it must be able to start (its breaker, its clock, the price).
  const fallbackKick = { tab: radOf(st.uncovered), lot: st.unsold, usr: l.urn, keeper: cmd.keeper, nowS, feedPrice: cmd.feedPrice };
  if (st.unsold > 0n) {
    const kickWhy = kickRefusal(clip, fallbackKick);
    if (kickWhy !== null) return refuse(kickWhy);
  }

  // ---- commit point ----------------------------------------------------------------------------------------
  l.auction.settled = true;
  const holder = clipperHolder(l.ilk);
  const escrow = escrowHolder(cmd.auction);
  const paid = new Map(st.allocations.map((x) => [x.bidder, x]));
  for (const bid of l.auction.reveals.values()) {
    const locked = bid.price * bid.quantity;
    const won = paid.get(bid.bidder);
    if (won !== undefined) {
      move(s, escrow, VOW, won.pay);
      flux(s, l.ilk, holder, bid.bidder, won.quantity);
    }
    const refund = locked - (won?.pay ?? 0n);
    if (refund > 0n) move(s, escrow, bid.bidder, refund);
  }
  assert(daiOf(s, escrow) === 0n, 'sealed_settle: the escrow is emptied');
  if (st.returned > 0n) flux(s, l.ilk, holder, l.urn, st.returned);
  let fallback: number | null = null;
  if (st.unsold > 0n) {
    // The remainder and its uncovered tab stay in Dirt, now as a Clipper auction's.
    digs(s, l.ilk, st.raised);
    fallback = kickChecked(s, clip, fallbackKick).id;
  } else {
    digs(s, l.ilk, l.auction.params.tab);
  }
  return [
    {
      kind: 'SealedBidSettled',
      auction: cmd.auction,
      price: st.price,
      allocations: st.allocations,
      raised: st.raised,
      returned: st.returned,
      unsold: st.unsold,
      uncovered: st.uncovered,
      void: st.void,
      fallback,
    },
  ];
}
