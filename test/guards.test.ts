// The guards (docs/guards.md) end to end: their settings and commands in scenario files, through `bailiff run`, with
// every event printed in decimals. The incidents themselves are tested in src/core/engine/guards.test.ts,
// changes.test.ts and audit.test.ts; here the wire format carries them.

import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.js';
import { decodeCommand } from '../src/wire/decode.js';
import { encodeEvent } from '../src/wire/encode.js';
import { parseScenario } from '../src/scenario/load.js';
import { runScenarioObject, type Ran } from './support/run.js';

const T = Date.UTC(2025, 9, 10, 21, 0);
const ofKind = (r: Ran, kind: string): Record<string, unknown>[] => r.wire.filter((e) => e.kind === kind);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

/** Applies more wire commands to a scenario's engine, as the scenario loader would decode them. */
function more(r: Ran, commands: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  commands.forEach((raw, i) => {
    const cmd = decodeCommand(raw, r.scenario.units, `more[${i}]`, r.engine.timeMs);
    for (const e of r.engine.apply(cmd)) out.push(encodeEvent(e, r.scenario.units));
  });
  return out;
}

const market = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  baseDecimals: 0,
  priceDecimals: 4,
  tickSize: '0.0001',
  stepSize: '1',
  margin: { tiers: [{ notionalFloor: '0', maxLeverage: 10, maintenanceRatio: '0.05' }] },
  ...extra,
});

