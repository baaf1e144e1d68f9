// The risk view of one account: the figures traders ask venues for and rarely get exactly (issue 17) — per ledger
// equity, initial and maintenance requirement, free collateral, margin ratio, slack to the threshold; per position
// the liquidation price (cross positions too: the price of that market at which the ledger breaches, the others
// held still), the bankruptcy price, the distance to the liquidation price and the ADL rank. The one function the
// API, the CLI and the streams read these numbers from; every figure comes from the rule that decides it
// (margin/evaluate.ts, margin/thresholds.ts, adl-queue.ts exactAdlScore), none is restated here.

import type { Account, MarginMode } from '../account/account.js';
import { adlOrder } from '../liquidation/adl.js';
import { evaluateAccount, type PositionFigures } from '../margin/evaluate.js';
import { isBreached, marginRatioPpm, thresholdPrice } from '../margin/thresholds.js';
import type { MarketState } from '../market/index.js';
import { priceForNotional } from '../market/spec.js';
import { divRound, PPM_ONE, type Price } from '../units/index.js';
import { exactAdlScore, adlScoreBounds } from './adl-queue.js';
import { isVenueAccount, type EngineState } from './state.js';

/** One ledger's figures (quote atoms unless named otherwise). */
export interface LedgerRisk {
  /** 'cross', or the market of an isolated position. */
  readonly ledger: string;
  readonly equity: bigint;
  readonly initial: bigint;
  readonly maintenance: bigint;
  /** equity - initial: what may still be used to open positions or withdraw (negative: none, and short by that much). */
  readonly freeCollateral: bigint;
  /** maintenance / equity in ppm, rounded up (Binance's margin ratio; 1,000,000 = at the threshold); null: equity <= 0. */
  readonly marginRatioPpm: bigint | null;
  /** equity - maintenance: the loss the ledger can still take before the threshold (<= 0 or < 0: in breach, per rule). */
  readonly slack: bigint;
  readonly breached: boolean;
}

/** One position's figures. Prices in the market's price atoms, sizes in its base atoms, money in quote atoms. */
export interface PositionRisk {
  readonly market: string;
  readonly marginMode: MarginMode;
  /** Signed base atoms (long > 0). */
  readonly size: bigint;
  /** Average entry price (cost / size, half-even). */
  readonly entryPrice: bigint;
  readonly mark: bigint;
  readonly notional: bigint;
  readonly unrealisedPnl: bigint;
  readonly fundingOwed: bigint;
  readonly initial: bigint;
  readonly maintenance: bigint;
  /** The mark at which the position's ledger breaches, other prices held still (thresholds.ts); null: no price does. */
  readonly liquidationPrice: Price | null;
  /** The mark at which the ledger's equity reaches zero; null: no price does. */
  readonly bankruptcyPrice: Price | null;
  /**
   * How far the mark may move against the position before the liquidation price, in price atoms: mark - LP for a
   * long, LP - mark for a short (<= 0: at or past it). Null when there is no liquidation price.
   */
  readonly distanceToLiquidation: bigint | null;
  /** That distance over the mark, ppm, rounded toward zero. */
  readonly distanceToLiquidationPpm: bigint | null;
  /** Place in the ADL queue of its market and side (1 = first deleveraged), of `adlQueue` positions; null for venue accounts. */
  readonly adlRank: number | null;
  readonly adlQueue: number | null;
}

export type AccountRisk =
  | { readonly account: string; readonly priced: true; readonly cross: LedgerRisk; readonly isolated: readonly LedgerRisk[]; readonly positions: readonly PositionRisk[] }
  | { readonly account: string; readonly priced: false; readonly unpriced: readonly string[] };

function ledgerRisk(s: Readonly<EngineState>, ledger: string, equity: bigint, initial: bigint, maintenance: bigint): LedgerRisk {
  return {
    ledger,
    equity,
    initial,
    maintenance,
    freeCollateral: equity - initial,
    marginRatioPpm: marginRatioPpm(equity, maintenance),
    slack: equity - maintenance,
    breached: isBreached(equity, maintenance, s.rulebook.breachRule),
  };
}

/** The account's risk view; undefined for an unknown account. */
export function accountRisk(s: Readonly<EngineState>, accountId: string, ranker: AdlRanker | null = null): AccountRisk | undefined {
  const a = s.accounts.get(accountId);
  if (a === undefined) return undefined;
  const ev = evaluateAccount(s, a);
  if (!ev.priced) return { account: a.id, priced: false, unpriced: ev.unpriced };
  const cross = ledgerRisk(s, 'cross', ev.cross.equity, ev.cross.initial, ev.cross.maintenance);
  const isolated = ev.isolated.map((f) => ledgerRisk(s, f.market, f.equity, f.initial, f.maintenance));
  const positions = ev.positions.map((f) => positionRisk(s, a, f, ranker));
  return { account: a.id, priced: true, cross, isolated, positions };
}

