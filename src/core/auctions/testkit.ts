// Test helpers for the Maker model: dss test set-ups in our units. Not imported by production code.
import { ray, wad, type Ray, type Wad } from '../units/index.js';
import type { PriceCurve } from './abaci.js';
import { addIlk, emptyMakerState, frob, slip, suck, type ClipperParams, type MakerState } from './maker-state.js';
import { RAD, RAY, WAD, radOf, type Rad } from './ray-math.js';

/** dss tests' helpers: ray(wad) = wad x 1e9, rad(wad) = wad x 1e27; `ether` = 1e18. */
export const ether = (n: number | bigint): bigint => BigInt(n) * WAD;
export const rayFromWad = (w: bigint): Ray => ray(w * 10n ** 9n);
export const radFromWad = (w: bigint): Rad => radOf(w * 10n ** 27n);

export const STAIRSTEP_1PCT: PriceCurve = { kind: 'stairstep_exponential_decrease', stepS: 1n, cut: ray(RAY - RAY / 100n) };

export const DEFAULT_CLIP: ClipperParams = {
  buf: ray(RAY), // clip.sol constructor: buf = RAY
  tailS: 3600n,
  cusp: rayFromWad(ether(3) / 10n),
  chip: wad(0n),
  tip: radOf(0n),
  curve: STAIRSTEP_1PCT,
  stopped: 0,
};

/** clip.t.sol takeSetup's Clipper: stairstep 1%/s, buf 1.25, cusp 0.3, tail 1 h. */
export const TAKE_SETUP_CLIP: ClipperParams = {
  ...DEFAULT_CLIP,
  buf: rayFromWad((ether(125) / 100n) as bigint),
  cusp: rayFromWad(ether(3) / 10n),
  tailS: 3600n,
  curve: STAIRSTEP_1PCT,
};

export const START_S = 604_411_200n; // abaci.t.sol / clip.t.sol startTime
export const ME = 'me';
export const ALI = 'ali';
export const BOB = 'bob';
export const GOLD = 'gold';

/**
 * clip.t.sol setUp: gold at $5 with mat 2 (spot 2.5), a vault of 40 gold and 100 DAI of debt, then gold at $4
 * (spot 2: unsafe). dust 20 DAI, chop 1.1, hole and Hole 1000 DAI; ali and bob hold 1000 DAI each; me has 960 gold free.
 * Returns the state and the feed price the Clipper reads ($4 as ray).
 */
export function clipSetUp(params: ClipperParams = DEFAULT_CLIP, over: { hole?: Rad; Hole?: Rad; chop?: Wad } = {}): {
  s: MakerState;
  feed: Ray;
} {
  const s = emptyMakerState(over.Hole ?? radOf(1000n * RAD));
  addIlk(
    s,
    GOLD,
    { rate: ray(RAY), spot: ray(2n * RAY), dust: radFromWad(ether(20)) },
    { chop: over.chop ?? wad((11n * WAD) / 10n), hole: over.hole ?? radFromWad(ether(1000)) },
    params,
  );
  slip(s, GOLD, ME, ether(1000));
  frob(s, GOLD, ME, ether(40), ether(100));
  suck(s, 'genesis', ME, radFromWad(ether(1000)));
  suck(s, 'genesis', ALI, radFromWad(ether(1000)));
  suck(s, 'genesis', BOB, radFromWad(ether(1000)));
  return { s, feed: ray(4n * RAY) };
}
