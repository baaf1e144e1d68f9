// A sweep's parameters are fields of the sim.json, named by a path ("rulebook.liquidation.fees.insurance",
// "markets[*].margin.tiers[*].maintenanceRatio"): a grid point is the sim.json with those fields set or scaled, decoded
// again by the simulator's own parseSimConfig, so a point is exactly a sim.json a user could have written (and is
// checked as strictly). Working on the file's JSON, not on decoded rulebooks, keeps one source of truth for every
// field's meaning and lets a point cross to a worker thread as plain data.

import { formatDecimal, parseDecimal } from '../../core/units/index.js';

/** One step of a path: an object key, an array index, or every element of an array. */
export type PathSegment = { readonly key: string } | { readonly index: number } | { readonly every: true };

const SEGMENT = /^([A-Za-z_$][A-Za-z0-9_$]*)((?:\[(?:\d+|\*)\])*)$/;

/** "a.b[0].c[*]" as segments; throws an Error with the reason on a malformed path. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of path.split('.')) {
    const m = SEGMENT.exec(part);
    if (m === null) throw new Error(`${JSON.stringify(path)} is not a path like rulebook.liquidation.fees.insurance or markets[*].book.depth`);
    out.push({ key: m[1] as string });
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+|\*)\]/g)) out.push(idx[1] === '*' ? { every: true } : { index: Number(idx[1]) });
  }
  return out;
}

/** How a parameter changes the field its path leads to. */
export type FieldChange = { readonly set: unknown } | { readonly scale: string };

/** The sim.json's rulebook as an object of overrides (a preset name, or nothing, becomes `{ preset }`). */
function rulebookObject(raw: Record<string, unknown>): void {
  const r = raw['rulebook'];
  if (r === undefined) raw['rulebook'] = { preset: 'binance' };
  else if (typeof r === 'string') raw['rulebook'] = { preset: r };
}

/**
 * A copy of the sim.json (`raw`, as parsed) with the field at `path` changed; every array element for `[*]`.
 * Missing objects on the way are created (rulebook overrides are mostly absent), missing array elements are not.
 * Throws an Error saying where the path fails.
 */
export function applyChange(raw: Readonly<Record<string, unknown>>, path: string, change: FieldChange): Record<string, unknown> {
  const copy = structuredClone(raw) as Record<string, unknown>;
  const segments = parsePath(path);
  if ((segments[0] as { key?: string }).key === 'rulebook') rulebookObject(copy);
  const walk = (node: unknown, i: number, at: string): unknown => {
    const seg = segments[i] as PathSegment;
    const last = i === segments.length - 1;
    if ('key' in seg) {
      if (node === undefined) node = {};
      if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Error(`${at || '(root)'} is not an object, so it has no field ${seg.key}`);
      const obj = node as Record<string, unknown>;
      const here = at === '' ? seg.key : `${at}.${seg.key}`;
      obj[seg.key] = last ? changed(obj[seg.key], change, here) : walk(obj[seg.key], i + 1, here);
      return obj;
    }
    if (!Array.isArray(node)) throw new Error(`${at} is not an array`);
    const indexes = 'every' in seg ? node.map((_, k) => k) : [seg.index];
    for (const k of indexes) {
      if (k >= node.length) throw new Error(`${at} has ${node.length} elements, no [${k}]`);
      node[k] = last ? changed(node[k], change, `${at}[${k}]`) : walk(node[k], i + 1, `${at}[${k}]`);
    }
    return node;
  };
  walk(copy, 0, '');
  return copy;
}

function changed(present: unknown, change: FieldChange, at: string): unknown {
  if ('set' in change) return structuredClone(change.set);
  if (typeof present === 'number') return present * Number(change.scale);
  if (typeof present === 'string') return scaleDecimal(present, change.scale, at);
  throw new Error(`${at} is ${present === undefined ? 'absent' : `not a number (${JSON.stringify(present)})`}, so it cannot be scaled: set it with "values"`);
}

/** a x b for decimal strings, exactly (the product of two decimals is a decimal: nothing is rounded). */
export function scaleDecimal(a: string, b: string, at = 'value'): string {
  const places = (t: string): number => (t.includes('.') ? t.length - t.indexOf('.') - 1 : 0);
  const pa = parseDecimal(a, places(a));
  const pb = parseDecimal(b, places(b));
  if (!pa.ok) throw new Error(`${at} is ${JSON.stringify(a)}: ${pa.error}`);
  if (!pb.ok) throw new Error(`scale factor ${JSON.stringify(b)}: ${pb.error}`);
  return formatDecimal(pa.value * pb.value, places(a) + places(b));
}
