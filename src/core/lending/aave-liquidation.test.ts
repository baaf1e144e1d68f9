// Aave v3.3 liquidationCall on the examples of aave-dao/aave-v3-origin v3.3.0 docs/3.3/Aave-v3.3-features.md
// (close factor on the whole position, 100% for small positions, forced clean-up / dust) and hand-worked cases;
// every figure is derived in the comment beside it from LiquidationLogic.sol's formulas.
import { describe, expect, it } from 'vitest';
import {
  AAVE_V33_CONFIG, availableCollateralToLiquidate, DEBT_TO_COVER_MAX, liquidationCall, type AaveLiquidationConfig,
} from './aave-liquidation.js';
import { calculateUserAccountData, supplyBalance } from './aave-reserve.js';
import { account, market, reserve, USD } from './aave-testkit.js';

/** The docs' examples assume MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 1_000e8 (so MIN_LEFTOVER_BASE = 500e8). */
const DOCS: AaveLiquidationConfig = { minBaseMaxCloseFactorThreshold: USD(1_000n) };
const e18 = 10n ** 18n;

function mustLiquidate(...args: Parameters<typeof liquidationCall>) {
  const r = liquidationCall(...args);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.value;
}

describe('close factor (v3.3 features 2.1 and 2.2)', () => {
  it('2.2: $1,200 of A, $900 of B debt, HF 0.96: the debt is below the threshold, so 100% may be repaid', () => {
    // A and B: 8 decimals at $1. Threshold 72%: HF = wadDiv(percentMul(1200e8, 7200) = 864e8, 900e8) = 0.96
    const A = reserve('A', 0, { liquidationThresholdBps: 7_200n });
    const B = reserve('B', 1);
    const m = market([A, B]);
    const a = account({ A: USD(1_200n) }, { B: USD(900n) });
    expect(calculateUserAccountData(m, a, 0n).healthFactorWad).toBe(960_000_000_000_000_000n);
    const l = mustLiquidate(m, a, { collateralAsset: 'A', debtAsset: 'B', debtToCover: DEBT_TO_COVER_MAX, nowS: 0n }, DOCS);
    expect(l.closeFactorBps).toBe(10_000n);
    expect(l.maxLiquidatableDebt).toBe(USD(900n));
    expect(l.debtRepaid).toBe(USD(900n));
    // base collateral 900e8 at equal prices; percentMul(900e8, 10500) = 945e8
    expect(l.collateralSeized).toBe(USD(945n));
    expect(l.bonusCollateral).toBe(USD(45n)); // 945e8 - percentDiv(945e8, 10500) = 945e8 - 900e8
    expect(l.account.positions.get('B')?.scaledDebt).toBe(0n);
    expect(l.account.positions.get('A')?.scaledSupply).toBe(USD(255n));
  });

  it('the same position ten times larger at HF 0.96: 50%; at HF 0.94: 100%', () => {
    const A = reserve('A', 0, { liquidationThresholdBps: 7_200n });
    const B = reserve('B', 1);
    const big = account({ A: USD(12_000n) }, { B: USD(9_000n) });
    const fifty = mustLiquidate(market([A, B]), big, { collateralAsset: 'A', debtAsset: 'B', debtToCover: DEBT_TO_COVER_MAX, nowS: 0n }, DOCS);
    // both sides >= 1000e8 and HF 0.96 > 0.95: percentMul(9000e8, 5000) = 4500e8 of debt, seizing 4725e8
    expect(fifty.closeFactorBps).toBe(5_000n);
    expect(fifty.debtRepaid).toBe(USD(4_500n));
    expect(fifty.collateralSeized).toBe(USD(4_725n));
    // threshold 70.5%: HF = 12000 x 0.705 / 9000 = 0.94 <= 0.95 -> 100%
    const A94 = reserve('A', 0, { liquidationThresholdBps: 7_050n });
    const full = mustLiquidate(market([A94, B]), big, { collateralAsset: 'A', debtAsset: 'B', debtToCover: DEBT_TO_COVER_MAX, nowS: 0n }, DOCS);
    expect(full.healthFactorWad).toBe(940_000_000_000_000_000n);
    expect(full.closeFactorBps).toBe(10_000n);
    expect(full.debtRepaid).toBe(USD(9_000n));
  });

  it('2.1: $3k GHO + $3k USDC + $3k DAI debt on $9k ETH: the 50% applies to the whole position, so all 3k USDC go in one call', () => {
    // v3.3 constants (threshold 2000e8). ETH: 18 decimals at $2000, threshold 97% -> HF = 9000 x 0.97 / 9000 = 0.97,
    // bonus 5%, protocol fee 10% of the bonus. USDC has 6 decimals.
    const ETH = reserve('ETH', 0, { decimals: 18, priceBase: USD(2_000n), liquidationThresholdBps: 9_700n, liquidationProtocolFeeBps: 1_000n });
    const GHO = reserve('GHO', 1, { decimals: 18 });
    const USDC = reserve('USDC', 2, { decimals: 6 });
    const DAI = reserve('DAI', 3, { decimals: 18 });
    const a = account({ ETH: 45n * 10n ** 17n }, { GHO: 3_000n * e18, USDC: 3_000_000_000n, DAI: 3_000n * e18 });
    const l = mustLiquidate(market([ETH, GHO, USDC, DAI]), a, { collateralAsset: 'ETH', debtAsset: 'USDC', debtToCover: DEBT_TO_COVER_MAX, nowS: 0n }, AAVE_V33_CONFIG);
    expect(l.healthFactorWad).toBe(970_000_000_000_000_000n);
    // percentMul(9000e8, 5000) = 4500e8 >= USDC's 3000e8: no cap, the whole reserve debt
    expect(l.maxLiquidatableDebt).toBe(3_000_000_000n);
    expect(l.debtRepaid).toBe(3_000_000_000n);
    // base collateral = 1e8 x 3000e6 x 1e18 / (2000e8 x 1e6) = 1.5e18; x 1.05 = 1.575e18
    expect(l.collateralSeized).toBe(1_575n * 10n ** 15n);
    // bonus 1.575e18 - percentDiv(1.575e18, 10500) = 0.075e18; fee = percentMul(0.075e18, 1000) = 0.0075e18
    expect(l.bonusCollateral).toBe(75n * 10n ** 15n);
    expect(l.protocolFee).toBe(75n * 10n ** 14n);
    expect(l.collateralToLiquidator).toBe(15_675n * 10n ** 14n);
    expect(l.account.positions.get('ETH')?.scaledSupply).toBe(45n * 10n ** 17n - 1_575n * 10n ** 15n);
  });
});

