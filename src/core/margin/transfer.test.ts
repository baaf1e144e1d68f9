import { describe, expect, it } from 'vitest';
import { ppm, quote } from '../units/index.js';
import { transferMarginRequired } from './transfer.js';

describe('transfer margin required = max(initial, share x notional)', () => {
  it("Hyperliquid's 10%: 210,000 of notional at 50x needs 21,000, not the IM of 4,200", () => {
    expect(transferMarginRequired(quote(4_200_000_000n), quote(210_000_000_000n), ppm(100_000n))).toBe(21_000_000_000n);
  });
  it('the initial margin when it is larger (below 10x leverage)', () => {
    // 5x: IM 20% of 10,000 = 2,000 > 1,000.
    expect(transferMarginRequired(quote(2_000_000_000n), quote(10_000_000_000n), ppm(100_000n))).toBe(2_000_000_000n);
  });
  it('rounds the share up (a requirement, against the account); a share of 0 leaves the initial margin', () => {
    // 10% of 15 atoms = 1.5 -> 2.
    expect(transferMarginRequired(quote(0n), quote(15n), ppm(100_000n))).toBe(2n);
    expect(transferMarginRequired(quote(7n), quote(1_000n), ppm(0n))).toBe(7n);
  });
});
