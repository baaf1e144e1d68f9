// The auction house inside the engine (issue 18 part B, docs/auctions.md): MakerDAO Liquidations 2.0 and sealed-bid
// batches, dispatched by Engine.apply to the one auction house (core/auctions/house.ts), never a copy of its rules.
//
// What the engine adds to the house:
// - its set-up as a command (auction_setup: the Dog's Hole, collateral types, vaults, DAI) and spotter.poke
//   (maker_poke: spot = feed / mat from the ilk's market);
// - the feed price: an ilk linked to a market reads its price from that market's index (Maker's OSM is an oracle
//   price, not a trade), and has none while the market's price is invalid or its breaker tripped;
// - the auction clocks: an ilk's clock stops while its market's feed is broken and every clock stops while the
//   engine's liquidations are paused or it is halted ("an auction's clock does not run while its price feed or the
//   engine is paused"); syncAuctionClocks follows the engine's state after every accepted command, and before an
//   auction command so that the command sees the clock of its own time;
// - refusals as CommandRejected with the house's codes (vocabularies auction, sealed_bid) or the engine's own
//   (auction_engine); a refused command changes nothing (the house checks before it changes; the clocks synced
//   for it are put back).

import { assert } from '../assert.js';
import { applyAuctionCommand, type AuctionCommand, type AuctionEvent, type AuctionHouse, createAuctionHouse } from '../auctions/house.js';
import { snapshotAuctionHouse, restoreAuctionHouse, type AuctionHouseSnapshot } from '../auctions/house-snapshot.js';
import { addIlk, checkClipperParams, emptyMakerState, frob, slip, suck, type ClipperParams, type ClockPause } from '../auctions/maker-state.js';
import { RAY, radOf, type Rad } from '../auctions/ray-math.js';
import type { VoidReason } from '../auctions/sealed-bid.js';
import type { MarketState } from '../market/state.js';
import type { Ray, Wad } from '../units/index.js';
import { ray } from '../units/index.js';
import { priceValid } from './prices.js';
import { reject, type AuctionRejectionReason, type CommandRejection } from './reasons.js';
import type { EngineState } from './state.js';

interface Timed {
  readonly tsMs: number;
}

/** A collateral type as auction_setup lists it (units as in dss: ray, rad, wad). */
export interface AuctionIlkSetup {
  readonly id: string;
  readonly rate: Ray;
  /** The starting spot (price / mat); maker_poke recomputes it from the market when the ilk is linked. */
  readonly spot: Ray;
  readonly dust: Rad;
  readonly chop: Wad;
  readonly hole: Rad;
  readonly clipper: ClipperParams;
  /** The engine market whose index is this ilk's feed price (null: the commands give it, as in `bailiff auctions`). */
  readonly market: string | null;
  /** Liquidation ratio [ray] for maker_poke (spot = feed / mat); null: no poke. */
  readonly mat: Ray | null;
}

/**
 * Sets up the Maker world: the Dog's global limit (null keeps it), collateral types (each new), vaults (collateral
 * joined and locked, debt drawn) and DAI given to keepers and bidders (vat.suck from `genesis`).
 */
export interface AuctionSetup extends Timed {
  readonly kind: 'auction_setup';
  readonly Hole: Rad | null;
  readonly ilks: readonly AuctionIlkSetup[];
  readonly vaults: readonly { readonly ilk: string; readonly owner: string; readonly ink: Wad; readonly art: Wad }[];
  readonly dai: readonly { readonly account: string; readonly amount: Rad }[];
}

/** spotter.poke: the ilk's spot = its market's feed price / mat (rdiv, rounded down as spotter.sol does). */
export interface MakerPoke extends Timed {
  readonly kind: 'maker_poke';
  readonly ilk: string;
}

/** The house's commands; `feedPrice` is absent for an ilk linked to a market (the engine reads it there). */
type FeedOptional<C> = C extends { readonly feedPrice: Ray | null } ? Omit<C, 'feedPrice'> & { readonly feedPrice?: Ray | null } : C;
export type EngineAuctionCommand = FeedOptional<AuctionCommand>;

export type AuctionCommandKind = AuctionSetup['kind'] | MakerPoke['kind'] | EngineAuctionCommand['kind'];

/** How an ilk meets the engine. */
export interface IlkLink {
  readonly market: string | null;
  readonly mat: Ray | null;
}

