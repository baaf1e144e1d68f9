// The engine: a deterministic state machine. apply(command) -> events; snapshot() / restore() round-trip exactly.
// No clock, no randomness, no I/O: time arrives with each command.

import { emptyArray, sortSmall } from '../arrays.js';
import { assert, unreachable } from '../assert.js';
import type { Account } from '../account/account.js';
import { evaluateAccount, ledgerMaintenance, type AccountEvaluation } from '../margin/evaluate.js';
import { healthFactor, isBreached, thresholdPrice, type HealthFactor, type ThresholdKind } from '../margin/thresholds.js';
import type { MarketState } from '../market/state.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import type { Price, Quote } from '../units/index.js';
import { isAuctionCommand, type Command } from './commands.js';
import type { EngineEvent, EventBody } from './events.js';
import { applyBorrow, applyDeposit, applyInsuranceDeposit, applyRepay, applyWithdraw } from './funds.js';
import { advanceMarkets, type TimeUndo, applyFundingRate, applyMarketData, applyPriceUpdate, applySourcePrice } from './prices.js';
import { reject, type CommandRejection } from './reasons.js';
import { cancelChange, confirmChange, proposeChange, type ParameterCommand } from './changes.js';
import { applyHalt, applyResume, haltOnFindings, periodicAuditDue, refuseWhileHalted, runAudit } from './audit.js';
import { applySetAccountGroup } from './groups.js';
import { accountCountHint, accountSnapshot, restoreAccountsUnread, restoreContents, restoreFrame, snapshotState, type AccountReuse, type AccountSnapshot, type RestorableSnapshot, type Snapshot } from './snapshot.js';
import { EngineState, INSURANCE_FUND, type EngineConfig } from './state.js';
import { BreachIndex, type LedgerBreach, type LedgerRef } from '../triggers/breach-index.js';
import { HINT_LEVEL, type BoundaryHints } from '../triggers/boundary-hints.js';
import { createDetector, indexAccounts, indexTogether, type BreachDetector, type BulkIndex, type DetectionStrategy } from '../triggers/detector.js';
import { callLevelsOf, MarginCalls, type CallLevels } from './margin-calls.js';
import { AdlMirror } from './adl-mirror.js';
import { enforceBlock } from './enforcement.js';
import { ledgerKey, newBlock } from './block.js';
import { absorbPendingDeficits } from './deficits.js';
import { applyAdjustIsolatedMargin, applyFill, applySettleFunding } from './trading.js';
import { applyCancelOrder, applyPlaceOrder } from './orders.js';
import { applyAmendConditional, applyCancelConditional, applyPlaceConditional, expireConditionals, fireConditionals } from './conditionals.js';
import { conditionalRules } from '../rulebooks/rulebook.js';
import { applyAuction, syncAuctionClocks } from './auctions.js';
// lending markets (issue 18)
import { applyLending, reviewLendingHealth, lendingAccountData, lendingKeeperView, type LendingKeeperView } from './lending.js';
import { isLendingCommand } from './lending-commands.js';
import type { AccountData } from '../lending/aave-reserve.js';
import { morphoKeeperView } from './lending-morpho.js';
import { cometKeeperView, reviewCometInterest, type CometKeeperView } from './lending-comet.js';
import type { MorphoOpportunity } from '../lending/keeper.js';

/** How an engine is built (none of it is state: a snapshot restores under any options). */
export interface EngineOptions {
  /**
   * How ledgers in breach are found: 'index' (the breach index, default) or 'scan' (every account evaluated exactly
   * on every call; the verifier's). Both give the same events, byte for byte (core/triggers/detector.ts).
   */
  readonly detection?: DetectionStrategy;
  /**
   * Whether ADL queues screen the holders from a float mirror kept up to date between commands (adl-mirror.ts;
   * default) or from the accounts at each queue (the reference: the same events, adl-mirror.test.ts).
   */
  readonly adlMirror?: boolean;
  /**
   * Engine.restore of a snapshot taken between two sweeps of margin calls (marginCallsUnsettled): refused unless this
   * is true, and then the call index is built at the restored state, as if it had followed every change, so later
   * calls may differ from the engine that took the snapshot (the liquidations do not). For what-if copies of a live
   * engine (preview, simulate), never for recovery.
   */
  readonly restoreUnsettledCalls?: boolean;
  /**
   * Engine.restore only: exact boundaries a helper computes from the same inputs while the restore reads the accounts
   * (core/triggers/boundary-hints.ts; the journal's recovery runs one on a second thread). The restored engine is the
   * same with or without them; they spare the indexes searches.
   */
  readonly boundaryHints?: BoundaryHints;
}

/** Accounts a restore hands its boundary hints at a time, a chunk before the indexes arm them (handAhead). */
const HINT_CHUNK = 2048;

/**
 * Events that name an account without changing its balances, positions or borrows (what margin, the state root and
 * the ADL mirror read): a resting order placed or cancelled, a conditional order's bookkeeping. Their account is not
 * re-armed for them: a maker re-quoting its book would otherwise be re-evaluated in both indexes on every order. A
 * fill is a trade, with its own PositionChanged events for both sides.
 */
const KEEPS_ACCOUNT: ReadonlySet<EngineEvent['kind']> = new Set<EngineEvent['kind']>([
  'OrderPlaced',
  'OrderCancelled',
  'ConditionalPlaced',
  'ConditionalAmended',
  'ConditionalCancelled',
  'ConditionalTriggered',
  'ConditionalRefused',
]);

