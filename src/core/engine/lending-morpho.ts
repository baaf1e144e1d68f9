// Morpho Blue markets inside the engine (issue 18 part A): the morpho_* commands dispatched to core/lending's
// Morpho rules (morpho-actions.ts supply / supplyCollateral / borrow; morpho.ts liquidate and the opt-in
// preLiquidate), which stay the single source of truth. A market is isolated: one loan asset, one collateral, an
// LLTV, an oracle price (loan atoms per collateral atom x 1e36); it is immutable once created. Amounts are atoms
// (the tokens are named, their decimals are not needed: every figure is in atoms, as on chain).
// Interest (the IRM) is not modelled, as in the rules. A refused command changes nothing: the rules return the new
// state as values and it is committed only when they accept.

import { morphoBorrow, morphoRepay, morphoSupply, morphoSupplyCollateral, morphoWithdrawCollateral } from '../lending/morpho-actions.js';
import {
  borrowedAssets, collateralQuoted, isHealthy, liquidate, liquidationIncentiveFactor, preLiquidate, preLiquidationParamProblems, type MorphoLiquidation, type MorphoMarket,
  type MorphoPosition, type PreLiquidationParams,
} from '../lending/morpho.js';
import { morphoOpportunities, type MorphoOpportunity } from '../lending/keeper.js';
import { WAD, wMulDown } from '../lending/morpho-math.js';
import type { LendingReason } from '../lending/result.js';
import type { Emit } from './emit.js';
import type {
  MorphoAmountCommand, MorphoCommand, MorphoCreateMarket, MorphoLiquidate, MorphoPrice, MorphoRepayCommand, MorphoSetPreLiquidation, MorphoWithdrawCollateral,
} from './lending-commands.js';
import { reject, type LendingRejection, type Refusal } from './reasons.js';
import type { EngineState } from './state.js';

export interface MorphoMarketState {
  readonly id: string;
  readonly loanAsset: string;
  readonly collateralAsset: string;
  /** LLTV and the totals (morpho.ts MorphoMarket), replaced by each accepted command's result. */
  market: MorphoMarket;
  price: bigint;
  /** Positions in order of their first command. */
  readonly positions: Map<string, MorphoPosition>;
  /** Borrowers who opted in to pre-liquidation, with their parameters. */
  readonly preLiquidation: Map<string, PreLiquidationParams>;
  /** Lenders' supply shares. */
  readonly supplyShares: Map<string, bigint>;
  /** Borrowers whose position is unhealthy, as last said (MorphoLiquidatable / MorphoHealthy). */
  readonly unhealthy: Set<string>;
}

export type MorphoMarkets = Map<string, MorphoMarketState>;

const NO_POSITION: MorphoPosition = { collateral: 0n, borrowShares: 0n };

function refuse(reason: LendingReason, field: string, message: string): LendingRejection {
  return { reason, field, message };
}

export function applyMorpho(s: EngineState, cmd: MorphoCommand, emit: Emit): Refusal | undefined {
  if (cmd.kind === 'morpho_market') return createMarket(s, cmd, emit);
  const m = s.morpho.get(cmd.market);
  if (m === undefined) return refuse('reserve_unknown', 'market', `no Morpho market ${cmd.market}`);
  switch (cmd.kind) {
    case 'morpho_price':
      return setPrice(m, cmd, emit);
    case 'morpho_supply':
    case 'morpho_supply_collateral':
    case 'morpho_borrow':
      if (cmd.kind === 'morpho_borrow' && s.guards.halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${s.guards.halted.reason}): no borrowing`);
      return amountCommand(m, cmd, emit);
    case 'morpho_pre_liquidation':
      return setPreLiquidation(m, cmd, emit);
    case 'morpho_liquidate':
      if (s.guards.halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${s.guards.halted.reason}): no liquidations`);
      return liquidateCommand(m, cmd, emit);
    case 'morpho_repay':
      return repayCommand(m, cmd, emit);
    case 'morpho_withdraw_collateral':
      return withdrawCollateralCommand(m, cmd, emit);
  }
}

