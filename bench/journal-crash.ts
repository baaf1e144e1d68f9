// The SIGKILL crash test's driver, shared by test/journal/crash.test.ts (>= 100 kills) and the longer run
// `npm run bench -- journal-crash` (BAILIFF_CRASH_KILLS, default 1000).
//
// It spawns the real `bailiff ingest` (dist/src/cli/main.js, as the CLI tests do), streams a seeded command stream
// into it, kills it with SIGKILL at a random moment (during startup and recovery now and then, mostly while commands
// stream), restarts it and resends from the journal's head (the head its stderr line reports). It checks, after each
// restart: every command acknowledged so far is in the journal (head >= the last acknowledged seq), and the
// acknowledgements continue from head + 1 without a gap or a duplicate. At the end: the journal holds the scenario's
// commands and then the stream's, each exactly once and in order, their recorded events are byte for byte those of a
// clean in-memory run, every acknowledgement matches its record, and the recovered state (and so its state root)
// equals the clean run's.
//
// With `failover`, each writer has a hot standby (`bailiff ingest --standby`, started once the writer reports its
// head, following it); the writer is killed while commands stream, and the standby takes the journal over and is sent
// the rest from the head it reports when promoted ("ingest: promoted: ...; head N; taking commands"), with the next
// standby beside it. The same checks.
//
// With `jetstream`, every run replicates to a JetStream stream (`--jetstream`) and the runs alternate between two
// journal files, as two machines would: each run starts from the other file, which the stream brings level first
// (copying what it lacks). A standby (failover) is then `--standby --jetstream` on the file its writer is not using,
// and takes over once the writer is silent for 600 ms. The checks read a journal copied from the stream alone into a
// fresh file: the stream holds every acknowledged command once, in order, and the clean run's events and state.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/core/engine/engine.js';
import { encodeSnapshot } from '../src/core/engine/snapshot.js';
import { DurableEngine } from '../src/journal/durable.js';
import { JetStreamLog, reconcile } from '../src/journal/jetstream.js';
import { SqliteJournalStore } from '../src/journal/sqlite.js';
import { stateRootOf } from '../src/journal/state-root.js';
import { entryBody } from '../src/journal/record.js';
import { decodedStream, STREAM_SCENARIO, streamCommands } from '../src/sim/command-stream.js';
import { seededRandom } from '../src/sim/random.js';
import { findRepoRoot } from '../src/feeds/shared-data.js';

export interface CrashOptions {
  readonly kills: number;
  /** Commands in the stream; the run after the last kill sends what is left. */
  readonly commands: number;
  readonly seed: number;
  /** Snapshot every n commands (so recovery starts from snapshots too). */
  readonly snapshotEvery?: number;
  /** Each writer followed by a standby that takes over when it is killed (no kill during startup then). */
  readonly failover?: boolean;
  /** Every run replicating to this JetStream stream, alternating between two journal files (above). */
  readonly jetstream?: { readonly url: string; readonly stream: string };
}

export interface CrashResult {
  readonly kills: number;
  readonly killedBeforeHead: number;
  readonly runs: number;
  readonly acked: number;
  readonly head: number;
  readonly tornTails: number;
  /** Runs that took the journal over from standby (failover). */
  readonly promotions: number;
  readonly ms: number;
  /** Every failed check, as a sentence; empty when all held. */
  readonly failures: string[];
}

