// A service whose commits go through a replicated committer (EngineHost.replicate; `serve --jetstream` gives it the
// JetStream writer's): commands refused until the committer is given, each batch answered only once its commit
// returned and in order, up to batchesInFlightMax batches applied and in flight at once, reads held back while a batch
// is applied and not yet acknowledged, and everything but /metrics refused once a commit failed (the engine is then
// ahead of its journal), a read that waited for the failed batch included. The committer here is the real commit worker behind a
// gate the test opens, standing in for the stream's acknowledgement.

import { afterEach, describe, expect, it } from 'vitest';
import { CommitWorker } from '../../src/journal/commit-worker.js';
import { JournalError } from '../../src/journal/errors.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import type { StoredBatch } from '../../src/journal/store.js';
import { journalPathIn } from '../../src/service/engine-host.js';
import { get, post, start, type Running } from './support.js';

/**
 * A committer that commits on the real worker once `open()` was called for its batch (or fails it with `fail()`), as
 * BatchCommitter promises: in order, and every batch after a failed one rejected with it.
 */
class GatedCommitter {
  readonly mode = 'gated';
  inFlight = 0;
  private gates: { open: () => void; fail: (e: unknown) => void }[] = [];
  private last: Promise<void> = Promise.resolve();
  constructor(private readonly worker: CommitWorker) {}
  commit(batch: StoredBatch): Promise<void> {
    this.inFlight++;
    const gate = new Promise<void>((resolve, reject) => this.gates.push({ open: resolve, fail: reject }));
    const committed = this.last
      .then(() => gate)
      .then(() => this.worker.commit(batch))
      .finally(() => this.inFlight--);
    this.last = committed;
    return committed;
  }
  get waiting(): number {
    return this.gates.length;
  }
  open(): void {
    this.gates.shift()?.open();
  }
  fail(e: unknown): void {
    this.gates.shift()?.fail(e);
  }
}

