// Lending markets inside the engine (issue 18 part A): the lending_* commands dispatched to the Aave v3.3 rules of
// core/lending (aave-reserve, aave-actions, aave-liquidation, keeper), which stay the single source of truth; this
// file only checks what the rules do not (ids, parameter domains), commits their results and says what happened.
//
// State. A market (created by its first lending_reserve) holds its reserves, each user's scaled balances (Aave's
// aToken / variable-debt-token accounting), the treasury's fees and the reserves' deficits, and the users whose
// health factor is below 1 (so LendingLiquidatable is said once, when it is crossed). Reserves' indexes are stored
// at their last update and read at any time by the rules (normalizedIncome / normalizedDebt); lending_reserve brings
// them to its time before changing a rate, as ReserveLogic.updateState does before a rate change.
//
// Time: the rules count seconds; a command at tsMs acts at floor(tsMs / 1000) seconds since the epoch.
// A refused command changes nothing: every check (ours, then the rule's) runs before the first mutation.

import { secondsOf } from './lending-commands.js';
import { assert } from '../assert.js';
import { AAVE_V33_CONFIG, liquidationCall, type AaveLiquidationConfig } from '../lending/aave-liquidation.js';
import { borrow, repay, setUserEMode, supply } from '../lending/aave-actions.js';
import {
  accrueReserve, calculateUserAccountData, debtBalance, HEALTH_FACTOR_LIQUIDATION_THRESHOLD, supplyBalance,
  type AaveAccount, type AaveMarket, type AavePosition, type AaveReserve, type AccountData, type EModeCategory,
} from '../lending/aave-reserve.js';
import { percentMul, RAY } from '../lending/aave-math.js';
import { aaveDustCheck, aaveOpportunities, type AaveOpportunity, type DustCheck } from '../lending/keeper.js';
import type { LendingReason } from '../lending/result.js';
import type { Emit } from './emit.js';
import {
  LENDING_AMOUNT_MAX, type LendingBorrow, type LendingCommand, type LendingLiquidate, type LendingPrice, type LendingRepay,
  type LendingReserve, type LendingSupply, type LendingEModeCategory, type LendingSetEMode,
} from './lending-commands.js';
import { reject, type LendingRejection, type Refusal } from './reasons.js';
import type { EngineState } from './state.js';
import { applyMorpho } from './lending-morpho.js';
import { applyComet, cometAssetDecimals } from './lending-comet.js'; // Compound v3

/** Aave's base currency (USD on its markets): 8 decimals. Prices and values in lending events are in its atoms. */
export const LENDING_BASE_DECIMALS = 8;
const BPS_ONE = 10_000n;
/** Token decimals beyond this are not a real token's (ERC-20 tokens use 0-18; the engine's assets allow up to 30). */
const ASSET_DECIMALS_MAX = 30;
const NO_ACCOUNT: AaveAccount = { eMode: 0, positions: new Map() };

export interface LendingMarketState {
  readonly id: string;
  /** Reserves in listing order (a reserve's id is its place in it, as in Aave's reserves list). */
  readonly reserves: Map<string, AaveReserve>;
  /** Users in order of their first command; each account as the rules return it (immutable values). */
  readonly users: Map<string, AaveAccount>;
  /** Users whose health factor is below 1, as last said (LendingLiquidatable / LendingHealthy). */
  readonly liquidatable: Set<string>;
  /** Collateral atoms the treasury received as protocol fees, per asset. */
  readonly treasury: Map<string, bigint>;
  /** Debt burned without repayment (no collateral left), per asset: the reserves' deficits. */
  readonly deficits: Map<string, bigint>;
  /** E-mode categories by id (lending_emode_category), with their labels. */
  readonly eModes: Map<number, EModeCategory & { readonly label: string }>;
}

/** The lending markets of an engine, by id. */
export type LendingMarkets = Map<string, LendingMarketState>;

/** The rules' view of a market: its reserves and e-mode categories. */
export function aaveMarketOf(m: LendingMarketState): AaveMarket {
  return { reserves: m.reserves, eModes: m.eModes };
}

/** v3.3's constants (MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD $2,000, MIN_LEFTOVER_BASE $1,000). */
export const LENDING_CONFIG: AaveLiquidationConfig = AAVE_V33_CONFIG;

