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
import { pow10, price } from '../units/index.js';
import { requirementContext, type MarginView } from './evaluate.js';

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
  // The multiplier the exact path applies (the view may scale requirements, e.g. to a margin-call level).
  const mult = Number(requirementContext(view, m, m.markPrice ?? price(1n)).volatilityMultiplierPpm) / 1e6;
  return {
    valueScale: Number(pow10(view.quoteDecimals)) / Number(pow10(m.spec.baseDecimals + m.spec.priceDecimals)),
    floors: Float64Array.from(tiers, (t) => Number(t.notionalFloor)),
    ratios: Float64Array.from(tiers, (t) => (Number(t.maintenancePpm) / 1e6) * mult),
    amounts: Float64Array.from(tiers, (t) => Number(t.maintenanceAmount) * mult),
  };
}

export interface ScreenOptions {
  /** Also screen each isolated position as a row of its own (cash = its isolated margin). Default: cross only. */
  readonly isolated?: boolean;
}

/**
 * A snapshot of margin ledgers as typed arrays, one row per ledger: the account's cross margin (its settlement
 * balance and its cross positions: market index, size, cost), and with `isolated` each isolated position (its
 * isolated margin and the position). Build once, then screen against any prices.
 */
export class MarginScreen {
  /** The account of each row. */
  readonly accountIds: string[] = [];
  /** The ledger of each row: null = cross, else the isolated position's market. */
  readonly ledgers: (string | null)[] = [];
  private readonly markets: MarketFloats[] = [];
  private readonly marketIndex = new Map<string, number>();
  private cash = new Float64Array(0);
  private posStart = new Int32Array(0);
  private posMarket = new Int32Array(0);
  private posSize = new Float64Array(0);
  private posCost = new Float64Array(0);

  constructor(view: MarginView, marketStates: Iterable<MarketState>, accounts: Iterable<Account>, options: ScreenOptions = {}) {
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
      this.ledgers.push(null);
      cash.push(Number(a.balances.get(view.settlementAsset) ?? 0n));
      for (const p of a.positions.values()) {
        if (p.isolatedMargin !== null) continue;
        pm.push(this.marketIndex.get(p.market) ?? -1);
        ps.push(Number(p.size));
        pc.push(Number(p.entryQuote));
      }
      starts.push(pm.length);
      if (options.isolated !== true) continue;
      for (const p of a.positions.values()) {
        if (p.isolatedMargin === null) continue;
        this.accountIds.push(a.id);
        this.ledgers.push(p.market);
        cash.push(Number(p.isolatedMargin));
        pm.push(this.marketIndex.get(p.market) ?? -1);
        ps.push(Number(p.size));
        pc.push(Number(p.entryQuote));
        starts.push(pm.length);
      }
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

  /**
   * The rows the exact path must confirm at these marks: screened slack within the error band of zero or below
   * (SCREEN_RELATIVE_BAND of the row's gross terms, plus ROW_ATOMS per position for the exact path's roundings).
   * Writes their row numbers to `out` (at least `size` long) and returns how many. No allocation.
   */
  flag(marks: Float64Array, out: Int32Array): number {
    const { cash, posStart, posMarket, posSize, posCost, markets } = this;
    let n = 0;
    for (let a = 0; a < cash.length; a++) {
      const c = cash[a] as number;
      let slack = c;
      let gross = c < 0 ? -c : c;
      const end = posStart[a + 1] as number;
      for (let k = posStart[a] as number; k < end; k++) {
        const mi = posMarket[k] as number;
        const m = markets[mi] as MarketFloats;
        const value = (posSize[k] as number) * (marks[mi] as number) * m.valueScale;
        const notional = value < 0 ? -value : value;
        const t = tierFor(m.floors, notional);
        const cost = posCost[k] as number;
        const requirement = notional * (m.ratios[t] as number) - (m.amounts[t] as number);
        slack += value - cost - requirement;
        gross += 2 * notional + (cost < 0 ? -cost : cost) + (m.amounts[t] as number) + ROW_ATOMS;
      }
      if (slack <= gross * SCREEN_RELATIVE_BAND + ROW_ATOMS) out[n++] = a;
    }
    return n;
  }
}

/** Quote atoms of the exact path's roundings per position (value floor, notional and requirement ceilings). */
const ROW_ATOMS = 8;

function tierFor(floors: Float64Array, notional: number): number {
  let t = 0;
  for (let i = 1; i < floors.length; i++) if ((floors[i] as number) < notional) t = i;
  return t;
}

// ---- one ledger, for ranking ---------------------------------------------------------------------------------

/** A float value and a bound on its distance from the exact one. */
export interface Screened {
  readonly value: number;
  readonly error: number;
}

/**
 * A ledger's equity in floats, with a bound on its error against evaluate.ts: an isolated position's margin, or the
 * cross ledger's settlement cash, plus each position's value at the mark less its cost and the funding it owes.
 * Per term the exact path rounds once (value down, funding up: at most one atom each) and the floats add a relative
 * 2^-53 per operation; the bound takes 2 atoms per position and 1e-12 of the sum of |terms|. Null when the ledger
 * holds what this screen does not value (collateral other than the settlement asset, debts) or a market has no mark:
 * the caller then evaluates exactly.
 */
export function screenLedgerEquity(view: MarginView, account: Account, ledgerMarket: string | null): Screened | null {
  let equity: number;
  let magnitude: number;
  let atoms = 0;
  if (ledgerMarket === null) {
    for (const [asset, amount] of account.balances) if (asset !== view.settlementAsset && amount !== 0n) return null;
    for (const debt of account.borrows.values()) if (debt !== 0n) return null;
    equity = Number(account.balances.get(view.settlementAsset) ?? 0n);
    magnitude = Math.abs(equity);
  } else {
    equity = 0;
    magnitude = 0;
  }
  for (const p of account.positions.values()) {
    const isolated = p.isolatedMargin !== null;
    if (ledgerMarket === null ? isolated : p.market !== ledgerMarket) continue;
    const m = view.market(p.market);
    if (m === undefined || m.markPrice === null) return null;
    const size = Number(p.size);
    const value = (size * Number(m.markPrice) * 10 ** view.quoteDecimals) / 10 ** (m.spec.baseDecimals + m.spec.priceDecimals);
    const funding = m.fundingIndex === p.fundingIndex ? 0 : (size * Number(m.fundingIndex - p.fundingIndex)) / (10 ** m.spec.baseDecimals * 1e9);
    const margin = isolated ? Number(p.isolatedMargin) : 0;
    const cost = Number(p.entryQuote);
    equity += margin + value - cost - funding;
    magnitude += Math.abs(margin) + Math.abs(value) + Math.abs(cost) + Math.abs(funding);
    atoms += 2;
  }
  return { value: equity, error: atoms + 1e-12 * magnitude + 1 };
}
