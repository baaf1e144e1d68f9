// Listing markets and assets, choosing the rulebook.

import { DEFAULT_PRICING, initialPriceState, validatePricing } from '../market/pricing.js';
import { validateSchedule } from '../market/schedule.js';
import { initialVolatilityState, type VolatilityState } from '../market/volatility.js';
import { validateRulebook } from '../rulebooks/rulebook.js';
import { OrderBook } from '../book/book.js';
import type { MarketSpec } from '../market/spec.js';
import { marketState, type MarketState } from '../market/state.js';
import { PPM_ONE, size } from '../units/index.js';
import type { SetAsset, SetMarket, SetRulebook } from './commands.js';
import type { Emit } from './emit.js';
import { CROSS_LEDGER } from './block.js';
import { lendingAssetDecimals } from './lending.js'; // lending markets (issue 18)
import { reject, type Rejection } from './reasons.js';
import type { EngineState } from './state.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/;

export function isName(id: string): boolean {
  return NAME.test(id);
}

function isDecimals(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 30;
}

export function applySetMarket(s: EngineState, cmd: SetMarket, emit: Emit): Rejection | undefined {
  const bad = checkSetMarket(s, cmd);
  if (bad !== undefined) return bad;
  commitSetMarket(s, cmd, emit);
  return undefined;
}

/** Every reason a set_market would be refused, before anything changes. */
export function checkSetMarket(s: EngineState, cmd: SetMarket): Rejection | undefined {
  const m = cmd.market;
  if (!isName(m.id)) return reject('market_invalid', 'market.id', `market id ${JSON.stringify(m.id)} must be 1-64 letters, digits or ._:@/-`);
  if (m.id === CROSS_LEDGER) return reject('market_invalid', 'market.id', `market id "${CROSS_LEDGER}" is reserved: it names an account's cross ledger`);
  if (!isDecimals(m.baseDecimals)) return reject('market_invalid', 'market.baseDecimals', 'must be an integer in [0, 30]');
  if (!isDecimals(m.priceDecimals)) return reject('market_invalid', 'market.priceDecimals', 'must be an integer in [0, 30]');
  if (m.tickSize <= 0n) return reject('market_invalid', 'market.tickSize', 'must be positive');
  if (m.stepSize <= 0n) return reject('market_invalid', 'market.stepSize', 'must be positive');
  const problem = validateSchedule(m.margin)[0];
  if (problem !== undefined) return reject('market_invalid', `market.margin.${problem.path}`, problem.message);
  const pricingProblem = m.pricing === undefined ? undefined : validatePricing(m.pricing)[0];
  if (pricingProblem !== undefined) return reject('market_invalid', `market.pricing.${pricingProblem.path}`, pricingProblem.message);
  const cap = m.openInterestCap;
  if (cap?.size !== undefined && cap.size < 0n) return reject('market_invalid', 'market.openInterestCap.size', 'must not be negative');
  if (cap?.notional !== undefined && cap.notional < 0n) return reject('market_invalid', 'market.openInterestCap.notional', 'must not be negative');
  const existing = s.markets.get(m.id);
  if (existing !== undefined) {
    if (existing.spec.baseDecimals !== m.baseDecimals || existing.spec.priceDecimals !== m.priceDecimals) {
      return reject('market_units_immutable', 'market.baseDecimals', `market ${m.id} is listed; its decimals cannot change`);
    }
    const gridChanged = existing.spec.tickSize !== m.tickSize || existing.spec.stepSize !== m.stepSize;
    if (gridChanged && existing.book.orderCount > 0) {
      return reject('market_invalid', 'market.tickSize', `market ${m.id} has resting orders; its tick and step cannot change`);
    }
  }
  return undefined;
}

/** The volatility state a listed market keeps when its spec changes (a schedule without volatility starts afresh). */
export function volatilityAfterSpec(existing: MarketState, spec: MarketSpec, nowMs: number): VolatilityState {
  return spec.margin.volatility === undefined ? initialVolatilityState(undefined, nowMs) : existing.volatility;
}

/** Applies a set_market that checkSetMarket accepted. */
export function commitSetMarket(s: EngineState, cmd: SetMarket, emit: Emit): void {
  const m = cmd.market;
  const existing = s.markets.get(m.id);
  if (existing !== undefined) {
    const gridChanged = existing.spec.tickSize !== m.tickSize || existing.spec.stepSize !== m.stepSize;
    const pricingChanged = existing.spec.pricing !== m.pricing;
    if (gridChanged) existing.book = newBook(m);
    existing.volatility = volatilityAfterSpec(existing, m, cmd.tsMs);
    existing.spec = m;
    if (pricingChanged) {
      // New sources or guards: start the price state afresh, keeping the last prices.
      existing.price = initialPriceState(m.pricing ?? DEFAULT_PRICING, cmd.tsMs);
      existing.price.lastPriceMs = existing.markPrice === null ? null : existing.priceUpdatedMs;
    }
    emit({ kind: 'MarketUpdated', market: m.id });
    return;
  }
  s.markets.set(
    m.id,
    marketState({
      spec: m,
      indexPrice: null,
      markPrice: null,
      priceUpdatedMs: cmd.tsMs,
      fundingIndex: 0n,
      openInterest: size(0n),
      volatility: initialVolatilityState(m.margin.volatility, cmd.tsMs),
      price: initialPriceState(m.pricing ?? DEFAULT_PRICING, cmd.tsMs),
      book: newBook(m),
    }),
  );
  emit({ kind: 'MarketListed', market: m.id });
}

