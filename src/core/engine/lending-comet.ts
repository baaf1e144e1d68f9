// Compound v3 (Comet) markets inside the engine (issue 18): the comet_* commands dispatched to core/lending's Comet
// rules (comet-actions.ts supply / withdraw; comet.ts isLiquidatable, absorb, buyCollateral, getReserves), which
// stay the single source of truth; this file checks ids and parameter domains, commits the rules' results and says
// what happened. A market is one base asset (lent and borrowed) and its collaterals, with 8-decimal feed prices and
// 1e18 factors, as Comet's Configuration; it is immutable once created. A market given `rates` accrues interest
// (comet-math accrueCometIndexes: Comet.accrueInternal) at the start of every command on it and on every tick, so
// CometLiquidatable is said when interest alone crosses the line; without rates the indexes stay at 1e15. A refused
// command changes nothing (not even the accrual, as a reverted call): the rules return the new state as values,
// committed only when they accept.

import { cometSupplyBase, cometSupplyCollateral, cometWithdrawBase, cometWithdrawCollateral } from '../lending/comet-actions.js';
import { absorb, buyCollateral, getCollateralReserves, getReserves, isLiquidatable, type CometAccount, type CometAsset, type CometMarket } from '../lending/comet.js';
import { accrueCometIndexes, BASE_INDEX_SCALE, FACTOR_SCALE, presentValue, type CometRateModel, type CometRates } from '../lending/comet-math.js';
import { cometStoreFrontOpportunities, type CometStoreFrontOpportunity } from '../lending/keeper.js';
import type { LendingReason } from '../lending/result.js';
import type { Emit } from './emit.js';
import type { CometAbsorb, CometAmountCommand, CometBuyCollateral, CometCommand, CometCreateMarket, CometPrice } from './lending-commands.js';
import { reject, type LendingRejection, type Refusal } from './reasons.js';
import type { EngineState } from './state.js';
import { secondsOf } from './lending-commands.js';

export interface CometMarketState {
  readonly id: string;
  readonly baseAsset: string;
  readonly baseBorrowMin: bigint;
  /** Decimals of the base asset and of each collateral (one number per asset id engine-wide). */
  readonly decimals: ReadonlyMap<string, number>;
  readonly supplyCaps: ReadonlyMap<string, bigint>;
  /** The rules' market (totals, balances, prices), replaced by each accepted command's result. */
  market: CometMarket;
  /** Accounts in order of their first command. */
  readonly accounts: Map<string, CometAccount>;
  /** Accounts isLiquidatable as last said (CometLiquidatable / CometHealthy). */
  readonly liquidatable: Set<string>;
  /** The rate model and the second interest was last accrued to (Comet's lastAccrualTime); absent: no interest. */
  readonly interest?: { readonly rates: CometRates; lastAccrualS: bigint };
}

export type CometMarkets = Map<string, CometMarketState>;

const NO_ACCOUNT: CometAccount = { principal: 0n, collateral: new Map() };
/** Comet keeps at most 15 collaterals (MAX_ASSETS, the assetsIn bitmap of a uint16). */
const MAX_ASSETS = 15;
const DECIMALS_MAX = 30;
const UINT64_MAX = 2n ** 64n - 1n;

function refuse(reason: LendingReason, field: string, message: string): LendingRejection {
  return { reason, field, message };
}

/** The decimals of an asset some Comet market declares, or undefined. */
export function cometAssetDecimals(s: Pick<EngineState, 'comet'>, asset: string): number | undefined {
  for (const m of s.comet.values()) {
    const d = m.decimals.get(asset);
    if (d !== undefined) return d;
  }
  return undefined;
}

export function applyComet(s: EngineState, cmd: CometCommand, emit: Emit, knownDecimals: (asset: string) => number | undefined): Refusal | undefined {
  if (cmd.kind === 'comet_market') return createMarket(s, cmd, emit, knownDecimals);
  const m = s.comet.get(cmd.market);
  if (m === undefined) return refuse('reserve_unknown', 'market', `no Compound v3 market ${cmd.market}`);
  // Comet accrues first in every call; a refused call reverts, accrual included
  const before = { market: m.market, lastAccrualS: m.interest?.lastAccrualS };
  accrue(m, secondsOf(cmd.tsMs));
  const refusal = applyToMarket(s, m, cmd, emit);
  if (refusal !== undefined) {
    m.market = before.market;
    if (m.interest !== undefined && before.lastAccrualS !== undefined) m.interest.lastAccrualS = before.lastAccrualS;
  }
  return refusal;
}

