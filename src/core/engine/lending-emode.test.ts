// Aave e-mode through Engine.apply: an ETH-correlated category (LTV 93%, threshold 95%, bonus 1%: the parameters of
// Aave v3 Ethereum's ETH-correlated e-mode) lets a wstETH-backed WETH borrow that the reserves' own parameters
// refuse; the health factor and the liquidation bonus are the category's (aave-reserve.ts calculateUserAccountData
// and liquidationBonusBps, aave-liquidation.ts liquidationCall); leaving e-mode is refused when the HF would fall
// below 1 (EModeLogic.executeSetUserEMode -> validateHealthFactor). Figures worked by hand with Aave's rounding:
// percentMul and wadDiv half up, the base collateral floored (LiquidationLogic._calculateAvailableCollateralToLiquidate).
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import type { Command } from './commands.js';
import { LENDING_AMOUNT_MAX, type LendingEModeCategory, type LendingReserve, type LendingSetEMode } from './lending-commands.js';
import { applyAccepted as applyAll, eventsOfKind as of, stateWithoutSeq as stateOf, TEST_CONFIG } from './testkit.js';

const e18 = 10n ** 18n;
const USD = (d: bigint): bigint => d * 10n ** 8n;
const T = 1_700_000_000_000;

const reserve = (asset: string, ltvBps: bigint, liquidationThresholdBps: bigint, liquidationBonusBps: bigint, price: bigint): LendingReserve => ({
  kind: 'lending_reserve', tsMs: T, market: 'aave', asset, decimals: 18, ltvBps, liquidationThresholdBps, liquidationBonusBps,
  liquidationProtocolFeeBps: 0n, liquidityRateRay: 0n, variableBorrowRateRay: 0n, price,
});

const CATEGORY: LendingEModeCategory = {
  kind: 'lending_emode_category', tsMs: T, market: 'aave', categoryId: 1, ltvBps: 9_300n, liquidationThresholdBps: 9_500n,
  liquidationBonusBps: 10_100n, label: 'ETH correlated', collateralAssets: ['wstETH', 'WETH'],
};




const supply = (user: string, asset: string, amount: bigint): Command => ({ kind: 'lending_supply', tsMs: T, market: 'aave', user, asset, amount });
const borrow = (user: string, asset: string, amount: bigint): Command => ({ kind: 'lending_borrow', tsMs: T, market: 'aave', user, asset, amount });
const setEMode = (user: string, categoryId: number): LendingSetEMode => ({ kind: 'lending_set_emode', tsMs: T, market: 'aave', user, categoryId });

/** wstETH $4,000 (LTV 78.5%, threshold 81%, bonus 6%), WETH $3,400; 100 WETH lent; alice and bob each 10 wstETH. */
function world(): Engine {
  const engine = Engine.create(TEST_CONFIG);
  applyAll(engine, [
    reserve('wstETH', 7_850n, 8_100n, 10_600n, USD(4_000n)),
    reserve('WETH', 8_050n, 8_300n, 10_500n, USD(3_400n)),
    CATEGORY,
    supply('lender', 'WETH', 100n * e18),
    supply('alice', 'wstETH', 10n * e18),
    supply('bob', 'wstETH', 10n * e18),
  ]);
  return engine;
}