describe('forced position clean-up (v3.3 features 2.3, MIN_LEFTOVER_BASE 500e8)', () => {
  // 400e8 of collateral A, 1000e8 of collateral B, 900e8 debt A, 400e8 debt B; threshold 87.3%:
  // HF = percentMul(1400e8, 8730) / 1300e8 = 1222.2 / 1300 = 0.9401 < 0.95 (close factor 100%)
  const A = reserve('A', 0, { liquidationThresholdBps: 8_730n });
  const B = reserve('B', 1, { liquidationThresholdBps: 8_730n });
  const m = market([A, B]);
  const a = account({ A: USD(400n), B: USD(1_000n) }, { A: USD(900n), B: USD(400n) });
  const call = (collateralAsset: string, debtAsset: string, debtToCover: bigint) =>
    liquidationCall(m, a, { collateralAsset, debtAsset, debtToCover, nowS: 0n }, DOCS);

  it('liquidate 100% of debt B', () => {
    const r = call('B', 'B', DEBT_TO_COVER_MAX);
    expect(r.ok && r.value.debtRepaid).toBe(USD(400n));
    expect(r.ok && r.value.collateralSeized).toBe(USD(420n));
  });
  it('a part of debt B that leaves less than 500e8 of it is refused', () => {
    expect(call('B', 'B', USD(100n))).toEqual({ ok: false, reason: 'must_not_leave_dust' });
  });
  it('liquidate 100% of collateral A (even though debt B keeps only 19.05e8)', () => {
    const r = call('A', 'B', DEBT_TO_COVER_MAX);
    if (!r.ok) throw new Error(r.reason);
    // 400e8 x 1.05 = 420e8 > 400e8 held: all of A, debt = percentDiv(400e8, 10500) = (4e14 + 5250) / 10500 = 38095238095
    expect(r.value.collateralSeized).toBe(USD(400n));
    expect(r.value.debtRepaid).toBe(38_095_238_095n);
    expect(r.value.account.positions.get('A')?.collateralEnabled).toBe(false);
  });
  it('up to 400e8 of debt A (leaving exactly 500e8), not a unit more, or 100% of it', () => {
    const r = call('B', 'A', USD(400n));
    expect(r.ok && r.value.collateralSeized).toBe(USD(420n)); // B left: 580e8 >= 500e8
    expect(call('B', 'A', USD(400n) + 1n)).toEqual({ ok: false, reason: 'must_not_leave_dust' });
    // all 900e8 of debt A seizes 945e8 of B (55e8 left, below 500e8): allowed, the debt is cleared
    const all = call('B', 'A', DEBT_TO_COVER_MAX);
    expect(all.ok && all.value.debtRepaid).toBe(USD(900n));
    expect(all.ok && all.value.collateralSeized).toBe(USD(945n));
  });
  it('up to 500e8 of a collateral: $1000 of C against $1100 of D, C may fall to 500e8 but not below', () => {
    const C = reserve('C', 0, { liquidationThresholdBps: 8_000n });
    const D = reserve('D', 1);
    const mc = market([C, D]);
    const ac = account({ C: USD(1_000n) }, { D: USD(1_100n) }); // HF 800/1100 = 0.727
    // 476e8 of debt seizes 499.8e8, leaving 500.2e8 of C and 624e8 of D: allowed
    const r = liquidationCall(mc, ac, { collateralAsset: 'C', debtAsset: 'D', debtToCover: USD(476n), nowS: 0n }, DOCS);
    expect(r.ok && r.value.collateralSeized).toBe(49_980_000_000n);
    // 477e8 seizes 500.85e8, leaving 499.15e8 of C: refused
    expect(liquidationCall(mc, ac, { collateralAsset: 'C', debtAsset: 'D', debtToCover: USD(477n), nowS: 0n }, DOCS)).toEqual({ ok: false, reason: 'must_not_leave_dust' });
  });
});

