/* global process, performance, console, structuredClone */
// A/B of bench/crash.ts's crash tick between two builds in ONE process, so that both see the same machine at the same
// moments (a shared machine's load moves a back-to-back pair of runs by 2x). Prints, per build, the wall and CPU time
// of the tick (min and median over the rounds) and the SHA-256 of the JSON of all its events (the same events: one
// hash per build, equal).
// usage: npm run build (in both checkouts), then
//   node --expose-gc --max-old-space-size=8192 scripts/crash-ab.mjs BASE_CHECKOUT NEW_CHECKOUT ACCOUNTS DROP_PCT [ROUNDS]
// e.g. node --expose-gc scripts/crash-ab.mjs /tmp/main . 200000 10 8
// Each build builds its world once (as bench/crash.ts: maker, 4,000 warm-up ticks, maker re-quoted at the crash
// price), snapshots it, then each round restores a fresh copy and times the crash tick (wall and CPU), alternating;
// before each tick a full GC and a wait for its background sweeping to end (crash-world.mjs settleHeap).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';
const [baseDir, newDir, accounts, drop, rounds] = [process.argv[2], process.argv[3], Number(process.argv[4]), BigInt(process.argv[5]), Number(process.argv[6] ?? 4)];
const load = (dir) => crashWorld(pathToFileURL(resolve(dir, 'dist')).href, accounts, drop);
const sides = { base: await load(baseDir), new: await load(newDir) };
const res = { base: [], new: [] };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? ['base', 'new'] : ['new', 'base']) {
    const { Engine, snap, cmd } = sides[name];
    // The warmed-up world may be between two margin-call sweeps (BAILIFF_BENCH_CALL_INTERVAL_MS): a copy all the same.
    const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
    await settleHeap();
    const c0 = process.cpuUsage();
    const t = performance.now();
    const events = engine.apply(cmd);
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(c0);
    const hash = eventsHash(events);
    res[name].push({ ms: Math.round(ms), cpu: Math.round((cpu.user + cpu.system) / 1000), hash, n: events.length });
  }
}
const load1 = (await import('node:os')).loadavg()[0].toFixed(1);
for (const name of ['base', 'new']) {
  const xs = res[name];
  const min = (k) => Math.min(...xs.map((x) => x[k]));
  const med = (k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${name} drop=${drop}% wall min ${min('ms')} med ${med('ms')} | cpu min ${min('cpu')} med ${med('cpu')} | ${[...new Set(xs.map((x) => x.hash))].join(',')} events ${xs[0].n} | all ${xs.map((x) => x.ms).join(' ')} | load ${load1}`);
}
