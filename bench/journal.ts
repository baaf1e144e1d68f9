// The journal's benchmarks.
//
// journal-append: commands journaled per second on SQLite with synchronous=FULL (an fsync per commit), by group
// size: one commit per command (the baseline) up to 10,000 commands per commit; then the whole DurableEngine.submit
// path (apply + frame + commit) and what framing alone costs. Commands: the seeded stream of src/sim/command-stream.ts
// (prices, fills, deposits, orders; ~2 events each), applied once in memory first so every run journals the same
// entries. Issue 16's target: >= 200k commands/s with group commit.
//
// journal-recovery: a journal holding a snapshot of the bench world (world.ts: BAILIFF_BENCH_ACCOUNTS accounts, 10
// markets) and a tail of BAILIFF_BENCH_TAIL price ticks (+-5 bp walks, default 1,000,000) after it; timed, in a fresh
// process as a restart runs it (bench/recovery-process.ts): opening it as `bailiff ingest` does (DurableEngine.openFile: check every record, load and check the snapshot, restore, replay
// the tail comparing events byte for byte), with its two steps as the recovery report times them; then each phase
// alone, finer, to show where the time goes. Target: < 10 s.
// The append bench's commands are the sim stream's mix (0.93 events per command, ~520-byte records); a venue whose
// commands carry more events per command writes proportionally more bytes per command.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../src/core/engine/commands.js';
import { Engine } from '../src/core/engine/engine.js';
import { TEST_CONFIG } from '../src/core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../src/core/rulebooks/presets.js';
import { CommitWorker } from '../src/journal/commit-worker.js';
import { DurableEngine, type RecoveryReport, type SnapshotReport } from '../src/journal/durable.js';
import { SNAPSHOT_SLICE_MS } from '../src/service/engine-host.js';
import { settleAfterRecovery } from '../src/cli/ingest.js';
import { ENGINE_NODE_FLAGS } from '../src/cli/node-flags.js';
import { Journal } from '../src/journal/journal.js';
import { encodeEntryBatch, parseEntryCommand, ZERO_HASH } from '../src/journal/record.js';
import { canonicalJson } from '../src/core/engine/snapshot.js';
import { hash as sha256 } from 'node:crypto';
import { SqliteJournalStore } from '../src/journal/sqlite.js';
import type { Durability } from '../src/journal/store.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../src/journal/types.js';
import { decodedStream } from '../src/sim/command-stream.js';
import { benchInt, elapsedMs, type BenchReport } from './report.js';
import { buildWorld, rng, tailTicks } from './world.js';

const tmpJournal = (): string => join(mkdtempSync(join(tmpdir(), 'bailiff-bench-journal-')), 'journal.db');
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;

/** Appends `entries` to a new journal in groups of `group`, timed from the first commit to the last. */
function timeAppend(genesis: JournalGenesis, entries: readonly JournalEntry[], group: number, durability: Durability): { ms: number; bytes: number } {
  const path = tmpJournal();
  const journal = Journal.open(SqliteJournalStore.open(path, { durability }), { genesis });
  const start = process.hrtime.bigint();
  for (let i = 0; i < entries.length; i += group) journal.append(entries.slice(i, i + group));
  const ms = elapsedMs(start);
  journal.close();
  const bytes = statSync(path).size;
  rmSync(path, { force: true });
  return { ms, bytes };
}

/** As timeAppend, with each commit on the commit worker while the next batch is framed (Journal.appendAsync). */
async function timeAppendPipelined(genesis: JournalGenesis, entries: readonly JournalEntry[], group: number): Promise<{ ms: number }> {
  const path = tmpJournal();
  const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }), { genesis });
  const worker = await CommitWorker.start(path, 'full');
  const start = process.hrtime.bigint();
  const commits: Promise<void>[] = [];
  for (let i = 0; i < entries.length; i += group) {
    commits.push(journal.appendAsync(entries.slice(i, i + group), worker));
    // Let finished commits resolve now and then (as a service's event loop would), at most 4 batches in flight.
    if (worker.inFlight >= 4) await commits[commits.length - 4];
  }
  await Promise.all(commits);
  const ms = elapsedMs(start);
  await worker.close();
  journal.close();
  rmSync(path, { force: true });
  return { ms };
}

