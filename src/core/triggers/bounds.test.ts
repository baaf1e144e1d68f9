// exactBoundary (bounds.ts) is exact: a long is in breach at its boundary and not one price atom above it, a short in
// breach at its boundary and not one atom below, by the ledger's exact figures (singlePositionSlack), across
// BTC-PERP's three tiers (the search's start is solved again on the tier it lands in) and at scaled (margin-call)
// requirement levels; the same without the ledger's state now (the search started from an estimate), and that state
// read back from the boundary.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singlePositionSlack } from '../margin/evaluate.js';
import { isBreached } from '../margin/thresholds.js';
import { ppm, price } from '../units/index.js';
import { breachedAt, exactBoundary, exactBoundaryOf } from './bounds.js';
import { testWorld } from './testworld.js';

describe('exactBoundary', () => {
  it('is the last price in breach, across tier floors and at scaled requirement levels', () => {
    let checked = 0;
    let acrossTiers = 0;
    let inBreachNow = 0;
    fc.assert(
      fc.property(
        fc.boolean(),
        // 0.001 BTC steps: up to 40 BTC ($4M at $100k, every tier), often near a tier floor ($50k: 500; $250k: 2,500).
        fc.oneof(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 400, max: 650 }), fc.integer({ min: 2_000, max: 3_200 })),
        fc.integer({ min: -400, max: 400 }), // entry, bp from the mark
        fc.integer({ min: 0, max: 3_000 }), // isolated margin, bp of the cost
        fc.constantFrom(undefined, 1_250_000, 1_312_500),
        fc.constantFrom('below' as const, 'at_or_below' as const),
        (long, steps, entryBps, marginBps, scale, rule) => {
          const w = testWorld();
          if (scale !== undefined) w.requirementScalePpm = ppm(BigInt(scale));
          w.rule = rule;
          const sz = BigInt(steps);
          const px = (10_000_000n * BigInt(10_000 + entryBps)) / 10_000n;
          const margin = (sz * px * 10n * BigInt(marginBps)) / 10_000n;
          w.deposit('a', 'USDC', margin);
          w.trade('a', 'BTC-PERP', long ? sz : -sz, px, margin);
          const account = w.account('a');
          const position = account.positions.get('BTC-PERP');
          if (position === undefined) return;
          const state = w.state('BTC-PERP');
          const cash = position.isolatedMargin ?? 0n;
          const inBreach = (p: number): boolean => {
            const f = singlePositionSlack(w, state, position, price(BigInt(p)), cash);
            return isBreached(f.equity, f.maintenance, rule);
          };
          const now = singlePositionSlack(w, state, position, price(state.markPrice ?? 0n), cash);
          const breached = isBreached(now.equity, now.maintenance, rule);
          const b = exactBoundary(w, account, 'BTC-PERP', rule, breached, now.equity - now.maintenance);
          // Without the state now (the search from the slack estimated in floats): the same boundary, and the state
          // now read from it is the exact one.
          const estimated = exactBoundaryOf(w, position, cash, rule, null, null);
          expect(estimated?.boundary).toBe(b?.boundary);
          if (b === null) return;
          expect(breachedAt(b, state.markPrice ?? 0n)).toBe(breached);
          if (breached) inBreachNow++;
          expect(b.long).toBe(long);
          checked++;
          if (long) {
            if (b.boundary > 0) expect(inBreach(b.boundary)).toBe(true);
            expect(inBreach(b.boundary + 1)).toBe(false);
          } else {
            expect(inBreach(b.boundary)).toBe(true);
            if (b.boundary > 1) expect(inBreach(b.boundary - 1)).toBe(false);
          }
          // The boundary's notional in another tier than the mark's (the guess solved again there).
          const tierOf = (p: bigint): number => (sz * p * 10n < 50_000_000_000n ? 0 : sz * p * 10n < 250_000_000_000n ? 1 : 2);
          if (b.boundary > 0 && tierOf(BigInt(b.boundary)) !== tierOf(state.markPrice ?? 0n)) acrossTiers++;
        },
      ),
      { numRuns: 400, seed: 20261203 },
    );
    expect(checked).toBeGreaterThan(300);
    expect(acrossTiers).toBeGreaterThan(10);
    expect(inBreachNow).toBeGreaterThan(10);
  });
});
