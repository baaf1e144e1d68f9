// The liquidation pipeline end to end through scenario files: routes, fees, the insurance fund, ADL, partial
// sizing (Hyperliquid, dYdX), socialisation (Drift), margin calls, the pause switch, notional windows and the
// withdrawal gate. Every figure below is worked by hand in the comment beside it.

import { describe, expect, it } from 'vitest';
import { conservationReport } from '../src/core/engine/conservation.js';
import type { WireEvent } from '../src/wire/encode.js';
import { rejections, runScenarioObject, type Ran } from './support/run.js';

const T = Date.UTC(2025, 1, 2, 20, 0);

/** BTCUSDT, 0.001 BTC steps, 0.01 USDT ticks, flat 20x: IM 5%, MM 2.5%. */
function world(rulebook: unknown, accounts: Record<string, string>, commands: unknown[]): unknown {
  return {
    settlement: { asset: 'USDT', decimals: 6 },
    rulebook,
    startAt: T,
    markets: [
      {
        id: 'BTCUSDT',
        baseDecimals: 3,
        priceDecimals: 2,
        tickSize: '0.01',
        stepSize: '0.001',
        margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.025' }] },
      },
    ],
    accounts: Object.entries(accounts).map(([id, usdt]) => ({ id, deposits: { USDT: usdt } })),
    commands: [{ at: T, kind: 'price', market: 'BTCUSDT', mark: '20000' }, ...commands],
  };
}

const kinds = (r: Ran): string[] => r.wire.map((e) => String(e.kind));
const ofKind = (r: Ran, kind: string): WireEvent[] => r.wire.filter((e) => e.kind === kind);
const conserved = (r: Ran): void => {
  for (const c of conservationReport(r.engine.state)) expect(c.held, c.asset).toBe(c.expected);
};

// trader: an isolated long of 0.5 BTC at 20,000 with 1,000 USDT of margin (10x). Its equity is
// 1,000 + 0.5 (P - 20,000) and its maintenance 2.5% x 0.5 P; bankruptcy at P = 18,000.
const openLong = [{ kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '1000' }, seller: 'maker' }];

