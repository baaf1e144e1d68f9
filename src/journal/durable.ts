// DurableEngine: an Engine whose every command is journaled before its events leave. submit() applies a batch,
// appends it in ONE commit (group commit) and only then returns the events: the caller acknowledges or publishes
// nothing before. Opening recovers: the newest snapshot whose bytes match their content hash, then a replay of the
// journal's tail, each replayed command's events compared byte for byte (canonical JSON) with the recorded ones.
//
// A failed commit: the engine has applied commands the journal does not hold, so its state is ahead of the journal.
// There is no undo in the engine, so the DurableEngine stops: submit() throws JournalError append_failed, and every
// later call throws too. The process is expected to exit without acknowledging the batch; a restart recovers from
// the journal, which holds exactly what was acknowledged (and perhaps the failed batch, if the commit did land:
// the client then finds its commands there when it resends from the journal's head).

import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { JournalError } from './errors.js';
import { Journal, type JournalOpenReport } from './journal.js';
import { entryBody, entryBodyMatches, entryCommandEnd, entryCommandOf, entryEventsMatch, entryEventsMatchTakingCalls, readEntryCommand, sha256Parts, type CallSummary, type EntryCommandRead } from './record.js';
import { SqliteJournalStore } from './sqlite.js';
import { RecordCheckPipeline } from './record-check-pipeline.js';
import { BoundaryThread, type BoundaryThreadStats } from './boundary-thread.js';
import type { BatchCommitter, Durability, JournalStore } from './store.js';
import type { JournalEntry, JournalGenesis, SnapshotInfo } from './types.js';
import { accountCountHint, type AccountSnapshot, type RestorableSnapshot, type Snapshot } from '../core/engine/snapshot.js';
import { encodeSnapshotParts } from './snapshot-stream.js';
import { rootBuilt, rootKnown, rootUpdated, SnapshotJob, type SnapshotJobPhase, type StateRootWork } from './snapshot-job.js';
import { assetTable, sameTable, type StateTree } from './state-root.js';

/** The state root stored with a snapshot, computed from the engine at the snapshot's seq. */
export type StateRootOf = (engine: Engine) => string;

/**
 * The hex SHA-256 of the snapshot's canonical bytes (its content hash): the stand-in root used before the Merkle sum
 * root landed. It commits to the whole state but proves nothing about one account; no longer the default.
 */
export const snapshotSha256AsStateRoot: StateRootOf = (engine) => sha256Parts(encodeSnapshotParts(engine.snapshot()));

export interface DurableOptions {
  /** Record 0 when the journal is new (ignored when it exists: the stored genesis rules). */
  readonly genesis?: JournalGenesis;
  /** Write a snapshot after every this many commands (counted from the last snapshot); absent: only on snapshot(). */
  readonly snapshotEvery?: number;
  /** About how many bytes each stored part of a snapshot holds (snapshot-stream.ts); default SNAPSHOT_PART_BYTES. */
  readonly snapshotPartBytes?: number;
  /**
   * The state root stored with each snapshot; default: the Merkle sum root over accounts, kept incrementally
   * (state-root.ts StateTree: built at the first snapshot, then only the accounts touched since rehash).
   */
  readonly stateRoot?: StateRootOf;
  /**
   * How a due snapshot (snapshotEvery) is written. 'inline' (default): whole, right after the batch that made it
   * due (after its commit, for submitPipelined). 'caller': captured then (Engine.snapshot, a copy), and written by the
   * caller's workSnapshot(ms) calls, a slice at a time between batches (snapshot-job.ts): a service keeps applying
   * commands while a 1M-account snapshot is written, instead of stopping for seconds. Either way the stored bytes and
   * root are the same.
   */
  readonly snapshotWork?: 'inline' | 'caller';
  /** Told of every snapshot written (or that failed) after a capture: for logs and metrics; never part of the state. */
  readonly onSnapshot?: (report: SnapshotReport) => void;
  /** A name for messages (the file's path). */
  readonly name?: string;
  /**
   * Sees every record's body (after the genesis) as recovery reads it, before it is replayed. The body is valid during
   * the call only (with the record check on its worker thread, its bytes are then written over): copy what you keep.
   */
  readonly onRecord?: (seq: number, body: Buffer) => void;
  /** Told where recovery is (RecoveryProgress): for operators' progress bars and logs; never part of the state. */
  readonly onProgress?: (progress: RecoveryProgress) => void;
  /**
   * Whether recovery reads and checks the records on a worker thread while this one restores the snapshot, when the
   * store is a file (record-check-pipeline.ts). Default: when it holds RECORD_CHECK_WORKER_MIN_RECORDS records or
   * more. false: on this thread, after the restore.
   */
  readonly recordCheckWorker?: boolean;
  /**
   * The record-check worker's window: bytes of checked records its ring holds ahead of the replay; past them it reads
   * ahead, checking batches and dropping their bytes to read them again later (record-check-worker.ts). Default
   * RECORD_CHECK_WINDOW_BYTES; tests make it small so that a short journal is read ahead.
   */
  readonly recordCheckWindowBytes?: number;
  /**
   * Whether a restore's boundary searches run ahead on a worker thread too (boundary-thread.ts; the restored engine is
   * the same either way). Default: for a snapshot of BOUNDARY_THREAD_MIN_ACCOUNTS accounts or more.
   */
  readonly boundaryThread?: boolean;
  /**
   * Whether recovery's replay computes the margin calls as every other event, each compared byte for byte with the
   * recorded one. Default false: the replay takes them from the records (Engine.deferMarginCalls): an account's called
   * state is what its last recorded MarginCall or MarginCallCleared says, the call index is brought up to the
   * replayed state once, at the end, and every other event is replayed and compared as always. The calls are
   * notifications (they change nothing but who is called), and on a tail of price ticks computing them is most of a
   * replay's time (docs/journal.md "Margin calls from the records"); `bailiff verify` re-derives them all.
   */
  readonly recomputeMarginCalls?: boolean;
}

