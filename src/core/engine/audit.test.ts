// The invariant audit and the Halted state. BitMEX, 2023-03-23: a race around internal transfers left the exchange
// state momentarily inconsistent; the audit process caught it and halted the engine, which ran cancel-only for 25
// minutes; nobody was liquidated meanwhile; trading resumed once it was safe.
// Below, "a bug" is simulated by writing to the engine's state behind its back (tests only).

import { describe, expect, it } from 'vitest';
import type { Account } from '../account/account.js';
import { DEFAULT_GUARDS } from '../rulebooks/guards.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { standardSetup, TEST_CONFIG, USDC, type CommandBody } from './testkit.js';

const T = 1_679_576_100_000; // 2023-03-23 12:55 UTC
const usdc = (whole: string): bigint => dec(whole, 6);
const kinds = (events: readonly EngineEvent[]): string[] => events.map((e) => e.kind);
const reason = (events: readonly EngineEvent[]): string | undefined => (events.find((e) => e.kind === 'CommandRejected') as { reason?: string } | undefined)?.reason;

/** Writable access to an account, as a bug would have it. */
const backdoor = (e: Engine, id: string): Account => e.state.accounts.get(id) as Account;

// trader: 1 BTC long at 100,000 with 1,000 USDC (IM 800 for BTC-PERP's first tier, MM 400). mm: the other side.
function world(auditEveryCommands = 0): { e: Engine; run: (cmd: CommandBody) => EngineEvent[] } {
  const rulebook = { ...DEFAULT_RULEBOOK, guards: { ...DEFAULT_GUARDS, auditEveryCommands } };
  const e = Engine.create(TEST_CONFIG, rulebook);
  for (const cmd of standardSetup(T)) e.apply(cmd.kind === 'set_rulebook' ? { ...cmd, rulebook } : cmd);
  let now = T;
  const run = (cmd: CommandBody): EngineEvent[] => e.apply({ ...cmd, tsMs: ++now } as Command);
  run({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('10000000') });
  run({ kind: 'deposit', account: 'trader', asset: USDC, amount: usdc('1000') });
  run({ kind: 'fill', market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(1_000n), buyer: { account: 'trader', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
  run({ kind: 'place_order', account: 'mm', market: 'BTC-PERP', id: 'bid', side: 'buy', price: price(dec('99000', 2)), size: size(1_000n), tif: 'gtc' });
  return { e, run };
}

describe('the invariant audit (BitMEX, 2023-03-23)', () => {
  it('passes on a consistent engine and says how many accounts it compared with the breach index', () => {
    const { run } = world();
    expect(run({ kind: 'audit' })).toEqual([expect.objectContaining({ kind: 'InvariantAudited', sampled: 2, failures: 0 })]);
  });

  it('a transfer credited but not debited breaks conservation: the engine halts, cancel-only, and liquidates nobody', () => {
    const { e, run } = world();
    // The race: 500 USDC credited to the trader, the debit lost.
    backdoor(e, 'trader').balances.set(USDC, usdc('1500'));
    const audit = run({ kind: 'audit' });
    expect(kinds(audit)).toEqual(['InvariantAudited', 'InvariantViolated', 'EngineHalted']);
    expect(audit[0]).toMatchObject({ sampled: 2, failures: 1 });
    expect(audit[1]).toMatchObject({ check: 'conservation' });
    expect(audit[2]).toMatchObject({ reason: 'audit', detail: 'conservation' });
    // Cancel-only: trading and money out are refused; deposits, cancels and prices are accepted.
    expect(reason(run({ kind: 'place_order', account: 'trader', market: 'BTC-PERP', id: 'o', side: 'sell', price: price(dec('101000', 2)), size: size(1n), tif: 'gtc' }))).toBe('engine_halted');
    expect(reason(run({ kind: 'fill', market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(1n), buyer: { account: 'mm', fee: quote(0n) }, seller: { account: 'trader', fee: quote(0n) } }))).toBe('engine_halted');
    expect(reason(run({ kind: 'withdraw', account: 'mm', asset: USDC, amount: usdc('1') }))).toBe('engine_halted');
    expect(reason(run({ kind: 'borrow', account: 'mm', asset: USDC, amount: usdc('1') }))).toBe('engine_halted');
    expect(kinds(run({ kind: 'deposit', account: 'trader', asset: USDC, amount: usdc('1') }))).toEqual(['Deposited']);
    expect(kinds(run({ kind: 'cancel_order', account: 'mm', market: 'BTC-PERP', id: 'bid' }))).toEqual(['OrderCancelled']);
    // BTC falls to 98,000: the trader (1,501 - 2,000 < 392) is in breach, detected, and not liquidated.
    const fall = run({ kind: 'price', market: 'BTC-PERP', mark: price(dec('98000', 2)) });
    expect(kinds(fall)).not.toContain('LiquidationStarted');
    expect(e.isBreached('trader')).toBe(true);
    expect(reason(run({ kind: 'halt', reason: 'again' }))).toBe('engine_halted');
    // The inconsistency was momentary: repaired, the operator resumes, and the liquidation goes ahead at once.
    backdoor(e, 'trader').balances.set(USDC, usdc('1001'));
    expect(kinds(run({ kind: 'audit' }))).toEqual(['InvariantAudited']);
    const resumed = run({ kind: 'resume' });
    expect(kinds(resumed).slice(0, 2)).toEqual(['EngineResumed', 'LiquidationStarted']);
    expect(reason(run({ kind: 'resume' }))).toBe('not_halted');
  });

  it('runs every N accepted commands by itself', () => {
    const { e, run } = world(5);
    // The setup's accepted commands count too; start from a fresh count after an operator halt and resume.
    run({ kind: 'halt', reason: 'maintenance' });
    run({ kind: 'resume' }); // the first accepted command of the new count
    backdoor(e, 'mm').balances.set(USDC, usdc('10000001'));
    for (let i = 0; i < 3; i++) expect(kinds(run({ kind: 'tick' }))).toEqual([]);
    // A refused command does not count (it changes nothing).
    expect(reason(run({ kind: 'resume' }))).toBe('not_halted');
    expect(kinds(run({ kind: 'tick' }))).toEqual(['InvariantViolated', 'EngineHalted']);
  });

  it('finds a ledger the breach index has wrong, and a flat account below zero', () => {
    const { e, run } = world();
    // A position shrunk behind the index's back: 0.1 BTC worth 10,000 against a cost of 100,000 is deep in breach
    // by exact evaluation; the index still holds it sound. Conservation is unaffected (it counts cost, not size).
    (backdoor(e, 'trader').positions.get('BTC-PERP') as { size: bigint }).size = 100n;
    // 5 atoms moved from one flat account to another: conserved, but one is below zero.
    run({ kind: 'deposit', account: 'flat', asset: USDC, amount: usdc('1') });
    backdoor(e, 'flat').balances.set(USDC, -5n);
    backdoor(e, 'mm').balances.set(USDC, usdc('10000001') + 5n);
    const audit = run({ kind: 'audit' });
    // Three findings: the trader's ledger, the flat account below zero, and that account's ledger too (negative equity
    // is a breach by exact evaluation, which the index was never told about).
    expect(audit.filter((x) => x.kind === 'InvariantViolated').map((x) => [(x as { check: string }).check, (x as { detail: string }).detail.split(':')[0]])).toEqual([
      ['negative_flat_account', 'account flat has equity -5 with no position or debt, and nothing will absorb it'],
      ['breach_index', 'account trader cross'],
      ['breach_index', 'account flat cross'],
    ]);
    expect(audit.at(-1)).toMatchObject({ kind: 'EngineHalted', reason: 'audit', detail: 'negative_flat_account,breach_index' });
  });

  it('samples a deterministic stride of the accounts when there are more than the sample size', () => {
    const rulebook = { ...DEFAULT_RULEBOOK, guards: { ...DEFAULT_GUARDS, auditSampleAccounts: 3 } };
    const e = Engine.create(TEST_CONFIG, rulebook);
    for (let i = 0; i < 10; i++) e.apply({ kind: 'deposit', tsMs: T, account: `a${i}`, asset: USDC, amount: 1n });
    // 10 accounts, 3 sampled: stride 3, offset = seq mod 3.
    expect(e.apply({ kind: 'audit', tsMs: T })).toEqual([expect.objectContaining({ kind: 'InvariantAudited', sampled: 3, failures: 0 })]);
  });
});