/**
 * The commands margin calls taken from records (Engine.deferMarginCalls) go on through: what they change reaches the
 * call index as a sweep's would (the accounts their events name, the markets whose prices or funding moved). Any other
 * (a parameter change that may take effect: the call level, the interval, a market's or an asset's terms; a lending or
 * auction command) catches the call index up first, and the engine computes the calls itself from then on.
 */
const CALLS_DEFERRABLE: ReadonlySet<Command['kind']> = new Set<Command['kind']>([
  'price',
  'source_price',
  'market_data',
  'tick',
  'funding_rate',
  'settle_funding',
  'deposit',
  'withdraw',
  'insurance_deposit',
  'fill',
  'adjust_isolated_margin',
  'place_order',
  'cancel_order',
  'place_conditional',
  'cancel_conditional',
  'amend_conditional',
  'borrow',
  'repay',
  'set_account_group',
  'cancel_change',
  'set_liquidation_pause',
  'halt',
  'resume',
  'audit',
]);

export class Engine {
  /** Ledgers in breach (derived from the state; rebuilt on restore). */
  private readonly index: BreachDetector;
  private readonly detection: DetectionStrategy;
  /** Margin calls, when the rulebook sets a call level (margin-calls.ts). */
  private calls: MarginCalls | null = null;
  /** The holders' float mirror the ADL queues screen from, when the rulebook deleverages by ADL (adl-mirror.ts). */
  private adlMirror: AdlMirror | null = null;
  private readonly mirrorWanted: boolean;
  /** Markets whose prices moved during the current command, in order (an array: a Set's clear() per tick costs more). */
  private readonly pricesMoved: string[] = [];
  /**
   * Margin calls swept at an interval (rulebook liquidation.marginCallIntervalMs > 0): what the call index has not
   * followed since the last sweep (accounts changed, markets whose prices or funding moved), the ledgers below the
   * call level found this command by a full re-arm (parameters changed: announced at this command's end).
   */
  private readonly callAccounts = new Set<string>();
  private readonly callMarkets = new Set<string>();
  private readonly callFunding = new Set<string>();
  private readonly callsFound: LedgerBreach[] = [];
  /** The accounts the call index released this command (announceCleared). */
  private readonly released: string[] = [];
  /**
   * Margin calls taken from records (deferMarginCalls): the call index follows nothing and announces nothing; what it
   * must catch up on is noted as between two sweeps (callAccounts, callMarkets, callFunding), and each account's called
   * state as the records last told it in `recordedCalls`.
   */
  private callsDeferred = false;
  private readonly recordedCalls = new Map<string, boolean>();
  private readonly fundingMoved = new Set<string>();
  /**
   * Accounts whose state (balances, positions, borrows) may have changed since the last takeTouched(): every account
   * an accepted command's events name, every account its enforcement block touched, and the insurance fund when it
   * moved. A superset of the changed accounts, never missing one (engine.property.test.ts); the state root rehashes them.
   */
  private readonly changed = new Set<string>();
  /**
   * While liquidations are paused: every ledger in breach has been told so (deferred 'paused') by a full pass, so a
   * command need only look at the ledgers it found newly in breach. Derived, not state: a restored engine starts
   * false and its first pass announces nothing new (deferrals are announced once per reason, in the snapshot).
   */
  private pauseSettled = false;

  private constructor(
    private readonly s: EngineState,
    options: EngineOptions,
    /** Accounts the indexes are sized for at once (a restore's, before they exist); 0: as many as the state holds. */
    private readonly capacity = 0,
  ) {
    this.detection = options.detection ?? 'index';
    this.mirrorWanted = options.adlMirror ?? true;
    this.index = createDetector(this.detection, { view: s, account: s.watched, accountNumber: s.accountNumber, rule: () => s.rulebook.breachRule, exactRows: true, slopeRows: true, capacity: Math.max(capacity, s.accounts.size), capacityMarkets: s.markets.size });
    indexAccounts(this.index, s.watchedAccounts(), s.accounts.size);
    this.syncCallIndex();
    this.syncAdlMirror();
  }

  /** (Re)builds the ADL mirror when the rulebook starts deleveraging by ADL; drops it when it stops. Silent. */
  private syncAdlMirror(): void {
    const adl = this.mirrorWanted && this.s.rulebook.liquidation.deleverage.kind === 'adl';
    if (adl && this.adlMirror === null) this.adlMirror = new AdlMirror(this.s, Math.max(this.capacity, this.s.accounts.size));
    else if (!adl) this.adlMirror = null;
  }

  /** (Re)builds the margin-call indexes when the rulebook's call levels change. Silent: no events. */
  private syncCallIndex(): void {
    const levels = callLevelsOf(this.s.rulebook.liquidation);
    if (!this.callLevelsDiffer(levels)) return;
    this.calls = levels.callPpm === 0n ? null : new MarginCalls(this.s, levels, this.detection, Math.max(this.capacity, this.s.accounts.size));
  }

  /** Whether `levels` differ from the margin-call levels the call index follows (none: no calls). */
  private callLevelsDiffer(levels: CallLevels): boolean {
    const current = this.calls?.callLevels;
    if (current === undefined) return levels.callPpm !== 0n;
    return levels.callPpm !== current.callPpm || (levels.callPpm !== 0n && levels.recoveryPpm !== current.recoveryPpm);
  }

  static create(config: EngineConfig, rulebook: Rulebook = rulebookPreset('binance', config.settlement.decimals) as Rulebook, options: EngineOptions = {}): Engine {
    return new Engine(new EngineState(config, rulebook), options);
  }

