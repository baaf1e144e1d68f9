// Which markets an account's value depends on: the markets whose prices enter its equity or requirements. A tripped
// breaker, an invalid (clamped) or missing price on ANY of them means the account's figures cannot be trusted, so its
// liquidation waits and money does not leave against them (DESIGN.md "The loss waterfall": "a breaker on any market
// the ledger's value depends on").
//
// - a position: its market (the mark values it and its requirement);
// - a collateral balance or a debt in an asset other than the settlement asset: the market whose index values the
//   asset (AssetSpec.priceMarket). For wrapped, staked and pegged assets that is the underlying's market (the asset
//   is worth conversion rate x the underlying's index, never its own market's price), so a depeg of its own market
//   does not make the account depend on that market.
// Zero balances and debts add nothing; an asset the view does not know adds nothing (it cannot be valued at all, and
// evaluateAccount reports the account unpriced).

import type { Account } from '../account/account.js';
import type { MarginView } from './evaluate.js';

type AssetView = Pick<MarginView, 'settlementAsset' | 'asset'>;

/**
 * Adds the markets that value the account's non-settlement balances and debts to `out`, balances first. forEach: no
 * array of the two maps, no iterators, no [key, value] pairs (a liquidation asks this of every account it plans).
 */
function addAssetMarkets(view: AssetView, account: Account, out: string[]): void {
  const add = (amount: bigint, assetId: string): void => {
    if (amount === 0n || assetId === view.settlementAsset) return;
    const spec = view.asset(assetId);
    if (spec !== undefined && !out.includes(spec.priceMarket)) out.push(spec.priceMarket);
  };
  account.balances.forEach(add);
  account.borrows.forEach(add);
}

/**
 * Every market the account's value depends on, each once: its positions' markets (cross and isolated) in the
 * account's order, then the markets valuing its collateral and debts.
 */
export function accountMarkets(view: AssetView, account: Account): string[] {
  const out: string[] = [];
  for (const p of account.positions.values()) if (!out.includes(p.market)) out.push(p.market);
  addAssetMarkets(view, account, out);
  return out;
}

/**
 * The markets one ledger's figures depend on: an isolated position (`ledgerMarket` set) depends on its own market
 * alone; the cross ledger on its cross positions' markets, then the markets valuing its collateral and debts.
 */
export function ledgerMarkets(view: AssetView, account: Account, ledgerMarket: string | null): string[] {
  if (ledgerMarket !== null) return [ledgerMarket];
  const out: string[] = [];
  for (const p of account.positions.values()) if (p.isolatedMargin === null && !out.includes(p.market)) out.push(p.market);
  addAssetMarkets(view, account, out);
  return out;
}
