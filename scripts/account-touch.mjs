/* global process, performance, console */
// What touching one account costs: the float slack screen (triggers/slack-screen.ts) against the exact evaluation
// (margin/evaluate.ts evaluateAccount) of the bench world's cross accounts holding two or more positions, on 1,000
// accounts over and over (in cache) and on all of them in a scattered order (cold: the account's objects, Maps and
// bigints fetched from memory). Both at the maintenance view and at the margin-call view (requirements x 1.25).
// usage: npm run build, then node --max-old-space-size=8192 scripts/account-touch.mjs [ACCOUNTS=200000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld } = await import(`${dist}/bench/world.js`);
const { screenLedgerSlack, SlackScreen } = await import(`${dist}/src/core/triggers/slack-screen.js`);
const { evaluateAccount } = await import(`${dist}/src/core/margin/evaluate.js`);
const accounts = Number(process.argv[2] ?? 200_000);
const engine = buildWorld({ accounts, markets: 10, seed: 42 });
const s = engine.state;
const multi = [...s.accounts.values()].filter((a) => a.positions.size >= 2 && [...a.positions.values()].every((p) => p.isolatedMargin === null));
console.log(`${accounts.toLocaleString('en')} accounts; ${multi.length.toLocaleString('en')} cross accounts with 2+ positions`);
const screen = new SlackScreen();
const CALLS = 200_000;
const ns = (ms, n) => `${((ms * 1e6) / n).toFixed(0)} ns`;
const scattered = (i) => multi[(i * 7919) % multi.length]; // 7919 is prime: every account, far apart in memory
for (const [name, view] of [['maintenance', s], ['call level', Object.create(s, { requirementScalePpm: { value: 1_250_000n } })]]) {
  for (let round = 0; round < 3; round++) {
    let proven = 0;
    let t = performance.now();
    for (let i = 0; i < CALLS; i++) if (screenLedgerSlack(view, multi[i % 1000], null, screen)) proven++;
    const hot = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < CALLS; i++) if (screenLedgerSlack(view, scattered(i), null, screen)) proven++;
    const cold = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < CALLS / 4; i++) evaluateAccount(view, scattered(i));
    const exact = performance.now() - t;
    console.log(`${name}, round ${round + 1}: screen ${ns(hot, CALLS)} in cache, ${ns(cold, CALLS)} scattered; exact evaluation scattered ${ns(exact, CALLS / 4)} (${proven} screens proven)`);
  }
}
