// A local journal's link to its NATS JetStream stream, as `bailiff ingest --jetstream` and `bailiff serve --jetstream`
// run it (docs/journal.md "Replication over JetStream"): the stream opened and the local journal brought level with
// it, a writer's check that no other writer is alive, a writer's replicated committer, and a standby's poll that
// copies the stream and takes it over once no writer is heard. The journal side (the stream, fencing, the copy) is
// journal/jetstream.ts; this is the process around it.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommitWorker } from '../journal/commit-worker.js';
import type { DurableEngine } from '../journal/durable.js';
import { JournalError } from '../journal/errors.js';
import { copyFromStream, HEARTBEAT_MS, JetStreamLog, reconcile, redactUrl, ReplicatedCommitter, within, type JetStreamTls } from '../journal/jetstream.js';
import { SnapshotShareWorker } from '../journal/snapshot-share.js';
import { SqliteJournalStore } from '../journal/sqlite.js';
import { writerLockPath } from '../journal/writer-lock.js';
import { StreamSnapshots, type StreamSnapshot } from '../journal/stream-snapshots.js';
import type { Durability } from '../journal/store.js';
import type { JournalEntry, SnapshotInfo } from '../journal/types.js';
import { CliError } from './errors.js';

/** Where the journal is replicated (`--jetstream URL --stream NAME --replicas N --takeover-ms N`). */
export interface ReplicationOptions {
  readonly url: string;
  readonly stream: string;
  /** Replicas of the stream when this process creates it. */
  readonly replicas: number;
  /** A standby's wait, without a writer's heartbeat or batch, before it takes the stream over. */
  readonly takeoverMs: number;
  /** TLS to the servers (`--jetstream-ca`, `--jetstream-cert`, `--jetstream-key`). */
  readonly tls?: JetStreamTls;
  /** A NATS credentials file (`--jetstream-creds`). */
  readonly credsFile?: string;
}

/** A journal's link to its JetStream stream while the process runs (openReplica). */
export interface Replica {
  readonly log: JetStreamLog;
  /** This process's id in heartbeats. */
  readonly id: string;
  /** Replicas of the stream and its object store when this process creates them. */
  readonly replicas: number;
  /** A writer's local journal, reconciled with the stream, which the durable engine is opened on. */
  writerStore?: SqliteJournalStore;
  /** A standby's local journal as the stream's copier writes it (the engine follows it read-only); closed at promotion. */
  copyStore?: SqliteJournalStore | undefined;
  /** The stream's last message copied or published. */
  streamSeq: number;
  copied: number;
  published: number;
  /** When a writer other than this process was last heard (a heartbeat, or a batch copied), performance.now(). */
  lastHeardMs: number;
  /** When this process started listening for writers. */
  readonly listeningSinceMs: number;
}

export interface OpenReplicaOptions {
  /** The local journal file (created when missing). */
  readonly journal: string;
  readonly durability: Durability;
  /** A standby copies the stream only; a writer also publishes what the stream lacks. */
  readonly standby: boolean;
  /**
   * What to tell a writer when neither the local journal nor the stream holds one (null: the caller makes a new
   * journal then, from its own genesis).
   */
  readonly noJournal: string | null;
  /** A line for the operator (the batches copied at the start). */
  readonly say: (line: string) => void;
}

/**
 * Connects to the stream and brings the local journal level with it: a writer's journal is opened writable and
 * reconciled both ways (the stream's batches copied, the local ones it lacks published); a standby's copied only.
 * Refuses with one line when neither holds a journal and the caller cannot make one (a standby never can).
 */
