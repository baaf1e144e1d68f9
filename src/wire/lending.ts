// Wire JSON -> lending-market commands (issue 18). Amounts are decimals in the asset's units (the settlement
// asset's, a listed asset's, or the decimals its reserve declares); prices are decimals of the base currency (USD,
// 8 decimals); ratios are fractions with at most 4 decimals (basis points); yearly rates fractions with at most 27
// (ray); "max" is type(uint256).max (Aave's "all of it").

import { LENDING_AMOUNT_MAX, type LendingCommand } from '../core/engine/lending-commands.js';
import { LENDING_BASE_DECIMALS } from '../core/engine/lending.js';
import { divRound, parseDecimal } from '../core/units/index.js';
import { SECONDS_PER_YEAR, type CometRateModel } from '../core/lending/comet-math.js';
import { decimalAtoms, WireError, type UnitLookup } from './decode.js';
import type { WireCommand } from './schema.js';

type WireLendingCommand = Extract<WireCommand, { kind: LendingCommand['kind'] }>;

const BPS_DECIMALS = 4;
const RAY_DECIMALS = 27;
const WAD_DECIMALS = 18;

/** A fraction with a fixed number of decimals, not negative. */
function fraction(text: string, decimals: number, path: string, unit: string): bigint {
  const r = parseDecimal(text, decimals);
  if (!r.ok) throw new WireError(path, r.error.includes('decimal places') ? `${text}: ${unit} have at most ${decimals} decimal places` : r.error);
  if (r.value < 0n) throw new WireError(path, 'must not be negative');
  return r.value;
}

/** A kink and per-year rates (fractions) as Comet's constructor stores them: the rates per second, perYear / SECONDS_PER_YEAR (floor). */
function cometRateModel(r: { kink: string; base: string; slopeLow: string; slopeHigh: string }, path: string): CometRateModel {
  const wad = (text: string, field: string): bigint => fraction(text, WAD_DECIMALS, `${path}.${field}`, 'rates');
  return {
    kink: wad(r.kink, 'kink'),
    perSecondInterestRateBase: divRound(wad(r.base, 'base'), SECONDS_PER_YEAR, 'floor'),
    perSecondInterestRateSlopeLow: divRound(wad(r.slopeLow, 'slopeLow'), SECONDS_PER_YEAR, 'floor'),
    perSecondInterestRateSlopeHigh: divRound(wad(r.slopeHigh, 'slopeHigh'), SECONDS_PER_YEAR, 'floor'),
  };
}

function assetDecimals(units: UnitLookup, id: string, path: string): number {
  const d = units.assetDecimals(id);
  if (d === undefined) throw new WireError(path, `unknown asset "${id}" (the settlement asset is ${units.settlementAsset}; list others in assets or with a lending_reserve)`);
  return d;
}

function amountOrMax(text: string, decimals: number, path: string): bigint {
  return text === 'max' ? LENDING_AMOUNT_MAX : decimalAtoms(text, decimals, path);
}

