// The stress simulator's contract (issue 19; docs/simulate.md): the sim.json format as a strict zod schema, and the
// result of one run. Sweeps, preview mode and the HTML report build on these types: change them only additively
// (new optional fields), and say so in the commit.
//
// Money, sizes and prices in the file are decimal STRINGS (JSON numbers are binary floats); in the result they are
// decimal strings too (bigints do not survive JSON.stringify), so a result is plain JSON and the same seed gives the
// same bytes. Ratios in the result are integers in ppm (parts per million) so that no float rounding can differ.

import { z } from 'zod';
import type { CodeName } from '../../core/codes.js';
import { BailiffError } from '../../errors.js';
import type { Snapshot } from '../../core/engine/snapshot.js';
import type { Rulebook } from '../../core/rulebooks/rulebook.js';
import { simAuctionsSchema, type AuctionSeries, type AuctionsSummary } from './auctions-schema.js';
import { assetSchema, decimalString, idString, intIn, marketSchema, numberIn, rulebookSchema, settlementSchema, timeValue } from '../../wire/schema.js';

// ---- sim.json ---------------------------------------------------------------------------------------------------

const fraction = numberIn(0, 1);
const positiveNumber = z.number({ error: 'must be a number' }).positive({ error: 'must be a number above 0' });
const nonNegative = z.number({ error: 'must be a number' }).nonnegative({ error: 'must be a number not below 0' });
const positiveInt = z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).positive({ error: 'must be an integer above 0' });
const nonNegativeInt = z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).nonnegative({ error: 'must be an integer not below 0' });

/**
 * The external reference price of one market, one value per step (docs/simulate.md "Price paths"). Synthetic paths
 * start at the market's `start` price; a kline replay starts where the file starts.
 */
export const pricePathSchema = z.discriminatedUnion('kind', [
  /** The reference stays at `start` (sanity runs). */
  z.strictObject({ kind: z.literal('constant') }),
  /**
   * Replays a Binance kline CSV (the dump's columns; any interval). Each kline's close holds from its close time
   * until the next one (mode 'close'), or the open-high-low-close inside the kline is walked in four points (mode
   * 'ohlc': open, the two extremes, close, in the order of feeds/kline.ts klinePathOrder: a rising candle dips first).
   */
  z.strictObject({
    kind: z.literal('klines'),
    /** Path of the CSV, relative to the sim.json file. */
    file: z.string().min(1),
    /** The symbol in the file (default: the market id). */
    symbol: z.string().optional(),
    mode: z.enum(['close', 'ohlc']).default('close'),
    /** Only klines that close inside [from, to]. */
    from: timeValue.optional(),
    to: timeValue.optional(),
  }),
  /**
   * Geometric Brownian motion with Poisson jumps (Merton 1976): per step of dt years,
   * ln S += (drift - volatility^2 / 2) dt + volatility sqrt(dt) Z, plus, with probability jumps.perDay x dt_days,
   * a jump of ln(1 + J), J ~ Normal(jumps.mean, jumps.stdev).
   */
  z.strictObject({
    kind: z.literal('gbm'),
    /** Annualised drift (0.1 = 10% a year). */
    drift: z.number().default(0),
    /** Annualised volatility (0.8 = 80% a year). */
    volatility: nonNegative,
    jumps: z.strictObject({ perDay: nonNegative, mean: z.number().min(-0.99), stdev: nonNegative }).optional(),
  }),
  /**
   * A stylised crash: `quiet` seconds flat, then the shape over `duration` seconds, then flat (plus `noise`, an
   * annualised volatility of GBM noise on top, 0 for none).
   *   fast_drawdown: falls by `depth` with an exponential approach (time constant duration / 5), stays down;
   *   v_wick:        falls linearly by `depth` over the first third, recovers `recovery` of the fall over the rest;
   *   slow_bleed:    falls linearly by `depth` over the whole duration.
   */
  z.strictObject({
    kind: z.literal('crash'),
    shape: z.enum(['fast_drawdown', 'v_wick', 'slow_bleed']),
    /** The fall, a fraction of the start price (0.3 = -30%). */
    depth: z.number().gt(0).lt(1),
    quiet: nonNegativeInt.default(0),
    duration: positiveInt,
    /** v_wick only: the share of the fall recovered (1 = back to the start). */
    recovery: fraction.default(1),
    noise: nonNegative.default(0),
  }),
]);