/** The decimals of an asset some lending market lists (one number engine-wide), or undefined. */
export function lendingAssetDecimals(s: Pick<EngineState, 'lending' | 'comet'>, asset: string): number | undefined {
  for (const m of s.lending.values()) {
    const r = m.reserves.get(asset);
    if (r !== undefined) return r.decimals;
  }
  return cometAssetDecimals(s, asset); // Compound v3 markets declare theirs too
}


function refuse(reason: LendingReason, field: string, message: string): LendingRejection {
  return { reason, field, message };
}

/** The rules' refusal as the command's: the code, the field it concerns, and the venue's error in words. */
function ruleRefusal(reason: LendingReason, field: string, what: string): LendingRejection {
  return refuse(reason, field, `${what} refused: ${reason}`);
}

// ---- dispatch ----

export function applyLending(s: EngineState, cmd: LendingCommand, emit: Emit): Refusal | undefined {
  switch (cmd.kind) {
    case 'lending_reserve':
      return applyLendingReserve(s, cmd, emit);
    case 'lending_price':
      return applyLendingPrice(s, cmd, emit);
    case 'lending_supply':
      return applyLendingSupply(s, cmd, emit);
    case 'lending_borrow':
      return applyLendingBorrow(s, cmd, emit);
    case 'lending_repay':
      return applyLendingRepay(s, cmd, emit);
    case 'lending_liquidate':
      return applyLendingLiquidate(s, cmd, emit);
    case 'morpho_market':
    case 'morpho_price':
    case 'morpho_supply':
    case 'morpho_supply_collateral':
    case 'morpho_borrow':
    case 'morpho_pre_liquidation':
    case 'morpho_liquidate':
    case 'morpho_repay':
    case 'morpho_withdraw_collateral':
      return applyMorpho(s, cmd, emit);
    // Compound v3 (lending-comet.ts)
    case 'comet_market':
    case 'comet_price':
    case 'comet_supply':
    case 'comet_withdraw':
    case 'comet_absorb':
    case 'comet_buy_collateral':
      return applyComet(s, cmd, emit, (asset) => s.assetDecimals(asset) ?? lendingAssetDecimals(s, asset));
    // Aave e-mode
    case 'lending_emode_category':
      return applyEModeCategory(s, cmd, emit);
    case 'lending_set_emode':
      return applySetEMode(s, cmd, emit);
  }
}

function marketOf(s: EngineState, id: string): LendingMarketState | LendingRejection {
  const m = s.lending.get(id);
  return m ?? refuse('reserve_unknown', 'market', `no lending market ${id}`);
}

function isRefusal(x: object): x is LendingRejection {
  return 'reason' in x;
}

/** Parameter domains Aave's PoolConfigurator enforces (configureReserveAsCollateral, setLiquidationProtocolFee). */
function checkReserveParams(cmd: LendingReserve): LendingRejection | undefined {
  const bad = (field: string, why: string): LendingRejection => refuse('invalid_params', field, `${field} ${why}`);
  if (cmd.ltvBps < 0n) return bad('ltvBps', 'must not be negative');
  if (cmd.liquidationThresholdBps < 0n || cmd.liquidationThresholdBps > BPS_ONE) return bad('liquidationThresholdBps', 'must be within [0, 10000]');
  if (cmd.ltvBps > cmd.liquidationThresholdBps) return bad('ltvBps', 'must not exceed the liquidation threshold');
  if (cmd.liquidationThresholdBps !== 0n) {
    if (cmd.liquidationBonusBps <= BPS_ONE) return bad('liquidationBonusBps', 'must exceed 10000 (it includes the principal)');
    // Not enforced: the configurator's threshold.percentMul(bonus) <= 100%, so the v3.3 document's examples (97%
    // with a 5% bonus) can run; the seizure is capped by the holdings either way (aave-liquidation.ts).
  } else if (cmd.liquidationBonusBps < 0n) return bad('liquidationBonusBps', 'must not be negative');
  if (cmd.liquidationProtocolFeeBps < 0n || cmd.liquidationProtocolFeeBps > BPS_ONE) return bad('liquidationProtocolFeeBps', 'must be within [0, 10000]');
  if (cmd.liquidityRateRay < 0n) return bad('liquidityRateRay', 'must not be negative');
  if (cmd.variableBorrowRateRay < 0n) return bad('variableBorrowRateRay', 'must not be negative');
  if (cmd.price !== undefined && cmd.price <= 0n) return bad('price', 'must be positive');
  return undefined;
}

