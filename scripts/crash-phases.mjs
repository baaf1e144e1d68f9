/* global process, performance, console, structuredClone */
// Where bench/crash.ts's crash tick spends its wall time, by phase, timed rather than sampled: the engine's and the
// indexes' methods below are wrapped with a timer (scripts/crash-world.mjs's world, one price command dropping M0-PERP
// by DROP_PCT). A sampling profile of the 1M tick puts time on inlined code's callers (s72: it gave the breach
// index's `collectFlips` 10.6% of the tick; timed, it is 1-3 ms of ~400) and runs the tick ~2x slower; these timers
// add ~0.1 µs a call (~3 ms in a 1M 5% tick, ~26,000 calls). The phases:
// - price: the breach index's `onPrice` (the crossed thresholds re-checked, the flips at exact boundaries), before any
//   liquidation;
// - rearm: the breach index's re-arms (`reindex`) of the accounts the waterfall changed;
// - calls-rearm: the margin-call levels' re-arms of every account the block changed (`callsFollowAccount`);
// - calls-price: then the price at the call levels, the clearances and the calls announced (`followCalls`);
// - adl-pick: the ADL queues' picks (`AdlQueue.peek`: re-placing what the block touched, scoring candidates exactly);
// - mirror: the ADL mirror's refreshes (`flush` when a queue opens, `settle` at the command's end);
// - waterfall: the rest of `apply()`: the plan, the book, the fund, the transfers, the events.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=128 --no-allocation-site-pretenuring scripts/crash-phases.mjs [ACCOUNTS=1000000] [DROP_PCT=5] [ROUNDS=3]
// Each round restores the world and settles the heap first (as crash-ab.mjs); prints each round and the phases' medians.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const SETTINGS = [
  ['ACCOUNTS', 1_000_000, 10_000_000],
  ['DROP_PCT', 5, 99],
  ['ROUNDS', 3, 1000],
];
const [accounts, drop, rounds] = SETTINGS.map(([name, fallback, max], k) => {
  const raw = process.argv[2 + k];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`crash-phases: ${name} must be an integer in [1, ${max}], got ${raw}`);
    process.exit(2);
  }
  return v;
});
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const { AdlQueue } = await import(`${dist}/src/core/engine/adl-queue.js`);
const { AdlMirror } = await import(`${dist}/src/core/engine/adl-mirror.js`);

const PHASES = ['price', 'rearm', 'calls-rearm', 'calls-price', 'adl-pick', 'mirror'];
let ms = {};
let calls = {};
let primary = null; // the engine's breach index (the margin-call levels are BreachIndexes too)
// A phase nested in another (a re-arm inside the margin-call levels' part) counts for the outer one only.
let open = null;
const wrap = (cls, method, phase, only = () => true) => {
  const f = cls.prototype[method];
  if (typeof f !== 'function') throw new Error(`crash-phases: ${cls.name}.${method} is not a method of this build`);
  cls.prototype[method] = function (...args) {
    if (open !== null || !only(this)) return f.apply(this, args);
    open = phase;
    const t = performance.now();
    try {
      return f.apply(this, args);
    } finally {
      ms[phase] += performance.now() - t;
      calls[phase]++;
      open = null;
    }
  };
};
wrap(BreachIndex, 'onPrice', 'price', (index) => index === primary);
wrap(BreachIndex, 'reindex', 'rearm', (index) => index === primary);
wrap(Engine, 'callsFollowAccount', 'calls-rearm');
wrap(Engine, 'followCalls', 'calls-price');
wrap(AdlQueue, 'peek', 'adl-pick');
wrap(AdlMirror, 'flush', 'mirror');
wrap(AdlMirror, 'settle', 'mirror');

const table = [];
for (let r = 0; r < rounds; r++) {
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  primary = engine.index;
  await settleHeap();
  ms = Object.fromEntries(PHASES.map((p) => [p, 0]));
  calls = Object.fromEntries(PHASES.map((p) => [p, 0]));
  const t = performance.now();
  const events = engine.apply(cmd);
  const tick = performance.now() - t;
  const row = { tick, ...ms, waterfall: tick - PHASES.reduce((sum, p) => sum + ms[p], 0) };
  table.push(row);
  const liquidations = events.filter((e) => e.kind === 'LiquidationStarted').length;
  console.log(JSON.stringify({ round: r, drop, liquidations, hash: eventsHash(events), ms: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Math.round(v)])), calls }));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tick = median(table.map((row) => row.tick));
console.log(`median of ${rounds} rounds, ${accounts} accounts, ${drop}% drop: tick ${Math.round(tick)} ms`);
for (const p of [...PHASES, 'waterfall']) {
  const m = median(table.map((row) => row[p]));
  console.log(`  ${p.padEnd(12)} ${String(Math.round(m)).padStart(5)} ms  ${((100 * m) / tick).toFixed(1).padStart(5)}%`);
}