/** The market at second nowS: its indexes accrued since the last accrual (itself without interest or time). */
function accruedMarket(m: CometMarketState, nowS: bigint): CometMarket {
  if (m.interest === undefined || nowS <= m.interest.lastAccrualS) return m.market;
  const indexes = accrueCometIndexes(m.market, m.interest.rates, nowS - m.interest.lastAccrualS);
  return { ...m.market, baseSupplyIndex: indexes.baseSupplyIndex, baseBorrowIndex: indexes.baseBorrowIndex };
}

function accrue(m: CometMarketState, nowS: bigint): void {
  if (m.interest === undefined || nowS <= m.interest.lastAccrualS) return;
  m.market = accruedMarket(m, nowS);
  m.interest.lastAccrualS = nowS;
}

/** On tick: every market with rates accrues to tsMs and says who interest alone made liquidatable (or healthy). */
export function reviewCometInterest(s: Pick<EngineState, 'comet'>, tsMs: number, emit: Emit): void {
  for (const m of s.comet.values()) {
    if (m.interest === undefined) continue;
    accrue(m, secondsOf(tsMs));
    reviewComet(m, m.accounts.keys(), emit);
  }
}

function applyToMarket(s: EngineState, m: CometMarketState, cmd: Exclude<CometCommand, CometCreateMarket>, emit: Emit): Refusal | undefined {
  const halted = s.guards.halted;
  switch (cmd.kind) {
    case 'comet_price':
      return setPrices(m, cmd, emit);
    case 'comet_supply':
      return supplyCommand(m, cmd, emit);
    case 'comet_withdraw':
      return withdrawCommand(m, cmd, emit, halted === null ? null : halted.reason);
    case 'comet_absorb':
      if (halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${halted.reason}): no liquidations`);
      return absorbCommand(m, cmd, emit);
    case 'comet_buy_collateral':
      if (halted !== null) return reject('engine_halted', 'kind', `the engine is halted (${halted.reason}): no liquidations`);
      return buyCommand(m, cmd, emit);
  }
}

function createMarket(s: EngineState, cmd: CometCreateMarket, emit: Emit, knownDecimals: (asset: string) => number | undefined): Refusal | undefined {
  const bad = (field: string, why: string): LendingRejection => refuse('invalid_params', field, `${field} ${why}`);
  if (s.comet.has(cmd.market)) return bad('market', 'exists: a Compound v3 market is immutable');
  const decimals = new Map<string, number>();
  const declare = (asset: string, d: number, field: string): LendingRejection | undefined => {
    if (!Number.isInteger(d) || d < 0 || d > DECIMALS_MAX) return bad(field, `must be an integer in [0, ${DECIMALS_MAX}]`);
    const known = knownDecimals(asset);
    if (known !== undefined && known !== d) return bad(field, `${asset} has ${known} decimals in this engine`);
    if (decimals.has(asset)) return bad(field, `${asset} appears twice`);
    decimals.set(asset, d);
    return undefined;
  };
  const baseProblem = declare(cmd.baseAsset, cmd.baseDecimals, 'baseDecimals');
  if (baseProblem !== undefined) return baseProblem;
  if (cmd.basePrice <= 0n) return bad('basePrice', 'must be positive');
  if (cmd.baseBorrowMin < 0n) return bad('baseBorrowMin', 'must not be negative');
  if (cmd.targetReserves < 0n) return bad('targetReserves', 'must not be negative');
  // Comet's constructor: BadDiscount when storeFrontPriceFactor > FACTOR_SCALE
  if (cmd.storeFrontPriceFactorWad < 0n || cmd.storeFrontPriceFactorWad > FACTOR_SCALE) return bad('storeFrontPriceFactorWad', 'must be within [0, 1]');
  if (cmd.collaterals.length > MAX_ASSETS) return bad('collaterals', `at most ${MAX_ASSETS} (Comet's TooManyAssets)`);
  for (const side of ['supply', 'borrow'] as const) {
    const model: CometRateModel | undefined = cmd.rates?.[side];
    if (model === undefined) continue;
    // Comet stores each as a uint64
    for (const [name, v] of Object.entries(model)) if (v < 0n || v > UINT64_MAX) return bad(`rates.${side}.${name}`, 'must be within [0, 2^64)');
  }
  const assets: CometAsset[] = [];
  for (const [i, c] of cmd.collaterals.entries()) {
    const at = `collaterals[${i}]`;
    const p = declare(c.asset, c.decimals, `${at}.decimals`);
    if (p !== undefined) return p;
    if (c.price <= 0n) return bad(`${at}.price`, 'must be positive');
    // Comet's getPackedAssetInternal: BorrowCFTooLarge (borrowCF >= liquidateCF), LiquidateCFTooLarge (> 1)
    if (c.borrowCollateralFactorWad < 0n || c.borrowCollateralFactorWad >= c.liquidateCollateralFactorWad) return bad(`${at}.borrowCollateralFactorWad`, 'must be within [0, liquidateCollateralFactor)');
    if (c.liquidateCollateralFactorWad > FACTOR_SCALE) return bad(`${at}.liquidateCollateralFactorWad`, 'must not exceed 1');
    if (c.liquidationFactorWad < 0n || c.liquidationFactorWad > FACTOR_SCALE) return bad(`${at}.liquidationFactorWad`, 'must be within [0, 1]');
    if (c.supplyCap < 0n) return bad(`${at}.supplyCap`, 'must not be negative');
    assets.push({
      asset: c.asset, scale: 10n ** BigInt(c.decimals), price: c.price, borrowCollateralFactor: c.borrowCollateralFactorWad,
      liquidateCollateralFactor: c.liquidateCollateralFactorWad, liquidationFactor: c.liquidationFactorWad,
    });
  }
  // ---- commit ----
  const market: CometMarket = {
    baseScale: 10n ** BigInt(cmd.baseDecimals), basePrice: cmd.basePrice, storeFrontPriceFactor: cmd.storeFrontPriceFactorWad,
    targetReserves: cmd.targetReserves, baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE, totalSupplyBase: 0n,
    totalBorrowBase: 0n, baseBalance: 0n, assets, collateralBalances: new Map(), totalsCollateral: new Map(),
  };
  s.comet.set(cmd.market, {
    id: cmd.market, baseAsset: cmd.baseAsset, baseBorrowMin: cmd.baseBorrowMin, decimals,
    supplyCaps: new Map(cmd.collaterals.map((c) => [c.asset, c.supplyCap])), market, accounts: new Map(), liquidatable: new Set(),
    ...(cmd.rates === undefined ? {} : { interest: { rates: cmd.rates, lastAccrualS: secondsOf(cmd.tsMs) } }),
  });
  emit({
    kind: 'CometMarketCreated', market: cmd.market, asset: cmd.baseAsset, price: cmd.basePrice, baseBorrowMin: cmd.baseBorrowMin,
    targetReserves: cmd.targetReserves, storeFrontPriceFactorWad: cmd.storeFrontPriceFactorWad,
  });
  for (const c of cmd.collaterals) {
    emit({
      kind: 'CometCollateralListed', market: cmd.market, asset: c.asset, price: c.price, borrowCollateralFactorWad: c.borrowCollateralFactorWad,
      liquidateCollateralFactorWad: c.liquidateCollateralFactorWad, liquidationFactorWad: c.liquidationFactorWad, supplyCap: c.supplyCap,
    });
  }
  return undefined;
}

function setPrices(m: CometMarketState, cmd: CometPrice, emit: Emit): Refusal | undefined {
  if (cmd.prices.length === 0) return reject('invalid_field', 'prices', 'give at least one price');
  const seen = new Set<string>();
  for (const [i, p] of cmd.prices.entries()) {
    if (!m.decimals.has(p.asset)) return refuse('reserve_unknown', `prices[${i}].asset`, `market ${m.id} has no asset ${p.asset}`);
    if (seen.has(p.asset)) return reject('invalid_field', `prices[${i}].asset`, `${p.asset} is priced twice`);
    seen.add(p.asset);
    if (p.price <= 0n) return refuse('invalid_params', `prices[${i}].price`, 'a price must be positive');
  }
  // ---- commit ----
  const price = new Map(cmd.prices.map((p) => [p.asset, p.price]));
  m.market = {
    ...m.market,
    basePrice: price.get(m.baseAsset) ?? m.market.basePrice,
    assets: m.market.assets.map((a) => ({ ...a, price: price.get(a.asset) ?? a.price })),
  };
  for (const p of cmd.prices) emit({ kind: 'CometPriced', market: m.id, asset: p.asset, price: p.price });
  reviewComet(m, m.accounts.keys(), emit);
  return undefined;
}

function supplyCommand(m: CometMarketState, cmd: CometAmountCommand, emit: Emit): Refusal | undefined {
  const account = m.accounts.get(cmd.user) ?? NO_ACCOUNT;
  const base = cmd.asset === m.baseAsset;
  if (!base && !m.decimals.has(cmd.asset)) return refuse('reserve_unknown', 'asset', `market ${m.id} has no asset ${cmd.asset}`);
  const r = base
    ? cometSupplyBase(m.market, account, cmd.amount)
    : cometSupplyCollateral(m.market, account, cmd.asset, cmd.amount, m.supplyCaps.get(cmd.asset) ?? 0n);
  if (!r.ok) return refuse(r.reason, r.reason === 'reserve_unknown' ? 'asset' : 'amount', `supply refused: ${r.reason}`);
  // ---- commit ----
  m.market = r.value.market;
  m.accounts.set(cmd.user, r.value.account);
  emit({ kind: 'CometSupplied', market: m.id, user: cmd.user, asset: cmd.asset, amount: cmd.amount, balance: balanceOf(m, r.value.account, cmd.asset) });
  reviewComet(m, [cmd.user], emit);
  return undefined;
}

function withdrawCommand(m: CometMarketState, cmd: CometAmountCommand, emit: Emit, haltedReason: string | null): Refusal | undefined {
  const account = m.accounts.get(cmd.user) ?? NO_ACCOUNT;
  const base = cmd.asset === m.baseAsset;
  if (!base && !m.decimals.has(cmd.asset)) return refuse('reserve_unknown', 'asset', `market ${m.id} has no asset ${cmd.asset}`);
  const field: Partial<Record<LendingReason, string>> = { invalid_amount: 'amount', exceeds_position: 'amount', insufficient_balance: 'amount', borrow_too_small: 'amount', reserve_unknown: 'asset' };
  const r = base
    ? cometWithdrawBase(m.market, account, cmd.amount, m.baseBorrowMin)
    : cometWithdrawCollateral(m.market, account, cmd.asset, cmd.amount);
  if (!r.ok) return refuse(r.reason, field[r.reason] ?? 'user', `withdraw refused: ${r.reason}`);
  // a withdrawal of base beyond the supply is a borrow (Aave's borrows are refused while halted too)
  if (haltedReason !== null && r.value.account.principal < 0n && r.value.account.principal < account.principal) {
    return reject('engine_halted', 'kind', `the engine is halted (${haltedReason}): no borrowing`);
  }
  // ---- commit ----
  m.market = r.value.market;
  m.accounts.set(cmd.user, r.value.account);
  emit({ kind: 'CometWithdrawn', market: m.id, user: cmd.user, asset: cmd.asset, amount: cmd.amount, balance: balanceOf(m, r.value.account, cmd.asset) });
  reviewComet(m, [cmd.user], emit);
  return undefined;
}

function absorbCommand(m: CometMarketState, cmd: CometAbsorb, emit: Emit): Refusal | undefined {
  if (cmd.accounts.length === 0) return reject('invalid_field', 'accounts', 'give at least one account');
  // Every account is absorbed against the market the previous one left, as Comet's loop does; any refusal refuses
  // all (the call reverts), so the results are committed only at the end.
  let market = m.market;
  const results: { user: string; absorption: Extract<ReturnType<typeof absorb>, { ok: true }>['value']; reservesBefore: bigint }[] = [];
  const seen = new Set<string>();
  for (const [i, user] of cmd.accounts.entries()) {
    if (seen.has(user)) return reject('invalid_field', `accounts[${i}]`, `${user} appears twice`);
    seen.add(user);
    const r = absorb(market, m.accounts.get(user) ?? NO_ACCOUNT);
    if (!r.ok) return refuse(r.reason, `accounts[${i}]`, `absorb refused: ${user} is not liquidatable`);
    results.push({ user, absorption: r.value, reservesBefore: getReserves(market) });
    market = r.value.market;
  }
  // ---- commit ----
  m.market = market;
  for (const { user, absorption, reservesBefore } of results) {
    m.accounts.set(user, absorption.account);
    for (const c of absorption.collateral) {
      emit({ kind: 'CometCollateralAbsorbed', market: m.id, user, absorber: cmd.absorber, asset: c.asset, amount: c.amount, value: c.value, collateralReserves: getCollateralReserves(absorption.market, c.asset) });
    }
    const reserves = getReserves(absorption.market);
    emit({
      kind: 'CometAbsorbed', market: m.id, user, absorber: cmd.absorber, asset: m.baseAsset, basePaidOut: absorption.basePaidOut,
      valueOfBasePaidOut: absorption.valueOfBasePaidOut, balance: presentValue(absorption.market, absorption.newPrincipal), reserves, reservesDelta: reserves - reservesBefore,
    });
  }
  reviewComet(m, cmd.accounts, emit);
  return undefined;
}

function buyCommand(m: CometMarketState, cmd: CometBuyCollateral, emit: Emit): Refusal | undefined {
  if (cmd.baseAsset !== m.baseAsset) return refuse('reserve_unknown', 'baseAsset', `market ${m.id}'s base asset is ${m.baseAsset}`);
  if (cmd.baseAmount <= 0n) return refuse('invalid_amount', 'baseAmount', 'baseAmount must be positive');
  if (cmd.minAmount < 0n) return refuse('invalid_amount', 'minAmount', 'minAmount must not be negative');
  const field: Partial<Record<LendingReason, string>> = { reserve_unknown: 'asset', not_for_sale: 'kind', too_much_slippage: 'minAmount', insufficient_reserves: 'baseAmount' };
  const reservesBefore = getReserves(m.market);
  const r = buyCollateral(m.market, cmd.asset, cmd.minAmount, cmd.baseAmount);
  if (!r.ok) return refuse(r.reason, field[r.reason] ?? 'asset', `buyCollateral refused: ${r.reason}`);
  // ---- commit ----
  m.market = r.value.market;
  const reserves = getReserves(m.market);
  emit({ kind: 'CometCollateralBought', market: m.id, buyer: cmd.buyer, asset: cmd.asset, amount: r.value.collateralAmount, collateralReserves: getCollateralReserves(m.market, cmd.asset) });
  emit({ kind: 'CometReservesPaid', market: m.id, buyer: cmd.buyer, asset: m.baseAsset, amount: cmd.baseAmount, reserves, reservesDelta: reserves - reservesBefore });
  return undefined;
}

/** The account's balance of the asset after a command: the signed present value of its base, or its collateral. */
function balanceOf(m: CometMarketState, account: CometAccount, asset: string): bigint {
  return asset === m.baseAsset ? presentValue(m.market, account.principal) : account.collateral.get(asset) ?? 0n;
}

/** CometLiquidatable when an account becomes isLiquidatable (exact: the rule itself), CometHealthy when it stops. */
function reviewComet(m: CometMarketState, users: Iterable<string>, emit: Emit): void {
  for (const user of users) {
    const account = m.accounts.get(user);
    if (account === undefined) continue;
    const below = isLiquidatable(m.market, account);
    if (below && !m.liquidatable.has(user)) {
      m.liquidatable.add(user);
      emit({ kind: 'CometLiquidatable', market: m.id, user, asset: m.baseAsset, balance: presentValue(m.market, account.principal) });
    } else if (!below && m.liquidatable.delete(user)) {
      emit({ kind: 'CometHealthy', market: m.id, user, asset: m.baseAsset, balance: presentValue(m.market, account.principal) });
    }
  }
}

// ---- queries ----

/** A Comet account's figures: its base present value (signed), collateral, and whether it is liquidatable. */
export function cometAccountView(s: Pick<EngineState, 'comet'>, market: string, user: string): { balance: bigint; collateral: ReadonlyMap<string, bigint>; liquidatable: boolean } | undefined {
  const m = s.comet.get(market);
  const a = m?.accounts.get(user);
  if (m === undefined || a === undefined) return undefined;
  return { balance: presentValue(m.market, a.principal), collateral: a.collateral, liquidatable: isLiquidatable(m.market, a) };
}

export interface CometAbsorbable {
  readonly account: string;
  /** The account's signed base present value (negative: a borrow), base atoms. */
  readonly balance: bigint;
  /** What absorb would do now (comet.ts absorb): the collateral seized into the protocol and the base it pays out. */
  readonly collateral: readonly { readonly asset: string; readonly amount: bigint; readonly value: bigint }[];
  readonly basePaidOut: bigint;
  readonly valueOfBasePaidOut: bigint;
}

export interface CometKeeperView {
  /** Every account isLiquidatable now, in the order of their first command (absorb pays the absorber nothing on chain). */
  readonly absorbable: readonly CometAbsorbable[];
  /** The store front at the market's current state (keeper.ts cometStoreFrontOpportunities), profit net of gas. */
  readonly storeFront: readonly CometStoreFrontOpportunity[];
}

/**
 * A Comet market's keeper view at time tsMs (interest accrued to it, as the next call would); gasCostValue in price
 * units (8 decimals). Undefined for an unknown market.
 */
export function cometKeeperView(s: Pick<EngineState, 'comet'>, market: string, tsMs: number, gasCostValue: bigint): CometKeeperView | undefined {
  const m = s.comet.get(market);
  if (m === undefined) return undefined;
  const now = accruedMarket(m, secondsOf(tsMs));
  const absorbable: CometAbsorbable[] = [];
  for (const [account, a] of m.accounts) {
    const r = absorb(now, a);
    if (!r.ok) continue;
    absorbable.push({
      account, balance: presentValue(now, a.principal), collateral: r.value.collateral, basePaidOut: r.value.basePaidOut, valueOfBasePaidOut: r.value.valueOfBasePaidOut,
    });
  }
  return { absorbable, storeFront: cometStoreFrontOpportunities(now, gasCostValue) };
}

// ---- snapshot ----

export interface CometMarketSnapshot {
  readonly id: string;
  readonly baseAsset: string;
  readonly baseBorrowMin: bigint;
  readonly decimals: readonly (readonly [string, number])[];
  readonly supplyCaps: readonly (readonly [string, bigint])[];
  readonly market: Omit<CometMarket, 'assets' | 'collateralBalances' | 'totalsCollateral'> & {
    readonly assets: readonly CometAsset[];
    readonly collateralBalances: readonly (readonly [string, bigint])[];
    readonly totalsCollateral: readonly (readonly [string, bigint])[];
  };
  readonly accounts: readonly (readonly [string, { readonly principal: bigint; readonly collateral: readonly (readonly [string, bigint])[] }])[];
  readonly liquidatable: readonly string[];
  /** Only for a market given rates (older snapshots have none). */
  readonly interest?: { readonly rates: CometRates; readonly lastAccrualS: bigint };
}

export function snapshotComet(markets: CometMarkets): CometMarketSnapshot[] {
  return [...markets.values()].map((m) => ({
    id: m.id, baseAsset: m.baseAsset, baseBorrowMin: m.baseBorrowMin, decimals: [...m.decimals], supplyCaps: [...m.supplyCaps],
    market: {
      ...m.market, assets: m.market.assets.map((a) => ({ ...a })), collateralBalances: [...m.market.collateralBalances], totalsCollateral: [...m.market.totalsCollateral],
    },
    accounts: [...m.accounts].map(([u, a]) => [u, { principal: a.principal, collateral: [...a.collateral] }] as const),
    liquidatable: [...m.liquidatable],
    ...(m.interest === undefined ? {} : { interest: { rates: m.interest.rates, lastAccrualS: m.interest.lastAccrualS } }),
  }));
}

export function restoreComet(into: CometMarkets, snap: readonly CometMarketSnapshot[] | undefined): void {
  for (const m of snap ?? []) {
    into.set(m.id, {
      id: m.id, baseAsset: m.baseAsset, baseBorrowMin: m.baseBorrowMin, decimals: new Map(m.decimals), supplyCaps: new Map(m.supplyCaps),
      market: {
        ...m.market, assets: m.market.assets.map((a) => ({ ...a })), collateralBalances: new Map(m.market.collateralBalances), totalsCollateral: new Map(m.market.totalsCollateral),
      },
      accounts: new Map(m.accounts.map(([u, a]) => [u, { principal: a.principal, collateral: new Map(a.collateral) }])),
      liquidatable: new Set(m.liquidatable),
      ...(m.interest === undefined ? {} : { interest: { rates: m.interest.rates, lastAccrualS: m.interest.lastAccrualS } }),
    });
  }
}
