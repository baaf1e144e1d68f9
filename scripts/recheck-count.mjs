/* global process, console */
// How many re-checks the breach index and the margin-call levels make on the +-5 bp recovery tail (the ticks
// tail-steady.mjs applies to the bench world), counted, not timed: BreachIndex.stats() before and after TAIL ticks,
// per tick, with the events hashed. Counts are deterministic, so two builds (BAILIFF_DIST) compare exactly even on a
// noisy machine: a change to how thresholds are armed shows here as fewer re-checks and the same events hash.
// usage: npm run build, then
//   node --max-old-space-size=14000 scripts/recheck-count.mjs [ACCOUNTS=100000] [WARM=20000] [TAIL=200000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, tailTicks } = await import(`${dist}/bench/world.js`);
const [accounts, warm, tail] = [Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 20_000), Number(process.argv[4] ?? 200_000)];
const MARKETS = 10;

const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
const nextTick = tailTicks(MARKETS, rng(7)); // the journal-recovery bench's tail
const from = engine.timeMs + 1;
for (let i = 0; i < warm; i++) engine.apply(nextTick(i, from));
const indexes = { 'breach index': engine.index, 'margin-call levels': engine.calls.levels };
const before = Object.fromEntries(Object.entries(indexes).map(([k, ix]) => [k, ix.stats()]));
const hash = createHash('sha256');
let events = 0;
for (let i = warm; i < warm + tail; i++) {
  const out = engine.apply(nextTick(i, from));
  events += out.length;
  for (const e of out) hash.update(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}
console.log(`${accounts.toLocaleString('en')} accounts, ${tail.toLocaleString('en')} ticks: ${(events / tail).toFixed(3)} events a tick; events sha256 ${hash.digest('hex').slice(0, 16)}`);
for (const [name, ix] of Object.entries(indexes)) {
  const now = ix.stats();
  const keys = Object.keys(now).filter((k) => typeof now[k] === 'number' && now[k] !== before[name][k]);
  console.log(`  ${name} a tick: ${keys.map((k) => `${k} ${((now[k] - before[name][k]) / tail).toFixed(4)}`).join(', ')}`);
}