function applyLendingReserve(s: EngineState, cmd: LendingReserve, emit: Emit): Refusal | undefined {
  if (!Number.isInteger(cmd.decimals) || cmd.decimals < 0 || cmd.decimals > ASSET_DECIMALS_MAX) {
    return refuse('invalid_params', 'decimals', `decimals must be an integer in [0, ${ASSET_DECIMALS_MAX}]`);
  }
  const known = s.assetDecimals(cmd.asset) ?? lendingAssetDecimals(s, cmd.asset);
  if (known !== undefined && known !== cmd.decimals) return refuse('invalid_params', 'decimals', `${cmd.asset} has ${known} decimals in this engine`);
  const decimals = cmd.decimals;
  const problem = checkReserveParams(cmd);
  if (problem !== undefined) return problem;
  const nowS = secondsOf(cmd.tsMs);
  const existing = s.lending.get(cmd.market)?.reserves.get(cmd.asset);
  if (existing === undefined && cmd.price === undefined) return refuse('invalid_params', 'price', `a new reserve needs a price`);
  let m = s.lending.get(cmd.market);
  if (m === undefined) {
    m = { id: cmd.market, reserves: new Map(), users: new Map(), liquidatable: new Set(), treasury: new Map(), deficits: new Map(), eModes: new Map() };
    s.lending.set(cmd.market, m);
  }
  // The indexes accrue at the old rates up to now, then the new rates apply (ReserveLogic.updateState first).
  const base: AaveReserve = existing === undefined
    ? {
        asset: cmd.asset, id: m.reserves.size, decimals, ltvBps: 0n, liquidationThresholdBps: 0n, liquidationBonusBps: 0n,
        liquidationProtocolFeeBps: 0n, priceBase: 0n, liquidityIndexRay: RAY, variableBorrowIndexRay: RAY,
        liquidityRateRay: 0n, variableBorrowRateRay: 0n, lastUpdateS: nowS,
      }
    : accrueReserve(existing, nowS);
  const reserve: AaveReserve = {
    ...base,
    ltvBps: cmd.ltvBps,
    liquidationThresholdBps: cmd.liquidationThresholdBps,
    liquidationBonusBps: cmd.liquidationBonusBps,
    liquidationProtocolFeeBps: cmd.liquidationProtocolFeeBps,
    liquidityRateRay: cmd.liquidityRateRay,
    variableBorrowRateRay: cmd.variableBorrowRateRay,
    priceBase: cmd.price ?? base.priceBase,
  };
  m.reserves.set(cmd.asset, reserve);
  emit({
    kind: 'LendingReserveSet', market: m.id, asset: cmd.asset, listed: existing === undefined,
    ltvBps: reserve.ltvBps, liquidationThresholdBps: reserve.liquidationThresholdBps, liquidationBonusBps: reserve.liquidationBonusBps,
    liquidationProtocolFeeBps: reserve.liquidationProtocolFeeBps, price: reserve.priceBase, liquidityRateRay: reserve.liquidityRateRay,
    variableBorrowRateRay: reserve.variableBorrowRateRay, liquidityIndexRay: reserve.liquidityIndexRay, variableBorrowIndexRay: reserve.variableBorrowIndexRay,
  });
  reviewHealth(m, m.users.keys(), nowS, emit);
  return undefined;
}

function applyLendingPrice(s: EngineState, cmd: LendingPrice, emit: Emit): Refusal | undefined {
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  if (cmd.prices.length === 0) return reject('invalid_field', 'prices', 'give at least one price');
  const seen = new Set<string>();
  for (const [i, p] of cmd.prices.entries()) {
    if (!m.reserves.has(p.asset)) return refuse('reserve_unknown', `prices[${i}].asset`, `market ${m.id} has no reserve ${p.asset}`);
    if (seen.has(p.asset)) return reject('invalid_field', `prices[${i}].asset`, `${p.asset} is priced twice`);
    seen.add(p.asset);
    if (p.price <= 0n) return refuse('invalid_params', `prices[${i}].price`, 'a price must be positive');
  }
  for (const p of cmd.prices) {
    m.reserves.set(p.asset, { ...(m.reserves.get(p.asset) as AaveReserve), priceBase: p.price });
    emit({ kind: 'LendingPriced', market: m.id, asset: p.asset, price: p.price });
  }
  reviewHealth(m, m.users.keys(), secondsOf(cmd.tsMs), emit);
  return undefined;
}