/**
 * Where recovery is: each phase is told as it starts (done 0), every RECOVERY_PROGRESS_STEP accounts or records within
 * it, and as it ends (done = total). Phases, in order: 'snapshot' (the newest snapshot's bytes read and checked
 * against their content hash; one step), 'accounts' (its accounts restored, done of total; from a snapshot that
 * can read its accounts again, as a journal's can, each account is indexed as it is restored and kept unread:
 * Engine.restore), 'indexes' (otherwise: the breach and margin-call indexes and the ADL mirror built over the accounts
 * restored; one step), 'replay' (the records after the snapshot
 * replayed, each checked byte for byte, done of total). A snapshot that does not load starts 'snapshot' again with the
 * one before it; a journal without a snapshot goes straight to 'replay'. The replay's total is the records stored
 * after the snapshot: a torn last record is cut during the pass, and then the phase ends one short of it.
 */
export interface RecoveryProgress {
  readonly phase: 'snapshot' | 'accounts' | 'indexes' | 'replay';
  readonly done: number;
  readonly total: number;
}

/** Accounts or records between two progress reports (a power of two: a mask tests it). */
export const RECOVERY_PROGRESS_STEP = 1024;

/** What opening and recovery did. */
export interface RecoveryReport extends JournalOpenReport {
  /** The snapshot recovery started from; null: from the genesis. */
  readonly snapshotSeq: number | null;
  /** Newer snapshots that were passed over, with why (a content hash that does not match, ...). */
  readonly skippedSnapshots: readonly { readonly seq: number; readonly reason: string }[];
  /** Records replayed after the snapshot (or the genesis). */
  readonly replayed: number;
  /** The journal's head after recovery: the engine's seq. */
  readonly head: number;
  /**
   * Where recovery's time went (wall clock, ms): loading, checking and restoring the snapshot (its accounts are
   * decoded as the restore reads them, so the two are one step), and the one pass over the records that checks
   * every one and replays the tail. For operators and the recovery bench; never part of the state.
   */
  readonly timings: {
    readonly restoreMs: number;
    readonly replayMs: number;
    /**
     * Of replayMs: the margin-call index brought up to the replayed state at its end (Engine.resumeMarginCalls; 0 when
     * the calls were recomputed: DurableOptions.recomputeMarginCalls).
     */
    readonly callsResumeMs: number;
    /** Of replayMs: time this thread waited for the record-check worker's records (0 without the worker). */
    readonly checkWaitMs: number;
    /** The record-check worker's own time (reading and checking every record on the other core, its waits excluded); null: no worker. */
    readonly checkWorkerMs: number | null;
    /**
     * Records replayed whose margin calls the record-check worker had read ahead (CallSummary), so that the replay
     * taking the calls from the records did not read them (0: none, or the calls were recomputed).
     */
    readonly callsReadAhead: number;
    /** The restore's boundary thread (boundary-thread.ts): ledgers sent, boundaries taken, asked for too early; null: none. */
    readonly boundaryThread: BoundaryThreadStats | null;
  };
}

/** One snapshot's writing, as DurableOptions.onSnapshot is told of it. */
export interface SnapshotReport {
  readonly seq: number;
  /** The stored snapshot's metadata; null when writing it failed (error says why: the journal is unaffected). */
  readonly info: SnapshotInfo | null;
  readonly error?: unknown;
  /** The phase that failed (error only). */
  readonly failedIn?: SnapshotJobPhase;
  /** The capture's stop (Engine.snapshot and the state root's inputs), ms: the only part the commands wait for in 'caller' mode. */
  readonly captureMs: number;
  /** The writing's work, ms, and in how many slices (1 inline). */
  readonly workMs: number;
  readonly slices: number;
  /** From the capture to the stored snapshot, ms (wall clock). */
  readonly elapsedMs: number;
}

