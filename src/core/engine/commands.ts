// Commands: every change of state enters the engine as one of these, with its own timestamp.
// Amounts are atoms (bigint) in the units the market or asset declares; src/wire turns decimal JSON into these.

import type { SignatureCheck } from '../pricing/attestation.js';
import type { MarginMode } from '../account/account.js';
import type { AssetSpec, MarketSpec } from '../market/spec.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import type { TriggerSource } from '../rulebooks/conditional.js';
import type { Price, Quote, RateE9, Size } from '../units/index.js';
import type { EngineAuctionCommand, AuctionSetup, MakerPoke } from './auctions.js';
// lending markets (issue 18): the commands live in lending-commands.ts
import { LENDING_COMMAND_KINDS, type LendingCommand } from './lending-commands.js';

interface Timed {
  /** Milliseconds since the Unix epoch; never earlier than the previous command's. */
  readonly tsMs: number;
}

export interface SetMarket extends Timed {
  readonly kind: 'set_market';
  readonly market: MarketSpec;
}

export interface SetAsset extends Timed {
  readonly kind: 'set_asset';
  readonly asset: AssetSpec;
}

export interface SetRulebook extends Timed {
  readonly kind: 'set_rulebook';
  readonly rulebook: Rulebook;
}

export interface Deposit extends Timed {
  readonly kind: 'deposit';
  readonly account: string;
  readonly asset: string;
  /** Asset atoms, > 0. */
  readonly amount: bigint;
}

