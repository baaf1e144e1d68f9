// Margin calls: a call when a ledger falls below maintenance x (1 + buffer), once per crossing, with hysteresis.
//
// Two breach indexes over scaled views of the same state (core/triggers):
// - the call index (requirements x (1 + buffer)) holds the accounts not called: a ledger entering breach there is
//   called (unless it is already in breach of maintenance: then it is being liquidated, not called);
// - the recovery index (requirements x (1 + 1.25 x buffer)) holds the accounts called: when every ledger of the
//   account is back above that higher level, the account returns to the call index and can be called again.
// The gap between the two levels is the hysteresis: an account hovering at the call level is called once, not on
// every tick that crosses it (which would also make every such tick re-evaluate it). An account in the recovery
// index gets no call for its other ledgers until it returns (documented approximation).
// Which accounts are called is state (EnforcementState.marginCalled, in snapshots); the indexes are derived.
//
// Cost: an account moving between the levels is suspended in the index it leaves (BreachIndex.suspend keeps its
// exact boundaries) and resumed in the one it enters, so an account hovering around its call level is re-armed
// from boundaries it already has, not evaluated again, as long as it does not change (any change reaches the
// active index through reindex(), and drops the suspended copy). A slope-bound ledger (several positions) whose
// threshold a tick crosses is first screened in floats (triggers/slack-screen.ts): still certainly on the same side
// of its level, it is re-armed without an exact evaluation (at the recovery level, where no figures are reported,
// in either state; at the call level only when above it). The call index builds no prices for its reports.

import { ppm, PPM_ONE, type Ppm } from '../units/index.js';
import type { LedgerBreach, LedgerRef } from '../triggers/breach-index.js';
import { createDetector, indexAccounts, type BreachDetector, type DetectionStrategy } from '../triggers/detector.js';
import type { EngineState } from './state.js';

/** The recovery level's buffer: 1.25 times the call buffer (Binance 25% -> a call at 1.25 MM, re-armed above 1.3125 MM). */
export function recoveryBufferPpm(callBufferPpm: bigint): Ppm {
  return ppm((callBufferPpm * 5n) / 4n);
}

export interface MarginCallNotice {
  readonly breach: LedgerBreach;
}

export class MarginCalls {
  private readonly call: BreachDetector;
  private readonly recovery: BreachDetector;
  private readonly recovered = new Set<string>();

  constructor(
    private readonly s: EngineState,
    readonly bufferPpm: bigint,
    detection: DetectionStrategy = 'index',
  ) {
    const scaled = (scale: bigint): EngineState => Object.create(s, { requirementScalePpm: { value: PPM_ONE + scale } }) as EngineState;
    const rule = () => s.rulebook.breachRule;
    const account = s.watched;
    // A call announces the ledger's equity and maintenance, never the prices of the breach: none are built.
    this.call = createDetector(detection, { view: scaled(bufferPpm), account, rule, reportPrices: false });
    // Only which accounts are below the recovery level matters, never the figures of that "breach".
    this.recovery = createDetector(detection, {
      view: scaled(recoveryBufferPpm(bufferPpm)),
      account,
      rule,
      onRecover: (ref: LedgerRef) => this.recovered.add(ref.account),
      reportBreaches: false,
    });
    // What reindex() of every account would do, each index built in bulk: the accounts not called in the call index,
    // the called ones in the recovery index (each index sees its accounts in the accounts' order, as one by one).
    const called = this.called;
    indexAccounts(this.call, s.watchedAccounts((id) => !called.has(id)), s.accounts.size - called.size);
    indexAccounts(this.recovery, s.watchedAccounts((id) => called.has(id)), called.size);
  }

  private get called(): Set<string> {
    return this.s.enforcement.marginCalled;
  }

  /** Re-arms an account in whichever index holds it; newly-below-call-level ledgers are added to `out`. */
  reindex(id: string, out: LedgerBreach[]): void {
    if (this.called.has(id)) {
      this.call.remove(id);
      this.recovery.reindex(id);
    } else {
      this.recovery.remove(id);
      for (const b of this.call.reindex(id)) if (b.newly) out.push(b);
    }
  }

  onPrice(market: string, out: LedgerBreach[]): void {
    for (const b of this.call.onPrice(market)) if (b.newly) out.push(b);
    this.recovery.onPrice(market);
  }

  reindexMarket(market: string, out: LedgerBreach[]): void {
    for (const b of this.call.reindexMarket(market)) if (b.newly) out.push(b);
    this.recovery.reindexMarket(market);
  }

  reindexAll(out: LedgerBreach[]): void {
    for (const b of this.call.reindexAll()) if (b.newly) out.push(b);
    this.recovery.reindexAll();
  }

  /** The account was called: from now on only its recovery is watched. */
  markCalled(id: string): void {
    const called = this.called;
    const before = called.size;
    if (called.add(id).size === before) return; // called already (one lookup, not has() then add())
    this.call.suspend(id);
    this.recovery.resume(id);
  }

  /**
   * Accounts whose ledgers all came back above the recovery level return to the call index. Ledgers that are below
   * the call level again by then are reported in `out` (a new crossing).
   */
  settleRecoveries(out: LedgerBreach[]): void {
    const n = this.recovered.size;
    if (n === 0) return;
    if (n === 1) {
      // The common tick: one account recovered (no array, no sort).
      for (const id of this.recovered) {
        this.recovered.delete(id);
        this.settleRecovery(id, out);
      }
      return;
    }
    const ids = [...this.recovered].sort();
    this.recovered.clear();
    for (const id of ids) this.settleRecovery(id, out);
  }

  private settleRecovery(id: string, out: LedgerBreach[]): void {
    if (this.recovery.isAccountBreached(id) || !this.called.delete(id)) return;
    this.recovery.suspend(id);
    for (const b of this.call.resume(id)) if (b.newly) out.push(b);
  }
}
