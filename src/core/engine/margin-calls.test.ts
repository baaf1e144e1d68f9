// Margin calls through the engine over many call / recovery cycles: the same events under the index (one two-level
// BreachIndex, accounts moved between the levels by setLevel) and under the naive scan (a detector per level), a call
// per crossing with hysteresis, and the index moving exact ledgers from the boundaries it kept, not by evaluations.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneMarket, runScenarioObject } from '../../../test/support/run.js';
import type { MarginView } from '../margin/evaluate.js';
import type { BreachIndexStats } from '../triggers/breach-index.js';
import { Engine } from './engine.js';
import type { Command } from './commands.js';
import { canonicalJson, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { ppm, price as toPrice } from '../units/index.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { validateLiquidationRules } from '../rulebooks/liquidation.js';

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
    // Each call ends in a MarginCallCleared when the account is back above the recovery level: call, cleared, call...
    for (const account of ['iso', 'cross']) {
      const told = r.wire.filter((e) => (e.kind === 'MarginCall' || e.kind === 'MarginCallCleared') && e.account === account).map((e) => e.kind);
      expect(told).toEqual(Array.from({ length: 2 * (cycles + 2) }, (_, i) => (i % 2 === 0 ? 'MarginCall' : 'MarginCallCleared')));
    }
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

describe('the recovery level (rulebook liquidation.marginCallRecoveryBuffer)', () => {
  const price = (at: number, mark: string): unknown => ({ at, kind: 'price', market: 'BTCUSDT', mark });
  /** The world above with the recovery level at maintenance x (1 + `recovery`) instead of x 1.3125. */
  const withRecovery = (commands: unknown[], recovery: string): unknown => ({ ...(world(commands) as object), rulebook: { preset: 'binance', liquidation: { marginCallRecoveryBuffer: recovery } } });
  const cleared = (r: ReturnType<typeof runScenarioObject>): [unknown, unknown][] =>
    r.wire.filter((e) => e.kind === 'MarginCallCleared').map((e) => [e.tsMs, e.account] as [unknown, unknown]).sort();
  // Called at 18,500 (below ~18,557); 18,650 is above the default recovery level (~18,611: equity > 1.3125 x
  // maintenance) but below a recovery buffer of 0.5 (equity > 1.5 x maintenance above ~18,702); 19,000 is above both.
  const commands = [price(T + 1_000, '18500'), price(T + 2_000, '18650'), price(T + 3_000, '19000')];

  it('clear a call only above the rulebook\'s recovery level, the same under the index and the scan', () => {
    const byDefault = runScenarioObject(world(commands));
    const wide = runScenarioObject(withRecovery(commands, '0.5'));
    expect(cleared(byDefault)).toEqual([[T + 2_000, 'cross'], [T + 2_000, 'iso']]);
    expect(cleared(wide)).toEqual([[T + 3_000, 'cross'], [T + 3_000, 'iso']]);
    // Both called once, at the same command, with the same figures.
    const calls = (r: ReturnType<typeof runScenarioObject>): unknown[] => r.wire.filter((e) => e.kind === 'MarginCall').map((e) => [e.tsMs, e.account, e.equity, e.maintenance, e.callLevel]);
    expect(calls(wide)).toEqual(calls(byDefault));
    expect(calls(wide)).toHaveLength(2);
    const levels = (wide.engine as unknown as { calls: { levels: { view: MarginView; upperView: MarginView } | null } }).calls.levels;
    if (levels === null) throw new Error('no two-level index');
    expect([levels.view.requirementScalePpm, levels.upperView.requirementScalePpm]).toEqual([1_250_000n, 1_500_000n]);
    // The preset's own default, written out, calls and clears the same.
    const told = (r: ReturnType<typeof runScenarioObject>): unknown[] => r.wire.filter((e) => e.kind === 'MarginCall' || e.kind === 'MarginCallCleared');
    expect(told(runScenarioObject(withRecovery(commands, '0.3125')))).toEqual(told(byDefault));
  });

  it('clear every call when a rulebook change moves the recovery level alone, as a move of the call level does, and follow the new levels', () => {
    const r = runScenarioObject(world([price(T + 1_000, '18500')]));
    expect([...r.engine.state.enforcement.marginCalled].sort()).toEqual(['cross', 'iso']);
    const rulebook = r.engine.state.rulebook;
    const told = (tsMs: number, mark: bigint | null): string[] => {
      const events =
        mark === null
          ? r.engine.apply({ kind: 'set_rulebook', tsMs, rulebook: { ...rulebook, liquidation: { ...rulebook.liquidation, marginCallRecoveryBufferPpm: ppm(500_000n) } } })
          : r.engine.apply({ kind: 'price', tsMs, market: 'BTCUSDT', mark: toPrice(mark) });
      return events.filter((e) => e.kind === 'MarginCallCleared' || e.kind === 'MarginCall').map((e) => `${e.kind}:${e.account}`);
    };
    // Every call cleared by the change; a ledger still below the call level is called when it next crosses it (the
    // new index arms it in breach at once, as after a change of the call buffer).
    expect(told(T + 2_000, null)).toEqual(['MarginCallCleared:cross', 'MarginCallCleared:iso']);
    expect(r.engine.state.enforcement.marginCalled.size).toBe(0);
    expect(told(T + 3_000, 18_650_00n)).toEqual([]);
    expect(told(T + 4_000, 18_500_00n)).toEqual(['MarginCall:cross', 'MarginCall:iso']);
    // Above the old recovery level, below the new one: still called; above the new one: cleared.
    expect(told(T + 5_000, 18_650_00n)).toEqual([]);
    expect(told(T + 6_000, 19_000_00n)).toEqual(['MarginCallCleared:cross', 'MarginCallCleared:iso']);
  });

  it('restore from a snapshot at the rulebook\'s recovery level: the same later events as the engine that took it', () => {
    const r = runScenarioObject(withRecovery([price(T + 1_000, '18500')], '0.5'));
    const restored = Engine.restore(decodeSnapshot(encodeSnapshot(r.engine.snapshot())));
    for (const [at, mark] of [[T + 2_000, 18_650_00n], [T + 3_000, 19_000_00n]] as const) {
      const cmd: Command = { kind: 'price', tsMs: at, market: 'BTCUSDT', mark: toPrice(mark) };
      const events = r.engine.apply(cmd);
      expect(canonicalJson(restored.apply(cmd))).toBe(canonicalJson(events));
      // Cleared only above 1.5 x maintenance: at 19,000, not at 18,650.
      expect(events.filter((e) => e.kind === 'MarginCallCleared')).toHaveLength(at === T + 3_000 ? 2 : 0);
    }
  });

  it('refuse a recovery level below the call level or beyond 10x, with the field named', () => {
    const binance = (rulebookPreset('binance', 6) as Rulebook).liquidation;
    const problem = { path: 'marginCallRecoveryBufferPpm', message: 'must be in [marginCallBufferPpm, 10e6]: the recovery level is at or above the call level' };
    expect(validateLiquidationRules({ ...binance, marginCallRecoveryBufferPpm: ppm(249_999n) })).toEqual([problem]);
    expect(validateLiquidationRules({ ...binance, marginCallRecoveryBufferPpm: ppm(10_000_001n) })).toEqual([problem]);
    expect(validateLiquidationRules({ ...binance, marginCallRecoveryBufferPpm: ppm(250_000n) })).toEqual([]);
    expect(() => runScenarioObject(withRecovery([], '0.2'))).toThrow(/marginCallRecoveryBuffer/);
  });
});

describe('margin calls swept at an interval (rulebook liquidation.marginCallIntervalMs)', () => {
  const MINUTE = 60_000;
  /** The world above with calls swept every minute of engine time (T is on a minute). */
  const swept = (commands: unknown[]): unknown => ({ ...(world(commands) as object), rulebook: { preset: 'binance', liquidation: { marginCallIntervalMs: MINUTE } } });
  const price = (at: number, mark: string): unknown => ({ at, kind: 'price', market: 'BTCUSDT', mark });
  const callsAt = (r: ReturnType<typeof runScenarioObject>, at: number): string[] =>
    r.wire.filter((e) => e.kind === 'MarginCall' && e.tsMs === at).map((e) => `${String(e.account)}:${String(e.ledger)}`);

  it('announce a call at the first command of an interval, for what is below the call level then; a dip and back within one interval is none', () => {
    const commands = [
      price(T + 1_000, '18550'), // below the call level (~18,557) ...
      price(T + 2_000, '19000'), // ... and back above within the first minute
      price(T + MINUTE + 1_000, '19000'), // the next minute's sweep: nothing below, no call
      price(T + MINUTE + 2_000, '18550'), // below again: not called until the sweep
      price(T + MINUTE + 3_000, '18540'),
      price(T + 2 * MINUTE + 1_000, '18545'), // the sweep: both called, at this command, with its figures
    ];
    const every = runScenarioObject(world(commands));
    const r = runScenarioObject(swept(commands));
    // Called after every command: at the first dip and at the second.
    expect(callsAt(every, T + 1_000).sort()).toEqual(['cross:cross', 'iso:BTCUSDT']);
    expect(callsAt(every, T + MINUTE + 2_000).sort()).toEqual(['cross:cross', 'iso:BTCUSDT']);
    // Swept every minute: the dip within the first minute is never called; the second dip at the third minute's sweep.
    const calls = r.wire.filter((e) => e.kind === 'MarginCall');
    expect(calls.map((e) => e.tsMs)).toEqual([T + 2 * MINUTE + 1_000, T + 2 * MINUTE + 1_000]);
    // The figures are those of the sweep's state (mark 18,545): the same as a call made at that price every command.
    const direct = runScenarioObject(world([price(T + 1_000, '18545')])).wire.filter((e) => e.kind === 'MarginCall');
    const figures = (es: typeof calls): unknown[] => es.map((e) => [e.account, e.ledger, e.equity, e.maintenance, e.callLevel]).sort();
    expect(figures(calls)).toEqual(figures(direct));
    expect([...r.engine.state.enforcement.marginCalled].sort()).toEqual(['cross', 'iso']);
  });

  it('release recovered accounts at a sweep, to be called again at a later one, and never hold a liquidation back', () => {
    const commands = [
      price(T + 1_000, '18550'),
      price(T + MINUTE + 1_000, '18545'), // called here
      price(T + MINUTE + 2_000, '19500'), // above the recovery level (~18,600) ...
      price(T + 2 * MINUTE + 1_000, '19500'), // ... released at this sweep
      price(T + 2 * MINUTE + 2_000, '18550'),
      price(T + 3 * MINUTE + 1_000, '18545'), // called again
      price(T + 3 * MINUTE + 2_000, '18400'), // below liquidation (18,461) mid-interval: liquidated at once
    ];
    const r = runScenarioObject(swept(commands));
    expect(r.wire.filter((e) => e.kind === 'MarginCall').map((e) => e.tsMs)).toEqual([T + MINUTE + 1_000, T + MINUTE + 1_000, T + 3 * MINUTE + 1_000, T + 3 * MINUTE + 1_000]);
    expect(r.wire.filter((e) => e.kind === 'LiquidationStarted').map((e) => e.tsMs)).toEqual([T + 3 * MINUTE + 2_000, T + 3 * MINUTE + 2_000]);
  });

  it('snapshot: restored exactly when settled (right after a sweep); refused, with the reason, between a change and the next sweep', () => {
    const setup = [price(T + 1_000, '18550'), price(T + MINUTE + 1_000, '18545')];
    const r = runScenarioObject(swept(setup));
    expect(r.engine.callsSettled).toBe(true);
    const settled = encodeSnapshot(r.engine.snapshot());
    const restored = Engine.restore(decodeSnapshot(settled));
    const later: Command[] = [
      { kind: 'price', tsMs: T + MINUTE + 2_000, market: 'BTCUSDT', mark: toPrice(19_500_00n) },
      { kind: 'price', tsMs: T + 2 * MINUTE + 1_000, market: 'BTCUSDT', mark: toPrice(18_545_00n) },
      { kind: 'price', tsMs: T + 3 * MINUTE + 1_000, market: 'BTCUSDT', mark: toPrice(18_540_00n) },
    ];
    for (const cmd of later) expect(canonicalJson(restored.apply(cmd))).toBe(canonicalJson(r.engine.apply(cmd)));
    r.engine.apply({ kind: 'price', tsMs: T + 3 * MINUTE + 2_000, market: 'BTCUSDT', mark: toPrice(19_000_00n) });
    expect(r.engine.callsSettled).toBe(false);
    const unsettled = r.engine.snapshot();
    expect(unsettled.marginCallsUnsettled).toBe(true);
    expect(() => Engine.restore(decodeSnapshot(encodeSnapshot(unsettled)))).toThrow(/between two sweeps of margin calls/);
    // A what-if copy (preview, simulate) may take it: the call index is built at the restored state.
    const copy = Engine.restore(decodeSnapshot(encodeSnapshot(unsettled)), { restoreUnsettledCalls: true });
    expect(copy.callsSettled).toBe(true);
    expect(copy.state.enforcement.marginCalled).toEqual(r.engine.state.enforcement.marginCalled);
  });

  it('refuse an interval that is not a non-negative integer', () => {
    expect(() => runScenarioObject({ ...(world([]) as object), rulebook: { preset: 'binance', liquidation: { marginCallIntervalMs: -1 } } })).toThrow();
    expect(validateLiquidationRules({ ...(rulebookPreset('binance', 6) as Rulebook).liquidation, marginCallIntervalMs: 1.5 })).toEqual([{ path: 'marginCallIntervalMs', message: 'must be a non-negative integer (ms)' }]);
  });
});

describe('margin calls swept at an interval, as a property', () => {
  it('the index and the scan give the same events, and a restore at any settled point the same later events, for random walks around the call level', () => {
    let calls = 0;
    let restores = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 45_000 }), fc.integer({ min: 18_430, max: 19_100 })), { minLength: 5, maxLength: 50 }),
        fc.integer({ min: 5_000, max: 120_000 }),
        (steps, interval) => {
          let at = T + 1_000;
          const commands = steps.map(([dt, mark]) => {
            at += dt;
            return { at, kind: 'price', market: 'BTCUSDT', mark: String(mark) };
          });
          const json = { ...(world(commands) as object), rulebook: { preset: 'binance', liquidation: { marginCallIntervalMs: interval } } };
          // Under both strategies (runScenarioObject throws unless their events and final states are the same).
          const r = runScenarioObject(json);
          calls += r.wire.filter((e) => e.kind === 'MarginCall').length;
          // The original run's events by command (seq k + 1 for command k).
          const bySeq = new Map<number, unknown[]>();
          for (const e of r.events) bySeq.set(e.seq, [...(bySeq.get(e.seq) ?? []), e]);
          // Replayed command by command: at settled points, a restored engine answers every later command as the
          // original did.
          const engine = Engine.create(r.scenario.config, r.scenario.rulebook);
          const all = r.scenario.commands;
          for (let k = 0; k < all.length; k++) {
            engine.apply(all[k] as Command);
            if (!engine.callsSettled || k % 5 !== 3) continue;
            restores++;
            const restored = Engine.restore(decodeSnapshot(encodeSnapshot(engine.snapshot())));
            for (let j = k + 1; j < all.length; j++) expect(canonicalJson(restored.apply(all[j] as Command))).toBe(canonicalJson(bySeq.get(j + 1) ?? []));
          }
        },
      ),
      { numRuns: 200, seed: 5 },
    );
    expect(calls, 'margin calls').toBeGreaterThan(100);
    expect(restores, 'restores compared').toBeGreaterThan(100);
  });
});

