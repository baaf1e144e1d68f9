// Events: what the engine answers. Each carries the sequence number of the command that caused it and its
// ordinal within that command's answer, so (seq, ordinal) identifies it. Money fields are atoms (bigint);
// EVENT_UNITS says which unit each one is in, so edges can print decimals. Every field that carries a code is typed
// by its vocabulary in the table of codes (core/codes.ts); "none" is null, never an empty string.

import type { MarginMode } from '../account/account.js';
import type { CodeName } from '../codes.js';
import type { LiquidationReason } from '../liquidation/result.js';
import type { SizingPolicyKind, SizingWhy } from '../liquidation/sizing.js';
import type { AnswerBound, GuardCode } from '../pricing/guards.js';
import type { IndexRejection, SourceStatus } from '../pricing/index.js';
import type { MarkFallbackReason, MarkMethod } from '../pricing/mark.js';
import type { CommandKind, ConditionalType, TriggerSource } from './commands.js';
import type { CommandRejectionReason, RejectionReason } from './reasons.js';
import { AUCTION_EVENT_UNITS, type AuctionEventBody } from './auctions.js';
// lending markets (issue 18): the events live in lending-events.ts
import { LENDING_EVENT_UNITS, type LendingEventBody } from './lending-events.js';

/**
 * The stage of the loss waterfall an enforcement event belongs to (DESIGN.md "The loss waterfall"):
 * guard (a guard held the ledger before stage 1), size (1: the close is sized, orders cancelled), book (2: the IOC
 * liquidation order), takeover (3: the insurance fund or a backstop vault takes the rest over), deleverage (4: ADL or
 * offsetting), deficit (5: a loss absorbed by the fund, socialised or written off), unwind (the fund works off what
 * it took over).
 */
export type WaterfallStage = CodeName<'waterfall_stage'>;

/** Why the insurance fund's cash moved. */
export type InsuranceFundReason = CodeName<'insurance_fund_reason'>;

/** How a liquidated position (or part) left the ledger. */
export type LiquidationRoute = CodeName<'liquidation_route'>;

/** Why a step did not go on (a guard, a limit, or a remainder nobody took; retried per the rulebook). */
export type DeferralReason = CodeName<'deferral'>;

/** Why the taker of stage 3 could not take all of what the book left. */
export type TakeoverCapReason = CodeName<'takeover_cap'>;

/** What changed a position. */
export type PositionCause = CodeName<'position_cause'>;

/** Why a resting order was cancelled. */
export type OrderCancelReason = CodeName<'order_cancel'>;

/** Which invariant an audit found broken. */
export type InvariantCheck = CodeName<'invariant_check'>;

/** Why the engine halted. */
export type HaltReason = CodeName<'halt'>;

/** Why a conditional order was cancelled. */
export type ConditionalCancelReason = CodeName<'conditional_cancel'>;

/** Why funding that fell due was not paid. */
export type FundingSkipReason = CodeName<'funding_skip'>;

/** The fields of ConditionalPlaced and ConditionalAmended: the order as armed; `trigger` is its trigger now. */
export interface ConditionalFields {
  readonly account: string;
  readonly market: string;
  readonly orderId: string;
  readonly type: ConditionalType;
  readonly side: 'buy' | 'sell';
  readonly source: TriggerSource;
  readonly trigger: bigint;
  /** null: the position's size when it fires (closePosition). */
  readonly size: bigint | null;
  readonly limitPrice: bigint | null;
  readonly expiresMs: number | null;
}

interface Stamped {
  readonly seq: number;
  readonly ordinal: number;
  readonly tsMs: number;
}