function repayCommand(m: MorphoMarketState, cmd: MorphoRepayCommand, emit: Emit): Refusal | undefined {
  const r = morphoRepay(m.market, m.positions.get(cmd.user) ?? NO_POSITION, cmd.assets, cmd.shares);
  if (!r.ok) return refuse(r.reason, r.reason === 'exceeds_position' ? 'shares' : 'assets', `repay refused: ${r.reason}`);
  // ---- commit ----
  m.market = r.value.market;
  m.positions.set(cmd.user, r.value.position);
  emit({ kind: 'MorphoRepaid', market: m.id, user: cmd.user, asset: m.loanAsset, assets: r.value.assets, shares: r.value.shares, borrowShares: r.value.position.borrowShares });
  reviewMorpho(m, [cmd.user], emit);
  return undefined;
}

function withdrawCollateralCommand(m: MorphoMarketState, cmd: MorphoWithdrawCollateral, emit: Emit): Refusal | undefined {
  const r = morphoWithdrawCollateral(m.market, m.positions.get(cmd.user) ?? NO_POSITION, m.price, cmd.amount);
  if (!r.ok) return refuse(r.reason, r.reason === 'insufficient_collateral' ? 'user' : 'amount', `withdrawCollateral refused: ${r.reason}`);
  // ---- commit ----
  m.positions.set(cmd.user, r.value);
  emit({ kind: 'MorphoCollateralWithdrawn', market: m.id, user: cmd.user, asset: m.collateralAsset, amount: cmd.amount, collateral: r.value.collateral });
  return undefined; // a withdrawal must leave the position healthy: no crossing to say
}

/** MorphoLiquidatable when a position becomes unhealthy (isHealthy, exact), MorphoHealthy when it stops being. */
function reviewMorpho(m: MorphoMarketState, users: Iterable<string>, emit: Emit): void {
  for (const user of users) {
    const p = m.positions.get(user);
    if (p === undefined) continue;
    const unhealthy = !isHealthy(m.market, p, m.price);
    if (unhealthy === m.unhealthy.has(user)) continue;
    const borrowed = borrowedAssets(m.market, p);
    const maxBorrow = wMulDown(collateralQuoted(p, m.price), m.market.lltv);
    if (unhealthy) {
      m.unhealthy.add(user);
      emit({ kind: 'MorphoLiquidatable', market: m.id, user, borrowed, maxBorrow });
    } else {
      m.unhealthy.delete(user);
      emit({ kind: 'MorphoHealthy', market: m.id, user, borrowed, maxBorrow });
    }
  }
}

function createMarket(s: EngineState, cmd: MorphoCreateMarket, emit: Emit): Refusal | undefined {
  if (s.morpho.has(cmd.market)) return refuse('invalid_params', 'market', `Morpho market ${cmd.market} exists: markets are immutable (MARKET_ALREADY_CREATED)`);
  if (cmd.loanAsset === cmd.collateralAsset) return refuse('invalid_params', 'collateralAsset', 'the collateral must differ from the loan asset');
  // Morpho's enabled LLTVs are below 1 (enableLltv: MAX_LLTV_EXCEEDED); 0 would make every borrow unhealthy
  if (cmd.lltvWad <= 0n || cmd.lltvWad >= WAD) return refuse('invalid_params', 'lltvWad', 'the LLTV must be within (0, 1)');
  if (cmd.price <= 0n) return refuse('invalid_params', 'price', 'the price must be positive');
  const market: MorphoMarket = { lltv: cmd.lltvWad, totalSupplyAssets: 0n, totalSupplyShares: 0n, totalBorrowAssets: 0n, totalBorrowShares: 0n };
  s.morpho.set(cmd.market, {
    id: cmd.market, loanAsset: cmd.loanAsset, collateralAsset: cmd.collateralAsset, market, price: cmd.price,
    positions: new Map(), preLiquidation: new Map(), supplyShares: new Map(), unhealthy: new Set(),
  });
  emit({
    kind: 'MorphoMarketCreated', market: cmd.market, loanAsset: cmd.loanAsset, collateralAsset: cmd.collateralAsset, lltvWad: cmd.lltvWad,
    incentiveFactorWad: liquidationIncentiveFactor(cmd.lltvWad), price: cmd.price,
  });
  return undefined;
}

