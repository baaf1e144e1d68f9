// Canonical JSON at journal speed. The bytes are core/engine/snapshot.ts canonicalJson's, exactly (canonical.test.ts
// pins it with a property test over arbitrary values and over real commands and events); only the work differs.
//
// canonicalJson sorts every object's keys (Object.keys + sort) each time. Commands and events come in a few shapes
// that repeat millions of times, so this encoder remembers, at each place in the value tree (the command, an event,
// an event's field), the shapes it met there: the keys in insertion order, and the same keys sorted with their quoted
// text. An object whose own keys (for...in over a plain object: own enumerable string keys, in Object.keys' order)
// equal a remembered insertion order is written in the remembered sorted order; any other object is sorted afresh
// and its shape remembered. Objects whose prototype is not Object.prototype or null take canonicalJson's path.
//
// parseCanonical reads the text back as parseCanonicalJson does (bigints from {"$n": ...}), but with JSON.parse
// without a reviver and one walk after it: the reviver calls back into JS for every value and is the slow part.

import { canonicalJson } from '../core/engine/snapshot.js';

interface Field {
  readonly key: string;
  /** `"key":`, written when the field is the first one written. */
  readonly first: string;
  /** `,"key":`, written after another field. */
  readonly next: string;
  readonly node: ShapeNode;
}

interface Shape {
  readonly insertion: readonly string[];
  readonly sorted: readonly Field[];
}

/** What the encoder remembers at one place of the value tree. */
interface ShapeNode {
  /** Shapes met here, keyed by the object's `kind` when it has a string one (commands and events do). */
  readonly byKind: Map<string, Shape[]>;
  readonly shapes: Shape[];
  /** The node for an array's items. */
  items: ShapeNode | null;
}

/** Shapes kept per node and kind: a place that sees more is written the plain way (still exact). */
const SHAPES_PER_NODE_MAX = 8;
/** Nodes in one encoder's tree: a bound on memory for values of unbounded variety. */
const NODES_MAX = 100_000;
/** Quoted strings remembered (account ids, markets, kinds repeat): a bound on memory. */
const QUOTED_STRINGS_MAX = 50_000;

const newNode = (): ShapeNode => ({ byKind: new Map(), shapes: [], items: null });

function sameKeys(o: object, insertion: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (insertion[i] !== k) return false;
    i++;
  }
  return i === insertion.length;
}

export class CanonicalEncoder {
  private readonly root = newNode();
  private nodes = 1;
  private readonly quotedStrings = new Map<string, string>();

  /** canonicalJson(value), byte for byte. */
  encode(value: unknown): string {
    return this.value(value, this.root);
  }

  private value(v: unknown, node: ShapeNode): string {
    switch (typeof v) {
      case 'bigint':
        return '{"$n":"' + v.toString() + '"}';
      case 'string':
        return this.quote(v);
      case 'number':
        // JSON.stringify's number text: non-finite numbers are null.
        return Number.isFinite(v) ? String(v) : 'null';
      case 'object':
        if (v === null) return 'null';
        if (Array.isArray(v)) return this.array(v as readonly unknown[], node);
        return this.object(v, node);
      default:
        return JSON.stringify(v);
    }
  }

  private array(a: readonly unknown[], node: ShapeNode): string {
    const items = node.items ?? this.child();
    node.items = items;
    let out = '[';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) out += ',';
      const item = a[i];
      out += item === undefined ? 'null' : this.value(item, items);
    }
    return `${out}]`;
  }

  private object(o: object, node: ShapeNode): string {
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) return canonicalJson(o);
    const kind = (o as { kind?: unknown }).kind;
    let shapes = node.shapes;
    if (typeof kind === 'string') {
      const known = node.byKind.get(kind);
      if (known === undefined) {
        shapes = [];
        node.byKind.set(kind, shapes);
      } else shapes = known;
    }
    let shape: Shape | undefined;
    for (const s of shapes) {
      if (sameKeys(o, s.insertion)) {
        shape = s;
        break;
      }
    }
    if (shape === undefined) {
      const insertion = Object.keys(o);
      // Too many shapes here (or too many nodes): sort this one afresh without remembering it.
      if (shapes.length >= SHAPES_PER_NODE_MAX || this.nodes + insertion.length > NODES_MAX) return canonicalJson(o);
      const sorted = [...insertion].sort().map((key): Field => ({ key, first: `${JSON.stringify(key)}:`, next: `,${JSON.stringify(key)}:`, node: this.child() }));
      shape = { insertion, sorted };
      shapes.push(shape);
    }
    const record = o as Record<string, unknown>;
    let out = '{';
    let written = false;
    for (const f of shape.sorted) {
      const item = record[f.key];
      if (item === undefined) continue;
      out += (written ? f.next : f.first) + this.value(item, f.node);
      written = true;
    }
    return out + '}';
  }

  private child(): ShapeNode {
    this.nodes++;
    return newNode();
  }

  private quote(s: string): string {
    let q = this.quotedStrings.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.quotedStrings.size < QUOTED_STRINGS_MAX) this.quotedStrings.set(s, q);
    }
    return q;
  }
}

/** parseCanonicalJson(text), without a reviver: JSON.parse, then one walk turning {"$n": x} into BigInt(x). */
export function parseCanonical(text: string): unknown {
  return reviveBigints(JSON.parse(text) as unknown);
}

/** Turns every object whose only own key is `$n` into BigInt of its value, bottom up (as the reviver did). */
export function reviveBigints(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveBigints(v[i]);
    return v;
  }
  const record = v as Record<string, unknown>;
  let count = 0;
  let only = '';
  for (const k in record) {
    const item = record[k];
    if (item !== null && typeof item === 'object') {
      // A "__proto__" key parsed as data stays data (an assignment would set the prototype).
      if (k === '__proto__') Object.defineProperty(record, k, { value: reviveBigints(item), writable: true, enumerable: true, configurable: true });
      else record[k] = reviveBigints(item);
    }
    only = k;
    count++;
  }
  if (count === 1 && only === '$n') return BigInt(record.$n as string);
  return v;
}
