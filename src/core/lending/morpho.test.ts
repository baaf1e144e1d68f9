// Morpho Blue liquidation and pre-liquidation. The LIF is checked against docs.morpho.org's formula and example
// (LIF = min(1.15, 1 / (0.3 x LLTV + 0.7)); "$100 of collateral, LLTV 80%: LIF approximately 1.06"), each figure
// computed by hand with Morpho's roundings (morpho-blue 3085651, Morpho.sol; MathLib mulDivDown/Up); the
// pre-liquidation endpoints follow morpho-org/pre-liquidation's README (preLIF1/preLCF1 at preLLTV, preLIF2/preLCF2
// at LLTV) and PreLiquidation.sol (9e8b7f4).
import { describe, expect, it } from 'vitest';
import {
  borrowedAssets, isHealthy, liquidate, liquidationIncentiveFactor, preLiquidate, preLiquidationParamProblems,
  preLiquidationTerms, type MorphoMarket, type MorphoPosition, type PreLiquidationParams,
} from './morpho.js';

const W = 10n ** 18n;
const pct = (hundredths: bigint): bigint => hundredths * 10n ** 14n; // 8600n -> 86.00%
const PRICE_PAR = 10n ** 36n; // 1 collateral atom = 1 loan atom (both 18 decimals at $1)

/** A market whose only borrower owes `debt` with shares 1e6 per asset (as on a fresh market). */
function marketWith(lltv: bigint, debt: bigint): { market: MorphoMarket; shares: bigint } {
  const shares = debt * 10n ** 6n;
  return {
    market: { lltv, totalSupplyAssets: 1_000n * W, totalSupplyShares: 1_000n * W * 10n ** 6n, totalBorrowAssets: debt, totalBorrowShares: shares },
    shares,
  };
}

describe('liquidation incentive factor', () => {
  it('min(1.15, 1 / (1 - 0.3 (1 - LLTV))), wDivDown of a wMulDown, for the usual LLTVs', () => {
    expect(liquidationIncentiveFactor(pct(9800n))).toBe(1_006_036_217_303_822_937n); // 1/0.994
    expect(liquidationIncentiveFactor(pct(9450n))).toBe(1_016_776_817_488_561_260n); // 1/0.9835
    expect(liquidationIncentiveFactor(pct(9150n))).toBe(1_026_167_265_264_238_070n); // 1/0.9745
    expect(liquidationIncentiveFactor(pct(8600n))).toBe(1_043_841_336_116_910_229n); // 1/0.958
    expect(liquidationIncentiveFactor(pct(8000n))).toBe(1_063_829_787_234_042_553n); // 1/0.94: the docs' "about 1.06"
    expect(liquidationIncentiveFactor(pct(7700n))).toBe(1_074_113_856_068_743_286n); // 1/0.931
    expect(liquidationIncentiveFactor(pct(6250n))).toBe(1_126_760_563_380_281_690n); // 1/0.8875
    expect(liquidationIncentiveFactor(pct(3850n))).toBe(115n * 10n ** 16n); // 1/0.8155 = 1.226 -> capped
    expect(liquidationIncentiveFactor(0n)).toBe(115n * 10n ** 16n);
  });
});

