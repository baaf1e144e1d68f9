// Stage 4 of the loss waterfall: what nobody took over is closed against opposite positions at the bankruptcy price.
// 'adl' ranks them by BitMEX's score (liquidation/adl.ts bitmexAdlScore, rankForAdl): PnL% x effective leverage in
// profit, PnL% / leverage in loss; 'offset' walks them in account order from a start that rotates with the block
// (dYdX v4 deleveraging.go OffsetSubaccountPerpetualPosition starts at a pseudo-random subaccount). The venue's own
// accounts are never deleveraged against. A queue per market and side (adl-queue.ts) yields the exact best counterparty
// at each pick.

import type { MarketState } from '../market/index.js';
import { abs, type Price } from '../units/index.js';
import { AdlQueue, OffsetQueue } from './adl-queue.js';
import type { Block } from './block.js';
import { transferPosition } from './fund.js';

/**
 * Closes up to `take` of `bankrupt`'s position (long when `long`) against opposite positions at `px`, in the
 * rulebook's order (adl-queue.ts). `ledgerEquity` is the liquidated ledger's equity (reported). Returns the size
 * closed.
 */
export function deleverage(b: Block, m: MarketState, bankrupt: string, long: boolean, take: bigint, px: Price, method: 'adl' | 'offset', ledgerEquity: bigint): bigint {
  const s = b.s;
  const key = `${m.spec.id}|${long ? 'long' : 'short'}`;
  let queue = b.adl.get(key);
  if (queue === undefined) {
    queue = method === 'adl' ? new AdlQueue(s, m, long, b.adlMirror, b.touchLog) : new OffsetQueue(s, m, long, b.block);
    b.adl.set(key, queue);
  }
  let left = take;
  // Each pass closes against one counterparty (the queue re-places it when the trade touches it) or leaves one out:
  // bounded by the opposite side's size and its accounts.
  while (left > 0n) {
    const id = queue.peek();
    if (id === null) break;
    const p = s.accounts.get(id)?.positions.get(m.spec.id);
    if (p === undefined || p.size > 0n === long || id === bankrupt) {
      queue.exclude(id);
      continue;
    }
    const part = abs(p.size) < left ? abs(p.size) : left;
    if (!transferPosition(b, m, bankrupt, id, long, part, px, 'deleverage')) {
      queue.exclude(id);
      continue;
    }
    b.emit({ kind: 'Deleveraged', account: id, liquidated: bankrupt, market: m.spec.id, size: part, price: px, method, ledgerEquity, stage: 'deleverage' });
    left -= part;
  }
  const closed = take - left;
  if (closed > 0n) b.emit({ kind: 'LiquidationFill', account: bankrupt, market: m.spec.id, route: method, counterparty: null, size: closed, price: px, stage: 'deleverage' });
  return closed;
}
