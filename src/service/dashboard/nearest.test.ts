import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine/engine.js';
import { ethLongsSetup, TEST_CONFIG, USDC } from '../../core/engine/testkit.js';
import { dec, price } from '../../core/units/index.js';
import { nearestLedgers } from './nearest.js';

const t = 1_000;
const usdc = (v: string): bigint => dec(v, 6);

/**
 * ETH-PERP (flat 5% initial / 2.5% maintenance, cent prices, 0.01 ETH steps): alice (300 USDC) and abe (1,000 USDC)
 * long 1 ETH at 3000 against bob (100,000 USDC, short 2 ETH); carol only deposits.
 */
function world(): Engine {
  const e = Engine.create(TEST_CONFIG);
  const cmds = ethLongsSetup(t, [{ kind: 'deposit', tsMs: t, account: 'carol', asset: USDC, amount: usdc('50') }]);
  for (const c of cmds) expect(e.apply(c)[0]?.kind).not.toBe('CommandRejected');
  return e;
}

describe('nearestLedgers', () => {
  it('ranks each account by its margin ratio, nearest first, leaving out accounts without a requirement', () => {
    // At 3000: alice 75 / 300 = 0.25; abe 75 / 1000 = 0.075; bob 2 x 3000 x 2.5% = 150 / 100,000 = 0.0015.
    // carol holds no position (maintenance 0): not listed.
    expect(nearestLedgers(world().state, 10)).toEqual([
      { account: 'alice', ledger: 'cross', marginRatioPpm: 250_000n },
      { account: 'abe', ledger: 'cross', marginRatioPpm: 75_000n },
      { account: 'bob', ledger: 'cross', marginRatioPpm: 1_500n },
    ]);
  });

  it('follows the price and keeps to the limit', () => {
    const e = world();
    e.apply({ kind: 'price', tsMs: t + 1, market: 'ETH-PERP', mark: price(280_000n) });
    // At 2800: alice equity 300 - 200 = 100, maintenance 2800 x 2.5% = 70: 0.7; abe 70 / 800 = 0.0875 (exact).
    expect(nearestLedgers(e.state, 2)).toEqual([
      { account: 'alice', ledger: 'cross', marginRatioPpm: 700_000n },
      { account: 'abe', ledger: 'cross', marginRatioPpm: 87_500n },
    ]);
  });
});
