// Test support: run a scenario object through the same path as `bailiff run`.

import { Engine, type EngineOptions } from '../../src/core/engine/engine.js';
import type { EngineEvent } from '../../src/core/engine/events.js';
import { canonicalJson, encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { parseScenario, type Scenario } from '../../src/scenario/load.js';
import { encodeEvent, type WireEvent } from '../../src/wire/encode.js';
import { StampLog } from './stamps.js';

export interface Ran {
  readonly engine: Engine;
  readonly scenario: Scenario;
  readonly events: EngineEvent[];
  readonly wire: WireEvent[];
}

/**
 * Runs the scenario. Without a `detection` option it runs under both breach-detection strategies (the index and the
 * naive scan, core/triggers/detector.ts), checks that they give the same events byte for byte and the same final
 * state, and returns the index's run: every scenario test (golden vectors, enforcement, guards) thereby holds
 * under both.
 */
export function runScenarioObject(json: unknown, options: EngineOptions = {}): Ran {
  if (options.detection !== undefined) return runOnce(json, options);
  const indexed = runOnce(json, { detection: 'index' });
  const scanned = runOnce(json, { detection: 'scan' });
  const same = canonicalJson(scanned.events) === canonicalJson(indexed.events) && encodeSnapshot(scanned.engine.snapshot()) === encodeSnapshot(indexed.engine.snapshot());
  if (!same) throw new Error('the scan and the index gave different events or states for this scenario');
  return indexed;
}

function runOnce(json: unknown, options: EngineOptions): Ran {
  const scenario = parseScenario(json);
  const engine = Engine.create(scenario.config, scenario.rulebook, options);
  const events: EngineEvent[] = [];
  const stamps = new StampLog();
  for (const cmd of scenario.commands) {
    const out = engine.apply(cmd);
    stamps.note(out, engine.state.seq);
    events.push(...out);
  }
  stamps.check();
  return { engine, scenario, events, wire: events.map((e) => encodeEvent(e, scenario.units)) };
}

export function rejections(ran: Ran): EngineEvent[] {
  return ran.events.filter((e) => e.kind === 'CommandRejected');
}

/** A one-market scenario skeleton: USDT (6 decimals), a market with the given tiers, a maker with deep pockets. */
export function oneMarket(opts: {
  rulebook: unknown;
  /** The scenario's start time (ms); absent: the loader's default. */
  startAt?: number;
  market?: string;
  baseDecimals?: number;
  priceDecimals?: number;
  tiers: unknown[];
  accounts: { id: string; deposits: Record<string, string> }[];
  commands: unknown[];
}): unknown {
  return {
    settlement: { asset: 'USDT', decimals: 6 },
    rulebook: opts.rulebook,
    ...(opts.startAt === undefined ? {} : { startAt: opts.startAt }),
    markets: [
      {
        id: opts.market ?? 'BTCUSDT',
        baseDecimals: opts.baseDecimals ?? 3,
        priceDecimals: opts.priceDecimals ?? 2,
        tickSize: '0.01',
        stepSize: '0.001',
        margin: { tiers: opts.tiers },
      },
    ],
    accounts: [{ id: 'maker', deposits: { USDT: '100000000' } }, ...opts.accounts],
    commands: opts.commands,
  };
}
