// Results, reason codes and parameter problems shared by core/liquidation.
//
// Expected bad input is never thrown: every function returns `{ ok: false, reason }` with a stable code from
// LIQUIDATION_REASONS. Codes are added at the end, never renamed or reused; a retired code stays listed as
// `deprecated_N` (STYLE.md, TigerBeetle). `assert` (core/assert.ts) is only for bugs.

export const LIQUIDATION_REASONS = [
  /** A value outside its declared domain (a negative size, a zero step, a non-integer time, ...). */
  'invalid_input',
  /** dYdX ErrInvalidPerpetualPositionSizeDelta: the delta does not reduce the position (zero, same sign, or larger). */
  'invalid_delta',
  /** There is no position (size zero) to act on. */
  'no_position',
  /** A ratio to the total maintenance requirement was asked for while it is zero. */
  'no_maintenance',
  /** dYdX panics when closing part of a position increases its maintenance requirement (DMMR > 0). */
  'maintenance_increased',
  /** dYdX panics when the fillable price comes out negative. */
  'negative_fillable_price',
  /** dYdX ErrInvalidQuantumsForInsuranceFundDeltaCalculation: a fill of zero. */
  'zero_fill',
  /** No positive price makes the ledger's equity zero (a long that never goes bankrupt above 0, a short already
   *  bankrupt at price 0). */
  'no_positive_price',
  /** dYdX ErrSubaccountHasLiquidatedPerpetual: this (account, market) was already liquidated in this block. */
  'already_liquidated_this_block',
  /** The recorded usage already exceeds its limit (dYdX panics here; for us it is corrupt or stale state). */
  'usage_exceeds_limit',
  /** dYdX ErrLiquidationExceedsSubaccountMaxNotionalLiquidated. */
  'exceeds_notional_limit',
  /** dYdX ErrLiquidationExceedsSubaccountMaxInsuranceLost. */
  'exceeds_insurance_limit',
  /** dYdX ErrInsuranceFundHasInsufficientFunds: the fund cannot pay this loss. */
  'insufficient_insurance_fund',
  /** An ADL score is undefined (mark not on the solvent side of bankruptcy, zero entry value, ...). */
  'not_rankable',
  /** A loss cannot be spread: no open interest bears it. */
  'no_open_interest',
  /** A bounded list or state is full (see bounds.ts). */
  'too_many_entries',
  /** nowMs is earlier than the latest time recorded in the state. */
  'time_went_backwards',
  /** Synthetix perps v2: |size| / skewScale >= maxLiquidationDelta ("price impact of liquidation exceeded"). */
  'price_impact_exceeded',
  /** Synthetix perps v2: |skew| / skewScale >= maxPD ("instantaneous P/D exceeded"). */
  'instantaneous_pd_exceeded',
  /** Parameters a rulebook loader should have refused (see each validate* function). */
  'invalid_params',
  /** An amount larger than the remaining window capacity was recorded. */
  'exceeds_capacity',
] as const;

export type LiquidationReason = (typeof LIQUIDATION_REASONS)[number];

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Rejected<R extends LiquidationReason> = { readonly ok: false; readonly reason: R };
export type Result<T, R extends LiquidationReason> = Ok<T> | Rejected<R>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function rejected<R extends LiquidationReason>(reason: R): Rejected<R> {
  return { ok: false, reason };
}

/** A parameter problem: the path of the field in the parameter record and a sentence for people. */
export interface ParamProblem {
  readonly path: string;
  readonly message: string;
}

/** Prefixes every problem's path (for nesting a policy's parameters inside a rulebook). */
export function atPath(prefix: string, problems: readonly ParamProblem[]): ParamProblem[] {
  return problems.map((p) => ({ path: p.path === '' ? prefix : `${prefix}.${p.path}`, message: p.message }));
}

/** True when t is a usable time in ms: a safe integer >= 0. */
export function isTimeMs(t: number): boolean {
  return Number.isSafeInteger(t) && t >= 0;
}
