/* global process, console */
// Where the engine's time goes on the +-5 bp price tail (the ticks `npm run bench -- journal-recovery` replays; as
// scripts/profile-tail.mjs builds them), by phase: each engine method below is wrapped with a timer, in one process.
// A sampling profile cannot split a tick this way (its line figures land on inlined code); the wrappers add ~0.1 us a
// call, so the totals run ~25% above the unwrapped tick's time: read the shares, not the absolute figures.
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=32 scripts/phase-times.mjs ACCOUNTS TICKS [WARMUP=20000]
// Only the ticks after WARMUP are counted (the first ones liquidate the accounts the world starts in breach).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [accounts, ticks, warmup] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 120_000), Number(process.argv[4] ?? 20_000)];
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const MARKETS = 10;

const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
const spent = new Map();
function timed(target, method, label) {
  const f = target[method];
  target[method] = function (...args) {
    const t = process.hrtime.bigint();
    try {
      return f.apply(this, args);
    } finally {
      spent.set(label, (spent.get(label) ?? 0n) + process.hrtime.bigint() - t);
    }
  };
}
timed(engine, 'apply', 'Engine.apply (the whole tick)');
timed(engine.index, 'onPrice', 'liquidation index: follow the prices');
timed(engine.index, 'reindex', 'liquidation index: re-arm changed accounts');
timed(engine.calls, 'onPrice', 'margin-call index: follow the prices');
timed(engine.calls, 'reindex', 'margin-call index: re-arm changed accounts');
timed(engine, 'announceMarginCalls', 'announce the margin calls');
timed(engine.calls, 'markCalled', '  of which: move the called to the recovery level');
timed(engine.calls, 'settleRecoveries', 'settle recoveries (back to the call level)');

const rand = rng(7); // as bench/journal.ts and scripts/profile-tail.mjs
const px = Array.from({ length: MARKETS }, () => START_PRICE);
const kinds = new Map();
let statsAtWarmup = null; // the margin-call index's counters when the counted ticks start
const calledTimes = new Map(); // account -> MarginCall events it got

for (let i = 0; i < ticks; i++) {
  const m = i % MARKETS;
  px[m] = (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n;
  if (i === warmup) {
    spent.clear();
    kinds.clear();
    calledTimes.clear();
    statsAtWarmup = engine.calls.levels.stats();
  }
  for (const e of engine.apply({ kind: 'price', tsMs: engine.timeMs + 1, market: `M${m}-PERP`, mark: price(px[m]) })) {
    kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    if (e.kind === 'MarginCall') calledTimes.set(e.account, (calledTimes.get(e.account) ?? 0) + 1);
  }
}
const n = ticks - warmup;
console.log(`${accounts} accounts, ticks ${warmup}-${ticks}: per tick`);
for (const [label, ns] of [...spent].sort((a, b) => Number(b[1] - a[1]))) console.log(`  ${label.padEnd(52)} ${(Number(ns) / 1000 / n).toFixed(2)} us`);
console.log(`events per tick: ${[...kinds].map(([k, c]) => `${k} ${(c / n).toFixed(3)}`).join(', ')}`);
const times = [...calledTimes.values()].sort((a, b) => b - a);
console.log(`MarginCall events went to ${times.length} accounts; the most called: ${times.slice(0, 5).join(', ')} times; called 100 times or more: ${times.filter((t) => t >= 100).length}`);
// What the margin-call index did a tick (BreachIndex.stats(): re-checks, of them screened and from slope rows, flips
// of exact boundaries, moves between levels from kept boundaries).
const now = engine.calls.levels.stats();
const perTick = (k) => ((now[k] - statsAtWarmup[k]) / n).toFixed(2);
console.log(`margin-call index a tick: ${['rechecks', 'screened', 'rowScreened', 'flips', 'breaches', 'recoveries', 'resumed'].map((k) => `${k} ${perTick(k)}`).join(', ')}`);
