// Invariants of the three lending rulebooks on seeded random markets (fast-check):
// - collateral seized never exceeds what the account holds;
// - Aave: seized = to the liquidator + protocol fee, exactly; seized = the debt's collateral equivalent + bonus, and
//   the fee is a part of the bonus; debt repaid + deficit = the debt burned; the account's balances move by the
//   seized amounts (up to the scaled-balance rounding of one ray division each);
// - Compound v3: the reserves pay exactly the base credited to the account (up to the index roundings); the
//   seized collateral moves from the users' totals to the protocol's reserves unit for unit;
// - Morpho: the borrow side shrinks by repaid + bad debt, supply by the bad debt, shares likewise; the liquidator
//   never gets more than LIF x the assets repaid.
// The generators are checked to reach the interesting paths (capped seizures, deficits, both Morpho modes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentDiv, percentMul, RAY, rayDiv, rayMul } from './aave-math.js';
import { DEBT_TO_COVER_MAX, liquidationCall, type AaveLiquidationConfig } from './aave-liquidation.js';
import { debtBalance, supplyBalance, type AaveAccount, type AavePosition, type AaveReserve } from './aave-reserve.js';
import { market } from './aave-testkit.js';
import { absorb, getCollateralReserves, getReserves, type CometAccount, type CometMarket } from './comet.js';
import { BASE_INDEX_SCALE, FACTOR_SCALE } from './comet-math.js';
import { liquidate, type MorphoMarket } from './morpho.js';
import { ORACLE_PRICE_SCALE, WAD } from './morpho-math.js';

const SEED = 18;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

// ---- Aave ----------------------------------------------------------------------------------------------------
const aaveReserveArb = (id: number): fc.Arbitrary<AaveReserve> =>
  fc
    .record({
      decimals: fc.constantFrom(6, 8, 18),
      priceBase: fc.bigInt({ min: 10n ** 4n, max: 10n ** 13n }),
      liquidationThresholdBps: fc.bigInt({ min: 5_000n, max: 9_500n }),
      liquidationBonusBps: fc.bigInt({ min: 10_050n, max: 11_500n }),
      liquidationProtocolFeeBps: fc.constantFrom(0n, 1_000n, 5_000n, 10_000n),
      liquidityIndexRay: fc.bigInt({ min: RAY, max: 3n * RAY }),
      variableBorrowIndexRay: fc.bigInt({ min: RAY, max: 3n * RAY }),
      liquidityRateRay: fc.bigInt({ min: 0n, max: RAY / 5n }),
      variableBorrowRateRay: fc.bigInt({ min: 0n, max: RAY / 2n }),
    })
    .map((r) => ({ asset: `R${id}`, id, ltvBps: r.liquidationThresholdBps - 500n, lastUpdateS: 0n, ...r }));

const aavePositionArb: fc.Arbitrary<AavePosition> = fc.record({
  scaledSupply: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  scaledDebt: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  collateralEnabled: fc.constant(true),
});

const aaveCaseArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    reserves: fc.tuple(...Array.from({ length: n }, (_, i) => aaveReserveArb(i))),
    positions: fc.array(aavePositionArb, { minLength: n, maxLength: n }),
    collateral: fc.nat({ max: n - 1 }),
    debt: fc.nat({ max: n - 1 }),
    debtToCover: fc.oneof(fc.constant(DEBT_TO_COVER_MAX), fc.bigInt({ min: 1n, max: 10n ** 24n })),
    nowS: fc.bigInt({ min: 0n, max: 3n * 365n * 86_400n }),
    threshold: fc.constantFrom(0n, 10n ** 8n, 2_000n * 10n ** 8n),
  }),
);