export async function benchJournalAppend(): Promise<BenchReport> {
  const n = benchInt('BAILIFF_BENCH_COMMANDS', 200_000);
  const { scenario, setup, stream } = decodedStream(3, n);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const engine = Engine.create(scenario.config, scenario.rulebook);
  const commands: Command[] = [...setup, ...stream];
  const entries: JournalEntry[] = commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
  const events = entries.reduce((s, e) => s + e.events.length, 0);
  const lines: string[] = [`${entries.length.toLocaleString('en')} commands, ${(events / entries.length).toFixed(2)} events each on average`];

  // Framing alone, as Journal.append does it: 1,000 entries per batch, canonical JSON + SHA-256 per record, no I/O.
  // Best of 3 passes (the first one also warms the JIT and the encoder's shapes), beside the earlier path: core
  // canonicalJson (sorting every object's keys), Buffer.from, SHA-256.
  let recordBytes = 0;
  let frameMs = Infinity;
  let referenceMs = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    let prev: Buffer = ZERO_HASH;
    recordBytes = 0;
    const fs = process.hrtime.bigint();
    for (let i = 0; i < entries.length; i += 1_000) {
      const b = encodeEntryBatch(entries.slice(i, i + 1_000), prev);
      prev = b.hash;
      recordBytes += b.bytes.length;
    }
    frameMs = Math.min(frameMs, elapsedMs(fs));
    const rs = process.hrtime.bigint();
    for (const e of entries) sha256('sha256', Buffer.from(canonicalJson({ command: e.command, events: e.events }), 'utf8'), 'buffer');
    referenceMs = Math.min(referenceMs, elapsedMs(rs));
  }
  lines.push(`framing only (canonical JSON + SHA-256 per record, 1,000 per batch; best of 3): ${rate(entries.length, frameMs)}, ${(recordBytes / entries.length).toFixed(0)} bytes per record`);
  lines.push(`  the same bodies by core canonicalJson + Buffer.from + SHA-256 (the earlier path; best of 3): ${rate(entries.length, referenceMs)}`);

  // One commit per command: the baseline (on a sample: each commit waits for its fsync).
  const single = entries.slice(0, Math.min(entries.length, 2_000));
  const one = timeAppend(genesis, single, 1, 'full');
  const oneRate = single.length / one.ms;
  lines.push(`full (fsync per commit), 1 command per commit: ${rate(single.length, one.ms)} (${single.length.toLocaleString('en')} commands; baseline)`);
  for (const group of [10, 100, 1_000, 10_000]) {
    const r = timeAppend(genesis, entries, group, 'full');
    lines.push(`full, ${group.toLocaleString('en')} per commit: ${rate(entries.length, r.ms)}, ${(entries.length / r.ms / oneRate).toFixed(0)}x the baseline; file ${(r.bytes / 2 ** 20).toFixed(0)} MiB`);
  }
  // Pipelined: framing on this thread overlaps the previous batch's INSERT + fsync on the commit worker's thread.
  for (const group of [1_000, 10_000]) {
    let best = Infinity;
    const runs: string[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const r = await timeAppendPipelined(genesis, entries, group);
      best = Math.min(best, r.ms);
      runs.push(rate(entries.length, r.ms));
    }
    lines.push(`full, ${group.toLocaleString('en')} per commit, pipelined (commit worker; best of 3: ${runs.join(', ')}): ${rate(entries.length, best)}, ${(entries.length / best / oneRate).toFixed(0)}x the baseline`);
  }
  const relaxed = timeAppend(genesis, entries, 1_000, 'relaxed');
  lines.push(`relaxed (WAL + NORMAL), 1,000 per commit: ${rate(entries.length, relaxed.ms)}`);

  // The whole path: apply + frame + commit, as `bailiff ingest` does after decoding.
  for (const group of [1_000, 10_000]) {
    const path = tmpJournal();
    const de = DurableEngine.openFile(path, { genesis, durability: 'full' });
    const start = process.hrtime.bigint();
    for (let i = 0; i < commands.length; i += group) de.submit(commands.slice(i, i + group));
    const ms = elapsedMs(start);
    de.close();
    rmSync(path, { force: true });
    lines.push(`DurableEngine.submit (apply + frame + commit), ${group.toLocaleString('en')} per commit: ${rate(commands.length, ms)}`);
  }
  for (const group of [1_000, 10_000]) {
    const path = tmpJournal();
    const de = DurableEngine.openFile(path, { genesis, durability: 'full' });
    const worker = await CommitWorker.start(path, 'full');
    const start = process.hrtime.bigint();
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < commands.length; i += group) {
      batches.push(de.submitPipelined(commands.slice(i, i + group), worker));
      if (worker.inFlight >= 4) await batches[batches.length - 4];
    }
    await Promise.all(batches);
    const ms = elapsedMs(start);
    await worker.close();
    de.close();
    rmSync(path, { force: true });
    lines.push(`DurableEngine.submitPipelined (apply + frame, commit on the worker), ${group.toLocaleString('en')} per commit: ${rate(commands.length, ms)}`);
  }
  const applyEngine = Engine.create(scenario.config, scenario.rulebook);
  const as = process.hrtime.bigint();
  for (const c of commands) applyEngine.apply(c);
  lines.push(`Engine.apply alone on the same commands: ${rate(commands.length, elapsedMs(as))}`);
  return { name: 'journal append (SQLite, group commit)', lines };
}

