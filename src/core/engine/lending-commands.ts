// Lending-market commands (issue 18 part A): an Aave v3.3 market inside the engine. Each is dispatched by
// lending.ts to the rule functions of core/lending (one source of truth). A market is created by its first
// lending_reserve, which declares the asset's decimals: an asset id has one number of decimals engine-wide (the
// settlement asset's, a listed asset's, or the first reserve's), so amounts are atoms in it everywhere. Prices are in the base currency (Aave's oracle: USD with 8 decimals), ratios in
// basis points, rates in ray. `user` is the borrower's id in the lending market (not an engine account: the market
// keeps its own scaled balances, as the protocol does; tokens come from and go to the user's wallet).

import type { CometRates } from '../lending/comet-math.js';

/** A reserve's parameters and rates; the first one for an asset lists it (it then needs a price). */
export interface LendingReserve {
  readonly kind: 'lending_reserve';
  readonly tsMs: number;
  readonly market: string;
  readonly asset: string;
  /** The asset's decimals: equal to the engine's for an asset it knows (settlement, listed, or another reserve). */
  readonly decimals: number;
  /** Loan to value, basis points (7500 = 75%). */
  readonly ltvBps: bigint;
  /** Liquidation threshold, basis points; 0: not usable as collateral. */
  readonly liquidationThresholdBps: bigint;
  /** Liquidation bonus including the principal, basis points (10500 = 5% bonus), as Aave stores it. */
  readonly liquidationBonusBps: bigint;
  /** The protocol's share of the bonus, basis points. */
  readonly liquidationProtocolFeeBps: bigint;
  /** Yearly supply rate (ray, accrued linearly) and variable borrow rate (ray, compounded). */
  readonly liquidityRateRay: bigint;
  readonly variableBorrowRateRay: bigint;
  /** Base-currency atoms per whole unit; required when the reserve is new, kept when absent. */
  readonly price?: bigint;
}

/** Oracle prices for one or more reserves of a market, base-currency atoms per whole unit. */
export interface LendingPrice {
  readonly kind: 'lending_price';
  readonly tsMs: number;
  readonly market: string;
  readonly prices: readonly { readonly asset: string; readonly price: bigint }[];
}

