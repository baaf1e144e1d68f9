/* global process, performance, console, gc */
// Engine.restore timed as recovery runs it (the accounts decoded one by one from the canonical snapshot bytes, nothing
// else on the heap), the builds interleaved in one process, ROUNDS rounds (order alternating), wall and CPU time
// (all threads, GC included) of each restore. A build may be given as DIR@X: process.env.EXP is X during its restores
// (for trying a variant behind a switch). The snapshot: scripts/restore-snapshot.mjs. Equality of what the builds
// restore: scripts/restore-ab.mjs.
// usage: SNAP=/tmp/snap1m.json node --expose-gc --max-old-space-size=14000 scripts/restore-time-ab.mjs ROUNDS DIR...
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuUsage } from 'node:process';
import { readFileSync } from 'node:fs';
const rounds = Number(process.argv[2]);
const dirs = process.argv.slice(3);
const mods = [];
for (const spec of dirs) {
  const [dir, exp] = spec.split('@');
  const dist = pathToFileURL(resolve(dir, 'dist')).href;
  mods.push({
    dir: spec,
    exp: exp ?? '',
    Engine: (await import(`${dist}/src/core/engine/engine.js`)).Engine,
    decode: (await import(`${dist}/src/journal/snapshot-stream.js`)).decodeSnapshotForRestore,
  });
}
const bytes = readFileSync(process.env.SNAP);
const res = mods.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? mods.map((_, i) => i) : mods.map((_, i) => mods.length - 1 - i);
  for (const i of order) {
    process.env.EXP = mods[i].exp;
    gc();
    gc();
    const c = cpuUsage();
    const t = performance.now();
    const engine = mods[i].Engine.restore(mods[i].decode(bytes));
    const ms = performance.now() - t;
    const cu = cpuUsage(c);
    res[i].wall.push(ms);
    res[i].cpu.push((cu.user + cu.system) / 1000);
    console.log(`round ${r} ${mods[i].dir}: ${ms.toFixed(0)} ms wall, ${((cu.user + cu.system) / 1000).toFixed(0)} ms cpu (${engine.state.accounts.size} accounts)`);
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (let i = 0; i < mods.length; i++) console.log(`${mods[i].dir}: wall median ${med(res[i].wall).toFixed(0)} min ${Math.min(...res[i].wall).toFixed(0)} ms, cpu median ${med(res[i].cpu).toFixed(0)} ms; all wall ${res[i].wall.map((x) => x.toFixed(0)).join(' ')}`);
