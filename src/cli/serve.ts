// `bailiff serve`: the HTTP and WebSocket service (src/service/server.ts, docs/service.md) over a SQLite journal in
// --data (default ./data). Prints the URL on stdout once it listens. --replay feeds the bundled crash replay (the
// world of `bailiff demo`) through the service's queue at --speed replay minutes per wall minute, so the streams,
// the tape and the operator view show margin calls, liquidations and fund moves within the first minute.
// SIGINT or SIGTERM: stop the replay, let the queue drain (every queued command is committed and acknowledged),
// close the journal, exit 0.
// --jetstream URL: the journal replicated to a NATS JetStream stream (docs/service.md "Across machines"): a writer
// answers each batch once the stream and the local journal hold it, and stops (exit 2, journal_fenced) when another
// took the stream over; with --standby, this process copies the stream into its own journal under --data and takes the
// stream over once no writer is heard for --takeover-ms.

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { ppm } from '../core/units/index.js';
import { rulebookPreset, presetNames } from '../core/rulebooks/presets.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../journal/types.js';
import type { Durability } from '../journal/store.js';
import { journalPathIn, type EngineHost, type StandbyOutcome, type StandbyStep } from '../service/engine-host.js';
import type { DurableEngine } from '../journal/durable.js';
import { redactUrl } from '../journal/jetstream.js';
import { QUOTE_ASSET, QUOTE_DECIMALS } from '../sim/population.js';
import { CliError, unwritableFile } from './errors.js';
import { recoveryTimes, settleAfterRecovery, STANDBY_POLL_MS_DEFAULT } from './ingest.js';
import { startRecoveryProgress } from './progress.js';
import type { CliIo } from './program.js';
import { closeCopyStore, openReplica, startReplicating, StreamStandby, type ReplicationOptions, type Replica, type Replicating } from './replica.js';

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly data: string;
  readonly replay: boolean;
  /** Replay minutes per wall minute. */
  readonly speed: number;
  readonly accounts: number;
  readonly seed: number;
  /** The rulebook preset of a new journal (default binance); an existing journal keeps its own (said on stderr). */
  readonly rulebook?: string;
  readonly synthetic: boolean;
  readonly insecureLocal: boolean;
  /** The API key store (`bailiff keys add --store FILE`) and its master key file (default: FILE.master). */
  readonly keys?: string;
  readonly masterKey?: string;
  readonly durability: Durability;
  readonly logLevel: string;
  /** A hot standby of the journal under `data` (EngineHostOptions.standby): follow it every `pollMs`. */
  readonly standby?: boolean;
  readonly pollMs?: number;
  /** The journal replicated to a JetStream stream (replica.ts); with `standby`, a standby of the stream. */
  readonly jetstream?: ReplicationOptions;
}

