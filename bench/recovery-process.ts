// One recovery in a process of its own (bench/journal.ts journal-recovery): a restart recovers in a fresh process,
// not in the one that wrote the journal, whose heap the build of the world has grown. Opens the journal given as the
// first argument as `bailiff ingest` does (DurableEngine.openFile, durability full) and prints the recovery's timings
// as one JSON line on stdout.
// usage (bench/journal.ts runs it): node ENGINE_NODE_FLAGS dist/bench/recovery-process.js JOURNAL

import { DurableEngine } from '../src/journal/durable.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: recovery-process.js JOURNAL');
const t = process.hrtime.bigint();
const de = DurableEngine.openFile(path, { durability: 'full' });
const ms = Number(process.hrtime.bigint() - t) / 1e6;
const report = { ms, snapshotSeq: de.recovery.snapshotSeq, replayed: de.recovery.replayed, ...de.recovery.timings, rssBytes: process.memoryUsage().rss };
de.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
