// Parameter changes are previewed before they act (Aave 2026-03-10: a cap set 2.85% below the live rate liquidated
// 34 accounts the moment it landed). A set_market, set_asset or set_rulebook that changes something already listed is
// first evaluated, exactly and without mutating anything: every account under the current parameters and under the
// proposed ones, counting the ledgers the change would put into breach and their notional
// (ParameterChangePreviewed). Above the rulebook's guards.confirmChangesAbove ledgers the change waits
// (ParameterChangePending) until confirm_change applies it (ParameterChangeConfirmed) or cancel_change drops it.
// Listing something new cannot breach anyone and is applied at once, without a preview.

import type { Account } from '../account/account.js';
import { evaluateAccount, type AccountEvaluation, type MarginView } from '../margin/evaluate.js';
import { isBreached, type BreachRule } from '../margin/thresholds.js';
import type { AssetSpec, MarketState } from '../market/index.js';
import { guardRules } from '../rulebooks/rulebook.js';
import { PENDING_CHANGES_MAX } from '../rulebooks/guards.js';
import type { CancelChange, ConfirmChange, SetAsset, SetMarket, SetRulebook } from './commands.js';
import type { Emit } from './emit.js';
import type { PendingChange } from './guard-state.js';
import { reject, type Rejection } from './reasons.js';
import { checkSetAsset, checkSetMarket, checkSetRulebook, commitSetAsset, commitSetMarket, commitSetRulebook, volatilityAfterSpec } from './setup.js';
import { holdersOf, isVenueAccount, type EngineState } from './state.js';

export type ParameterCommand = SetMarket | SetAsset | SetRulebook;

/** What a change would do: ledgers newly in breach under the new parameters, and their notional (quote atoms). */
export interface ChangePreview {
  readonly ledgers: number;
  readonly notional: bigint;
}

/** Told which parameter command took effect in this command (directly or confirmed), so the indexes can follow. */
export type OnApplied = (cmd: ParameterCommand) => void;

function targetOf(cmd: ParameterCommand): string {
  switch (cmd.kind) {
    case 'set_market':
      return cmd.market.id;
    case 'set_asset':
      return cmd.asset.id;
    case 'set_rulebook':
      return cmd.rulebook.name;
  }
}

function check(s: EngineState, cmd: ParameterCommand): Rejection | undefined {
  switch (cmd.kind) {
    case 'set_market':
      return checkSetMarket(s, cmd);
    case 'set_asset':
      return checkSetAsset(s, cmd);
    case 'set_rulebook':
      return checkSetRulebook(cmd);
  }
}

function commit(s: EngineState, cmd: ParameterCommand, emit: Emit): void {
  switch (cmd.kind) {
    case 'set_market':
      return commitSetMarket(s, cmd, emit);
    case 'set_asset':
      return commitSetAsset(s, cmd, emit);
    case 'set_rulebook':
      return commitSetRulebook(s, cmd, emit);
  }
}

/** Whether any account other than the venue's own exists (only then is there anything to preview). */
function hasTraders(s: EngineState): boolean {
  for (const id of s.accounts.keys()) if (!isVenueAccount(id)) return true;
  return false;
}

/** Whether the command changes something that exists (only then can it put anyone into breach). */
function changesExisting(s: EngineState, cmd: ParameterCommand): boolean {
  switch (cmd.kind) {
    case 'set_market':
      return s.markets.has(cmd.market.id);
    case 'set_asset':
      return s.assets.has(cmd.asset.id);
    case 'set_rulebook':
      return true;
  }
}

/**
 * set_market, set_asset, set_rulebook: checked; a change of something existing is previewed (when there are accounts
 * to preview) and, above the rulebook's threshold, held pending; otherwise applied. Each previewed change is numbered
 * (GuardState.nextChange); confirm_change and cancel_change name it.
 */