export async function openReplica(o: OpenReplicaOptions, js: ReplicationOptions): Promise<Replica> {
  const log = await JetStreamLog.open({ url: js.url, stream: js.stream, replicas: js.replicas, ...(js.tls === undefined ? {} : { tls: js.tls }), ...(js.credsFile === undefined ? {} : { credsFile: js.credsFile }) });
  let store: SqliteJournalStore | undefined;
  let made = false;
  try {
    const listeningSinceMs = performance.now();
    const replica: Replica = { log, id: randomUUID(), replicas: js.replicas, streamSeq: 0, copied: 0, published: 0, lastHeardMs: Number.NEGATIVE_INFINITY, listeningSinceMs };
    log.onHeartbeat((writer) => {
      if (writer !== replica.id) replica.lastHeardMs = performance.now();
    });
    await log.flush();
    // A writer publishes what the stream lacks below: not while another writer is alive.
    if (!o.standby) await refuseIfWriterHeard(replica);
    mkdirSync(dirname(o.journal), { recursive: true });
    made = !existsSync(o.journal);
    store = SqliteJournalStore.open(o.journal, { durability: o.durability });
    const copyStarted = performance.now();
    const r = await withinStartup(reconcile(store, log, { publish: !o.standby }), log);
    const copySeconds = ((performance.now() - copyStarted) / 1000).toFixed(1);
    replica.streamSeq = r.streamSeq;
    replica.copied = r.copied;
    replica.published = r.published;
    if (store.lastSeq() < 0 && (o.standby || o.noJournal !== null)) {
      throw new CliError(
        'bad_argument',
        o.standby
          ? `stream ${log.stream} at ${redactUrl(js.url)} holds no journal yet: a standby follows one a writer publishes (start the writer first)`
          : `neither ${o.journal} nor stream ${log.stream} at ${redactUrl(js.url)} holds a journal: ${o.noJournal ?? ''}`,
      );
    }
    if (r.copied > 0) o.say(`${r.copied} batches copied from stream ${log.stream} (records up to ${r.lastSeq}) in ${copySeconds} s`);
    await copyNewestSnapshot(log, store, o.say);
    // The same object the heartbeat listener above updates.
    if (o.standby) replica.copyStore = store;
    else replica.writerStore = store;
    return replica;
  } catch (e) {
    const empty = store !== undefined && store.lastSeq() < 0;
    store?.close();
    // A file this start made and left without a record (refused, or the stream unreadable) is not a journal: removed,
    // or the next start would find an empty journal there.
    if (made && empty) removeJournalFiles(o.journal);
    await log.close();
    throw e;
  }
}

/** A journal file and what SQLite keeps beside it (its WAL, its shared memory, the writer lock's file). */
function removeJournalFiles(file: string): void {
  const lock = writerLockPath(file);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  rmSync(lock, { force: true });
}

/**
 * How long bringing the local journal level with the stream may take at a start before the process gives up
 * (replica_unavailable, exit 2): each request has its own timeout, but a stream between two leaders can keep a start
 * going round; a supervisor's restart then starts afresh.
 */
export const STARTUP_RECONCILE_MS = 30_000;

/** `work` (a start's reconcile), or replica_unavailable once STARTUP_RECONCILE_MS passed without it. */
function withinStartup<T>(work: Promise<T>, log: JetStreamLog): Promise<T> {
  return within(work, STARTUP_RECONCILE_MS, () => new JournalError('replica_unavailable', `stream ${log.stream}: not level with the local journal after ${STARTUP_RECONCILE_MS / 1000} s; no commands taken`));
}

/**
 * After a start's copy of the stream: the newest snapshot of the stream's object store that the local records reach
 * and that is newer than every local one, copied into the local journal, so that recovery starts from it instead of
 * replaying from an older one or the genesis (a standby or a writer on a new machine). An object store that cannot be
 * read (each read bounded: OBJECT_READ_MS) is told and passed over: the records alone recover the same state, only
 * slower.
 */
async function copyNewestSnapshot(log: JetStreamLog, store: SqliteJournalStore, say: (line: string) => void): Promise<void> {
  try {
    // Found, not created: a writer creates the object store when it first puts a snapshot.
    const shared = await StreamSnapshots.find(log);
    if (shared !== null) await copyNewestReachable(shared, store, say, 'recovery starts from it');
  } catch (e) {
    say(`${e instanceof Error ? e.message : String(e)}; recovery uses the local journal's own snapshots and records`);
  }
}

/**
 * Copies into `store` the newest of the object store's snapshots that the store's records reach and that is newer than
 * every one it holds: one that fails its check is told and the next older tried. The one copied (told with `why`), or
 * null: none to copy, or `keepGoing` said stop (StreamSnapshots.copyInto). Parts left by a copy that stopped half way
 * are removed first: the caller is the store's one writer and writes no snapshot of its own meanwhile.
 */
async function copyNewestReachable(
  shared: StreamSnapshots,
  store: SqliteJournalStore,
  say: (line: string) => void,
  why: string,
  keepGoing: () => boolean = () => true,
  readPart?: (seq: number, k: number) => Promise<Uint8Array | null>,
): Promise<StreamSnapshot | null> {
  const localNewest = Math.max(-1, ...store.snapshotInfos().map((s) => s.seq));
  const head = store.lastSeq();
  const reachable = (await shared.list()).filter((s) => s.info.seq > localNewest && s.info.seq <= head).reverse();
  if (reachable.length === 0 || !keepGoing()) return null;
  store.removeUnsealedSnapshotParts();
  for (const s of reachable) {
    const started = performance.now();
    try {
      if (!(await shared.copyInto(store, s, keepGoing, readPart))) return null;
      say(`snapshot ${s.info.seq} copied from object store ${shared.bucket} (${(s.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s): ${why}`);
      return s;
    } catch (e) {
      if (!(e instanceof JournalError) || e.code !== 'snapshot_corrupt') throw e;
      say(e.message);
    }
  }
  return null;
}

