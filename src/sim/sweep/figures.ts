// The figures a sweep keeps of one run (a seed at a grid point): the two costs of the frontier and the context a
// reader needs beside them. Taken from the simulator's SimSummary, decimal strings kept as they are (exact).

import type { SimSummary } from '../simulate/types.js';

export interface RunFigures {
  readonly seed: number;
  /** Bad debt nobody covered (SimSummary.badDebt.total), quote units. */
  readonly badDebt: string;
  /** Liquidations of ledgers that would have recovered (SimSummary.unnecessary). */
  readonly unnecessaryCount: number;
  readonly unnecessaryNotional: string;
  readonly liquidationSteps: number;
  readonly liquidatedNotional: string;
  readonly adlNotional: string;
  readonly insuranceFundEnd: string;
  readonly insuranceFundMin: string;
  /** The Maker vaults' auctions (only when the sim.json has an `auctions` section; SimSummary.auctions). */
  readonly auctions?: AuctionRunFigures;
}

export interface AuctionRunFigures {
  readonly barked: number;
  /** DAI, settlement decimals. */
  readonly tab: string;
  readonly raised: string;
  readonly uncovered: string;
  readonly discountPpm: number;
  readonly stillRunning: number;
}

export function runFigures(seed: number, s: SimSummary): RunFigures {
  return {
    seed,
    badDebt: s.badDebt.total,
    unnecessaryCount: s.unnecessary.count,
    unnecessaryNotional: s.unnecessary.notional,
    liquidationSteps: s.liquidations.steps,
    liquidatedNotional: s.liquidations.notional,
    adlNotional: s.adl.notional,
    insuranceFundEnd: s.insuranceFund.end,
    insuranceFundMin: s.insuranceFund.min,
    ...(s.auctions === undefined
      ? {}
      : { auctions: { barked: s.auctions.barked, tab: s.auctions.tab, raised: s.auctions.raised, uncovered: s.auctions.uncovered, discountPpm: s.auctions.discountPpm, stillRunning: s.auctions.stillRunning } }),
  };
}
