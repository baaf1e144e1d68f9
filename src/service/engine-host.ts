// The engine host: one DurableEngine over a SQLite journal, and the risk path in front of it — a single FIFO queue of
// commands. Commands are applied and journaled in arrival order, in group commits (every command waiting when the
// queue drains goes in one commit, up to BATCH_COMMANDS_MAX), and each caller's promise resolves only after the
// commit that holds its commands. Node runs one thing at a time and submit() is synchronous (better-sqlite3), so a
// read served between two drains sees the engine between two commits and can neither reorder a command nor hold one
// up beyond the drain in progress.
// Replicated (`serve --jetstream`: replicate()), a batch's commit is asynchronous (the stream, then the local journal):
// up to REPLICATED_BATCHES_IN_FLIGHT batches are applied and in flight at once (the next one applied while the last
// one's round trip to the stream runs), answered in order, and a read waits for the batches in flight when it came
// (settled()), so it still sees only acknowledged state.
//
// Beside the engine it keeps what the service shows: a bounded tape of the liquidation-related events (rebuilt from
// the journal on start), each liquidation's facts captured right after its command (verify/receipt.ts
// liquidationFacts: the same facts a signed receipt carries), the first time each ledger was seen in breach (for
// the operator view), counters, and a bus that tells streams about each commit after it landed.

import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import type { EngineEvent, EventKind } from '../core/engine/events.js';
import type { MarketSpec } from '../core/market/spec.js';
import { DurableEngine, replayRecord, type DurableOptions, type RecoveryProgress, type SnapshotReport } from '../journal/durable.js';
import { JournalError } from '../journal/errors.js';
import type { BatchCommitter, Durability, JournalStore } from '../journal/store.js';
import type { JournalEntry, JournalGenesis } from '../journal/types.js';
import { liquidationFacts, type LiquidationFacts } from '../verify/receipt.js';
import { declaredUnits, decodeCommand, defaultTimeAfter, type UnitLookup } from '../wire/decode.js';
import { lendingAssetDecimals } from '../core/engine/lending.js'; // lending markets (issue 18)
import { ServiceError } from './errors.js';

/** The events the tape keeps and the public stream carries: the liquidation waterfall and what guards or pays for it. */
export const TAPE_KINDS: readonly EventKind[] = [
  'MarginCall',
  'MarginCallCleared',
  'LiquidationStarted',
  'LiquidationFill',
  'LiquidationDeferred',
  'LiquidationEnded',
  'LiquidatorRewarded',
  'Deleveraged',
  'TakeoverCapped',
  'InsuranceFundChanged',
  'BadDebt',
  'Socialised',
  'SocialisationRefused',
  'FundUnwound',
  'BreakerTripped',
  'BreakerReset',
  'LiquidationPaused',
  'EngineHalted',
  'EngineResumed',
];
const TAPE_KIND_SET: ReadonlySet<string> = new Set(TAPE_KINDS);

/** Default bounds (every queue and buffer has one). */
export const TAPE_EVENTS_MAX = 10_000;
export const QUEUE_COMMANDS_MAX = 50_000;
export const BATCH_COMMANDS_MAX = 1_000;
/** Records replayed between two yields to the event loop when an explanation is rebuilt from the journal. */
export const REPLAY_CHUNK_RECORDS = 500;
/**
 * The work a due snapshot gets after each commit, and between batches while the queue is empty (ms, checked between
 * units of a few ms): the snapshot is written a slice at a time (DurableOptions.snapshotWork 'caller'), so commands
 * wait for at most about this much of it, not for the whole (~8 s at 1M accounts, ~25 s for the first).
 */
export const SNAPSHOT_SLICE_MS = 10;
/**
 * Replicated batches applied and not yet acknowledged at once (EngineHostOptions.batchesInFlightMax): each waits for
 * the stream's acknowledgement and then the local commit, and with one at a time a service with few clients spent
 * most of its time waiting for those round trips (docs/service.md "Across machines"). A read waits for at most this
 * many commits.
 */
export const REPLICATED_BATCHES_IN_FLIGHT = 4;

