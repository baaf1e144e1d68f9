// Parameter changes are previewed, and wait for confirmation above a count of ledgers they would put into breach.
// Aave, 2026-03-10: a cap set 2.85% below the live rate liquidated 34 accounts the moment it landed.

import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARDS, PENDING_CHANGES_MAX } from '../rulebooks/guards.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, ppm, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { ETH_PERP, standardSetup, TEST_CONFIG, USDC, type CommandBody } from './testkit.js';

const T = 1_773_100_800_000; // 2026-03-10 00:00 UTC
const usdc = (whole: string): bigint => dec(whole, 6);
const kinds = (events: readonly EngineEvent[]): string[] => events.map((e) => e.kind);
const count = (events: readonly EngineEvent[], kind: string): number => events.filter((e) => e.kind === kind).length;
const changeOf = (events: readonly EngineEvent[]): number => (events.find((e) => e.kind === 'ParameterChangePreviewed') as { change: number }).change;

// ETH-PERP: flat IM 5%, MM 2.5%, ETH at 3,000. 34 accounts hold 1 ETH long with 150 USDC (equity 150 = IM; MM 75);
// 6 hold 1 ETH with 1,000. The proposed schedule, IM 6% and MM 5.5%, asks 165 of each: the 34 fall into breach
// (150 <= 165), the 6 do not, and neither does the maker (short 40 ETH with 1,000,000 against 6,600).
// Preview: 34 ledgers, 34 x 3,000 = 102,000 USDC of notional.
const TIGHTER = { ...ETH_PERP, margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(60_000n), maintenancePpm: ppm(55_000n), maintenanceAmount: quote(0n) }] } };