describe('liquidation on the book', () => {
  it('closes at the best bid above bankruptcy; the surplus pays the 0.5% fee to the insurance fund', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000' }, [
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18400', size: '0.5' },
        // At 18,400: equity 200 <= maintenance 230. Bankruptcy: -DNNV - TNC x |DMMR| / TMMR = 9,200 - 200 = 9,000
        // for 0.5 BTC = 18,000.00. The bid fills at 18,400 (9,200): surplus 200, fee min(0.5% x 9,200, 200) = 46.
        { kind: 'price', market: 'BTCUSDT', mark: '18400' },
      ]),
    );
    expect(rejections(r)).toEqual([]);
    expect(ofKind(r, 'LiquidationStarted')).toEqual([
      expect.objectContaining({ account: 'trader', ledger: 'BTCUSDT', size: '0.5', closeSize: '0.5', mark: '18400', equity: '200', maintenance: '230', bankruptcyPrice: '18000', limitPrice: '18000', policy: 'full' }),
    ]);
    expect(ofKind(r, 'LiquidationFill')).toEqual([expect.objectContaining({ route: 'book', size: '0.5', price: '18400' })]);
    expect(ofKind(r, 'InsuranceFundChanged')).toEqual([expect.objectContaining({ delta: '46', balance: '46', reason: 'liquidation_fee' })]);
    expect(ofKind(r, 'LiquidationEnded')).toHaveLength(1);
    // The trader keeps 200 - 46 = 154.
    expect(r.engine.account('trader')?.balances.get('USDT')).toBe(154_000_000n);
    expect(r.engine.account('trader')?.positions.size).toBe(0);
    conserved(r);
  });

  it('hands what the book leaves to the insurance fund within its notional cap, ADL for the rest; the fund then works its part off on the book', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000' }, [
        { kind: 'insurance_deposit', amount: '1000' },
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '17500', size: '0.5' },
        // A gap to 17,000: equity 1,000 + 0.5 x (17,000 - 20,000) = -500; bankruptcy 18,000 is above the mark, so
        // the order (limit 18,000) meets no bid. Stage 3: the fund takes q at 18,000, which costs it 1,000 q at the
        // mark; Binance caps its net notional at 100% of the fund: 17,000 q <= 1,000 - 1,000 q -> q <= 0.0555:
        // 0.055 BTC (935 <= 945; 0.056 would be 952 > 944). Stage 4: the other 0.445 go to the maker's short (the
        // only opposite position) at the bankruptcy price of that part: equity after the takeover is
        // 890 - 1,335 = -445, DNNV -7,565, so 7,565 + 445 = 8,010 for 0.445 = 18,000.
        { kind: 'price', market: 'BTCUSDT', mark: '17000' },
      ]),
    );
    expect(ofKind(r, 'LiquidationStarted')[0]).toMatchObject({ equity: '-500', bankruptcyPrice: '18000', limitPrice: '18000', stage: 'size' });
    expect(ofKind(r, 'LiquidationFill')).toEqual([
      expect.objectContaining({ route: 'insurance_fund', counterparty: 'venue:insurance', size: '0.055', price: '18000', stage: 'takeover' }),
      expect.objectContaining({ route: 'adl', size: '0.445', price: '18000', stage: 'deleverage' }),
    ]);
    expect(ofKind(r, 'TakeoverCapped')).toEqual([expect.objectContaining({ taker: 'venue:insurance', wanted: '0.5', taken: '0.055', reason: 'notional_cap' })]);
    expect(ofKind(r, 'Deleveraged')).toEqual([expect.objectContaining({ account: 'maker', size: '0.445', price: '18000', method: 'adl' })]);
    // The unwind, after the block's liquidations: the fund sells its 0.055 to the bid at 17,500 (within 1% of the
    // mark: limit 16,830), realising 0.055 x (17,500 - 18,000) = -27.5.
    expect(ofKind(r, 'FundUnwound')).toEqual([expect.objectContaining({ market: 'BTCUSDT', sizeDelta: '-0.055', price: '17500', position: '0', realisedPnl: '-27.5' })]);
    expect(ofKind(r, 'BadDebt')).toEqual([]);
    expect(r.engine.state.insuranceFund).toBe(972_500_000n);
    // The trader's isolated margin ends at exactly zero: 1,000 - 0.055 x 2,000 - 0.445 x 2,000.
    expect(r.engine.account('trader')?.balances.get('USDT')).toBe(0n);
    expect(r.engine.account('trader')?.positions.size).toBe(0);
    conserved(r);
  });

  it('with no bid and an empty fund, deleverages the most profitable opposite position at the bankruptcy price (ADL)', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000', other: '1000000' }, [
        ...openLong,
        // A second short, at a worse entry than the maker's: the maker's short is more profitable and ranks first.
        { kind: 'fill', market: 'BTCUSDT', price: '19000', size: '0.5', buyer: 'maker', seller: 'other' },
        { kind: 'price', market: 'BTCUSDT', mark: '17000' },
      ]),
    );
    // maker is flat after buying from other; other is short 0.5 from 19,000; the trader's long goes to it at 18,000.
    expect(ofKind(r, 'Deleveraged')).toEqual([expect.objectContaining({ account: 'other', liquidated: 'trader', size: '0.5', price: '18000' })]);
    expect(ofKind(r, 'BadDebt')).toEqual([]);
    expect(r.engine.account('trader')?.positions.size).toBe(0);
    expect(r.engine.account('other')?.positions.size).toBe(0);
    conserved(r);
  });
});