export interface EngineHostOptions {
  /** The directory of the journal (`journal.db`), created when missing. */
  readonly dataDir: string;
  /** Record 0 of a new journal (ignored when the journal exists). Without it, a new journal is refused. */
  readonly genesis?: JournalGenesis;
  readonly durability?: Durability;
  /** A snapshot every this many commands (bounds recovery and explanation replays); default 10,000. */
  readonly snapshotEvery?: number;
  readonly tapeEventsMax?: number;
  readonly queueCommandsMax?: number;
  readonly batchCommandsMax?: number;
  /** Told where the journal's recovery is while it opens (DurableOptions.onProgress). */
  readonly onRecoveryProgress?: (progress: RecoveryProgress) => void;
  /** Work a due snapshot gets between batches (ms); default SNAPSHOT_SLICE_MS. */
  readonly snapshotSliceMs?: number;
  /**
   * A hot standby of a journal another process writes (DurableEngine.openStandby): every `pollMs` the records it
   * committed are followed (and told to the bus, the tape and the counters as commits are) until its writer lock is
   * free; then this host takes the journal over and commands. Until then submit() is refused (unavailable).
   * `step`: another way to follow and take over (a standby of a JetStream stream: cli/replica.ts StreamStandby), made
   * for the durable engine once it is open; each call follows once and resolves true once the journal is taken over.
   */
  readonly standby?: { readonly pollMs: number; readonly step?: (durable: DurableEngine) => StandbyStep };
  /** Told how the standby ended (for the operator's log). */
  readonly onStandby?: (outcome: StandbyOutcome) => void;
  /**
   * The journal's local store, already open (a writer's journal reconciled with its JetStream stream first), instead
   * of `journal.db` under dataDir opened here; the host closes it with the journal.
   */
  readonly store?: JournalStore;
  /**
   * Commits go through a committer given later (replicate(): the JetStream writer's), none before it: until then
   * commands are refused (unavailable), a promoted standby's included.
   */
  readonly replicated?: boolean;
  /** Told once when a commit fails (the host then refuses commands, and reads of the engine: it is ahead of its journal). */
  readonly onCommitFailed?: (error: unknown) => void;
  /** Replicated batches in flight at once (applied, not yet acknowledged); default REPLICATED_BATCHES_IN_FLIGHT. */
  readonly batchesInFlightMax?: number;
}

/** What a host is now (EngineHost.role). */
export type HostRole = 'writer' | 'standby' | 'connecting' | 'stopped';

/** One poll of a standby (EngineHostOptions.standby.step): follow, and resolve true once the journal is taken over. */
export type StandbyStep = (afterEach: (entry: JournalEntry) => void) => Promise<boolean>;

/** What replicate() commits through: a committer of framed batches (journal/store.ts), and how to stop it. */
export interface HostCommitter {
  readonly committer: BatchCommitter;
  /** Called by close() once no batch is in flight. */
  stop(): Promise<void>;
}

/** The path of the journal under a data directory. */
export function journalPathIn(dataDir: string): string {
  return join(dataDir, 'journal.db');
}

/** One tape row: an event with its journal position. The id of a liquidation step is `${seq}-${ordinal}`. */
export interface TapeItem {
  readonly seq: number;
  readonly ordinal: number;
  readonly event: EngineEvent;
}

/** What a commit told the bus: the committed entries, in order. */
export interface CommitNotice {
  readonly entries: readonly JournalEntry[];
}

/** Counters and timings the operator view and /metrics read. */
export interface HostStats {
  commandsByKind: Map<string, number>;
  rejectionsByCode: Map<string, number>;
  liquidationsStarted: number;
  liquidationsDeferred: number;
  commits: number;
  /** Milliseconds from enqueue to commit of the last batch's first command. */
  lastCommitLagMs: number;
  /** The last snapshot written (or that failed to be), as the journal told it. */
  lastSnapshot: SnapshotReport | null;
}

/** Sees each command's apply time (ms) and each commit's lag (ms), for histograms. */
export interface HostObserver {
  onApply?(kind: string, ms: number): void;
  onCommit?(commands: number, lagMs: number): void;
  /** A snapshot was written (or failed to be: report.error) after its capture. */
  onSnapshot?(report: SnapshotReport): void;
  /** A snapshot was put into the replicated journal's stream (its object store), or failed to be (`serve --jetstream`). */
  onSnapshotShared?(outcome: 'put' | 'failed', seconds: number): void;
}

/** How a standby ended: it took the journal over (at that head), or stopped following it (error). */
export type StandbyOutcome = { readonly promotedAtSeq: number } | { readonly error: unknown };

