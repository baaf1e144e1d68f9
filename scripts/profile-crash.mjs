/* global process, performance, console, structuredClone */
// CPU profile of bench/crash.ts's crash tick (one price command dropping M0-PERP by DROP_PCT in the bench world, with
// every liquidation, fund takeover and ADL it causes), in memory. Prints the tick's wall and CPU time, its events by
// kind and the SHA-256 of the JSON of all its events (as scripts/crash-ab.mjs, so the hashes compare).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=8192 scripts/profile-crash.mjs ACCOUNTS DROP_PCT OUT_PREFIX [ROUNDS]
//   node scripts/summarize-cpuprofile.mjs OUT_PREFIX.cpuprofile 40
// Each of ROUNDS (default 1) ticks runs on a fresh restore of the same world; only the last is profiled, so ROUNDS > 1
// profiles warm code, as scripts/crash-ab.mjs's later rounds run (the first tick of a process runs much of the
// waterfall cold: interpreted, then compiled). OUT_PREFIX `-` profiles none.
// Add `--max-inlined-bytecode-size=0` after `node` to see the callees V8 would inline (slower, but attributed).
// FROM=K (s70): profile every round from the K-th (0-based) to the last in one profile, restores included (summarize
// with UNDER=apply): enough samples of a small world's tick, e.g. FROM=40 ... 20000 5 OUT 240.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, eventsHash, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, drop, out, rounds] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 10), process.argv[4] ?? 'crash', Number(process.argv[5] ?? 1)];
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);

const profile = out !== '-';
const from = Math.min(rounds - 1, Math.max(0, Number(process.env.FROM ?? rounds - 1)));
const session = new Session();
session.connect();
for (let r = 0; r < rounds; r++) {
  // The warmed-up world may be between two margin-call sweeps (BAILIFF_BENCH_CALL_INTERVAL_MS): a copy all the same.
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  // While the profiler samples, the heap never reads as quiet (settleHeap would wait its 15 s every round): a full
  // collection alone.
  if (profile && r > from) globalThis.gc?.();
  else await settleHeap();
  const profiled = profile && r >= from;
  if (profiled && r === from) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const c0 = process.cpuUsage();
  const t = performance.now();
  const events = engine.apply(cmd);
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c0);
  if (profiled && r === rounds - 1) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(p));
  }
  const kinds = {};
  for (const e of events) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const hash = eventsHash(events);
  console.log(JSON.stringify({ drop: Number(drop), ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), events: events.length, hash, kinds }));
}
