import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareScaled,
  formatScaled,
  midScaled,
  parseJsonNumberScaled,
  parseScaled,
  relativeExceedsPpm,
  toFixedAtoms,
  toPriceAtoms,
} from './scaled.js';

describe('parseScaled', () => {
  it('keeps every digit as written', () => {
    expect(parseScaled('97028.20000000')).toEqual({ ok: true, value: { mantissa: 9702820000000n, expo: -8 } });
    expect(parseScaled('312')).toEqual({ ok: true, value: { mantissa: 312n, expo: 0 } });
    expect(parseScaled('-0.00010000')).toEqual({ ok: true, value: { mantissa: -10000n, expo: -8 } });
    expect(parseScaled('0')).toEqual({ ok: true, value: { mantissa: 0n, expo: 0 } });
  });

  it('refuses anything but a plain decimal', () => {
    for (const bad of ['', ' 1', '1e5', '+1', '.5', '5.', '1,5', 'NaN', 'Infinity', '0x10', '--1', '1.2.3']) {
      expect(parseScaled(bad).ok).toBe(false);
    }
    expect(parseScaled('1'.repeat(81)).ok).toBe(false);
  });

  it('reads JSON number literals with exponents', () => {
    expect(parseJsonNumberScaled('0.004')).toEqual({ ok: true, value: { mantissa: 4n, expo: -3 } });
    expect(parseJsonNumberScaled('1300.0')).toEqual({ ok: true, value: { mantissa: 13000n, expo: -1 } });
    expect(parseJsonNumberScaled('1e-3')).toEqual({ ok: true, value: { mantissa: 1n, expo: -3 } });
    expect(parseJsonNumberScaled('-2.5E+2')).toEqual({ ok: true, value: { mantissa: -25n, expo: 1 } });
    expect(parseJsonNumberScaled('1e999').ok).toBe(false);
    expect(parseJsonNumberScaled('01').ok).toBe(false);
  });

  it('round-trips through formatScaled (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -18, max: 0 }), (m, e) => {
        const r = parseScaled(formatScaled({ mantissa: m, expo: e }));
        expect(r.ok).toBe(true);
        if (r.ok) expect(compareScaled(r.value, { mantissa: m, expo: e })).toBe(0);
      }),
      { seed: 20250202, numRuns: 300 },
    );
  });
});

describe('toPriceAtoms', () => {
  const btc = { mantissa: 9702820000000n, expo: -8 };

  it('scales up exactly and down with the named rounding', () => {
    expect(toPriceAtoms(btc, 2, 'exact')).toEqual({ ok: true, value: 9702820n });
    expect(toPriceAtoms(btc, 10, 'exact')).toEqual({ ok: true, value: 970282000000000n });
    expect(toPriceAtoms({ mantissa: 9702012345678n, expo: -8 }, 2, 'floor')).toEqual({ ok: true, value: 9702012n });
    expect(toPriceAtoms({ mantissa: 9702012345678n, expo: -8 }, 2, 'ceil')).toEqual({ ok: true, value: 9702013n });
    expect(toPriceAtoms({ mantissa: 9702012345678n, expo: -8 }, 2, 'exact')).toMatchObject({ ok: false, code: 'inexact' });
    expect(toPriceAtoms({ mantissa: 25n, expo: 1 }, 2, 'exact')).toEqual({ ok: true, value: 25000n });
  });

  it('refuses non-positive prices, and prices that round to zero', () => {
    expect(toPriceAtoms({ mantissa: 0n, expo: -8 }, 2, 'floor')).toMatchObject({ ok: false, code: 'non_positive_price' });
    expect(toPriceAtoms({ mantissa: -5n, expo: 0 }, 2, 'floor')).toMatchObject({ ok: false, code: 'non_positive_price' });
    expect(toPriceAtoms({ mantissa: 4n, expo: -8 }, 2, 'floor')).toMatchObject({ ok: false, code: 'non_positive_price' });
    expect(toPriceAtoms({ mantissa: 4n, expo: -8 }, 2, 'ceil')).toEqual({ ok: true, value: 1n });
    expect(toPriceAtoms({ mantissa: 1n, expo: 60 }, 30, 'exact')).toMatchObject({ ok: false, code: 'out_of_range' });
  });

  it('toFixedAtoms keeps signs (funding rates)', () => {
    expect(toFixedAtoms({ mantissa: -10000n, expo: -8 }, 9, 'exact')).toEqual({ ok: true, value: -100000n });
    expect(toFixedAtoms({ mantissa: -15n, expo: -1 }, 0, 'floor')).toEqual({ ok: true, value: -2n });
  });
});

describe('comparisons', () => {
  it('midScaled is exact and relativeExceedsPpm needs no division', () => {
    expect(midScaled({ mantissa: 1n, expo: 0 }, { mantissa: 2n, expo: 0 })).toEqual({ mantissa: 15n, expo: -1 });
    const before = { mantissa: 273561000000n, expo: -8 };
    const after = { mantissa: 270041000000n, expo: -8 }; // -1.2867%
    expect(relativeExceedsPpm(after, before, 10_000n)).toBe(true);
    expect(relativeExceedsPpm(after, before, 13_000n)).toBe(false);
    expect(relativeExceedsPpm({ mantissa: 101n, expo: 0 }, { mantissa: 10000n, expo: -2 }, 10_000n)).toBe(false); // exactly 1%
    expect(compareScaled({ mantissa: 1n, expo: 0 }, { mantissa: 10n, expo: -1 })).toBe(0);
  });
});
