// The Clipper: Liquidations 2.0's Dutch auction, as makerdao/dss src/clip.sol computes it (commit
// fa4f6630afb0624d04a003e920b0d71a00331d98): kick, take with a max price, redo, status, and the keeper incentive.
// Bailiff's addition: an auction's clock stops while its price feed or the engine is paused (maker-state.ts, Sale),
// and take, redo and kick are refused meanwhile (`auction_clock_paused`).
//
// Every call checks all of its refusals first, in clip.sol's order, then mutates (STYLE.md: check, then commit).
// The price feed enters as an input: clip.sol reads it from the OSM as val x 1e9 / par [ray] (getFeedPrice); the
// caller passes that figure, or null when the feed has no valid price.

import { assert } from '../assert.js';
import { divRound, min, type Ray, type Wad } from '../units/index.js';
import { curvePrice } from './abaci.js';
import {
  clipperHolder,
  digs,
  flux,
  move,
  suck,
  VOW,
  daiOf,
  type Clipper,
  type ClockPause,
  type MakerState,
  type Sale,
} from './maker-state.js';
import { radOf, rayOf, rdiv, rmul, wmul, type Rad } from './ray-math.js';
import { ok, refused, type AuctionReason, type Result } from './result.js';

/** The auction's running time: seconds since tic, less the time its clock stood still. */
export function runningTimeS(clip: Clipper, sale: Sale, nowS: bigint): bigint {
  const current = clip.pausedSinceS === null ? 0n : nowS - clip.pausedSinceS;
  const dur = nowS - sale.ticS - sale.pausedS - current;
  assert(dur >= 0n, 'runningTimeS: time before the auction start');
  return dur;
}

export interface SaleStatus {
  /** The curve's current price [ray]. */
  readonly price: Ray;
  /** True when past tail or below cusp: a redo is needed before any take (clip.sol status `done`). */
  readonly done: boolean;
}

/** clip.sol status: price = calc.price(top, dur); done = dur > tail || rdiv(price, top) < cusp. */
export function saleStatus(clip: Clipper, sale: Sale, nowS: bigint): SaleStatus {
  const dur = runningTimeS(clip, sale, nowS);
  const price = curvePrice(clip.params.curve, sale.top, dur);
  const done = dur > clip.params.tailS || rdiv(price, sale.top) < clip.params.cusp;
  return { price, done };
}

/** clip.sol getStatus: needsRedo, price, lot, tab (zeros for an id that is not running). */
export function getStatus(clip: Clipper, id: number, nowS: bigint): { needsRedo: boolean; price: Ray; lot: Wad; tab: Rad } {
  const sale = clip.sales.get(id);
  if (sale === undefined) return { needsRedo: false, price: rayOf(0n), lot: 0n as Wad, tab: radOf(0n) };
  const { price, done } = saleStatus(clip, sale, nowS);
  return { needsRedo: done, price, lot: sale.lot, tab: sale.tab };
}

/** tip + wmul(tab, chip) when either is set, else 0 (clip.sol kick and redo). */
export function keeperIncentive(clip: Clipper, tab: Rad): Rad {
  const { tip, chip } = clip.params;
  if (tip === 0n && chip === 0n) return radOf(0n);
  return radOf(tip + wmul(tab, chip));
}

export interface KickInput {
  readonly tab: Rad;
  readonly lot: Wad;
  readonly usr: string;
  readonly keeper: string;
  readonly nowS: bigint;
  readonly feedPrice: Ray | null;
}

/** The refusals of clip.sol kick, in its order (the breaker, the inputs, the price), plus the paused clock. */
export function kickRefusal(clip: Clipper, k: KickInput): AuctionReason | null {
  if (clip.params.stopped >= 1) return 'clipper_stopped';
  if (k.tab <= 0n || k.lot <= 0n || k.usr === '') return 'amount_not_positive';
  if (clip.pausedBy.size > 0) return 'auction_clock_paused';
  if (k.feedPrice === null || k.feedPrice < 0n) return 'invalid_price';
  if (rmul(k.feedPrice, clip.params.buf) === 0n) return 'zero_top_price';
  return null;
}

