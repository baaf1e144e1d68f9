/* global process, performance, console */
// CPU profile of recovery itself (DurableEngine.openFile: snapshot load + restore, then the checked pass that
// replays the tail), on a journal built beforehand as `npm run bench -- journal-recovery` builds it.
// usage: npm run build, then
//   node scripts/profile-recovery.mjs build JOURNAL ACCOUNTS TAIL      (once: the bench's journal, kept on disk;
//     BAILIFF_BENCH_CALL_INTERVAL_MS as the bench reads it: the world's rulebook is the genesis's)
//   node scripts/profile-recovery.mjs profile JOURNAL OUT_PREFIX       (OUT_PREFIX.cpuprofile; no profile: OUT_PREFIX -)
//   node scripts/profile-recovery.mjs restore JOURNAL                  (the newest snapshot's restore alone, timed)
// BAILIFF_DIST=file:///path/to/other/dist runs another build's code (back-to-back comparisons).
//   node scripts/summarize-cpuprofile.mjs OUT_PREFIX.cpuprofile 40
// The journal is opened read-write (a torn tail would be cut): build a fresh one per experiment if in doubt.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [mode, path] = [process.argv[2], process.argv[3]];
const { DurableEngine } = await import(`${dist}/src/journal/durable.js`);
if (mode === 'build') {
  const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { Journal } = await import(`${dist}/src/journal/journal.js`);
  const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
  const { TEST_CONFIG } = await import(`${dist}/src/core/engine/testkit.js`);
  const { JOURNAL_FORMAT_VERSION } = await import(`${dist}/src/journal/types.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  const [accounts, tail] = [Number(process.argv[4]), Number(process.argv[5])];
  const markets = 10;
  const world = buildWorld({ accounts, markets, seed: 42 });
  const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'relaxed' }), { genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: world.rulebook } });
  journal.writeSnapshot(world.snapshot(), (h) => h);
  const rand = rng(7);
  const px = Array.from({ length: markets }, () => START_PRICE);
  let batch = [];
  let events = 0;
  for (let i = 0; i < tail; i++) {
    const m = i % markets;
    px[m] = (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n; // as bench/journal.ts
    const command = { kind: 'price', tsMs: world.timeMs + 1, market: `M${m}-PERP`, mark: price(px[m]) };
    const ev = world.apply(command);
    events += ev.length;
    batch.push({ command, events: ev, seq: world.seq });
    if (batch.length === 10_000) {
      journal.append(batch);
      batch = [];
    }
  }
  journal.append(batch);
  journal.close();
  console.log(`built ${path}: ${accounts} accounts, ${tail} ticks, ${(events / tail).toFixed(2)} events a tick`);
} else if (mode === 'restore') {
  // The snapshot restore alone, in a fresh process: Journal.attach, loadSnapshotForRestore + Engine.restore.
  const { Journal } = await import(`${dist}/src/journal/journal.js`);
  const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
  const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
  const journal = Journal.attach(SqliteJournalStore.open(path, { durability: 'relaxed', readOnly: true }));
  const seq = journal.snapshots().at(-1).seq;
  // The indexes' part of the restore (Engine.indexRestored: the breach indexes and the ADL mirror built on the
  // accounts read), timed apart.
  const indexRestored = Engine.prototype.indexRestored;
  let indexMs = 0;
  Engine.prototype.indexRestored = function () {
    const t0 = performance.now();
    indexRestored.call(this);
    indexMs = performance.now() - t0;
  };
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const engine = Engine.restore(journal.loadSnapshotForRestore(seq));
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  console.log(`restore of snapshot ${seq}: ${ms.toFixed(0)} ms wall (indexes ${indexMs.toFixed(0)} ms), ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; heap ${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(2)} GiB, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB; seq ${engine.seq}`);
  journal.close();
} else {
  const out = process.argv[4];
  const session = new Session();
  if (out !== '-') {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const de = DurableEngine.openFile(path, { durability: 'relaxed' });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  if (out !== '-') {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(profile));
  }
  const r = de.recovery;
  console.log(`recovery ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU: restore ${r.timings.restoreMs.toFixed(0)} ms, replay ${r.timings.replayMs.toFixed(0)} ms (${r.replayed} records); rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB; snapshot root ${de.journal.snapshots()[0]?.contentHash.slice(0, 12)}`);
  if (process.env.BAILIFF_STATE_HASH === '1') {
    // The recovered state, to compare builds: the SHA-256 of its canonical snapshot and its Merkle sum root.
    const { createHash } = await import('node:crypto');
    const { encodeSnapshot } = await import(`${dist}/src/core/engine/snapshot.js`);
    const { stateRootOf } = await import(`${dist}/src/journal/state-root.js`);
    const hash = createHash('sha256').update(encodeSnapshot(de.engine.snapshot())).digest('hex');
    console.log(`recovered state: snapshot sha256 ${hash}, state root ${stateRootOf(de.engine)}`);
  }
  de.close();
}
