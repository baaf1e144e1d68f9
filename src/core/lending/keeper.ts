// The keeper's view: which loans can be liquidated now, the most debt a liquidator may repay, the collateral that
// buys, and the liquidator's profit after the protocol's fee and a gas cost. Each figure comes from the venue's
// own rule (aave-liquidation, morpho, comet): nothing is restated here. And the check that a venue's dust size
// still leaves a liquidation worth doing: bonus - fee - gas > 0 on the smallest position the rules can leave.

import { assert } from '../assert.js';
import { divRound, pow10 } from '../units/fixed.js';
import {
  AAVE_V33_CONFIG, availableCollateralToLiquidate, DEBT_TO_COVER_MAX, liquidationCall, minLeftoverBase,
  type AaveLiquidation, type AaveLiquidationConfig,
} from './aave-liquidation.js';
import { calculateUserAccountData, debtBalance, HEALTH_FACTOR_LIQUIDATION_THRESHOLD, staticReserve, type AaveAccount, type AaveMarket, type AaveReserve } from './aave-reserve.js';
import { getCollateralReserves, getReserves, quoteCollateral, type CometMarket } from './comet.js';
import { mulPrice } from './comet-math.js';
import { isHealthy, liquidate, type MorphoMarket, type MorphoPosition } from './morpho.js';
import { mulDivDown, ORACLE_PRICE_SCALE } from './morpho-math.js';

/** Bisection steps for the largest debtToCover the dust rule accepts (a uint256 amount halves to 1 in 256). */
const DUST_SEARCH_STEPS_MAX = 256;

export interface AaveOpportunity {
  readonly account: string;
  readonly collateralAsset: string;
  readonly debtAsset: string;
  readonly healthFactorWad: bigint;
  /** The most debt one call may repay, debt-asset atoms (the close factor, the holdings and the dust rule). */
  readonly maxRepayableDebt: bigint;
  /** The debtToCover that makes liquidationCall do exactly this (DEBT_TO_COVER_MAX, or less when the maximum leaves dust). */
  readonly debtToCover: bigint;
  /** Collateral atoms the liquidator receives for it (after the protocol's fee). */
  readonly collateralToLiquidator: bigint;
  readonly protocolFee: bigint;
  /** Base-currency atoms: the collateral received (floor) - the debt paid (ceil) - gas. */
  readonly profitBase: bigint;
  readonly liquidation: AaveLiquidation;
}

/** Value in base-currency atoms rounded as asked: a keeper counts what it pays up and what it gets down. */
function baseValue(reserve: AaveReserve, amount: bigint, rounding: 'floor' | 'ceil'): bigint {
  return divRound(amount * reserve.priceBase, pow10(reserve.decimals), rounding);
}

/** The largest liquidation of this pair the rules accept: debtToCover = max, or less when max leaves dust. */
function largestAaveLiquidation(
  market: AaveMarket,
  account: AaveAccount,
  collateralAsset: string,
  debtAsset: string,
  nowS: bigint,
  config: AaveLiquidationConfig,
): { readonly liquidation: AaveLiquidation; readonly debtToCover: bigint } | null {
  const call = (debtToCover: bigint) => liquidationCall(market, account, { collateralAsset, debtAsset, debtToCover, nowS }, config);
  const max = call(DEBT_TO_COVER_MAX);
  if (max.ok) return { liquidation: max.value, debtToCover: DEBT_TO_COVER_MAX };
  if (max.reason !== 'must_not_leave_dust') return null;
  // Below the close factor, a partial liquidation is accepted when both leftovers stay >= MIN_LEFTOVER_BASE; both
  // shrink as debtToCover grows, so the accepted amounts form a prefix [1, x] of [1, debt): find x by bisection.
  const position = account.positions.get(debtAsset);
  const reserve = market.reserves.get(debtAsset);
  assert(position !== undefined && reserve !== undefined, 'largestAaveLiquidation: refused for dust without a debt');
  let lo = 0n;
  let hi = debtBalance(reserve, position, nowS);
  let best: AaveLiquidation | null = null;
  let bestCover = 0n;
  for (let step = 0; step < DUST_SEARCH_STEPS_MAX && hi - lo > 1n; step++) {
    const mid = lo + divRound(hi - lo, 2n, 'floor');
    const r = call(mid);
    if (r.ok) {
      lo = mid;
      best = r.value;
      bestCover = mid;
    } else {
      hi = mid;
    }
  }
  assert(hi - lo <= 1n, 'largestAaveLiquidation: the search did not converge');
  return best !== null && best.debtRepaid > 0n ? { liquidation: best, debtToCover: bestCover } : null;
}

