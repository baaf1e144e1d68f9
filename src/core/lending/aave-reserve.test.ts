import { describe, expect, it } from 'vitest';
import { RAY, SECONDS_PER_YEAR } from './aave-math.js';
import { calculateUserAccountData, HEALTH_FACTOR_MAX, normalizedDebt, normalizedIncome, supplyBalance, debtBalance } from './aave-reserve.js';
import { account, market, reserve, USD } from './aave-testkit.js';

const ETH = reserve('ETH', 0, { decimals: 18, priceBase: USD(2_000n), ltvBps: 7_500n, liquidationThresholdBps: 8_000n });
const GHO = reserve('GHO', 1, { decimals: 18 });
const USDC = reserve('USDC', 2, { decimals: 6, ltvBps: 7_700n, liquidationThresholdBps: 8_000n });

describe('calculateUserAccountData', () => {
  it("reproduces aave.com/docs/developers/liquidations: $10,000 of ETH at an 80% threshold, $6,000 of GHO -> HF 1.333", () => {
    const m = market([ETH, GHO]);
    const a = account({ ETH: 5n * 10n ** 18n }, { GHO: 6_000n * 10n ** 18n });
    const d = calculateUserAccountData(m, a, 0n);
    // collateral 5e18 x 2000e8 / 1e18 = 10_000e8; debt 6000e18 x 1e8 / 1e18 = 6_000e8
    expect(d.totalCollateralBase).toBe(USD(10_000n));
    expect(d.totalDebtBase).toBe(USD(6_000n));
    expect(d.avgLiquidationThresholdBps).toBe(8_000n);
    expect(d.avgLtvBps).toBe(7_500n);
    // wadDiv(percentMul(10_000e8, 8000) = 8_000e8, 6_000e8) = 1.3333...e18, half up at the 18th digit -> ...333
    expect(d.healthFactorWad).toBe(1_333_333_333_333_333_333n);
  });

  it('averages thresholds weighted by value, the division floored', () => {
    // $1,000 of ETH at 80% and $333 of USDC (threshold 80%, LTV 77%): LTV avg = (1000e8*7500 + 333e8*7700)/1333e8
    const m = market([ETH, USDC, GHO]);
    const a = account({ ETH: 5n * 10n ** 17n, USDC: 333_000_000n }, { GHO: 1_000n * 10n ** 18n });
    const d = calculateUserAccountData(m, a, 0n);
    expect(d.totalCollateralBase).toBe(USD(1_333n));
    // (1000 x 7500 + 333 x 7700) / 1333 = 10_064_100 / 1333 = 7549.96 -> 7549 (floored)
    expect(d.avgLtvBps).toBe(7_549n);
    expect(d.avgLiquidationThresholdBps).toBe(8_000n);
    // percentMul(1333e8, 8000) = 1066.4e8; / 1000e8 = 1.0664
    expect(d.healthFactorWad).toBe(1_066_400_000_000_000_000n);
  });

  it('e-mode: the category threshold applies to the assets of its collateral bitmap only', () => {
    const eth = { id: 1, ltvBps: 9_000n, liquidationThresholdBps: 9_300n, liquidationBonusBps: 10_100n, collateralAssets: new Set(['ETH']) };
    const m = market([ETH, GHO, USDC], [eth]);
    const inEMode = account({ ETH: 5n * 10n ** 18n }, { GHO: 6_000n * 10n ** 18n }, 1);
    // percentMul(10_000e8, 9300) / 6_000e8 = 9_300 / 6_000 = 1.55
    expect(calculateUserAccountData(m, inEMode, 0n).healthFactorWad).toBe(1_550_000_000_000_000_000n);
    // USDC is not in the category: it keeps its own 80%: (10_000e8*9300 + 1_000e8*8000) / 11_000e8 = 9181.8 -> 9181
    const mixed = account({ ETH: 5n * 10n ** 18n, USDC: 1_000_000_000n }, { GHO: 6_000n * 10n ** 18n }, 1);
    const d = calculateUserAccountData(m, mixed, 0n);
    expect(d.avgLiquidationThresholdBps).toBe(9_181n);
    // LTV: (10_000 x 9000 + 1_000 x 7700) / 11_000 = 97_700_000 / 11_000 = 8881.8 -> 8881
    expect(d.avgLtvBps).toBe(8_881n);
  });

  it('a zero-LTV collateral counts for the threshold, not the LTV, and is flagged', () => {
    const frozen = reserve('FRZ', 3, { ltvBps: 0n });
    const d = calculateUserAccountData(market([frozen, GHO]), account({ FRZ: USD(100n) }, { GHO: 10n ** 18n }), 0n);
    expect(d.hasZeroLtvCollateral).toBe(true);
    expect(d.avgLtvBps).toBe(0n);
    expect(d.avgLiquidationThresholdBps).toBe(8_000n);
  });

  it('no debt: HF is uint256 max; a collateral flag off removes the asset', () => {
    const m = market([ETH, GHO]);
    expect(calculateUserAccountData(m, account({ ETH: 10n ** 18n }, {}), 0n).healthFactorWad).toBe(HEALTH_FACTOR_MAX);
    const off = account({ ETH: 10n ** 18n }, { GHO: 10n ** 18n });
    const p = off.positions.get('ETH');
    const flagOff = { eMode: 0, positions: new Map(off.positions).set('ETH', { ...p!, collateralEnabled: false }) };
    expect(calculateUserAccountData(m, flagOff, 0n).totalCollateralBase).toBe(0n);
    expect(calculateUserAccountData(m, flagOff, 0n).healthFactorWad).toBe(0n);
  });
});

describe('interest by index (ReserveLogic)', () => {
  const halfYear = SECONDS_PER_YEAR / 2n;
  const accruing = reserve('USDC', 2, {
    decimals: 6,
    liquidityRateRay: 1_000_500_000_000_000_000_000_000_000n,
    variableBorrowRateRay: 1_000_500_000_000_000_000_000_000_000n,
  });
  it('supply grows linearly: rate 100.05% over half a year -> index 1.50025 (MathUtils.t.sol x index 1)', () => {
    expect(normalizedIncome(accruing, halfYear)).toBe(1_500_250_000_000_000_000_000_000_000n);
    const p = { scaledSupply: 1_000_000n, scaledDebt: 0n, collateralEnabled: true };
    expect(supplyBalance(accruing, p, halfYear)).toBe(1_500_250n);
  });
  it('debt compounds: same rate -> index 1.646239361880034706419516 (MathUtils.t.sol)', () => {
    expect(normalizedDebt(accruing, halfYear)).toBe(1_646_239_361_880_034_706_419_516_000n);
    const p = { scaledSupply: 0n, scaledDebt: 10n ** 18n, collateralEnabled: false };
    // rayMul(1e18, 1.646239361880034706419516e27) = 1.646239361880034706(.4195) -> ...706
    expect(debtBalance(accruing, p, halfYear)).toBe(1_646_239_361_880_034_706n);
  });
  it('the stored index when no time has passed', () => {
    const r = { ...accruing, liquidityIndexRay: 2n * RAY, variableBorrowIndexRay: 3n * RAY, lastUpdateS: 100n };
    expect(normalizedIncome(r, 100n)).toBe(2n * RAY);
    expect(normalizedDebt(r, 100n)).toBe(3n * RAY);
  });
});
