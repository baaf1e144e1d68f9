// A minimal model of the MakerDAO state that Liquidations 2.0 touches: the Vat's ilks, urns, gem, dai and sin; the
// Dog's limits (Hole/Dirt, per-ilk chop/hole/dirt); one Clipper per ilk with its sales. Only what dog.sol and clip.sol
// read or write is kept (no line/Line, no jug, no vow queue: `Vow.fess` only queues debt the vow already holds as sin).
// Sources: makerdao/dss at fa4f6630afb0624d04a003e920b0d71a00331d98, src/vat.sol (grab, suck, move, flux, fold),
// src/dog.sol, src/clip.sol.
//
// Units as in dss: ink, art, Art, gem, lot [wad]; rate, spot, prices, buf, cusp [ray]; dai, sin, dust, hole, Hole,
// dirt, Dirt, tab, tip, chost [rad]; chop, chip [wad]. Time: whole seconds as bigint (the engine passes its clock in).
//
// The Vat's invariant ("the fundamental equation of DAI"), checked by `vatInvariantHolds`:
//     sum(dai) = sum(sin) + sum over ilks of Art x rate
// Collateral is conserved: sum(urn ink) + sum(gem balances, the Clippers' included) changes only by slip.

import { assert } from '../assert.js';
import type { Ray, Wad } from '../units/index.js';
import type { PriceCurve } from './abaci.js';
import { checkCurve } from './abaci.js';
import { RAY, WAD, radOf, wmul, type Rad } from './ray-math.js';

/** The holder id under which the Vow keeps sin and receives auction proceeds. */
export const VOW = 'vow';
/** The holder id of an ilk's Clipper (it holds the collateral in auction). */
export const clipperHolder = (ilk: string): string => `clip:${ilk}`;

export interface VatIlk {
  Art: Wad; // total normalised debt
  rate: Ray; // accumulated stability fee: debt = art x rate
  spot: Ray; // price with the safety margin (price / mat)
  dust: Rad; // minimum vault debt
}

export interface Urn {
  ink: Wad; // locked collateral
  art: Wad; // normalised debt
}

export interface DogIlk {
  chop: Wad; // liquidation penalty, >= WAD (1.13 WAD = 13%)
  hole: Rad; // max DAI target of this ilk's active auctions
  dirt: Rad; // DAI target of this ilk's active auctions
}

/** Clipper parameters (clip.sol `file`). */
export interface ClipperParams {
  readonly buf: Ray; // starting price = feed price x buf
  readonly tailS: bigint; // running seconds before a reset is needed
  readonly cusp: Ray; // price / top below which a reset is needed
  readonly chip: Wad; // keeper incentive: share of tab
  readonly tip: Rad; // keeper incentive: flat
  readonly curve: PriceCurve;
  /** Breaker: 0 none, 1 no kick, 2 no kick or redo, 3 no kick, redo or take. */
  readonly stopped: 0 | 1 | 2 | 3;
}

/**
 * One running auction (clip.sol `Sale`), plus the paused-time accumulator: `pausedS` is the number of seconds since
 * `ticS` during which the auction's clock stood still (its price feed or the engine was paused). The running time the
 * curve and `tail` see is now - tic - pausedS - (the current pause so far, when paused). A redo restarts the clock:
 * tic = now, pausedS = 0.
 */
export interface Sale {
  readonly id: number;
  tab: Rad; // DAI to raise
  lot: Wad; // collateral to sell
  readonly usr: string; // the liquidated vault's owner: receives collateral left when the tab is covered
  ticS: bigint; // auction start (or last redo)
  top: Ray; // starting price
  pausedS: bigint; // seconds the clock stood still since ticS (finished pauses)
}

/** Why an auction's clock is stopped. */
export type ClockPause = 'feed' | 'engine';

export interface Clipper {
  readonly ilk: string;
  params: ClipperParams;
  chost: Rad; // cached wmul(dust, chop) (clip.sol upchost)
  kicks: number;
  /** Active sales by id, in kick order. */
  readonly sales: Map<number, Sale>;
  /** What stops this Clipper's clocks (empty: running). */
  readonly pausedBy: Set<ClockPause>;
  /** When the current pause began (null when running). */
  pausedSinceS: bigint | null;
}

export interface MakerState {
  readonly ilks: Map<string, VatIlk>;
  readonly urns: Map<string, Urn>; // key: urnKey(ilk, owner)
  readonly gem: Map<string, Wad>; // free collateral, key: urnKey(ilk, holder)
  readonly dai: Map<string, Rad>;
  readonly sin: Map<string, Rad>;
  // The Dog
  live: boolean;
  Hole: Rad;
  Dirt: Rad;
  readonly dogIlks: Map<string, DogIlk>;
  readonly clippers: Map<string, Clipper>;
}

