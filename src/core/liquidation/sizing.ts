// Partial liquidation sizing: how much of one position to close now, and why.
//
// Every policy returns `close`: unsigned size atoms, never more than |size|, a multiple of the step unless it is
// the whole position; and `why`, a stable code. Policies:
// - 'full': the whole position.
// - 'dydx': dYdX v4 position and subaccount block limits. dydxprotocol/v4-chain @
//   84d4664bae71e3a077adaac67fb77ad19cd28d30, protocol/x/clob/keeper/liquidations.go
//   (GetMaxAndMinPositionNotionalLiquidatable, GetLiquidatablePositionSizeDelta, GetSubaccountMaxNotionalLiquidatable);
//   notes §1.4 (V). The insurance-loss cap is checked per fill (blocklimits.ts checkFillAgainstBlockLimits), as in
//   dYdX; sizing reports what is left of it.
// - 'hyperliquid': positions above a notional threshold (100k USDC) go to the book 20% at a time; after a block in
//   which any position of the account was partially liquidated, a cooldown (30 s) follows during which every
//   liquidation order is for the ENTIRE position (not a pause); the backstop (liquidator vault) takes over when
//   equity < 2/3 x maintenance and the book did not fill. hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations
//   (V: trigger, backstop) and the partial-liquidation announcement (S: tginsight.xyz/channel/
//   hyperliquid_announcements/post/307); notes §2.
// - 'drift': close only what restores margin to the buffered maintenance requirement, limited by a ramp that
//   grows with time since the liquidation began. drift-labs/protocol-v2 @ 0ae3e3b1db782a6765c3525b3dec38ad4d9d3a62,
//   programs/drift/src/math/liquidation.rs (calculate_base_asset_amount_to_cover_margin_shortage,
//   calculate_max_pct_to_liquidate), state/margin_calculation.rs, controller/liquidation.rs; notes §3.1-3.2 (V).
//   Time: Drift counts Solana slots; we count ms since the liquidation began. DRIFT_SLOT_MS (insurance.ts) = 400 ms per slot
//   converts Drift's parameters (liquidation_duration 150 slots = 60,000 ms; 1,500 slots ~ 10 min).
//
// Blocks: a block is one engine command (see blocklimits.ts). Times are integer ms (`nowMs`), inputs like prices.

import type { CodeName } from '../codes.js';
import { abs, divRound, PPM_ONE, type Ppm, type Price, type Quote, type Size } from '../units/index.js';
import {
  maxInsuranceLost,
  maxNotionalLiquidatable,
  validateSubaccountBlockLimits,
  type BlockLimitReason,
  type BlockUsage,
  type SubaccountBlockLimits,
} from './blocklimits.js';
import { DRIFT_FEE_PRECISION, DRIFT_FEE_TO_MARGIN_RATIO, DRIFT_PCT_PRECISION, DRIFT_PRICE_PRECISION, DRIFT_PRICE_TIMES_AMM_TO_QUOTE } from './drift-precision.js';
import { atPath, isTimeMs, ok, rejected, type ParamProblem, type Result } from './result.js';
import { sizeForNotional, validUnits, type MarketUnits } from './units.js';

/** What every policy is told about the position and its ledger (the account's cross margin, or the isolated position). */
export interface SizingInput {
  readonly market: string;
  /** Signed position size, size atoms (long > 0). */
  readonly size: Size;
  /** The price the ledger was valued at (price atoms, > 0). */
  readonly mark: Price;
  /** This position's notional |size| x mark, quote atoms (the ledger's own figure). */
  readonly notional: Quote;
  /** Ledger equity and total maintenance requirement, quote atoms, exact. */
  readonly equity: Quote;
  readonly maintenance: Quote;
  /** This position's share of the maintenance requirement, quote atoms (<= maintenance). */
  readonly positionMaintenance: Quote;
  /** Sum of the notionals of the ledger's positions (Drift's "liability value"), quote atoms (>= notional). */
  readonly ledgerNotional: Quote;
  readonly mode: 'cross' | 'isolated';
  readonly stepSize: Size;
  readonly units: MarketUnits;
  readonly nowMs: number;
  /** The engine's block id: one command = one block. */
  readonly block: bigint;
}

