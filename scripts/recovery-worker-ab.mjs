/* global process, performance, console, URL */
// Recovery with the record check on its worker thread against the check on the main thread, on the same journal,
// alternating in fresh processes (record-check-pipeline.ts; `recordCheckWorker` decides).
// usage: npm run build; node scripts/profile-recovery.mjs build JOURNAL ACCOUNTS TAIL (once), then
//   node scripts/recovery-worker-ab.mjs JOURNAL [PAIRS]
// Each run opens a copy of JOURNAL (recovery may cut a torn tail), so every run reads the same bytes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';

const [path, pairs] = [process.argv[2], Number(process.argv[3] ?? 2)];
if (process.argv[4] === 'child') {
  const { DurableEngine } = await import(new URL('../dist/src/journal/durable.js', import.meta.url).href);
  // This thread's CPU (Linux: utime + stime of the main thread's /proc entry, in clock ticks of 10 ms) and the
  // process's: on a shared machine the wall clock moves with the load, the main thread's CPU much less.
  const mainThreadMs = () => {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const [thread0, cpu0] = [mainThreadMs(), process.cpuUsage()];
  const t = performance.now();
  const de = DurableEngine.openFile(path, { durability: 'relaxed', recordCheckWorker: process.argv[5] === 'worker' });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = { thread: mainThreadMs() - thread0, process: (cpu.user + cpu.system) / 1000 };
  const r = de.recovery.timings;
  console.log(JSON.stringify({ ms, cpuMs, restoreMs: r.restoreMs, replayMs: r.replayMs, checkWaitMs: r.checkWaitMs, checkWorkerMs: r.checkWorkerMs, replayed: de.recovery.replayed }));
  de.close();
} else {
  const copy = `${path}.ab-copy`;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  for (let i = 0; i < pairs; i++) {
    for (const mode of ['main', 'worker']) {
      copyFileSync(path, copy);
      const load = loadavg()[0].toFixed(1);
      const out = spawnSync(process.execPath, [new URL(import.meta.url).pathname, copy, '0', 'child', mode], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      const r = JSON.parse(out.stdout);
      const worker = r.checkWorkerMs === null ? '' : `; worker ${s(r.checkWorkerMs)}, waited ${s(r.checkWaitMs)}`;
      console.log(`${mode.padEnd(6)} (load ${load}): recovery ${s(r.ms)} = restore ${s(r.restoreMs)} + checked pass with the replay ${s(r.replayMs)} (${r.replayed} records)${worker}; CPU: main thread ${s(r.cpuMs.thread)}, process ${s(r.cpuMs.process)}`);
    }
  }
  rmSync(copy, { force: true });
}
