/* global process, console, performance, Buffer */
// What a snapshot decoded on a second thread would leave the main thread (a measurement prototype, not the engine's
// path): the swept journal's newest snapshot's accounts (1) decoded from their text as a restore does
// (decodeSnapshotForRestore), against (2) made from what a worker would hand over instead: each account's id as bytes
// in one shared buffer and its amounts as integers in typed arrays (filled here beforehand, untimed), the main thread
// making the same AccountSnapshot objects (the id a latin1 string, the amounts bigints, one string a market). Four
// rounds each, alternating; the accounts' count and a checksum over their amounts must agree.
// usage: npm run build, then node --max-semi-space-size=64 scripts/decode-split-prototype.mjs JOURNAL
import { dist, newestSnapshotParts } from './newest-snapshot.mjs';

const { decodeSnapshotForRestore } = await import(`${dist}/src/journal/snapshot-stream.js`);
const { parts } = await newestSnapshotParts(process.argv[2]);

// The worker's output, made here once: per account its id's span in `idBytes`, its balances and positions.
const accounts = [...decodeSnapshotForRestore(parts).accounts];
const n = accounts.length;
const markets = [];
const assets = [];
const idAt = new Int32Array(n + 1);
let idLength = 0;
for (const a of accounts) idLength += a.id.length;
const idBytes = Buffer.alloc(idLength);
let balanceCount = 0;
let positionCount = 0;
for (const a of accounts) {
  balanceCount += a.balances.length;
  positionCount += a.positions.length;
}
const balanceAt = new Int32Array(n + 1);
const balanceAsset = new Int32Array(balanceCount);
const balanceAmount = new BigInt64Array(balanceCount);
const positionAt = new Int32Array(n + 1);
const positionMarket = new Int32Array(positionCount);
const positionFigures = new BigInt64Array(positionCount * 4); // size, entry, funding, isolated margin
const positionIsolated = new Uint8Array(positionCount);
let at = 0;
let b = 0;
let p = 0;
const indexOf = (list, id) => {
  let i = list.indexOf(id);
  if (i < 0) i = list.push(id) - 1;
  return i;
};
accounts.forEach((a, k) => {
  idAt[k] = at;
  at += idBytes.write(a.id, at, 'latin1');
  balanceAt[k] = b;
  for (const [asset, amount] of a.balances) {
    balanceAsset[b] = indexOf(assets, asset);
    balanceAmount[b++] = amount;
  }
  positionAt[k] = p;
  for (const q of a.positions) {
    positionMarket[p] = indexOf(markets, q.market);
    positionFigures[4 * p] = q.size;
    positionFigures[4 * p + 1] = q.entryQuote;
    positionFigures[4 * p + 2] = q.fundingIndex;
    positionFigures[4 * p + 3] = q.isolatedMargin ?? 0n;
    positionIsolated[p++] = q.isolatedMargin === null ? 0 : 1;
  }
});
idAt[n] = at;
balanceAt[n] = b;
positionAt[n] = p;
accounts.length = 0;

function* fromColumns() {
  for (let k = 0; k < n; k++) {
    const balances = [];
    for (let i = balanceAt[k]; i < balanceAt[k + 1]; i++) balances.push([assets[balanceAsset[i]], balanceAmount[i]]);
    const positions = [];
    for (let i = positionAt[k]; i < positionAt[k + 1]; i++) {
      positions.push({ entryQuote: positionFigures[4 * i + 1], fundingIndex: positionFigures[4 * i + 2], isolatedMargin: positionIsolated[i] === 1 ? positionFigures[4 * i + 3] : null, market: markets[positionMarket[i]], size: positionFigures[4 * i] });
    }
    yield { balances, borrows: [], id: idBytes.latin1Slice(idAt[k], idAt[k + 1]), positions };
  }
}

const sum = (source) => {
  let count = 0;
  let check = 0n;
  for (const a of source) {
    count++;
    for (const [, amount] of a.balances) check += amount;
    for (const q of a.positions) check += q.size + q.entryQuote;
  }
  return { count, check };
};
for (let round = 0; round < 4; round++) {
  for (const [name, source] of round % 2 === 0 ? [['text', () => decodeSnapshotForRestore(parts).accounts], ['columns', fromColumns]] : [['columns', fromColumns], ['text', () => decodeSnapshotForRestore(parts).accounts]]) {
    const t = performance.now();
    const r = sum(source());
    console.log(`round ${round} ${name}: ${r.count} accounts in ${(performance.now() - t).toFixed(0)} ms (checksum ${r.check})`);
  }
}
