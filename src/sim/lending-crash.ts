// An Aave v3.3 lending market through the 2025-02-02 crash, with keepers: borrowers supply the four crash assets
// (ALGO, AVAX, FIL, NEAR) and borrow USDC; every minute the prices move, the keepers read the keeper view
// (core/lending/keeper.ts) and execute the liquidations that pay their gas, within a per-minute capacity. Every
// figure comes from core/lending's rules; this file only drives them (seeded population, given price path).
//
// Collateral reserves earn no interest here (index 1, so collateral is conserved atom for atom); USDC's debt
// compounds at a fixed borrow rate, so health factors also drift with time.

import { accrueReserve, calculateUserAccountData, HEALTH_FACTOR_LIQUIDATION_THRESHOLD, valueInBase, type AaveAccount, type AaveMarket, type AavePosition, type AaveReserve } from '../core/lending/aave-reserve.js';
import { RAY, rayDiv, rayMul } from '../core/lending/aave-math.js';
import { aaveDustCheck, aaveOpportunities, type DustCheck } from '../core/lending/keeper.js';
import { AAVE_V33_CONFIG } from '../core/lending/aave-liquidation.js';
import { divRound } from '../core/units/fixed.js';
import type { PricePath } from './crash.js';
import { seededRandom } from './random.js';

export const DEBT_ASSET = 'USDC';
const BASE_DECIMALS = 8; // Aave's base currency: USD with 8 decimals
const USD = (dollars: bigint): bigint => dollars * 10n ** BigInt(BASE_DECIMALS);

export interface LendingCrashOptions {
  readonly accounts: number;
  readonly seed: number;
  /** A keeper's cost of one liquidation call, base-currency atoms (USD x 1e8). */
  readonly gasCostBase: bigint;
  readonly keepers: number;
  /** Liquidations one keeper can land per minute. */
  readonly callsPerKeeperMinute: number;
}

export const DEFAULT_LENDING_CRASH: LendingCrashOptions = { accounts: 500, seed: 7, gasCostBase: USD(5n), keepers: 3, callsPerKeeperMinute: 10 };

export interface LendingLiquidationRecord {
  readonly tsMs: number;
  readonly keeper: string;
  readonly account: string;
  readonly collateralAsset: string;
  readonly healthFactorWad: bigint;
  readonly closeFactorBps: bigint;
  readonly debtRepaid: bigint;
  readonly collateralToLiquidator: bigint;
  readonly protocolFee: bigint;
  readonly profitBase: bigint;
  readonly deficitBase: bigint;
}

export interface LendingCrashReport {
  readonly source: string;
  readonly accounts: number;
  readonly borrowers: number;
  readonly totalDebtBaseStart: bigint;
  readonly liquidations: readonly LendingLiquidationRecord[];
  readonly accountsLiquidated: number;
  readonly debtRepaidBase: bigint;
  readonly feesBase: bigint;
  readonly keeperProfitBase: bigint;
  readonly deficitBase: bigint;
  /** Below HF 1 at the end with no liquidation that pays the gas: left to the protocol. */
  readonly unprofitableAtEnd: number;
  readonly belowOneAtEnd: number;
  readonly lowestHealthFactorWad: bigint;
  /** Per collateral asset: supplied at start = still supplied + to liquidators + to the treasury (+ fee cuts). */
  readonly collateralConserved: boolean;
  readonly dust: DustCheck;
}

/** Aave-like parameters for the four crash assets (18 decimals) and USDC (6). */
function reserves(path: PricePath): AaveReserve[] {
  const out: AaveReserve[] = [
    {
      asset: DEBT_ASSET, id: 0, decimals: 6, ltvBps: 7_500n, liquidationThresholdBps: 7_800n, liquidationBonusBps: 10_450n,
      liquidationProtocolFeeBps: 1_000n, priceBase: USD(1n), liquidityIndexRay: RAY, variableBorrowIndexRay: RAY,
      liquidityRateRay: 0n, variableBorrowRateRay: 8n * 10n ** 25n /* 8% a year */, lastUpdateS: 0n,
    },
  ];
  path.markets.forEach((m, i) => {
    const first = path.points.find((p) => p.market === m.id);
    out.push({
      asset: m.id.replace(/USDT$/, ''), id: i + 1, decimals: 18, ltvBps: 5_500n, liquidationThresholdBps: 6_500n,
      liquidationBonusBps: 10_800n, liquidationProtocolFeeBps: 2_000n,
      priceBase: (first?.priceAtoms ?? 1n) * 10n ** BigInt(BASE_DECIMALS - m.priceDecimals),
      liquidityIndexRay: RAY, variableBorrowIndexRay: RAY, liquidityRateRay: 0n, variableBorrowRateRay: 0n, lastUpdateS: 0n,
    });
  });
  return out;
}