/** Why a policy closes what it closes (the `sizing_why` vocabulary of core/codes.ts). */
export type SizingWhy = CodeName<'sizing_why'>;

/** The sizing policies (the `sizing_policy` vocabulary): SizingPolicy['kind']. */
export type SizingPolicyKind = CodeName<'sizing_policy'>;

export interface SizingDecision {
  /** Size atoms to close now (unsigned; 0 means nothing now). */
  readonly close: Size;
  readonly why: SizingWhy;
  /** 'book': send a liquidation order; 'backstop': hand the ledger (cross: every cross position) to the backstop. */
  readonly route: 'book' | 'backstop';
}

export type SizingReason = 'no_position' | 'invalid_input' | 'invalid_params' | 'time_went_backwards';

function checkInput(i: SizingInput): SizingReason | null {
  if (i.size === 0n) return 'no_position';
  if (i.stepSize <= 0n || i.mark <= 0n || i.notional < 0n || i.maintenance < 0n || i.positionMaintenance < 0n) return 'invalid_input';
  if (i.positionMaintenance > i.maintenance || i.ledgerNotional < i.notional || !validUnits(i.units) || !isTimeMs(i.nowMs)) return 'invalid_input';
  if (i.mode !== 'cross' && i.mode !== 'isolated') return 'invalid_input';
  return null;
}

const decision = (close: bigint, why: SizingWhy, route: 'book' | 'backstop' = 'book'): SizingDecision => ({ close: close as Size, why, route });

/** `n` rounded to a multiple of `step` as asked, never more than `whole` (the position may be off the step grid). */
function toStep(n: bigint, step: bigint, whole: bigint, mode: 'floor' | 'ceil'): bigint {
  const r = divRound(n, step, mode) * step;
  return r > whole ? whole : r;
}

// ---- full ------------------------------------------------------------------------------------------------

export function sizeFull(i: SizingInput): Result<SizingDecision, SizingReason> {
  const bad = checkInput(i);
  if (bad !== null) return rejected(bad);
  return ok(decision(abs(i.size), 'full_policy'));
}

// ---- dYdX ------------------------------------------------------------------------------------------------

export interface DydxSizingParams {
  /** min_position_notional_liquidated, quote atoms (default 1,000 quantums; mainnet 1,000 USDC). Not validated by dYdX. */
  readonly minPositionNotionalLiquidated: Quote;
  /** max_position_portion_liquidated_ppm, (0, 1e6] (default 1e6; mainnet 100,000 = 10%). */
  readonly maxPositionPortionLiquidatedPpm: Ppm;
  readonly subaccount: SubaccountBlockLimits;
}

export function validateDydxSizingParams(p: DydxSizingParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (p.minPositionNotionalLiquidated < 0n) problems.push({ path: 'minPositionNotionalLiquidated', message: 'must be >= 0' });
  if (p.maxPositionPortionLiquidatedPpm <= 0n || p.maxPositionPortionLiquidatedPpm > PPM_ONE) {
    problems.push({ path: 'maxPositionPortionLiquidatedPpm', message: 'must be in (0, 1e6]' });
  }
  return [...problems, ...atPath('subaccount', validateSubaccountBlockLimits(p.subaccount))];
}

/**
 * GetMaxAndMinPositionNotionalLiquidatable: min = min(min_position_notional_liquidated, |N|);
 * max = max(min, floor(|N| x max_position_portion_liquidated_ppm / 1e6)).
 */
export function dydxPositionNotionalBounds(absNotional: bigint, p: Pick<DydxSizingParams, 'minPositionNotionalLiquidated' | 'maxPositionPortionLiquidatedPpm'>): { readonly min: Quote; readonly max: Quote } {
  const min = p.minPositionNotionalLiquidated < absNotional ? p.minPositionNotionalLiquidated : absNotional;
  const portion = divRound(absNotional * p.maxPositionPortionLiquidatedPpm, PPM_ONE, 'floor');
  return { min: min as Quote, max: (portion > min ? portion : min) as Quote };
}

