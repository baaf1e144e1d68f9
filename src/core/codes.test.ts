// The table of codes is frozen: every name keeps its number for ever (STYLE.md, TigerBeetle). PINNED below is the
// table as released; the only allowed change is adding at the end (of a vocabulary, or a new vocabulary), and
// retiring a code by renaming it `deprecated_<number>` in place.

import { describe, expect, expectTypeOf, it } from 'vitest';
import { CODES, codeNames, codeNumber, MODULE_RANGES, VOCABULARY_RANGE, type CodeEntry, type CodeName, type VocabularyId } from './codes.js';
import type { SizingPolicy } from './liquidation/sizing.js';
import type { GuardViolation } from './pricing/guards.js';
import type { EventBody } from './engine/events.js';
import { REJECTION_REASONS } from './engine/reasons.js';
import { LIQUIDATION_REASONS } from './liquidation/result.js';

/** Every code as `number name`, per vocabulary, in table order. */
const PINNED: Readonly<Record<string, readonly string[]>> = {
  rejection: [
    '1000 time_went_backwards', '1001 invalid_field', '1002 market_unknown', '1003 market_units_immutable',
    '1004 market_invalid', '1005 asset_unknown', '1006 asset_invalid', '1007 rulebook_invalid',
    '1008 account_unknown', '1009 amount_not_positive', '1010 insufficient_balance', '1011 initial_margin_breach',
    '1012 health_factor_breach', '1013 size_not_positive', '1014 size_off_step', '1015 price_not_positive',
    '1016 price_off_tick', '1017 self_trade', '1018 margin_mode_mismatch', '1019 market_unpriced',
    '1020 position_unknown', '1021 not_isolated', '1022 debt_exceeded', '1023 not_source_priced',
    '1024 source_unknown', '1025 publish_time_in_future', '1026 stale_update', '1027 signature_missing',
    '1028 signature_invalid', '1029 order_duplicate', '1030 order_would_cross', '1031 order_unknown',
    '1032 book_full', '1033 withdrawals_gated', '1034 fee_out_of_bounds', '1035 account_reserved',
    '1036 price_invalid', '1037 transfer_margin_floor', '1038 open_interest_cap', '1039 group_self_trade',
    '1040 change_unknown', '1041 changes_full', '1042 engine_halted', '1043 not_halted',
    '1044 conditional_unknown', '1045 conditional_duplicate', '1046 conditional_would_trigger', '1047 conditionals_full',
    '1048 reduce_only_flat',
  ],
  deferral: [
    '1100 paused', '1101 breaker', '1102 no_position', '1103 attempt_limit', '1104 window_limit', '1105 block_limit',
    '1106 no_bankruptcy_price', '1107 sizing_refused', '1108 sizing_wait', '1109 book_unfilled',
  ],
  waterfall_stage: [
    '1200 guard', '1201 size', '1202 book', '1203 takeover', '1204 deleverage', '1205 deficit', '1206 unwind',
  ],
  liquidation_route: [
    '1300 book', '1301 insurance_fund', '1302 backstop', '1303 adl', '1304 offset',
  ],
  insurance_fund_reason: [
    '1400 deposit', '1401 liquidation_fee', '1402 liquidator_reward', '1403 bad_debt', '1404 socialisation_dust',
    '1405 unwind_pnl',
  ],
  takeover_cap: [
    '1500 notional_cap', '1501 exposure_cap', '1502 equity', '1503 no_taker',
  ],
  position_cause: [
    '1600 fill', '1601 book', '1602 liquidation', '1603 takeover', '1604 deleverage', '1605 unwind',
  ],
  order_cancel: [
    '1700 user', '1701 self_trade', '1702 liquidation',
  ],
  invariant_check: [
    '1800 conservation', '1801 negative_flat_account', '1802 breach_index',
  ],
  halt: [
    '1900 audit', '1901 operator',
  ],
  funding_skip: [
    '2000 unpriced', '2001 interval_limit',
  ],
  conditional_cancel: [
    '2100 user', '2101 liquidation', '2102 expired',
  ],
  liquidation: [
    '3000 invalid_input', '3001 invalid_delta', '3002 no_position', '3003 no_maintenance',
    '3004 maintenance_increased', '3005 negative_fillable_price', '3006 zero_fill', '3007 no_positive_price',
    '3008 already_liquidated_this_block', '3009 usage_exceeds_limit', '3010 exceeds_notional_limit',
    '3011 exceeds_insurance_limit', '3012 insufficient_insurance_fund', '3013 not_rankable', '3014 no_open_interest',
    '3015 too_many_entries', '3016 time_went_backwards', '3017 price_impact_exceeded',
    '3018 instantaneous_pd_exceeded', '3019 invalid_params', '3020 exceeds_capacity',
  ],
  sizing_policy: [
    '3100 full', '3101 dydx', '3102 hyperliquid', '3103 drift',
  ],
  sizing_why: [
    '3200 full_policy', '3201 dydx_within_limit', '3202 dydx_one_step', '3203 dydx_position_portion',
    '3204 dydx_subaccount_notional', '3205 hl_below_threshold', '3206 hl_partial_slice', '3207 hl_cooldown_full',
    '3208 hl_backstop', '3209 drift_no_shortfall', '3210 drift_cover_shortfall', '3211 drift_fees_exceed_margin',
    '3212 drift_ramp_limited', '3213 drift_ramp_wait', '3214 drift_small_position',
  ],
  book_placement: [
    '4000 bad_id', '4001 bad_owner', '4002 bad_size', '4003 off_step', '4004 bad_price', '4005 off_tick',
    '4006 duplicate_id', '4007 would_cross', '4008 book_full',
  ],
  book_cancel: [
    '4100 unknown_id',
  ],
  index: [
    '5000 invalid_params', '5001 too_many_sources', '5002 duplicate_source', '5003 too_few_sources',
    '5004 too_few_agreeing_sources',
  ],
  source_status: [
    '5100 used', '5101 clipped', '5102 dropped', '5103 stale', '5104 future', '5105 wide_conf', '5106 invalid_price',
    '5107 invalid_time', '5108 unweighted', '5109 unused',
  ],
  guard: [
    '5200 invalid_price', '5201 stale_price', '5202 price_jump', '5203 confidence_too_wide', '5204 twap_divergence',
  ],
  mark: [
    '5300 invalid_input', '5301 non_positive_mark', '5302 no_oracle_price', '5303 no_inputs', '5304 no_funding',
  ],
  answer_bound: [
    '5400 min', '5401 max',
  ],
  feed_issue: [
    '6000 bad_json', '6001 bad_shape', '6002 bad_number', '6003 unknown_event', '6004 server_error',
    '6005 bad_header', '6006 bad_row', '6007 bracket_cum_mismatch', '6008 bracket_not_continuous',
    '6009 bracket_order', '6010 stale_price', '6011 duplicate', '6012 out_of_order', '6013 stale_answer',
    '6014 heartbeat_exceeded', '6015 incomplete_round', '6016 wide_confidence', '6017 no_new_price',
    '6018 non_positive_price', '6019 jump_after_gap', '6020 deviation', '6021 deprecated_6021',
  ],
  feed_error: [
    '6100 bad_options', '6101 http_status', '6102 connect_failed', '6103 idle_timeout', '6104 stream_ended',
    '6105 rpc_error', '6106 bad_response', '6107 retries_exhausted', '6108 host_not_found', '6109 tls_failed',
  ],
  wire_error: [
    '7000 invalid_input',
  ],
  cli_error: [
    '8000 bad_argument', '8001 bad_file', '8002 no_data',
  ],
  journal_error: [
    '9000 record_corrupt', '9001 durability_weak', '9002 replay_mismatch', '9003 append_failed', '9004 not_a_journal',
    '9005 snapshot_corrupt', '9006 journal_locked', '9007 journal_fenced', '9008 journal_diverged', '9009 replica_unavailable',
  ],
  service_error: [
    '10000 invalid_request', '10001 body_too_large', '10002 not_found', '10003 route_not_found', '10004 unsupported_media_type',
    '10005 queue_full', '10006 unavailable', '10007 resume_too_old',
  ],
  security_error: [
    '10100 route_unprotected', '10101 key_missing', '10102 key_unknown', '10103 key_revoked', '10104 timestamp_invalid',
    '10105 timestamp_outside_window', '10106 signature_invalid', '10107 replayed', '10108 role_insufficient',
    '10109 account_required', '10110 rate_limited', '10111 replay_cache_full', '10112 command_role_insufficient',
    '10113 actor_mismatch',
  ],
  lending: [
    '11000 health_factor_not_below_threshold', '11001 collateral_cannot_be_liquidated',
    '11002 specified_currency_not_borrowed_by_user', '11003 must_not_leave_dust', '11004 reserve_unknown',
    '11005 not_liquidatable', '11006 not_for_sale', '11007 too_much_slippage', '11008 insufficient_reserves',
    '11009 healthy_position', '11010 inconsistent_input', '11011 liquidatable_position',
    '11012 not_pre_liquidatable_position', '11013 pre_liquidation_too_large', '11014 exceeds_position',
    '11015 invalid_params', '11016 insufficient_collateral', '11017 invalid_amount', '11018 collateral_balance_is_zero',
    '11019 ltv_validation_failed', '11020 health_factor_lower_than_liquidation_threshold',
    '11021 collateral_cannot_cover_new_borrow', '11022 insufficient_liquidity', '11023 no_pre_liquidation',
    '11024 not_collateralized', '11025 borrow_too_small', '11026 supply_cap_exceeded', '11027 insufficient_balance',
    '11028 inconsistent_emode_category',
  ],
  auction: [
    '12000 dog_not_live', '12001 ilk_unknown', '12002 not_unsafe', '12003 liquidation_limit_hit',
    '12004 dusty_auction_from_partial_liquidation', '12005 null_auction', '12006 clipper_stopped', '12007 invalid_price',
    '12008 zero_top_price', '12009 auction_unknown', '12010 auction_clock_paused', '12011 needs_redo',
    '12012 too_expensive', '12013 no_partial_purchase', '12014 insufficient_dai', '12015 cannot_reset',
    '12016 amount_not_positive',
  ],
  sealed_bid: [
    '12100 auction_settled', '12101 commit_window_closed', '12102 digest_invalid', '12103 already_committed',
    '12104 too_many_bids', '12105 reveal_too_early', '12106 reveal_window_closed', '12107 not_committed',
    '12108 already_revealed', '12109 reveal_mismatch', '12110 bid_zero', '12111 bid_below_floor', '12112 salt_invalid',
    '12113 settle_too_early',
  ],
  auction_engine: ['12200 ilk_listed', '12201 feed_from_market', '12202 clock_driven_by_engine', '12203 ilk_not_linked'],
  // sim (issue 19, the stress simulator)
  sim_error: ['13000 sim_config_invalid'],
  // sim sweeps and preview (issue 19 part B)
  sweep_error: ['13100 sweep_config_invalid', '13101 sweep_point_invalid', '13102 preview_input_invalid'],
};