  /**
   * The engine of a snapshot. Its indexes (breach, margin calls) and ADL mirror are built on the state before the
   * accounts are read into it, their tables sized for the accounts the snapshot says it holds, then fed the
   * accounts. Why: V8 (Node 20) starts a full GC whenever memory outside the JS heap (typed arrays) grows ~64 MB past
   * its level at the last one, and such a GC marks the whole heap: tables allocated after 1M accounts filled it
   * (~0.9 GB) cost ~0.5-1.9 s each (docs/journal.md). Allocated first, they mark a heap still nearly empty.
   * The same engine as building the state first (restore-ab.mjs: the indexes' and the events' hashes).
   */
  static restore(snapshot: RestorableSnapshot, options: EngineOptions = {}): Engine {
    assert(
      snapshot.marginCallsUnsettled !== true || options.restoreUnsettledCalls === true,
      'snapshot taken between two sweeps of margin calls (marginCallsUnsettled): it cannot be restored exactly; take one when Engine.callsSettled (or restore a what-if copy with restoreUnsettledCalls)',
    );
    const s = restoreFrame(snapshot);
    const count = accountCountHint(snapshot.accounts);
    const engine = new Engine(s, options, count);
    const reread = snapshot.accounts.reread;
    const indexes = engine.bulkIndexes();
    if (reread !== undefined && indexes !== null) {
      // The accounts kept as numbers until read (account-table.ts), each made once for the indexes' one pass and
      // dropped: what the indexes keep of an account is in their own tables.
      restoreContents(s, snapshot, false);
      const accounts = restoreAccountsUnread(s, snapshot.accounts, reread);
      const hints = options.boundaryHints;
      if (hints === undefined) indexTogether(indexes, accounts, count);
      else {
        engine.useHints(hints);
        try {
          indexTogether(indexes, accounts, count, { hints, chunk: HINT_CHUNK });
        } finally {
          engine.useHints(null);
        }
      }
      return engine;
    }
    restoreContents(s, snapshot);
    engine.indexRestored(indexes);
    return engine;
  }

  /** Offers boundary hints to the breach index and the margin-call levels (null: no more). */
  private useHints(hints: BoundaryHints | null): void {
    if (this.index instanceof BreachIndex) this.index.useHints(hints, HINT_LEVEL.breach);
    this.calls?.levelIndex?.useHints(hints, HINT_LEVEL.call);
  }

  /**
   * The indexes a restore builds in one pass over the accounts (indexTogether): the breach index, the margin-call
   * levels and the ADL mirror; null when one of them cannot be built so (the scan strategy, calls without levels).
   */
  private bulkIndexes(): BulkIndex[] | null {
    const levels = this.calls?.levelIndex ?? null;
    if (!(this.index instanceof BreachIndex) || (levels === null && this.calls !== null)) return null;
    const indexes: BulkIndex[] = [this.index];
    if (levels !== null) indexes.push(levels);
    if (this.adlMirror !== null) indexes.push(this.adlMirror);
    return indexes;
  }

  /** Engine.restore, once the accounts are in: the first look of the (still empty) indexes and mirror at them. */
  private indexRestored(indexes: BulkIndex[] | null): void {
    const s = this.s;
    if (indexes !== null) {
      // One pass over the accounts for every index (indexTogether); the ADL mirror skips the venue's accounts, which
      // watchedAccounts() leaves out.
      indexTogether(indexes, s.watchedAccounts(), s.accounts.size);
      return;
    }
    indexAccounts(this.index, s.watchedAccounts(), s.accounts.size);
    this.calls?.indexAll();
    if (this.adlMirror !== null) {
      this.adlMirror.invalidateAll();
      this.adlMirror.flush();
    }
  }

  /** A copy of the whole state; `reuse`: an earlier snapshot's accounts that have not changed since (AccountReuse). */
  snapshot(reuse?: AccountReuse): Snapshot {
    const snapshot = snapshotState(this.s, reuse);
    // Between two sweeps of margin calls the call index has not followed the state: a restore could not rebuild it
    // as it stands (Engine.restore refuses such a snapshot; the journal stores snapshots only when settled).
    return this.callsSettled ? snapshot : Object.assign({ marginCallsUnsettled: true as const }, snapshot);
  }

  /**
   * Whether the margin-call index has followed every change (always, unless calls are swept at an interval:
   * then right after a sweep, and until something changes). A snapshot restores exactly only when settled.
   */
  get callsSettled(): boolean {
    return !this.callsDeferred && this.callAccounts.size === 0 && this.callMarkets.size === 0 && this.callFunding.size === 0;
  }

  /**
   * Margin calls taken from a journal's records instead of computed, for a recovery's replay (journal/durable.ts): from
   * now on apply() neither follows the call index nor announces MarginCall or MarginCallCleared; the replay tells each
   * recorded one (recordMarginCall), and resumeMarginCalls() brings the index up to the state and the called accounts
   * as told, without an event: what a restore from a snapshot taken there would build. A command outside
   * CALLS_DEFERRABLE resumes first. The rest of each command is the engine's own, as always. False (nothing deferred)
   * without a two-level call index, with calls swept at an interval (their records hold calls only at sweeps; that
   * replay is fast already) or between two sweeps.
   */
  deferMarginCalls(): boolean {
    if (this.callsDeferred) return true;
    if (this.calls?.levelIndex == null || this.callIntervalMs > 0 || !this.callsSettled) return false;
    this.callsDeferred = true;
    return true;
  }

