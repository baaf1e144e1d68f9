// Results, reason codes and parameter problems shared by core/liquidation.
//
// Expected bad input is never thrown: every function returns `{ ok: false, reason }` with a stable code of the
// `liquidation` vocabulary in the table of codes (core/codes.ts: added at the end, never renamed or reused; a retired
// code stays as `deprecated_N`, STYLE.md, TigerBeetle). `assert` (core/assert.ts) is only for bugs.

import { codeNames, type CodeName } from '../codes.js';

/** The `liquidation` vocabulary of the table of codes (core/codes.ts: each code's meaning and number). */
export type LiquidationReason = CodeName<'liquidation'>;

/** Every live liquidation reason, in table order. */
export const LIQUIDATION_REASONS: readonly LiquidationReason[] = codeNames('liquidation');

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