/**
 * The venue's book of one market (docs/simulate.md "Books and impact"): a market maker rests `levels` levels a
 * side, `spacing` apart (a fraction of the price), each `depth` quote units deep. Liquidity taken is refilled by
 * `resilience` of the missing depth per second; the maker re-centres its ladder on the traded price. `infinite`:
 * every fill happens at the reference, the traded price never leaves it (no impact at all).
 */
export const bookSchema = z.strictObject({
  depth: decimalString,
  levels: intIn(1, 200).default(20),
  spacing: z.number().gt(0).lt(0.2).default(0.001),
  resilience: fraction.default(0.05),
  infinite: z.boolean().default(false),
});

/**
 * Arbitrageurs: each step they trade the traded price towards the reference, closing `rate` of the gap (1 = at
 * once; 0 = none). The mark the engine gets is the traded price after them.
 */
export const arbitrageSchema = z.strictObject({ rate: fraction.default(0.1) });

export const simMarketSchema = marketSchema.extend({
  /** The reference price at the start (synthetic paths), a decimal string. */
  start: decimalString,
  path: pricePathSchema,
  book: bookSchema,
  arbitrage: arbitrageSchema.default({ rate: 0.1 }),
});

/**
 * Liquidators (docs/simulate.md "Agents"): each rests bids and asks `discount` away from the reference, up to its
 * risk limit, with its capital as margin; taken liquidity is re-quoted `latencyMs` later. Competition: 'first_come'
 * places the fastest first (time priority at a price level); 'priority_fee' places the highest `priorityFee` bidder
 * first and charges it that fee (a fraction of each fill's notional) on every liquidation fill it gets.
 */
export const liquidatorSchema = z.strictObject({
  id: idString,
  capital: decimalString,
  latencyMs: nonNegativeInt.default(0),
  /** Largest position (quote notional at the reference) it will hold per market. */
  maxPosition: decimalString,
  discount: z.number().min(0).lt(0.5).default(0.01),
  /** Each order's size, quote notional. */
  orderSize: decimalString,
  priorityFee: nonNegative.default(0),
  /** Cost per fill (gas, quote units). */
  gas: decimalString.default('0'),
});

export const populationSchema = z.strictObject({
  accounts: intIn(0, 10_000_000),
  /** Collateral per account, quote units, log-uniform in [min, max]. */
  collateral: z.strictObject({ min: decimalString, max: decimalString }),
  /** Leverage min + (max - min) x U^skew (skew > 1: most accounts near min). */
  leverage: z.strictObject({ min: z.number().min(0), max: z.number().min(0), skew: positiveNumber.default(2) }),
  /** Share of accounts that are long. */
  longShare: fraction.default(0.5),
  /** Share of accounts whose positions are isolated. */
  isolatedShare: fraction.default(0),
  /** Share of accounts that hold a position in a second market too. */
  secondMarketShare: fraction.default(0),
  /** Share of accounts that add margin when called (MarginCall event): they deposit `topUp` x their collateral once. */
  addMarginShare: fraction.default(0),
  topUp: z.number().min(0).max(10).default(0.5),
  /** Share of accounts that panic-sell: they close their whole position when the reference is `panicDrawdown` below its start. */
  panicShare: fraction.default(0),
  panicDrawdown: z.number().gt(0).lt(1).default(0.1),
  /**
   * Collateral mix (added after the first commit; optional): the share of each account's collateral VALUE held in
   * each asset of `assets` (valued at its price market's start price); the rest is in the settlement asset. Shares
   * sum to at most 1.
   */
  collateralMix: z.array(z.strictObject({ asset: idString, share: fraction })).default([]),
});

