// The engine: a deterministic state machine. apply(command) -> events; snapshot() / restore() round-trip exactly.
// No clock, no randomness, no I/O: time arrives with each command.

import { unreachable } from '../assert.js';
import type { Account } from '../account/account.js';
import { evaluateAccount, type AccountEvaluation } from '../margin/evaluate.js';
import { healthFactor, isBreached, thresholdPrice, type HealthFactor, type ThresholdKind } from '../margin/thresholds.js';
import type { MarketState } from '../market/state.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import type { Price } from '../units/index.js';
import type { Command } from './commands.js';
import type { EngineEvent, EventBody } from './events.js';
import { applyBorrow, applyDeposit, applyRepay, applyWithdraw } from './funds.js';
import { advanceMarkets, applyFundingRate, applyMarketData, applyPriceUpdate, applySourcePrice } from './prices.js';
import { reject, type Rejection } from './reasons.js';
import { applySetAsset, applySetMarket, applySetRulebook } from './setup.js';
import { restoreState, snapshotState, type Snapshot } from './snapshot.js';
import { EngineState, type EngineConfig } from './state.js';
import { applyAdjustIsolatedMargin, applyFill, applySettleFunding } from './trading.js';
import { applyCancelOrder, applyPlaceOrder } from './orders.js';

export class Engine {
  private constructor(private readonly s: EngineState) {}

  static create(config: EngineConfig, rulebook: Rulebook = DEFAULT_RULEBOOK): Engine {
    return new Engine(new EngineState(config, rulebook));
  }

  static restore(snapshot: Snapshot): Engine {
    return new Engine(restoreState(snapshot));
  }

  snapshot(): Snapshot {
    return snapshotState(this.s);
  }

  /** Applies one command. Always returns at least one event for an accepted command with effects, or a rejection. */
  apply(cmd: Command): EngineEvent[] {
    const seq = this.s.seq + 1;
    const events: EngineEvent[] = [];
    const emit = (body: EventBody): void => {
      events.push({ seq, ordinal: events.length, tsMs: cmd.tsMs, ...body });
    };
    this.s.seq = seq;
    let rejection: Rejection | undefined;
    if (!Number.isSafeInteger(cmd.tsMs) || cmd.tsMs < 0) {
      rejection = reject('invalid_field', 'tsMs', 'tsMs must be a non-negative integer (ms since the epoch)');
    } else if (cmd.tsMs < this.s.timeMs) {
      rejection = reject('time_went_backwards', 'tsMs', `tsMs ${cmd.tsMs} is before the engine time ${this.s.timeMs}`);
    } else {
      // Time passes first: funding falls due and stale prices trip breakers at this time, whatever the command.
      this.s.timeMs = cmd.tsMs;
      for (const market of advanceMarkets(this.s, cmd.tsMs, emit)) this.onFundingMoved(market);
      const timeEvents = events.length;
      rejection = this.dispatch(cmd, emit);
      // A rejected command changes nothing but the sequence number (every command, accepted or not, has one);
      // what time passing did stands.
      if (rejection !== undefined) events.length = timeEvents;
    }
    if (rejection !== undefined) {
      emit({ kind: 'CommandRejected', command: cmd.kind, reason: rejection.reason, field: rejection.field, message: rejection.message });
    }
    return events;
  }

  private dispatch(cmd: Command, emit: (body: EventBody) => void): Rejection | undefined {
    const s = this.s;
    switch (cmd.kind) {
      case 'set_market':
        return applySetMarket(s, cmd, emit);
      case 'set_asset':
        return applySetAsset(s, cmd, emit);
      case 'set_rulebook':
        return applySetRulebook(s, cmd, emit);
      case 'deposit':
        return applyDeposit(s, cmd, emit);
      case 'withdraw':
        return applyWithdraw(s, cmd, emit);
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
        return undefined;
      case 'borrow':
        return applyBorrow(s, cmd, emit);
      case 'repay':
        return applyRepay(s, cmd, emit);
      default:
        return unreachable(cmd);
    }
  }

  /** A market's mark or index moved (enforcement hooks in here). */
  private readonly onPriceChanged = (_market: string): void => {};

  /** A market's funding index moved: every account holding it has a new unsettled amount. */
  private onFundingMoved(_market: string): void {}

  // ---- Queries (read-only) ----

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

  market(id: string): MarketState | undefined {
    return this.s.markets.get(id);
  }

  evaluate(accountId: string): AccountEvaluation | undefined {
    const a = this.s.accounts.get(accountId);
    return a === undefined ? undefined : evaluateAccount(this.s, a);
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
}
