// Preview mode against a direct engine run: the world of core/engine/changes.test.ts (34 thin ETH longs, 6 safe ones,
// a maker short), the tighter ETH-PERP schedule that puts the 34 into breach, and a stress path.

import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/engine/commands.js';
import { Engine } from '../../core/engine/engine.js';
import type { EngineEvent } from '../../core/engine/events.js';
import { ETH_PERP, standardSetup, TEST_CONFIG, USDC, type CommandBody } from '../../core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../../core/rulebooks/presets.js';
import { dec, ppm, price, quote, size } from '../../core/units/index.js';
import { SweepError } from '../sweep/errors.js';
import { parseChange, parseStress } from './input.js';
import { runPreview } from './preview.js';

const T = 1_773_100_800_000;
const usdc = (whole: string): bigint => dec(whole, 6);
// IM 6%, MM 5.5%: 165 of maintenance on 1 ETH at 3,000 against the thin accounts' 150 (changes.test.ts).
const TIGHTER = { ...ETH_PERP, margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(60_000n), maintenancePpm: ppm(55_000n), maintenanceAmount: quote(0n) }] } };
const THIN = Array.from({ length: 34 }, (_, i) => `thin-${String(i).padStart(2, '0')}`);

function world(): Engine {
  const e = Engine.create(TEST_CONFIG, DEFAULT_RULEBOOK);
  let now = T;
  for (const cmd of standardSetup(T)) e.apply(cmd);
  const run = (cmd: CommandBody): EngineEvent[] => e.apply({ ...cmd, tsMs: ++now } as Command);
  run({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('1000000') });
  for (const [id, amount] of [...THIN.map((id) => [id, '150'] as const), ...Array.from({ length: 6 }, (_, i) => [`safe-${i}`, '1000'] as const)]) {
    run({ kind: 'deposit', account: id, asset: USDC, amount: usdc(amount) });
    run({ kind: 'fill', market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: id, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
  }
  return e;
}

/** Accounts the engine starts liquidating in these events, in order, once each. */
function liquidated(events: readonly EngineEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) if (e.kind === 'LiquidationStarted' && !out.includes(e.account)) out.push(e.account);
  return out;
}

/** A direct run: the world, the change applied (and confirmed when it waits), then the stress prices. */
function directRun(change: boolean, moves: readonly string[]): { step: number; account: string }[] {
  const e = world();
  const t0 = e.timeMs + 1;
  const out: { step: number; account: string }[] = [];
  const seen = new Set<string>();
  const note = (step: number, events: readonly EngineEvent[]): void => {
    for (const a of liquidated(events)) {
      if (seen.has(a)) continue;
      seen.add(a);
      out.push({ step, account: a });
    }
  };
  if (change) {
    const events = e.apply({ kind: 'set_market', tsMs: t0, market: TIGHTER });
    note(0, events);
    const pending = events.find((x) => x.kind === 'ParameterChangePending') as { change: number } | undefined;
    if (pending !== undefined) note(0, e.apply({ kind: 'confirm_change', tsMs: t0, change: pending.change }));
  }
  moves.forEach((p, i) => note(i + 1, e.apply({ kind: 'price', tsMs: t0 + (i + 1) * 60_000, market: 'ETH-PERP', mark: price(dec(p, 2)), index: price(dec(p, 2)) })));
  return out.sort((a, b) => a.step - b.step || (a.account < b.account ? -1 : 1));
}

const units = {
  quoteDecimals: 6,
  settlementAsset: USDC,
  assetDecimals: (id: string) => (id === USDC ? 6 : undefined),
  market: (id: string) => (id === 'ETH-PERP' ? { baseDecimals: 2, priceDecimals: 2 } : id === 'BTC-PERP' ? { baseDecimals: 4, priceDecimals: 1 } : undefined),
};

const WIRE_TIGHTER = {
  markets: [{ id: 'ETH-PERP', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01', margin: { tiers: [{ notionalFloor: '0', initialRatio: '0.06', maintenanceRatio: '0.055' }] } }],
};

describe('preview: who a change would liquidate, with and without it', () => {
  it('lists exactly the 34 ledgers the change puts into breach at the live prices, as a direct engine run does', () => {
    const live = world();
    const seq = live.seq;
    const change = parseChange(WIRE_TIGHTER, units, live.rulebook.name, live.timeMs + 1);
    const r = runPreview(live, change, { steps: 0, stepMs: 60_000, moves: new Map() });
    expect(r.with.map((l) => l.account)).toEqual(THIN);
    expect(r.without).toEqual([]);
    expect(r.onlyWithChange).toHaveLength(34);
    expect(directRun(true, [])).toEqual(r.with.map((l) => ({ step: 0, account: l.account })));
    // The engine's own preview of the change (ParameterChangePreviewed): 34 ledgers, 34 x 3,000 of notional.
    expect(r.enginePreview).toEqual([{ command: 'set_market', target: 'ETH-PERP', ledgers: 34, notional: '102000', pending: true }]);
    // Each with its positions and the figures that put it in breach: equity 150 against 165 of maintenance.
    expect(r.with[0]).toEqual({
      account: 'thin-00', ledger: r.with[0]?.ledger, step: 0, tsMs: live.timeMs + 1, market: 'ETH-PERP', size: '1', mark: '3000', equity: '150', maintenance: '165',
      positions: [{ market: 'ETH-PERP', size: '1' }],
    });
    // The live engine is untouched.
    expect(live.seq).toBe(seq);
    expect(live.market('ETH-PERP')?.spec).toBe(ETH_PERP);
  });

  it('down a stress path: the same ledgers both ways, 34 of them earlier with the change; both sides match direct runs', () => {
    const live = world();
    const change = parseChange(WIRE_TIGHTER, units, live.rulebook.name, live.timeMs + 1);
    // ETH -4% over 4 steps: 2970, 2940, 2910, 2880. Without the change a thin long (150 of equity, MM 2.5%) breaches
    // when 150 - (3000 - p) <= 0.025 p, p <= 2926.83: at step 3 (2910). The safe ones (1,000) never do.
    const stress = parseStress({ steps: 4, stepMs: 60_000, moves: { 'ETH-PERP': '-0.04' } });
    const r = runPreview(live, change, stress);
    const prices = ['2970', '2940', '2910', '2880'];
    expect(r.without.map((l) => ({ step: l.step, account: l.account }))).toEqual(directRun(false, prices));
    expect(r.with.map((l) => ({ step: l.step, account: l.account }))).toEqual(directRun(true, prices));
    expect(r.without.map((l) => l.account)).toEqual(THIN);
    expect(r.without.every((l) => l.step === 3 && l.mark === '2910')).toBe(true);
    expect(r.onlyWithChange).toEqual([]);
    expect(r.onlyWithoutChange).toEqual([]);
    expect(r.earlierWithChange).toHaveLength(34);
  });

  it('refuses inputs that name nothing, with the field', () => {
    const live = world();
    const err = (f: () => unknown): SweepError => {
      try {
        f();
      } catch (e) {
        return e as SweepError;
      }
      throw new Error('accepted');
    };
    expect(err(() => parseChange({}, units, 'binance', 0)).message).toBe('change.rulebook: give a rulebook or markets to change');
    expect(err(() => parseChange({ markets: [{ ...WIRE_TIGHTER.markets[0], id: 'SOL-PERP' }] }, units, 'binance', 0)).path).toBe('change.markets[0].id');
    expect(err(() => parseStress({ steps: 2, moves: { 'ETH-PERP': '-1.5' } })).path).toBe('stress.moves.ETH-PERP');
    expect(err(() => parseStress({ steps: -1, moves: {} })).path).toBe('stress.steps');
    const e = err(() => runPreview(live, [], { steps: 1, stepMs: 1, moves: new Map([['SOL-PERP', 0n]]) }));
    expect([e.code, e.path]).toEqual(['preview_input_invalid', 'stress.moves.SOL-PERP']);
  });

  it('applies rulebook overrides on the live preset', () => {
    const [cmd] = parseChange({ rulebook: { liquidation: { fees: { insurance: '0.02' } } } }, units, 'binance', 5);
    expect(cmd?.kind === 'set_rulebook' && cmd.rulebook.name).toBe('binance+custom');
    expect(cmd?.kind === 'set_rulebook' && cmd.rulebook.liquidation.fees.insuranceFeePpm).toBe(20_000n);
  });
});
