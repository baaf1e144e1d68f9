// The waterfall's limits inside the engine, at sizes the end-to-end scenarios do not reach.

import { describe, expect, it } from 'vitest';
import { dec, price, quote, size } from '../units/index.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { Engine } from './engine.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';
import { notional } from '../market/index.js';

describe('the market notional window inside the engine', () => {
  it('holds its cap over more distinct liquidation times than the window log keeps entries (merged, never dropped)', () => {
    // 4,600 isolated longs of 0.001 BTC at 100,000, margin 1 + i/1000 USDC: account i breaches one dollar lower
    // than account i-1. The price falls a dollar a millisecond, so each command liquidates one ledger, each at its
    // own time: more than the log's 4,096 entries inside one 60 s window. Cap: 400,000 USDC (~4,080 of them).
    const base = rulebookPreset('binance', 6) as Rulebook;
    const capUsd = dec('400000', 6);
    const rulebook: Rulebook = { ...base, liquidation: { ...base.liquidation, limits: { ...base.liquidation.limits, windowMs: 60_000, maxNotionalPerMarketPerWindow: quote(capUsd) } } };
    const engine = Engine.create(TEST_CONFIG, rulebook);
    for (const cmd of standardSetup(0)) engine.apply(cmd.kind === 'set_rulebook' ? { ...cmd, rulebook } : cmd);
    engine.apply({ kind: 'deposit', tsMs: 0, account: 'mm', asset: USDC, amount: dec('100000000', 6) });
    const n = 4_600;
    for (let i = 0; i < n; i++) {
      const id = `t${i}`;
      engine.apply({ kind: 'deposit', tsMs: 0, account: id, asset: USDC, amount: dec('10', 6) });
      const fill = engine.apply({
        kind: 'fill',
        tsMs: 0,
        market: 'BTC-PERP',
        price: price(dec('100000', 2)),
        size: size(1n),
        buyer: { account: id, fee: quote(0n), marginMode: 'isolated', isolatedMargin: quote(1_000_000n + BigInt(i) * 1_000n) },
        seller: { account: 'mm', fee: quote(0n) },
      });
      expect(fill[0]?.kind).toBe('PositionChanged');
    }
    let closedNotional = 0n;
    let steps = 0;
    let windowDeferrals = 0;
    const spec = engine.market('BTC-PERP')?.spec;
    if (spec === undefined) throw new Error('no market');
    for (let k = 1; k <= n + 200; k++) {
      const events = engine.apply({ kind: 'price', tsMs: 1_000 + k, market: 'BTC-PERP', mark: price(dec('100000', 2) - BigInt(k) * 100n) });
      for (const e of events) {
        if (e.kind === 'LiquidationStarted') {
          steps++;
          closedNotional += notional(spec, 6, e.closeSize, e.mark, 'ceil');
        }
        if (e.kind === 'LiquidationDeferred' && e.reason === 'window_limit') windowDeferrals++;
      }
    }
    // Every step closed its whole ledger (the maker's short takes it by ADL once the empty fund is capped).
    expect(steps).toBeGreaterThan(4_096);
    expect(closedNotional).toBeLessThanOrEqual(capUsd);
    expect(windowDeferrals).toBeGreaterThan(0);
  });
});