/** Seeded borrowers: 1 or 2 collateral assets worth $1k-$200k (log-uniform), USDC borrowed to an HF of 1.05-1.8. */
function population(market: AaveMarket, o: LendingCrashOptions): Map<string, AaveAccount> {
  const rand = seededRandom(o.seed);
  const collaterals = [...market.reserves.values()].filter((r) => r.asset !== DEBT_ASSET);
  const usdc = market.reserves.get(DEBT_ASSET)!;
  const accounts = new Map<string, AaveAccount>();
  for (let i = 0; i < o.accounts; i++) {
    const positions = new Map<string, AavePosition>();
    const picks = 1 + Math.floor(rand() * 2);
    for (let k = 0; k < picks; k++) {
      const r = collaterals[Math.floor(rand() * collaterals.length)]!;
      const usd = BigInt(Math.round(1_000 * Math.pow(200, rand())));
      // atoms = usd x 1e8 x 1e18 / priceBase
      const atoms = divRound(USD(usd) * 10n ** BigInt(r.decimals), r.priceBase, 'floor');
      const prev = positions.get(r.asset)?.scaledSupply ?? 0n;
      positions.set(r.asset, { scaledSupply: prev + atoms, scaledDebt: 0n, collateralEnabled: true });
    }
    const data = calculateUserAccountData(market, { eMode: 0, positions }, 0n);
    // borrow to a target HF, within the LTV: debt = collateral x threshold / HF
    const targetHfBps = BigInt(10_500 + Math.floor(rand() * 7_500));
    const byHf = divRound(data.totalCollateralBase * data.avgLiquidationThresholdBps, targetHfBps, 'floor');
    const byLtv = divRound(data.totalCollateralBase * data.avgLtvBps, 10_000n, 'floor');
    const debtBase = byHf < byLtv ? byHf : byLtv;
    const debtAtoms = divRound(debtBase * 10n ** BigInt(usdc.decimals), usdc.priceBase, 'floor');
    positions.set(DEBT_ASSET, { scaledSupply: 0n, scaledDebt: rayDiv(debtAtoms, usdc.variableBorrowIndexRay), collateralEnabled: false });
    accounts.set(`borrower-${String(i).padStart(5, '0')}`, { eMode: 0, positions });
  }
  return accounts;
}

