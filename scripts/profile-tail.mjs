/* global process, performance, console */
// CPU profiles of Engine.restore and of Engine.apply over a +-5 bp price tail (the ticks `npm run bench --
// journal-recovery` replays), in memory: no journal, so each profile holds only the engine's work.
// usage: npm run build, then
//   node scripts/profile-tail.mjs ACCOUNTS TAIL OUT_PREFIX
//   node scripts/summarize-cpuprofile.mjs OUT_PREFIX-apply.cpuprofile 40
// Add `--max-inlined-bytecode-size=0` after `node` to see the callees V8 would inline (slower, but attributed).
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const [accounts, tail, out] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 200_000), process.argv[4] ?? 'tail'];
const MARKETS = 10;

const world = buildWorld({ accounts, markets: MARKETS, seed: 42 });
// The snapshot through text and back, as a journal would hand it to the restore (bigints as "123n").
const text = JSON.stringify(world.snapshot(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
const snapshot = JSON.parse(text, (_k, v) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
const rand = rng(7);
const px = Array.from({ length: MARKETS }, () => START_PRICE);
const commands = [];
for (let i = 0; i < tail; i++) {
  const m = i % MARKETS;
  px[m] = (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n; // as bench/journal.ts
  commands.push({ kind: 'price', tsMs: world.timeMs + 1, market: `M${m}-PERP`, mark: price(px[m]) });
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const profiled = async (name, fn) => {
  await session.post('Profiler.start');
  const t = performance.now();
  const result = fn();
  const ms = performance.now() - t;
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(`${out}-${name}.cpuprofile`, JSON.stringify(profile));
  return { result, ms };
};
const restored = await profiled('restore', () => Engine.restore(snapshot));
const applied = await profiled('apply', () => {
  let events = 0;
  for (const c of commands) events += restored.result.apply(c).length;
  return events;
});
console.log(`restore ${restored.ms.toFixed(0)} ms; apply ${applied.ms.toFixed(0)} ms (${((1000 * applied.ms) / tail).toFixed(1)} µs a tick, ${applied.result} events); profiles ${out}-restore.cpuprofile, ${out}-apply.cpuprofile`);
