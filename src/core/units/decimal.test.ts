import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal, rescale } from './decimal.js';

describe('parseDecimal', () => {
  it('parses exact values into atoms', () => {
    expect(parseDecimal('12.5', 2)).toEqual({ ok: true, value: 1250n });
    expect(parseDecimal('-0.001', 6)).toEqual({ ok: true, value: -1000n });
    expect(parseDecimal('42', 0)).toEqual({ ok: true, value: 42n });
    expect(parseDecimal('1.2300', 2)).toEqual({ ok: true, value: 123n });
  });

  it('refuses excess precision unless a rounding mode is given', () => {
    expect(parseDecimal('1.234', 2)).toEqual({ ok: false, error: '1.234 has more than 2 decimal places' });
    expect(parseDecimal('1.235', 2, 'floor')).toEqual({ ok: true, value: 123n });
    expect(parseDecimal('-1.235', 2, 'floor')).toEqual({ ok: true, value: -124n });
    expect(parseDecimal('1.235', 2, 'half_even')).toEqual({ ok: true, value: 124n });
  });

  it('refuses what is not a plain decimal', () => {
    for (const bad of ['', ' 1', '1e5', '1,5', 'NaN', '.5', '5.', '--1', '0x10', 'Infinity']) {
      expect(parseDecimal(bad, 2).ok).toBe(false);
    }
  });

  it('round-trips with formatDecimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (atoms, d) => {
        const text = formatDecimal(atoms, d);
        expect(parseDecimal(text, d)).toEqual({ ok: true, value: atoms });
      }),
    );
  });
});

describe('formatDecimal', () => {
  it('trims trailing zeros but keeps minDecimals', () => {
    expect(formatDecimal(1500000n, 6)).toBe('1.5');
    expect(formatDecimal(1500000n, 6, 2)).toBe('1.50');
    expect(formatDecimal(-1n, 3)).toBe('-0.001');
    expect(formatDecimal(0n, 3)).toBe('0');
    expect(formatDecimal(42n, 0)).toBe('42');
  });
});

describe('rescale', () => {
  it('widens exactly and narrows with rounding', () => {
    expect(rescale(123n, 2, 4, 'floor')).toBe(12300n);
    expect(rescale(12345n, 4, 2, 'floor')).toBe(123n);
    expect(rescale(12345n, 4, 2, 'ceil')).toBe(124n);
  });
});
