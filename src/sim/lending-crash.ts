// An Aave v3.3 lending market through the 2025-02-02 crash, with keepers, run through the ENGINE: reserves, supplies
// and borrows are lending_* commands, every minute a lending_price command moves the prices, the keepers read the
// engine's keeper view (Engine.lendingKeeper: core/lending/keeper.ts on the engine's market) and send the
// liquidations that pay their gas as lending_liquidate commands, within a per-minute capacity. Every figure comes from
// Engine.apply's events and queries (core/engine/lending.ts, which calls core/lending's rules); this file only drives
// them (seeded population, given price path) and adds up what the events say.
//
// Collateral reserves earn no interest here (index 1, so collateral is conserved atom for atom); USDC's debt
// compounds at a fixed borrow rate, so health factors also drift with time.

import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { HEALTH_FACTOR_LIQUIDATION_THRESHOLD, valueInBase, type AaveReserve } from '../core/lending/aave-reserve.js';
import { RAY, rayMul } from '../core/lending/aave-math.js';
import type { DustCheck } from '../core/lending/keeper.js';
import { divRound } from '../core/units/fixed.js';
import { ppm } from '../core/units/index.js';
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
  /** LendingLiquidatable events the engine emitted (a user crossing below HF 1, said once per crossing). */
  readonly liquidatableAnnounced: number;
  /** Commands the engine applied (setup, prices, liquidations). */
  readonly commands: number;
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

/** The lending market's id in the engine. */
export const LENDING_MARKET = 'aave';

/** Applies a command the demo expects to be accepted; a refusal here is a bug in the demo's setup. */
function accepted(engine: Engine, cmd: Command): EngineEvent[] {
  const events = engine.apply(cmd);
  const first = events[0];
  if (first?.kind === 'CommandRejected') throw new Error(`lending crash: ${cmd.kind} refused (${first.reason}: ${first.message})`);
  return events;
}

/**
 * Seeded borrowers, through the engine: 1 or 2 collateral assets worth $1k-$200k (log-uniform) supplied, then USDC
 * borrowed to an HF of 1.05-1.8 within the LTV (sized from the engine's account data). Returns the user ids.
 */
function population(engine: Engine, reserves: ReadonlyMap<string, AaveReserve>, o: LendingCrashOptions, tsMs: number): string[] {
  const rand = seededRandom(o.seed);
  const collaterals = [...reserves.values()].filter((r) => r.asset !== DEBT_ASSET);
  const usdc = reserves.get(DEBT_ASSET)!;
  const users: string[] = [];
  for (let i = 0; i < o.accounts; i++) {
    const user = `borrower-${String(i).padStart(5, '0')}`;
    users.push(user);
    const picks = 1 + Math.floor(rand() * 2);
    for (let k = 0; k < picks; k++) {
      const r = collaterals[Math.floor(rand() * collaterals.length)]!;
      const usd = BigInt(Math.round(1_000 * Math.pow(200, rand())));
      // atoms = usd x 1e8 x 1e18 / priceBase
      const amount = divRound(USD(usd) * 10n ** BigInt(r.decimals), r.priceBase, 'floor');
      accepted(engine, { kind: 'lending_supply', tsMs, market: LENDING_MARKET, user, asset: r.asset, amount });
    }
    const data = engine.lendingAccountData(LENDING_MARKET, user)!;
    // borrow to a target HF, within the LTV: debt = collateral x threshold / HF
    const targetHfBps = BigInt(10_500 + Math.floor(rand() * 7_500));
    const byHf = divRound(data.totalCollateralBase * data.avgLiquidationThresholdBps, targetHfBps, 'floor');
    const byLtv = divRound(data.totalCollateralBase * data.avgLtvBps, 10_000n, 'floor');
    const debtBase = byHf < byLtv ? byHf : byLtv;
    const amount = divRound(debtBase * 10n ** BigInt(usdc.decimals), usdc.priceBase, 'floor');
    accepted(engine, { kind: 'lending_borrow', tsMs, market: LENDING_MARKET, user, asset: DEBT_ASSET, amount });
  }
  return users;
}

