/* global console, performance, process */
// What the engine pays to read K random accounts of the 1M bench world (the walk's world) with the caches evicted (a
// 128 MB sweep) before each round, median per account over 60 rounds: the exact evaluation of each account found by
// its id (serial); the same after a first loop touching all K accounts (ahead: their positions and balances;
// aheadShallow: one field) to see whether independent misses overlap; the id lookup alone (getOnly); the evaluation of
// accounts fetched before the eviction (evalOnly) and of accounts found by number in an array (noOnly). A measurement
// (docs/performance.md "2026-12-06, s55"); usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=64 --no-allocation-site-pretenuring scripts/cold-accounts.mjs [K=40]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { evaluateMaintenance } = await import(`${dist}/src/core/margin/evaluate.js`);
const { engine } = await walkWorld(dist, 1_000_000, { callIntervalMs: 1000 });
const s = engine.s;
const ids = [...s.accounts.keys()].filter((id) => !id.startsWith('venue:') && id !== 'insurance');
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const junk = new Float64Array(16 * 1024 * 1024); // 128 MB to evict caches
const evict = () => { let x = 0; for (let i = 0; i < junk.length; i += 8) x += junk[i]++; return x; };
const K = Number(process.argv[2] ?? 40);
const touch = (a) => { let n = 0; for (const p of a.positions.values()) n += p.size > 0n ? 1 : 0; for (const b of a.balances.values()) n += b > 0n ? 1 : 0; return n; };
let sink = 0;
const res = { serial: [], ahead: [], aheadShallow: [], getOnly: [], evalOnly: [], noOnly: [] };
const byNo = [...s.accounts.values()];
for (let round = 0; round < 60; round++) {
  for (const mode of ['serial', 'ahead', 'aheadShallow', 'getOnly', 'evalOnly', 'noOnly']) {
    const pick = Array.from({ length: K }, () => ids[Math.floor(rand() * ids.length)]);
    evict();
    const objs = mode === 'evalOnly' ? pick.map((id) => s.accounts.get(id)) : null;
    const nos = mode === 'noOnly' ? pick.map((id) => s.accounts.get(id).no) : null;
    if (objs !== null || nos !== null) evict();
    const t = performance.now();
    if (mode === 'getOnly') { for (const id of pick) sink += s.accounts.get(id).no; res[mode].push((performance.now() - t) * 1000 / K); continue; }
    if (mode === 'evalOnly') { for (const a of objs) { const ev = evaluateMaintenance(s, a); sink += ev.priced ? 1 : 0; } res[mode].push((performance.now() - t) * 1000 / K); continue; }
    if (mode === 'noOnly') { for (const no of nos) { const ev = evaluateMaintenance(s, byNo[no]); sink += ev.priced ? 1 : 0; } res[mode].push((performance.now() - t) * 1000 / K); continue; }
    if (mode === 'ahead') for (const id of pick) sink += touch(s.accounts.get(id));
    if (mode === 'aheadShallow') for (const id of pick) sink += s.accounts.get(id).positions.size;
    for (const id of pick) { const ev = evaluateMaintenance(s, s.accounts.get(id)); sink += ev.priced ? 1 : 0; }
    res[mode].push((performance.now() - t) * 1000 / K);
  }
}
for (const [m, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(m, 'median µs per account', v[v.length >> 1].toFixed(2), 'p10', v[Math.floor(v.length * 0.1)].toFixed(2)); }
console.log(sink > 0);