  /** Whether margin calls are taken from records (deferMarginCalls) until resumeMarginCalls(). */
  get marginCallsDeferred(): boolean {
    return this.callsDeferred;
  }

  /** While deferred: a recorded MarginCall (called) or MarginCallCleared (not) of the account, in the records' order. */
  recordMarginCall(account: string, called: boolean): void {
    assert(this.callsDeferred, 'Engine.recordMarginCall: margin calls are not deferred');
    this.recordedCalls.set(account, called);
  }

  /**
   * Ends a deferral: the called accounts are those the records told last, and the call index follows, without an
   * event, what it skipped (the accounts changed, the funding and prices moved, as a sweep does), then moves each
   * account whose called state the records changed to its level. What that finds is not announced: the records said
   * what was. Nothing to do when not deferred.
   */
  resumeMarginCalls(): void {
    if (!this.callsDeferred) return;
    this.callsDeferred = false;
    const calls = this.calls as MarginCalls; // deferMarginCalls needs one, and a rulebook change resumes first
    const called = this.s.enforcement.marginCalled;
    for (const [id, isCalled] of this.recordedCalls) {
      if (isCalled) called.add(id);
      else called.delete(id);
    }
    const unannounced: LedgerBreach[] = [];
    this.followNoted(calls, unannounced);
    calls.dropRecoveries();
    for (const [id, isCalled] of this.recordedCalls) calls.moveLevel(id, isCalled, unannounced);
    this.recordedCalls.clear();
    calls.dropRecoveries();
    emptyArray(unannounced);
  }

  /** The rulebook's margin-call sweep interval (0: calls follow every command). */
  private get callIntervalMs(): number {
    return this.s.rulebook.liquidation.marginCallIntervalMs ?? 0;
  }

  /**
   * Applies one command. An accepted command answers with what time passing did (funding due, stale prices), its
   * own effects and what enforcement did. A refused one changes nothing but the sequence number and answers with
   * its CommandRejected alone: time does not pass on it either (what falls due is done by the next accepted
   * command), so the state and every later event are as if it had not been sent.
   */
  apply(cmd: Command): EngineEvent[] {
    const s = this.s;
    const seq = s.seq + 1;
    const events: EngineEvent[] = [];
    // The body is stamped in place (emit.ts: each body a fresh object): a copy with the stamp first cost ~0.75 us an
    // event in a 1M-account crash tick of 41k events (docs/performance.md "2026-12-07, s69"). The wire puts the
    // stamp first (wire/encode.ts).
    const emit = (body: EventBody): void => {
      const stamp = body as unknown as { seq: number; ordinal: number; tsMs: number };
      stamp.seq = seq;
      stamp.ordinal = events.length;
      stamp.tsMs = cmd.tsMs;
      events.push(body as EngineEvent);
    };
    s.seq = seq;
    const refuse = (rejection: CommandRejection): EngineEvent[] => {
      events.length = 0;
      emit({ kind: 'CommandRejected', command: cmd.kind, reason: rejection.reason, field: rejection.field, message: rejection.message });
      return events;
    };
    if (!Number.isSafeInteger(cmd.tsMs) || cmd.tsMs < 0) {
      return refuse(reject('invalid_field', 'tsMs', 'tsMs must be a non-negative integer (ms since the epoch)'));
    }
    if (cmd.tsMs < s.timeMs) {
      return refuse(reject('time_went_backwards', 'tsMs', `tsMs ${cmd.tsMs} is before the engine time ${s.timeMs}`));
    }
    // Margin calls taken from records: a command that may change their parameters is answered with them computed.
    if (this.callsDeferred && !CALLS_DEFERRABLE.has(cmd.kind)) this.resumeMarginCalls();
    // Time passes first (funding falls due, stale prices trip breakers), so the command is checked against the
    // state at its own time; a refusal undoes it.
    const timeBefore = s.timeMs;
    const undo: TimeUndo = [];
    s.timeMs = cmd.tsMs;
    for (const market of advanceMarkets(s, cmd.tsMs, emit, undo)) this.fundingMoved.add(market);
    const rejection = this.dispatch(cmd, emit);
    if (rejection !== undefined) {
      for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
      s.timeMs = timeBefore;
      this.fundingMoved.clear();
      emptyArray(this.pricesMoved);
      return refuse(rejection);
    }
    // Enforcement's events are final when emitted (the command's own fate is decided): an observer sees them live.
    const observer = this.observer;
    const enforceEmit = observer === null ? emit : (body: EventBody): void => {
      emit(body);
      observer(events[events.length - 1] as EngineEvent);
    };
    this.afterCommand(cmd, events, enforceEmit, timeBefore);
    this.audit(cmd, enforceEmit);
    // Auction clocks follow what this command did to feeds, the liquidation pause and the Halted state (auctions.ts).
    syncAuctionClocks(s, cmd.tsMs, enforceEmit);
    return events;
  }