interface Pending {
  readonly commands: readonly Command[];
  readonly enqueuedMs: number;
  resolve(entries: JournalEntry[]): void;
  reject(error: unknown): void;
}

export const liquidationId = (seq: number, ordinal: number): string => `${seq}-${ordinal}`;

/** A wire command's units: the engine's listed markets and assets, then what earlier commands of the same batch list. */
class BatchUnits implements UnitLookup {
  private readonly markets = new Map<string, Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>>();
  private readonly assets = new Map<string, number>();
  constructor(
    private readonly engine: Engine,
    private readonly parent: HostUnits,
  ) {}
  get quoteDecimals(): number {
    return this.engine.state.quoteDecimals;
  }
  get settlementAsset(): string {
    return this.engine.state.settlementAsset;
  }
  market(id: string): Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> | undefined {
    return this.markets.get(id) ?? this.parent.market(id);
  }
  assetDecimals(id: string): number | undefined {
    return this.assets.get(id) ?? this.parent.assetDecimals(id);
  }
  learn(cmd: Command): void {
    declaredUnits(
      cmd,
      (id, units) => {
        if (this.market(id) === undefined) this.markets.set(id, units);
      },
      (id, decimals) => {
        if (this.assetDecimals(id) === undefined) this.assets.set(id, decimals);
      },
    );
  }
  commitTo(parent: HostUnits): void {
    for (const [id, m] of this.markets) parent.markets.set(id, { baseDecimals: m.baseDecimals, priceDecimals: m.priceDecimals });
    for (const [id, d] of this.assets) parent.assets.set(id, d);
  }
}

/** The units of markets and assets: the engine's, and those of listings still in the queue (decoded, not yet applied). */
class HostUnits implements UnitLookup {
  readonly markets = new Map<string, Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>>();
  readonly assets = new Map<string, number>();
  constructor(private readonly engine: Engine) {}
  get quoteDecimals(): number {
    return this.engine.state.quoteDecimals;
  }
  get settlementAsset(): string {
    return this.engine.state.settlementAsset;
  }
  market(id: string): Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> | undefined {
    return this.engine.market(id)?.spec ?? this.markets.get(id);
  }
  assetDecimals(id: string): number | undefined {
    if (id === this.engine.state.settlementAsset) return this.engine.state.quoteDecimals;
    return this.engine.state.assets.get(id)?.decimals ?? lendingAssetDecimals(this.engine.state, id) ?? this.assets.get(id);
  }
}

export class EngineHost {
  readonly bus = new EventEmitter<{ commit: [CommitNotice] }>();
  readonly stats: HostStats = { commandsByKind: new Map(), rejectionsByCode: new Map(), liquidationsStarted: 0, liquidationsDeferred: 0, commits: 0, lastCommitLagMs: 0, lastSnapshot: null };
  readonly units: UnitLookup;
  observer: HostObserver = {};
  private readonly hostUnits: HostUnits;
  private readonly tape: TapeItem[] = [];
  /** The highest seq whose tape rows were (partly) dropped: a resume needs `from` at or after it. */
  private evictedUpTo: number;
  private readonly facts = new Map<string, LiquidationFacts>();
  /** Ledgers in breach after the last commit, with the engine time (ms) they were first seen in breach. */
  private readonly breachSince = new Map<string, number>();
  private readonly queue: Pending[] = [];
  private queued = 0;
  private draining = false;
  private closed = false;
  /** The standby's next step (standBy), while it follows, and the step running (awaited by close). */
  private standbyTimer: NodeJS.Timeout | null = null;
  private standbyStepping: Promise<void> | null = null;
  private failed: unknown = null;
  /**
   * Replicated commits (replicate()): the committer, the batches applied and not yet acknowledged (up to
   * batchesInFlightMax), and the promise that settles once the last of them is answered (or failed): each batch's
   * settles after the one before, so callers are answered in order. While any is in flight, reads wait for it
   * (settled()): the engine holds state its stream may never hold, if this writer was fenced.
   */
  private replication: HostCommitter | null = null;
  private inFlight = 0;
  private lastInFlight: Promise<void> | null = null;
  private readonly inFlightMax: number;
  private readonly awaitsCommitter: boolean;
  private readonly onCommitFailed: ((error: unknown) => void) | undefined;
  /** The time a command without `at` gets: the last queued command's, or the engine's (as `bailiff ingest` does). */
  private lastMs: number;
  private readonly tapeMax: number;
  private readonly queueMax: number;
  private readonly batchMax: number;
  private readonly snapshotSliceMs: number;
  private snapshotWorkScheduled = false;

