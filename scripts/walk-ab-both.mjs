/* global process, console, URL */
// scripts/walk-ab.mjs run twice, the builds in both orders (each run a fresh process), and the geometric mean of the
// two runs' median per-round CPU ratios, NEW / BASE. Why: an A/A run (the same build twice, 2026-12-05, 1M accounts,
// 40,000 ticks of the swept walk) gave the build loaded second a ratio of 0.969 and a 7.6% lower mean on the ticks
// with events; later pairs put that bias anywhere from ~0 to ~10%: one order alone can credit NEW with a gain it did
// not earn. Both orders cancel the bias (their geometric mean); it still moves the estimate by a few percent.
// usage: npm run build (in both checkouts), then
//   node scripts/walk-ab-both.mjs BASE_CHECKOUT NEW_CHECKOUT ACCOUNTS TICKS [walk|tail] [CHUNK]
// (node flags and BAILIFF_BENCH_CALL_INTERVAL_MS pass to both runs: the same as walk-ab's).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [baseDir, newDir, ...rest] = process.argv.slice(2);
if (baseDir === undefined || newDir === undefined) {
  console.error('usage: node scripts/walk-ab-both.mjs BASE_CHECKOUT NEW_CHECKOUT ACCOUNTS TICKS [walk|tail] [CHUNK]');
  process.exit(2);
}
const script = fileURLToPath(new URL('./walk-ab.mjs', import.meta.url));
const flags = ['--max-old-space-size=14000', '--max-semi-space-size=32'];

/** One walk-ab run; returns its median per-round ratio (second build / first) and its output. */
function run(first, second) {
  const r = spawnSync(process.execPath, [...flags, script, first, second, ...rest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`walk-ab ${first} ${second} exited with ${r.status}`);
  const m = /median of per-round ratios \S+ ([\d.]+)/.exec(r.stdout);
  if (m === null) throw new Error(`no ratio in walk-ab's output:\n${r.stdout}`);
  return { ratio: Number(m[1]), out: r.stdout };
}

const forward = run(baseDir, newDir); // NEW / BASE, NEW loaded second
console.log(forward.out);
const backward = run(newDir, baseDir); // BASE / NEW, BASE loaded second
console.log(backward.out);
const newOverBase = Math.sqrt(forward.ratio / backward.ratio);
console.log(`NEW / BASE CPU a tick: ${forward.ratio.toFixed(3)} (NEW loaded second), ${(1 / backward.ratio).toFixed(3)} (NEW loaded first); geometric mean ${newOverBase.toFixed(3)}`);
