// Pure rate-limit state for liquidations: attempts per block and per sliding window, and liquidated amount (size
// or notional) per market per sliding window. Every function takes the state and `nowMs` and returns the answer
// with the next state; nothing is mutated.
//
// Sliding windows follow Synthetix v3 bfp-market PerpMarket.getRemainingLiquidatableSizeCapacity
// (Synthetixio/synthetix-v3 @ cb02ac7e9cf5cbde2aba2e06081c9add6a8c6d67, markets/bfp-market/contracts/storage/
// PerpMarket.sol; notes §5, V): used = the sum of amounts recorded at times STRICTLY AFTER now - window;
// remaining = max(cap - used, 0). Its source comment's worked example is a golden.
// Caps: Synthetix perps v2 (Synthetixio/synthetix @ 6f8a4eaf6800d4e2d7486f47dbbab822f99a5b96,
// contracts/PerpsV2MarketLiquidate.sol) and v3 perps-market (Synthetixio/synthetix-v3 @
// 564f3bfdff07a52cce2edbf36f2006e386a20310, markets/perps-market/contracts/storage/PerpsMarketConfiguration.sol).
// Synthetix values are WAD (1e18) and mulDecimal/divideDecimal floor; times are seconds there and ms here.
// Attempts per block: dYdX MaxLiquidationAttemptsPerBlock (x/clob/flags, default 50), a block being one engine
// command for us (see blocklimits.ts).
//
// Bound: a window log keeps at most `maxEntries` (<= WINDOW_ENTRIES_MAX) entries. Entries at or before
// now - window are dropped; amounts recorded at the same ms share an entry; when the log is still full, its two
// oldest entries merge into the later one's time. The merged amount then expires later than it would have, so
// capacity is under-stated, never over-stated (conservative); the log is exact while at most maxEntries distinct
// record times fall inside one window.

import { WINDOW_ENTRIES_MAX, ATTEMPTS_PER_BLOCK_MAX } from './bounds.js';
import { isTimeMs, ok, rejected, type ParamProblem, type Result } from './result.js';

export interface WindowEntry {
  readonly atMs: number;
  /** Amount recorded (size atoms, quote atoms or attempts: the caller's unit), > 0. */
  readonly amount: bigint;
}

/** Entries oldest first. */
export interface WindowLog {
  readonly entries: readonly WindowEntry[];
}

export const EMPTY_WINDOW: WindowLog = { entries: [] };

export interface WindowCap {
  readonly windowMs: number;
  /** Most that may be recorded within any window (>= 0), in the log's unit. */
  readonly cap: bigint;
  /** Bound on the log (1 .. WINDOW_ENTRIES_MAX). */
  readonly maxEntries: number;
}

export function validateWindowCap(c: WindowCap): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (!isTimeMs(c.windowMs) || c.windowMs === 0) problems.push({ path: 'windowMs', message: 'must be an integer > 0' });
  if (c.cap < 0n) problems.push({ path: 'cap', message: 'must be >= 0' });
  if (!Number.isSafeInteger(c.maxEntries) || c.maxEntries < 2 || c.maxEntries > WINDOW_ENTRIES_MAX) {
    problems.push({ path: 'maxEntries', message: `must be an integer in [2, ${WINDOW_ENTRIES_MAX}]` });
  }
  return problems;
}

type WindowReason = 'invalid_input' | 'invalid_params' | 'time_went_backwards';

function checkWindow(log: WindowLog, cap: WindowCap, nowMs: number): WindowReason | null {
  if (validateWindowCap(cap).length > 0) return 'invalid_params';
  if (!isTimeMs(nowMs) || log.entries.length > WINDOW_ENTRIES_MAX) return 'invalid_input';
  const last = log.entries[log.entries.length - 1];
  if (last !== undefined && nowMs < last.atMs) return 'time_went_backwards';
  return null;
}

/** Sum of the amounts recorded strictly after nowMs - windowMs. */
function usedIn(log: WindowLog, windowMs: number, nowMs: number): bigint {
  const start = nowMs - windowMs;
  let used = 0n;
  for (const e of log.entries) if (e.atMs > start) used += e.amount;
  return used;
}

export interface WindowCapacity {
  readonly used: bigint;
  /** max(cap - used, 0). */
  readonly remaining: bigint;
}

