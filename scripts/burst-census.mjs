/* global process, performance, console */
// Where a +-10 bp walk's liquidation bursts (ticks liquidating more than five accounts) spend their engine time, by
// method: each method wrapped with performance.now() (inclusive times, ~0.1 µs of overhead a call), its calls counted
// by the tick's kind (bench/walk.ts tickKindOf). The breach index's re-arms split by whose: the maker (ten positions,
// met by every book fill), the venue's accounts, any other account. Read the small calls with care: each wrapper adds
// ~0.1-0.3 µs, so a method called 8 times a liquidation shows several times its unwrapped share (the order book's
// cancelAllOf: 6.5% of a burst tick here, 0.4% of the liquidation steps in a CPU profile of the same walk).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 --max-semi-space-size=64 --no-allocation-site-pretenuring \
//     scripts/burst-census.mjs [ACCOUNTS=1000000] [TICKS=30000] [CALL_INTERVAL_MS=1000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, ticks, callIntervalMs] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 30_000), Number(process.argv[4] ?? 1000)];
if (![accounts, ticks, callIntervalMs].every((n) => Number.isSafeInteger(n) && n >= 0) || accounts === 0 || ticks === 0) {
  console.error('usage: burst-census.mjs [ACCOUNTS>0] [TICKS>0] [CALL_INTERVAL_MS>=0]');
  process.exit(2);
}
const { TICK_KINDS, tickKindOf } = await import(`${dist}/bench/walk.js`);
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const { AdlMirror } = await import(`${dist}/src/core/engine/adl-mirror.js`);
const { OrderBook } = await import(`${dist}/src/core/book/book.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const { MAKER } = await import(`${dist}/bench/maker.js`);
const { engine, tick } = await walkWorld(dist, accounts, { callIntervalMs });

// Per tick: name -> [calls, ms]; merged into the tick's kind after it.
let current = new Map();
// Only inside the timed price command's `apply` (not the maker's untimed re-quotes).
let recording = false;
const wrap = (proto, method, nameOf) => {
  const f = proto[method];
  if (typeof f !== 'function') throw new Error(`no ${method}`);
  proto[method] = function (...args) {
    const name = recording ? nameOf(this, args) : null;
    if (name === null) return f.apply(this, args);
    const t0 = performance.now();
    try {
      return f.apply(this, args);
    } finally {
      const ms = performance.now() - t0;
      const e = current.get(name) ?? [0, 0];
      e[0]++;
      e[1] += ms;
      current.set(name, e);
    }
  };
};
const whose = (id) => (id === MAKER ? 'maker' : id.startsWith('venue:') ? 'venue' : 'other');
const idx = (self) => (self === engine.index ? 'liq' : 'calls');
wrap(BreachIndex.prototype, 'reindex', (self, [id]) => `${idx(self)}.reindex(${whose(id)})`);
wrap(BreachIndex.prototype, 'onPrice', (self) => `${idx(self)}.onPrice`);
wrap(BreachIndex.prototype, 'accountChanged', (self) => `${idx(self)}.accountChanged`);
wrap(BreachIndex.prototype, 'setLevel', (self) => `${idx(self)}.setLevel`);
wrap(BreachIndex.prototype, 'settleRecovered', (self) => `${idx(self)}.settleRecovered`);
wrap(AdlMirror.prototype, 'settle', () => 'mirror.settle');
wrap(AdlMirror.prototype, 'refresh', (self, [id]) => `mirror.refresh(${whose(id)})`);
for (const m of ['followCalls', 'sweepCallsIfDue', 'callsFollowAccount', 'enforce', 'audit', 'dispatch']) wrap(Engine.prototype, m, () => `engine.${m}`);
for (const m of Object.getOwnPropertyNames(OrderBook.prototype)) {
  const d = Object.getOwnPropertyDescriptor(OrderBook.prototype, m);
  if (m === 'constructor' || typeof d?.value !== 'function') continue;
  wrap(OrderBook.prototype, m, () => `book.${m}`);
}
globalThis.gc?.();
const kinds = new Map();
for (let i = 0; i < ticks; i++) {
  current = new Map();
  let ms = 0;
  const events = tick((command) => {
    current = new Map();
    recording = true;
    const t0 = performance.now();
    const out = engine.apply(command);
    ms = performance.now() - t0;
    recording = false;
    return out;
  });
  let liquidations = 0;
  for (const e of events) if (e.kind === 'LiquidationStarted') liquidations++;
  const kind = TICK_KINDS[tickKindOf(events.length, liquidations)];
  const k = kinds.get(kind) ?? { count: 0, ms: 0, liquidations: 0, by: new Map() };
  k.count++;
  k.ms += ms;
  k.liquidations += liquidations;
  for (const [name, [c, t]] of current) {
    const e = k.by.get(name) ?? [0, 0];
    e[0] += c;
    e[1] += t;
    k.by.set(name, e);
  }
  kinds.set(kind, k);
}
for (const [kind, k] of kinds) {
  console.log(`\n${kind}: ${k.count} ticks, mean ${(k.ms / k.count * 1000).toFixed(1)} µs (wrapped), ${(k.liquidations / k.count).toFixed(1)} liquidations a tick`);
  for (const [name, [c, t]] of [...k.by].sort((a, b) => b[1][1] - a[1][1])) {
    if (t / k.ms < 0.005) continue;
    console.log(`  ${name.padEnd(32)} ${(c / k.count).toFixed(2).padStart(8)} calls a tick, ${(t / c * 1000).toFixed(2).padStart(8)} µs a call, ${((t / k.ms) * 100).toFixed(1).padStart(5)}% of the kind's time (inclusive)`);
  }
}