interface RunOutcome {
  readonly head: number | null;
  readonly acks: { seq: number; command: string; events: number }[];
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How a run ends: killed during startup after `afterMs`, killed once `afterAcks` acknowledgements arrived (plus up to 3 ms), or not killed. */
type Kill = { readonly beforeHead: true; readonly afterMs: number } | { readonly beforeHead: false; readonly afterAcks: number; readonly jitterMs: number } | null;

/** Lines in flight (sent, not yet acknowledged) at most: the process is always mid-stream when it is killed. */
const IN_FLIGHT_MAX = 256;
const CHUNK_LINES = 32;

/** The head a writer reports once it takes commands: recovered (`ingest: durability ...`) or promoted from standby. */
const HEAD_LINE = /^ingest: (?:durability .*|promoted: .*); head (\d+)(?:; taking commands)?$/m;

/**
 * One `bailiff ingest` process: sends lines from the journal's head on, killed as `kill` says. `onHead`: told once it
 * reports its head (takes commands).
 */
function runOnce(bin: string, args: string[], lines: readonly string[], setupCount: number, kill: Kill, onHead?: () => void): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let head: number | null = null;
    let sent = 0;
    let killing = false;
    const acks: RunOutcome['acks'] = [];
    child.stdin.on('error', () => {}); // EPIPE after a kill
    const killNow = (): void => {
      killing = true;
      child.kill('SIGKILL');
    };
    if (kill?.beforeHead === true) setTimeout(killNow, kill.afterMs);
    // Resend from the journal's head: stream line i takes seq setupCount + i + 1.
    const pump = (): void => {
      if (head === null || killing) return;
      const from = Math.max(0, head - setupCount);
      while (sent - acks.length < IN_FLIGHT_MAX && from + sent < lines.length) {
        const chunk = lines.slice(from + sent, from + sent + CHUNK_LINES);
        sent += chunk.length;
        child.stdin.write(`${chunk.join('\n')}\n`);
      }
      if (from + sent < lines.length) return;
      // The stream is all sent: the last run closes stdin; a run still to be killed is killed now.
      if (kill === null) child.stdin.end();
      else if (!kill.beforeHead) killNow();
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (head !== null) return;
      const m = HEAD_LINE.exec(stderr);
      if (m === null) return;
      head = Number(m[1]);
      onHead?.();
      pump();
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      const parts = stdout.split('\n');
      stdout = parts.pop() ?? '';
      for (const p of parts) if (p !== '') acks.push(JSON.parse(p) as RunOutcome['acks'][number]);
      if (kill !== null && !kill.beforeHead && !killing && acks.length >= kill.afterAcks) {
        killing = true;
        setTimeout(killNow, kill.jitterMs);
      }
      pump();
    });
    child.on('close', (code, signal) => resolve({ head, acks, stderr, code, signal }));
  });
}

