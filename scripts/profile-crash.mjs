/* global process, performance, console, structuredClone */
// CPU profile of bench/crash.ts's crash tick (one price command dropping M0-PERP by DROP_PCT in the bench world, with
// every liquidation, fund takeover and ADL it causes), in memory. Prints the tick's wall and CPU time, its events by
// kind and the SHA-256 of the JSON of all its events (as scripts/crash-ab.mjs, so the hashes compare).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 scripts/profile-crash.mjs ACCOUNTS DROP_PCT OUT_PREFIX [ROUNDS]
//   node scripts/summarize-cpuprofile.mjs OUT_PREFIX.cpuprofile 40
// Each of ROUNDS (default 1) ticks runs on a fresh restore of the same world; only the last is profiled, so ROUNDS > 1
// profiles warm code, as scripts/crash-ab.mjs's later rounds run (the first tick of a process runs much of the
// waterfall cold: interpreted, then compiled). OUT_PREFIX `-` profiles none.
// Add `--max-inlined-bytecode-size=0` after `node` to see the callees V8 would inline (slower, but attributed).
import { Session } from 'node:inspector/promises';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, START_PRICE } = await import(`${dist}/bench/world.js`);
const { quoteMaker, setupMaker } = await import(`${dist}/bench/maker.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const [accounts, drop, out, rounds] = [Number(process.argv[2] ?? 200_000), BigInt(process.argv[3] ?? 10), process.argv[4] ?? 'crash', Number(process.argv[5] ?? 1)];

// The world as bench/crash.ts builds it: maker, 4,000 warm-up ticks, the maker re-quoted at the crash price.
const world = buildWorld({ accounts, markets: 10, seed: 42 });
setupMaker(world, 10);
for (let i = 0; i < 4000; i++) {
  const m = i % 10;
  const px = i % 20 < 10 ? (START_PRICE * 10_005n) / 10_000n : START_PRICE;
  world.apply({ kind: 'price', tsMs: world.timeMs + 1, market: `M${m}-PERP`, mark: price(px) });
}
const crash = (START_PRICE * (100n - drop)) / 100n;
quoteMaker(world, 0, crash, world.timeMs + 1);
const snap = world.snapshot();
const cmd = { kind: 'price', tsMs: world.timeMs + 1, market: 'M0-PERP', mark: price(crash) };

const profile = out !== '-';
const session = new Session();
session.connect();
for (let r = 0; r < rounds; r++) {
  const engine = Engine.restore(structuredClone(snap));
  globalThis.gc?.();
  const profiled = profile && r === rounds - 1;
  if (profiled) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const c0 = process.cpuUsage();
  const t = performance.now();
  const events = engine.apply(cmd);
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c0);
  if (profiled) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(p));
  }
  const json = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const kinds = {};
  for (const e of events) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  console.log(JSON.stringify({ drop: Number(drop), ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), events: events.length, hash, kinds }));
}
