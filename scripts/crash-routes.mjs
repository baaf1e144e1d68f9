/* global process, console, structuredClone */
// Where the crash tick's liquidations go: bench/crash.ts's tick (scripts/crash-world.mjs) once, its LiquidationFill
// events by route, the takeovers capped by reason (and how many took nothing), the Deleveraged fills, and per
// liquidated account the stages that filled it (book, fund, ADL) with the ADL counterparties it met.
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8000 scripts/crash-routes.mjs [ACCOUNTS=200000] [DROP_PCT=5]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5)];
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
const events = engine.apply(cmd);
const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
const fills = new Map();
const capped = new Map();
const routesOf = new Map(); // account -> Set of routes
const counterparties = new Map(); // liquidated -> number of Deleveraged fills
let started = 0;
for (const e of events) {
  if (e.kind === 'LiquidationStarted') {
    started++;
    if (!routesOf.has(e.account)) routesOf.set(e.account, new Set());
  } else if (e.kind === 'LiquidationFill') {
    count(fills, e.route);
    routesOf.get(e.account)?.add(e.route);
  } else if (e.kind === 'TakeoverCapped') count(capped, `${e.reason}${e.taken === 0n ? ' (took nothing)' : ''}`);
  else if (e.kind === 'Deleveraged') count(counterparties, e.liquidated);
}
const paths = new Map();
for (const routes of routesOf.values()) count(paths, [...routes].sort().join('+') || 'none');
const adlFills = [...counterparties.values()];
console.log(JSON.stringify({
  accounts,
  drop,
  hash: eventsHash(events),
  liquidationsStarted: started,
  accountsLiquidated: routesOf.size,
  fillsByRoute: Object.fromEntries(fills),
  takeoversCapped: Object.fromEntries(capped),
  accountsByRoutes: Object.fromEntries(paths),
  deleveragedFills: adlFills.reduce((a, b) => a + b, 0),
  counterpartiesPerDeleveragedAccount: adlFills.length === 0 ? 0 : adlFills.reduce((a, b) => a + b, 0) / adlFills.length,
}, null, 1));