  private dispatch(cmd: Command, emit: (body: EventBody) => void): CommandRejection | undefined {
    const s = this.s;
    this.applied = null;
    const halted = refuseWhileHalted(s, cmd);
    if (halted !== undefined) return halted;
    switch (cmd.kind) {
      case 'set_market':
      case 'set_asset':
      case 'set_rulebook':
        return proposeChange(s, cmd, emit, this.onApplied);
      case 'confirm_change':
        return confirmChange(s, cmd, emit, this.onApplied);
      case 'cancel_change':
        return cancelChange(s, cmd, emit);
      case 'set_account_group':
        return applySetAccountGroup(s, cmd, emit);
      case 'audit':
        return undefined; // runs after enforcement (audit())
      case 'halt':
        return applyHalt(s, cmd.reason, cmd.tsMs, emit);
      case 'resume':
        return applyResume(s, emit);
      case 'deposit':
        return applyDeposit(s, cmd, emit);
      case 'withdraw':
        if (s.rulebook.liquidation.gateWithdrawalsOnNegativeEquity && this.negativeEquityExists()) {
          return reject('withdrawals_gated', 'account', 'withdrawals are gated while an account has negative equity (dYdX rule)');
        }
        return applyWithdraw(s, cmd, emit);
      case 'set_liquidation_pause':
        s.enforcement.paused = cmd.paused;
        emit({ kind: 'LiquidationPaused', paused: cmd.paused });
        return undefined;
      case 'insurance_deposit':
        return applyInsuranceDeposit(s, cmd, emit);
      case 'fill':
        return applyFill(s, cmd, emit);
      case 'adjust_isolated_margin':
        return applyAdjustIsolatedMargin(s, cmd, emit);
      case 'price':
        return applyPriceUpdate(s, cmd, emit, this.onPriceChanged);
      case 'source_price':
        return applySourcePrice(s, cmd, emit, this.onPriceChanged);
      case 'market_data':
        return applyMarketData(s, cmd, emit, this.onPriceChanged);
      case 'funding_rate':
        return applyFundingRate(s, cmd, emit);
      case 'settle_funding':
        return applySettleFunding(s, cmd, emit);
      case 'place_order':
        return applyPlaceOrder(s, cmd, emit);
      case 'cancel_order':
        return applyCancelOrder(s, cmd, emit);
      case 'tick':
        reviewLendingHealth(s, cmd.tsMs, emit); // lending markets (issue 18): a crossing by interest alone
        reviewCometInterest(s, cmd.tsMs, emit); // Compound v3 markets with rates: accrue, then the same review
        return undefined;
      case 'borrow':
        return applyBorrow(s, cmd, emit);
      case 'repay':
        return applyRepay(s, cmd, emit);
      case 'place_conditional':
        return applyPlaceConditional(s, cmd, emit);
      case 'cancel_conditional':
        return applyCancelConditional(s, cmd, emit);
      case 'amend_conditional':
        return applyAmendConditional(s, cmd, emit);
      default:
        // Last, so a price tick (most commands) is not looked up in their sets of kinds first.
        // Lending markets (issue 18: Aave, Morpho, Compound; lending.ts dispatches them).
        if (isLendingCommand(cmd)) return applyLending(s, cmd, emit);
        // The MakerDAO auction house and sealed-bid batches (issue 18 part B; auctions.ts dispatches them).
        if (isAuctionCommand(cmd)) return applyAuction(s, cmd, emit);
        return unreachable(cmd);
    }
  }

  private observer: ((event: EngineEvent) => void) | null = null;

  /** The parameter command that took effect in the current command (directly or confirmed), if any. */
  private applied: ParameterCommand | null = null;
  private readonly onApplied = (cmd: ParameterCommand): void => {
    this.applied = cmd;
  };

  /** After an accepted command's enforcement: the invariant audit, on `audit` or when the periodic one is due (audit.ts). */
  private audit(cmd: Command, emit: (body: EventBody) => void): void {
    const explicit = cmd.kind === 'audit';
    if (!explicit && !periodicAuditDue(this.s)) return;
    const { sampled, findings } = runAudit(this.s, this.index, this.s.guards.audits++);
    if (explicit) emit({ kind: 'InvariantAudited', sampled, failures: findings.length });
    haltOnFindings(this.s, findings, this.s.timeMs, emit);
  }

  /**
   * Sees each event of the enforcement phase (margin calls, liquidations, insurance, bad debt) as it is emitted,
   * before apply() returns: for streaming and for measuring tick-to-LiquidationStarted latency. apply() still
   * returns every event.
   */
  observe(observer: ((event: EngineEvent) => void) | null): void {
    this.observer = observer;
  }

  /** A market's mark or index moved. */
  private readonly onPriceChanged = (market: string): void => {
    if (!this.pricesMoved.includes(market)) this.pricesMoved.push(market);
  };

  /**
   * After every accepted command: conditional orders whose expiry came are cancelled; then the orders the moved
   * prices fire are placed and the ledgers in breach enforced, in the rulebook's order (conditionalRules().order;
   * docs/enforcement.md). While halted, conditional orders neither follow prices nor fire.
   */
  private afterCommand(cmd: Command, events: EngineEvent[], emit: (body: EventBody) => void, timeBefore: number): void {
    const s = this.s;
    expireConditionals(s, s.timeMs, emit);
    const moved = s.conditionals.size === 0 || s.guards.halted !== null ? [] : [...this.pricesMoved];
    if (conditionalRules(s.rulebook).order === 'stops_first') {
      fireConditionals(s, moved, emit);
      this.enforce(cmd, events, emit, 0);
    } else {
      this.enforce(cmd, events, emit, 0);
      const from = events.length;
      fireConditionals(s, moved, emit);
      if (events.length > from) {
        // The stops' trades touched their owners and counterparties: a second enforcement pass over what they changed.
        this.applied = null;
        this.enforce(cmd, events, emit, from);
      }
    }
    this.sweepCallsIfDue(emit, timeBefore);
  }

