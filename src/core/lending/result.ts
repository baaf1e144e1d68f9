// Results of the lending rulebooks: expected refusals are values with a stable code of the `lending` vocabulary
// (core/codes.ts; each code's summary names the venue's own error), never thrown; `assert` is only for bugs.

import type { CodeName } from '../codes.js';

export type LendingReason = CodeName<'lending'>;

export type LendingOk<T> = { readonly ok: true; readonly value: T };
export type LendingRejected<R extends LendingReason = LendingReason> = { readonly ok: false; readonly reason: R };
export type LendingResult<T, R extends LendingReason = LendingReason> = LendingOk<T> | LendingRejected<R>;

export function ok<T>(value: T): LendingOk<T> {
  return { ok: true, value };
}

export function rejected<R extends LendingReason>(reason: R): LendingRejected<R> {
  return { ok: false, reason };
}