/**
 * Every Aave account below HF 1 with its most profitable (collateral, debt) pair, by profit (highest first, then
 * account id). gasCostBase: the liquidator's cost of one call in base-currency atoms.
 */
export function aaveOpportunities(
  market: AaveMarket,
  accounts: ReadonlyMap<string, AaveAccount>,
  nowS: bigint,
  gasCostBase: bigint,
  config: AaveLiquidationConfig = AAVE_V33_CONFIG,
): AaveOpportunity[] {
  const found: AaveOpportunity[] = [];
  for (const [id, account] of accounts) {
    const data = calculateUserAccountData(market, account, nowS);
    if (data.healthFactorWad >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) continue;
    let best: AaveOpportunity | null = null;
    for (const [collateralAsset, cp] of account.positions) {
      if (!cp.collateralEnabled || cp.scaledSupply === 0n) continue;
      for (const [debtAsset, dp] of account.positions) {
        if (dp.scaledDebt === 0n) continue;
        const largest = largestAaveLiquidation(market, account, collateralAsset, debtAsset, nowS, config);
        if (largest === null) continue;
        const l = largest.liquidation;
        const collateral = market.reserves.get(collateralAsset);
        const debt = market.reserves.get(debtAsset);
        assert(collateral !== undefined && debt !== undefined, 'aaveOpportunities: a position without its reserve');
        const profitBase = baseValue(collateral, l.collateralToLiquidator, 'floor') - baseValue(debt, l.debtRepaid, 'ceil') - gasCostBase;
        const o: AaveOpportunity = {
          account: id,
          collateralAsset,
          debtAsset,
          healthFactorWad: data.healthFactorWad,
          maxRepayableDebt: l.debtRepaid,
          debtToCover: largest.debtToCover,
          collateralToLiquidator: l.collateralToLiquidator,
          protocolFee: l.protocolFee,
          profitBase,
          liquidation: l,
        };
        if (best === null || o.profitBase > best.profitBase) best = o;
      }
    }
    if (best !== null) found.push(best);
  }
  return found.sort((a, b) => (a.profitBase === b.profitBase ? (a.account < b.account ? -1 : 1) : a.profitBase > b.profitBase ? -1 : 1));
}

export interface MorphoOpportunity {
  readonly account: string;
  /** Borrow shares to repay (all, or as many as the collateral pays for). */
  readonly repaidShares: bigint;
  readonly repaidAssets: bigint;
  readonly seizedAssets: bigint;
  /** Loan-token atoms: the seized collateral at the oracle price (floor) - the assets repaid - gas. */
  readonly profitLoan: bigint;
  readonly badDebtAssets: bigint;
}

/** Every unhealthy Morpho position with its full liquidation (all the debt, or all the collateral). */
export function morphoOpportunities(
  market: MorphoMarket,
  positions: ReadonlyMap<string, MorphoPosition>,
  price: bigint,
  gasCostLoan: bigint,
): MorphoOpportunity[] {
  const found: MorphoOpportunity[] = [];
  for (const [id, position] of positions) {
    if (isHealthy(market, position, price)) continue;
    let r = liquidate(market, position, price, { seizedAssets: 0n, repaidShares: position.borrowShares });
    if (!r.ok && r.reason === 'exceeds_position') r = liquidate(market, position, price, { seizedAssets: position.collateral, repaidShares: 0n });
    if (!r.ok) continue;
    const l = r.value;
    found.push({
      account: id,
      repaidShares: l.repaidShares,
      repaidAssets: l.repaidAssets,
      seizedAssets: l.seizedAssets,
      profitLoan: mulDivDown(l.seizedAssets, price, ORACLE_PRICE_SCALE) - l.repaidAssets - gasCostLoan,
      badDebtAssets: l.badDebtAssets,
    });
  }
  return found.sort((a, b) => (a.profitLoan === b.profitLoan ? (a.account < b.account ? -1 : 1) : a.profitLoan > b.profitLoan ? -1 : 1));
}