/**
 * The recovery bench's journal (untimed for the target): the world as the snapshot at seq 0, then the tail. Run in a
 * process of its own (bench/recovery-journal-process.ts: buildInOwnProcess).
 */
export function buildRecoveryJournal(path: string, genesis: JournalGenesis, accounts: number, markets: number, tail: number): string[] {
  const lines: string[] = [];
  let t = process.hrtime.bigint();
  const world = buildWorld({ accounts, markets, seed: 42 });
  const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }), { genesis });
  const info = journal.writeSnapshot(world.snapshot(), (contentHash) => contentHash);
  lines.push(`setup: world of ${accounts.toLocaleString('en')} accounts built and snapshotted in ${(elapsedMs(t) / 1000).toFixed(1)} s (snapshot ${info.seq})`);
  t = process.hrtime.bigint();
  // +-5 bp around the start price, as bench/crash.ts warms up.
  const nextTick = tailTicks(markets, rng(7));
  let batch: JournalEntry[] = [];
  for (let i = 0; i < tail; i++) {
    const command = nextTick(i, world.timeMs + 1);
    batch.push({ command, events: world.apply(command), seq: world.seq });
    if (batch.length === 10_000) {
      journal.append(batch);
      batch = [];
    }
  }
  journal.append(batch);
  journal.close();
  lines.push(`setup: ${tail.toLocaleString('en')} price ticks applied and journaled in ${(elapsedMs(t) / 1000).toFixed(1)} s; file ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB`);
  return lines;
}

type RecoveryTimes = { ms: number; snapshotSeq: number | null; replayed: number; rssBytes: number } & RecoveryReport['timings'];