function applyLendingSupply(s: EngineState, cmd: LendingSupply, emit: Emit): Refusal | undefined {
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  const nowS = secondsOf(cmd.tsMs);
  const r = supply(aaveMarketOf(m), m.users.get(cmd.user) ?? NO_ACCOUNT, cmd.asset, cmd.amount, nowS);
  if (!r.ok) return ruleRefusal(r.reason, r.reason === 'reserve_unknown' ? 'asset' : 'amount', 'supply');
  m.users.set(cmd.user, r.value);
  const reserve = m.reserves.get(cmd.asset) as AaveReserve;
  emit({ kind: 'LendingSupplied', market: m.id, user: cmd.user, asset: cmd.asset, amount: cmd.amount, balance: supplyBalance(reserve, positionOf(r.value, cmd.asset), nowS) });
  reviewHealth(m, [cmd.user], nowS, emit);
  return undefined;
}

function applyLendingBorrow(s: EngineState, cmd: LendingBorrow, emit: Emit): Refusal | undefined {
  if (s.guards.halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${s.guards.halted.reason}): no borrowing`);
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  const nowS = secondsOf(cmd.tsMs);
  const market = aaveMarketOf(m);
  const r = borrow(market, m.users.get(cmd.user) ?? NO_ACCOUNT, cmd.asset, cmd.amount, nowS);
  if (!r.ok) return ruleRefusal(r.reason, r.reason === 'reserve_unknown' ? 'asset' : r.reason === 'invalid_amount' ? 'amount' : 'user', 'borrow');
  m.users.set(cmd.user, r.value);
  const reserve = m.reserves.get(cmd.asset) as AaveReserve;
  emit({
    kind: 'LendingBorrowed', market: m.id, user: cmd.user, asset: cmd.asset, amount: cmd.amount,
    debt: debtBalance(reserve, positionOf(r.value, cmd.asset), nowS), healthFactorWad: calculateUserAccountData(market, r.value, nowS).healthFactorWad,
  });
  reviewHealth(m, [cmd.user], nowS, emit);
  return undefined;
}

function applyLendingRepay(s: EngineState, cmd: LendingRepay, emit: Emit): Refusal | undefined {
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  if (cmd.amount > LENDING_AMOUNT_MAX) return refuse('invalid_amount', 'amount', 'the amount exceeds type(uint256).max');
  const nowS = secondsOf(cmd.tsMs);
  const r = repay(aaveMarketOf(m), m.users.get(cmd.user) ?? NO_ACCOUNT, cmd.asset, cmd.amount, nowS);
  if (!r.ok) return ruleRefusal(r.reason, r.reason === 'reserve_unknown' ? 'asset' : r.reason === 'invalid_amount' ? 'amount' : 'user', 'repay');
  m.users.set(cmd.user, r.value.account);
  const reserve = m.reserves.get(cmd.asset) as AaveReserve;
  emit({ kind: 'LendingRepaid', market: m.id, user: cmd.user, asset: cmd.asset, amount: r.value.payback, debt: debtBalance(reserve, positionOf(r.value.account, cmd.asset), nowS) });
  reviewHealth(m, [cmd.user], nowS, emit);
  return undefined;
}

const LIQUIDATION_FIELD: Partial<Record<LendingReason, string>> = {
  reserve_unknown: 'collateralAsset',
  health_factor_not_below_threshold: 'user',
  collateral_cannot_be_liquidated: 'collateralAsset',
  specified_currency_not_borrowed_by_user: 'debtAsset',
  must_not_leave_dust: 'debtToCover',
};

function applyLendingLiquidate(s: EngineState, cmd: LendingLiquidate, emit: Emit): Refusal | undefined {
  if (s.guards.halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${s.guards.halted.reason}): no liquidations`);
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  if (cmd.debtToCover <= 0n || cmd.debtToCover > LENDING_AMOUNT_MAX) return refuse('invalid_amount', 'debtToCover', 'debtToCover must be within [1, type(uint256).max]');
  if (!m.reserves.has(cmd.collateralAsset)) return refuse('reserve_unknown', 'collateralAsset', `market ${m.id} has no reserve ${cmd.collateralAsset}`);
  if (!m.reserves.has(cmd.debtAsset)) return refuse('reserve_unknown', 'debtAsset', `market ${m.id} has no reserve ${cmd.debtAsset}`);
  const nowS = secondsOf(cmd.tsMs);
  const r = liquidationCall(
    aaveMarketOf(m),
    m.users.get(cmd.user) ?? NO_ACCOUNT,
    { collateralAsset: cmd.collateralAsset, debtAsset: cmd.debtAsset, debtToCover: cmd.debtToCover, nowS },
    LENDING_CONFIG,
  );
  if (!r.ok) return ruleRefusal(r.reason, LIQUIDATION_FIELD[r.reason] ?? 'user', 'liquidationCall');
  const l = r.value;
  // ---- commit ----
  m.users.set(cmd.user, l.account);
  if (l.protocolFee !== 0n) m.treasury.set(cmd.collateralAsset, (m.treasury.get(cmd.collateralAsset) ?? 0n) + l.protocolFee);
  const debtReserve = m.reserves.get(cmd.debtAsset) as AaveReserve;
  const collateralReserve = m.reserves.get(cmd.collateralAsset) as AaveReserve;
  emit({
    kind: 'LendingLiquidated', market: m.id, user: cmd.user, liquidator: cmd.liquidator, asset: cmd.debtAsset, collateralAsset: cmd.collateralAsset,
    healthFactorWad: l.healthFactorWad, closeFactorBps: l.closeFactorBps, debtRepaid: l.debtRepaid,
    debt: debtBalance(debtReserve, positionOf(l.account, cmd.debtAsset), nowS),
  });
  emit({
    kind: 'LendingCollateralSeized', market: m.id, user: cmd.user, liquidator: cmd.liquidator, asset: cmd.collateralAsset, debtAsset: cmd.debtAsset,
    seized: l.collateralSeized, bonus: l.bonusCollateral, toLiquidator: l.collateralToLiquidator, protocolFee: l.protocolFee,
    protocolFeeCut: l.protocolFeeCut, balance: supplyBalance(collateralReserve, positionOf(l.account, cmd.collateralAsset), nowS),
  });
  for (const [asset, amount] of l.deficits) {
    const deficit = (m.deficits.get(asset) ?? 0n) + amount;
    m.deficits.set(asset, deficit);
    emit({ kind: 'LendingDeficit', market: m.id, user: cmd.user, asset, amount, deficit });
  }
  reviewHealth(m, [cmd.user], nowS, emit);
  return undefined;
}

