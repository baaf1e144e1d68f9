/* global process, performance, console, structuredClone */
// Does the crash tick run warm code on a fresh engine? bench/crash.ts's tick (scripts/crash-world.mjs), ROUNDS times in
// one process, each on a fresh restore of the same world after the one before was dropped (as the bench runs its
// rounds). KEEP=1 keeps every engine alive instead, so nothing the optimized code embeds is freed between rounds: the
// difference is what V8 throws away with a dropped engine ("weak objects"; add --trace-deopt to see them).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=128 --no-allocation-site-pretenuring scripts/warm-rounds.mjs [ACCOUNTS=200000] [DROP_PCT=5] [ROUNDS=6]
// docs/performance.md "2026-12-07, s68".
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop, rounds] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 6)];
const keep = process.env.KEEP === '1';
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
const kept = [];
const ms = [];
let hash = '';
for (let r = 0; r < rounds; r++) {
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  await settleHeap();
  const t = performance.now();
  const events = engine.apply(cmd);
  ms.push(Math.round(performance.now() - t));
  hash = eventsHash(events);
  if (keep) kept.push(engine);
}
console.log(JSON.stringify({ accounts, drop, keep, ticksMs: ms, hash }));
