// Helpers for the service's end-to-end tests: a server on a free loopback port over a fresh journal in a temporary
// directory, JSON requests with fetch, and a WebSocket client that collects messages.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import type { Command } from '../../src/core/engine/commands.js';
import { standardSetup, TEST_CONFIG } from '../../src/core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../../src/core/rulebooks/presets.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../../src/journal/types.js';
import { buildServer, type ServiceOptions } from '../../src/service/server.js';

export const T0 = 1_000;
export const GENESIS: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK };

export interface Running {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly ws: string;
  readonly dir: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bailiff-service-'));
}

/** A server over `dir`; a new journal gets the genesis and `setup` (default: the standard world: BTC-PERP, ETH-PERP, BTC collateral). */
export async function start(dir: string = tempDir(), o: Partial<ServiceOptions> = {}, setup: readonly Command[] | null = standardSetup(T0)): Promise<Running> {
  const app = await buildServer({ dataDir: dir, genesis: GENESIS, logger: false, ...o });
  if (app.bailiff.host.engine.seq === 0 && setup !== null) await app.bailiff.host.submit(setup);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, base: `http://127.0.0.1:${address.port}`, ws: `ws://127.0.0.1:${address.port}`, dir };
}

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers, asserted field by field
}

export async function get(base: string, path: string): Promise<Answer> {
  const r = await fetch(`${base}${path}`);
  const text = await r.text();
  return { status: r.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

export async function post(base: string, path: string, body: unknown, contentType = 'application/json'): Promise<Answer> {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** A WebSocket client that keeps every message (parsed) and can wait for one that matches. */
export class StreamClient {
  readonly messages: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new StreamClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** Resolves with the first message matching `match` (already received or to come), or rejects after `timeoutMs`. */
  async waitFor(match: (m: any) => boolean, timeoutMs = 5_000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
