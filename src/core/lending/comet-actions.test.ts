// Comet's supply and withdraw rules (compound-finance/comet d5a30b0, contracts/Comet.sol supplyBase,
// supplyCollateral, withdrawBase, withdrawCollateral, isBorrowCollateralized, withdrawAndBorrowAmount), with the
// setup of its tests (test/helpers.ts makeProtocol: USDC base 6 decimals at $1, COMP 18 decimals at $175, indexes 1e15).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cometSupplyBase, cometSupplyCollateral, cometWithdrawBase, cometWithdrawCollateral, isBorrowCollateralized, withdrawAndBorrowAmount,
} from './comet-actions.js';
import { isLiquidatable, type CometAccount, type CometMarket } from './comet.js';
import { BASE_INDEX_SCALE, FACTOR_SCALE } from './comet-math.js';

const USDC = (n: bigint): bigint => n * 10n ** 6n;
const COMP = (n: bigint): bigint => n * 10n ** 18n;
const MAX_CAP = 2n ** 128n - 1n;

function market(fields: Partial<CometMarket> = {}): CometMarket {
  return {
    baseScale: 10n ** 6n, basePrice: 10n ** 8n, storeFrontPriceFactor: FACTOR_SCALE, targetReserves: 0n,
    baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 0n, totalBorrowBase: 0n, baseBalance: 0n,
    assets: [{ asset: 'COMP', scale: 10n ** 18n, price: 175n * 10n ** 8n, borrowCollateralFactor: (8n * FACTOR_SCALE) / 10n, liquidateCollateralFactor: (85n * FACTOR_SCALE) / 100n, liquidationFactor: (9n * FACTOR_SCALE) / 10n }],
    collateralBalances: new Map(), totalsCollateral: new Map(),
    ...fields,
  };
}
const EMPTY: CometAccount = { principal: 0n, collateral: new Map() };

describe('withdrawAndBorrowAmount (Comet.sol)', () => {
  it('splits a fall of principal into withdrawn supply and new borrow', () => {
    expect(withdrawAndBorrowAmount(100n, 40n)).toEqual({ withdraw: 60n, borrow: 0n });
    expect(withdrawAndBorrowAmount(100n, -40n)).toEqual({ withdraw: 100n, borrow: 40n });
    expect(withdrawAndBorrowAmount(-10n, -40n)).toEqual({ withdraw: 0n, borrow: 30n });
    expect(withdrawAndBorrowAmount(-40n, -10n)).toEqual({ withdraw: 0n, borrow: 0n });
  });
});

describe('supply and withdraw base', () => {
  it('supply 100 USDC then withdraw 100: principal, totals and the token balance follow, at index 1', () => {
    const s = cometSupplyBase(market(), EMPTY, USDC(100n));
    if (!s.ok) throw new Error(s.reason);
    expect(s.value.account.principal).toBe(USDC(100n));
    expect(s.value.market.totalSupplyBase).toBe(USDC(100n));
    expect(s.value.market.baseBalance).toBe(USDC(100n));
    const w = cometWithdrawBase(s.value.market, s.value.account, USDC(100n), USDC(1n));
    if (!w.ok) throw new Error(w.reason);
    expect(w.value.account.principal).toBe(0n);
    expect(w.value.market.totalSupplyBase).toBe(0n);
    expect(w.value.withdrawn).toBe(USDC(100n));
  });
  it('a borrow rounds its principal up at a borrow index of 1.1 (principalValueBorrow)', () => {
    // 1000 USDC from a market holding 5000, against 10 COMP ($1,750 x 0.8 = $1,400 of borrowing power)
    const m = market({ baseBorrowIndex: 1_100_000_000_000_000n, baseBalance: USDC(5_000n), totalsCollateral: new Map([['COMP', COMP(10n)]]), collateralBalances: new Map([['COMP', COMP(10n)]]) });
    const a: CometAccount = { principal: 0n, collateral: new Map([['COMP', COMP(10n)]]) };
    const w = cometWithdrawBase(m, a, USDC(1_000n) + 2n, USDC(1n));
    if (!w.ok) throw new Error(w.reason);
    // 1,000,000,002 x 1e15 / 1.1e15 = 909,090,910.9..., rounded up (1,000,000,001 would divide exactly)
    expect(w.value.account.principal).toBe(-909_090_911n);
    expect(w.value.market.totalBorrowBase).toBe(909_090_911n);
    expect(w.value.market.baseBalance).toBe(USDC(4_000n) - 2n);
  });
  it('supplying base repays the borrow first, then supplies (repayAndSupplyAmount)', () => {
    const m = market({ totalBorrowBase: USDC(50n) });
    const r = cometSupplyBase(m, { principal: -USDC(50n), collateral: new Map() }, USDC(80n));
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.account.principal).toBe(USDC(30n));
    expect(r.value.market.totalBorrowBase).toBe(0n);
    expect(r.value.market.totalSupplyBase).toBe(USDC(30n));
  });
  it('refusals: BorrowTooSmall below baseBorrowMin, NotCollateralized beyond borrowCF, the protocol short of tokens, zero', () => {
    const m = market({ baseBalance: USDC(10_000n), totalsCollateral: new Map([['COMP', COMP(10n)]]), collateralBalances: new Map([['COMP', COMP(10n)]]) });
    const a: CometAccount = { principal: 0n, collateral: new Map([['COMP', COMP(10n)]]) };
    expect(cometWithdrawBase(m, a, USDC(99n), USDC(100n))).toEqual({ ok: false, reason: 'borrow_too_small' });
    // $1,750 x 0.8 = $1,400 exactly is collateralized (liquidity 0 >= 0), one atom more is not
    expect(cometWithdrawBase(m, a, USDC(1_400n), USDC(1n)).ok).toBe(true);
    expect(cometWithdrawBase(m, a, USDC(1_400n) + 1n, USDC(1n))).toEqual({ ok: false, reason: 'not_collateralized' });
    expect(cometWithdrawBase(market({ baseBalance: USDC(10n), totalSupplyBase: USDC(100n) }), { principal: USDC(100n), collateral: new Map() }, USDC(11n), 0n)).toEqual({ ok: false, reason: 'insufficient_balance' });
    expect(cometWithdrawBase(m, a, 0n, 0n)).toEqual({ ok: false, reason: 'invalid_amount' });
  });
});

