// The journal replicated to a NATS JetStream stream, for more than one machine (docs/journal.md "Replication over
// JetStream"). The local SQLite journal stays what recovery reads; the stream is the copy that outlives the machine
// and the order every machine agrees on.
//
// - One stream message per committed batch, its bytes as the store keeps them (StoredBatch: records framed back to
//   back, hash chain inside), with the batch's first and last record seq in headers. A batch is published before it
//   is committed locally, and acknowledged to clients only once both returned (ReplicatedCommitter).
// - Fencing: each publish says which stream message it follows (JetStream's expected last sequence). A writer that
//   another machine took over from finds another writer's batch there: its publish fails (journal_fenced) and it
//   stops, its batch stored nowhere. At most one writer's history goes on, whatever the clocks or the network did.
// - Liveness: the writer says it is alive on a plain subject (not stored) every HEARTBEAT_MS; a standby that has heard
//   nothing for its take-over time takes the stream over. Fencing, not the heartbeat, keeps two writers apart.
// - Reconciling a local journal with the stream (reconcile): the stream ahead is copied into the local journal; the
//   local journal ahead (a journal that ran without the stream, or a new one's genesis) is published. Both only when
//   the two hold the same bytes where they meet (else journal_diverged, nothing changed).
//
// An edge adapter: the `nats` client, timers and the network live here, never in the core.

import { connect, credsAuthenticator, headers, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection, type ObjectStore, type Subscription } from 'nats';
import { readFileSync } from 'node:fs';
import { JournalError } from './errors.js';
import { decodeRecord, frameAt, RECORD_BYTES_MIN, RECORD_CHECKSUM_BYTES, sha256Hex, ZERO_HASH } from './record.js';
import type { BatchCommitter, JournalStore, StoredBatch } from './store.js';

/** How often a writer says it is alive (on `<stream>.writer`, not stored). */
export const HEARTBEAT_MS = 200;
/** A standby's default wait without a heartbeat or a batch before it takes the stream over. */
export const DEFAULT_TAKEOVER_MS = 2_000;
/** The stream's default name (its subjects: `<name>.batches`, stored; `<name>.writer`, heartbeats). */
export const DEFAULT_STREAM = 'BAILIFF';
/** The stream's largest message (its max_msg_size); the server's max_payload (1 MiB by default) is usually lower. */
export const BATCH_BYTES_MAX = 8 * 1024 * 1024;
/** Room left in a message for its headers and the protocol's framing. */
const HEADROOM_BYTES = 1024;

const FIRST_SEQ = 'Bailiff-First-Seq';
const LAST_SEQ = 'Bailiff-Last-Seq';
/** A record larger than a message: the object of the stream's records store holding its bytes, and their SHA-256. */
const OBJECT = 'Bailiff-Object';
const OBJECT_SHA256 = 'Bailiff-Sha256';

/**
 * What a reader of the stream asks for at once (bytes, not messages): nats-server drops what it has for a client past
 * its max_pending (64 MiB by default: "Slow Consumer Detected"), and 64 messages of 1 MiB each, plus a large record's
 * object read meanwhile on the same connection, went past it, losing the object's replies (found copying the 1M bench
 * journal).
 */
const CONSUME_BYTES_MAX = 16 * 1024 * 1024;

/** The longest wait for one object read (a large record, a snapshot's list or part): see within(). */
export const OBJECT_READ_MS = 30_000;

/**
 * How long an object's put may wait for its acknowledgements: the client sends every 128 KiB chunk of an object before
 * it waits for any, each with this timeout, so a fixed 5 s timed out on large objects; a second more per MB.
 */
export function objectPutTimeoutMs(timeoutMs: number, bytes: number): number {
  return timeoutMs + Math.ceil(bytes / 1_000_000) * 1_000;
}

/**
 * The object store of a stream's records too large for a message (a crash tick's record: ~2.6 KB of events a
 * liquidated account, so ~400 liquidations fill the server's default 1 MiB): its message carries the object's name.
 */
export function recordBucketOf(stream: string): string {
  return `${stream}-records`;
}
/** JetStream's error code for a publish whose expected last sequence is not the stream's. */
const WRONG_LAST_SEQUENCE = 10071;
/**
 * How long a writer tries a batch's publish again before it stops (replica_unavailable): a JetStream cluster that lost
 * the server leading the stream elects another in ~5 s, during which no server answers (measured on nats-server
 * 2.9.10: 5.4 s from the leader's SIGKILL to the next acknowledgement), and a client whose server died reconnects to
 * another; both are ridden through.
 */
export const RIDE_THROUGH_MS = 12_000;
/** JetStream's error code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10059;

export interface JetStreamOptions {
  /** Server URL(s), comma-separated: nats://host:4222. */
  readonly url: string;
  /** Stream name (letters, digits, '-' and '_'). */
  readonly stream?: string;
  /** Replicas when the stream is created (a JetStream cluster: 3; a single server: 1). */
  readonly replicas?: number;
  /** Whether a missing stream is created (default true); false: refused (a read-only look). */
  readonly create?: boolean;
  /** How long a connect, a request or one attempt of a publish may wait for the server, ms (default 5,000). */
  readonly timeoutMs?: number;
  /** How long a batch's publish is tried again when no server answers or an attempt times out, ms (RIDE_THROUGH_MS). */
  readonly rideThroughMs?: number;
  /** TLS required (JetStreamTls); without it, TLS only when the server requires it, verified against the system's CAs. */
  readonly tls?: JetStreamTls;
  /**
   * A NATS credentials file (a user's JWT and nkey seed, as `nsc` writes it: the servers' decentralised auth), instead
   * of credentials in the URL.
   */
  readonly credsFile?: string;
}

