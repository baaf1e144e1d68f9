// Golden values for the abaci from makerdao/dss's own tests, commit fa4f6630afb0624d04a003e920b0d71a00331d98:
//   - src/test/abaci.t.sol: test_linear_decrease (exact), test_stairstep_exp_decrease (step by step against
//     lastPrice * cut / RAY within the file's tolerance), test_continuous_exp_decrease (half-lives within 0.1%);
//   - src/test/clip.t.sol: exact stairstep prices asserted by test_take_bid_avoids_recalculate_due_no_more_lot
//     (60 s) and test_redo_incentive (100 s after a redo), with cut 0.99 RAY, step 1 s, top 5 RAY.
import { describe, expect, it } from 'vitest';
import { ray } from '../units/index.js';
import { checkCurve, curvePrice, type PriceCurve } from './abaci.js';
import { RAY } from './ray-math.js';

describe('LinearDecrease (abaci.t.sol test_linear_decrease)', () => {
  const curve: PriceCurve = { kind: 'linear_decrease', tauS: 3600n };
  const top = ray(1000n * RAY);
  it('drops 100 every 360 s from 1000 and reaches 0 at tau', () => {
    expect(curvePrice(curve, top, 0n)).toBe(top);
    for (let i = 1n; i <= 9n; i++) expect(curvePrice(curve, top, 360n * i)).toBe((1000n - 100n * i) * RAY);
    expect(curvePrice(curve, top, 3600n)).toBe(0n);
    expect(curvePrice(curve, top, 99_999n)).toBe(0n);
  });
  it('floors the inner ratio (tau - dur) * RAY / tau, then rmul floors', () => {
    // (tau - dur) * RAY / tau = 2e27 / 3 = 666..666 (27 digits); rmul(10 RAY, that) = 6666..666.6 -> floor
    const p = curvePrice({ kind: 'linear_decrease', tauS: 3n }, ray(10n * RAY), 1n);
    expect(p).toBe((10n * RAY * ((2n * RAY) / 3n)) / RAY);
    expect(p).toBe(6_666_666_666_666_666_666_666_666_660n);
  });
});

describe('StairstepExponentialDecrease', () => {
  it('clip.t.sol: 5 RAY x 0.99^60 and 0.99^100 to the unit', () => {
    const curve: PriceCurve = { kind: 'stairstep_exponential_decrease', stepS: 1n, cut: ray(RAY - RAY / 100n) };
    expect(curvePrice(curve, ray(5n * RAY), 60n)).toBe(2_735_783_211_953_807_380_973_706_855n);
    expect(curvePrice(curve, ray(5n * RAY), 100n)).toBe(1_830_161_706_366_147_524_653_080_130n);
  });

  it('abaci.t.sol test_stairstep_exp_decrease: each second equals the last price x cut / RAY on a step, else the last price, within the tolerance', () => {
    const testTimeS = 600; // 10 minutes
    const cuts = [RAY - 11_234_567_890n * 10n ** 15n, RAY - 21_234_567_890n * 10n ** 15n]; // 1.1234567890%, 2.1234567890%
    const cases: { top: bigint; tolerance: bigint; cut: bigint; step: bigint }[] = [];
    for (const [top, tolerance] of [
      [50_000_000n * RAY, 100_000_000n], // $50m
      [RAY / 10_000_000n, 1n], // $0.0000001: tolerance 1e-27
    ] as const) {
      for (const [cut, step] of [
        [cuts[0]!, 1n],
        [cuts[1]!, 1n],
        [cuts[0]!, 5n],
        [cuts[1]!, 5n],
        [cuts[0]!, 300n],
      ] as const) {
        cases.push({ top, tolerance, cut, step });
      }
    }
    expect(cuts[0]).toBe(988_765_432_110_000_000_000_000_000n);
    for (const c of cases) {
      const curve: PriceCurve = { kind: 'stairstep_exponential_decrease', stepS: c.step, cut: ray(c.cut) };
      let price = curvePrice(curve, ray(c.top), 0n);
      expect(price).toBe(c.top);
      for (let i = 1; i < testTimeS; i++) {
        const last = price;
        price = curvePrice(curve, ray(c.top), BigInt(i));
        const expected = BigInt(i) % c.step === 0n ? (last * c.cut) / RAY : last;
        const diff = expected > price ? expected - price : price - expected;
        expect(diff <= c.tolerance).toBe(true);
      }
    }
  });
});

describe('ExponentialDecrease (abaci.t.sol test_continuous_exp_decrease)', () => {
  it('halves every 900 s within 0.1% for four half-lives', () => {
    const curve: PriceCurve = { kind: 'exponential_decrease', cut: ray(999_230_132_966n * 10n ** 15n) }; // ~ e^(ln(1/2)/900)
    const top = ray(4000n * RAY);
    let expected = top as bigint;
    for (let i = 0n; i < 5n; i++) {
      const p = curvePrice(curve, top, i * 900n);
      const diff = p > expected ? p - expected : expected - p;
      expect(diff <= RAY / 1000n).toBe(true);
      expected /= 2n;
    }
  });
  it('equals the stairstep with step 1 at every second (both are rmul(top, rpow(cut, n, RAY)))', () => {
    const cut = ray(RAY - RAY / 100n);
    for (const dur of [0n, 1n, 2n, 59n, 60n, 61n, 1000n]) {
      expect(curvePrice({ kind: 'exponential_decrease', cut }, ray(5n * RAY), dur)).toBe(
        curvePrice({ kind: 'stairstep_exponential_decrease', stepS: 1n, cut }, ray(5n * RAY), dur),
      );
    }
  });
});

describe('curve parameters', () => {
  it('refuses tau 0, step 0 and cut above RAY (abaci.sol cut-gt-RAY)', () => {
    expect(checkCurve({ kind: 'linear_decrease', tauS: 0n }).map((p) => p.path)).toEqual(['tauS']);
    expect(checkCurve({ kind: 'stairstep_exponential_decrease', stepS: 0n, cut: ray(RAY + 1n) }).map((p) => p.path)).toEqual(['stepS', 'cut']);
    expect(checkCurve({ kind: 'exponential_decrease', cut: ray(RAY) })).toEqual([]);
  });
});