describe('margin calls', () => {
  it('are announced once per crossing of maintenance x 1.25 (Binance 80% margin ratio), with hysteresis: again only after a recovery above 1.3125 x', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000' }, [
        ...openLong,
        // 18,600: equity 300 > 1.25 x 232.5 = 290.625: no call. 18,550: equity 275 < 289.84: call; not in breach.
        { kind: 'price', market: 'BTCUSDT', mark: '18600' },
        { kind: 'price', market: 'BTCUSDT', mark: '18550' },
        // Hovering: back above the call level (300 > 290.625) but not above the recovery level (1.3125 x 232.5 =
        // 305.16): no second call when it dips again.
        { kind: 'price', market: 'BTCUSDT', mark: '18600' },
        { kind: 'price', market: 'BTCUSDT', mark: '18550' },
        { kind: 'price', market: 'BTCUSDT', mark: '18560' },
        // Recovered (equity 500 > 1.3125 x 237.5): the next crossing is called again.
        { kind: 'price', market: 'BTCUSDT', mark: '19000' },
        { kind: 'price', market: 'BTCUSDT', mark: '18550' },
      ]),
    );
    const calls = ofKind(r, 'MarginCall');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ account: 'trader', ledger: 'BTCUSDT', equity: '275', maintenance: '231.875', callLevel: '289.84375' });
    expect(kinds(r)).not.toContain('LiquidationStarted');
  });
});

describe('the pause switch and the notional window', () => {
  it('a paused engine defers (once) and liquidates on the first command after it resumes', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000' }, [
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18400', size: '0.5' },
        { kind: 'set_liquidation_pause', paused: true },
        { kind: 'price', market: 'BTCUSDT', mark: '18400' },
        { kind: 'price', market: 'BTCUSDT', mark: '18390' },
        { kind: 'set_liquidation_pause', paused: false },
      ]),
    );
    expect(ofKind(r, 'LiquidationDeferred')).toEqual([expect.objectContaining({ account: 'trader', reason: 'paused' })]);
    const started = r.events.find((e) => e.kind === 'LiquidationStarted');
    const resumed = r.events.find((e) => e.kind === 'LiquidationPaused' && !(e as { paused: boolean }).paused);
    expect(started?.seq).toBe(resumed?.seq);
  });

  it('caps the notional liquidated per market per window', () => {
    const rulebook = { preset: 'binance', liquidation: { limits: { maxNotionalPerMarketPerWindow: '5000', windowMs: 60000 } } };
    const r = runScenarioObject(
      world(rulebook, { trader: '1000', maker: '1000000' }, [
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18100', size: '1' },
        { kind: 'price', market: 'BTCUSDT', mark: '18100' },
        { at: T + 30_000, kind: 'tick' },
        { at: T + 61_000, kind: 'tick' },
      ]),
    );
    // 5,000 of room at 18,100 fits 0.276 BTC (4,995.6). The rest (0.224, equity about 25 < maintenance 101.36)
    // waits for the window to roll past the first step.
    const steps = ofKind(r, 'LiquidationStarted');
    expect(steps[0]).toMatchObject({ closeSize: '0.276' });
    expect(ofKind(r, 'LiquidationDeferred')).toEqual([expect.objectContaining({ reason: 'window_limit' })]);
    expect(steps).toHaveLength(2);
    expect(steps[1]).toMatchObject({ closeSize: '0.224', tsMs: T + 61_000 });
  });
});

describe('attempts per window', () => {
  it('limits liquidation steps per market per window; the next ledger waits for the window to roll', () => {
    const rulebook = { preset: 'binance', liquidation: { limits: { maxStepsPerMarketPerWindow: 1, windowMs: 60000 } } };
    const second = [{ kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: { account: 'second', marginMode: 'isolated', isolatedMargin: '1000' }, seller: 'maker' }];
    const r = runScenarioObject(
      world(rulebook, { trader: '1000', second: '1000', maker: '1000000' }, [
        ...openLong,
        ...second,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18300', size: '2' },
        { kind: 'price', market: 'BTCUSDT', mark: '18300' },
        { at: T + 61_000, kind: 'tick' },
      ]),
    );
    const steps = ofKind(r, 'LiquidationStarted');
    expect(steps.map((x) => [x.account, x.tsMs])).toEqual([
      ['second', T],
      ['trader', T + 61_000],
    ]);
    expect(ofKind(r, 'LiquidationDeferred')).toEqual([expect.objectContaining({ account: 'trader', reason: 'attempt_limit' })]);
  });
});