/**
 * TLS to the servers, required once given: the CA that signed their certificates (PEM; default: the system's), and this
 * client's certificate and key for servers that verify clients (mutual TLS: nats-server `--tlsverify`).
 */
export interface JetStreamTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/**
 * The servers of a `--jetstream` URL list (comma-separated) and its credentials: `nats://user:password@host:port` or
 * `nats://token@host:port` (the nats client does not read them from a URL itself). The first URL with credentials
 * gives them; they are the same for every server of a cluster.
 */
export function serversOf(urls: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  const servers: string[] = [];
  let auth: { user?: string; pass?: string; token?: string } = {};
  for (const raw of urls.split(',')) {
    const url = raw.trim();
    const m = /^([a-z]+:\/\/)?([^@/]*)@(.*)$/i.exec(url);
    if (m === null) {
      servers.push(url);
      continue;
    }
    servers.push(`${m[1] ?? ''}${m[3] as string}`);
    if (auth.user !== undefined || auth.token !== undefined) continue;
    const info = m[2] as string;
    const colon = info.indexOf(':');
    auth = colon < 0 ? { token: decodeURIComponent(info) } : { user: decodeURIComponent(info.slice(0, colon)), pass: decodeURIComponent(info.slice(colon + 1)) };
  }
  return { servers, ...auth };
}

/** A `--jetstream` URL list as it may be printed: credentials replaced by `***`. */
export function redactUrl(urls: string): string {
  return urls
    .split(',')
    .map((u) => u.trim().replace(/^([a-z]+:\/\/)?[^@/]*@/i, '$1***@'))
    .join(',');
}

/** A batch read from the stream, with its place there. */
export interface StreamBatch {
  readonly streamSeq: number;
  readonly batch: StoredBatch;
}

/** What reconcile() did. */
export interface ReconcileReport {
  /** Batches copied from the stream into the local journal. */
  readonly copied: number;
  /** Batches of the local journal published to the stream. */
  readonly published: number;
  /** The stream's last message after it (0: empty). */
  readonly streamSeq: number;
  /** The last record seq both hold (-1: none). */
  readonly lastSeq: number;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function unavailable(what: string, e: unknown): JournalError {
  // The server's own errors come quoted ('Authorization Violation').
  let why = ((e as Error).message ?? String(e)).replace(/^'(.*)'$/, '$1');
  // The client's "no responders": nothing answered for the stream (in a cluster: too few of its replicas are up).
  if ((e as { code?: unknown }).code === '503') why = '503: no JetStream server answered for the stream (its servers are down, or too few of its replicas are up for a quorum)';
  return new JournalError('replica_unavailable', `${what}: ${why}`, { cause: e });
}

/** An error as the nats client's own timeouts are (code TIMEOUT). */
function timeoutError(): Error {
  return Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' });
}

/**
 * `work`, or the error `late()` gives once `ms` passed without it (the work itself goes on, unobserved): a bound on a
 * wait the nats client leaves open (a flush while it reconnects, a consumer whose messages stop coming).
 */
export async function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), ms)));
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function apiErrorCode(e: unknown): number | null {
  const api = (e as { api_error?: { err_code?: number } }).api_error;
  return typeof api?.err_code === 'number' ? api.err_code : null;
}

/** A stream message as the batch it holds (its seqs from its headers). */
function batchOf(stream: string, streamSeq: number, first: string | undefined, last: string | undefined, bytes: Uint8Array): StoredBatch {
  const firstSeq = Number(first);
  const lastSeq = Number(last);
  if (first === undefined || last === undefined || !Number.isSafeInteger(firstSeq) || !Number.isSafeInteger(lastSeq) || lastSeq < firstSeq) {
    throw new JournalError('record_corrupt', `stream ${stream} message ${streamSeq}: no batch headers (${FIRST_SEQ}, ${LAST_SEQ})`);
  }
  return { firstSeq, lastSeq, bytes };
}

/**
 * Whether two runs of records that end at the same record end alike: the shorter is the longer's last bytes (a batch
 * may be one local row and several stream messages). Their last record then has the same bytes, and with it the hash
 * of every record before it: one record stands for the whole history.
 */
function endAlike(a: Uint8Array, b: Uint8Array): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const tail = long.subarray(long.length - short.length);
  return Buffer.from(short.buffer, short.byteOffset, short.length).equals(Buffer.from(tail.buffer, tail.byteOffset, tail.length));
}