export interface CometStoreFrontOpportunity {
  readonly asset: string;
  /** Base atoms to pay for (nearly) all the protocol's collateral of this asset. */
  readonly baseAmount: bigint;
  readonly collateralAmount: bigint;
  /** Price units (8 decimals): the collateral at the feed price - the base paid - gas. */
  readonly profitValue: bigint;
}

/** Compound v3's store front: for each collateral the protocol holds, buying all of it while reserves are below target. */
export function cometStoreFrontOpportunities(market: CometMarket, gasCostValue: bigint): CometStoreFrontOpportunity[] {
  const reserves = getReserves(market);
  if (reserves >= 0n && reserves >= market.targetReserves) return [];
  const found: CometStoreFrontOpportunity[] = [];
  for (const info of market.assets) {
    const available = getCollateralReserves(market, info.asset);
    if (available <= 0n) continue;
    // base for `available` at the discounted price, floored so the quote stays within what the protocol holds
    const perUnit = quoteCollateral(market, info.asset, market.baseScale); // collateral atoms for one whole base unit
    if (perUnit === 0n) continue;
    let baseAmount = divRound(available * market.baseScale, perUnit, 'floor');
    while (baseAmount > 0n && quoteCollateral(market, info.asset, baseAmount) > available) baseAmount -= 1n;
    const collateralAmount = quoteCollateral(market, info.asset, baseAmount);
    if (collateralAmount === 0n) continue;
    const profitValue = mulPrice(collateralAmount, info.price, info.scale) - mulPrice(baseAmount, market.basePrice, market.baseScale) - gasCostValue;
    found.push({ asset: info.asset, baseAmount, collateralAmount, profitValue });
  }
  return found;
}

export interface DustCheck {
  /** The smallest debt a liquidator can be left to clear, base-currency atoms (MIN_LEFTOVER_BASE). */
  readonly dustBase: bigint;
  /** The bonus on it, after the protocol's fee (base-currency atoms). */
  readonly bonusNetOfFeeBase: bigint;
  readonly gasCostBase: bigint;
  /** bonus - fee - gas. */
  readonly profitBase: bigint;
  readonly worthLiquidating: boolean;
}

/**
 * Aave v3.3 leaves either nothing or at least MIN_LEFTOVER_BASE of debt: liquidating that smallest leftover in full
 * (at par prices, through the same _calculateAvailableCollateralToLiquidate) must still pay the keeper's gas.
 */
export function aaveDustCheck(
  bonusBps: bigint,
  protocolFeeBps: bigint,
  gasCostBase: bigint,
  config: AaveLiquidationConfig = AAVE_V33_CONFIG,
): DustCheck {
  const dustBase = minLeftoverBase(config);
  // An 8-decimal asset at 1 base unit per atom: amounts equal base-currency atoms.
  const par = staticReserve({
    asset: 'DUST', id: 0, decimals: 8, ltvBps: 0n, liquidationThresholdBps: 1n, liquidationBonusBps: bonusBps,
    liquidationProtocolFeeBps: protocolFeeBps, priceBase: pow10(8),
  });
  const seized = availableCollateralToLiquidate(par, par, dustBase, DEBT_TO_COVER_MAX, bonusBps);
  const bonusNetOfFeeBase = seized.collateralToLiquidator - seized.debtAmountNeeded;
  const profitBase = bonusNetOfFeeBase - gasCostBase;
  return { dustBase, bonusNetOfFeeBase, gasCostBase, profitBase, worthLiquidating: profitBase > 0n };
}

/** Morpho has no dust rule: the smallest position worth liquidating at a LIF is the one whose incentive pays the gas. */
export function morphoDustCheck(positionLoan: bigint, lif: bigint, gasCostLoan: bigint): DustCheck {
  const bonusNetOfFeeBase = mulDivDown(positionLoan, lif, 10n ** 18n) - positionLoan;
  const profitBase = bonusNetOfFeeBase - gasCostLoan;
  return { dustBase: positionLoan, bonusNetOfFeeBase, gasCostBase: gasCostLoan, profitBase, worthLiquidating: profitBase > 0n };
}
