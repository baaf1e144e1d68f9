// Reading a sim.json: strict JSON (no duplicate keys), then the zod schema (types.ts); the first bad field is named.

import { zodToWireError } from '../../wire/decode.js';
import { parseStrictJson } from '../../wire/strict-json.js';
import { SimConfigError, simConfigSchema, type SimConfig } from './types.js';

/** Decodes a parsed sim.json; throws SimConfigError naming the first bad field's path. */
export function parseSimConfig(raw: unknown): SimConfig {
  const r = simConfigSchema.safeParse(raw);
  if (!r.success) {
    const e = zodToWireError(r.error, '');
    throw new SimConfigError(e.path === '' ? '(root)' : e.path, e.detail);
  }
  const c = r.data;
  const fail = (path: string, detail: string): never => {
    throw new SimConfigError(path, detail);
  };
  const ids = new Set<string>();
  c.markets.forEach((m, i) => {
    if (ids.has(m.id)) fail(`markets[${i}].id`, `duplicate market ${m.id}`);
    ids.add(m.id);
  });
  if (c.population.leverage.max < c.population.leverage.min) fail('population.leverage.max', 'must be at least leverage.min');
  if (Number(c.population.collateral.max) < Number(c.population.collateral.min)) fail('population.collateral.max', 'must be at least collateral.min');
  if (c.steps === undefined && !c.markets.some((m) => m.path.kind === 'klines')) fail('steps', 'is required unless a market replays klines');
  const assets = new Set(c.assets.map((a) => a.id));
  c.assets.forEach((a, i) => {
    if (!ids.has(a.priceMarket)) fail(`assets[${i}].priceMarket`, `no market ${a.priceMarket} in markets`);
  });
  let share = 0;
  c.population.collateralMix.forEach((m, i) => {
    if (!assets.has(m.asset)) fail(`population.collateralMix[${i}].asset`, `no asset ${m.asset} in assets`);
    share += m.share;
  });
  if (share > 1 + 1e-12) fail('population.collateralMix', 'shares sum to more than 1');
  const names = new Set<string>();
  c.liquidators.forEach((l, i) => {
    if (names.has(l.id)) fail(`liquidators[${i}].id`, `duplicate liquidator ${l.id}`);
    names.add(l.id);
  });
  return c;
}

/** Parses sim.json text (strict JSON: duplicate keys refused) and decodes it. */
export function parseSimConfigText(text: string): SimConfig {
  let raw: unknown;
  try {
    raw = parseStrictJson(text);
  } catch (e) {
    throw new SimConfigError('(file)', e instanceof Error ? e.message : String(e));
  }
  return parseSimConfig(raw);
}
