// The simulator's must-holds (issue 19): reproducible bytes, no leverage -> no liquidations, an infinitely deep book
// -> no spiral (the traded price is the reference), a deeper book and partial liquidation -> less bad debt.

import { describe, expect, it } from 'vitest';
import { parseSimConfig } from './config.js';
import { runSimulation } from './run.js';
import type { SimConfigInput } from './types.js';

/** A 20% fast drawdown over 15 minutes on one BTC market, 400 accounts at 10-40x, no fund. */
function crashConfig(patch: (c: SimConfigInput & Record<string, unknown>) => void = () => {}): ReturnType<typeof parseSimConfig> {
  const raw = {
    name: 'test crash',
    seed: 7,
    start: '2025-02-02T22:00:00Z',
    steps: 1500,
    rulebook: 'dydx-v4',
    markets: [
      {
        id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 1, tickSize: '0.1', stepSize: '0.001',
        margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
        start: '100000',
        path: { kind: 'crash', shape: 'fast_drawdown', depth: 0.2, quiet: 300, duration: 900, noise: 0.5 },
        book: { depth: '100000', levels: 20, spacing: 0.001, resilience: 0.05 },
        arbitrage: { rate: 0.05 },
      },
    ],
    population: { accounts: 400, collateral: { min: '200', max: '20000' }, leverage: { min: 10, max: 40, skew: 1 }, longShare: 0.7, isolatedShare: 0.2 },
    metrics: { counterfactual: false },
  } as SimConfigInput & Record<string, unknown>;
  patch(raw);
  return parseSimConfig(raw);
}

const toFull = { rulebook: (r: import('../../core/rulebooks/rulebook.js').Rulebook) => ({ ...r, liquidation: { ...r.liquidation, sizing: { kind: 'full' as const } } }) };