export function windowCapacity(log: WindowLog, cap: WindowCap, nowMs: number): Result<WindowCapacity, WindowReason> {
  const bad = checkWindow(log, cap, nowMs);
  if (bad !== null) return rejected(bad);
  const used = usedIn(log, cap.windowMs, nowMs);
  return ok({ used, remaining: cap.cap > used ? cap.cap - used : 0n });
}

/** Drops expired entries, adds `amount` at nowMs (merging a same-ms entry), then enforces the bound. */
function withRecord(log: WindowLog, cap: WindowCap, nowMs: number, amount: bigint): WindowLog {
  const start = nowMs - cap.windowMs;
  const entries = log.entries.filter((e) => e.atMs > start).map((e) => ({ atMs: e.atMs, amount: e.amount }));
  if (amount > 0n) {
    const last = entries[entries.length - 1];
    if (last !== undefined && last.atMs === nowMs) last.amount += amount;
    else entries.push({ atMs: nowMs, amount });
  }
  while (entries.length > cap.maxEntries) {
    const [a, b] = entries;
    if (a === undefined || b === undefined) break;
    entries.splice(0, 2, { atMs: b.atMs, amount: a.amount + b.amount });
  }
  return { entries };
}

/**
 * Records exactly `amount` (>= 0) at nowMs; 'exceeds_capacity' if it does not fit in what remains.
 */
export function recordInWindow(log: WindowLog, cap: WindowCap, nowMs: number, amount: bigint): Result<WindowLog, WindowReason | 'exceeds_capacity'> {
  const c = windowCapacity(log, cap, nowMs);
  if (!c.ok) return c;
  if (amount < 0n) return rejected('invalid_input');
  if (amount > c.value.remaining) return rejected('exceeds_capacity');
  return ok(withRecord(log, cap, nowMs, amount));
}

export interface WindowTake {
  /** min(requested, remaining): what may be liquidated now. */
  readonly allowed: bigint;
  /** The log with `allowed` recorded. */
  readonly next: WindowLog;
  readonly remainingAfter: bigint;
}

/** Grants up to `requested` (>= 0) and records what it grants. */
export function takeFromWindow(log: WindowLog, cap: WindowCap, nowMs: number, requested: bigint): Result<WindowTake, WindowReason> {
  const c = windowCapacity(log, cap, nowMs);
  if (!c.ok) return c;
  if (requested < 0n) return rejected('invalid_input');
  const allowed = requested < c.value.remaining ? requested : c.value.remaining;
  return ok({ allowed, next: withRecord(log, cap, nowMs, allowed), remainingAfter: c.value.remaining - allowed });
}

// ---- attempts ----------------------------------------------------------------------------------------------

export interface AttemptLimits {
  /** Most liquidation attempts in one block (dYdX MaxLiquidationAttemptsPerBlock = 50); null: no limit. */
  readonly maxPerBlock: number | null;
  /** Most attempts in any sliding window; null: no limit. */
  readonly perWindow: WindowCap | null;
}

export function validateAttemptLimits(l: AttemptLimits): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (l.maxPerBlock !== null && (!Number.isSafeInteger(l.maxPerBlock) || l.maxPerBlock < 0 || l.maxPerBlock > ATTEMPTS_PER_BLOCK_MAX)) {
    problems.push({ path: 'maxPerBlock', message: `must be an integer in [0, ${ATTEMPTS_PER_BLOCK_MAX}] or null` });
  }
  if (l.perWindow !== null) problems.push(...validateWindowCap(l.perWindow).map((p) => ({ path: `perWindow.${p.path}`, message: p.message })));
  return problems;
}

export interface AttemptState {
  readonly block: bigint;
  readonly inBlock: number;
  readonly window: WindowLog;
}

export interface AttemptDecision {
  readonly allowed: boolean;
  /** Which limit refused it (null when allowed). */
  readonly limitedBy: 'block' | 'window' | null;
  /** The state with the attempt recorded when allowed (unchanged otherwise). */
  readonly next: AttemptState;
}

