// Bounds for every list and state in core/liquidation (STYLE.md "Limits": every loop and queue has a limit).
// The engine's global limits table may re-export these; they live here so the folder stays self-contained.

import { assert } from '../assert.js';

/** Markets one account may have liquidated within one block (dYdX tracks perpetual ids per block). */
export const BLOCK_MARKETS_MAX = 256;
/** Offsetting candidates one deleveraging pass visits (dYdX MaxDeleveragingSubaccountsToIterate = 500). */
export const DELEVERAGE_CANDIDATES_MAX = 500;
/** Accounts one ADL ranking accepts. */
export const ADL_RANKING_MAX = 1_000_000;
/** Positions one socialised-loss charge list accepts. */
export const SOCIALISE_POSITIONS_MAX = 1_000_000;
/** Entries a sliding-window log may hold (see limits.ts: older entries merge, conservatively). */
export const WINDOW_ENTRIES_MAX = 4_096;
/** Liquidation attempts per block (dYdX MaxLiquidationAttemptsPerBlock defaults to 50). */
export const ATTEMPTS_PER_BLOCK_MAX = 1_000_000;

assert(DELEVERAGE_CANDIDATES_MAX >= 500, 'bounds: dYdX iterates up to 500 deleveraging candidates');
assert(WINDOW_ENTRIES_MAX >= 2, 'bounds: a window needs room for the merge rule');
