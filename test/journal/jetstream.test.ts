// The journal's JetStream replica against a real nats-server (src/journal/jetstream.ts): a local journal published to
// an empty stream and copied from it byte for byte; a writer fenced once another took its place; a stream of another
// history refused with nothing changed; a server that cannot be reached.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalInfo } from '../../src/cli/ingest.js';
import { runCli } from '../../src/cli/program.js';
import { JournalError } from '../../src/journal/errors.js';
import { connect } from 'nats';
import { JetStreamLog, recordBucketOf, reconcile, redactUrl, ReplicatedCommitter, serversOf } from '../../src/journal/jetstream.js';
import { sha256Hex } from '../../src/journal/record.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import type { BatchCommitter, StoredBatch } from '../../src/journal/store.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { runCliCaptured } from '../support/cli.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';

const run = natsAvailable('JetStream journal tests');

/** A journal made by `bailiff ingest` from the stream scenario and `n` commands of seed `seed`, in batches of `per`. */
async function journalOf(seed: number, n: number, per: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-js-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
  const journal = join(dir, 'journal.db');
  const lines = streamCommands(seed, n).map((c) => JSON.stringify(c));
  for (let i = 0; i < n; i += per) {
    const chunk = lines.slice(i, i + per);
    const args = i === 0 ? ['ingest', '--journal', journal, '--scenario', scenario] : ['ingest', '--journal', journal];
    const code = await runCli(args, { stdout: () => undefined, stderr: () => undefined, stdin: Readable.from([`${chunk.join('\n')}\n`]) });
    expect(code).toBe(0);
  }
  return journal;
}

/** A nats-server of its own whose max_payload is `bytes`, and a fresh directory beside it. */
async function natsWithPayload(bytes: number): Promise<{ server: NatsServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-js-'));
  const config = join(dir, 'payload.conf');
  writeFileSync(config, `max_payload: ${bytes}\n`);
  return { server: await startNatsServer(['-c', config]), dir };
}

function batchesOf(file: string): StoredBatch[] {
  const store = SqliteJournalStore.open(file, { durability: 'full', readOnly: true });
  try {
    return [...store.read(0)].map((b) => ({ firstSeq: b.firstSeq, lastSeq: b.lastSeq, bytes: Uint8Array.from(b.bytes) }));
  } finally {
    store.close();
  }
}

/** A local committer that records what it was handed. */
class Recording implements BatchCommitter {
  readonly mode = 'recording';
  readonly got: number[] = [];
  commit(batch: StoredBatch): Promise<void> {
    this.got.push(batch.firstSeq);
    return Promise.resolve();
  }
}