// ---- Aave e-mode ----

/** E-mode category ids are a uint8; 0 means "no e-mode". */
const EMODE_ID_MAX = 255;

/**
 * PoolConfigurator.setEModeCategory and setAssetCollateralInEMode: the category's parameters (checked as the
 * configurator does: ltv <= threshold, a bonus above 100%, threshold x bonus <= 100%) and its collateral assets.
 * Every user's health is looked at again, as their account data changes with it.
 */
function applyEModeCategory(s: EngineState, cmd: LendingEModeCategory, emit: Emit): Refusal | undefined {
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  const bad = (field: string, why: string): LendingRejection => refuse('invalid_params', field, `${field} ${why}`);
  if (!Number.isInteger(cmd.categoryId) || cmd.categoryId < 1 || cmd.categoryId > EMODE_ID_MAX) return bad('categoryId', `must be an integer in [1, ${EMODE_ID_MAX}]`);
  if (cmd.ltvBps < 0n || cmd.ltvBps > cmd.liquidationThresholdBps) return bad('ltvBps', 'must be within [0, liquidationThreshold]');
  if (cmd.liquidationThresholdBps <= 0n) return bad('liquidationThresholdBps', 'must be positive');
  if (cmd.liquidationBonusBps <= BPS_ONE) return bad('liquidationBonusBps', 'must exceed 10000 (it includes the principal)');
  if (percentMul(cmd.liquidationThresholdBps, cmd.liquidationBonusBps) > BPS_ONE) return bad('liquidationBonusBps', 'liquidationThreshold x liquidationBonus must not exceed 100%');
  if (cmd.label.length === 0 || cmd.label.length > 64) return bad('label', 'must have 1-64 characters');
  const seen = new Set<string>();
  for (const [i, asset] of cmd.collateralAssets.entries()) {
    if (!m.reserves.has(asset)) return refuse('reserve_unknown', `collateralAssets[${i}]`, `market ${m.id} has no reserve ${asset}`);
    if (seen.has(asset)) return reject('invalid_field', `collateralAssets[${i}]`, `${asset} appears twice`);
    seen.add(asset);
  }
  // ---- commit ----
  m.eModes.set(cmd.categoryId, {
    id: cmd.categoryId, label: cmd.label, ltvBps: cmd.ltvBps, liquidationThresholdBps: cmd.liquidationThresholdBps,
    liquidationBonusBps: cmd.liquidationBonusBps, collateralAssets: seen,
  });
  emit({
    kind: 'LendingEModeCategorySet', market: m.id, categoryId: cmd.categoryId, label: cmd.label, ltvBps: cmd.ltvBps,
    liquidationThresholdBps: cmd.liquidationThresholdBps, liquidationBonusBps: cmd.liquidationBonusBps, collateralAssets: [...seen],
  });
  reviewHealth(m, m.users.keys(), secondsOf(cmd.tsMs), emit);
  return undefined;
}

