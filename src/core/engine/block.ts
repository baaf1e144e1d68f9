// A block: what enforcement does within one engine command. Its budgets (steps, the insurance fund's loss), the
// accounts it touched (the indexes re-arm them), per-account dYdX usage and the ADL queues it has ranked.

import type { AdlMirror } from './adl-mirror.js';
import type { DeleverageQueue } from './adl-queue.js';
import type { BlockUsage } from '../liquidation/blocklimits.js';
import type { LedgerRef } from '../triggers/breach-index.js';
import type { Emit } from './emit.js';
import type { EngineState } from './state.js';

export interface Block {
  readonly s: EngineState;
  readonly emit: Emit;
  /** The block id: the command's sequence number. */
  readonly block: bigint;
  readonly nowMs: number;
  readonly touched: Set<string>;
  /** Accounts touched since the breach index last caught up (drained after every liquidation step). */
  readonly recent: string[];
  /**
   * Accounts touched by enforcement itself (the margin-call indexes re-arm them once the block is done). The same Set
   * as `touched` when the command itself touched no account (a price tick: every crash): the two would hold the same
   * ids in the same order, and a touch adds to one Set fewer.
   */
  readonly enforced: Set<string>;
  /** What the insurance fund lost in this block (its per-block budget). */
  insuranceLost: bigint;
  steps: number;
  readonly dydxUsage: Map<string, BlockUsage>;
  orderSeq: number;
  /**
   * Every touch of the block, in order: the deleveraging queues replay it when they next pick (adl-queue.ts), so a
   * touch costs one push however many queues are open.
   */
  readonly touchLog: string[];
  /** The deleveraging queues opened in this block, per market and side deleveraged (adl-queue.ts). */
  readonly adl: Map<string, DeleverageQueue>;
  /** The engine's float mirror of the holders (adl-mirror.ts), which ADL queues screen from; null: they read the accounts. */
  readonly adlMirror: AdlMirror | null;
}

export function newBlock(s: EngineState, emit: Emit, touched: Set<string>, adlMirror: AdlMirror | null = null): Block {
  const enforced = touched.size === 0 ? touched : new Set<string>();
  return { s, emit, block: BigInt(s.seq), nowMs: s.timeMs, touched, recent: [], enforced, insuranceLost: 0n, steps: 0, dydxUsage: new Map(), orderSeq: 0, touchLog: [], adl: new Map(), adlMirror };
}

/** Marks an account as changed by this block (the indexes re-arm it; open deleveraging queues re-place it). */
export function touch(b: Block, id: string): void {
  b.touched.add(id);
  b.recent.push(id);
  if (b.enforced !== b.touched) b.enforced.add(id);
  b.adlMirror?.markDirty(id);
  if (b.adl.size > 0) b.touchLog.push(id); // no queue open yet: nothing to replay it to
}

/**
 * The cross ledger's name, in events (`ledger: 'cross'`) and in keys alike; an isolated ledger is named by its market.
 * set_market refuses a market with this id, so the two cannot collide.
 */
export const CROSS_LEDGER = 'cross';

/** A ledger's key in the engine's maps (episodes): `account|cross` or `account|market`. */
export const ledgerKey = (l: LedgerRef): string => `${l.account}|${l.market ?? CROSS_LEDGER}`;

/**
 * A ledger enforcement looks at, with its key: made once per ledger and pass, as a step looks its episode up several
 * times (a key built each time was a string concatenated, then hashed, for every lookup).
 */
export interface KeyedLedger extends LedgerRef {
  readonly key: string;
}

export const keyedLedger = (l: LedgerRef): KeyedLedger => ({ account: l.account, market: l.market, key: ledgerKey(l) });