describe('seizure capped by holdings, bad debt to the deficit (v3.3 features 1)', () => {
  it('$100 of A against $200 of B and $10 of C: all of A goes, B and C are written off as deficits', () => {
    const A = reserve('A', 0, { liquidationProtocolFeeBps: 1_000n });
    const B = reserve('B', 1);
    const C = reserve('C', 2);
    const a = account({ A: USD(100n) }, { B: USD(200n), C: USD(10n) });
    const l = mustLiquidate(market([A, B, C]), a, { collateralAsset: 'A', debtAsset: 'B', debtToCover: DEBT_TO_COVER_MAX, nowS: 0n });
    // 200e8 x 1.05 = 210e8 > 100e8: all of A; debt = percentDiv(100e8, 10500) = (1e14 + 5250) / 10500 = 9523809524
    expect(l.debtRepaid).toBe(9_523_809_524n);
    expect(l.collateralSeized).toBe(USD(100n));
    // bonus = 100e8 - 9523809524 = 476190476; fee = percentMul(476190476, 1000) = (476190476000 + 5000) / 1e4 = 47619048
    expect(l.bonusCollateral).toBe(476_190_476n);
    expect(l.protocolFee).toBe(47_619_048n);
    expect(l.collateralToLiquidator).toBe(USD(100n) - 47_619_048n);
    // no collateral left: B's 200e8 - 9523809524 and all of C's 10e8 become deficits; the account owes nothing
    expect(l.deficits.get('B')).toBe(USD(200n) - 9_523_809_524n);
    expect(l.deficits.get('C')).toBe(USD(10n));
    expect([...l.account.positions.values()].every((p) => p.scaledDebt === 0n && p.scaledSupply === 0n)).toBe(true);
  });
});