/** Pool.setUserEMode (aave-actions.ts setUserEMode): refused when the category does not exist or the HF would fall below 1. */
function applySetEMode(s: EngineState, cmd: LendingSetEMode, emit: Emit): Refusal | undefined {
  const m = marketOf(s, cmd.market);
  if (isRefusal(m)) return m;
  if (!Number.isInteger(cmd.categoryId) || cmd.categoryId < 0 || cmd.categoryId > EMODE_ID_MAX) return refuse('invalid_params', 'categoryId', `categoryId must be an integer in [0, ${EMODE_ID_MAX}]`);
  const nowS = secondsOf(cmd.tsMs);
  const market = aaveMarketOf(m);
  const r = setUserEMode(market, m.users.get(cmd.user) ?? NO_ACCOUNT, cmd.categoryId, nowS);
  if (!r.ok) return ruleRefusal(r.reason, r.reason === 'inconsistent_emode_category' ? 'categoryId' : 'user', 'setUserEMode');
  // ---- commit ----
  m.users.set(cmd.user, r.value);
  emit({ kind: 'LendingEModeSet', market: m.id, user: cmd.user, categoryId: cmd.categoryId, healthFactorWad: calculateUserAccountData(market, r.value, nowS).healthFactorWad });
  reviewHealth(m, [cmd.user], nowS, emit);
  return undefined;
}

function positionOf(account: AaveAccount, asset: string): AavePosition {
  const p = account.positions.get(asset);
  assert(p !== undefined, `lending: the rule returned no position for ${asset}`);
  return p;
}

/**
 * LendingLiquidatable for each of `users` whose health factor is now below 1 and was not; LendingHealthy for each
 * that was and is not. Exact: calculateUserAccountData at the command's time.
 */
function reviewHealth(m: LendingMarketState, users: Iterable<string>, nowS: bigint, emit: Emit): void {
  const market = aaveMarketOf(m);
  for (const user of users) {
    const account = m.users.get(user);
    if (account === undefined) continue;
    const data = calculateUserAccountData(market, account, nowS);
    const below = data.healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD;
    if (below && !m.liquidatable.has(user)) {
      m.liquidatable.add(user);
      emit({ kind: 'LendingLiquidatable', market: m.id, user, healthFactorWad: data.healthFactorWad, totalCollateralBase: data.totalCollateralBase, totalDebtBase: data.totalDebtBase });
    } else if (!below && m.liquidatable.delete(user)) {
      emit({ kind: 'LendingHealthy', market: m.id, user, healthFactorWad: data.healthFactorWad });
    }
  }
}

/** On `tick`: every user of every market is looked at, so a crossing by interest alone is said when time passes. */
export function reviewLendingHealth(s: EngineState, tsMs: number, emit: Emit): void {
  for (const m of s.lending.values()) reviewHealth(m, m.users.keys(), secondsOf(tsMs), emit);
}

// ---- queries (read-only) ----

/** A user's account data (calculateUserAccountData) at time tsMs; undefined for an unknown market or user. */
export function lendingAccountData(s: Pick<EngineState, 'lending'>, market: string, user: string, tsMs: number): AccountData | undefined {
  const m = s.lending.get(market);
  const account = m?.users.get(user);
  return m === undefined || account === undefined ? undefined : calculateUserAccountData(aaveMarketOf(m), account, secondsOf(tsMs));
}