export function proposeChange(s: EngineState, cmd: ParameterCommand, emit: Emit, onApplied: OnApplied): Rejection | undefined {
  const bad = check(s, cmd);
  if (bad !== undefined) return bad;
  if (!changesExisting(s, cmd) || !hasTraders(s)) {
    commit(s, cmd, emit);
    onApplied(cmd);
    return undefined;
  }
  const preview = previewChange(s, cmd);
  const above = preview.ledgers > guardRules(s.rulebook).confirmChangesAbove;
  if (above && s.guards.pending.size >= PENDING_CHANGES_MAX) {
    return reject('changes_full', 'kind', `${PENDING_CHANGES_MAX} parameter changes already wait for confirmation; confirm or cancel one first`);
  }
  // Committed.
  const change = s.guards.nextChange++;
  const target = targetOf(cmd);
  emit({ kind: 'ParameterChangePreviewed', change, command: cmd.kind, target, ledgers: preview.ledgers, notional: preview.notional });
  if (above) {
    const pending: PendingChange = { id: change, proposedMs: cmd.tsMs, command: cmd, ledgers: preview.ledgers, notional: preview.notional };
    s.guards.pending.set(change, pending);
    emit({ kind: 'ParameterChangePending', change, command: cmd.kind, target });
    return undefined;
  }
  commit(s, cmd, emit);
  onApplied(cmd);
  return undefined;
}

/** Applies a pending change as proposed, at the confirming command's time (checked again: the world has moved). */
export function confirmChange(s: EngineState, cmd: ConfirmChange, emit: Emit, onApplied: OnApplied): Rejection | undefined {
  const badActor = checkActor(cmd.actor);
  if (badActor !== undefined) return badActor;
  const pending = s.guards.pending.get(cmd.change);
  if (pending === undefined) return reject('change_unknown', 'change', `no parameter change ${cmd.change} waits for confirmation`);
  const change = { ...pending.command, tsMs: cmd.tsMs } as ParameterCommand;
  const bad = check(s, change);
  if (bad !== undefined) return bad;
  // Committed.
  s.guards.pending.delete(cmd.change);
  emit({ kind: 'ParameterChangeConfirmed', change: cmd.change, command: change.kind, target: targetOf(change), ...actorOf(cmd) });
  commit(s, change, emit);
  onApplied(change);
  return undefined;
}

export function cancelChange(s: EngineState, cmd: CancelChange, emit: Emit): Rejection | undefined {
  const badActor = checkActor(cmd.actor);
  if (badActor !== undefined) return badActor;
  const pending = s.guards.pending.get(cmd.change);
  if (pending === undefined) return reject('change_unknown', 'change', `no parameter change ${cmd.change} waits for confirmation`);
  s.guards.pending.delete(cmd.change);
  emit({ kind: 'ParameterChangeCancelled', change: cmd.change, command: pending.command.kind, target: targetOf(pending.command), ...actorOf(cmd) });
  return undefined;
}

/** The longest actor a confirm_change or cancel_change may name (an API key id is 27 characters). */
export const ACTOR_CHARS_MAX = 128;

function checkActor(actor: string | undefined): Rejection | undefined {
  if (actor === undefined || (actor.length > 0 && actor.length <= ACTOR_CHARS_MAX)) return undefined;
  return reject('invalid_field', 'actor', `an actor is 1 to ${ACTOR_CHARS_MAX} characters`);
}

/** The actor field of the event: present only when the command named one, so older journals replay byte for byte. */
function actorOf(cmd: ConfirmChange | CancelChange): { actor?: string } {
  return cmd.actor === undefined ? {} : { actor: cmd.actor };
}

/** The engine's margin view with one parameter command applied, and the breach rule it would use. Nothing mutates. */
function proposedView(s: EngineState, cmd: ParameterCommand): { view: MarginView; rule: BreachRule } {
  let market = (id: string): MarketState | undefined => s.markets.get(id);
  let asset = (id: string): AssetSpec | undefined => s.assets.get(id);
  let rule = s.rulebook.breachRule;
  let marginValuation = s.rulebook.marginValuation;
  switch (cmd.kind) {
    case 'set_market': {
      const existing = s.markets.get(cmd.market.id);
      // As commitSetMarket leaves it: the new spec, its volatility state; prices, funding and open interest kept.
      const next = existing === undefined ? undefined : { ...existing, spec: cmd.market, volatility: volatilityAfterSpec(existing, cmd.market, cmd.tsMs) };
      market = (id) => (id === cmd.market.id ? next : s.markets.get(id));
      break;
    }
    case 'set_asset':
      asset = (id) => (id === cmd.asset.id ? cmd.asset : s.assets.get(id));
      break;
    case 'set_rulebook':
      rule = cmd.rulebook.breachRule;
      marginValuation = cmd.rulebook.marginValuation;
      break;
  }
  const view: MarginView = { quoteDecimals: s.quoteDecimals, settlementAsset: s.settlementAsset, marginValuation, market, asset };
  return { view, rule };
}