describe('Aave e-mode through Engine.apply', () => {
  it('the category decides the HF and the liquidation bonus, to the unit', () => {
    const engine = world();
    // 10 WETH ($34,000) against $40,000: above the reserve LTV's $31,400, within e-mode's $37,200
    expect(engine.apply(borrow('bob', 'WETH', 10n * e18))[0]).toMatchObject({ kind: 'CommandRejected', reason: 'collateral_cannot_cover_new_borrow' });
    const entered = applyAll(engine, [setEMode('alice', 1)]);
    expect(of(entered, 'LendingEModeSet')).toEqual([expect.objectContaining({ user: 'alice', categoryId: 1 })]);
    const borrowed = applyAll(engine, [borrow('alice', 'WETH', 10n * e18)]);
    // wadDiv(percentMul($40,000, 95%), $34,000) = 38,000 / 34,000 = 1.117647058823529411|76 -> half up
    expect(of(borrowed, 'LendingBorrowed')[0]?.healthFactorWad).toBe(1_117_647_058_823_529_412n);

    // leaving e-mode would price wstETH at 81%: 32,400 / 34,000 = 0.952941176470588235 < 1, refused; nothing changes
    const before = stateOf(engine);
    expect(engine.apply(setEMode('alice', 0))[0]).toMatchObject({ kind: 'CommandRejected', reason: 'health_factor_lower_than_liquidation_threshold', field: 'user' });
    expect(engine.lendingAccountData('aave', 'alice')?.healthFactorWad).toBe(1_117_647_058_823_529_412n);
    expect(stateOf(engine)).toBe(before);

    // wstETH to $3,500: 33,250 / 34,000 = 0.977941176470588235 -> liquidatable
    const fell = applyAll(engine, [{ kind: 'lending_price', tsMs: T, market: 'aave', prices: [{ asset: 'wstETH', price: USD(3_500n) }] }]);
    expect(of(fell, 'LendingLiquidatable')).toEqual([expect.objectContaining({ user: 'alice', healthFactorWad: 977_941_176_470_588_235n })]);
    const liq = applyAll(engine, [{ kind: 'lending_liquidate', tsMs: T, market: 'aave', liquidator: 'k', user: 'alice', collateralAsset: 'wstETH', debtAsset: 'WETH', debtToCover: LENDING_AMOUNT_MAX }]);
    // HF > 0.95 and both sides above $2,000: the 50% close factor, 5 WETH repaid; base collateral 5 x 3,400 / 3,500
    // = 4.857142857142857142 (floor), x the category's 1.01 (percentMul) = 4.905714285714285713 (the reserve's 6%
    // would seize 5.148571428571428571); the bonus part 4.905714285714285713 - percentDiv(.., 1.01) = 0.048571428571428571
    expect(of(liq, 'LendingLiquidated')).toEqual([expect.objectContaining({ closeFactorBps: 5_000n, debtRepaid: 5n * e18, debt: 5n * e18 })]);
    expect(of(liq, 'LendingCollateralSeized')).toEqual([expect.objectContaining({ seized: 4_905_714_285_714_285_713n, bonus: 48_571_428_571_428_571n, toLiquidator: 4_905_714_285_714_285_713n, protocolFee: 0n })]);
  });

  it('refusals change nothing: unknown category, bad parameters, unknown reserves', () => {
    const engine = world();
    const before = stateOf(engine);
    const refusals: [Command, string, string][] = [
      [setEMode('alice', 2), 'inconsistent_emode_category', 'categoryId'],
      [{ ...setEMode('alice', 1), market: 'nope' }, 'reserve_unknown', 'market'],
      [{ ...CATEGORY, categoryId: 0 }, 'invalid_params', 'categoryId'],
      [{ ...CATEGORY, ltvBps: 9_600n }, 'invalid_params', 'ltvBps'],
      [{ ...CATEGORY, liquidationBonusBps: 10_000n }, 'invalid_params', 'liquidationBonusBps'],
      // the configurator's threshold x bonus <= 100%: 95% x 1.06 = 100.7%
      [{ ...CATEGORY, liquidationBonusBps: 10_600n }, 'invalid_params', 'liquidationBonusBps'],
      [{ ...CATEGORY, collateralAssets: ['wstETH', 'DAI'] }, 'reserve_unknown', 'collateralAssets[1]'],
      [{ ...CATEGORY, collateralAssets: ['WETH', 'WETH'] }, 'invalid_field', 'collateralAssets[1]'],
    ];
    for (const [cmd, reason, field] of refusals) {
      const events = engine.apply(cmd);
      expect(events, `${reason} ${field}`).toHaveLength(1);
      expect(events[0], `${reason} ${field}`).toMatchObject({ kind: 'CommandRejected', reason, field });
      expect(stateOf(engine)).toBe(before);
    }
  });

  it('changing a category re-prices its users (LendingLiquidatable), and it survives a snapshot', () => {
    const engine = world();
    applyAll(engine, [setEMode('alice', 1), borrow('alice', 'WETH', 10n * e18)]);
    // the threshold lowered to 85%: 34,000 / 34,000 = 1 is not below 1; to 84%: 33,600 / 34,000 < 1
    expect(of(applyAll(engine, [{ ...CATEGORY, ltvBps: 8_000n, liquidationThresholdBps: 8_500n }]), 'LendingLiquidatable')).toEqual([]);
    const lowered = applyAll(engine, [{ ...CATEGORY, ltvBps: 8_000n, liquidationThresholdBps: 8_400n }]);
    expect(of(lowered, 'LendingLiquidatable')).toEqual([expect.objectContaining({ user: 'alice', healthFactorWad: 988_235_294_117_647_059n })]);
    const restored = Engine.restore(engine.snapshot());
    expect(stateOf(restored)).toBe(stateOf(engine));
    expect(restored.lendingAccountData('aave', 'alice')).toEqual(engine.lendingAccountData('aave', 'alice'));
  });

  it('a market without e-mode categories snapshots without an eModes field (older snapshots keep their bytes)', () => {
    const engine = Engine.create(TEST_CONFIG);
    applyAll(engine, [reserve('WETH', 8_050n, 8_300n, 10_500n, USD(3_400n))]);
    expect('eModes' in (engine.snapshot().lending?.[0] ?? {})).toBe(false);
  });
});
