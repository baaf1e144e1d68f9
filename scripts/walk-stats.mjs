/* global process, console */
// What the +-10 bp walk (scripts/walk-world.mjs, the bench's world and maker) does a tick, counted: its events by kind,
// the ticks that call or clear margin calls, how many accounts were called and how many are called at the end, and the breach index's and the
// margin-call levels' counters (BreachIndexStats) a tick. No timings. Why (s70): most of the walk's margin-call work is
// a few accounts called and cleared again and again (docs/performance.md "2026-12-07, s70").
// The indexes are read through the engine's private fields (`index`, `calls`): a measurement script, not an API.
// usage: npm run build, then
//   node --max-old-space-size=8000 scripts/walk-stats.mjs [ACCOUNTS=200000] [TICKS=10000] [WARM=2000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, ticks, warm] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 10_000), Number(process.argv[4] ?? 2_000)];
const { engine, tick } = await walkWorld(dist, accounts);
for (let i = 0; i < warm; i++) tick();
const breach = engine.index;
const levels = engine.calls?.levelIndex ?? null;
const before = [breach.stats(), levels?.stats() ?? null];
const kinds = {};
let callTicks = 0;
const calledAccounts = new Set();
for (let i = 0; i < ticks; i++) {
  let calls = false;
  for (const e of tick()) {
    kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    if (e.kind === 'MarginCall' || e.kind === 'MarginCallCleared') calls = true;
    if (e.kind === 'MarginCall') calledAccounts.add(e.account);
  }
  if (calls) callTicks++;
}
const perTick = (from, to) => Object.fromEntries(Object.keys(to).map((k) => [k, Number(((to[k] - from[k]) / ticks).toFixed(3))]));
console.log(JSON.stringify({ accounts, ticks, warm, events: kinds, callTicks, accountsCalled: calledAccounts.size, calledAtEnd: engine.state.enforcement.marginCalled.size }));
console.log('breach index, a tick:', JSON.stringify(perTick(before[0], breach.stats())));
if (levels !== null && before[1] !== null) console.log('margin-call levels, a tick:', JSON.stringify(perTick(before[1], levels.stats())));