export interface Kicked {
  readonly id: number;
  readonly top: Ray;
  /** The keeper's incentive, sucked from the vow [rad]. */
  readonly coin: Rad;
}

/** clip.sol kick, after kickRefusal returned null; the Dog has moved the collateral to the Clipper already. */
export function kickChecked(s: MakerState, clip: Clipper, k: KickInput): Kicked {
  assert(kickRefusal(clip, k) === null, 'kickChecked: refusals were checked');
  assert(k.feedPrice !== null, 'kickChecked: a price');
  const id = ++clip.kicks;
  const top = rayOf(rmul(k.feedPrice, clip.params.buf));
  clip.sales.set(id, { id, tab: k.tab, lot: k.lot, usr: k.usr, ticS: k.nowS, top, pausedS: 0n });
  const coin = keeperIncentive(clip, k.tab);
  if (coin > 0n) suck(s, VOW, k.keeper, coin);
  return { id, top, coin };
}

export interface TakeInput {
  readonly ilk: string;
  readonly id: number;
  /** Upper limit on the collateral to buy [wad]. */
  readonly amt: Wad;
  /** Maximum acceptable price [ray]. */
  readonly max: Ray;
  /** Pays the DAI. */
  readonly buyer: string;
  /** Receives the collateral. */
  readonly who: string;
  readonly nowS: bigint;
}

export interface Taken {
  readonly price: Ray;
  /** DAI paid [rad]. */
  readonly owe: Rad;
  /** Collateral bought [wad]. */
  readonly slice: Wad;
  /** The sale's tab and lot after the take (both 0 when it ended). */
  readonly tab: Rad;
  readonly lot: Wad;
  /** Collateral returned to the vault owner because the tab was covered [wad]. */
  readonly returned: Wad;
  /** Tab left uncovered when the whole lot sold for less (stays with the vow as sin) [rad]. */
  readonly uncovered: Rad;
  readonly ended: boolean;
}

/**
 * clip.sol take. The purchase: slice = min(lot, amt), owe = slice x price; if owe > tab then owe = tab and
 * slice = owe / price (floor: the buyer pays the whole tab for the collateral it covers, rounding in the venue's
 * favour); else if the take is partial and would leave tab - owe < chost, owe = tab - chost (refused when tab <= chost)
 * and slice = owe / price (floor). When the lot is gone the sale ends; when the tab is covered the rest of the lot
 * returns to the vault owner. The Dog's Dirt/dirt lose owe, or the whole original tab when the lot is gone.
 */
export function take(s: MakerState, t: TakeInput): Result<Taken, AuctionReason> {
  const clip = s.clippers.get(t.ilk);
  if (clip === undefined) return refused('ilk_unknown');
  if (clip.params.stopped >= 3) return refused('clipper_stopped');
  const sale = clip.sales.get(t.id);
  if (sale === undefined) return refused('auction_unknown');
  if (t.amt <= 0n || t.max <= 0n) return refused('amount_not_positive');
  if (clip.pausedBy.size > 0) return refused('auction_clock_paused');
  const { price, done } = saleStatus(clip, sale, t.nowS);
  if (done) return refused('needs_redo');
  if (t.max < price) return refused('too_expensive');
  // cusp > 0 (checkClipperParams) and done is false, so price / top >= cusp > 0: no division by zero below.
  assert(price > 0n, 'take: a running auction has a positive price');

  let slice = min(sale.lot, t.amt);
  let owe = slice * price;
  if (owe > sale.tab) {
    owe = sale.tab;
    slice = divRound(owe, price, 'floor') as Wad;
  } else if (owe < sale.tab && slice < sale.lot) {
    if (sale.tab - owe < clip.chost) {
      if (sale.tab <= clip.chost) return refused('no_partial_purchase');
      owe = sale.tab - clip.chost;
      slice = divRound(owe, price, 'floor') as Wad;
    }
  }
  if (daiOf(s, t.buyer) < owe) return refused('insufficient_dai');

  // ---- commit point: nothing below refuses -------------------------------------------------------------------
  const tab = radOf(sale.tab - owe);
  const lot = (sale.lot - slice) as Wad;
  const holder = clipperHolder(t.ilk);
  flux(s, t.ilk, holder, t.who, slice);
  move(s, t.buyer, VOW, owe);
  digs(s, t.ilk, lot === 0n ? tab + owe : owe);
  let returned = 0n as Wad;
  let uncovered = radOf(0n);
  let ended = false;
  if (lot === 0n) {
    uncovered = tab;
    clip.sales.delete(t.id);
    ended = true;
  } else if (tab === 0n) {
    flux(s, t.ilk, holder, sale.usr, lot);
    returned = lot;
    clip.sales.delete(t.id);
    ended = true;
  } else {
    sale.tab = tab;
    sale.lot = lot;
  }
  return ok({
    price,
    owe: radOf(owe),
    slice,
    tab: ended ? radOf(0n) : tab,
    lot: ended ? (0n as Wad) : lot,
    returned,
    uncovered,
    ended,
  });
}