export interface EngineAuctions {
  readonly house: AuctionHouse;
  readonly links: Map<string, IlkLink>;
}

export interface EngineAuctionsSnapshot {
  readonly house: AuctionHouseSnapshot;
  readonly links: readonly (readonly [string, IlkLink])[];
}

// ---- events ------------------------------------------------------------------------------------------------------

type HouseEvent<K extends AuctionEvent['kind']> = Extract<AuctionEvent, { kind: K }>;

/**
 * The auction events of EventBody: the house's, with SealedBidSettled flattened (one SealedBidAllocated per winner,
 * one SealedBidVoided per void bid, after it) and seconds as numbers (the wire prints flat records).
 */
export type AuctionEventBody =
  | { readonly kind: 'AuctionSetUp'; readonly Hole: Rad; readonly ilks: readonly string[]; readonly vaults: number; readonly accounts: number }
  | { readonly kind: 'IlkPoked'; readonly ilk: string; readonly feed: Ray; readonly spot: Ray }
  | HouseEvent<'AuctionKicked'>
  | HouseEvent<'AuctionTaken'>
  | HouseEvent<'AuctionRedone'>
  | HouseEvent<'AuctionClock'>
  | (Omit<HouseEvent<'SealedBidOpened'>, 'commitEndS' | 'revealEndS'> & { readonly commitEndS: number; readonly revealEndS: number })
  | HouseEvent<'SealedBidCommitted'>
  | HouseEvent<'SealedBidRevealed'>
  | (Omit<HouseEvent<'SealedBidSettled'>, 'allocations' | 'void'> & { readonly winners: number; readonly voided: number })
  | { readonly kind: 'SealedBidAllocated'; readonly auction: string; readonly bidder: string; readonly quantity: Wad; readonly pay: Rad }
  | { readonly kind: 'SealedBidVoided'; readonly auction: string; readonly bidder: string; readonly why: VoidReason };

/** Units of the auction events' bigint fields: collateral in wad, prices in ray, DAI in rad (dss's). */
export const AUCTION_EVENT_UNITS = {
  AuctionSetUp: { Hole: 'rad' },
  IlkPoked: { feed: 'ray', spot: 'ray' },
  AuctionKicked: { tab: 'rad', lot: 'wad', top: 'ray', coin: 'rad', due: 'rad' },
  AuctionTaken: { price: 'ray', owe: 'rad', slice: 'wad', tab: 'rad', lot: 'wad', returned: 'wad', uncovered: 'rad' },
  AuctionRedone: { top: 'ray', coin: 'rad' },
  AuctionClock: {},
  SealedBidOpened: { lot: 'wad', tab: 'rad', floor: 'ray', due: 'rad', coin: 'rad' },
  SealedBidCommitted: {},
  SealedBidRevealed: { price: 'ray', quantity: 'wad', escrow: 'rad' },
  SealedBidSettled: { price: 'ray', raised: 'rad', returned: 'wad', unsold: 'wad', uncovered: 'rad' },
  SealedBidAllocated: { quantity: 'wad', pay: 'rad' },
  SealedBidVoided: {},
} as const satisfies { readonly [K in AuctionEventBody['kind']]: Readonly<Record<string, 'wad' | 'ray' | 'rad'>> };

type Emit = (body: AuctionEventBody) => void;

// ---- state ---------------------------------------------------------------------------------------------------------

/** The engine's auction state, or a new empty one (kept by `keep` once a command is accepted: a refusal adds nothing). */
function auctionsOf(s: EngineState): { a: EngineAuctions; keep: () => void } {
  const a = s.auctions ?? { house: createAuctionHouse(emptyMakerState(radOf(0n))), links: new Map() };
  return {
    a,
    keep: () => {
      s.auctions = a;
    },
  };
}

export function snapshotEngineAuctions(a: EngineAuctions): EngineAuctionsSnapshot {
  return { house: snapshotAuctionHouse(a.house), links: [...a.links].map(([k, v]) => [k, { ...v }] as const) };
}

export function restoreEngineAuctions(snap: EngineAuctionsSnapshot): EngineAuctions {
  return { house: restoreAuctionHouse(snap.house), links: new Map(snap.links.map(([k, v]) => [k, { ...v }])) };
}