export const simConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().max(200).default('simulation'),
  description: z.string().max(10_000).optional(),
  /** Seeds every random draw (population, paths, agents); --seed overrides it. */
  seed: intIn(0, 2 ** 32 - 1).default(1),
  start: timeValue.default('2025-01-01T00:00:00Z'),
  stepMs: intIn(1, 86_400_000).default(1000),
  /** Steps to run; default: the longest kline replay's, else required. */
  steps: intIn(1, 10_000_000).optional(),
  settlement: settlementSchema.default({ asset: 'USDT', decimals: 6, ltv: '0.8', liquidationThreshold: '0.85' }),
  rulebook: rulebookSchema.default('binance'),
  /** The insurance fund's opening balance, quote units. */
  insuranceFund: decimalString.default('0'),
  markets: z.array(simMarketSchema).min(1),
  /** Collateral assets as in scenario files (docs/scenarios.md), each priced by one of `markets` (added; optional). */
  assets: z.array(assetSchema).default([]),
  population: populationSchema,
  liquidators: z.array(liquidatorSchema).default([]),
  /** Backstop liquidity: a deep resting bid and ask `discount` from the reference, re-centred every `refreshMs`. */
  backstop: z.strictObject({ depth: decimalString, discount: z.number().gt(0).lt(0.9), refreshMs: positiveInt.default(60_000) }).optional(),
  metrics: z
    .strictObject({
      /**
       * A liquidation is "unnecessary" when, on the reference path and left alone, the ledger would have been healthy
       * again this many minutes later without going below zero equity in between (docs/simulate.md).
       */
      recoveryMinutes: positiveInt.default(60),
      /** Series points: one per this many steps (sums over the bucket); default: so that a run has at most 2,000. */
      seriesEvery: positiveInt.optional(),
      /** Also run the same path and seed with liquidation impact off (the traded price pinned to the reference). */
      counterfactual: z.boolean().default(true),
    })
    .default({ recoveryMinutes: 60, counterfactual: true }),
  /** Maker vaults on a collateral type fed by one of `markets`, sold in auctions (added; optional: ./auctions-schema.ts). */
  auctions: simAuctionsSchema.optional(),
});

/** A sim.json as decoded (defaults filled in). */
export type SimConfig = z.infer<typeof simConfigSchema>;
export type SimConfigInput = z.input<typeof simConfigSchema>;
export type SimMarketConfig = z.infer<typeof simMarketSchema>;
export type PricePathConfig = z.infer<typeof pricePathSchema>;
export type BookConfig = z.infer<typeof bookSchema>;
export type LiquidatorConfig = z.infer<typeof liquidatorSchema>;
export type PopulationConfig = z.infer<typeof populationSchema>;

// ---- the run ----------------------------------------------------------------------------------------------------

export interface SimOptions {
  /** Called every so often with steps done and total (both runs of a counterfactual pair count). */
  onProgress?(done: number, total: number): void;
  /** Overrides the config's seed (the CLI's --seed). */
  seed?: number;
  /**
   * Replaces the rulebook the config names (sweeps build a rulebook per grid point). Applied after decoding the
   * config's rulebook, so it sees the preset with the file's overrides.
   */
  rulebook?: (decoded: Rulebook) => Rulebook;
  /** Directory kline files are relative to (the CLI: the sim.json's directory); default the working directory. */
  baseDir?: string;
  /**
   * Start from these live accounts (added after the first commit; optional): an engine snapshot (e.g. a journal's
   * head, `bailiff simulate --journal`). Its accounts, markets and fund are kept; the file's markets must match its
   * decimals (markets it lacks are listed), synthetic paths are scaled to start at its marks, the rulebook (and
   * options.rulebook) is applied on top, and the file's population is generated in addition as `sim-a<n>`.
   */
  snapshot?: Snapshot;
}

/** A decimal string (quote units unless said otherwise). */
export type Dec = string;

export interface MarketSeries {
  /** Prices at the end of each bucket, decimal strings in the market's price units. */
  readonly reference: readonly Dec[];
  readonly traded: readonly Dec[];
  readonly mark: readonly Dec[];
  /** With impact off (the counterfactual run's mark); absent when no counterfactual ran. */
  readonly markWithoutImpact?: readonly Dec[];
}

/** Per-bucket series (one bucket = `seriesEvery` steps; figures summed over the bucket unless said otherwise). */
export interface SimSeries {
  readonly seriesEvery: number;
  /** Time at each bucket's end, ms since the epoch. */
  readonly tMs: readonly number[];
  readonly markets: Readonly<Record<string, MarketSeries>>;
  /** Liquidation steps and their closed notional (quote, at the fill prices). */
  readonly liquidations: readonly number[];
  readonly liquidatedNotional: readonly Dec[];
  /** Insurance fund balance at the bucket's end. */
  readonly insuranceFund: readonly Dec[];
  /** Bad debt, cumulative at the bucket's end. */
  readonly badDebt: readonly Dec[];
  /** ADL notional in the bucket. */
  readonly adlNotional: readonly Dec[];
  /** The Maker vaults' auctions, cumulative (added; present only when the sim.json has an `auctions` section). */
  readonly auctions?: AuctionSeries;
}

