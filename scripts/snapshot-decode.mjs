/* global process, console, performance */
// A journal's newest snapshot decoded alone, its accounts read in order as a restore reads them (decodeSnapshotForRestore
// over the stored parts, already in memory): what decoding costs without the restore's indexes. Four rounds.
// usage: npm run build, then node --max-semi-space-size=64 scripts/snapshot-decode.mjs JOURNAL
// BAILIFF_DIST=file:///path/to/dist runs another build.
import { dist, newestSnapshotParts } from './newest-snapshot.mjs';

const { decodeSnapshotForRestore } = await import(`${dist}/src/journal/snapshot-stream.js`);
const { seq, parts } = await newestSnapshotParts(process.argv[2]);
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