/** One liquidation attempt at (block, nowMs): allowed unless a limit is reached; then it is recorded. */
export function tryAttempt(state: AttemptState | null, limits: AttemptLimits, block: bigint, nowMs: number): Result<AttemptDecision, WindowReason> {
  if (validateAttemptLimits(limits).length > 0) return rejected('invalid_params');
  if (!isTimeMs(nowMs)) return rejected('invalid_input');
  const s: AttemptState = state ?? { block, inBlock: 0, window: EMPTY_WINDOW };
  if (block < s.block) return rejected('time_went_backwards');
  const inBlock = block === s.block ? s.inBlock : 0;
  const current: AttemptState = { block, inBlock, window: s.window };
  if (limits.maxPerBlock !== null && inBlock >= limits.maxPerBlock) return ok({ allowed: false, limitedBy: 'block', next: current });
  let window = s.window;
  if (limits.perWindow !== null) {
    const r = recordInWindow(s.window, limits.perWindow, nowMs, 1n);
    if (!r.ok) {
      if (r.reason === 'exceeds_capacity') return ok({ allowed: false, limitedBy: 'window', next: current });
      return rejected(r.reason);
    }
    window = r.value;
  }
  return ok({ allowed: true, limitedBy: null, next: { block, inBlock: inBlock + 1, window } });
}

// ---- Synthetix caps --------------------------------------------------------------------------------------

const WAD = 1_000_000_000_000_000_000n;
const mulDecimal = (x: bigint, y: bigint): bigint => (x * y) / WAD;
const divideDecimal = (x: bigint, y: bigint): bigint => (x * WAD) / y;
const absBig = (x: bigint): bigint => (x < 0n ? -x : x);

export interface SynthetixV2LiquidationInput {
  /** All WAD: the position's size, the market skew, the skew scale, maxLiquidationDelta and maxPD. */
  readonly positionSize: bigint;
  readonly marketSkew: bigint;
  readonly skewScale: bigint;
  readonly maxLiquidationDelta: bigint;
  readonly maxPD: bigint;
}

/**
 * Perps v2 liquidatePosition's two requires: maxLiquidationDelta > |size| / skewScale ("price impact of
 * liquidation exceeded") and maxPD > |skew| / skewScale ("instantaneous P/D exceeded"), divideDecimal flooring.
 * Otherwise only an endorsed forceLiquidatePosition may proceed. Deployed values: 0.0012e18 / 0.0024e18.
 */
export function synthetixV2CanLiquidate(i: SynthetixV2LiquidationInput): Result<true, 'price_impact_exceeded' | 'instantaneous_pd_exceeded' | 'invalid_input'> {
  if (i.skewScale <= 0n || i.maxLiquidationDelta < 0n || i.maxPD < 0n) return rejected('invalid_input');
  if (!(i.maxLiquidationDelta > divideDecimal(absBig(i.positionSize), i.skewScale))) return rejected('price_impact_exceeded');
  if (!(i.maxPD > divideDecimal(absBig(i.marketSkew), i.skewScale))) return rejected('instantaneous_pd_exceeded');
  return ok(true);
}

export interface SynthetixV3WindowParams {
  /** WAD fees and skew scale. */
  readonly makerFee: bigint;
  readonly takerFee: bigint;
  readonly skewScale: bigint;
  /** maxLiquidationLimitAccumulationMultiplier (WAD). */
  readonly multiplier: bigint;
  /** maxSecondsInLiquidationWindow (an integer number of seconds, not WAD). */
  readonly windowSeconds: bigint;
}

/** Perps v3 maxLiquidationAmountInWindow = (maker + taker).mulDecimal(skewScale).mulDecimal(multiplier) x seconds (WAD size). */
export function synthetixV3MaxLiquidationAmountInWindow(p: SynthetixV3WindowParams): bigint {
  return mulDecimal(mulDecimal(p.makerFee + p.takerFee, p.skewScale), p.multiplier) * p.windowSeconds;
}

/** Perps v3 numberOfLiquidationWindows = ceil(size / maxLiquidationAmountInWindow). 'invalid_input' if the cap is 0. */
export function synthetixV3NumberOfLiquidationWindows(positionSize: bigint, maxPerWindow: bigint): Result<bigint, 'invalid_input'> {
  if (maxPerWindow <= 0n || positionSize < 0n) return rejected('invalid_input');
  return ok((positionSize + maxPerWindow - 1n) / maxPerWindow);
}

/** bfp-market cap = (maker + taker).mulDecimal(skewScale).mulDecimal(liquidationLimitScalar) (WAD size; no seconds). */
export function synthetixBfpLiquidationCap(makerFee: bigint, takerFee: bigint, skewScale: bigint, liquidationLimitScalar: bigint): bigint {
  return mulDecimal(mulDecimal(makerFee + takerFee, skewScale), liquidationLimitScalar);
}
