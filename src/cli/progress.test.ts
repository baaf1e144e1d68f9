import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { processIo } from './program.js';
import { startProgress, startRecoveryProgress } from './progress.js';

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream, text: () => chunks.join('') };
}

describe('startProgress', () => {
  it('is drawn only on a terminal: the CLI passes stderr as the progress stream exactly when it is a TTY', () => {
    expect(processIo.progressStream === process.stderr).toBe(process.stderr.isTTY === true);
    expect(processIo.progressStream === undefined).toBe(process.stderr.isTTY !== true);
  });

  it('on a terminal, draws nothing for work that ends within the delay', () => {
    const t = terminal();
    let nowMs = 0;
    const p = startProgress({ label: 'x', total: 3, stream: t.stream, delayMs: 2_000, now: () => nowMs });
    for (let i = 1; i <= 3; i++) p.update(i);
    nowMs = 1_500;
    p.stop();
    expect(t.text()).toBe('');
  });

  it('on a terminal, stays silent for the first delayMs, then draws the label, the share done and the count', () => {
    const t = terminal();
    let nowMs = 0;
    const p = startProgress({ label: 'applying commands', total: 1_000, stream: t.stream, delayMs: 2_000, now: () => nowMs });
    nowMs = 1_999;
    p.update(100);
    expect(t.text()).toBe('');
    nowMs = 2_000;
    // The clock is read on every 256th update (the replay calls this once per command): the 256th call draws.
    for (let i = 1; i < 256; i++) p.update(100 + i);
    expect(t.text()).toBe('');
    p.update(500);
    expect(t.text()).toContain('applying commands');
    expect(t.text()).toContain('50% | 500/1000');
    p.stop();
  });

  it('counts the delay from startedAtMs, and takes a total learnt on the way (setTotal)', () => {
    const t = terminal();
    let nowMs = 10_000;
    const p = startProgress({ label: 'decoding, then applying commands', total: 0, stream: t.stream, startedAtMs: 7_000, now: () => nowMs });
    p.update(5); // the total is not known yet: nothing drawn, whatever the time
    expect(t.text()).toBe('');
    p.setTotal(40);
    nowMs = 10_001;
    for (let i = 0; i < 255; i++) p.update(5);
    p.update(10); // 3 s since startedAtMs: drawn
    expect(t.text()).toContain('25% | 10/40');
    p.stop();
  });
});

describe('startRecoveryProgress', () => {
  it('draws nothing for a recovery that ends within the delay', () => {
    const t = terminal();
    let nowMs = 0;
    const r = startRecoveryProgress(t.stream, { now: () => nowMs });
    r.tell({ phase: 'snapshot', done: 0, total: 1 });
    r.tell({ phase: 'snapshot', done: 1, total: 1 });
    nowMs = 1_000;
    r.tell({ phase: 'replay', done: 0, total: 50 });
    r.tell({ phase: 'replay', done: 50, total: 50 });
    r.stop();
    expect(t.text()).toBe('');
  });

  it('after the delay (from its start), a bar per phase: counted phases with their count, one-step phases by their label', () => {
    const t = terminal();
    let nowMs = 0;
    const r = startRecoveryProgress(t.stream, { now: () => nowMs });
    r.tell({ phase: 'snapshot', done: 0, total: 1 });
    nowMs = 2_500; // the snapshot's read took 2.5 s: its end is not drawn, the next phase is
    r.tell({ phase: 'snapshot', done: 1, total: 1 });
    r.tell({ phase: 'accounts', done: 0, total: 2_000_000 });
    expect(t.text()).toContain('recovery: restoring accounts');
    expect(t.text()).toContain('0% | 0/2000000');
    r.tell({ phase: 'accounts', done: 2_000_000, total: 2_000_000 });
    r.tell({ phase: 'indexes', done: 0, total: 1 });
    expect(t.text()).toContain('recovery: building the breach and margin-call indexes...');
    expect(t.text()).not.toContain('0/1');
    r.tell({ phase: 'indexes', done: 1, total: 1 });
    r.tell({ phase: 'replay', done: 0, total: 10_000 });
    expect(t.text()).toContain('recovery: replaying the journal after the snapshot');
    r.stop();
  });

  it('without a terminal, logs one line per phase that starts after the delay', () => {
    let nowMs = 0;
    const lines: string[] = [];
    const r = startRecoveryProgress(undefined, { now: () => nowMs, log: (l) => lines.push(l) });
    r.tell({ phase: 'snapshot', done: 0, total: 1 });
    r.tell({ phase: 'snapshot', done: 1, total: 1 });
    r.tell({ phase: 'accounts', done: 0, total: 1_000_001 });
    nowMs = 3_000;
    r.tell({ phase: 'accounts', done: 1_000_001, total: 1_000_001 });
    r.tell({ phase: 'indexes', done: 0, total: 1 });
    nowMs = 13_000;
    r.tell({ phase: 'indexes', done: 1, total: 1 });
    r.tell({ phase: 'replay', done: 0, total: 10_000 });
    r.stop();
    expect(lines).toEqual(['recovery: building the breach and margin-call indexes (3.0 s in)', 'recovery: replaying the journal after the snapshot (10,000 records, 13.0 s in)']);
  });
});