/** A connection to one journal's stream. */
export class JetStreamLog {
  readonly stream: string;
  readonly batchSubject: string;
  readonly writerSubject: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    stream: string,
    /** How long a request or one attempt of a publish may wait for the server (JetStreamOptions.timeoutMs). */
    readonly timeoutMs: number,
    /** How long a batch's publish is tried again through no answer or a timeout (JetStreamOptions.rideThroughMs). */
    private readonly rideThroughMs: number,
    /** Replicas of what this connection creates (the stream, the records' object store). */
    private readonly replicas: number,
    /** What it was opened with: a worker thread opens its own connection the same way (snapshot-share-worker.ts). */
    readonly options: JetStreamOptions,
  ) {
    this.stream = stream;
    this.batchSubject = `${stream}.batches`;
    this.writerSubject = `${stream}.writer`;
    this.messageBytesMax = Math.min(BATCH_BYTES_MAX, nc.info?.max_payload ?? BATCH_BYTES_MAX) - HEADROOM_BYTES;
  }

  /** The most bytes of records one message carries here (the server's max_payload, less room for headers). */
  readonly messageBytesMax: number;

  /** Connects and makes sure the stream exists (created with `replicas` when it does not). */
  static async open(o: JetStreamOptions): Promise<JetStreamLog> {
    const stream = o.stream ?? DEFAULT_STREAM;
    if (!STREAM_NAME.test(stream)) throw new JournalError('replica_unavailable', `stream name ${JSON.stringify(stream)}: letters, digits, '-' and '_' only, 1-64 of them`);
    const replicas = o.replicas ?? 1;
    if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 5) throw new JournalError('replica_unavailable', `replicas ${replicas}: 1 to 5`);
    const timeoutMs = o.timeoutMs ?? 5_000;
    let nc: NatsConnection;
    try {
      nc = await connect({
        ...serversOf(o.url),
        timeout: timeoutMs,
        name: 'bailiff-journal',
        maxReconnectAttempts: -1,
        ...(o.tls === undefined ? {} : { tls: { ...o.tls } }),
        // Read at each (re)connect, so a rotated file is picked up.
        ...(o.credsFile === undefined ? {} : { authenticator: credsAuthenticator(() => readFileSync(o.credsFile as string)) }),
      });
    } catch (e) {
      throw unavailable(`cannot reach the JetStream server at ${redactUrl(o.url)}`, e);
    }
    try {
      const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
      const log = new JetStreamLog(nc, jsm, nc.jetstream({ timeout: timeoutMs }), stream, timeoutMs, o.rideThroughMs ?? RIDE_THROUGH_MS, replicas, o);
      await log.ensureStream(replicas, o.create ?? true);
      return log;
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw e instanceof JournalError ? e : unavailable(`JetStream at ${redactUrl(o.url)}`, e);
    }
  }

  private async ensureStream(replicas: number, create: boolean): Promise<void> {
    try {
      const info = await this.jsm.streams.info(this.stream);
      if (!info.config.subjects.includes(this.batchSubject)) {
        throw new JournalError('journal_diverged', `stream ${this.stream} exists without the subject ${this.batchSubject}: not a Bailiff journal's stream`);
      }
      return;
    } catch (e) {
      if (apiErrorCode(e) !== STREAM_NOT_FOUND) throw e;
      if (!create) throw new JournalError('replica_unavailable', `stream ${this.stream} does not exist`);
    }
    // A journal never deletes: no limits, deletes and purges denied. No message ids: JetStream answers a duplicate id
    // with the stored message's ack before it checks the expected last sequence, so a fenced writer's batch of the
    // same first seq would look stored. The expected sequence alone refuses a batch published twice.
    await this.jsm.streams.add({
      name: this.stream,
      subjects: [this.batchSubject],
      num_replicas: replicas,
      max_msg_size: BATCH_BYTES_MAX,
      deny_delete: true,
      deny_purge: true,
    });
  }

  /** The stream's last message (0: empty) and the last record seq it holds (-1: none). */
  async head(): Promise<{ streamSeq: number; lastSeq: number }> {
    const streamSeq = await this.lastMessage();
    if (streamSeq === 0) return { streamSeq, lastSeq: -1 };
    return { streamSeq, lastSeq: (await this.batchAt(streamSeq)).lastSeq };
  }

  /** The stream's last message (0: empty): what a follower polls, without reading any batch. */
  async lastMessage(): Promise<number> {
    try {
      return (await this.jsm.streams.info(this.stream)).state.last_seq;
    } catch (e) {
      throw unavailable(`stream ${this.stream}`, e);
    }
  }

  /** The batch stored as message `streamSeq` (1-based). */
  async batchAt(streamSeq: number): Promise<StoredBatch> {
    let m;
    try {
      m = await this.jsm.streams.getMessage(this.stream, { seq: streamSeq });
    } catch (e) {
      throw unavailable(`stream ${this.stream} message ${streamSeq}`, e);
    }
    return this.resolved(streamSeq, batchOf(this.stream, streamSeq, m.header.get(FIRST_SEQ), m.header.get(LAST_SEQ), m.data), m.header.get(OBJECT), m.header.get(OBJECT_SHA256));
  }

  /** The records store, opened once (created with the stream's replicas when missing). */
  private recordStore(): Promise<ObjectStore> {
    this.records ??= this.objectStore(recordBucketOf(this.stream), this.replicas).catch((e: unknown) => {
      this.records = null;
      throw e;
    });
    return this.records;
  }

  private records: Promise<ObjectStore> | null = null;

  /**
   * A message's batch as stored: its own bytes, or, when it names an object (a record larger than a message), the
   * object's bytes, checked against the SHA-256 the message carries (record_corrupt when missing or different).
   */
  private async resolved(streamSeq: number, batch: StoredBatch, object: string | undefined, sha256: string | undefined): Promise<StoredBatch> {
    if (object === undefined || object === '') return batch;
    const where = `stream ${this.stream} message ${streamSeq}: records ${batch.firstSeq}-${batch.lastSeq} in object ${object} of ${recordBucketOf(this.stream)}`;
    let bytes: Uint8Array | null;
    try {
      // Bounded: the client reads an object through a consumer, whose messages can stop coming.
      bytes = await within((await this.recordStore()).getBlob(object), OBJECT_READ_MS, timeoutError);
    } catch (e) {
      throw unavailable(where, e);
    }
    if (bytes === null) throw new JournalError('record_corrupt', `${where}: the object is not stored`, { seq: batch.firstSeq });
    if (sha256Hex(bytes) !== sha256) throw new JournalError('record_corrupt', `${where}: its bytes do not have the SHA-256 the message names`, { seq: batch.firstSeq });
    return { ...batch, bytes };
  }

  /** Stores a record too large for a message in the records store (once: the name holds its hash), riding through as publish does. */
  private async putRecordObject(name: string, bytes: Uint8Array, deadline: number): Promise<void> {
    for (;;) {
      try {
        const store = await this.recordStore();
        const there = await store.info(name);
        if (there === null || there.deleted) await store.putBlob({ name }, bytes, { timeout: objectPutTimeoutMs(this.timeoutMs, bytes.length) });
        return;
      } catch (e) {
        if (performance.now() + 250 >= deadline) throw unavailable(`stream ${this.stream}: storing ${name} in ${recordBucketOf(this.stream)}`, e);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /**
   * Removes the objects of the records store that no message names: those of a writer fenced or killed between a large
   * record's object and its message (publish() stores the object first). Only objects of records up to `throughSeq`
   * are judged, records that the stream and the local journal `store` both hold as committed (a writer's snapshot seq:
   * it publishes a batch before it commits it locally): such an object is named by a message only if its bytes are the
   * local records' (its name holds their SHA-256: records-FIRST-LAST-SHA256), and no writer will name it later, as
   * every later batch is of later records. An object beyond `throughSeq`, or named otherwise, is left. `kept` holds the
   * names found named already (not read again); what this call finds named is added to it. Returns the names removed.
   */
  async collectOrphanRecords(store: JournalStore, throughSeq: number, kept: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    // No large record was ever stored: nothing to collect, and no store made for it.
    if (this.records === null && !(await this.hasObjectStore(recordBucketOf(this.stream)))) return removed;
    try {
      const records = await this.recordStore();
      const objects = await within(records.list(), OBJECT_READ_MS, timeoutError);
      for (const o of objects) {
        if (o.deleted || kept.has(o.name)) continue;
        const named = RECORD_OBJECT_NAME.exec(o.name);
        if (named === null) continue;
        const [firstSeq, lastSeq, sha256] = [Number(named[1]), Number(named[2]), named[3] as string];
        if (lastSeq > throughSeq || firstSeq > lastSeq) continue;
        const local = localRecords(store, firstSeq, lastSeq);
        if (local !== null && sha256Hex(local) === sha256) {
          kept.add(o.name);
          continue;
        }
        await records.delete(o.name);
        removed.push(o.name);
      }
    } catch (e) {
      throw unavailable(`stream ${this.stream}: collecting ${recordBucketOf(this.stream)}`, e);
    }
    return removed;
  }

  /** The stream message whose batch ends at record `lastSeq`, or null (binary search: batches are in record order). */
  async findBatchEnding(lastSeq: number, streamLast: number): Promise<number | null> {
    let lo = 1;
    let hi = streamLast;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const b = await this.batchAt(mid);
      if (b.lastSeq === lastSeq) return mid;
      if (b.lastSeq < lastSeq) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /**
   * Messages after `afterStreamSeq` up to `upTo` (default: the stream's last now), in order: pushed by an ordered
   * consumer (one message a batch, no round trip each; a get by seq costs ~10 ms a 350 KB batch, sent as base64 JSON).
   */
  async *batchesAfter(afterStreamSeq: number, upTo?: number): AsyncGenerator<StreamBatch> {
    const last = upTo ?? (await this.lastMessage());
    if (last <= afterStreamSeq) return;
    let messages;
    try {
      const consumer = await this.js.consumers.get(this.stream, { opt_start_seq: afterStreamSeq + 1 });
      messages = await consumer.consume({ max_bytes: CONSUME_BYTES_MAX });
    } catch (e) {
      throw unavailable(`stream ${this.stream}: reading from message ${afterStreamSeq + 1}`, e);
    }
    // A consumer whose messages stop coming (a stream between two leaders) would wait for ever: each message must come
    // within the timeout.
    const pending = messages[Symbol.asyncIterator]();
    const stalled = (): Error => unavailable(`stream ${this.stream}: reading from message ${afterStreamSeq + 1}`, timeoutError());
    try {
      for (;;) {
        const next = await within(pending.next(), this.timeoutMs, stalled);
        if (next.done === true) break;
        const m = next.value;
        const batch = batchOf(this.stream, m.seq, m.headers?.get(FIRST_SEQ), m.headers?.get(LAST_SEQ), m.data);
        yield { streamSeq: m.seq, batch: await this.resolved(m.seq, batch, m.headers?.get(OBJECT), m.headers?.get(OBJECT_SHA256)) };
        if (m.seq >= last) break;
      }
    } finally {
      messages.stop();
    }
  }

  /**
   * A batch as the messages it is published in: its records in order, as many to a message as fit (a batch larger
   * than the server's max_payload is several messages; the local journal keeps it as one). A record alone larger than
   * a message is a part of its own, which publish() stores in the records' object store.
   */
  partsOf(batch: StoredBatch): StoredBatch[] {
    if (batch.bytes.length <= this.messageBytesMax) return [batch];
    const parts: StoredBatch[] = [];
    const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length);
    let start = 0;
    let startSeq = batch.firstSeq;
    let at = 0;
    let seq = batch.firstSeq;
    while (at < bytes.length) {
      const size = RECORD_BYTES_MIN + bytes.readUInt32BE(at + 16);
      if (at > start && (at + size - start > this.messageBytesMax || size > this.messageBytesMax)) {
        parts.push({ firstSeq: startSeq, lastSeq: seq - 1, bytes: bytes.subarray(start, at) });
        start = at;
        startSeq = seq;
      }
      at += size;
      seq++;
      // A record larger than a message goes alone.
      if (size > this.messageBytesMax && at < bytes.length) {
        parts.push({ firstSeq: startSeq, lastSeq: seq - 1, bytes: bytes.subarray(start, at) });
        start = at;
        startSeq = seq;
      }
    }
    parts.push({ firstSeq: startSeq, lastSeq: seq - 1, bytes: bytes.subarray(start, at) });
    return parts;
  }

  /**
   * Publishes a batch as the message after `afterStreamSeq` (the one this writer stored last; 0: the stream's first).
   * Resolves to its stream seq once the stream stored it (held by a majority of its replicas: JetStream's quorum);
   * journal_fenced when another batch is there already; replica_unavailable when the stream has not taken it within
   * RIDE_THROUGH_MS.
   *
   * Rides through a change of the stream's leader (a server of a cluster lost: JetStream elects another in ~5 s, and
   * meanwhile no server answers) and a reconnect to another server: a publish that no server answered (the client's
   * 503: nothing was stored) or that timed out (it may have been) is sent again, until RIDE_THROUGH_MS. The stream's
   * "wrong last sequence" then means one of three things, told apart in this order: `predecessor` (the publish of the
   * message that must come right before this one, not waited for) had not landed yet: wait for it and try again; this
   * batch's own earlier attempt was stored after all: the message there holds these very bytes, and is this batch's;
   * else another writer's batch is there: fenced.
   */
  async publish(batch: StoredBatch, afterStreamSeq: number, predecessor?: Promise<unknown>): Promise<number> {
    const h = headers();
    h.set(FIRST_SEQ, String(batch.firstSeq));
    h.set(LAST_SEQ, String(batch.lastSeq));
    let landed = predecessor === undefined;
    predecessor?.then(
      () => (landed = true),
      () => undefined,
    );
    let deadline = performance.now() + this.rideThroughMs;
    let body = batch.bytes;
    if (batch.bytes.length > this.messageBytesMax) {
      // Larger than a message (a single record: partsOf): its bytes in the records' object store first, then the
      // message naming them, fenced as any other. An object whose message never lands is never read.
      const sha256 = sha256Hex(batch.bytes);
      const name = `records-${batch.firstSeq}-${batch.lastSeq}-${sha256}`;
      await this.putRecordObject(name, batch.bytes, deadline);
      h.set(OBJECT, name);
      h.set(OBJECT_SHA256, sha256);
      body = new Uint8Array(0);
    }
    let mayBeStored = false;
    for (let wait = 50; ; wait = Math.min(250, wait * 2)) {
      const before = landed;
      const left = deadline - performance.now();
      try {
        const ack = await this.js.publish(this.batchSubject, body, {
          headers: h,
          expect: { lastSequence: afterStreamSeq, streamName: this.stream },
          timeout: Math.max(100, Math.min(this.timeoutMs, left)),
        });
        return ack.seq;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if ((code === '503' || code === 'TIMEOUT') && performance.now() + wait < deadline) {
          mayBeStored ||= code === 'TIMEOUT';
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        if (apiErrorCode(e) !== WRONG_LAST_SEQUENCE) throw unavailable(`stream ${this.stream}: publishing records ${batch.firstSeq}-${batch.lastSeq}`, e);
        if (!before && predecessor !== undefined) {
          // Its predecessor had not landed: wait for it (its failure is this one's too), then try again.
          await predecessor;
          deadline = performance.now() + this.rideThroughMs;
          continue;
        }
        if (mayBeStored && (await this.holds(afterStreamSeq + 1, batch))) return afterStreamSeq + 1;
        throw new JournalError(
          'journal_fenced',
          `stream ${this.stream}: records ${batch.firstSeq}-${batch.lastSeq} were to follow message ${afterStreamSeq}, but another writer's batch is there: another process took the journal over; this one stops`,
          { seq: batch.firstSeq, cause: e },
        );
      }
    }
  }

  /** Whether message `streamSeq` is `batch` (its records and bytes): an earlier attempt to publish it that was stored. */
  private async holds(streamSeq: number, batch: StoredBatch): Promise<boolean> {
    let stored: StoredBatch;
    try {
      stored = await this.batchAt(streamSeq);
    } catch {
      return false;
    }
    return stored.firstSeq === batch.firstSeq && stored.lastSeq === batch.lastSeq && Buffer.from(stored.bytes).equals(batch.bytes);
  }

  /** Whether the JetStream object store `bucket` exists (nothing is created: `bailiff journal info`). */
  async hasObjectStore(bucket: string): Promise<boolean> {
    try {
      // An object store is kept in the stream OBJ_<bucket> (JetStream's object store layout).
      await this.jsm.streams.info(`OBJ_${bucket}`);
      return true;
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return false;
      throw unavailable(`object store ${bucket}`, e);
    }
  }

  /**
   * The JetStream object store `bucket` beside the stream (created, file storage with `replicas` copies, when it does
   * not exist): where snapshots are shared (stream-snapshots.ts).
   */
  async objectStore(bucket: string, replicas: number): Promise<ObjectStore> {
    try {
      return await this.js.views.os(bucket, { storage: StorageType.File, replicas });
    } catch (e) {
      throw unavailable(`object store ${bucket}`, e);
    }
  }

  /** Says this writer is alive now (not stored). */
  heartbeat(head: number, writer: string): void {
    // A heartbeat that cannot be sent (the connection closing) is simply not heard: the standby's wait covers it.
    if (this.nc.isClosed() || this.nc.isDraining()) return;
    try {
      this.nc.publish(this.writerSubject, JSON.stringify({ writer, head }));
    } catch {
      // as above
    }
  }

  /** Calls `onBeat` with the writer's id at every writer heartbeat heard. */
  onHeartbeat(onBeat: (writer: string) => void): Subscription {
    return this.nc.subscribe(this.writerSubject, {
      callback: (err, msg) => {
        if (err !== null) return;
        let writer = '';
        try {
          writer = String((JSON.parse(new TextDecoder().decode(msg.data)) as { writer?: unknown }).writer ?? '');
        } catch {
          // a beat that is not ours to read still says someone writes
        }
        onBeat(writer);
      },
    });
  }

  /** Waits until everything sent so far reached the server (a subscription is live after it). */
  async flush(): Promise<void> {
    try {
      // Bounded: while the client reconnects a flush waits for the next server, however long that takes.
      await within(this.nc.flush(), this.timeoutMs, timeoutError);
    } catch (e) {
      throw unavailable(`stream ${this.stream}`, e);
    }
  }

  /**
   * Closes the connection (again: nothing). Not a drain: every batch was acknowledged or failed by then (heartbeats
   * need no delivery), and a drain waits for a server that may not answer (a stopped writer must exit).
   */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.close().catch(() => undefined);
  }
}

/** Where a local journal stands against its stream (compareWithStream). */
export interface StreamComparison {
  /** The stream's last message (0: empty) and last record (-1: none). */
  readonly stream: { readonly streamSeq: number; readonly lastSeq: number };
  /** The local journal's last record (-1: none). */
  readonly localLast: number;
  /** 'level', the stream ahead (the local journal copies), the local journal ahead (a writer publishes). */
  readonly relation: 'level' | 'behind' | 'ahead';
  /** With 'behind': the stream message after which the local journal's records go on. */
  readonly copyAfter: number;
}

/**
 * Compares a local journal with its stream, changing nothing: which one is ahead, after checking that both hold the
 * same bytes where they meet (the records ending at the shorter one's head: the shorter run is the longer's tail; the
 * hash chain makes that last record stand for the whole history). journal_diverged when they do not.
 */
export async function compareWithStream(store: JournalStore, log: JetStreamLog): Promise<StreamComparison> {
  const stream = await log.head();
  const localLast = store.lastSeq();
  const diverged = (why: string): JournalError =>
    new JournalError('journal_diverged', `the local journal and stream ${log.stream} ${why}; nothing was changed (a journal and a stream go together from the genesis on)`);
  if (stream.lastSeq > localLast) {
    // The stream is ahead: where the local journal ends, the stream's message must end with the same bytes.
    if (localLast < 0) return { stream, localLast, relation: 'behind', copyAfter: 0 };
    const at = await log.findBatchEnding(localLast, stream.streamSeq);
    const local = lastBatch(store, localLast);
    if (at === null || local === null || !endAlike((await log.batchAt(at)).bytes, local.bytes)) {
      throw diverged(`differ at record ${localLast}, the local journal's last (the stream goes on to ${stream.lastSeq})`);
    }
    return { stream, localLast, relation: 'behind', copyAfter: at };
  }
  if (stream.lastSeq >= 0) {
    const local = batchUpTo(store, stream.lastSeq);
    if (local === null || !endAlike((await log.batchAt(stream.streamSeq)).bytes, local.bytes)) {
      throw diverged(`differ at record ${stream.lastSeq}, the stream's last`);
    }
  }
  return { stream, localLast, relation: localLast > stream.lastSeq ? 'ahead' : 'level', copyAfter: stream.streamSeq };
}

/**
 * Brings the local journal `store` and the stream to the same records: the stream's messages after the local head
 * appended locally (each record checked: appendChecked), or the local records after the stream's head published (in
 * messages of at most the server's max_payload). Refuses with journal_diverged, changing nothing, when they differ
 * where they meet (compareWithStream). `publish: false` (a standby) refuses a local journal ahead of the stream.
 */
export async function reconcile(store: JournalStore, log: JetStreamLog, o: { readonly publish: boolean }): Promise<ReconcileReport> {
  const c = await compareWithStream(store, log);
  let copied = 0;
  let published = 0;
  let streamSeq = c.stream.streamSeq;
  if (c.relation === 'behind') {
    copied = await copyFromStream(store, log, c.copyAfter, c.stream.streamSeq);
    return { copied, published, streamSeq, lastSeq: c.stream.lastSeq };
  }
  if (c.relation === 'ahead') {
    if (!o.publish) {
      throw new JournalError(
        'journal_diverged',
        `the local journal and stream ${log.stream} disagree on the head: the local journal is ahead (record ${c.localLast} against ${c.stream.lastSeq}), and a standby only copies the stream; nothing was changed (a journal and a stream go together from the genesis on)`,
      );
    }
    for (const stored of store.read(c.stream.lastSeq + 1)) {
      const batch = stored.firstSeq > c.stream.lastSeq ? stored : recordsFrom(stored, c.stream.lastSeq + 1);
      for (const part of log.partsOf(batch)) {
        streamSeq = await log.publish(part, streamSeq);
        published++;
      }
    }
  }
  return { copied, published, streamSeq, lastSeq: Math.max(c.localLast, c.stream.lastSeq) };
}

/**
 * Copies the stream's messages after `afterStreamSeq` (up to `upTo`, default its last now) into the local journal,
 * each record checked before its message is stored (appendChecked); `onCopied` is told each message stored. Returns
 * how many were.
 */
export async function copyFromStream(store: JournalStore, log: JetStreamLog, afterStreamSeq: number, upTo?: number, onCopied?: (streamSeq: number) => void): Promise<number> {
  let prevHash = headHash(store);
  let copied = 0;
  for await (const { streamSeq, batch } of log.batchesAfter(afterStreamSeq, upTo)) {
    prevHash = appendChecked(store, batch, prevHash, `stream ${log.stream} message ${streamSeq}`);
    copied++;
    onCopied?.(streamSeq);
  }
  return copied;
}

/** The hash of the local journal's last record (ZERO_HASH when it has none): a record's hash is its checksum, its last 32 bytes. */
function headHash(store: JournalStore): Buffer {
  const head = store.lastSeq();
  if (head < 0) return ZERO_HASH;
  const last = lastBatch(store, head);
  if (last === null) throw new JournalError('journal_diverged', `the local journal's last batch does not end at its head ${head}`);
  return Buffer.from(last.bytes.subarray(last.bytes.length - RECORD_CHECKSUM_BYTES));
}

/**
 * Appends a batch read from the stream to the local journal once each of its records is whole and follows the one
 * before (seq, checksum, hash chain from `prevHash`, the local head's): a bad one is refused (record_corrupt, naming
 * it) and nothing of its batch is stored, so the local journal never holds what its own recovery would halt on.
 * Returns the hash of its last record.
 */
function appendChecked(store: JournalStore, batch: StoredBatch, prevHash: Buffer, where: string): Buffer {
  const head = store.lastSeq();
  if (batch.firstSeq !== head + 1) {
    throw new JournalError('journal_diverged', `${where} holds records ${batch.firstSeq}-${batch.lastSeq}; the local journal ends at ${head}`);
  }
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length);
  let hash = prevHash;
  let at = 0;
  for (let seq = batch.firstSeq; seq <= batch.lastSeq; seq++) {
    const frame = frameAt(bytes, at);
    const r = decodeRecord(frame, { seq, prevHash: hash, last: false });
    if (r.status !== 'ok') throw new JournalError('record_corrupt', `${where}: record ${seq}: ${r.reason}; nothing of it copied`, { seq });
    hash = r.hash;
    at += frame.length;
  }
  if (at !== bytes.length) throw new JournalError('record_corrupt', `${where}: ${bytes.length - at} bytes after record ${batch.lastSeq}; nothing of it copied`, { seq: batch.lastSeq });
  store.append(batch);
  return hash;
}

/** The local batch ending at record `seq`, or null when none does. */
function lastBatch(store: JournalStore, seq: number): StoredBatch | null {
  let found: StoredBatch | null = null;
  for (const b of store.read(seq, seq)) if (b.lastSeq === seq) found = b;
  return found;
}

/** The records of the local batch holding `seq`, up to and including it (the stream may end inside a batch). */
function batchUpTo(store: JournalStore, seq: number): StoredBatch | null {
  for (const b of store.read(seq, seq)) if (b.firstSeq <= seq && seq <= b.lastSeq) return recordsUpTo(b, seq);
  return null;
}

/** The name of a record's object (publish()): records-FIRST-LAST-SHA256. */
const RECORD_OBJECT_NAME = /^records-(\d+)-(\d+)-([0-9a-f]{64})$/;

/** The bytes of local records firstSeq..lastSeq as stored, or null when the local journal lacks one of them. */
function localRecords(store: JournalStore, firstSeq: number, lastSeq: number): Uint8Array | null {
  const pieces: Uint8Array[] = [];
  let next = firstSeq;
  for (const b of store.read(firstSeq, lastSeq)) {
    if (b.firstSeq > next) return null;
    const from = next > b.firstSeq ? recordsFrom(b, next) : b;
    const upTo = from.lastSeq > lastSeq ? recordsUpTo(from, lastSeq) : from;
    pieces.push(upTo.bytes);
    next = upTo.lastSeq + 1;
    if (next > lastSeq) break;
  }
  if (next <= lastSeq) return null;
  return pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
}

/** Byte offset of record `seq` in `batch` (its frames' length fields walked). */
function offsetOf(batch: StoredBatch, seq: number): number {
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length);
  let at = 0;
  for (let s = batch.firstSeq; s < seq; s++) at += RECORD_BYTES_MIN + bytes.readUInt32BE(at + 16);
  return at;
}