export type EventBody =
  | { readonly kind: 'MarketListed'; readonly market: string }
  | { readonly kind: 'MarketUpdated'; readonly market: string }
  | { readonly kind: 'AssetListed'; readonly asset: string }
  | { readonly kind: 'AssetUpdated'; readonly asset: string }
  | { readonly kind: 'RulebookSet'; readonly rulebook: string }
  | { readonly kind: 'Deposited'; readonly account: string; readonly asset: string; readonly amount: bigint; readonly balance: bigint }
  | { readonly kind: 'Withdrawn'; readonly account: string; readonly asset: string; readonly amount: bigint; readonly balance: bigint }
  | {
      readonly kind: 'PositionChanged';
      readonly account: string;
      readonly market: string;
      /**
       * fill (external), book (matched on the built-in book), liquidation (a liquidation order on the book),
       * takeover (the insurance fund or a backstop vault took it at the bankruptcy price), deleverage (ADL or
       * offsetting), unwind (the insurance fund working a taken-over position off on the book).
       */
      readonly cause: PositionCause;
      readonly marginMode: MarginMode;
      /** The fill's price. */
      readonly price: bigint;
      /** Signed base atoms this fill added (buy > 0). */
      readonly sizeDelta: bigint;
      /** Signed size after the fill (0 = closed). */
      readonly size: bigint;
      /** Average entry price after the fill (cost / size, half-even), 0 when closed. */
      readonly entryPrice: bigint;
      readonly realisedPnl: bigint;
      readonly fee: bigint;
      /** Funding settled into the margin just before the fill (positive = paid by the account). */
      readonly fundingPaid: bigint;
      /** Isolated margin after the fill (0 for cross). */
      readonly isolatedMargin: bigint;
      /** Settlement-asset balance after the fill. */
      readonly balance: bigint;
    }
  | { readonly kind: 'IsolatedMarginChanged'; readonly account: string; readonly market: string; readonly amount: bigint; readonly isolatedMargin: bigint }
  | { readonly kind: 'VolatilityMultiplierChanged'; readonly market: string; readonly multiplierPpm: bigint }
  /** No index could be formed from the market's sources (announced once, until MarketPriced). */
  | { readonly kind: 'MarketUnpriced'; readonly market: string; readonly reason: IndexRejection }
  | { readonly kind: 'MarketPriced'; readonly market: string; readonly index: bigint }
  /** The guards that tripped the breaker, in the table's order. */
  | { readonly kind: 'BreakerTripped'; readonly market: string; readonly reasons: readonly GuardCode[]; readonly atMs: number }
  | { readonly kind: 'BreakerReset'; readonly market: string; readonly atMs: number }
  | { readonly kind: 'FundingRateAnnounced'; readonly market: string; readonly rate: bigint; readonly nextFundingMs: number }
  | {
      readonly kind: 'FundingApplied';
      readonly market: string;
      /** The interval's rate (RateE9). */
      readonly rate: bigint;
      /** The price the payment was computed at. */
      readonly price: bigint;
      /** The funding index move per whole base unit, in quote atoms x 1e9 (longs pay when positive). */
      readonly indexDelta: bigint;
      readonly fundingIndex: bigint;
      /** The scheduled funding time. */
      readonly atMs: number;
    }
  | {
      readonly kind: 'OrderPlaced';
      readonly account: string;
      readonly market: string;
      readonly orderId: string;
      readonly side: 'buy' | 'sell';
      readonly price: bigint;
      readonly size: bigint;
      readonly tif: 'gtc' | 'ioc' | 'post_only';
      /** What rests in the book after matching. */
      readonly resting: bigint;
    }
  | {
      readonly kind: 'OrderCancelled';
      readonly account: string;
      readonly market: string;
      readonly orderId: string;
      readonly remaining: bigint;
      readonly reason: OrderCancelReason;
    }
  | { readonly kind: 'FundingSettled'; readonly account: string; readonly market: string; readonly amount: bigint; readonly balance: bigint }
  | { readonly kind: 'Borrowed'; readonly account: string; readonly asset: string; readonly amount: bigint; readonly debt: bigint }
  | { readonly kind: 'Repaid'; readonly account: string; readonly asset: string; readonly amount: bigint; readonly debt: bigint }
  | {
      readonly kind: 'MarginCall';
      readonly account: string;
      /** 'cross', or the market of an isolated position. */
      readonly ledger: string;
      readonly equity: bigint;
      readonly maintenance: bigint;
      /** The call level: maintenance x (1 + the rulebook's marginCallBuffer). */
      readonly callLevel: bigint;
    }
  /**
   * The account's margin call ended: every ledger is back above the recovery level (maintenance x (1 + 1.25 x the
   * buffer)), or the rulebook's call level changed. It can be called again (margin-calls.ts). With the calls, the
   * events tell every change of an account's `marginCalled`.
   */
  | { readonly kind: 'MarginCallCleared'; readonly account: string }
  | {
      readonly kind: 'LiquidationStarted';
      readonly account: string;
      readonly ledger: string;
      readonly market: string;
      /** The position's signed size before the step, and the size this step closes. */
      readonly size: bigint;
      readonly closeSize: bigint;
      readonly mark: bigint;
      readonly index: bigint;
      /** The ledger's figures that put it in breach. */
      readonly equity: bigint;
      readonly maintenance: bigint;
      readonly bankruptcyPrice: bigint;
      /** The liquidation order's worst price. */
      readonly limitPrice: bigint;
      /** The rulebook's sizing policy, and why it closes this much. */
      readonly policy: SizingPolicyKind;
      readonly why: SizingWhy;
      /** Step number within this ledger's liquidation. */
      readonly step: number;
      /** 'book', or 'backstop' when the sizing policy hands the ledger straight to the backstop (Hyperliquid). */
      readonly route: Extract<LiquidationRoute, 'book' | 'backstop'>;
      readonly stage: 'size';
    }
  | {
      readonly kind: 'LiquidationFill';
      readonly account: string;
      readonly market: string;
      readonly route: LiquidationRoute;
      /** The taker for a takeover; null for the book (the makers are in PositionChanged) and deleveraging (the
       *  opposite positions are in Deleveraged). */
      readonly counterparty: string | null;
      readonly size: bigint;
      /** The average price of the route's fills. */
      readonly price: bigint;
      readonly stage: 'book' | 'takeover' | 'deleverage';
    }
  | {
      readonly kind: 'LiquidationDeferred';
      readonly account: string;
      readonly ledger: string;
      readonly reason: DeferralReason;
      /** Where the waterfall stopped. */
      readonly stage: WaterfallStage;
      /** The earliest time of the next step (or sooner when the book's opposite top changes); null: the next command. */
      readonly retryAtMs: number | null;
    }
  | { readonly kind: 'LiquidationEnded'; readonly account: string; readonly ledger: string; readonly equity: bigint; readonly maintenance: bigint; readonly steps: number }
  | { readonly kind: 'LiquidatorRewarded'; readonly account: string; readonly liquidated: string; readonly market: string; readonly amount: bigint; readonly stage: 'book' }
  | {
      readonly kind: 'Deleveraged';
      /** The opposite position closed against the liquidated one. */
      readonly account: string;
      readonly liquidated: string;
      readonly market: string;
      readonly size: bigint;
      readonly price: bigint;
      readonly method: Extract<LiquidationRoute, 'adl' | 'offset'>;
      /** The liquidated ledger's equity when it was deleveraged (the figure a bankrupt-only rule checks). */
      readonly ledgerEquity: bigint;
      readonly stage: 'deleverage';
    }
  | {
      readonly kind: 'InsuranceFundChanged';
      /** Signed change of the fund. */
      readonly delta: bigint;
      readonly balance: bigint;
      readonly reason: InsuranceFundReason;
      /** The waterfall stage that moved it; null for a deposit. */
      readonly stage: WaterfallStage | null;
      /** The ledger's account and market it moved for; null for a deposit (and market null for a cross-wide loss). */
      readonly account: string | null;
      readonly market: string | null;
    }
  | {
      readonly kind: 'BadDebt';
      readonly account: string;
      /** The market the loss arose in; null when not tied to one market. */
      readonly market: string | null;
      /** The loss, and how it was absorbed: insurance + socialised + writtenOff = amount. */
      readonly amount: bigint;
      readonly insurance: bigint;
      readonly socialised: bigint;
      readonly writtenOff: bigint;
      readonly stage: 'deficit';
    }
  | { readonly kind: 'Socialised'; readonly market: string; readonly side: 'long' | 'short'; readonly amount: bigint; readonly charged: bigint; readonly bearers: number; readonly stage: 'deficit' }
  | { readonly kind: 'LiquidationPaused'; readonly paused: boolean }
  | {
      readonly kind: 'CommandRejected';
      readonly command: CommandKind;
      readonly reason: CommandRejectionReason;
      readonly field: string;
      readonly message: string;
    }
  | {
      /** The taker of stage 3 could not take all of what the book left: the rest goes on down the waterfall. */
      readonly kind: 'TakeoverCapped';
      readonly account: string;
      readonly market: string;
      /** The insurance fund or the backstop vault's account; null when nobody takes over. */
      readonly taker: string | null;
      readonly wanted: bigint;
      readonly taken: bigint;
      /** notional_cap (the fund's net position cap), exposure_cap (the vault's per-market cap), equity (the taker
       *  cannot carry the loss), no_taker (nobody takes over, or the vault does not exist). */
      readonly reason: TakeoverCapReason;
      readonly stage: 'takeover';
    }
  | {
      /** The insurance fund worked part of a taken-over position off on the book. */
      readonly kind: 'FundUnwound';
      readonly market: string;
      /** Signed size the fund traded (a sell of a long < 0). */
      readonly sizeDelta: bigint;
      /** Average price of the fills. */
      readonly price: bigint;
      /** The fund's position after. */
      readonly position: bigint;
      /** Profit (or loss, < 0) the fund realised on it. */
      readonly realisedPnl: bigint;
      readonly stage: 'unwind';
    }
  // ---- Guards (issue 13, docs/guards.md) ----
  /**
   * A pegged asset's own market strayed beyond its band from conversion rate x the underlying's index (it is still
   * valued at the latter). `market` is the asset's own market; `price` its price, `implied` the pegged price.
   */
  | { readonly kind: 'CollateralDepegged'; readonly asset: string; readonly market: string; readonly price: bigint; readonly implied: bigint }
  /** Back within the band. */
  | { readonly kind: 'CollateralRepegged'; readonly asset: string; readonly market: string; readonly price: bigint; readonly implied: bigint }
  /** An oracle answer at or beyond its aggregator's min/max bound: not used. `source` is null for a direct price. */
  | { readonly kind: 'PriceClamped'; readonly market: string; readonly source: string | null; readonly price: bigint; readonly bound: AnswerBound }
  /** A direct price within the bounds again after a clamped one: the market is valid again. */
  | { readonly kind: 'PriceUnclamped'; readonly market: string; readonly price: bigint }
  /** A source of the index became an outlier: its price was clipped to the band around the median, or dropped. */
  | {
      readonly kind: 'IndexOutlier';
      readonly market: string;
      readonly source: string;
      readonly status: Extract<SourceStatus, 'clipped' | 'dropped'>;
      readonly observed: bigint;
      /** The price that entered the index instead (the band edge); null when dropped. */
      readonly used: bigint | null;
      /** The median the band is centred on; null when no index was formed. */
      readonly median: bigint | null;
    }
  /** The source is within the band again. */
  | { readonly kind: 'IndexOutlierCleared'; readonly market: string; readonly source: string }
  /** The account's self-trade-prevention group (null: none). */
  | { readonly kind: 'AccountGroupSet'; readonly account: string; readonly group: string | null }
  /**
   * What a parameter change (set_market, set_asset, set_rulebook on an existing one) would do: the ledgers it puts into
   * breach (exact evaluation under the new parameters) and their notional. `change` numbers previewed changes from 1.
   */
  | {
      readonly kind: 'ParameterChangePreviewed';
      readonly change: number;
      readonly command: CommandKind;
      readonly target: string;
      readonly ledgers: number;
      readonly notional: bigint;
    }
  | { readonly kind: 'ParameterChangePending'; readonly change: number; readonly command: CommandKind; readonly target: string }
  /** `actor`: who confirmed or cancelled it, when the command named one (absent in journals from before). */
  | { readonly kind: 'ParameterChangeConfirmed'; readonly change: number; readonly command: CommandKind; readonly target: string; readonly actor?: string }
  | { readonly kind: 'ParameterChangeCancelled'; readonly change: number; readonly command: CommandKind; readonly target: string; readonly actor?: string }
  /** An explicit audit's result (a periodic audit that passes is silent). */
  | { readonly kind: 'InvariantAudited'; readonly sampled: number; readonly failures: number }
  | { readonly kind: 'InvariantViolated'; readonly check: InvariantCheck; readonly detail: string }
  /** `detail`: the failed checks (audit) or the operator's words (operator). */
  | { readonly kind: 'EngineHalted'; readonly reason: HaltReason; readonly detail: string }
  | { readonly kind: 'EngineResumed' }
  // ---- Fallbacks said out loud (issue 15) ----
  /**
   * The market's mark method gave no mark of its own and the index stands in for it (announced once per reason):
   * the method refused its input, lacked every input (its own `fallback`), or needs funding the market lacks.
   */
  | { readonly kind: 'MarkFallback'; readonly market: string; readonly method: MarkMethod; readonly reason: MarkFallbackReason; readonly index: bigint }
  /** The mark method gives its own mark again. */
  | { readonly kind: 'MarkRestored'; readonly market: string; readonly method: MarkMethod; readonly mark: bigint }
  /**
   * Funding fell due and was not paid: the market had no price (`unpriced`), or more intervals fell due in one step
   * than the engine pays (`interval_limit`). `intervals` of them, scheduled from `fromMs` to `toMs`.
   */
  | { readonly kind: 'FundingSkipped'; readonly market: string; readonly reason: FundingSkipReason; readonly intervals: number; readonly fromMs: number; readonly toMs: number }
  /**
   * A loss the rulebook socialises could not be spread over the opposite side (nobody holds it, or more positions
   * than SOCIALISE_POSITIONS_MAX): the venue writes it off (BadDebt.writtenOff). `side`: the side that would bear it.
   */
  | {
      readonly kind: 'SocialisationRefused';
      readonly market: string;
      readonly side: 'long' | 'short';
      readonly amount: bigint;
      readonly reason: Extract<LiquidationReason, 'no_open_interest' | 'too_many_entries'>;
      readonly stage: 'deficit';
    }
  /** A conditional order armed (place_conditional); `trigger` is its trigger now. */
  | ({ readonly kind: 'ConditionalPlaced' } & ConditionalFields)
  /** A conditional order changed (amend_conditional), keeping its placement priority. */
  | ({ readonly kind: 'ConditionalAmended' } & ConditionalFields)
  | { readonly kind: 'ConditionalCancelled'; readonly account: string; readonly market: string; readonly orderId: string; readonly reason: ConditionalCancelReason }
  /** Its source reached its trigger: it leaves the index, and its order follows (OrderPlaced) or is refused (ConditionalRefused). */
  | {
      readonly kind: 'ConditionalTriggered';
      readonly account: string;
      readonly market: string;
      readonly orderId: string;
      readonly source: TriggerSource;
      readonly trigger: bigint;
      /** The source's price that reached it. */
      readonly price: bigint;
    }
  /** The triggered order could not be placed: the reason a place_order would have been refused with. */
  | { readonly kind: 'ConditionalRefused'; readonly account: string; readonly market: string; readonly orderId: string; readonly reason: RejectionReason; readonly message: string }
  // ---- auctions in the engine (issue 18 part B, auctions.ts) ----
  | AuctionEventBody
  // lending markets (issue 18)
  | LendingEventBody;