  private constructor(
    readonly durable: DurableEngine,
    readonly journalPath: string,
    tapeBodies: readonly { seq: number; body: Buffer }[],
    droppedUpTo: number,
    o: EngineHostOptions,
  ) {
    this.evictedUpTo = droppedUpTo;
    this.tapeMax = o.tapeEventsMax ?? TAPE_EVENTS_MAX;
    this.queueMax = o.queueCommandsMax ?? QUEUE_COMMANDS_MAX;
    this.batchMax = o.batchCommandsMax ?? BATCH_COMMANDS_MAX;
    this.snapshotSliceMs = o.snapshotSliceMs ?? SNAPSHOT_SLICE_MS;
    this.awaitsCommitter = o.replicated === true;
    this.onCommitFailed = o.onCommitFailed;
    this.inFlightMax = o.batchesInFlightMax ?? REPLICATED_BATCHES_IN_FLIGHT;
    if (!Number.isSafeInteger(this.inFlightMax) || this.inFlightMax < 1) throw new RangeError(`batchesInFlightMax: ${this.inFlightMax}: want an integer of at least 1`);
    this.hostUnits = new HostUnits(durable.engine);
    this.units = this.hostUnits;
    this.lastMs = durable.engine.timeMs;
    for (const { seq, body } of tapeBodies) this.record(durable.journal.parse(seq, body).events);
    this.followBreaches();
  }

  /** Opens (or creates, with `genesis`) the journal under `dataDir` and recovers the engine and the tape. */
  static open(o: EngineHostOptions): EngineHost {
    mkdirSync(o.dataDir, { recursive: true });
    const path = journalPathIn(o.dataDir);
    const tapeMax = o.tapeEventsMax ?? TAPE_EVENTS_MAX;
    // The tape is rebuilt from the last records holding a tape event: a look at the bytes passes over the others.
    const bodies: { seq: number; body: Buffer }[] = [];
    let droppedUpTo = 0;
    // The host exists only once recovery is done; a snapshot is reported to it after that.
    let told: ((report: SnapshotReport) => void) | null = null;
    let host: EngineHost | null = null;
    const options: DurableOptions & { readonly durability: Durability } = {
      durability: o.durability ?? 'full',
      snapshotEvery: o.snapshotEvery ?? 10_000,
      snapshotWork: 'caller',
      onSnapshot: (report) => told?.(report),
      ...(o.genesis === undefined ? {} : { genesis: o.genesis }),
      ...(o.onRecoveryProgress === undefined ? {} : { onProgress: o.onRecoveryProgress }),
      onRecord: (seq, body) => {
        // Recovery's records only: a standby's followed ones reach the tape through standBy().
        if (host !== null || !mayHoldTapeEvent(body)) return;
        bodies.push({ seq, body: Buffer.from(body) });
        if (bodies.length > tapeMax) droppedUpTo = bodies.shift()?.seq ?? droppedUpTo;
      },
    };
    const durable =
      o.store !== undefined ? DurableEngine.open(o.store, { ...options, name: path }) : (o.standby === undefined ? DurableEngine.openFile : DurableEngine.openStandby)(path, options);
    host = new EngineHost(durable, path, bodies, droppedUpTo, o);
    told = (report) => {
      host.stats.lastSnapshot = report;
      host.observer.onSnapshot?.(report);
    };
    // A snapshot of the recovered head, captured while opening (DurableEngine's primeCapture), is written from now on.
    host.scheduleSnapshotWork();
    if (o.standby !== undefined) host.standBy(o.standby.pollMs, o.standby.step?.(durable), o.onStandby);
    return host;
  }

  /** Whether this host is a standby that has not taken its journal over yet (EngineHostOptions.standby). */
  get isStandby(): boolean {
    return this.durable.isStandby;
  }