const HOW_TO_CHANGE =
  'The table of codes is append-only: never renumber, rename or remove a code. Add a new code at the END of its ' +
  'vocabulary (the next number) or a new vocabulary after the others of its module, then add it at the end of ' +
  'PINNED in src/core/codes.test.ts and regenerate docs/codes.md (BAILIFF_WRITE_DOCS=1 npx vitest run test/docs). ' +
  'To retire a code, rename it `deprecated_<number>` in place and keep it in PINNED under its old name.';

const entries = (id: string): readonly CodeEntry[] => CODES[id as VocabularyId].codes;

describe('the table of codes', () => {
  it('keeps every pinned code with its number and name (a retired one as deprecated_<number>)', () => {
    for (const [id, pinned] of Object.entries(PINNED)) {
      expect(Object.keys(CODES), `${HOW_TO_CHANGE}\nVocabulary ${id} is gone.`).toContain(id);
      const now = entries(id);
      pinned.forEach((p, i) => {
        const [num, name] = p.split(' ') as [string, string];
        const e = now[i];
        const same = e !== undefined && e[0] === Number(num) && (e[1] === name || e[1] === `deprecated_${num}`);
        expect(same, `${HOW_TO_CHANGE}\n${id}: pinned ${p}, table has ${e === undefined ? 'nothing' : `${e[0]} ${e[1]}`}`).toBe(true);
      });
    }
  });

  it('has nothing that is not pinned (a new code is pinned when it is added)', () => {
    for (const [id, v] of Object.entries(CODES)) {
      const pinned = PINNED[id] ?? [];
      const extra = (v.codes as readonly CodeEntry[]).slice(pinned.length).map((e) => `${e[0]} ${e[1]}`);
      expect(extra, `${HOW_TO_CHANGE}\n${id} has codes PINNED does not list yet`).toEqual([]);
    }
  });

  it('numbers each vocabulary from the first of its range, one by one, inside its module range; ranges never overlap', () => {
    const starts = new Set<number>();
    for (const [id, v] of Object.entries(CODES)) {
      const [lo, hi] = MODULE_RANGES[v.module];
      expect(v.first % VOCABULARY_RANGE, id).toBe(0);
      expect(v.first >= lo && v.first + VOCABULARY_RANGE - 1 <= hi, `${id} ${v.first} inside ${v.module} ${lo}-${hi}`).toBe(true);
      expect(starts.has(v.first), `${id}: range ${v.first} taken twice`).toBe(false);
      starts.add(v.first);
      const codes = v.codes as readonly CodeEntry[];
      expect(codes.length, id).toBeGreaterThan(0);
      expect(codes.length, `${id} is full: continue it in a new vocabulary`).toBeLessThanOrEqual(VOCABULARY_RANGE);
      codes.forEach((e, i) => expect(e[0], `${id} #${i}`).toBe(v.first + i));
    }
  });

  it('has unique names per vocabulary, lowercase snake_case, each with a one-line summary', () => {
    for (const [id, v] of Object.entries(CODES)) {
      const codes = v.codes as readonly CodeEntry[];
      const names = codes.map((e) => e[1]);
      expect(new Set(names).size, id).toBe(names.length);
      for (const [num, name, summary] of codes) {
        expect(name, id).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
        if (name.startsWith('deprecated_')) expect(name, id).toBe(`deprecated_${num}`);
        expect(summary.length, `${id} ${name}`).toBeGreaterThan(0);
        expect(summary, `${id} ${name}`).not.toContain('\n');
      }
    }
  });

  it('gives the live names as views, in table order, and each live name its number', () => {
    expect(REJECTION_REASONS[0]).toBe('time_went_backwards');
    expect(REJECTION_REASONS).toHaveLength(49);
    expect(LIQUIDATION_REASONS).toEqual(codeNames('liquidation'));
    expect(codeNumber('rejection', 'engine_halted')).toBe(1042);
    expect(codeNumber('guard', 'twap_divergence')).toBe(5204);
    // A retired code is never a live name: feeds' `stale` is 6021, deprecated.
    expect(codeNames('feed_issue')).not.toContain('deprecated_6021');
    expect(codeNames('feed_issue')).toHaveLength(21);
  });

  it('types the fields that carry codes by their vocabulary (one source)', () => {
    expectTypeOf<SizingPolicy['kind']>().toEqualTypeOf<CodeName<'sizing_policy'>>();
    expectTypeOf<GuardViolation['code']>().toEqualTypeOf<CodeName<'guard'>>();
    type Field<K extends EventBody['kind'], F extends string> = Extract<EventBody, { kind: K }> extends infer E ? (F extends keyof E ? E[F] : never) : never;
    expectTypeOf<Field<'CommandRejected', 'reason'>>().toEqualTypeOf<
      // the engine's own, then (issue 18) the auction house's and the lending markets' dispatched through it
      CodeName<'rejection'> | CodeName<'auction'> | CodeName<'sealed_bid'> | CodeName<'auction_engine'> | CodeName<'lending'>
    >();
    expectTypeOf<Field<'LiquidationDeferred', 'reason'>>().toEqualTypeOf<CodeName<'deferral'>>();
    expectTypeOf<Field<'MarketUnpriced', 'reason'>>().toEqualTypeOf<CodeName<'index'>>();
    expectTypeOf<Field<'BreakerTripped', 'reasons'>>().toEqualTypeOf<readonly CodeName<'guard'>[]>();
    expectTypeOf<Field<'LiquidationStarted', 'policy'>>().toEqualTypeOf<CodeName<'sizing_policy'>>();
    expectTypeOf<Field<'LiquidationStarted', 'why'>>().toEqualTypeOf<CodeName<'sizing_why'>>();
    expectTypeOf<Field<'InsuranceFundChanged', 'reason'>>().toEqualTypeOf<CodeName<'insurance_fund_reason'>>();
    expectTypeOf<Field<'TakeoverCapped', 'reason'>>().toEqualTypeOf<CodeName<'takeover_cap'>>();
    expectTypeOf<Field<'LiquidationFill', 'route'>>().toEqualTypeOf<CodeName<'liquidation_route'>>();
    expectTypeOf<Field<'PositionChanged', 'cause'>>().toEqualTypeOf<CodeName<'position_cause'>>();
    expectTypeOf<Field<'OrderCancelled', 'reason'>>().toEqualTypeOf<CodeName<'order_cancel'>>();
    expectTypeOf<Field<'InvariantViolated', 'check'>>().toEqualTypeOf<CodeName<'invariant_check'>>();
    expectTypeOf<Field<'EngineHalted', 'reason'>>().toEqualTypeOf<CodeName<'halt'>>();
    expectTypeOf<Field<'PriceClamped', 'bound'>>().toEqualTypeOf<CodeName<'answer_bound'>>();
  });
});
