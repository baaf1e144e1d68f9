// Golden vectors: aave-dao/aave-v3-origin v3.3.0 (5431379f), tests/protocol/libraries/math/WadRayMath.t.sol,
// PercentageMath.t.sol and MathUtils.t.sol, row by row; the fuzz tests' reference formulas as properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compoundedInterest, linearInterest, percentDiv, percentMul, RAY, rayDiv, rayMul, rayToWad, SECONDS_PER_YEAR, WAD,
  wadDiv, wadMul, wadToRay,
} from './aave-math.js';

const e18 = (x: string): bigint => decimalAtoms(x, 18);
const e27 = (x: string): bigint => decimalAtoms(x, 27);
/** '412.2' at 18 decimals -> 412200000000000000000n, without floats. */
function decimalAtoms(x: string, decimals: number): bigint {
  const [whole = '0', frac = ''] = x.split('.');
  return BigInt(whole + frac.padEnd(decimals, '0'));
}

describe('WadRayMath (WadRayMath.t.sol)', () => {
  it('wadMul', () => {
    expect(wadMul(e18('2.5'), e18('0.5'))).toBe(e18('1.25'));
    expect(wadMul(e18('412.2'), WAD)).toBe(e18('412.2'));
    expect(wadMul(e18('6'), e18('2'))).toBe(e18('12'));
    expect(wadMul(0n, WAD)).toBe(0n);
  });
  it('rayMul', () => {
    expect(rayMul(e27('2.5'), e27('0.5'))).toBe(e27('1.25'));
    expect(rayMul(e27('412.2'), RAY)).toBe(e27('412.2'));
    expect(rayMul(e27('6'), e27('2'))).toBe(e27('12'));
  });
  it('wadDiv rounds half up: 8.745 / 0.67 = 13.05223880597014925373... -> ...254', () => {
    expect(wadDiv(e18('2.5'), e18('0.5'))).toBe(e18('5'));
    expect(wadDiv(e18('412.2'), WAD)).toBe(e18('412.2'));
    expect(wadDiv(e18('8.745'), e18('0.67'))).toBe(e18('13.052238805970149254'));
    expect(wadDiv(e18('6'), e18('2'))).toBe(e18('3'));
  });
  it('rayDiv: 8.745 / 0.67 at 27 decimals', () => {
    expect(rayDiv(e27('2.5'), e27('0.5'))).toBe(e27('5'));
    expect(rayDiv(e27('8.745'), e27('0.67'))).toBe(e27('13.052238805970149253731343284'));
    expect(rayDiv(e27('6'), e27('2'))).toBe(e27('3'));
  });
  it('wadToRay and rayToWad', () => {
    expect(wadToRay(WAD)).toBe(RAY);
    expect(wadToRay(e18('412.2'))).toBe(e27('412.2'));
    expect(rayToWad(RAY)).toBe(WAD);
    expect(rayToWad(e27('412.2'))).toBe(e18('412.2'));
    // remainder 0.5e9 rounds up, 0.5e9 - 1 down (test_rayToWad_fuzz's rule)
    expect(rayToWad(1_500_000_000n)).toBe(2n);
    expect(rayToWad(1_499_999_999n)).toBe(1n);
  });
  it('agrees with the fuzz tests reference formulas', () => {
    const big = fc.bigInt({ min: 0n, max: 2n ** 128n });
    const pos = fc.bigInt({ min: 1n, max: 2n ** 128n });
    fc.assert(
      fc.property(big, pos, (a, b) => {
        expect(wadMul(a, b)).toBe((a * b + WAD / 2n) / WAD);
        expect(wadDiv(a, b)).toBe((a * WAD + b / 2n) / b);
        expect(rayMul(a, b)).toBe((a * b + RAY / 2n) / RAY);
        expect(rayDiv(a, b)).toBe((a * RAY + b / 2n) / b);
        expect(percentMul(a, b)).toBe((a * b + 5_000n) / 10_000n);
        expect(percentDiv(a, b)).toBe((a * 10_000n + b / 2n) / b);
      }),
    );
  });
});

describe('PercentageMath (PercentageMath.t.sol)', () => {
  it('percentMul', () => {
    expect(percentMul(WAD, 50_00n)).toBe(e18('0.5'));
    expect(percentMul(e18('14.2515'), 74_42n)).toBe(e18('10.6059663'));
    expect(percentMul(9087312n * RAY, 13_33n)).toBe(1211338689600000000000000000000000n);
  });
  it('percentDiv', () => {
    expect(percentDiv(WAD, 50_00n)).toBe(e18('2'));
    expect(percentDiv(e18('14.2515'), 74_42n)).toBe(e18('19.150094060736361193'));
    expect(percentDiv(9087312n * RAY, 13_33n)).toBe(68171882970742685671417854463615904n);
  });
});

describe('MathUtils (MathUtils.t.sol)', () => {
  const halfYear = SECONDS_PER_YEAR / 2n;
  it('linear interest over half a year at 100.05%: 1 + 1.0005/2 = 1.50025', () => {
    expect(linearInterest(e27('1.0005'), halfYear)).toBe(e27('1.50025'));
  });
  it('compounded interest over half a year at 100.05%', () => {
    expect(compoundedInterest(e27('1.0005'), halfYear)).toBe(e27('1.646239361880034706419516000'));
  });
  it('no time, no interest', () => {
    expect(compoundedInterest(e27('1.0005'), 0n)).toBe(RAY);
    expect(linearInterest(e27('1.0005'), 0n)).toBe(RAY);
  });
});
