// Margin calls through the engine over many call / recovery cycles: the same events under the index (one two-level
// BreachIndex, accounts moved between the levels by setLevel) and under the naive scan (a detector per level), a call
// per crossing with hysteresis, and the index moving exact ledgers from the boundaries it kept, not by evaluations.

import { describe, expect, it } from 'vitest';
import { oneMarket, runScenarioObject } from '../../../test/support/run.js';
import type { MarginView } from '../margin/evaluate.js';
import type { BreachIndexStats } from '../triggers/breach-index.js';
import type { Engine } from './engine.js';

const T = Date.UTC(2025, 1, 2, 20, 0);

/** BTCUSDT, flat 20x (MM 2.5%), Binance's rulebook (margin calls at 1.25 x maintenance, recovery above 1.3125 x). */
function world(commands: unknown[]): unknown {
  return oneMarket({
    rulebook: 'binance',
    startAt: T,
    tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.025' }],
    accounts: [
      { id: 'iso', deposits: { USDT: '1000' } },
      { id: 'cross', deposits: { USDT: '1000' } },
    ],
    commands: [
      { at: T, kind: 'price', market: 'BTCUSDT', mark: '20000' },
      // Both long 0.5 BTC at 20,000 with 1,000 USDT: equity 1,000 + 0.5 (P - 20,000), maintenance 2.5% x 0.5 P. Called
      // below ~18,557 (equity < 1.25 x maintenance), recovered above ~18,600 (> 1.3125 x); liquidated at 18,461.
      { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: { account: 'iso', marginMode: 'isolated', isolatedMargin: '1000' }, seller: 'maker' },
      { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: 'cross', seller: 'maker' },
      ...commands,
    ],
  });
}

const cycle = (low: string, high: string): unknown[] => [
  { kind: 'price', market: 'BTCUSDT', mark: low },
  // Hovering between the levels: no second call.
  { kind: 'price', market: 'BTCUSDT', mark: '18580' },
  { kind: 'price', market: 'BTCUSDT', mark: low },
  { kind: 'price', market: 'BTCUSDT', mark: high },
];

/** The engine's margin-call index (private; read for its counters). */
function levelStats(engine: Engine): BreachIndexStats {
  const calls = (engine as unknown as { calls: { levels: { stats(): BreachIndexStats } | null } }).calls;
  const levels = calls.levels;
  if (levels === null) throw new Error('no two-level index');
  return levels.stats();
}

describe('margin calls over repeated call / recovery cycles', () => {
  it('call each ledger once per crossing, the same under the index and the scan, moving accounts from kept boundaries', () => {
    const cycles = 6;
    const commands: unknown[] = [];
    for (let i = 0; i < cycles; i++) commands.push(...cycle(i % 2 === 0 ? '18550' : '18500', '19000'));
    // A change while called (a deposit to the cross account): the boundaries kept at its other level no longer hold,
    // and it is evaluated when it moves; then one more call and recovery each.
    commands.push({ kind: 'price', market: 'BTCUSDT', mark: '18550' });
    commands.push({ kind: 'deposit', account: 'cross', asset: 'USDT', amount: '1' });
    commands.push({ kind: 'price', market: 'BTCUSDT', mark: '19000' });
    commands.push(...cycle('18550', '19000'));
    // runScenarioObject runs both strategies and throws unless their events and final states are the same.
    const r = runScenarioObject(world(commands));
    const calls = r.wire.filter((e) => e.kind === 'MarginCall');
    const by = (account: string): number => calls.filter((e) => e.account === account).length;
    // One call per cycle and account (the hovering dip does not call again): cycles + 2 each.
    expect(by('iso')).toBe(cycles + 2);
    expect(by('cross')).toBe(cycles + 2);
    expect(r.wire.some((e) => e.kind === 'LiquidationStarted')).toBe(false);
    const stats = levelStats(r.engine);
    if (process.env.BAILIFF_DEBUG !== undefined) console.log(stats);
    // Each account moves up and down once a call (2 x (cycles + 2) moves). Evaluated: each account's first move up
    // (nothing kept at the recovery level yet) and the cross account's move down after its deposit; all the others
    // from the boundaries kept.
    expect(stats.resumed).toBe(2 * 2 * (cycles + 2) - 3);
    expect(stats.exactMisses).toBe(0);
    expect(r.engine.state.enforcement.marginCalled.size).toBe(0);
  });
});

describe('the margin-call levels read the state through views of their own', () => {
  it('neither view inherits from the state (a dropped engine stays collectable); each reads it, requirements scaled', () => {
    const r = runScenarioObject(world([]));
    const s = r.engine.state;
    const levels = (r.engine as unknown as { calls: { levels: { view: MarginView; upperView: MarginView } | null } }).calls.levels;
    if (levels === null) throw new Error('no two-level index');
    // Binance's buffer: calls at 1.25 x maintenance, recovery above 1.3125 x.
    expect([levels.view.requirementScalePpm, levels.upperView.requirementScalePpm]).toEqual([1_250_000n, 1_312_500n]);
    for (const view of [levels.view, levels.upperView]) {
      expect(Object.prototype.isPrototypeOf.call(s, view)).toBe(false);
      expect(view.market('BTCUSDT')).toBe(s.market('BTCUSDT'));
      expect(view.asset('USDT')).toBe(s.asset('USDT'));
      expect([view.quoteDecimals, view.settlementAsset, view.marginValuation]).toEqual([s.quoteDecimals, s.settlementAsset, s.marginValuation]);
    }
  });
});
