// Test support: run a scenario object through the same path as `bailiff run`.

import { Engine } from '../../src/core/engine/engine.js';
import type { EngineEvent } from '../../src/core/engine/events.js';
import { parseScenario, type Scenario } from '../../src/scenario/load.js';
import { encodeEvent, type WireEvent } from '../../src/wire/encode.js';

export interface Ran {
  readonly engine: Engine;
  readonly scenario: Scenario;
  readonly events: EngineEvent[];
  readonly wire: WireEvent[];
}

export function runScenarioObject(json: unknown): Ran {
  const scenario = parseScenario(json);
  const engine = Engine.create(scenario.config, scenario.rulebook);
  const events: EngineEvent[] = [];
  for (const cmd of scenario.commands) events.push(...engine.apply(cmd));
  return { engine, scenario, events, wire: events.map((e) => encodeEvent(e, scenario.units)) };
}

export function rejections(ran: Ran): EngineEvent[] {
  return ran.events.filter((e) => e.kind === 'CommandRejected');
}

/** A one-market scenario skeleton: USDT (6 decimals), a market with the given tiers, a maker with deep pockets. */
export function oneMarket(opts: {
  rulebook: unknown;
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
