// Mark price methods and funding through the engine, driven by scenario files with raw source prices.
// Numbers: docs/sources/pricing-goldens.md (D rows: derived from the venues' V formulas; dYdX rows: V).

import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/units/index.js';
import { rejections, runScenarioObject } from '../support/run.js';

const START = '2025-02-02T20:00:00Z'; // 4 h before the 00:00 UTC funding

function pricedMarket(rulebook: string, pricing: unknown, priceDecimals = 2): Record<string, unknown> {
  return {
    settlement: { asset: 'USDT', decimals: 6 },
    rulebook,
    startAt: START,
    markets: [
      {
        id: 'BTCUSDT',
        baseDecimals: 3,
        priceDecimals,
        tickSize: priceDecimals === 0 ? '1' : '0.01',
        stepSize: '0.001',
        margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.01' }] },
        pricing,
      },
    ],
  };
}

const threeSources = { method: 'weighted_median', sources: { binance: 1, okx: 1, coinbase: 1 }, maxAgeMs: 10_000, minSources: 2 };
const sources = (px: string) => ['binance', 'okx', 'coinbase'].map((source) => ({ kind: 'source_price', market: 'BTCUSDT', source, price: px }));

describe('mark methods in the engine', () => {
  it('Binance: median(Price1, Price2, last) with index 20,000, r = 0.01% and 4 h to funding (Price1 = 20,001 D)', () => {
    const ran = runScenarioObject({
      ...pricedMarket('binance', { index: threeSources, funding: { method: 'external', intervalMs: 28_800_000 } }),
      commands: [
        { at: START, kind: 'funding_rate', market: 'BTCUSDT', rate: '0.0001' },
        { kind: 'market_data', market: 'BTCUSDT', bestBid: '20009', bestAsk: '20011', lastTrade: '20005' },
        ...sources('20000'),
      ],
    });
    expect(rejections(ran)).toEqual([]);
    const m = ran.engine.market('BTCUSDT');
    expect(m?.indexPrice).toBe(dec('20000', 2));
    // Price1 = 20,001.00; Price2 = 20,000 + basis MA 10.00 = 20,010.00; last = 20,005.00 -> median 20,005.00.
    expect(m?.markPrice).toBe(dec('20005', 2));
  });

  it('Binance: with last = 20,000.50 the median is the last price', () => {
    const ran = runScenarioObject({
      ...pricedMarket('binance', { index: threeSources, funding: { method: 'external', intervalMs: 28_800_000 } }),
      commands: [
        { at: START, kind: 'funding_rate', market: 'BTCUSDT', rate: '0.0001' },
        { kind: 'market_data', market: 'BTCUSDT', bestBid: '20009', bestAsk: '20011', lastTrade: '20000.5' },
        ...sources('20000'),
      ],
    });
    expect(ran.engine.market('BTCUSDT')?.markPrice).toBe(dec('20001', 2));
  });

  it('BitMEX fair price: index 10,000, rate 0.01%, 4 h of 8 h left -> 10,000.50; rate -0.0375%, 2 h left -> 9,999.06 (9,999.0625 D)', () => {
    const at4h = runScenarioObject({
      ...pricedMarket('bitmex', { funding: { method: 'external', intervalMs: 28_800_000 } }),
      commands: [
        { at: START, kind: 'funding_rate', market: 'BTCUSDT', rate: '0.0001' },
        { kind: 'price', market: 'BTCUSDT', index: '10000' },
      ],
    });
    expect(at4h.engine.market('BTCUSDT')?.markPrice).toBe(dec('10000.5', 2));
    const at2h = runScenarioObject({
      ...pricedMarket('bitmex', { funding: { method: 'external', intervalMs: 28_800_000 } }),
      commands: [
        { at: '2025-02-02T22:00:00Z', kind: 'funding_rate', market: 'BTCUSDT', rate: '-0.000375' },
        { kind: 'price', market: 'BTCUSDT', index: '10000' },
      ],
    });
    // 9,999.0625 at 2 decimals, half-even: 9,999.06.
    expect(at2h.engine.market('BTCUSDT')?.markPrice).toBe(dec('9999.06', 2));
  });

  it('Hyperliquid: median(oracle + EMA(mid - oracle), median(bid, ask, last), external mid) = 100.11 (D)', () => {
    const ran = runScenarioObject({
      ...pricedMarket('hyperliquid', {}),
      commands: [
        // The EMAs start when the market is listed; the first oracle update comes 3 s later (Hyperliquid's cadence).
        { at: '2025-02-02T20:00:03Z', kind: 'market_data', market: 'BTCUSDT', bestBid: '100.05', bestAsk: '100.15', lastTrade: '100.30', externalMid: '100.11' },
        { kind: 'price', market: 'BTCUSDT', index: '100' },
      ],
    });
    expect(ran.engine.market('BTCUSDT')?.markPrice).toBe(dec('100.11', 2));
  });

  it('dYdX oracle: a move below min_price_change (0.1% of 123,000 = 123) is ignored, one of 123 is taken (V util_test rows)', () => {
    const ran = runScenarioObject({
      ...pricedMarket('dydx-v4', { minPriceChange: '0.001' }, 0),
      commands: [
        { at: START, kind: 'price', market: 'BTCUSDT', index: '123000' },
        { kind: 'price', market: 'BTCUSDT', index: '123122' },
      ],
    });
    expect(ran.engine.market('BTCUSDT')?.markPrice).toBe(123000n);
    const moved = runScenarioObject({
      ...pricedMarket('dydx-v4', { minPriceChange: '0.001' }, 0),
      commands: [
        { at: START, kind: 'price', market: 'BTCUSDT', index: '123000' },
        { kind: 'price', market: 'BTCUSDT', index: '122877' },
      ],
    });
    expect(moved.engine.market('BTCUSDT')?.markPrice).toBe(122877n);
  });
});

