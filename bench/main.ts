// `npm run bench`: benchmarks of the hot paths, each printing its figures and a ratio against a baseline run in the
// same process. Each benchmark runs in a process of its own, so its memory figure is its own.
// Sizes: BAILIFF_BENCH_ACCOUNTS (default 1,000,000), BAILIFF_BENCH_TICKS (default 50,000), BAILIFF_BENCH_SIGNATURES
// (default 5,000), BAILIFF_BENCH_CONDITIONALS (default 1,000,000) and BAILIFF_BENCH_TRIGGER_TICKS (default 5,000).
// One benchmark: npm run bench -- enforce
// The SIGKILL crash run (not in the default set): npm run bench -- journal-crash (BAILIFF_CRASH_KILLS, default 1000;
// BAILIFF_CRASH_FAILOVER=1: a hot standby takes over at each kill; BAILIFF_CRASH_JETSTREAM=nats://host:port: every run
// replicates to a JetStream stream there, alternating between two journal files)
// The service's load test (autocannon on loopback): npm run bench -- service (BAILIFF_LOAD_SECONDS, default 10)

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENGINE_NODE_FLAGS } from '../src/cli/node-flags.js';
import { benchAttestation } from './attestation.js';
import { benchBreach } from './breach.js';
import { benchCrash } from './crash.js';
import { benchEnforce } from './enforce.js';
import { benchMargin } from './margin.js';
import { BenchSettingError, benchInt, rssHighWater, type BenchReport } from './report.js';
import { benchWalk } from './walk.js';
import { benchVerify } from './verify.js';
import { benchStateRoot } from './state-root.js';
import { benchJournalAppend, benchJournalRecovery, benchSnapshotStall } from './journal.js';
import { crashRun } from './journal-crash.js';
import { benchTriggers } from './triggers.js';
import { benchServiceLoad } from './service-load.js';
import { benchPause } from './pause.js';
// issue 19: the stress simulator
import { benchSimulate } from './simulate.js';
// issue 19 part B: sweeps on worker threads
import { benchSweep } from './sweep.js';

// Read when a benchmark runs (inside its try: a bad setting is refused with exit 2, bench/report.ts benchInt).
const accounts = (): number => benchInt('BAILIFF_BENCH_ACCOUNTS', 1_000_000);
const ticks = (): number => benchInt('BAILIFF_BENCH_TICKS', 50_000);
const only = process.argv[2];

