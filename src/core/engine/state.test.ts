import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import { HoldersBuilder, noteHolding, type Holders } from './state.js';
import { applyAccepted, standardSetup, TEST_CONFIG, USDC } from './testkit.js';

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
        const one = { holdersIfMade: new Map<string, Holders>() };
        for (const [market, account, size] of ps) noteHolding(one, market, account, 0n, size);
        const bulk = new Map<string, Holders>();
        const builder = new HoldersBuilder();
        for (const [market, account, size] of ps) builder.add(market, account, size);
        builder.into(bulk);
        expect(ordered(bulk)).toEqual(ordered(one.holdersIfMade));
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
        const state = { holdersIfMade: new Map<string, Holders>() };
        const sizes = new Map<string, bigint>();
        for (const [market, account, after] of ts) {
          const key = `${market}|${account}`;
          const before = sizes.get(key) ?? 0n;
          sizes.set(key, after);
          if (Math.sign(Number(before)) !== Math.sign(Number(after))) noteHolding(state, market, account, before, after);
        }
        for (const market of ['M1', 'M2']) {
          const of = (sign: number): string[] =>
            [...sizes]
              .filter(([k, v]) => k.startsWith(`${market}|`) && Math.sign(Number(v)) === sign)
              .map(([k]) => k.slice(market.length + 1))
              .sort();
          const h = state.holdersIfMade.get(market);
          expect([...(h?.long ?? [])].sort()).toEqual(of(1));
          expect([...(h?.short ?? [])].sort()).toEqual(of(-1));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('EngineState.holders', () => {
  /** Each market's holders as sorted ids per side. */
  const sides = (holders: Map<string, Holders>, market: string): { long: string[]; short: string[] } => ({
    long: [...(holders.get(market)?.long ?? [])].sort(),
    short: [...(holders.get(market)?.short ?? [])].sort(),
  });
  /** What the accounts hold: the ids with a position of each sign in the market, sorted. */
  const held = (engine: Engine, market: string): { long: string[]; short: string[] } => {
    const of = (positive: boolean): string[] =>
      [...engine.state.accounts.values()]
        .filter((a) => {
          const p = a.positions.get(market);
          return p !== undefined && p.size !== 0n && p.size > 0n === positive;
        })
        .map((a) => a.id)
        .sort();
    return { long: of(true), short: of(false) };
  };
  const traders = ['a', 'b', 'c', 'd', 'e'];
  const fills = fc.array(fc.tuple(fc.constantFrom('BTC-PERP', 'ETH-PERP'), fc.constantFrom(...traders), fc.constantFrom(...traders), fc.bigInt({ min: 1n, max: 3n })), { maxLength: 30 });

  it('are made from the accounts when first read, then kept by trades: always the accounts holding each side', () => {
    fc.assert(
      fc.property(fills, fc.nat({ max: 30 }), (trades, readAt) => {
        const engine = Engine.create(TEST_CONFIG);
        applyAccepted(engine, [...standardSetup(1), ...traders.map((account): Command => ({ kind: 'deposit', tsMs: 1, account, asset: USDC, amount: 10n ** 12n }))]);
        expect(engine.state.holdersIfMade).toBeNull(); // nothing read them yet
        trades.forEach(([market, buyer, seller, n], i) => {
          if (i === readAt) void engine.state.holders; // made here, from the accounts as they are
          if (buyer === seller) return;
          const px = market === 'BTC-PERP' ? 10_000_000n : 300_000n;
          engine.apply({ kind: 'fill', tsMs: 2, market, price: price(px), size: size(n), buyer: { account: buyer, fee: quote(0n) }, seller: { account: seller, fee: quote(0n) } });
        });
        const restored = Engine.restore(engine.snapshot());
        expect(restored.state.holdersIfMade).toBeNull(); // a restore does not make them
        for (const market of ['BTC-PERP', 'ETH-PERP']) {
          expect(sides(engine.state.holders, market)).toEqual(held(engine, market));
          expect(sides(restored.state.holders, market)).toEqual(held(engine, market));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a restore refuses a snapshot that lists an account twice', () => {
    const engine = Engine.create(TEST_CONFIG);
    applyAccepted(engine, [...standardSetup(1), { kind: 'deposit', tsMs: 1, account: 'a', asset: USDC, amount: 5n }]);
    const snap = engine.snapshot();
    const twice = { ...snap, accounts: [...snap.accounts, ...snap.accounts.filter((a) => a.id === 'a')] };
    expect(() => Engine.restore(twice)).toThrow('snapshot lists account a twice');
  });
});
