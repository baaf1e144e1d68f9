/* global process, console */
// Per-call cost of the breach index's operations during bench/walk.ts's +-10 bp walk: each method below is wrapped
// (on BreachIndex.prototype, so the breach index and the two-level margin-call index both count) with a timer that
// runs only inside the timed engine.apply() of a tick, not the maker's untimed re-quotes. Prints calls, inclusive ms
// and µs a call. The timers add ~0.1 µs a call, and nested calls count in their callers too (inclusive).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 --max-semi-space-size=32 scripts/index-costs.mjs [ACCOUNTS=1000000] [TICKS=20000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
const { quoteMaker, setupMaker } = await import(`${dist}/bench/maker.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const [accounts, ticks] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 20_000)];
const MARKETS = 10;
const METHODS = ['onPrice', 'recheckCrossed', 'flip', 'rearmScreened', 'arm', 'setEntries', 'setLevel', 'reindex'];

const costs = new Map();
let timing = false;
for (const name of METHODS) {
  const original = BreachIndex.prototype[name];
  if (typeof original !== 'function') throw new Error(`BreachIndex has no method ${name}`);
  const c = { calls: 0, ns: 0n };
  costs.set(name, c);
  BreachIndex.prototype[name] = function (...args) {
    if (!timing) return original.apply(this, args);
    const start = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      c.calls++;
      c.ns += process.hrtime.bigint() - start;
    }
  };
}

const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
setupMaker(engine, MARKETS);
const rand = rng(11); // as bench/walk.ts: the same walk
const marks = Array.from({ length: MARKETS }, () => START_PRICE);
const perMarket = new Array(MARKETS).fill(0);
let t = engine.timeMs + 1;
let timedNs = 0n;
let events = 0;
globalThis.gc?.();
for (let i = 0; i < ticks; i++) {
  const m = Math.floor(rand() * MARKETS);
  const next = BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + (rand() * 2 - 1) * 0.001))));
  marks[m] = next;
  timing = true;
  const start = process.hrtime.bigint();
  events += engine.apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) }).length;
  timedNs += process.hrtime.bigint() - start;
  timing = false;
  if (++perMarket[m] % 20 === 0) quoteMaker(engine, m, next, t++);
}
console.log(`${accounts.toLocaleString('en')} accounts, ${ticks.toLocaleString('en')} ticks, ${events.toLocaleString('en')} events; timed ticks ${(Number(timedNs) / 1e6).toFixed(0)} ms`);
for (const [name, c] of costs) {
  console.log(`  ${name.padEnd(15)} ${String(c.calls).padStart(8)} calls, ${(Number(c.ns) / 1e6).toFixed(0).padStart(6)} ms inclusive, ${(Number(c.ns) / 1e3 / Math.max(1, c.calls)).toFixed(2)} µs a call`);
}
