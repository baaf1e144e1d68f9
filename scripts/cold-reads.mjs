/* global console, performance, process */
// What reading one random account's figures costs at 1M accounts, by layout, with the caches evicted before each
// round (a 128 MB sweep): K accounts read in a loop, median per account over 40 rounds. Layouts: 8 float64 fields in
// one row (rows8), the same in 8 columns (cols8), 4 BigInt64 columns (big4), a Map.get of the id (mapGet), an object
// by number from an array (byNoObj), and an account-like object graph read through (two Maps, a position, bigints:
// byNoDeep). A measurement for the account state's layout (docs/performance.md "2026-12-06, s55"); not the engine.
// usage: node --max-old-space-size=14000 --max-semi-space-size=64 scripts/cold-reads.mjs [K=40]
const N = 1_000_000, K = Number(process.argv[2] ?? 40);
const cols = Array.from({ length: 8 }, () => new Float64Array(N).map(() => Math.random()));
const big = Array.from({ length: 4 }, () => new BigInt64Array(N).map((_, i) => BigInt(i)));
// objects like accounts: an object with two Maps and a position with bigints, 1M of them, in a Map by id
const ids = Array.from({ length: N }, (_, i) => `acct-${i.toString(36)}-${(i * 7919) % 1000}`);
const accounts = new Map();
for (let i = 0; i < N; i++) {
  const positions = new Map([[`M${i % 10}`, { market: `M${i % 10}`, size: BigInt(i) * 1000n, entryQuote: BigInt(i) * 97n, fundingIndex: 5n, isolatedMargin: null }]]);
  accounts.set(ids[i], { id: ids[i], no: i, balances: new Map([['USDC', BigInt(i) * 10n]]), positions });
}
const byNo = [...accounts.values()];
const junk = new Float64Array(16 * 1024 * 1024);
const evict = () => { let x = 0; for (let i = 0; i < junk.length; i += 8) x += junk[i]++; return x; };
let sink = 0;
const rows = new Float64Array(N * 8).map(() => Math.random());
const r = { rows8: [], cols8: [], big4: [], mapGet: [], byNoObj: [], byNoDeep: [] };
for (let round = 0; round < 40; round++) {
  for (const m of Object.keys(r)) {
    const pick = Array.from({ length: K }, () => Math.floor(Math.random() * N));
    const pickIds = pick.map((i) => ids[i]);
    evict();
    const t = performance.now();
    if (m === 'rows8') for (const i of pick) { let x = 0; const o = i * 8; for (let k = 0; k < 8; k++) x += rows[o + k]; sink += x; }
    if (m === 'cols8') for (const i of pick) { let x = 0; for (const c of cols) x += c[i]; sink += x; }
    if (m === 'big4') for (const i of pick) { let x = 0n; for (const c of big) x += c[i]; sink += Number(x & 1n); }
    if (m === 'mapGet') for (const id of pickIds) sink += accounts.get(id).no;
    if (m === 'byNoObj') for (const i of pick) sink += byNo[i].no;
    if (m === 'byNoDeep') for (const i of pick) { const a = byNo[i]; let x = a.balances.get('USDC'); for (const p of a.positions.values()) x += p.size - p.entryQuote; sink += Number(x & 1n); }
    r[m].push(((performance.now() - t) * 1000) / K);
  }
}
for (const [m, v] of Object.entries(r)) { v.sort((a, b) => a - b); console.log(m.padEnd(9), 'median µs per account', v[v.length >> 1].toFixed(3)); }
console.log(sink !== 0);
