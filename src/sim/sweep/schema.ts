// The sweep.json format (docs/sweeps.md): a sim.json, the seeds every point runs, the parameters to vary and how to
// search them. A strict zod schema, so a misspelt field is an error that names it.

import { z } from 'zod';
import { zodToWireError } from '../../wire/decode.js';
import { decimalString, intIn } from '../../wire/schema.js';
import { parseStrictJson } from '../../wire/strict-json.js';
import { SweepError } from './errors.js';
import { parsePath } from './params.js';

const nonNegativeInt = z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).nonnegative({ error: 'must be an integer not below 0' });

/** Runs (points x seeds) one sweep may ask for at most: a bound, so a typo cannot queue a week of work. */
export const SWEEP_RUNS_MAX = 100_000;
/** Values one parameter may take at most. */
export const PARAMETER_VALUES_MAX = 1_000;

/**
 * One parameter: a field of the sim.json (`path`, e.g. "rulebook.liquidation.fees.insurance" or
 * "markets[*].margin.tiers[*].maintenanceRatio") and the values it takes: `values` set the field to each JSON value
 * in turn; `scale` multiplies the field's present value (a decimal string, multiplied exactly; or a number) by each
 * factor.
 */
export const sweepParameterSchema = z
  .strictObject({
    /** A short label for tables and charts (default: the path). */
    name: z.string().min(1).max(64).optional(),
    path: z.string().min(1).max(300),
    values: z.array(z.unknown()).min(1).max(PARAMETER_VALUES_MAX).optional(),
    scale: z.array(decimalString).min(1).max(PARAMETER_VALUES_MAX).optional(),
  })
  .check((ctx) => {
    const p = ctx.value;
    if ((p.values === undefined) === (p.scale === undefined)) {
      ctx.issues.push({ code: 'custom', input: p, path: ['values'], message: 'give exactly one of values or scale' });
    }
  });

export const searchSchema = z.discriminatedUnion('kind', [
  /** Every combination of every parameter's values. */
  z.strictObject({ kind: z.literal('grid') }),
  /**
   * Coordinate descent over the value lists: from `start` (an index into each parameter's values; default the
   * first), each round tries every value of one parameter at a time with the others held, and moves to the best
   * score (ties: the earlier value); stops after a round that moved nothing, or after `rounds`.
   */
  z.strictObject({ kind: z.literal('coordinate_descent'), rounds: intIn(1, 50).default(5), start: z.array(nonNegativeInt).optional() }),
]);

export const sweepSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(200).default('sweep'),
  description: z.string().max(10_000).optional(),
  /** The sim.json: a path relative to the sweep.json, or the sim.json itself inline. */
  sim: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** The seeds each point runs: a list, or `count` seeds from `from`. */
  seeds: z.union([z.array(intIn(0, 2 ** 32 - 1)).min(1).max(10_000), z.strictObject({ from: intIn(0, 2 ** 32 - 1), count: intIn(1, 10_000) })]),
  parameters: z.array(sweepParameterSchema).min(1).max(8),
  search: searchSchema.default({ kind: 'grid' }),
  /**
   * The score coordinate descent minimises: bad debt + unnecessaryWeight x unnecessary liquidated notional, both
   * summed over the seeds, in quote units (so the weight prices an unnecessary liquidation against a unit of bad debt).
   */
  objective: z.strictObject({ unnecessaryWeight: decimalString.default('1') }).default({ unnecessaryWeight: '1' }),
});

export type SweepConfig = z.infer<typeof sweepSchema>;
export type SweepParameter = z.infer<typeof sweepParameterSchema>;

/** The seeds of a sweep, in the order given. */
export function sweepSeeds(c: SweepConfig): number[] {
  if (Array.isArray(c.seeds)) return [...c.seeds];
  const { from, count } = c.seeds;
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Decodes a parsed sweep.json; throws SweepError naming the first bad field's path. */
export function parseSweepConfig(raw: unknown): SweepConfig {
  const r = sweepSchema.safeParse(raw);
  if (!r.success) {
    const e = zodToWireError(r.error, '');
    throw new SweepError('sweep_config_invalid', e.path === '' ? '(root)' : e.path, e.detail);
  }
  const c = r.data;
  c.parameters.forEach((p, i) => {
    try {
      parsePath(p.path);
    } catch (e) {
      throw new SweepError('sweep_config_invalid', `parameters[${i}].path`, (e as Error).message);
    }
    if (p.path === 'seed') throw new SweepError('sweep_config_invalid', `parameters[${i}].path`, 'the seed is swept by "seeds", not by a parameter');
  });
  const names = new Set<string>();
  c.parameters.forEach((p, i) => {
    const name = p.name ?? p.path;
    if (names.has(name)) throw new SweepError('sweep_config_invalid', `parameters[${i}].name`, `two parameters are called ${JSON.stringify(name)}`);
    names.add(name);
  });
  if (c.search.kind === 'coordinate_descent' && c.search.start !== undefined) {
    const start = c.search.start;
    if (start.length !== c.parameters.length) throw new SweepError('sweep_config_invalid', 'search.start', `needs one index per parameter (${c.parameters.length})`);
    start.forEach((s, i) => {
      const n = valueCount(c.parameters[i] as SweepParameter);
      if (s >= n) throw new SweepError('sweep_config_invalid', `search.start[${i}]`, `parameter ${i} has ${n} values (indexes 0 to ${n - 1})`);
    });
  }
  const points = c.search.kind === 'grid' ? c.parameters.reduce((n, p) => n * valueCount(p), 1) : c.parameters.reduce((n, p) => n + valueCount(p), 0);
  const runs = points * sweepSeeds(c).length;
  if (runs > SWEEP_RUNS_MAX) throw new SweepError('sweep_config_invalid', c.search.kind === 'grid' ? 'parameters' : 'seeds', `${runs} runs (points x seeds) per pass; at most ${SWEEP_RUNS_MAX}`);
  return c;
}

/** Parses sweep.json text (strict JSON: duplicate keys refused) and decodes it. */
export function parseSweepConfigText(text: string): SweepConfig {
  let raw: unknown;
  try {
    raw = parseStrictJson(text);
  } catch (e) {
    throw new SweepError('sweep_config_invalid', '(file)', e instanceof Error ? e.message : String(e));
  }
  return parseSweepConfig(raw);
}

export function valueCount(p: SweepParameter): number {
  return (p.values ?? p.scale ?? []).length;
}

export function parameterName(p: SweepParameter): string {
  return p.name ?? p.path;
}
