// Compound v3 golden values from Comet's own tests (compound-finance/comet d5a30b0): test/quote-collateral-test.ts,
// test/buy-collateral-test.ts, test/absorb-test.ts, test/is-liquidatable-test.ts, mirrored case by case with the
// same setup (test/helpers.ts makeProtocol: 8-decimal price feeds, base USDC 6 decimals at $1, factors default 1e18;
// defaultAssets COMP $175 18 dec, WETH $3000 18 dec, WBTC $41000 8 dec; indexes 1e15).
import { describe, expect, it } from 'vitest';
import { absorb, buyCollateral, getReserves, isLiquidatable, quoteCollateral, type CometAccount, type CometAsset, type CometMarket } from './comet.js';
import { BASE_INDEX_SCALE, FACTOR_SCALE } from './comet-math.js';

const exp = (whole: bigint, decimals: number): bigint => whole * 10n ** BigInt(decimals);
const ONE = FACTOR_SCALE;

function asset(name: string, decimals: number, priceUsd: bigint, fields: Partial<CometAsset> = {}): CometAsset {
  return {
    asset: name,
    scale: 10n ** BigInt(decimals),
    price: exp(priceUsd, 8),
    borrowCollateralFactor: ONE - 1n,
    liquidateCollateralFactor: ONE,
    liquidationFactor: ONE,
    ...fields,
  };
}

const DEFAULT_ASSETS = [asset('COMP', 18, 175n), asset('WETH', 18, 3_000n), asset('WBTC', 8, 41_000n)];

function cometMarket(fields: Partial<CometMarket> = {}): CometMarket {
  return {
    baseScale: exp(1n, 6),
    basePrice: exp(1n, 8),
    storeFrontPriceFactor: ONE,
    targetReserves: 0n,
    baseSupplyIndex: BASE_INDEX_SCALE,
    baseBorrowIndex: BASE_INDEX_SCALE,
    totalSupplyBase: 0n,
    totalBorrowBase: 0n,
    baseBalance: 0n,
    assets: DEFAULT_ASSETS,
    collateralBalances: new Map(),
    totalsCollateral: new Map(),
    ...fields,
  };
}

const acct = (principal: bigint, collateral: Record<string, bigint> = {}): CometAccount => ({ principal, collateral: new Map(Object.entries(collateral)) });

describe('quoteCollateral (quote-collateral-test.ts)', () => {
  const compAt = (price: bigint, liquidationFactor: bigint) => [asset('COMP', 18, price, { liquidationFactor })];
  it('storeFront 0.5, liquidationFactor 0.6: discount 20%, COMP at 160: 200 USDC -> 1.25 COMP', () => {
    const m = cometMarket({ storeFrontPriceFactor: 5n * 10n ** 17n, assets: compAt(200n, 6n * 10n ** 17n) });
    expect(quoteCollateral(m, 'COMP', exp(200n, 6))).toBe(125n * 10n ** 16n);
    expect(quoteCollateral(m, 'COMP', 0n)).toBe(0n);
  });
  it('storeFront 0: market price, 200 USDC -> 1 COMP', () => {
    const m = cometMarket({ storeFrontPriceFactor: 0n, assets: compAt(200n, 6n * 10n ** 17n) });
    expect(quoteCollateral(m, 'COMP', exp(200n, 6))).toBe(exp(1n, 18));
  });
  it('no truncation in between: COMP at 9, discount 10%: 810 USDC -> 100 COMP', () => {
    const m = cometMarket({ storeFrontPriceFactor: 5n * 10n ** 17n, assets: compAt(9n, 8n * 10n ** 17n) });
    expect(quoteCollateral(m, 'COMP', exp(810n, 6))).toBe(exp(100n, 18));
  });
  it('no overflow: 1e15 USDC at discount 20% of 200 -> 6.25e12 COMP', () => {
    const m = cometMarket({ storeFrontPriceFactor: 8n * 10n ** 17n, assets: compAt(200n, 75n * 10n ** 16n) });
    expect(quoteCollateral(m, 'COMP', exp(10n ** 15n, 6))).toBe(625n * 10n ** 28n);
  });
});

