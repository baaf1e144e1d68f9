import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTrade } from './account.js';

// Sizes in base atoms, cash in quote atoms; a buy of q at N pays cash -N.
describe('applyTrade', () => {
  it('opens and increases at the summed cost', () => {
    expect(applyTrade(0n, 0n, 2n, -200n)).toEqual({ size: 2n, entryQuote: 200n, realisedPnl: 0n, closedSize: 0n, openedSize: 2n });
    expect(applyTrade(2n, 200n, 1n, -110n)).toEqual({ size: 3n, entryQuote: 310n, realisedPnl: 0n, closedSize: 0n, openedSize: 1n });
    expect(applyTrade(-2n, -200n, -1n, 90n)).toEqual({ size: -3n, entryQuote: -290n, realisedPnl: 0n, closedSize: 0n, openedSize: 1n });
  });

  it('reduces a long at a profit and a short at a loss', () => {
    // Long 2 at 100 each; sell 1 at 110: +10 realised, half the cost left.
    expect(applyTrade(2n, 200n, -1n, 110n)).toEqual({ size: 1n, entryQuote: 100n, realisedPnl: 10n, closedSize: 1n, openedSize: 0n });
    // Short 2 at 100 each; buy 1 back at 130: -30 realised.
    expect(applyTrade(-2n, -200n, 1n, -130n)).toEqual({ size: -1n, entryQuote: -100n, realisedPnl: -30n, closedSize: 1n, openedSize: 0n });
  });

  it('closes fully with the whole cost', () => {
    expect(applyTrade(3n, 301n, -3n, 330n)).toEqual({ size: 0n, entryQuote: 0n, realisedPnl: 29n, closedSize: 3n, openedSize: 0n });
  });

  it('flips: closes the old side at its cost and opens the new side at the rest of the cash', () => {
    // Long 1 at 100; sell 3 at 90 (cash +270): close 1 (cash 90, -10 realised), open short 2 at 180.
    expect(applyTrade(1n, 100n, -3n, 270n)).toEqual({ size: -2n, entryQuote: -180n, realisedPnl: -10n, closedSize: 1n, openedSize: 2n });
  });

  it('splits uneven costs by truncation and keeps the remainder in the position', () => {
    // Long 3 at a total cost of 100; sell 1 at 40: cost share trunc(100/3) = 33, realised 7, 67 left.
    expect(applyTrade(3n, 100n, -1n, 40n)).toEqual({ size: 2n, entryQuote: 67n, realisedPnl: 7n, closedSize: 1n, openedSize: 0n });
  });

  it('moves (realised - entry) by exactly the cash of the trade', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 2000n }),
        fc.boolean(),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (s, e, q, buy, n) => {
          const entry = s === 0n ? 0n : e;
          const delta = buy ? q : -q;
          const cash = buy ? -n : n;
          const r = applyTrade(s, entry, delta, cash);
          expect(r.size).toBe(s + delta);
          expect(r.realisedPnl - (r.entryQuote - entry)).toBe(cash);
          if (r.size === 0n) expect(r.entryQuote).toBe(0n);
        },
      ),
    );
  });
});