/** Where the process's signals come from (the real process, or a test's emitter). */
export interface SignalSource {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export async function runServe(o: ServeOptions, io: CliIo, signals: SignalSource = process): Promise<0> {
  const rulebookName = o.rulebook ?? 'binance';
  const rulebook = rulebookPreset(rulebookName, QUOTE_DECIMALS) as Rulebook | undefined;
  if (rulebook === undefined) throw new CliError('bad_argument', `unknown rulebook "${rulebookName}"; presets: ${presetNames().join(', ')}`);
  if (o.keys !== undefined && o.insecureLocal) throw new CliError('bad_argument', 'give either --keys (the security plugin) or --insecure-local, not both');
  if (o.keys === undefined && !o.insecureLocal) {
    throw new CliError('bad_argument', 'serve needs API keys: --keys FILE (make one with `bailiff keys add --role read --store FILE`), or --insecure-local on a trusted machine');
  }
  // The setup mistakes a user can fix, found before the journal is opened or created (nothing is left behind).
  await probeListen(o.host, o.port);
  dataDirectory(o.data);
  const security = o.keys === undefined ? undefined : await openSecurity(o.keys, o.masterKey);
  if (security === undefined) io.stderr('serve: WARNING --insecure-local: no API keys, no signatures, no scopes; anyone who reaches this port may read every account and submit commands\n');
  else io.stderr(`serve: API keys from ${o.keys} (${security.options.keys.list().length} keys); requests must be signed (docs/security.md)\n`);
  const [{ buildServer }, replayModule] = await Promise.all([import('../service/server.js'), import('../service/replay.js')]);
  const replay = o.replay ? await replayModule.crashReplay({ accounts: o.accounts, seed: o.seed, rulebook: rulebookName, synthetic: o.synthetic }) : undefined;
  const genesis: JournalGenesis = replay?.genesis ?? {
    formatVersion: JOURNAL_FORMAT_VERSION,
    config: { settlement: { asset: QUOTE_ASSET, decimals: QUOTE_DECIMALS }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) },
    rulebook,
  };
  const say = (line: string): void => io.stderr(`serve: ${line}\n`);
  const js = o.jetstream;
  const journalPath = journalPathIn(o.data);
  const pollMs = o.pollMs ?? STANDBY_POLL_MS_DEFAULT;
  // What ends the service besides a signal: a replicated commit that failed (fenced by a standby that took the stream
  // over, or a stream that stopped answering), or a promoted standby that could not start replicating.
  let fatal: (error: unknown) => void = () => undefined;
  const fatalError = new Promise<unknown>((resolve) => (fatal = resolve));
  const replica: Replica | null =
    js === undefined ? null : await openReplica({ journal: journalPath, durability: o.durability, standby: o.standby === true, noJournal: null, say }, js);
  const progress = startRecoveryProgress(io.progressStream, { log: say });
  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    app = await buildServer({
      dataDir: o.data,
      genesis,
      durability: o.durability,
      logger: { level: o.logLevel, stream: process.stderr },
      onRecoveryProgress: progress.tell,
      ...(security === undefined ? {} : { security }),
      ...(replica === null ? {} : { replicated: true, onCommitFailed: (e: unknown) => fatal(e) }),
      ...(replica?.writerStore === undefined ? {} : { store: replica.writerStore }),
      ...(o.standby === true
        ? {
            standby:
              replica === null || js === undefined
                ? { pollMs }
                : {
                    pollMs,
                    step: (durable: DurableEngine): StandbyStep => {
                      const standby = new StreamStandby(durable, replica, js.takeoverMs, (line) => say(`standby: ${line}`));
                      return (take) => standby.step(take);
                    },
                  },
            onStandby: (outcome: StandbyOutcome) => {
              if ('error' in outcome) {
                say(`standby stopped following the journal: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}; restart it to recover`);
              } else if (replica === null || js === undefined) {
                say(`promoted: the journal's writer stopped; taking commands at head ${outcome.promotedAtSeq}`);
              } else {
                // Commands are refused until the stream takes this process's batches.
                say(`promoted: no writer heard on stream ${replica.log.stream} for ${js.takeoverMs} ms; head ${outcome.promotedAtSeq}`);
                startReplicating(replica, app.bailiff.host.durable, journalPath, o.durability, true, say).then((r) => {
                  app.bailiff.host.replicate(r);
                  shareSnapshots(app.bailiff.host, r);
                  say(`replicating to stream ${replica.log.stream} at ${redactUrl(js.url)} from its message ${r.streamSeq}; taking commands at head ${app.bailiff.host.engine.seq}`);
                }, fatal);
              }
            },
          }
        : {}),
    });
  } catch (e) {
    replica?.writerStore?.close();
    closeCopyStore(replica);
    await replica?.log.close();
    throw e;
  } finally {
    progress.stop();
  }
  const host = app.bailiff.host;
  if (replica !== null && js !== undefined && o.standby !== true) {
    let replicating: Replicating;
    try {
      replicating = await startReplicating(replica, host.durable, journalPath, o.durability, false, say);
    } catch (e) {
      await app.close();
      await replica.log.close();
      throw e;
    }
    host.replicate(replicating);
    shareSnapshots(host, replicating);
    const what = host.durable.recovery.created ? ': the genesis' : '';
    say(
      `replicating to stream ${replica.log.stream} at ${redactUrl(js.url)} from its message ${replicating.streamSeq} (at the start ${replica.copied} batches copied from it, ${replicating.published + replica.published} published to it${what})`,
    );
  }
  const r = host.durable.recovery;
  // Before the port opens: the first request does not wait for recovery's garbage (no wait for its sweeping: the
  // snapshot of the recovered head is being written on this thread already).
  const settled = await settleAfterRecovery(r, 0);
  try {
    await app.listen({ port: o.port, host: o.host });
  } catch (e) {
    // Taken since the probe (a race): the journal is closed as on a signal (a new one stays, with its genesis).
    await app.close();
    closeCopyStore(replica);
    await replica?.log.close();
    throw listenError(e, o.host, o.port) ?? e;
  }
  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : o.port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  const took = recoveryTimes(r);
  io.stderr(`serve: journal ${host.journalPath} (${r.created ? 'new' : `recovered from ${r.snapshotSeq === null ? 'the genesis' : `snapshot ${r.snapshotSeq}`} + ${r.replayed} replayed`}), head ${host.engine.seq}\n`);
  // As ingest says of --scenario: a rulebook asked for is a new journal's genesis; this journal has its own.
  if (o.rulebook !== undefined && !r.created) say(`--rulebook ${o.rulebook} ignored (the journal exists, with rulebook ${host.engine.rulebook.name})`);
  if (host.isStandby && replica !== null && js !== undefined) {
    say(`standby: following stream ${replica.log.stream} at ${redactUrl(js.url)} every ${pollMs} ms; commands are refused (503) until no writer is heard for ${js.takeoverMs} ms`);
  } else if (host.isStandby) say(`standby: following the journal every ${pollMs} ms; commands are refused (503) until its writer stops`);
  if (took !== '') io.stderr(`serve: ${took}${settled}\n`);
  // Listened for before the URL is out: a caller that stops us as soon as it reads the URL must find the handlers in
  // place (seen in CI: a SIGTERM sent right after the URL met the default action, and the process died of it).
  const signalled = new Promise<null>((resolve) => {
    signals.once('SIGINT', () => resolve(null));
    signals.once('SIGTERM', () => resolve(null));
  });
  io.stdout(`http://${shownHost}:${port}\n`);

  const abort = new AbortController();
  let feeding: Promise<unknown> = Promise.resolve();
  if (replay !== undefined) {
    io.stderr(`serve: replaying ${replay.source}, ${replay.minutes.length} minutes at ${o.speed}x\n`);
    feeding = replayModule
      .feedReplay(host, replay, { speed: o.speed, signal: abort.signal })
      .then((n) => io.stderr(`serve: replay ${abort.signal.aborted ? 'stopped' : 'done'} after ${n} minutes; head ${host.engine.seq}\n`))
      .catch((e: unknown) => io.stderr(`serve: replay stopped: ${e instanceof Error ? e.message : String(e)}\n`));
  }
  const failed = await Promise.race([signalled, fatalError.then((e) => ({ error: e }))]);
  abort.abort();
  await app.close();
  await feeding;
  closeCopyStore(replica); // a standby that stopped before its promotion
  // Its connection (and the heartbeat subscription) would keep the process alive.
  await replica?.log.close();
  if (failed !== null) {
    say(`stopped: nothing more is acknowledged; the journal holds every acknowledged command, head ${host.durable.journal.durableHead()}`);
    throw failed.error;
  }
  io.stderr(`serve: stopped; journal flushed at head ${host.durable.journal.head()}\n`);
  return 0;
}