describe('runSimulation', () => {
  it('is reproducible: the same seed gives the same summary and series bytes; another seed does not', () => {
    const c = crashConfig((r) => {
      r.population = { ...(r.population as object), accounts: 150, addMarginShare: 0.5, panicShare: 0.2 } as never;
      r.liquidators = [{ id: 'k1', capital: '1000000', maxPosition: '500000', orderSize: '50000', latencyMs: 2000 }];
      r.backstop = { depth: '200000', discount: 0.05 };
      r.metrics = { counterfactual: true };
      r.steps = 900;
    });
    const a = JSON.stringify(runSimulation(c));
    const b = JSON.stringify(runSimulation(c));
    expect(a).toBe(b);
    const summary = JSON.parse(a).summary;
    expect(summary.liquidations.steps).toBeGreaterThan(0);
    expect(summary.withoutImpact).not.toBeNull();
    expect(JSON.stringify(runSimulation(c, { seed: 8 }))).not.toBe(a);
  });

  it('no leverage, no liquidations: 1x positions through a 50% crash', () => {
    const r = runSimulation(crashConfig((x) => {
      x.population = { accounts: 300, collateral: { min: '100', max: '10000' }, leverage: { min: 1, max: 1 }, longShare: 1 } as never;
      (x.markets as { path: { depth: number } }[])[0]!.path.depth = 0.5;
    }));
    expect(r.summary.positions).toBe(300);
    expect(r.summary.liquidations.steps).toBe(0);
    expect(r.summary.badDebt.total).toBe('0');
    expect(r.series.liquidations.every((n) => n === 0)).toBe(true);
  });

  it('an infinitely deep book: no spiral, the traded price and the mark are the reference at every step', () => {
    const r = runSimulation(crashConfig((x) => {
      (x.markets as { book: object }[])[0]!.book = { depth: '1', infinite: true };
      x.metrics = { counterfactual: false, seriesEvery: 1 };
    }));
    expect(r.summary.liquidations.steps).toBeGreaterThan(50); // the crash does liquidate
    const s = r.series.markets.BTCUSDT!;
    expect(s.traded).toEqual(s.reference);
    expect(s.mark).toEqual(s.reference);
    expect(r.summary.drawdown.BTCUSDT!.markPpm).toBe(r.summary.drawdown.BTCUSDT!.referencePpm);
  });

  it('a deeper book reduces bad debt on the same path and seed (Drift v2: the book is the only exit, no takeover, no ADL)', () => {
    const drift = (depth: string) => crashConfig((x) => {
      x.rulebook = 'drift-v2';
      x.population = { ...(x.population as object), accounts: 120 } as never;
      (x.markets as { book: { depth: string } }[])[0]!.book.depth = depth;
    });
    const shallow = runSimulation(drift('100000'));
    const deep = runSimulation(drift('1000000'));
    expect(Number(shallow.summary.badDebt.total)).toBeGreaterThan(0);
    expect(Number(deep.summary.badDebt.total)).toBeLessThan(Number(shallow.summary.badDebt.total));
    // the shallow book's liquidations moved the price: the mark fell further below the reference
    expect(shallow.summary.drawdown.BTCUSDT!.maxDislocationPpm).toBeGreaterThan(deep.summary.drawdown.BTCUSDT!.maxDislocationPpm);
  });

  it('partial liquidation (dYdX: 10% of a position a block) reduces bad debt against closing whole positions', () => {
    const c = crashConfig();
    const partial = runSimulation(c);
    const full = runSimulation(c, toFull);
    expect(Number(full.summary.badDebt.total)).toBeGreaterThan(0);
    expect(Number(partial.summary.badDebt.total)).toBeLessThan(Number(full.summary.badDebt.total));
  });

  it('the counterfactual isolates what liquidations did to the price', () => {
    const r = runSimulation(crashConfig((x) => (x.metrics = { counterfactual: true })));
    const d = r.summary.drawdown.BTCUSDT!;
    expect(d.causedByLiquidationsPpm).not.toBeNull();
    // impact off: the mark is the reference (to the tick), so the caused drawdown is the impacted run's excess
    expect(d.causedByLiquidationsPpm).toBe(d.markPpm - d.referencePpm);
    expect(r.series.markets.BTCUSDT!.markWithoutImpact).toEqual(r.series.markets.BTCUSDT!.reference);
  });

  it('unnecessary liquidations: a wick that fully recovers leaves them unnecessary; a fall that stays down does not', () => {
    const infinite = (path: object) => crashConfig((x) => {
      const m = (x.markets as { book: object; path: object }[])[0]!;
      m.book = { depth: '1', infinite: true };
      m.path = path;
      x.rulebook = 'binance';
      x.metrics = { counterfactual: false, recoveryMinutes: 30 };
    });
    const wick = runSimulation(infinite({ kind: 'crash', shape: 'v_wick', depth: 0.06, quiet: 60, duration: 600, recovery: 1 }));
    const stays = runSimulation(infinite({ kind: 'crash', shape: 'fast_drawdown', depth: 0.2, quiet: 60, duration: 600 }));
    expect(wick.summary.liquidations.ledgers).toBeGreaterThan(0);
    expect(wick.summary.unnecessary.count).toBeGreaterThan(0);
    expect(wick.summary.unnecessary.count).toBeLessThanOrEqual(wick.summary.liquidations.ledgers);
    expect(stays.summary.liquidations.ledgers).toBeGreaterThan(0);
    expect(stays.summary.unnecessary.count).toBe(0);
  });

  it('liquidators compete: with priority fees the highest bidder is in front; first come, the fastest', () => {
    const withKeepers = (keepers: object[]) => crashConfig((x) => {
      x.rulebook = 'binance';
      (x.markets as { book: { depth: string } }[])[0]!.book.depth = '20000';
      x.liquidators = keepers as never;
      x.steps = 900;
    });
    const k = { capital: '10000000', maxPosition: '5000000', orderSize: '300000', discount: 0.005 };
    const fees = runSimulation(withKeepers([{ id: 'low', ...k, priorityFee: 0.0005 }, { id: 'high', ...k, priorityFee: 0.002 }])).summary.keepers;
    const high = fees.find((x) => x.id === 'high')!;
    const low = fees.find((x) => x.id === 'low')!;
    expect(high.fills).toBeGreaterThan(0);
    expect(high.fills).toBeGreaterThan(low.fills);
    expect(Number(high.fees)).toBeGreaterThan(0);
    const speed = runSimulation(withKeepers([{ id: 'slow', ...k, latencyMs: 5000 }, { id: 'fast', ...k, latencyMs: 0 }])).summary.keepers;
    expect(speed.find((x) => x.id === 'fast')!.fills).toBeGreaterThan(speed.find((x) => x.id === 'slow')!.fills);
    expect(speed.every((x) => x.fees === '0')).toBe(true);
  });

  it('collateral mix: longs margined in the asset they are long liquidate more in its crash (the double hit)', () => {
    const mixed = (share: number) => crashConfig((x) => {
      x.rulebook = 'binance';
      x.assets = [{ id: 'BTC', decimals: 8, priceMarket: 'BTCUSDT', collateralWeight: '0.95' }];
      x.population = { accounts: 200, collateral: { min: '1000', max: '10000' }, leverage: { min: 3, max: 8, skew: 1 }, longShare: 1, collateralMix: [{ asset: 'BTC', share }] } as never;
      (x.markets as { book: { depth: string } }[])[0]!.book.depth = '1000000';
    });
    const usdt = runSimulation(mixed(0)).summary;
    const btc = runSimulation(mixed(0.8)).summary;
    expect(btc.positions).toBe(usdt.positions);
    expect(btc.commands.rejected).toBe(0);
    expect(btc.liquidations.ledgers).toBeGreaterThan(usdt.liquidations.ledgers);
  });
});
