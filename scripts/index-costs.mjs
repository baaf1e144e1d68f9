/* global process, console */
// Per-call cost of the breach index's operations during bench/walk.ts's +-10 bp walk: each method below is wrapped
// (on BreachIndex.prototype, so the breach index and the two-level margin-call index both count) with a timer that
// runs only inside the timed engine.apply() of a tick, not the maker's untimed re-quotes. Prints calls, inclusive ms
// and µs a call. The timers add ~0.1 µs a call, and nested calls count in their callers too (inclusive).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 --max-semi-space-size=32 scripts/index-costs.mjs [ACCOUNTS=1000000] [TICKS=20000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const [accounts, ticks] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 20_000)];
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

const { engine, tick } = await walkWorld(dist, accounts); // bench/walk.ts's walk
let timedNs = 0n;
let events = 0;
globalThis.gc?.();
for (let i = 0; i < ticks; i++) {
  events += tick((command) => {
    timing = true;
    const start = process.hrtime.bigint();
    const out = engine.apply(command);
    timedNs += process.hrtime.bigint() - start;
    timing = false;
    return out;
  }).length;
}
console.log(`${accounts.toLocaleString('en')} accounts, ${ticks.toLocaleString('en')} ticks, ${events.toLocaleString('en')} events; timed ticks ${(Number(timedNs) / 1e6).toFixed(0)} ms`);
for (const [name, c] of costs) {
  console.log(`  ${name.padEnd(15)} ${String(c.calls).padStart(8)} calls, ${(Number(c.ns) / 1e6).toFixed(0).padStart(6)} ms inclusive, ${(Number(c.ns) / 1e3 / Math.max(1, c.calls)).toFixed(2)} µs a call`);
}