/**
 * Each snapshot the host stores from now on goes to the stream's object store too (after the metrics see it), and
 * each put is counted (bailiff_stream_snapshots_total).
 */
function shareSnapshots(host: EngineHost, replicating: Replicating): void {
  const told = host.observer.onSnapshot;
  host.observer.onSnapshot = (report) => {
    told?.(report);
    replicating.snapshots.offer(report.info);
  };
  replicating.snapshots.onPut = (outcome, seconds) => host.observer.onSnapshotShared?.(outcome, seconds);
}

/** Why a listen failed, when it is the address given (--host, --port) and not a bug: exit 2. */
const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'not permitted (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'the host does not resolve',
  EAI_AGAIN: 'the host does not resolve',
  EAI_FAIL: 'the host does not resolve',
};

function listenError(e: unknown, host: string, port: number): CliError | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === undefined ? undefined : LISTEN_FAILURES[code];
  return why === undefined ? undefined : new CliError('bad_argument', `cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${code} (${why})`);
}

/**
 * Listens on --host and --port once and closes at once: a port in use or a host that is not this machine's is told
 * before the journal is created. It can still be taken between the probe and the service's listen (then that listen
 * fails the same way, after the journal's recovery).
 */
async function probeListen(host: string, port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (e) {
    throw listenError(e, host, port) ?? e;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** --data: the journal's directory, created when absent; a file of that name, or one that cannot be made, is exit 2. */
function dataDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new CliError('bad_argument', `--data ${dir} is not a directory (${code})`);
    throw unwritableFile(dir, e);
  }
}

/** The security plugin over the key store file; a store that cannot be opened is a clear CLI error. */
async function openSecurity(file: string, masterKeyFile: string | undefined) {
  const { KeyStore, KeyStoreError, securityPlugin } = await import('../service/security/index.js');
  try {
    const keys = KeyStore.open(file, masterKeyFile === undefined ? {} : { masterKeyFile });
    return { plugin: securityPlugin, options: { keys } };
  } catch (e) {
    if (e instanceof KeyStoreError) throw new CliError('bad_argument', `--keys ${file}: ${e.message}`);
    throw e;
  }
}
