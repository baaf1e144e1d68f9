// Feed quotes -> wire commands (docs/scenarios.md): what an adapter's quotes mean to the engine.
// - Binance markPrice: its index `i` is one source of our index; its funding rate `r` is the announced rate.
// - Binance bookTicker / aggTrade: the venue's book top and last trade (market_data).
// - Pyth, Chainlink: one source price each (Pyth with its confidence). Updates that carry no new price (Pyth
//   prev_publish_time == publish_time, a Chainlink timed-out round) are skipped: they would restate old prices.
// - Klines (replay): the close or path step as a source price.
// Prices are rounded half-even to the market's price decimals. Nothing is dropped silently: every value that does not
// become a command (a price <= 0 or one that rounds to 0 at the market's decimals, a rate out of range, a skipped
// update) comes back as an issue with its code, naming the quote's line or message number when it has one.

import { formatDecimal } from '../core/units/index.js';
import { quoteWhere } from './guards.js';
import { formatScaled, toFixedAtoms, toPriceAtoms } from './scaled.js';
import type { FeedIssue, FeedIssueCode, FeedQuote, Scaled } from './types.js';

export interface MarketMapping {
  /** The engine's market id. */
  readonly market: string;
  readonly priceDecimals: number;
  /** The source name in the market's index (default: the feed name). */
  readonly source?: string;
}

export type WireCommandJson = Record<string, string | number>;

/** The commands a quote stands for, and an issue for each value of it that was not turned into one. */
export interface QuoteCommands {
  readonly commands: WireCommandJson[];
  readonly issues: FeedIssue[];
}

/**
 * The commands a quote stands for, stamped with `at` (the receive time for live quotes, else the publish time).
 * `mapping(symbol)` says which market a feed symbol belongs to; unmapped symbols yield nothing (and no issue: the
 * caller chose not to map them).
 */
export function quoteToCommands(q: FeedQuote, mapping: (symbol: string) => MarketMapping | undefined): QuoteCommands {
  const commands: WireCommandJson[] = [];
  const issues: FeedIssue[] = [];
  const m = mapping(q.symbol);
  if (m === undefined) return { commands, issues };
  const at = q.receivedTimeMs ?? q.publishTimeMs;
  const source = m.source ?? q.feed;
  const drop = (code: FeedIssueCode, message: string): void => {
    issues.push({ code, message: `${q.feed} ${q.symbol}: ${message}`, symbol: q.symbol, atMs: q.publishTimeMs, ...quoteWhere(q) });
  };
  /** A price in the market's decimals as wire text, or null (and an issue) when it is not a usable price. */
  const priceText = (v: Scaled, what: string): string | null => {
    const r = toPriceAtoms(v, m.priceDecimals, 'half_even');
    if (r.ok) return formatDecimal(r.value, m.priceDecimals);
    drop(r.code === 'non_positive_price' ? 'non_positive_price' : 'bad_number', `${what}: ${r.error}; not sent`);
    return null;
  };
  const sourcePrice = (p: Scaled, what: string, conf?: Scaled): void => {
    const price = priceText(p, what);
    if (price === null) return;
    const out: WireCommandJson = { at, kind: 'source_price', market: m.market, source, price, publishedAt: Math.min(q.publishTimeMs, at) };
    if (conf !== undefined) {
      const c = toFixedAtoms(conf, m.priceDecimals, 'ceil'); // rounded up: the uncertainty is never understated
      if (c.ok) out.conf = formatDecimal(c.value, m.priceDecimals);
      else drop('bad_number', `confidence ${formatScaled(conf)}: ${c.error}; the price is sent without it`);
    }
    commands.push(out);
  };
  switch (q.feed) {
    case 'binance':
      switch (q.kind) {
        case 'markPrice': {
          sourcePrice(q.index, 'index i');
          if (q.fundingRate !== undefined) {
            const r = toFixedAtoms(q.fundingRate, 9, 'half_even');
            if (r.ok) commands.push({ at, kind: 'funding_rate', market: m.market, rate: formatDecimal(r.value, 9) });
            else drop('bad_number', `funding rate ${formatScaled(q.fundingRate)}: ${r.error}; not sent`);
          }
          break;
        }
        case 'bookTicker': {
          const bestBid = priceText(q.bid, 'best bid');
          const bestAsk = priceText(q.ask, 'best ask');
          if (bestBid !== null && bestAsk !== null) commands.push({ at, kind: 'market_data', market: m.market, bestBid, bestAsk });
          break;
        }
        case 'aggTrade': {
          const lastTrade = priceText(q.price, 'trade price');
          if (lastTrade !== null) commands.push({ at, kind: 'market_data', market: m.market, lastTrade });
          break;
        }
        case 'forceOrder':
          break; // another venue's liquidation: information, not a price
      }
      break;
    case 'pyth':
      if (q.noNewPrice) drop('no_new_price', `no new price since ${q.publishTimeMs} (prev_publish_time == publish_time); skipped`);
      else sourcePrice(q.price, 'price', q.conf);
      break;
    case 'chainlink':
      if (q.answeredInRound < q.roundId) drop('stale_answer', `round ${q.roundId} was answered in round ${q.answeredInRound} (an old answer); skipped`);
      else sourcePrice(q.price, 'answer');
      break;
    case 'kline':
      sourcePrice(q.price, q.step);
      break;
  }
  return { commands, issues };
}
