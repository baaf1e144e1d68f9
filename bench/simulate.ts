// `npm run bench -- simulate`: the stress simulator (issue 19) on a day of one-second steps: 100,000 accounts on one
// BTC market through GBM with jumps (80% a year, a few jumps a day), a maker ladder, two liquidators and a backstop,
// one run (the counterfactual, when asked for, is a second run of the same cost). Target: < 60 s on one core.
// Sizes: BAILIFF_SIM_ACCOUNTS (default 100,000), BAILIFF_SIM_STEPS (default 86,400). A smaller size runs first.

import { parseSimConfig } from '../src/sim/simulate/config.js';
import { runSimulation } from '../src/sim/simulate/run.js';
import type { SimConfigInput, SimSummary } from '../src/sim/simulate/types.js';
import { benchInt, type BenchReport } from './report.js';

export function benchConfig(accounts: number, steps: number, seed = 1): SimConfigInput {
  return {
    name: `bench ${accounts} x ${steps}`,
    seed,
    start: '2025-02-02T00:00:00Z',
    stepMs: 1000,
    steps,
    rulebook: 'binance',
    insuranceFund: '1000000',
    markets: [
      {
        id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 1, tickSize: '0.1', stepSize: '0.001',
        margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }, { notionalFloor: '250000', maxLeverage: 20, maintenanceRatio: '0.025' }] },
        start: '100000',
        path: { kind: 'gbm', drift: 0, volatility: 0.8, jumps: { perDay: 4, mean: -0.02, stdev: 0.03 } },
        book: { depth: '500000', levels: 20, spacing: 0.001, resilience: 0.05 },
        arbitrage: { rate: 0.1 },
      },
    ],
    population: {
      accounts, collateral: { min: '100', max: '50000' }, leverage: { min: 2, max: 40, skew: 2 }, longShare: 0.6, isolatedShare: 0.2,
      addMarginShare: 0.3, topUp: 0.5, panicShare: 0.05, panicDrawdown: 0.08,
    },
    liquidators: [
      { id: 'keeper-a', capital: '5000000', latencyMs: 1000, maxPosition: '2000000', discount: 0.01, orderSize: '200000', gas: '1' },
      { id: 'keeper-b', capital: '5000000', latencyMs: 3000, maxPosition: '2000000', discount: 0.008, orderSize: '200000', gas: '1' },
    ],
    backstop: { depth: '2000000', discount: 0.05, refreshMs: 60_000 },
    metrics: { recoveryMinutes: 60, counterfactual: false },
  };
}

/** Wall time, and this process's CPU time (user + system): on a shared machine the CPU time is the steadier figure. */
function once(accounts: number, steps: number): { ms: number; cpuMs: number; summary: SimSummary } {
  const config = parseSimConfig(benchConfig(accounts, steps));
  const cpu = process.cpuUsage();
  const t = performance.now();
  const r = runSimulation(config);
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, summary: r.summary };
}

export function benchSimulate(): BenchReport {
  const accounts = benchInt('BAILIFF_SIM_ACCOUNTS', 100_000);
  const steps = benchInt('BAILIFF_SIM_STEPS', 86_400);
  const lines: string[] = [];
  const sizes: [number, number][] = [[Math.max(1, Math.floor(accounts / 10)), Math.max(1, Math.floor(steps / 10))], [accounts, steps]];
  for (const [a, s] of sizes) {
    const { ms, cpuMs, summary } = once(a, s);
    lines.push(
      `${a.toLocaleString('en')} accounts x ${s.toLocaleString('en')} steps: ${(ms / 1000).toFixed(1)} s wall, ${(cpuMs / 1000).toFixed(1)} s CPU (${((ms * 1000) / s).toFixed(1)} µs a step incl. setup); ` +
        `${summary.liquidations.steps.toLocaleString('en')} liquidation steps, ${summary.commands.applied.toLocaleString('en')} commands, ` +
        `${summary.marginCalls} margin calls, drawdown ${(summary.drawdown.BTCUSDT?.markPpm ?? 0) / 1e4}%`,
    );
  }
  return { name: 'simulate (issue 19: one run, target < 60 s for 100k accounts x 86,400 steps)', lines };
}
