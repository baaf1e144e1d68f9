// Snapshots through the stream on a worker thread of their own (snapshot-share.ts starts it): its own connection to
// the stream and, for a writer's puts, its own read-only connection to the journal file; requests answered as the
// thread that started it asks. What it takes off that thread (the one that applies commands, or a standby's that
// serves reads): the parts' reads and, above all, the nats client's SHA-256 of every chunk in JavaScript, ~15 ms a MB,
// ~3.5 s of a 1M snapshot each way (docs/journal.md "Snapshots through the stream").

import { parentPort, workerData } from 'node:worker_threads';
import { JournalError } from './errors.js';
import { JetStreamLog } from './jetstream.js';
import type { FromShareWorker, SnapshotShareData, ToShareWorker } from './snapshot-share-protocol.js';
import { SqliteJournalStore } from './sqlite.js';
import { StreamSnapshots } from './stream-snapshots.js';

const data = workerData as SnapshotShareData;
const port = parentPort;
if (port === null) throw new Error('snapshot-share-worker: not a worker thread');

let log: JetStreamLog | null = null;
let shared: StreamSnapshots | null = null;
let store: SqliteJournalStore | null = null;
/** Objects of the records store found named by a message (JetStreamLog.collectOrphanRecords): not read again. */
const namedRecords = new Set<string>();

async function snapshots(): Promise<StreamSnapshots> {
  log ??= await JetStreamLog.open({ ...data.jetstream, create: false });
  shared ??= await StreamSnapshots.open(log, data.replicas);
  return shared;
}

async function answer(m: Exclude<ToShareWorker, { kind: 'close' }>): Promise<void> {
  try {
    const os = await snapshots();
    if (m.kind === 'read') {
      let bytes = await os.readPart(m.seq, m.part);
      // Handed over, not cloned: a buffer of its own, whole.
      if (bytes !== null && (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength)) bytes = new Uint8Array(bytes);
      port?.postMessage({ kind: 'read', id: m.id, bytes } satisfies FromShareWorker, bytes === null ? [] : [bytes.buffer as ArrayBuffer]);
      return;
    }
    if (data.journalFile === undefined) throw new Error('a worker started without a journal file puts nothing');
    const reader = (store ??= SqliteJournalStore.open(data.journalFile, { durability: 'relaxed', readOnly: true }));
    const seq = m.info.seq;
    const bytes = await os.put(m.info, { partBytes: reader.snapshotPartSizes(seq), part: (k) => reader.snapshotPart(seq, k) });
    const pruned = bytes === null ? { snapshots: 0, strays: [] } : await os.prune();
    // Records up to the snapshot's seq are committed in the stream and here: orphans among their objects are known.
    let orphans: string[] = [];
    let orphansError: string | undefined;
    try {
      orphans = await (log as JetStreamLog).collectOrphanRecords(reader, seq, namedRecords);
    } catch (e) {
      orphansError = e instanceof Error ? e.message : String(e);
    }
    port?.postMessage({ kind: 'put', id: m.id, bucket: os.bucket, bytes, removed: pruned.snapshots, strays: pruned.strays, orphans, ...(orphansError === undefined ? {} : { orphansError }) } satisfies FromShareWorker);
  } catch (e) {
    // The next request starts on a new connection.
    shared = null;
    await log?.close();
    log = null;
    port?.postMessage({ kind: m.kind, id: m.id, error: e instanceof Error ? e.message : String(e), ...(e instanceof JournalError ? { code: e.code } : {}) } satisfies FromShareWorker);
  }
}

port.on('message', (m: ToShareWorker) => {
  if (m.kind === 'close') {
    store?.close();
    void (log?.close() ?? Promise.resolve()).finally(() => port.close());
    return;
  }
  void answer(m);
});