export interface DydxSizingDecision extends SizingDecision {
  readonly minNotional: Quote;
  readonly maxPositionNotional: Quote;
  /** What this account may still have liquidated in this block (notional) and lose to the fund. */
  readonly subaccountNotionalLeft: Quote;
  readonly insuranceLossLeft: Quote;
}

/**
 * GetLiquidatablePositionSizeDelta: limit = min(position max, subaccount notional left). The whole position when
 * |N| <= limit or |size| <= step; otherwise QuoteToBase(limit) (rounded down), down to a multiple of the step,
 * clamped to [step, |size|].
 */
export function sizeDydx(i: SizingInput, p: DydxSizingParams, usage: BlockUsage | null): Result<DydxSizingDecision, SizingReason | BlockLimitReason> {
  const bad = checkInput(i);
  if (bad !== null) return rejected(bad);
  if (validateDydxSizingParams(p).length > 0) return rejected('invalid_params');
  const left = maxNotionalLiquidatable(usage, p.subaccount, i.block, i.market);
  if (!left.ok) return left;
  const insuranceLeft = maxInsuranceLost(usage, p.subaccount, i.block, i.market);
  if (!insuranceLeft.ok) return insuranceLeft;
  const bounds = dydxPositionNotionalBounds(i.notional, p);
  const limit = bounds.max < left.value ? bounds.max : left.value;
  const whole = abs(i.size);
  const extra = {
    minNotional: bounds.min,
    maxPositionNotional: bounds.max,
    subaccountNotionalLeft: left.value as Quote,
    insuranceLossLeft: insuranceLeft.value as Quote,
  };
  if (i.notional <= limit) return ok({ ...decision(whole, 'dydx_within_limit'), ...extra });
  if (whole <= i.stepSize) return ok({ ...decision(whole, 'dydx_one_step'), ...extra });
  const base = sizeForNotional(i.units, limit, i.mark, 'floor');
  let close = divRound(base, i.stepSize, 'floor') * i.stepSize;
  if (close < i.stepSize) close = i.stepSize;
  if (close > whole) close = whole;
  return ok({ ...decision(close, bounds.max <= left.value ? 'dydx_position_portion' : 'dydx_subaccount_notional'), ...extra });
}

// ---- Hyperliquid -----------------------------------------------------------------------------------------

export interface HyperliquidSizingParams {
  /** Positions with notional strictly above this go to the book in slices (100,000 USDC; testnet 10,000). */
  readonly partialThresholdNotional: Quote;
  /** The slice, ppm of the position (200,000 = 20%). */
  readonly partialPortionPpm: Ppm;
  /** After a block with a partial liquidation, orders are for the whole position for this long (30,000 ms). */
  readonly cooldownMs: number;
  /** The backstop takes over when equity x den < maintenance x num (2/3). */
  readonly backstopEquityNumerator: bigint;
  readonly backstopEquityDenominator: bigint;
}

export function validateHyperliquidSizingParams(p: HyperliquidSizingParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (p.partialThresholdNotional < 0n) problems.push({ path: 'partialThresholdNotional', message: 'must be >= 0' });
  if (p.partialPortionPpm <= 0n || p.partialPortionPpm > PPM_ONE) problems.push({ path: 'partialPortionPpm', message: 'must be in (0, 1e6]' });
  if (!isTimeMs(p.cooldownMs)) problems.push({ path: 'cooldownMs', message: 'must be an integer >= 0' });
  if (p.backstopEquityNumerator < 0n) problems.push({ path: 'backstopEquityNumerator', message: 'must be >= 0' });
  if (p.backstopEquityDenominator <= 0n) problems.push({ path: 'backstopEquityDenominator', message: 'must be > 0' });
  else if (p.backstopEquityNumerator > p.backstopEquityDenominator) {
    problems.push({ path: 'backstopEquityNumerator', message: 'the backstop ratio must be <= 1' });
  }
  return problems;
}

