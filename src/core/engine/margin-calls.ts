// Margin calls: a call when a ledger falls below maintenance x (1 + buffer), once per crossing, with hysteresis.
//
// Two levels of the same state, requirements scaled (core/triggers):
// - the call level (requirements x (1 + buffer)) watches the accounts not called: a ledger entering breach there is
//   called (unless it is already in breach of maintenance: then it is being liquidated, not called);
// - the recovery level (requirements x (1 + the recovery buffer): the rulebook's marginCallRecoveryBufferPpm, else
//   1.25 x buffer) watches the accounts called: when every ledger of the
//   account is back above that higher level, the account returns to the call level and can be called again (the
//   engine tells the release: MarginCallCleared).
// The gap between the two levels is the hysteresis: an account hovering at the call level is called once, not on
// every tick that crosses it (which would also make every such tick re-evaluate it). An account at the recovery
// level gets no call for its other ledgers until it returns (documented approximation).
// Which accounts are called is state (EnforcementState.marginCalled, in snapshots); the index is derived.
//
// The engine's index ('index' strategy) is ONE BreachIndex with two levels (BreachIndexOptions.upperLevel): each
// account is watched at its level only, and a call or a recovery moves it with BreachIndex.setLevel(), its ledgers
// re-keyed in place in the same heaps (one lookup of the account, one key change per ledger and heap). A ledger
// armed at an exact boundary (one position and settlement cash) keeps its boundary at the level it leaves: an account
// hovering around its call level returns from boundaries it already has, not evaluated again, as long as it does
// not change (any change reaches the index through reindex(), which drops the kept boundaries) and nothing is
// re-armed. A slope-bound ledger (several positions) whose threshold a tick crosses is first screened in floats
// (triggers/slack-screen.ts): still certainly on the same side of its level, it is re-armed without an exact
// evaluation (at the recovery level, where no figures are reported, in either state; at the call level only when
// above it). No prices are built for the breaches reported.
// Until 2026-12-03 the levels were two indexes, an account suspended in one and resumed in the other on every call
// and recovery; the verifier's naive scan ('scan' strategy) still runs that way, a detector per level (suspend /
// resume): the reference the engine's property tests compare the index with.

import { emptyArray } from '../arrays.js';
import { assert } from '../assert.js';
import { ppm, PPM_ONE, type Ppm } from '../units/index.js';
import { BreachIndex, type LedgerBreach, type LedgerRef } from '../triggers/breach-index.js';
import { createDetector, indexAccounts, type BreachDetector, type DetectionStrategy } from '../triggers/detector.js';
import type { AssetSpec, MarketState } from '../market/index.js';
import type { MarginView } from '../margin/evaluate.js';
import type { EngineState } from './state.js';
import type { LiquidationRules } from '../rulebooks/liquidation.js';

/**
 * The state's margin seen with every requirement scaled (a call or a recovery level): a view that reads the state,
 * not an object inheriting from it. With the state as the views' prototype (Object.create), a dropped engine's whole
 * state outlived it through the views' hidden classes, which V8 keeps for some full GCs after their last use: at 1M
 * accounts the crash bench's first world was still in the heap while the second was built.
 */
class ScaledView implements MarginView {
  constructor(
    private readonly s: EngineState,
    readonly requirementScalePpm: Ppm,
  ) {}

  get quoteDecimals(): number {
    return this.s.quoteDecimals;
  }

  get settlementAsset(): string {
    return this.s.settlementAsset;
  }

  get marginValuation(): 'mark' | 'entry' {
    return this.s.marginValuation;
  }

  market(id: string): MarketState | undefined {
    return this.s.market(id);
  }

  asset(id: string): AssetSpec | undefined {
    return this.s.asset(id);
  }
}

/** The buffers of the two margin-call levels: requirements x (1 + call) for a call, x (1 + recovery) for its clearance. */
export interface CallLevels {
  readonly callPpm: Ppm;
  readonly recoveryPpm: Ppm;
}

/**
 * The rulebook's call levels: its recovery buffer, else 1.25 times the call buffer (Binance 25% -> a call at 1.25 MM,
 * cleared above 1.3125 MM). The one place the default is decided.
 */
export function callLevelsOf(rules: Pick<LiquidationRules, 'marginCallBufferPpm' | 'marginCallRecoveryBufferPpm'>): CallLevels {
  const callPpm = rules.marginCallBufferPpm;
  return { callPpm, recoveryPpm: rules.marginCallRecoveryBufferPpm ?? ppm((callPpm * 5n) / 4n) };
}

