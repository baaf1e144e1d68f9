// Compound v3 (Comet)'s fixed-point arithmetic, rounded as the contracts round it.
//
// Sources (compound-finance/comet at d5a30b0aaeff7755f1431e87f818990902237b03):
// - contracts/CometCore.sol: FACTOR_SCALE 1e18, BASE_INDEX_SCALE 1e15, PRICE_SCALE 1e8 (8-decimal price feeds);
//   presentValueSupply/Borrow = principal x index / 1e15 (floor); principalValueSupply floors and
//   principalValueBorrow rounds UP ((pv x 1e15 + index - 1) / index), so rounding always favours the protocol.
// - contracts/Comet.sol: mulFactor = n x factor / 1e18, mulPrice = n x price / fromScale, divPrice =
//   n x toScale / price (all floor, unsigned); signedMulPrice divides a signed value, truncating toward zero as
//   Solidity's signed division does; accruedInterestIndices: index += mulFactor(index, ratePerSecond x dt).

import { assert } from '../assert.js';
import { divRound } from '../units/fixed.js';

export const FACTOR_SCALE = 10n ** 18n;
export const BASE_INDEX_SCALE = 10n ** 15n;
export const PRICE_SCALE = 10n ** 8n;

function unsigned(...xs: bigint[]): void {
  for (const x of xs) assert(x >= 0n, 'comet-math: operand is unsigned');
}

/** n x factor / 1e18, floor (Comet.mulFactor). */
export function mulFactor(n: bigint, factor: bigint): bigint {
  unsigned(n, factor);
  return divRound(n * factor, FACTOR_SCALE, 'floor');
}

/** An amount at fromScale times a price: a price-denominated value, floor (Comet.mulPrice). */
export function mulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  unsigned(n, price, fromScale);
  return divRound(n * price, fromScale, 'floor');
}

/** A signed amount times a price, truncated toward zero (Comet.signedMulPrice, Solidity int division). */
export function signedMulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  unsigned(price, fromScale);
  return divRound(n * price, fromScale, 'trunc');
}

/** A price-denominated value as an amount at toScale, floor (Comet.divPrice). */
export function divPrice(n: bigint, price: bigint, toScale: bigint): bigint {
  unsigned(n, price, toScale);
  return divRound(n * toScale, price, 'floor');
}

/** principal x supply index / 1e15, floor (CometCore.presentValueSupply). */
export function presentValueSupply(baseSupplyIndex: bigint, principal: bigint): bigint {
  unsigned(baseSupplyIndex, principal);
  return divRound(principal * baseSupplyIndex, BASE_INDEX_SCALE, 'floor');
}

/** principal x borrow index / 1e15, floor (CometCore.presentValueBorrow). */
export function presentValueBorrow(baseBorrowIndex: bigint, principal: bigint): bigint {
  unsigned(baseBorrowIndex, principal);
  return divRound(principal * baseBorrowIndex, BASE_INDEX_SCALE, 'floor');
}

/** present value x 1e15 / supply index, floor (CometCore.principalValueSupply). */
export function principalValueSupply(baseSupplyIndex: bigint, presentValue: bigint): bigint {
  unsigned(baseSupplyIndex, presentValue);
  return divRound(presentValue * BASE_INDEX_SCALE, baseSupplyIndex, 'floor');
}

/** present value x 1e15 / borrow index, rounded UP (CometCore.principalValueBorrow). */
export function principalValueBorrow(baseBorrowIndex: bigint, presentValue: bigint): bigint {
  unsigned(baseBorrowIndex, presentValue);
  return divRound(presentValue * BASE_INDEX_SCALE, baseBorrowIndex, 'ceil');
}

export interface BaseIndexes {
  readonly baseSupplyIndex: bigint;
  readonly baseBorrowIndex: bigint;
}

