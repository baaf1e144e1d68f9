/* global process, console, performance */
// exactBoundaryOf's cost a search, two builds in one process, alternating: the bench world's single-position cross
// ledgers (ACCOUNTS accounts, 10 markets), each searched in the breach index's view and in a margin-call view
// (requirements x 1.25), REPS times a round. Prints ns a search and a hash of the boundaries (equal: the same ones).
// usage: npm run build, then node scripts/boundary-search.mjs [ACCOUNTS] DIR... (e.g. 100000 /tmp/base .)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const accounts = Number(process.argv[2] ?? 100_000);
const dirs = process.argv.slice(3);
const REPS = 5;
const mods = [];
for (const dir of dirs) {
  const dist = pathToFileURL(resolve(dir, 'dist')).href;
  mods.push({ dir, bounds: await import(`${dist}/src/core/triggers/bounds.js`), world: await import(`${dist}/bench/world.js`) });
}
const engine = mods[0].world.buildWorld({ accounts, markets: 10, seed: 42 });
const s = engine.state;
const items = [];
for (const a of s.accounts.reading()) {
  if (a.positions.size !== 1) continue;
  const p = [...a.positions.values()][0];
  if (p.isolatedMargin !== null) continue;
  items.push({ p, cash: a.balances.get(s.settlementAsset) ?? 0n });
}
// A margin-call view: the state's, every requirement x 1.25 (margin-calls.ts levelViews makes the engine's).
const callView = Object.create(s, { requirementScalePpm: { value: 1_250_000n } });
console.log(`${items.length} single-position cross ledgers`);
for (let round = 0; round < 6; round++) {
  for (const m of round % 2 === 0 ? mods : [...mods].reverse()) {
    let h = 0;
    const t = performance.now();
    for (let rep = 0; rep < REPS; rep++) {
      for (const v of [s, callView]) {
        for (const it of items) {
          const b = m.bounds.exactBoundaryOf(v, it.p, it.cash, s.rulebook.breachRule, null, null);
          h = (h * 31 + (b === null ? -1 : b.boundary)) | 0;
        }
      }
    }
    const ms = performance.now() - t;
    console.log(`round ${round} ${m.dir}: ${((ms * 1e6) / (items.length * 2 * REPS)).toFixed(0)} ns a search, hash ${h}`);
  }
}