describe('Aave v3.3 liquidationCall invariants', () => {
  it('seizure within holdings; seized = liquidator + fee = principal + bonus; debt repaid + deficit = debt burned', () => {
    let liquidated = 0;
    let capped = 0;
    let withDeficit = 0;
    fc.assert(
      fc.property(aaveCaseArb, (c) => {
        const m = market(c.reserves);
        const account: AaveAccount = { eMode: 0, positions: new Map(c.reserves.map((r, i) => [r.asset, c.positions[i]!])) };
        const config: AaveLiquidationConfig = { minBaseMaxCloseFactorThreshold: c.threshold };
        const col = c.reserves[c.collateral]!;
        const debt = c.reserves[c.debt]!;
        const r = liquidationCall(m, account, { collateralAsset: col.asset, debtAsset: debt.asset, debtToCover: c.debtToCover, nowS: c.nowS }, config);
        if (!r.ok) return;
        liquidated += 1;
        const l = r.value;
        const colBefore = account.positions.get(col.asset)!;
        const held = supplyBalance(col, colBefore, c.nowS);
        // 1. never more than the account holds
        expect(l.collateralSeized <= held).toBe(true);
        expect(l.debtRepaid <= debtBalance(debt, account.positions.get(debt.asset)!, c.nowS)).toBe(true);
        // 2. the split balances exactly: seized = liquidator + fee (+ the fee's cut at the balance left, a ray
        //    rounding: at most index/ray + 1 atoms); seized = principal + bonus; the fee is a part of the bonus
        expect(l.collateralToLiquidator + l.protocolFee + l.protocolFeeCut).toBe(l.collateralSeized);
        expect(l.protocolFeeCut <= supplyIndex(col, c.nowS) / RAY + 1n).toBe(true);
        const principal = percentDiv(l.collateralSeized, l.liquidationBonusBps);
        expect(principal + l.bonusCollateral).toBe(l.collateralSeized);
        expect(l.protocolFee + l.protocolFeeCut <= l.bonusCollateral).toBe(true);
        if (l.collateralSeized === held) capped += 1;
        else {
          // not capped: the seizure is the debt repaid in collateral (floored) plus the bonus, and the principal
          // part gives it back within the two percent roundings
          const equivalent = (debt.priceBase * l.debtRepaid * 10n ** BigInt(col.decimals)) / (col.priceBase * 10n ** BigInt(debt.decimals));
          expect(l.collateralSeized).toBe(percentMul(equivalent, l.liquidationBonusBps));
          expect(abs(principal - equivalent) <= 1n).toBe(true);
        }
        // 3. the collateral leaves the account: the balance falls by the seized amount, up to two ray divisions
        const colAfter = l.account.positions.get(col.asset)!;
        const after = supplyBalance(col, colAfter, c.nowS);
        const slack = 2n * (col.liquidityIndexRay * 2n / RAY) + 2n; // each rayDiv/rayMul is off by at most index/2 ray
        expect(abs(held - after - l.collateralToLiquidator - l.protocolFee) <= slack).toBe(true);
        expect(colBefore.scaledSupply - colAfter.scaledSupply).toBe(
          rayDiv(l.collateralToLiquidator, rayMul(RAY, supplyIndex(col, c.nowS))) + rayDiv(l.protocolFee, rayMul(RAY, supplyIndex(col, c.nowS))),
        );
        // 4. debt: repaid + deficit = what was burned; with a deficit the account owes nothing at all
        if (l.deficits.size > 0) {
          withDeficit += 1;
          for (const p of l.account.positions.values()) expect(p.scaledDebt).toBe(0n);
          const owed = debtBalance(debt, account.positions.get(debt.asset)!, c.nowS);
          expect(l.debtRepaid + (l.deficits.get(debt.asset) ?? 0n)).toBe(owed);
        } else {
          const before = account.positions.get(debt.asset)!.scaledDebt;
          const afterDebt = l.account.positions.get(debt.asset)!.scaledDebt;
          expect(before - afterDebt).toBe(rayDiv(l.debtRepaid, rayMul(RAY, borrowIndex(debt, c.nowS))));
        }
      }),
      { seed: SEED, numRuns: 3_000 },
    );
    expect(liquidated).toBeGreaterThan(200);
    expect(capped).toBeGreaterThan(10);
    expect(withDeficit).toBeGreaterThan(5);
  });
});

function supplyIndex(r: AaveReserve, nowS: bigint): bigint {
  return supplyBalance(r, { scaledSupply: RAY, scaledDebt: 0n, collateralEnabled: true }, nowS);
}
function borrowIndex(r: AaveReserve, nowS: bigint): bigint {
  return debtBalance(r, { scaledSupply: 0n, scaledDebt: RAY, collateralEnabled: false }, nowS);
}

// ---- Compound v3 ---------------------------------------------------------------------------------------------
const cometCaseArb = fc.record({
  supplyIndex: fc.bigInt({ min: BASE_INDEX_SCALE, max: 2n * BASE_INDEX_SCALE }),
  borrowIndex: fc.bigInt({ min: BASE_INDEX_SCALE, max: 3n * BASE_INDEX_SCALE }),
  principal: fc.bigInt({ min: -(10n ** 15n), max: -1n }),
  balances: fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 22n }), fc.bigInt({ min: 0n, max: 10n ** 10n })),
  prices: fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 13n })),
  liquidationFactor: fc.bigInt({ min: 0n, max: FACTOR_SCALE }),
  liquidateShare: fc.bigInt({ min: 10n, max: 100n }),
  otherBorrows: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  baseBalance: fc.bigInt({ min: 0n, max: 10n ** 16n }),
});

