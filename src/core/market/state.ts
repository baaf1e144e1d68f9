// The live state of one market: its spec plus prices, funding and open interest.

import type { OrderBook } from '../book/book.js';
import type { Price, Size } from '../units/index.js';
import type { MarketPriceState } from './pricing.js';
import type { MarketSpec } from './spec.js';
import type { VolatilityState } from './volatility.js';

/**
 * Cumulative funding paid by a long of one whole base unit since the market opened, in quote atoms scaled by
 * 1e9. A position owes size_atoms x (index_now - index_at_last_settlement) / (10^baseDecimals x 1e9).
 */
export type FundingIndex = bigint;
export const FUNDING_INDEX_SCALE = 1_000_000_000n;

export interface MarketState {
  spec: MarketSpec;
  /** Index (spot reference) price; values collateral priced off this market. Null until first priced. */
  indexPrice: Price | null;
  /** Mark price; values positions and decides liquidations. Null until first priced. */
  markPrice: Price | null;
  priceUpdatedMs: number;
  fundingIndex: FundingIndex;
  /** Sum of long sizes (= sum of short sizes: every fill has two sides). */
  openInterest: Size;
  volatility: VolatilityState;
  /** Index sources, mark-method state, breaker, funding schedule. */
  price: MarketPriceState;
  /** The built-in limit order book liquidation orders execute against. */
  book: OrderBook;
}

/**
 * A market's state, always made here, by this one literal: every MarketState of every engine in the process then has
 * one hidden class. Made two ways (a listing's literal, a restore's spread of its snapshot), a restored engine's
 * markets had a class built afresh by each restore's spread, which V8 frees with the engine's last market; the code
 * optimized for the class before is then thrown away ("weak objects") and the next engine's crash path ran cold
 * (docs/performance.md "2026-12-07, s68").
 */
export function marketState(fields: MarketState): MarketState {
  return {
    spec: fields.spec,
    indexPrice: fields.indexPrice,
    markPrice: fields.markPrice,
    priceUpdatedMs: fields.priceUpdatedMs,
    fundingIndex: fields.fundingIndex,
    openInterest: fields.openInterest,
    volatility: fields.volatility,
    price: fields.price,
    book: fields.book,
  };
}