function positionRisk(s: Readonly<EngineState>, a: Account, f: PositionFigures, ranker: AdlRanker | null): PositionRisk {
  const p = a.positions.get(f.market);
  const m = s.markets.get(f.market);
  if (p === undefined || m === undefined) throw new Error(`risk view: ${a.id} has figures for ${f.market} without its position`);
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  const liquidation = thresholdPrice(s, a, f.market, 'liquidation', s.rulebook.breachRule);
  const bankruptcy = thresholdPrice(s, a, f.market, 'bankruptcy', s.rulebook.breachRule);
  const distance = liquidation === null ? null : p.size > 0n ? f.mark - liquidation : liquidation - f.mark;
  const rank = isVenueAccount(a.id) ? null : ranker === null ? adlRank(s, f.market, a.id) : ranker.rank(f.market, a.id);
  return {
    market: f.market,
    marginMode: p.isolatedMargin === null ? 'cross' : 'isolated',
    size: p.size,
    entryPrice: priceForNotional(m.spec, s.quoteDecimals, abs(p.size), abs(p.entryQuote), 'half_even'),
    mark: f.mark,
    notional: f.notional,
    unrealisedPnl: f.unrealisedPnl,
    fundingOwed: f.fundingOwed,
    initial: f.initial,
    maintenance: f.maintenance,
    liquidationPrice: liquidation,
    bankruptcyPrice: bankruptcy,
    distanceToLiquidation: distance,
    distanceToLiquidationPpm: distance === null || f.mark <= 0n ? null : divRound(distance * PPM_ONE, f.mark, 'trunc'),
    adlRank: rank?.rank ?? null,
    adlQueue: rank?.of ?? null,
  };
}

/**
 * The account's place in the ADL queue of `market` on its position's side: the order the engine deleverages that side
 * in (BitMEX's score, highest first, ties by account id: liquidation/adl.ts adlOrder over adl-queue.ts exactAdlScore),
 * venue accounts left out as the engine leaves them out. Null when the account holds no position there.
 * Cost: one float screen per holder of that side (adlScoreBounds); a holder is scored exactly only when its bounds
 * straddle the account's own exact score (floats screen, the exact score decides), so a read stays cheap at a
 * million accounts.
 */
export function adlRank(s: Readonly<EngineState>, market: string, accountId: string): { readonly rank: number; readonly of: number } | null {
  const side = sideOf(s, market, accountId);
  return side === null ? null : rankAmong(s, side.m, side.account, screenSide(s, side.m, side.ids));
}

/**
 * adlRank for many reads of one engine state (a service between two commands): each market side is screened once
 * per state (the float bounds of every holder, kept in typed arrays); a read then compares floats and scores exactly
 * only the holders whose bounds straddle its own score. The same answers as adlRank (a pure cache: any command moves
 * the state's seq and drops it).
 */
export class AdlRanker {
  private seq = -1;
  private readonly screened = new Map<string, ScreenedSide>();

  constructor(private readonly s: Readonly<EngineState>) {}

  rank(market: string, accountId: string): { readonly rank: number; readonly of: number } | null {
    const side = sideOf(this.s, market, accountId);
    if (side === null) return null;
    if (this.s.seq !== this.seq) {
      this.screened.clear();
      this.seq = this.s.seq;
    }
    const key = `${market}/${side.long ? 'long' : 'short'}`;
    let screened = this.screened.get(key);
    if (screened === undefined) {
      screened = screenSide(this.s, side.m, side.ids);
      this.screened.set(key, screened);
    }
    return rankAmong(this.s, side.m, side.account, screened);
  }
}

/** The non-venue holders of one market side with the float bounds of their scores. */
interface ScreenedSide {
  readonly ids: readonly string[];
  readonly low: Float64Array;
  readonly high: Float64Array;
}

function sideOf(s: Readonly<EngineState>, market: string, accountId: string) {
  const a = s.accounts.get(accountId);
  const m = s.markets.get(market);
  const p = a?.positions.get(market);
  if (a === undefined || m === undefined || p === undefined) return null;
  const long = p.size > 0n;
  const ids = s.holders.get(market)?.[long ? 'long' : 'short'];
  return ids === undefined ? null : { account: a, m, long, ids };
}

function screenSide(s: Readonly<EngineState>, m: MarketState, holders: Iterable<string>): ScreenedSide {
  const ids: string[] = [];
  for (const id of holders) if (!isVenueAccount(id)) ids.push(id);
  const low = new Float64Array(ids.length);
  const high = new Float64Array(ids.length);
  for (const [i, id] of ids.entries()) {
    const other = s.accounts.get(id);
    const b = other === undefined ? { low: -Infinity, high: Infinity } : adlScoreBounds(s, m, other);
    low[i] = b.low;
    high[i] = b.high;
  }
  return { ids, low, high };
}

function rankAmong(s: Readonly<EngineState>, m: MarketState, a: Account, side: ScreenedSide): { readonly rank: number; readonly of: number } {
  const mine = { account: a.id, score: exactAdlScore(s, m, a) };
  const approx = Number(mine.score.num) / Number(mine.score.den);
  // The float of the exact score is within a few ulps; the slack is far wider (and NaN / Infinity screen nothing).
  const slack = Math.abs(approx) * 1e-9 + 1e-12;
  const [below, above] = Number.isFinite(approx) ? [approx - slack, approx + slack] : [Infinity, -Infinity];
  let rank = 1;
  for (let i = 0; i < side.ids.length; i++) {
    const id = side.ids[i] as string;
    if (id === a.id) continue;
    if ((side.low[i] as number) > above) rank++; // certainly a higher score: ahead
    else if ((side.high[i] as number) >= below) {
      const other = s.accounts.get(id);
      if (other !== undefined && adlOrder({ account: id, score: exactAdlScore(s, m, other) }, mine) < 0) rank++;
    }
  }
  return { rank, of: side.ids.length };
}