  /**
   * Margin calls swept at an interval: at the first command of each interval of engine time (the command's time and
   * the time before it in different intervals), or at once when this command re-armed every account (parameters
   * changed), the call index follows what changed since the last sweep (each account changed once, each market
   * moved once: one crossing for a price that went down and back is none) and the calls are announced, as
   * followCalls announces them every command otherwise. Between sweeps nothing touches the call index. `timeBefore`:
   * the engine's time before this command.
   */
  private sweepCallsIfDue(emit: (body: EventBody) => void, timeBefore: number): void {
    const interval = this.callIntervalMs;
    const calls = this.calls;
    if (interval <= 0 || calls === null) return;
    const found = this.callsFound;
    const due = found.length > 0 || Math.floor(this.s.timeMs / interval) !== Math.floor(timeBefore / interval);
    if (!due || (this.callsSettled && found.length === 0)) return;
    // Found by a full re-arm before this command's enforcement: their figures are older than the state (stale).
    const staleBefore = found.length;
    this.followNoted(calls, found);
    calls.settleRecoveries(found, this.released);
    this.announceCleared(emit);
    this.announceMarginCalls(found, staleBefore, emit);
  }

  /**
   * The call index follows what was noted for it since it last did (a sweep's or a deferral's: each account changed
   * once, each market whose funding moved, each market moved once: one crossing for a price that went down and back
   * is none), and forgets it; ledgers newly below the call level are added to `out`.
   */
  private followNoted(calls: MarginCalls, out: LedgerBreach[]): void {
    for (const id of this.callAccounts) calls.reindex(id, out);
    this.callAccounts.clear();
    for (const m of this.callFunding) calls.reindexMarket(m, out);
    this.callFunding.clear();
    for (const m of this.callMarkets) calls.onPrice(m, out);
    this.callMarkets.clear();
  }

  /** The call index follows an account's change now, or at the next sweep (marginCallIntervalMs). */
  private callsFollowAccount(id: string, belowCall: LedgerBreach[]): void {
    if (this.calls === null) return;
    if (this.callIntervalMs > 0 || this.callsDeferred) this.callAccounts.add(id);
    else this.calls.reindex(id, belowCall);
  }

  /** The call index re-arms a market's ledgers (funding or parameters moved) now, or at the next sweep. */
  private callsFollowMarket(market: string, belowCall: LedgerBreach[]): void {
    if (this.calls === null) return;
    if (this.callIntervalMs > 0 || this.callsDeferred) this.callFunding.add(market);
    else this.calls.reindexMarket(market, belowCall);
  }

  /**
   * Brings the breach indexes up to date with what events[from..] changed, announces margin calls, and liquidates
   * the ledgers in breach (enforcement.ts).
   */
  private enforce(cmd: Command, events: EngineEvent[], emit: (body: EventBody) => void, from: number): void {
    const s = this.s;
    if (cmd.kind === 'set_liquidation_pause') this.pauseSettled = false;
    let touched: Set<string> | null = null;
    for (let i = from; i < events.length; i++) {
      const e = events[i] as EngineEvent;
      if (KEEPS_ACCOUNT.has(e.kind)) continue;
      if ('account' in e && typeof e.account === 'string') (touched ??= new Set()).add(e.account); // null: none (a deposit to the fund)
      if (e.kind === 'InsuranceFundChanged') this.changed.add(INSURANCE_FUND);
    }
    if (touched !== null) {
      const followsPrices = this.pricesMoved.length > 0;
      for (const id of touched) {
        this.changed.add(id);
        this.adlMirror?.markDirty(id);
        // The index follows the prices below before it re-arms the touched: the figures it kept for them are stale.
        if (followsPrices) this.index.accountChanged(id);
      }
    }
    const belowCall: LedgerBreach[] = [];
    // Figures of ledgers the index has just evaluated, so ranking them does not evaluate them again (made on the first:
    // the common tick finds none).
    let fresh: Map<string, LedgerBreach> | null = null;
    const note = (found: readonly LedgerBreach[]): void => {
      for (const f of found) (fresh ??= new Map()).set(ledgerKey(f), f);
    };
    // A parameter change acts when it is applied (at once, or when confirmed), not when it is held pending.
    const change = this.applied;
    if (change !== null && (change.kind === 'set_rulebook' || change.kind === 'set_asset' || change.kind === 'set_market')) {
      // Parameters the mirror's terms depend on (decimals, which collateral counts): it re-reads every account (a
      // mirror the new rulebook has just created is fresh).
      const kept = this.adlMirror;
      if (change.kind === 'set_rulebook') this.syncAdlMirror();
      if (this.adlMirror === kept) this.adlMirror?.invalidateAll();
    }
    if (change !== null && (change.kind === 'set_rulebook' || change.kind === 'set_asset')) {
      note(this.index.reindexAll());
      if (change.kind === 'set_rulebook' && this.callLevelsDiffer(callLevelsOf(change.rulebook.liquidation))) {
        // New call levels: every account starts uncalled under them (each told, in id order).
        for (const account of [...s.enforcement.marginCalled].sort()) emit({ kind: 'MarginCallCleared', account });
        s.enforcement.marginCalled.clear();
        this.syncCallIndex();
      }
      this.calls?.reindexAll(belowCall);
      // Every account re-armed at the current state: nothing is left for a sweep to follow but what this command
      // changes from here on; what the re-arm found is announced at its end (sweepCallsIfDue).
      this.callAccounts.clear();
      this.callMarkets.clear();
      this.callFunding.clear();
    }
    if (change?.kind === 'set_market') this.fundingMoved.add(change.market.id);
    if (this.fundingMoved.size > 0) {
      for (const m of this.fundingMoved) {
        note(this.index.reindexMarket(m));
        this.callsFollowMarket(m, belowCall);
      }
      this.fundingMoved.clear();
    }
    // Liquidations first: the breach index follows the prices now; margin calls (warnings) after enforcement, off
    // the path to the first liquidation.
    for (const m of this.pricesMoved) note(this.index.onPrice(m));
    // The common tick: nothing touched, nothing in breach, nothing for the fund to work off -> no block.
    if (touched === null && s.pendingDeficits.length === 0 && this.index.breachedCount === 0 && s.fund.positions.size === 0) {
      this.adlMirror?.settle(); // nothing to re-read unless parameters changed
      this.followCalls(belowCall, emit);
      return;
    }

    const b = newBlock(s, emit, touched ?? new Set(), this.adlMirror);
    absorbPendingDeficits(b);
    emptyArray(b.recent);
    for (const id of b.touched) {
      note(this.index.reindex(id));
      this.callsFollowAccount(id, belowCall);
    }
    // Halted (a failed audit, or an operator): breaches are still detected and announced; nothing is liquidated and
    // the fund does not trade.
    if ((this.index.breachedCount > 0 || s.fund.positions.size > 0) && s.guards.halted === null) {
      this.pauseSettled = enforceBlock(b, this.index, fresh ?? NO_FRESH, s.enforcement.paused && this.pauseSettled);
      for (const id of b.recent) this.index.reindex(id);
      // Every account the block changed, including those the command had touched already (re-armed above, before
      // the block liquidated them).
      for (const id of b.enforced) this.callsFollowAccount(id, belowCall);
    } else if (s.guards.halted !== null) this.pauseSettled = false; // breaches seen while halted are not announced yet
    // The ADL mirror was told each of these accounts as it was touched (above, and block.ts touch()); a queue that
    // opened in the block refreshed those touched before it, so what is still dirty is what changed after.
    for (const id of b.touched) this.changed.add(id);
    for (const queue of b.adl.values()) queue.close(); // before the mirror moves slots their ids still point into
    this.adlMirror?.settle();
    this.followCalls(belowCall, emit);
  }

