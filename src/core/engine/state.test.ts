import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HoldersBuilder, noteHolding, type Holders } from './state.js';

/** The holders as ordered lists (markets in map order, ids in set order): what iteration sees. */
const ordered = (holders: Map<string, Holders>): [string, string[], string[]][] => [...holders].map(([m, h]) => [m, [...h.long], [...h.short]]);

describe('HoldersBuilder', () => {
  it('leaves what noteHolding leaves for the same positions in the same order (markets, ids and their order)', () => {
    // Positions as a restore meets them: each (market, account) once, sizes of either sign or zero.
    const positions = fc.uniqueArray(fc.tuple(fc.constantFrom('M1', 'M2', 'M3'), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.bigInt({ min: -3n, max: 3n })), {
      selector: ([market, account]) => `${market}|${account}`,
      maxLength: 18,
    });
    fc.assert(
      fc.property(positions, (ps) => {
        const one = { holders: new Map<string, Holders>() };
        for (const [market, account, size] of ps) noteHolding(one as never, market, account, size);
        const bulk = { holders: new Map<string, Holders>() };
        const builder = new HoldersBuilder();
        for (const [market, account, size] of ps) builder.add(market, account, size);
        builder.into(bulk);
        expect(ordered(bulk.holders)).toEqual(ordered(one.holders));
      }),
      { numRuns: 300 },
    );
  });
});