/** How often a standby over JetStream looks for a snapshot newer than its journal's newest (SnapshotFollowing). */
export const STANDBY_SNAPSHOT_CHECK_MS = 5_000;

/**
 * A standby's journal keeps the writer's snapshots as the writer puts them into the stream's object store: at most
 * every STANDBY_SNAPSHOT_CHECK_MS, the newest one its copied records reach is copied into it in the background (the
 * polls go on meanwhile, the parts read on a worker thread). Without it a standby that followed for days held only the
 * snapshot it started from, and once promoted, a crash then had it replay those days. A copy in progress when the
 * standby is promoted or stopped stops at its next part (its parts are removed by the next copy); one that fails is
 * told, and the next check tries again.
 */
class SnapshotFollowing {
  private running = false;
  private lastCheckMs = Number.NEGATIVE_INFINITY;
  private shared: StreamSnapshots | null = null;
  /** The last failure told (the same one is not told at every check). */
  private failure = '';

  constructor(
    private readonly replica: Replica,
    private readonly say: (line: string) => void,
    private readonly checkMs: number,
  ) {}

  /** After a poll that read the stream: a check, if one is due and none is running. */
  poll(): void {
    const store = this.replica.copyStore;
    const now = performance.now();
    if (store === undefined || this.running || now - this.lastCheckMs < this.checkMs) return;
    this.lastCheckMs = now;
    this.running = true;
    void this.copyNewest(store).finally(() => {
      this.running = false;
    });
  }

  private async copyNewest(store: SqliteJournalStore): Promise<void> {
    const live = (): boolean => this.replica.copyStore === store;
    try {
      // Found, not created (copyNewestSnapshot); looked for again at each check until a writer has made it.
      this.shared ??= await StreamSnapshots.find(this.replica.log);
      if (this.shared === null || !live()) return;
      // The parts read on a worker thread (the nats client hashes each chunk in JavaScript): started for a copy only.
      let reader: SnapshotShareWorker | null = null;
      const readPart = (seq: number, k: number): Promise<Uint8Array | null> => (reader ??= SnapshotShareWorker.start({ jetstream: this.replica.log.options, replicas: this.replica.replicas })).readPart(seq, k);
      try {
        await copyNewestReachable(this.shared, store, this.say, 'a recovery of this journal starts from it', live, readPart);
      } finally {
        await (reader as SnapshotShareWorker | null)?.close();
      }
      this.failure = '';
    } catch (e) {
      if (!live()) return;
      this.shared = null;
      const line = `${e instanceof Error ? e.message : String(e)}; this journal's snapshots stay as they are, tried again in ${this.checkMs / 1000} s`;
      if (line !== this.failure) this.say(line);
      this.failure = line;
    }
  }
}

/** How long a stopping writer waits for a snapshot put in progress (SnapshotSharing.stop): a service on a signal. */
export const SNAPSHOT_PUT_STOP_MS = 5_000;
/** `bailiff ingest` at the end of its input: a batch job whose snapshot a next machine would start from. */
export const INGEST_SNAPSHOT_PUT_WAIT_MS = 120_000;

/**
 * A writer's snapshots put into the stream's object store (StreamSnapshots), for a standby or a writer on a new machine
 * to start from (copyNewestSnapshot). One put at a time, the newest snapshot offered meanwhile next (older ones passed
 * over), each on a worker thread with its own connections (SnapshotShareWorker: the parts' reads and the nats client's
 * hashing of every chunk off the thread that applies commands); then all but the newest SNAPSHOTS_KEPT_IN_STREAM
 * removed. A put that fails is told and dropped: the stream's records hold the whole history.
 */
export class SnapshotSharing {
  private pending: SnapshotInfo | null = null;
  private running: Promise<void> | null = null;
  private worker: SnapshotShareWorker | null = null;
  private stopped = false;

  constructor(
    private readonly log: JetStreamLog,
    private readonly replicas: number,
    private readonly journalFile: string,
    private readonly say: (line: string) => void,
  ) {}

  /** Told of each put done or failed (for metrics: `serve`). */
  onPut: (outcome: 'put' | 'failed', seconds: number) => void = () => undefined;

