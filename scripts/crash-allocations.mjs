/* global process, console, structuredClone */
// Where the crash tick's bytes are allocated: bench/crash.ts's tick (scripts/crash-world.mjs) under the inspector's
// sampling heap profiler (objects the GC collected included), summed by allocating function, self and inclusive, per
// liquidation started. PARENTS=fnA,fnB also prints, for each of those functions, the three callers above each sample.
// The bytes drive the tick's scavenges (a 1M tick's five each copy the ~5 MB still live: docs/performance.md,
// "2026-12-05, afternoon"). The companion of scripts/walk-allocations.mjs.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/crash-allocations.mjs [ACCOUNTS=200000] [DROP_PCT=5] [ROUNDS=2]
// Each round restores the world; only the last is profiled (the earlier ones warm the code).
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop, rounds] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 2)];
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
let profile = null;
let liquidations = 0;
let hash = '';
for (let r = 0; r < rounds; r++) {
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  await settleHeap();
  const last = r === rounds - 1;
  if (last) await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const events = engine.apply(cmd);
  if (last) profile = (await session.post('HeapProfiler.stopSampling')).profile;
  liquidations = events.filter((e) => e.kind === 'LiquidationStarted').length;
  hash = eventsHash(events);
}

const label = (node) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/.*\/dist\//, '')}:${node.callFrame.lineNumber + 1}`;
const self = new Map();
const inclusive = new Map();
let total = 0;
/** Sums the node's subtree; a function counts once per stack in `inclusive` (recursion is not counted twice). */
const visit = (node, onStack) => {
  const name = label(node);
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  total += node.selfSize;
  const outer = onStack.has(name);
  onStack.add(name);
  let sub = node.selfSize;
  for (const child of node.children) sub += visit(child, onStack);
  if (!outer) {
    onStack.delete(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + sub);
  }
  return sub;
};
visit(profile.head, new Set());

const per = (bytes) => String(Math.round(bytes / Math.max(1, liquidations))).padStart(7);
const MiB = (bytes) => (bytes / 2 ** 20).toFixed(1).padStart(6);
console.log(`${accounts.toLocaleString('en-US')} accounts, ${drop}% drop: ${liquidations} liquidations, events ${hash}; ${MiB(total)} MiB allocated (sampled), ${per(total).trim()} B a liquidation`);
for (const [title, table, top] of [['self', self, 40], ['inclusive', inclusive, 45]]) {
  console.log(`--- ${title}`);
  for (const [name, bytes] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${MiB(bytes)} MiB ${per(bytes)} B/liquidation  ${name}`);
}
for (const target of (process.env.PARENTS ?? '').split(',').filter(Boolean)) {
  const byCallers = new Map();
  const walk = (node, chain) => {
    const name = `${node.callFrame.functionName || '(anonymous)'}:${node.callFrame.lineNumber + 1}`;
    if ((node.callFrame.functionName || '(anonymous)') === target && node.selfSize > 0) {
      const key = chain.slice(-3).reverse().join(' < ');
      byCallers.set(key, (byCallers.get(key) ?? 0) + node.selfSize);
    }
    chain.push(name);
    for (const child of node.children) walk(child, chain);
    chain.pop();
  };
  walk(profile.head, []);
  console.log(`--- what ${target} allocates, by its callers`);
  for (const [key, bytes] of [...byCallers].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${per(bytes)} B/liquidation  ${key}`);
}
