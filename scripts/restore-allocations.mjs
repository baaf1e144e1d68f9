/* global process, console, performance */
// What Engine.restore of a journal's newest snapshot allocates, by function (self bytes), from V8's sampling heap
// profiler with the objects later collected included: where a restore's garbage comes from.
// usage: npm run build, then node --max-semi-space-size=64 scripts/restore-allocations.mjs JOURNAL [TOP]
// BAILIFF_DIST=file:///path/to/dist runs another build.
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { Journal } = await import(`${dist}/src/journal/journal.js`);
const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const journal = Journal.attach(SqliteJournalStore.open(process.argv[2], { durability: 'relaxed', readOnly: true }));
const top = Number(process.argv[3] ?? 30);
const seq = journal.snapshots().at(-1).seq;
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const t = performance.now();
Engine.restore(journal.loadSnapshotForRestore(seq));
const ms = performance.now() - t;
const { profile } = await session.post('HeapProfiler.stopSampling');
journal.close();
const byFunction = new Map();
let total = 0;
const walk = (node) => {
  total += node.selfSize;
  const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/.*\/dist\//, '')}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const MiB = (b) => (b / 2 ** 20).toFixed(1);
console.log(`restore of snapshot ${seq}: ${ms.toFixed(0)} ms (under the sampler); ${MiB(total)} MiB allocated (sampled)`);
for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${MiB(bytes).padStart(9)} MiB  ${key}`);