  /** The call index follows the prices that moved; then the calls are announced (after any liquidation). */
  private followCalls(belowCall: LedgerBreach[], emit: (body: EventBody) => void): void {
    if (this.calls === null) {
      emptyArray(this.pricesMoved);
      return;
    }
    if (this.callIntervalMs > 0 || this.callsDeferred) {
      // Swept at an interval: the moved markets wait for the sweep; what a full re-arm found is announced at this
      // command's end (sweepCallsIfDue). Deferred: they wait for resumeMarginCalls(), and the records tell the calls.
      for (const m of this.pricesMoved) this.callMarkets.add(m);
      emptyArray(this.pricesMoved);
      if (!this.callsDeferred) for (const w of belowCall) this.callsFound.push(w);
      emptyArray(belowCall);
      return;
    }
    // Found before enforcement (by reindexes): an account the block changed since has figures older than its state.
    const staleBefore = belowCall.length;
    for (const m of this.pricesMoved) this.calls.onPrice(m, belowCall);
    emptyArray(this.pricesMoved);
    this.calls.settleRecoveries(belowCall, this.released);
    this.announceCleared(emit);
    this.announceMarginCalls(belowCall, staleBefore, emit);
  }

  /**
   * MarginCallCleared for each account the call index released this command (back above the recovery level), in id
   * order (a total order, independent of the index's), before the command's calls: an account released and called
   * again in one command is told in that order.
   */
  private announceCleared(emit: (body: EventBody) => void): void {
    const released = this.released;
    if (released.length === 0) return;
    if (released.length > 1) sortSmall(released, byId);
    for (const account of released) emit({ kind: 'MarginCallCleared', account });
    emptyArray(released);
  }

  /**
   * MarginCall for each ledger newly below the call level and not in breach (then it is liquidated instead). The
   * equity and maintenance announced are the ledger's at the current state: the call index's equity (requirements
   * scale, equity does not: evaluateAccount) when its evaluation is of the current state (belowCall[staleBefore..],
   * found after every change of this command), with the unscaled maintenance: the one the call index computed with
   * the figures that confirmed the call (LedgerBreach.baseMaintenance, at an exact boundary), else ledgerMaintenance;
   * a full evaluation for the ledgers found before enforcement.
   */
  private announceMarginCalls(belowCall: LedgerBreach[], staleBefore: number, emit: (body: EventBody) => void): void {
    if (belowCall.length === 0 || this.calls === null) return;
    const stale = staleBefore === 0 ? null : new Set(belowCall.slice(0, staleBefore));
    // A total order, independent of the index's internal order (which a restored engine does not share).
    if (belowCall.length > 1) sortSmall(belowCall, byLedger);
    let called: LedgerBreach[] | null = null;
    const anyBreached = this.index.breachedCount > 0; // usually none after enforcement: no lookup per call
    for (const w of belowCall) {
      if (anyBreached && this.index.isBreached(w.account, w.market)) continue;
      let equity: Quote = w.equity;
      let maintenance: Quote | null = null;
      if (stale === null || !stale.has(w)) {
        if (w.baseMaintenance !== undefined) maintenance = w.baseMaintenance;
        else {
          const account = this.s.accounts.get(w.account);
          maintenance = account === undefined ? null : ledgerMaintenance(this.s, account, w.market);
        }
      }
      // Found before the block (or, not expected, no longer priced as the index saw it): evaluated in full.
      if (maintenance === null) {
        const ev = this.evaluate(w.account);
        if (ev === undefined || !ev.priced) continue;
        const fig = w.market === null ? ev.cross : ev.isolated.find((f) => f.market === w.market);
        if (fig === undefined) continue;
        equity = fig.equity;
        maintenance = fig.maintenance;
      }
      emit({ kind: 'MarginCall', account: w.account, ledger: w.market ?? 'cross', equity, maintenance, callLevel: w.maintenance });
      (called ??= []).push(w);
    }
    emptyArray(belowCall);
    if (called !== null) for (const w of called) this.calls.markCalled(w.account, w.slot);
  }