function setPrice(m: MorphoMarketState, cmd: MorphoPrice, emit: Emit): Refusal | undefined {
  if (cmd.price <= 0n) return refuse('invalid_params', 'price', 'the price must be positive');
  m.price = cmd.price;
  emit({ kind: 'MorphoPriced', market: m.id, price: cmd.price });
  reviewMorpho(m, m.positions.keys(), emit);
  return undefined;
}

function amountCommand(m: MorphoMarketState, cmd: MorphoAmountCommand, emit: Emit): Refusal | undefined {
  const position = m.positions.get(cmd.user) ?? NO_POSITION;
  if (cmd.kind === 'morpho_supply') {
    const r = morphoSupply(m.market, cmd.amount);
    if (!r.ok) return refuse(r.reason, 'amount', `supply refused: ${r.reason}`);
    m.market = r.value.market;
    m.supplyShares.set(cmd.user, (m.supplyShares.get(cmd.user) ?? 0n) + r.value.shares);
    emit({ kind: 'MorphoSupplied', market: m.id, user: cmd.user, asset: m.loanAsset, amount: cmd.amount, shares: r.value.shares });
    return undefined;
  }
  if (cmd.kind === 'morpho_supply_collateral') {
    const r = morphoSupplyCollateral(position, cmd.amount);
    if (!r.ok) return refuse(r.reason, 'amount', `supplyCollateral refused: ${r.reason}`);
    m.positions.set(cmd.user, r.value);
    emit({ kind: 'MorphoCollateralSupplied', market: m.id, user: cmd.user, asset: m.collateralAsset, amount: cmd.amount, collateral: r.value.collateral });
    return undefined;
  }
  const r = morphoBorrow(m.market, position, m.price, cmd.amount);
  if (!r.ok) return refuse(r.reason, r.reason === 'invalid_amount' ? 'amount' : 'user', `borrow refused: ${r.reason}`);
  m.market = r.value.market;
  m.positions.set(cmd.user, r.value.position);
  emit({ kind: 'MorphoBorrowed', market: m.id, user: cmd.user, asset: m.loanAsset, amount: cmd.amount, shares: r.value.shares });
  reviewMorpho(m, [cmd.user], emit);
  return undefined;
}

function setPreLiquidation(m: MorphoMarketState, cmd: MorphoSetPreLiquidation, emit: Emit): Refusal | undefined {
  const params: PreLiquidationParams = { preLltv: cmd.preLltvWad, preLCF1: cmd.preLCF1Wad, preLCF2: cmd.preLCF2Wad, preLIF1: cmd.preLIF1Wad, preLIF2: cmd.preLIF2Wad };
  const problem = preLiquidationParamProblems(m.market.lltv, params)[0];
  if (problem !== undefined) return refuse('invalid_params', `${problem.path}Wad`, `${problem.path} ${problem.message}`);
  m.preLiquidation.set(cmd.user, params);
  emit({ kind: 'MorphoPreLiquidationSet', market: m.id, user: cmd.user, preLltvWad: cmd.preLltvWad, preLCF1Wad: cmd.preLCF1Wad, preLCF2Wad: cmd.preLCF2Wad, preLIF1Wad: cmd.preLIF1Wad, preLIF2Wad: cmd.preLIF2Wad });
  return undefined;
}