/** A signed principal's present value: supply if >= 0, minus the borrow otherwise (CometCore.presentValue). */
export function presentValue(indexes: BaseIndexes, principal: bigint): bigint {
  return principal >= 0n
    ? presentValueSupply(indexes.baseSupplyIndex, principal)
    : -presentValueBorrow(indexes.baseBorrowIndex, -principal);
}

/** A signed present value's principal (CometCore.principalValue). */
export function principalValue(indexes: BaseIndexes, presentValue: bigint): bigint {
  return presentValue >= 0n
    ? principalValueSupply(indexes.baseSupplyIndex, presentValue)
    : -principalValueBorrow(indexes.baseBorrowIndex, -presentValue);
}

/** The indexes after dt seconds at per-second rates (1e18 = 100% a second), Comet.accruedInterestIndices. */
export function accruedIndexes(indexes: BaseIndexes, supplyRatePerSecond: bigint, borrowRatePerSecond: bigint, elapsedS: bigint): BaseIndexes {
  unsigned(supplyRatePerSecond, borrowRatePerSecond, elapsedS);
  if (elapsedS === 0n) return indexes;
  return {
    baseSupplyIndex: indexes.baseSupplyIndex + mulFactor(indexes.baseSupplyIndex, supplyRatePerSecond * elapsedS),
    baseBorrowIndex: indexes.baseBorrowIndex + mulFactor(indexes.baseBorrowIndex, borrowRatePerSecond * elapsedS),
  };
}

// ---- the kink rate model (Comet.sol at d5a30b0: getUtilization, getSupplyRate, getBorrowRate; the Configurator's
// per-year parameters become per-second ones in Comet's constructor: perYear / SECONDS_PER_YEAR, floor) ----

export const SECONDS_PER_YEAR = 31_536_000n;

/** One side's kinked line, all 1e18 factors; the three rates per second. */
export interface CometRateModel {
  readonly kink: bigint;
  readonly perSecondInterestRateBase: bigint;
  readonly perSecondInterestRateSlopeLow: bigint;
  readonly perSecondInterestRateSlopeHigh: bigint;
}

export interface CometRates {
  readonly supply: CometRateModel;
  readonly borrow: CometRateModel;
}

export interface CometTotals extends BaseIndexes {
  readonly totalSupplyBase: bigint;
  readonly totalBorrowBase: bigint;
}

/** totalBorrow x 1e18 / totalSupply at present value, floor; 0 without supply (Comet.getUtilization). */
export function cometUtilization(totals: CometTotals): bigint {
  const supply = presentValueSupply(totals.baseSupplyIndex, totals.totalSupplyBase);
  const borrow = presentValueBorrow(totals.baseBorrowIndex, totals.totalBorrowBase);
  return supply === 0n ? 0n : divRound(borrow * FACTOR_SCALE, supply, 'floor');
}

/**
 * Comet.getSupplyRate / getBorrowRate (the same shape on each side): base + slopeLow x u up to the kink, then
 * base + slopeLow x kink + slopeHigh x (u - kink); each product mulFactor (floor).
 */
export function cometRate(model: CometRateModel, utilization: bigint): bigint {
  unsigned(utilization);
  if (utilization <= model.kink) return model.perSecondInterestRateBase + mulFactor(model.perSecondInterestRateSlopeLow, utilization);
  return model.perSecondInterestRateBase + mulFactor(model.perSecondInterestRateSlopeLow, model.kink) + mulFactor(model.perSecondInterestRateSlopeHigh, utilization - model.kink);
}

/** Comet.accrueInternal's indexes: the rates at the utilization before accrual, over elapsedS seconds. */
export function accrueCometIndexes(totals: CometTotals, rates: CometRates, elapsedS: bigint): BaseIndexes {
  if (elapsedS === 0n) return totals;
  const u = cometUtilization(totals);
  return accruedIndexes(totals, cometRate(rates.supply, u), cometRate(rates.borrow, u), elapsedS);
}
