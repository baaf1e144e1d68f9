// The Dog: Liquidations 2.0's bark, as makerdao/dss src/dog.sol computes it (commit
// fa4f6630afb0624d04a003e920b0d71a00331d98). bark liquidates an unsafe vault (ink x spot < art x rate) and starts a
// Clipper auction for it, within two limits on the DAI target of auctions in progress: the global Hole and the
// ilk's hole.
//   room = min(Hole - Dirt, hole - dirt)
//   dart = min(art, room x WAD / rate / chop)           (two floor divisions, in that order)
//   if art > dart:  a remnant (art - dart) x rate < dust  -> liquidate it all (dart = art: the limits are exceeded by
//                                                            less than dust x chop, as dog.sol accepts)
//                   else the auction itself must not be dusty: dart x rate >= dust
//   dink = ink x dart / art (floor);  due = dart x rate;  tab = due x chop / WAD (floor)
// The vault loses dink and dart (vat.grab: the collateral goes to the Clipper, due to the vow's sin), Dirt and dirt
// grow by tab, and the Clipper kicks the auction at top = feed price x buf, paying the keeper tip + chip x tab.

import { assert } from '../assert.js';
import { divRound, min, type Ray, type Wad } from '../units/index.js';
import { kickChecked, kickRefusal, type KickInput } from './clipper.js';
import { clipperHolder, grab, urnOf, VOW, type MakerState } from './maker-state.js';
import { WAD, radOf, type Rad } from './ray-math.js';
import { ok, refused, type AuctionReason, type Result } from './result.js';

export interface BarkInput {
  readonly ilk: string;
  /** The vault owner. */
  readonly urn: string;
  /** Receives the keeper incentive. */
  readonly keeper: string;
  readonly nowS: bigint;
  /** The collateral's feed price val x 1e9 / par [ray] (clip.sol getFeedPrice), or null without a valid price. */
  readonly feedPrice: Ray | null;
}

export interface Barked {
  readonly id: number;
  /** Collateral taken into the auction [wad]. */
  readonly dink: Wad;
  /** Normalised debt taken [wad]. */
  readonly dart: Wad;
  /** dart x rate [rad]: the debt handed to the vow. */
  readonly due: Rad;
  /** due x chop: the DAI target of the auction [rad]. */
  readonly tab: Rad;
  readonly top: Ray;
  /** The keeper's incentive [rad]. */
  readonly coin: Rad;
  /** True when the limits cut the liquidation short (art > dart). */
  readonly partial: boolean;
}

/** What bark would take from the vault, or the refusal (dog.sol's checks, in its order). Pure: nothing changes. */
export function planBark(s: MakerState, b: BarkInput): Result<{ dink: Wad; dart: Wad; due: Rad; tab: Rad }, AuctionReason> {
  if (!s.live) return refused('dog_not_live');
  const vatIlk = s.ilks.get(b.ilk);
  const dogIlk = s.dogIlks.get(b.ilk);
  if (vatIlk === undefined || dogIlk === undefined) return refused('ilk_unknown');
  const { ink, art } = urnOf(s, b.ilk, b.urn);
  const { rate, spot, dust } = vatIlk;
  if (!(spot > 0n && ink * spot < art * rate)) return refused('not_unsafe');
  if (!(s.Hole > s.Dirt && dogIlk.hole > dogIlk.dirt)) return refused('liquidation_limit_hit');
  const room = min(s.Hole - s.Dirt, dogIlk.hole - dogIlk.dirt);
  let dart = min(art, divRound(divRound(room * WAD, rate, 'floor'), dogIlk.chop, 'floor'));
  if (art > dart) {
    if ((art - dart) * rate < dust) dart = art;
    else if (dart * rate < dust) return refused('dusty_auction_from_partial_liquidation');
  }
  const dink = divRound(ink * dart, art, 'floor');
  if (dink <= 0n) return refused('null_auction');
  const due = dart * rate;
  const tab = divRound(due * dogIlk.chop, WAD, 'floor');
  return ok({ dink: dink as Wad, dart: dart as Wad, due: radOf(due), tab: radOf(tab) });
}

/** dog.sol bark: every refusal (the Dog's, then the Clipper's kick) is checked before anything changes. */
export function bark(s: MakerState, b: BarkInput): Result<Barked, AuctionReason> {
  const plan = planBark(s, b);
  if (!plan.ok) return plan;
  const clip = s.clippers.get(b.ilk);
  assert(clip !== undefined, 'bark: a listed ilk has a Clipper');
  const { dink, dart, due, tab } = plan.value;
  const kick: KickInput = { tab, lot: dink, usr: b.urn, keeper: b.keeper, nowS: b.nowS, feedPrice: b.feedPrice };
  const kickRefused = kickRefusal(clip, kick);
  if (kickRefused !== null) return refused(kickRefused);

  // ---- commit point ----------------------------------------------------------------------------------------
  const art = urnOf(s, b.ilk, b.urn).art;
  confiscate(s, b.ilk, b.urn, dink, dart, tab);
  const kicked = kickChecked(s, clip, kick);
  return ok({ id: kicked.id, dink, dart, due, tab, top: kicked.top, coin: kicked.coin, partial: art > dart });
}

/**
 * The Dog's commit of a liquidation (dog.sol bark, after its checks): the urn's collateral and debt are grabbed
 * into the ilk's Clipper and the vow, and the tab counts against Hole and the ilk's hole (Dirt, dirt). Shared by the
 * Dutch auction's bark and the sealed-bid batch's (house.ts).
 */
export function confiscate(s: MakerState, ilk: string, urn: string, dink: Wad, dart: Wad, tab: Rad): void {
  grab(s, ilk, urn, clipperHolder(ilk), VOW, dink, dart);
  const dogIlk = s.dogIlks.get(ilk);
  assert(dogIlk !== undefined, 'confiscate: planned on a listed ilk');
  s.Dirt = radOf(s.Dirt + tab);
  dogIlk.dirt = radOf(dogIlk.dirt + tab);
}