describe('collateral', () => {
  it('supplyCollateral counts towards totals and the supply cap (SupplyCapExceeded)', () => {
    const r = cometSupplyCollateral(market(), EMPTY, 'COMP', COMP(10n), COMP(10n));
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.account.collateral.get('COMP')).toBe(COMP(10n));
    expect(r.value.market.totalsCollateral.get('COMP')).toBe(COMP(10n));
    expect(r.value.market.collateralBalances.get('COMP')).toBe(COMP(10n));
    expect(cometSupplyCollateral(r.value.market, r.value.account, 'COMP', 1n, COMP(10n))).toEqual({ ok: false, reason: 'supply_cap_exceeded' });
    expect(cometSupplyCollateral(market(), EMPTY, 'WETH', 1n, MAX_CAP)).toEqual({ ok: false, reason: 'reserve_unknown' });
  });
  it('withdrawCollateral: beyond the balance, and leaving the borrow uncollateralized, are refused', () => {
    const m = market({ totalsCollateral: new Map([['COMP', COMP(10n)]]), collateralBalances: new Map([['COMP', COMP(10n)]]), totalBorrowBase: USDC(1_000n) });
    const a: CometAccount = { principal: -USDC(1_000n), collateral: new Map([['COMP', COMP(10n)]]) };
    expect(cometWithdrawCollateral(m, a, 'COMP', COMP(11n))).toEqual({ ok: false, reason: 'exceeds_position' });
    // 1,000 / (175 x 0.8) = 7.142857... COMP must stay
    expect(cometWithdrawCollateral(m, a, 'COMP', COMP(3n))).toEqual({ ok: false, reason: 'not_collateralized' });
    const r = cometWithdrawCollateral(m, a, 'COMP', COMP(2n));
    expect(r.ok && r.value.account.collateral.get('COMP')).toBe(COMP(8n));
    expect(r.ok && r.value.market.totalsCollateral.get('COMP')).toBe(COMP(8n));
  });
});

describe('properties', () => {
  it('an account a withdrawal leaves borrow-collateralized is not liquidatable when liquidateCF >= borrowCF', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: COMP(1_000n) }), fc.bigInt({ min: 1n, max: USDC(10n ** 7n) }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (comp, amount, price) => {
        const m = market({ baseBalance: USDC(10n ** 8n), totalsCollateral: new Map([['COMP', comp]]), collateralBalances: new Map([['COMP', comp]]) });
        const priced = { ...m, assets: m.assets.map((x) => ({ ...x, price })) };
        const r = cometWithdrawBase(priced, { principal: 0n, collateral: new Map([['COMP', comp]]) }, amount, 0n);
        if (!r.ok) return r.reason === 'not_collateralized';
        return isBorrowCollateralized(r.value.market, r.value.account) && !isLiquidatable(r.value.market, r.value.account);
      }),
      { numRuns: 300 },
    );
  });
});