/**
 * Whether the change leaves every margin figure as it is (so nobody can be put into breach, and the scan is skipped):
 * a rulebook with the same breach rule and margin valuation; an asset valued the same way; a market with the same
 * schedule object and the same volatility multiplier.
 */
function marginUnchanged(s: EngineState, cmd: ParameterCommand): boolean {
  switch (cmd.kind) {
    case 'set_rulebook':
      return cmd.rulebook.breachRule === s.rulebook.breachRule && cmd.rulebook.marginValuation === s.rulebook.marginValuation;
    case 'set_asset': {
      const a = s.assets.get(cmd.asset.id);
      const b = cmd.asset;
      return a !== undefined && a.collateralWeightPpm === b.collateralWeightPpm && a.priceMarket === b.priceMarket && a.peg?.conversionRateWad === b.peg?.conversionRateWad;
    }
    case 'set_market': {
      const m = s.markets.get(cmd.market.id);
      return m !== undefined && m.spec.margin === cmd.market.margin && volatilityAfterSpec(m, cmd.market, cmd.tsMs).multiplierPpm === m.volatility.multiplierPpm;
    }
  }
}

/** The accounts a change can affect: a market's holders when no asset is priced off it; otherwise every account. */
function candidates(s: EngineState, cmd: ParameterCommand): Iterable<Account> {
  // Read, not kept (previewChange only evaluates them): accounts a restore has not read yet stay unread.
  if (cmd.kind !== 'set_market') return s.accounts.reading();
  const id = cmd.market.id;
  for (const a of s.assets.values()) if (a.priceMarket === id) return s.accounts.reading();
  const out: Account[] = [];
  for (const holder of [...holdersOf(s, id)].sort()) {
    const a = s.accounts.get(holder);
    if (a !== undefined) out.push(a);
  }
  return out;
}

/**
 * Exact preview: each ledger in breach under the proposed parameters that is not in breach now, and its notional at
 * the mark under the proposed parameters. Ledgers that cannot be priced are not counted (nothing acts on them).
 */
export function previewChange(s: EngineState, cmd: ParameterCommand): ChangePreview {
  if (marginUnchanged(s, cmd)) return { ledgers: 0, notional: 0n };
  const { view, rule } = proposedView(s, cmd);
  const ruleNow = s.rulebook.breachRule;
  let ledgers = 0;
  let notional = 0n;
  for (const account of candidates(s, cmd)) {
    // The venue's own accounts are not liquidated (the breach index does not watch them).
    if (isVenueAccount(account.id)) continue;
    const next = evaluateAccount(view, account);
    if (!next.priced) continue;
    let now: AccountEvaluation | null = null;
    const breachedNow = (market: string | null): boolean => {
      now ??= evaluateAccount(s, account);
      if (!now.priced) return false;
      if (market === null) return isBreached(now.cross.equity, now.cross.maintenance, ruleNow);
      const f = now.isolated.find((x) => x.market === market);
      return f !== undefined && isBreached(f.equity, f.maintenance, ruleNow);
    };
    if (isBreached(next.cross.equity, next.cross.maintenance, rule) && !breachedNow(null)) {
      ledgers++;
      notional += next.cross.notional;
    }
    for (const f of next.isolated) {
      if (isBreached(f.equity, f.maintenance, rule) && !breachedNow(f.market)) {
        ledgers++;
        notional += f.notional;
      }
    }
  }
  return { ledgers, notional };
}