/** Runs the market through the path. Deterministic for a path and options. */
export function runLendingCrash(path: PricePath, o: LendingCrashOptions = DEFAULT_LENDING_CRASH): LendingCrashReport {
  const t0 = Math.min(...path.points.map((p) => p.tsMs));
  const nowOf = (tsMs: number): bigint => BigInt(Math.floor((tsMs - t0) / 1000));
  let market: AaveMarket = { reserves: new Map(reserves(path).map((r) => [r.asset, r])), eModes: new Map() };
  const accounts = population(market, o);
  const symbolOf = new Map(path.markets.map((m) => [m.id, { asset: m.id.replace(/USDT$/, ''), scale: 10n ** BigInt(BASE_DECIMALS - m.priceDecimals) }]));
  const suppliedAtStart = new Map<string, bigint>();
  let totalDebtBaseStart = 0n;
  let borrowers = 0;
  for (const a of accounts.values()) {
    for (const [asset, p] of a.positions) suppliedAtStart.set(asset, (suppliedAtStart.get(asset) ?? 0n) + p.scaledSupply);
    const d = calculateUserAccountData(market, a, 0n);
    totalDebtBaseStart += d.totalDebtBase;
    if (d.totalDebtBase > 0n) borrowers++;
  }
  const toLiquidators = new Map<string, bigint>();
  const toTreasury = new Map<string, bigint>();
  const liquidations: LendingLiquidationRecord[] = [];
  let lowest = 2n ** 256n - 1n;

  // Minute by minute: all prices of the minute, then the keepers.
  const byMinute = new Map<number, typeof path.points[number][]>();
  for (const p of path.points) {
    const minute = Math.floor(p.tsMs / 60_000);
    const list = byMinute.get(minute) ?? [];
    list.push(p);
    byMinute.set(minute, list);
  }
  const capacity = o.keepers * o.callsPerKeeperMinute;
  for (const minute of [...byMinute.keys()].sort((a, b) => a - b)) {
    const points = byMinute.get(minute)!;
    const tsMs = Math.max(...points.map((p) => p.tsMs));
    const nowS = nowOf(tsMs);
    const reservesNow = new Map(market.reserves);
    for (const p of points) {
      const s = symbolOf.get(p.market);
      const r = s === undefined ? undefined : reservesNow.get(s.asset);
      if (s === undefined || r === undefined) continue;
      reservesNow.set(r.asset, { ...r, priceBase: p.priceAtoms * s.scale });
    }
    market = { ...market, reserves: reservesNow };
    for (const a of accounts.values()) {
      const hf = calculateUserAccountData(market, a, nowS).healthFactorWad;
      if (hf < lowest) lowest = hf;
    }
    const opportunities = aaveOpportunities(market, accounts, nowS, o.gasCostBase, AAVE_V33_CONFIG).filter((x) => x.profitBase > 0n);
    for (const [n, opp] of opportunities.slice(0, capacity).entries()) {
      const l = opp.liquidation;
      accounts.set(opp.account, l.account);
      toLiquidators.set(opp.collateralAsset, (toLiquidators.get(opp.collateralAsset) ?? 0n) + l.collateralToLiquidator);
      toTreasury.set(opp.collateralAsset, (toTreasury.get(opp.collateralAsset) ?? 0n) + l.protocolFee);
      let deficitBase = 0n;
      for (const [asset, amount] of l.deficits) deficitBase += valueInBase(market.reserves.get(asset)!, amount);
      liquidations.push({
        tsMs, keeper: `keeper-${n % o.keepers}`, account: opp.account, collateralAsset: opp.collateralAsset, healthFactorWad: opp.healthFactorWad,
        closeFactorBps: l.closeFactorBps, debtRepaid: l.debtRepaid, collateralToLiquidator: l.collateralToLiquidator, protocolFee: l.protocolFee,
        profitBase: opp.profitBase, deficitBase,
      });
    }
  }

  const endS = nowOf(Math.max(...path.points.map((p) => p.tsMs)));
  let belowOneAtEnd = 0;
  for (const a of accounts.values()) if (calculateUserAccountData(market, a, endS).healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) belowOneAtEnd++;
  const profitableAtEnd = aaveOpportunities(market, accounts, endS, o.gasCostBase).filter((x) => x.profitBase > 0n).length;
  let collateralConserved = true;
  for (const [asset, start] of suppliedAtStart) {
    if (asset === DEBT_ASSET) continue;
    const reserve = accrueReserve(market.reserves.get(asset)!, endS);
    let left = 0n;
    for (const a of accounts.values()) left += rayMul(a.positions.get(asset)?.scaledSupply ?? 0n, reserve.liquidityIndexRay);
    const out = (toLiquidators.get(asset) ?? 0n) + (toTreasury.get(asset) ?? 0n);
    if (left + out !== start) collateralConserved = false;
  }
  const collateral = [...market.reserves.values()].find((r) => r.asset !== DEBT_ASSET)!;
  const sumBase = (f: (l: LendingLiquidationRecord) => bigint): bigint => liquidations.reduce((acc, l) => acc + f(l), 0n);
  const usdc = market.reserves.get(DEBT_ASSET)!;
  return {
    source: path.source,
    accounts: accounts.size,
    borrowers,
    totalDebtBaseStart,
    liquidations,
    accountsLiquidated: new Set(liquidations.map((l) => l.account)).size,
    debtRepaidBase: sumBase((l) => valueInBase(usdc, l.debtRepaid)),
    feesBase: sumBase((l) => valueInBase(market.reserves.get(l.collateralAsset)!, l.protocolFee)),
    keeperProfitBase: sumBase((l) => l.profitBase),
    deficitBase: sumBase((l) => l.deficitBase),
    unprofitableAtEnd: belowOneAtEnd - profitableAtEnd,
    belowOneAtEnd,
    lowestHealthFactorWad: lowest,
    collateralConserved,
    dust: aaveDustCheck(collateral.liquidationBonusBps, collateral.liquidationProtocolFeeBps, o.gasCostBase),
  };
}