describe('buyCollateral (buy-collateral-test.ts)', () => {
  const compAt1 = [asset('COMP', 18, 1n, { liquidationFactor: 8n * 10n ** 17n })];
  it('reserves 0 < target 100: 50 USDC buys 55.555... COMP (discount 0.5 x 0.2 = 10%), reserves become 50e6', () => {
    const m = cometMarket({ storeFrontPriceFactor: 5n * 10n ** 17n, targetReserves: 100n, assets: compAt1, collateralBalances: new Map([['COMP', exp(60n, 18)]]) });
    expect(getReserves(m)).toBe(0n);
    const r = buyCollateral(m, 'COMP', exp(50n, 18), exp(50n, 6));
    if (!r.ok) throw new Error(r.reason);
    // 1e8 x 50e6 x 1e18 / 0.9e8 / 1e6 = 55.5555...e18, floored
    expect(r.value.collateralAmount).toBe(55_555_555_555_555_555_555n);
    expect(getReserves(r.value.market)).toBe(exp(50n, 6));
  });
  it('reserves -100e6 < target 0: allowed; reserves go to -50e6', () => {
    const m = cometMarket({ storeFrontPriceFactor: 5n * 10n ** 17n, targetReserves: 0n, assets: compAt1, totalSupplyBase: exp(100n, 6), collateralBalances: new Map([['COMP', exp(60n, 18)]]) });
    expect(getReserves(m)).toBe(-exp(100n, 6));
    const r = buyCollateral(m, 'COMP', exp(50n, 18), exp(50n, 6));
    expect(r.ok && r.value.collateralAmount).toBe(55_555_555_555_555_555_555n);
    expect(r.ok && getReserves(r.value.market)).toBe(-exp(50n, 6));
  });
  it('reserves 100e6 above target 0: NotForSale', () => {
    const m = cometMarket({ baseBalance: exp(100n, 6), collateralBalances: new Map([['COMP', exp(50n, 18)]]), totalsCollateral: new Map([['COMP', exp(50n, 18)]]) });
    expect(getReserves(m)).toBe(exp(100n, 6));
    expect(buyCollateral(m, 'COMP', exp(50n, 18), exp(50n, 6))).toEqual({ ok: false, reason: 'not_for_sale' });
  });
  it('asking 100 COMP for 50 USDC at par: TooMuchSlippage; 200 COMP when users own all 50: InsufficientReserves', () => {
    const m = cometMarket({ targetReserves: 100n, assets: [asset('COMP', 18, 1n)], collateralBalances: new Map([['COMP', exp(50n, 18)]]), totalsCollateral: new Map([['COMP', exp(50n, 18)]]) });
    expect(buyCollateral(m, 'COMP', exp(100n, 18), exp(50n, 6))).toEqual({ ok: false, reason: 'too_much_slippage' });
    expect(buyCollateral(m, 'COMP', exp(200n, 18), exp(200n, 6))).toEqual({ ok: false, reason: 'insufficient_reserves' });
  });
});

