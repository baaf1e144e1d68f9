import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshEngine, timed } from '../../../test/support/engine-commands.js';
import { adlOrder } from '../liquidation/adl.js';
import { exactAdlScore } from './adl-queue.js';
import { isVenueAccount } from './state.js';
import { dec, price } from '../units/index.js';
import { Engine } from './engine.js';
import { accountRisk, AdlRanker, adlRank } from './risk-view.js';
import { ethLongsSetup, TEST_CONFIG, USDC } from './testkit.js';

const t = 1_000;
const usdc = (v: string): bigint => dec(v, 6);

/** ETH-PERP (flat 5% initial / 2.5% maintenance, cent prices, 0.01 ETH steps): alice and abe long 1 ETH at 3000. */
function world(): Engine {
  const e = Engine.create(TEST_CONFIG);
  const cmds = ethLongsSetup(t);
  for (const c of cmds) {
    const out = e.apply(c);
    expect(out[0]?.kind).not.toBe('CommandRejected');
  }
  return e;
}

describe('accountRisk', () => {
  it('gives a cross position its exact liquidation and bankruptcy prices and the ledger its figures', () => {
    const r = accountRisk(world().state, 'alice');
    if (r === undefined || !r.priced) throw new Error('alice is priced');
    // Equity 300 USDC (no PnL at the entry price); initial 3000 x 5% = 150; maintenance 3000 x 2.5% = 75.
    expect(r.cross).toEqual({
      ledger: 'cross',
      equity: usdc('300'),
      initial: usdc('150'),
      maintenance: usdc('75'),
      freeCollateral: usdc('150'),
      marginRatioPpm: 250_000n, // 75 / 300
      slack: usdc('225'),
      breached: false,
    });
    const [p] = r.positions;
    // Breach (at or below): 300 + (P - 3000) <= 0.025 P  <=>  P <= 2769.2307..; at 2769.23 equity 69.23 <= maintenance
    // 69.23075 (rounded up to 69.230750), at 2769.24 equity 69.24 > 69.231: the liquidation price is 2769.23.
    expect(p?.liquidationPrice).toBe(276_923n);
    // Equity >= 0 from 300 + (P - 3000) >= 0: P >= 2700.00.
    expect(p?.bankruptcyPrice).toBe(270_000n);
    // 3000.00 - 2769.23 = 230.77 USD = 23_077 price atoms; 23_077 / 300_000 = 76_923.33 ppm -> 76_923.
    expect(p?.distanceToLiquidation).toBe(23_077n);
    expect(p?.distanceToLiquidationPpm).toBe(76_923n);
    expect(p).toMatchObject({ market: 'ETH-PERP', marginMode: 'cross', size: 100n, entryPrice: 300_000n, mark: 300_000n, notional: usdc('3000'), initial: usdc('150'), maintenance: usdc('75') });
  });

  it('is breached at the liquidation price and not one tick above it (the engine agrees)', () => {
    const e = world();
    e.apply({ kind: 'price', tsMs: t + 1, market: 'ETH-PERP', mark: price(276_924n) });
    const above = accountRisk(e.state, 'alice');
    expect(above?.priced && above.cross.breached).toBe(false);
    expect(e.isBreached('alice')).toBe(false);
  });

  it('ranks the ADL queue as the engine orders it: higher score first, ties by account id', () => {
    const e = world();
    // At the entry price both scores are 0: ties go by account id, abe before alice.
    expect(adlRank(e.state, 'ETH-PERP', 'abe')).toEqual({ rank: 1, of: 2 });
    expect(adlRank(e.state, 'ETH-PERP', 'alice')).toEqual({ rank: 2, of: 2 });
    // The only short: bob, first of one.
    expect(adlRank(e.state, 'ETH-PERP', 'bob')).toEqual({ rank: 1, of: 1 });
    expect(adlRank(e.state, 'BTC-PERP', 'alice')).toBeNull();
    // At 3100 both gain 100 (3.33%): PnL% x leverage, alice 3100/400 = 7.75x beats abe 3100/1100 = 2.8x.
    e.apply({ kind: 'price', tsMs: t + 1, market: 'ETH-PERP', mark: price(310_000n) });
    expect(adlRank(e.state, 'ETH-PERP', 'alice')).toEqual({ rank: 1, of: 2 });
    // At 2950 both lose 50 (-1.67%): PnL% / leverage, alice -1.67% / 11.8 = -0.14% beats abe -1.67% / 2.7 = -0.62%.
    e.apply({ kind: 'price', tsMs: t + 2, market: 'ETH-PERP', mark: price(295_000n) });
    expect(adlRank(e.state, 'ETH-PERP', 'abe')).toEqual({ rank: 2, of: 2 });
    const r = accountRisk(e.state, 'alice');
    expect(r?.priced && [r.positions[0]?.adlRank, r.positions[0]?.adlQueue]).toEqual([1, 2]);
  });

  it('is undefined for an unknown account', () => {
    expect(accountRisk(world().state, 'nobody')).toBeUndefined();
  });
});

describe('adlRank (float-screened)', () => {
  it('gives every holder the rank of the exact order: all holders scored exactly and sorted by adlOrder', () => {
    let ranked = 0;
    fc.assert(
      fc.property(timed, (commands) => {
        const e = freshEngine();
        for (const cmd of commands) e.apply(cmd);
        const s = e.state;
        for (const [market, sides] of s.holders) {
          const m = s.markets.get(market);
          if (m === undefined) continue;
          for (const ids of [sides.long, sides.short]) {
            const exact = [...ids].filter((id) => !isVenueAccount(id)).map((id) => ({ account: id, score: exactAdlScore(s, m, s.accounts.get(id) as never) }));
            exact.sort(adlOrder);
            const ranker = new AdlRanker(s);
            for (const [i, c] of exact.entries()) {
              expect(adlRank(s, market, c.account)).toEqual({ rank: i + 1, of: exact.length });
              expect(ranker.rank(market, c.account)).toEqual({ rank: i + 1, of: exact.length });
              ranked++;
            }
          }
        }
      }),
      { numRuns: 200, seed: 5 },
    );
    expect(ranked).toBeGreaterThan(300);
  });

  it('AdlRanker screens a side once per engine state and drops it when a command moves the state', () => {
    const e = world();
    const ranker = new AdlRanker(e.state);
    expect(ranker.rank('ETH-PERP', 'abe')).toEqual({ rank: 1, of: 2 });
    // A price move and a deposit each move the state: the ranker answers as adlRank after each (abe, with 100,000
    // USDC more, is far less leveraged: behind alice in profit).
    e.apply({ kind: 'price', tsMs: t + 1, market: 'ETH-PERP', mark: price(310_000n) });
    for (const id of ['abe', 'alice']) expect(ranker.rank('ETH-PERP', id)).toEqual(adlRank(e.state, 'ETH-PERP', id));
    e.apply({ kind: 'deposit', tsMs: t + 2, account: 'abe', asset: USDC, amount: usdc('100000') });
    expect(ranker.rank('ETH-PERP', 'abe')).toEqual(adlRank(e.state, 'ETH-PERP', 'abe'));
    expect(ranker.rank('ETH-PERP', 'abe')).toEqual({ rank: 2, of: 2 });
  });
});