  /** A snapshot stored in the local journal (null: one that failed to be, passed over). */
  offer(info: SnapshotInfo | null): void {
    if (info === null || this.stopped || (this.pending !== null && this.pending.seq >= info.seq)) return;
    this.pending = info;
    this.running ??= this.run();
  }

  /** Whether a put is in progress (or waiting for its turn). */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Nothing is put after this; the put in progress gets up to `waitMs` to finish, then is ended with its worker (a
   * stopping service does not wait for a large upload: the next writer puts its own).
   */
  async stop(waitMs = SNAPSHOT_PUT_STOP_MS): Promise<void> {
    this.stopped = true;
    this.pending = null;
    if (this.running !== null) await within(this.running, waitMs, () => new Error('put still running')).catch(() => undefined);
    await this.worker?.terminate();
    this.worker = null;
  }

  private async run(): Promise<void> {
    while (this.pending !== null && !this.stopped) {
      const info = this.pending;
      this.pending = null;
      const started = performance.now();
      try {
        const worker = (this.worker ??= SnapshotShareWorker.start({ jetstream: this.log.options, replicas: this.replicas, journalFile: this.journalFile }));
        const { bucket, bytes, removed, strays, orphans, orphansError } = await worker.put(info);
        if (orphans.length > 0) {
          const named = orphans.length <= 3 ? orphans.join(', ') : `${orphans.slice(0, 3).join(', ')} and ${orphans.length - 3} more`;
          this.say(`removed ${orphans.length} object${orphans.length === 1 ? '' : 's'} of the records store that no message names (a writer stopped between a large record's object and its message): ${named}`);
        }
        if (orphansError !== undefined) this.say(`the records store's objects not looked through for ones no message names: ${orphansError}`);
        if (bytes === null) continue; // there already
        this.onPut('put', (performance.now() - started) / 1000);
        this.say(`snapshot ${info.seq} put into object store ${bucket} (${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s)${removed > 0 ? `; ${removed} older removed` : ''}${strays.length > 0 ? `; ${strays.length} object${strays.length === 1 ? '' : 's'} of puts that stopped half way removed` : ''}`);
      } catch (e) {
        if (!this.stopped) this.onPut('failed', (performance.now() - started) / 1000);
        if (!this.stopped) this.say(`snapshot ${info.seq} not put into the stream's object store: ${e instanceof Error ? e.message : String(e)}; the stream's records hold everything`);
      }
    }
    const worker = this.worker;
    this.worker = null;
    await (this.stopped ? worker?.terminate() : worker?.close());
    this.running = null;
  }
}

/**
 * A writer over JetStream takes commands only when no other writer is heard: it listens for three heartbeats' time
 * (counted from when it started listening, recovery included) and refuses with journal_locked if a writer spoke in the
 * last two and a half (a live one speaks every HEARTBEAT_MS; a dead one's last beat, heard as this one started
 * listening, is older by then). Fencing would stop one of two writers at its first batch anyway: this stops the
 * mistake before.
 */
export async function refuseIfWriterHeard(replica: Replica): Promise<void> {
  const wait = replica.listeningSinceMs + 3 * HEARTBEAT_MS - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const ago = performance.now() - replica.lastHeardMs;
  if (ago <= 2.5 * HEARTBEAT_MS) {
    throw new JournalError('journal_locked', `stream ${replica.log.stream}: another writer is alive (heard ${ago.toFixed(0)} ms ago); stop it first, or run this one with --standby`);
  }
}

/** A writer's replication once its journal is recovered (startReplicating). */
export interface Replicating {
  /** Publishes each batch, then commits it locally on the commit worker: what the engine's pipelined submit hands to. */
  readonly committer: ReplicatedCommitter;
  /** The commit worker under it (its batches in flight bound how far reading runs ahead). */
  readonly worker: CommitWorker;
  /** The stream's last message when this writer started, and what it published of the local journal then. */
  readonly streamSeq: number;
  readonly published: number;
  /** The writer's snapshots put into the stream's object store: offer each one stored (DurableOptions.onSnapshot). */
  readonly snapshots: SnapshotSharing;
  /** The heartbeat stopped, the commit worker closed (after its batches); the connection stays for the caller. */
  stop(): Promise<void>;
}

/**
 * A writer's last steps before it takes commands: no other writer heard (again: one may have started, or a standby
 * taken over, while this one recovered); then what it journaled locally first (a new journal's genesis, its setup)
 * published; then the commit worker and the replicated committer started at the journal's head.
 */
