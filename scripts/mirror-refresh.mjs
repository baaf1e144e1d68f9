/* global process, console, performance */
// What the ADL mirror's refresh of one account costs (AdlMirror.refresh: the end of a command re-reads every account
// the command touched), by the account's number of positions: timed one by one during the swept +-10 bp walk (cold:
// as the walk's liquidation ticks pay it), then the maker's (ten positions) refreshed over and over (warm).
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=64 scripts/mirror-refresh.mjs [ACCOUNTS=1000000] [TICKS=20000]
// Calls the mirror's private refresh (a measurement script, not an API).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const [accounts, ticks] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 20_000)];
const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { engine, tick } = await walkWorld(dist, accounts, { callIntervalMs: 1000 });
const mirror = engine.adlMirror;
const refresh = mirror.refresh.bind(mirror);
const count = new Map(); // positions -> refreshes
const ms = new Map(); // positions -> ms in refresh
mirror.refresh = (id) => {
  const positions = engine.state.accounts.get(id)?.positions.size ?? -1;
  const t = performance.now();
  refresh(id);
  ms.set(positions, (ms.get(positions) ?? 0) + performance.now() - t);
  count.set(positions, (count.get(positions) ?? 0) + 1);
};
let liquidations = 0;
for (let i = 0; i < ticks; i++) liquidations += tick().filter((e) => e.kind === 'LiquidationStarted').length;
mirror.refresh = refresh;
console.log(`${accounts.toLocaleString('en')} accounts, ${ticks.toLocaleString('en')} ticks of the swept walk, ${liquidations} liquidations; refreshes in the walk (cold):`);
for (const [positions, n] of [...count].sort((a, b) => a[0] - b[0])) {
  console.log(`  ${String(positions).padStart(2)} positions: ${String(n).padStart(6)} refreshes, ${((1000 * (ms.get(positions) ?? 0)) / n).toFixed(2)} µs each`);
}
const { MAKER } = await import(`${dist}/bench/maker.js`);
const maker = engine.state.accounts.get(MAKER);
if (maker !== undefined) {
  const n = 20_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) refresh(maker.id);
  console.log(`the maker (${maker.positions.size} positions) refreshed ${n.toLocaleString('en')} times in a row (warm): ${((1000 * (performance.now() - t)) / n).toFixed(2)} µs each`);
}
