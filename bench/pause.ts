// Commands during a liquidation pause in a crash: the bench world (Binance preset, margin calls on) is paused, one
// market falls 5% (every ledger it breaches is told once, deferred 'paused'), then ordinary commands keep coming
// (+-5 bp ticks on the other markets, deposits). Each command is timed as the whole engine.apply(). The comparison is
// the same commands on the same world before the crash, with no ledger in breach: a pause must cost a command
// O(what it changes), not O(ledgers held) (enforcement.ts pauseSettled, waterfall.ts isHeld).

import type { Command } from '../src/core/engine/commands.js';
import type { Engine } from '../src/core/engine/engine.js';
import { price, quote } from '../src/core/units/index.js';
import { fmtMs, percentile } from './baseline.js';
import { setupMaker } from './maker.js';
import type { BenchReport } from './report.js';
import { buildWorld, START_PRICE } from './world.js';

const MARKETS = 10;

function commands(engine: Engine, n: number, offset: number): Command[] {
  const out: Command[] = [];
  for (let i = 0; i < n; i++) {
    const t = engine.timeMs + 1 + i;
    if (i % 4 === 3) out.push({ kind: 'deposit', tsMs: t, account: `acct-${(i * 7919 + offset) % 1000}`, asset: 'USDC', amount: quote(1_000_000n) });
    else {
      const m = 1 + (i % (MARKETS - 1));
      out.push({ kind: 'price', tsMs: t, market: `M${m}-PERP`, mark: price(i % 2 === 0 ? (START_PRICE * 10_005n) / 10_000n : START_PRICE) });
    }
  }
  return out;
}

function timeAll(engine: Engine, cmds: readonly Command[]): Float64Array {
  const ms = new Float64Array(cmds.length);
  for (const [i, cmd] of cmds.entries()) {
    const t = process.hrtime.bigint();
    engine.apply(cmd);
    ms[i] = Number(process.hrtime.bigint() - t) / 1e6;
  }
  return ms;
}

const summary = (ms: Float64Array): string => {
  const sorted = Float64Array.from(ms).sort();
  return `mean ${fmtMs(ms.reduce((a, b) => a + b, 0) / ms.length)}, p50 ${fmtMs(percentile(sorted, 0.5))}, p99 ${fmtMs(percentile(sorted, 0.99))}`;
};

export function benchPause(accounts: number): BenchReport {
  const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
  setupMaker(engine, MARKETS);
  const n = 2_000;
  const before = timeAll(engine, commands(engine, n, 0));
  engine.apply({ kind: 'set_liquidation_pause', tsMs: engine.timeMs + 1, paused: true });
  let t = process.hrtime.bigint();
  const crash = engine.apply({ kind: 'price', tsMs: engine.timeMs + 1, market: 'M0-PERP', mark: price((START_PRICE * 95n) / 100n) });
  const crashMs = Number(process.hrtime.bigint() - t) / 1e6;
  const held = engine.breachedLedgers().length;
  const deferred = crash.filter((e) => e.kind === 'LiquidationDeferred').length;
  const during = timeAll(engine, commands(engine, n, 1));
  t = process.hrtime.bigint();
  const resumed = engine.apply({ kind: 'set_liquidation_pause', tsMs: engine.timeMs + 1, paused: false });
  const resumeMs = Number(process.hrtime.bigint() - t) / 1e6;
  return {
    name: `commands during a liquidation pause, ${accounts.toLocaleString('en')} accounts x ${MARKETS} markets, Binance preset with margin calls`,
    lines: [
      `the 5% fall while paused: ${fmtMs(crashMs)}, ${deferred.toLocaleString('en')} ledgers told (deferred 'paused'); ${held.toLocaleString('en')} ledgers held in breach`,
      `${n.toLocaleString('en')} commands (ticks on the other markets, deposits) while they are held: ${summary(during)}`,
      `the same commands before the fall, nothing in breach: ${summary(before)}`,
      `resume: ${fmtMs(resumeMs)}, ${resumed.filter((e) => e.kind === 'LiquidationStarted').length.toLocaleString('en')} liquidations`,
    ],
  };
}
