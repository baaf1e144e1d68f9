// The table of every stable code Bailiff emits: data only, so every module (core and the edges) can import it.
//
// A code is a name in a vocabulary (the values one field can take: CommandRejected.reason, FeedIssue.code, ...) and
// a number that is never reused. Each vocabulary owns a range of 100 numbers inside its module's range (the engine
// 1000-2999, liquidation 3000-3999, the book 4000-4999, pricing 5000-5999, feeds 6000-6999, wire 7000-7999, the CLI
// 8000-8999, the journal 9000-9999, the service 10000-10999). Within a vocabulary, codes are numbered from the range's first number in the order they were added.
//
// The table is append-only (STYLE.md, TigerBeetle): a new code goes at the end of its vocabulary (the next number),
// a new vocabulary at the end of its module's ranges. A code is never renamed, renumbered or removed; a retired one
// stays in place, renamed `deprecated_<number>`, so its number is never given to another meaning. codes.test.ts pins
// every name with its number; docs/codes.md lists the table (test/docs/codes-doc.test.ts keeps it in step).
//
// Each entry: [number, name, one-line summary, retryable?]. `retryable` is given where it applies: for refusals, true
// when the venue's passing state refused the command (no price yet, a full book, a halt) so that the same command
// may succeed later unchanged, false when the command or the account's own situation is at fault; for feed errors,
// whether the live client tries again by default.

import { assert } from './assert.js';

/** One code: [number, name, summary, retryable (where it applies)]. */
export type CodeEntry = readonly [code: number, name: string, summary: string, retryable?: boolean];

export interface Vocabulary {
  /** The module that emits it (a folder of src). */
  readonly module: string;
  /** Where the code appears: event fields, results, error classes. */
  readonly usedIn: string;
  /** The vocabulary's range, inclusive: [first, first + 99]. */
  readonly first: number;
  readonly codes: readonly CodeEntry[];
}

/** The width of every vocabulary's range. */
export const VOCABULARY_RANGE = 100;

/** Module ranges, inclusive. */
export const MODULE_RANGES = {
  'core/engine': [1000, 2999],
  'core/liquidation': [3000, 3999],
  'core/book': [4000, 4999],
  'core/pricing': [5000, 5999],
  feeds: [6000, 6999],
  wire: [7000, 7999],
  cli: [8000, 8999],
  journal: [9000, 9999],
  service: [10000, 10999],
  'core/lending': [11000, 11999],
  'core/auctions': [12000, 12999],
  // sim (issue 19, the stress simulator): 13000-13999
  sim: [13000, 13999],
} as const satisfies Readonly<Record<string, readonly [number, number]>>;

