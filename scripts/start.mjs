// `npm start`: the service on embedded defaults, fed the bundled crash replay, with the dashboard at its URL.
// It runs `bailiff serve --insecure-local --replay` (src/cli/serve.ts: the service, the replay at --speed replay
// minutes per wall minute, Ctrl-C drains and flushes the journal) with:
// - a SQLite journal in ./data/npm-start, started afresh on every run (a demo: a finished replay would show nothing
//   new; `bailiff serve --data DIR` keeps a journal across runs);
// - the first free port from 8080 up, on 127.0.0.1 only (no keys: --insecure-local is for a trusted machine);
// - the replay at 300 replay minutes per wall minute: the crash's first margin calls and liquidations come 90-140
//   replay minutes in, i.e. within the first 20-30 s, and the 600-minute window ends after 2 minutes.
// Options of its own: --exit-after-replay (or BAILIFF_START_EXIT_AFTER_REPLAY=1) stops the service, cleanly, once
// the replay is done: for checks and CI. Any other argument goes to `bailiff serve` (e.g. --speed 600, --accounts
// 500, --rulebook dydx-v4); a --port given there turns the free-port search off.
// Without ../shared (a fresh clone), the replay is the seeded synthetic crash of the same shape (src/sim/crash.ts).

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const HOST = '127.0.0.1';
const PORT_FIRST = 8080;
const PORTS_TRIED_MAX = 100;
const DATA_DIR = 'data/npm-start';
const SPEED = '300';

/** Resolves true when `port` can be listened on now (the service listens on it a moment later: a small race). */
function free(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST }, () => probe.close(() => resolve(true)));
  });
}

async function firstFreePort() {
  for (let port = PORT_FIRST; port < PORT_FIRST + PORTS_TRIED_MAX; port++) if (await free(port)) return port;
  throw new Error(`no free port in ${PORT_FIRST}-${PORT_FIRST + PORTS_TRIED_MAX - 1}`);
}

const args = process.argv.slice(2);
const exitAfterReplay = args.includes('--exit-after-replay') || process.env.BAILIFF_START_EXIT_AFTER_REPLAY === '1';
const passed = args.filter((a) => a !== '--exit-after-replay');
const port = passed.includes('--port') ? null : await firstFreePort();
rmSync(DATA_DIR, { recursive: true, force: true });

const serveArgs = [
  fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url)),
  'serve', '--insecure-local', '--replay', '--data', DATA_DIR, '--host', HOST, '--speed', SPEED,
  ...(port === null ? [] : ['--port', String(port)]),
  ...passed, // later options win (commander keeps the last value)
];
// Its own process group: Ctrl-C in a terminal reaches npm and this script, and the service gets exactly one SIGINT
// from here (a second one would end it before its journal is flushed).
const { ENGINE_NODE_FLAGS } = await import(new URL('../dist/src/cli/node-flags.js', import.meta.url).href);
const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, ...serveArgs], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });

let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

child.stdout.setEncoding('utf8');
child.stdout.on('data', (text) => {
  for (const line of text.split('\n')) {
    if (/^https?:\/\//.test(line)) process.stdout.write(`dashboard: ${line}/   (Ctrl-C stops the service)\n`);
    else if (line !== '') process.stdout.write(`${line}\n`);
  }
});
child.stderr.setEncoding('utf8');
child.stderr.on('data', (text) => {
  process.stderr.write(text);
  // serve prints "serve: replay done after N minutes" when the replay has been fed to the end.
  if (exitAfterReplay && /^serve: replay done/m.test(text)) stop('SIGINT');
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128 + 2);
});