  /**
   * A standby's loop: every `pollMs`, the journal's writer lock tried and, while its writer holds it, the records that
   * writer committed followed; each one counted, taped and told to the bus as a commit of this host's would be.
   */
  private standBy(pollMs: number, follow: StandbyStep | undefined, told?: (outcome: StandbyOutcome) => void): void {
    // The journal's own writer lock: tried, and while another process holds it, what that process committed followed.
    const local: StandbyStep = (take) => {
      if (this.durable.promote(take)) return Promise.resolve(true);
      this.durable.follow(take);
      return Promise.resolve(false);
    };
    const stepOnce = follow ?? local;
    const step = async (): Promise<void> => {
      if (this.closed) return;
      const entries: JournalEntry[] = [];
      const take = (entry: JournalEntry): void => {
        entries.push(entry);
        this.captureFacts(entry);
      };
      let promoted: boolean;
      try {
        promoted = await stepOnce(take);
      } catch (e) {
        if (entries.length > 0) this.publish(entries);
        this.failed = e;
        told?.({ error: e });
        return;
      }
      if (entries.length > 0) this.publish(entries);
      if (promoted) {
        this.lastMs = Math.max(this.lastMs, this.engine.timeMs);
        told?.({ promotedAtSeq: this.engine.seq });
        this.scheduleSnapshotWork();
        return;
      }
      if (!this.closed) this.standbyTimer = setTimeout(run, pollMs);
    };
    const run = (): void => {
      this.standbyTimer = null;
      this.standbyStepping = step().finally(() => (this.standbyStepping = null));
    };
    this.standbyTimer = setTimeout(run, pollMs);
  }

  /**
   * Commits from now on go through `replication` (a JetStream writer's replicated committer): each batch is applied,
   * published and committed before its callers are answered (in order, up to batchesInFlightMax batches in flight),
   * and reads wait for the batches in flight (settled()).
   * A host opened `replicated` takes commands only from here on.
   */
  replicate(replication: HostCommitter): void {
    if (this.replication !== null) throw new Error('EngineHost.replicate: already replicated');
    if (this.closed) {
      // Given while closing (a standby promoted as it was stopped): nothing will commit through it.
      void replication.stop();
      return;
    }
    this.replication = replication;
    if (this.queue.length > 0) this.schedule();
  }

  /**
   * Null when reads may be served now; else a promise that resolves once they may: while replicated batches are
   * applied and not yet acknowledged, once those in flight now are (not any applied later: under a steady stream of
   * commands a read would never be served). Rejects (unavailable) once a commit failed, also one that failed while
   * the read waited: the engine holds commands its journal lacks.
   */
  settled(): Promise<void> | null {
    const stopped = (): ServiceError => new ServiceError('unavailable', 'the journal stopped after a failed commit: the engine is ahead of it; restart the service to recover');
    if (this.failed !== null && !this.durable.isStandby) return Promise.reject(stopped());
    const last = this.lastInFlight;
    if (last === null) return null;
    return last.then(() => {
      if (this.failed !== null) throw stopped();
    });
  }

  get engine(): Engine {
    return this.durable.engine;
  }

  /** Commands waiting in the queue (not yet applied). */
  get queueDepth(): number {
    return this.queued;
  }

  /** Replicated batches applied and not yet acknowledged (0 when not replicated). */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  /**
   * What this host is now: the journal's writer; a standby following it; a writer (or a promoted standby) whose journal
   * is not yet connected to its stream (replicated: no committer yet); or stopped (a failed commit, a standby that
   * stopped following, or closing).
   */
  get role(): HostRole {
    if (this.closed || this.failed !== null) return 'stopped';
    if (this.durable.isStandby) return 'standby';
    return this.awaitsCommitter && this.replication === null ? 'connecting' : 'writer';
  }

  /** Whether commands are taken: not closing, not stopped by a failed commit, not a standby (yet). */
  get accepting(): boolean {
    return !this.closed && this.failed === null && !this.durable.isStandby && (!this.awaitsCommitter || this.replication !== null);
  }

  /**
   * Decodes wire commands (the wire format, src/wire/decode.ts) against the engine's units and those listed earlier
   * in the same batch. All or nothing: a WireError (with the index of the command in its path) leaves no trace.
   */
  decode(raws: readonly unknown[], path: (i: number) => string): Command[] {
    const units = new BatchUnits(this.engine, this.hostUnits);
    let lastMs = Math.max(this.lastMs, this.engine.timeMs);
    const out: Command[] = [];
    raws.forEach((raw, i) => {
      const cmd = decodeCommand(raw, units, path(i), lastMs);
      units.learn(cmd);
      lastMs = defaultTimeAfter(lastMs, cmd);
      out.push(cmd);
    });
    units.commitTo(this.hostUnits);
    this.lastMs = lastMs;
    return out;
  }

