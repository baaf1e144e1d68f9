// THE crash test: the real `bailiff ingest` process killed with SIGKILL at random moments while commands stream in,
// restarted each time, resending from the journal's head. bench/journal-crash.ts holds the driver and its checks;
// `npm run bench -- journal-crash` runs it longer (BAILIFF_CRASH_KILLS).

import { describe, expect, it } from 'vitest';
import { crashRun } from '../../bench/journal-crash.js';

describe('bailiff ingest under SIGKILL', () => {
  it('loses no acknowledged command, duplicates none, and ends in the clean run’s state after 100 kills', async () => {
    const r = await crashRun({ kills: 100, commands: 20_000, seed: 16 });
    process.stderr.write(`crash test: ${r.kills} kills (${r.killedBeforeHead} during startup), ${r.runs} runs, ${r.acked} acknowledged, head ${r.head}, ${r.tornTails} torn tails, ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(100);
    // Kills landed both during startup and while streaming, and most commands were acknowledged along the way.
    expect(r.killedBeforeHead).toBeGreaterThan(5);
    expect(r.kills - r.killedBeforeHead).toBeGreaterThan(50);
    expect(r.acked).toBeGreaterThan(1_000);
  }, 600_000);
});