describe('refusals, in the contract order', () => {
  const A = reserve('A', 0);
  const B = reserve('B', 1);
  const m = market([A, B]);
  it('HF >= 1 is refused before anything else', () => {
    const healthy = account({ A: USD(100n) }, { B: USD(80n) }); // HF exactly 1
    expect(liquidationCall(m, healthy, { collateralAsset: 'B', debtAsset: 'A', debtToCover: 1n, nowS: 0n })).toEqual({ ok: false, reason: 'health_factor_not_below_threshold' });
  });
  it('a collateral the account does not use, then a debt it does not owe', () => {
    const sick = account({ A: USD(100n) }, { B: USD(90n) });
    expect(liquidationCall(m, sick, { collateralAsset: 'B', debtAsset: 'A', debtToCover: 1n, nowS: 0n })).toEqual({ ok: false, reason: 'collateral_cannot_be_liquidated' });
    expect(liquidationCall(m, sick, { collateralAsset: 'A', debtAsset: 'A', debtToCover: 1n, nowS: 0n })).toEqual({ ok: false, reason: 'specified_currency_not_borrowed_by_user' });
    expect(liquidationCall(m, sick, { collateralAsset: 'X', debtAsset: 'A', debtToCover: 1n, nowS: 0n })).toEqual({ ok: false, reason: 'reserve_unknown' });
  });
});

describe('e-mode bonus and accrued interest', () => {
  it('the e-mode bonus applies to a collateral of the category; balances are taken at nowS', () => {
    const ETH = reserve('ETH', 0, { decimals: 18, priceBase: USD(2_000n), liquidityRateRay: 10n ** 26n /* 10% a year */ });
    const WETH = reserve('WETH', 1, { decimals: 18, priceBase: USD(2_000n), variableBorrowRateRay: 0n });
    const cat = { id: 1, ltvBps: 9_000n, liquidationThresholdBps: 9_300n, liquidationBonusBps: 10_100n, collateralAssets: new Set(['ETH']) };
    const m = market([ETH, WETH], [cat]);
    const a = account({ ETH: 10n * e18 }, { WETH: 99n * 10n ** 17n }, 1);
    const year = 365n * 86_400n;
    // ETH balance after a year at 10% linear: 11e18; HF = 22_000e8 x 0.93 / 19_800e8 = 1.0333 > 1: not liquidatable
    expect(supplyBalance(ETH, a.positions.get('ETH')!, year)).toBe(11n * e18);
    expect(liquidationCall(m, a, { collateralAsset: 'ETH', debtAsset: 'WETH', debtToCover: e18, nowS: year })).toEqual({ ok: false, reason: 'health_factor_not_below_threshold' });
    // at time 0: HF = 20_000 x 0.93 / 19_800 = 0.939 -> liquidatable with the e-mode bonus of 1%
    const l = mustLiquidate(m, a, { collateralAsset: 'ETH', debtAsset: 'WETH', debtToCover: e18, nowS: 0n });
    expect(l.liquidationBonusBps).toBe(10_100n);
    expect(l.collateralSeized).toBe(101n * 10n ** 16n); // 1e18 x 1.01
  });
});

describe('availableCollateralToLiquidate', () => {
  it('floors the base collateral before the bonus (cross decimals: 1 USDC atom of debt buys 0 WBTC atoms)', () => {
    const WBTC = reserve('WBTC', 0, { decimals: 8, priceBase: USD(100_000n) });
    const USDC = reserve('USDC', 1, { decimals: 6 });
    // 1e8 x 1 x 1e8 / (1e13 x 1e6) = 1e16 / 1e19 -> 0
    expect(availableCollateralToLiquidate(WBTC, USDC, 1n, 10n ** 8n, 10_500n).collateralToLiquidator).toBe(0n);
    // 1000 USDC: 1e8 x 1e9 x 1e8 / 1e19 = 1_000_000 atoms (0.01 BTC); x 1.05 = 1_050_000
    expect(availableCollateralToLiquidate(WBTC, USDC, 1_000_000_000n, 10n ** 8n, 10_500n).collateralToLiquidator).toBe(1_050_000n);
  });
});
