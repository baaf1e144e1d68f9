// The journal on a JetStream cluster of three nats-servers, the stream kept on all three (`--replicas 3`): what the
// replication section of docs/journal.md says of availability, shown with real processes. With the server leading the
// stream killed the writer rides through the election of another leader and goes on (a majority still acknowledges); with a second killed its next batch gets no acknowledgement and
// it stops (exit 2) with nothing acknowledged that the stream lacks; with one server back the stream has its quorum
// again and a writer goes on from the stream's head, the journal level with the stream. Needs `npm run build`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { journalInfo } from '../../src/cli/ingest.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { runCliCaptured } from '../support/cli.js';
import { ackedSeqs as seqs, startIngest } from '../support/ingest-process.js';
import { natsAvailable, startNatsCluster } from '../support/nats.js';

const run = natsAvailable('JetStream cluster tests');
// The scenario's commands: set_rulebook, 2 set_market, 11 deposits, 2 prices = 16.
const SETUP = 16;

/** The index of the cluster's server that leads the stream (server names are n0, n1, ...: startNatsCluster). */
async function streamLeader(urls: string, stream: string): Promise<number> {
  const nc = await connect({ servers: urls.split(',') });
  try {
    const leader = (await (await nc.jetstreamManager()).streams.info(stream)).cluster?.leader ?? '';
    const index = Number(/^n(\d+)$/.exec(leader)?.[1]);
    if (!Number.isInteger(index)) throw new Error(`stream ${stream} has no leader (${leader})`);
    return index;
  } finally {
    await nc.close();
  }
}

describe.runIf(run)('the journal on a three-server JetStream cluster (--replicas 3)', () => {
  it('goes on with one server killed, stops when a second goes (no quorum), and goes on from the stream once one is back', async () => {
    const cluster = await startNatsCluster(3);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'bailiff-js-cluster-'));
      const scenario = join(dir, 'scenario.json');
      writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
      const journal = join(dir, 'a.db');
      const js = ['--jetstream', cluster.urls, '--stream', 'R3', '--replicas', '3'];
      const lines = streamCommands(11, 40).map((c) => JSON.stringify(c));
      // Where the journal stands against the stream; a read may find the stream between two leaders: asked again.
      const standing = async (): Promise<{ code: number; out: string; err: string }> => {
        let r = await runCliCaptured(['journal', 'info', journal, '--jetstream', cluster.urls, '--stream', 'R3']);
        for (let attempt = 0; attempt < 15 && r.code !== 0; attempt++) {
          await new Promise((res) => setTimeout(res, 1_000));
          r = await runCliCaptured(['journal', 'info', journal, '--jetstream', cluster.urls, '--stream', 'R3']);
        }
        expect(r.code, r.err).toBe(0);
        return r;
      };
      const writer = startIngest(['--journal', journal, '--scenario', scenario, ...js]);
      writer.child.stdin?.write(`${lines.slice(0, 10).join('\n')}\n`);
      await writer.until(writer.out, `"seq":${SETUP + 10}`);

      // One of three down, the one leading the stream: the writer rides through the election of another leader (~5 s
      // in which no server answers for the stream), and a majority (two) holds every batch.
      const leader = await streamLeader(cluster.urls, 'R3');
      await (cluster.nodes[leader] as (typeof cluster.nodes)[number]).kill();
      writer.child.stdin?.write(`${lines.slice(10, 20).join('\n')}\n`);
      await writer.until(writer.out, `"seq":${SETUP + 20}`);
      expect((await standing()).out).toContain('the local journal is level with it');

      // Two of three down: no quorum, no acknowledgement; the writer stops with nothing acknowledged past the stream.
      const second = (leader + 1) % 3;
      await (cluster.nodes[second] as (typeof cluster.nodes)[number]).kill();
      writer.child.stdin?.write(`${lines[20] as string}\n`);
      expect(await writer.closed).toBe(2);
      expect(writer.err()).toMatch(new RegExp(`error: stream R3: publishing records ${SETUP + 21}-${SETUP + 21}: (503: no JetStream server answered for the stream|TIMEOUT)`));
      expect(seqs(writer.out()).at(-1)).toBe(SETUP + 20);

      // One back: a quorum again (the stream's leader elected anew, which may take a moment). A writer restarted goes
      // on from the stream's head.
      await (cluster.nodes[second] as (typeof cluster.nodes)[number]).restart();
      // A start of the writer (a real process), given 45 s: it goes on, or says why it stopped (within its own bound,
      // STARTUP_RECONCILE_MS, 30 s after the connect) and exits, never waits silently nor lingers after its error line
      // (a wait the nats client left open did, before main.ts exited on a failed command).
      const attempt = async (): Promise<{ code: number | null; out: string; err: string }> => {
        const p = startIngest(['--journal', journal, ...js]);
        p.child.stdin?.end(`${lines.slice(21, 30).join('\n')}\n`);
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 45_000);
        const code = await p.closed;
        clearTimeout(timer);
        expect(code, `a start neither went on nor exited within 45 s: ${p.err()}`).not.toBeNull();
        return { code, out: p.out(), err: p.err() };
      };
      let again = await attempt();
      for (let tries = 0; tries < 10 && again.code !== 0; tries++) {
        expect(again.err).toMatch(/replica|stream R3|TIMEOUT|503/);
        await new Promise((r) => setTimeout(r, 1_000));
        again = await attempt();
      }
      expect(again.code, again.err).toBe(0);
      const head = journalInfo(journal).head;
      expect(seqs(again.out).at(-1)).toBe(head);
      // The stopped writer's last batch may have reached the stream unacknowledged (then it was copied back): 9 or 10 more.
      expect([SETUP + 29, SETUP + 30]).toContain(head);
      expect((await standing()).out).toContain('the local journal is level with it');
    } finally {
      await cluster.stop();
    }
  }, 240_000);
});