export const CODES = {
  // ---- core/engine: 1000-2999 ----------------------------------------------------------------------------------
  rejection: {
    module: 'core/engine',
    usedIn: 'CommandRejected.reason (a refused command changes nothing but its sequence number)',
    first: 1000,
    codes: [
      [1000, 'time_went_backwards', "the command's time is before the engine's time", false],
      [1001, 'invalid_field', 'a field is malformed or out of its domain (the `field` names it)', false],
      [1002, 'market_unknown', 'no market with this id is listed', false],
      [1003, 'market_units_immutable', "a listed market's decimals cannot change", false],
      [1004, 'market_invalid', 'a set_market spec is invalid (or its id is reserved: `cross`)', false],
      [1005, 'asset_unknown', 'no asset with this id is listed', false],
      [1006, 'asset_invalid', 'a set_asset spec is invalid', false],
      [1007, 'rulebook_invalid', 'a set_rulebook rulebook is invalid', false],
      [1008, 'account_unknown', 'no account with this id holds funds', false],
      [1009, 'amount_not_positive', 'an amount is zero or negative', false],
      [1010, 'insufficient_balance', 'the balance does not cover the amount', false],
      [1011, 'initial_margin_breach', 'the account (or isolated position) would fall below initial margin', false],
      [1012, 'health_factor_breach', 'the debt would exceed the borrowing power of the collateral', false],
      [1013, 'size_not_positive', 'a size is zero or negative', false],
      [1014, 'size_off_step', "a size is not a multiple of the market's step", false],
      [1015, 'price_not_positive', 'a price is zero or negative', false],
      [1016, 'price_off_tick', "a price is not a multiple of the market's tick", false],
      [1017, 'self_trade', 'buyer and seller are the same account', false],
      [1018, 'margin_mode_mismatch', 'the side names a margin mode other than its open position', false],
      [1019, 'market_unpriced', 'a market the account depends on has no price yet', true],
      [1020, 'position_unknown', 'the account holds no position in the market', false],
      [1021, 'not_isolated', 'the position is cross margined', false],
      [1022, 'debt_exceeded', 'the repayment exceeds the debt', false],
      [1023, 'not_source_priced', 'the market has no index sources configured', false],
      [1024, 'source_unknown', "the source is not among the market's index sources", false],
      [1025, 'publish_time_in_future', "the price's publish time is after the command's time", false],
      [1026, 'stale_update', 'the source already published a newer price', false],
      [1027, 'signature_missing', 'the market requires signed prices', false],
      [1028, 'signature_invalid', "the signature does not verify with the source's key", false],
      [1029, 'order_duplicate', 'an order with this id already rests in the book', false],
      [1030, 'order_would_cross', 'a post-only order would take liquidity', false],
      [1031, 'order_unknown', 'the account has no resting order with this id', false],
      [1032, 'book_full', "the market's book holds its maximum of resting orders", true],
      [1033, 'withdrawals_gated', 'withdrawals are gated while an account has negative equity (dYdX)', true],
      [1034, 'fee_out_of_bounds', "a fee or rebate exceeds the rulebook's maximum on this fill", false],
      [1035, 'account_reserved', "account ids starting with `venue:` are the venue's own", false],
      [1036, 'price_invalid', 'a price the account depends on is invalid (clamped or unpriced): money cannot leave', true],
      [1037, 'transfer_margin_floor', 'equity would fall below the transfer margin', false],
      [1038, 'open_interest_cap', "the market's open interest would exceed its cap", true],
      [1039, 'group_self_trade', 'buyer and seller are linked in one self-trade-prevention group', false],
      [1040, 'change_unknown', 'no parameter change with this number waits for confirmation', false],
      [1041, 'changes_full', 'the maximum of parameter changes already wait for confirmation', true],
      [1042, 'engine_halted', 'the engine is halted: cancel-only until an operator resumes it', true],
      [1043, 'not_halted', 'resume was asked while the engine is not halted', false],
      [1044, 'conditional_unknown', 'the account has no conditional order with this id in the market', false],
      [1045, 'conditional_duplicate', 'the account already has a conditional order with this id in the market', false],
      [1046, 'conditional_would_trigger', 'the trigger is already reached at the current price of its source', false],
      [1047, 'conditionals_full', 'the account holds the maximum of conditional orders in the market', false],
      [1048, 'reduce_only_flat', 'a reduce-only or close-position order has no position on the side it reduces', false],
    ],
  },
  deferral: {
    module: 'core/engine',
    usedIn: 'LiquidationDeferred.reason (the step is retried per the rulebook)',
    first: 1100,
    codes: [
      [1100, 'paused', 'liquidations are paused (set_liquidation_pause)'],
      [1101, 'breaker', "a market the ledger depends on has a tripped breaker, no price or an invalid one"],
      [1102, 'no_position', 'the ledger holds no position to close'],
      [1103, 'attempt_limit', "the market's liquidation attempts within the window are used up"],
      [1104, 'window_limit', "the market's liquidated notional within the window is used up"],
      [1105, 'block_limit', "the command's budget of liquidation steps is used up"],
      [1106, 'no_bankruptcy_price', 'no positive bankruptcy price exists for the position'],
      [1107, 'sizing_refused', 'the sizing policy refused its input'],
      [1108, 'sizing_wait', 'the sizing policy closes nothing now (a ramp or a cooldown)'],
      [1109, 'book_unfilled', 'a remainder nobody took: retried after retryAfterMs or on new liquidity'],
    ],
  },
  waterfall_stage: {
    module: 'core/engine',
    usedIn: 'the `stage` of every enforcement event (DESIGN.md "The loss waterfall")',
    first: 1200,
    codes: [
      [1200, 'guard', 'a guard held the ledger before stage 1'],
      [1201, 'size', '1: the close is sized and the ledger’s orders cancelled'],
      [1202, 'book', '2: the IOC liquidation order on the book'],
      [1203, 'takeover', '3: the insurance fund or a backstop vault takes the rest over'],
      [1204, 'deleverage', '4: ADL or offsetting against opposite positions'],
      [1205, 'deficit', '5: a loss absorbed by the fund, socialised or written off'],
      [1206, 'unwind', 'the insurance fund works off what it took over'],
    ],
  },
  liquidation_route: {
    module: 'core/engine',
    usedIn: 'LiquidationFill.route, LiquidationStarted.route, Deleveraged.method',
    first: 1300,
    codes: [
      [1300, 'book', 'closed on the built-in book'],
      [1301, 'insurance_fund', 'taken over by the insurance fund at the bankruptcy price'],
      [1302, 'backstop', "taken over by the venue's backstop vault"],
      [1303, 'adl', 'closed against ranked opposite positions (auto-deleveraging)'],
      [1304, 'offset', 'closed against opposite positions in account order (dYdX offsetting)'],
    ],
  },
  insurance_fund_reason: {
    module: 'core/engine',
    usedIn: 'InsuranceFundChanged.reason',
    first: 1400,
    codes: [
      [1400, 'deposit', 'an insurance_deposit command'],
      [1401, 'liquidation_fee', "the fund's share of a liquidation's surplus over bankruptcy"],
      [1402, 'liquidator_reward', 'the liquidator reward, paid to the fund when no liquidator account is set'],
      [1403, 'bad_debt', 'the fund paid for a loss a ledger could not carry'],
      [1404, 'socialisation_dust', 'the rounding excess of a socialised loss'],
      [1405, 'unwind_pnl', 'profit or loss the fund realised working off a taken-over position'],
    ],
  },
  takeover_cap: {
    module: 'core/engine',
    usedIn: 'TakeoverCapped.reason',
    first: 1500,
    codes: [
      [1500, 'notional_cap', "the fund's net position would exceed its share of the fund's equity"],
      [1501, 'exposure_cap', "the vault's exposure in the market would exceed its cap"],
      [1502, 'equity', 'the taker cannot carry the loss'],
      [1503, 'no_taker', 'nobody takes over (rule none, or the vault does not exist)'],
    ],
  },
  position_cause: {
    module: 'core/engine',
    usedIn: 'PositionChanged.cause',
    first: 1600,
    codes: [
      [1600, 'fill', 'an external fill command'],
      [1601, 'book', 'a match on the built-in book'],
      [1602, 'liquidation', 'a liquidation order on the book'],
      [1603, 'takeover', 'taken over by the insurance fund or a backstop vault'],
      [1604, 'deleverage', 'closed by ADL or offsetting'],
      [1605, 'unwind', 'the insurance fund working a taken-over position off'],
    ],
  },
  order_cancel: {
    module: 'core/engine',
    usedIn: 'OrderCancelled.reason',
    first: 1700,
    codes: [
      [1700, 'user', 'a cancel_order command'],
      [1701, 'self_trade', 'cancelled by self-trade prevention'],
      [1702, 'liquidation', "the owner's ledger is being liquidated"],
    ],
  },
  invariant_check: {
    module: 'core/engine',
    usedIn: 'InvariantViolated.check',
    first: 1800,
    codes: [
      [1800, 'conservation', 'held funds differ from what entered minus what left'],
      [1801, 'negative_flat_account', 'an account without positions or debts has a negative balance'],
      [1802, 'breach_index', 'the breach index disagrees with exact evaluation'],
    ],
  },
  halt: {
    module: 'core/engine',
    usedIn: 'EngineHalted.reason',
    first: 1900,
    codes: [
      [1900, 'audit', 'an invariant audit failed'],
      [1901, 'operator', 'a halt command'],
    ],
  },
  funding_skip: {
    module: 'core/engine',
    usedIn: 'FundingSkipped.reason',
    first: 2000,
    codes: [
      [2000, 'unpriced', 'funding fell due while the market had no price: nothing was paid'],
      [2001, 'interval_limit', 'more intervals fell due in one step than MAX_INTERVALS_PER_STEP: the rest were skipped'],
    ],
  },

  conditional_cancel: {
    module: 'core/engine',
    usedIn: 'ConditionalCancelled.reason',
    first: 2100,
    codes: [
      [2100, 'user', 'a cancel_conditional command'],
      [2101, 'liquidation', "the owner's ledger is being liquidated"],
      [2102, 'expired', 'its expiry time passed'],
    ],
  },

  // ---- core/liquidation: 3000-3999 -----------------------------------------------------------------------------
  liquidation: {
    module: 'core/liquidation',
    usedIn: "the liquidation library's results ({ ok: false, reason }); SocialisationRefused.reason",
    first: 3000,
    codes: [
      [3000, 'invalid_input', 'a value outside its declared domain'],
      [3001, 'invalid_delta', 'the delta does not reduce the position (dYdX ErrInvalidPerpetualPositionSizeDelta)'],
      [3002, 'no_position', 'there is no position to act on'],
      [3003, 'no_maintenance', 'a ratio to a total maintenance requirement of zero'],
      [3004, 'maintenance_increased', 'closing part of the position would increase its maintenance requirement'],
      [3005, 'negative_fillable_price', 'the fillable price comes out negative'],
      [3006, 'zero_fill', 'a fill of zero (dYdX ErrInvalidQuantumsForInsuranceFundDeltaCalculation)'],
      [3007, 'no_positive_price', "no positive price makes the ledger's equity zero"],
      [3008, 'already_liquidated_this_block', 'the (account, market) was already liquidated in this block'],
      [3009, 'usage_exceeds_limit', 'the recorded usage already exceeds its limit'],
      [3010, 'exceeds_notional_limit', "beyond the account's notional liquidated per block (dYdX)"],
      [3011, 'exceeds_insurance_limit', "beyond the account's insurance fund loss per block (dYdX)"],
      [3012, 'insufficient_insurance_fund', 'the insurance fund cannot pay this loss'],
      [3013, 'not_rankable', 'an ADL score is undefined'],
      [3014, 'no_open_interest', 'a loss cannot be spread: no open interest bears it'],
      [3015, 'too_many_entries', 'a bounded list is full (liquidation/bounds.ts)'],
      [3016, 'time_went_backwards', 'a time earlier than the latest one recorded in the state'],
      [3017, 'price_impact_exceeded', "the liquidation's price impact exceeds the cap (Synthetix perps v2)"],
      [3018, 'instantaneous_pd_exceeded', 'the instantaneous premium/discount exceeds the cap (Synthetix perps v2)'],
      [3019, 'invalid_params', 'parameters a rulebook loader should have refused'],
      [3020, 'exceeds_capacity', 'an amount larger than the remaining window capacity was recorded'],
    ],
  },
  sizing_policy: {
    module: 'core/liquidation',
    usedIn: 'LiquidationStarted.policy (the rulebook sizing policy kind)',
    first: 3100,
    codes: [
      [3100, 'full', 'the whole position'],
      [3101, 'dydx', 'a portion of the position per block within per-account caps (dYdX v4)'],
      [3102, 'hyperliquid', 'slices above a threshold, the whole during a cooldown, the backstop below (Hyperliquid)'],
      [3103, 'drift', 'only the shortfall plus a buffer, ramped over time (Drift v2)'],
    ],
  },
  sizing_why: {
    module: 'core/liquidation',
    usedIn: 'LiquidationStarted.why (why the sizing policy closes this much)',
    first: 3200,
    codes: [
      [3200, 'full_policy', 'the full policy closes the whole position'],
      [3201, 'dydx_within_limit', 'the notional is within the minimum: the whole position'],
      [3202, 'dydx_one_step', 'the position is one step: the whole position'],
      [3203, 'dydx_position_portion', 'the maximum portion of the position per block'],
      [3204, 'dydx_subaccount_notional', "what is left of the account's notional cap for the block"],
      [3205, 'hl_below_threshold', 'below the partial threshold: the whole position'],
      [3206, 'hl_partial_slice', 'a partial slice of a large position'],
      [3207, 'hl_cooldown_full', 'within the cooldown after a partial liquidation: the whole position'],
      [3208, 'hl_backstop', 'equity too low with the book unfilled: the whole ledger to the backstop'],
      [3209, 'drift_no_shortfall', 'no shortfall: nothing to close'],
      [3210, 'drift_cover_shortfall', 'what covers the shortfall plus the buffer'],
      [3211, 'drift_fees_exceed_margin', 'the fees exceed the margin a close frees: the whole position'],
      [3212, 'drift_ramp_limited', 'the ramp allows less than the shortfall needs'],
      [3213, 'drift_ramp_wait', 'the ramp allows nothing yet'],
      [3214, 'drift_small_position', 'a small position: the whole of it'],
    ],
  },

  // ---- core/book: 4000-4999 ------------------------------------------------------------------------------------
  book_placement: {
    module: 'core/book',
    usedIn: "OrderBook.place's refusals (remapped to CommandRejected reasons by engine/orders.ts), in checking order",
    first: 4000,
    codes: [
      [4000, 'bad_id', 'an empty order id'],
      [4001, 'bad_owner', 'an empty owner'],
      [4002, 'bad_size', 'size <= 0'],
      [4003, 'off_step', "the size is not a multiple of the book's step"],
      [4004, 'bad_price', 'price <= 0'],
      [4005, 'off_tick', "the price is not a multiple of the book's tick"],
      [4006, 'duplicate_id', 'an order with this id rests in the book'],
      [4007, 'would_cross', 'a post-only order would take'],
      [4008, 'book_full', 'the order would rest and the maximum of orders already rest'],
    ],
  },
  book_cancel: {
    module: 'core/book',
    usedIn: "OrderBook.cancel's refusal",
    first: 4100,
    codes: [[4100, 'unknown_id', 'no order with this id rests in the book']],
  },

  // ---- core/pricing: 5000-5999 ---------------------------------------------------------------------------------
  index: {
    module: 'core/pricing',
    usedIn: "aggregateIndex's refusals; MarketUnpriced.reason",
    first: 5000,
    codes: [
      [5000, 'invalid_params', 'the index parameters are invalid'],
      [5001, 'too_many_sources', 'more observations than INDEX_SOURCES_MAX'],
      [5002, 'duplicate_source', 'a source observed twice'],
      [5003, 'too_few_sources', 'fewer fresh, weighted sources than minSources'],
      [5004, 'too_few_agreeing_sources', 'fewer sources within the deviation band than minSources'],
    ],
  },
  source_status: {
    module: 'core/pricing',
    usedIn: "the index report's status per source; IndexOutlier.status (clipped, dropped: the outliers)",
    first: 5100,
    codes: [
      [5100, 'used', 'contributed its own price'],
      [5101, 'clipped', 'an outlier: contributed the band edge instead of its price'],
      [5102, 'dropped', 'an outlier: outside the band, dropped by policy'],
      [5103, 'stale', 'older than maxAgeMs'],
      [5104, 'future', 'published after now + maxFutureMs'],
      [5105, 'wide_conf', 'confidence / price above maxConfPpm'],
      [5106, 'invalid_price', 'price <= 0 (or confidence < 0)'],
      [5107, 'invalid_time', 'the publish time is not an integer'],
      [5108, 'unweighted', 'no positive weight configured for the source'],
      [5109, 'unused', 'fresh and eligible, but no index was formed'],
    ],
  },
  guard: {
    module: 'core/pricing',
    usedIn: 'price guard violations, in this order; BreakerTripped.reasons',
    first: 5200,
    codes: [
      [5200, 'invalid_price', 'price <= 0'],
      [5201, 'stale_price', "the price is older than the market's maxPriceAgeMs"],
      [5202, 'price_jump', 'one update moved more than maxJumpPpm'],
      [5203, 'confidence_too_wide', 'confidence / price above maxConfPpm'],
      [5204, 'twap_divergence', 'the price strayed beyond the band around its TWAP'],
    ],
  },
  mark: {
    module: 'core/pricing',
    usedIn: "computeMark's refusals (the first three); MarkFallback.reason",
    first: 5300,
    codes: [
      [5300, 'invalid_input', "the mark method's input is invalid"],
      [5301, 'non_positive_mark', 'the method computed a mark <= 0'],
      [5302, 'no_oracle_price', 'the oracle (dYdX) has no price yet'],
      [5303, 'no_inputs', "none of the method's inputs were available: the index stands in (the method's own fallback)"],
      [5304, 'no_funding', 'a funding-based method (BitMEX) on a market without funding: the index stands in'],
    ],
  },
  answer_bound: {
    module: 'core/pricing',
    usedIn: 'PriceClamped.bound',
    first: 5400,
    codes: [
      [5400, 'min', "at or below its aggregator's minimum answer"],
      [5401, 'max', "at or above its aggregator's maximum answer"],
    ],
  },

  // ---- feeds: 6000-6999 ----------------------------------------------------------------------------------------
  feed_issue: {
    module: 'feeds',
    usedIn: 'FeedIssue.code (a value a parser, guard or client refused, skipped or found suspicious)',
    first: 6000,
    codes: [
      [6000, 'bad_json', 'not JSON'],
      [6001, 'bad_shape', 'a field is missing or has the wrong type'],
      [6002, 'bad_number', 'a decimal or integer field does not parse, or is out of range'],
      [6003, 'unknown_event', 'a well-formed frame of a kind the adapter does not read (ignored)'],
      [6004, 'server_error', 'the source reported an error in-band (Pyth event:error)'],
      [6005, 'bad_header', 'a CSV header with unexpected columns'],
      [6006, 'bad_row', 'a CSV row that does not parse'],
      [6007, 'bracket_cum_mismatch', "a leverage bracket's cumulative amount does not follow from the others"],
      [6008, 'bracket_not_continuous', 'leverage brackets leave a gap or overlap'],
      [6009, 'bracket_order', 'leverage brackets out of order'],
      [6010, 'stale_price', 'no update for longer than the allowed age'],
      [6011, 'duplicate', 'a quote not newer than the last one accepted (dropped)'],
      [6012, 'out_of_order', 'a quote older than the last one accepted (dropped)'],
      [6013, 'stale_answer', 'Chainlink answeredInRound < roundId (an old answer)'],
      [6014, 'heartbeat_exceeded', 'Chainlink rounds further apart than heartbeat + grace'],
      [6015, 'incomplete_round', 'Chainlink roundId 0 or updatedAt 0'],
      [6016, 'wide_confidence', 'confidence / price above the cap'],
      [6017, 'no_new_price', 'Pyth prev_publish_time == publish_time'],
      [6018, 'non_positive_price', "price <= 0, or a price that rounds to 0 at the market's decimals"],
      [6019, 'jump_after_gap', 'the first quote after a gap moved more than the cap'],
      [6020, 'deviation', 'a single update moved more than the cap'],
      [6021, 'deprecated_6021', 'retired: `stale`, renamed stale_price (the core\'s word) before codes were numbered'],
    ],
  },
  feed_error: {
    module: 'feeds',
    usedIn: 'FeedError.code (a live source failed; retryable: whether the client tries again by default)',
    first: 6100,
    codes: [
      [6100, 'bad_options', "the caller's options are unusable", false],
      [6101, 'http_status', 'a non-success HTTP status (retried for 5xx, 408, 418 and 429 only)'],
      [6102, 'connect_failed', 'the connection could not be made or broke', true],
      [6103, 'idle_timeout', 'nothing arrived for longer than the idle limit', true],
      [6104, 'stream_ended', 'the server closed the stream', true],
      [6105, 'rpc_error', 'the JSON-RPC node answered with an error (retried unless a request, method or params error)'],
      [6106, 'bad_response', 'a response that does not parse as the protocol says', false],
      [6107, 'retries_exhausted', 'more consecutive failures than the client allows', false],
      [6108, 'host_not_found', 'the host name does not resolve (retried a few times only: persistent)', true],
      [6109, 'tls_failed', "the server's TLS certificate is refused (retried a few times only: persistent)", true],
    ],
  },

  // ---- wire: 7000-7999 -----------------------------------------------------------------------------------------
  wire_error: {
    module: 'wire',
    usedIn: 'WireError.code (scenario and wire input)',
    first: 7000,
    codes: [[7000, 'invalid_input', 'a field of the input is malformed (the message names its JSON path)', false]],
  },

  // ---- cli: 8000-8999 ------------------------------------------------------------------------------------------
  cli_error: {
    module: 'cli',
    usedIn: 'CliError.code (exit code 2)',
    first: 8000,
    codes: [
      [8000, 'bad_argument', 'a flag or argument is malformed or unknown', false],
      [8001, 'bad_file', 'a file cannot be read, or is not what the command reads', false],
      [8002, 'no_data', 'the inputs are readable but give the command nothing to do', false],
    ],
  },

  // ---- journal: 9000-9999 --------------------------------------------------------------------------------------
  journal_error: {
    module: 'journal',
    usedIn: 'JournalError.code (the journal cannot be opened, read or appended to; exit code 2)',
    first: 9000,
    codes: [
      [9000, 'record_corrupt', 'a record other than the last is bad (length, checksum, sequence or hash chain): halt, file untouched', false],
      [9001, 'durability_weak', 'the database runs with less than WAL + synchronous=FULL and relaxed durability was not asked', false],
      [9002, 'replay_mismatch', 'replaying a record gave other events than the ones recorded', false],
      [9003, 'append_failed', 'a commit failed: the engine stops (its state would be ahead of the journal)', false],
      [9004, 'not_a_journal', 'the file is not a Bailiff journal, or of another format version', false],
      [9005, 'snapshot_corrupt', "a snapshot's bytes do not match its content hash (recovery uses the previous one)", false],
      [9006, 'journal_locked', 'another process (or another open store of this process) is writing the journal: stop it first', true],
      [9007, 'journal_fenced', "another writer took the journal's JetStream stream over: this one stops, its unacknowledged batch not stored", false],
      [9008, 'journal_diverged', 'the local journal and its JetStream stream hold different records at the same place: nothing is changed', false],
      [9009, 'replica_unavailable', "the journal's JetStream stream cannot be reached or did not acknowledge in time", true],
    ],
  },

  // ---- service: 10000-10999 ------------------------------------------------------------------------------------
  service_error: {
    module: 'service',
    usedIn: 'ServiceError.code and the `error.code` of an HTTP answer (src/service; the HTTP status is in docs/service.md)',
    first: 10000,
    codes: [
      [10000, 'invalid_request', "the request's body, query or path does not match the route's schema (the message names the field)", false],
      [10001, 'body_too_large', "the request's body is larger than the service's limit", false],
      [10002, 'not_found', 'no account, market or liquidation with this id (or not one this key may see)', false],
      [10003, 'route_not_found', 'no route answers this method and path', false],
      [10004, 'unsupported_media_type', 'the body is not application/json', false],
      [10005, 'queue_full', 'the command queue is full: send again later', true],
      [10006, 'unavailable', 'the service is shutting down, or its journal stopped after a failed commit', true],
      [10007, 'resume_too_old', "a stream's `from` is older than the oldest event the tape still holds", false],
    ],
  },
  security_error: {
    module: 'service',
    usedIn: 'the `error.code` of a request the security plugin refuses (HTTP 4xx; nothing changes). An account outside the key\'s scope answers service_error not_found (404), as one that does not exist; a body over the limit service_error body_too_large (413)',
    first: 10100,
    codes: [
      [10100, 'route_unprotected', 'the route declares no role: refused (deny by default)', false],
      [10101, 'key_missing', 'the request carries no key id, timestamp or signature header', false],
      [10102, 'key_unknown', 'no key with this id is in the key store', false],
      [10103, 'key_revoked', 'the key was revoked', false],
      [10104, 'timestamp_invalid', 'the timestamp header is not an integer of milliseconds since the epoch', false],
      [10105, 'timestamp_outside_window', "the timestamp is further from the server's clock than the window", true],
      [10106, 'signature_invalid', 'the signature is malformed or does not match the request', false],
      [10107, 'replayed', 'a request with this signature was already accepted within the window', false],
      [10108, 'role_insufficient', "the key's role is below the route's", false],
      [10109, 'account_required', 'a key scoped to accounts called a route whose request names no account', false],
      [10110, 'rate_limited', "the key's token bucket is empty: retry after Retry-After seconds", true],
      [10111, 'replay_cache_full', 'the replay cache holds its maximum of signatures: retry after Retry-After seconds', true],
      [10112, 'command_role_insufficient', "a command in the body needs a higher role than the key's (docs/security.md lists each command's)", false],
      [10113, 'actor_mismatch', 'a confirm_change or cancel_change names an actor other than the key that signed it', false],
      ],
    },

  // ---- core/lending: 11000-11999 -------------------------------------------------------------------------------
  lending: {
    module: 'core/lending',
    usedIn: "the lending rulebooks' results (Aave v3 liquidationCall, Compound v3 absorb/buyCollateral, Morpho Blue liquidate/preLiquidate), and CommandRejected.reason of the engine's lending_* commands; the venue's own error named in the summary",
    first: 11000,
    codes: [
      [11000, 'health_factor_not_below_threshold', 'Aave: the health factor is not below 1 (HEALTH_FACTOR_NOT_BELOW_THRESHOLD)', false],
      [11001, 'collateral_cannot_be_liquidated', 'Aave: the asset has no liquidation threshold or is not used as collateral by the account (COLLATERAL_CANNOT_BE_LIQUIDATED)', false],
      [11002, 'specified_currency_not_borrowed_by_user', 'Aave: the account owes nothing in the debt asset (SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER)', false],
      [11003, 'must_not_leave_dust', 'Aave v3.3: the liquidation would leave debt or collateral below MIN_LEFTOVER_BASE without clearing either (MUST_NOT_LEAVE_DUST)', false],
      [11004, 'reserve_unknown', 'no reserve, collateral asset or market with this id', false],
      [11005, 'not_liquidatable', 'Compound v3: the account is not liquidatable (NotLiquidatable)', false],
      [11006, 'not_for_sale', 'Compound v3: reserves are at or above targetReserves, collateral is not sold (NotForSale)', true],
      [11007, 'too_much_slippage', 'Compound v3: the quote is below the buyer minimum (TooMuchSlippage)', true],
      [11008, 'insufficient_reserves', 'Compound v3: the protocol holds less of the collateral than quoted (InsufficientReserves)', true],
      [11009, 'healthy_position', 'Morpho Blue: the position is healthy (HEALTHY_POSITION)', false],
      [11010, 'inconsistent_input', 'Morpho Blue: exactly one of seized assets and repaid shares must be zero (INCONSISTENT_INPUT)', false],
      [11011, 'liquidatable_position', 'Morpho pre-liquidation: the position is past LLTV, use liquidate (LiquidatablePosition)', false],
      [11012, 'not_pre_liquidatable_position', 'Morpho pre-liquidation: the LTV is not above preLLTV (NotPreLiquidatablePosition)', false],
      [11013, 'pre_liquidation_too_large', 'Morpho pre-liquidation: repaid shares exceed the pre-liquidation close factor (PreLiquidationTooLarge)', false],
      [11014, 'exceeds_position', 'the seizure or repayment exceeds what the position holds (an arithmetic underflow on chain)', false],
      [11015, 'invalid_params', 'a market or pre-liquidation parameter is out of its domain (the problem names the field)', false],
      [11016, 'insufficient_collateral', "Morpho: withdrawing the seized collateral would leave the position unhealthy at the market's oracle (INSUFFICIENT_COLLATERAL)", false],
      [11017, 'invalid_amount', 'Aave: the amount is zero (INVALID_AMOUNT)', false],
      [11018, 'collateral_balance_is_zero', 'Aave: a borrow with no collateral (COLLATERAL_BALANCE_IS_ZERO)', false],
      [11019, 'ltv_validation_failed', "Aave: a borrow when the account's average LTV is 0 (LTV_VALIDATION_FAILED)", false],
      [11020, 'health_factor_lower_than_liquidation_threshold', 'Aave: a borrow, or a change of e-mode, that leaves the health factor not above 1 (HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD)', false],
      [11021, 'collateral_cannot_cover_new_borrow', "Aave: the debt after the borrow exceeds the collateral's LTV (COLLATERAL_CANNOT_COVER_NEW_BORROW)", false],
      [11022, 'insufficient_liquidity', 'Morpho Blue: the borrow exceeds what suppliers have lent (INSUFFICIENT_LIQUIDITY)', true],
      [11023, 'no_pre_liquidation', 'Morpho pre-liquidation: the borrower has not opted in (no pre-liquidation parameters)', false],
      // Compound v3 supply / withdraw in the engine (comet-actions.ts) and Aave e-mode (issue 18 rest)
      [11024, 'not_collateralized', 'Compound v3: the account would not be borrow-collateralized after a withdrawal (NotCollateralized)', false],
      [11025, 'borrow_too_small', 'Compound v3: the borrow left after a withdrawal is below baseBorrowMin (BorrowTooSmall)', false],
      [11026, 'supply_cap_exceeded', "Compound v3: the users' total supply of the collateral would exceed its supplyCap (SupplyCapExceeded)", true],
      [11027, 'insufficient_balance', 'Compound v3: the protocol holds fewer base tokens than the withdrawal (the ERC-20 transfer reverts)', true],
      [11028, 'inconsistent_emode_category', 'Aave: the e-mode category does not exist (its liquidation threshold is 0) (INCONSISTENT_EMODE_CATEGORY)', false],
    ],
  },

  // ---- core/auctions: 12000-12999 -------------------------------------------------------------------------------
  auction: {
    module: 'core/auctions',
    usedIn: 'MakerDAO Liquidations 2.0 results (Dog.bark, Clipper.take/redo): the reason a call is refused',
    first: 12000,
    codes: [
      [12000, 'dog_not_live', 'the Dog is caged: no new liquidations (dog.sol Dog/not-live)', false],
      [12001, 'ilk_unknown', 'no collateral type (ilk) with this id', false],
      [12002, 'not_unsafe', 'the vault is safe: ink x spot >= art x rate (dog.sol Dog/not-unsafe)', false],
      [12003, 'liquidation_limit_hit', 'no room under Hole or the ilk hole for more debt in auction (Dog/liquidation-limit-hit)', true],
      [12004, 'dusty_auction_from_partial_liquidation', 'the room allows only a partial auction below dust (Dog/dusty-auction-from-partial-liquidation)', true],
      [12005, 'null_auction', 'the collateral to seize rounds to zero (Dog/null-auction)', false],
      [12006, 'clipper_stopped', "the Clipper's breaker forbids this call (Clipper/stopped-incorrect)", true],
      [12007, 'invalid_price', 'the price feed has no valid price (Clipper/invalid-price)', true],
      [12008, 'zero_top_price', 'the starting price feed x buf is zero (Clipper/zero-top-price)', true],
      [12009, 'auction_unknown', 'no running auction with this id (Clipper/not-running-auction)', false],
      [12010, 'auction_clock_paused', "the auction's clock is stopped: its price feed or the engine is paused", true],
      [12011, 'needs_redo', 'the auction is past tail or below cusp: it must be reset first (Clipper/needs-reset)', true],
      [12012, 'too_expensive', 'the current price is above the taker\'s max (Clipper/too-expensive)', false],
      [12013, 'no_partial_purchase', 'tab <= chost: only the whole lot may be bought (Clipper/no-partial-purchase)', false],
      [12014, 'insufficient_dai', 'the taker\'s DAI does not cover what the purchase owes (vat.move)', false],
      [12015, 'cannot_reset', 'the auction is within tail and above cusp: no redo (Clipper/cannot-reset)', false],
      [12016, 'amount_not_positive', 'an amount or limit is zero or negative', false],
    ],
  },
  sealed_bid: {
    module: 'core/auctions',
    usedIn: 'sealed-bid batch liquidation auctions (commit, reveal, settle): the reason a call is refused',
    first: 12100,
    codes: [
      [12100, 'auction_settled', 'the batch auction is settled already', false],
      [12101, 'commit_window_closed', 'the commit window has closed: a late bid is void', false],
      [12102, 'digest_invalid', 'a commitment is not a SHA-256 digest (64 lowercase hex characters)', false],
      [12103, 'already_committed', 'the bidder has committed to this auction already', false],
      [12104, 'too_many_bids', "the auction's bound on commitments is reached", false],
      [12105, 'reveal_too_early', 'the commit window is still open: revealing now would expose the bid', false],
      [12106, 'reveal_window_closed', 'the reveal window has closed: the commitment stays unrevealed and void', false],
      [12107, 'not_committed', 'the bidder has no commitment in this auction', false],
      [12108, 'already_revealed', 'the bidder has revealed already', false],
      [12109, 'reveal_mismatch', 'SHA-256 of the revealed bid and salt is not the commitment', false],
      [12110, 'bid_zero', 'the bid price or quantity is zero or negative', false],
      [12111, 'bid_below_floor', "the bid price is below the auction's floor", false],
      [12112, 'salt_invalid', 'the salt is not 32 to 128 lowercase hex characters (16 to 64 bytes)', false],
      [12113, 'settle_too_early', 'the reveal window is still open', true],
    ],
  },
  // ---- auctions inside the engine (issue 18 part B, core/engine/auctions.ts) ----
  auction_engine: {
    module: 'core/auctions',
    usedIn: "CommandRejected.reason of the engine's auction commands, beside the house's own `auction` and `sealed_bid` codes",
    first: 12200,
    codes: [
      [12200, 'ilk_listed', 'auction_setup lists a collateral type (ilk) that is listed already', false],
      [12201, 'feed_from_market', "the ilk's feed price is its market's index in the engine: the command may not give one", false],
      [12202, 'clock_driven_by_engine', "the engine drives this clock (its market's breaker, the liquidation pause, a halt)", false],
      [12203, 'ilk_not_linked', 'maker_poke needs an ilk linked to a market with a liquidation ratio (mat)', false],
    ],
  },

  // ---- sim: 13000-13999 (issue 19: the stress simulator) ----------------------------------------------------------
  sim_error: {
    module: 'sim',
    usedIn: 'SimConfigError.code (bailiff simulate: exit code 2)',
    first: 13000,
    codes: [[13000, 'sim_config_invalid', 'a field of the sim.json is malformed or out of its domain (the message names its path)', false]],
  },

  // ---- sim sweeps and preview: 13100-13199 (issue 19 part B) ------------------------------------------------------
  sweep_error: {
    module: 'sim',
    usedIn: 'SweepError.code (bailiff sweep, bailiff preview: exit code 2)',
    first: 13100,
    codes: [
      [13100, 'sweep_config_invalid', 'a field of the sweep.json is malformed, or a parameter path does not lead into the sim.json (the message names its path)', false],
      [13101, 'sweep_point_invalid', "a grid point's sim.json is refused by the simulator (the message names the parameter values and the sim.json field)", false],
      [13102, 'preview_input_invalid', 'a field of the preview change or stress file is malformed, or names a market the journal does not list (the message names its path)', false],
    ],
  },
} as const satisfies Readonly<Record<string, Vocabulary & { readonly module: keyof typeof MODULE_RANGES }>>;

export type VocabularyId = keyof typeof CODES;

/** A retired code's name: it keeps its number, never given to another meaning. */
export type DeprecatedName = `deprecated_${number}`;

/** The live names of a vocabulary (its retired codes excluded): the type of the field that carries them. */
export type CodeName<V extends VocabularyId> = Exclude<(typeof CODES)[V]['codes'][number][1], DeprecatedName>;

/** The live names of a vocabulary, in table order. */
export function codeNames<V extends VocabularyId>(vocabulary: V): readonly CodeName<V>[] {
  const names: CodeName<V>[] = [];
  for (const entry of CODES[vocabulary].codes as readonly CodeEntry[]) {
    if (!entry[1].startsWith('deprecated_')) names.push(entry[1] as CodeName<V>);
  }
  return names;
}

/** The number of a live code. */
export function codeNumber<V extends VocabularyId>(vocabulary: V, name: CodeName<V>): number {
  const entry = (CODES[vocabulary].codes as readonly CodeEntry[]).find((e) => e[1] === name);
  assert(entry !== undefined, `codes: ${vocabulary} has a code ${name}`);
  return entry[0];
}