export interface RedoInput {
  readonly ilk: string;
  readonly id: number;
  readonly keeper: string;
  readonly nowS: bigint;
  readonly feedPrice: Ray | null;
}

export interface Redone {
  readonly top: Ray;
  readonly coin: Rad;
}

/**
 * clip.sol redo: restarts a sale that is past tail or below cusp at top = feed price x buf, tic = now. The keeper
 * gets tip + chip x tab only when the sale is not dusty: tab >= chost and lot x feed price >= chost.
 */
export function redo(s: MakerState, r: RedoInput): Result<Redone, AuctionReason> {
  const clip = s.clippers.get(r.ilk);
  if (clip === undefined) return refused('ilk_unknown');
  if (clip.params.stopped >= 2) return refused('clipper_stopped');
  const sale = clip.sales.get(r.id);
  if (sale === undefined) return refused('auction_unknown');
  if (clip.pausedBy.size > 0) return refused('auction_clock_paused');
  if (!saleStatus(clip, sale, r.nowS).done) return refused('cannot_reset');
  if (r.feedPrice === null || r.feedPrice < 0n) return refused('invalid_price');
  const top = rayOf(rmul(r.feedPrice, clip.params.buf));
  if (top === 0n) return refused('zero_top_price');

  // ---- commit point ----------------------------------------------------------------------------------------
  sale.ticS = r.nowS;
  sale.pausedS = 0n;
  sale.top = top;
  let coin = radOf(0n);
  if (clip.params.tip > 0n || clip.params.chip > 0n) {
    if (sale.tab >= clip.chost && sale.lot * r.feedPrice >= clip.chost) {
      coin = keeperIncentive(clip, sale.tab);
      suck(s, VOW, r.keeper, coin);
    }
  }
  return ok({ top, coin });
}

/**
 * Stops the Clipper's auction clocks for `why` (its price feed, or the engine). Pauses nest: the clocks run again
 * only when every reason is lifted. Returns true when the clocks stopped now.
 */
export function pauseClock(clip: Clipper, why: ClockPause, nowS: bigint): boolean {
  const wasRunning = clip.pausedBy.size === 0;
  clip.pausedBy.add(why);
  if (wasRunning) clip.pausedSinceS = nowS;
  return wasRunning;
}

/** Lifts `why`; when nothing else holds the clocks, every sale's accumulator adds the pause. True when they run again. */
export function resumeClock(clip: Clipper, why: ClockPause, nowS: bigint): boolean {
  if (!clip.pausedBy.delete(why) || clip.pausedBy.size > 0) return false;
  assert(clip.pausedSinceS !== null && nowS >= clip.pausedSinceS, 'resumeClock: a pause has a start before now');
  const pause = nowS - clip.pausedSinceS;
  // No sale starts during a pause (kick and redo are refused), so each was running through all of it.
  for (const sale of clip.sales.values()) sale.pausedS += pause;
  clip.pausedSinceS = null;
  return true;
}
