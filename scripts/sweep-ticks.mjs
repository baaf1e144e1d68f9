/* global process, performance, console */
// With margin calls swept at an interval (rulebook marginCallIntervalMs): the +-10 bp walk of bench/walk.ts (maker
// re-quoted every 20 ticks of a market, untimed) with each tick timed and told apart: ticks that swept the calls
// (Engine.callsSettled false before, true after; or MarginCall events) and the others. Prints the count, mean, p50,
// p99 and max of each, and the calls announced per sweep.
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/sweep-ticks.mjs ACCOUNTS TICKS INTERVAL_MS
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const [accounts, ticks, interval] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 20_000), Number(process.argv[4] ?? 1000)];
const d = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { engine, tick } = await walkWorld(d, accounts, { callIntervalMs: interval }); // bench/walk.ts's walk
const sweeps = [];
const others = [];
let calls = 0;
for (let i = 0; i < ticks; i++) {
  const settledBefore = engine.callsSettled;
  let ms = 0;
  const events = tick((command) => {
    const s = performance.now();
    const out = engine.apply(command);
    ms = performance.now() - s;
    return out;
  });
  const called = events.filter((e) => e.kind === 'MarginCall').length;
  calls += called;
  if ((!settledBefore && engine.callsSettled) || called > 0) sweeps.push({ ms, called });
  else others.push(ms);
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return `${s.length} ticks, mean ${mean.toFixed(3)} ms, p50 ${q(0.5).toFixed(3)}, p99 ${q(0.99).toFixed(3)}, max ${(s[s.length - 1] ?? NaN).toFixed(3)} ms`;
};
console.log(`${accounts} accounts, ${ticks} ticks, calls swept every ${interval} ms: ${calls} MarginCall`);
console.log(`sweeps: ${stats(sweeps.map((x) => x.ms))}; calls a sweep mean ${(calls / Math.max(1, sweeps.length)).toFixed(1)}`);
console.log(`  the first five sweeps: ${sweeps.slice(0, 5).map((x) => `${x.ms.toFixed(1)} ms (${x.called} calls)`).join(', ')}`);
console.log(`others: ${stats(others)}`);
