// The keeper's view on hand-worked markets; each figure follows from the venue rules' own tests.
import { describe, expect, it } from 'vitest';
import type { AaveLiquidationConfig } from './aave-liquidation.js';
import { account, market, reserve, USD } from './aave-testkit.js';
import { BASE_INDEX_SCALE, FACTOR_SCALE } from './comet-math.js';
import type { CometMarket } from './comet.js';
import { aaveDustCheck, aaveOpportunities, cometStoreFrontOpportunities, morphoDustCheck, morphoOpportunities } from './keeper.js';
import { liquidationIncentiveFactor } from './morpho.js';

const DOCS: AaveLiquidationConfig = { minBaseMaxCloseFactorThreshold: USD(1_000n) };
const W = 10n ** 18n;

describe('aaveOpportunities', () => {
  // A: threshold 72%, bonus 5%, protocol fee 10% of the bonus; B: the debt asset. Gas: $10.
  const A = reserve('A', 0, { liquidationThresholdBps: 7_200n, liquidationProtocolFeeBps: 1_000n });
  const B = reserve('B', 1);
  const m = market([A, B]);
  const accounts = new Map([
    ['healthy', account({ A: USD(1_000n) }, { B: USD(100n) })],
    ['small', account({ A: USD(1_200n) }, { B: USD(900n) })], // HF 0.96, below the threshold: 100%
    ['big', account({ A: USD(12_000n) }, { B: USD(9_000n) })], // HF 0.96, above it: 50%
  ]);

  it('lists the accounts below HF 1 by profit, with the most debt repayable, the collateral and the profit net of fee and gas', () => {
    const list = aaveOpportunities(m, accounts, 0n, USD(10n), DOCS);
    expect(list.map((o) => o.account)).toEqual(['big', 'small']);
    const [big, small] = list;
    // big: 4500e8 repaid, 4725e8 seized, bonus 225e8, fee 22.5e8: liquidator 4702.5e8; profit 202.5e8 - 10e8
    expect(big?.maxRepayableDebt).toBe(USD(4_500n));
    expect(big?.collateralToLiquidator).toBe(470_250_000_000n);
    expect(big?.protocolFee).toBe(2_250_000_000n);
    expect(big?.profitBase).toBe(19_250_000_000n);
    // small: 900e8 repaid, 945e8 seized, fee 4.5e8: 940.5e8 - 900e8 - 10e8 = 30.5e8
    expect(small?.maxRepayableDebt).toBe(USD(900n));
    expect(small?.profitBase).toBe(3_050_000_000n);
  });

  it('when the maximum would leave dust, the largest amount the dust rule accepts (Aave v3.3 edge range)', () => {
    // $1000 of A and $1000 of C (threshold 94%) against $1900 of D: HF 1880/1900 = 0.9895, both sides >= 1000e8: 50%.
    // 950e8 of D would seize 997.5e8 of A, leaving 2.5e8 < 500e8: refused. The largest accepted leaves A at 500e8:
    // percentMul(x, 10500) <= 500e8  ->  x = 47619047619 (seizes 50000000000; one more seizes 50000000001).
    const A94 = reserve('A', 0, { liquidationThresholdBps: 9_400n });
    const C94 = reserve('C', 1, { liquidationThresholdBps: 9_400n });
    const D = reserve('D', 2);
    const list = aaveOpportunities(market([A94, C94, D]), new Map([['edge', account({ A: USD(1_000n), C: USD(1_000n) }, { D: USD(1_900n) })]]), 0n, 0n, DOCS);
    expect(list).toHaveLength(1);
    expect(list[0]?.maxRepayableDebt).toBe(47_619_047_619n);
    expect(list[0]?.collateralToLiquidator).toBe(50_000_000_000n);
    expect(list[0]?.profitBase).toBe(50_000_000_000n - 47_619_047_619n);
  });
});

