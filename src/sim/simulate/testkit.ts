// Fixtures shared by the simulator's tests (src/sim and test/): the one market their sim.json files trade.

/** A fast-drawdown crash (paths.ts): the fall's depth as a fraction, calm steps before it, the fall's steps, noise. */
export interface TestCrash {
  readonly depth: number;
  readonly quiet: number;
  readonly duration: number;
  readonly noise?: number;
}

/**
 * The test simulations' BTCUSDT market in sim.json form: 0.001 BTC steps, $0.1 ticks, one tier (50x, 1% maintenance),
 * starting at $100,000, on a fast-drawdown crash, with a book `bookDepth` dollars deep.
 */
export function btcCrashMarket(crash: TestCrash, bookDepth = '100000') {
  return {
    id: 'BTCUSDT',
    baseDecimals: 3,
    priceDecimals: 1,
    tickSize: '0.1',
    stepSize: '0.001',
    margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
    start: '100000',
    path: { kind: 'crash' as const, shape: 'fast_drawdown' as const, ...crash },
    book: { depth: bookDepth },
  };
}
