// The invariant audit and the Halted state. BitMEX 2023-03-23: "our audit process detect[ed] a possible inconsistency
// in the exchange state and halt[ed] the exchange as a precautionary measure" (a race around internal transfers);
// the engine ran cancel-only for 25 minutes and nobody was liquidated meanwhile. Here:
// - conservation to the atom (conservation.ts), for every asset;
// - no flat account (no position, no debt) is below zero unseen: such a loss waits in the breach index until
//   enforcement absorbs it (a pause, the Halted state or a block limit may defer that), never outside it;
// - the breach index agrees with an exact evaluation, for a deterministic sample of the accounts it watches (all but
//   the venue's own; every account when
//   there are fewer than the sample size): a stride over the accounts in insertion order, offset by the number of
//   audits run so far so successive audits look at different accounts.
// It runs every guards.auditEveryCommands accepted commands and on an `audit` command. A failure halts the engine:
// liquidations wait, trading (fills, orders), withdrawals, borrows and isolated-margin transfers are refused
// (engine_halted); deposits, repayments, cancels, prices and operator commands go on; `resume` ends it.

import { evaluateAccount } from '../margin/evaluate.js';
import { isBreached } from '../margin/thresholds.js';
import { guardRules } from '../rulebooks/rulebook.js';
import type { Command } from './commands.js';
import { conservationReport } from './conservation.js';
import type { Emit } from './emit.js';
import { reject, type Rejection } from './reasons.js';
import { isVenueAccount, type EngineState } from './state.js';

export type AuditCheck = 'conservation' | 'negative_flat_account' | 'breach_index';

export interface AuditFinding {
  readonly check: AuditCheck;
  readonly detail: string;
}

/** What the audit asks of the breach index. */
export interface BreachOracle {
  isBreached(account: string, market: string | null): boolean;
}

/** Findings reported at most (one is enough to halt; the rest are for the operator). */
const FINDINGS_MAX = 16;

/** Runs every check. Pure: reads the state, changes nothing. */
export function runAudit(s: EngineState, index: BreachOracle, round: number): { sampled: number; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  const found = (check: AuditCheck, detail: string): void => {
    if (findings.length < FINDINGS_MAX) findings.push({ check, detail });
  };
  for (const r of conservationReport(s)) {
    if (r.held !== r.expected) found('conservation', `${r.asset}: held ${r.held} atoms, expected ${r.expected} (deposited - withdrawn)`);
  }
  // The venue's own accounts (the insurance fund) are outside the breach index and liquidation: their losses are the
  // waterfall's; conservation above counts them.
  let n = 0;
  for (const a of s.accounts.reading()) {
    if (isVenueAccount(a.id)) continue;
    n++;
    if (a.positions.size > 0) continue;
    let owes = false;
    for (const d of a.borrows.values()) if (d !== 0n) owes = true;
    let short = false;
    for (const b of a.balances.values()) if (b < 0n) short = true;
    if (owes || !short) continue;
    // A flat account below zero is a loss waiting to be absorbed; it must at least be waiting in the breach index
    // (enforcement absorbs it when it may act). Below zero and unknown to the index, it would never be absorbed.
    const ev = evaluateAccount(s, a);
    if (ev.priced && ev.cross.equity < 0n && !index.isBreached(a.id, null)) {
      found('negative_flat_account', `account ${a.id} has equity ${ev.cross.equity} with no position or debt, and nothing will absorb it`);
    }
  }
  const k = guardRules(s.rulebook).auditSampleAccounts;
  const stride = n <= k ? 1 : Math.floor(n / k);
  const offset = round % stride;
  let sampled = 0;
  let i = 0;
  for (const a of s.accounts.reading()) {
    if (sampled >= k) break;
    if (isVenueAccount(a.id)) continue;
    const at = i++;
    if (at < offset || (at - offset) % stride !== 0) continue;
    sampled++;
    const ev = evaluateAccount(s, a);
    if (!ev.priced) continue; // the index waits for its price, as the exact scan skips it
    const rule = s.rulebook.breachRule;
    const ledgers: [string | null, boolean][] = [[null, isBreached(ev.cross.equity, ev.cross.maintenance, rule)]];
    for (const f of ev.isolated) ledgers.push([f.market, isBreached(f.equity, f.maintenance, rule)]);
    for (const [market, exact] of ledgers) {
      if (index.isBreached(a.id, market) !== exact) {
        found('breach_index', `account ${a.id} ${market ?? 'cross'}: the index says ${exact ? 'sound' : 'in breach'}, exact evaluation says ${exact ? 'in breach' : 'sound'}`);
      }
    }
  }
  return { sampled, findings };
}

/** Announces the findings and halts the engine (when it is not halted already). */
export function haltOnFindings(s: EngineState, findings: readonly AuditFinding[], nowMs: number, emit: Emit): void {
  if (findings.length === 0) return;
  for (const f of findings) emit({ kind: 'InvariantViolated', check: f.check, detail: f.detail });
  if (s.guards.halted !== null) return;
  const detail = [...new Set(findings.map((f) => f.check))].join(',');
  s.guards.halted = { sinceMs: nowMs, reason: `audit: ${detail}` };
  emit({ kind: 'EngineHalted', reason: 'audit', detail });
}

/** Whether the periodic audit is due after an accepted command (counts it). Never while halted. */
export function periodicAuditDue(s: EngineState): boolean {
  const every = guardRules(s.rulebook).auditEveryCommands;
  if (every === 0 || s.guards.halted !== null) return false;
  s.guards.sinceAudit++;
  if (s.guards.sinceAudit < every) return false;
  s.guards.sinceAudit = 0;
  return true;
}

/** Commands refused while the engine is halted: trading, and money or margin leaving. */
const REFUSED_WHILE_HALTED: ReadonlySet<Command['kind']> = new Set(['fill', 'place_order', 'withdraw', 'borrow', 'adjust_isolated_margin', 'place_conditional', 'amend_conditional']);

export function refuseWhileHalted(s: EngineState, cmd: Command): Rejection | undefined {
  const h = s.guards.halted;
  if (h === null || !REFUSED_WHILE_HALTED.has(cmd.kind)) return undefined;
  return reject('engine_halted', 'kind', `the engine is halted since ${h.sinceMs} (${h.reason}): cancel-only until an operator resumes it`);
}

const REASON_MAX = 200;

export function applyHalt(s: EngineState, reason: string, nowMs: number, emit: Emit): Rejection | undefined {
  if (reason.length === 0 || reason.length > REASON_MAX) return reject('invalid_field', 'reason', `give a reason of 1-${REASON_MAX} characters`);
  if (s.guards.halted !== null) return reject('engine_halted', 'kind', `the engine is already halted (${s.guards.halted.reason})`);
  s.guards.halted = { sinceMs: nowMs, reason: `operator: ${reason}` };
  emit({ kind: 'EngineHalted', reason: 'operator', detail: reason });
  return undefined;
}

export function applyResume(s: EngineState, emit: Emit): Rejection | undefined {
  if (s.guards.halted === null) return reject('not_halted', 'kind', 'the engine is not halted');
  s.guards.halted = null;
  s.guards.sinceAudit = 0;
  emit({ kind: 'EngineResumed' });
  return undefined;
}