export async function startReplicating(replica: Replica, de: DurableEngine, journal: string, durability: Durability, standby: boolean, say: (line: string) => void = () => undefined): Promise<Replicating> {
  if (!standby) await refuseIfWriterHeard(replica);
  const { streamSeq, published } =
    replica.writerStore === undefined ? { streamSeq: replica.streamSeq, published: 0 } : await withinStartup(reconcile(replica.writerStore, replica.log, { publish: true }), replica.log);
  const worker = await CommitWorker.start(journal, durability);
  const committer = new ReplicatedCommitter(replica.log, worker, streamSeq, de.journal.head(), replica.id);
  const snapshots = new SnapshotSharing(replica.log, replica.replicas, journal, say);
  // The newest local snapshot, if the object store lacks it (a journal that ran without the stream, a benchmark world's
  // snapshot at seq 0, a promoted standby's): put() passes over one stored already.
  snapshots.offer(de.journal.snapshots().at(-1) ?? null);
  return {
    committer,
    worker,
    streamSeq,
    published,
    snapshots,
    stop: async () => {
      committer.stop();
      await snapshots.stop();
      await worker.close();
    },
  };
}

/**
 * A standby's copier closed (its promotion, or a stop before it): cleared first, so that work still running in the
 * background (SnapshotFollowing) sees it gone and writes nothing more.
 */
export function closeCopyStore(replica: Replica | null): void {
  const store = replica?.copyStore;
  if (replica === null || store === undefined) return;
  replica.copyStore = undefined;
  store.close();
}

/** The batches the stream holds after the replica's last one, appended to its local journal; how many. */
export async function copyNewBatches(replica: Replica): Promise<number> {
  const store = replica.copyStore;
  if (store === undefined) return 0;
  const copied = await copyFromStream(store, replica.log, replica.streamSeq, await replica.log.lastMessage(), (streamSeq) => (replica.streamSeq = streamSeq));
  if (copied > 0) replica.lastHeardMs = performance.now();
  return copied;
}

/**
 * A standby over JetStream, one poll at a time (step): the stream's new batches copied into the local journal and
 * followed; once no writer was heard (no heartbeat, no new batch) for `takeoverMs`, the last batches copied, the
 * copier's lock let go and the journal promoted. The writer it replaces, if still alive, is fenced at its next batch
 * (or fences this one, if it publishes first): the stream keeps one history either way.
 */
export class StreamStandby {
  /** While the stream cannot be read, silence means nothing: no take-over (it could not publish anyway). */
  private blind = false;
  /** How long the take-over took (the last copy and the promotion), once step() returned true. */
  takeOverMs = 0;
  private readonly snapshots: SnapshotFollowing;

  constructor(
    private readonly de: DurableEngine,
    private readonly replica: Replica,
    readonly takeoverMs: number,
    private readonly say: (line: string) => void,
    snapshotCheckMs = STANDBY_SNAPSHOT_CHECK_MS,
  ) {
    // Silence counts from when this process started listening at the earliest.
    replica.lastHeardMs = Math.max(replica.lastHeardMs, replica.listeningSinceMs);
    this.snapshots = new SnapshotFollowing(replica, say, snapshotCheckMs);
  }

  /**
   * One poll: copies and follows what the stream gained (`afterEach` sees each record followed, as
   * DurableEngine.follow's), and takes the journal over when the writer has been silent long enough. True once
   * promoted.
   */
  async step(afterEach?: (entry: JournalEntry) => void): Promise<boolean> {
    const read = await this.copy(afterEach);
    const t = performance.now();
    if (!read || t - this.replica.lastHeardMs <= this.takeoverMs || !(await this.copy(afterEach))) return false;
    closeCopyStore(this.replica);
    if (!this.de.promote(afterEach)) throw new JournalError('journal_locked', `${this.de.journal.name}: another process took the local journal's writer lock as this standby let go of it`);
    this.takeOverMs = performance.now() - t;
    return true;
  }

  private async copy(afterEach?: (entry: JournalEntry) => void): Promise<boolean> {
    try {
      if ((await copyNewBatches(this.replica)) > 0) this.de.follow(afterEach);
      if (this.blind) this.say(`stream ${this.replica.log.stream} readable again; following`);
      this.blind = false;
      this.snapshots.poll();
      return true;
    } catch (e) {
      if (!(e instanceof JournalError && e.code === 'replica_unavailable')) throw e;
      if (!this.blind) this.say(`${e.message}; no take-over while the stream cannot be read`);
      this.blind = true;
      this.replica.lastHeardMs = performance.now();
      return false;
    }
  }
}