describe('funding through the funding index', () => {
  it('an announced 0.01% at mark 20,000 moves the index by 2 USDT per BTC at 00:00; longs pay, shorts receive, nothing is lost', () => {
    const base = pricedMarket('binance', { funding: { method: 'external', intervalMs: 28_800_000 } });
    const ran = runScenarioObject({
      ...base,
      accounts: [
        { id: 'long', deposits: { USDT: '10000' } },
        { id: 'short', deposits: { USDT: '10000' } },
      ],
      commands: [
        { at: START, kind: 'price', market: 'BTCUSDT', mark: '20000' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '1.5', buyer: 'long', seller: 'short' },
        { kind: 'funding_rate', market: 'BTCUSDT', rate: '0.0001' },
        { at: '2025-02-03T00:00:00Z', kind: 'tick' },
        { kind: 'settle_funding', account: 'long' },
        { kind: 'settle_funding', account: 'short' },
      ],
    });
    expect(rejections(ran)).toEqual([]);
    const applied = ran.wire.find((e) => e.kind === 'FundingApplied');
    expect(applied).toMatchObject({ market: 'BTCUSDT', rate: '0.0001', price: '20000', indexDelta: '2', atMs: Date.UTC(2025, 1, 3) });
    const settled = ran.wire.filter((e) => e.kind === 'FundingSettled');
    // 1.5 BTC x 2 USDT = 3 USDT.
    expect(settled.map((e) => [e.account, e.amount, e.balance])).toEqual([
      ['long', '-3', '9997'],
      ['short', '3', '10003'],
    ]);
    expect(ran.engine.state.venue.fundingPool).toBe(0n);
  });

  it('uneven shares round in the venue’s favour and the dust stays in the funding pool', () => {
    const base = pricedMarket('binance', { funding: { method: 'external', intervalMs: 28_800_000 } });
    const ran = runScenarioObject({
      ...base,
      accounts: [
        { id: 'long', deposits: { USDT: '10000' } },
        { id: 's1', deposits: { USDT: '10000' } },
        { id: 's2', deposits: { USDT: '10000' } },
      ],
      commands: [
        { at: START, kind: 'price', market: 'BTCUSDT', mark: '20000.01' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.002', buyer: 'long', seller: 's1' },
        { kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.001', buyer: 'long', seller: 's2' },
        { kind: 'funding_rate', market: 'BTCUSDT', rate: '0.000123457' },
        { at: '2025-02-03T00:00:00Z', kind: 'tick' },
        { kind: 'settle_funding', account: 'long' },
        { kind: 'settle_funding', account: 's1' },
        { kind: 'settle_funding', account: 's2' },
      ],
    });
    const amounts = ran.events.filter((e) => e.kind === 'FundingSettled').map((e) => (e as { amount: bigint }).amount);
    // Index move: 0.000123457 x 20,000.01 = 2.46914123457 USDT per BTC (x1e9 atoms, half-even).
    // long pays ceil(0.003 x 2.469141..) = 7408 atoms; s1 gets floor(0.002 x ..) = 4938; s2 floor(0.001 x ..) = 2469.
    expect(amounts).toEqual([-7408n, 4938n, 2469n]);
    expect(ran.engine.state.venue.fundingPool).toBe(1n);
  });
});

describe('computed funding (Binance method) and the TWAP guard through the engine', () => {
  it('samples the premium from the book every 5 s and pays F = avgP + clamp(I - avgP, +-0.05%) at the interval', () => {
    // 1 h interval (N = 1): F = [P + clamp(0.01% - P, -0.05%, 0.05%)] x 1/8. Book 20,020 / 20,030 over index
    // 20,000: premium = (20,020 - 20,000) / 20,000 = 0.1% each sample; F8 = 0.1% - 0.05% = 0.05%; F = 0.00625%.
    const base = pricedMarket('binance', { funding: { method: 'binance', intervalMs: 3_600_000, sampleIntervalMs: 5_000 } });
    const commands: unknown[] = [{ at: START, kind: 'market_data', market: 'BTCUSDT', bestBid: '20020', bestAsk: '20030' }];
    for (let k = 0; k < 12; k++) commands.push({ at: Date.parse(START) + k * 5_000, kind: 'price', market: 'BTCUSDT', index: '20000' });
    commands.push({ at: '2025-02-02T21:00:00Z', kind: 'tick' });
    const ran = runScenarioObject({ ...base, commands });
    expect(rejections(ran)).toEqual([]);
    const applied = ran.wire.find((e) => e.kind === 'FundingApplied');
    expect(applied).toMatchObject({ rate: '0.0000625', atMs: Date.UTC(2025, 1, 2, 21) });
  });

  it('trips the breaker when the mark leaves its 5-minute TWAP by more than 5%', () => {
    const ran = runScenarioObject({
      ...pricedMarket('binance', { markMethod: 'oracle', guards: { twapBand: '0.05', twapWindowMs: 300_000, rearmAfter: 1 } }),
      commands: [
        { at: START, kind: 'price', market: 'BTCUSDT', mark: '20000' },
        { at: Date.parse(START) + 60_000, kind: 'price', market: 'BTCUSDT', mark: '20100' },
        { at: Date.parse(START) + 120_000, kind: 'price', market: 'BTCUSDT', mark: '21500' },
      ],
    });
    expect(ran.wire.filter((e) => e.kind === 'BreakerTripped')).toEqual([expect.objectContaining({ reasons: ['twap_divergence'] })]);
  });
});
