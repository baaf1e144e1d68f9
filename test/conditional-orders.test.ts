// Conditional orders in scenario files: wire decoding (decimals, ratios, times), the rulebook section, and the events
// in decimals, through the same path as `bailiff run`.

import { describe, expect, it } from 'vitest';
import { runScenarioObject, type Ran } from './support/run.js';

const T = Date.UTC(2026, 0, 5, 12, 0);
const ofKind = (r: Ran, kind: string): Record<string, unknown>[] => r.wire.filter((e) => e.kind === kind);

describe('conditional orders in scenario files', () => {
  it('decodes every field, fires a trailing stop by ratio through a V and a stop_limit, refuses a flat reduce-only', () => {
    const r = runScenarioObject({
      settlement: { asset: 'USDT', decimals: 6 },
      rulebook: { preset: 'binance', conditionalOrders: { order: 'liquidation_first', marketSlippage: '0.05', defaultSource: 'mark' } },
      startAt: T,
      markets: [{ id: 'ETHUSDT', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.025' }] } }],
      accounts: [
        { id: 'mm', deposits: { USDT: '1000000' } },
        { id: 'alice', deposits: { USDT: '10000' } },
      ],
      commands: [
        { kind: 'price', market: 'ETHUSDT', mark: '3000' },
        { kind: 'fill', market: 'ETHUSDT', price: '3000', size: '2', buyer: 'alice', seller: 'mm' },
        { kind: 'place_order', account: 'mm', market: 'ETHUSDT', id: 'bid', side: 'buy', price: '3100', size: '5' },
        // 2%: placed at 3,000, trigger 2,940. Down to 2,950 (no fire), up to 3,200 (trigger 3,136), fires at 3,130.
        { kind: 'place_conditional', account: 'alice', market: 'ETHUSDT', id: 'trail', type: 'trailing_stop', side: 'sell', trailRatio: '0.02', size: '1.5', reduceOnly: true },
        { kind: 'place_conditional', account: 'alice', market: 'ETHUSDT', id: 'gone', type: 'stop_market', side: 'sell', trigger: '2000', size: '1', expiresAt: T + 5_000 },
        { kind: 'price', market: 'ETHUSDT', mark: '2950' },
        { kind: 'price', market: 'ETHUSDT', mark: '3200' },
        { kind: 'price', market: 'ETHUSDT', mark: '3130' },
        { kind: 'amend_conditional', account: 'alice', market: 'ETHUSDT', id: 'gone', trigger: '2500.5' },
      ],
    });
    expect(r.scenario.rulebook.conditionalOrders).toEqual({ order: 'liquidation_first', marketSlippagePpm: 50_000n, defaultSource: 'mark', maxPerAccountMarket: 100 });
    expect(ofKind(r, 'CommandRejected')).toEqual([]);
    expect(ofKind(r, 'ConditionalPlaced').map((e) => [e.orderId, e.trigger, e.size])).toEqual([
      ['trail', '2940', '1.5'],
      ['gone', '2000', '1'],
    ]);
    // Fires at trigger 3,136: an ioc sell of 1.5 limited at 3,136 x 0.95 = 2,979.2 takes the bid at 3,100.
    expect(ofKind(r, 'ConditionalTriggered')).toEqual([expect.objectContaining({ orderId: 'trail', trigger: '3136', price: '3130', source: 'mark' })]);
    expect(ofKind(r, 'OrderPlaced').at(-1)).toMatchObject({ orderId: 'trail', price: '2979.2', size: '1.5', tif: 'ioc' });
    expect(ofKind(r, 'ConditionalAmended')).toEqual([expect.objectContaining({ orderId: 'gone', trigger: '2500.5', expiresMs: T + 5_000 })]);
    expect(r.engine.account('alice')?.positions.get('ETHUSDT')?.size).toBe(50n);
  });
});
