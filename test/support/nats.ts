// A real nats-server with JetStream for a test file: started on a random loopback port with its own store directory,
// stopped after. nats-server comes from scripts/setup-debian.sh. Without it a test that needs it is skipped with the
// reason, unless BAILIFF_REQUIRE_NATS=1 (CI), which turns the skip into a failure.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const REQUIRED = process.env['BAILIFF_REQUIRE_NATS'] === '1';

/** The nats-server binary: BAILIFF_NATS_SERVER, else the first on PATH or in /usr/sbin, /usr/bin; null when none. */
export function natsServerBinary(): string | null {
  const given = process.env['BAILIFF_NATS_SERVER'];
  if (given !== undefined && given !== '') return existsSync(given) ? given : null;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) if (dir !== '' && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  return null;
}

/** Whether the tests that need nats-server run here (a warning names the reason when not; CI fails instead). */
export function natsAvailable(what: string): boolean {
  if (natsServerBinary() !== null) return true;
  const reason = `${what}: nats-server not found (install it with scripts/setup-debian.sh)`;
  if (REQUIRED) throw new Error(`${reason}; BAILIFF_REQUIRE_NATS=1 requires it`);
  console.warn(`skipped: ${reason}`);
  return false;
}

export interface NatsServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nats-server -js on a random port (with `args` added: `--user a --pass b`); resolves once it accepts clients. */
export async function startNatsServer(args: readonly string[] = []): Promise<NatsServer> {
  const binary = natsServerBinary();
  if (binary === null) throw new Error('nats-server not found');
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-nats-'));
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', dir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s:\n${log}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
      const port = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (port !== undefined && log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(`nats://127.0.0.1:${port}`);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
