// Snapshots shared through a stream's JetStream object store (journal/stream-snapshots.ts, cli/replica.ts): a
// snapshot put a part at a time and copied back into another journal byte for byte, in its parts; one whose bytes do
// not give its content hash refused on either side, nothing stored; old ones removed; and through the CLI, a writer's
// snapshot taken by a process starting on an empty journal file, whose recovery starts from it. Against a real
// nats-server (skipped without one, with the reason; CI requires it). The CLI half needs `npm run build` (dist/).

import { connect, StorageType } from 'nats';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalError } from '../../src/journal/errors.js';
import { JetStreamLog } from '../../src/journal/jetstream.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { SnapshotShareWorker } from '../../src/journal/snapshot-share.js';
import { snapshotBucketOf, StreamSnapshots } from '../../src/journal/stream-snapshots.js';
import type { SnapshotInfo } from '../../src/journal/types.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { runCliCaptured } from '../support/cli.js';
import { startIngest } from '../support/ingest-process.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';

const run = natsAvailable('stream snapshot tests');

/** A store holding a snapshot at `seq` made of `parts` (its content hash theirs unless `hash` is given). */
function storeWith(dir: string, name: string, seq: number, parts: Buffer[], hash?: string): { store: SqliteJournalStore; info: SnapshotInfo } {
  const store = SqliteJournalStore.open(join(dir, name), { durability: 'relaxed' });
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  const info: SnapshotInfo = { seq, contentHash: hash ?? h.digest('hex'), stateRoot: `root-${seq}` };
  store.putSnapshot(info, parts);
  return { store, info };
}

const source = (store: SqliteJournalStore, seq: number) => ({ partBytes: store.snapshotPartSizes(seq), part: (k: number) => store.snapshotPart(seq, k) });

