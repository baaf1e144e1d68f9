/* global process, console, setTimeout, performance */
// Failover over JetStream, timed: a writer (`bailiff ingest --jetstream`) journals the seeded command stream, a
// standby on its own journal file (`--standby --jetstream`, as on another machine) copies the stream and follows it,
// the writer journals more and is killed with SIGKILL; printed: the standby's start (copy + recovery), and the time
// from the kill to its "promoted" line. Each round on a new stream.
// usage: npm run build; nats-server -js -p 4222 -sd DIR &   then
//   node scripts/failover-jetstream.mjs nats://127.0.0.1:4222 [TAKEOVER_MS=600] [ROUNDS=3] [COMMANDS=20000]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [url, takeoverMs, rounds, commands] = [process.argv[2], Number(process.argv[3] ?? 600), Number(process.argv[4] ?? 3), Number(process.argv[5] ?? 20_000)];
if (url === undefined || ![takeoverMs, rounds, commands].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('usage: failover-jetstream.mjs NATS_URL [TAKEOVER_MS>0] [ROUNDS>0] [COMMANDS>0]');
  process.exit(2);
}
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { STREAM_SCENARIO, streamCommands } = await import(`${dist}/src/sim/command-stream.js`);
const dir = mkdtempSync(join(tmpdir(), 'bailiff-failover-js-'));
const scenario = join(dir, 'scenario.json');
writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
const lines = streamCommands(3, commands + 1000).map((c) => JSON.stringify(c));

function start(args) {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'ingest', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p = { child, out: '', err: '', waiters: [] };
  const tell = () => p.waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d) => ((p.out += d), tell()));
  child.stderr.on('data', (d) => ((p.err += d), tell()));
  p.closed = new Promise((r) => child.on('close', (code) => (tell(), r(code))));
  p.until = async (pick, text) => {
    while (!pick().includes(text)) await new Promise((r) => p.waiters.push(r));
    return performance.now();
  };
  return p;
}

for (let round = 1; round <= rounds; round++) {
  const stream = `FAILOVER${Date.now()}${round}`;
  const js = ['--jetstream', url, '--stream', stream];
  const writer = start(['--journal', join(dir, `w${round}.db`), '--scenario', scenario, ...js]);
  writer.child.stdin.write(`${lines.slice(0, commands).join('\n')}\n`);
  await writer.until(() => writer.out, `"seq":${16 + commands},`);
  const t0 = performance.now();
  const standby = start(['--journal', join(dir, `s${round}.db`), '--standby', ...js, '--takeover-ms', String(takeoverMs), '--poll-ms', '20']);
  const following = await standby.until(() => standby.err, 'following stream');
  writer.child.stdin.write(`${lines.slice(commands, commands + 1000).join('\n')}\n`);
  await writer.until(() => writer.out, `"seq":${16 + commands + 1000},`);
  await new Promise((r) => setTimeout(r, 500));
  const killed = performance.now();
  writer.child.kill('SIGKILL');
  const promoted = await standby.until(() => standby.err, 'promoted');
  standby.child.stdin.end();
  await standby.closed;
  const line = standby.err.split('\n').find((l) => l.includes('promoted')) ?? '';
  console.log(
    `round ${round}: standby started (stream copied, journal recovered) in ${((following - t0) / 1000).toFixed(2)} s; ` +
      `kill -> promoted ${(promoted - killed).toFixed(0)} ms (take-over time ${takeoverMs} ms); ${line.replace(/^ingest: /, '')}`,
  );
}
