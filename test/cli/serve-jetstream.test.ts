// `bailiff serve --jetstream`: real processes against a real nats-server. A writer on one data directory and a standby
// on another (as on another machine) that copies the stream, serves reads from it and refuses commands until the
// writer is killed, then takes the stream over; the old writer restarted is refused while the new one lives; a
// writer paused past the take-over and resumed is fenced at its next batch: that command is refused (503), never
// stored, and the process stops with exit 2. Needs `npm run build` (dist/).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalInfo } from '../../src/cli/ingest.js';
import { Journal } from '../../src/journal/journal.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { runCliCaptured } from '../support/cli.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';
import { json, postCommands, serve, until, type Served } from '../support/serve-process.js';

const run = natsAvailable('serve --jetstream tests');

const deposit = (account: string, amount = '5') => ({ kind: 'deposit', account, asset: 'USDT', amount });

describe.runIf(run)('bailiff serve --jetstream', () => {
  let nats: NatsServer;
  let dir: string;
  const running: Served[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'bailiff-serve-js-'));
  });
  afterAll(async () => {
    for (const s of running) {
      s.child.kill('SIGCONT');
      s.child.kill('SIGKILL');
    }
    await nats?.stop();
  });
  const start = async (args: string[]): Promise<Served> => {
    const s = await serve(args);
    running.push(s);
    return s;
  };

  it('a standby on its own data copies the stream, serves reads, takes the stream over when the writer is killed, and the old writer is refused while it lives', async () => {
    const js = ['--jetstream', nats.url, '--stream', 'SERVE'];
    const common = ['--insecure-local', '--durability', 'relaxed'];
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const writer = await start(['--data', a, ...common, ...js]);
    expect(writer.stderr()).toContain(`serve: replicating to stream SERVE at ${nats.url} from its message 1 (at the start 0 batches copied from it, 1 published to it: the genesis)\n`);
    for (const account of ['t1', 't2']) expect((await postCommands(writer.url, deposit(account))).status).toBe(200);
    const standby = await start(['--data', b, ...common, ...js, '--standby', '--poll-ms', '20', '--takeover-ms', '600']);
    expect(standby.stderr()).toContain(`serve: standby: following stream SERVE at ${nats.url} every 20 ms; commands are refused (503) until no writer is heard for 600 ms\n`);
    expect(standby.stderr()).toContain('recovered from the genesis + 2 replayed), head 2');
    expect((await json(`${standby.url}/ready`)).role).toBe('standby');
    const refused = await postCommands(standby.url, deposit('t9'));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('a standby');
    // Reads follow the writer's batches as the stream delivers them.
    expect((await postCommands(writer.url, [deposit('t3'), deposit('t4')])).status).toBe(200);
    await until(async () => (await json(`${standby.url}/health`)).seq === 4);
    expect((await json(`${standby.url}/v1/accounts/t4`)).account).toBe('t4');
    // Heard all along: no take-over.
    await new Promise((r) => setTimeout(r, 800));
    expect(standby.stderr()).not.toContain('promoted');

    writer.child.kill('SIGKILL');
    await writer.exited;
    await until(() => standby.stderr().includes('taking commands'));
    expect(standby.stderr()).toMatch(/serve: promoted: no writer heard on stream SERVE for 600 ms; head 4\nserve: replicating to stream SERVE at nats:\/\/127\.0\.0\.1:\d+ from its message 4; taking commands at head 4\n/);
    const taken = await postCommands(standby.url, deposit('t5'));
    expect(taken.status).toBe(200);
    expect(((await taken.json()) as { seq: number }).seq).toBe(5);
    expect((await json(`${standby.url}/ready`)).role).toBe('writer');

    // The old writer restarted while the new one lives: refused before it copies or publishes anything (exit 2).
    const before = journalInfo(join(a, 'journal.db'));
    const again = await runCliCaptured(['serve', '--port', '0', '--data', a, ...common, ...js]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/error: stream SERVE: another writer is alive \(heard \d+ ms ago\); stop it first, or run this one with --standby\n$/);
    expect(journalInfo(join(a, 'journal.db')).head).toBe(before.head);
    // The stream and the new writer's journal are level, the same history as the old writer's up to its last batch.
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    const level = await runCliCaptured(['journal', 'info', join(b, 'journal.db'), '--jetstream', nats.url, '--stream', 'SERVE']);
    expect(level.code).toBe(0);
    expect(level.out).toContain('the local journal is level with it');
    expect(journalInfo(join(b, 'journal.db')).head).toBe(5);
  }, 60_000);

  it('fences a writer paused past the take-over: its next command is refused (503), never stored, and it stops with exit 2', async () => {
    const js = ['--jetstream', nats.url, '--stream', 'SERVE_FENCED'];
    const common = ['--insecure-local', '--durability', 'relaxed'];
    const [a, b] = [join(dir, 'fa'), join(dir, 'fb')];
    const writer = await start(['--data', a, ...common, ...js]);
    expect((await postCommands(writer.url, deposit('t1'))).status).toBe(200);
    const standby = await start(['--data', b, ...common, ...js, '--standby', '--poll-ms', '20', '--takeover-ms', '600']);
    // The writer stops answering (a machine cut off, a process swapped out), and the standby takes over.
    writer.child.kill('SIGSTOP');
    await until(() => standby.stderr().includes('taking commands'));
    expect(((await (await postCommands(standby.url, deposit('t2'))).json()) as { seq: number }).seq).toBe(2);
    writer.child.kill('SIGCONT');
    const fenced = await postCommands(writer.url, deposit('t3'));
    expect(fenced.status).toBe(503);
    expect(((await fenced.json()) as { error: { message: string } }).error.message).toMatch(/the journal stopped: stream SERVE_FENCED: records 2-2 were to follow message 2, but another writer's batch is there/);
    expect(await writer.exited).toBe(2);
    expect(writer.stderr()).toMatch(/serve: stopped: nothing more is acknowledged; the journal holds every acknowledged command, head 1\nerror: stream SERVE_FENCED: records 2-2 were to follow message 2, but another writer's batch is there: another process took the journal over; this one stops\n$/);
    expect(journalInfo(join(a, 'journal.db')).head).toBe(1);
    // The new writer goes on.
    expect(((await (await postCommands(standby.url, deposit('t4'))).json()) as { seq: number }).seq).toBe(3);
  }, 60_000);

  it('goes on through SIGKILLs of its writer: each time the standby takes over, and every acknowledged command is in the journal once, at its seq', async () => {
    const js = ['--jetstream', nats.url, '--stream', 'SERVE_KILLS'];
    const common = ['--insecure-local', '--durability', 'relaxed'];
    const dirs = [join(dir, 'k0'), join(dir, 'k1')];
    const standbyArgs = ['--standby', '--poll-ms', '20', '--takeover-ms', '600'];
    let writer = await start(['--data', dirs[0] as string, ...common, ...js]);
    let standby = await start(['--data', dirs[1] as string, ...common, ...js, ...standbyArgs]);
    const acknowledged = new Map<string, number>();
    let next = 0;
    // Four clients post one deposit each at a time, each to a new account, until the writer stops answering.
    const client = async (url: string): Promise<void> => {
      for (;;) {
        const account = `k${next++}`;
        let answer: Response;
        try {
          answer = await postCommands(url, deposit(account));
        } catch {
          return; // killed under it: not acknowledged (stored or not)
        }
        if (answer.status !== 200) return;
        acknowledged.set(account, ((await answer.json()) as { seq: number }).seq);
      }
    };
    const KILLS = 4;
    for (let kill = 0; kill < KILLS; kill++) {
      const clients = [0, 1, 2, 3].map(() => client(writer.url));
      await new Promise((r) => setTimeout(r, 150 + 100 * kill));
      writer.child.kill('SIGKILL');
      await Promise.all(clients);
      await until(() => standby.stderr().includes('taking commands'));
      // The killed writer's data becomes the next standby: it copies what it lacks from the stream.
      const dead = kill % 2 === 0 ? (dirs[0] as string) : (dirs[1] as string);
      [writer, standby] = [standby, await start(['--data', dead, ...common, ...js, ...standbyArgs])];
    }
    const last = await postCommands(writer.url, deposit('last'));
    const lastSeq = ((await last.json()) as { seq: number }).seq;
    writer.child.kill('SIGTERM');
    standby.child.kill('SIGTERM');
    expect(await writer.exited).toBe(0);
    expect(await standby.exited).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(KILLS * 20);
    // The last writer's journal: every acknowledged deposit once, at the seq it was acknowledged with; no account twice.
    const file = KILLS % 2 === 0 ? (dirs[0] as string) : (dirs[1] as string);
    const store = SqliteJournalStore.open(join(file, 'journal.db'), { durability: 'relaxed', readOnly: true });
    const journal = Journal.open(store, { name: file });
    const seen = new Map<string, number>();
    for (const r of journal.records()) {
      if (r.command.kind !== 'deposit') continue;
      expect(seen.has(r.command.account), `${r.command.account} twice`).toBe(false);
      seen.set(r.command.account, r.seq);
    }
    for (const [account, seq] of acknowledged) expect(seen.get(account), account).toBe(seq);
    expect(seen.get('last')).toBe(lastSeq);
    expect(journal.head()).toBe(lastSeq);
    store.close();
    const level = await runCliCaptured(['journal', 'info', join(file, 'journal.db'), ...js]);
    expect(level.out).toContain('the local journal is level with it');
  }, 90_000);

  it("puts the writer's snapshots into the stream's object store, and a standby on an empty data directory recovers from the newest", async () => {
    const js = ['--jetstream', nats.url, '--stream', 'SERVESNAP'];
    const common = ['--insecure-local', '--durability', 'relaxed'];
    const [a, b] = [join(dir, 'snap-a'), join(dir, 'snap-b')];
    const first = await start(['--data', a, ...common, ...js]);
    for (let i = 0; i < 12; i++) expect((await postCommands(first.url, deposit(`s${i}`))).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Restarted, the writer recovers by replaying the 12 records and captures that head at once (its first snapshot).
    const writer = await start(['--data', a, ...common, ...js]);
    await until(() => writer.stderr().includes('serve: snapshot 12 put into object store SERVESNAP-snapshots ('));
    expect(await (await fetch(`${writer.url}/metrics`)).text()).toContain('bailiff_stream_snapshots_total{outcome="put"} 1\n');
    expect((await postCommands(writer.url, deposit('after'))).status).toBe(200);
    const standby = await start(['--data', b, ...common, ...js, '--standby', '--poll-ms', '20']);
    expect(standby.stderr()).toMatch(/serve: snapshot 12 copied from object store SERVESNAP-snapshots \([\d.]+ MB in [\d.]+ s\): recovery starts from it\n/);
    expect(standby.stderr()).toContain('(recovered from snapshot 12 + 1 replayed), head 13');
    expect((await json(`${standby.url}/v1/accounts/s11`)).account).toBe('s11');
    const [sa, sb] = [a, b].map((d) => SqliteJournalStore.open(join(d, 'journal.db'), { durability: 'relaxed', readOnly: true }));
    expect(sb?.snapshotInfos().find((s) => s.seq === 12)).toEqual(sa?.snapshotInfos().find((s) => s.seq === 12));
    sa?.close();
    sb?.close();
  });

  it('refuses bad pairings of flags with one line each (exit 2)', async () => {
    const data = join(dir, 'flags');
    for (const [args, message] of [
      [['--stream', 'X'], '--stream goes with --jetstream <url>'],
      [['--jetstream', nats.url, '--takeover-ms', '800'], "--takeover-ms is a standby's wait: it goes with --standby"],
      [['--jetstream', nats.url, '--standby', '--takeover-ms', '100'], '--takeover-ms 100: at least 600 (three heartbeats)'],
    ] as const) {
      const r = await runCliCaptured(['serve', '--port', '0', '--data', data, '--insecure-local', ...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
