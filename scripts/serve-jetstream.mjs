/* global process, console, setTimeout, performance, fetch */
// `bailiff serve` with and without --jetstream, timed: commands posted by autocannon (POST /v1/commands, one deposit a
// request, journaled with synchronous=FULL before each reply) against a fresh journal, then a standby of the stream
// (`serve --standby --jetstream` on its own data, as on another machine) and the time from the writer's SIGKILL to the
// standby's "taking commands" line. Rounds alternate the two modes, each on a new data directory and stream.
// usage: npm run build; nats-server -js -p 4222 -sd DIR &   then
//   node scripts/serve-jetstream.mjs nats://127.0.0.1:4222 [SECONDS=10] [ROUNDS=2] [CONNECTIONS=8] [TAKEOVER_MS=600]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const [url, seconds, rounds, connections, takeoverMs] = [process.argv[2], Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 2), Number(process.argv[5] ?? 8), Number(process.argv[6] ?? 600)];
if (url === undefined || ![seconds, rounds, connections, takeoverMs].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('usage: serve-jetstream.mjs NATS_URL [SECONDS>0] [ROUNDS>0] [CONNECTIONS>0] [TAKEOVER_MS>0]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'bailiff-serve-js-'));

function serve(args) {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--insecure-local', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = { child, out: '', err: '', waiters: [] };
  const tell = () => p.waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d) => ((p.out += d), tell()));
  child.stderr.on('data', (d) => ((p.err += d), tell()));
  p.closed = new Promise((r) => child.on('close', (code) => (tell(), r(code))));
  p.until = async (pick, text) => {
    while (!pick().includes(text)) {
      if (p.child.exitCode !== null) throw new Error(`serve exited ${p.child.exitCode}: ${p.err}`);
      await new Promise((r) => p.waiters.push(r));
    }
    return performance.now();
  };
  return p;
}

async function urlOf(p) {
  await p.until(() => p.out, '\n');
  return p.out.trim();
}

const body = JSON.stringify({ kind: 'deposit', account: 'load', asset: 'USDT', amount: '1' });
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
for (let round = 1; round <= rounds; round++) {
  for (const replicated of [false, true]) {
    const stream = `SERVE${Date.now()}${round}`;
    const js = replicated ? ['--jetstream', url, '--stream', stream] : [];
    const writer = serve(['--data', join(dir, `w${round}${replicated ? 'j' : ''}`), ...js]);
    const base = await urlOf(writer);
    const r = await autocannon({ url: base, connections, duration: seconds, requests: [{ method: 'POST', path: '/v1/commands', headers: { 'content-type': 'application/json' }, body }] });
    const health = await (await fetch(`${base}/health`)).json();
    console.log(
      `round ${round} ${replicated ? 'jetstream' : 'local    '}: ${Math.round(r.requests.average).toLocaleString('en')} commands/s, p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)} (${connections} connections, ${seconds} s, ${r.non2xx} non-2xx, ${r.errors} errors); head ${health.seq}`,
    );
    if (replicated) {
      const t0 = performance.now();
      const standby = serve(['--data', join(dir, `s${round}`), ...js, '--standby', '--poll-ms', '20', '--takeover-ms', String(takeoverMs)]);
      const standbyBase = await urlOf(standby);
      const started = performance.now();
      // Caught up with the writer's head before the kill.
      while ((await (await fetch(`${standbyBase}/health`)).json()).seq < health.seq) await new Promise((res) => setTimeout(res, 20));
      const killed = performance.now();
      writer.child.kill('SIGKILL');
      const taking = await standby.until(() => standby.err, 'taking commands');
      const next = await (await fetch(`${standbyBase}/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
      console.log(
        `  standby: started in ${((started - t0) / 1000).toFixed(1)} s (copy of ${health.seq} records + recovery), caught up; SIGKILL -> "taking commands" ${(taking - killed).toFixed(0)} ms (--takeover-ms ${takeoverMs}); its first command seq ${next.seq}`,
      );
      standby.child.kill('SIGTERM');
      await standby.closed;
    } else {
      writer.child.kill('SIGTERM');
    }
    await writer.closed;
  }
}