describe('morphoOpportunities', () => {
  it('all the debt where the collateral pays for it, else all the collateral (bad debt)', () => {
    const a1 = 80_000_010n * 10n ** 12n; // 80.00001 owed on 100 of collateral
    const a2 = 80n * W; // 80 owed on 10 of collateral
    const total = a1 + a2;
    const mkt = { lltv: 8n * 10n ** 17n, totalSupplyAssets: 1_000n * W, totalSupplyShares: 10n ** 27n, totalBorrowAssets: total, totalBorrowShares: total * 10n ** 6n };
    const positions = new Map([
      ['sound', { collateral: 100n * W, borrowShares: a1 * 10n ** 6n }],
      ['underwater', { collateral: 10n * W, borrowShares: a2 * 10n ** 6n }],
      ['healthy', { collateral: 100n * W, borrowShares: 0n }],
    ]);
    const list = morphoOpportunities(mkt, positions, 10n ** 36n, 10n ** 16n);
    expect(list.map((o) => o.account)).toEqual(['sound', 'underwater']);
    // sound: seized 85.106393617021276580 for 80.00001: profit 5.10638361702127658 - gas 0.01
    expect(list[0]?.seizedAssets).toBe(85_106_393_617_021_276_580n);
    expect(list[0]?.profitLoan).toBe(85_106_393_617_021_276_580n - a1 - 10n ** 16n);
    // underwater: all 10 of collateral for ceil(10 / LIF) = 9.400000000000000002 (+ the rest realised as bad debt)
    expect(list[1]?.seizedAssets).toBe(10n * W);
    expect(list[1]?.repaidAssets).toBe(9_400_000_000_000_000_002n);
    expect(list[1]?.badDebtAssets).toBe(a2 - 9_400_000_000_000_000_002n);
  });
});

describe('cometStoreFrontOpportunities', () => {
  const comet = (targetReserves: bigint): CometMarket => ({
    baseScale: 10n ** 6n, basePrice: 10n ** 8n, storeFrontPriceFactor: FACTOR_SCALE / 2n, targetReserves,
    baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 0n, totalBorrowBase: 0n, baseBalance: 0n,
    assets: [{ asset: 'COMP', scale: W, price: 10n ** 8n, borrowCollateralFactor: FACTOR_SCALE / 2n, liquidateCollateralFactor: FACTOR_SCALE / 2n, liquidationFactor: 8n * 10n ** 17n }],
    collateralBalances: new Map([['COMP', 60n * W]]), totalsCollateral: new Map(),
  });
  it('60 COMP at $1 with a 10% discount cost 54 USDC: $6 - $1 of gas', () => {
    const [o] = cometStoreFrontOpportunities(comet(100n), 10n ** 8n);
    expect(o?.baseAmount).toBe(54_000_000n);
    expect(o?.collateralAmount).toBe(60n * W);
    expect(o?.profitValue).toBe(5n * 10n ** 8n);
  });
  it('nothing for sale once reserves reach the target', () => {
    expect(cometStoreFrontOpportunities(comet(0n), 0n)).toEqual([]);
  });
});

describe('dust checks', () => {
  it('Aave v3.3: a $1000 leftover at a 5% bonus and 10% fee pays $45: worth it at $20 of gas, not at $50', () => {
    // percentMul(1000e8, 10500) = 1050e8; bonus 50e8; fee percentMul(50e8, 1000) = 5e8 -> 45e8 net
    const ok = aaveDustCheck(10_500n, 1_000n, USD(20n));
    expect(ok.dustBase).toBe(USD(1_000n));
    expect(ok.bonusNetOfFeeBase).toBe(USD(45n));
    expect(ok.profitBase).toBe(USD(25n));
    expect(ok.worthLiquidating).toBe(true);
    expect(aaveDustCheck(10_500n, 1_000n, USD(50n)).worthLiquidating).toBe(false);
  });
  it("Aave v3.3 at a 1% bonus: the docs' $20 gas budget holds at the $2000 threshold but not at the $1000 leftover", () => {
    // a leftover of MIN_LEFTOVER_BASE = 1000e8 at 1% pays $10 < $20 of gas
    const d = aaveDustCheck(10_100n, 0n, USD(20n));
    expect(d.bonusNetOfFeeBase).toBe(USD(10n));
    expect(d.worthLiquidating).toBe(false);
  });
  it('Morpho: 100 of debt at LLTV 80% earns 6.3829787234042553 over the debt', () => {
    const d = morphoDustCheck(100n * W, liquidationIncentiveFactor(8n * 10n ** 17n), W);
    expect(d.bonusNetOfFeeBase).toBe(6_382_978_723_404_255_300n);
    expect(d.worthLiquidating).toBe(true);
  });
});
