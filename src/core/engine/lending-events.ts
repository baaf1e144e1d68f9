// Lending-market events (issue 18 part A), appended to EventBody. Amounts are atoms of the event's `asset` (one
// asset per event, so its units are known: a liquidation is two events, the debt side and the collateral side);
// prices and values in base-currency atoms (8 decimals); ratios in basis points; indexes and rates in ray; health
// factors in wad (HEALTH_FACTOR_MAX = type(uint256).max without debt).

import type { FieldUnit } from './events.js';

export type LendingEventBody =
  /** A reserve listed or changed (its indexes brought to the command's time first). */
  | {
      readonly kind: 'LendingReserveSet';
      readonly market: string;
      readonly asset: string;
      readonly listed: boolean;
      readonly ltvBps: bigint;
      readonly liquidationThresholdBps: bigint;
      readonly liquidationBonusBps: bigint;
      readonly liquidationProtocolFeeBps: bigint;
      readonly price: bigint;
      readonly liquidityRateRay: bigint;
      readonly variableBorrowRateRay: bigint;
      readonly liquidityIndexRay: bigint;
      readonly variableBorrowIndexRay: bigint;
    }
  | { readonly kind: 'LendingPriced'; readonly market: string; readonly asset: string; readonly price: bigint }
  /** Supplied: `balance` is the user's aToken balance after it (rayMul(scaled, income index)). */
  | { readonly kind: 'LendingSupplied'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly balance: bigint }
  | {
      readonly kind: 'LendingBorrowed';
      readonly market: string;
      readonly user: string;
      readonly asset: string;
      readonly amount: bigint;
      /** The user's debt in this asset after the borrow. */
      readonly debt: bigint;
      readonly healthFactorWad: bigint;
    }
  | { readonly kind: 'LendingRepaid'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly debt: bigint }
  /** liquidationCall, the debt side: `asset` is the debt asset. */
  | {
      readonly kind: 'LendingLiquidated';
      readonly market: string;
      readonly user: string;
      readonly liquidator: string;
      readonly asset: string;
      readonly collateralAsset: string;
      /** The user's health factor before the call. */
      readonly healthFactorWad: bigint;
      /** 5000 when the 50% close factor applied, 10000 otherwise. */
      readonly closeFactorBps: bigint;
      readonly debtRepaid: bigint;
      /** The user's debt in this asset after the call (0 when written off as a deficit). */
      readonly debt: bigint;
    }
  /** liquidationCall, the collateral side: `asset` is the collateral asset. seized = toLiquidator + protocolFee + protocolFeeCut. */
  | {
      readonly kind: 'LendingCollateralSeized';
      readonly market: string;
      readonly user: string;
      readonly liquidator: string;
      readonly asset: string;
      readonly debtAsset: string;
      readonly seized: bigint;
      /** The bonus part of `seized`. */
      readonly bonus: bigint;
      readonly toLiquidator: bigint;
      /** To the treasury (the protocol's share of the bonus). */
      readonly protocolFee: bigint;
      /** Aave's "1 wei imprecision": the fee not transferred; it stays with the user. */
      readonly protocolFeeCut: bigint;
      /** The user's collateral balance after the call. */
      readonly balance: bigint;
    }
  /** Debt burned without repayment because the user has no collateral left: the reserve's deficit grows. */
  | { readonly kind: 'LendingDeficit'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly deficit: bigint }
  /** The user's health factor fell below 1 (on a price, a reserve change, or a command on the user). */
  | {
      readonly kind: 'LendingLiquidatable';
      readonly market: string;
      readonly user: string;
      readonly healthFactorWad: bigint;
      readonly totalCollateralBase: bigint;
      readonly totalDebtBase: bigint;
    }
  /** The user's health factor is back at 1 or above (or its debt is gone). */
  | { readonly kind: 'LendingHealthy'; readonly market: string; readonly user: string; readonly healthFactorWad: bigint }
  // ---- Morpho Blue: amounts, shares and the 1e36-scaled oracle price are integers (unit `atoms`), as on chain; a
  // Morpho market names its tokens but does not declare their decimals ----
  | {
      readonly kind: 'MorphoMarketCreated';
      readonly market: string;
      readonly loanAsset: string;
      readonly collateralAsset: string;
      readonly lltvWad: bigint;
      /** The liquidation incentive factor the LLTV gives (morpho.ts liquidationIncentiveFactor). */
      readonly incentiveFactorWad: bigint;
      readonly price: bigint;
    }
  | { readonly kind: 'MorphoPriced'; readonly market: string; readonly price: bigint }
  /** supply (asset: the loan token) and borrow: the shares minted. */
  | { readonly kind: 'MorphoSupplied'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly shares: bigint }
  | { readonly kind: 'MorphoBorrowed'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly shares: bigint }
  | { readonly kind: 'MorphoCollateralSupplied'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly collateral: bigint }
  | {
      readonly kind: 'MorphoPreLiquidationSet';
      readonly market: string;
      readonly user: string;
      readonly preLltvWad: bigint;
      readonly preLCF1Wad: bigint;
      readonly preLCF2Wad: bigint;
      readonly preLIF1Wad: bigint;
      readonly preLIF2Wad: bigint;
    }
  /** liquidate / preLiquidate, the debt side (asset: the loan token). */
  | {
      readonly kind: 'MorphoLiquidated';
      readonly market: string;
      readonly user: string;
      readonly liquidator: string;
      readonly asset: string;
      readonly pre: boolean;
      readonly incentiveFactorWad: bigint;
      readonly repaidShares: bigint;
      readonly repaidAssets: bigint;
      /** Debt realised as a loss to the suppliers (no collateral left; never on a pre-liquidation). */
      readonly badDebtAssets: bigint;
      readonly badDebtShares: bigint;
      /** The user's borrow shares after. */
      readonly borrowShares: bigint;
    }
  /** liquidate / preLiquidate, the collateral side (asset: the collateral token). */
  | { readonly kind: 'MorphoCollateralSeized'; readonly market: string; readonly user: string; readonly liquidator: string; readonly asset: string; readonly seized: bigint; readonly collateral: bigint }
  // ---- Compound v3 (lending-comet.ts): amounts in atoms of the event's asset, prices and values as 8-decimal feed
  // answers (unit `base`), factors in wad; a base balance is the account's signed present value (< 0: a borrow) ----
  /** A Comet market (asset: the base token) with its base price, borrow minimum, reserves target and store-front factor. */
  | {
      readonly kind: 'CometMarketCreated';
      readonly market: string;
      readonly asset: string;
      readonly price: bigint;
      readonly baseBorrowMin: bigint;
      readonly targetReserves: bigint;
      readonly storeFrontPriceFactorWad: bigint;
    }
  | {
      readonly kind: 'CometCollateralListed';
      readonly market: string;
      readonly asset: string;
      readonly price: bigint;
      readonly borrowCollateralFactorWad: bigint;
      readonly liquidateCollateralFactorWad: bigint;
      readonly liquidationFactorWad: bigint;
      readonly supplyCap: bigint;
    }
  | { readonly kind: 'CometPriced'; readonly market: string; readonly asset: string; readonly price: bigint }
  /** supply / withdraw of the base or a collateral: `balance` after (the base's signed present value, or the collateral). */
  | { readonly kind: 'CometSupplied'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly balance: bigint }
  | { readonly kind: 'CometWithdrawn'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly balance: bigint }
  /** absorb, one collateral seized (AbsorbCollateral): `value` at the feed price; the protocol's reserves of it after. */
  | {
      readonly kind: 'CometCollateralAbsorbed';
      readonly market: string;
      readonly user: string;
      readonly absorber: string;
      readonly asset: string;
      readonly amount: bigint;
      readonly value: bigint;
      readonly collateralReserves: bigint;
    }
  /** absorb, the base side (AbsorbDebt; asset: the base token): what the reserves paid, the account's balance after, the reserves after. */
  | {
      readonly kind: 'CometAbsorbed';
      readonly market: string;
      readonly user: string;
      readonly absorber: string;
      readonly asset: string;
      readonly basePaidOut: bigint;
      readonly valueOfBasePaidOut: bigint;
      readonly balance: bigint;
      readonly reserves: bigint;
      readonly reservesDelta: bigint;
    }
  /** buyCollateral, the collateral side: `amount` to the buyer; the protocol's reserves of it after. */
  | { readonly kind: 'CometCollateralBought'; readonly market: string; readonly buyer: string; readonly asset: string; readonly amount: bigint; readonly collateralReserves: bigint }
  /** buyCollateral, the base side (asset: the base token): `amount` paid into the reserves. */
  | { readonly kind: 'CometReservesPaid'; readonly market: string; readonly buyer: string; readonly asset: string; readonly amount: bigint; readonly reserves: bigint; readonly reservesDelta: bigint }
  /** The account became isLiquidatable (on a price or a command on it); `balance`: its base present value. */
  | { readonly kind: 'CometLiquidatable'; readonly market: string; readonly user: string; readonly asset: string; readonly balance: bigint }
  | { readonly kind: 'CometHealthy'; readonly market: string; readonly user: string; readonly asset: string; readonly balance: bigint }
  // ---- Aave e-mode ----
  /** An e-mode category created or changed (setEModeCategory and its collateral bitmap). */
  | {
      readonly kind: 'LendingEModeCategorySet';
      readonly market: string;
      readonly categoryId: number;
      readonly label: string;
      readonly ltvBps: bigint;
      readonly liquidationThresholdBps: bigint;
      readonly liquidationBonusBps: bigint;
      readonly collateralAssets: readonly string[];
    }
  /** A user's e-mode category set (UserEModeSet), with the health factor it gives. */
  | { readonly kind: 'LendingEModeSet'; readonly market: string; readonly user: string; readonly categoryId: number; readonly healthFactorWad: bigint }
  // ---- Morpho repay / withdrawCollateral and health crossings (atoms) ----
  /** repay (asset: the loan token): assets paid, shares burned, the user's borrow shares after. */
  | { readonly kind: 'MorphoRepaid'; readonly market: string; readonly user: string; readonly asset: string; readonly assets: bigint; readonly shares: bigint; readonly borrowShares: bigint }
  | { readonly kind: 'MorphoCollateralWithdrawn'; readonly market: string; readonly user: string; readonly asset: string; readonly amount: bigint; readonly collateral: bigint }
  /** The position became unhealthy (Morpho._isHealthy false: liquidatable) at the market's price; with its debt and the most it may borrow. */
  | { readonly kind: 'MorphoLiquidatable'; readonly market: string; readonly user: string; readonly borrowed: bigint; readonly maxBorrow: bigint }
  | { readonly kind: 'MorphoHealthy'; readonly market: string; readonly user: string; readonly borrowed: bigint; readonly maxBorrow: bigint };