export function decodeLendingCommand(c: WireLendingCommand, units: UnitLookup, path: string, tsMs: number): LendingCommand {
  switch (c.kind) {
    case 'lending_reserve':
      return {
        kind: 'lending_reserve', tsMs, market: c.market, asset: c.asset, decimals: c.decimals,
        ltvBps: fraction(c.ltv, BPS_DECIMALS, `${path}.ltv`, 'ratios'),
        liquidationThresholdBps: fraction(c.liquidationThreshold, BPS_DECIMALS, `${path}.liquidationThreshold`, 'ratios'),
        liquidationBonusBps: fraction(c.liquidationBonus, BPS_DECIMALS, `${path}.liquidationBonus`, 'ratios'),
        liquidationProtocolFeeBps: fraction(c.protocolFee, BPS_DECIMALS, `${path}.protocolFee`, 'ratios'),
        liquidityRateRay: fraction(c.supplyRate, RAY_DECIMALS, `${path}.supplyRate`, 'rates'),
        variableBorrowRateRay: fraction(c.borrowRate, RAY_DECIMALS, `${path}.borrowRate`, 'rates'),
        ...(c.price === undefined ? {} : { price: decimalAtoms(c.price, LENDING_BASE_DECIMALS, `${path}.price`) }),
      };
    case 'lending_price':
      return {
        kind: 'lending_price', tsMs, market: c.market,
        prices: Object.entries(c.prices).map(([asset, price]) => ({ asset, price: decimalAtoms(price, LENDING_BASE_DECIMALS, `${path}.prices.${asset}`) })),
      };
    case 'lending_supply':
    case 'lending_borrow': {
      const d = assetDecimals(units, c.asset, `${path}.asset`);
      return { kind: c.kind, tsMs, market: c.market, user: c.user, asset: c.asset, amount: decimalAtoms(c.amount, d, `${path}.amount`) };
    }
    case 'lending_repay': {
      const d = assetDecimals(units, c.asset, `${path}.asset`);
      return { kind: 'lending_repay', tsMs, market: c.market, user: c.user, asset: c.asset, amount: amountOrMax(c.amount, d, `${path}.amount`) };
    }
    case 'morpho_market':
      return {
        kind: 'morpho_market', tsMs, market: c.market, loanAsset: c.loanAsset, collateralAsset: c.collateralAsset,
        lltvWad: fraction(c.lltv, WAD_DECIMALS, `${path}.lltv`, 'ratios'), price: decimalAtoms(c.price, 0, `${path}.price`),
      };
    case 'morpho_price':
      return { kind: 'morpho_price', tsMs, market: c.market, price: decimalAtoms(c.price, 0, `${path}.price`) };
    case 'morpho_supply':
    case 'morpho_supply_collateral':
    case 'morpho_borrow':
      return { kind: c.kind, tsMs, market: c.market, user: c.user, amount: decimalAtoms(c.amount, 0, `${path}.amount`) };
    case 'morpho_pre_liquidation': {
      const wad = (text: string, field: string): bigint => fraction(text, WAD_DECIMALS, `${path}.${field}`, 'ratios');
      return {
        kind: 'morpho_pre_liquidation', tsMs, market: c.market, user: c.user, preLltvWad: wad(c.preLltv, 'preLltv'), preLCF1Wad: wad(c.preLCF1, 'preLCF1'),
        preLCF2Wad: wad(c.preLCF2, 'preLCF2'), preLIF1Wad: wad(c.preLIF1, 'preLIF1'), preLIF2Wad: wad(c.preLIF2, 'preLIF2'),
      };
    }
    case 'morpho_liquidate':
      return {
        kind: 'morpho_liquidate', tsMs, market: c.market, liquidator: c.liquidator, user: c.user, pre: c.pre,
        seizedAssets: decimalAtoms(c.seizedAssets, 0, `${path}.seizedAssets`), repaidShares: decimalAtoms(c.repaidShares, 0, `${path}.repaidShares`),
      };
    // Compound v3
    case 'comet_market': {
      const wad = (text: string, field: string): bigint => fraction(text, WAD_DECIMALS, `${path}.${field}`, 'factors');
      const price = (text: string, field: string): bigint => decimalAtoms(text, LENDING_BASE_DECIMALS, `${path}.${field}`);
      return {
        kind: 'comet_market', tsMs, market: c.market, baseAsset: c.baseAsset, baseDecimals: c.baseDecimals, basePrice: price(c.basePrice, 'basePrice'),
        baseBorrowMin: decimalAtoms(c.baseBorrowMin, c.baseDecimals, `${path}.baseBorrowMin`), storeFrontPriceFactorWad: wad(c.storeFrontPriceFactor, 'storeFrontPriceFactor'),
        targetReserves: decimalAtoms(c.targetReserves, c.baseDecimals, `${path}.targetReserves`),
        collaterals: c.collaterals.map((a, i) => ({
          asset: a.asset, decimals: a.decimals, price: price(a.price, `collaterals[${i}].price`),
          borrowCollateralFactorWad: wad(a.borrowCollateralFactor, `collaterals[${i}].borrowCollateralFactor`),
          liquidateCollateralFactorWad: wad(a.liquidateCollateralFactor, `collaterals[${i}].liquidateCollateralFactor`),
          liquidationFactorWad: wad(a.liquidationFactor, `collaterals[${i}].liquidationFactor`),
          supplyCap: decimalAtoms(a.supplyCap, a.decimals, `${path}.collaterals[${i}].supplyCap`),
        })),
        ...(c.rates === undefined ? {} : { rates: { supply: cometRateModel(c.rates.supply, `${path}.rates.supply`), borrow: cometRateModel(c.rates.borrow, `${path}.rates.borrow`) } }),
      };
    }
    case 'comet_price':
      return {
        kind: 'comet_price', tsMs, market: c.market,
        prices: Object.entries(c.prices).map(([asset, price]) => ({ asset, price: decimalAtoms(price, LENDING_BASE_DECIMALS, `${path}.prices.${asset}`) })),
      };
    case 'comet_supply':
    case 'comet_withdraw': {
      const d = assetDecimals(units, c.asset, `${path}.asset`);
      return { kind: c.kind, tsMs, market: c.market, user: c.user, asset: c.asset, amount: decimalAtoms(c.amount, d, `${path}.amount`) };
    }
    case 'comet_absorb':
      return { kind: 'comet_absorb', tsMs, market: c.market, absorber: c.absorber, accounts: c.accounts };
    case 'comet_buy_collateral':
      return {
        kind: 'comet_buy_collateral', tsMs, market: c.market, buyer: c.buyer, asset: c.asset, baseAsset: c.baseAsset,
        minAmount: decimalAtoms(c.minAmount, assetDecimals(units, c.asset, `${path}.asset`), `${path}.minAmount`),
        baseAmount: decimalAtoms(c.baseAmount, assetDecimals(units, c.baseAsset, `${path}.baseAsset`), `${path}.baseAmount`),
      };
    // Aave e-mode
    case 'lending_emode_category':
      return {
        kind: 'lending_emode_category', tsMs, market: c.market, categoryId: c.categoryId, label: c.label, collateralAssets: c.collateralAssets,
        ltvBps: fraction(c.ltv, BPS_DECIMALS, `${path}.ltv`, 'ratios'),
        liquidationThresholdBps: fraction(c.liquidationThreshold, BPS_DECIMALS, `${path}.liquidationThreshold`, 'ratios'),
        liquidationBonusBps: fraction(c.liquidationBonus, BPS_DECIMALS, `${path}.liquidationBonus`, 'ratios'),
      };
    case 'lending_set_emode':
      return { kind: 'lending_set_emode', tsMs, market: c.market, user: c.user, categoryId: c.categoryId };
    case 'morpho_repay':
      return {
        kind: 'morpho_repay', tsMs, market: c.market, user: c.user,
        assets: decimalAtoms(c.assets, 0, `${path}.assets`), shares: decimalAtoms(c.shares, 0, `${path}.shares`),
      };
    case 'morpho_withdraw_collateral':
      return { kind: 'morpho_withdraw_collateral', tsMs, market: c.market, user: c.user, amount: decimalAtoms(c.amount, 0, `${path}.amount`) };
    case 'lending_liquidate': {
      const d = assetDecimals(units, c.debtAsset, `${path}.debtAsset`);
      return {
        kind: 'lending_liquidate', tsMs, market: c.market, liquidator: c.liquidator, user: c.user, collateralAsset: c.collateralAsset,
        debtAsset: c.debtAsset, debtToCover: amountOrMax(c.debtToCover, d, `${path}.debtToCover`),
      };
    }
  }
}
