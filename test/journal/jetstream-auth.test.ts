// The journal's JetStream link over TLS and with a NATS credentials file, against real nats-servers: one started with
// the test certificates (test/fixtures/tls: a test CA, a server certificate for 127.0.0.1, a client certificate)
// refuses a client without the CA that signed it and takes one with it; one that also verifies clients (mutual TLS)
// refuses a client without a certificate; `bailiff ingest --jetstream-ca` replicates through it. One in operator mode
// (test/fixtures/nats-creds: decentralised JWT auth) refuses a client without credentials and takes one with the
// user's creds file (`--jetstream-creds`).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalError } from '../../src/journal/errors.js';
import { JetStreamLog } from '../../src/journal/jetstream.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { runCliCaptured } from '../support/cli.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';

const run = natsAvailable('JetStream TLS tests');
const tls = (name: string): string => resolve('test/fixtures/tls', name);
const SERVER_TLS = ['--tls', '--tlscert', tls('server.pem'), '--tlskey', tls('server-key.pem')];

describe.runIf(run)('JetStream with a credentials file', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer(['-c', resolve('test/fixtures/nats-creds/server.conf')]);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const creds = resolve('test/fixtures/nats-creds/user.creds');

  it('is refused without the credentials and reaches the stream with them, through the CLI too', async () => {
    await expect(JetStreamLog.open({ url: server.url, stream: 'CREDS', timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'replica_unavailable' });
    const log = await JetStreamLog.open({ url: server.url, stream: 'CREDS', credsFile: creds });
    expect(await log.head()).toEqual({ streamSeq: 0, lastSeq: -1 });
    await log.close();
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-js-creds-'));
    const scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
    const lines = streamCommands(4, 3).map((c) => `${JSON.stringify(c)}\n`);
    const r = await runCliCaptured(['ingest', '--journal', join(dir, 'a.db'), '--scenario', scenario, '--jetstream', server.url, '--stream', 'CREDS', '--jetstream-creds', creds], { stdin: Readable.from(lines) });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('ingest: replicating to stream CREDS');
    // Credentials twice (in the URL and a file): refused before anything connects.
    const both = await runCliCaptured(['ingest', '--journal', join(dir, 'b.db'), '--scenario', scenario, '--jetstream', server.url.replace('nats://', 'nats://u:p@'), '--jetstream-creds', creds], { stdin: Readable.from([]) });
    expect(both.code).toBe(2);
    expect(both.err).toBe('error: --jetstream-creds: the URL holds credentials too (user:password@ or token@); give one or the other\n');
  }, 30_000);
});

describe.runIf(run)('JetStream over TLS', () => {
  let server: NatsServer;
  let mutual: NatsServer;
  beforeAll(async () => {
    [server, mutual] = await Promise.all([startNatsServer(SERVER_TLS), startNatsServer([...SERVER_TLS, '--tlsverify', '--tlscacert', tls('ca.pem')])]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), mutual?.stop()]);
  });

  it('refuses a server whose certificate no known CA signed, and reaches it with its CA', async () => {
    const refused = JetStreamLog.open({ url: server.url, stream: 'TLS', timeoutMs: 2_000 });
    await expect(refused).rejects.toBeInstanceOf(JournalError);
    await expect(refused).rejects.toMatchObject({ code: 'replica_unavailable' });
    const log = await JetStreamLog.open({ url: server.url, stream: 'TLS', tls: { caFile: tls('ca.pem') } });
    expect(await log.head()).toEqual({ streamSeq: 0, lastSeq: -1 });
    await log.close();
  });

  it('with mutual TLS, refuses a client without a certificate and takes one with it', async () => {
    const refused = JetStreamLog.open({ url: mutual.url, stream: 'MTLS', timeoutMs: 2_000, tls: { caFile: tls('ca.pem') } });
    await expect(refused).rejects.toMatchObject({ code: 'replica_unavailable' });
    const log = await JetStreamLog.open({ url: mutual.url, stream: 'MTLS', tls: { caFile: tls('ca.pem'), certFile: tls('client.pem'), keyFile: tls('client-key.pem') } });
    expect(await log.head()).toEqual({ streamSeq: 0, lastSeq: -1 });
    await log.close();
  });

  it('bailiff ingest --jetstream-ca replicates through TLS, and journal info reads the stream with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-js-tls-'));
    const scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
    const journal = join(dir, 'a.db');
    const lines = streamCommands(3, 5).map((c) => `${JSON.stringify(c)}\n`);
    const js = ['--jetstream', mutual.url, '--stream', 'INGEST_TLS', '--jetstream-ca', tls('ca.pem'), '--jetstream-cert', tls('client.pem'), '--jetstream-key', tls('client-key.pem')];
    const r = await runCliCaptured(['ingest', '--journal', journal, '--scenario', scenario, ...js], { stdin: Readable.from(lines) });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('ingest: replicating to stream INGEST_TLS');
    const info = await runCliCaptured(['journal', 'info', journal, ...js]);
    expect(info.code, info.err).toBe(0);
    expect(info.out).toContain('the local journal is level with it');
    // Without the client certificate the server refuses the connection: exit 2, nothing journaled.
    const bare = await runCliCaptured(['ingest', '--journal', join(dir, 'b.db'), '--scenario', scenario, '--jetstream', mutual.url, '--stream', 'INGEST_TLS', '--jetstream-ca', tls('ca.pem')], { stdin: Readable.from(lines) });
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/^error: cannot reach the JetStream server at nats:\/\/127\.0\.0\.1:\d+/);
    // Flags checked before anything connects.
    for (const [args, message] of [
      [['--jetstream-ca', tls('ca.pem')], '--jetstream-ca goes with --jetstream <url>'],
      [['--jetstream', mutual.url, '--jetstream-cert', tls('client.pem')], '--jetstream-cert and --jetstream-key go together'],
      [['--jetstream', mutual.url, '--jetstream-ca', join(dir, 'none.pem')], `--jetstream-ca ${join(dir, 'none.pem')}: no such file`],
    ] as const) {
      const bad = await runCliCaptured(['ingest', '--journal', join(dir, 'c.db'), '--scenario', scenario, ...args], { stdin: Readable.from([]) });
      expect(bad.code, bad.err).toBe(2);
      expect(bad.err).toContain(message);
    }
  }, 30_000);
});
