// Morpho Blue supply, supplyCollateral and borrow (morpho-blue 3085651, Morpho.sol), figures by hand with
// SharesMathLib's virtual shares (1e6) and assets (1).
import { describe, expect, it } from 'vitest';
import { morphoBorrow, morphoRepay, morphoSupply, morphoSupplyCollateral, morphoWithdrawCollateral } from './morpho-actions.js';
import type { MorphoMarket } from './morpho.js';

const W = 10n ** 18n;
const PAR = 10n ** 36n;
const EMPTY: MorphoMarket = { lltv: 8n * 10n ** 17n, totalSupplyAssets: 0n, totalSupplyShares: 0n, totalBorrowAssets: 0n, totalBorrowShares: 0n };

describe('Morpho supply and borrow', () => {
  it('supply: shares = assets x (S + 1e6) / (A + 1), down; the first supplier gets 1e6 shares per asset', () => {
    const first = morphoSupply(EMPTY, 100n * W);
    if (!first.ok) throw new Error(first.reason);
    expect(first.value.shares).toBe(100n * W * 10n ** 6n);
    // after interest the pool holds 110 for 100e24 shares: 11 more assets buy floor(11e18 x (100e24 + 1e6) / (110e18 + 1))
    const grown = { ...first.value.market, totalSupplyAssets: 110n * W };
    const second = morphoSupply(grown, 11n * W);
    expect(second.ok && second.value.shares).toBe((11n * W * (100n * W * 10n ** 6n + 10n ** 6n)) / (110n * W + 1n));
    expect(morphoSupply(EMPTY, 0n)).toEqual({ ok: false, reason: 'invalid_amount' });
  });

  it('borrow: shares rounded up; refused when unhealthy after (LLTV) or when suppliers lent less', () => {
    const lent = morphoSupply(EMPTY, 100n * W);
    if (!lent.ok) throw new Error(lent.reason);
    const c = morphoSupplyCollateral({ collateral: 0n, borrowShares: 0n }, 100n * W);
    if (!c.ok) throw new Error(c.reason);
    // 80 on 100 at LLTV 80% and par: exactly at the limit, healthy
    const b = morphoBorrow(lent.value.market, c.value, PAR, 80n * W);
    if (!b.ok) throw new Error(b.reason);
    expect(b.value.shares).toBe(80n * W * 10n ** 6n);
    expect(b.value.market.totalBorrowAssets).toBe(80n * W);
    expect(morphoBorrow(lent.value.market, c.value, PAR, 80n * W + 1n)).toEqual({ ok: false, reason: 'insufficient_collateral' });
    // 150 of collateral could back 120, but only 100 was supplied
    const rich = { collateral: 150n * W, borrowShares: 0n };
    expect(morphoBorrow(lent.value.market, rich, PAR, 101n * W)).toEqual({ ok: false, reason: 'insufficient_liquidity' });
    expect(morphoSupplyCollateral(c.value, 0n)).toEqual({ ok: false, reason: 'invalid_amount' });
  });
});

describe('Morpho repay and withdrawCollateral', () => {
  // 1,000 lent; 100 of collateral at par borrowing 50 (50e24 shares on a fresh market)
  const lent = { ...EMPTY, totalSupplyAssets: 1_000n * W, totalSupplyShares: 1_000n * W * 10n ** 6n };
  const b = morphoBorrow(lent, { collateral: 100n * W, borrowShares: 0n }, PAR, 50n * W);
  if (!b.ok) throw new Error(b.reason);
  const { market, position } = b.value;
  it('by assets: shares = assets x (S + 1e6) / (A + 1), down; by shares: assets rounded up', () => {
    const r = morphoRepay(market, position, 10n * W, 0n);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.shares).toBe((10n * W * (50n * W * 10n ** 6n + 10n ** 6n)) / (50n * W + 1n));
    expect(r.value.market.totalBorrowAssets).toBe(40n * W);
    // all the shares: assets = ceil(50e24 x (50e18 + 1) / (50e24 + 1e6)) = 50e18 (the virtual asset rounds up to it)
    const all = morphoRepay(market, position, 0n, position.borrowShares);
    expect(all.ok && [all.value.assets, all.value.position.borrowShares, all.value.market.totalBorrowAssets]).toEqual([50n * W, 0n, 0n]);
    expect(morphoRepay(market, position, 1n, 1n)).toEqual({ ok: false, reason: 'inconsistent_input' });
    expect(morphoRepay(market, position, 0n, 0n)).toEqual({ ok: false, reason: 'inconsistent_input' });
    expect(morphoRepay(market, position, 0n, position.borrowShares + 1n)).toEqual({ ok: false, reason: 'exceeds_position' });
  });
  it('withdrawCollateral keeps the position healthy: 50 owed at LLTV 80% needs 62.5 of collateral', () => {
    expect(morphoWithdrawCollateral(market, position, PAR, 37n * W + 5n * 10n ** 17n).ok).toBe(true);
    expect(morphoWithdrawCollateral(market, position, PAR, 37n * W + 5n * 10n ** 17n + 1n)).toEqual({ ok: false, reason: 'insufficient_collateral' });
    expect(morphoWithdrawCollateral(market, position, PAR, 101n * W)).toEqual({ ok: false, reason: 'exceeds_position' });
  });
});