// ---- the feed -------------------------------------------------------------------------------------------------------

/** Whether the market's price feed is broken: its price invalid (unpriced, clamped) or its breaker tripped. */
function feedBroken(m: MarketState): boolean {
  return !priceValid(m) || m.price.breaker.state !== 'sound';
}

/** The market's index as a Maker price [ray] (price atoms x 10^(27 - priceDecimals)); null when it has none now. */
function marketFeed(m: MarketState): Ray | null {
  // A market re-listed with more than 27 price decimals (finer than a ray) gives no feed rather than a rounded one.
  if (m.indexPrice === null || feedBroken(m) || m.spec.priceDecimals > 27) return null;
  return ray(m.indexPrice * 10n ** BigInt(27 - m.spec.priceDecimals));
}

function linkedMarket(s: EngineState, a: EngineAuctions, ilk: string): MarketState | null {
  const market = a.links.get(ilk)?.market ?? null;
  if (market === null) return null;
  const m = s.markets.get(market);
  assert(m !== undefined, `auctions: ilk ${ilk} is linked to a listed market`);
  return m;
}

// ---- the clocks -------------------------------------------------------------------------------------------------------

/**
 * Brings every Clipper's clock in line with the engine: `engine` pause while liquidations are paused or the engine is
 * halted; `feed` pause while a linked ilk's market feed is broken. Emits AuctionClock for each change.
 */
export function syncAuctionClocks(s: EngineState, tsMs: number, emit: Emit): void {
  const a = s.auctions;
  if (a === null) return;
  const enginePaused = s.enforcement.paused || s.guards.halted !== null;
  for (const [ilk, clip] of a.house.maker.clippers) {
    const m = linkedMarket(s, a, ilk);
    const wanted: readonly [ClockPause, boolean | null][] = [
      ['engine', enginePaused],
      ['feed', m === null ? null : feedBroken(m)],
    ];
    for (const [why, paused] of wanted) {
      if (paused === null || clip.pausedBy.has(why) === paused) continue;
      emitHouse(applyAuctionCommand(a.house, { kind: 'auction_clock', tsMs, ilk, why, paused }), emit);
    }
  }
}

/** The clocks' state, to put back when the command they were synced for is refused. */
function saveClocks(a: EngineAuctions): () => void {
  const saved = [...a.house.maker.clippers.values()].map((c) => ({
    c,
    pausedBy: [...c.pausedBy],
    pausedSinceS: c.pausedSinceS,
    sales: [...c.sales.values()].map((sale) => [sale, sale.pausedS] as const),
  }));
  return () => {
    for (const x of saved) {
      x.c.pausedBy.clear();
      for (const why of x.pausedBy) x.c.pausedBy.add(why);
      x.c.pausedSinceS = x.pausedSinceS;
      for (const [sale, pausedS] of x.sales) sale.pausedS = pausedS;
    }
  };
}

// ---- dispatch -------------------------------------------------------------------------------------------------------

const refusal = (reason: AuctionRejectionReason, field: string, message: string): CommandRejection => ({ reason, field, message });

/** Emits the house's events as the engine's (AuctionRejected never reaches here: it becomes a Rejection). */
function emitHouse(events: readonly AuctionEvent[], emit: Emit): void {
  for (const e of events) {
    switch (e.kind) {
      case 'AuctionRejected':
        assert(false, 'emitHouse: a refusal is a Rejection');
        break;
      case 'SealedBidOpened':
        emit({ ...e, commitEndS: Number(e.commitEndS), revealEndS: Number(e.revealEndS) });
        break;
      case 'SealedBidSettled': {
        const { allocations, void: voids, ...rest } = e;
        emit({ ...rest, winners: allocations.length, voided: voids.length });
        for (const x of allocations) emit({ kind: 'SealedBidAllocated', auction: e.auction, bidder: x.bidder, quantity: x.quantity, pay: x.pay });
        for (const v of voids) emit({ kind: 'SealedBidVoided', auction: e.auction, bidder: v.bidder, why: v.why });
        break;
      }
      default:
        emit({ ...e }); // the house's own object: emit stamps the body it is given
    }
  }
}