  /**
   * Queues commands (in this order, after everything queued before) and resolves with their entries after the
   * commit that holds them. Refused with ServiceError queue_full when the queue is full, unavailable when closing or
   * stopped.
   */
  submit(commands: readonly Command[]): Promise<JournalEntry[]> {
    if (!this.accepting) {
      const why =
        this.failed !== null
          ? this.durable.isStandby
            ? `the standby stopped following the journal (${this.failed instanceof Error ? this.failed.message : String(this.failed)}); restart it to recover`
            : 'the journal stopped after a failed commit'
          : this.closed
            ? 'the service is shutting down'
            : this.durable.isStandby
              ? 'a standby: another process writes the journal; this one takes commands once that writer stops'
              : 'the journal is being connected to its stream; commands are taken once it is';
      return Promise.reject(new ServiceError('unavailable', why));
    }
    if (commands.length === 0) return Promise.resolve([]);
    if (this.queued + commands.length > this.queueMax) return Promise.reject(new ServiceError('queue_full', `the command queue holds ${this.queued} commands (max ${this.queueMax})`));
    for (const c of commands) if (Number.isSafeInteger(c.tsMs) && c.tsMs > this.lastMs) this.lastMs = c.tsMs;
    return new Promise((resolve, reject) => {
      this.queue.push({ commands, enqueuedMs: performance.now(), resolve, reject });
      this.queued += commands.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.draining || this.inFlight >= this.inFlightMax || (this.awaitsCommitter && this.replication === null)) return;
    this.draining = true;
    // After the current turn: requests arriving meanwhile join the same commit.
    setImmediate(() => this.drain());
  }

  /** One group commit of what is queued (whole callers, up to batchMax commands unless one caller sent more). */
  private drain(): void {
    this.draining = false;
    if (this.queue.length === 0) return;
    const take: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (take.length > 0 && n + next.commands.length > this.batchMax) break;
      take.push(next);
      n += next.commands.length;
      this.queue.shift();
    }
    this.queued -= n;
    const commands = take.flatMap((p) => p.commands);
    const started: JournalEntry[] = [];
    let t = performance.now();
    const afterEach = (entry: JournalEntry): void => {
      const now = performance.now();
      this.observer.onApply?.(entry.command.kind, now - t);
      t = now;
      if (entry.events.some((e) => e.kind === 'LiquidationStarted')) {
        started.push(entry);
        this.captureFacts(entry);
      }
    };
    const replication = this.replication;
    if (replication !== null) {
      // Applied now, answered once the stream and the local journal hold it, after the batch before it.
      const committing = this.durable.submitPipelined(commands, replication.committer, afterEach);
      // Read below once the batch before it settled: a failure meanwhile must not count as unhandled (it would end the process).
      committing.catch(() => undefined);
      const before = this.lastInFlight ?? Promise.resolve();
      const settled = before
        .then(() => committing)
        .then(
          (entries) => this.committed(take, entries),
          (e: unknown) => this.commitFailed(e, take, started),
        )
        .finally(() => {
          this.inFlight--;
          if (this.lastInFlight === settled) this.lastInFlight = null;
          if (this.queue.length > 0) this.schedule();
        });
      this.inFlight++;
      this.lastInFlight = settled;
      // The next batch is applied while this one's round trip runs (up to inFlightMax).
      if (this.queue.length > 0) this.schedule();
      return;
    }
    let entries: JournalEntry[];
    try {
      entries = this.durable.submit(commands, afterEach);
    } catch (e) {
      this.commitFailed(e, take, started);
      return;
    }
    this.committed(take, entries);
  }

  /**
   * A failed commit: the engine is ahead of the journal; stop taking commands, a restart recovers what was
   * acknowledged. Replicated batches in flight after it fail with it (each comes here in turn; the first error is the
   * one told).
   */
  private commitFailed(e: unknown, take: readonly Pending[], started: readonly JournalEntry[]): void {
    const first = this.failed === null;
    this.failed ??= e;
    for (const s of started) for (const ev of s.events) if (ev.kind === 'LiquidationStarted') this.facts.delete(liquidationId(ev.seq, ev.ordinal));
    const err = new ServiceError('unavailable', `the journal stopped: ${e instanceof JournalError ? e.message : String(e)}`);
    for (const p of take) p.reject(err);
    for (const p of this.queue.splice(0)) p.reject(err);
    this.queued = 0;
    if (first) this.onCommitFailed?.(e);
  }

