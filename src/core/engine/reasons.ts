// Rejection reasons: stable codes, never renamed or reused. A retired code stays listed as deprecated.
// A rejected command changes nothing; the CommandRejected event carries the code, the field and a message.

export const REJECTION_REASONS = [
  'time_went_backwards',
  'invalid_field',
  'market_unknown',
  'market_units_immutable',
  'market_invalid',
  'asset_unknown',
  'asset_invalid',
  'rulebook_invalid',
  'account_unknown',
  'amount_not_positive',
  'insufficient_balance',
  'initial_margin_breach',
  'health_factor_breach',
  'size_not_positive',
  'size_off_step',
  'price_not_positive',
  'price_off_tick',
  'self_trade',
  'margin_mode_mismatch',
  'market_unpriced',
  'position_unknown',
  'not_isolated',
  'debt_exceeded',
  'not_source_priced',
  'source_unknown',
  'publish_time_in_future',
  'stale_update',
  'signature_missing',
  'signature_invalid',
  'order_duplicate',
  'order_would_cross',
  'order_unknown',
  'book_full',
  'withdrawals_gated',
  'fee_out_of_bounds',
  'account_reserved',
  // Guards (issue 13): docs/guards.md.
  'price_invalid',
  'transfer_margin_floor',
  'open_interest_cap',
  'group_self_trade',
  'change_unknown',
  'changes_full',
  'engine_halted',
  'not_halted',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** A rejection before any mutation: the reason code, the offending field's path, and a sentence for people. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly field: string;
  readonly message: string;
}

export function reject(reason: RejectionReason, field: string, message: string): Rejection {
  return { reason, field, message };
}
