/* global process, console, performance, Buffer */
// Where a snapshot's time goes at scale, step by step, on the bench world (ACCOUNTS accounts, 10 markets): the
// engine's snapshot(), its canonical bytes (in parts, or one text for a build from before the parts), their content
// hash, the SQLite write (one transaction, fsync), and the Merkle state root's first build (a service's first
// snapshot builds it; later ones rehash only the accounts touched since). A DurableEngine takes all of these while its
// commands wait.
// usage: npm run build, then
//   node --max-old-space-size=8192 --max-semi-space-size=32 scripts/snapshot-time.mjs [ACCOUNTS=1000000] [CHECKOUT=.]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

const accounts = Number(process.argv[2] ?? 1_000_000);
const dist = `${pathToFileURL(resolve(process.argv[3] ?? '.')).href}/dist`;
const { buildWorld } = await import(`${dist}/bench/world.js`);
const stream = await import(`${dist}/src/journal/snapshot-stream.js`);
const { CanonicalEncoder } = await import(`${dist}/src/journal/canonical.js`);
const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
const { StateRootTracker } = await import(`${dist}/src/journal/state-root.js`);

const world = buildWorld({ accounts, markets: 10, seed: 42 });
let t = performance.now();
const lap = (what) => {
  const now = performance.now();
  console.log(`${what}: ${((now - t) / 1000).toFixed(2)} s`);
  t = now;
};
const snap = world.snapshot();
lap(`${accounts.toLocaleString('en')} accounts: Engine.snapshot()`);
const parts = stream.encodeSnapshotParts === undefined ? [Buffer.from(new CanonicalEncoder().encode(snap), 'utf8')] : stream.encodeSnapshotParts(snap);
lap(`canonical bytes (${parts.length} part${parts.length === 1 ? '' : 's'}, ${parts.reduce((n, p) => n + p.length, 0).toLocaleString('en')} bytes)`);
const hash = createHash('sha256');
for (const p of parts) hash.update(p);
const contentHash = hash.digest('hex');
lap('content hash (SHA-256)');
const store = SqliteJournalStore.open(join(mkdtempSync(join(tmpdir(), 'snapshot-time-')), 'j.db'), { durability: 'full' });
store.putSnapshot({ seq: 0, contentHash, stateRoot: contentHash }, stream.encodeSnapshotParts === undefined ? parts[0] : parts);
lap('SQLite write (WAL, synchronous=FULL)');
store.close();
new StateRootTracker(world, true);
lap('the Merkle state root, first build');
