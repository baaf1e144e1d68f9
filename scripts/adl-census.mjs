/* global process, console, structuredClone */
// What the crash tick's ADL stage does, counted: bench/crash.ts's tick (scripts/crash-world.mjs) with the ADL queue's
// and the mirror's methods wrapped. Prints the candidates' account reads (holdsOpposite), the exact scores filed, the
// picks, and the number of dirty accounts each mirror flush refreshed, beside the tick's ADL fills and liquidations; and
// per queue (market | side deleveraged) its catch-ups: the touched accounts it re-placed (each read) and how many of
// them still held its opposite side (filed with an exact score).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=128 scripts/adl-census.mjs [ACCOUNTS=1000000] [DROP_PCT=5]
// The wrappers add their own time: counts only, no timings.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 5)];
const { AdlQueue } = await import(`${dist}/src/core/engine/adl-queue.js`);
const { AdlMirror } = await import(`${dist}/src/core/engine/adl-mirror.js`);
const counts = { candidateReads: 0, exactScores: 0, picks: 0, flushes: [] };
const wrap = (cls, name, count) => {
  const f = cls.prototype[name];
  cls.prototype[name] = function (...args) {
    count(this);
    return f.apply(this, args);
  };
};
wrap(AdlQueue, 'holdsOpposite', () => counts.candidateReads++);
wrap(AdlQueue, 'file', () => counts.exactScores++);
wrap(AdlQueue, 'peek', () => counts.picks++);
wrap(AdlMirror, 'flush', (mirror) => mirror.dirty.size > 0 && counts.flushes.push(mirror.dirty.size));
const queues = {};
let catchingUp = null;
const catchUp = AdlQueue.prototype.catchUp;
AdlQueue.prototype.catchUp = function () {
  const key = `${this.m.spec.id}|${this.long ? 'long' : 'short'}`;
  catchingUp = queues[key] ??= { catchUps: 0, reread: 0, filed: 0 };
  catchingUp.catchUps++;
  catchingUp.reread += this.pending.size;
  try {
    return catchUp.call(this);
  } finally {
    catchingUp = null;
  }
};
wrap(AdlQueue, 'file', () => catchingUp !== null && catchingUp.filed++);
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);
const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
await settleHeap();
counts.candidateReads = counts.exactScores = counts.picks = 0;
counts.flushes = [];
for (const k of Object.keys(queues)) delete queues[k];
const kinds = {};
for (const e of engine.apply(cmd)) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
console.log(JSON.stringify({ accounts, drop, ...counts, deleveraged: kinds.Deleveraged ?? 0, liquidations: kinds.LiquidationStarted ?? 0, catchUps: queues }));