/** Per-account state the Hyperliquid policy reads. */
export interface HyperliquidAccountState {
  /** Time of the last block in which any position of the account was partially liquidated; null: none. */
  readonly lastPartialMs: number | null;
  /** Whether the last market liquidation order of this ledger went unfilled (Step 1 failed). The backstop needs it;
   *  an engine that wants the backstop on the equity test alone passes true. */
  readonly bookUnfilled: boolean;
}

export interface HyperliquidSizingDecision extends SizingDecision {
  /** The state after this decision is carried out: a partial slice starts (or restarts) the cooldown at nowMs. */
  readonly next: HyperliquidAccountState;
}

/**
 * Order of the rules: (1) backstop when equity < 2/3 maintenance and the book did not fill; (2) within the
 * cooldown (nowMs < lastPartialMs + cooldownMs; U: the boundary instant ends it) the whole position; (3) above
 * the threshold a 20% slice, rounded down to the step, at least one step (U: Hyperliquid does not publish its
 * rounding); (4) otherwise the whole position.
 */
export function sizeHyperliquid(
  i: SizingInput,
  p: HyperliquidSizingParams,
  s: HyperliquidAccountState,
): Result<HyperliquidSizingDecision, SizingReason> {
  const bad = checkInput(i);
  if (bad !== null) return rejected(bad);
  if (validateHyperliquidSizingParams(p).length > 0) return rejected('invalid_params');
  if (s.lastPartialMs !== null && !isTimeMs(s.lastPartialMs)) return rejected('invalid_input');
  if (s.lastPartialMs !== null && i.nowMs < s.lastPartialMs) return rejected('time_went_backwards');
  const whole = abs(i.size);
  const next: HyperliquidAccountState = { lastPartialMs: s.lastPartialMs, bookUnfilled: s.bookUnfilled };
  if (s.bookUnfilled && i.equity * p.backstopEquityDenominator < i.maintenance * p.backstopEquityNumerator) {
    return ok({ ...decision(whole, 'hl_backstop', 'backstop'), next });
  }
  if (s.lastPartialMs !== null && i.nowMs < s.lastPartialMs + p.cooldownMs) return ok({ ...decision(whole, 'hl_cooldown_full'), next });
  if (i.notional > p.partialThresholdNotional) {
    let close = toStep(divRound(whole * p.partialPortionPpm, PPM_ONE, 'floor'), i.stepSize, whole, 'floor');
    if (close < i.stepSize) close = i.stepSize < whole ? i.stepSize : whole;
    if (close < whole) return ok({ ...decision(close, 'hl_partial_slice'), next: { ...next, lastPartialMs: i.nowMs } });
  }
  return ok({ ...decision(whole, 'hl_below_threshold'), next });
}

// ---- Drift -----------------------------------------------------------------------------------------------

export interface DriftShortageInput {
  /** Quote, 1e6. */
  readonly marginShortage: bigint;
  /** margin_ratio (maintenance + buffer), MARGIN_PRECISION 1e4. */
  readonly marginRatio: bigint;
  /** Liquidator fee and IF fee, 1e6. */
  readonly liquidatorFee: bigint;
  readonly ifFee: bigint;
  /** Oracle price and quote oracle price, 1e6. */
  readonly oraclePrice: bigint;
  readonly quoteOraclePrice: bigint;
}

/**
 * Drift calculate_base_asset_amount_to_cover_margin_shortage (base 1e9; null stands for u64::MAX):
 *   mr = marginRatio x 100; null if P = 0 or mr <= lf; else
 *   shortage x 1e9 / ( (P x Q / 1e6) x (mr - lf) / 1e6 - P x iff / 1e6 ), each division floored in that order.
 * A denominator <= 0 (fees eat the margin freed) is null too.
 */
export function driftBaseToCoverMarginShortage(i: DriftShortageInput): bigint | null {
  const mr = i.marginRatio * DRIFT_FEE_TO_MARGIN_RATIO;
  if (i.oraclePrice <= 0n || mr <= i.liquidatorFee) return null;
  const priceInQuote = (i.oraclePrice * i.quoteOraclePrice) / DRIFT_PRICE_PRECISION;
  const den = (priceInQuote * (mr - i.liquidatorFee)) / DRIFT_FEE_PRECISION - (i.oraclePrice * i.ifFee) / DRIFT_FEE_PRECISION;
  if (den <= 0n) return null;
  return (i.marginShortage * DRIFT_PRICE_TIMES_AMM_TO_QUOTE) / den;
}

