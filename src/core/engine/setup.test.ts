// Listing markets: the id `cross` is reserved for an account's cross ledger (docs/glossary.md), so a ledger's key
// (`account|cross` or `account|market`) never names two ledgers.

import { describe, expect, it } from 'vitest';
import { dec, price, quote, size } from '../units/index.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { CROSS_LEDGER, ledgerKey } from './block.js';
import { Engine } from './engine.js';
import { BTC_PERP, standardSetup, TEST_CONFIG, USDC } from './testkit.js';

describe('the cross ledger', () => {
  it('set_market refuses the market id "cross" (market_invalid) and changes nothing', () => {
    const engine = Engine.create(TEST_CONFIG);
    const events = engine.apply({ kind: 'set_market', tsMs: 0, market: { ...BTC_PERP, id: CROSS_LEDGER } });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'CommandRejected', command: 'set_market', reason: 'market_invalid', field: 'market.id' }),
    ]);
    expect(engine.snapshot().markets).toEqual([]);
    // Any other id of the same letters is a market like any other.
    expect(engine.apply({ kind: 'set_market', tsMs: 0, market: { ...BTC_PERP, id: 'CROSS' } })[0]?.kind).toBe('MarketListed');
  });

  it('keys a cross ledger in breach `account|cross`, as events name it', () => {
    expect(ledgerKey({ account: 'x', market: null })).toBe('x|cross');
    expect(ledgerKey({ account: 'x', market: 'BTC-PERP' })).toBe('x|BTC-PERP');
    const engine = Engine.create(TEST_CONFIG);
    for (const cmd of standardSetup(1_000)) engine.apply(cmd);
    engine.apply({ kind: 'set_rulebook', tsMs: 1_000, rulebook: rulebookPreset('dydx-v4', 6) as Rulebook });
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'b', asset: USDC, amount: dec('1000000', 6) });
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'x', asset: USDC, amount: dec('2500', 6) });
    engine.apply({ kind: 'fill', tsMs: 1_000, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(2_000n), buyer: { account: 'x', fee: quote(0n) }, seller: { account: 'b', fee: quote(0n) } });
    // Down 1%: equity 2,500 - 2,000 = 500 < maintenance 198k x 0.5% - 50 = 940; dYdX closes 10% a block, and the book
    // is empty, so the episode stays open.
    const crash = engine.apply({ kind: 'price', tsMs: 2_000, market: 'BTC-PERP', mark: price(dec('99000', 2)) });
    expect(crash.find((e) => e.kind === 'LiquidationStarted')).toMatchObject({ account: 'x', ledger: 'cross' });
    expect(engine.snapshot().enforcement.episodes.map(([key]) => key)).toEqual(['x|cross']);
  });
});