/** buildRecoveryJournal in a process of its own, which exits before recovery starts (recovery-journal-process.ts says why). */
function buildInOwnProcess(path: string, accounts: number, markets: number, tail: number): string[] {
  const script = fileURLToPath(new URL('./recovery-journal-process.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', ...ENGINE_NODE_FLAGS, script, path, String(accounts), String(markets), String(tail)], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the journal's build failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim()) as string[];
}

/**
 * Recovery as `bailiff ingest` runs it, in a fresh process with the engine's node flags (bench/recovery-process.ts):
 * what a restart costs. Timed in this process instead, after building the world, it took ~0.7-1 s more (s58: 10.7-10.8
 * s against 9.8-10.2 s in fresh processes): the build's grown heap.
 */
function timeRecovery(path: string): RecoveryTimes {
  const script = fileURLToPath(new URL('./recovery-process.js', import.meta.url));
  const r = spawnSync(process.execPath, [...ENGINE_NODE_FLAGS, script, path], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the recovery process failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim()) as RecoveryTimes;
}

export function benchJournalRecovery(accounts: number): BenchReport {
  const tail = benchInt('BAILIFF_BENCH_TAIL', 1_000_000, 0);
  const markets = 10;
  const path = tmpJournal();
  const lines = buildInOwnProcess(path, accounts, markets, tail);
  const gc = (globalThis as { gc?: () => void }).gc;
  const r = timeRecovery(path);
  const totalMs = r.ms;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  lines.push(`RECOVERY (DurableEngine.openFile, in a fresh process): ${s(totalMs)} — snapshot ${r.snapshotSeq} + ${r.replayed.toLocaleString('en')} replayed, rss ${(r.rssBytes / 2 ** 30).toFixed(2)} GiB after it (target < 10 s)`);
  // Inside that one recovery (RecoveryReport.timings): GC on the heap as it grows is in these figures.
  lines.push(`  in it: snapshot loaded, checked and restored (each account decoded and indexed as the restore reads it, then kept unread until a command reads it): ${s(r.restoreMs)}`);
  lines.push(`  in it: one pass over the records, each checked (frame, checksum, chain) and the tail replayed, events compared byte for byte: ${s(r.replayMs)}`);
  if (r.callsResumeMs > 0) {
    // The margin calls taken from the records (docs/journal.md "Margin calls from the records"): their index caught up once.
    lines.push(`    the margin calls taken from the records (every other event compared), their index brought up to the state at the end: ${s(r.callsResumeMs)}`);
    // The records whose calls the check thread read while the snapshot was restored (record-check-worker.ts).
    lines.push(`    records with margin calls whose calls the record-check thread read ahead, while the snapshot was restored (the replay did not read them): ${r.callsReadAhead.toLocaleString('en')}`);
  }
  if (r.checkWorkerMs !== null) {
    // The records were read and checked on a worker thread (record-check-pipeline.ts) from the start of recovery.
    lines.push(`    the records read and checked on the worker thread (its own time, its waits for this thread excluded, overlapping the two steps above): ${s(r.checkWorkerMs)}; this thread waited for them ${s(r.checkWaitMs)}`);
  }
  if (r.boundaryThread !== null) {
    // The restore's exact-boundary searches, run ahead on a second thread (journal/boundary-thread.ts).
    const b = r.boundaryThread;
    lines.push(`    the restore's exact boundaries searched ahead on a second thread: ${b.submitted.toLocaleString('en')} single-position ledgers sent, ${b.used.toLocaleString('en')} boundaries taken by the indexes, ${b.late.toLocaleString('en')} asked for before the thread had them`);
  }
  lines.push(`  in it: the rest (opening SQLite, reading the genesis): ${s(totalMs - r.restoreMs - r.replayMs)}`);
  gc?.();

  // Where the time goes, finer: each phase again, alone, in this process (its heap already grown by the recovery
  // above: these run with fewer full GCs than a fresh process does). Recovery does the record checks and the tail
  // read in its one pass; they are apart here only to be timed.
  let t = process.hrtime.bigint();
  const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }));
  const openMs = elapsedMs(t);
  lines.push(`  alone: every record's frame, checksum and chain checked: ${s(openMs)}`);
  t = process.hrtime.bigint();
  let decoded = 0;
  for (const _ of journal.loadSnapshotForRestore(0).accounts) decoded++;
  const decodeMs = elapsedMs(t);
  lines.push(`  alone: snapshot read, content hash, ${decoded.toLocaleString('en')} accounts decoded (one by one): ${s(decodeMs)}`);
  t = process.hrtime.bigint();
  const engine = Engine.restore(journal.loadSnapshotForRestore(0));
  const restoreMs = elapsedMs(t);
  lines.push(`  alone: the same + Engine.restore (state, breach and margin-call indexes, ADL mirror; accounts left unread: ${engine.state.accounts.unreadAccounts.toLocaleString('en')}): ${s(restoreMs)}, so Engine.restore ~${s(restoreMs - decodeMs)}`);
  t = process.hrtime.bigint();
  const commands: Command[] = [];
  for (const { seq, body } of journal.bodies(1)) commands.push(parseEntryCommand(seq, body.toString('utf8')));
  const readMs = elapsedMs(t);
  lines.push(`  alone: tail read, records checked again, commands parsed: ${s(readMs)} (${rate(commands.length, readMs)})`);
  t = process.hrtime.bigint();
  for (const c of commands) engine.apply(c);
  const applyMs = elapsedMs(t);
  lines.push(`  alone: Engine.apply of the tail: ${s(applyMs)} (${rate(commands.length, applyMs)})`);
  journal.close();
  rmSync(path, { force: true });
  return { name: `journal recovery (${accounts.toLocaleString('en')} accounts + ${tail.toLocaleString('en')}-command tail)`, lines };
}

/**
 * What commands wait for while a service snapshots (issue 16's service; the snapshot job, snapshot-job.ts): the
 * world's journal is recovered, then price ticks are submitted in batches of BATCH with a snapshot due every EVERY
 * commands: two snapshots, the first of which builds the state root's tree and the second updates it. Each batch is
 * timed from its submit to the end of the snapshot work it is followed by: with 'inline', the snapshot written whole
 * right after the batch that made it due (as before); with 'caller', captured then and written SNAPSHOT_SLICE_MS at a
 * time after each batch, as EngineHost does. The worst batch is what a liquidation would have waited for.
 */