export type EngineEvent = Stamped & EventBody;
export type EventKind = EventBody['kind'];

/**
 * The unit of each bigint field, by event kind:
 * price / size: atoms of the event's `market`; quote: settlement atoms; asset: atoms of the event's `asset`;
 * ppm: parts per million; rate: fraction x 1e9; funding_index: quote atoms x 1e9 per whole base unit.
 */
export type FieldUnit =
  | 'price'
  | 'size'
  | 'quote'
  | 'asset'
  | 'ppm'
  | 'rate'
  | 'funding_index'
  // dss's units (auctions) and Aave's (lending): wad 1e18, ray 1e27, rad 1e45
  | 'wad'
  | 'ray'
  | 'rad'
  // lending markets (issue 18): base currency atoms (8 decimals), basis points, raw on-chain integers
  | 'base'
  | 'bps'
  | 'atoms';

export const EVENT_UNITS: { readonly [K in EventKind]: Readonly<Record<string, FieldUnit>> } = {
  MarketListed: {},
  MarketUpdated: {},
  AssetListed: {},
  AssetUpdated: {},
  RulebookSet: {},
  Deposited: { amount: 'asset', balance: 'asset' },
  Withdrawn: { amount: 'asset', balance: 'asset' },
  PositionChanged: {
    price: 'price',
    sizeDelta: 'size',
    size: 'size',
    entryPrice: 'price',
    realisedPnl: 'quote',
    fee: 'quote',
    fundingPaid: 'quote',
    isolatedMargin: 'quote',
    balance: 'quote',
  },
  IsolatedMarginChanged: { amount: 'quote', isolatedMargin: 'quote' },
  VolatilityMultiplierChanged: { multiplierPpm: 'ppm' },
  MarketUnpriced: {},
  MarketPriced: { index: 'price' },
  BreakerTripped: {},
  BreakerReset: {},
  FundingRateAnnounced: { rate: 'rate' },
  FundingApplied: { rate: 'rate', price: 'price', indexDelta: 'funding_index', fundingIndex: 'funding_index' },
  FundingSettled: { amount: 'quote', balance: 'quote' },
  OrderPlaced: { price: 'price', size: 'size', resting: 'size' },
  OrderCancelled: { remaining: 'size' },
  Borrowed: { amount: 'asset', debt: 'asset' },
  Repaid: { amount: 'asset', debt: 'asset' },
  MarginCall: { equity: 'quote', maintenance: 'quote', callLevel: 'quote' },
  MarginCallCleared: {},
  LiquidationStarted: { size: 'size', closeSize: 'size', mark: 'price', index: 'price', equity: 'quote', maintenance: 'quote', bankruptcyPrice: 'price', limitPrice: 'price' },
  LiquidationFill: { size: 'size', price: 'price' },
  LiquidationDeferred: {},
  LiquidationEnded: { equity: 'quote', maintenance: 'quote' },
  LiquidatorRewarded: { amount: 'quote' },
  Deleveraged: { size: 'size', price: 'price', ledgerEquity: 'quote' },
  InsuranceFundChanged: { delta: 'quote', balance: 'quote' },
  BadDebt: { amount: 'quote', insurance: 'quote', socialised: 'quote', writtenOff: 'quote' },
  Socialised: { amount: 'quote', charged: 'quote' },
  LiquidationPaused: {},
  CommandRejected: {},
  TakeoverCapped: { wanted: 'size', taken: 'size' },
  FundUnwound: { sizeDelta: 'size', price: 'price', position: 'size', realisedPnl: 'quote' },
  CollateralDepegged: { price: 'price', implied: 'price' },
  CollateralRepegged: { price: 'price', implied: 'price' },
  PriceClamped: { price: 'price' },
  PriceUnclamped: { price: 'price' },
  IndexOutlier: { observed: 'price', used: 'price', median: 'price' },
  IndexOutlierCleared: {},
  AccountGroupSet: {},
  ParameterChangePreviewed: { notional: 'quote' },
  ParameterChangePending: {},
  ParameterChangeConfirmed: {},
  ParameterChangeCancelled: {},
  InvariantAudited: {},
  InvariantViolated: {},
  EngineHalted: {},
  EngineResumed: {},
  MarkFallback: { index: 'price' },
  MarkRestored: { mark: 'price' },
  FundingSkipped: {},
  SocialisationRefused: { amount: 'quote' },
  ConditionalPlaced: { trigger: 'price', size: 'size', limitPrice: 'price' },
  ConditionalAmended: { trigger: 'price', size: 'size', limitPrice: 'price' },
  ConditionalCancelled: {},
  ConditionalTriggered: { trigger: 'price', price: 'price' },
  ConditionalRefused: {},
  // ---- auctions in the engine (issue 18 part B) ----
  ...AUCTION_EVENT_UNITS,
  // lending markets (issue 18)
  ...LENDING_EVENT_UNITS,
};