describe.runIf(run)('snapshots through the stream', () => {
  let nats: NatsServer;
  let dir: string;
  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'bailiff-stream-snapshots-'));
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('puts a snapshot a part at a time and copies it into another journal in the same parts, byte for byte; keeps the newest two', async () => {
    const log = await JetStreamLog.open({ url: nats.url, stream: 'SNAPLIB' });
    try {
      const shared = await StreamSnapshots.open(log, 1);
      // Parts larger and smaller than the object store's 128 KiB chunks, so chunks straddle parts.
      const parts = [randomBytes(300_000), randomBytes(7), randomBytes(200_001)];
      const { store: a, info } = storeWith(dir, 'a.db', 40, parts);
      expect(await shared.put(info, source(a, 40))).toBe(500_008);
      // A seq has one state: a second put leaves the stored one.
      expect(await shared.put(info, source(a, 40))).toBeNull();
      const [listed] = await shared.list();
      expect(listed).toEqual({ info, partBytes: [300_000, 7, 200_001], bytes: 500_008 });

      const b = SqliteJournalStore.open(join(dir, 'b.db'), { durability: 'relaxed' });
      await shared.copyInto(b, listed as NonNullable<typeof listed>);
      expect(b.snapshotInfos()).toEqual([info]);
      expect(b.snapshotParts(40).map((p) => Buffer.from(p))).toEqual(parts);

      // Older ones go once newer ones are stored.
      for (const seq of [50, 60]) {
        const { store, info: newer } = storeWith(dir, `s${seq}.db`, seq, [randomBytes(1000)]);
        await shared.put(newer, source(store, seq));
        store.close();
      }
      // A put that stopped half way (a writer killed: parts, no manifest) and one whose manifest names a part never
      // stored, both older than the newest snapshot: removed with the old ones; a part of a seq newer than the newest
      // (a put that may be under way) is left.
      const nc = await connect({ servers: nats.url });
      const raw = await nc.jetstream().views.os(snapshotBucketOf('SNAPLIB'));
      for (const name of ['snapshot-45.part-0', 'snapshot-45.part-1', 'snapshot-55.part-1', 'snapshot-70.part-0']) await raw.putBlob({ name }, randomBytes(10));
      await raw.putBlob({ name: 'snapshot-55', description: JSON.stringify({ seq: 55, contentHash: 'x', stateRoot: 'y', partBytes: [10, 10] }) }, randomBytes(2));
      const pruned = await shared.prune();
      expect({ ...pruned, strays: [...pruned.strays].sort() }).toEqual({ snapshots: 1, strays: ['snapshot-45.part-0', 'snapshot-45.part-1', 'snapshot-55', 'snapshot-55.part-1'] });
      expect((await shared.list()).map((s) => s.info.seq)).toEqual([50, 60]);
      await raw.delete('snapshot-70.part-0');
      // Its manifest and its three parts with it.
      const names = (await (await nc.jetstream().views.os(snapshotBucketOf('SNAPLIB'))).list()).filter((o) => !o.deleted).map((o) => o.name);
      expect(names.sort()).toEqual(['snapshot-50', 'snapshot-50.part-0', 'snapshot-60', 'snapshot-60.part-0']);
      await nc.close();
      a.close();
      b.close();
    } finally {
      await log.close();
    }
  });

  it('a copy told to stop (a standby promoted mid-copy) writes nothing more and seals nothing; the parts it stored ahead are removable', async () => {
    const log = await JetStreamLog.open({ url: nats.url, stream: 'SNAPSTOP' });
    try {
      const shared = await StreamSnapshots.open(log, 1);
      const parts = [randomBytes(1000), randomBytes(2000), randomBytes(3000), randomBytes(4000)];
      const { store: a, info } = storeWith(dir, 'stop-a.db', 30, parts);
      await shared.put(info, source(a, 30));
      const [listed] = await shared.list();
      const b = SqliteJournalStore.open(join(dir, 'stop-b.db'), { durability: 'relaxed' });
      // Asked once per part read: go on for parts 0 and 1, then stop before part 2 is stored.
      let asked = 0;
      expect(await shared.copyInto(b, listed as NonNullable<typeof listed>, () => ++asked <= 2)).toBe(false);
      expect(asked).toBe(3);
      expect(b.snapshotInfos()).toEqual([]);
      expect(() => b.snapshotParts(30)).toThrow(JournalError);
      // Part 1 was stored ahead (part 0 is held for the seal): nothing reads it, and the next copy's first step removes it.
      expect(b.removeUnsealedSnapshotParts()).toBe(1);
      expect(b.removeUnsealedSnapshotParts()).toBe(0);
      expect(await shared.copyInto(b, listed as NonNullable<typeof listed>)).toBe(true);
      expect(b.snapshotParts(30).map((p) => Buffer.from(p))).toEqual(parts);
      // A sealed snapshot's parts are not "unsealed".
      expect(b.removeUnsealedSnapshotParts()).toBe(0);
      expect(b.snapshotParts(30)).toHaveLength(4);
      a.close();
      b.close();
    } finally {
      await log.close();
    }
  });

  it("the worker thread's put stores what a put on the thread does, its reads copy it back; a failure comes back with its code", async () => {
    const log = await JetStreamLog.open({ url: nats.url, stream: 'SNAPWORKER' });
    try {
      const parts = [randomBytes(200_000), randomBytes(5)];
      const { store, info } = storeWith(dir, 'worker.db', 12, parts);
      store.close();
      const worker = SnapshotShareWorker.start({ jetstream: log.options, replicas: 1, journalFile: join(dir, 'worker.db') });
      expect(await worker.put(info)).toEqual({ bucket: 'SNAPWORKER-snapshots', bytes: 200_005, removed: 0, strays: [], orphans: [] });
      // Stored already: left as it is.
      expect(await worker.put(info)).toEqual({ bucket: 'SNAPWORKER-snapshots', bytes: null, removed: 0, strays: [], orphans: [] });
      // No record was ever large: no records store was made to look for orphans in.
      expect(await log.hasObjectStore('SNAPWORKER-records')).toBe(false);
      const shared = await StreamSnapshots.open(log, 1);
      const [listed] = await shared.list();
      expect(listed).toEqual({ info, partBytes: [200_000, 5], bytes: 200_005 });
      // A standby's reads, on a worker without a journal: the parts' bytes handed over; what is not stored, null.
      const reads = SnapshotShareWorker.start({ jetstream: log.options, replicas: 1 });
      expect([Buffer.from((await reads.readPart(12, 0)) as Uint8Array), Buffer.from((await reads.readPart(12, 1)) as Uint8Array)]).toEqual(parts);
      expect(await reads.readPart(12, 2)).toBeNull();
      const b = SqliteJournalStore.open(join(dir, 'worker-copy.db'), { durability: 'relaxed' });
      expect(await shared.copyInto(b, listed as NonNullable<typeof listed>, () => true, (seq, k) => reads.readPart(seq, k))).toBe(true);
      expect(b.snapshotParts(12).map((p) => Buffer.from(p))).toEqual(parts);
      b.close();
      await expect(reads.put(info)).rejects.toThrow('a worker started without a journal file puts nothing');
      await reads.close();
      // A snapshot the journal does not hold.
      const missing = await worker.put({ seq: 13, contentHash: 'x', stateRoot: 'y' }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(JournalError);
      expect((missing as JournalError).code).toBe('snapshot_corrupt');
      await worker.close();
      await expect(worker.put(info)).rejects.toThrow(/the snapshot-sharing worker stopped/);
      // Its own connection, as the writer's: a stream that is not there is not created by it.
      const elsewhere = SnapshotShareWorker.start({ jetstream: { ...log.options, stream: 'SNAPWORKER_NONE' }, replicas: 1, journalFile: join(dir, 'worker.db') });
      const refused = await elsewhere.put(info).catch((e: unknown) => e);
      expect((refused as JournalError).code).toBe('replica_unavailable');
      expect((refused as Error).message).toBe('stream SNAPWORKER_NONE does not exist');
      await elsewhere.terminate();
    } finally {
      await log.close();
    }
  });

  it('refuses a snapshot whose bytes do not give its content hash: not put, and not copied from an object that lies', async () => {
    const log = await JetStreamLog.open({ url: nats.url, stream: 'SNAPBAD' });
    const nc = await connect({ servers: nats.url });
    const os = () => nc.jetstream().views.os(snapshotBucketOf('SNAPBAD'), { storage: StorageType.File, replicas: 1 });
    try {
      const shared = await StreamSnapshots.open(log, 1);
      // A local snapshot whose parts changed on the disk: refused, and nothing left in the object store.
      const { store: a, info } = storeWith(dir, 'bad-a.db', 10, [randomBytes(1000), randomBytes(10)], 'ab'.repeat(32));
      await expect(shared.put(info, source(a, 10))).rejects.toMatchObject({ code: 'snapshot_corrupt' });
      expect(await shared.list()).toEqual([]);
      expect((await (await os()).list()).filter((o) => !o.deleted)).toEqual([]);
      // An object whose description names a hash its bytes do not give (written past Bailiff, with the client).
      const store = await os();
      await store.putBlob({ name: 'snapshot-12.part-0' }, randomBytes(2000));
      await store.putBlob({ name: 'snapshot-12', description: JSON.stringify({ seq: 12, contentHash: 'cd'.repeat(32), stateRoot: 'r', partBytes: [2000] }) }, new Uint8Array(0));
      // A manifest whose part is not stored (a put that stopped half way, or parts removed) is not listed at all.
      await store.putBlob({ name: 'snapshot-13', description: JSON.stringify({ seq: 13, contentHash: 'cd'.repeat(32), stateRoot: 'r', partBytes: [5] }) }, new Uint8Array(0));
      const listed = await shared.list();
      expect(listed.map((s) => s.info.seq)).toEqual([12]);
      const b = SqliteJournalStore.open(join(dir, 'bad-b.db'), { durability: 'relaxed' });
      const refused = await shared.copyInto(b, listed[0] as NonNullable<(typeof listed)[0]>).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(JournalError);
      expect((refused as JournalError).message).toContain(`snapshot 12: its parts give the content hash`);
      expect(b.snapshotInfos()).toEqual([]);
      a.close();
      b.close();
    } finally {
      await nc.close();
      await log.close();
    }
  });

  it('through the CLI: a writer puts its snapshots, and a process on an empty journal file recovers from the newest instead of the genesis', async () => {
    const scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
    const js = ['--jetstream', nats.url, '--stream', 'SNAPCLI'];
    const [a, b] = [join(dir, 'cli-a.db'), join(dir, 'cli-b.db')];
    // What a writer fenced or killed between a large record's object and its message leaves: an object no message names.
    const nc = await connect({ servers: nats.url });
    const records = await nc.jetstream().views.os('SNAPCLI-records', { storage: StorageType.File, replicas: 1 });
    const stray = new Uint8Array(3000).fill(1);
    const orphan = `records-5-5-${createHash('sha256').update(stray).digest('hex')}`;
    await records.putBlob({ name: orphan }, stray);
    const writer = startIngest(['--journal', a, '--scenario', scenario, '--snapshot-every', '100', ...js]);
    writer.child.stdin?.end(`${streamCommands(9, 300).map((c) => JSON.stringify(c)).join('\n')}\n`);
    expect(await writer.closed, writer.err()).toBe(0);
    // The scenario's 16 commands and 300 more: one snapshot at the batch's end; then the stray object is collected.
    expect(writer.err()).toMatch(/^ingest: snapshot 316 put into object store SNAPCLI-snapshots \(/m);
    expect(writer.err()).toContain(`ingest: removed 1 object of the records store that no message names (a writer stopped between a large record's object and its message): ${orphan}\n`);
    expect((await records.list()).filter((o) => !o.deleted)).toEqual([]);
    await nc.close();

    const next = startIngest(['--journal', b, ...js]);
    next.child.stdin?.end();
    expect(await next.closed, next.err()).toBe(0);
    expect(next.err()).toMatch(/^ingest: snapshot 316 copied from object store SNAPCLI-snapshots \([\d.]+ MB in [\d.]+ s\): recovery starts from it$/m);
    expect(next.err()).toContain('recovered from snapshot 316 + 0 replayed; head 316');
    // The snapshot is the writer's own, in its parts, and every record came with it.
    const [sa, sb] = [a, b].map((f) => SqliteJournalStore.open(f, { durability: 'relaxed', readOnly: true }));
    expect(sb?.snapshotInfos()).toEqual(sa?.snapshotInfos());
    expect(sb?.snapshotParts(316)).toEqual(sa?.snapshotParts(316));
    expect(sb?.lastSeq()).toBe(316);
    sa?.close();
    sb?.close();
    // `journal info --jetstream` lists them.
    const info = await runCliCaptured(['journal', 'info', b, ...js]);
    expect(info.out).toContain('the local journal is level with it\nobject store SNAPCLI-snapshots: snapshots at 316 (0.0 MB)\n');
  }, 60_000);

  it('journal info on a stream without snapshots says so, and creates no object store', async () => {
    const scenario = join(dir, 'scenario-none.json');
    writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
    const file = join(dir, 'none.db');
    const js = ['--jetstream', nats.url, '--stream', 'SNAPNONE'];
    const writer = startIngest(['--journal', file, '--scenario', scenario, ...js]);
    writer.child.stdin?.end();
    expect(await writer.closed, writer.err()).toBe(0);
    const info = await runCliCaptured(['journal', 'info', file, ...js]);
    expect(info.out).toContain('object store SNAPNONE-snapshots: no snapshots\n');
    const log = await JetStreamLog.open({ url: nats.url, stream: 'SNAPNONE', create: false });
    expect(await log.hasObjectStore(snapshotBucketOf('SNAPNONE'))).toBe(false);
    await log.close();
  });
});
