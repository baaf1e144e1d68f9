import { describe, expect, it } from 'vitest';
import { dec, price, size } from '../units/index.js';
import { conservationReport } from './conservation.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';

const px = (t: string) => price(dec(t, 2));
const T = 1_000_000;

function world(): Engine {
  const e = Engine.create(TEST_CONFIG);
  for (const c of standardSetup(T)) e.apply(c);
  for (const id of ['mm', 'alice', 'bob']) e.apply({ kind: 'deposit', tsMs: T, account: id, asset: USDC, amount: dec('1000000', 6) });
  return e;
}

const kinds = (ev: EngineEvent[]): string[] => ev.map((e) => e.kind);

describe('orders on the built-in book', () => {
  it('rests, matches at the maker’s price in time priority, and moves both positions', () => {
    const e = world();
    expect(kinds(e.apply({ kind: 'place_order', tsMs: T + 1, account: 'mm', market: 'BTC-PERP', id: 'a1', side: 'sell', price: px('100010'), size: size(500n), tif: 'gtc' }))).toEqual(['OrderPlaced']);
    e.apply({ kind: 'place_order', tsMs: T + 2, account: 'alice', market: 'BTC-PERP', id: 'x', side: 'sell', price: px('100010'), size: size(500n), tif: 'gtc' });
    const taken = e.apply({ kind: 'place_order', tsMs: T + 3, account: 'bob', market: 'BTC-PERP', id: 'b1', side: 'buy', price: px('100050'), size: size(700n), tif: 'ioc' });
    expect(kinds(taken)).toEqual(['OrderPlaced', 'PositionChanged', 'PositionChanged', 'PositionChanged', 'PositionChanged']);
    expect(taken[0]).toMatchObject({ resting: 0n });
    const changes = taken.filter((x) => x.kind === 'PositionChanged') as Extract<EngineEvent, { kind: 'PositionChanged' }>[];
    // mm first (earlier at the same price), 0.5 BTC; then alice 0.2 BTC; all at 100,010 (the makers' price).
    expect(changes.map((c) => [c.account, c.sizeDelta, c.price, c.cause])).toEqual([
      ['bob', 500n, px('100010'), 'book'],
      ['mm', -500n, px('100010'), 'book'],
      ['bob', 200n, px('100010'), 'book'],
      ['alice', -200n, px('100010'), 'book'],
    ]);
    expect(e.market('BTC-PERP')?.book.bestAsk()?.size).toBe(300n);
    for (const r of conservationReport(e.state)) expect(r.held).toBe(r.expected);
  });

  it('a resting order placed or cancelled leaves its account as it was: not re-armed, not rehashed; a fill is', () => {
    const e = world();
    e.takeTouched();
    e.apply({ kind: 'place_order', tsMs: T + 1, account: 'mm', market: 'BTC-PERP', id: 'a1', side: 'sell', price: px('100010'), size: size(500n), tif: 'gtc' });
    e.apply({ kind: 'cancel_order', tsMs: T + 2, account: 'mm', market: 'BTC-PERP', id: 'a1' });
    e.apply({ kind: 'place_order', tsMs: T + 3, account: 'mm', market: 'BTC-PERP', id: 'a2', side: 'sell', price: px('100010'), size: size(500n), tif: 'gtc' });
    expect(e.takeTouched()).toEqual([]);
    e.apply({ kind: 'place_order', tsMs: T + 4, account: 'bob', market: 'BTC-PERP', id: 'b1', side: 'buy', price: px('100010'), size: size(200n), tif: 'ioc' });
    expect(e.takeTouched()).toEqual(['bob', 'mm']);
  });

  it('refuses an order that would break initial margin if filled at its limit, and cancels on request', () => {
    const e = world();
    e.apply({ kind: 'deposit', tsMs: T + 1, account: 'small', asset: USDC, amount: dec('100', 6) });
    expect(e.apply({ kind: 'place_order', tsMs: T + 2, account: 'small', market: 'BTC-PERP', id: 'big', side: 'buy', price: px('100000'), size: size(1000n), tif: 'gtc' })[0]).toMatchObject({
      kind: 'CommandRejected',
      reason: 'initial_margin_breach',
    });
    e.apply({ kind: 'place_order', tsMs: T + 3, account: 'alice', market: 'BTC-PERP', id: 'o', side: 'buy', price: px('99000'), size: size(100n), tif: 'gtc' });
    expect(e.apply({ kind: 'cancel_order', tsMs: T + 4, account: 'bob', market: 'BTC-PERP', id: 'o' })[0]).toMatchObject({ reason: 'order_unknown' });
    expect(e.apply({ kind: 'cancel_order', tsMs: T + 5, account: 'alice', market: 'BTC-PERP', id: 'o' })).toMatchObject([{ kind: 'OrderCancelled', orderId: 'o', remaining: 100n, reason: 'user' }]);
    expect(e.market('BTC-PERP')?.book.orderCount).toBe(0);
  });

  it('maps the book’s refusals to reasons: off-tick, duplicate id, post-only that would cross', () => {
    const e = world();
    expect(e.apply({ kind: 'place_order', tsMs: T + 1, account: 'alice', market: 'BTC-PERP', id: 'o', side: 'buy', price: px('99000.01'), size: size(1n), tif: 'gtc' })[0]).toMatchObject({ reason: 'price_off_tick' });
    e.apply({ kind: 'place_order', tsMs: T + 2, account: 'alice', market: 'BTC-PERP', id: 'o', side: 'buy', price: px('99000'), size: size(1n), tif: 'gtc' });
    expect(e.apply({ kind: 'place_order', tsMs: T + 3, account: 'alice', market: 'BTC-PERP', id: 'o', side: 'buy', price: px('99000'), size: size(1n), tif: 'gtc' })[0]).toMatchObject({ reason: 'order_duplicate' });
    expect(e.apply({ kind: 'place_order', tsMs: T + 4, account: 'bob', market: 'BTC-PERP', id: 'p', side: 'sell', price: px('98000'), size: size(1n), tif: 'post_only' })[0]).toMatchObject({ reason: 'order_would_cross' });
  });

  it('snapshots and restores the book with the engine', () => {
    const e = world();
    e.apply({ kind: 'place_order', tsMs: T + 1, account: 'alice', market: 'BTC-PERP', id: 'o', side: 'buy', price: px('99000'), size: size(100n), tif: 'gtc' });
    const r = Engine.restore(e.snapshot());
    const cmd = { kind: 'place_order' as const, tsMs: T + 2, account: 'bob', market: 'BTC-PERP', id: 's', side: 'sell' as const, price: px('98000'), size: size(100n), tif: 'ioc' as const };
    expect(r.apply(cmd)).toEqual(e.apply(cmd));
  });
});