export class DurableEngine {
  readonly recovery: RecoveryReport;
  private failed: unknown = null;
  private lastSnapshotSeq: number;
  /** The Merkle sum tree of the accounts at the last snapshot's capture, from the first snapshot on (the default state root). */
  private tree: StateTree | null = null;
  /**
   * Snapshots captured and not yet stored, oldest first, with when they were captured: one at most in 'caller' mode
   * (a snapshot falling due while one is written waits for it); inline, those whose pipelined batch's commit is in
   * flight (all their work but the seal is done at the capture, so each one's state root follows the one before).
   */
  private readonly jobs: { readonly job: SnapshotJob; readonly capturedAt: number; readonly captureMs: number }[] = [];
  /**
   * 'caller' mode: the accounts of the last capture, which the next one takes again where nothing changed (1M
   * accounts: a capture of ~0.1-0.3 s instead of ~1.4-1.8 s, for ~330 MB kept between snapshots).
   */
  private lastCapture: readonly AccountSnapshot[] | null = null;
  /** The last snapshot write that failed, if any (also told to onSnapshot). */
  snapshotError: unknown = null;
  /** openStandby: the journal's file and durability to take it over with (promote); null: the writer. */
  private standby: { readonly path: string; readonly durability: Durability } | null = null;

  private constructor(
    readonly journal: Journal,
    private readonly engineInstance: Engine,
    private readonly o: DurableOptions,
    recovery: RecoveryReport,
  ) {
    this.recovery = recovery;
    this.lastSnapshotSeq = recovery.snapshotSeq ?? 0;
  }