export const urnKey = (ilk: string, owner: string): string => `${ilk}/${owner}`;

export function emptyMakerState(Hole: Rad): MakerState {
  return {
    ilks: new Map(),
    urns: new Map(),
    gem: new Map(),
    dai: new Map(),
    sin: new Map(),
    live: true,
    Hole,
    Dirt: radOf(0n),
    dogIlks: new Map(),
    clippers: new Map(),
  };
}

/** Problems of a Clipper's parameters and a Dog ilk's chop (empty when usable). */
export function checkClipperParams(params: ClipperParams, chop: Wad): { path: string; message: string }[] {
  const problems = checkCurve(params.curve).map((p) => ({ path: `curve.${p.path}`, message: p.message }));
  if (params.buf < RAY) problems.push({ path: 'buf', message: 'buf must be at least RAY (a start at or above the feed price)' });
  if (params.tailS <= 0n) problems.push({ path: 'tailS', message: 'tail must be positive (seconds)' });
  // cusp 0 would let a linear curve reach price 0 and give collateral away: Bailiff asks for a positive floor.
  if (params.cusp <= 0n || params.cusp >= RAY) problems.push({ path: 'cusp', message: 'cusp must be within (0, RAY)' });
  if (params.chip < 0n) problems.push({ path: 'chip', message: 'chip must not be negative' });
  if (params.tip < 0n) problems.push({ path: 'tip', message: 'tip must not be negative' });
  if (chop < WAD) problems.push({ path: 'chop', message: 'chop must be at least WAD (dog.sol Dog/file-chop-lt-WAD)' });
  return problems;
}

/** Lists a collateral type: the Vat's ilk, the Dog's ilk and its Clipper (chost computed as clip.sol upchost). */
export function addIlk(
  s: MakerState,
  ilk: string,
  vat: { rate: Ray; spot: Ray; dust: Rad },
  dog: { chop: Wad; hole: Rad },
  params: ClipperParams,
): void {
  assert(!s.ilks.has(ilk), `addIlk: ${ilk} is listed already`);
  assert(ilk !== '' && !ilk.includes('/'), 'addIlk: an ilk id is non-empty and has no "/" (urn keys are ilk/owner)');
  assert(checkClipperParams(params, dog.chop).length === 0, 'addIlk: parameters were checked by the caller');
  s.ilks.set(ilk, { Art: 0n as Wad, rate: vat.rate, spot: vat.spot, dust: vat.dust });
  s.dogIlks.set(ilk, { chop: dog.chop, hole: dog.hole, dirt: radOf(0n) });
  s.clippers.set(ilk, {
    ilk,
    params,
    chost: radOf(wmul(vat.dust, dog.chop)),
    kicks: 0,
    sales: new Map(),
    pausedBy: new Set(),
    pausedSinceS: null,
  });
}

/** clip.sol upchost: refresh the cached dust x chop (dss refreshes it asynchronously; so do we). */
export function upchost(s: MakerState, ilk: string): void {
  const vatIlk = s.ilks.get(ilk);
  const dogIlk = s.dogIlks.get(ilk);
  const clip = s.clippers.get(ilk);
  assert(vatIlk !== undefined && dogIlk !== undefined && clip !== undefined, `upchost: ${ilk} is listed`);
  clip.chost = radOf(wmul(vatIlk.dust, dogIlk.chop));
}

// ---- Vat primitives (each changes balances without any check but its own bugs) -------------------------------------

const get = <T extends bigint>(m: Map<string, T>, k: string): T => m.get(k) ?? (0n as T);

function add<T extends bigint>(m: Map<string, T>, k: string, d: bigint): void {
  const v = get(m, k) + d;
  assert(v >= 0n, `vat: balance ${k} would go negative`);
  if (v === 0n) m.delete(k);
  else m.set(k, v as T);
}

export const gemOf = (s: MakerState, ilk: string, holder: string): Wad => get(s.gem, urnKey(ilk, holder));
export const daiOf = (s: MakerState, holder: string): Rad => get(s.dai, holder);
export const sinOf = (s: MakerState, holder: string): Rad => get(s.sin, holder);
export const urnOf = (s: MakerState, ilk: string, owner: string): Urn => s.urns.get(urnKey(ilk, owner)) ?? { ink: 0n as Wad, art: 0n as Wad };

/** vat.slip: collateral enters or leaves the system (a join). */
export function slip(s: MakerState, ilk: string, holder: string, wad: bigint): void {
  add(s.gem, urnKey(ilk, holder), wad);
}

