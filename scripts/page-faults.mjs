/* global process, console, performance, URL */
// What a first write to a page costs on this machine, on one thread and on several: a 1 GiB SharedArrayBuffer written
// once a page by THREADS worker threads at once, then once more by this thread (the pages are mapped by then).
// docs/performance.md: ~11 µs a fault on the 2-core VM, and two threads take half the time of one.
// usage: node scripts/page-faults.mjs [THREADS=1]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const PAGE = 4096;
if (isMainThread) {
  const bytes = 2 ** 30;
  const threads = Number(process.argv[2] ?? 1);
  const shared = new SharedArrayBuffer(bytes);
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: threads }, (_, k) => {
      const from = Math.floor((k * bytes) / threads / PAGE) * PAGE;
      const to = Math.floor(((k + 1) * bytes) / threads / PAGE) * PAGE;
      const worker = new Worker(new URL(import.meta.url), { workerData: { shared, from, to } });
      return new Promise((done, fail) => {
        worker.on('message', done);
        worker.on('error', fail);
      });
    }),
  );
  const ms = performance.now() - t0;
  const faults = process.resourceUsage().minorPageFault - f0;
  const page = new Uint8Array(shared);
  const t1 = performance.now();
  for (let i = 0; i < bytes; i += PAGE) page[i] = 2;
  console.log(`${threads} thread(s): ${faults} page faults in ${ms.toFixed(0)} ms (${((ms * 1000 * threads) / faults).toFixed(2)} µs each per thread); written again by this thread: ${(performance.now() - t1).toFixed(0)} ms`);
} else {
  const page = new Uint8Array(workerData.shared);
  for (let i = workerData.from; i < workerData.to; i += PAGE) page[i] = 1;
  parentPort.postMessage(null);
}