/** Runs the market through the path, in an engine. Deterministic for a path and options. */
export function runLendingCrash(path: PricePath, o: LendingCrashOptions = DEFAULT_LENDING_CRASH): LendingCrashReport {
  const t0 = Math.min(...path.points.map((p) => p.tsMs));
  const engine = Engine.create({ settlement: { asset: DEBT_ASSET, decimals: 6 }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) });
  for (const r of reserves(path)) {
    accepted(engine, {
      kind: 'lending_reserve', tsMs: t0, market: LENDING_MARKET, asset: r.asset, decimals: r.decimals, ltvBps: r.ltvBps,
      liquidationThresholdBps: r.liquidationThresholdBps, liquidationBonusBps: r.liquidationBonusBps, liquidationProtocolFeeBps: r.liquidationProtocolFeeBps,
      liquidityRateRay: r.liquidityRateRay, variableBorrowRateRay: r.variableBorrowRateRay, price: r.priceBase,
    });
  }
  const market = (): NonNullable<ReturnType<typeof engine.state.lending.get>> => engine.state.lending.get(LENDING_MARKET)!;
  const users = population(engine, market().reserves, o, t0);
  const symbolOf = new Map(path.markets.map((m) => [m.id, { asset: m.id.replace(/USDT$/, ''), scale: 10n ** BigInt(BASE_DECIMALS - m.priceDecimals) }]));
  const suppliedAtStart = new Map<string, bigint>();
  let totalDebtBaseStart = 0n;
  let borrowers = 0;
  for (const [, a] of market().users) for (const [asset, p] of a.positions) suppliedAtStart.set(asset, (suppliedAtStart.get(asset) ?? 0n) + p.scaledSupply);
  for (const user of users) {
    const d = engine.lendingAccountData(LENDING_MARKET, user)!;
    totalDebtBaseStart += d.totalDebtBase;
    if (d.totalDebtBase > 0n) borrowers++;
  }
  const toLiquidators = new Map<string, bigint>();
  const liquidations: LendingLiquidationRecord[] = [];
  let liquidatableAnnounced = 0;
  let lowest = 2n ** 256n - 1n;

  // Minute by minute: all prices of the minute (one lending_price, the last price of each asset), then the keepers.
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
    const prices = new Map<string, bigint>();
    for (const p of points) {
      const s = symbolOf.get(p.market);
      if (s !== undefined && market().reserves.has(s.asset)) prices.set(s.asset, p.priceAtoms * s.scale);
    }
    const priced = prices.size === 0
      ? accepted(engine, { kind: 'tick', tsMs })
      : accepted(engine, { kind: 'lending_price', tsMs, market: LENDING_MARKET, prices: [...prices].map(([asset, price]) => ({ asset, price })) });
    liquidatableAnnounced += priced.filter((e) => e.kind === 'LendingLiquidatable').length;
    for (const user of users) {
      const hf = engine.lendingAccountData(LENDING_MARKET, user)!.healthFactorWad;
      if (hf < lowest) lowest = hf;
    }
    const opportunities = engine.lendingKeeper(LENDING_MARKET, o.gasCostBase)!.opportunities.filter((x) => x.profitBase > 0n);
    for (const [n, opp] of opportunities.slice(0, capacity).entries()) {
      const keeper = `keeper-${n % o.keepers}`;
      const events = accepted(engine, {
        kind: 'lending_liquidate', tsMs, market: LENDING_MARKET, liquidator: keeper, user: opp.account,
        collateralAsset: opp.collateralAsset, debtAsset: opp.debtAsset, debtToCover: opp.debtToCover,
      });
      let debtSide: Extract<EngineEvent, { kind: 'LendingLiquidated' }> | undefined;
      let collateralSide: Extract<EngineEvent, { kind: 'LendingCollateralSeized' }> | undefined;
      let deficitBase = 0n;
      for (const e of events) {
        if (e.kind === 'LendingLiquidated') debtSide = e;
        else if (e.kind === 'LendingCollateralSeized') collateralSide = e;
        else if (e.kind === 'LendingDeficit') deficitBase += valueInBase(market().reserves.get(e.asset)!, e.amount);
        else if (e.kind === 'LendingLiquidatable') liquidatableAnnounced++;
      }
      if (debtSide === undefined || collateralSide === undefined) throw new Error('lending crash: a liquidation without its two events');
      toLiquidators.set(collateralSide.asset, (toLiquidators.get(collateralSide.asset) ?? 0n) + collateralSide.toLiquidator);
      liquidations.push({
        tsMs, keeper, account: opp.account, collateralAsset: collateralSide.asset, healthFactorWad: debtSide.healthFactorWad,
        closeFactorBps: debtSide.closeFactorBps, debtRepaid: debtSide.debtRepaid, collateralToLiquidator: collateralSide.toLiquidator,
        protocolFee: collateralSide.protocolFee, profitBase: opp.profitBase, deficitBase,
      });
    }
  }

  let belowOneAtEnd = 0;
  for (const user of users) if (engine.lendingAccountData(LENDING_MARKET, user)!.healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) belowOneAtEnd++;
  const view = engine.lendingKeeper(LENDING_MARKET, o.gasCostBase)!;
  const profitableAtEnd = view.opportunities.filter((x) => x.profitBase > 0n).length;
  let collateralConserved = true;
  for (const [asset, start] of suppliedAtStart) {
    if (asset === DEBT_ASSET) continue;
    const reserve = market().reserves.get(asset)!;
    // collateral reserves earn nothing: their index stays 1 ray, so balances are the scaled amounts
    if (reserve.liquidityIndexRay !== RAY || reserve.liquidityRateRay !== 0n) collateralConserved = false;
    let left = 0n;
    for (const [, a] of market().users) left += rayMul(a.positions.get(asset)?.scaledSupply ?? 0n, reserve.liquidityIndexRay);
    const out = (toLiquidators.get(asset) ?? 0n) + (market().treasury.get(asset) ?? 0n);
    if (left + out !== start) collateralConserved = false;
  }
  const firstCollateral = [...market().reserves.values()].find((r) => r.asset !== DEBT_ASSET)!;
  const sumBase = (f: (l: LendingLiquidationRecord) => bigint): bigint => liquidations.reduce((acc, l) => acc + f(l), 0n);
  const usdc = market().reserves.get(DEBT_ASSET)!;
  return {
    source: path.source,
    accounts: users.length,
    borrowers,
    totalDebtBaseStart,
    liquidations,
    accountsLiquidated: new Set(liquidations.map((l) => l.account)).size,
    debtRepaidBase: sumBase((l) => valueInBase(usdc, l.debtRepaid)),
    feesBase: sumBase((l) => valueInBase(market().reserves.get(l.collateralAsset)!, l.protocolFee)),
    keeperProfitBase: sumBase((l) => l.profitBase),
    deficitBase: sumBase((l) => l.deficitBase),
    unprofitableAtEnd: belowOneAtEnd - profitableAtEnd,
    belowOneAtEnd,
    lowestHealthFactorWad: lowest,
    collateralConserved,
    liquidatableAnnounced,
    commands: engine.seq,
    dust: view.dust.find((d) => d.asset === firstCollateral.asset)!.check,
  };
}
