// Feed quotes -> wire commands (docs/scenarios.md): what an adapter's quotes mean to the engine.
// - Binance markPrice: its index `i` is one source of our index; its funding rate `r` is the announced rate.
// - Binance bookTicker / aggTrade: the venue's book top and last trade (market_data).
// - Pyth, Chainlink: one source price each (Pyth with its confidence). Updates that carry no new price (Pyth
//   prev_publish_time == publish_time, a Chainlink timed-out round) are skipped: they would restate old prices.
// - Klines (replay): the close or path step as a source price.
// Prices are rounded half-even to the market's price decimals.

import { formatDecimal } from '../core/units/index.js';
import { toFixedAtoms } from './scaled.js';
import type { FeedQuote, Scaled } from './types.js';

export interface MarketMapping {
  /** The engine's market id. */
  readonly market: string;
  readonly priceDecimals: number;
  /** The source name in the market's index (default: the feed name). */
  readonly source?: string;
}

export type WireCommandJson = Record<string, string | number>;

function priceText(v: Scaled, decimals: number): string | null {
  const r = toFixedAtoms(v, decimals, 'half_even');
  if (!r.ok || r.value <= 0n) return null;
  return formatDecimal(r.value, decimals);
}

function rateText(v: Scaled): string | null {
  const r = toFixedAtoms(v, 9, 'half_even');
  return r.ok ? formatDecimal(r.value, 9) : null;
}

/**
 * The commands a quote stands for, stamped with `at` (the receive time for live quotes, else the publish time).
 * `mapping(symbol)` says which market a feed symbol belongs to; unmapped symbols yield nothing.
 */
export function quoteToCommands(q: FeedQuote, mapping: (symbol: string) => MarketMapping | undefined): WireCommandJson[] {
  const m = mapping(q.symbol);
  if (m === undefined) return [];
  const at = q.receivedTimeMs ?? q.publishTimeMs;
  const source = m.source ?? q.feed;
  const sourcePrice = (p: Scaled, conf?: Scaled): WireCommandJson[] => {
    const price = priceText(p, m.priceDecimals);
    if (price === null) return [];
    const out: WireCommandJson = { at, kind: 'source_price', market: m.market, source, price, publishedAt: Math.min(q.publishTimeMs, at) };
    const c = conf === undefined ? null : toFixedAtoms(conf, m.priceDecimals, 'ceil');
    if (c !== null && c.ok) out.conf = formatDecimal(c.value, m.priceDecimals);
    return [out];
  };
  switch (q.feed) {
    case 'binance':
      switch (q.kind) {
        case 'markPrice': {
          const out = sourcePrice(q.index);
          const rate = q.fundingRate === undefined ? null : rateText(q.fundingRate);
          if (rate !== null) out.push({ at, kind: 'funding_rate', market: m.market, rate });
          return out;
        }
        case 'bookTicker': {
          const bestBid = priceText(q.bid, m.priceDecimals);
          const bestAsk = priceText(q.ask, m.priceDecimals);
          return bestBid === null || bestAsk === null ? [] : [{ at, kind: 'market_data', market: m.market, bestBid, bestAsk }];
        }
        case 'aggTrade': {
          const lastTrade = priceText(q.price, m.priceDecimals);
          return lastTrade === null ? [] : [{ at, kind: 'market_data', market: m.market, lastTrade }];
        }
        case 'forceOrder':
          return []; // another venue's liquidation: information, not a price
      }
      return [];
    case 'pyth':
      return q.noNewPrice ? [] : sourcePrice(q.price, q.conf);
    case 'chainlink':
      return q.answeredInRound < q.roundId ? [] : sourcePrice(q.price);
    case 'kline':
      return sourcePrice(q.price);
  }
}
