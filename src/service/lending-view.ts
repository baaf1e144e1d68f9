// The keeper view of a lending market as the service answers it (issue 18): the engine's query
// (core/engine/lending.ts lendingKeeperView, itself keeper.ts's aaveOpportunities and aaveDustCheck) with its atoms as
// decimal strings: debt and collateral in their assets' decimals, values in the base currency (USD, 8 decimals),
// health factors to 18 decimals. Nothing is computed here but the formatting.

import type { Engine } from '../core/engine/engine.js';
import { LENDING_AMOUNT_MAX } from '../core/engine/lending-commands.js';
import { LENDING_BASE_DECIMALS } from '../core/engine/lending.js';
import { HEALTH_FACTOR_MAX } from '../core/lending/aave-reserve.js';
import { formatDecimal } from '../core/units/index.js';

const WAD_DECIMALS = 18;

export interface LendingKeeperAnswer {
  readonly market: string;
  readonly seq: number;
  readonly atMs: number;
  readonly gasCost: string;
  readonly opportunities: readonly Record<string, string | null>[];
  readonly dust: readonly Record<string, string | boolean>[];
}

/** The keeper view at the engine's time, or undefined for an unknown market. gasCostBase: base-currency atoms. */
export function lendingKeeperAnswer(engine: Engine, market: string, gasCostBase: bigint): LendingKeeperAnswer | undefined {
  const view = engine.lendingKeeper(market, gasCostBase);
  const reserves = engine.state.lending.get(market)?.reserves;
  if (view === undefined || reserves === undefined) return undefined;
  const inAsset = (asset: string, atoms: bigint): string => formatDecimal(atoms, reserves.get(asset)?.decimals ?? 0);
  const base = (atoms: bigint): string => formatDecimal(atoms, LENDING_BASE_DECIMALS);
  return {
    market,
    seq: engine.seq,
    atMs: engine.timeMs,
    gasCost: base(gasCostBase),
    opportunities: view.opportunities.map((o) => ({
      user: o.account,
      collateralAsset: o.collateralAsset,
      debtAsset: o.debtAsset,
      healthFactor: o.healthFactorWad === HEALTH_FACTOR_MAX ? null : formatDecimal(o.healthFactorWad, WAD_DECIMALS),
      closeFactor: formatDecimal(o.liquidation.closeFactorBps, 4),
      debtToCover: o.debtToCover === LENDING_AMOUNT_MAX ? 'max' : inAsset(o.debtAsset, o.debtToCover),
      maxRepayableDebt: inAsset(o.debtAsset, o.maxRepayableDebt),
      collateralSeized: inAsset(o.collateralAsset, o.liquidation.collateralSeized),
      collateralToLiquidator: inAsset(o.collateralAsset, o.collateralToLiquidator),
      protocolFee: inAsset(o.collateralAsset, o.protocolFee),
      profit: base(o.profitBase),
    })),
    dust: view.dust.map((d) => ({
      asset: d.asset,
      dust: base(d.check.dustBase),
      bonusNetOfFee: base(d.check.bonusNetOfFeeBase),
      profit: base(d.check.profitBase),
      worthLiquidating: d.check.worthLiquidating,
    })),
  };
}

// ---- Morpho Blue (issue 18): Engine.morphoKeeper (keeper.ts morphoOpportunities), atoms as integer strings ----

export interface MorphoKeeperAnswer {
  readonly market: string;
  readonly seq: number;
  readonly atMs: number;
  readonly loanAsset: string;
  readonly collateralAsset: string;
  readonly gasCost: string;
  readonly opportunities: readonly Record<string, string>[];
}

/** The Morpho keeper view, or undefined for an unknown market. gasCostLoan: loan-token atoms. */
export function morphoKeeperAnswer(engine: Engine, market: string, gasCostLoan: bigint): MorphoKeeperAnswer | undefined {
  const m = engine.state.morpho.get(market);
  const view = engine.morphoKeeper(market, gasCostLoan);
  if (m === undefined || view === undefined) return undefined;
  return {
    market,
    seq: engine.seq,
    atMs: engine.timeMs,
    loanAsset: m.loanAsset,
    collateralAsset: m.collateralAsset,
    gasCost: gasCostLoan.toString(),
    opportunities: view.map((o) => ({
      user: o.account,
      repaidShares: o.repaidShares.toString(),
      repaidAssets: o.repaidAssets.toString(),
      seizedAssets: o.seizedAssets.toString(),
      badDebtAssets: o.badDebtAssets.toString(),
      profit: o.profitLoan.toString(),
    })),
  };
}

// ---- Compound v3 (issue 18): Engine.cometKeeper (comet.ts absorb, keeper.ts cometStoreFrontOpportunities) ----

export interface CometKeeperAnswer {
  readonly market: string;
  readonly seq: number;
  readonly atMs: number;
  readonly baseAsset: string;
  readonly gasCost: string;
  readonly absorbable: readonly { readonly user: string; readonly balance: string; readonly basePaidOut: string; readonly valueOfBasePaidOut: string; readonly collateral: readonly Record<string, string>[] }[];
  readonly storeFront: readonly Record<string, string>[];
}

/** The Comet keeper view, or undefined for an unknown market. gasCostValue: price units (USD, 8 decimals). */
export function cometKeeperAnswer(engine: Engine, market: string, gasCostValue: bigint): CometKeeperAnswer | undefined {
  const m = engine.state.comet.get(market);
  const view = engine.cometKeeper(market, gasCostValue);
  if (m === undefined || view === undefined) return undefined;
  const inAsset = (asset: string, atoms: bigint): string => formatDecimal(atoms, m.decimals.get(asset) ?? 0);
  const usd = (value: bigint): string => formatDecimal(value, LENDING_BASE_DECIMALS);
  return {
    market,
    seq: engine.seq,
    atMs: engine.timeMs,
    baseAsset: m.baseAsset,
    gasCost: usd(gasCostValue),
    absorbable: view.absorbable.map((a) => ({
      user: a.account,
      balance: inAsset(m.baseAsset, a.balance),
      basePaidOut: inAsset(m.baseAsset, a.basePaidOut),
      valueOfBasePaidOut: usd(a.valueOfBasePaidOut),
      collateral: a.collateral.map((c) => ({ asset: c.asset, amount: inAsset(c.asset, c.amount), value: usd(c.value) })),
    })),
    storeFront: view.storeFront.map((o) => ({
      asset: o.asset,
      baseAmount: inAsset(m.baseAsset, o.baseAmount),
      collateralAmount: inAsset(o.asset, o.collateralAmount),
      profit: usd(o.profitValue),
    })),
  };
}
