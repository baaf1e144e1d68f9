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

/** One server of a cluster (startNatsCluster): its client URL, and a way to kill it and start it again on its store. */
export interface ClusterNode {
  readonly url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface NatsCluster {
  readonly nodes: readonly ClusterNode[];
  /** Every node's client URL, comma-separated (what `--jetstream` takes). */
  readonly urls: string;
  stop(): Promise<void>;
}

/** A free loopback port (bound once, then released: a small race, fine for tests). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A JetStream cluster of `n` nats-servers on loopback (each with its own store directory and config file), resolved
 * once each accepts clients and the cluster has a JetStream metadata leader. A cluster that does not form (no
 * metadata leader within a node's 15 s) is stopped and started afresh once, on new ports: seen once in CI
 * (2026-12-06, s58), nats-server 2.9.10's routes closing each other as duplicates at start and one node still
 * "Waiting for routing to be established" 15 s later, the test failing before it began.
 */
export async function startNatsCluster(n = 3): Promise<NatsCluster> {
  try {
    return await startNatsClusterOnce(n);
  } catch (first) {
    try {
      return await startNatsClusterOnce(n);
    } catch (second) {
      throw new Error(`a JetStream cluster of ${n} did not form twice: ${(first as Error).message}\n---\n${(second as Error).message}`, { cause: second });
    }
  }
}

async function startNatsClusterOnce(n: number): Promise<NatsCluster> {
  const binary = natsServerBinary();
  if (binary === null) throw new Error('nats-server not found');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-nats-cluster-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < n; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
  const nodes = clientPorts.map((port, i) => {
    const conf = join(dir, `n${i}.conf`);
    writeFileSync(conf, `server_name: n${i}\nlisten: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, `store${i}`)}" }\ncluster {\n  name: bailiff\n  listen: 127.0.0.1:${routePorts[i] as number}\n  routes: [${routes}]\n}\n`);
    let child: ChildProcess | null = null;
    let log = '';
    const start = (): Promise<void> => {
      log = '';
      const c = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nats-server n${i} did not start in 15 s:\n${log}`)), 15_000);
        const check = (): void => {
          if (log.includes('Server is ready') && /metadata leader/.test(log)) {
            clearTimeout(timer);
            resolve();
          }
        };
        c.stderr?.on('data', check);
        c.once('exit', (code) => {
          clearTimeout(timer);
          if (!log.includes('Server is ready')) reject(new Error(`nats-server n${i} exited (${code}):\n${log}`));
        });
      });
    };
    const kill = async (): Promise<void> => {
      const c = child;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGKILL');
      await exited;
    };
    return { url: `nats://127.0.0.1:${port}`, start, kill, restart: start };
  });
  try {
    await Promise.all(nodes.map((node) => node.start()));
  } catch (e) {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    nodes,
    urls: nodes.map((node) => node.url).join(','),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
