// Accounts: collateral balances in several assets, perpetual positions (cross or isolated) and lending debt.
//
// A position keeps a signed size and a signed cost basis (entryQuote): a long bought for N quote atoms has
// entryQuote = +N, a short sold for N has entryQuote = -N. Then for either side
//   unrealised PnL = value(size x mark) - entryQuote,
// and a trade changes (balance - entryQuote) by exactly its cash flow, which is what conserves funds.

import { abs, divRound, quote, type Quote, type Size, size as toSize } from '../units/index.js';
import type { FundingIndex } from '../market/state.js';

export type MarginMode = 'cross' | 'isolated';

export interface Position {
  readonly market: string;
  /** Signed base atoms: long > 0, short < 0. Never zero while the position exists. */
  size: Size;
  /** Signed cost basis in quote atoms (see the header). */
  entryQuote: Quote;
  /** The market's funding index when funding was last settled into this position's margin. */
  fundingIndex: FundingIndex;
  /** Margin set aside for an isolated position (quote atoms); null for a cross position. */
  isolatedMargin: Quote | null;
}

export interface Account {
  readonly id: string;
  /**
   * The account's number in its state: dense from 0, in the order the state made its accounts (its account table's order), and
   * carried by every draft that replaces it. The indexes keep their per-account tables by it (typed arrays, not Maps
   * keyed by id). Not part of the account's content: never encoded, hashed, compared or reported.
   */
  readonly no: number;
  /** Collateral by asset id, in the asset's atoms. Only the settlement asset may go negative. */
  readonly balances: Map<string, bigint>;
  /** Open positions by market id. */
  readonly positions: Map<string, Position>;
  /**
   * Lending debt by asset id, in the asset's atoms. Read-only: an account that never borrowed shares NO_BORROWS,
   * and ownBorrows() gives it a Map of its own before the first write.
   */
  borrows: ReadonlyMap<string, bigint>;
}

/**
 * The borrows of every account without debt of its own: one empty Map, never written (the type lets no one write
 * it). An empty Map is ~180 bytes; at 1M perpetual accounts that never borrow, one each was ~170 MiB of heap.
 */
export const NO_BORROWS: ReadonlyMap<string, bigint> = new Map();

/** The account's borrows as a Map it owns, to write (copy-on-write from NO_BORROWS). */
export function ownBorrows(account: Account): Map<string, bigint> {
  if (account.borrows === NO_BORROWS) account.borrows = new Map();
  return account.borrows as Map<string, bigint>;
}

/** Borrows read from a snapshot: NO_BORROWS when there are none. */
export function borrowsFrom(entries: readonly (readonly [string, bigint])[]): ReadonlyMap<string, bigint> {
  return entries.length === 0 ? NO_BORROWS : new Map(entries);
}

/** A new empty account with number `no` (the owner numbers its accounts densely: Account.no). */
export function newAccount(id: string, no: number): Account {
  return { id, no, balances: new Map(), positions: new Map(), borrows: NO_BORROWS };
}

export function balanceOf(account: Account, asset: string): bigint {
  return account.balances.get(asset) ?? 0n;
}

export function marginModeOf(position: Position): MarginMode {
  return position.isolatedMargin === null ? 'cross' : 'isolated';
}

/** What one side of a trade does to a position. */
export interface TradeEffect {
  /** The size after the trade (0n: the position is closed). */
  readonly size: Size;
  readonly entryQuote: Quote;
  /** PnL realised by the part of the trade that reduced the position. */
  readonly realisedPnl: Quote;
  /** Base atoms that reduced the old position (unsigned). */
  readonly closedSize: bigint;
  /** Base atoms that opened or increased a position (unsigned; after a flip, the new side's size). */
  readonly openedSize: bigint;
}

/**
 * Applies a trade of signed size `delta` with signed cash flow `cash` (a buy pays: cash = -N; a sell receives:
 * cash = +N, N the trade's notional) to a position of signed size `size` and cost `entryQuote`.
 *
 * Reducing: the closed part takes the share c/|size| of the cost (truncated; a full close takes all of it) and
 * the share c/|delta| of the cash (truncated; the rest belongs to the opening part of a flip).
 * realised = cash_closed - cost_closed. Then (balance + realised) - (entry - cost_closed) changes by cash_closed,
 * and the opening part changes entry by -cash_open, so the account's (balance - entry) moves by exactly `cash`.
 */
export function applyTrade(sizeBefore: bigint, entryBefore: bigint, delta: bigint, cash: bigint): TradeEffect {
  const increasing = sizeBefore === 0n || sizeBefore > 0n === delta > 0n;
  if (increasing) {
    return {
      size: toSize(sizeBefore + delta),
      entryQuote: quote(entryBefore - cash),
      realisedPnl: quote(0n),
      closedSize: 0n,
      openedSize: abs(delta),
    };
  }
  const absSize = abs(sizeBefore);
  const absDelta = abs(delta);
  const closed = absDelta < absSize ? absDelta : absSize;
  const costClosed = closed === absSize ? entryBefore : divRound(entryBefore * closed, absSize, 'trunc');
  const cashClosed = closed === absDelta ? cash : divRound(cash * closed, absDelta, 'trunc');
  const cashOpen = cash - cashClosed;
  const after = sizeBefore + delta;
  return {
    size: toSize(after),
    entryQuote: quote(entryBefore - costClosed - cashOpen),
    realisedPnl: quote(cashClosed - costClosed),
    closedSize: closed,
    openedSize: absDelta - closed,
  };
}