export interface LendingKeeperView {
  readonly market: string;
  readonly nowS: bigint;
  readonly gasCostBase: bigint;
  /** Every user below HF 1 with a liquidation worth its figures, most profitable first (keeper.ts aaveOpportunities). */
  readonly opportunities: readonly AaveOpportunity[];
  /** Per collateral reserve (threshold > 0): does liquidating the smallest leftover v3.3 allows still pay the gas? */
  readonly dust: readonly { readonly asset: string; readonly check: DustCheck }[];
}

/**
 * The keeper view of a market at time tsMs: liquidatable loans with the most debt one call may repay, the collateral
 * it buys, the fee, and the liquidator's profit net of the fee and gasCostBase (base-currency atoms); and the dust
 * check of each collateral reserve. Undefined for an unknown market.
 */
export function lendingKeeperView(s: Pick<EngineState, 'lending'>, market: string, tsMs: number, gasCostBase: bigint): LendingKeeperView | undefined {
  const m = s.lending.get(market);
  if (m === undefined) return undefined;
  const nowS = secondsOf(tsMs);
  const dust: { asset: string; check: DustCheck }[] = [];
  for (const r of m.reserves.values()) {
    if (r.liquidationThresholdBps === 0n) continue;
    dust.push({ asset: r.asset, check: aaveDustCheck(r.liquidationBonusBps, r.liquidationProtocolFeeBps, gasCostBase, LENDING_CONFIG) });
  }
  return { market, nowS, gasCostBase, opportunities: aaveOpportunities(aaveMarketOf(m), m.users, nowS, gasCostBase, LENDING_CONFIG), dust };
}

// ---- snapshot ----

export interface LendingUserSnapshot {
  readonly id: string;
  readonly eMode: number;
  readonly positions: readonly (readonly [string, AavePosition])[];
}

export interface LendingMarketSnapshot {
  readonly id: string;
  readonly reserves: readonly AaveReserve[];
  readonly users: readonly LendingUserSnapshot[];
  readonly liquidatable: readonly string[];
  readonly treasury: readonly (readonly [string, bigint])[];
  readonly deficits: readonly (readonly [string, bigint])[];
  /** E-mode categories; absent when there are none (snapshots written before them keep their bytes). */
  readonly eModes?: readonly LendingEModeSnapshot[];
}

export interface LendingEModeSnapshot {
  readonly id: number;
  readonly label: string;
  readonly ltvBps: bigint;
  readonly liquidationThresholdBps: bigint;
  readonly liquidationBonusBps: bigint;
  readonly collateralAssets: readonly string[];
}

/** The lending markets as plain data, in insertion order (which decides iteration order, so it is state). */
export function snapshotLending(markets: LendingMarkets): LendingMarketSnapshot[] {
  return [...markets.values()].map((m) => ({
    id: m.id,
    reserves: [...m.reserves.values()].map((r) => ({ ...r })),
    users: [...m.users].map(([id, a]) => ({ id, eMode: a.eMode, positions: [...a.positions].map(([asset, p]) => [asset, { ...p }] as const) })),
    liquidatable: [...m.liquidatable],
    treasury: [...m.treasury],
    deficits: [...m.deficits],
    ...(m.eModes.size === 0 ? {} : { eModes: [...m.eModes.values()].map((e) => ({ ...e, collateralAssets: [...e.collateralAssets] })) }),
  }));
}

export function restoreLending(into: LendingMarkets, snap: readonly LendingMarketSnapshot[] | undefined): void {
  for (const m of snap ?? []) {
    into.set(m.id, {
      id: m.id,
      reserves: new Map(m.reserves.map((r) => [r.asset, { ...r }])),
      users: new Map(m.users.map((u) => [u.id, { eMode: u.eMode, positions: new Map(u.positions.map(([asset, p]) => [asset, { ...p }])) }])),
      liquidatable: new Set(m.liquidatable),
      treasury: new Map(m.treasury),
      deficits: new Map(m.deficits),
      eModes: new Map((m.eModes ?? []).map((e) => [e.id, { ...e, collateralAssets: new Set(e.collateralAssets) }])),
    });
  }
}