function recordsFrom(batch: StoredBatch, seq: number): StoredBatch {
  return { firstSeq: seq, lastSeq: batch.lastSeq, bytes: batch.bytes.subarray(offsetOf(batch, seq)) };
}

function recordsUpTo(batch: StoredBatch, seq: number): StoredBatch {
  return { firstSeq: batch.firstSeq, lastSeq: seq, bytes: batch.bytes.subarray(0, offsetOf(batch, seq + 1)) };
}

/**
 * A writer's commits, stream first: each batch is published after the one before it (fenced), then handed to the local
 * committer (the CommitWorker), and its promise resolves once both returned. Batches are published as they come (the
 * next overlaps the last one's round trip); a local commit starts only once its batch is in the stream and every
 * earlier one was handed over. After any failure every later batch rejects with it.
 */
export class ReplicatedCommitter implements BatchCommitter {
  readonly mode: string;
  private failure: unknown = null;
  private handed: Promise<void> = Promise.resolve();
  private nextAfter: number;
  private readonly beat: ReturnType<typeof setInterval>;
  private lastSeq: number;
  /** The publish of the last message sent (the predecessor of the next: JetStreamLog.publish). */
  private lastSent: Promise<number> | undefined = undefined;

  constructor(
    private readonly log: JetStreamLog,
    private readonly local: BatchCommitter,
    /** The stream's last message when this writer starts (reconcile's streamSeq). */
    streamSeq: number,
    lastSeq: number,
    /** This writer's id in its heartbeats (so that it can tell its own from another's). */
    private readonly writer: string,
  ) {
    this.mode = `${local.mode}; replicated to JetStream stream ${log.stream} before each acknowledgement`;
    this.nextAfter = streamSeq;
    this.lastSeq = lastSeq;
    log.heartbeat(lastSeq, writer);
    this.beat = setInterval(() => log.heartbeat(this.lastSeq, this.writer), HEARTBEAT_MS);
    this.beat.unref();
  }