/** The two levels' views of the state: the call level's, then the recovery level's. */
export function levelViews(s: EngineState, levels: CallLevels): { readonly call: MarginView; readonly recovery: MarginView } {
  return { call: new ScaledView(s, ppm(PPM_ONE + levels.callPpm)), recovery: new ScaledView(s, ppm(PPM_ONE + levels.recoveryPpm)) };
}

export interface MarginCallNotice {
  readonly breach: LedgerBreach;
}

export class MarginCalls {
  /** 'index': one two-level BreachIndex (call level below, recovery level above). */
  private readonly levels: BreachIndex | null;
  /** 'scan' (the verifier's reference): a detector per level, an account followed by one of them at a time. */
  private readonly call: BreachDetector | null;
  private readonly recovery: BreachDetector | null;
  /** Accounts a ledger of which came back above the recovery level this tick (an account may repeat: deduplicated when settled). */
  private readonly recovered: string[] = [];
  /** Accounts released by the current settleRecoveries() (told to its caller: MarginCallCleared). */
  private releasedTo: string[] = [];
  /** An account leaving the recovery level is no longer called (false: it was not). */
  private readonly release = (id: string): boolean => {
    if (!this.called.delete(id)) return false;
    this.releasedTo.push(id);
    return true;
  };
  /** settleRecoveries() while deferred (dropRecoveries): nobody is released. */
  private readonly keep = (): boolean => false;
  /** What setLevel() reports of an account moving up (nothing: the recovery level reports no breaches). */
  private readonly none: LedgerBreach[] = [];

  constructor(
    private readonly s: EngineState,
    readonly callLevels: CallLevels,
    detection: DetectionStrategy = 'index',
    /** Accounts expected (BreachIndexOptions.capacity): a restore's indexes are built before its accounts exist. */
    capacity = 0,
  ) {
    const views = levelViews(s, callLevels);
    const rule = () => s.rulebook.breachRule;
    const account = s.watched;
    const onRecover = (ref: LedgerRef) => {
      this.recovered.push(ref.account);
    };
    const called = this.called;
    if (detection === 'index') {
      // A call announces the ledger's equity and maintenance, never the prices of the breach: none are built. At the
      // recovery level only which accounts are below it matters, never the figures of that "breach".
      this.levels = new BreachIndex({
        view: views.call,
        account,
        accountNumber: s.accountNumber,
        rule,
        keepRecovered: true,
        reportPrices: false,
        baseView: s,
        exactRows: true,
        slopeRows: true,
        // Most accounts are not called (none in a fresh world): the size first spares a restore's 1M fresh ids their
        // string hashes (~0.1 s; a Set hashes a string it meets the first time).
        upperLevel: { view: views.recovery, holds: (id) => called.size > 0 && called.has(id) },
        capacity,
        capacityMarkets: s.markets.size,
      });
      this.call = null;
      this.recovery = null;
      this.indexAll();
      return;
    }
    this.levels = null;
    const call = createDetector(detection, { view: views.call, account, rule, reportPrices: false });
    const recovery = createDetector(detection, { view: views.recovery, account, rule, onRecover, reportBreaches: false });
    this.call = call;
    this.recovery = recovery;
    this.indexAll();
  }

  /**
   * Indexes every account of the state (the constructor does; Engine.restore again once the accounts it built the
   * indexes before are in: the indexes still empty, this is their first look).
   */
  indexAll(): void {
    const s = this.s;
    const called = this.called;
    if (this.levels !== null) {
      // What reindex() of every account would do, in bulk: each account at its level, in the accounts' order.
      indexAccounts(this.levels, s.watchedAccounts(), s.accounts.size);
      return;
    }
    const { call, recovery } = this;
    if (call === null || recovery === null) return; // never: the levels or both detectors exist
    // The accounts not called in the call detector, the called ones in the recovery detector.
    indexAccounts(call, s.watchedAccounts((id) => !called.has(id)), s.accounts.size - called.size);
    indexAccounts(recovery, s.watchedAccounts((id) => called.has(id)), called.size);
  }

  /** The 'index' strategy's two-level index (null under 'scan'): a restore builds it with the others (indexTogether). */
  get levelIndex(): BreachIndex | null {
    return this.levels;
  }

  private get called(): Set<string> {
    return this.s.enforcement.marginCalled;
  }

  /** Re-arms an account at its level; newly-below-call-level ledgers are added to `out`. */
  reindex(id: string, out: LedgerBreach[]): void {
    if (this.levels !== null) {
      for (const b of this.levels.reindex(id)) if (b.newly) out.push(b);
      return;
    }
    const [call, recovery] = this.pair();
    if (this.called.has(id)) {
      call.remove(id);
      recovery.reindex(id);
    } else {
      recovery.remove(id);
      for (const b of call.reindex(id)) if (b.newly) out.push(b);
    }
  }

