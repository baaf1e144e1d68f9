/* global process, console */
// Where the +-10 bp walk's bytes are allocated: the inspector's sampling heap profiler (objects the GC collected
// included) over bench/walk.ts's ticks with the maker's re-quotes, after a warm-up, summed by allocating function
// (self), with the bytes per liquidation. Prints the events' count and hash (the same walk gives the same events).
// usage: npm run build, then
//   node --max-old-space-size=8000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/walk-allocations.mjs [ACCOUNTS=200000] [TICKS=20000]
// (BAILIFF_BENCH_CALL_INTERVAL_MS as the bench reads it; BAILIFF_DIST=file:///path/to/dist for another build)
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const [accounts, ticks] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 20_000)];
const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const WARMUP = 2_000;
const { tick } = await walkWorld(dist, accounts);
for (let k = 0; k < WARMUP; k++) tick();

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const seen = [];
let liquidations = 0;
for (let k = 0; k < ticks; k++) {
  const events = tick();
  for (const e of events) if (e.kind === 'LiquidationStarted') liquidations++;
  seen.push(events); // hashed after the profile: the hashing's own bytes stay out of it
}
const { profile } = await session.post('HeapProfiler.stopSampling');
const hash = createHash('sha256');
let count = 0;
for (const events of seen) for (const e of events) {
  hash.update(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  count++;
}
const self = new Map();
let total = 0;
const visit = (node) => {
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/dist\//, '')}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) visit(child);
};
visit(profile.head);
const MiB = (b) => (b / 2 ** 20).toFixed(1);
console.log(`${ticks} ticks, ${count} events (${hash.digest('hex').slice(0, 16)}), ${liquidations} liquidations; ${MiB(total)} MiB allocated (sampled)`);
for (const [name, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${MiB(bytes).padStart(8)} MiB ${String(Math.round(bytes / Math.max(1, liquidations))).padStart(7)} B/liquidation  ${name}`);
}
