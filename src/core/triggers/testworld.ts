// Test fixtures for the breach index. Markets are listed through the engine (the standard world plus two markets
// whose schedules take the other paths of the threshold math: a Drift-style size premium and a dYdX-style
// maintenance fraction, both with two tiers); accounts live in a MarginView of their own and are built directly,
// so nothing but the test changes them (the engine would liquidate a ledger in breach, which is not what is under
// test here). Used by the tests beside it; not used by the index.

import { applyTrade, newAccount, ownBorrows, type Account } from '../account/account.js';
import { Engine } from '../engine/engine.js';
import { standardSetup, TEST_CONFIG, USDC } from '../engine/testkit.js';
import { evaluateAccount, type MarginView } from '../margin/evaluate.js';
import { isBreached, type BreachRule } from '../margin/thresholds.js';
import { continuousMaintenanceAmounts, validateSchedule, type MarginTier } from '../market/schedule.js';
import { positionValue, type AssetSpec, type MarketSpec } from '../market/spec.js';
import type { MarketState } from '../market/state.js';
import { dec, ppm, price, quote, size, type Ppm } from '../units/index.js';
import { BreachIndex, type BreachIndexOptions } from './breach-index.js';

function tiers(rows: readonly (readonly [string, bigint, bigint])[]): MarginTier[] {
  const base = rows.map(([floor, initial, maintenance]) => ({ notionalFloor: quote(dec(floor, 6)), initialPpm: ppm(initial), maintenancePpm: ppm(maintenance) }));
  const amounts = continuousMaintenanceAmounts(base);
  return base.map((t, i) => ({ ...t, maintenanceAmount: amounts[i] ?? quote(0n) }));
}

/** ALT-PERP: 0.1 ALT steps, 0.001 USD ticks, two tiers and a Drift size premium (irregular: local bounds only). */
export const ALT_PERP: MarketSpec = {
  id: 'ALT-PERP',
  baseDecimals: 1,
  priceDecimals: 3,
  tickSize: price(1n),
  stepSize: size(1n),
  margin: {
    tiers: tiers([
      ['0', 100_000n, 50_000n],
      ['20000', 200_000n, 100_000n],
    ]),
    sizePremium: { imfFactor: 3_000n },
  },
};

/** DYD-PERP: dYdX-style maintenance = initial x fraction, two tiers (no maintenance amount on that path). */
export const DYD_PERP: MarketSpec = {
  id: 'DYD-PERP',
  baseDecimals: 2,
  priceDecimals: 2,
  tickSize: price(1n),
  stepSize: size(1n),
  margin: {
    tiers: tiers([
      ['0', 50_000n, 30_000n],
      ['30000', 100_000n, 60_000n],
    ]),
    maintenanceFraction: { fractionPpm: ppm(600_000n) },
  },
};

export const MARKETS = ['BTC-PERP', 'ETH-PERP', 'ALT-PERP', 'DYD-PERP'] as const;
export type MarketId = (typeof MARKETS)[number];
/** Starting mark of each market, in its price atoms. */
export const START: Record<MarketId, bigint> = {
  'BTC-PERP': 10_000_000n,
  'ETH-PERP': 300_000n,
  'ALT-PERP': 20_000n,
  'DYD-PERP': 150_000n,
};

export function problemsOfTestMarkets(): string[] {
  return [ALT_PERP, DYD_PERP].flatMap((m) => validateSchedule(m.margin).map((p) => `${m.id}.${p.path}: ${p.message}`));
}

const T0 = 1_000_000;

/** A margin view over the engine's markets and assets, with accounts the test builds and changes itself. */
export class TestWorld implements MarginView {
  readonly quoteDecimals = TEST_CONFIG.settlement.decimals;
  readonly settlementAsset = USDC;
  marginValuation: 'mark' | 'entry' = 'mark';
  /** Scales every requirement, as a margin-call view does (unset: as is). */
  requirementScalePpm?: Ppm;
  rule: BreachRule = 'at_or_below';
  readonly accounts = new Map<string, Account>();
  /** The next account number (Account.no): a test may delete accounts, so not the Map's size. */
  private nextNo = 0;

  constructor(private readonly engine: Engine) {}

  market(id: string): MarketState | undefined {
    return this.engine.market(id);
  }

  asset(id: string): AssetSpec | undefined {
    return this.engine.state.asset(id);
  }

  /** Lists a market (no price yet) through the engine. */
  list(spec: MarketSpec): void {
    this.engine.apply({ kind: 'set_market', tsMs: T0, market: spec });
  }

  /** An index over this world's accounts (`options`: the engine's, e.g. exactRows and slopeRows). */
  breachIndex(options: Partial<Pick<BreachIndexOptions, 'exactRows' | 'slopeRows'>> = {}): BreachIndex {
    return new BreachIndex({ view: this, account: (id) => this.accounts.get(id), rule: () => this.rule, ...options });
  }

  account(id: string): Account {
    let a = this.accounts.get(id);
    if (a === undefined) {
      a = newAccount(id, this.nextNo++);
      this.accounts.set(id, a);
    }
    return a;
  }