/** Resting orders a market's book holds at most (bounds every book loop). */
export const BOOK_ORDERS_MAX = 100_000;

export function newBook(m: MarketSpec): OrderBook {
  return new OrderBook({ market: m.id, tickSize: m.tickSize, stepSize: m.stepSize, maxOrders: BOOK_ORDERS_MAX, selfTrade: 'cancel_resting' });
}

export function applySetAsset(s: EngineState, cmd: SetAsset, emit: Emit): Rejection | undefined {
  const bad = checkSetAsset(s, cmd);
  if (bad !== undefined) return bad;
  commitSetAsset(s, cmd, emit);
  return undefined;
}

export function checkSetAsset(s: EngineState, cmd: SetAsset): Rejection | undefined {
  const a = cmd.asset;
  if (!isName(a.id)) return reject('asset_invalid', 'asset.id', `asset id ${JSON.stringify(a.id)} must be 1-64 letters, digits or ._:@/-`);
  if (a.id === s.settlementAsset) return reject('asset_invalid', 'asset.id', `${a.id} is the settlement asset; it is configured with the engine`);
  if (!isDecimals(a.decimals)) return reject('asset_invalid', 'asset.decimals', 'must be an integer in [0, 30]');
  const existing = s.assets.get(a.id);
  if (existing !== undefined && existing.decimals !== a.decimals) {
    return reject('asset_invalid', 'asset.decimals', `asset ${a.id} is listed; its decimals cannot change`);
  }
  // lending markets (issue 18): one number of decimals per asset id, a lending reserve's included
  const reserveDecimals = lendingAssetDecimals(s, a.id);
  if (reserveDecimals !== undefined && reserveDecimals !== a.decimals) {
    return reject('asset_invalid', 'asset.decimals', `asset ${a.id} has ${reserveDecimals} decimals as a lending reserve`);
  }
  if (a.collateralWeightPpm < 0n || a.collateralWeightPpm > PPM_ONE) {
    return reject('asset_invalid', 'asset.collateralWeightPpm', 'must be in [0, 1e6]');
  }
  if (a.liquidationThresholdPpm < 0n || a.liquidationThresholdPpm > PPM_ONE) {
    return reject('asset_invalid', 'asset.liquidationThresholdPpm', 'must be in [0, 1e6]');
  }
  if (a.ltvPpm < 0n || a.ltvPpm > a.liquidationThresholdPpm) {
    return reject('asset_invalid', 'asset.ltvPpm', 'must be in [0, liquidationThresholdPpm]');
  }
  if (!s.markets.has(a.priceMarket)) {
    return reject('market_unknown', 'asset.priceMarket', `price market ${a.priceMarket} is not listed; list it first`);
  }
  const peg = a.peg;
  if (peg !== undefined) {
    if (peg.conversionRateWad <= 0n) return reject('asset_invalid', 'asset.peg.conversionRateWad', 'must be positive');
    if (peg.depegBandPpm < 0n || peg.depegBandPpm > PPM_ONE) return reject('asset_invalid', 'asset.peg.depegBandPpm', 'must be in [0, 1e6]');
    if (peg.market !== undefined) {
      if (peg.market === a.priceMarket) {
        return reject('asset_invalid', 'asset.peg.market', 'the asset\'s own market is watched, never priced off: priceMarket must be the underlying\'s market');
      }
      if (!s.markets.has(peg.market)) return reject('market_unknown', 'asset.peg.market', `market ${peg.market} is not listed; list it first`);
    }
  }
  return undefined;
}

export function commitSetAsset(s: EngineState, cmd: SetAsset, emit: Emit): void {
  const a = cmd.asset;
  const existing = s.assets.get(a.id);
  s.assets.set(a.id, a);
  // A depeg is announced against the peg it was measured by; a new peg is measured afresh on the next price.
  if (a.peg?.market === undefined) s.guards.depegged.delete(a.id);
  emit({ kind: existing === undefined ? 'AssetListed' : 'AssetUpdated', asset: a.id });
}

export function applySetRulebook(s: EngineState, cmd: SetRulebook, emit: Emit): Rejection | undefined {
  const bad = checkSetRulebook(cmd);
  if (bad !== undefined) return bad;
  commitSetRulebook(s, cmd, emit);
  return undefined;
}

export function checkSetRulebook(cmd: SetRulebook): Rejection | undefined {
  const problem = validateRulebook(cmd.rulebook)[0];
  return problem === undefined ? undefined : reject('rulebook_invalid', `rulebook.${problem.path}`, problem.message);
}

export function commitSetRulebook(s: EngineState, cmd: SetRulebook, emit: Emit): void {
  s.rulebook = cmd.rulebook;
  emit({ kind: 'RulebookSet', rulebook: cmd.rulebook.name });
}