describe('guards in scenario files', () => {
  it('bailiff run: the wBETH example depegs on its own book, liquidates only the book-valued account, and audits clean', async () => {
    const r = await cli(['run', 'examples/wbeth-depeg.json', '--summary']);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.kind === 'CollateralDepegged')).toEqual([expect.objectContaining({ asset: 'WBETH', market: 'WBETHUSDT', price: '430', implied: '4387' })]);
    // bob: 10 x 430 x 0.9 = 3,870 against a maintenance of 1% x 600,000 = 6,000.
    expect(events.filter((e) => e.kind === 'LiquidationStarted')).toEqual([expect.objectContaining({ account: 'bob', equity: '3870', maintenance: '6000' })]);
    expect(events.at(-1)).toMatchObject({ kind: 'InvariantAudited', sampled: 3, failures: 0 });
    // alice keeps 10 x 1.07 x 4,100 x 0.9 = 39,483 of equity.
    expect(r.err).toContain('alice: equity 39483 ');
  });

  it('market caps, answer bounds, account groups, parameter changes and the Halted state, in decimals', () => {
    const r = runScenarioObject({
      settlement: { asset: 'USDT', decimals: 6 },
      rulebook: { preset: 'hyperliquid', guards: { transferMargin: '0.2', audit: { sampleAccounts: 8 } } },
      startAt: T,
      markets: [
        market('JELLYUSDT', { openInterestCap: { size: '1000000', notional: '100000' } }),
        market('LUNAUSDT', { priceDecimals: 3, tickSize: '0.001', pricing: { answerBounds: { min: '0.107', max: '1000' } } }),
        market('LUNA2USDT', {
          priceDecimals: 3,
          tickSize: '0.001',
          pricing: { index: { sources: { chainlink: 1, pyth: 1 }, maxAgeMs: 60000, minSources: 1, answerBounds: { chainlink: { min: '0.107', max: '1000' } } } },
        }),
      ],
      accounts: [
        { id: 'a', deposits: { USDT: '100000' } },
        { id: 'b', deposits: { USDT: '100000' } },
      ],
      commands: [
        { kind: 'price', market: 'JELLYUSDT', mark: '0.0095' },
        { kind: 'fill', market: 'JELLYUSDT', price: '0.0095', size: '2000000', buyer: 'a', seller: 'b' },
        { kind: 'price', market: 'LUNAUSDT', mark: '0.107' },
        { kind: 'source_price', market: 'LUNA2USDT', source: 'pyth', price: '0.010' },
        { kind: 'source_price', market: 'LUNA2USDT', source: 'chainlink', price: '0.107' },
        { kind: 'set_account_group', account: 'a', group: 'same-owner' },
        { kind: 'set_account_group', account: 'b', group: 'same-owner' },
        { kind: 'fill', market: 'JELLYUSDT', price: '0.0095', size: '1', buyer: 'a', seller: 'b' },
      ],
    });
    expect(r.scenario.rulebook.guards).toEqual({ transferMarginPpm: 200_000n, confirmChangesAbove: 0, auditEveryCommands: 0, auditSampleAccounts: 8 });
    const refused = ofKind(r, 'CommandRejected').map((e) => [e.command, e.reason]);
    // 2,000,000 JELLY > the 1,000,000 cap; then the group.
    expect(refused).toEqual([
      ['fill', 'open_interest_cap'],
      ['fill', 'group_self_trade'],
    ]);
    expect(ofKind(r, 'PriceClamped')).toEqual([
      expect.objectContaining({ market: 'LUNAUSDT', source: null, price: '0.107', bound: 'min' }),
      expect.objectContaining({ market: 'LUNA2USDT', source: 'chainlink', price: '0.107', bound: 'min' }),
    ]);
    expect(r.engine.market('LUNA2USDT')?.indexPrice).toBe(10n); // pyth's 0.010 alone
    expect(ofKind(r, 'AccountGroupSet')).toHaveLength(2);

    // Unlinked, they trade: 500,000 JELLY (4,750 of notional, within both caps).
    expect(more(r, [{ kind: 'set_account_group', account: 'b', group: null }, { kind: 'fill', market: 'JELLYUSDT', price: '0.0095', size: '500000', buyer: 'a', seller: 'b' }]).map((e) => e.kind)).toEqual([
      'AccountGroupSet',
      'PositionChanged',
      'PositionChanged',
    ]);
    // 1x leverage (maintenance 100% of notional, 4,750) breaches neither (100,000 each): previewed, applied at once.
    const proposal = more(r, [
      { kind: 'set_market', market: market('JELLYUSDT', { margin: { tiers: [{ notionalFloor: '0', maxLeverage: 1, maintenanceRatio: '1' }] }, openInterestCap: { size: '1000000' } }) },
    ]);
    expect(proposal.map((e) => e.kind)).toEqual(['ParameterChangePreviewed', 'MarketUpdated']);
    expect(proposal[0]).toMatchObject({ command: 'set_market', target: 'JELLYUSDT', ledgers: 0, notional: '0' });

    const halted = more(r, [{ kind: 'halt', reason: 'operator drill' }, { kind: 'fill', market: 'JELLYUSDT', price: '0.0095', size: '1', buyer: 'a', seller: 'b' }, { kind: 'audit' }, { kind: 'resume' }]);
    expect(halted.map((e) => [e.kind, e.reason ?? e.failures ?? ''])).toEqual([
      ['EngineHalted', 'operator'],
      ['CommandRejected', 'engine_halted'],
      ['InvariantAudited', 0],
      ['EngineResumed', ''],
    ]);
    expect(halted[0]).toMatchObject({ kind: 'EngineHalted', reason: 'operator', detail: 'operator drill' });
  });

  it('a change held pending is confirmed or cancelled by its number', () => {
    const r = runScenarioObject({
      settlement: { asset: 'USDT', decimals: 6 },
      startAt: T,
      markets: [market('JELLYUSDT')],
      accounts: [
        { id: 'a', deposits: { USDT: '1000' } },
        { id: 'b', deposits: { USDT: '100000' } },
      ],
      commands: [
        { kind: 'price', market: 'JELLYUSDT', mark: '0.0100' },
        // a: long 500,000 at 0.01, notional 5,000, IM 10% = 500, MM 5% = 250; equity 1,000.
        { kind: 'fill', market: 'JELLYUSDT', price: '0.0100', size: '500000', buyer: 'a', seller: 'b' },
        // Maintenance 25% (IM 25%, 4x): a needs 1,250 > 1,000; b (100,000) does not. One ledger, 5,000 of notional.
        { kind: 'set_market', market: market('JELLYUSDT', { margin: { tiers: [{ notionalFloor: '0', maxLeverage: 4, maintenanceRatio: '0.25' }] } }) },
      ],
    });
    const previewed = ofKind(r, 'ParameterChangePreviewed');
    expect(previewed).toEqual([expect.objectContaining({ command: 'set_market', target: 'JELLYUSDT', ledgers: 1, notional: '5000' })]);
    expect(ofKind(r, 'ParameterChangePending')).toHaveLength(1);
    const change = previewed[0]?.change as number;
    expect(more(r, [{ kind: 'cancel_change', change: change + 1 }])[0]).toMatchObject({ kind: 'CommandRejected', reason: 'change_unknown', field: 'change' });
    const confirmed = more(r, [{ kind: 'confirm_change', change }]);
    expect(confirmed.slice(0, 3).map((e) => e.kind)).toEqual(['ParameterChangeConfirmed', 'MarketUpdated', 'LiquidationStarted']);
  });

  it('malformed guard settings name their field', () => {
    const base = { settlement: { asset: 'USDT', decimals: 6 }, markets: [market('JELLYUSDT')] };
    expect(() => parseScenario({ ...base, rulebook: { preset: 'binance', guards: { transferMargin: '1.5' } } })).toThrow('rulebook.guards.transferMargin: must be in [0, 1]');
    expect(() => parseScenario({ ...base, rulebook: { preset: 'binance', guards: { audit: { everyDay: 1 } } } })).toThrow('rulebook.guards.audit: unknown field(s): everyDay');
    expect(() =>
      parseScenario({ ...base, assets: [{ id: 'WBETH', decimals: 8, priceMarket: 'JELLYUSDT', peg: { conversionRate: '1.0000000000000000001' } }] }),
    ).toThrow('assets[0].peg.conversionRate: 1.0000000000000000001: at most 18 decimal places');
    expect(() => parseScenario({ ...base, markets: [market('X', { pricing: { answerBounds: { min: '2', max: '1' } } })] })).toThrow('markets[0].pricing.answerBounds: need 0 <= min < max');
    expect(() => parseScenario({ ...base, commands: [{ kind: 'halt', reason: '' }] })).toThrow('commands[0].reason');
  });
});