describe('Compound v3 absorb invariants', () => {
  it('reserves pay what the account is credited; collateral moves from users to reserves unit for unit', () => {
    let absorbed = 0;
    let leftSupply = 0;
    fc.assert(
      fc.property(cometCaseArb, (c) => {
        const assets = [
          { asset: 'X', scale: 10n ** 18n, price: c.prices[0], borrowCollateralFactor: c.liquidationFactor / 2n, liquidateCollateralFactor: (c.liquidationFactor * c.liquidateShare) / 100n, liquidationFactor: c.liquidationFactor },
          { asset: 'Y', scale: 10n ** 8n, price: c.prices[1], borrowCollateralFactor: c.liquidationFactor / 2n, liquidateCollateralFactor: (c.liquidationFactor * c.liquidateShare) / 100n, liquidationFactor: c.liquidationFactor },
        ];
        const held = new Map([['X', c.balances[0]], ['Y', c.balances[1]]]);
        const m: CometMarket = {
          baseScale: 10n ** 6n, basePrice: 10n ** 8n, storeFrontPriceFactor: FACTOR_SCALE / 2n, targetReserves: 0n,
          baseSupplyIndex: c.supplyIndex, baseBorrowIndex: c.borrowIndex,
          totalSupplyBase: 0n, totalBorrowBase: -c.principal + c.otherBorrows, baseBalance: c.baseBalance, assets,
          collateralBalances: new Map(held), totalsCollateral: new Map(held),
        };
        const account: CometAccount = { principal: c.principal, collateral: held };
        const r = absorb(m, account);
        if (!r.ok) return;
        absorbed += 1;
        const a = r.value;
        if (a.newPrincipal > 0n) leftSupply += 1;
        // seized = held, never more; users' totals drop and the protocol's collateral reserves rise by it
        for (const [asset, amount] of held) {
          expect(a.collateral.find((x) => x.asset === asset)?.amount ?? 0n).toBe(amount);
          expect(getCollateralReserves(a.market, asset) - getCollateralReserves(m, asset)).toBe(amount);
        }
        expect(a.account.collateral.size).toBe(0);
        expect(a.basePaidOut >= 0n).toBe(true);
        // reserves fall by basePaidOut, up to the present-value roundings of the totals (one unit each side)
        const reserveDrop = getReserves(m) - getReserves(a.market);
        expect(abs(reserveDrop - a.basePaidOut) <= 2n).toBe(true);
      }),
      { seed: SEED, numRuns: 3_000 },
    );
    expect(absorbed).toBeGreaterThan(500);
    expect(leftSupply).toBeGreaterThan(5);
  });
});

// ---- Morpho ----------------------------------------------------------------------------------------------------
const morphoCaseArb = fc.record({
  lltv: fc.constantFrom(385n, 625n, 770n, 860n, 915n, 945n, 980n).map((x) => x * 10n ** 15n),
  totalBorrowAssets: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  sharesPerAsset: fc.bigInt({ min: 1n, max: 10n ** 7n }),
  shareOfBorrow: fc.bigInt({ min: 1n, max: 1_000n }),
  collateral: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  price: fc.bigInt({ min: 10n ** 30n, max: 10n ** 40n }),
  bySeized: fc.boolean(),
  fraction: fc.bigInt({ min: 1n, max: 1_000n }),
});

describe('Morpho Blue liquidate invariants', () => {
  it('seizure within collateral; borrow falls by repaid + bad debt; supply by the bad debt; incentive at most LIF', () => {
    let liquidated = 0;
    let badDebt = 0;
    let bySeized = 0;
    fc.assert(
      fc.property(morphoCaseArb, (c) => {
        const totalBorrowShares = c.totalBorrowAssets * c.sharesPerAsset;
        const borrowShares = (totalBorrowShares * c.shareOfBorrow) / 1_000n;
        if (borrowShares === 0n) return;
        const m: MorphoMarket = { lltv: c.lltv, totalSupplyAssets: 2n * c.totalBorrowAssets, totalSupplyShares: 2n * totalBorrowShares, totalBorrowAssets: c.totalBorrowAssets, totalBorrowShares };
        const position = { collateral: c.collateral, borrowShares };
        const input = c.bySeized
          ? { seizedAssets: (c.collateral * c.fraction) / 1_000n || 1n, repaidShares: 0n }
          : { seizedAssets: 0n, repaidShares: (borrowShares * c.fraction) / 1_000n || 1n };
        const r = liquidate(m, position, c.price, input);
        if (!r.ok) return;
        liquidated += 1;
        if (c.bySeized) bySeized += 1;
        const l = r.value;
        expect(l.seizedAssets <= c.collateral).toBe(true);
        expect(l.position.collateral).toBe(c.collateral - l.seizedAssets);
        expect(m.totalBorrowShares - l.market.totalBorrowShares).toBe(l.repaidShares + l.badDebtShares);
        expect(m.totalSupplyAssets - l.market.totalSupplyAssets).toBe(l.badDebtAssets);
        // zeroFloorSub may clip the last unit ("repaidAssets may be greater than totalBorrowAssets by 1")
        const borrowDrop = m.totalBorrowAssets - l.market.totalBorrowAssets;
        expect(borrowDrop <= l.repaidAssets + l.badDebtAssets).toBe(true);
        expect(l.repaidAssets + l.badDebtAssets - borrowDrop <= 1n).toBe(true);
        if (l.badDebtShares > 0n) {
          badDebt += 1;
          expect(l.position).toEqual({ collateral: 0n, borrowShares: 0n });
        }
        // the liquidator gets at most LIF x what it repaid: seized x price / 1e36 <= repaid x LIF / 1e18
        expect(l.seizedAssets * c.price * WAD <= l.repaidAssets * l.liquidationIncentiveFactor * ORACLE_PRICE_SCALE).toBe(true);
      }),
      { seed: SEED, numRuns: 3_000 },
    );
    expect(liquidated).toBeGreaterThan(300);
    expect(bySeized).toBeGreaterThan(100);
    expect(badDebt).toBeGreaterThan(5);
  });
});