function world(rulebook = DEFAULT_RULEBOOK): { e: Engine; run: (cmd: CommandBody) => EngineEvent[] } {
  const e = Engine.create(TEST_CONFIG, rulebook);
  let now = T;
  const run = (cmd: CommandBody): EngineEvent[] => e.apply({ ...cmd, tsMs: ++now } as Command);
  for (const cmd of standardSetup(T)) e.apply(rulebook === DEFAULT_RULEBOOK || cmd.kind !== 'set_rulebook' ? cmd : { ...cmd, rulebook });
  run({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('1000000') });
  const ids = [...Array.from({ length: 34 }, (_, i) => [`thin-${String(i).padStart(2, '0')}`, '150'] as const), ...Array.from({ length: 6 }, (_, i) => [`safe-${i}`, '1000'] as const)];
  for (const [id, amount] of ids) {
    run({ kind: 'deposit', account: id, asset: USDC, amount: usdc(amount) });
    const fill = run({ kind: 'fill', market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: id, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    expect(kinds(fill)).toEqual(['PositionChanged', 'PositionChanged']);
  }
  return { e, run };
}

describe('a parameter change that would put ledgers into breach waits for confirmation', () => {
  it('previews 34 ledgers and 102,000 USDC, holds the change pending, liquidates nobody', () => {
    const { e, run } = world();
    const events = run({ kind: 'set_market', market: TIGHTER });
    // Changes are numbered as they are previewed: this is the first.
    const change = 1;
    expect(events).toEqual([
      expect.objectContaining({ kind: 'ParameterChangePreviewed', change, command: 'set_market', target: 'ETH-PERP', ledgers: 34, notional: usdc('102000') }),
      expect.objectContaining({ kind: 'ParameterChangePending', change, command: 'set_market', target: 'ETH-PERP' }),
    ]);
    expect(e.market('ETH-PERP')?.spec).toBe(ETH_PERP);
    expect(e.isBreached('thin-00')).toBe(false);
    expect(e.state.guards.pending.get(change)).toMatchObject({ ledgers: 34, notional: usdc('102000') });
  });

  it('confirm_change applies it as proposed: the 34 are liquidated then, and only then', () => {
    const { e, run } = world();
    const change = changeOf(run({ kind: 'set_market', market: TIGHTER }));
    const confirmed = run({ kind: 'confirm_change', change });
    expect(kinds(confirmed).slice(0, 2)).toEqual(['ParameterChangeConfirmed', 'MarketUpdated']);
    expect(e.market('ETH-PERP')?.spec).toBe(TIGHTER);
    const started = confirmed.filter((x) => x.kind === 'LiquidationStarted').map((x) => (x as { account: string }).account);
    expect(started).toHaveLength(34);
    expect(started.every((id) => id.startsWith('thin-'))).toBe(true);
    expect(e.state.guards.pending.size).toBe(0);
    // Confirmed once: a second confirmation finds nothing.
    expect(run({ kind: 'confirm_change', change })[0]).toMatchObject({ kind: 'CommandRejected', reason: 'change_unknown', field: 'change' });
  });

  it('cancel_change drops it; nothing changes', () => {
    const { e, run } = world();
    const change = changeOf(run({ kind: 'set_market', market: TIGHTER }));
    expect(run({ kind: 'cancel_change', change })).toEqual([expect.objectContaining({ kind: 'ParameterChangeCancelled', change, command: 'set_market', target: 'ETH-PERP' })]);
    expect(run({ kind: 'confirm_change', change })[0]).toMatchObject({ reason: 'change_unknown' });
    expect(e.market('ETH-PERP')?.spec).toBe(ETH_PERP);
  });

  it('an actor named by confirm_change or cancel_change is carried into its event; absent, the event has none', () => {
    const { e, run } = world();
    const first = changeOf(run({ kind: 'set_market', market: TIGHTER }));
    const second = changeOf(run({ kind: 'set_market', market: TIGHTER }));
    // An empty actor is refused before anything else, and changes nothing: both changes still wait.
    expect(run({ kind: 'cancel_change', change: first, actor: '' })).toEqual([expect.objectContaining({ kind: 'CommandRejected', reason: 'invalid_field', field: 'actor' })]);
    expect(run({ kind: 'confirm_change', change: first, actor: 'x'.repeat(129) })[0]).toMatchObject({ reason: 'invalid_field', field: 'actor' });
    expect(e.state.guards.pending.size).toBe(2);
    const cancelled = run({ kind: 'cancel_change', change: first, actor: 'bk_0123456789abcdef01234567' });
    expect(cancelled).toEqual([{ kind: 'ParameterChangeCancelled', change: first, command: 'set_market', target: 'ETH-PERP', actor: 'bk_0123456789abcdef01234567' }].map((x) => expect.objectContaining(x)));
    const confirmed = run({ kind: 'confirm_change', change: second });
    expect(confirmed[0]).toMatchObject({ kind: 'ParameterChangeConfirmed', change: second });
    expect(confirmed[0]).not.toHaveProperty('actor');
  });

  it('at or below the configured count the change applies at once, after its preview', () => {
    const { run } = world({ ...DEFAULT_RULEBOOK, guards: { ...DEFAULT_GUARDS, confirmChangesAbove: 34 } });
    const events = run({ kind: 'set_market', market: TIGHTER });
    expect(kinds(events).slice(0, 2)).toEqual(['ParameterChangePreviewed', 'MarketUpdated']);
    expect(count(events, 'LiquidationStarted')).toBe(34);
  });

  it('a change that breaches nobody applies at once (preview 0); a rulebook and an asset change are previewed too', () => {
    const { e, run } = world();
    expect(run({ kind: 'set_market', market: { ...ETH_PERP, fees: { makerPpm: 0n, takerPpm: 500n } } })).toEqual([
      expect.objectContaining({ kind: 'ParameterChangePreviewed', ledgers: 0, notional: 0n }),
      expect.objectContaining({ kind: 'MarketUpdated', market: 'ETH-PERP' }),
    ]);
    // 'below' instead of 'at_or_below': nobody sits exactly at maintenance.
    expect(kinds(run({ kind: 'set_rulebook', rulebook: { ...DEFAULT_RULEBOOK, breachRule: 'below' } }))).toEqual(['ParameterChangePreviewed', 'RulebookSet']);
    // One account relies on BTC collateral: 0.01 BTC x 100,000 x 0.95 = 950 against 1 ETH long (MM 75). Weighting BTC
    // at 0 leaves it with equity 0 <= 75: one ledger, 3,000 of notional.
    run({ kind: 'deposit', account: 'btc-holder', asset: 'BTC', amount: dec('0.01', 8) });
    run({ kind: 'fill', market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: 'btc-holder', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    const btc = e.state.asset('BTC');
    expect(btc).toBeDefined();
    const events = run({ kind: 'set_asset', asset: { ...(btc as NonNullable<typeof btc>), collateralWeightPpm: ppm(0n) } });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'ParameterChangePreviewed', command: 'set_asset', target: 'BTC', ledgers: 1, notional: usdc('3000') }),
      expect.objectContaining({ kind: 'ParameterChangePending', target: 'BTC' }),
    ]);
  });

  it('a refused change is not previewed; the queue of pending changes is bounded', () => {
    const { run } = world();
    expect(kinds(run({ kind: 'set_market', market: { ...TIGHTER, baseDecimals: 3 } }))).toEqual(['CommandRejected']);
    for (let i = 0; i < PENDING_CHANGES_MAX; i++) expect(count(run({ kind: 'set_market', market: TIGHTER }), 'ParameterChangePending')).toBe(1);
    expect(run({ kind: 'set_market', market: TIGHTER })).toEqual([expect.objectContaining({ kind: 'CommandRejected', reason: 'changes_full' })]);
  });

  it('a pending change survives snapshot and restore, and confirms the same way', () => {
    const { e, run } = world();
    const change = changeOf(run({ kind: 'set_market', market: TIGHTER }));
    const restored = Engine.restore(decodeSnapshot(encodeSnapshot(e.snapshot())));
    const confirm: Command = { kind: 'confirm_change', tsMs: e.timeMs + 1, change };
    expect(restored.apply(confirm)).toEqual(e.apply(confirm));
  });
});
