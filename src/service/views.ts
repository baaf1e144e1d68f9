// What the read routes and streams answer: the engine's figures as wire JSON (bigint atoms -> decimal strings in the
// unit each field is declared in, ratios as fractions), built from the core's own functions (risk-view.ts,
// thresholds, prices.ts guards, receipt facts). Nothing here decides anything: it reads and formats.

import { ledgerKey } from '../core/engine/block.js';
import type { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import { enforceable, priceValid } from '../core/engine/prices.js';
import { accountRisk, AdlRanker, type LedgerRisk, type PositionRisk } from '../core/engine/risk-view.js';
import { ledgerMarkets } from '../core/margin/dependencies.js';
import type { MarketState } from '../core/market/state.js';
import { formatDecimal } from '../core/units/index.js';
import type { LiquidationFacts } from '../verify/receipt.js';
import { encodeEvent, type WireEvent } from '../wire/encode.js';
import type { UnitLookup } from '../wire/decode.js';
import { liquidationId, type TapeItem } from './engine-host.js';

type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };

/** How far a market's price can be trusted now (the operator view's word for it). */
export type OracleTrust = 'fresh' | 'stale' | 'clamped' | 'breaker' | 'unpriced';

/**
 * breaker: the market's breaker is tripped (liquidations paused on it); clamped: the last answer was at an
 * aggregator bound; unpriced: no index could be formed, or no price yet; stale: older than the market's
 * maxPriceAgeMs at the engine's time (the breaker trips on it with the next update); else fresh.
 */
export function oracleTrust(m: MarketState, engineTimeMs: number): OracleTrust {
  if (m.price.breaker.state === 'tripped') return 'breaker';
  if (m.price.clamped !== null) return 'clamped';
  if (m.markPrice === null || m.price.unpriced) return 'unpriced';
  const maxAge = m.spec.pricing?.guards.maxPriceAgeMs;
  if (maxAge !== undefined && engineTimeMs - m.priceUpdatedMs > maxAge) return 'stale';
  return 'fresh';
}

export class Views {
  /** ADL ranks for the reads between two commands: each market side is screened once per engine state. */
  private readonly ranker: AdlRanker;

  constructor(
    private readonly engine: Engine,
    private readonly units: UnitLookup,
  ) {
    this.ranker = new AdlRanker(engine.state);
  }

  quote(v: bigint): string {
    return formatDecimal(v, this.engine.state.quoteDecimals);
  }

  private px(market: string, v: bigint | null): string | null {
    if (v === null) return null;
    const m = this.engine.market(market);
    return m === undefined ? v.toString() : formatDecimal(v, m.spec.priceDecimals);
  }

  private sz(market: string, v: bigint): string {
    const m = this.engine.market(market);
    return m === undefined ? v.toString() : formatDecimal(v, m.spec.baseDecimals);
  }

  private static ratio(ppmValue: bigint | null): string | null {
    return ppmValue === null ? null : formatDecimal(ppmValue, 6);
  }

  event(e: EngineEvent): WireEvent {
    const out = encodeEvent(e, this.units);
    return e.kind === 'LiquidationStarted' ? { id: liquidationId(e.seq, e.ordinal), ...out } : out;
  }

  tapeItem(r: TapeItem): WireEvent {
    return this.event(r.event);
  }

  market(m: MarketState): Record<string, Json> {
    const id = m.spec.id;
    const bid = m.book.bestBid();
    const ask = m.book.bestAsk();
    return {
      id,
      baseDecimals: m.spec.baseDecimals,
      priceDecimals: m.spec.priceDecimals,
      mark: this.px(id, m.markPrice),
      index: this.px(id, m.indexPrice),
      priceUpdatedMs: m.priceUpdatedMs,
      openInterest: this.sz(id, m.openInterest),
      oracle: oracleTrust(m, this.engine.timeMs),
      breaker: { state: m.price.breaker.state, reasons: [...m.price.breaker.reasons] },
      clamped: m.price.clamped === null ? null : { bound: m.price.clamped.bound, price: this.px(id, m.price.clamped.price) },
      sources: m.price.sources.map((s) => ({ source: s.source, price: this.px(id, s.price), publishTimeMs: s.publishTimeMs })),
      bestBid: bid === null ? null : { price: this.px(id, bid.price), size: this.sz(id, bid.size) },
      bestAsk: ask === null ? null : { price: this.px(id, ask.price), size: this.sz(id, ask.size) },
      fundingRate: m.price.funding === null ? null : formatDecimal(m.price.funding.currentRate, 9),
      nextFundingMs: m.price.funding?.nextFundingMs ?? null,
    };
  }

