/* global process, performance, console, structuredClone */
// How much of the crash tick's re-arms is work and how much is cold memory: bench/crash.ts's tick
// (scripts/crash-world.mjs) with every BreachIndex.reindex timed (the breach index's and the margin-call levels'),
// then, right after the tick, the same accounts re-armed again in the same order in the same index, timed the same
// way. The accounts no longer change, so the second pass does the same work on memory the first has just brought in;
// what the second pass still costs is work, the difference is (mostly) first touches. Also counts the index's, the
// bands' and the heaps' operations a liquidation.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=128 --no-allocation-site-pretenuring scripts/rearm-second-pass.mjs [ACCOUNTS=1000000] [DROP_PCT=5] [ROUNDS=2]
// Each round restores the world; the timers wrap each call (~0.1 µs each). docs/performance.md "2026-12-07, s67".
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop, rounds] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 2)];
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const { IndexedHeap } = await import(`${dist}/src/core/triggers/heap.js`);
const { BoundaryBand } = await import(`${dist}/src/core/triggers/boundary-band.js`);

let recording = false;
const calls = new Map(); // index -> { ids: [], ms }
const ops = {};
const reindex = BreachIndex.prototype.reindex;
BreachIndex.prototype.reindex = function (id) {
  if (!recording) return reindex.call(this, id);
  let r = calls.get(this);
  if (r === undefined) calls.set(this, (r = { ids: [], ms: 0 }));
  const t = performance.now();
  const out = reindex.call(this, id);
  r.ms += performance.now() - t;
  r.ids.push(id);
  return out;
};
const count = (cls, name, label) => {
  const f = cls.prototype[name];
  cls.prototype[name] = function (...args) {
    if (recording) ops[label] = (ops[label] ?? 0) + 1;
    return f.apply(this, args);
  };
};
count(BoundaryBand, 'insert', 'band insert');
count(BoundaryBand, 'delete', 'band delete');
count(IndexedHeap, 'push', 'heap push');
count(IndexedHeap, 'update', 'heap update');
count(IndexedHeap, 'remove', 'heap remove');

const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
for (let round = 0; round < rounds; round++) {
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  await settleHeap();
  calls.clear();
  for (const k of Object.keys(ops)) delete ops[k];
  recording = true;
  const t = performance.now();
  const events = engine.apply(cmd);
  const tickMs = performance.now() - t;
  recording = false;
  const liquidations = events.filter((e) => e.kind === 'LiquidationStarted').length;
  // The engine's own indexes (private fields, read for a measurement): which recorded index is which.
  const name = (index) => (index === engine.index ? 'breach index' : index === engine.calls?.levelIndex ? 'margin-call levels' : 'other');
  const lines = [];
  for (const [index, r] of calls) {
    const t2 = performance.now();
    for (const id of r.ids) reindex.call(index, id);
    const secondMs = performance.now() - t2;
    const n = r.ids.length;
    lines.push(`  ${name(index)}: ${n} re-arms, in the tick ${r.ms.toFixed(1)} ms (${((1000 * r.ms) / n).toFixed(2)} µs each), again right after ${secondMs.toFixed(1)} ms (${((1000 * secondMs) / n).toFixed(2)} µs each)`);
  }
  const perLiquidation = Object.entries(ops).map(([k, v]) => `${k} ${(v / liquidations).toFixed(2)}`);
  console.log(`round ${round + 1}: tick ${tickMs.toFixed(0)} ms, ${liquidations} liquidations, events ${eventsHash(events)}\n${lines.join('\n')}\n  a liquidation: ${perLiquidation.join(', ')}`);
}
