/* global process, console, performance, Buffer */
// Snapshot read A/B: the same snapshot bytes of the bench world stored by two builds' SQLite stores, BASE's as it
// stores them (before 2026-12-04: one blob) and NEW's (in parts: encodeSnapshotParts), each read back ROUNDS times in
// alternating order, with the minor page faults of each read and a check that both give the same bytes.
// usage: npm run build (in both checkouts), then
//   node --expose-gc --max-old-space-size=8192 scripts/snapshot-read-ab.mjs BASE_CHECKOUT NEW_CHECKOUT [ACCOUNTS=1000000] [ROUNDS=6]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

const [base, neu] = [process.argv[2], process.argv[3]].map((d) => pathToFileURL(resolve(d ?? '.')).href);
const [accounts, rounds] = [Number(process.argv[4] ?? 1_000_000), Number(process.argv[5] ?? 6)];
const { buildWorld } = await import(`${neu}/dist/bench/world.js`);
const { encodeSnapshotParts } = await import(`${neu}/dist/src/journal/snapshot-stream.js`);
const B = await import(`${base}/dist/src/journal/sqlite.js`);
const N = await import(`${neu}/dist/src/journal/sqlite.js`);
const snap = buildWorld({ accounts, markets: 10, seed: 42 }).snapshot();
const parts = encodeSnapshotParts(snap);
const whole = Buffer.concat(parts);
const dir = mkdtempSync(join(tmpdir(), 'snapshot-read-ab-'));
const stores = [
  ['base', B.SqliteJournalStore.open(join(dir, 'base.db'), { durability: 'full' })],
  ['new', N.SqliteJournalStore.open(join(dir, 'new.db'), { durability: 'full' })],
];
// A store from before the parts takes one buffer; one with them, the parts.
const takesParts = (store) => store.constructor.prototype.putSnapshot.toString().includes('snapshot_parts');
stores[0][1].putSnapshot({ seq: 0, contentHash: 'x', stateRoot: 'x' }, takesParts(stores[0][1]) ? parts : whole);
stores[1][1].putSnapshot({ seq: 0, contentHash: 'x', stateRoot: 'x' }, parts);
console.log(`${accounts} accounts: ${whole.length} bytes, ${parts.length} parts`);
const want = createHash('sha256').update(whole).digest('hex');
for (let r = 0; r < rounds; r++) {
  for (const [name, store] of r % 2 === 0 ? stores : [...stores].reverse()) {
    globalThis.gc?.();
    const f0 = process.resourceUsage().minorPageFault;
    const t = performance.now();
    // Builds before the parts were read in place had snapshotBytes (one buffer); later ones give the parts.
    const bytes = store.snapshotParts === undefined ? store.snapshotBytes(0) : Buffer.concat(store.snapshotParts(0));
    const ms = performance.now() - t;
    const faults = process.resourceUsage().minorPageFault - f0;
    const same = createHash('sha256').update(bytes).digest('hex') === want;
    console.log(`${name}: read ${ms.toFixed(0)} ms, ${faults} minor page faults, the same bytes: ${same}`);
  }
}
for (const [, store] of stores) store.close();
