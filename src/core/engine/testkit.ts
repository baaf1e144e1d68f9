// Builders for tests and benchmarks: a small standard world (USDC settlement, BTC and ETH perps, BTC collateral)
// and fast-check arbitraries of commands, valid and invalid. Not used by the engine itself.

import type { MarketSpec } from '../market/spec.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, ppm, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import type { EngineConfig } from './state.js';
import type { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { canonicalJson } from './snapshot.js';

export const USDC = 'USDC';

export const TEST_CONFIG: EngineConfig = {
  settlement: { asset: USDC, decimals: 6 },
  settlementLtvPpm: ppm(800_000n),
  settlementLiquidationThresholdPpm: ppm(850_000n),
};

/** BTC-PERP: 0.001 BTC steps, 0.1 USD ticks (price atoms of 0.01), Binance-like brackets. */
export const BTC_PERP: MarketSpec = {
  id: 'BTC-PERP',
  baseDecimals: 3,
  priceDecimals: 2,
  tickSize: price(10n),
  stepSize: size(1n),
  margin: {
    tiers: [
      { notionalFloor: quote(0n), initialPpm: ppm(8_000n), maintenancePpm: ppm(4_000n), maintenanceAmount: quote(0n) },
      { notionalFloor: quote(dec('50000', 6)), initialPpm: ppm(10_000n), maintenancePpm: ppm(5_000n), maintenanceAmount: quote(dec('50', 6)) },
      { notionalFloor: quote(dec('250000', 6)), initialPpm: ppm(20_000n), maintenancePpm: ppm(10_000n), maintenanceAmount: quote(dec('1300', 6)) },
    ],
  },
};

/** ETH-PERP: 0.01 ETH steps, 0.01 USD ticks, flat 5% / 2.5%. */
export const ETH_PERP: MarketSpec = {
  id: 'ETH-PERP',
  baseDecimals: 2,
  priceDecimals: 2,
  tickSize: price(1n),
  stepSize: size(1n),
  margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(50_000n), maintenancePpm: ppm(25_000n), maintenanceAmount: quote(0n) }] },
};

/** Commands that list the standard world at time t. */
export function standardSetup(t: number): Command[] {
  return [
    { kind: 'set_rulebook', tsMs: t, rulebook: DEFAULT_RULEBOOK },
    { kind: 'set_market', tsMs: t, market: BTC_PERP },
    { kind: 'set_market', tsMs: t, market: ETH_PERP },
    {
      kind: 'set_asset',
      tsMs: t,
      asset: { id: 'BTC', decimals: 8, priceMarket: 'BTC-PERP', collateralWeightPpm: ppm(950_000n), ltvPpm: ppm(700_000n), liquidationThresholdPpm: ppm(750_000n) },
    },
    { kind: 'price', tsMs: t, market: 'BTC-PERP', mark: price(dec('100000', 2)) },
    { kind: 'price', tsMs: t, market: 'ETH-PERP', mark: price(dec('3000', 2)) },
  ];
}

/** A command without its time (tests assign times along a sequence). */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'tsMs'> : never) : never;

/**
 * ETH-PERP (flat 5% initial / 2.5% maintenance, cent prices, 0.01 ETH steps) after standardSetup: alice (300 USDC)
 * and abe (1,000 USDC) long 1 ETH at 3000 against bob (100,000 USDC, short 2 ETH). `also` comes after the deposits.
 */
export function ethLongsSetup(t: number, also: readonly Command[] = []): Command[] {
  const usdc = (v: string): bigint => dec(v, 6);
  const long = (account: string): Command => ({ kind: 'fill', tsMs: t, market: 'ETH-PERP', price: price(300_000n), size: size(100n), buyer: { account, fee: quote(0n) }, seller: { account: 'bob', fee: quote(0n) } });
  return [
    ...standardSetup(t),
    { kind: 'deposit', tsMs: t, account: 'alice', asset: USDC, amount: usdc('300') },
    { kind: 'deposit', tsMs: t, account: 'abe', asset: USDC, amount: usdc('1000') },
    { kind: 'deposit', tsMs: t, account: 'bob', asset: USDC, amount: usdc('100000') },
    ...also,
    long('alice'),
    long('abe'),
  ];
}

/** Applies commands that must all be accepted (a refusal is a broken test setup: it throws, naming the reason). */
export function applyAccepted(engine: Engine, cmds: readonly Command[]): EngineEvent[] {
  return cmds.flatMap((c) => {
    const events = engine.apply(c);
    const first = events[0];
    if (first?.kind === 'CommandRejected') throw new Error(`${c.kind} refused: ${first.reason} (${first.message})`);
    return events;
  });
}

/** The events of one kind, typed. */
export function eventsOfKind<K extends EngineEvent['kind']>(events: readonly EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
}

/** The engine's state without its sequence number, as canonical JSON: equal before and after a refused command. */
export function stateWithoutSeq(engine: Engine): string {
  const { seq: _seq, ...rest } = engine.snapshot();
  return canonicalJson(rest);
}
