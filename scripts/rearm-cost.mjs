/* global process, performance, console */
// What a re-arm costs: every account of the bench world re-armed in the breach index and the margin-call levels (the
// engine's `reindex` after a command or a liquidation step changes an account), a third of them a round, five rounds,
// after two warm-up passes. Prints the mean per account of each round. One build per process: run it alternately
// for two builds (a scratch version measured 2026-12-05, evening, docs/performance.md).
// usage: npm run build, then
//   node --max-old-space-size=8000 --max-semi-space-size=64 --no-allocation-site-pretenuring scripts/rearm-cost.mjs DIR [ACCOUNTS=200000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, accounts] = [process.argv[2] ?? '.', Number(process.argv[3] ?? 200_000)];
const dist = pathToFileURL(resolve(dir, 'dist')).href;
const { buildWorld } = await import(`${dist}/bench/world.js`);
const world = buildWorld({ accounts, markets: 10, seed: 42 });
const ids = [...world.state.accounts.keys()].filter((id) => !id.startsWith('venue:'));
// The engine's own indexes (private fields of Engine, read here as a measurement would).
const index = world.index;
const calls = world.calls;
if (index === undefined || calls === undefined || calls === null) throw new Error('the bench world has no breach index or margin-call levels');
const scratch = [];
for (let r = 0; r < 2; r++) for (let i = 0; i < ids.length; i += 7) index.reindex(ids[i]);
const rounds = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  let n = 0;
  for (let i = r; i < ids.length; i += 3) {
    index.reindex(ids[i]);
    calls.reindex(ids[i], scratch);
    scratch.length = 0;
    n++;
  }
  rounds.push(((performance.now() - t) * 1000) / n);
}
console.log(`${dir}: µs a re-armed account (breach index + margin-call levels), by round: ${rounds.map((x) => x.toFixed(3)).join(' ')}`);
