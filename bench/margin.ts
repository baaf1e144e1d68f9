// Margin evaluations per second for 1M accounts: the exact bigint path (evaluateAccount, what decides) and the
// float screen path (MarginScreen, what may only select), side by side.

import { evaluateAccount } from '../src/core/margin/evaluate.js';
import { MarginScreen } from '../src/core/margin/screen.js';
import { buildWorld } from './world.js';
import { elapsedMs, heapAtRestGiB, type BenchReport } from './report.js';

export function benchMargin(accounts: number): BenchReport {
  const t0 = process.hrtime.bigint();
  const engine = buildWorld({ accounts, markets: 10, seed: 42 });
  const buildMs = elapsedMs(t0);
  const state = engine.state;

  // Exact path over every account.
  const t1 = process.hrtime.bigint();
  let breached = 0;
  for (const account of state.accounts.values()) {
    const ev = evaluateAccount(state, account);
    if (ev.priced && ev.cross.equity <= ev.cross.maintenance && ev.cross.maintenance > 0n) breached++;
  }
  const exactMs = elapsedMs(t1);

  // Float screen over every account (built once; rebuilding is O(n) like the exact pass).
  const t2 = process.hrtime.bigint();
  const screen = new MarginScreen(state, state.markets.values(), state.accounts.values());
  const screenBuildMs = elapsedMs(t2);
  const marks = Float64Array.from([...state.markets.values()].map((m) => Number(m.markPrice)));
  const out = new Float64Array(screen.size);
  const rounds = 5;
  const t3 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) screen.slackAll(marks, out);
  const floatMs = elapsedMs(t3) / rounds;
  let screened = 0;
  for (let i = 0; i < out.length; i++) if ((out[i] as number) <= 0) screened++;

  const heap = heapAtRestGiB();
  const exactRate = accounts / (exactMs / 1000);
  const floatRate = accounts / (floatMs / 1000);
  return {
    name: `margin evaluation, ${accounts.toLocaleString('en')} accounts x 10 markets`,
    lines: [
      `world built from a snapshot in ${buildMs.toFixed(0)} ms; screen built in ${screenBuildMs.toFixed(0)} ms`,
      `exact bigint path : ${fmtRate(exactRate)} evaluations/s  (${exactMs.toFixed(0)} ms for all; ${breached} in breach)`,
      `float screen path : ${fmtRate(floatRate)} evaluations/s  (${floatMs.toFixed(1)} ms for all; ${screened} screened <= 0)`,
      `ratio             : float screen = ${(floatRate / exactRate).toFixed(1)}x the exact path`,
      `memory            : heap in use at rest ${heap} (engine state and screen)`,
    ],
  };
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(1)} k`;
}
