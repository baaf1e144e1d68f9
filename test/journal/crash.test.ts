// THE crash test: the real `bailiff ingest` process killed with SIGKILL at random moments while commands stream in,
// restarted each time, resending from the journal's head. bench/journal-crash.ts holds the driver and its checks;
// `npm run bench -- journal-crash` runs it longer (BAILIFF_CRASH_KILLS).
// Two independent sequences of 50 kills run side by side (two journals, two seeds): 100 kills, and on two free
// cores about half the wall time of one sequence (each restart is mostly Node's startup). Then 30 kills of a writer
// with a hot standby beside it (`bailiff ingest --standby`), which takes over each time.

import { describe, expect, it } from 'vitest';
import { crashRun } from '../../bench/journal-crash.js';

describe('bailiff ingest under SIGKILL', () => {
  it('loses no acknowledged command, duplicates none, and ends in the clean run’s state after 100 kills', async () => {
    const runs = await Promise.all([crashRun({ kills: 50, commands: 10_000, seed: 16 }), crashRun({ kills: 50, commands: 10_000, seed: 17 })]);
    for (const r of runs) {
      process.stderr.write(`crash test: ${r.kills} kills (${r.killedBeforeHead} during startup), ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${r.tornTails} torn tails, ${(r.ms / 1000).toFixed(1)} s\n`);
      expect(r.failures).toEqual([]);
      expect(r.kills).toBe(50);
      // Kills landed both during startup and while streaming, and commands were acknowledged along the way.
      expect(r.killedBeforeHead).toBeGreaterThan(2);
      expect(r.kills - r.killedBeforeHead).toBeGreaterThan(25);
      expect(r.acked).toBeGreaterThan(5_000);
    }
  }, 600_000);

  it('fails over to a hot standby at each of 30 kills: nothing acknowledged lost or repeated, the clean run’s state', async () => {
    const r = await crashRun({ kills: 30, commands: 6_000, seed: 18, failover: true });
    process.stderr.write(`failover crash test: ${r.kills} kills, ${r.promotions} promotions, ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(30);
    // Every run after the first took over from standby: none started cold.
    expect(r.promotions).toBe(30);
    expect(r.runs).toBe(31);
    expect(r.killedBeforeHead).toBe(0);
    expect(r.acked).toBeGreaterThan(3_000);
  }, 600_000);
});
