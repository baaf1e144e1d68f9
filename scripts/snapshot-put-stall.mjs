/* global process, console, setInterval, clearInterval */
// What a writer's snapshot put costs the thread that applies commands (docs/journal.md "Snapshots through the
// stream"): the newest snapshot of JOURNAL put into a fresh object store on URL, either on this thread (MODE thread:
// StreamSnapshots.put, its parts read here, as before s54) or on the snapshot-sharing worker (MODE worker:
// SnapshotShareWorker, as SnapshotSharing does), while a 1 ms timer measures how late this thread runs it: the 50th
// and 99th percentile and the longest delay, and the put's time. MODE copy-thread, copy-worker: the put (on the worker)
// not timed, then its copy into a new journal file (StreamSnapshots.copyInto, durability full) timed the same way, the
// parts read on this thread (a start) or on the worker (a standby's background copy).
// The object store is removed after. Needs `npm run build` and a nats-server with JetStream.
// usage: node scripts/snapshot-put-stall.mjs JOURNAL URL thread|worker|copy-thread|copy-worker [ROUNDS]
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { JetStreamLog } from '../dist/src/journal/jetstream.js';
import { SqliteJournalStore } from '../dist/src/journal/sqlite.js';
import { StreamSnapshots, snapshotBucketOf } from '../dist/src/journal/stream-snapshots.js';

const [file, url, mode, rounds = '1'] = process.argv.slice(2);
if (file === undefined || url === undefined || !['thread', 'worker', 'copy-thread', 'copy-worker'].includes(mode)) {
  console.error('usage: snapshot-put-stall.mjs JOURNAL URL thread|worker|copy-thread|copy-worker [ROUNDS]');
  process.exit(2);
}
// Loaded only where it is used: MODE thread also runs on a build from before it (an A/B in a second work tree).
const { SnapshotShareWorker } = mode === 'thread' ? {} : await import('../dist/src/journal/snapshot-share.js');
const store = SqliteJournalStore.open(file, { durability: 'relaxed', readOnly: true });
const info = store.snapshotInfos().at(-1);
if (info === undefined) throw new Error(`${file}: no snapshot`);
const partBytes = store.snapshotPartSizes(info.seq);

/** `work()` while a 1 ms timer runs: how late it ran each time, and how long the work took. */
async function timed(work) {
  const delays = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delays.push(now - last - 1);
    last = now;
  }, 1);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  return { delays: delays.sort((a, b) => a - b), seconds };
}

for (let round = 0; round < Number(rounds); round++) {
  const stream = `STALL${process.pid}R${round}`;
  const log = await JetStreamLog.open({ url, stream });
  const shared = await StreamSnapshots.open(log, 1);
  const viaWorker = async () => {
    const worker = SnapshotShareWorker.start({ jetstream: log.options, replicas: 1, journalFile: file });
    await worker.put(info);
    await worker.close();
  };
  let what = 'put';
  let t;
  if (mode === 'thread') t = await timed(() => shared.put(info, { partBytes, part: (k) => store.snapshotPart(info.seq, k) }));
  else if (mode === 'worker') t = await timed(viaWorker);
  else {
    await viaWorker();
    const copy = `${file}.copy-${process.pid}-${round}`;
    const target = SqliteJournalStore.open(copy, { durability: 'full' });
    const [listed] = await shared.list();
    const reader = mode === 'copy-worker' ? SnapshotShareWorker.start({ jetstream: log.options, replicas: 1 }) : null;
    t = await timed(() => shared.copyInto(target, listed, () => true, reader === null ? undefined : (seq, k) => reader.readPart(seq, k)));
    await reader?.close();
    target.close();
    rmSync(copy);
    what = 'copied into a new journal (durability full)';
  }
  const { delays, seconds } = t;
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))].toFixed(1);
  const bytes = partBytes.reduce((a, b) => a + b, 0);
  console.log(
    `${mode}: snapshot ${info.seq} (${(bytes / 1e6).toFixed(1)} MB, ${partBytes.length} parts) ${what} in ${seconds.toFixed(2)} s; the 1 ms timer late by p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, at most ${delays.at(-1).toFixed(1)} ms (${delays.length} runs)`,
  );
  await (await log.objectStore(snapshotBucketOf(stream), 1)).destroy();
  await log.close();
}
store.close();
