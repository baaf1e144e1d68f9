// End to end: traders' conditional orders through the engine, one test per order type, expected fills by hand.
// World: BTC-PERP (prices in cents, ticks of 0.1 USD, sizes in 0.001 BTC), the market maker `mm` rests the liquidity.
// A fired market-type order is an ioc order limited to 10% past its trigger (DEFAULT_CONDITIONAL_RULES).

import { describe, expect, it } from 'vitest';
import { DEFAULT_CONDITIONAL_RULES } from '../rulebooks/conditional.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { standardSetup, TEST_CONFIG, USDC, type CommandBody } from './testkit.js';

const px = (t: string) => price(dec(t, 2));
const btc = (t: string) => size(dec(t, 3));
const T = 1_000_000;
const M = 'BTC-PERP';

class World {
  readonly e: Engine;
  t = T;
  constructor(order: 'stops_first' | 'liquidation_first' = 'stops_first') {
    this.e = Engine.create(TEST_CONFIG);
    for (const c of standardSetup(T)) this.e.apply(c);
    this.e.apply({ kind: 'set_rulebook', tsMs: T, rulebook: { ...DEFAULT_RULEBOOK, conditionalOrders: { ...DEFAULT_CONDITIONAL_RULES, order } } });
    this.e.apply({ kind: 'deposit', tsMs: T, account: 'mm', asset: USDC, amount: dec('10000000', 6) });
  }
  run(c: CommandBody): EngineEvent[] {
    return this.e.apply({ ...c, tsMs: ++this.t } as Command);
  }
  deposit(account: string, usd: string): void {
    this.run({ kind: 'deposit', account, asset: USDC, amount: dec(usd, 6) });
  }
  /** `account` trades `btcSize` (positive: buys) with mm at `at`. */
  trade(account: string, btcSize: string, at: string): void {
    const long = !btcSize.startsWith('-');
    const me = { account, fee: quote(0n) };
    const them = { account: 'mm', fee: quote(0n) };
    const ev = this.run({ kind: 'fill', market: M, price: px(at), size: btc(btcSize.replace('-', '')), buyer: long ? me : them, seller: long ? them : me });
    expect(ev.some((x) => x.kind === 'CommandRejected')).toBe(false);
  }
  rest(id: string, side: 'buy' | 'sell', at: string, btcSize: string): void {
    this.run({ kind: 'place_order', account: 'mm', market: M, id, side, price: px(at), size: btc(btcSize), tif: 'gtc' });
  }
  mark(at: string): EngineEvent[] {
    return this.run({ kind: 'price', market: M, mark: px(at) });
  }
  position(account: string): bigint {
    return this.e.account(account)?.positions.get(M)?.size ?? 0n;
  }
}

const kinds = (ev: EngineEvent[]): string[] => ev.map((x) => x.kind);
const fills = (ev: EngineEvent[], account: string): [bigint, bigint][] =>
  ev.flatMap((x) => (x.kind === 'PositionChanged' && x.account === account ? [[x.sizeDelta, x.price] as [bigint, bigint]] : []));
const one = <K extends EngineEvent['kind']>(ev: EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }> => ev.find((x) => x.kind === kind) as Extract<EngineEvent, { kind: K }>;

