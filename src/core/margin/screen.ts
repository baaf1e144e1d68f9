// The float screen: an approximate, structure-of-arrays mirror of cross-margin slack (equity - maintenance) for
// many accounts at once. Floats may SCREEN, never decide (DESIGN.md): a screen result only selects accounts for
// the exact evaluation in evaluate.ts, and its error bound (below) says how wide a band around zero must be
// confirmed exactly.
//
// Error bound: every term is a product of at most three doubles with relative error 2^-53 each, summed over a
// handful of terms; the screen's absolute error on an account's slack is below 1e-12 x (sum of |terms|) plus the
// exact path's integer roundings (a few quote atoms per position). `SCREEN_RELATIVE_BAND` covers both with room.

import type { Account } from '../account/account.js';
import type { MarketState } from '../market/state.js';
import { pow10 } from '../units/index.js';
import type { MarginView } from './evaluate.js';

/** Accounts whose screened slack is within this share of their notional (plus a few atoms) are confirmed exactly. */
export const SCREEN_RELATIVE_BAND = 1e-9;

interface MarketFloats {
  readonly valueScale: number; // quote atoms per (base atom x price atom)
  readonly floors: Float64Array; // tier floors, quote atoms
  readonly ratios: Float64Array; // maintenance ratios (fraction)
  readonly amounts: Float64Array; // maintenance amounts, quote atoms
}

function marketFloats(view: MarginView, m: MarketState): MarketFloats {
  const tiers = m.spec.margin.tiers;
  return {
    valueScale: Number(pow10(view.quoteDecimals)) / Number(pow10(m.spec.baseDecimals + m.spec.priceDecimals)),
    floors: Float64Array.from(tiers, (t) => Number(t.notionalFloor)),
    ratios: Float64Array.from(tiers, (t) => (Number(t.maintenancePpm) / 1e6) * (Number(m.volatility.multiplierPpm) / 1e6)),
    amounts: Float64Array.from(tiers, (t) => (Number(t.maintenanceAmount) * Number(m.volatility.multiplierPpm)) / 1e6),
  };
}

/**
 * A snapshot of cross-margin positions as typed arrays: for each account its settlement balance, and for each of
 * its cross positions (market index, size, cost). Build once, then screen against any prices.
 */
export class MarginScreen {
  readonly accountIds: string[] = [];
  private readonly markets: MarketFloats[] = [];
  private readonly marketIndex = new Map<string, number>();
  private cash = new Float64Array(0);
  private posStart = new Int32Array(0);
  private posMarket = new Int32Array(0);
  private posSize = new Float64Array(0);
  private posCost = new Float64Array(0);

  constructor(view: MarginView, marketStates: Iterable<MarketState>, accounts: Iterable<Account>) {
    for (const m of marketStates) {
      this.marketIndex.set(m.spec.id, this.markets.length);
      this.markets.push(marketFloats(view, m));
    }
    const cash: number[] = [];
    const starts: number[] = [0];
    const pm: number[] = [];
    const ps: number[] = [];
    const pc: number[] = [];
    for (const a of accounts) {
      this.accountIds.push(a.id);
      cash.push(Number(a.balances.get(view.settlementAsset) ?? 0n));
      for (const p of a.positions.values()) {
        if (p.isolatedMargin !== null) continue;
        pm.push(this.marketIndex.get(p.market) ?? -1);
        ps.push(Number(p.size));
        pc.push(Number(p.entryQuote));
      }
      starts.push(pm.length);
    }
    this.cash = Float64Array.from(cash);
    this.posStart = Int32Array.from(starts);
    this.posMarket = Int32Array.from(pm);
    this.posSize = Float64Array.from(ps);
    this.posCost = Float64Array.from(pc);
  }

  get size(): number {
    return this.accountIds.length;
  }

  marketSlot(id: string): number | undefined {
    return this.marketIndex.get(id);
  }

  /**
   * Approximate slack (equity - maintenance, quote atoms) of every account at the given mark prices (price atoms,
   * indexed by market slot), written to `out`. Settlement-asset collateral only; other collateral and funding are
   * left to the exact path.
   */
  slackAll(marks: Float64Array, out: Float64Array): void {
    const { cash, posStart, posMarket, posSize, posCost, markets } = this;
    for (let a = 0; a < cash.length; a++) {
      let slack = cash[a] as number;
      for (let k = posStart[a] as number; k < (posStart[a + 1] as number); k++) {
        const mi = posMarket[k] as number;
        const m = markets[mi] as MarketFloats;
        const value = (posSize[k] as number) * (marks[mi] as number) * m.valueScale;
        const notional = value < 0 ? -value : value;
        const t = tierFor(m.floors, notional);
        slack += value - (posCost[k] as number) - (notional * (m.ratios[t] as number) - (m.amounts[t] as number));
      }
      out[a] = slack;
    }
  }
}

function tierFor(floors: Float64Array, notional: number): number {
  let t = 0;
  for (let i = 1; i < floors.length; i++) if ((floors[i] as number) < notional) t = i;
  return t;
}
