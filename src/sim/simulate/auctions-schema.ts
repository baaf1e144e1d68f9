// The optional `auctions` section of a sim.json (docs/simulate.md "Maker vaults and auctions") and its summary: a
// population of MakerDAO vaults on a collateral type whose feed is one of the sim's markets, liquidated through the
// engine's auction house (core/engine/auctions.ts) by the sim's liquidators, in Dutch auctions on the Clipper's
// curve or in sealed-bid batches. Additive to types.ts: a file without the section runs and summarises as before.
//
// Units as in `bailiff auctions` files (wire/auction-schema.ts, whose curve shape this reuses): collateral and DAI
// in whole units as decimal strings, ratios as decimal strings ("1.13" = 13% penalty).

import { z } from 'zod';
import { auctionSchemas } from '../../wire/auction-schema.js';
import { decimalString, idString, intIn, numberIn, timeValue } from '../../wire/schema.js';

const fraction = numberIn(0, 1);
const seconds = intIn(1, 10_000_000);

/** The Clipper's price curve (abaci.sol): linear_decrease {tau}, stairstep_exponential_decrease {step, cut}, exponential_decrease {cut}. */
const curveSchema = auctionSchemas({ decimalString, idString, timeValue }, timeValue, decimalString.nullable()).curve;

export const simAuctionsSchema = z.strictObject({
  /** The sim market whose index is the collateral's feed price (liquidation impact on its book reaches the vaults). */
  market: idString,
  /** How unsafe vaults are sold: Dutch auctions on the curve (maker_bark), or sealed-bid batches (sealed_bark). */
  mode: z.enum(['dutch', 'sealed_bid']).default('dutch'),
  /** The collateral type's id. */
  ilk: idString.default('SIM-A'),
  /** The Dog's global limit on DAI in auctions (Hole) and this ilk's (hole), DAI. */
  Hole: decimalString.default('1000000000'),
  hole: decimalString.default('1000000000'),
  /** Liquidation penalty as a multiplier ("1.13" = 13%). */
  chop: decimalString.default('1.13'),
  /** Smallest debt a vault may keep, DAI. */
  dust: decimalString.default('0'),
  /** Liquidation ratio: spot = feed / mat (spotter.poke); a vault is unsafe when ink x spot < art. */
  mat: decimalString.default('1.5'),
  clipper: z.strictObject({
    /** Starting price = feed x buf. */
    buf: decimalString.default('1.2'),
    /** Seconds an auction runs before it must be reset (redo). */
    tail: seconds.default(8400),
    /** price / top below which it must be reset. */
    cusp: decimalString.default('0.4'),
    /** Keeper incentive: share of tab (chip) plus a flat DAI amount (tip), paid to who barks or redoes. */
    chip: decimalString.default('0.001'),
    tip: decimalString.default('0'),
    curve: curveSchema.default({ kind: 'stairstep_exponential_decrease', step: 90, cut: '0.99' }),
  }),
  vaults: z.strictObject({
    count: z.number().int().nonnegative().max(100_000),
    /** Collateral per vault, whole units, log-uniform in [min, max]. */
    ink: z.strictObject({ min: decimalString, max: decimalString }),
    /** Collateralisation at the start (collateral value / debt), min + (max - min) x U^skew. */
    collateralisation: z.strictObject({ min: z.number().gt(1), max: z.number().gt(1), skew: z.number().positive().default(1) }),
  }),
  /** sealed_bid mode: the windows (seconds), the floor (share of the feed price at the bark) and the batch's bid limit. */
  sealed: z
    .strictObject({
      commit: seconds.default(60),
      reveal: seconds.default(60),
      floor: decimalString.default('0.8'),
      maxBids: z.number().int().min(1).max(10_000).default(16),
    })
    .default({ commit: 60, reveal: 60, floor: '0.8', maxBids: 16 }),
  /**
   * Each liquidator's DAI for auctions, as a share of its `capital` (a wallet of its own beside its margin on the
   * venue). Collateral it buys is hedged at the reference at once (its value is counted at the reference then).
   */
  capitalShare: fraction.default(1),
});

export type SimAuctionsConfig = z.infer<typeof simAuctionsSchema>;

/** One liquidator in the auctions. Amounts: DAI and collateral, decimal strings. */
export interface AuctionKeeperResult {
  readonly id: string;
  /** Dutch takes and sealed-bid allocations it got. */
  readonly wins: number;
  readonly bought: string;
  readonly paid: string;
  /** The collateral at the reference when it bought it. */
  readonly value: string;
  readonly gas: string;
  /** value - paid - gas. */
  readonly pnl: string;
}

/** The `auctions` figures of a summary (present only when the sim.json has the section). */
export interface AuctionsSummary {
  readonly mode: 'dutch' | 'sealed_bid';
  readonly ilk: string;
  readonly market: string;
  readonly vaults: number;
  /** Vaults barked (Dutch kicks and sealed batches opened by a bark; not the Dutch auctions of unsold batch remainders). */
  readonly barked: number;
  readonly barkRefusedByLimit: number;
  /** Dutch auctions ended by a take, and sealed batches settled in full (no Dutch remainder). */
  readonly settled: number;
  readonly stillRunning: number;
  readonly takes: number;
  readonly redos: number;
  readonly sealedSettlements: number;
  readonly sealedFallbacks: number;
  /** DAI: the debt plus penalty the auctions had to raise, what they raised, what they did not (bad debt). */
  readonly tab: string;
  readonly raised: string;
  readonly uncovered: string;
  /** DAI paid to who barked and redid (chip and tip). */
  readonly keeperIncentives: string;
  /** Collateral sold to liquidators, and returned to vault owners. */
  readonly collateralSold: string;
  readonly collateralReturned: string;
  /** Discount of the sale prices to the reference at each sale, weighted by collateral: ppm. */
  readonly discountPpm: number;
  readonly keepers: readonly AuctionKeeperResult[];
}

/**
 * The auctions over time (SimSeries.auctions, present only with the section): cumulative at each bucket's end, DAI in
 * settlement decimals (tab and raised rounded down, uncovered up, as the summary), collateral sold in whole units.
 */
export interface AuctionSeries {
  readonly tab: readonly string[];
  readonly raised: readonly string[];
  readonly uncovered: readonly string[];
  readonly collateralSold: readonly string[];
}
