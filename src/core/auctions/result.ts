// Results of the auction modules: expected refusals are values with a stable code of the table of codes
// (core/codes.ts, vocabularies `auction` and `sealed_bid`), never exceptions; `assert` is only for bugs.

import type { CodeName } from '../codes.js';

export type AuctionReason = CodeName<'auction'>;

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Refused<R> = { readonly ok: false; readonly reason: R };
export type Result<T, R> = Ok<T> | Refused<R>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function refused<R>(reason: R): Refused<R> {
  return { ok: false, reason };
}
