/* global process, console, performance, gc */
// Engine.restore in its phases, as recovery runs them on a journal's newest snapshot, each timed with the process's
// page faults (minor faults: first writes to new pages, ~11 µs each on the VM of docs/performance.md), its JS heap and
// its typed arrays after it: the snapshot loaded (read, hashed, its accounts found), the state's frame with the
// indexes' tables reserved, the accounts built, the indexes' pass.
// usage: npm run build, then
//   node --expose-gc --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/restore-phases.mjs JOURNAL
// Options (environment): GC=1 a full GC after the accounts (their garbage out of the indexes' pass); PRETOUCH=1 every
// table the indexes reserved written once a page before the accounts (what the pass costs without its faults);
// TOUCH=1 two passes over every account's positions and balances before the indexes (reading the accounts, cold and
// warm). BAILIFF_DIST=file:///path/to/dist runs another build. Calls the engine's private constructor and
// indexRestored (a measurement script, not an API).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { Journal } = await import(`${dist}/src/journal/journal.js`);
const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const { restoreFrame, restoreContents, accountCountHint } = await import(`${dist}/src/core/engine/snapshot.js`);
const journal = Journal.attach(SqliteJournalStore.open(process.argv[2], { durability: 'relaxed', readOnly: true }));
const seq = journal.snapshots().at(-1).seq;
const MiB = (b) => (b / 2 ** 20).toFixed(0);
let faults = process.resourceUsage().minorPageFault;
let t = performance.now();
const phase = (name, extra = '') => {
  const now = process.resourceUsage().minorPageFault;
  const mu = process.memoryUsage();
  console.log(`${name.padEnd(12)} ${(performance.now() - t).toFixed(0).padStart(6)} ms, ${String(now - faults).padStart(7)} page faults; heap ${MiB(mu.heapUsed)} MiB, typed arrays ${MiB(mu.arrayBuffers)} MiB${extra}`);
  faults = now;
  t = performance.now();
};

const snap = journal.loadSnapshotForRestore(seq);
phase('load');
const s = restoreFrame(snap);
const engine = new Engine(s, {}, accountCountHint(snap.accounts));
phase('tables');
if (process.env.PRETOUCH) {
  const seen = new Set();
  let bytes = 0;
  const visit = (o, depth) => {
    if (o === null || typeof o !== 'object' || seen.has(o) || depth > 7) return;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      const u = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      // The byte it holds, written back: a write (the page fault) that changes nothing.
      for (let i = 0; i < u.length; i += 4096) u[i] |= 0;
      bytes += o.byteLength;
      return;
    }
    if (o instanceof Map || o instanceof Set) return;
    for (const k of Object.keys(o)) if (k !== 's' && k !== 'view' && k !== 'baseView') visit(o[k], depth + 1);
  };
  visit(engine.index, 0);
  visit(engine.calls, 0);
  visit(engine.adlMirror, 0);
  phase('pretouch', ` (${MiB(bytes)} MiB of tables)`);
}
restoreContents(s, snap);
phase('accounts');
if (process.env.GC) {
  gc();
  phase('gc');
}
if (process.env.TOUCH) {
  for (const pass of ['cold', 'warm']) {
    let n = 0;
    for (const a of s.accounts.values()) {
      for (const p of a.positions.values()) n += p.size > 0n ? 1 : 0;
      for (const b of a.balances.values()) n += b > 0n ? 1 : 0;
    }
    phase(`read ${pass}`, ` (${n} positions and balances > 0)`);
  }
}
engine.indexRestored(engine.bulkIndexes());
phase('indexes');
journal.close();