export interface Withdraw extends Timed {
  readonly kind: 'withdraw';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** One side of a fill. */
export interface FillSide {
  readonly account: string;
  /** Fee charged to this side in quote atoms; negative for a rebate. */
  readonly fee: Quote;
  /** Margin mode for a new position (default cross). Must match an existing position's mode. */
  readonly marginMode?: MarginMode;
  /**
   * Isolated only: quote atoms moved from the settlement balance into the position when it opens or grows.
   * Default: the initial margin the increase adds.
   */
  readonly isolatedMargin?: Quote;
}

/** A trade between two accounts on a market: the buyer's position grows by `size`, the seller's shrinks. */
export interface Fill extends Timed {
  readonly kind: 'fill';
  readonly market: string;
  readonly price: Price;
  /** Base atoms traded, > 0, a multiple of the step size. */
  readonly size: Size;
  readonly buyer: FillSide;
  readonly seller: FillSide;
}

export interface AdjustIsolatedMargin extends Timed {
  readonly kind: 'adjust_isolated_margin';
  readonly account: string;
  readonly market: string;
  /** Signed quote atoms: positive moves margin in from the settlement balance, negative takes it out. */
  readonly amount: Quote;
}

/**
 * A direct price for a market, e.g. from an oracle that already aggregates its sources. With `mark`, the mark is
 * taken as given (and the index defaults to it); with only `index`, the mark follows the market's mark method.
 */
export interface PriceUpdate extends Timed {
  readonly kind: 'price';
  readonly market: string;
  readonly mark?: Price;
  readonly index?: Price;
  /** Confidence half-width (Pyth conf), for the confidence guard. */
  readonly conf?: Price;
}

/** One source's price for a market's index (Binance, Pyth, Chainlink, ...), optionally signed by the source. */
export interface SourcePrice extends Timed {
  readonly kind: 'source_price';
  readonly market: string;
  readonly source: string;
  readonly price: Price;
  /** When the source published it; at most the command's time. */
  readonly publishTimeMs: number;
  readonly conf?: Price;
  /** ed25519 signature (hex) over the canonical attestation (core/pricing/attestation.ts). */
  readonly signature?: string;
  /**
   * The edge's verdict on `signature` (feeds/attestation.ts verifyAtEdge), recorded with the command. apply never
   * verifies a signature itself: a signed price without a verdict is refused (signature_invalid).
   */
  readonly signatureCheck?: SignatureCheck;
}

/** The venue's book top and last trade: inputs to the mark methods and the funding premium. */
export interface MarketData extends Timed {
  readonly kind: 'market_data';
  readonly market: string;
  readonly bestBid?: Price;
  readonly bestAsk?: Price;
  readonly lastTrade?: Price;
  readonly externalMid?: Price;
}

/** The announced funding rate of the running interval (e.g. Binance `r`). */
export interface FundingRateUpdate extends Timed {
  readonly kind: 'funding_rate';
  readonly market: string;
  readonly rate: RateE9;
}

/** Settles an account's unsettled funding into its margin now (otherwise it settles when next touched). */
export interface SettleFunding extends Timed {
  readonly kind: 'settle_funding';
  readonly account: string;
}

/** A limit order on the market's built-in book: it matches resting orders at their prices, then rests (gtc). */
export interface PlaceOrder extends Timed {
  readonly kind: 'place_order';
  readonly account: string;
  readonly market: string;
  /** The account's own id for the order (unique among its resting orders in that market). */
  readonly id: string;
  readonly side: 'buy' | 'sell';
  readonly price: Price;
  readonly size: Size;
  readonly tif: 'gtc' | 'ioc' | 'post_only';
}

export interface CancelOrder extends Timed {
  readonly kind: 'cancel_order';
  readonly account: string;
  readonly market: string;
  readonly id: string;
}

/** Admin: pause or resume liquidations (breaches keep being detected and announced). */
export interface SetLiquidationPause extends Timed {
  readonly kind: 'set_liquidation_pause';
  readonly paused: boolean;
}

/** Money paid into the insurance fund from outside (the venue seeding or topping it up). */
export interface InsuranceDeposit extends Timed {
  readonly kind: 'insurance_deposit';
  /** Quote atoms, > 0. */
  readonly amount: bigint;
}

/** Time passes: lets time-driven rules run (funding, cooldowns, auctions) without any other change. */
export interface Tick extends Timed {
  readonly kind: 'tick';
}

export interface Borrow extends Timed {
  readonly kind: 'borrow';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
}

export interface Repay extends Timed {
  readonly kind: 'repay';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
}

/**
 * Links an account into a self-trade-prevention group, or unlinks it (group null): members of one group never trade
 * with each other (fills refused, resting orders of a member met by another member cancelled). Mango 2022.
 */
export interface SetAccountGroup extends Timed {
  readonly kind: 'set_account_group';
  readonly account: string;
  readonly group: string | null;
}

/** Operator: applies a parameter change its preview held pending (`change`: its number in ParameterChangePreviewed). */
export interface ConfirmChange extends Timed {
  readonly kind: 'confirm_change';
  readonly change: number;
  /** Who confirmed it (the service: the admin's API key id), carried into ParameterChangeConfirmed. */
  readonly actor?: string;
}

/** Operator: drops a pending parameter change. */
export interface CancelChange extends Timed {
  readonly kind: 'cancel_change';
  readonly change: number;
  /** Who cancelled it (the service: the admin's API key id), carried into ParameterChangeCancelled. */
  readonly actor?: string;
}

/** Operator: runs the invariant audit now (docs/guards.md); a failure halts the engine. */
export interface Audit extends Timed {
  readonly kind: 'audit';
}

/** Operator: halts the engine (cancel-only: no trading, no liquidations, no money out). */
export interface Halt extends Timed {
  readonly kind: 'halt';
  /** Why, for the event (1-200 characters). */
  readonly reason: string;
}

/** Operator: ends the Halted state. */
export interface Resume extends Timed {
  readonly kind: 'resume';
}

/**
 * The kinds of conditional order (docs/conditional-orders.md). stop_*: fires when the price moves against a position
 * of the opposite side (a sell stop when the price falls to the trigger); take_profit_*: when it moves in its favour
 * (a sell take-profit when the price rises to the trigger); trailing_stop: a stop whose trigger follows the best price
 * seen since placement by `trailAmount` or `trailRatioPpm`; position_tp / position_sl: a take-profit / stop-loss of
 * the whole position (closePosition, reduce-only, side opposite the position), its size the position's when it fires.
 * *_market and trailing and position orders become ioc orders limited by the rulebook's slippage past the trigger;
 * *_limit orders become gtc orders at `limitPrice`.
 */
export type ConditionalType = 'stop_market' | 'stop_limit' | 'take_profit_market' | 'take_profit_limit' | 'trailing_stop' | 'position_tp' | 'position_sl';

export type { TriggerSource };

/** A trader's conditional order: armed off the book until its trigger source reaches its trigger, then placed. */
export interface PlaceConditional extends Timed {
  readonly kind: 'place_conditional';
  readonly account: string;
  readonly market: string;
  /** The account's own id (unique among its conditional orders in that market; the book order's id when it fires). */
  readonly id: string;
  readonly type: ConditionalType;
  /** Required, except for position_tp / position_sl (the side opposite the position). */
  readonly side?: 'buy' | 'sell';
  /** Fixed types: the trigger price. */
  readonly trigger?: Price;
  /** trailing_stop: exactly one of a distance in price atoms or a ratio in ppm (0 < ratio < 1e6). */
  readonly trailAmount?: Price;
  readonly trailRatioPpm?: bigint;
  /** stop_limit / take_profit_limit: the limit of the order placed. */
  readonly limitPrice?: Price;
  /** Base atoms; absent with closePosition (and for position_* types): the position's size when it fires. */
  readonly size?: Size;
  /** Default: the rulebook's (conditionalRules(rulebook).defaultSource). */
  readonly source?: TriggerSource;
  /** When it fires, the order may only reduce the position (clamped to it; refused when none is on that side). */
  readonly reduceOnly?: boolean;
  /** When it fires, the order closes the whole position (reduce-only; no size). */
  readonly closePosition?: boolean;
  /** Cancelled (reason expired) by the first accepted command at or after this time. */
  readonly expiresMs?: number;
}

export interface CancelConditional extends Timed {
  readonly kind: 'cancel_conditional';
  readonly account: string;
  readonly market: string;
  readonly id: string;
}

/** Changes an armed conditional order; absent fields keep their value. It keeps its placement priority (seq). */
export interface AmendConditional extends Timed {
  readonly kind: 'amend_conditional';
  readonly account: string;
  readonly market: string;
  readonly id: string;
  readonly trigger?: Price;
  readonly trailAmount?: Price;
  readonly trailRatioPpm?: bigint;
  readonly limitPrice?: Price;
  readonly size?: Size;
  /** null removes the expiry. */
  readonly expiresMs?: number | null;
}

export type Command =
  | SetMarket
  | SetAsset
  | SetRulebook
  | Deposit
  | Withdraw
  | Fill
  | AdjustIsolatedMargin
  | PriceUpdate
  | SourcePrice
  | MarketData
  | FundingRateUpdate
  | SettleFunding
  | PlaceOrder
  | CancelOrder
  | SetLiquidationPause
  | InsuranceDeposit
  | Tick
  | Borrow
  | Repay
  | SetAccountGroup
  | ConfirmChange
  | CancelChange
  | Audit
  | Halt
  | Resume
  | PlaceConditional
  | CancelConditional
  | AmendConditional
  // ---- auctions in the engine (issue 18 part B, auctions.ts) ----
  | AuctionSetup
  | MakerPoke
  | EngineAuctionCommand
  // lending markets (issue 18)
  | LendingCommand;

export type CommandKind = Command['kind'];

/** The auction house's commands in the engine (auctions.ts dispatches them all). */
export const AUCTION_COMMAND_KINDS = [
  'auction_setup',
  'maker_poke',
  'maker_bark',
  'maker_take',
  'maker_redo',
  'auction_clock',
  'sealed_bark',
  'sealed_commit',
  'sealed_reveal',
  'sealed_settle',
] as const satisfies readonly (AuctionSetup | MakerPoke | EngineAuctionCommand)['kind'][];

const AUCTION_KINDS: ReadonlySet<string> = new Set(AUCTION_COMMAND_KINDS);

/** Whether a command (the engine's, or its wire form) is one of the auction house's: one dispatch for all of them. */
export function isAuctionCommand<C extends { readonly kind: string }>(cmd: C): cmd is Extract<C, { readonly kind: (typeof AUCTION_COMMAND_KINDS)[number] }> {
  return AUCTION_KINDS.has(cmd.kind);
}

export const COMMAND_KINDS: readonly CommandKind[] = [
  'set_market',
  'set_asset',
  'set_rulebook',
  'deposit',
  'withdraw',
  'fill',
  'adjust_isolated_margin',
  'price',
  'source_price',
  'market_data',
  'funding_rate',
  'settle_funding',
  'place_order',
  'cancel_order',
  'set_liquidation_pause',
  'insurance_deposit',
  'tick',
  'borrow',
  'repay',
  'set_account_group',
  'confirm_change',
  'cancel_change',
  'audit',
  'halt',
  'resume',
  'place_conditional',
  'cancel_conditional',
  'amend_conditional',
  // ---- auctions in the engine (issue 18 part B, auctions.ts) ----
  ...AUCTION_COMMAND_KINDS,
  // lending markets (issue 18)
  ...LENDING_COMMAND_KINDS,
];