describe('absorb (absorb-test.ts)', () => {
  it('1 account owing 100 with no collateral: reserves 100 -> 0, borrows 100 -> 0, basePaidOut 100', () => {
    const m = cometMarket({ totalBorrowBase: 100n });
    expect(getReserves(m)).toBe(100n);
    const r = absorb(m, acct(-100n));
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.basePaidOut).toBe(100n);
    expect(r.value.market.totalBorrowBase).toBe(0n);
    expect(r.value.market.totalSupplyBase).toBe(0n);
    expect(getReserves(r.value.market)).toBe(0n);
    expect(r.value.account.principal).toBe(0n);
  });
  it('2 accounts owing 100 and 700 of 2000 borrowed: reserves 2000 -> 1200', () => {
    let m = cometMarket({ totalBorrowBase: 2_000n });
    expect(getReserves(m)).toBe(2_000n);
    for (const debt of [100n, 700n]) {
      const r = absorb(m, acct(-debt));
      if (!r.ok) throw new Error(r.reason);
      expect(r.value.basePaidOut).toBe(debt);
      m = r.value.market;
    }
    expect(m.totalBorrowBase).toBe(1_200n);
    expect(getReserves(m)).toBe(1_200n);
  });
  it('3 accounts with collateral: all seized, all debt paid by reserves (the shortfall is never left on the account)', () => {
    const comp = exp(1n, 12) + exp(10n, 18) + exp(10_000n, 18);
    const weth = exp(1n, 18) + exp(50n, 18);
    const wbtc = exp(50n, 8);
    let m = cometMarket({
      totalBorrowBase: exp(3n * 10n ** 15n, 6),
      totalSupplyBase: exp(4n * 10n ** 15n, 6),
      collateralBalances: new Map([['COMP', comp], ['WETH', weth], ['WBTC', wbtc]]),
      totalsCollateral: new Map([['COMP', comp], ['WETH', weth], ['WBTC', wbtc]]),
    });
    expect(getReserves(m)).toBe(-exp(10n ** 15n, 6));
    const underwater = [
      acct(-exp(1n, 6), { COMP: exp(1n, 12) }),
      acct(-exp(1n, 12), { COMP: exp(10n, 18), WETH: exp(1n, 18) }),
      acct(-exp(1n, 18), { COMP: exp(10_000n, 18), WETH: exp(50n, 18), WBTC: exp(50n, 8) }),
    ];
    const paid: bigint[] = [];
    const values: bigint[] = [];
    for (const a of underwater) {
      const r = absorb(m, a);
      if (!r.ok) throw new Error(r.reason);
      paid.push(r.value.basePaidOut);
      values.push(...r.value.collateral.map((c) => c.value));
      expect(r.value.account.principal).toBe(0n);
      m = r.value.market;
    }
    expect(paid).toEqual([exp(1n, 6), exp(1n, 12), exp(1n, 18)]);
    // AbsorbCollateral.usdValue = mulPrice(amount, price, scale): 1e12 COMP atoms at $175 = 1e12 x 175e8 / 1e18 = 17500
    expect(values).toEqual([17_500n, exp(1_750n, 8), exp(3_000n, 8), exp(1_750_000n, 8), exp(150_000n, 8), exp(2_050_000n, 8)]);
    expect(m.totalSupplyBase).toBe(exp(4n * 10n ** 15n, 6));
    expect(m.totalBorrowBase).toBe(exp(3n * 10n ** 15n, 6) - exp(1n, 18) - exp(1n, 12) - exp(1n, 6));
    expect(getReserves(m)).toBe(-exp(10n ** 15n, 6) - exp(1n, 6) - exp(1n, 12) - exp(1n, 18));
    // the seized collateral now belongs to the protocol's reserves
    expect([...m.totalsCollateral.values()]).toEqual([0n, 0n, 0n]);
  });
  it('more than enough collateral (liquidateCF 2/3): the account keeps a supply of 1', () => {
    const assets = DEFAULT_ASSETS.map((a) => ({ ...a, borrowCollateralFactor: ONE / 2n, liquidateCollateralFactor: (2n * ONE) / 3n }));
    const finalDebt = 1n;
    const startingDebt = finalDebt - (exp(41_000n, 6) + exp(3_000n, 6) + exp(175n, 6));
    const m = cometMarket({
      assets,
      totalBorrowBase: -startingDebt,
      collateralBalances: new Map([['COMP', exp(1n, 18)], ['WETH', exp(1n, 18)], ['WBTC', exp(1n, 8)]]),
      totalsCollateral: new Map([['COMP', exp(1n, 18)], ['WETH', exp(1n, 18)], ['WBTC', exp(1n, 8)]]),
    });
    expect(getReserves(m)).toBe(-startingDebt);
    const r = absorb(m, acct(startingDebt, { COMP: exp(1n, 18), WETH: exp(1n, 18), WBTC: exp(1n, 8) }));
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.market.totalSupplyBase).toBe(finalDebt);
    expect(r.value.market.totalBorrowBase).toBe(0n);
    expect(getReserves(r.value.market)).toBe(-finalDebt);
    expect(r.value.account.principal).toBe(1n);
    expect(r.value.basePaidOut).toBe(1n - startingDebt);
  });
  it('an account that is not underwater: NotLiquidatable', () => {
    expect(absorb(cometMarket(), acct(0n))).toEqual({ ok: false, reason: 'not_liquidatable' });
  });
});

describe('isLiquidatable (is-liquidatable-test.ts)', () => {
  it('false with no principal or a supply, true owing with no collateral', () => {
    const m = cometMarket();
    expect(isLiquidatable(m, acct(0n))).toBe(false);
    expect(isLiquidatable(m, acct(100n))).toBe(false);
    expect(isLiquidatable(m, acct(-100n))).toBe(true);
  });
  it('owing $100,000 against $100,000 of COMP: false at liquidateCF 1, true at 0.8 and when COMP falls to $0.5', () => {
    const par = cometMarket({ assets: [asset('COMP', 18, 1n)] });
    const a = acct(-100_000_000_000n, { COMP: exp(100_000n, 18) });
    expect(isLiquidatable(par, a)).toBe(false); // liquidity exactly 0 is not < 0
    expect(isLiquidatable(cometMarket({ assets: [asset('COMP', 18, 1n, { liquidateCollateralFactor: 8n * 10n ** 17n })] }), a)).toBe(true);
    expect(isLiquidatable(cometMarket({ assets: [{ ...asset('COMP', 18, 1n), price: 5n * 10n ** 7n }] }), a)).toBe(true);
  });
});
