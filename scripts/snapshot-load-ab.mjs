/* global process, console, performance, gc, setTimeout */
// A journal's newest snapshot loaded for a restore (Journal.loadSnapshotForRestore: its parts read, hashed, its
// accounts found) and every account decoded, no engine: two or more builds alternating in one process, ROUNDS rounds
// (the order reversed every other round), with the median total of each. Run it once per process (ROUNDS 1) in turns
// to see what a fresh process pays (first writes to new pages: docs/performance.md).
// usage: npm run build, then
//   node --expose-gc --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/snapshot-load-ab.mjs JOURNAL ROUNDS DIR...
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [path, rounds] = [process.argv[2], Number(process.argv[3])];
const builds = [];
for (const dir of process.argv.slice(4)) {
  const dist = pathToFileURL(resolve(dir, 'dist')).href;
  builds.push({
    dir,
    Journal: (await import(`${dist}/src/journal/journal.js`)).Journal,
    Store: (await import(`${dist}/src/journal/sqlite.js`)).SqliteJournalStore,
    totals: [],
  });
}
for (let r = 0; r < rounds; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
    gc();
    await new Promise((done) => setTimeout(done, 500));
    const journal = b.Journal.attach(b.Store.open(path, { durability: 'relaxed', readOnly: true }));
    const seq = journal.snapshots().at(-1).seq;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const snap = journal.loadSnapshotForRestore(seq);
    const t1 = performance.now();
    let positions = 0;
    for (const a of snap.accounts) positions += a.positions.length;
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    journal.close();
    b.totals.push(t2 - t0);
    console.log(`${b.dir}: load ${(t1 - t0).toFixed(0)} ms, accounts ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (${positions} positions)`);
  }
}
for (const b of builds) console.log(`${b.dir}: median total ${[...b.totals].sort((x, y) => x - y)[b.totals.length >> 1].toFixed(0)} ms`);
