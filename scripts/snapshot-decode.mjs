/* global process, console, performance, Buffer */
// A journal's newest snapshot decoded alone, its accounts read in order as a restore reads them (decodeSnapshotForRestore
// over the stored parts, already in memory): what decoding costs without the restore's indexes. Four rounds.
// usage: npm run build, then node --max-semi-space-size=64 scripts/snapshot-decode.mjs JOURNAL
// BAILIFF_DIST=file:///path/to/dist runs another build.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
const { decodeSnapshotForRestore } = await import(`${dist}/src/journal/snapshot-stream.js`);
const store = SqliteJournalStore.open(process.argv[2], { durability: 'relaxed', readOnly: true });
const seq = store.snapshotInfos().at(-1).seq;
const parts = store.snapshotParts(seq).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
store.close();
for (let round = 0; round < 4; round++) {
  const t = performance.now();
  let accounts = 0;
  let positions = 0;
  for (const a of decodeSnapshotForRestore(parts).accounts) {
    accounts++;
    positions += a.positions.length;
  }
  console.log(`snapshot ${seq}: ${accounts} accounts (${positions} positions) decoded in ${(performance.now() - t).toFixed(0)} ms`);
}