  onPrice(market: string, out: LedgerBreach[]): void {
    if (this.levels !== null) {
      for (const b of this.levels.onPrice(market)) if (b.newly) out.push(b);
      return;
    }
    const [call, recovery] = this.pair();
    for (const b of call.onPrice(market)) if (b.newly) out.push(b);
    recovery.onPrice(market);
  }

  reindexMarket(market: string, out: LedgerBreach[]): void {
    if (this.levels !== null) {
      for (const b of this.levels.reindexMarket(market)) if (b.newly) out.push(b);
      return;
    }
    const [call, recovery] = this.pair();
    for (const b of call.reindexMarket(market)) if (b.newly) out.push(b);
    recovery.reindexMarket(market);
  }

  reindexAll(out: LedgerBreach[]): void {
    if (this.levels !== null) {
      for (const b of this.levels.reindexAll()) if (b.newly) out.push(b);
      return;
    }
    const [call, recovery] = this.pair();
    for (const b of call.reindexAll()) if (b.newly) out.push(b);
    recovery.reindexAll();
  }

  /**
   * The account was called: from now on only its recovery is watched. `slot`: the call index's LedgerBreach.slot of
   * the breach called (spares the index a lookup of the account).
   */
  markCalled(id: string, slot = -1): void {
    const called = this.called;
    const before = called.size;
    if (called.add(id).size === before) return; // called already (one lookup, not has() then add())
    if (this.levels !== null) {
      this.levels.setLevel(id, true, this.none, slot);
      emptyArray(this.none);
      return;
    }
    const [call, recovery] = this.pair();
    call.suspend(id);
    recovery.resume(id);
  }

  /**
   * Accounts whose ledgers all came back above the recovery level return to the call level: each is added to
   * `released` (no longer called; in no particular order). Ledgers that are below the call level again by then are
   * reported in `out` (a new crossing).
   */
  settleRecoveries(out: LedgerBreach[], released: string[]): void {
    if (this.levels !== null) {
      // The index keeps the recovered accounts by slot (no id looked up in its Map for each): each account once.
      const at = out.length;
      this.releasedTo = released;
      this.levels.settleRecovered(this.release, out);
      dropNotNewly(out, at);
      return;
    }
    this.releasedTo = released;
    const recovered = this.recovered;
    const n = recovered.length;
    if (n === 0) return;
    if (n === 1) {
      // The common tick: one ledger recovered (no copy, no sort).
      const id = recovered[0] as string;
      emptyArray(recovered);
      this.settleRecovery(id, out);
      return;
    }
    // Each account once, in id order.
    const ids = recovered.slice().sort();
    emptyArray(recovered);
    for (let j = 0; j < ids.length; j++) if (j === 0 || ids[j] !== ids[j - 1]) this.settleRecovery(ids[j] as string, out);
  }

  /** Forgets the accounts that recovered since the last settleRecoveries(), releasing none (Engine.resumeMarginCalls). */
  dropRecoveries(): void {
    if (this.levels !== null) {
      this.levels.settleRecovered(this.keep, this.none);
      emptyArray(this.none);
      return;
    }
    emptyArray(this.recovered);
  }

  /**
   * The account watched at the level of its called state, as `called` says (the called set already says so), nothing
   * announced: Engine.resumeMarginCalls, with the two-level index. Ledgers below the call level found moving down are
   * added to `out`.
   */
  moveLevel(id: string, called: boolean, out: LedgerBreach[]): void {
    assert(this.levels !== null, 'MarginCalls.moveLevel: the scan strategy does not defer calls');
    this.levels.setLevel(id, called, out);
  }

  private settleRecovery(id: string, out: LedgerBreach[]): void {
    const [call, recovery] = this.pair();
    if (recovery.isAccountBreached(id) || !this.release(id)) return;
    recovery.suspend(id);
    for (const b of call.resume(id)) if (b.newly) out.push(b);
  }

  private pair(): [BreachDetector, BreachDetector] {
    return [this.call as BreachDetector, this.recovery as BreachDetector];
  }
}

/** Keeps out[at..] that are `newly` (in order). */
function dropNotNewly(out: LedgerBreach[], at: number): void {
  let k = at;
  for (let j = at; j < out.length; j++) if ((out[j] as LedgerBreach).newly) out[k++] = out[j] as LedgerBreach;
  if (k !== out.length) out.length = k; // a store to length is a runtime call even when it changes nothing
}