  /** A batch committed: its callers answered in order, its entries published, the next batch and snapshot work scheduled. */
  private committed(take: readonly Pending[], entries: JournalEntry[]): void {
    const lag = performance.now() - (take[0] as Pending).enqueuedMs;
    this.stats.commits++;
    this.stats.lastCommitLagMs = lag;
    this.observer.onCommit?.(entries.length, lag);
    let at = 0;
    for (const p of take) {
      p.resolve(entries.slice(at, at + p.commands.length));
      at += p.commands.length;
    }
    this.publish(entries);
    if (this.queue.length > 0) this.schedule();
    this.scheduleSnapshotWork();
  }

  /**
   * A slice of the snapshot being written, after the turn that answered the batch (its replies go out first), then
   * again after each commit or, while nothing is queued, turn after turn until it is stored.
   */
  private scheduleSnapshotWork(): void {
    if (this.snapshotWorkScheduled || !this.durable.snapshotPending) return;
    this.snapshotWorkScheduled = true;
    setImmediate(() => {
      this.snapshotWorkScheduled = false;
      if (this.closed) return;
      this.durable.workSnapshot(this.snapshotSliceMs);
      // With commands queued, the next commit schedules the next slice: the two take turns.
      if (this.queue.length === 0) this.scheduleSnapshotWork();
    });
  }

  /** Each liquidation's facts, captured right after its command (the engine in the state the command left). */
  private captureFacts(entry: JournalEntry): void {
    for (const e of entry.events) if (e.kind === 'LiquidationStarted') this.facts.set(liquidationId(e.seq, e.ordinal), liquidationFacts(this.engine, entry, e));
  }

  /** A commit's entries (this host's, or followed as a standby) into the counters, the tape, breachSince and the bus. */
  private publish(entries: readonly JournalEntry[]): void {
    for (const entry of entries) {
      this.count(entry);
      this.record(entry.events);
    }
    this.followBreaches();
    this.bus.emit('commit', { entries });
  }

  private count(entry: JournalEntry): void {
    const k = entry.command.kind;
    this.stats.commandsByKind.set(k, (this.stats.commandsByKind.get(k) ?? 0) + 1);
    for (const e of entry.events) {
      if (e.kind === 'CommandRejected') this.stats.rejectionsByCode.set(e.reason, (this.stats.rejectionsByCode.get(e.reason) ?? 0) + 1);
      else if (e.kind === 'LiquidationStarted') this.stats.liquidationsStarted++;
      else if (e.kind === 'LiquidationDeferred') this.stats.liquidationsDeferred++;
    }
  }

  private record(events: readonly EngineEvent[]): void {
    for (const e of events) if (TAPE_KIND_SET.has(e.kind)) this.tape.push({ seq: e.seq, ordinal: e.ordinal, event: e });
    const over = this.tape.length - this.tapeMax;
    if (over <= 0) return;
    for (const gone of this.tape.splice(0, over)) {
      this.evictedUpTo = Math.max(this.evictedUpTo, gone.seq);
      if (gone.event.kind === 'LiquidationStarted') this.facts.delete(liquidationId(gone.seq, gone.ordinal));
    }
  }

  /** The highest seq whose tape rows are no longer all held (0: none dropped). */
  get tapeEvictedUpToSeq(): number {
    return this.evictedUpTo;
  }

  isTapeKind(kind: string): boolean {
    return TAPE_KIND_SET.has(kind);
  }

  /** Keeps breachSince in step with the breach detector after a commit. */
  private followBreaches(): void {
    const now = this.engine.timeMs;
    const current = new Set<string>();
    for (const ref of this.engine.breachedLedgers()) {
      const key = `${ref.account}/${ref.market ?? 'cross'}`;
      current.add(key);
      if (!this.breachSince.has(key)) this.breachSince.set(key, now);
    }
    for (const key of [...this.breachSince.keys()]) if (!current.has(key)) this.breachSince.delete(key);
  }

  /** Ledgers in breach now, and since when (engine time, ms) the oldest of them has been. */
  breachBacklog(): { readonly ledgers: number; readonly oldestSinceMs: number | null } {
    let oldest: number | null = null;
    for (const t of this.breachSince.values()) if (oldest === null || t < oldest) oldest = t;
    return { ledgers: this.breachSince.size, oldestSinceMs: oldest };
  }