export interface DriftPctInput {
  readonly marginShortage: bigint;
  readonly slotsSinceStart: bigint;
  /** initial_pct_to_liquidate, 1e4. */
  readonly initialPct: bigint;
  /** liquidation_duration, slots (0: no ramp). */
  readonly duration: bigint;
  /** Margin freed by this liquidation so far, quote 1e6. */
  readonly marginFreed: bigint;
}

/** Drift's small-shortfall rule: below 50 USDC (quote 1e6) the whole shortfall may be covered at once. */
export const DRIFT_SMALL_SHORTFALL = 50_000_000n;

/**
 * Drift calculate_max_pct_to_liquidate (1e4): 10,000 if shortage < $50 or duration = 0; else
 *   pct = min(slots x 1e4 / duration + initial, 1e4); total = shortage + freed;
 *   freeable = sat(total x pct / 1e4 - freed); return freeable x 1e4 / shortage. All floors.
 */
export function driftMaxPctToLiquidate(i: DriftPctInput): bigint {
  if (i.marginShortage < DRIFT_SMALL_SHORTFALL || i.duration <= 0n) return DRIFT_PCT_PRECISION;
  const ramp = (i.slotsSinceStart * DRIFT_PCT_PRECISION) / i.duration + i.initialPct;
  const pct = ramp < DRIFT_PCT_PRECISION ? ramp : DRIFT_PCT_PRECISION;
  const total = i.marginShortage + i.marginFreed;
  const target = (total * pct) / DRIFT_PCT_PRECISION;
  const freeable = target > i.marginFreed ? target - i.marginFreed : 0n;
  return (freeable * DRIFT_PCT_PRECISION) / i.marginShortage;
}

export interface DriftSizingParams {
  /** liquidation_margin_buffer_ratio as ppm (Drift default MARGIN/50 = 2% = 20,000). */
  readonly marginBufferPpm: Ppm;
  /**
   * What the buffer is a share of. 'liability': the ledger's notional (Drift: MR + liability_value x ratio).
   * 'maintenance': the maintenance requirement itself, i.e. the target is maintenance x (1 + ratio).
   */
  readonly bufferBasis: 'liability' | 'maintenance';
  /** The liquidator fee and the insurance fund fee the close will pay, ppm of the closed notional. */
  readonly liquidatorFeePpm: Ppm;
  readonly insuranceFeePpm: Ppm;
  /** initial_pct_to_liquidate as ppm (Drift's 1e4 x 100). */
  readonly initialPortionPpm: Ppm;
  /** liquidation_duration in ms (slots x DRIFT_SLOT_MS); 0: no ramp. */
  readonly rampDurationMs: number;
  /** Below this shortfall the ramp does not apply (Drift: 50 USDC), quote atoms. */
  readonly smallShortfall: Quote;
  /** At or below this position notional the whole position may go (Drift: 50 USDC), quote atoms. */
  readonly smallPosition: Quote;
}

export function validateDriftSizingParams(p: DriftSizingParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const ppmField = (path: keyof DriftSizingParams, v: bigint): void => {
    if (v < 0n || v > PPM_ONE) problems.push({ path, message: 'must be in [0, 1e6]' });
  };
  ppmField('marginBufferPpm', p.marginBufferPpm);
  ppmField('liquidatorFeePpm', p.liquidatorFeePpm);
  ppmField('insuranceFeePpm', p.insuranceFeePpm);
  ppmField('initialPortionPpm', p.initialPortionPpm);
  if (p.bufferBasis !== 'liability' && p.bufferBasis !== 'maintenance') {
    problems.push({ path: 'bufferBasis', message: "must be 'liability' or 'maintenance'" });
  }
  if (!isTimeMs(p.rampDurationMs)) problems.push({ path: 'rampDurationMs', message: 'must be an integer >= 0' });
  if (p.smallShortfall < 0n) problems.push({ path: 'smallShortfall', message: 'must be >= 0' });
  if (p.smallPosition < 0n) problems.push({ path: 'smallPosition', message: 'must be >= 0' });
  return problems;
}

