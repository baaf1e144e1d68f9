import { describe, expect, it } from 'vitest';
import { STAMPED_BY_FIELD, stampEvent, type EngineEvent, type EventBody, type EventKind } from './events.js';

type BodyOf<K extends EventKind> = Extract<EventBody, { kind: K }>;

// One body of each kind stampEvent writes out, every field set to a value of its own, in the declared order (the
// order the engine's emit sites write them in).
const BODIES: { readonly [K in (typeof STAMPED_BY_FIELD)[number]]: BodyOf<K> } = {
  MarginCall: { kind: 'MarginCall', account: 'a1', ledger: 'cross', equity: 11n, maintenance: 12n, callLevel: 13n },
  PositionChanged: {
    kind: 'PositionChanged',
    account: 'a1',
    market: 'BTC-PERP',
    cause: 'liquidation',
    marginMode: 'cross',
    price: 21n,
    sizeDelta: -22n,
    size: 23n,
    entryPrice: 24n,
    realisedPnl: -25n,
    fee: 26n,
    fundingPaid: 27n,
    isolatedMargin: 28n,
    balance: 29n,
  },
  LiquidationStarted: {
    kind: 'LiquidationStarted',
    account: 'a1',
    ledger: 'cross',
    market: 'BTC-PERP',
    size: 31n,
    closeSize: 32n,
    mark: 33n,
    index: 34n,
    equity: 35n,
    maintenance: 36n,
    bankruptcyPrice: 37n,
    limitPrice: 38n,
    policy: 'full',
    why: 'drift_small_position',
    step: 3,
    route: 'book',
    stage: 'size',
  },
  LiquidationFill: { kind: 'LiquidationFill', account: 'a1', market: 'BTC-PERP', route: 'insurance_fund', counterparty: 'fund', size: 41n, price: 42n, stage: 'takeover' },
  LiquidationEnded: { kind: 'LiquidationEnded', account: 'a1', ledger: 'BTC-PERP', equity: 51n, maintenance: 52n, steps: 5 },
  Deleveraged: { kind: 'Deleveraged', account: 'a2', liquidated: 'a1', market: 'BTC-PERP', size: 61n, price: 62n, method: 'adl', ledgerEquity: -63n, stage: 'deleverage' },
  InsuranceFundChanged: { kind: 'InsuranceFundChanged', delta: -71n, balance: 72n, reason: 'bad_debt', stage: 'deficit', account: 'a1', market: null },
  TakeoverCapped: { kind: 'TakeoverCapped', account: 'a1', market: 'BTC-PERP', taker: 'vault', wanted: 81n, taken: 82n, reason: 'exposure_cap', stage: 'takeover' },
};

const spread = (seq: number, ordinal: number, tsMs: number, body: EventBody): EngineEvent => ({ seq, ordinal, tsMs, ...body });

describe('stampEvent', () => {
  it.each(STAMPED_BY_FIELD)('writes a %s out as the spread would: the same fields, values and order', (kind) => {
    const body = BODIES[kind];
    const event = stampEvent(7, 2, 1_700_000_000_000, body);
    const expected = spread(7, 2, 1_700_000_000_000, body);
    expect(Object.keys(event)).toEqual(Object.keys(expected));
    expect(event).toStrictEqual(expected);
  });

  it('covers every kind it writes out (the table above has a body for each)', () => {
    expect(Object.keys(BODIES).sort()).toEqual([...STAMPED_BY_FIELD].sort());
  });

  it('takes the spread for any other kind, optional fields and all', () => {
    const body: EventBody = { kind: 'OrderCancelled', account: 'a1', market: 'BTC-PERP', orderId: 'o1', remaining: 5n, reason: 'liquidation' };
    expect(Object.keys(stampEvent(1, 0, 5, body))).toEqual(['seq', 'ordinal', 'tsMs', 'kind', 'account', 'market', 'orderId', 'remaining', 'reason']);
    expect(stampEvent(1, 0, 5, body)).toStrictEqual(spread(1, 0, 5, body));
  });
});