  /** The tape's rows strictly after the cursor (seq, or seq and ordinal), oldest first, matching `keep`. */
  tapeAfter(after: { seq: number; ordinal: number }, limit: number, keep: (item: TapeItem) => boolean = () => true): TapeItem[] {
    const out: TapeItem[] = [];
    // Binary search for the first row after the cursor: the tape is in (seq, ordinal) order.
    let lo = 0;
    let hi = this.tape.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.tape[mid] as TapeItem;
      if (r.seq < after.seq || (r.seq === after.seq && r.ordinal <= after.ordinal)) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.tape.length && out.length < limit; i++) {
      const r = this.tape[i] as TapeItem;
      if (keep(r)) out.push(r);
    }
    return out;
  }

  /** The oldest seq the tape still holds (null: empty); a stream may resume from there on. */
  get tapeOldestSeq(): number | null {
    return this.tape[0]?.seq ?? null;
  }

  /** The LiquidationStarted event of a liquidation step by id, while the tape holds it. */
  liquidation(id: string): Extract<EngineEvent, { kind: 'LiquidationStarted' }> | undefined {
    const m = /^([1-9][0-9]{0,14})-([0-9]{1,6})$/.exec(id);
    if (m === null) return undefined;
    const [seq, ordinal] = [Number(m[1]), Number(m[2])];
    const row = this.tapeAfter({ seq, ordinal: ordinal - 1 }, 1)[0];
    return row !== undefined && row.seq === seq && row.ordinal === ordinal && row.event.kind === 'LiquidationStarted' ? row.event : undefined;
  }

  /**
   * The facts of a liquidation step on the tape: captured when it happened, or (after a restart) rebuilt by
   * replaying the journal from the newest snapshot at or before it, a chunk of records at a time so commands keep
   * flowing meanwhile. Undefined when the tape does not hold it.
   */
  async liquidationFacts(id: string): Promise<{ facts: LiquidationFacts; replayFromSeq: number } | undefined> {
    const started = this.liquidation(id);
    if (started === undefined) return undefined;
    const snapshot = this.snapshotAtOrBefore(started.seq - 1);
    const known = this.facts.get(id);
    if (known !== undefined) return { facts: known, replayFromSeq: snapshot };
    const journal = this.durable.journal;
    const engine = snapshot === 0 ? Engine.create(journal.genesis.config, journal.genesis.rulebook) : Engine.restore(journal.loadSnapshotForRestore(snapshot));
    for (let from = snapshot + 1; from <= started.seq; from += REPLAY_CHUNK_RECORDS) {
      const to = Math.min(started.seq, from + REPLAY_CHUNK_RECORDS - 1);
      for (const { seq, body } of journal.bodies(from, to)) {
        replayRecord(engine, journal.name, seq, body); // checked byte for byte, as recovery checks
        if (seq === started.seq) {
          // The liquidation's own record, decoded in full (its events and hashes go into the facts).
          const [r] = journal.records(seq, seq);
          if (r === undefined) throw new JournalError('record_corrupt', `${journal.name}: record ${seq} is missing`, { seq });
          const facts = liquidationFacts(engine, r, started);
          this.facts.set(id, facts);
          return { facts, replayFromSeq: snapshot };
        }
      }
      if (to < started.seq) await yieldToIo();
    }
    return undefined;
  }

  /** The seq of the newest snapshot at or before `seq` (0: the genesis). */
  snapshotAtOrBefore(seq: number): number {
    let best = 0;
    for (const s of this.durable.journal.snapshots()) if (s.seq <= seq && s.seq > best) best = s.seq;
    return best;
  }

  /** Stops taking commands, lets the queue drain (each queued command is committed and acknowledged), closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.standbyTimer !== null) clearTimeout(this.standbyTimer);
    await this.standbyStepping;
    while ((this.queue.length > 0 && this.failed === null) || this.draining || this.lastInFlight !== null) {
      if (this.lastInFlight !== null) await this.lastInFlight;
      else await new Promise((r) => setImmediate(r));
    }
    await this.replication?.stop();
    this.durable.close();
  }
}

/** Whether a record's bytes may hold a tape event: a cheap look before any parsing. */
function mayHoldTapeEvent(body: Buffer): boolean {
  for (const k of TAPE_KINDS) if (body.indexOf(`"${k}"`) >= 0) return true;
  return false;
}
