// The preview's two inputs (docs/sweeps.md "Preview"): the proposed change (a rulebook, as a preset name or overrides;
// market specs, in full, as set_market takes them) and the stress path (each market's move over a number of steps).
// Strict zod schemas; an error names the field.

import { z } from 'zod';
import type { ParameterCommand } from '../../core/engine/changes.js';
import { PRESET_NAMES } from '../../core/rulebooks/presets.js';
import type { UnitLookup } from '../../wire/decode.js';
import { decodeCommand, WireError, zodToWireError } from '../../wire/decode.js';
import { decimalString, idString, marketSchema, rulebookSchema } from '../../wire/schema.js';
import { parseDecimal } from '../../core/units/index.js';
import { SweepError } from '../sweep/errors.js';
import type { StressPath } from './preview.js';

export const changeSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().max(10_000).optional(),
    /**
     * The proposed rulebook: a preset name, or overrides on a preset. Without `preset`, the overrides apply to the
     * live rulebook's preset (its name, less a "+custom" suffix).
     */
    rulebook: rulebookSchema.optional(),
    /** Proposed market specs, each in full (the wire form set_market takes); the id names the live market. */
    markets: z.array(marketSchema).max(1_000).optional(),
  })
  .check((ctx) => {
    if (ctx.value.rulebook === undefined && (ctx.value.markets ?? []).length === 0) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['rulebook'], message: 'give a rulebook or markets to change' });
    }
  });

export const stressSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().max(10_000).optional(),
  steps: z.number().int().min(0).max(1_000_000),
  stepMs: z.number().int().positive().max(86_400_000).default(60_000),
  /** Market id -> its move at the last step, a fraction of the live mark ("-0.2": down 20%), linear in between. */
  moves: z.record(idString, decimalString),
});

/** A parsed input file (the CLI reads it: strict JSON, its syntax errors naming the file) against its schema. */
function parse<T>(raw: unknown, schema: z.ZodType<T>, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const e = zodToWireError(r.error, '');
    throw new SweepError('preview_input_invalid', e.path === '' ? what : `${what}.${e.path}`, e.detail);
  }
  return r.data;
}

/** The change as engine commands at `tsMs`; `liveRulebook` is the live rulebook's name. */
export function parseChange(raw: unknown, units: UnitLookup, liveRulebook: string, tsMs: number): ParameterCommand[] {
  const c = parse(raw, changeSchema, 'change');
  const out: ParameterCommand[] = [];
  const decode = (raw: unknown, path: string): ParameterCommand => {
    try {
      return decodeCommand(raw, units, path, tsMs) as ParameterCommand;
    } catch (e) {
      if (e instanceof WireError) throw new SweepError('preview_input_invalid', e.path, e.detail);
      throw e;
    }
  };
  if (c.rulebook !== undefined) {
    const live = liveRulebook.replace(/\+custom$/, '');
    const rulebook = typeof c.rulebook === 'object' && c.rulebook.preset === undefined && (PRESET_NAMES as readonly string[]).includes(live) ? { ...c.rulebook, preset: live } : c.rulebook;
    out.push(decode({ kind: 'set_rulebook', rulebook }, 'change'));
  }
  (c.markets ?? []).forEach((m, i) => {
    if (units.market(m.id) === undefined) throw new SweepError('preview_input_invalid', `change.markets[${i}].id`, `the journal lists no market ${m.id}`);
    const cmd = decode({ kind: 'set_market', market: m }, `change.markets[${i}]`);
    out.push(cmd);
  });
  return out;
}

export function parseStress(raw: unknown): StressPath {
  const s = parse(raw, stressSchema, 'stress');
  const moves = new Map<string, bigint>();
  for (const [id, v] of Object.entries(s.moves)) {
    const r = parseDecimal(v, 6);
    if (!r.ok || r.value <= -1_000_000n) throw new SweepError('preview_input_invalid', `stress.moves.${id}`, 'must be a fraction above -1 with at most 6 decimals ("-0.2": down 20%)');
    moves.set(id, r.value);
  }
  return { steps: s.steps, stepMs: s.stepMs, moves };
}
