// The service's load test (issue 17): autocannon on loopback against `bailiff serve`'s server with security on (every
// request signed with HMAC, each with its own nonce), in a process of its own (bench/service-server.ts) so that the
// load generator and the server do not share an event loop. Three measurements:
//   1. GET /v1/accounts/{id} (risk fields of a random trader): requests/s and latency p50/p99; GET /health beside it;
//   2. POST /v1/commands with a price (journaled, SQLite synchronous=FULL, before the reply): requests/s, p50/p99;
//   3. liquidation latency: a price step that liquidates (about two traders per step, 100 USD apart) is posted every
//      10 ms and timed from send to its reply (journaled, with its LiquidationStarted events); p50/p99 over the
//      steps, once on a quiet server and once during a flood of account reads, each on a fresh server. The two runs
//      must liquidate the same traders in the same order (the risk path is one queue; reads never reorder it).
// npm run bench -- service   (BAILIFF_LOAD_SECONDS, default 10; BAILIFF_LOAD_ACCOUNTS, default 2,000)

import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signedHeaders, type Credentials } from '../src/service/security/client.js';
import { benchInt, type BenchReport } from './report.js';
import { T0, traderId } from './service-server.js';

interface Server {
  readonly base: string;
  readonly credentials: Credentials;
  readonly accounts: number;
  readonly child: ChildProcess;
}

async function startServer(accounts: number): Promise<Server> {
  const script = fileURLToPath(new URL('./service-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, String(accounts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  const info = JSON.parse(first) as { base: string; keyId: string; secret: string; accounts: number };
  return { base: info.base, credentials: { keyId: info.keyId, secret: info.secret }, accounts: info.accounts, child };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.stdin!.end();
  await exited;
}

/** autocannon options for signed reads of random traders' accounts. */
function readLoad(s: Server, seconds: number, connections: number): autocannon.Options {
  return {
    url: s.base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const path = `/v1/accounts/${traderId(Math.floor(Math.random() * s.accounts))}`;
          return { ...req, path, headers: signedHeaders(s.credentials, { method: 'GET', pathWithQuery: path }) };
        },
      },
    ],
  };
}

const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const describe = (r: autocannon.Result): string =>
  `${Math.round(r.requests.average).toLocaleString('en')} req/s, latency p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)} (${r.connections} connections, ${r.duration.toFixed(0)} s; ${r.non2xx} non-2xx, ${r.errors} errors)`;

/** Posts a falling price every 10 ms and times each reply; returns the latencies of the steps that liquidated. */
async function liquidationSteps(s: Server, steps: number): Promise<{ latenciesMs: number[]; liquidated: string[] }> {
  const latenciesMs: number[] = [];
  const liquidated: string[] = [];
  for (let step = 0; step < steps; step++) {
    const body = JSON.stringify({ kind: 'price', at: T0 + 1 + step, market: 'BTC-PERP', mark: String(99_450 - 100 * step) });
    const headers = { 'content-type': 'application/json', ...signedHeaders(s.credentials, { method: 'POST', pathWithQuery: '/v1/commands', body }) };
    const t = performance.now();
    const res = await fetch(`${s.base}/v1/commands`, { method: 'POST', headers, body });
    const reply = (await res.json()) as { events?: { kind: string; account?: string }[] };
    const elapsed = performance.now() - t;
    if (res.status !== 200) throw new Error(`price step ${step}: HTTP ${res.status} ${JSON.stringify(reply)}`);
    const started = (reply.events ?? []).filter((e) => e.kind === 'LiquidationStarted');
    if (started.length > 0) latenciesMs.push(elapsed);
    for (const e of started) liquidated.push(e.account ?? '?');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { latenciesMs, liquidated };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

export async function benchServiceLoad(): Promise<BenchReport> {
  const seconds = benchInt('BAILIFF_LOAD_SECONDS', 10);
  const accounts = benchInt('BAILIFF_LOAD_ACCOUNTS', 2_000);
  const steps = Math.min(150, Math.floor(accounts / 2.2));
  const lines: string[] = [`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores shared)`];

  // 1 and 2: reads, then price posts, on one server.
  const s = await startServer(accounts);
  try {
    lines.push(`GET /v1/accounts/{id}: ${describe(await autocannon(readLoad(s, seconds, 32)))}`);
    // The same server's floor: a public route (no key, no signature) answering a constant.
    lines.push(`GET /health (public, unsigned; the framework's floor): ${describe(await autocannon({ url: `${s.base}/health`, connections: 32, duration: seconds }))}`);
    let n = 0;
    const prices = await autocannon({
      url: s.base,
      connections: 8,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            // The same engine time for all (concurrent connections arrive in any order); prices above every trader's
            // entry, so nothing is liquidated here.
            const body = JSON.stringify({ kind: 'price', at: T0 + 1, market: 'BTC-PERP', mark: String(100_000 + (n++ % 100)) });
            return { ...req, path: '/v1/commands', body, headers: { 'content-type': 'application/json', ...signedHeaders(s.credentials, { method: 'POST', pathWithQuery: '/v1/commands', body }) } };
          },
        },
      ],
    });
    lines.push(`POST /v1/commands (price, journaled before the reply): ${describe(prices)}`);
  } finally {
    await stopServer(s);
  }

  // 3: liquidation latency, quiet and during a read flood, each on a fresh server (the same world).
  const quiet = await startServer(accounts);
  let calm: { latenciesMs: number[]; liquidated: string[] };
  try {
    calm = await liquidationSteps(quiet, steps);
  } finally {
    await stopServer(quiet);
  }
  const flooded = await startServer(accounts);
  let busy: { latenciesMs: number[]; liquidated: string[] };
  let flood: autocannon.Result;
  try {
    let instance: autocannon.Instance | undefined;
    const floodDone = new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(readLoad(flooded, 3_600, 32), (err, result) => (err === null || err === undefined ? resolve(result) : reject(err as Error)));
    });
    await new Promise((r) => setTimeout(r, 1_000)); // the flood running before the first step
    busy = await liquidationSteps(flooded, steps);
    instance?.stop();
    flood = await floodDone;
  } finally {
    await stopServer(flooded);
  }
  const summary = (r: { latenciesMs: number[]; liquidated: string[] }): string => {
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    return `p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted[sorted.length - 1] ?? Number.NaN)} over ${sorted.length} steps (${r.liquidated.length} liquidations)`;
  };
  lines.push(`liquidation latency (price step -> its reply, with its liquidations), quiet: ${summary(calm)}`);
  lines.push(`liquidation latency during a read flood of ${Math.round(flood.requests.average).toLocaleString('en')} req/s: ${summary(busy)}`);
  const same = calm.liquidated.length === busy.liquidated.length && calm.liquidated.every((a, i) => a === busy.liquidated[i]);
  lines.push(same ? 'the same traders were liquidated in the same order with and without the flood' : 'DIFFERENT liquidations with the flood');
  if (!same) process.exitCode = 1;
  lines.push(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  return { name: `service load (autocannon on loopback, ${accounts.toLocaleString('en')} traders, security on)`, lines };
}