/** vat.suck: creates dai for v and as much sin for u (keeper incentives, test set-up). */
export function suck(s: MakerState, u: string, v: string, rad: bigint): void {
  add(s.sin, u, rad);
  add(s.dai, v, rad);
}

/** vat.move: dai from src to dst. */
export function move(s: MakerState, src: string, dst: string, rad: bigint): void {
  add(s.dai, src, -rad);
  add(s.dai, dst, rad);
}

/** vat.flux: collateral from src to dst. */
export function flux(s: MakerState, ilk: string, src: string, dst: string, wad: bigint): void {
  add(s.gem, urnKey(ilk, src), -wad);
  add(s.gem, urnKey(ilk, dst), wad);
}

/** vat.fold: the ilk's rate grows by dRate; the fee accrued on all its debt (Art x dRate) is paid to u in dai. */
export function fold(s: MakerState, ilk: string, u: string, dRate: bigint): void {
  const i = s.ilks.get(ilk);
  assert(i !== undefined, `fold: ${ilk} is listed`);
  i.rate = (i.rate + dRate) as Ray;
  add(s.dai, u, i.Art * dRate);
}

/**
 * vat.frob restricted to what the tests need: the owner locks `dink` of its own gem and draws `dart` of normalised
 * debt (dart x rate dai). No safety or ceiling check (the model opens vaults in any state, as dss tests do with grab).
 */
export function frob(s: MakerState, ilk: string, owner: string, dink: bigint, dart: bigint): void {
  const i = s.ilks.get(ilk);
  assert(i !== undefined, `frob: ${ilk} is listed`);
  const u = urnOf(s, ilk, owner);
  add(s.gem, urnKey(ilk, owner), -dink);
  const next = { ink: (u.ink + dink) as Wad, art: (u.art + dart) as Wad };
  assert(next.ink >= 0n && next.art >= 0n, 'frob: urn goes negative');
  s.urns.set(urnKey(ilk, owner), next);
  i.Art = (i.Art + dart) as Wad;
  add(s.dai, owner, dart * i.rate);
}

/** vat.grab: confiscate dink collateral to `clip` and dart debt to the vow's sin (both taken out of the urn). */
export function grab(s: MakerState, ilk: string, owner: string, clip: string, vow: string, dink: bigint, dart: bigint): void {
  const i = s.ilks.get(ilk);
  assert(i !== undefined, `grab: ${ilk} is listed`);
  const u = urnOf(s, ilk, owner);
  assert(dink <= u.ink && dart <= u.art, 'grab: takes more than the urn holds');
  const next = { ink: (u.ink - dink) as Wad, art: (u.art - dart) as Wad };
  if (next.ink === 0n && next.art === 0n) s.urns.delete(urnKey(ilk, owner));
  else s.urns.set(urnKey(ilk, owner), next);
  i.Art = (i.Art - dart) as Wad;
  add(s.gem, urnKey(ilk, clip), dink);
  add(s.sin, vow, dart * i.rate);
}

/** dog.sol digs: the DAI target `rad` leaves the limits (an auction's take or end). */
export function digs(s: MakerState, ilk: string, rad: bigint): void {
  const d = s.dogIlks.get(ilk);
  assert(d !== undefined, `digs: ${ilk} is listed`);
  assert(rad <= s.Dirt && rad <= d.dirt, 'digs: removes more than is in auction');
  s.Dirt = radOf(s.Dirt - rad);
  d.dirt = radOf(d.dirt - rad);
}

// ---- invariants -------------------------------------------------------------------------------------------------

/** sum(dai) = sum(sin) + sum(Art x rate): the Vat's fundamental equation. */
export function vatInvariantHolds(s: MakerState): boolean {
  let dai = 0n;
  for (const v of s.dai.values()) dai += v;
  let sin = 0n;
  for (const v of s.sin.values()) sin += v;
  let debt = 0n;
  for (const i of s.ilks.values()) debt += i.Art * i.rate;
  const art = new Map<string, bigint>();
  for (const [k, u] of s.urns) {
    const ilk = k.slice(0, k.indexOf('/'));
    art.set(ilk, (art.get(ilk) ?? 0n) + u.art);
  }
  for (const [ilk, i] of s.ilks) if ((art.get(ilk) ?? 0n) !== i.Art) return false;
  return dai === sin + debt;
}

/** All collateral of an ilk: urns' ink plus every gem balance (the Clipper's included). */
export function totalCollateral(s: MakerState, ilk: string): bigint {
  let total = 0n;
  for (const [k, u] of s.urns) if (k.startsWith(`${ilk}/`)) total += u.ink;
  for (const [k, g] of s.gem) if (k.startsWith(`${ilk}/`)) total += g;
  return total;
}