  /** Opens (creating with `genesis` if new) the SQLite journal at `path` and recovers. */
  static openFile(path: string, o: DurableOptions & { readonly durability: Durability }): DurableEngine {
    const store = SqliteJournalStore.open(path, { durability: o.durability });
    try {
      return DurableEngine.open(store, { ...o, name: o.name ?? path });
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /**
   * A standby (hot failover) for the SQLite journal at `path`, which another process writes: opened read-only (no
   * writer lock) and recovered as openFile recovers, then kept at the journal's head by follow(), each record
   * replayed and checked byte for byte as recovery replays it. submit() is refused until promote() takes the journal
   * over: when its writer stops, however it stops, the standby is the writer after a catch-up of the records it had
   * not followed yet, instead of a recovery from the snapshot (docs/journal.md "Standby").
   */
  static openStandby(path: string, o: DurableOptions & { readonly durability: Durability }): DurableEngine {
    const store = SqliteJournalStore.open(path, { durability: o.durability, readOnly: true });
    try {
      const durable = DurableEngine.open(store, { ...o, name: o.name ?? path });
      durable.standby = { path, durability: o.durability };
      return durable;
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Whether this engine is a standby not yet promoted (openStandby). */
  get isStandby(): boolean {
    return this.standby !== null;
  }

  /**
   * A standby's step: replays the records committed since the last one (Journal.follow; each checked byte for byte:
   * replayRecord), and returns how many. Also what promote() runs after taking over. onRecord (DurableOptions) sees
   * each body first, as in recovery; `afterEach` each entry once replayed, with the engine in the state it left (as
   * submit's afterEach). A record that does not replay to its recorded events stops this engine, as a failed commit
   * does: it throws replay_mismatch, and so does every later call.
   */
  follow(afterEach?: (entry: JournalEntry) => void): number {
    this.refuseIfFailed();
    const engine = this.engineInstance;
    const name = this.journal.name;
    const onRecord = this.o.onRecord;
    try {
      return this.journal.follow((seq, body) => {
        onRecord?.(seq, body);
        const events = replayRecord(engine, name, seq, body);
        // The command parsed again only for a caller that wants the entry (a price tick's from its first bytes).
        if (afterEach !== undefined) afterEach({ seq, command: entryCommandOf(seq, body), events: events as EngineEvent[] });
      });
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  /**
   * A standby takes the journal over when no other process writes it: true once it is the writer (its writer lock
   * taken, the records committed after its head followed), false while another process still holds the lock (then
   * nothing changed). Snapshots written meanwhile by the old writer count as its own. `afterEach`: as follow()'s, for
   * the records caught up. A writer: true, at once.
   */
  promote(afterEach?: (entry: JournalEntry) => void): boolean {
    const standby = this.standby;
    if (standby === null) return true;
    this.refuseIfFailed();
    let store: SqliteJournalStore;
    try {
      store = SqliteJournalStore.open(standby.path, { durability: standby.durability });
    } catch (e) {
      if (e instanceof JournalError && e.code === 'journal_locked') return false;
      throw e;
    }
    try {
      this.journal.takeOver(store);
    } catch (e) {
      store.close();
      throw e;
    }
    this.standby = null;
    this.follow(afterEach);
    for (const s of this.journal.snapshots()) this.lastSnapshotSeq = Math.max(this.lastSnapshotSeq, s.seq);
    return true;
  }

  /** Opens a journal over any store and recovers the engine from it. */
  static open(store: JournalStore, o: DurableOptions = {}): DurableEngine {
    const journal = Journal.attach(store, { ...(o.genesis === undefined ? {} : { genesis: o.genesis }), ...(o.name === undefined ? {} : { name: o.name }) });
    const { engine, snapshotSeq, skipped, replayed, timings } = recover(journal, o.onRecord, {
      ...(o.recordCheckWorker === undefined ? {} : { recordCheckWorker: o.recordCheckWorker }),
      ...(o.recordCheckWindowBytes === undefined ? {} : { recordCheckWindowBytes: o.recordCheckWindowBytes }),
      ...(o.boundaryThread === undefined ? {} : { boundaryThread: o.boundaryThread }),
      ...(o.recomputeMarginCalls === undefined ? {} : { recomputeMarginCalls: o.recomputeMarginCalls }),
      ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
    });
    const durable = new DurableEngine(journal, engine, o, { ...journal.report, snapshotSeq, skippedSnapshots: skipped, replayed, head: journal.head(), timings });
    // A read-only store (a standby's) writes no snapshot: its captures start once it is promoted.
    if (!durable.inline && o.snapshotEvery !== undefined && store.writable) durable.primeCapture();
    return durable;
  }

  /**
   * 'caller' mode, while opening (nothing waits yet): the copy of every account that the first capture would stop
   * commands for (~1.8 s at 1M accounts; later captures take again what did not change, ~0.1 s). When records were
   * replayed after the newest snapshot, this is a snapshot of the recovered head, written by workSnapshot like any
   * other (the next recovery then replays nothing of what this one did); otherwise the accounts alone are kept.
   */
  private primeCapture(): void {
    const engine = this.engineInstance;
    if (engine.seq > this.lastSnapshotSeq) {
      this.startSnapshot();
      return;
    }
    // Drained with the copy: the next capture copies again what changes from here on.
    engine.takeTouched();
    this.lastCapture = engine.snapshot().accounts;
  }

  /** The engine, for queries. Mutate it only through submit(). */
  get engine(): Engine {
    return this.engineInstance;
  }

  /**
   * Applies the commands in order, journals them in one commit, and returns each command's entry (seq, command,
   * events). Nothing may be acknowledged or published before this returns. Throws JournalError append_failed when
   * the commit fails (then, and after any throw here, this engine refuses every later call). `afterEach` sees each
   * entry right after its command was applied, with the engine in the state that command left (before the commit:
   * the caller keeps what it learns unpublished until submit returns).
   */
  submit(commands: readonly Command[], afterEach?: (entry: JournalEntry) => void): JournalEntry[] {
    this.refuseIfStandby();
    this.refuseIfFailed();
    let entries: JournalEntry[];
    try {
      entries = this.applyAll(commands, afterEach);
      this.journal.append(entries);
    } catch (e) {
      this.failed = e;
      throw e instanceof JournalError ? e : new JournalError('append_failed', `applying a batch failed before its commit: ${(e as Error).message}`, { cause: e });
    }
    if (this.snapshotDue()) this.startSnapshot();
    if (this.inline) this.workSnapshot();
    return entries;
  }

  /**
   * submit() with the commit overlapped: applies and frames the batch now, hands its commit to `committer` (a
   * CommitWorker on this journal's file) and returns a promise of the entries that resolves once the batch is
   * durable: acknowledge and publish nothing before it resolves. The caller may submit the next batch meanwhile;
   * batches land and resolve in order. A due snapshot is captured of the state this batch left (now, before any later
   * batch is applied) and stored once the batch's commit returned ('inline') or by workSnapshot ('caller'). A failed
   * commit stops this engine as submit()'s does, and every batch submitted after it rejects too.
   */
  submitPipelined(commands: readonly Command[], committer: BatchCommitter, afterEach?: (entry: JournalEntry) => void): Promise<JournalEntry[]> {
    try {
      this.refuseIfStandby();
      this.refuseIfFailed();
    } catch (e) {
      return Promise.reject(e);
    }
    let entries: JournalEntry[];
    let committed: Promise<void>;
    try {
      entries = this.applyAll(commands, afterEach);
      committed = this.journal.appendAsync(entries, committer);
    } catch (e) {
      this.failed = e;
      return Promise.reject(e instanceof JournalError ? e : new JournalError('append_failed', `applying a batch failed before its commit: ${(e as Error).message}`, { cause: e }));
    }
    if (this.snapshotDue()) {
      this.startSnapshot();
      // Inline, all but the seal now (the seal waits for the commit): the next capture's root follows this one's.
      if (this.inline) this.workSnapshot();
    }
    return committed.then(
      () => {
        if (this.inline) this.workSnapshot();
        return entries;
      },
      (e: unknown) => {
        this.failed ??= e;
        throw e;
      },
    );
  }

  /** Applies the commands in order: each one's entry (seq, command, events), seen by `afterEach` right after it. */
  private applyAll(commands: readonly Command[], afterEach?: (entry: JournalEntry) => void): JournalEntry[] {
    const entries: JournalEntry[] = [];
    for (const command of commands) {
      const events = this.engineInstance.apply(command);
      const entry = { seq: this.engineInstance.seq, command, events };
      entries.push(entry);
      afterEach?.(entry);
    }
    return entries;
  }

  private get inline(): boolean {
    return this.o.snapshotWork !== 'caller';
  }

  private snapshotDue(): boolean {
    const every = this.o.snapshotEvery;
    if (every === undefined || (!this.inline && this.jobs.length > 0)) return false;
    // Margin calls swept at an interval: a snapshot waits for a settled state (Engine.callsSettled: right after a
    // sweep), the only one a restore rebuilds exactly.
    return this.engineInstance.seq - this.lastSnapshotSeq >= every && this.engineInstance.callsSettled;
  }

  /** Whether a snapshot is captured and not yet stored (workSnapshot goes on with it). */
  get snapshotPending(): boolean {
    return this.jobs.length > 0;
  }

  /** Where the oldest snapshot being written is (null: none is). */
  get snapshotPhase(): SnapshotJobPhase | null {
    return this.jobs[0]?.job.phase ?? null;
  }

  /**
   * Works on the snapshots being written, oldest first, for about `budgetMs` (checked between units of a few ms;
   * Infinity, the default: to their end). Returns whether one is still pending: one whose records' commit is in
   * flight waits for it. A snapshot that fails to be written is reported (onSnapshot, snapshotError) and dropped: the
   * journal holds every record, so nothing is lost, and the next snapshot's state root is built afresh.
   */
  workSnapshot(budgetMs = Number.POSITIVE_INFINITY): boolean {
    const until = budgetMs === Number.POSITIVE_INFINITY ? budgetMs : performance.now() + budgetMs;
    while (this.jobs.length > 0) {
      const pending = this.jobs[0] as (typeof this.jobs)[number];
      const { job } = pending;
      let error: unknown = null;
      try {
        if (!job.work(until)) return true;
      } catch (e) {
        error = e;
        // The tree may be half updated: the next snapshot rebuilds it.
        this.tree = null;
      }
      this.jobs.shift();
      if (error !== null) this.snapshotError = error;
      this.o.onSnapshot?.({
        seq: job.seq,
        info: job.info,
        ...(error === null ? {} : { error, failedIn: job.phase }),
        captureMs: pending.captureMs,
        workMs: job.workMs,
        slices: job.slices,
        elapsedMs: performance.now() - pending.capturedAt,
      });
      if (performance.now() >= until) break;
    }
    return this.jobs.length > 0;
  }

  /**
   * Captures the current state for a snapshot (Engine.snapshot: a copy, so later commands do not change it) and the
   * state root's inputs; the job then writes it (workSnapshot). Its seq counts as the last snapshot's from now on.
   */
  private startSnapshot(): SnapshotJob | null {
    const started = performance.now();
    const engine = this.engineInstance;
    // Not settled (margin calls swept at an interval, changes the call index has not followed): none is taken now;
    // snapshotDue takes one at the next settled state.
    if (!engine.callsSettled) return null;
    // One snapshot per seq: one stored already (one recovery passed over as damaged, say) stands, never replaced.
    if (this.journal.snapshots().some((s) => s.seq === engine.seq)) {
      this.lastSnapshotSeq = engine.seq;
      return null;
    }
    // Drained at every capture, so the set holds only what changed since the last one: the accounts a 'caller'
    // capture copies again (the others are the last capture's: Engine.snapshot's AccountReuse) and the state root's
    // tree rehashes.
    const touched = engine.takeTouched();
    const last = this.lastCapture;
    const snapshot = engine.snapshot(last === null ? undefined : { previous: last, changed: new Set(touched) });
    if (!this.inline) this.lastCapture = snapshot.accounts;
    const job = new SnapshotJob(this.journal, snapshot, this.rootWork(snapshot, touched), this.o.snapshotPartBytes);
    this.lastSnapshotSeq = snapshot.seq;
    this.jobs.push({ job, capturedAt: started, captureMs: performance.now() - started });
    return job;
  }

  /** The state root's share of a snapshot job: the tree updated with what the commands touched since the last one. */
  private rootWork(snapshot: Snapshot, touched: readonly string[]): StateRootWork {
    const engine = this.engineInstance;
    const rootOf = this.o.stateRoot;
    if (rootOf === snapshotSha256AsStateRoot) return rootKnown(null);
    if (rootOf !== undefined) return rootKnown(rootOf(engine));
    const assets = assetTable(snapshot.config.settlement.asset, snapshot.assets.map((a) => a.id));
    const tree = this.tree;
    if (tree === null || !sameTable(assets, tree.assets)) {
      // The first snapshot (or an asset listed, which changes every leaf's layout): built from the captured accounts.
      this.tree = null;
      return rootBuilt(assets, snapshot.accounts, (built) => {
        this.tree = built;
      });
    }
    // The touched accounts as they are now (copies): the tree is updated later, while commands go on.
    const states = new Map<string, AccountSnapshot | undefined>();
    for (const id of touched) states.set(id, engine.accountState(id));
    return rootUpdated(tree, { assets, ids: () => states.keys(), state: (id) => states.get(id) }, touched);
  }

  /**
   * Writes a snapshot of the current state (Engine.snapshot, stored in parts: snapshot-job.ts) with its state root,
   * at once; a snapshot being written is finished first. Throws when it cannot be written (its records' commit still
   * in flight, or margin calls swept at an interval not settled: RangeError; the store's error otherwise).
   */
  snapshot(): SnapshotInfo {
    this.refuseIfStandby();
    this.refuseIfFailed();
    this.finishPending();
    const seq = this.engineInstance.seq;
    // One snapshot per seq: asked again with no command in between, the stored one stands.
    const existing = this.journal.snapshots().find((s) => s.seq === seq);
    if (existing !== undefined) return existing;
    if (!this.engineInstance.callsSettled) {
      throw new RangeError(`no snapshot at seq ${seq}: margin calls are swept every ${this.engineInstance.rulebook.liquidation.marginCallIntervalMs ?? 0} ms and changes since the last sweep are not followed yet (Engine.callsSettled); one is taken after the next sweep`);
    }
    const job = this.startSnapshot() as SnapshotJob; // none is stored at this seq (above)
    this.finishPending();
    return job.info as SnapshotInfo;
  }

  /** Writes the pending snapshots to their end; throws when one cannot be (see snapshot()). */
  private finishPending(): void {
    this.snapshotError = null;
    if (this.workSnapshot()) {
      const seq = (this.jobs[0] as (typeof this.jobs)[number]).job.seq;
      throw new RangeError(`snapshot at seq ${seq} is ahead of the journal's durable head ${this.journal.durableHead()}`);
    }
    if (this.snapshotError !== null) throw this.snapshotError;
  }

  /** Closes the journal. A snapshot still being written is dropped: recovery replays the records it would have covered. */
  close(): void {
    this.jobs.length = 0;
    this.journal.close();
  }

  /** A standby takes no command and writes nothing before promote(). */
  private refuseIfStandby(): void {
    if (this.standby !== null) throw new RangeError(`${this.journal.name}: a standby takes no command before promote() (another process writes the journal)`);
  }

  private refuseIfFailed(): void {
    if (this.failed !== null) throw new JournalError('append_failed', 'this engine stopped after a failed commit; reopen the journal to recover', { cause: this.failed });
  }
}

/**
 * From how many stored records recovery checks them on a worker thread by default. Starting the worker (a thread,
 * SQLite and the journal's modules loaded) costs ~100-150 ms on this machine, which a small journal does not win
 * back; 50,000 records take ~0.3 s to read and check.
 */
export const RECORD_CHECK_WORKER_MIN_RECORDS = 50_000;
/**
 * Snapshots of at least this many accounts are restored with the boundary thread (boundary-thread.ts): below it the
 * thread's start (~0.1 s to its first boundary, measured: a worker loading the engine's modules) outweighs the ~1 µs
 * a ledger it spares.
 */
export const BOUNDARY_THREAD_MIN_ACCOUNTS = 100_000;

/**
 * The newest snapshot that loads (older ones when newer ones are bad: reported, never deleted), then one pass over
 * the records that checks every one and replays those after the snapshot, each one's events compared byte for byte
 * with the recorded ones. `journal` comes from Journal.attach.
 *
 * When the journal is a file another connection can read (SQLite), the records are read and checked on a worker
 * thread (record-check-pipeline.ts, with checkStoredBatches, the check Journal.check runs) once the snapshot's bytes
 * are read, while this thread restores the snapshot; this thread then replays them as they arrive. The outcome and the errors are the same
 * as Journal.check's with the replay inside it. By default only a journal of RECORD_CHECK_WORKER_MIN_RECORDS records
 * or more takes the worker; `recordCheckWorker` true or false decides it.
 */
export function recover(
  journal: Journal,
  onRecord?: (seq: number, body: Buffer) => void,
  o: { readonly recordCheckWorker?: boolean; readonly recordCheckWindowBytes?: number; readonly boundaryThread?: boolean; readonly recomputeMarginCalls?: boolean; readonly onProgress?: (progress: RecoveryProgress) => void } = {},
): { engine: Engine; snapshotSeq: number | null; skipped: { seq: number; reason: string }[]; replayed: number; timings: RecoveryReport['timings'] } {
  const started = performance.now();
  const tell = o.onProgress;
  const file = journal.storeFile();
  const useWorker = file !== null && (o.recordCheckWorker ?? journal.lastStoredSeq() >= RECORD_CHECK_WORKER_MIN_RECORDS);
  let pipeline: RecordCheckPipeline | null = null;
  // The worker starts once the snapshot's bytes are read (or there is none): both threads reading SQLite blobs into
  // fresh memory at once fault pages in one process and slow each other (measured: the snapshot's read and hash at
  // 200k accounts 0.6-0.7 s alone, 1.3 s beside the worker); the restore after the read is long enough to hide the
  // worker's whole check.
  const startChecks = (): void => {
    if (useWorker && pipeline === null) pipeline = RecordCheckPipeline.start(file, journal.checkStart(), { summarizeCalls: o.recomputeMarginCalls !== true, ...(o.recordCheckWindowBytes === undefined ? {} : { windowBytes: o.recordCheckWindowBytes }) });
  };
  try {
    const skipped: { seq: number; reason: string }[] = [];
    let engine: Engine | null = null;
    let boundaryThread: BoundaryThreadStats | null = null;
    let snapshotSeq: number | null = null;
    const last = journal.lastStoredSeq();
    for (const info of [...journal.snapshots()].reverse()) {
      if (info.seq > last) {
        skipped.push({ seq: info.seq, reason: `ahead of the journal's last record ${last}` });
        continue;
      }
      try {
        let snapshot: RestorableSnapshot;
        tell?.({ phase: 'snapshot', done: 0, total: 1 });
        try {
          snapshot = journal.loadSnapshotForRestore(info.seq);
        } finally {
          startChecks();
        }
        tell?.({ phase: 'snapshot', done: 1, total: 1 });
        // The accounts are decoded as the restore reads them (loadSnapshotForRestore): never all in memory twice.
        const accounts = accountCountHint(snapshot.accounts);
        const hints = snapshot.accounts.reread !== undefined && (o.boundaryThread ?? accounts >= BOUNDARY_THREAD_MIN_ACCOUNTS) ? BoundaryThread.tryStart(snapshot, accounts) : null;
        try {
          engine = Engine.restore(tell === undefined ? snapshot : countedAccounts(snapshot, tell), hints === null ? {} : { boundaryHints: hints });
        } finally {
          if (hints !== null) boundaryThread = hints.close();
        }
        if (snapshot.accounts.reread === undefined) tell?.({ phase: 'indexes', done: 1, total: 1 });
        snapshotSeq = info.seq;
        break;
      } catch (e) {
        if (!(e instanceof JournalError)) throw e;
        skipped.push({ seq: info.seq, reason: e.message });
      }
    }
    startChecks();
    const e = engine ?? Engine.create(journal.genesis.config, journal.genesis.rulebook);
    const restored = performance.now();
    const from = e.seq;
    let replayed = 0;
    const toReplay = Math.max(0, last - from);
    // The margin calls from the records (DurableOptions.recomputeMarginCalls), when there is a tail to replay.
    const onCall = o.recomputeMarginCalls !== true && toReplay > 0 && e.deferMarginCalls() ? (account: string, called: boolean): void => e.recordMarginCall(account, called) : undefined;
    tell?.({ phase: 'replay', done: 0, total: toReplay });
    let callsReadAhead = 0;
    const replay = (seq: number, body: Buffer, calls: CallSummary | null = null): void => {
      onRecord?.(seq, body);
      if (seq <= from) return;
      if (calls !== null && e.marginCallsDeferred) callsReadAhead++;
      replayRecord(e, journal.name, seq, body, onCall, calls);
      replayed++;
      if (tell !== undefined && (replayed & (RECOVERY_PROGRESS_STEP - 1)) === 0) tell({ phase: 'replay', done: replayed, total: toReplay });
    };
    const checks = pipeline as RecordCheckPipeline | null;
    if (checks === null) journal.check(replay);
    else journal.completeCheck(checks.drain(replay));
    let callsResumeMs = 0;
    if (e.marginCallsDeferred) {
      const resumed = performance.now();
      e.resumeMarginCalls();
      callsResumeMs = performance.now() - resumed;
    }
    tell?.({ phase: 'replay', done: replayed, total: toReplay });
    const timings = {
      restoreMs: restored - started,
      replayMs: performance.now() - restored,
      callsResumeMs,
      checkWaitMs: checks?.waitMs ?? 0,
      checkWorkerMs: checks === null ? null : checks.workerMs,
      callsReadAhead,
      boundaryThread,
    };
    return { engine: e, snapshotSeq, skipped, replayed, timings };
  } finally {
    (pipeline as RecordCheckPipeline | null)?.cancel();
  }
}

/**
 * The snapshot with its accounts counted as the restore reads them: 'accounts' told at the first, every
 * RECOVERY_PROGRESS_STEP and after the last (the restore then builds its indexes).
 */
function countedAccounts(snapshot: RestorableSnapshot, tell: (progress: RecoveryProgress) => void): RestorableSnapshot {
  const source = snapshot.accounts;
  const total = accountCountHint(source);
  const reread = source.reread;
  function* accounts(): Generator<AccountSnapshot> {
    let done = 0;
    tell({ phase: 'accounts', done, total });
    for (const account of source) {
      yield account;
      if ((++done & (RECOVERY_PROGRESS_STEP - 1)) === 0) tell({ phase: 'accounts', done, total });
    }
    tell({ phase: 'accounts', done, total: Math.max(total, done) });
    // Accounts that can be read again are indexed as they are read (Engine.restore): no pass after them.
    if (reread === undefined) tell({ phase: 'indexes', done: 0, total: 1 });
  }
  if (total === 0) return { ...snapshot, accounts: accounts() };
  return { ...snapshot, accounts: Object.assign(accounts(), { length: total }, reread === undefined ? {} : { reread }) };
}

/**
 * Replays one checked record's body (its bytes as stored) on `engine` and checks it byte for byte: the command is
 * parsed from the body, applied, and the replayed command and events, framed as a record's body, must be the stored
 * body (compared in place on the bytes, without writing the replayed body: entryBodyMatches is the UTF-8 of
 * entryBody(...) equal to the body). Recovery and the service's explanation replay both check a replay this way.
 * Returns the replayed events.
 */
export function replayRecord(
  engine: Engine,
  journalName: string,
  seq: number,
  body: Buffer,
  /**
   * For an engine that takes margin calls from the records (Engine.deferMarginCalls: recover()): told each recorded
   * MarginCall (true) and MarginCallCleared (false) while the engine defers them; every other event is compared as
   * always (entryEventsMatchTakingCalls). The events returned then lack the calls.
   */
  onCall?: (account: string, called: boolean) => void,
  /** Where the record's calls are, read ahead by the record-check worker (used only while taking the calls). */
  calls: CallSummary | null = null,
): readonly EngineEvent[] {
  // Only the command is parsed (a price tick's from the body's first bytes): the recorded events are checked as bytes,
  // against the replay's.
  let read: EntryCommandRead;
  try {
    read = readEntryCommand(seq, body);
  } catch (err) {
    throw new JournalError('record_corrupt', `${journalName}: record ${seq} does not parse (${(err as Error).message})`, { seq });
  }
  const { command, commandEnd } = read;
  const events = engine.apply(command);
  if (engine.seq !== seq) throw new JournalError('replay_mismatch', `record ${seq}: replay reached seq ${engine.seq}`, { seq });
  const takingCalls = onCall !== undefined && engine.marginCallsDeferred;
  let same: boolean;
  if (takingCalls) {
    const end = commandEnd > 0 ? commandEnd : entryCommandEnd(command, body);
    same = end > 0 && entryEventsMatchTakingCalls(events, body, end, { seq, tsMs: command.tsMs }, onCall, calls);
  } else {
    // A command read in canonical form is its bytes already: only the events after it are compared (readEntryCommand).
    same = commandEnd > 0 ? entryEventsMatch(events, body, commandEnd) : entryBodyMatches(command, events, body);
  }
  if (!same) throw replayMismatch(seq, entryBody(command, events), body.toString('utf8'), takingCalls);
  return events;
}

/**
 * replay_mismatch for record `seq`, naming where the replayed body first differs from the recorded one. `takingCalls`:
 * the replayed body lacks the margin calls, taken from the record (said, so that a difference at a call is read right).
 */
function replayMismatch(seq: number, replayed: string, recorded: string, takingCalls = false): JournalError {
  let at = 0;
  while (at < replayed.length && replayed.charCodeAt(at) === recorded.charCodeAt(at)) at++;
  const around = (t: string): string => JSON.stringify(t.slice(Math.max(0, at - 40), at + 40));
  const calls = takingCalls ? '; the replayed events are without the margin calls, which this recovery takes from the records (--recompute-margin-calls compares them too)' : '';
  return new JournalError(
    'replay_mismatch',
    `record ${seq}: replaying it gave other events than the recorded ones (first difference at character ${at}: recorded ${around(recorded)}, replayed ${around(replayed)}${calls}); recovery halts`,
    { seq },
  );
}