/** Whether a promise is still pending after the event loop turned a few times. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
  return !done;
}

const deposit = { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '5' };

describe('a replicated service (EngineHost.replicate)', () => {
  let running: Running | null = null;
  afterEach(async () => {
    await running?.app.close();
    running = null;
  });

  /** A server whose journal holds the standard setup, then a gated committer in front of its commit worker. */
  async function replicated(o: { batchesInFlightMax?: number; onCommitFailed?: (e: unknown) => void } = {}): Promise<{ base: string; dir: string; gate: GatedCommitter; worker: CommitWorker; host: Running['app']['bailiff']['host'] }> {
    const plain = await start();
    const dir = plain.dir;
    await plain.app.close();
    running = await start(dir, { replicated: true, durability: 'relaxed', ...o }, null);
    const host = running.app.bailiff.host;
    // Refused until the committer is given.
    const early = await post(running.base, '/v1/commands', deposit);
    expect(early.status).toBe(503);
    expect(early.body.error.message).toBe('the journal is being connected to its stream; commands are taken once it is');
    const connecting = await get(running.base, '/ready');
    expect(connecting.status).toBe(503);
    expect(connecting.body.role).toBe('connecting');
    const worker = await CommitWorker.start(journalPathIn(dir), 'relaxed');
    const gate = new GatedCommitter(worker);
    host.replicate({ committer: gate, stop: () => worker.close() });
    const ready = await get(running.base, '/ready');
    expect([ready.status, ready.body.role]).toEqual([200, 'writer']);
    expect((await get(running.base, '/metrics')).body).toContain('bailiff_role{role="writer"} 1');
    return { base: running.base, dir, gate, worker, host };
  }

  /** Waits until the gate holds `n` batches. */
  async function waitingAt(gate: GatedCommitter, n: number): Promise<void> {
    for (let i = 0; i < 200 && gate.waiting < n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(gate.waiting).toBe(n);
  }

  it('answers a batch once its commit returned, and holds reads back while it is applied and not yet acknowledged', async () => {
    const { base, gate, host } = await replicated();
    const seq = host.engine.seq;
    const answered = post(base, '/v1/commands', deposit);
    for (let i = 0; i < 100 && gate.waiting === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(gate.waiting).toBe(1);
    // Applied (the engine is at the next seq), neither answered nor readable.
    expect(host.engine.seq).toBe(seq + 1);
    const read = get(base, '/v1/accounts/alice');
    const health = get(base, '/health');
    expect(await pending(answered)).toBe(true);
    expect(await pending(read)).toBe(true);
    expect(await pending(health)).toBe(true);
    // /metrics is never held back.
    expect((await get(base, '/metrics')).status).toBe(200);
    gate.open();
    expect((await answered).body.seq).toBe(seq + 1);
    expect((await health).body.seq).toBe(seq + 1);
    expect((await read).status).toBe(200);
    expect(host.durable.journal.durableHead()).toBe(seq + 1);
  });

  it('applies the next batches while earlier ones are in flight, up to batchesInFlightMax, and answers them in order', async () => {
    const { base, gate, host } = await replicated({ batchesInFlightMax: 2 });
    const seq = host.engine.seq;
    const first = post(base, '/v1/commands', deposit);
    await waitingAt(gate, 1);
    const second = post(base, '/v1/commands', { ...deposit, amount: '7' });
    await waitingAt(gate, 2);
    expect(host.engine.seq).toBe(seq + 2);
    expect((await get(base, '/metrics')).body).toContain('bailiff_batches_in_flight 2\n');
    // A read now waits for both batches in flight.
    const read = get(base, '/health');
    // The third waits for a free place: two in flight at most.
    const third = post(base, '/v1/commands', { ...deposit, amount: '9' });
    expect(await pending(third)).toBe(true);
    expect(gate.waiting).toBe(2);
    expect(host.engine.seq).toBe(seq + 2);
    gate.open();
    expect((await first).body.seq).toBe(seq + 1);
    expect(await pending(second)).toBe(true);
    expect(await pending(read)).toBe(true);
    // The first's place is taken by the third.
    await waitingAt(gate, 2);
    expect(host.engine.seq).toBe(seq + 3);
    gate.open();
    expect((await second).body.seq).toBe(seq + 2);
    // The read came while the first two were in flight, not the third: it is served now, seeing all three applied (the
    // third is not acknowledged, but the read waited only for what was in flight when it came).
    expect((await read).status).toBe(200);
    gate.open();
    expect((await third).body.seq).toBe(seq + 3);
    expect(host.durable.journal.durableHead()).toBe(seq + 3);
  });

  it('refuses a read that waited for a batch whose commit then failed, and every batch in flight after it, telling the failure once', async () => {
    const failures: unknown[] = [];
    const { base, dir, gate, host } = await replicated({ onCommitFailed: (e) => failures.push(e) });
    const head = host.durable.journal.head();
    const first = post(base, '/v1/commands', deposit);
    await waitingAt(gate, 1);
    const read = get(base, '/v1/accounts/alice');
    expect(await pending(read)).toBe(true);
    const second = post(base, '/v1/commands', { ...deposit, amount: '7' });
    await waitingAt(gate, 2);
    gate.fail(new JournalError('journal_fenced', 'stream T: another process took the journal over; this one stops'));
    expect((await first).status).toBe(503);
    // Served, it would show the deposits the stream never took.
    expect((await read).status).toBe(503);
    gate.open();
    const answer = await second;
    expect(answer.status).toBe(503);
    expect(failures).toHaveLength(1);
    const file = SqliteJournalStore.open(journalPathIn(dir), { durability: 'relaxed', readOnly: true });
    expect(file.lastSeq()).toBe(head);
    file.close();
  });

  it('after a failed commit refuses commands and reads (503), /metrics excepted, and the journal lacks the batch', async () => {
    const failures: unknown[] = [];
    const plain = await start();
    const dir = plain.dir;
    await plain.app.close();
    running = await start(dir, { replicated: true, durability: 'relaxed', onCommitFailed: (e) => failures.push(e) }, null);
    const host = running.app.bailiff.host;
    const worker = await CommitWorker.start(journalPathIn(dir), 'relaxed');
    const gate = new GatedCommitter(worker);
    host.replicate({ committer: gate, stop: () => worker.close() });
    const head = host.durable.journal.head();
    const refused = post(running.base, '/v1/commands', deposit);
    for (let i = 0; i < 100 && gate.waiting === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const read = get(running.base, '/v1/accounts/alice');
    gate.fail(new JournalError('journal_fenced', 'stream T: another process took the journal over; this one stops'));
    const answer = await refused;
    expect(answer.status).toBe(503);
    expect(answer.body.error.message).toContain('another process took the journal over');
    expect((await read).status).toBe(503);
    expect((await get(running.base, '/health')).status).toBe(503);
    const metrics = await get(running.base, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('bailiff_role{role="stopped"} 1');
    expect((await post(running.base, '/v1/commands', deposit)).status).toBe(503);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(JournalError);
    // The file holds what was committed before; the refused batch was framed, never stored.
    const file = SqliteJournalStore.open(journalPathIn(dir), { durability: 'relaxed', readOnly: true });
    expect(file.lastSeq()).toBe(head);
    file.close();
  });
});
