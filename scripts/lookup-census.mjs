/* global process, console */
// Where the engine looks ids up in its large Maps and Sets: every get / has / set / delete on a Map or Set holding more
// than a quarter as many entries as the world has accounts (the accounts, the indexes' account -> slot maps, the
// holders, the ADL mirror's memberships), counted by the line that called it, over the walk's or the tail's ticks
// (after 2,000 / 20,000 untimed ones) or over the crash tick. At 1M accounts each such lookup of a random id costs
// ~0.3 us, a cache miss or two (docs/performance.md, 2026-12-04, late night): one a margin call was ~4% of the tail.
// The counting wraps Map.prototype and Set.prototype: the timings of a run are not the engine's; read the counts.
// usage: npm run build, then
//   node --max-old-space-size=14000 scripts/lookup-census.mjs walk|tail|crash ACCOUNTS [TICKS=12000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [kind, accounts, ticks] = [process.argv[2] ?? 'walk', Number(process.argv[3] ?? 200_000), Number(process.argv[4] ?? 12_000)];
if (!['walk', 'tail', 'crash'].includes(kind)) throw new Error(`lookup-census: unknown run ${kind} (walk, tail or crash)`);
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const MARKETS = 10;

const counts = new Map();
let counting = false;
const big = accounts / 4;
function count(proto, method, label) {
  const original = proto[method];
  proto[method] = function (...args) {
    if (counting && this.size > big) {
      const caller = (new Error().stack ?? '').split('\n')[2]?.trim().replace(/\(.*\/dist\//, '(') ?? '?';
      const key = `${label}.${method} ${caller}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}

let engine;
const events = new Map();
const tally = (list) => {
  for (const e of list) events.set(e.kind, (events.get(e.kind) ?? 0) + 1);
};
let steps;
if (kind === 'crash') {
  const { crashWorld } = await import(pathToFileURL(resolve(process.cwd(), 'scripts/crash-world.mjs')).href);
  const { Engine, snap, cmd } = await crashWorld(dist, accounts, 5);
  engine = Engine.restore(snap);
  steps = () => {
    counting = true;
    tally(engine.apply(cmd));
    counting = false;
    return 1;
  };
} else {
  const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { quoteMaker, setupMaker } = await import(`${dist}/bench/maker.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
  if (kind === 'walk') setupMaker(engine, MARKETS);
  // The ticks of scripts/walk-ab.mjs: the +-10 bp walk with the maker re-quoted every 20 ticks of a market, or the
  // +-5 bp tail around the start price, markets in turn.
  const rand = rng(kind === 'walk' ? 11 : 7);
  const marks = Array.from({ length: MARKETS }, () => START_PRICE);
  const perMarket = new Array(MARKETS).fill(0);
  const warmup = kind === 'walk' ? 2_000 : 20_000;
  steps = () => {
    let t = engine.timeMs + 1;
    for (let i = 0; i < warmup + ticks; i++) {
      const m = kind === 'walk' ? Math.floor(rand() * MARKETS) : i % MARKETS;
      const next = kind === 'walk' ? BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + (rand() * 2 - 1) * 0.001)))) : (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n;
      marks[m] = next;
      counting = i >= warmup;
      const out = engine.apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) });
      counting = false;
      if (i >= warmup) tally(out);
      if (kind === 'walk' && ++perMarket[m] % 20 === 0) quoteMaker(engine, m, next, t++);
    }
    return ticks;
  };
}
for (const method of ['get', 'has', 'set', 'delete']) count(Map.prototype, method, 'Map');
for (const method of ['has', 'add', 'delete']) count(Set.prototype, method, 'Set');
const counted = steps();
let total = 0;
for (const n of counts.values()) total += n;
console.log(`${kind}, ${accounts} accounts: ${counted} tick(s); ${total} lookups in large collections (${(total / counted).toFixed(2)} a tick)`);
console.log('events:', Object.fromEntries(events));
for (const [key, n] of [...counts].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${String(n).padStart(9)}  ${(n / counted).toFixed(3).padStart(9)} a tick  ${key}`);