function liquidateCommand(m: MorphoMarketState, cmd: MorphoLiquidate, emit: Emit): Refusal | undefined {
  if (cmd.seizedAssets < 0n || cmd.repaidShares < 0n) return refuse('invalid_amount', cmd.seizedAssets < 0n ? 'seizedAssets' : 'repaidShares', 'amounts are unsigned');
  const position = m.positions.get(cmd.user) ?? NO_POSITION;
  const input = { seizedAssets: cmd.seizedAssets, repaidShares: cmd.repaidShares };
  let result: Pick<MorphoLiquidation, 'seizedAssets' | 'repaidShares' | 'repaidAssets' | 'badDebtAssets' | 'badDebtShares' | 'market' | 'position'>;
  let incentiveFactorWad: bigint;
  if (cmd.pre) {
    const params = m.preLiquidation.get(cmd.user);
    if (params === undefined) return refuse('no_pre_liquidation', 'user', `${cmd.user} has not opted in to pre-liquidation`);
    // One oracle here: the pre-liquidation contract's and the market's are the same price.
    const r = preLiquidate(m.market, position, m.price, m.price, params, input);
    if (!r.ok) return refuse(r.reason, r.reason === 'inconsistent_input' || r.reason === 'exceeds_position' || r.reason === 'pre_liquidation_too_large' ? 'repaidShares' : 'user', `preLiquidate refused: ${r.reason}`);
    result = { ...r.value, badDebtAssets: 0n, badDebtShares: 0n };
    incentiveFactorWad = r.value.terms.preLIF;
  } else {
    const r = liquidate(m.market, position, m.price, input);
    if (!r.ok) return refuse(r.reason, r.reason === 'healthy_position' ? 'user' : 'repaidShares', `liquidate refused: ${r.reason}`);
    result = r.value;
    incentiveFactorWad = r.value.liquidationIncentiveFactor;
  }
  // ---- commit ----
  m.market = result.market;
  m.positions.set(cmd.user, result.position);
  emit({
    kind: 'MorphoLiquidated', market: m.id, user: cmd.user, liquidator: cmd.liquidator, asset: m.loanAsset, pre: cmd.pre, incentiveFactorWad,
    repaidShares: result.repaidShares, repaidAssets: result.repaidAssets, badDebtAssets: result.badDebtAssets, badDebtShares: result.badDebtShares,
    borrowShares: result.position.borrowShares,
  });
  emit({ kind: 'MorphoCollateralSeized', market: m.id, user: cmd.user, liquidator: cmd.liquidator, asset: m.collateralAsset, seized: result.seizedAssets, collateral: result.position.collateral });
  reviewMorpho(m, [cmd.user], emit);
  return undefined;
}

// ---- queries ----

/** Every unhealthy position of a Morpho market with its full liquidation and the profit net of gas (loan atoms). */
export function morphoKeeperView(s: Pick<EngineState, 'morpho'>, market: string, gasCostLoan: bigint): readonly MorphoOpportunity[] | undefined {
  const m = s.morpho.get(market);
  return m === undefined ? undefined : morphoOpportunities(m.market, m.positions, m.price, gasCostLoan);
}

/** Whether a position is healthy at the market's price (Morpho._isHealthy); undefined for an unknown market. */
export function morphoIsHealthy(s: Pick<EngineState, 'morpho'>, market: string, user: string): boolean | undefined {
  const m = s.morpho.get(market);
  return m === undefined ? undefined : isHealthy(m.market, m.positions.get(user) ?? NO_POSITION, m.price);
}

// ---- snapshot ----

export interface MorphoMarketSnapshot {
  readonly id: string;
  readonly loanAsset: string;
  readonly collateralAsset: string;
  readonly market: MorphoMarket;
  readonly price: bigint;
  readonly positions: readonly (readonly [string, MorphoPosition])[];
  readonly preLiquidation: readonly (readonly [string, PreLiquidationParams])[];
  readonly supplyShares: readonly (readonly [string, bigint])[];
  /** Unhealthy borrowers as last said; absent when none (snapshots written before it keep their bytes). */
  readonly unhealthy?: readonly string[];
}

export function snapshotMorpho(markets: MorphoMarkets): MorphoMarketSnapshot[] {
  return [...markets.values()].map((m) => ({
    id: m.id, loanAsset: m.loanAsset, collateralAsset: m.collateralAsset, market: { ...m.market }, price: m.price,
    positions: [...m.positions].map(([u, p]) => [u, { ...p }] as const),
    preLiquidation: [...m.preLiquidation].map(([u, p]) => [u, { ...p }] as const),
    supplyShares: [...m.supplyShares],
    ...(m.unhealthy.size === 0 ? {} : { unhealthy: [...m.unhealthy] }),
  }));
}

export function restoreMorpho(into: MorphoMarkets, snap: readonly MorphoMarketSnapshot[] | undefined): void {
  for (const m of snap ?? []) {
    into.set(m.id, {
      id: m.id, loanAsset: m.loanAsset, collateralAsset: m.collateralAsset, market: { ...m.market }, price: m.price,
      positions: new Map(m.positions.map(([u, p]) => [u, { ...p }])),
      preLiquidation: new Map(m.preLiquidation.map(([u, p]) => [u, { ...p }])),
      supplyShares: new Map(m.supplyShares),
      unhealthy: new Set(m.unhealthy ?? []),
    });
  }
}