  /** Batches handed to commit() and not yet settled (published and committed, or failed). */
  inFlight = 0;

  commit(batch: StoredBatch): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.inFlight++;
    let published: Promise<unknown>;
    try {
      // Each message names the one before it (pipelined: not waited for), so a leader change that drops one in
      // flight is ridden through in order (JetStreamLog.publish).
      const sent = this.log.partsOf(batch).map((part) => {
        const p = this.log.publish(part, this.nextAfter++, this.lastSent);
        p.catch(() => undefined); // read through `published`; a later one that fails with it must not go unhandled
        this.lastSent = p;
        return p;
      });
      published = Promise.all(sent);
    } catch (e) {
      published = Promise.reject(e);
    }
    published.catch(() => undefined); // read below, in its turn; a turn that never comes must not leave it unhandled
    // Its turn: once every earlier batch was handed to the local committer, and this one is in the stream. Wrapped,
    // so that the turn ends when the local commit starts, not when it returns (commits overlap as the worker's do).
    const turn = this.handed.then(async () => {
      await published;
      this.lastSeq = batch.lastSeq;
      return { local: this.local.commit(batch) };
    });
    this.handed = turn.then(() => undefined);
    this.handed.catch(() => undefined);
    return turn
      .then((t) => t.local)
      .catch((e: unknown) => {
        this.failure ??= e;
        throw this.failure;
      })
      .finally(() => this.inFlight--);
  }

  /** Stops the heartbeat (the writer is stopping: a standby takes over after its take-over time). */
  stop(): void {
    clearInterval(this.beat);
  }
}