export async function crashRun(o: CrashOptions): Promise<CrashResult> {
  const t0 = performance.now();
  const root = findRepoRoot(import.meta.dirname);
  if (root === undefined) throw new Error('repository root not found');
  const bin = join(root, 'dist', 'src', 'cli', 'main.js');
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-crash-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(STREAM_SCENARIO));
  const { scenario, setup, stream } = decodedStream(o.seed, o.commands);
  const lines = streamCommands(o.seed, o.commands).map((c) => JSON.stringify(c));
  const js = o.jetstream;
  const snapshotEvery = ['--snapshot-every', String(o.snapshotEvery ?? 499)];
  /** The journal file of launch `k`: one file, or with JetStream the two files in turn. */
  const fileOf = (k: number): string => join(dir, js === undefined ? 'journal.db' : `journal-${k % 2}.db`);
  const replication = js === undefined ? [] : ['--jetstream', js.url, '--stream', js.stream];
  const argsOf = (k: number): string[] => ['ingest', '--journal', fileOf(k), '--scenario', scenarioFile, ...snapshotEvery, ...replication];
  const standbyArgsOf = (k: number): string[] =>
    js === undefined
      ? ['ingest', '--journal', fileOf(k), '--standby', '--poll-ms', '10', ...snapshotEvery]
      : ['ingest', '--journal', fileOf(k), '--standby', '--poll-ms', '10', '--takeover-ms', '600', ...snapshotEvery, ...replication];
  let launches = 0;
  const rand = seededRandom(o.seed ^ 0x5eed);
  /** The next run, when it was started beside the current one (failover: the standby). */
  let standby: Promise<RunOutcome> | null = null;
  /**
   * Starts a run; with failover, a run to be killed starts its standby once it takes commands, with the kill that
   * standby will meet as the writer in its turn (none for the last run).
   */
  const launch = (asStandby: boolean, kill: Kill): Promise<RunOutcome> => {
    const k = launches++;
    const runArgs = asStandby ? standbyArgsOf(k) : argsOf(k);
    const onHead =
      o.failover === true && kill !== null
        ? (): void => {
            const nextKill: Kill = kills + 1 >= o.kills ? null : { beforeHead: false, afterAcks: Math.floor(rand() * 300), jitterMs: rand() * 3 };
            standby = launch(true, nextKill);
          }
        : undefined;
    return runOnce(bin, runArgs, lines, setup.length, kill, onHead);
  };
  const failures: string[] = [];
  const acked = new Map<number, RunOutcome['acks'][number]>();
  let lastAcked = 0;
  let kills = 0;
  let killedBeforeHead = 0;
  let runs = 0;
  let tornTails = 0;
  let promotions = 0;
  const total = setup.length + stream.length;
  /**
   * The kill a run started cold meets: one in five during startup (opening, recovery, re-learning units), the rest
   * while commands stream; with failover, always while they stream (a writer killed before it takes commands would
   * leave its standby's own standby unstarted). None for the last run.
   */
  const coldKill = (): Kill => {
    if (kills >= o.kills) return null;
    const beforeHead = o.failover !== true && rand() < 0.2;
    return beforeHead ? { beforeHead, afterMs: rand() * 250 } : { beforeHead, afterAcks: Math.floor(rand() * 300), jitterMs: rand() * 3 };
  };
  while (true) {
    // The standby the previous run started, if any (it met its kill then; this run starts the next one while it runs).
    const started = standby;
    standby = null;
    const r = await (started ?? launch(false, coldKill()));
    runs++;
    if (r.stderr.includes('torn tail truncated')) tornTails++;
    if (r.stderr.includes('ingest: promoted: ')) promotions++;
    if (r.signal === 'SIGKILL') {
      kills++;
      if (r.head === null) killedBeforeHead++;
    } else if (r.code !== 0) {
      failures.push(`run ${runs}: exit ${r.code}: ${r.stderr.trim()}`);
      break;
    }
    if (r.head !== null && r.head < lastAcked) failures.push(`run ${runs}: head ${r.head} is behind acknowledged seq ${lastAcked}: an acknowledged command was lost`);
    let expected = (r.head ?? 0) + 1;
    for (const a of r.acks) {
      if (a.seq !== expected) failures.push(`run ${runs}: acknowledgement of seq ${a.seq}, expected ${expected} (gap or duplicate)`);
      if (acked.has(a.seq)) failures.push(`run ${runs}: seq ${a.seq} acknowledged twice`);
      acked.set(a.seq, a);
      expected = a.seq + 1;
      lastAcked = Math.max(lastAcked, a.seq);
    }
    if (failures.length > 0 || r.signal !== 'SIGKILL') break;
  }
  // The journal against a clean in-memory run of the same commands: with JetStream, the stream's copy in a new file.
  let checked = fileOf(0);
  if (js !== undefined) {
    checked = join(dir, 'from-stream.db');
    const log = await JetStreamLog.open({ url: js.url, stream: js.stream });
    const store = SqliteJournalStore.open(checked, { durability: 'full' });
    try {
      await reconcile(store, log, { publish: false });
    } finally {
      store.close();
      await log.close();
    }
  }
  const de = DurableEngine.openFile(checked, { durability: 'full' });
  const head = de.journal.head();
  if (head !== total) failures.push(`journal head ${head}, expected ${total} commands`);
  const clean = Engine.create(scenario.config, scenario.rulebook);
  const commands = [...setup, ...stream];
  let seq = 0;
  for (const { seq: s, body } of de.journal.bodies(1)) {
    seq++;
    const command = commands[s - 1];
    if (command === undefined || s !== seq || body.toString('utf8') !== entryBody(command, clean.apply(command))) {
      failures.push(`record ${s} differs from the clean run's command ${seq} and its events`);
      break;
    }
    const a = acked.get(s);
    if (a !== undefined) {
      const e = de.journal.parse(s, body);
      if (a.command !== e.command.kind || a.events !== e.events.length) failures.push(`acknowledgement of seq ${s} (${a.command}, ${a.events} events) differs from its record`);
    }
  }
  if (encodeSnapshot(de.engine.snapshot()) !== encodeSnapshot(clean.snapshot())) failures.push('the recovered state differs from the clean run');
  if (stateRootOf(de.engine) !== stateRootOf(clean)) failures.push('the state root (Merkle sum root) differs from the clean run');
  de.close();
  return { kills, killedBeforeHead, runs, acked: acked.size, head, tornTails, promotions, ms: performance.now() - t0, failures };
}
