// `bailiff serve` as a real process (dist/src/cli/main.js): it prints its URL, answers over HTTP while the crash
// replay runs through it, and SIGTERM makes it drain, close the journal and exit 0. A second start recovers the
// journal and goes on from its head.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedFetch } from '../../src/service/security/client.js';
import { exitCode, json, serve } from '../support/serve-process.js';

describe('bailiff serve (the real process)', () => {
  it('prints its URL, serves the replay, and on SIGTERM flushes the journal and exits 0', async () => {
    const data = mkdtempSync(join(tmpdir(), 'bailiff-serve-'));
    const args = ['--data', data, '--replay', '--synthetic', '--accounts', '200', '--speed', '6000', '--insecure-local', '--durability', 'relaxed'];
    const first = await serve(args);
    expect(first.stderr()).toContain('WARNING --insecure-local');
    // The setup (200 traders) lands before the first minute; then the markets are priced and accounts answer.
    let ready = await json(`${first.url}/ready`);
    for (let i = 0; i < 100 && ready.seq < 1000; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await json(`${first.url}/ready`);
    }
    expect(ready.ready).toBe(true);
    expect(ready.markets.map((m: { id: string }) => m.id)).toEqual(['ALGOUSDT', 'AVAXUSDT', 'FILUSDT', 'NEARUSDT']);
    const trader = await json(`${first.url}/v1/accounts/trader-00001`);
    expect(trader.account).toBe('trader-00001');
    const done = exitCode(first.child);
    first.child.kill('SIGTERM');
    expect(await done).toBe(0);
    const stopped = /journal flushed at head (\d+)/.exec(first.stderr());
    expect(stopped).not.toBeNull();
    const head = Number(stopped?.[1]);
    expect(head).toBeGreaterThan(1000);

    // Restarted over the same journal: recovered at the head it stopped at (nothing acknowledged is lost).
    const second = await serve(['--data', data, '--insecure-local', '--durability', 'relaxed']);
    expect(second.stderr()).toMatch(/recovered from .* replayed\), head \d+\nserve: recovery took \d+\.\d s \(snapshot and restore \d+\.\d s, replay \d+\.\d s\)\n/);
    const again = await json(`${second.url}/health`);
    expect(again.seq).toBe(head);
    const end = exitCode(second.child);
    second.child.kill('SIGINT');
    expect(await end).toBe(0);
  }, 120_000);

  it('with --keys, every request but the public ones must be signed by a key of the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-serve-keys-'));
    const store = join(dir, 'keys.json');
    const made = spawnSync(process.execPath, ['dist/src/cli/main.js', 'keys', 'add', '--role', 'read', '--store', store, '--json'], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    const key = JSON.parse(made.stdout) as { id: string; secret: string };
    const served = await serve(['--data', join(dir, 'data'), '--keys', store, '--durability', 'relaxed']);
    try {
      expect(served.stderr()).toContain('requests must be signed');
      expect(served.stderr()).not.toContain('WARNING');
      expect((await fetch(`${served.url}/v1/markets`)).status).toBe(200); // public
      const unsigned = await fetch(`${served.url}/v1/accounts/alice`);
      expect(unsigned.status).toBe(401);
      expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('key_missing');
      // Signed: through the plugin to the route (no such account yet: the route's own 404).
      const signed = await signedFetch(served.url, { keyId: key.id, secret: key.secret }, 'GET', '/v1/accounts/alice');
      expect(signed.status).toBe(404);
      expect(((await signed.json()) as { error: { code: string } }).error.code).toBe('not_found');
      // Another last character (a secret already ending in 'A' would otherwise stay the same: 1 run in 64).
      const otherLast = key.secret.endsWith('A') ? 'B' : 'A';
      const wrong = await signedFetch(served.url, { keyId: key.id, secret: `${key.secret.slice(0, -1)}${otherLast}` }, 'GET', '/v1/accounts/alice');
      expect(wrong.status).toBe(401);
    } finally {
      const done = exitCode(served.child);
      served.child.kill('SIGTERM');
      expect(await done).toBe(0);
    }
    // Both, or a store that does not exist: refused before anything starts (exit 2, one line).
    for (const args of [['--keys', store, '--insecure-local'], ['--keys', join(dir, 'nope.json')]]) {
      const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--data', join(dir, 'data2'), ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);

  it('says --rulebook is ignored over an existing journal (as ingest says of --scenario); not over a new one', async () => {
    const common = ['--data', mkdtempSync(join(tmpdir(), 'bailiff-serve-')), '--insecure-local', '--durability', 'relaxed'];
    const first = await serve([...common, '--rulebook', 'bybit']);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).not.toContain('ignored');
    const second = await serve([...common, '--rulebook', 'binance']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.stderr()).toContain('serve: --rulebook binance ignored (the journal exists, with rulebook bybit)\n');
  }, 60_000);

  it('refuses --poll-ms without --standby (exit 2, one line), as --takeover-ms is', () => {
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--insecure-local', '--data', mkdtempSync(join(tmpdir(), 'bailiff-serve-')), '--poll-ms', '50'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --poll-ms is a standby's interval: it goes with --standby\n");
  });

  it('refuses to run without the security plugin unless --insecure-local is given (exit 2)', () => {
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--data', mkdtempSync(join(tmpdir(), 'bailiff-serve-'))], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--insecure-local');
  });

  it('a port in use, a host that is not this machine, a --data that is a file: exit 2, one line, no journal created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-serve-setup-'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (taken.address() as AddressInfo).port;
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    try {
      for (const [args, says] of [
        [['--port', String(port)], `error: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the port is in use)`],
        [['--port', '0', '--host', '999.1.1.1'], 'error: cannot listen on 999.1.1.1:0: ENOTFOUND (the host does not resolve)'],
      ] as const) {
        const data = join(dir, 'data');
        const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--insecure-local', '--data', data, ...args], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toBe(`${says}\n`);
        expect(existsSync(data), 'the data directory is not created').toBe(false);
      }
      const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--insecure-local', '--port', '0', '--data', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toBe(`error: --data ${file} is not a directory (EEXIST)\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('as a standby serves reads and refuses commands (503) until its writer is killed, then takes commands', async () => {
    const data = mkdtempSync(join(tmpdir(), 'bailiff-serve-'));
    const common = ['--data', data, '--insecure-local', '--durability', 'relaxed'];
    const writer = await serve(common);
    const post = (url: string, body: unknown): Promise<Response> => fetch(`${url}/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(writer.url, { kind: 'deposit', account: 't1', asset: 'USDT', amount: '5' })).status).toBe(200);
    const standby = await serve([...common, '--standby', '--poll-ms', '20']);
    expect(standby.stderr()).toContain('serve: standby: following the journal every 20 ms; commands are refused (503) until its writer stops');
    const refused = await post(standby.url, { kind: 'deposit', account: 't2', asset: 'USDT', amount: '5' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect((await fetch(`${standby.url}/ready`)).status).toBe(503);
    expect((await post(writer.url, { kind: 'deposit', account: 't1', asset: 'USDT', amount: '5' })).status).toBe(200);
    // Reads follow the writer's commits.
    let health = await json(`${standby.url}/health`);
    for (let i = 0; i < 100 && health.seq < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      health = await json(`${standby.url}/health`);
    }
    expect(health.seq).toBe(2);
    writer.child.kill('SIGKILL');
    await exitCode(writer.child);
    for (let i = 0; i < 200 && !standby.stderr().includes('serve: promoted'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(standby.stderr()).toContain("serve: promoted: the journal's writer stopped; taking commands at head 2");
    const taken = await post(standby.url, { kind: 'deposit', account: 't2', asset: 'USDT', amount: '5' });
    expect(taken.status).toBe(200);
    expect(((await taken.json()) as { seq: number }).seq).toBe(3);
    standby.child.kill('SIGTERM');
    expect(await exitCode(standby.child)).toBe(0);
    // --standby takes no command: --replay (which feeds commands) is refused with it.
    const both = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', ...common, '--standby', '--replay'], { encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--standby takes no command until it takes the journal over');
  }, 60_000);
});
