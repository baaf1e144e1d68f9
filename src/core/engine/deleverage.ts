// Stage 4 of the loss waterfall: what nobody took over is closed against opposite positions at the bankruptcy price.
// 'adl' ranks them by BitMEX's score (liquidation/adl.ts bitmexAdlScore, rankForAdl): PnL% x effective leverage in
// profit, PnL% / leverage in loss; 'offset' walks them in account order from a start that rotates with the block
// (dYdX v4 deleveraging.go OffsetSubaccountPerpetualPosition starts at a pseudo-random subaccount). The venue's own
// accounts are never deleveraged against. Each market and side is ranked once per block and walked with a cursor.

import type { Account } from '../account/account.js';
import { assert } from '../assert.js';
import { bitmexAdlScore, rankForAdl, type AdlCandidate } from '../liquidation/adl.js';
import { evaluateAccount } from '../margin/evaluate.js';
import { positionValue, type MarketState } from '../market/index.js';
import { abs, Rational, type Price } from '../units/index.js';
import type { Block } from './block.js';
import { transferPosition } from './fund.js';
import { isVenueAccount } from './state.js';

/**
 * Closes up to `take` of `bankrupt`'s position (long when `long`) against opposite positions at `px`, in the
 * rulebook's order. `ledgerEquity` is the liquidated ledger's equity (reported). Returns the size closed.
 */
export function deleverage(b: Block, m: MarketState, bankrupt: string, long: boolean, take: bigint, px: Price, method: 'adl' | 'offset', ledgerEquity: bigint): bigint {
  const s = b.s;
  const key = `${m.spec.id}|${long ? 'long' : 'short'}`;
  let queue = b.adl.get(key);
  if (queue === undefined) {
    queue = { order: rankOpposite(b, m, long, method), next: 0 };
    b.adl.set(key, queue);
  }
  let left = take;
  for (let i = queue.next; i < queue.order.length && left > 0n; i++) {
    const c = queue.order[i] as AdlCandidate;
    // Positions change as the block goes on: take what the candidate holds now, on the opposite side.
    const p = s.accounts.get(c.account)?.positions.get(m.spec.id);
    const exhausted = p === undefined || p.size > 0n === long;
    if (exhausted) {
      if (i === queue.next) queue.next = i + 1;
      continue;
    }
    if (c.account === bankrupt) continue;
    const part = abs(p.size) < left ? abs(p.size) : left;
    if (!transferPosition(b, m, bankrupt, c.account, long, part, px, 'deleverage')) continue;
    b.emit({ kind: 'Deleveraged', account: c.account, liquidated: bankrupt, market: m.spec.id, size: part, price: px, method, ledgerEquity, stage: 'deleverage' });
    left -= part;
  }
  const closed = take - left;
  if (closed > 0n) b.emit({ kind: 'LiquidationFill', account: bankrupt, market: m.spec.id, route: method, counterparty: null, size: closed, price: px, stage: 'deleverage' });
  return closed;
}

/** The positions opposite `long` in the market, in deleveraging order. */
function rankOpposite(b: Block, m: MarketState, long: boolean, method: 'adl' | 'offset'): readonly AdlCandidate[] {
  const s = b.s;
  const ids = [...(s.holders.get(m.spec.id) ?? [])].sort();
  const candidates: AdlCandidate[] = [];
  for (const id of ids) {
    if (isVenueAccount(id)) continue;
    const p = s.accounts.get(id)?.positions.get(m.spec.id);
    if (p === undefined || p.size > 0n === long) continue;
    candidates.push({ account: id, size: p.size, score: method === 'adl' ? adlScore(b, m, s.accounts.get(id) as Account) : Rational.int(0) });
  }
  if (method === 'adl') {
    const ranked = rankForAdl(candidates);
    if (ranked.ok) return ranked.value;
    // Duplicates are impossible (one position per account and market); beyond ADL_RANKING_MAX candidates the
    // account order stands, and says so.
    assert(ranked.reason === 'too_many_entries', `rankForAdl refused distinct candidates: ${ranked.reason}`);
    b.emit({ kind: 'AdlUnranked', market: m.spec.id, side: long ? 'short' : 'long', candidates: candidates.length, reason: ranked.reason, stage: 'deleverage' });
    return candidates;
  }
  if (candidates.length === 0) return candidates;
  const start = Number(b.block % BigInt(candidates.length));
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}

/** BitMEX's ADL score of the account's position in the market (0 when it cannot be ranked). */
function adlScore(b: Block, m: MarketState, a: Account): Rational {
  const s = b.s;
  const p = a.positions.get(m.spec.id);
  if (p === undefined || m.markPrice === null) return Rational.int(0);
  const markValue = positionValue(m.spec, s.quoteDecimals, p.size, m.markPrice, 'floor');
  const ev = evaluateAccount(s, a);
  const equity = ev.priced ? (p.isolatedMargin === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === m.spec.id)?.equity ?? 0n)) : 0n;
  // Bankruptcy value: the position's value less the ledger's equity (long), plus it (short).
  const r = bitmexAdlScore({ markValue, entryValue: p.entryQuote, bankruptValue: markValue - equity });
  return r.ok ? r.value : Rational.int(0);
}

