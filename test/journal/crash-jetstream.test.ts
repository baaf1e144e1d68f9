// The SIGKILL crash test with the journal replicated over JetStream (bench/journal-crash.ts `jetstream`): the real
// `bailiff ingest --jetstream` killed at random moments, each run on the other of two journal files (two machines),
// first with a standby on the other file taking over at each kill, then with cold restarts. The checks read a journal
// copied from the stream alone: every acknowledged command once and in order, the clean run's events, state and state
// root. Needs nats-server (test/support/nats.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashRun } from '../../bench/journal-crash.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';

const run = natsAvailable('JetStream crash tests');

describe.runIf(run)('bailiff ingest --jetstream under SIGKILL', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('fails over to a standby on the other file at each of 20 kills: the stream holds every acknowledged command once, and the clean run’s state', async () => {
    const r = await crashRun({ kills: 20, commands: 5_000, seed: 19, failover: true, jetstream: { url: nats.url, stream: 'CRASH_FAILOVER' } });
    process.stderr.write(`jetstream failover crash test: ${r.kills} kills, ${r.promotions} promotions, ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(20);
    expect(r.promotions).toBe(20);
    expect(r.runs).toBe(21);
    expect(r.acked).toBeGreaterThan(2_500);
  }, 600_000);

  it('restarts cold on the other file after each of 10 kills (some during startup): the same checks', async () => {
    const r = await crashRun({ kills: 10, commands: 3_000, seed: 20, jetstream: { url: nats.url, stream: 'CRASH_COLD' } });
    process.stderr.write(`jetstream cold crash test: ${r.kills} kills (${r.killedBeforeHead} during startup), ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(10);
    expect(r.promotions).toBe(0);
    expect(r.acked).toBeGreaterThan(1_500);
  }, 600_000);
});
