// Compound v3 (Comet): when an account is liquidatable, absorb (the protocol takes the debt and the collateral,
// crediting the collateral at its liquidationFactor and eating any shortfall from reserves), and the store front
// (quoteCollateral / buyCollateral) that sells absorbed collateral at a discount while reserves are below target.
//
// Source: compound-finance/comet at d5a30b0aaeff7755f1431e87f818990902237b03, contracts/Comet.sol:
// - isLiquidatable: signedMulPrice(presentValue(principal), basePrice, baseScale) + sum over the account's assets
//   of mulFactor(mulPrice(balance, price, scale), liquidateCollateralFactor) < 0; a non-negative principal never is.
// - absorbInternal: every collateral seized, deltaValue = sum mulFactor(value, liquidationFactor); newBalance =
//   oldBalance + divPrice(deltaValue, basePrice, baseScale), never below 0 ("all excess debt absorbed by
//   reserves"); totals moved by repayAndSupplyAmount; basePaidOut = newBalance - oldBalance.
// - quoteCollateral: discountFactor = mulFactor(storeFrontPriceFactor, 1e18 - liquidationFactor); discounted price
//   = mulFactor(price, 1e18 - discountFactor); amount = basePrice x baseAmount x scale / discounted / baseScale.
// - buyCollateral: NotForSale when reserves >= 0 and >= targetReserves, TooMuchSlippage below minAmount,
//   InsufficientReserves above the protocol's own collateral (balance - users' total supply), in that order.
// - getReserves: base balance - presentValueSupply(totalSupplyBase) + presentValueBorrow(totalBorrowBase).
// Prices are 8-decimal feed answers (PRICE_SCALE), factors 1e18. Indexes are taken as already accrued
// (comet-math accruedIndexes brings them forward); pause flags are not modelled.

import { assert } from '../assert.js';
import { divRound } from '../units/fixed.js';
import {
  divPrice, FACTOR_SCALE, mulFactor, mulPrice, presentValue, presentValueBorrow, presentValueSupply, principalValue,
  signedMulPrice, type BaseIndexes,
} from './comet-math.js';
import { ok, rejected, type LendingResult } from './result.js';

export interface CometAsset {
  readonly asset: string;
  /** 10^decimals of the collateral token. */
  readonly scale: bigint;
  /** Feed answer, 8 decimals. */
  readonly price: bigint;
  readonly borrowCollateralFactor: bigint;
  readonly liquidateCollateralFactor: bigint;
  /** The share of the collateral's value credited to the account on absorb (1e18 = all). */
  readonly liquidationFactor: bigint;
}

export interface CometMarket extends BaseIndexes {
  /** 10^decimals of the base token. */
  readonly baseScale: bigint;
  readonly basePrice: bigint;
  readonly storeFrontPriceFactor: bigint;
  /** Base-token atoms: the store front sells only while reserves are below this. */
  readonly targetReserves: bigint;
  readonly totalSupplyBase: bigint;
  readonly totalBorrowBase: bigint;
  /** The protocol's base-token balance (the ERC-20's balanceOf(comet)). */
  readonly baseBalance: bigint;
  /** In the protocol's asset order (assetsIn bit order). */
  readonly assets: readonly CometAsset[];
  /** The protocol's balance of each collateral token. */
  readonly collateralBalances: ReadonlyMap<string, bigint>;
  /** Users' total supply of each collateral (totalsCollateral.totalSupplyAsset). */
  readonly totalsCollateral: ReadonlyMap<string, bigint>;
}

export interface CometAccount {
  /** Signed base principal: > 0 supplied, < 0 borrowed. */
  readonly principal: bigint;
  readonly collateral: ReadonlyMap<string, bigint>;
}

const held = (m: ReadonlyMap<string, bigint>, asset: string): bigint => m.get(asset) ?? 0n;

/** Comet.isLiquidatable. */
export function isLiquidatable(market: CometMarket, account: CometAccount): boolean {
  if (account.principal >= 0n) return false;
  let liquidity = signedMulPrice(presentValue(market, account.principal), market.basePrice, market.baseScale);
  for (const asset of market.assets) {
    const balance = held(account.collateral, asset.asset);
    if (balance === 0n) continue; // not in assetsIn
    if (liquidity >= 0n) return false;
    liquidity += mulFactor(mulPrice(balance, asset.price, asset.scale), asset.liquidateCollateralFactor);
  }
  return liquidity < 0n;
}

/** Comet.getReserves (indexes as given). May be negative. */
export function getReserves(market: CometMarket): bigint {
  return (
    market.baseBalance -
    presentValueSupply(market.baseSupplyIndex, market.totalSupplyBase) +
    presentValueBorrow(market.baseBorrowIndex, market.totalBorrowBase)
  );
}

/** Comet.getCollateralReserves: what the protocol holds of the asset beyond its users' supply. */
export function getCollateralReserves(market: CometMarket, asset: string): bigint {
  return held(market.collateralBalances, asset) - held(market.totalsCollateral, asset);
}