export async function benchSnapshotStall(accounts: number): Promise<BenchReport> {
  const markets = 10;
  const every = benchInt('BAILIFF_BENCH_SNAPSHOT_EVERY', 20_000);
  const batchSize = 100;
  const path = tmpJournal();
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK };
  const lines = buildRecoveryJournal(path, genesis, accounts, markets, 0);
  const s = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  // Each mode on its own copy of the same journal (the world's snapshot at seq 0, nothing after).
  const copies = { inline: `${path}.inline`, caller: `${path}.caller` };
  for (const copy of Object.values(copies)) copyFileSync(path, copy);
  for (const mode of ['inline', 'caller'] as const) {
    const reports: SnapshotReport[] = [];
    const de = DurableEngine.openFile(copies[mode], { durability: 'full', snapshotEvery: every, snapshotWork: mode, onSnapshot: (r) => reports.push(r) });
    // As `bailiff serve` and `bailiff ingest` do before their first command: recovery's garbage collected.
    const settled = await settleAfterRecovery(de.recovery);
    const nextTick = tailTicks(markets, rng(11));
    const waits: number[] = [];
    /** Per batch: its window (performance.now() ms) and the snapshot's phase before and after it. */
    const windows: { from: number; to: number; before: string; after: string }[] = [];
    const gcs: { from: number; to: number; kind: number }[] = [];
    const gcSeen = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push({ from: e.startTime, to: e.startTime + e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) });
    });
    gcSeen.observe({ entryTypes: ['gc'] });
    let i = 0;
    const started = process.hrtime.bigint();
    // Two snapshots written, then on to the next due point (or the second one's end in 'caller' mode).
    while (reports.length < 2) {
      const batch: Command[] = [];
      for (let k = 0; k < batchSize; k++, i++) {
        batch.push(nextTick(i, de.engine.timeMs + 1));
      }
      const t = process.hrtime.bigint();
      const from = performance.now();
      const before = de.snapshotPhase ?? 'none';
      de.submit(batch);
      if (mode === 'caller') de.workSnapshot(SNAPSHOT_SLICE_MS);
      waits.push(elapsedMs(t));
      windows.push({ from, to: performance.now(), before, after: de.snapshotPhase ?? 'none' });
    }
    const totalMs = elapsedMs(started);
    de.close();
    // GC entries arrive after the fact: let them in before attributing them.
    await new Promise((r) => setTimeout(r, 100));
    gcSeen.disconnect();
    const sorted = [...waits].sort((a, b) => a - b);
    const pct = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    lines.push(
      `${mode === 'inline' ? "'inline' (the whole snapshot after the batch that made it due)" : `'caller' (captured, then ${SNAPSHOT_SLICE_MS} ms a batch)`}: ${i.toLocaleString('en')} commands in ${waits.length.toLocaleString('en')} batches of ${batchSize}, ${s(totalMs)}; a batch's wait p50 ${s(pct(0.5))}, p99 ${s(pct(0.99))}, p99.9 ${s(pct(0.999))}, WORST ${s(sorted.at(-1) as number)}`,
      `  after recovery${settled === '' ? ': nothing collected (a short recovery)' : settled}`,
    );
    // The slowest batches, with the GC pauses inside each (V8 kinds: 1 scavenge, 4 mark-compact, ...) and the phase.
    const slowest = windows.map((w, k) => ({ ...w, k, ms: waits[k] as number })).sort((a, b) => b.ms - a.ms).slice(0, 3);
    for (const w of slowest) {
      const inside = gcs.filter((g) => g.to > w.from && g.from < w.to);
      const gcMs = inside.reduce((n, g) => n + Math.min(g.to, w.to) - Math.max(g.from, w.from), 0);
      lines.push(`  a slow batch (#${(w.k + 1).toLocaleString('en')}): ${s(w.ms)}, of which GC ${s(gcMs)} (${inside.filter((g) => g.kind === 4).length} mark-compact); snapshot ${w.before} -> ${w.after}`);
    }
    rmSync(copies[mode], { force: true });
    for (const r of reports) lines.push(`  snapshot ${r.seq}${r.error === undefined ? '' : ' FAILED'}: capture ${s(r.captureMs)}, then ${s(r.workMs)} of work in ${r.slices.toLocaleString('en')} slice(s), stored ${s(r.elapsedMs)} after its capture`);
  }
  rmSync(path, { force: true });
  return { name: `snapshot stall (${accounts.toLocaleString('en')} accounts, a snapshot every ${every.toLocaleString('en')} commands)`, lines };
}