describe('liquidate (the docs example: $100 of collateral, LLTV 80%, debt just above $80)', () => {
  const debt = 80_000_010n * 10n ** 12n; // 80.00001e18
  const { market, shares } = marketWith(pct(8000n), debt);
  const position: MorphoPosition = { collateral: 100n * W, borrowShares: shares };

  it('is unhealthy: 100 x 0.8 = 80 < 80.00001 (and healthy at a debt of exactly 80)', () => {
    expect(isHealthy(market, position, PRICE_PAR)).toBe(false);
    const at80 = marketWith(pct(8000n), 80n * W);
    expect(isHealthy(at80.market, { collateral: 100n * W, borrowShares: at80.shares }, PRICE_PAR)).toBe(true);
    expect(liquidate(at80.market, { collateral: 100n * W, borrowShares: at80.shares }, PRICE_PAR, { seizedAssets: 0n, repaidShares: 1n })).toEqual({ ok: false, reason: 'healthy_position' });
  });

  it('by repaid shares: all the debt repaid buys 80.00001 x LIF = 85.106393617021276580 of collateral', () => {
    const r = liquidate(market, position, PRICE_PAR, { seizedAssets: 0n, repaidShares: shares });
    if (!r.ok) throw new Error(r.reason);
    // toAssetsDown(S, A, S = A x 1e6) = A exactly; x LIF (down) = 8000001e13 x 1063829787234042553 / 1e18
    expect(r.value.seizedAssets).toBe(85_106_393_617_021_276_580n);
    expect(r.value.repaidAssets).toBe(debt);
    expect(r.value.position).toEqual({ collateral: 14_893_606_382_978_723_420n, borrowShares: 0n });
    expect(r.value.badDebtAssets).toBe(0n);
    expect(r.value.market.totalBorrowAssets).toBe(0n);
  });

  it('by seized assets: 85 of collateral costs ceil(85 / LIF) = 79.900000000000000015 of debt, rounded up in shares', () => {
    const r = liquidate(market, position, PRICE_PAR, { seizedAssets: 85n * W, repaidShares: 0n });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.repaidShares).toBe(79_900_000_000_000_000_015n * 10n ** 6n);
    expect(r.value.repaidAssets).toBe(79_900_000_000_000_000_015n);
    expect(r.value.position.collateral).toBe(15n * W);
  });

  it('both or neither amount given: INCONSISTENT_INPUT; more than the position: refused', () => {
    expect(liquidate(market, position, PRICE_PAR, { seizedAssets: 1n, repaidShares: 1n })).toEqual({ ok: false, reason: 'inconsistent_input' });
    expect(liquidate(market, position, PRICE_PAR, { seizedAssets: 0n, repaidShares: 0n })).toEqual({ ok: false, reason: 'inconsistent_input' });
    expect(liquidate(market, position, PRICE_PAR, { seizedAssets: 101n * W, repaidShares: 0n })).toEqual({ ok: false, reason: 'exceeds_position' });
  });
});

describe('bad debt', () => {
  it('$10 of collateral against $80 of debt: seizing all of it realises the rest as a loss to suppliers', () => {
    const { market, shares } = marketWith(pct(8000n), 80n * W);
    const r = liquidate(market, { collateral: 10n * W, borrowShares: shares }, PRICE_PAR, { seizedAssets: 10n * W, repaidShares: 0n });
    if (!r.ok) throw new Error(r.reason);
    // repaid = ceil(10e36 / 1063829787234042553) = 9.400000000000000002e18; the other 70.599999999999999998e18 is bad debt
    expect(r.value.repaidAssets).toBe(9_400_000_000_000_000_002n);
    expect(r.value.badDebtAssets).toBe(70_599_999_999_999_999_998n);
    expect(r.value.market.totalBorrowAssets).toBe(0n);
    expect(r.value.market.totalBorrowShares).toBe(0n);
    expect(r.value.market.totalSupplyAssets).toBe(1_000n * W - 70_599_999_999_999_999_998n);
    expect(r.value.position).toEqual({ collateral: 0n, borrowShares: 0n });
  });
});