describe('conditional orders, end to end', () => {
  it('stop_market: a sell stop of a long fires at its trigger and takes the bids', () => {
    const w = new World();
    w.deposit('alice', '20000');
    w.trade('alice', '1', '100000');
    w.rest('b1', 'buy', '98000', '0.5');
    w.rest('b2', 'buy', '97000', '0.5');
    const placed = w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'sl', type: 'stop_market', side: 'sell', trigger: px('98500'), size: btc('1'), reduceOnly: true });
    expect(one(placed, 'ConditionalPlaced')).toMatchObject({ trigger: px('98500'), source: 'mark' });
    expect(kinds(w.mark('99000'))).toEqual([]);
    // 98,400 <= 98,500: fires. ioc sell 1 BTC limited at 98,500 x 0.9 = 88,650: 0.5 @ 98,000 then 0.5 @ 97,000.
    const ev = w.mark('98400');
    expect(one(ev, 'ConditionalTriggered')).toMatchObject({ orderId: 'sl', trigger: px('98500'), price: px('98400'), source: 'mark' });
    expect(one(ev, 'OrderPlaced')).toMatchObject({ orderId: 'sl', side: 'sell', price: px('88650'), size: btc('1'), tif: 'ioc', resting: 0n });
    expect(fills(ev, 'alice')).toEqual([[-btc('0.5'), px('98000')], [-btc('0.5'), px('97000')]]);
    expect(w.position('alice')).toBe(0n);
    expect(w.e.state.conditionals.size).toBe(0);
  });

  it('stop_limit: a buy stop of a short fires and rests what its limit does not reach', () => {
    const w = new World();
    w.deposit('bob', '20000');
    w.trade('bob', '-1', '100000');
    w.rest('a1', 'sell', '101200', '0.3');
    w.rest('a2', 'sell', '101800', '0.5');
    w.run({ kind: 'place_conditional', account: 'bob', market: M, id: 'sl', type: 'stop_limit', side: 'buy', trigger: px('101000'), limitPrice: px('101500'), size: btc('0.4') });
    // 101,000 >= 101,000: fires. gtc buy 0.4 at 101,500 takes 0.3 @ 101,200; 101,800 is beyond the limit: 0.1 rests.
    const ev = w.mark('101000');
    expect(one(ev, 'OrderPlaced')).toMatchObject({ price: px('101500'), size: btc('0.4'), tif: 'gtc', resting: btc('0.1') });
    expect(fills(ev, 'bob')).toEqual([[btc('0.3'), px('101200')]]);
    expect(w.position('bob')).toBe(-btc('0.7'));
  });

  it('take_profit_market: a sell take-profit of a long fires when the price rises to it', () => {
    const w = new World();
    w.deposit('alice', '20000');
    w.trade('alice', '1', '100000');
    w.rest('b1', 'buy', '102900', '1');
    w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'tp', type: 'take_profit_market', side: 'sell', trigger: px('103000'), size: btc('1'), reduceOnly: true });
    expect(kinds(w.mark('102000'))).toEqual([]);
    // 103,000 >= 103,000: ioc sell 1 limited at 92,700 fills 1 @ 102,900 (the bid).
    const ev = w.mark('103000');
    expect(fills(ev, 'alice')).toEqual([[-btc('1'), px('102900')]]);
  });

  it('take_profit_limit: a buy take-profit of a short fires when the price falls to it', () => {
    const w = new World();
    w.deposit('bob', '20000');
    w.trade('bob', '-1', '100000');
    w.rest('a1', 'sell', '96900', '1');
    w.run({ kind: 'place_conditional', account: 'bob', market: M, id: 'tp', type: 'take_profit_limit', side: 'buy', trigger: px('97000'), limitPrice: px('97000'), size: btc('1'), reduceOnly: true });
    // 96,950 <= 97,000: gtc buy 1 at 97,000 meets the ask at 96,900 (the maker's price).
    const ev = w.mark('96950');
    expect(fills(ev, 'bob')).toEqual([[btc('1'), px('96900')]]);
    expect(w.position('bob')).toBe(0n);
  });

  it('trailing_stop by amount through a V: the trigger follows the high since placement', () => {
    const w = new World();
    w.deposit('alice', '20000');
    w.trade('alice', '1', '100000');
    w.rest('b1', 'buy', '102000', '1');
    // Placed at 100,000 with 2,000: trigger 98,000. Down to 98,500 (trigger stays 98,000: no fire), up to 104,500
    // (trigger 102,500), 103,000 (no fire), then 102,400 <= 102,500 fires: ioc sell limited at 92,250 takes 1 @ 102,000.
    const placed = w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'trail', type: 'trailing_stop', side: 'sell', trailAmount: px('2000'), size: btc('1'), reduceOnly: true });
    expect(one(placed, 'ConditionalPlaced').trigger).toBe(px('98000'));
    for (const p of ['98500', '101000', '104500', '103000']) expect(kinds(w.mark(p))).toEqual([]);
    const ev = w.mark('102400');
    expect(one(ev, 'ConditionalTriggered')).toMatchObject({ trigger: px('102500'), price: px('102400') });
    expect(one(ev, 'OrderPlaced')).toMatchObject({ price: px('92250') });
    expect(fills(ev, 'alice')).toEqual([[-btc('1'), px('102000')]]);
  });

  it('trailing_stop by ratio through a V: a buy stop of a short follows the low', () => {
    const w = new World();
    w.deposit('bob', '20000');
    w.trade('bob', '-1', '100000');
    w.rest('a1', 'sell', '96100', '1');
    // 1%: placed at 100,000, trigger ceil(100,000 x 1.01) = 101,000. Down to 97,000 (97,970), 95,000 (95,950);
    // 95,900 < 95,950: no fire; 96,000 >= 95,950 fires: ioc buy limited at floor(95,950 x 1.1) = 105,545 takes 96,100.
    const placed = w.run({ kind: 'place_conditional', account: 'bob', market: M, id: 'trail', type: 'trailing_stop', side: 'buy', trailRatioPpm: 10_000n, size: btc('1'), reduceOnly: true });
    expect(one(placed, 'ConditionalPlaced').trigger).toBe(px('101000'));
    for (const p of ['97000', '95000', '95900']) expect(kinds(w.mark(p))).toEqual([]);
    const ev = w.mark('96000');
    expect(one(ev, 'ConditionalTriggered')).toMatchObject({ trigger: px('95950') });
    expect(one(ev, 'OrderPlaced')).toMatchObject({ price: px('105545') });
    expect(fills(ev, 'bob')).toEqual([[btc('1'), px('96100')]]);
  });

  it('position_sl follows the position size; a reduce-only order against a flat position is refused', () => {
    const w = new World();
    w.deposit('alice', '20000');
    w.trade('alice', '1', '100000');
    w.rest('b1', 'buy', '97800', '1');
    const placed = w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'psl', type: 'position_sl', trigger: px('98000') });
    expect(one(placed, 'ConditionalPlaced')).toMatchObject({ side: 'sell', size: null });
    w.trade('alice', '-0.4', '100000');
    // The position is 0.6 when it fires: sells 0.6 @ 97,800.
    expect(fills(w.mark('97900'), 'alice')).toEqual([[-btc('0.6'), px('97800')]]);

    w.deposit('carol', '20000');
    w.trade('carol', '1', '97900');
    w.run({ kind: 'place_conditional', account: 'carol', market: M, id: 'psl', type: 'position_sl', trigger: px('97000') });
    w.trade('carol', '-1', '97900');
    const ev = w.mark('96900');
    expect(kinds(ev)).toEqual(['ConditionalTriggered', 'ConditionalRefused']);
    expect(one(ev, 'ConditionalRefused')).toMatchObject({ account: 'carol', reason: 'reduce_only_flat' });
  });

  it('a fired order the margin cannot carry is refused with initial_margin_breach', () => {
    const w = new World();
    w.deposit('dan', '500');
    // Opening 1 BTC at its limit 101,000 x 1.1 = 111,100 needs 0.8% x 111,100 = 888.8 > 500.
    w.run({ kind: 'place_conditional', account: 'dan', market: M, id: 'entry', type: 'stop_market', side: 'buy', trigger: px('101000'), size: btc('1') });
    const ev = w.mark('101000');
    expect(one(ev, 'ConditionalRefused')).toMatchObject({ reason: 'initial_margin_breach' });
    expect(w.position('dan')).toBe(0n);
  });

  it('refuses what is malformed or would fire at once; amends, cancels and expires', () => {
    const w = new World();
    w.deposit('alice', '20000');
    const base = { kind: 'place_conditional', account: 'alice', market: M, id: 's', type: 'stop_market', side: 'sell', size: btc('1') } as const;
    const reason = (ev: EngineEvent[]): string | undefined => (ev[0]?.kind === 'CommandRejected' ? ev[0].reason : undefined);
    expect(reason(w.run({ ...base, trigger: px('100000') }))).toBe('conditional_would_trigger');
    expect(reason(w.run({ ...base, trigger: px('99000.05') }))).toBe('price_off_tick');
    expect(reason(w.run({ ...base, trigger: px('99000'), trailAmount: px('10') }))).toBe('invalid_field');
    expect(reason(w.run({ ...base, type: 'stop_limit', trigger: px('99000') }))).toBe('invalid_field');
    expect(reason(w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 's', type: 'position_sl', trigger: px('99000') }))).toBe('position_unknown');
    expect(reason(w.run({ ...base, trigger: px('99000'), source: 'last' }))).toBe('market_unpriced');
    expect(kinds(w.run({ ...base, trigger: px('99000'), expiresMs: w.t + 10 }))).toEqual(['ConditionalPlaced']);
    expect(reason(w.run({ ...base, trigger: px('98000') }))).toBe('conditional_duplicate');
    expect(reason(w.run({ kind: 'amend_conditional', account: 'alice', market: M, id: 's', trigger: px('100500') }))).toBe('conditional_would_trigger');
    expect(one(w.run({ kind: 'amend_conditional', account: 'alice', market: M, id: 's', trigger: px('95000') }), 'ConditionalAmended')).toMatchObject({ trigger: px('95000') });
    expect(kinds(w.mark('96000'))).toEqual([]);
    // Its expiry came: cancelled by the next accepted command (a tick), before anything fires.
    w.t += 10;
    expect(w.run({ kind: 'tick' })).toMatchObject([{ kind: 'ConditionalCancelled', orderId: 's', reason: 'expired' }]);
    w.run({ ...base, id: 's2', trigger: px('95000') });
    expect(w.run({ kind: 'cancel_conditional', account: 'alice', market: M, id: 's2' })).toMatchObject([{ kind: 'ConditionalCancelled', reason: 'user' }]);
    expect(reason(w.run({ kind: 'cancel_conditional', account: 'alice', market: M, id: 's2' }))).toBe('conditional_unknown');
  });

  it('bounds the orders per account and market (conditionals_full), and refuses placing while halted', () => {
    const w = new World();
    w.run({ kind: 'set_rulebook', rulebook: { ...DEFAULT_RULEBOOK, conditionalOrders: { ...DEFAULT_CONDITIONAL_RULES, maxPerAccountMarket: 1 } } });
    w.deposit('alice', '20000');
    const stop = (id: string): CommandBody => ({ kind: 'place_conditional', account: 'alice', market: M, id, type: 'stop_market', side: 'sell', trigger: px('90000'), size: btc('1') });
    expect(kinds(w.run(stop('a')))).toEqual(['ConditionalPlaced']);
    expect(w.run(stop('b'))[0]).toMatchObject({ kind: 'CommandRejected', reason: 'conditionals_full' });
    w.run({ kind: 'halt', reason: 'test' });
    w.run({ kind: 'cancel_conditional', account: 'alice', market: M, id: 'a' });
    expect(w.run(stop('b'))[0]).toMatchObject({ kind: 'CommandRejected', reason: 'engine_halted' });
  });

  describe('a stop and a liquidation on the same tick', () => {
    // dave and eve: 5,000 USD, long 1 BTC at 100,000. Maintenance 0.4% of the notional: breach below
    // p = 95,000 / 0.996 = 95,381.5. dave has a sell stop at 96,000. The mark gaps to 95,000: both at once.
    function setup(order: 'stops_first' | 'liquidation_first'): { w: World; ev: EngineEvent[] } {
      const w = new World(order);
      for (const id of ['dave', 'eve']) {
        w.deposit(id, '5000');
        w.trade(id, '1', '100000');
      }
      w.rest('b1', 'buy', '95900', '1');
      w.rest('b2', 'buy', '95000', '5');
      w.run({ kind: 'place_conditional', account: 'dave', market: M, id: 'sl', type: 'stop_market', side: 'sell', trigger: px('96000'), size: btc('1'), reduceOnly: true });
      return { w, ev: w.mark('95000') };
    }

    it('stops_first: dave sells 1 @ 95,900 (equity 5,000 - 4,100 = 900) and is not liquidated; eve is', () => {
      const { w, ev } = setup('stops_first');
      expect(kinds(ev).indexOf('ConditionalTriggered')).toBeLessThan(kinds(ev).indexOf('LiquidationStarted'));
      expect(fills(ev, 'dave')).toEqual([[-btc('1'), px('95900')]]);
      expect(ev.filter((x) => x.kind === 'LiquidationStarted').map((x) => (x as { account: string }).account)).toEqual(['eve']);
      expect(w.e.accountState('dave')?.balances).toEqual([[USDC, dec('900', 6)]]);
    });

    it('liquidation_first: both are liquidated, and the liquidation cancels dave’s stop before it fires', () => {
      const { w, ev } = setup('liquidation_first');
      const started = ev.filter((x) => x.kind === 'LiquidationStarted').map((x) => (x as { account: string }).account);
      expect(started.sort()).toEqual(['dave', 'eve']);
      expect(one(ev, 'ConditionalCancelled')).toMatchObject({ account: 'dave', orderId: 'sl', reason: 'liquidation' });
      expect(kinds(ev)).not.toContain('ConditionalTriggered');
      expect(w.e.state.conditionals.size).toBe(0);
    });
  });

  it('a snapshot round-trips the armed orders (trailing anchors included): the restored engine answers the same', () => {
    const w = new World();
    w.deposit('alice', '20000');
    w.trade('alice', '1', '100000');
    w.rest('b1', 'buy', '90000', '2');
    w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'tr', type: 'trailing_stop', side: 'sell', trailAmount: px('2000'), size: btc('0.5'), reduceOnly: true });
    w.run({ kind: 'place_conditional', account: 'alice', market: M, id: 'sl', type: 'stop_market', side: 'sell', trigger: px('96000'), size: btc('0.5'), expiresMs: w.t + 1_000 });
    w.mark('104000');
    const text = encodeSnapshot(w.e.snapshot());
    const restored = Engine.restore(decodeSnapshot(text));
    expect(encodeSnapshot(restored.snapshot())).toBe(text);
    // The trailing stop's anchor is 104,000 (trigger 102,000) in both: 101,900 fires it in both, with the same events.
    const cmd: Command = { kind: 'price', tsMs: w.t + 1, market: M, mark: px('101900') };
    const a = w.e.apply(cmd);
    expect(one(a, 'ConditionalTriggered')).toMatchObject({ orderId: 'tr', trigger: px('102000') });
    expect(restored.apply(cmd)).toEqual(a);
  });
});