/** Pool.supply: asset atoms from the user's wallet into the reserve (aTokens minted at the liquidity index). */
export interface LendingSupply {
  readonly kind: 'lending_supply';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** Pool.borrow at the variable rate (validateBorrow's account checks). */
export interface LendingBorrow {
  readonly kind: 'lending_borrow';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** Pool.repay: min(amount, debt) repaid (LENDING_AMOUNT_MAX: all of it). */
export interface LendingRepay {
  readonly kind: 'lending_repay';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** Pool.liquidationCall (Aave v3.3): the liquidator repays debt of `user` and takes collateral plus the bonus. */
export interface LendingLiquidate {
  readonly kind: 'lending_liquidate';
  readonly tsMs: number;
  readonly market: string;
  readonly liquidator: string;
  readonly user: string;
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** Debt-asset atoms offered; LENDING_AMOUNT_MAX (type(uint256).max): as much as the close factor allows. */
  readonly debtToCover: bigint;
}

// ---- Morpho Blue (lending-morpho.ts): amounts in atoms and the oracle's price scaled by 1e36, as the contracts take them ----

/** createMarket: an isolated market of one loan asset against one collateral at an LLTV (WAD); a market is immutable. */
export interface MorphoCreateMarket {
  readonly kind: 'morpho_market';
  readonly tsMs: number;
  readonly market: string;
  readonly loanAsset: string;
  readonly collateralAsset: string;
  readonly lltvWad: bigint;
  /** Loan-token atoms per collateral atom x 1e36 (IOracle.price). */
  readonly price: bigint;
}

export interface MorphoPrice {
  readonly kind: 'morpho_price';
  readonly tsMs: number;
  readonly market: string;
  readonly price: bigint;
}

/** supply (loan-token atoms), supplyCollateral (collateral atoms), borrow (loan-token atoms). */
export interface MorphoAmountCommand {
  readonly kind: 'morpho_supply' | 'morpho_supply_collateral' | 'morpho_borrow';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly amount: bigint;
}

/** The borrower opts in to pre-liquidation with these parameters (the PreLiquidation contract's, WAD). */
export interface MorphoSetPreLiquidation {
  readonly kind: 'morpho_pre_liquidation';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly preLltvWad: bigint;
  readonly preLCF1Wad: bigint;
  readonly preLCF2Wad: bigint;
  readonly preLIF1Wad: bigint;
  readonly preLIF2Wad: bigint;
}

/** Morpho.liquidate, or (pre) PreLiquidation.preLiquidate: exactly one of seizedAssets and repaidShares is non-zero. */
export interface MorphoLiquidate {
  readonly kind: 'morpho_liquidate';
  readonly tsMs: number;
  readonly market: string;
  readonly liquidator: string;
  readonly user: string;
  readonly seizedAssets: bigint;
  readonly repaidShares: bigint;
  readonly pre: boolean;
}

/** Morpho.repay: exactly one of assets (loan atoms) and shares is non-zero. */
export interface MorphoRepayCommand {
  readonly kind: 'morpho_repay';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly assets: bigint;
  readonly shares: bigint;
}

/** Morpho.withdrawCollateral (collateral atoms): the position must stay healthy. */
export interface MorphoWithdrawCollateral {
  readonly kind: 'morpho_withdraw_collateral';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly amount: bigint;
}

export type MorphoCommand = MorphoCreateMarket | MorphoPrice | MorphoAmountCommand | MorphoSetPreLiquidation | MorphoLiquidate | MorphoRepayCommand | MorphoWithdrawCollateral;

// ---- Compound v3 (lending-comet.ts): amounts in atoms of the asset, prices as 8-decimal feed answers, factors 1e18 ----

/** One collateral of a Comet market (Comet's AssetConfig). */
export interface CometCollateralConfig {
  readonly asset: string;
  readonly decimals: number;
  /** Feed answer, 8 decimals (USD per whole unit). */
  readonly price: bigint;
  readonly borrowCollateralFactorWad: bigint;
  readonly liquidateCollateralFactorWad: bigint;
  /** The share of the collateral's value credited to the account on absorb. */
  readonly liquidationFactorWad: bigint;
  /** Users' total supply of the asset may not exceed this (atoms). */
  readonly supplyCap: bigint;
}

/** A Comet market (its Configuration at deployment): immutable once created. */
export interface CometCreateMarket {
  readonly kind: 'comet_market';
  readonly tsMs: number;
  readonly market: string;
  readonly baseAsset: string;
  readonly baseDecimals: number;
  readonly basePrice: bigint;
  /** Base atoms: the smallest borrow a withdrawal may leave. */
  readonly baseBorrowMin: bigint;
  readonly storeFrontPriceFactorWad: bigint;
  /** Base atoms: the store front sells collateral only while reserves are below this. */
  readonly targetReserves: bigint;
  readonly collaterals: readonly CometCollateralConfig[];
  /** Comet's kink rate model (comet-math.ts cometRate), per second in 1e18; absent: no interest (indexes stay at 1e15). */
  readonly rates?: CometRates;
}

export interface CometPrice {
  readonly kind: 'comet_price';
  readonly tsMs: number;
  readonly market: string;
  readonly prices: readonly { readonly asset: string; readonly price: bigint }[];
}

/** Comet.supply / withdraw: the base asset (withdrawing beyond the supply borrows) or a collateral. */
export interface CometAmountCommand {
  readonly kind: 'comet_supply' | 'comet_withdraw';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** Comet.absorb: all of the accounts or none (one not liquidatable refuses the command, as the call reverts). */
export interface CometAbsorb {
  readonly kind: 'comet_absorb';
  readonly tsMs: number;
  readonly market: string;
  readonly absorber: string;
  readonly accounts: readonly string[];
}

/** Comet.buyCollateral: the buyer pays baseAmount (base atoms) for at least minAmount of the collateral. */
export interface CometBuyCollateral {
  readonly kind: 'comet_buy_collateral';
  readonly tsMs: number;
  readonly market: string;
  readonly buyer: string;
  readonly asset: string;
  /** The market's base asset (what baseAmount is paid in): named so a wire decoder knows its units; checked. */
  readonly baseAsset: string;
  readonly minAmount: bigint;
  readonly baseAmount: bigint;
}

// ---- Aave e-mode (lending.ts) ----

/** PoolConfigurator.setEModeCategory (admin): an e-mode category of the market, created or changed. */
export interface LendingEModeCategory {
  readonly kind: 'lending_emode_category';
  readonly tsMs: number;
  readonly market: string;
  /** 1-255 (0 is "no e-mode"). */
  readonly categoryId: number;
  readonly ltvBps: bigint;
  readonly liquidationThresholdBps: bigint;
  /** With the principal, as Aave stores it (10100 = 1% bonus). */
  readonly liquidationBonusBps: bigint;
  readonly label: string;
  /** Reserves priced with the category's parameters when used as collateral (its collateral bitmap). */
  readonly collateralAssets: readonly string[];
}

/** Pool.setUserEMode: the user's category (0 leaves e-mode). */
export interface LendingSetEMode {
  readonly kind: 'lending_set_emode';
  readonly tsMs: number;
  readonly market: string;
  readonly user: string;
  readonly categoryId: number;
}

export type CometCommand = CometCreateMarket | CometPrice | CometAmountCommand | CometAbsorb | CometBuyCollateral;

export type LendingCommand = LendingReserve | LendingPrice | LendingSupply | LendingBorrow | LendingRepay | LendingLiquidate | MorphoCommand | CometCommand | LendingEModeCategory | LendingSetEMode;

export type LendingCommandKind = LendingCommand['kind'];

export const LENDING_COMMAND_KINDS: readonly LendingCommandKind[] = [
  'lending_reserve',
  'lending_price',
  'lending_supply',
  'lending_borrow',
  'lending_repay',
  'lending_liquidate',
  'morpho_market',
  'morpho_price',
  'morpho_supply',
  'morpho_supply_collateral',
  'morpho_borrow',
  'morpho_pre_liquidation',
  'morpho_liquidate',
  // Compound v3 (lending-comet.ts)
  'comet_market',
  'comet_price',
  'comet_supply',
  'comet_withdraw',
  'comet_absorb',
  'comet_buy_collateral',
  // Aave e-mode (lending.ts)
  'lending_emode_category',
  'lending_set_emode',
  // Morpho repay and withdrawCollateral (lending-morpho.ts)
  'morpho_repay',
  'morpho_withdraw_collateral',
];

const LENDING_KINDS: ReadonlySet<string> = new Set(LENDING_COMMAND_KINDS);

/** Whether a command (the engine's, or its wire form) is a lending market's: one dispatch for all of them. */
export function isLendingCommand<C extends { readonly kind: string }>(cmd: C): cmd is Extract<C, { readonly kind: LendingCommandKind }> {
  return LENDING_KINDS.has(cmd.kind);
}


/** type(uint256).max: Aave's "all of it" for repay and liquidationCall's debtToCover. */
export const LENDING_AMOUNT_MAX = 2n ** 256n - 1n;

/** A command's time in the whole seconds lending protocols count in (block timestamps), rounded down. */
export function secondsOf(tsMs: number): bigint {
  return BigInt(Math.floor(tsMs / 1000));
}
