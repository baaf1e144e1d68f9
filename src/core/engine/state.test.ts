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
        for (const [market, account, size] of ps) noteHolding(one as never, market, account, 0n, size);
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

describe('noteHolding', () => {
  it('keeps each market\'s long and short holders equal to the accounts whose position is of that sign, through trades that change signs', () => {
    // Trades as executeTrade reports them: each a new signed size of one (market, account); noteHolding is told
    // only when the sign changes, with the size before and after.
    const trades = fc.array(fc.tuple(fc.constantFrom('M1', 'M2'), fc.constantFrom('a', 'b', 'c', 'd'), fc.bigInt({ min: -2n, max: 2n })), { maxLength: 40 });
    fc.assert(
      fc.property(trades, (ts) => {
        const state = { holders: new Map<string, Holders>() };
        const sizes = new Map<string, bigint>();
        for (const [market, account, after] of ts) {
          const key = `${market}|${account}`;
          const before = sizes.get(key) ?? 0n;
          sizes.set(key, after);
          if (Math.sign(Number(before)) !== Math.sign(Number(after))) noteHolding(state as never, market, account, before, after);
        }
        for (const market of ['M1', 'M2']) {
          const of = (sign: number): string[] =>
            [...sizes]
              .filter(([k, v]) => k.startsWith(`${market}|`) && Math.sign(Number(v)) === sign)
              .map(([k]) => k.slice(market.length + 1))
              .sort();
          const h = state.holders.get(market);
          expect([...(h?.long ?? [])].sort()).toEqual(of(1));
          expect([...(h?.short ?? [])].sort()).toEqual(of(-1));
        }
      }),
      { numRuns: 300 },
    );
  });
});