  state(id: string): MarketState {
    const s = this.market(id);
    if (s === undefined) throw new Error(`no market ${id}`);
    return s;
  }

  /** Sets a market's prices directly in the state the index reads (as a tick does), index defaulting to the mark. */
  setPrices(id: string, mark: bigint | null, index: bigint | null = mark): void {
    const s = this.state(id);
    s.markPrice = mark === null ? null : price(mark);
    s.indexPrice = index === null ? null : price(index);
  }

  deposit(id: string, asset: string, amount: bigint): void {
    const a = this.account(id);
    a.balances.set(asset, (a.balances.get(asset) ?? 0n) + amount);
  }

  borrow(id: string, asset: string, amount: bigint): void {
    const a = this.account(id);
    ownBorrows(a).set(asset, (a.borrows.get(asset) ?? 0n) + amount);
  }

  /**
   * Trades `delta` base atoms at `px` (positive = buy). `isolatedMargin`, for a new or isolated position, moves
   * that much from the settlement balance into it. Realised PnL goes to the position's margin as the engine's does.
   */
  trade(id: string, market: string, delta: bigint, px: bigint, isolatedMargin?: bigint): void {
    const a = this.account(id);
    const st = this.state(market);
    const n = positionValue(st.spec, this.quoteDecimals, delta < 0n ? -delta : delta, px, 'floor');
    const before = a.positions.get(market);
    const effect = applyTrade(before?.size ?? 0n, before?.entryQuote ?? 0n, delta, delta > 0n ? -n : n);
    let iso = before === undefined ? (isolatedMargin === undefined ? null : 0n) : before.isolatedMargin;
    if (iso === null) this.deposit(id, USDC, effect.realisedPnl);
    else {
      iso += effect.realisedPnl;
      if (isolatedMargin !== undefined) {
        iso += isolatedMargin;
        this.deposit(id, USDC, -isolatedMargin);
      }
    }
    if (effect.size === 0n) {
      a.positions.delete(market);
      if (iso !== null) this.deposit(id, USDC, iso);
      return;
    }
    a.positions.set(market, {
      market,
      size: effect.size,
      entryQuote: effect.entryQuote,
      fundingIndex: before?.fundingIndex ?? st.fundingIndex,
      isolatedMargin: iso === null ? null : quote(iso),
    });
  }

  /** The exact state of one ledger (null: the account cannot be priced). */
  isBreached(id: string, ledger: string | null = null): boolean | null {
    const ev = evaluateAccount(this, this.account(id));
    if (!ev.priced) return null;
    const f = ledger === null ? ev.cross : ev.isolated.find((x) => x.market === ledger);
    if (f === undefined) throw new Error(`no ledger ${id}/${ledger ?? 'cross'}`);
    return isBreached(f.equity, f.maintenance, this.rule);
  }
}

/** The standard world's markets and BTC collateral, ALT and DYD listed, all priced at START. */
export function testWorld(): TestWorld {
  const e = Engine.create(TEST_CONFIG);
  for (const c of standardSetup(T0)) e.apply(c);
  const w = new TestWorld(e);
  for (const m of [ALT_PERP, DYD_PERP]) w.list(m);
  for (const m of MARKETS) w.setPrices(m, START[m]);
  return w;
}

/** Typical size of a position (atoms) per market: a few thousand USD of notional, up to ~100k. */
export const TEST_SIZE: Record<MarketId, bigint> = { 'BTC-PERP': 100n, 'ETH-PERP': 300n, 'ALT-PERP': 3_000n, 'DYD-PERP': 500n };

/** A position opened by a property test: TEST_SIZE x sizeScale at entryBps from the mark, margin in bps of its notional. */
export interface TestOpen {
  readonly account: string;
  readonly market: MarketId;
  readonly long: boolean;
  readonly sizeScale: number;
  readonly entryBps: number;
  readonly isolated: boolean;
  /** Margin put up with the trade, in basis points of its notional (cross: deposited; isolated: set aside). */
  readonly marginBps: number;
}

/** Deposits the margin and trades the position (isolated only where the account holds the market isolated or not at all). */
export function openTestPosition(w: TestWorld, o: TestOpen): void {
  const st = w.state(o.market);
  const mark = st.markPrice ?? START[o.market];
  const pxRaw = (mark * BigInt(10_000 + o.entryBps)) / 10_000n;
  const px = pxRaw < 1n ? 1n : pxRaw;
  const sz = TEST_SIZE[o.market] * BigInt(o.sizeScale);
  const margin = (positionValue(st.spec, 6, sz, px, 'ceil') * BigInt(o.marginBps)) / 10_000n;
  w.deposit(o.account, USDC, margin);
  const existing = w.account(o.account).positions.get(o.market);
  const isolated = o.isolated && (existing === undefined || existing.isolatedMargin !== null);
  w.trade(o.account, o.market, o.long ? sz : -sz, px, isolated ? margin : undefined);
}