const benches: Record<string, () => BenchReport | Promise<BenchReport>> = {
  margin: () => benchMargin(accounts()),
  breach: () => benchBreach({ accounts: accounts(), ticks: ticks() }),
  enforce: () => benchEnforce(accounts(), ticks(), true),
  'enforce-no-calls': () => benchEnforce(accounts(), ticks(), false),
  crash: () => benchCrash(accounts()),
  pause: () => benchPause(accounts()),
  walk: () => benchWalk(accounts(), ticks(), false),
  'walk-isolated': () => benchWalk(accounts(), ticks(), true),
  attestation: () => benchAttestation(benchInt('BAILIFF_BENCH_SIGNATURES', 5_000)),
  verify: () => benchVerify(benchInt('BAILIFF_BENCH_VERIFY_ACCOUNTS', 2_000)),
  'state-root': () => benchStateRoot(accounts()),
  'journal-append': () => benchJournalAppend(),
  'journal-recovery': () => benchJournalRecovery(accounts()),
  'snapshot-stall': () => benchSnapshotStall(accounts()),
  triggers: () => benchTriggers(benchInt('BAILIFF_BENCH_CONDITIONALS', 1_000_000), benchInt('BAILIFF_BENCH_TRIGGER_TICKS', 5_000)),
  service: () => benchServiceLoad(),
  // issue 19: the stress simulator (BAILIFF_SIM_ACCOUNTS, BAILIFF_SIM_STEPS)
  simulate: () => benchSimulate(),
  // issue 19 part B: a sweep on 1 and on several worker threads (BAILIFF_SWEEP_ACCOUNTS, _STEPS, _WORKERS)
  sweep: () => benchSweep(),
  'journal-crash': async () => {
    const kills = benchInt('BAILIFF_CRASH_KILLS', 1_000);
    // BAILIFF_CRASH_FAILOVER=1: each writer has a hot standby that takes over when it is killed.
    const failover = benchInt('BAILIFF_CRASH_FAILOVER', 0, 0, 1) === 1;
    // BAILIFF_CRASH_JETSTREAM=nats://host:port: every run replicates to a new JetStream stream on that server.
    const url = process.env['BAILIFF_CRASH_JETSTREAM'];
    const jetstream = url === undefined || url === '' ? undefined : { url, stream: `CRASH_${Date.now()}` };
    const r = await crashRun({ kills, commands: benchInt('BAILIFF_CRASH_COMMANDS', kills * 200), seed: benchInt('BAILIFF_CRASH_SEED', 1, 0), failover, ...(jetstream === undefined ? {} : { jetstream }) });
    if (r.failures.length > 0) process.exitCode = 1;
    return {
      name: `journal crash (SIGKILL x ${kills.toLocaleString('en')}${failover ? ', failing over to a standby' : ''}${jetstream === undefined ? '' : `, replicated to JetStream stream ${jetstream.stream} at ${jetstream.url}`})`,
      lines: [`${r.kills} kills (${r.killedBeforeHead} during startup), ${r.promotions} standby promotions, ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${r.tornTails} torn tails, ${(r.ms / 1000).toFixed(1)} s`, ...(r.failures.length === 0 ? ['every check held'] : r.failures)],
    };
  },
};

/**
 * Runs one benchmark in a child process with the flags it needs (a collectable heap to measure memory at rest) and the
 * engine's own (src/cli/node-flags.ts: the service runs with them too).
 */
function runInChild(name: string): void {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--expose-gc', ...ENGINE_NODE_FLAGS, fileURLToPath(import.meta.url), name], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

/** Long runs that `npm run bench` without a name leaves out. */
const ONLY_WHEN_NAMED = new Set(['journal-crash']);

/** Runs `f`; a setting it refuses (BenchSettingError) is printed after `label` and the process exits with 2. */
async function refusingBadSettings<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof BenchSettingError)) throw e;
    process.stderr.write(`${label}: ${e.message}\n`);
    process.exit(2);
  }
}

const canCollect = typeof (globalThis as { gc?: unknown }).gc === 'function';

if (only === undefined) {
  const n = await refusingBadSettings('bench', accounts);
  process.stdout.write(`Bailiff benchmarks — ${n.toLocaleString('en')} accounts, Node ${process.version}\n`);
  for (const name of Object.keys(benches)) if (!ONLY_WHEN_NAMED.has(name)) runInChild(name);
} else if (!canCollect && only in benches) {
  runInChild(only);
} else {
  const run = benches[only];
  if (run === undefined) {
    process.stderr.write(`unknown benchmark "${only}"; benchmarks: ${Object.keys(benches).join(', ')}\n`);
    process.exitCode = 2;
  } else {
    const report = await refusingBadSettings(`bench ${only}`, run);
    process.stdout.write(`\n== ${report.name}\n${report.lines.map((l) => `   ${l}`).join('\n')}\n`);
    // maxRSS is the process's high-water mark (KiB), building the world from a snapshot included.
    const highWater = rssHighWater();
    const now = process.memoryUsage().rss;
    const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    const engine = report.engineHighWater;
    process.stdout.write(
      engine === undefined
        ? `   rss ${gib(highWater)} high-water, ${gib(now)} at the end\n`
        : `   rss ${gib(engine)} high-water through the engine's run (world build included; the target's figure), ${gib(highWater)} with the reference scans after it, ${gib(now)} at the end\n`,
    );
  }
}