export type LendingEventKind = LendingEventBody['kind'];

export const LENDING_EVENT_UNITS: { readonly [K in LendingEventKind]: Readonly<Record<string, FieldUnit>> } = {
  LendingReserveSet: {
    ltvBps: 'bps',
    liquidationThresholdBps: 'bps',
    liquidationBonusBps: 'bps',
    liquidationProtocolFeeBps: 'bps',
    price: 'base',
    liquidityRateRay: 'ray',
    variableBorrowRateRay: 'ray',
    liquidityIndexRay: 'ray',
    variableBorrowIndexRay: 'ray',
  },
  LendingPriced: { price: 'base' },
  LendingSupplied: { amount: 'asset', balance: 'asset' },
  LendingBorrowed: { amount: 'asset', debt: 'asset', healthFactorWad: 'wad' },
  LendingRepaid: { amount: 'asset', debt: 'asset' },
  LendingLiquidated: { healthFactorWad: 'wad', closeFactorBps: 'bps', debtRepaid: 'asset', debt: 'asset' },
  LendingCollateralSeized: { seized: 'asset', bonus: 'asset', toLiquidator: 'asset', protocolFee: 'asset', protocolFeeCut: 'asset', balance: 'asset' },
  LendingDeficit: { amount: 'asset', deficit: 'asset' },
  LendingLiquidatable: { healthFactorWad: 'wad', totalCollateralBase: 'base', totalDebtBase: 'base' },
  LendingHealthy: { healthFactorWad: 'wad' },
  MorphoMarketCreated: { lltvWad: 'wad', incentiveFactorWad: 'wad', price: 'atoms' },
  MorphoPriced: { price: 'atoms' },
  MorphoSupplied: { amount: 'atoms', shares: 'atoms' },
  MorphoBorrowed: { amount: 'atoms', shares: 'atoms' },
  MorphoCollateralSupplied: { amount: 'atoms', collateral: 'atoms' },
  MorphoPreLiquidationSet: { preLltvWad: 'wad', preLCF1Wad: 'wad', preLCF2Wad: 'wad', preLIF1Wad: 'wad', preLIF2Wad: 'wad' },
  MorphoLiquidated: { incentiveFactorWad: 'wad', repaidShares: 'atoms', repaidAssets: 'atoms', badDebtAssets: 'atoms', badDebtShares: 'atoms', borrowShares: 'atoms' },
  MorphoCollateralSeized: { seized: 'atoms', collateral: 'atoms' },
  // Compound v3
  CometMarketCreated: { price: 'base', baseBorrowMin: 'asset', targetReserves: 'asset', storeFrontPriceFactorWad: 'wad' },
  CometCollateralListed: { price: 'base', borrowCollateralFactorWad: 'wad', liquidateCollateralFactorWad: 'wad', liquidationFactorWad: 'wad', supplyCap: 'asset' },
  CometPriced: { price: 'base' },
  CometSupplied: { amount: 'asset', balance: 'asset' },
  CometWithdrawn: { amount: 'asset', balance: 'asset' },
  CometCollateralAbsorbed: { amount: 'asset', value: 'base', collateralReserves: 'asset' },
  CometAbsorbed: { basePaidOut: 'asset', valueOfBasePaidOut: 'base', balance: 'asset', reserves: 'asset', reservesDelta: 'asset' },
  CometCollateralBought: { amount: 'asset', collateralReserves: 'asset' },
  CometReservesPaid: { amount: 'asset', reserves: 'asset', reservesDelta: 'asset' },
  CometLiquidatable: { balance: 'asset' },
  CometHealthy: { balance: 'asset' },
  // Aave e-mode
  LendingEModeCategorySet: { ltvBps: 'bps', liquidationThresholdBps: 'bps', liquidationBonusBps: 'bps' },
  LendingEModeSet: { healthFactorWad: 'wad' },
  // Morpho repay / withdrawCollateral and health crossings
  MorphoRepaid: { assets: 'atoms', shares: 'atoms', borrowShares: 'atoms' },
  MorphoCollateralWithdrawn: { amount: 'atoms', collateral: 'atoms' },
  MorphoLiquidatable: { borrowed: 'atoms', maxBorrow: 'atoms' },
  MorphoHealthy: { borrowed: 'atoms', maxBorrow: 'atoms' },
};