describe('margin calls taken from records (a recovery: Engine.deferMarginCalls), as a property', () => {
  /** The world's setup commands: two deposits, the first price, two fills. */
  const SETUP = 5;
  it('for random walks around the call level with changes to the accounts, the other events the same while deferred, then the same state and events once resumed', () => {
    let told = 0;
    let resumes = 0;
    let endedCalled = 0;
    fc.assert(
      fc.property(
        // Above the liquidation price (18,461), around both call levels.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 45_000 }), fc.integer({ min: 18_480, max: 18_700 }), fc.integer({ min: 0, max: 12 })), { minLength: 5, maxLength: 60 }),
        fc.nat(),
        (steps, cut) => {
          let at = T + 1_000;
          const commands = steps.flatMap(([dt, mark, other]) => {
            at += dt;
            const tick = { at, kind: 'price', market: 'BTCUSDT', mark: String(mark) };
            // Now and then a change to an account (a deposit, a withdrawal: it moves the ledger's boundaries).
            if (other === 0) return [tick, { at, kind: 'deposit', account: 'cross', asset: 'USDT', amount: '3' }];
            if (other === 1) return [tick, { at, kind: 'withdraw', account: 'cross', asset: 'USDT', amount: '2' }];
            return [tick];
          });
          const r = runScenarioObject(world(commands));
          const all = r.scenario.commands as Command[];
          const computed = Engine.create(r.scenario.config, r.scenario.rulebook);
          const recorded = Engine.create(r.scenario.config, r.scenario.rulebook);
          // Half the runs resumed at the end, half somewhere after the deferral.
          const resumeAt = cut % 2 === 0 ? all.length : SETUP + 1 + ((cut >> 1) % (all.length - SETUP));
          let deferring = false;
          for (let k = 0; k < all.length; k++) {
            // Deferred after the setup's deposits, price and fills (a journal's snapshot would be there), resumed at
            // `resumeAt`: 'iso' is changed by no command after it (the catch-up follows its prices and level alone).
            if (k === SETUP) deferring = recorded.deferMarginCalls();
            if (k === resumeAt && recorded.marginCallsDeferred) {
              recorded.resumeMarginCalls();
              resumes++;
            }
            const a = computed.apply(all[k] as Command);
            const b = recorded.apply(all[k] as Command);
            if (!recorded.marginCallsDeferred) {
              expect(canonicalJson(b)).toBe(canonicalJson(a));
              continue;
            }
            const others = a.filter((e) => e.kind !== 'MarginCall' && e.kind !== 'MarginCallCleared').map((e, ordinal) => ({ ...e, ordinal }));
            expect(canonicalJson(b)).toBe(canonicalJson(others));
            for (const e of a) {
              if (e.kind !== 'MarginCall' && e.kind !== 'MarginCallCleared') continue;
              recorded.recordMarginCall(e.account, e.kind === 'MarginCall');
              told++;
            }
          }
          expect(deferring).toBe(true);
          if (recorded.marginCallsDeferred) endedCalled += computed.state.enforcement.marginCalled.size;
          recorded.resumeMarginCalls();
          expect(encodeSnapshot(recorded.snapshot())).toBe(encodeSnapshot(computed.snapshot()));
          // Then a walk down through both call levels and back: the same calls.
          for (const mark of [18_600n, 18_540n, 18_620n, 18_500n, 18_700n, 18_550n, 19_000n]) {
            const cmd: Command = { kind: 'price', market: 'BTCUSDT', mark: toPrice(mark * 100n), tsMs: computed.timeMs };
            expect(canonicalJson(recorded.apply(cmd))).toBe(canonicalJson(computed.apply(cmd)));
          }
          expect(encodeSnapshot(recorded.snapshot())).toBe(encodeSnapshot(computed.snapshot()));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    expect(told, 'calls and clearances taken from the records').toBeGreaterThan(200);
    expect(resumes, 'resumed mid-stream').toBeGreaterThan(50);
    expect(endedCalled, 'accounts called when the deferral ended').toBeGreaterThan(50);
  });
});
