// Aave v3.3 supply / borrow / repay on scaled balances; every figure worked by hand from the formulas cited in
// aave-actions.ts.
import { describe, expect, it } from 'vitest';
import { RAY } from './aave-math.js';
import { borrow, repay, setUserEMode, supply } from './aave-actions.js';
import { calculateUserAccountData, debtBalance, supplyBalance } from './aave-reserve.js';
import { account, market, reserve, USD } from './aave-testkit.js';

const e18 = 10n ** 18n;
const ETH = reserve('ETH', 0, { decimals: 18, priceBase: USD(2_000n), ltvBps: 7_500n, liquidationThresholdBps: 8_000n });
const GHO = reserve('GHO', 1, { decimals: 18, ltvBps: 0n, liquidationThresholdBps: 0n });
const USDC = reserve('USDC', 2, { decimals: 6, liquidityIndexRay: 15n * RAY / 10n });

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('supply', () => {
  it('mints rayDiv(amount, index) and the balance reads back through rayMul, each half up', () => {
    const m = market([ETH, GHO, USDC]);
    const a = must(supply(m, account({}, {}), 'USDC', 1_000_000_000n, 0n));
    // 1000e6 / 1.5 = 666666666.67 -> 666666667 scaled; x 1.5 = 1000000000.5 -> 1000000001 (one atom more, half up)
    expect(a.positions.get('USDC')).toEqual({ scaledSupply: 666_666_667n, scaledDebt: 0n, collateralEnabled: true });
    expect(supplyBalance(USDC, a.positions.get('USDC')!, 0n)).toBe(1_000_000_001n);
    // an asset without a threshold is not enabled as collateral
    expect(must(supply(m, a, 'GHO', e18, 0n)).positions.get('GHO')?.collateralEnabled).toBe(false);
    expect(supply(m, a, 'GHO', 0n, 0n)).toEqual({ ok: false, reason: 'invalid_amount' });
    expect(supply(m, a, 'XYZ', 1n, 0n)).toEqual({ ok: false, reason: 'reserve_unknown' });
  });
});

describe('borrow (validateBorrow)', () => {
  const m = market([ETH, GHO]);
  const eth5 = account({ ETH: 5n * e18 }, {}); // $10,000 at LTV 75%
  it('up to collateral x LTV: percentDiv(7500e8, 7500) = 10000e8 <= 10000e8; one base unit more is refused', () => {
    expect(borrow(m, eth5, 'GHO', 7_500n * e18, 0n).ok).toBe(true);
    // an atom of GHO is worth 0 base units (1 x 1e8 / 1e18, floored): still allowed
    expect(borrow(m, eth5, 'GHO', 7_500n * e18 + 1n, 0n).ok).toBe(true);
    // 7500.00000001 GHO = 7500e8 + 1 base units: percentDiv -> 10000e8 + 1 > 10000e8
    expect(borrow(m, eth5, 'GHO', 7_500n * e18 + 10n ** 10n, 0n)).toEqual({ ok: false, reason: 'collateral_cannot_cover_new_borrow' });
  });
  it('the checks in order: no collateral, LTV 0, HF not above 1', () => {
    expect(borrow(m, account({}, {}), 'GHO', e18, 0n)).toEqual({ ok: false, reason: 'collateral_balance_is_zero' });
    const frozen = market([{ ...ETH, ltvBps: 0n }, GHO]);
    expect(borrow(frozen, eth5, 'GHO', e18, 0n)).toEqual({ ok: false, reason: 'ltv_validation_failed' });
    // $8,000 owed on $10,000 at an 80% threshold: HF exactly 1 -> no more borrowing
    const atOne = account({ ETH: 5n * e18 }, { GHO: 8_000n * e18 });
    expect(calculateUserAccountData(m, atOne, 0n).healthFactorWad).toBe(e18);
    expect(borrow(m, atOne, 'GHO', 1n, 0n)).toEqual({ ok: false, reason: 'health_factor_lower_than_liquidation_threshold' });
  });
});

describe('repay', () => {
  it('pays min(amount, debt); repaying all of it clears the scaled debt at any index', () => {
    const accruing = { ...GHO, variableBorrowRateRay: 1_000_500_000_000_000_000_000_000_000n };
    const m = market([ETH, accruing]);
    const a = account({ ETH: 5n * e18 }, { GHO: e18 });
    const halfYear = 365n * 86_400n / 2n;
    // debt after half a year: rayMul(1e18, 1.646239361880034706419516e27) = 1.646239361880034706e18
    const debt = debtBalance(accruing, a.positions.get('GHO')!, halfYear);
    expect(debt).toBe(1_646_239_361_880_034_706n);
    const part = must(repay(m, a, 'GHO', e18, halfYear));
    expect(part.payback).toBe(e18);
    // burned: rayDiv(1e18, i) = 607445079467655401 scaled; left 392554920532344599 x i = 646239361880034706.6 ->
    // ...707: the debt read back is one atom above debt - payback (the scaled rounding, in the protocol's favour)
    expect(part.account.positions.get('GHO')?.scaledDebt).toBe(392_554_920_532_344_599n);
    expect(debtBalance(accruing, part.account.positions.get('GHO')!, halfYear)).toBe(646_239_361_880_034_707n);
    const all = must(repay(m, a, 'GHO', 10n * e18, halfYear));
    expect(all.payback).toBe(debt);
    expect(all.account.positions.get('GHO')?.scaledDebt).toBe(0n);
    expect(repay(m, all.account, 'GHO', 1n, halfYear)).toEqual({ ok: false, reason: 'specified_currency_not_borrowed_by_user' });
  });
});

describe('setUserEMode (EModeLogic.executeSetUserEMode)', () => {
  // ETH at $2,000, threshold 80%; category 1 prices ETH at a 90% threshold
  const CAT = { id: 1, ltvBps: 8_500n, liquidationThresholdBps: 9_000n, liquidationBonusBps: 10_200n, collateralAssets: new Set(['ETH']) };
  const m = market([ETH, GHO, USDC], [CAT]);
  it('entering raises the HF; leaving is refused when the HF would fall below 1; an unknown category is refused', () => {
    // 5 ETH ($10,000) against 8,500 GHO at $1: HF 10,000 x 0.8 / 8,500 = 0.941... outside e-mode, 1.058... inside
    const a = account({ ETH: 5n * e18 }, { GHO: 8_500n * e18 }, 1);
    expect(calculateUserAccountData(m, a, 0n).healthFactorWad).toBe(1_058_823_529_411_764_706n);
    expect(setUserEMode(m, a, 0, 0n)).toEqual({ ok: false, reason: 'health_factor_lower_than_liquidation_threshold' });
    expect(setUserEMode(m, a, 2, 0n)).toEqual({ ok: false, reason: 'inconsistent_emode_category' });
    expect(must(setUserEMode(m, a, 1, 0n))).toBe(a); // the same category: nothing to do
    const out = account({ ETH: 5n * e18 }, { GHO: 8_500n * e18 }, 0);
    expect(calculateUserAccountData(m, out, 0n).healthFactorWad).toBe(941_176_470_588_235_294n);
    expect(must(setUserEMode(m, out, 1, 0n)).eMode).toBe(1);
    // HF exactly 1 is allowed (validateHealthFactor: >=)
    const edge = account({ ETH: 5n * e18 }, { GHO: 8_000n * e18 }, 1);
    expect(must(setUserEMode(m, edge, 0, 0n)).eMode).toBe(0);
  });
});