/** Per-account state of a Drift-style liquidation in progress. */
export interface DriftAccountState {
  /** When this liquidation began (Drift: the slot of last activity). */
  readonly startedMs: number;
  /** Margin freed by this liquidation so far, quote atoms. */
  readonly marginFreed: Quote;
}

/** The buffered maintenance requirement and the shortfall against it (requirements round up). */
export function driftShortfall(i: Pick<SizingInput, 'equity' | 'maintenance' | 'ledgerNotional'>, p: Pick<DriftSizingParams, 'marginBufferPpm' | 'bufferBasis'>): { readonly required: Quote; readonly shortfall: Quote } {
  const basis = p.bufferBasis === 'liability' ? i.ledgerNotional : i.maintenance;
  const required = i.maintenance + divRound(basis * p.marginBufferPpm, PPM_ONE, 'ceil');
  const shortfall = required > i.equity ? required - i.equity : 0n;
  return { required: required as Quote, shortfall: shortfall as Quote };
}

/**
 * The ramp on our clock, ppm: 1e6 if shortfall < smallShortfall or rampDurationMs = 0; else
 * pct = min(elapsedMs x 1e6 / durationMs + initial, 1e6); total = shortfall + freed;
 * freeable = sat(total x pct / 1e6 - freed); freeable x 1e6 / shortfall. All floors (Drift's, at ppm).
 */
export function driftRampPortionPpm(shortfall: bigint, elapsedMs: number, p: Pick<DriftSizingParams, 'initialPortionPpm' | 'rampDurationMs' | 'smallShortfall'>, marginFreed: bigint): bigint {
  if (shortfall <= 0n || shortfall < p.smallShortfall || p.rampDurationMs === 0) return PPM_ONE;
  const ramp = (BigInt(elapsedMs) * PPM_ONE) / BigInt(p.rampDurationMs) + p.initialPortionPpm;
  const pct = ramp < PPM_ONE ? ramp : PPM_ONE;
  const total = shortfall + marginFreed;
  const target = (total * pct) / PPM_ONE;
  const freeable = target > marginFreed ? target - marginFreed : 0n;
  return (freeable * PPM_ONE) / shortfall;
}

export interface DriftSizingDecision extends SizingDecision {
  readonly required: Quote;
  readonly shortfall: Quote;
  /** Size atoms that would restore the buffered requirement (rounded up to the step; null: unbounded). */
  readonly baseToCover: Size | null;
  readonly portionPpm: Ppm;
}

/**
 * Closing b of |size| atoms frees (linear model) b/|size| of the position's maintenance (and, with the
 * 'liability' basis, of its buffer notional) and costs b/|size| x notional x (liquidator + insurance fee):
 *   liability:   per-position improvement D = PM x 1e6 + N x (buffer - lf - iff)        (quote x ppm)
 *   maintenance: D = PM x (1e6 + buffer) - N x (lf + iff)
 *   baseToCover = ceil(shortfall x |size| x 1e6 / D), rounded up to the step (Drift standardize_ceil);
 *   D <= 0: unbounded (the whole position).
 * Then Drift's controller: maxAllowed = floor(baseToCover x portion / 1e6); nothing now if that is 0; the whole
 * position may go when its notional <= smallPosition; close = ceil-to-step(min(|size|, max(maxAllowed, small))).
 * Isolated positions are not ramped (state/liquidation_mode.rs: isolated mode returns 100%).
 */