  /** Whether any ledger is in breach with negative equity (dYdX gates withdrawals on it). */
  private negativeEquityExists(): boolean {
    for (const ref of this.index.breached()) {
      const ev = this.evaluate(ref.account);
      if (ev === undefined || !ev.priced) continue;
      const equity = ref.market === null ? ev.cross.equity : ev.isolated.find((f) => f.market === ref.market)?.equity;
      if (equity !== undefined && equity < 0n) return true;
    }
    return false;
  }

  /**
   * The ids of the accounts whose state may have changed since the last call (or since the engine was created or
   * restored), sorted, and forgets them. Pure bookkeeping: draining changes nothing else.
   */
  takeTouched(): string[] {
    const ids = [...this.changed].sort();
    this.changed.clear();
    return ids;
  }

  // ---- Queries (read-only) ----

  /** The breach detector's re-checks after price moves so far (BreachDetector.recheckCount; for benchmarks and metrics). */
  get breachRechecks(): number {
    return this.index.recheckCount;
  }

  get seq(): number {
    return this.s.seq;
  }

  get timeMs(): number {
    return this.s.timeMs;
  }

  get rulebook(): Rulebook {
    return this.s.rulebook;
  }

  /** Read-only access to the state for adapters (wire codecs, reports). Do not mutate. */
  get state(): Readonly<EngineState> {
    return this.s;
  }

  account(id: string): Account | undefined {
    return this.s.accounts.get(id);
  }

  /** An account's exact state as plain data (a copy, as in a snapshot); undefined for an unknown account. */
  accountState(id: string): AccountSnapshot | undefined {
    const a = this.s.accounts.get(id);
    return a === undefined ? undefined : accountSnapshot(a);
  }

  market(id: string): MarketState | undefined {
    return this.s.markets.get(id);
  }

  evaluate(accountId: string): AccountEvaluation | undefined {
    const a = this.s.accounts.get(accountId);
    return a === undefined ? undefined : evaluateAccount(this.s, a);
  }

  /** The ledgers in breach, as the breach detector holds them after the last command (no particular order). */
  breachedLedgers(): LedgerRef[] {
    return this.index.breached();
  }

  /** Whether the account's cross ledger or any isolated position is in breach of maintenance. */
  isBreached(accountId: string): boolean {
    const ev = this.evaluate(accountId);
    if (ev === undefined || !ev.priced) return false;
    const rule = this.s.rulebook.breachRule;
    if (isBreached(ev.cross.equity, ev.cross.maintenance, rule)) return true;
    return ev.isolated.some((f) => isBreached(f.equity, f.maintenance, rule));
  }

  thresholdPrice(accountId: string, market: string, kind: ThresholdKind): Price | null {
    const a = this.s.accounts.get(accountId);
    return a === undefined ? null : thresholdPrice(this.s, a, market, kind, this.s.rulebook.breachRule);
  }

  healthFactor(accountId: string): HealthFactor | null {
    const a = this.s.accounts.get(accountId);
    return a === undefined ? null : healthFactor(this.s, a, this.s);
  }

  // ---- lending markets (issue 18) ----

  /** A lending user's account data (Aave's calculateUserAccountData) at the engine's time. */
  lendingAccountData(market: string, user: string): AccountData | undefined {
    return lendingAccountData(this.s, market, user, this.s.timeMs);
  }

  /** The keeper view of a lending market at the engine's time (lending.ts lendingKeeperView); gas in base-currency atoms. */
  lendingKeeper(market: string, gasCostBase: bigint): LendingKeeperView | undefined {
    return lendingKeeperView(this.s, market, this.s.timeMs, gasCostBase);
  }

  /** A Morpho market's unhealthy positions with their full liquidation and profit net of gas (loan-token atoms). */
  morphoKeeper(market: string, gasCostLoan: bigint): readonly MorphoOpportunity[] | undefined {
    return morphoKeeperView(this.s, market, gasCostLoan);
  }

  /** A Comet market's absorbable accounts and store-front purchases with profit net of gas (price units, 8 decimals). */
  cometKeeper(market: string, gasCostValue: bigint): CometKeeperView | undefined {
    return cometKeeperView(this.s, market, this.s.timeMs, gasCostValue);
  }
}

/** The figures noted when the index evaluated none. */
const NO_FRESH: ReadonlyMap<string, LedgerBreach> = new Map();

/** Ledgers by account, then market (the cross ledger first). */
function byLedger(x: LedgerRef, y: LedgerRef): number {
  if (x.account !== y.account) return x.account < y.account ? -1 : 1;
  const a = x.market ?? '';
  const b = y.market ?? '';
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Account ids in code-unit order (Array.prototype.sort's default order for strings). */
function byId(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
