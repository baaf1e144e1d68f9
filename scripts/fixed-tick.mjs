/* global process, performance, console */
// The fixed cost of a price command: ticks that cross no threshold (each market's mark moved by one atom and back),
// so what is timed is what every tick pays before any ledger is re-checked (the command's checks, time passing, the
// price's guards, both indexes looking at their heaps and bands, the margin-call follow-up). The bench world
// (bench/world.ts); WARM untimed ticks first, then three rounds of TICKS, each printed as µs a tick. OUT: a CPU profile
// of the timed rounds (`-`: none), for scripts/summarize-cpuprofile.mjs.
// usage: npm run build, then
//   node --max-semi-space-size=64 --no-allocation-site-pretenuring scripts/fixed-tick.mjs [ACCOUNTS=100000] [TICKS=1000000] [OUT=-] [DIR=.]
// DIR: the checkout whose dist/ is measured (two builds compared in separate processes, alternating).
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [accounts, ticks, out, dir] = [Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 1_000_000), process.argv[4] ?? '-', process.argv[5] ?? '.'];
if (!(accounts > 0 && ticks > 0)) {
  console.error('usage: fixed-tick.mjs [ACCOUNTS>0] [TICKS>0] [OUT|-] [DIR]');
  process.exit(2);
}
const dist = pathToFileURL(resolve(dir, 'dist')).href;
const { buildWorld, START_PRICE } = await import(`${dist}/bench/world.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const MARKETS = 10;
const WARM = 20_000;

const world = buildWorld({ accounts, markets: MARKETS, seed: 42 });
const tsMs = world.timeMs + 1;
// Each market at START_PRICE + 1 atom, then back: no boundary lies between two neighbouring atoms once the first
// ticks have liquidated what the world starts with in breach.
const commands = Array.from({ length: 2 * MARKETS }, (_, i) => ({ kind: 'price', tsMs, market: `M${i % MARKETS}-PERP`, mark: price(START_PRICE + BigInt(Math.floor(i / MARKETS))) }));
for (let i = 0; i < WARM; i++) world.apply(commands[i % commands.length]);

const session = new Session();
session.connect();
if (out !== '-') {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
let events = 0;
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < ticks; i++) events += world.apply(commands[i % commands.length]).length;
  console.log(`${accounts.toLocaleString('en')} accounts, round ${round + 1}: ${((1000 * (performance.now() - t)) / ticks).toFixed(3)} µs a tick`);
}
if (out !== '-') {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
}
// A tick here emits nothing; any event means the ticks crossed something and the figure is not the fixed cost.
console.log(`${events} events in the timed rounds${events === 0 ? '' : ' (not a fixed cost: something crossed)'}`);
