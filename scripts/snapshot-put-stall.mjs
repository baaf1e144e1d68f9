/* global process, console, setInterval, clearInterval */
// What a writer's snapshot put costs the thread that applies commands (docs/journal.md "Snapshots through the
// stream"): the newest snapshot of JOURNAL put into a fresh object store on URL, its parts read either on this thread
// (MODE main: SqliteJournalStore.snapshotPart, as before s54) or on a worker (MODE worker: SnapshotPartReader, as
// SnapshotSharing does), while a 1 ms timer measures how late this thread runs it: the longest and the 99th percentile
// delay, and the put's time. MODE copy: the put (on a worker) not timed, then its copy into a new journal file (what a
// standby does: StreamSnapshots.copyInto, durability full) timed the same way. The object store is removed after.
// Needs `npm run build` and a nats-server with JetStream.
// usage: node scripts/snapshot-put-stall.mjs JOURNAL URL main|worker|copy [ROUNDS]
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { JetStreamLog } from '../dist/src/journal/jetstream.js';
import { SnapshotPartReader } from '../dist/src/journal/snapshot-part-reader.js';
import { SqliteJournalStore } from '../dist/src/journal/sqlite.js';
import { StreamSnapshots, snapshotBucketOf } from '../dist/src/journal/stream-snapshots.js';

const [file, url, mode, rounds = '1'] = process.argv.slice(2);
if (file === undefined || url === undefined || !['main', 'worker', 'copy'].includes(mode)) {
  console.error('usage: snapshot-put-stall.mjs JOURNAL URL main|worker|copy [ROUNDS]');
  process.exit(2);
}
const store = SqliteJournalStore.open(file, { durability: 'relaxed', readOnly: true });
const info = store.snapshotInfos().at(-1);
if (info === undefined) throw new Error(`${file}: no snapshot`);
const partBytes = store.snapshotPartSizes(info.seq);

for (let round = 0; round < Number(rounds); round++) {
  const stream = `STALL${process.pid}R${round}`;
  const log = await JetStreamLog.open({ url, stream });
  const shared = await StreamSnapshots.open(log, 1);
  const reader = mode === 'main' ? null : await SnapshotPartReader.open(file);
  const part = (k) => (reader === null ? store.snapshotPart(info.seq, k) : reader.read(info.seq, k));
  const timed = async (work) => {
    const delays = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      delays.push(now - last - 1);
      last = now;
    }, 1);
    const started = performance.now();
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    return { delays, seconds, result };
  };
  let { delays, seconds, result: bytes } = await timed(() => shared.put(info, { partBytes, part }));
  await reader?.close();
  let what = 'put';
  if (mode === 'copy') {
    const target = SqliteJournalStore.open(`${file}.copy-${process.pid}-${round}`, { durability: 'full' });
    const [listed] = await shared.list();
    ({ delays, seconds } = await timed(() => shared.copyInto(target, listed)));
    target.close();
    rmSync(`${file}.copy-${process.pid}-${round}`);
    what = 'copied into a new journal (durability full)';
  }
  delays.sort((a, b) => a - b);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))].toFixed(1);
  console.log(
    `${mode}: snapshot ${info.seq} (${(bytes / 1e6).toFixed(1)} MB, ${partBytes.length} parts) ${what} in ${seconds.toFixed(2)} s; the 1 ms timer late by p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, at most ${delays.at(-1).toFixed(1)} ms (${delays.length} runs)`,
  );
  await (await log.objectStore(snapshotBucketOf(stream), 1)).destroy();
  await log.close();
}
store.close();