describe('pre-liquidation', () => {
  // LLTV 86%, preLLTV 80%; close factor 10% -> 50%, incentive 1.01 -> 1.04 between them
  const params: PreLiquidationParams = { preLltv: pct(8000n), preLCF1: pct(1000n), preLCF2: pct(5000n), preLIF1: 101n * 10n ** 16n, preLIF2: 104n * 10n ** 16n };
  const at = (debt: bigint) => {
    const { market, shares } = marketWith(pct(8600n), debt);
    return { market, position: { collateral: 100n * W, borrowShares: shares } };
  };

  it('the constructor restrictions', () => {
    expect(preLiquidationParamProblems(pct(8600n), params)).toEqual([]);
    expect(preLiquidationParamProblems(pct(8600n), { ...params, preLltv: pct(8600n) }).map((p) => p.path)).toEqual(['preLltv']);
    // 1 / 0.86 = 1.1627...: a preLIF2 of 1.17 is too high; preLIF1 below 1 too low
    expect(preLiquidationParamProblems(pct(8600n), { ...params, preLIF2: 117n * 10n ** 16n }).map((p) => p.path)).toEqual(['preLIF2']);
    expect(preLiquidationParamProblems(pct(8600n), { ...params, preLIF1: W - 1n }).map((p) => p.path)).toEqual(['preLIF1']);
  });

  it('at LTV 83% (halfway): preLIF 1.025, preLCF 30%; repaying 30% of the shares seizes 24.9 x 1.025 = 25.5225', () => {
    const { market, position } = at(83n * W);
    const terms = preLiquidationTerms(market, position, PRICE_PAR, params);
    if (!terms.ok) throw new Error(terms.reason);
    // ltv = wDivUp(83e18, 100e18) = 0.83; quotient = wDivDown(0.03, 0.06) = 0.5
    expect(terms.value.ltv).toBe(pct(8300n));
    expect(terms.value.quotient).toBe(W / 2n);
    expect(terms.value.preLIF).toBe(1_025n * 10n ** 15n); // 0.5 x 0.03 + 1.01
    expect(terms.value.preLCF).toBe(3n * 10n ** 17n); // 0.5 x 0.4 + 0.1
    expect(terms.value.repayableShares).toBe(249n * 10n ** 23n); // 83e24 x 0.3
    const r = preLiquidate(market, position, PRICE_PAR, PRICE_PAR, params, { seizedAssets: 0n, repaidShares: 249n * 10n ** 23n });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.repaidAssets).toBe(249n * 10n ** 17n);
    expect(r.value.seizedAssets).toBe(255_225n * 10n ** 14n);
    expect(r.value.position).toEqual({ collateral: 100n * W - 255_225n * 10n ** 14n, borrowShares: 581n * 10n ** 23n });
    // one share more than the close factor allows
    expect(preLiquidate(market, position, PRICE_PAR, PRICE_PAR, params, { seizedAssets: 0n, repaidShares: 249n * 10n ** 23n + 1n })).toEqual({ ok: false, reason: 'pre_liquidation_too_large' });
  });

  it('endpoints: not at preLLTV itself; preLIF2 and preLCF2 exactly at LLTV; past LLTV it is a liquidation', () => {
    const atPre = at(80n * W);
    expect(preLiquidationTerms(atPre.market, atPre.position, PRICE_PAR, params)).toEqual({ ok: false, reason: 'not_pre_liquidatable_position' });
    const atLltv = at(86n * W);
    const t = preLiquidationTerms(atLltv.market, atLltv.position, PRICE_PAR, params);
    expect(t.ok && t.value.preLIF).toBe(params.preLIF2);
    expect(t.ok && t.value.preLCF).toBe(params.preLCF2);
    const past = at(86n * W + 1n);
    expect(borrowedAssets(past.market, past.position)).toBe(86n * W + 1n);
    expect(preLiquidate(past.market, past.position, PRICE_PAR, PRICE_PAR, params, { seizedAssets: 0n, repaidShares: 1n })).toEqual({ ok: false, reason: 'liquidatable_position' });
  });

  it("the seized collateral must leave the position healthy at the market's own oracle", () => {
    const { market, position } = at(83n * W);
    // the pre-liquidation oracle says par, the market oracle 0.85: after repaying 24.9 and seizing 25.5225,
    // 74.4775 x 0.85 x 0.86 = 54.44 < 58.1 owed
    const marketPrice = 85n * 10n ** 34n;
    expect(preLiquidate(market, position, PRICE_PAR, marketPrice, params, { seizedAssets: 0n, repaidShares: 249n * 10n ** 23n })).toEqual({ ok: false, reason: 'insufficient_collateral' });
  });
});
