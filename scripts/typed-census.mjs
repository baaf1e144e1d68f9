/* global process, console */
// The typed arrays the bench world's engine holds, by owner path: length and bytes, to see the growth slack of the
// tables grown by doubling (bench/world.ts's world with the maker and warm-up ticks, as scripts/heap-census.mjs).
// Cheap enough for 1M accounts (no heap snapshot). Usage:
//   node --expose-gc --max-old-space-size=8192 scripts/typed-census.mjs [dist=./dist] [accounts=1000000] [ticks=2000] [isolated]
// (isolated: walk-isolated's world, every position isolated)
import { censusWorld } from './census-world.mjs';

const { world, accounts, ticks } = await censusWorld(1_000_000);
const mu = process.memoryUsage();
const MiB = (b) => (b / 2 ** 20).toFixed(1);
console.log(`${accounts} accounts, ${ticks} ticks: rss ${MiB(mu.rss)} MiB, heapUsed ${MiB(mu.heapUsed)} MiB, external ${MiB(mu.external)} MiB, arrayBuffers ${MiB(mu.arrayBuffers)} MiB`);

// Walk the engine's objects (not into the big Maps' values: accounts are not typed arrays), one path per typed array.
const seen = new Set();
const found = new Map(); // path with indices collapsed -> { n, length, bytes }
function walk(v, path, depth) {
  if (v === null || typeof v !== 'object' || seen.has(v) || depth > 8) return;
  seen.add(v);
  if (ArrayBuffer.isView(v)) {
    const key = path.replace(/\[\d+\]/g, '[]');
    const f = found.get(key) ?? { n: 0, length: 0, bytes: 0 };
    f.n++;
    f.length += v.length;
    f.bytes += v.byteLength;
    found.set(key, f);
    return;
  }
  if (v instanceof Map || v instanceof Set) {
    if (v.size > 1000) return;
    let i = 0;
    for (const x of v.values()) walk(x, `${path}[${i++}]`, depth + 1);
    return;
  }
  if (Array.isArray(v)) {
    if (v.length > 1000) return;
    v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const k of Object.getOwnPropertyNames(v)) walk(v[k], `${path}.${k}`, depth + 1);
}
walk(world, 'engine', 0);
let total = 0;
for (const [k, f] of [...found].sort((a, b) => b[1].bytes - a[1].bytes)) {
  total += f.bytes;
  if (f.bytes >= 2 ** 20) console.log(`${MiB(f.bytes).padStart(8)} MiB  ${String(f.length).padStart(10)} elements in ${String(f.n).padStart(3)}  ${k}`);
}
console.log(`${MiB(total).padStart(8)} MiB in all typed arrays reached`);