export interface KeeperResult {
  readonly id: string;
  /** Liquidation fills it took (book fills against liquidation orders). */
  readonly fills: number;
  readonly notional: Dec;
  /** Liquidator rewards the engine paid it (LiquidatorRewarded). */
  readonly bonus: Dec;
  /** Priority fees paid. */
  readonly fees: Dec;
  readonly gas: Dec;
  /** Its equity at the end (at the final reference) minus its capital, minus fees and gas: bonus + trading P&L - fees - gas. */
  readonly pnl: Dec;
}

export interface MarketDrawdown {
  /** Largest peak-to-trough fall, ppm of the peak. */
  readonly referencePpm: number;
  readonly markPpm: number;
  /** markPpm minus the counterfactual run's (null without one): the fall liquidations caused. */
  readonly causedByLiquidationsPpm: number | null;
  /** The lowest mark relative to the reference at the same step, ppm below it (0 if never below). */
  readonly maxDislocationPpm: number;
}

/** The run's figures. Deterministic: the same config and seed give the same JSON bytes. */
export interface SimSummary {
  readonly name: string;
  readonly seed: number;
  readonly rulebook: string;
  readonly steps: number;
  readonly stepMs: number;
  readonly startMs: number;
  readonly accounts: number;
  /** Positions opened at the start, and their notional. */
  readonly positions: number;
  readonly openNotional: Dec;
  readonly liquidations: {
    /** Liquidation steps (LiquidationStarted) and distinct ledgers liquidated. */
    readonly steps: number;
    readonly ledgers: number;
    readonly notional: Dec;
    /** LiquidationFill notional by route: book, insurance_fund, backstop, adl, offset. */
    readonly byRoute: Readonly<Record<string, Dec>>;
  };
  /** Liquidation book fills' cost against the reference at the time: sum |fill - reference| x size. */
  readonly slippage: { readonly quote: Dec; readonly ppmOfNotional: number };
  readonly drawdown: Readonly<Record<string, MarketDrawdown>>;
  readonly insuranceFund: { readonly start: Dec; readonly end: Dec; readonly min: Dec };
  /** Losses nobody covered: BadDebt amounts (insurance + socialised + written off), and the written-off part. */
  readonly badDebt: { readonly total: Dec; readonly writtenOff: Dec; readonly socialised: Dec; readonly events: number };
  readonly adl: {
    readonly notional: Dec;
    readonly count: number;
    /**
     * What the deleveraged counterparties gave up against the mark (sum of abs(mark - price) x size) beyond the
     * negative equity of the ledgers it was for (docs/simulate.md); 0 when ADL took no more than the deficit.
     */
    readonly overshoot: Dec;
  };
  readonly unnecessary: { readonly count: number; readonly notional: Dec; readonly recoveryMinutes: number };
  readonly marginCalls: number;
  readonly topUps: number;
  readonly panicSells: number;
  readonly keepers: readonly KeeperResult[];
  /** Ledgers still in breach at the end, and their positions' notional (left unliquidated). */
  readonly dust: { readonly ledgers: number; readonly notional: Dec };
  /** The counterfactual run's headline figures (impact off), when it ran. */
  readonly withoutImpact: { readonly liquidationSteps: number; readonly liquidatedNotional: Dec; readonly badDebt: Dec } | null;
  /** Engine commands applied and refused (a refusal is a simulator bug or an agent's bad order: kept visible). */
  readonly commands: { readonly applied: number; readonly rejected: number; readonly rejectedByReason: Readonly<Record<string, number>> };
  /** The Maker vaults' auctions (added; present only when the sim.json has an `auctions` section). */
  readonly auctions?: AuctionsSummary;
}

export interface SimResult {
  readonly summary: SimSummary;
  readonly series: SimSeries;
}

/** runSimulation's signature (implemented in ./run.ts). Throws SimConfigError on a bad config. */
export type RunSimulation = (config: SimConfig, options?: SimOptions) => SimResult;

/** A bad sim.json: `path` names the field (e.g. "markets[0].book.depth"). */
export class SimConfigError extends BailiffError {
  override readonly name = 'SimConfigError';
  override readonly code: CodeName<'sim_error'> = 'sim_config_invalid';
  /** Bad input: the CLI exits with 2. */
  readonly exitCode = 2;
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}