  markets(): Record<string, Json>[] {
    return [...this.engine.state.markets.values()].map((m) => this.market(m));
  }

  private ledger(l: LedgerRisk): Record<string, Json> {
    return {
      ledger: l.ledger,
      equity: this.quote(l.equity),
      initialMargin: this.quote(l.initial),
      maintenanceMargin: this.quote(l.maintenance),
      freeCollateral: this.quote(l.freeCollateral),
      marginRatio: Views.ratio(l.marginRatioPpm),
      distanceToThreshold: this.quote(l.slack),
      breached: l.breached,
    };
  }

  private position(p: PositionRisk): Record<string, Json> {
    return {
      market: p.market,
      marginMode: p.marginMode,
      size: this.sz(p.market, p.size),
      entryPrice: this.px(p.market, p.entryPrice),
      markPrice: this.px(p.market, p.mark),
      notional: this.quote(p.notional),
      unrealisedPnl: this.quote(p.unrealisedPnl),
      fundingOwed: this.quote(p.fundingOwed),
      initialMargin: this.quote(p.initial),
      maintenanceMargin: this.quote(p.maintenance),
      liquidationPrice: this.px(p.market, p.liquidationPrice),
      bankruptcyPrice: this.px(p.market, p.bankruptcyPrice),
      distanceToLiquidation: p.distanceToLiquidation === null ? null : this.px(p.market, p.distanceToLiquidation),
      distanceToLiquidationRatio: Views.ratio(p.distanceToLiquidationPpm),
      adlRank: p.adlRank,
      adlQueue: p.adlQueue,
    };
  }

