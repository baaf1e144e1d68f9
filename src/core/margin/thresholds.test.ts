import { describe, expect, it } from 'vitest';
import { NO_BORROWS } from '../account/account.js';
import { Engine } from '../engine/engine.js';
import { standardSetup, TEST_CONFIG, USDC } from '../engine/testkit.js';
import { dec, price, quote, size } from '../units/index.js';
import { boundaryPrice, healthFactor, isBreached, marginRatioPpm } from './thresholds.js';

function world(): Engine {
  const e = Engine.create(TEST_CONFIG);
  for (const c of standardSetup(1)) e.apply(c);
  e.apply({ kind: 'deposit', tsMs: 2, account: 'mm', asset: USDC, amount: dec('10000000', 6) });
  return e;
}

describe('isBreached and marginRatio', () => {
  it('follows the rule at the boundary and always flags negative equity', () => {
    expect(isBreached(100n, 100n, 'at_or_below')).toBe(true);
    expect(isBreached(100n, 100n, 'below')).toBe(false);
    expect(isBreached(-1n, 0n, 'below')).toBe(true);
    expect(isBreached(0n, 0n, 'at_or_below')).toBe(false);
    expect(marginRatioPpm(1000n, 250n)).toBe(250_000n);
    expect(marginRatioPpm(3n, 1n)).toBe(333_334n);
    expect(marginRatioPpm(0n, 5n)).toBeNull();
  });
});

describe('boundaryPrice', () => {
  it('finds the last bad price going down and the first going up', () => {
    expect(boundaryPrice((p) => p <= 777n, 'down', 1000n)).toBe(777n);
    expect(boundaryPrice((p) => p <= 777n, 'down', 500n)).toBe(777n);
    expect(boundaryPrice((p) => p >= 1234n, 'up', 1000n)).toBe(1234n);
    expect(boundaryPrice((p) => p >= 1234n, 'up', 5000n)).toBe(1234n);
    expect(boundaryPrice(() => false, 'down', 1000n)).toBeNull();
  });
});