describe('JetStream URLs', () => {
  it('take credentials from the URL (the client does not) and never print them', () => {
    expect(serversOf('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(serversOf('nats://alice:s%40cret@a:4222, nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'], user: 'alice', pass: 's@cret' });
    expect(serversOf('nats://T0KEN@a:4222')).toEqual({ servers: ['nats://a:4222'], token: 'T0KEN' });
    expect(serversOf('a:4222,tls://bob:pw@b:4222')).toEqual({ servers: ['a:4222', 'tls://b:4222'], user: 'bob', pass: 'pw' });
    expect(redactUrl('nats://alice:s3cret@a:4222,nats://b:4222,T0KEN@c:1')).toBe('nats://***@a:4222,nats://b:4222,***@c:1');
  });
});

describe.runIf(run)('journal over JetStream', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('publishes a local journal to an empty stream and copies the stream into an empty journal, batch for batch', async () => {
    const a = await journalOf(1, 30, 10);
    const log = await JetStreamLog.open({ url: nats.url, stream: 'COPY' });
    try {
      const storeA = SqliteJournalStore.open(a, { durability: 'full' });
      const published = await reconcile(storeA, log, { publish: true });
      storeA.close();
      const batches = batchesOf(a);
      expect(published).toEqual({ copied: 0, published: batches.length, streamSeq: batches.length, lastSeq: 16 + 30 });
      // Reconciled again: nothing to do.
      const again = SqliteJournalStore.open(a, { durability: 'full' });
      expect(await reconcile(again, log, { publish: true })).toEqual({ copied: 0, published: 0, streamSeq: batches.length, lastSeq: 46 });
      again.close();

      const b = join(mkdtempSync(join(tmpdir(), 'bailiff-js-')), 'replica.db');
      const storeB = SqliteJournalStore.open(b, { durability: 'full' });
      expect(await reconcile(storeB, log, { publish: false })).toEqual({ copied: batches.length, published: 0, streamSeq: batches.length, lastSeq: 46 });
      storeB.close();
      expect(batchesOf(b)).toEqual(batches);
      const [infoA, infoB] = [journalInfo(a), journalInfo(b)];
      expect({ head: infoB.head, headHash: infoB.headHash }).toEqual({ head: infoA.head, headHash: infoA.headHash });

      // The writer journals more (without the stream here) and publishes what the stream lacks; the replica copies
      // only that.
      const more = streamCommands(1, 40).slice(30).map((c) => JSON.stringify(c));
      expect(await runCli(['ingest', '--journal', a], { stdout: () => undefined, stderr: () => undefined, stdin: Readable.from([`${more.join('\n')}\n`]) })).toBe(0);
      const storeA2 = SqliteJournalStore.open(a, { durability: 'full' });
      expect(await reconcile(storeA2, log, { publish: true })).toEqual({ copied: 0, published: 1, streamSeq: batches.length + 1, lastSeq: 56 });
      storeA2.close();
      const storeB2 = SqliteJournalStore.open(b, { durability: 'full' });
      expect(await reconcile(storeB2, log, { publish: false })).toEqual({ copied: 1, published: 0, streamSeq: batches.length + 1, lastSeq: 56 });
      storeB2.close();
      expect(batchesOf(b)).toEqual(batchesOf(a));
    } finally {
      await log.close();
    }
  });

  it('fences a writer once another took the stream over: its batch is stored nowhere, and every later one fails too', async () => {
    const a = await journalOf(2, 12, 4);
    const batches = batchesOf(a);
    const log1 = await JetStreamLog.open({ url: nats.url, stream: 'FENCE' });
    const log2 = await JetStreamLog.open({ url: nats.url, stream: 'FENCE' });
    try {
      const upTo = batches.length - 2;
      for (let i = 0; i < upTo; i++) await log1.publish(batches[i] as StoredBatch, i);
      const local1 = new Recording();
      const writer1 = new ReplicatedCommitter(log1, local1, upTo, (batches[upTo - 1] as StoredBatch).lastSeq, 'one');
      // A second writer takes over at the same place and stores the next batch first.
      const local2 = new Recording();
      const writer2 = new ReplicatedCommitter(log2, local2, upTo, (batches[upTo - 1] as StoredBatch).lastSeq, 'two');
      await writer2.commit(batches[upTo] as StoredBatch);
      const fenced = writer1.commit(batches[upTo] as StoredBatch);
      await expect(fenced).rejects.toMatchObject({ name: 'JournalError', code: 'journal_fenced', seq: (batches[upTo] as StoredBatch).firstSeq });
      await expect(writer1.commit(batches[upTo + 1] as StoredBatch)).rejects.toMatchObject({ code: 'journal_fenced' });
      expect(local1.got).toEqual([]);
      expect(local2.got).toEqual([(batches[upTo] as StoredBatch).firstSeq]);
      await writer2.commit(batches[upTo + 1] as StoredBatch);
      expect((await log2.head()).lastSeq).toBe((batches[upTo + 1] as StoredBatch).lastSeq);
      writer1.stop();
      writer2.stop();
    } finally {
      await log1.close();
      await log2.close();
    }
  });

  it('takes a batch whose timed-out attempt was stored after all as its own (not a fence), and lands the pipelined batches after it in order', async () => {
    const batches = batchesOf(await journalOf(3, 12, 3));
    expect(batches.length).toBeGreaterThan(3);
    // Each attempt waits 1 s; the server sleeps 1.5 s with every batch in flight: the first attempts time out, the
    // server then stores them all, and the second attempts are told another message is there (their own).
    const log = await JetStreamLog.open({ url: nats.url, stream: 'RIDE', timeoutMs: 1_000, rideThroughMs: 10_000 });
    const local = new Recording();
    const writer = new ReplicatedCommitter(log, local, 0, -1, 'rider');
    try {
      nats.process.kill('SIGSTOP');
      const commits = batches.map((b) => writer.commit(b));
      await new Promise((r) => setTimeout(r, 1_500));
      nats.process.kill('SIGCONT');
      await Promise.all(commits);
      expect(local.got).toEqual(batches.map((b) => b.firstSeq));
      const stored: number[] = [];
      for await (const { batch } of log.batchesAfter(0)) stored.push(batch.firstSeq);
      expect(stored).toEqual(batches.map((b) => b.firstSeq));
    } finally {
      nats.process.kill('SIGCONT');
      writer.stop();
      await log.close();
    }
  });

  it('refuses a local journal and a stream of different histories, changing neither', async () => {
    const a = await journalOf(3, 20, 10);
    const other = await journalOf(4, 20, 10); // the same scenario, other commands: the histories part after the setup
    const log = await JetStreamLog.open({ url: nats.url, stream: 'DIVERGE' });
    try {
      const storeA = SqliteJournalStore.open(a, { durability: 'full' });
      await reconcile(storeA, log, { publish: true });
      storeA.close();
      const before = await log.head();
      const bytesOther = batchesOf(other);
      const storeO = SqliteJournalStore.open(other, { durability: 'full' });
      const refused = await reconcile(storeO, log, { publish: true }).catch((e: unknown) => e);
      storeO.close();
      expect(refused).toBeInstanceOf(JournalError);
      expect(refused).toMatchObject({ code: 'journal_diverged' });
      expect((refused as Error).message).toContain('nothing was changed');
      expect(await log.head()).toEqual(before);
      expect(batchesOf(other)).toEqual(bytesOther);
      // A replica that is ahead of the stream is refused as well: a standby only copies.
      const b = await journalOf(3, 30, 10);
      const storeB = SqliteJournalStore.open(b, { durability: 'full' });
      await expect(reconcile(storeB, log, { publish: false })).rejects.toMatchObject({
        code: 'journal_diverged',
        message: 'the local journal and stream DIVERGE disagree on the head: the local journal is ahead (record 46 against 36), and a standby only copies the stream; nothing was changed (a journal and a stream go together from the genesis on)',
      });
      storeB.close();
    } finally {
      await log.close();
    }
  });

  it('signs in with the credentials of the URL, and says so without them when they are refused', async () => {
    const guarded = await startNatsServer(['--user', 'alice', '--pass', 's3cret']);
    try {
      const port = new URL(guarded.url).port;
      const log = await JetStreamLog.open({ url: `nats://alice:s3cret@127.0.0.1:${port}`, stream: 'AUTH' });
      expect(await log.head()).toEqual({ streamSeq: 0, lastSeq: -1 });
      await log.close();
      const refused = await JetStreamLog.open({ url: `nats://alice:wrong@127.0.0.1:${port}`, stream: 'AUTH', timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'replica_unavailable' });
      expect((refused as Error).message).toBe(`cannot reach the JetStream server at nats://***@127.0.0.1:${port}: Authorization Violation`);
    } finally {
      await guarded.stop();
    }
  });

  it('publishes a batch larger than the server takes in one message as several, and reconciles across the split', async () => {
    const { server: small, dir } = await natsWithPayload(65536);
    try {
      // 400 commands in one batch: ~200 KB of records, four messages or more.
      const a = await journalOf(5, 400, 400);
      const log = await JetStreamLog.open({ url: small.url, stream: 'SPLIT' });
      expect(log.messageBytesMax).toBe(65536 - 1024);
      const big = batchesOf(a).at(-1) as StoredBatch;
      expect(big.bytes.length).toBeGreaterThan(3 * log.messageBytesMax);
      const parts = log.partsOf(big);
      expect(parts.length).toBeGreaterThan(3);
      expect(Buffer.concat(parts.map((p) => p.bytes))).toEqual(Buffer.from(big.bytes));
      expect(parts.map((p) => [p.firstSeq, p.lastSeq])).toEqual(parts.map((p, i) => [i === 0 ? big.firstSeq : (parts[i - 1] as StoredBatch).lastSeq + 1, p.lastSeq]));
      expect((parts.at(-1) as StoredBatch).lastSeq).toBe(big.lastSeq);
      for (const p of parts) expect(p.bytes.length).toBeLessThanOrEqual(log.messageBytesMax);

      const storeA = SqliteJournalStore.open(a, { durability: 'full' });
      const published = await reconcile(storeA, log, { publish: true });
      expect(published.published).toBe(2 + parts.length);
      // Reconciled again across the split (the stream's last message is the local batch's last part): nothing to do.
      expect(await reconcile(storeA, log, { publish: true })).toMatchObject({ copied: 0, published: 0 });
      storeA.close();
      const b = join(dir, 'copy.db');
      const storeB = SqliteJournalStore.open(b, { durability: 'full' });
      expect(await reconcile(storeB, log, { publish: false })).toMatchObject({ copied: 2 + parts.length, lastSeq: 416 });
      storeB.close();
      expect(journalInfo(b).headHash).toBe(journalInfo(a).headHash);
      // The writer's committer splits the same way: one more large batch, published in parts, committed once.
      const local = new Recording();
      const writer = new ReplicatedCommitter(log, local, published.streamSeq, 416, 'split');
      const next = { ...big, firstSeq: 417, lastSeq: 417 + (big.lastSeq - big.firstSeq) };
      await expect(writer.commit(next)).resolves.toBeUndefined();
      expect(local.got).toEqual([417]);
      expect((await log.head()).streamSeq).toBe(published.streamSeq + parts.length);
      writer.stop();
      await log.close();
    } finally {
      await small.stop();
    }
  });

  it("stores a record larger than a message in the stream's records object store, named by its message, and refuses a copy whose object is missing or changed", async () => {
    // 1 KiB of records a message: the genesis (~1.2 KB) and the scenario's rulebook record are larger.
    const { server: tiny, dir } = await natsWithPayload(2048);
    try {
      const a = await journalOf(8, 60, 60);
      const log = await JetStreamLog.open({ url: tiny.url, stream: 'LARGE' });
      expect(log.messageBytesMax).toBe(1024);
      const batches = batchesOf(a);
      const parts = batches.flatMap((b) => log.partsOf(b));
      const large = parts.filter((p) => p.bytes.length > log.messageBytesMax);
      // Each part larger than a message is one record, alone.
      expect(large.length).toBeGreaterThanOrEqual(2);
      for (const p of large) expect(p.firstSeq).toBe(p.lastSeq);
      expect(Buffer.concat(parts.map((p) => p.bytes))).toEqual(Buffer.concat(batches.map((b) => Buffer.from(b.bytes))));

      const storeA = SqliteJournalStore.open(a, { durability: 'full' });
      const published = await reconcile(storeA, log, { publish: true });
      expect(published.published).toBe(parts.length);
      expect(await reconcile(storeA, log, { publish: true })).toMatchObject({ copied: 0, published: 0 });
      storeA.close();
      const b = join(dir, 'copy.db');
      const storeB = SqliteJournalStore.open(b, { durability: 'full' });
      expect(await reconcile(storeB, log, { publish: false })).toMatchObject({ copied: parts.length, lastSeq: 76 });
      storeB.close();
      expect(journalInfo(b).headHash).toBe(journalInfo(a).headHash);
      // Through the CLI too: the copy recovers, every record replayed and checked byte for byte.
      const recovered = await runCliCaptured(['ingest', '--journal', join(dir, 'cli.db'), '--jetstream', tiny.url, '--stream', 'LARGE'], { stdin: Readable.from([]) });
      expect(recovered.code, recovered.err).toBe(0);
      expect(recovered.err).toContain('recovered from the genesis + 76 replayed; head 76');
      // The writer's committer takes the same path: a large batch committed once its object and its message are stored.
      const local = new Recording();
      const writer = new ReplicatedCommitter(log, local, published.streamSeq, 76, 'large');
      const record = large.at(-1) as StoredBatch;
      await expect(writer.commit({ ...record, firstSeq: 77, lastSeq: 77 })).resolves.toBeUndefined();
      expect(local.got).toEqual([77]);
      expect(await log.batchAt(published.streamSeq + 1)).toEqual({ firstSeq: 77, lastSeq: 77, bytes: record.bytes });
      writer.stop();

      // An object gone (removed past Bailiff): the copy stops at its message, naming it; nothing of it stored.
      const nc = await connect({ servers: tiny.url });
      const os = await nc.jetstream().views.os(recordBucketOf('LARGE'));
      const objects = (await os.list()).filter((o) => !o.deleted);
      expect(objects.length).toBe(large.length + 1);
      const first = objects.find((o) => o.name.startsWith('records-0-0-')) as (typeof objects)[number];
      await os.delete(first.name);
      const storeC = SqliteJournalStore.open(join(dir, 'c.db'), { durability: 'full' });
      const refused = await reconcile(storeC, log, { publish: false }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'record_corrupt' });
      expect((refused as Error).message).toBe(`stream LARGE message 1: records 0-0 in object ${first.name} of LARGE-records: the object is not stored`);
      expect(storeC.lastSeq()).toBe(-1);
      // Put back with other bytes: refused for its hash.
      await os.putBlob({ name: first.name }, new Uint8Array(1200));
      expect(await reconcile(storeC, log, { publish: false }).catch((e: unknown) => (e as Error).message)).toBe(
        `stream LARGE message 1: records 0-0 in object ${first.name} of LARGE-records: its bytes do not have the SHA-256 the message names`,
      );
      expect(storeC.lastSeq()).toBe(-1);
      storeC.close();
      await nc.close();
      await log.close();
    } finally {
      await tiny.stop();
    }
  });

  it("collects the records store's objects that no message names (a fenced writer's), and only those", async () => {
    const { server: tiny, dir } = await natsWithPayload(2048);
    try {
      const a = await journalOf(8, 60, 60);
      const log = await JetStreamLog.open({ url: tiny.url, stream: 'ORPHANS' });
      const storeA = SqliteJournalStore.open(a, { durability: 'full' });
      await reconcile(storeA, log, { publish: true });
      const head = storeA.lastSeq();
      const nc = await connect({ servers: tiny.url });
      const os = await nc.jetstream().views.os(recordBucketOf('ORPHANS'));
      const names = async (): Promise<string[]> => (await os.list()).filter((o) => !o.deleted).map((o) => o.name).sort();
      const named = await names();
      expect(named.length).toBeGreaterThanOrEqual(2);
      // A fenced writer's object of record 5 (bytes the stream's record 5 does not have), one of a record past what is
      // judged, one whose name is not a record's.
      const other = new Uint8Array(1500).fill(7);
      const fenced = `records-5-5-${sha256Hex(other)}`;
      const ahead = `records-${head + 1}-${head + 1}-${sha256Hex(other)}`;
      for (const name of [fenced, ahead, 'notes']) await os.putBlob({ name }, other);
      const kept = new Set<string>();
      expect(await log.collectOrphanRecords(storeA, head, kept)).toEqual([fenced]);
      expect([...kept].sort()).toEqual(named);
      expect(await names()).toEqual([...named, ahead, 'notes'].sort());
      // Found named once, not read again: a second pass removes nothing.
      expect(await log.collectOrphanRecords(storeA, head, kept)).toEqual([]);
      // Nothing a message names went: a copy of the stream reads every record.
      const storeB = SqliteJournalStore.open(join(dir, 'copy.db'), { durability: 'full' });
      expect(await reconcile(storeB, log, { publish: false })).toMatchObject({ lastSeq: head });
      expect(journalInfo(join(dir, 'copy.db')).headHash).toBe(journalInfo(a).headHash);
      // The same name with the stream's own bytes is the stream's object, orphan or not: kept.
      const fresh = new Set<string>();
      expect(await log.collectOrphanRecords(storeB, head, fresh)).toEqual([]);
      expect([...fresh].sort()).toEqual(named);
      storeA.close();
      storeB.close();
      await nc.close();
      await log.close();
    } finally {
      await tiny.stop();
    }
  });

  it('copies nothing of a message whose records are bad: the local journal never holds what its recovery would halt on', async () => {
    const a = await journalOf(6, 12, 4);
    const batches = batchesOf(a);
    const log = await JetStreamLog.open({ url: nats.url, stream: 'FLIPPED' });
    try {
      // The fourth message with one bit of a record's body flipped (as a disk or a bug could), the rest as they are.
      const bad = 3;
      for (let i = 0; i < batches.length; i++) {
        const b = batches[i] as StoredBatch;
        const bytes = Uint8Array.from(b.bytes);
        if (i === bad) (bytes[60] as number) ^= 0x04;
        await log.publish({ ...b, bytes }, i);
      }
      const copy = join(mkdtempSync(join(tmpdir(), 'bailiff-js-')), 'copy.db');
      const store = SqliteJournalStore.open(copy, { durability: 'full' });
      const refused = await reconcile(store, log, { publish: false }).catch((e: unknown) => e);
      const kept = store.lastSeq();
      store.close();
      const first = (batches[bad] as StoredBatch).firstSeq;
      expect(refused).toMatchObject({ code: 'record_corrupt', seq: first, message: `stream FLIPPED message ${bad + 1}: record ${first}: checksum mismatch; nothing of it copied` });
      expect(kept).toBe(first - 1);
      expect(journalInfo(copy)).toMatchObject({ head: first - 1, tornTail: null });
    } finally {
      await log.close();
    }
  });

  it('says so when the server cannot be reached, and refuses a bad stream name', async () => {
    await expect(JetStreamLog.open({ url: 'nats://127.0.0.1:1', timeoutMs: 500 })).rejects.toMatchObject({ code: 'replica_unavailable' });
    await expect(JetStreamLog.open({ url: nats.url, stream: 'a.b' })).rejects.toThrow(/letters, digits/);
  });
});
