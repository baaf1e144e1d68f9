/* global process, performance, console, setInterval, setTimeout, URL */
// Failover to a hot standby, measured on a journal of any size (issue 16's recovery, the warm way): a writer process
// (DurableEngine.openFile on JOURNAL) recovers, then the real `bailiff ingest --standby` recovers beside it and follows
// it; the writer journals TICKS +-5 bp price ticks (bench/world.ts tailTicks, the journal-recovery bench's tail) in
// batches of 1,000, which the standby follows as they commit; then the writer is killed with SIGKILL and the time
// from the kill to the standby's "promoted" line is the failover. Prints each step's time and checks that the
// standby took the journal over at the writer's last acknowledged record.
// usage: npm run build, then (on a copy: the journal grows by TICKS records)
//   node scripts/profile-recovery.mjs build JOURNAL ACCOUNTS 0      (a bench world's journal, once)
//   node --max-semi-space-size=64 scripts/failover.mjs JOURNAL [TICKS=20000] [POLL_MS=20]
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [journal, ticksArg, pollArg] = [process.argv[2], process.argv[3] ?? '20000', process.argv[4] ?? '20'];
const ticks = Number(ticksArg);
const pollMs = Number(pollArg);
if (process.argv[2] === 'writer') {
  await writer(process.argv[3], Number(process.argv[4]));
} else {
  if (journal === undefined || !Number.isSafeInteger(ticks) || ticks < 0 || !Number.isSafeInteger(pollMs) || pollMs < 1) {
    console.error('usage: failover.mjs JOURNAL [TICKS>=0] [POLL_MS>=1]');
    process.exit(2);
  }
  await drive();
}

/** The writer: recovers, says so, then on "go" journals the ticks and says how far; then holds the journal. */
async function writer(path, n) {
  const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
  const { DurableEngine } = await import(`${dist}/src/journal/durable.js`);
  const { rng, tailTicks } = await import(`${dist}/bench/world.js`);
  const de = DurableEngine.openFile(path, { durability: 'full' });
  process.stdout.write(`ready ${de.journal.head()}\n`);
  for await (const _ of process.stdin) break; // "go"
  const next = tailTicks(10, rng(99));
  for (let i = 0; i < n; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 1000); k++) batch.push(next(k, de.engine.timeMs + 1 + (k - i)));
    de.submit(batch);
    process.stdout.write(`acked ${de.journal.head()}\n`);
  }
  process.stdout.write(`done ${de.journal.head()}\n`);
  setInterval(() => {}, 1 << 30); // holds the journal (and its writer lock) until killed
}

/** A child and a wait for a line in its stdout or stderr; each line with the driver's time of arrival. */
function start(args, label) {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  const take = (stream) => {
    let rest = '';
    stream.on('data', (d) => {
      const parts = (rest + d.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) lines.push({ at: performance.now(), line });
      for (const w of waiters.splice(0)) w();
    });
  };
  take(child.stdout);
  take(child.stderr);
  const until = async (test) => {
    for (;;) {
      const found = lines.find((l) => test(l.line));
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`${label} exited ${child.exitCode}: ${lines.map((l) => l.line).join(' | ')}`);
      await new Promise((r) => waiters.push(r));
    }
  };
  return { child, lines, until, closed: new Promise((r) => child.on('close', (code, signal) => r({ code, signal }))) };
}

async function drive() {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const t0 = performance.now();
  const w = start([new URL(import.meta.url).pathname, 'writer', journal, String(ticks)], 'writer');
  const ready = await w.until((l) => l.startsWith('ready '));
  const head = Number(ready.line.slice(6));
  console.log(`writer recovered the journal (head ${head}) in ${s(ready.at - t0)}`);
  const t1 = performance.now();
  const sb = start(['dist/src/cli/main.js', 'ingest', '--journal', journal, '--standby', '--poll-ms', String(pollMs)], 'standby');
  const following = await sb.until((l) => l.includes('following until'));
  console.log(`standby recovered beside it in ${s(following.at - t1)}: ${following.line}`);
  const t2 = performance.now();
  w.child.stdin.write('go\n');
  const done = await w.until((l) => l.startsWith('done '));
  const last = Number(done.line.slice(5));
  console.log(`writer journaled ${ticks.toLocaleString('en')} ticks (head ${last}) in ${s(done.at - t2)}; the standby follows every ${pollMs} ms`);
  await new Promise((r) => setTimeout(r, 2 * pollMs + 200)); // the standby catches up with the last batch
  sb.child.stdin.end(); // once promoted it takes no command: it says where it is and exits
  const kill = performance.now();
  w.child.kill('SIGKILL');
  await w.closed;
  const promoted = await sb.until((l) => l.includes('promoted'));
  const ended = await sb.closed;
  console.log(`writer killed (SIGKILL); standby promoted ${(promoted.at - kill).toFixed(1)} ms later: ${promoted.line}`);
  const m = /head (\d+); taking commands/.exec(promoted.line);
  const ok = m !== null && Number(m[1]) === last && ended.code === 0;
  console.log(ok ? `ok: the standby took the journal over at the writer's last record (${last}) and exited 0` : `FAILED: the standby ended ${JSON.stringify(ended)} at ${m?.[1]} (writer's last ${last})`);
  process.exit(ok ? 0 : 1);
}
