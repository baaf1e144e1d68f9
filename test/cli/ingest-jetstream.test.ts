// `bailiff ingest --jetstream`: real processes against a real nats-server. A writer on one journal file, a standby on
// another (as on another machine) that copies the stream and takes it over when the writer is killed; the old
// writer restarted catches up and is refused while the new one lives; a writer paused past the take-over and
// resumed is fenced at its next batch, its command never acknowledged. Needs `npm run build` (dist/).

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalInfo } from '../../src/cli/ingest.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { runCliCaptured } from '../support/cli.js';
import { ackedSeqs as seqs, startIngest } from '../support/ingest-process.js';
import { natsAvailable, startNatsServer, type NatsServer } from '../support/nats.js';
import { Readable } from 'node:stream';

const run = natsAvailable('ingest --jetstream tests');
// The scenario's commands: set_rulebook, 2 set_market, 11 deposits, 2 prices = 16.
const SETUP = 16;

const start = startIngest;

describe.runIf(run)('bailiff ingest --jetstream', () => {
  let nats: NatsServer;
  let dir: string;
  let scenario: string;
  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'bailiff-ingest-js-'));
    scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('a standby on its own journal copies the stream, takes it over when the writer is killed, and goes on with nothing lost or repeated', async () => {
    const [a, b] = [join(dir, 'a.db'), join(dir, 'b.db')];
    const js = ['--jetstream', nats.url, '--stream', 'FAILOVER'];
    const lines = streamCommands(9, 10).map((c) => JSON.stringify(c));
    const writer = start(['--journal', a, '--scenario', scenario, ...js]);
    writer.child.stdin?.write(`${lines.slice(0, 5).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 5}`);
    expect(writer.err()).toContain(`ingest: replicating to stream FAILOVER at ${nats.url} from its message 2 (at the start 0 batches copied from it, 2 published to it: the genesis and the scenario)\n`);
    // The standby's journal does not exist: the stream is where it comes from.
    const standby = start(['--journal', b, '--standby', ...js, '--takeover-ms', '600', '--poll-ms', '20']);
    await standby.until(standby.err, 'following stream FAILOVER');
    expect(standby.err()).toContain(`; recovered from the genesis + ${SETUP + 5} replayed; head ${SETUP + 5}; following stream FAILOVER until no writer is heard for 600 ms\n`);
    writer.child.stdin?.write(`${lines.slice(5, 8).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 8}`);
    // Lines for the standby wait in its stdin until it is the writer; the writer has been heard all along.
    standby.child.stdin?.end(`${lines.slice(8).join('\n')}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(standby.err()).not.toContain('promoted');
    writer.child.kill('SIGKILL');
    await writer.closed;
    expect(await standby.closed).toBe(0);
    expect(standby.err()).toMatch(
      new RegExp(`ingest: promoted: no writer heard on stream FAILOVER for 600 ms; durability full: SQLite journal_mode=WAL, synchronous=FULL; \\d+ records followed as standby \\([0-9.]+ s\\), taken over in \\d+ ms; head ${SETUP + 8}; taking commands\n`),
    );
    expect(seqs(standby.out())).toEqual([SETUP + 9, SETUP + 10]);
    // One history, the same as one writer's given the same lines.
    const reference = join(dir, 'reference.db');
    await runCliCaptured(['ingest', '--journal', reference, '--scenario', scenario], { stdin: Readable.from([`${lines.join('\n')}\n`]) });
    const head = (file: string): { head: number; headHash: string } => {
      const { head: h, headHash } = journalInfo(file);
      return { head: h, headHash };
    };
    expect(head(b)).toEqual(head(reference));
    expect(head(b).head).toBe(SETUP + 10);

    // The old writer restarted while the new one lives: refused before it copies or publishes anything.
    const live = start(['--journal', b, ...js]);
    await live.until(live.err, 'replicating to stream FAILOVER');
    const before = head(a);
    const again = await runCliCaptured(['ingest', '--journal', a, ...js], { stdin: Readable.from([`${lines[0] as string}\n`]) });
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^error: stream FAILOVER: another writer is alive \(heard \d+ ms ago\); stop it first, or run this one with --standby\n$/);
    expect(again.out).toBe('');
    expect(head(a)).toEqual(before);
    expect(before.head).toBe(SETUP + 8);
    live.child.stdin?.end();
    expect(await live.closed).toBe(0);
    // Once it stopped, the old writer starts: it copies what it lacks and goes on from the stream's head.
    const after = await runCliCaptured(['ingest', '--journal', a, ...js], { stdin: Readable.from([]) });
    expect(after.code).toBe(0);
    expect(after.err).toMatch(/^ingest: 1 batches copied from stream FAILOVER \(records up to 26\) in \d+\.\d s\n/);
    expect(head(a)).toEqual(head(reference));
  });

  it("a standby's journal keeps the writer's snapshots as the stream gets them: promoted after a crash and restarted, it recovers from the newest", async () => {
    const [a, b] = [join(dir, 'snap-a.db'), join(dir, 'snap-b.db')];
    const js = ['--jetstream', nats.url, '--stream', 'STANDBYSNAP'];
    const lines = streamCommands(9, 30).map((c) => JSON.stringify(c));
    const writer = start(['--journal', a, '--scenario', scenario, '--snapshot-every', '10', ...js]);
    writer.child.stdin?.write(`${lines.slice(0, 2).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 2}`);
    const standby = start(['--journal', b, '--standby', ...js, '--takeover-ms', '600', '--poll-ms', '20']);
    await standby.until(standby.err, 'following stream STANDBYSNAP');
    // Snapshots the writer takes (every 10 commands) after the standby started: it copies the newest at its next check.
    writer.child.stdin?.write(`${lines.slice(2, 25).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 25}`);
    await standby.until(standby.err, 'a recovery of this journal starts from it');
    const copied = /^ingest: standby: snapshot (\d+) copied from object store STANDBYSNAP-snapshots \([\d.]+ MB in [\d.]+ s\): a recovery of this journal starts from it$/m.exec(standby.err());
    const seq = Number(copied?.[1]);
    expect(seq).toBeGreaterThan(SETUP + 2);
    expect(writer.err()).toContain(`ingest: snapshot ${seq} put into object store STANDBYSNAP-snapshots (`);
    const snapshotOf = (file: string) => {
      const store = SqliteJournalStore.open(file, { durability: 'relaxed', readOnly: true });
      try {
        return { info: store.snapshotInfos().find((s) => s.seq === seq), parts: store.snapshotParts(seq) };
      } finally {
        store.close();
      }
    };
    expect(snapshotOf(b)).toEqual(snapshotOf(a));
    writer.child.kill('SIGKILL');
    await writer.closed;
    standby.child.stdin?.end(`${lines.slice(25).join('\n')}\n`);
    expect(await standby.closed).toBe(0);
    expect(seqs(standby.out())).toEqual([SETUP + 26, SETUP + 27, SETUP + 28, SETUP + 29, SETUP + 30]);
    // Without the stream, the promoted standby's journal alone: recovery starts from the copied snapshot.
    const again = await runCliCaptured(['ingest', '--journal', b], { stdin: Readable.from([]) });
    expect(again.code).toBe(0);
    expect(again.err).toContain(`recovered from snapshot ${seq} + ${SETUP + 30 - seq} replayed; head ${SETUP + 30}\n`);
  }, 60_000);

  it('fences a writer paused past the take-over: resumed, its next batch is refused and it stops, the command never acknowledged', async () => {
    const [a, b] = [join(dir, 'fa.db'), join(dir, 'fb.db')];
    const js = ['--jetstream', nats.url, '--stream', 'FENCED'];
    const lines = streamCommands(5, 8).map((c) => JSON.stringify(c));
    const writer = start(['--journal', a, '--scenario', scenario, ...js]);
    writer.child.stdin?.write(`${lines.slice(0, 3).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 3}`);
    const standby = start(['--journal', b, '--standby', ...js, '--takeover-ms', '600', '--poll-ms', '20']);
    await standby.until(standby.err, 'following stream FENCED');
    // The writer stops answering (as a machine cut off, or a process swapped out), and the standby takes over.
    writer.child.kill('SIGSTOP');
    await standby.until(standby.err, 'taking commands');
    standby.child.stdin?.write(`${lines[3] as string}\n`);
    await standby.until(standby.out, `"seq":${SETUP + 4}`);
    writer.child.kill('SIGCONT');
    writer.child.stdin?.end(`${lines[4] as string}\n`);
    expect(await writer.closed).toBe(2);
    expect(writer.err()).toMatch(
      new RegExp(`error: stream FENCED: records ${SETUP + 4}-${SETUP + 4} were to follow message 3, but another writer's batch is there: another process took the journal over; this one stops\n$`),
    );
    expect(seqs(writer.out())).toEqual([SETUP + 1, SETUP + 2, SETUP + 3]);
    standby.child.stdin?.end(`${lines.slice(5).join('\n')}\n`);
    expect(await standby.closed).toBe(0);
    expect(seqs(standby.out())).toEqual([SETUP + 4, SETUP + 5, SETUP + 6, SETUP + 7]);
    // The fenced writer's journal holds none of its refused batch: it is behind the stream, not beside it, and
    // catches up once the standby stopped.
    expect(journalInfo(a).head).toBe(SETUP + 3);
    const behind = await runCliCaptured(['journal', 'info', a, ...js]);
    expect(behind.code).toBe(0);
    expect(behind.out).toContain(`\nstream FENCED at ${nats.url}: message 5 (record ${SETUP + 7}); the local journal is 4 records behind it (copied at the next ingest --jetstream, writer or standby)\n`);
    const caught = await runCliCaptured(['ingest', '--journal', a, ...js], { stdin: Readable.from([]) });
    expect(caught.code).toBe(0);
    expect(journalInfo(a)).toMatchObject({ head: SETUP + 7, headHash: journalInfo(b).headHash });
    const level = await runCliCaptured(['journal', 'info', a, ...js, '--json']);
    expect((JSON.parse(level.out) as { jetstream: unknown }).jetstream).toEqual({ stream: 'FENCED', url: nats.url, message: 5, record: SETUP + 7, standing: 'level', records: 0, snapshots: [] });
    // A journal of another history against the stream: said, and exit 2; neither changed.
    const other = join(dir, 'other.db');
    await runCliCaptured(['ingest', '--journal', other, '--scenario', scenario], { stdin: Readable.from([`${streamCommands(77, 6).map((c) => JSON.stringify(c)).join('\n')}\n`]) });
    const diverged = await runCliCaptured(['journal', 'info', other, ...js]);
    expect(diverged.code).toBe(2);
    expect(diverged.out).toContain(`\nstream FENCED at ${nats.url}: message 5 (record ${SETUP + 7}); the local journal DIVERGED: the local journal and stream FENCED differ at record ${SETUP + 6}, the local journal's last`);
    expect(diverged.err).toMatch(/^error: the local journal and stream FENCED differ at record 22/);
  });

  it('takes nothing over while the stream cannot be read: a server that stops answering is not a silent writer', async () => {
    const [a, b] = [join(dir, 'ba.db'), join(dir, 'bb.db')];
    const js = ['--jetstream', nats.url, '--stream', 'BLIND'];
    const lines = streamCommands(6, 6).map((c) => JSON.stringify(c));
    const writer = start(['--journal', a, '--scenario', scenario, ...js]);
    writer.child.stdin?.write(`${lines.slice(0, 2).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 2}`);
    const standby = start(['--journal', b, '--standby', ...js, '--takeover-ms', '600', '--poll-ms', '20']);
    await standby.until(standby.err, 'following stream BLIND');
    // The server freezes for longer than a request's timeout (5 s) and the take-over time together.
    nats.process.kill('SIGSTOP');
    try {
      await standby.until(standby.err, 'no take-over while the stream cannot be read');
    } finally {
      nats.process.kill('SIGCONT');
    }
    await standby.until(standby.err, 'stream BLIND readable again; following');
    expect(standby.err()).toContain('ingest: standby: stream BLIND: TIMEOUT; no take-over while the stream cannot be read\n');
    expect(standby.err()).not.toContain('promoted');
    // The writer lived through it, and the standby follows it again.
    writer.child.stdin?.write(`${lines.slice(2, 4).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 4}`);
    standby.child.stdin?.end(`${lines.slice(4).join('\n')}\n`);
    writer.child.kill('SIGKILL');
    expect(await standby.closed).toBe(0);
    expect(standby.err()).toMatch(new RegExp(`promoted: no writer heard on stream BLIND for 600 ms; .*; head ${SETUP + 4}; taking commands\n`));
    expect(seqs(standby.out())).toEqual([SETUP + 5, SETUP + 6]);
  }, 30_000);

  it('stops a writer whose stream does not acknowledge in time: nothing acknowledged that the stream lacks, and a restart goes on from the stream', async () => {
    const a = join(dir, 'stall.db');
    const js = ['--jetstream', nats.url, '--stream', 'STALL'];
    const lines = streamCommands(8, 4).map((c) => JSON.stringify(c));
    const writer = start(['--journal', a, '--scenario', scenario, ...js]);
    writer.child.stdin?.write(`${lines.slice(0, 2).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 2}`);
    nats.process.kill('SIGSTOP');
    let code: number | null;
    try {
      // stdin stays open: the writer stops on its own.
      writer.child.stdin?.write(`${lines[2] as string}\n`);
      code = await writer.closed;
    } finally {
      nats.process.kill('SIGCONT');
    }
    expect(code).toBe(2);
    expect(writer.err()).toMatch(new RegExp(`error: stream STALL: publishing records ${SETUP + 3}-${SETUP + 3}: TIMEOUT\n$`));
    expect(seqs(writer.out())).toEqual([SETUP + 1, SETUP + 2]);
    // The batch may have reached the stream as the server woke (durable, never acknowledged): the restart takes the
    // stream's head either way, and acknowledges from the one after it.
    const again = await runCliCaptured(['ingest', '--journal', a, ...js], { stdin: Readable.from([`${lines[3] as string}\n`]) });
    expect(again.code).toBe(0);
    const head = journalInfo(a).head;
    expect([SETUP + 3, SETUP + 4]).toContain(head);
    expect(seqs(again.out)).toEqual([head]);
  }, 60_000);

  it('a crash tick whose record is larger than a message goes through the records object store: the writer goes on, and a copy of the stream replays it byte for byte', async () => {
    // 40 traders long 0.15 BTC at 100,000 on 2,000 USDT each; a tick to 86,000 liquidates every one of them in one
    // record, tens of KB of events, against a server whose messages take 8 KiB.
    const traders = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const crash = {
      ...STREAM_SCENARIO,
      name: 'crash tick',
      accounts: [{ id: 'maker', deposits: { USDT: '100000000' } }, ...traders.map((id) => ({ id, deposits: { USDT: '2000' } }))],
      commands: [
        { kind: 'price', market: 'BTCUSDT', mark: '100000' },
        { kind: 'price', market: 'ETHUSDT', mark: '3000' },
        ...traders.map((id) => ({ kind: 'fill', market: 'BTCUSDT', price: '100000', size: '0.150', buyer: id, seller: 'maker' })),
      ],
    };
    const file = join(dir, 'crash-scenario.json');
    writeFileSync(file, JSON.stringify(crash));
    const config = join(dir, 'small-messages.conf');
    writeFileSync(config, 'max_payload: 8192\n');
    const small = await startNatsServer(['-c', config]);
    try {
      const js = ['--jetstream', small.url, '--stream', 'CRASH'];
      const [a, b] = [join(dir, 'crash-a.db'), join(dir, 'crash-b.db')];
      const writer = await runCliCaptured(['ingest', '--journal', a, '--scenario', file, ...js], {
        stdin: Readable.from([`${JSON.stringify({ kind: 'price', market: 'BTCUSDT', mark: '86000' })}\n${JSON.stringify({ kind: 'deposit', account: 'c0', asset: 'USDT', amount: '1' })}\n`]),
      });
      expect(writer.code, writer.err).toBe(0);
      const setup = 2 + crash.commands.length + crash.accounts.length + 1; // markets, the scenario's commands, deposits, the rulebook
      const acked = seqs(writer.out);
      expect(acked).toHaveLength(2);
      const tick = acked[0] as number;
      expect(tick).toBe(setup + 1);
      const store = SqliteJournalStore.open(a, { durability: 'relaxed', readOnly: true });
      const record = [...store.read(tick, tick)][0] as { bytes: Uint8Array; firstSeq: number; lastSeq: number };
      store.close();
      // The tick's batch holds the tick and the deposit after it; the tick alone is larger than a message.
      expect(record.bytes.length).toBeGreaterThan(8 * 8192);
      expect(writer.out).toMatch(new RegExp(`"seq":${tick},"command":"price","events":\\d{3,}`));

      const copy = await runCliCaptured(['ingest', '--journal', b, ...js], { stdin: Readable.from([]) });
      expect(copy.code, copy.err).toBe(0);
      expect(copy.err).toContain(`recovered from the genesis + ${tick + 1} replayed; head ${tick + 1}`);
      expect(journalInfo(b).headHash).toBe(journalInfo(a).headHash);
    } finally {
      await small.stop();
    }
  }, 60_000);

  it('refuses bad pairings of flags with one line each', async () => {
    const j = join(dir, 'flags.db');
    const cases: [string[], string][] = [
      [['--stream', 'X'], 'error: --stream goes with --jetstream <url>\n'],
      [['--replicas', '3', '--takeover-ms', '900'], 'error: --replicas, --takeover-ms go with --jetstream <url>\n'],
      [['--jetstream', nats.url, '--takeover-ms', '900'], "error: --takeover-ms is a standby's wait: it goes with --standby\n"],
      [['--jetstream', nats.url, '--standby', '--takeover-ms', '100'], 'error: --takeover-ms 100: at least 600 (three heartbeats), or a live writer\'s late beat looks like silence\n'],
      [['--jetstream', nats.url, '--stream', 'EMPTY', '--standby'], `error: stream EMPTY at ${nats.url} holds no journal yet: a standby follows one a writer publishes (start the writer first)\n`],
      [['--jetstream', nats.url, '--stream', 'EMPTY2'], `error: neither ${j} nor stream EMPTY2 at ${nats.url} holds a journal: a new journal needs --scenario <file> (its settlement, rulebook and setup commands)\n`],
      [['--jetstream', 'nats://127.0.0.1:1'], 'error: cannot reach the JetStream server at nats://127.0.0.1:1: CONNECTION_REFUSED\n'],
    ];
    // `journal info` looks without creating: a missing stream is said.
    const look = await runCliCaptured(['journal', 'info', join(dir, 'fa.db'), '--jetstream', nats.url, '--stream', 'NOPE']);
    expect({ code: look.code, err: look.err }).toEqual({ code: 2, err: 'error: stream NOPE does not exist\n' });
    const stray = await runCliCaptured(['journal', 'info', join(dir, 'fa.db'), '--stream', 'NOPE']);
    expect({ code: stray.code, err: stray.err }).toEqual({ code: 2, err: 'error: --stream goes with --jetstream <url>\n' });
    for (const [args, err] of cases) {
      const r = await runCliCaptured(['ingest', '--journal', j, ...args], { stdin: Readable.from([]) });
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 2, err });
      // A refused start leaves no file behind: the next one would find an empty journal there.
      expect(readdirSync(dir).filter((f) => f.startsWith('flags.db'))).toEqual([]);
    }
  });
});