/** Comet.repayAndSupplyAmount: a principal's rise split into debt repaid and base supplied. */
export function repayAndSupplyAmount(oldPrincipal: bigint, newPrincipal: bigint): { repay: bigint; supply: bigint } {
  if (newPrincipal < oldPrincipal) return { repay: 0n, supply: 0n };
  if (newPrincipal <= 0n) return { repay: newPrincipal - oldPrincipal, supply: 0n };
  if (oldPrincipal >= 0n) return { repay: 0n, supply: newPrincipal - oldPrincipal };
  return { repay: -oldPrincipal, supply: newPrincipal };
}

export interface AbsorbedCollateral {
  readonly asset: string;
  readonly amount: bigint;
  /** Its value at the feed price, 8 decimals (AbsorbCollateral.usdValue). */
  readonly value: bigint;
}

export interface Absorption {
  readonly collateral: readonly AbsorbedCollateral[];
  /** Base atoms the reserves paid: newBalance - oldBalance (AbsorbDebt.basePaidOut). */
  readonly basePaidOut: bigint;
  readonly valueOfBasePaidOut: bigint;
  /** What the account is left with: a supply when its collateral was worth more than its debt. */
  readonly newPrincipal: bigint;
  readonly account: CometAccount;
  readonly market: CometMarket;
}

/** Comet.absorbInternal for one account. */
export function absorb(market: CometMarket, account: CometAccount): LendingResult<Absorption, 'not_liquidatable'> {
  if (!isLiquidatable(market, account)) return rejected('not_liquidatable');
  // ---- commit point ----
  const oldBalance = presentValue(market, account.principal);
  const totalsCollateral = new Map(market.totalsCollateral);
  const absorbed: AbsorbedCollateral[] = [];
  let deltaValue = 0n;
  for (const asset of market.assets) {
    const amount = held(account.collateral, asset.asset);
    if (amount === 0n) continue;
    const total = held(totalsCollateral, asset.asset);
    assert(total >= amount, 'absorb: users total collateral below an account balance');
    totalsCollateral.set(asset.asset, total - amount);
    const value = mulPrice(amount, asset.price, asset.scale);
    deltaValue += mulFactor(value, asset.liquidationFactor);
    absorbed.push({ asset: asset.asset, amount, value });
  }
  const deltaBalance = divPrice(deltaValue, market.basePrice, market.baseScale);
  let newBalance = oldBalance + deltaBalance;
  if (newBalance < 0n) newBalance = 0n;
  const newPrincipal = principalValue(market, newBalance);
  const { repay, supply } = repayAndSupplyAmount(account.principal, newPrincipal);
  assert(market.totalBorrowBase >= repay, 'absorb: total borrows underflow');
  const basePaidOut = newBalance - oldBalance;
  return ok({
    collateral: absorbed,
    basePaidOut,
    valueOfBasePaidOut: mulPrice(basePaidOut, market.basePrice, market.baseScale),
    newPrincipal,
    account: { principal: newPrincipal, collateral: new Map() },
    market: {
      ...market,
      totalSupplyBase: market.totalSupplyBase + supply,
      totalBorrowBase: market.totalBorrowBase - repay,
      totalsCollateral,
    },
  });
}

/** Comet.quoteCollateral: collateral atoms for baseAmount at the store-front discount, floored. */
export function quoteCollateral(market: CometMarket, asset: string, baseAmount: bigint): bigint {
  const info = market.assets.find((a) => a.asset === asset);
  assert(info !== undefined, `quoteCollateral: no asset ${asset}`);
  assert(baseAmount >= 0n, 'quoteCollateral: baseAmount is unsigned');
  const discountFactor = mulFactor(market.storeFrontPriceFactor, FACTOR_SCALE - info.liquidationFactor);
  const discountedPrice = mulFactor(info.price, FACTOR_SCALE - discountFactor);
  return divRound(divRound(market.basePrice * baseAmount * info.scale, discountedPrice, 'floor'), market.baseScale, 'floor');
}

export interface CollateralPurchase {
  readonly collateralAmount: bigint;
  readonly market: CometMarket;
}

/** Comet.buyCollateral: the buyer pays baseAmount and receives the quote, within the store front's rules. */
export function buyCollateral(
  market: CometMarket,
  asset: string,
  minAmount: bigint,
  baseAmount: bigint,
): LendingResult<CollateralPurchase, 'reserve_unknown' | 'not_for_sale' | 'too_much_slippage' | 'insufficient_reserves'> {
  if (!market.assets.some((a) => a.asset === asset)) return rejected('reserve_unknown');
  const reserves = getReserves(market);
  if (reserves >= 0n && reserves >= market.targetReserves) return rejected('not_for_sale');
  const collateralAmount = quoteCollateral(market, asset, baseAmount);
  if (collateralAmount < minAmount) return rejected('too_much_slippage');
  if (collateralAmount > getCollateralReserves(market, asset)) return rejected('insufficient_reserves');
  // ---- commit point ----
  const collateralBalances = new Map(market.collateralBalances);
  collateralBalances.set(asset, held(collateralBalances, asset) - collateralAmount);
  return ok({ collateralAmount, market: { ...market, baseBalance: market.baseBalance + baseAmount, collateralBalances } });
}
