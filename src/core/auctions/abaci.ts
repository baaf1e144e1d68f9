// The abaci: Liquidations 2.0's price curves, as makerdao/dss src/abaci.sol computes them (commit
// fa4f6630afb0624d04a003e920b0d71a00331d98). Each maps the auction's starting price `top` [ray] and the seconds
// since the auction started (`dur`, the auction's running time: clipper.ts leaves out paused time) to the current
// price [ray]:
//   - LinearDecrease(tau):              0 when dur >= tau, else rmul(top, (tau - dur) * RAY / tau)  (inner division floor)
//   - StairstepExponentialDecrease(step, cut): rmul(top, rpow(cut, dur / step, RAY))             (dur / step floor)
//   - ExponentialDecrease(cut):         rmul(top, rpow(cut, dur, RAY))
// cut is the per-step (per-second) multiplier in ray: 0.99 RAY is a 1% drop per step. The contracts refuse a cut
// above RAY (`cut-gt-RAY`); a stairstep with step 0 would divide by zero (a revert), and a tau of 0 makes every price 0:
// both are refused here as parameters.

import { assert } from '../assert.js';
import { divRound, type Ray } from '../units/index.js';
import { RAY, rmul, rpow, rayOf } from './ray-math.js';

export type PriceCurve =
  | { readonly kind: 'linear_decrease'; readonly tauS: bigint }
  | { readonly kind: 'stairstep_exponential_decrease'; readonly stepS: bigint; readonly cut: Ray }
  | { readonly kind: 'exponential_decrease'; readonly cut: Ray };

/** A parameter problem: the field and a sentence for people. */
export interface CurveProblem {
  readonly path: string;
  readonly message: string;
}

/** The curve's parameters' problems (empty when usable). */
export function checkCurve(curve: PriceCurve): CurveProblem[] {
  const problems: CurveProblem[] = [];
  switch (curve.kind) {
    case 'linear_decrease':
      if (curve.tauS <= 0n) problems.push({ path: 'tauS', message: 'tau must be positive (seconds until the price reaches 0)' });
      break;
    case 'stairstep_exponential_decrease':
      if (curve.stepS <= 0n) problems.push({ path: 'stepS', message: 'step must be positive (seconds between drops)' });
      if (curve.cut < 0n || curve.cut > RAY) problems.push({ path: 'cut', message: 'cut must be within [0, RAY] (abaci.sol: cut-gt-RAY)' });
      break;
    case 'exponential_decrease':
      if (curve.cut < 0n || curve.cut > RAY) problems.push({ path: 'cut', message: 'cut must be within [0, RAY] (abaci.sol: cut-gt-RAY)' });
      break;
  }
  return problems;
}

/** The curve's price [ray] at `durS` seconds of running time after the start, from the starting price `top` [ray]. */
export function curvePrice(curve: PriceCurve, top: Ray, durS: bigint): Ray {
  assert(durS >= 0n, 'curvePrice: running time is negative (clip.sol sub would revert)');
  assert(top >= 0n, 'curvePrice: top is unsigned');
  switch (curve.kind) {
    case 'linear_decrease':
      // abaci.sol LinearDecrease.price: `if (dur >= tau) return 0; return rmul(top, mul(tau - dur, RAY) / tau);`
      if (durS >= curve.tauS) return rayOf(0n);
      return rayOf(rmul(top, divRound((curve.tauS - durS) * RAY, curve.tauS, 'floor')));
    case 'stairstep_exponential_decrease':
      // abaci.sol StairstepExponentialDecrease.price: `rmul(top, rpow(cut, dur / step, RAY))`
      return rayOf(rmul(top, rpow(curve.cut, divRound(durS, curve.stepS, 'floor'), RAY)));
    case 'exponential_decrease':
      // abaci.sol ExponentialDecrease.price: `rmul(top, rpow(cut, dur, RAY))`
      return rayOf(rmul(top, rpow(curve.cut, durS, RAY)));
  }
}