/** The field a house refusal is about, for CommandRejected.field (the command's kind when it is about no one field). */
function refusedField(cmd: EngineAuctionCommand, reason: AuctionRejectionReason): string {
  switch (reason) {
    case 'ilk_unknown':
    case 'clipper_stopped':
      return 'ilk';
    case 'auction_unknown':
      return 'auction' in cmd ? 'auction' : 'id';
    case 'not_unsafe':
    case 'null_auction':
      return 'urn';
    case 'invalid_price':
    case 'zero_top_price':
      return 'feedPrice';
    case 'too_expensive':
      return 'max';
    case 'insufficient_dai':
      return 'buyer' in cmd ? 'buyer' : 'bidder';
    case 'amount_not_positive':
      return cmd.kind === 'maker_take' ? 'amt' : 'kind';
    case 'digest_invalid':
      return 'digestHex';
    case 'salt_invalid':
      return 'saltHex';
    case 'bid_zero':
    case 'bid_below_floor':
      return 'price';
    case 'not_committed':
    case 'already_committed':
    case 'already_revealed':
      return 'bidder';
    default:
      return 'kind';
  }
}

/** Applies any auction command of the engine (AUCTION_COMMAND_KINDS): the set-up, a poke, or one of the house's. */
export function applyAuction(s: EngineState, cmd: AuctionSetup | MakerPoke | EngineAuctionCommand, emit: Emit): CommandRejection | undefined {
  switch (cmd.kind) {
    case 'auction_setup':
      return applyAuctionSetup(s, cmd, emit);
    case 'maker_poke':
      return applyMakerPoke(s, cmd, emit);
    default:
      return applyEngineAuctionCommand(s, cmd, emit);
  }
}

/** Applies one of the house's commands: the feed from the ilk's market, the clocks of its time, the house's rules. */
export function applyEngineAuctionCommand(s: EngineState, cmd: EngineAuctionCommand, emit: Emit): CommandRejection | undefined {
  const { a, keep } = auctionsOf(s);
  // Halted: no liquidation proceeds move (take, bark and redo are refused by the stopped clock; a settlement too).
  if (cmd.kind === 'sealed_settle' && s.guards.halted !== null) return reject('engine_halted', 'kind', 'the engine is halted: a sealed-bid batch settles after it resumes');
  const ilk = cmd.kind === 'sealed_commit' || cmd.kind === 'sealed_reveal' ? null : cmd.kind === 'sealed_settle' ? (a.house.sealed.get(cmd.auction)?.ilk ?? null) : cmd.ilk;
  const linked = ilk === null ? null : linkedMarket(s, a, ilk);
  if (cmd.kind === 'auction_clock') {
    if (cmd.why === 'engine') return refusal('clock_driven_by_engine', 'why', 'the engine pauses its auction clocks itself (set_liquidation_pause, halt)');
    const anyLinked = cmd.ilk === null ? [...a.links.values()].some((l) => l.market !== null) : linked !== null;
    if (anyLinked) return refusal('clock_driven_by_engine', 'ilk', "a linked ilk's feed clock follows its market's breaker");
  }
  let houseCmd: AuctionCommand;
  if (cmd.kind === 'maker_bark' || cmd.kind === 'maker_redo' || cmd.kind === 'sealed_bark' || cmd.kind === 'sealed_settle') {
    if (linked !== null && cmd.feedPrice !== undefined) return refusal('feed_from_market', 'feedPrice', `the feed price of ${ilk} is the index of ${linked.spec.id}`);
    houseCmd = { ...cmd, feedPrice: linked !== null ? marketFeed(linked) : (cmd.feedPrice ?? null) };
  } else houseCmd = cmd;

  const restoreClocks = saveClocks(a);
  const synced: AuctionEventBody[] = [];
  syncAuctionClocks(s, cmd.tsMs, (e) => synced.push(e));
  const out = applyAuctionCommand(a.house, houseCmd);
  const first = out[0];
  if (first?.kind === 'AuctionRejected') {
    restoreClocks();
    return refusal(first.reason, refusedField(cmd, first.reason), `${cmd.kind} refused by the auction house: ${first.reason}`);
  }
  keep();
  for (const e of synced) emit(e);
  emitHouse(out, emit);
  return undefined;
}

