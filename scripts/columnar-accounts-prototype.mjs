/* global process, console, performance, gc */
// A measurement prototype, not the product: what would a restore's accounts cost as columns of typed arrays instead
// of objects? Reads a snapshot written by scripts/restore-snapshot.mjs one account at a time, as recovery reads it
// (decodeSnapshotForRestore), and keeps the accounts one of three ways, in a fresh process per run:
//   decode   : nothing kept (the decoder's own cost: the floor under both others);
//   objects  : what restoreContents builds: an Account with its balances and positions Maps and Position objects, in
//              a Map by id, numbered in order (no holders, no indexes);
//   columns  : an id -> number Map, the settlement balance and up to MAX_POSITIONS positions per account in typed
//              arrays (market slot, size, entryQuote, fundingIndex, isolated margin), an account with more, or with
//              other collateral or debt, kept as its decoded object (none in the bench world).
// It prints wall and CPU time and the heap after a full GC. docs/performance.md "2026-12-05, evening": the numbers.
// usage: npm run build, then
//   SNAP=/tmp/snap1m.json node --expose-gc --max-old-space-size=14000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/columnar-accounts-prototype.mjs decode|objects|columns
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const mode = process.argv[2];
if (!['decode', 'objects', 'columns'].includes(mode ?? '') || process.env.SNAP === undefined) {
  console.error('usage: SNAP=FILE node --expose-gc scripts/columnar-accounts-prototype.mjs decode|objects|columns');
  process.exit(2);
}
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { decodeSnapshotForRestore } = await import(`${dist}/src/journal/snapshot-stream.js`);
const { accountCountHint } = await import(`${dist}/src/core/engine/snapshot.js`);
gc();
gc();

const MAX_POSITIONS = 4;
const c0 = process.cpuUsage();
const t0 = performance.now();
// The snapshot's bytes are read inside: not what a mode keeps, they are garbage after it.
const snap = decodeSnapshotForRestore(readFileSync(process.env.SNAP));
const settlement = snap.config.settlement.asset;
const n = accountCountHint(snap.accounts);
let count = 0;
// What each mode keeps (on globalThis: alive until the end, as an engine's state would be).
let others = 0;
let columnBytes = 0;
if (mode === 'decode') {
  let sum = 0n;
  for (const a of snap.accounts) {
    for (const p of a.positions) sum += p.size;
    count++;
  }
  globalThis.kept = sum;
} else if (mode === 'objects') {
  const accounts = new Map();
  for (const a of snap.accounts) {
    const positions = new Map();
    for (const p of a.positions) positions.set(p.market, { market: p.market, size: p.size, entryQuote: p.entryQuote, fundingIndex: p.fundingIndex, isolatedMargin: p.isolatedMargin });
    accounts.set(a.id, { id: a.id, no: accounts.size, balances: new Map(a.balances), positions, borrows: new Map(a.borrows) });
    count++;
  }
  globalThis.kept = accounts;
} else {
  const marketSlot = new Map(snap.markets.map((m, i) => [m.spec.id, i]));
  const no = new Map();
  const ids = new Array(n);
  const cash = new BigInt64Array(n);
  const positionCount = new Uint8Array(n);
  const market = new Int16Array(n * MAX_POSITIONS);
  const size = new BigInt64Array(n * MAX_POSITIONS);
  const entryQuote = new BigInt64Array(n * MAX_POSITIONS);
  const fundingIndex = new BigInt64Array(n * MAX_POSITIONS);
  const isolatedMargin = new BigInt64Array(n * MAX_POSITIONS);
  const isolated = new Uint8Array(n * MAX_POSITIONS);
  const othersMap = new Map(); // accounts the columns cannot hold, as decoded
  for (const a of snap.accounts) {
    const i = count++;
    no.set(a.id, i);
    ids[i] = a.id;
    const plain = a.positions.length <= MAX_POSITIONS && a.borrows.length === 0 && a.balances.every(([asset]) => asset === settlement);
    if (!plain) {
      othersMap.set(i, a);
      continue;
    }
    for (const [, amount] of a.balances) cash[i] = amount;
    positionCount[i] = a.positions.length;
    let k = i * MAX_POSITIONS;
    for (const p of a.positions) {
      market[k] = marketSlot.get(p.market) ?? -1;
      size[k] = p.size;
      entryQuote[k] = p.entryQuote;
      fundingIndex[k] = p.fundingIndex;
      if (p.isolatedMargin !== null) {
        isolated[k] = 1;
        isolatedMargin[k] = p.isolatedMargin;
      }
      k++;
    }
  }
  globalThis.kept = { no, ids, cash, positionCount, market, size, entryQuote, fundingIndex, isolatedMargin, isolated, others: othersMap };
  others = othersMap.size;
  columnBytes = [cash, positionCount, market, size, entryQuote, fundingIndex, isolatedMargin, isolated].reduce((t, a) => t + a.byteLength, 0);
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
gc();
const heap = process.memoryUsage();
console.log(
  `${mode}: ${count} accounts in ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; after a full GC heap ${(heap.heapUsed / 2 ** 20).toFixed(0)} MiB` +
    (mode === 'columns' ? ` and the columns' ${(columnBytes / 2 ** 20).toFixed(0)} MiB; ${others} accounts kept as objects` : ''),
);