describe('threshold prices of a cross account', () => {
  it('a short: liquidation above, bankruptcy further above, both consistent with exact evaluation', () => {
    const e = world();
    e.apply({ kind: 'deposit', tsMs: 3, account: 's', asset: USDC, amount: dec('2000', 6) });
    // Short 0.5 BTC at 100,000 (notional 50,000; IM 400 at 0.8%).
    const ev = e.apply({ kind: 'fill', tsMs: 4, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(500n), buyer: { account: 'mm', fee: quote(0n) }, seller: { account: 's', fee: quote(0n) } });
    expect(ev.map((x) => x.kind)).toEqual(['PositionChanged', 'PositionChanged']);
    const lp = e.thresholdPrice('s', 'BTC-PERP', 'liquidation') as bigint;
    const bp = e.thresholdPrice('s', 'BTC-PERP', 'bankruptcy') as bigint;
    // equity(P) = 2000 - 0.5 (P - 100,000); MM = 0.5 P x 0.5% - 50 above 50,000 notional, so
    // 2000 - 0.5P + 50,000 = 0.0025P - 50 -> P = 52,050 / 0.5025 = 103,582.089...; first breached tick 103,582.09.
    expect(lp).toBe(dec('103582.09', 2));
    // equity(P) >= 0 up to P = 104,000 exactly.
    expect(bp).toBe(dec('104000', 2));
    // Detection only: with liquidations paused the breach stays visible.
    e.apply({ kind: 'set_liquidation_pause', tsMs: 5, paused: true });
    e.apply({ kind: 'price', tsMs: 5, market: 'BTC-PERP', mark: price(lp - 1n) });
    expect(e.isBreached('s')).toBe(false);
    e.apply({ kind: 'price', tsMs: 6, market: 'BTC-PERP', mark: price(lp) });
    expect(e.isBreached('s')).toBe(true);
  });

  it('a long fully backed by stable collateral has no bankruptcy price', () => {
    const e = world();
    e.apply({ kind: 'deposit', tsMs: 3, account: 'l', asset: USDC, amount: dec('200000', 6) });
    e.apply({ kind: 'fill', tsMs: 4, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(1000n), buyer: { account: 'l', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    expect(e.thresholdPrice('l', 'BTC-PERP', 'bankruptcy')).toBeNull();
    expect(e.thresholdPrice('l', 'BTC-PERP', 'liquidation')).toBeNull();
  });

  it('BTC collateral priced off the same market makes a long liquidate sooner', () => {
    const usdOnly = world();
    const withBtc = world();
    usdOnly.apply({ kind: 'deposit', tsMs: 3, account: 'l', asset: USDC, amount: dec('9500', 6) });
    // 0.1 BTC at 100,000 with a 95% weight counts as 9,500 USDC today, but falls with the price.
    withBtc.apply({ kind: 'deposit', tsMs: 3, account: 'l', asset: 'BTC', amount: dec('0.1', 8) });
    for (const e of [usdOnly, withBtc]) {
      const ev = e.apply({ kind: 'fill', tsMs: 4, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(500n), buyer: { account: 'l', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
      expect(ev[0]?.kind).toBe('PositionChanged');
    }
    const a = usdOnly.thresholdPrice('l', 'BTC-PERP', 'liquidation') as bigint;
    const b = withBtc.thresholdPrice('l', 'BTC-PERP', 'liquidation') as bigint;
    expect(b).toBeGreaterThan(a);
  });
});

describe('health factor', () => {
  it('is sum(collateral x LT) / debt in WAD, and borrowing beyond LTV is refused', () => {
    const e = world();
    e.apply({ kind: 'deposit', tsMs: 3, account: 'b', asset: 'BTC', amount: dec('1', 8) });
    // 1 BTC at 100,000: LTV 70% -> may borrow 70,000 USDC; LT 75%.
    const ok = e.apply({ kind: 'borrow', tsMs: 4, account: 'b', asset: USDC, amount: dec('50000', 6) });
    expect(ok[0]?.kind).toBe('Borrowed');
    const hf = healthFactor(e.state, e.account('b') as NonNullable<ReturnType<Engine['account']>>, e.state);
    expect(hf?.healthFactor).toBe(1_500_000_000_000_000_000n); // 75,000 / 50,000
    expect(hf?.borrowHeadroom).toBe(dec('20000', 6));
    const refused = e.apply({ kind: 'borrow', tsMs: 5, account: 'b', asset: USDC, amount: dec('20000.000001', 6) });
    expect(refused[0]).toMatchObject({ kind: 'CommandRejected', reason: 'health_factor_breach' });
  });

  it('an account that never borrowed shares NO_BORROWS; a borrow gives it a Map of its own and NO_BORROWS stays empty', () => {
    const e = world();
    e.apply({ kind: 'deposit', tsMs: 3, account: 'b', asset: 'BTC', amount: dec('1', 8) });
    e.apply({ kind: 'deposit', tsMs: 3, account: 'l', asset: USDC, amount: dec('200000', 6) });
    // A trade replaces both accounts by their drafts: the lender's borrows are still the shared empty Map.
    e.apply({ kind: 'fill', tsMs: 4, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(1000n), buyer: { account: 'l', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    expect(e.account('l')?.borrows).toBe(NO_BORROWS);
    expect(e.account('b')?.borrows).toBe(NO_BORROWS);
    // A refused borrow (beyond the 70% LTV) writes nothing.
    e.apply({ kind: 'borrow', tsMs: 5, account: 'b', asset: USDC, amount: dec('80000', 6) });
    expect(e.account('b')?.borrows).toBe(NO_BORROWS);
    expect(e.apply({ kind: 'borrow', tsMs: 6, account: 'b', asset: USDC, amount: dec('50000', 6) })[0]?.kind).toBe('Borrowed');
    expect(e.account('b')?.borrows).not.toBe(NO_BORROWS);
    expect([...(e.account('b')?.borrows ?? [])]).toEqual([[USDC, dec('50000', 6)]]);
    expect(NO_BORROWS.size).toBe(0);
    expect(e.account('l')?.borrows.size).toBe(0);
    // A restore gives an account with debt its own Map, and one without the shared one.
    const back = Engine.restore(e.snapshot());
    expect([...(back.account('b')?.borrows ?? [])]).toEqual([[USDC, dec('50000', 6)]]);
    expect(back.account('l')?.borrows).toBe(NO_BORROWS);
    e.apply({ kind: 'repay', tsMs: 7, account: 'b', asset: USDC, amount: dec('50000', 6) });
    expect(e.account('b')?.borrows.size).toBe(0);
    expect(NO_BORROWS.size).toBe(0);
  });
});