describe('venue presets', () => {
  it('Hyperliquid: a position above 100k USDC goes 20% to the book, then the whole rest within the 30 s cooldown', () => {
    const r = runScenarioObject(
      world('hyperliquid', { trader: '20000', maker: '10000000' }, [
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18300', size: '20' },
        // 18,300: equity 20,000 - 17,000 = 3,000 < MM 4,575. 183,000 notional > 100k: a 2 BTC slice.
        { kind: 'price', market: 'BTCUSDT', mark: '18300' },
        // Still in breach 10 s later, inside the cooldown: the whole remaining 8 BTC.
        { at: T + 10_000, kind: 'price', market: 'BTCUSDT', mark: '18290' },
      ]),
    );
    const steps = ofKind(r, 'LiquidationStarted');
    expect(steps.map((s) => [s.closeSize, s.why])).toEqual([
      ['2', 'hl_partial_slice'],
      ['8', 'hl_cooldown_full'],
    ]);
    conserved(r);
  });

  it('dYdX v4: at most 10% of a position per block, and no withdrawals while an account is below zero', () => {
    const r = runScenarioObject(
      world('dydx-v4', { trader: '20000', maker: '10000000', saver: '100' }, [
        { kind: 'insurance_deposit', amount: '1000000' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '17500', size: '20' },
        { kind: 'price', market: 'BTCUSDT', mark: '17900' },
        { kind: 'withdraw', account: 'saver', asset: 'USDT', amount: '1' },
      ]),
    );
    const first = ofKind(r, 'LiquidationStarted')[0];
    // 10% of 179,000 = 17,900 notional = 1 BTC. TNC -1,000, TMMR 2.5% x 179,000 = 4,475. The order goes at the
    // fillable price (liquidations.go): ABR = min(1, 1 - TNC / TMMR) = 1, so PNNV - ABR x SMMR x PMMR =
    // 179,000 - 1.5 x 4,475 = 172,287.5 for 10 BTC: 17,228.75, below bankruptcy (18,000): the fund pays up to
    // 771.25 a BTC, which its 1,000,000 covers. The bid at 17,500 takes 1 BTC; the account stays below zero
    // (17,500 of margin, 9 x -2,100 unrealised: -1,400): withdrawals are gated.
    expect(first).toMatchObject({ closeSize: '1', why: 'dydx_position_portion', policy: 'dydx', bankruptcyPrice: '18000', limitPrice: '17228.75' });
    expect(ofKind(r, 'LiquidationFill')).toEqual([expect.objectContaining({ route: 'book', size: '1', price: '17500' })]);
    expect(ofKind(r, 'Deleveraged')).toEqual([]);
    expect(ofKind(r, 'CommandRejected')).toEqual([expect.objectContaining({ command: 'withdraw', reason: 'withdrawals_gated' })]);
  });

  it("dYdX v4: the order asks only for what keeps the fund's loss within the account's insurance-loss cap for the block", () => {
    const r = runScenarioObject(
      world({ preset: 'dydx-v4', liquidation: { sizing: { kind: 'dydx', maxInsuranceLossPerBlock: '100' } } }, { trader: '20000', maker: '10000000' }, [
        { kind: 'insurance_deposit', amount: '1000000' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '17500', size: '20' },
        // As above: a 1 BTC step at the fillable price 17,228.75, bankruptcy 18,000. Each BTC sold at 17,500 costs
        // the fund 500; the cap is 100 a block: the order asks for 0.2 BTC (0.2 x 500 = 100).
        { kind: 'price', market: 'BTCUSDT', mark: '17900' },
      ]),
    );
    expect(ofKind(r, 'LiquidationStarted')[0]).toMatchObject({ closeSize: '1', limitPrice: '17228.75' });
    expect(ofKind(r, 'LiquidationFill')).toEqual([expect.objectContaining({ route: 'book', size: '0.2', price: '17500' })]);
    // The rest of the step waits (a book fill happened, so no deleveraging this block).
    expect(ofKind(r, 'Deleveraged')).toEqual([]);
    expect(ofKind(r, 'LiquidationDeferred')).toEqual([expect.objectContaining({ reason: 'book_unfilled' })]);
    conserved(r);
  });

  it("dYdX v4: where dYdX's fillable price would go negative, the limit is one tick (any price)", () => {
    const steep = {
      settlement: { asset: 'USDT', decimals: 6 },
      rulebook: { preset: 'dydx-v4', preTradeCheck: 'none' },
      startAt: T,
      markets: [{ id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 2, tickSize: '0.01', stepSize: '0.001', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 1, maintenanceRatio: '0.7' }] } }],
      accounts: [
        { id: 'trader', deposits: { USDT: '15000' } },
        { id: 'maker', deposits: { USDT: '10000000' } },
      ],
      commands: [
        { at: T, kind: 'price', market: 'BTCUSDT', mark: '20000' },
        { kind: 'insurance_deposit', amount: '1000000' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '1', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '15000' }, seller: 'maker' },
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '3000', size: '1' },
        // 4,000: equity 15,000 - 16,000 = -1,000, maintenance 70% x 4,000 = 2,800. ABR = min(1, 1 + 1,000 / 2,800) = 1;
        // PNNV - ABR x SMMR x PMMR = 4,000 - 1.5 x 2,800 = -200 < 0 (dYdX panics): the limit is one tick. The step:
        // 10% of 4,000 is below the 1,000 USDT minimum, so 1,000 / 4,000 = 0.25 BTC, sold to the bid at 3,000.
        { kind: 'price', market: 'BTCUSDT', mark: '4000' },
      ],
    };
    const r = runScenarioObject(steep);
    expect(ofKind(r, 'LiquidationStarted')[0]).toMatchObject({ equity: '-1000', maintenance: '2800', closeSize: '0.25', limitPrice: '0.01' });
    expect(ofKind(r, 'LiquidationFill')).toEqual([expect.objectContaining({ route: 'book', size: '0.25', price: '3000' })]);
    conserved(r);
  });

  it('dYdX v4: a solvent subaccount whose order fills nothing is never deleveraged; it waits for a retry, announced once', () => {
    const r = runScenarioObject(
      world('dydx-v4', { trader: '20000', solvent: '20000', maker: '10000000', other: '10000000' }, [
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '5', buyer: { account: 'solvent', marginMode: 'isolated', isolatedMargin: '10000' }, seller: 'other' },
        // 18,100: trader 20,000 + 10 x -1,900 = 1,000 < 2.5% x 181,000 = 4,525; solvent 10,000 + 5 x -1,900 = 500 <
        // 2,262.5. Both in breach, both solvent; the same ratio, so account order: solvent, then trader. No bids.
        { kind: 'price', market: 'BTCUSDT', mark: '18100' },
        // Within the retry time (1 s) and with the book unchanged: nothing.
        { at: T + 500, kind: 'tick' },
        // At the retry time: one more step each, deferred again.
        { at: T + 1_000, kind: 'tick' },
      ]),
    );
    const deferred = ofKind(r, 'LiquidationDeferred');
    expect(deferred.map((e) => [e.account, e.reason, e.stage, e.retryAtMs])).toEqual([
      ['solvent', 'book_unfilled', 'deleverage', T + 1_000],
      ['trader', 'book_unfilled', 'deleverage', T + 1_000],
      ['solvent', 'book_unfilled', 'deleverage', T + 2_000],
      ['trader', 'book_unfilled', 'deleverage', T + 2_000],
    ]);
    const starts = ofKind(r, 'LiquidationStarted');
    expect(starts.map((e) => e.tsMs)).toEqual([T, T, T + 1_000, T + 1_000]);
    expect(ofKind(r, 'Deleveraged')).toEqual([]);
  });

  it('dYdX v4: a subaccount below zero whose order fills nothing is deleveraged whole at its bankruptcy price', () => {
    const r = runScenarioObject(
      world('dydx-v4', { trader: '20000', maker: '10000000', other: '10000000' }, [
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: 'other', seller: 'maker' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '5', buyer: 'maker', seller: 'other' },
        // maker short 15, other long 5... (maker sold 10 + 10 and bought 5): maker -15, other +5, trader +10.
        // 17,900: the trader at 20,000 + 10 x -2,100 = -1,000, bankrupt (bankruptcy 18,000); no bids.
        { kind: 'price', market: 'BTCUSDT', mark: '17900' },
      ]),
    );
    // Its whole 10 BTC (not the 1 BTC step) against the only short, at 18,000.
    expect(ofKind(r, 'LiquidationStarted')[0]).toMatchObject({ closeSize: '1', equity: '-1000' });
    expect(ofKind(r, 'Deleveraged')).toEqual([expect.objectContaining({ account: 'maker', liquidated: 'trader', size: '10', price: '18000', method: 'offset', stage: 'deleverage' })]);
    expect(r.engine.account('trader')?.positions.size).toBe(0);
    expect(ofKind(r, 'BadDebt')).toEqual([]);
    conserved(r);
  });

  it('Bybit: maintenance on the entry value; the fund takes over within its cap and holds what no bid takes; ADL for the rest', () => {
    const r = runScenarioObject(
      world('bybit', { trader: '1000', maker: '1000000' }, [
        { kind: 'insurance_deposit', amount: '5000' },
        ...openLong,
        // Maintenance 2.5% of the entry value 10,000 = 250. At 18,400: equity 200 <= 250; bankruptcy 18,000; no bids.
        // The fund takes q at 18,000 (+400 q at the mark) while 18,400 q <= 5,000 + 400 q: q <= 0.2777, 0.277 BTC
        // (5,096.8 <= 5,110.8; 0.278 would be 5,115.2 > 5,111.2). The other 0.223 go to the maker's short at 18,000.
        { kind: 'price', market: 'BTCUSDT', mark: '18400' },
      ]),
    );
    expect(ofKind(r, 'LiquidationStarted')[0]).toMatchObject({ equity: '200', maintenance: '250', bankruptcyPrice: '18000' });
    expect(ofKind(r, 'LiquidationFill').map((e) => [e.route, e.size, e.price])).toEqual([
      ['insurance_fund', '0.277', '18000'],
      ['adl', '0.223', '18000'],
    ]);
    // No bid within 1% of the mark: the fund keeps its position (unwound on a later command).
    expect(ofKind(r, 'FundUnwound')).toEqual([]);
    expect(r.engine.state.fund.positions.get('BTCUSDT')?.size).toBe(277n);
    conserved(r);
  });

  it('BitMEX: the whole surplus over bankruptcy goes to the fund; the fund takes over what the book leaves with no notional cap', () => {
    const surplus = runScenarioObject(
      world('bitmex', { trader: '1000', maker: '1000000' }, [
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18400', size: '0.5' },
        // Maintenance on the cost value: 2.5% x 10,000 = 250. At 18,400 equity 200 <= 250. The bid fills at 18,400
        // (9,200): everything above bankruptcy (9,000) goes to the fund: 200; the trader keeps nothing.
        { kind: 'price', market: 'BTCUSDT', mark: '18400' },
      ]),
    );
    expect(ofKind(surplus, 'InsuranceFundChanged')).toEqual([expect.objectContaining({ delta: '200', reason: 'liquidation_fee', stage: 'book' })]);
    expect(surplus.engine.account('trader')?.balances.get('USDT')).toBe(0n);
    conserved(surplus);

    const gap = runScenarioObject(
      world('bitmex', { trader: '1000', maker: '1000000' }, [
        { kind: 'insurance_deposit', amount: '1000' },
        ...openLong,
        { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '17500', size: '0.5' },
        // A gap to 17,000 (equity -500, bankruptcy 18,000): the order meets no bid at 18,000. The fund takes q at
        // 18,000 while 1,000 - 1,000 q >= 0: all 0.5 (no notional cap at BitMEX). It unwinds at once to the bid
        // (17,500 >= 16,830): 0.5 x (17,500 - 18,000) = -250.
        { kind: 'price', market: 'BTCUSDT', mark: '17000' },
      ]),
    );
    expect(ofKind(gap, 'LiquidationFill')).toEqual([expect.objectContaining({ route: 'insurance_fund', size: '0.5', price: '18000' })]);
    expect(ofKind(gap, 'TakeoverCapped')).toEqual([]);
    expect(ofKind(gap, 'Deleveraged')).toEqual([]);
    expect(ofKind(gap, 'FundUnwound')).toEqual([expect.objectContaining({ sizeDelta: '-0.5', price: '17500', realisedPnl: '-250' })]);
    expect(gap.engine.state.insuranceFund).toBe(750_000_000n);
    conserved(gap);
  });

  it('Hyperliquid: below 2/3 of maintenance with the book unfilled, the vault takes over within its exposure cap; ADL takes the bankrupt rest', () => {
    const r = runScenarioObject(
      world('hyperliquid', { trader: '20000', maker: '10000000', hlp: '100000' }, [
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '10', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '20000' }, seller: 'maker' },
        // 18,300: equity 3,000 < MM 4,575; 183,000 notional: a 2 BTC slice to a book with no bids. Solvent: no ADL;
        // the remainder waits.
        { kind: 'price', market: 'BTCUSDT', mark: '18300' },
        // 17,900 two seconds later: equity -1,000 < 2/3 x 4,475 with the book unfilled: the backstop route, the whole
        // 10 BTC at bankruptcy 18,000. The vault (equity 100,000) may hold 20% of its equity: q x 17,900 <=
        // 0.2 x (100,000 - 100 q) -> q <= 1.11607: 1.116 BTC (19,976.4 <= 19,977.68; 1.117 would be 19,994.3).
        // The rest, 8.884 BTC, is below zero (margin 20,000 - 2,232 = 17,768, unrealised 8.884 x -2,100 =
        // -18,656.4: equity -888.4): ADL at 18,000 (17,900 + 888.4 / 8.884) against the maker's short.
        { at: T + 2_000, kind: 'price', market: 'BTCUSDT', mark: '17900' },
      ]),
    );
    expect(ofKind(r, 'LiquidationStarted').map((e) => [e.closeSize, e.why, e.route])).toEqual([
      ['2', 'hl_partial_slice', 'book'],
      ['10', 'hl_backstop', 'backstop'],
    ]);
    expect(ofKind(r, 'LiquidationDeferred')).toEqual([expect.objectContaining({ reason: 'book_unfilled', stage: 'deleverage' })]);
    expect(ofKind(r, 'LiquidationFill')).toEqual([
      expect.objectContaining({ route: 'backstop', counterparty: 'hlp', size: '1.116', price: '18000', stage: 'takeover' }),
      expect.objectContaining({ route: 'adl', size: '8.884', price: '18000', stage: 'deleverage' }),
    ]);
    expect(ofKind(r, 'TakeoverCapped')).toEqual([expect.objectContaining({ taker: 'hlp', wanted: '10', taken: '1.116', reason: 'exposure_cap' })]);
    expect(ofKind(r, 'Deleveraged')).toEqual([expect.objectContaining({ account: 'maker', size: '8.884', price: '18000', ledgerEquity: '-888.4' })]);
    expect(r.engine.account('hlp')?.positions.get('BTCUSDT')?.size).toBe(1_116n);
    expect(r.engine.account('trader')?.positions.size).toBe(0);
    conserved(r);
  });

  it('the fund deleverages what it took over once its equity is below zero, at its own bankruptcy price', () => {
    const r = runScenarioObject(
      world('binance', { trader: '1000', maker: '1000000' }, [
        { kind: 'insurance_deposit', amount: '1000' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: 'maker', seller: { account: 'trader', marginMode: 'isolated', isolatedMargin: '1000' } },
        // The trader's short: equity 1,000 - 0.5 (P - 20,000), bankruptcy 22,000. At 21,500: 250 <= 268.75, no asks.
        // The fund takes q at 22,000 (a gain of 500 q at the mark) within 21,500 q <= 1,000 + 500 q: q <= 0.0476,
        // 0.047 BTC; the rest (0.453) goes to the maker's long by ADL at 22,000.
        { kind: 'price', market: 'BTCUSDT', mark: '21500' },
        // 50,000: the fund's short loses 0.047 x 28,000 = 1,316 > its 1,000: equity -316. Its position goes to the
        // only long (the maker's 0.047) at the fund's bankruptcy price for it (dYdX's -DNNV - TNC x |DMMR| / TMMR,
        // one position so DMMR = TMMR): 2,350 - 316 = 2,034 to buy 0.047, 43,276.5957... a unit, a buy's price
        // rounded down to the tick: 43,276.59.
        { kind: 'price', market: 'BTCUSDT', mark: '50000' },
      ]),
    );
    expect(ofKind(r, 'LiquidationFill').map((e) => [e.route, e.size, e.price])).toEqual([
      ['insurance_fund', '0.047', '22000'],
      ['adl', '0.453', '22000'],
      ['adl', '0.047', '43276.59'],
    ]);
    const last = ofKind(r, 'Deleveraged').at(-1);
    expect(last).toMatchObject({ account: 'maker', liquidated: 'venue:insurance', size: '0.047', price: '43276.59', ledgerEquity: '-316' });
    expect(r.engine.state.fund.positions.size).toBe(0);
    // 1,000 + 0.047 x (22,000 - 43,276.59) = 1,000 - 999.99973, rounded half-even on the trade's cash: 0.00027.
    expect(r.engine.state.insuranceFund).toBe(270n);
    conserved(r);
  });

  it('Drift v2: a loss nobody absorbs is charged to the opposite side, pro rata, rounded up', () => {
    const r = runScenarioObject(
      world('drift-v2', { trader: '1000', s1: '1000000', s2: '1000000' }, [
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.3', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '600' }, seller: 's1' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.2', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '400' }, seller: 's2' },
        { kind: 'place_order', account: 's1', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '17000', size: '0.5' },
        // 17,000: equity -500. Drift lets the liquidator take it near the oracle (17,000 less 2% fees = 16,660), so the
        // bid at 17,000 closes the long 500 below zero; no fund. s1 bought 0.5 against its 0.3 short (long 0.2 now):
        // the only short left is s2's 0.2, which bears the 500.
        { kind: 'price', market: 'BTCUSDT', mark: '17000' },
      ]),
    );
    const bad = ofKind(r, 'BadDebt');
    expect(bad).toEqual([expect.objectContaining({ account: 'trader', amount: '500', insurance: '0', socialised: '500', writtenOff: '0' })]);
    expect(ofKind(r, 'Socialised')).toEqual([expect.objectContaining({ side: 'short', amount: '500', bearers: 1 })]);
    conserved(r);
  });
});