export function sizeDrift(i: SizingInput, p: DriftSizingParams, s: DriftAccountState): Result<DriftSizingDecision, SizingReason> {
  const bad = checkInput(i);
  if (bad !== null) return rejected(bad);
  if (validateDriftSizingParams(p).length > 0) return rejected('invalid_params');
  if (!isTimeMs(s.startedMs) || s.marginFreed < 0n) return rejected('invalid_input');
  if (i.nowMs < s.startedMs) return rejected('time_went_backwards');
  const whole = abs(i.size);
  const { required, shortfall } = driftShortfall(i, p);
  const fees = p.liquidatorFeePpm + p.insuranceFeePpm;
  const improvement =
    p.bufferBasis === 'liability'
      ? i.positionMaintenance * PPM_ONE + i.notional * (p.marginBufferPpm - fees)
      : i.positionMaintenance * (PPM_ONE + p.marginBufferPpm) - i.notional * fees;
  const portion = i.mode === 'isolated' ? PPM_ONE : driftRampPortionPpm(shortfall, i.nowMs - s.startedMs, p, s.marginFreed);
  const base = { required, shortfall, portionPpm: portion as Ppm };
  if (shortfall === 0n) return ok({ ...decision(0n, 'drift_no_shortfall'), ...base, baseToCover: 0n as Size });
  const unbounded = improvement <= 0n;
  const toCover = unbounded ? null : toStep(divRound(shortfall * whole * PPM_ONE, improvement, 'ceil'), i.stepSize, whole, 'ceil');
  const maxAllowed = toCover === null ? divRound(whole * portion, PPM_ONE, 'floor') : divRound(toCover * portion, PPM_ONE, 'floor');
  const extra = { ...base, baseToCover: toCover as Size | null };
  if (maxAllowed === 0n) return ok({ ...decision(0n, 'drift_ramp_wait'), ...extra });
  const small = i.notional <= p.smallPosition;
  const wanted = small && whole > maxAllowed ? whole : maxAllowed;
  const close = toStep(wanted < whole ? wanted : whole, i.stepSize, whole, 'ceil');
  const why: SizingWhy = small && whole > maxAllowed
    ? 'drift_small_position'
    : unbounded
      ? 'drift_fees_exceed_margin'
      : toCover !== null && maxAllowed < toCover
        ? 'drift_ramp_limited'
        : 'drift_cover_shortfall';
  return ok({ ...decision(close, why), ...extra });
}

// ---- dispatch --------------------------------------------------------------------------------------------

/** A policy with its parameters (what a rulebook stores). */
export type SizingPolicy =
  | { readonly kind: 'full' }
  | { readonly kind: 'dydx'; readonly params: DydxSizingParams }
  | { readonly kind: 'hyperliquid'; readonly params: HyperliquidSizingParams }
  | { readonly kind: 'drift'; readonly params: DriftSizingParams };

/** The per-account state each policy reads (only the policy's own entry is used). */
export interface SizingState {
  readonly dydx?: BlockUsage | null;
  readonly hyperliquid?: HyperliquidAccountState;
  readonly drift?: DriftAccountState;
}

export function validateSizingPolicy(policy: SizingPolicy): ParamProblem[] {
  switch (policy.kind) {
    case 'full':
      return [];
    case 'dydx':
      return atPath('params', validateDydxSizingParams(policy.params));
    case 'hyperliquid':
      return atPath('params', validateHyperliquidSizingParams(policy.params));
    case 'drift':
      return atPath('params', validateDriftSizingParams(policy.params));
    default:
      return [{ path: 'kind', message: "must be 'full', 'dydx', 'hyperliquid' or 'drift'" }];
  }
}

const NO_HL_STATE: HyperliquidAccountState = { lastPartialMs: null, bookUnfilled: false };

/**
 * Runs the policy. Missing state reads as fresh: no dYdX usage this block, no Hyperliquid partial yet, a Drift
 * liquidation that starts now with nothing freed.
 */
export function sizeLiquidation(i: SizingInput, policy: SizingPolicy, state: SizingState = {}): Result<SizingDecision, SizingReason | BlockLimitReason> {
  switch (policy.kind) {
    case 'full':
      return sizeFull(i);
    case 'dydx':
      return sizeDydx(i, policy.params, state.dydx ?? null);
    case 'hyperliquid':
      return sizeHyperliquid(i, policy.params, state.hyperliquid ?? NO_HL_STATE);
    case 'drift':
      return sizeDrift(i, policy.params, state.drift ?? { startedMs: i.nowMs, marginFreed: 0n as Quote });
    default:
      return rejected('invalid_params');
  }
}