export function applyAuctionSetup(s: EngineState, cmd: AuctionSetup, emit: Emit): CommandRejection | undefined {
  const { a, keep } = auctionsOf(s);
  const maker = a.house.maker;
  // Every refusal before any change.
  if (cmd.Hole !== null && cmd.Hole < 0n) return reject('invalid_field', 'Hole', 'Hole must not be negative');
  const fresh = new Set<string>();
  for (const [k, i] of cmd.ilks.entries()) {
    const at = `ilks[${k}]`;
    if (maker.ilks.has(i.id) || fresh.has(i.id)) return refusal('ilk_listed', `${at}.id`, `ilk ${i.id} is listed already`);
    if (i.id === '' || i.id.includes('/')) return reject('invalid_field', `${at}.id`, 'an ilk id is non-empty and has no "/"');
    fresh.add(i.id);
    const problem = checkClipperParams(i.clipper, i.chop)[0];
    if (problem !== undefined) return reject('invalid_field', `${at}.${problem.path === 'chop' ? 'chop' : `clipper.${problem.path}`}`, problem.message);
    if (i.rate <= 0n || i.spot < 0n || i.dust < 0n || i.hole < 0n) return reject('invalid_field', at, 'rate must be positive; spot, dust and hole not negative');
    if (i.mat !== null && i.mat <= 0n) return reject('invalid_field', `${at}.mat`, 'mat must be positive');
    if (i.market !== null) {
      const m = s.markets.get(i.market);
      if (m === undefined) return reject('market_unknown', `${at}.market`, `no market ${i.market}`);
      if (m.spec.priceDecimals > 27) return reject('invalid_field', `${at}.market`, 'a feed market has at most 27 price decimals (a ray)');
    }
  }
  for (const [k, v] of cmd.vaults.entries()) {
    if (!maker.ilks.has(v.ilk) && !fresh.has(v.ilk)) return refusal('ilk_unknown', `vaults[${k}].ilk`, `no ilk ${v.ilk}`);
    if (v.ink < 0n || v.art < 0n) return reject('invalid_field', `vaults[${k}]`, 'ink and art must not be negative');
  }
  for (const [k, d] of cmd.dai.entries()) if (d.amount < 0n) return reject('invalid_field', `dai[${k}].amount`, 'must not be negative');

  // ---- commit point ----
  keep();
  if (cmd.Hole !== null) maker.Hole = cmd.Hole;
  for (const i of cmd.ilks) {
    addIlk(maker, i.id, { rate: i.rate, spot: i.spot, dust: i.dust }, { chop: i.chop, hole: i.hole }, i.clipper);
    a.links.set(i.id, { market: i.market, mat: i.mat });
  }
  for (const v of cmd.vaults) {
    slip(maker, v.ilk, v.owner, v.ink);
    frob(maker, v.ilk, v.owner, v.ink, v.art);
  }
  for (const d of cmd.dai) suck(maker, 'genesis', d.account, d.amount);
  emit({ kind: 'AuctionSetUp', Hole: maker.Hole, ilks: cmd.ilks.map((i) => i.id), vaults: cmd.vaults.length, accounts: cmd.dai.length });
  // New ilks start with the engine's clocks (paused with it, or with their market's feed).
  syncAuctionClocks(s, cmd.tsMs, emit);
  return undefined;
}

export function applyMakerPoke(s: EngineState, cmd: MakerPoke, emit: Emit): CommandRejection | undefined {
  const a = s.auctions;
  if (a === null) return refusal('ilk_unknown', 'ilk', `no ilk ${cmd.ilk}`);
  const vatIlk = a.house.maker.ilks.get(cmd.ilk);
  if (vatIlk === undefined) return refusal('ilk_unknown', 'ilk', `no ilk ${cmd.ilk}`);
  const link = a.links.get(cmd.ilk);
  const m = linkedMarket(s, a, cmd.ilk);
  if (m === null || link?.mat == null) return refusal('ilk_not_linked', 'ilk', `${cmd.ilk} has no market and mat to poke from`);
  const feed = marketFeed(m);
  if (feed === null) return refusal('invalid_price', 'ilk', `${m.spec.id} has no valid price now`);
  // spotter.sol poke: spot = rdiv(val, mat) = val x RAY / mat, rounded down.
  vatIlk.spot = ray((feed * RAY) / link.mat);
  emit({ kind: 'IlkPoked', ilk: cmd.ilk, feed, spot: vatIlk.spot });
  return undefined;
}