  /** GET /v1/accounts/{id}; undefined for an unknown account. */
  account(id: string): Record<string, Json> | undefined {
    const a = this.engine.account(id);
    const risk = accountRisk(this.engine.state, id, this.ranker);
    if (a === undefined || risk === undefined) return undefined;
    const balances = [...a.balances].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([asset, v]) => {
      const d = this.units.assetDecimals(asset);
      return { asset, amount: d === undefined ? v.toString() : formatDecimal(v, d) };
    });
    const base = { account: id, seq: this.engine.seq, timeMs: this.engine.timeMs, balances, marginCalled: this.engine.state.enforcement.marginCalled.has(id) };
    if (!risk.priced) return { ...base, priced: false, unpriced: [...risk.unpriced] };
    return { ...base, priced: true, cross: this.ledger(risk.cross), isolated: risk.isolated.map((l) => this.ledger(l)), positions: risk.positions.map((p) => this.position(p)) };
  }

  /**
   * GET /v1/accounts/{id}/why-not: per ledger, whether it is in breach, its distance, the price of each market that
   * would put it there (others held still), and what holds it when it is in breach: the pause switch, a halt, a
   * tripped breaker or an invalid price on a market its value depends on, or the deferral its liquidation waits on.
   */
  whyNot(id: string): Record<string, Json> | undefined {
    const a = this.engine.account(id);
    const risk = accountRisk(this.engine.state, id, this.ranker);
    if (a === undefined || risk === undefined) return undefined;
    const s = this.engine.state;
    if (!risk.priced) return { account: id, seq: this.engine.seq, priced: false, unpriced: [...risk.unpriced], ledgers: [] };
    const ledgers = [risk.cross, ...risk.isolated].map((l) => {
      const market = l.ledger === 'cross' ? null : l.ledger;
      const positions = risk.positions.filter((p) => (market === null ? p.marginMode === 'cross' : p.market === market));
      if (market === null && positions.length === 0 && l.maintenance === 0n && !l.breached) return null;
      const guards: Record<string, Json>[] = [];
      if (s.enforcement.paused) guards.push({ guard: 'paused', market: null });
      if (s.guards.halted !== null) guards.push({ guard: 'halted', market: null, reason: s.guards.halted.reason });
      for (const mid of ledgerMarkets(s, a, market)) {
        const m = s.markets.get(mid);
        if (m === undefined || enforceable(m)) continue;
        guards.push({ guard: m.price.breaker.state === 'tripped' ? 'breaker' : priceValid(m) ? 'unpriced' : m.price.clamped !== null ? 'clamped' : 'unpriced', market: mid, oracle: oracleTrust(m, s.timeMs) });
      }
      const episode = s.enforcement.episodes.get(ledgerKey({ account: id, market }));
      const status = !l.breached ? 'not_in_breach' : guards.length > 0 ? 'held' : episode?.deferred !== null && episode?.deferred !== undefined ? 'deferred' : 'in_liquidation';
      return {
        ledger: l.ledger,
        status,
        breached: l.breached,
        breachRule: s.rulebook.breachRule,
        equity: this.quote(l.equity),
        maintenanceMargin: this.quote(l.maintenance),
        distanceToThreshold: this.quote(l.slack),
        guards,
        episode:
          episode === undefined
            ? null
            : { startedMs: episode.startedMs, steps: episode.steps, deferred: episode.deferred, retryAtMs: episode.retry?.atMs ?? null },
        wouldLiquidateAt: positions.map((p) => ({
          market: p.market,
          markPrice: this.px(p.market, p.mark),
          liquidationPrice: this.px(p.market, p.liquidationPrice),
          distanceToLiquidation: p.distanceToLiquidation === null ? null : this.px(p.market, p.distanceToLiquidation),
          distanceToLiquidationRatio: Views.ratio(p.distanceToLiquidationPpm),
        })),
      };
    });
    return { account: id, seq: this.engine.seq, timeMs: this.engine.timeMs, priced: true, ledgers: ledgers.filter((l) => l !== null) };
  }

  /** GET /v1/liquidations/{id}/explain: the step's facts (verify/receipt.ts liquidationFacts) in wire units. */
  explanation(id: string, f: LiquidationFacts, replayFromSeq: number): Record<string, Json> {
    const m = f.market;
    const stages = new Map<string, WireEvent[]>();
    for (const e of f.events) {
      const stage = 'stage' in e && typeof e.stage === 'string' ? e.stage : 'other';
      const list = stages.get(stage) ?? [];
      list.push(this.event(e));
      stages.set(stage, list);
    }
    const l = f.rule.liquidation;
    return {
      id,
      account: f.account,
      ledger: f.ledger,
      market: m,
      step: f.step,
      rule: {
        rulebook: f.rule.rulebook,
        breachRule: f.rule.breachRule,
        marginValuation: f.rule.marginValuation,
        text: `${f.rule.breachRule === 'below' ? 'equity < maintenance margin' : 'equity <= maintenance margin'} at the mark (rulebook ${f.rule.rulebook})`,
        sizing: l.sizing.kind,
        takeover: l.takeover.kind,
      },
      breach: {
        equity: this.quote(f.breach.equity),
        maintenanceMargin: this.quote(f.breach.requirement),
        shortfall: this.quote(f.breach.requirement - f.breach.equity),
        markPrice: this.px(m, f.breach.mark),
        indexPrice: this.px(m, f.breach.index),
        bankruptcyPrice: this.px(m, f.breach.bankruptcyPrice),
        limitPrice: this.px(m, f.breach.limitPrice),
        size: this.sz(m, f.breach.size),
        closeSize: this.sz(m, f.breach.closeSize),
        policy: f.breach.policy,
        why: f.breach.why,
        route: f.breach.route,
      },
      prices: f.prices.map((p) => ({
        market: p.market,
        markPrice: p.mark === null ? null : formatDecimal(p.mark, p.priceDecimals),
        indexPrice: p.index === null ? null : formatDecimal(p.index, p.priceDecimals),
        priceUpdatedMs: p.priceUpdatedMs,
        sources: p.sources.map((s) => ({
          source: s.source,
          price: formatDecimal(s.price, p.priceDecimals),
          publishTimeMs: s.publishTimeMs,
          signature: s.signature ?? null,
          publicKey: s.publicKey ?? null,
        })),
      })),
      waterfall: [...stages].map(([stage, events]) => ({ stage, events })),
      amounts: {
        filledSize: this.sz(m, f.amounts.filledSize),
        fees: this.quote(f.amounts.fees),
        insuranceFundDelta: this.quote(f.amounts.insuranceDelta),
        badDebt: this.quote(f.amounts.badDebt),
      },
      journal: {
        seq: f.journal.seq,
        tsMs: f.journal.tsMs,
        entryHash: f.journal.entryHash,
        recordHash: f.journal.recordHash,
        prevHash: f.journal.prevHash,
        replayFromSnapshotSeq: replayFromSeq,
        replay: `restore the snapshot at seq ${replayFromSeq} (0: the genesis) and apply records ${replayFromSeq + 1}..${f.journal.seq}; record ${f.journal.seq}'s events hold this step`,
      },
    };
  }
}
