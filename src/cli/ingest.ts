// `bailiff ingest --journal <file>`: a durable engine fed with wire commands, one JSON object per line on stdin.
// Opens (or creates, from --scenario) the journal, recovers, says in one stderr line how it runs and what recovery
// did, then journals what stdin gives in batches (all complete lines available at once: group commit) and writes
// one acknowledgement line per command to stdout only after its batch is committed.
//
// `bailiff journal info <file>`: what a journal holds (format, head, snapshots, mode), read-only.

import { existsSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from '../core/engine/commands.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis, type SnapshotInfo } from '../journal/types.js';
import { CommitWorker } from '../journal/commit-worker.js';
import { DurableEngine, type DurableOptions, type RecoveryReport } from '../journal/durable.js';
import { JournalError } from '../journal/errors.js';
import { compareWithStream, JetStreamLog, redactUrl } from '../journal/jetstream.js';
import { snapshotBucketOf, StreamSnapshots } from '../journal/stream-snapshots.js';
import { Journal } from '../journal/journal.js';
import { sha256Parts } from '../journal/record.js';
import { SqliteJournalStore } from '../journal/sqlite.js';
import type { BatchCommitter, Durability } from '../journal/store.js';
import { TrackingUnits } from '../scenario/load.js';
import { decodeCommand, defaultTimeAfter, UNIT_DECLARING_KINDS, WireError } from '../wire/decode.js';
import { encodeEvent } from '../wire/encode.js';
import { parseStrictJson } from '../wire/strict-json.js';
import { checkOutputFile, CliError } from './errors.js';
import { closeCopyStore, INGEST_SNAPSHOT_PUT_WAIT_MS, openReplica, SNAPSHOT_PUT_STOP_MS, startReplicating, StreamStandby, type ReplicationOptions } from './replica.js';
import type { CliIo } from './program.js';
import { collectAndSettle, describeSettled, SETTLE_AFTER_RECOVERY_MS } from './heap.js';
import { startRecoveryProgress } from './progress.js';
import { loadScenarioFile, toJson } from './run.js';

export interface IngestOptions {
  readonly journal: string;
  readonly scenario?: string;
  readonly durability: Durability;
  readonly snapshotEvery?: number;
  /** After each acknowledgement, the command's events as `bailiff run` prints them. */
  readonly events?: boolean;
  /** Recovery computes the margin calls instead of taking them from the records (DurableOptions.recomputeMarginCalls). */
  readonly recomputeMarginCalls?: boolean;
  /**
   * A hot standby (DurableEngine.openStandby): recover the journal read-only, follow its head every `pollMs`, and take
   * it over once its writer stops (its writer lock is free); only then is stdin read.
   */
  readonly standby?: { readonly pollMs: number };
  /**
   * The journal replicated to a JetStream stream (jetstream.ts; docs/journal.md "Replication over JetStream"): a writer
   * publishes each batch before its local commit; a standby copies the stream into its own local journal and takes
   * the stream over once no writer was heard for `takeoverMs`.
   */
  readonly jetstream?: ReplicationOptions;
}

/** What the read of stdin is raced against: a failed commit. */
const STOPPED = Symbol('stopped');

/** How often a standby (ingest, serve) follows the journal and tries its writer lock, unless --poll-ms says. */
export const STANDBY_POLL_MS_DEFAULT = 100;

/** At most this many commands per commit: bounds a batch's memory when stdin delivers a large chunk at once. */
export const INGEST_BATCH_COMMANDS_MAX = 10_000;
/** Batches handed to the commit worker and not yet committed, at most, before reading stdin waits. */
const COMMITS_IN_FLIGHT_MAX = 4;

/** One line: the durability mode, what recovery did, the head. */
export function recoveryLine(r: RecoveryReport): string {
  const parts = [`durability ${r.mode}`];
  if (r.created) parts.push('new journal');
  else parts.push(`recovered from ${r.snapshotSeq === null ? 'the genesis' : `snapshot ${r.snapshotSeq}`} + ${r.replayed} replayed`);
  for (const s of r.skippedSnapshots) parts.push(`snapshot ${s.seq} passed over (${s.reason})`);
  if (r.tornTail !== null) parts.push(`torn tail truncated at seq ${r.tornTail.seq} (${r.tornTail.reason})`);
  return parts.join('; ');
}

/** How long recovery took and where (its two steps); '' for a new journal. */
export function recoveryTimes(r: RecoveryReport): string {
  if (r.created) return '';
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const { restoreMs, replayMs, boundaryThread, callsResumeMs, callsReadAhead } = r.timings;
  // The boundaries the restore's indexes took from its second thread (journal/boundary-thread.ts), when it ran one.
  const ahead = boundaryThread === null ? '' : `; ${boundaryThread.used.toLocaleString('en')} exact boundaries searched ahead on a second thread`;
  // The margin calls taken from the records, the call index caught up at the end (docs/journal.md); absent: computed.
  // Those of callsReadAhead records read by the record-check thread while the snapshot was restored (record-check-worker.ts).
  const readAhead = callsReadAhead === 0 ? '' : ` (those of ${callsReadAhead.toLocaleString('en')} records read ahead by the check thread)`;
  const calls = callsResumeMs === 0 ? '' : `, margin calls from the records${readAhead}, their index caught up in ${s(callsResumeMs)}`;
  return `recovery took ${s(restoreMs + replayMs)} (snapshot and restore ${s(restoreMs)}, replay ${s(replayMs)}${calls}${ahead})`;
}

/**
 * After a recovery of a second or more, its garbage is collected before the first command is taken (heap.ts: else the
 * first batch waits for it), then up to `sweepWaitMs` are given to V8's sweeping of it. `bailiff serve` gives none:
 * it writes a snapshot of the recovered head in slices on the main thread from the start, so its CPU never looks idle
 * and the wait would only delay the port. Returns what to add to the recovery's line ('' when nothing was done).
 */
export async function settleAfterRecovery(
  r: Pick<RecoveryReport, 'created'> & { readonly timings: Pick<RecoveryReport['timings'], 'restoreMs' | 'replayMs'> },
  sweepWaitMs = 2_000,
): Promise<string> {
  if (r.created || r.timings.restoreMs + r.timings.replayMs < SETTLE_AFTER_RECOVERY_MS) return '';
  return `; ${describeSettled(await collectAndSettle(sweepWaitMs))}`;
}

const UNDERSCORE = 0x5f;
/** Each kind that declares units as it stands in a record's body (its canonical JSON): `"kind"`, quoted. */
const DECLARING_KINDS = UNIT_DECLARING_KINDS.map((kind) => JSON.stringify(kind));

/**
 * Only commands that declare units teach them (UNIT_DECLARING_KINDS): a cheap look at a record's bytes passes over the
 * rest without parsing them. Recovery calls it for every record: one byte search first (~20 ns: every such kind holds
 * an underscore, a price tick with no events none), the kinds' string searches (~250 ns each) only when it finds one.
 * Before, two string searches a record were ~0.4 s of a 1M-record replay, and lending reserves and Comet markets were
 * passed over (their assets unknown to the wire commands after a restart).
 */
export function mayTeachUnits(body: Buffer): boolean {
  if (body.indexOf(UNDERSCORE) < 0) return false;
  for (const kind of DECLARING_KINDS) if (body.indexOf(kind) >= 0) return true;
  return false;
}

export async function runIngest(o: IngestOptions, io: CliIo, input: AsyncIterable<string | Buffer>): Promise<0> {
  const exists = existsSync(o.journal) && statSync(o.journal).size > 0;
  const js = o.jetstream;
  // With a stream, the journal may come from it: a missing local file is checked against the stream below.
  if (js === undefined && !exists && o.standby !== undefined) throw new CliError('bad_argument', `${o.journal} does not exist: a standby follows a journal another process writes`);
  if (js === undefined && !exists && o.scenario === undefined) {
    throw new CliError('bad_argument', `${o.journal} does not exist: a new journal needs --scenario <file> (its settlement, rulebook and setup commands)`);
  }
  // A journal to make: where it goes is checked first (a missing directory is said so, not as its writer lock's).
  if (!exists) checkOutputFile(o.journal);
  const scenario = o.scenario === undefined ? undefined : loadScenarioFile(o.scenario);
  const genesis: JournalGenesis | undefined = scenario === undefined ? undefined : { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  // The units to decode wire commands with are re-learned from every journaled command, as `run` learns them,
  // during recovery's one pass over the records.
  const listings: { seq: number; body: Buffer }[] = [];
  // Over JetStream, a writer's snapshots go to the stream's object store once it replicates (SnapshotSharing).
  let shareSnapshot: (info: SnapshotInfo | null) => void = () => undefined;
  const options: DurableOptions & { readonly durability: Durability } = {
    durability: o.durability,
    name: o.journal,
    onSnapshot: (report) => shareSnapshot(report.info),
    onRecord: (seq, body) => {
      if (mayTeachUnits(body)) listings.push({ seq, body: Buffer.from(body) });
    },
    ...(genesis === undefined ? {} : { genesis }),
    ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
    ...(o.recomputeMarginCalls === true ? { recomputeMarginCalls: true } : {}),
  };
  const replica =
    js === undefined
      ? null
      : await openReplica(
          {
            journal: o.journal,
            durability: o.durability,
            standby: o.standby !== undefined,
            noJournal: scenario === undefined ? 'a new journal needs --scenario <file> (its settlement, rulebook and setup commands)' : null,
            say: (line) => io.stderr(`ingest: ${line}\n`),
          },
          js,
        );
  const progress = startRecoveryProgress(io.progressStream, { log: (line) => io.stderr(`ingest: ${line}\n`) });
  let de: DurableEngine;
  try {
    const opened = { ...options, onProgress: progress.tell };
    if (replica?.writerStore !== undefined) de = DurableEngine.open(replica.writerStore, opened);
    else de = (o.standby === undefined ? DurableEngine.openFile : DurableEngine.openStandby)(o.journal, opened);
  } catch (e) {
    replica?.writerStore?.close();
    closeCopyStore(replica);
    await replica?.log.close();
    throw e;
  } finally {
    progress.stop();
  }
  try {
    const { asset, decimals } = de.journal.genesis.config.settlement;
    const units = new TrackingUnits(decimals, asset);
    const learn = (): void => {
      for (const { seq, body } of listings) units.learn(de.journal.parse(seq, body).command);
      listings.length = 0;
    };
    learn();
    if (o.standby !== undefined && replica !== null && js !== undefined) {
      io.stderr(`ingest: standby: ${recoveryLine(de.recovery)}; head ${de.journal.head()}; following stream ${replica.log.stream} until no writer is heard for ${js.takeoverMs} ms\n`);
      const { followed, waitedMs, takeOverMs } = await standUntilSilent(new StreamStandby(de, replica, js.takeoverMs, (line) => io.stderr(`ingest: standby: ${line}\n`)), de, o.standby.pollMs, learn);
      io.stderr(
        `ingest: promoted: no writer heard on stream ${replica.log.stream} for ${js.takeoverMs} ms; durability ${de.journal.report.mode}; ${followed} records followed as standby (${(waitedMs / 1000).toFixed(1)} s), taken over in ${takeOverMs.toFixed(0)} ms; head ${de.journal.head()}; taking commands\n`,
      );
    } else if (o.standby !== undefined) {
      // Followed until the writer stops: the listings of the records followed teach units as recovery's did.
      io.stderr(`ingest: standby: ${recoveryLine(de.recovery)}; head ${de.journal.head()}; following until the journal's writer stops\n`);
      const { followed, waitedMs, takeOverMs } = await standUntilPromoted(de, o.standby.pollMs, learn);
      io.stderr(
        `ingest: promoted: the journal's writer stopped; durability ${de.journal.report.mode}; ${followed} records followed as standby (${(waitedMs / 1000).toFixed(1)} s), taken over in ${takeOverMs.toFixed(0)} ms; head ${de.journal.head()}; taking commands\n`,
      );
    }
    let line = `ingest: ${recoveryLine(de.recovery)}`;
    // A journal holding only its genesis (new, or created by a run that stopped before its setup was committed)
    // takes the scenario's commands first.
    if (scenario !== undefined && de.journal.head() === 0) {
      de.submit(scenario.commands);
      for (const cmd of scenario.commands) units.learn(cmd);
      line += `; ${scenario.commands.length} scenario commands journaled`;
    } else if (scenario !== undefined) {
      line += '; --scenario ignored (the journal exists)';
    }
    // How long recovery took on a line of its own: the line above is the one drivers parse (bench/journal-crash.ts).
    const took = o.standby === undefined ? recoveryTimes(de.recovery) : '';
    if (o.standby === undefined) io.stderr(`${line}; head ${de.journal.head()}\n`);
    if (took !== '') io.stderr(`ingest: ${took}${await settleAfterRecovery(de.recovery)}\n`);
    const head = de.journal.head();
    // Never before the engine's time: the head may be a command refused for its past `at` (defaultTimeAfter).
    let lastMs = Math.max(de.engine.timeMs, head === 0 ? 0 : lastCommandMs(de.journal, head));
    let lineNo = 0;
    let pending = '';
    let journaled = 0;
    // Commits overlap the next batch's decoding, apply and framing (a commit worker: journal/commit-worker.ts); each
    // batch's acknowledgement lines are written once its own commit returned, in order.
    // Over JetStream: no other writer heard (again: one may have started, or a standby taken over, while this one
    // recovered) before anything is published; then what this process journaled locally first (a new journal's
    // genesis and scenario) goes to the stream.
    const replicating = replica === null ? null : await startReplicating(replica, de, o.journal, o.durability, o.standby !== undefined, (line) => io.stderr(`ingest: ${line}\n`));
    if (replicating !== null) shareSnapshot = (info) => replicating.snapshots.offer(info);
    const worker = replicating?.worker ?? (await CommitWorker.start(o.journal, o.durability));
    const replicated = replicating?.committer ?? null;
    const committer: BatchCommitter = replicated ?? worker;
    if (replica !== null && replicating !== null) {
      const { streamSeq, published } = replicating;
      const what = de.recovery.created ? ': the genesis and the scenario' : '';
      io.stderr(
        `ingest: replicating to stream ${replica.log.stream} at ${redactUrl(js?.url ?? '')} from its message ${streamSeq} (at the start ${replica.copied} batches copied from it, ${published + replica.published} published to it${what})\n`,
      );
    }
    let acknowledged: Promise<void> = Promise.resolve();
    let failure: unknown = null;
    let stopReading: () => void = () => undefined;
    const stopped = new Promise<typeof STOPPED>((resolve) => (stopReading = () => resolve(STOPPED)));
    const acknowledge = (entries: readonly JournalEntry[]): void => {
      journaled += entries.length;
      const out: string[] = [];
      for (const e of entries) {
        const first = e.events[0];
        const rejected = e.events.length === 1 && first?.kind === 'CommandRejected' ? { rejected: first.reason } : {};
        out.push(JSON.stringify({ seq: e.seq, command: e.command.kind, events: e.events.length, ...rejected }));
        if (o.events === true) for (const ev of e.events) out.push(JSON.stringify(encodeEvent(ev, units)));
      }
      io.stdout(`${out.join('\n')}\n`);
    };
    const commit = (commands: Command[]): void => {
      if (commands.length === 0 || failure !== null) return;
      const committed = de.submitPipelined(commands, committer);
      // Recorded at once, so a failed commit stops the run even before its turn in the chain comes.
      committed.catch((e: unknown) => {
        failure ??= e;
        stopReading();
      });
      acknowledged = acknowledged.then(() => committed).then(acknowledge);
      // Handled here (failure holds the cause): a rejection while stdin is quiet must not end the process unhandled.
      acknowledged.catch(() => undefined);
    };
    const take = (text: string, final: boolean): void => {
      const lines = (pending + text).split('\n');
      pending = final ? '' : (lines.pop() ?? '');
      let batch: Command[] = [];
      for (const raw of lines) {
        lineNo++;
        if (raw.trim() === '') continue;
        let cmd: Command;
        try {
          cmd = decodeCommand(parseStrictJson(raw), units, '', lastMs);
        } catch (e) {
          // What came before the bad line is journaled and acknowledged; the bad line stops the run (exit 2).
          commit(batch);
          if (e instanceof WireError) throw new WireError(`stdin line ${lineNo}${e.path === '' ? '' : `: ${e.path.replace(/^\./, '')}`}`, e.detail);
          if (e instanceof SyntaxError) throw new WireError(`stdin line ${lineNo}`, `not JSON: ${e.message}`);
          throw e;
        }
        units.learn(cmd);
        lastMs = defaultTimeAfter(lastMs, cmd);
        batch.push(cmd);
        if (batch.length >= INGEST_BATCH_COMMANDS_MAX) {
          commit(batch);
          batch = [];
        }
      }
      commit(batch);
    };
    const lines = input[Symbol.asyncIterator]();
    // SIGTERM or SIGINT: stop reading, journal and acknowledge the whole lines read, close the journal, exit 0 (as
    // `serve` does). A line cut by the signal was never acknowledged: the sender sends it again.
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      signalled ??= signal;
      stopReading();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      // A chunk may end inside a multi-byte character: the decoder keeps the partial bytes for the next one.
      const utf8 = new StringDecoder('utf8');
      for (;;) {
        // A failed commit ends the run at once, stdin quiet or not (a writer fenced or cut off from its stream stops
        // instead of waiting for a line).
        const next = await Promise.race([lines.next(), stopped]);
        if (next === STOPPED) {
          // A read is still pending: the stream is destroyed under it (an iterator's return() would wait for it).
          (input as { destroy?: () => void }).destroy?.();
          break;
        }
        if (next.done === true) break;
        const chunk = next.value;
        take(typeof chunk === 'string' ? chunk : utf8.write(chunk), false);
        // Bounded memory: at most COMMITS_IN_FLIGHT_MAX batches wait for their commit while stdin is read on.
        if ((replicated ?? worker).inFlight >= COMMITS_IN_FLIGHT_MAX) await acknowledged;
        if (failure !== null) break;
      }
      if (failure === null && signalled === null) take(utf8.end(), true);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // Stops reading stdin (its stream released: it would keep the process alive).
      void lines.return?.()?.catch(() => undefined);
      // What was committed before a bad line (or a failure) is acknowledged first.
      await acknowledged.catch(() => undefined);
      if (replicating !== null) {
        // At the end of its input, ingest lets a snapshot put in progress finish (up to 2 minutes: ~7 s at 1M accounts).
        if (failure === null && replicating.snapshots.busy) {
          // Stopped by a signal: as long as a service waits (SNAPSHOT_PUT_STOP_MS).
          const waitMs = signalled === null ? INGEST_SNAPSHOT_PUT_WAIT_MS : SNAPSHOT_PUT_STOP_MS;
          // Said only when it takes a while (a put that finds its snapshot stored already takes a round trip).
          const said = setTimeout(() => io.stderr(`ingest: waiting for the snapshot being put into the stream's object store (at most ${waitMs / 1000} s)\n`), 1_000);
          await replicating.snapshots.stop(waitMs);
          clearTimeout(said);
        }
        await replicating.stop();
      } else await worker.close();
    }
    if (failure !== null) throw failure;
    io.stderr(`ingest: ${signalled === null ? '' : `${signalled}: stopped reading stdin; `}${journaled} commands journaled; head ${de.journal.head()}\n`);
    return 0;
  } finally {
    de.close();
    closeCopyStore(replica); // a standby that stopped before its promotion
    // Its connection (and the heartbeat subscription) would keep the process alive.
    await replica?.log.close();
  }
}

/**
 * A standby's wait: every `pollMs`, the writer's lock tried (promote) and, while another process holds it, the records
 * it committed since followed (`learn` after each step). Resolves once promoted, with the records followed and the
 * time waited.
 */
async function standUntilPromoted(de: DurableEngine, pollMs: number, learn: () => void): Promise<{ followed: number; waitedMs: number; takeOverMs: number }> {
  const t0 = performance.now();
  const head = de.journal.head();
  for (;;) {
    const t = performance.now();
    if (de.promote()) {
      learn(); // what promote() caught up
      return { followed: de.journal.head() - head, waitedMs: t - t0, takeOverMs: performance.now() - t };
    }
    de.follow();
    learn();
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * A standby over JetStream (StreamStandby), polled every `pollMs` until it takes the stream over (`learn` after each
 * poll). Resolves once promoted, with the records followed and the time waited.
 */
async function standUntilSilent(standby: StreamStandby, de: DurableEngine, pollMs: number, learn: () => void): Promise<{ followed: number; waitedMs: number; takeOverMs: number }> {
  const t0 = performance.now();
  const head = de.journal.head();
  for (;;) {
    const promoted = await standby.step();
    learn();
    if (promoted) return { followed: de.journal.head() - head, waitedMs: performance.now() - t0 - standby.takeOverMs, takeOverMs: standby.takeOverMs };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The time of the journal's last command: the default time of a wire command without `at`, as in `run`. */
function lastCommandMs(journal: Journal, head: number): number {
  for (const { seq, body } of journal.bodies(head, head)) return journal.parse(seq, body).command.tsMs;
  return 0;
}

/** What `bailiff journal info` reports. */
export interface JournalInfo {
  readonly journal: string;
  readonly format: string;
  readonly mode: string;
  readonly settlement: string;
  readonly rulebook: string;
  readonly head: number;
  readonly headHash: string;
  readonly tornTail: { readonly seq: number; readonly reason: string } | null;
  readonly snapshots: readonly { readonly seq: number; readonly contentHash: string; readonly stateRoot: string; readonly contentOk: boolean }[];
}

export function journalInfo(file: string): JournalInfo {
  const store = SqliteJournalStore.open(file, { durability: 'full', readOnly: true });
  try {
    const journal = Journal.open(store, { name: file });
    return {
      journal: file,
      format: `bailiff-journal v${JOURNAL_FORMAT_VERSION} (SQLite rows of BJRN records, SHA-256 hash chain)`,
      mode: store.mode,
      settlement: `${journal.genesis.config.settlement.asset} (${journal.genesis.config.settlement.decimals} decimals)`,
      rulebook: journal.genesis.rulebook.name,
      head: journal.head(),
      headHash: journal.headHashHex(),
      tornTail: journal.report.tornTail,
      snapshots: journal.snapshots().map((s) => ({ ...s, contentOk: sha256Parts(store.snapshotParts(s.seq)) === s.contentHash })),
    };
  } finally {
    store.close();
  }
}

export function journalInfoText(i: JournalInfo): string {
  const lines = [
    `journal: ${i.journal}`,
    `format: ${i.format}`,
    `mode: ${i.mode}`,
    `genesis: settlement ${i.settlement}, rulebook ${i.rulebook}`,
    `head: ${i.head} (hash ${i.headHash})`,
  ];
  if (i.tornTail !== null) lines.push(`torn tail: record ${i.tornTail.seq} (${i.tornTail.reason}); the next ingest truncates it`);
  lines.push(i.snapshots.length === 0 ? 'snapshots: none' : 'snapshots:');
  for (const s of i.snapshots) lines.push(`  seq ${s.seq}: content ${s.contentHash} ${s.contentOk ? 'ok' : 'MISMATCH'}, state root ${s.stateRoot}`);
  return `${lines.join('\n')}\n`;
}

/** A stream to compare a journal with: its servers, name, TLS and credentials file. */
export type StreamAddress = Pick<ReplicationOptions, 'url' | 'stream' | 'tls' | 'credsFile'>;

/** Where a local journal stands against its JetStream stream (`bailiff journal info --jetstream`). */
export interface StreamStanding {
  readonly stream: string;
  readonly url: string;
  /** The stream's last message (0: empty) and the last record it holds (-1: none). */
  readonly message: number;
  readonly record: number;
  readonly standing: 'level' | 'behind' | 'ahead' | 'diverged';
  /** Records the local journal lacks (behind) or the stream lacks (ahead). */
  readonly records: number;
  /** Why they diverged. */
  readonly diverged?: string;
  /** The snapshots in the stream's object store (docs/journal.md "Snapshots through the stream"): seq and bytes. */
  readonly snapshots: readonly { readonly seq: number; readonly bytes: number }[];
}

/** Compares the journal with its stream, changing neither (the stream is not created if missing). */
export async function streamStanding(file: string, js: StreamAddress): Promise<StreamStanding> {
  const log = await JetStreamLog.open({ url: js.url, stream: js.stream, create: false, ...(js.tls === undefined ? {} : { tls: js.tls }), ...(js.credsFile === undefined ? {} : { credsFile: js.credsFile }) });
  const store = SqliteJournalStore.open(file, { durability: 'full', readOnly: true });
  const url = redactUrl(js.url);
  try {
    const shared = await StreamSnapshots.find(log);
    const snapshots = shared === null ? [] : (await shared.list()).map((s) => ({ seq: s.info.seq, bytes: s.bytes }));
    try {
      const c = await compareWithStream(store, log);
      const records = Math.abs(c.stream.lastSeq - c.localLast);
      return { stream: log.stream, url, message: c.stream.streamSeq, record: c.stream.lastSeq, standing: c.relation, records, snapshots };
    } catch (e) {
      if (!(e instanceof JournalError && e.code === 'journal_diverged')) throw e;
      const { streamSeq, lastSeq } = await log.head();
      return { stream: log.stream, url, message: streamSeq, record: lastSeq, standing: 'diverged', records: 0, diverged: e.message, snapshots };
    }
  } finally {
    store.close();
    await log.close();
  }
}

function streamStandingText(s: StreamStanding): string {
  const where = `stream ${s.stream} at ${s.url}: message ${s.message} (record ${s.record}); the local journal`;
  const shared =
    s.snapshots.length === 0
      ? `object store ${snapshotBucketOf(s.stream)}: no snapshots\n`
      : `object store ${snapshotBucketOf(s.stream)}: snapshots at ${s.snapshots.map((x) => `${x.seq} (${(x.bytes / 1e6).toFixed(1)} MB)`).join(', ')}\n`;
  const standing =
    s.standing === 'level'
      ? 'is level with it'
      : s.standing === 'behind'
        ? `is ${s.records} records behind it (copied at the next ingest --jetstream, writer or standby)`
        : s.standing === 'ahead'
          ? `is ${s.records} records ahead of it (a writer publishes them when it next starts with --jetstream)`
          : `DIVERGED: ${s.diverged ?? ''}`;
  return `${where} ${standing}\n${shared}`;
}

/** `bailiff journal info`; with a stream, where the journal stands against it (exit 2 when they diverged). */
export async function runJournalInfo(file: string, o: { json?: boolean; jetstream?: StreamAddress }, io: CliIo): Promise<0> {
  const info = journalInfo(file);
  const standing = o.jetstream === undefined ? undefined : await streamStanding(file, o.jetstream);
  if (o.json === true) io.stdout(toJson(standing === undefined ? info : { ...info, jetstream: standing }));
  else io.stdout(journalInfoText(info) + (standing === undefined ? '' : streamStandingText(standing)));
  if (standing?.standing === 'diverged') throw new JournalError('journal_diverged', standing.diverged ?? 'diverged');
  return 0;
}
