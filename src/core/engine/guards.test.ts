// Guards against the incidents that cost venues the most (issue 13 item 2), each in the shape of its incident, through
// the engine. Figures are worked by hand in the comments; the settlement asset is USDC with 6 decimals.

import { describe, expect, it } from 'vitest';
import { accountMarkets } from '../margin/dependencies.js';
import { DEFAULT_PRICING, type MarketPricing } from '../market/pricing.js';
import type { MarketSpec } from '../market/spec.js';
import { DEFAULT_GUARDS } from '../rulebooks/guards.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, ppm, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { enforceable, priceValid } from './prices.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { BTC_PERP, ETH_PERP, TEST_CONFIG, USDC, type CommandBody } from './testkit.js';

const T = 1_760_054_400_000; // 2025-10-10 00:00 UTC
const usdc = (whole: string): bigint => dec(whole, 6);
const kinds = (events: readonly EngineEvent[]): string[] => events.map((e) => e.kind);
const ofKind = <K extends EngineEvent['kind']>(events: readonly EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }>[] =>
  events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
const rejected = (events: readonly EngineEvent[]): string | undefined => ofKind(events, 'CommandRejected')[0]?.reason;

/** A flat-margin market (one tier) with the given decimals. */
function flatMarket(id: string, baseDecimals: number, priceDecimals: number, initialPpm: bigint, maintenancePpm: bigint, extra: Partial<MarketSpec> = {}): MarketSpec {
  return {
    id,
    baseDecimals,
    priceDecimals,
    tickSize: price(1n),
    stepSize: size(1n),
    margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(initialPpm), maintenancePpm: ppm(maintenancePpm), maintenanceAmount: quote(0n) }] },
    ...extra,
  };
}

function engineAt(t: number, markets: MarketSpec[], rulebook = DEFAULT_RULEBOOK): { e: Engine; run: (cmd: CommandBody & { tsMs?: number }) => EngineEvent[] } {
  const e = Engine.create(TEST_CONFIG, rulebook);
  let now = t;
  const run = (cmd: CommandBody & { tsMs?: number }): EngineEvent[] => {
    now = cmd.tsMs ?? now + 1;
    return e.apply({ ...cmd, tsMs: now } as Command);
  };
  for (const m of markets) run({ kind: 'set_market', market: m });
  return { e, run };
}

describe('pegged collateral is valued at conversion rate x the underlying index (Binance, 2025-10-10)', () => {
  // wBETH converts to 1.07 ETH. Binance valued it on its own wBETH book, which printed ~$430 while ETH stood near
  // $4,100: holders of wBETH collateral were liquidated at a price nobody could trade at size.
  const WBETH_BOOK = flatMarket('WBETH-USDC', 2, 2, 50_000n, 25_000n);
  const setup = (): ReturnType<typeof engineAt> => {
    const w = engineAt(T, [BTC_PERP, ETH_PERP, WBETH_BOOK]);
    const { run } = w;
    run({ kind: 'set_asset', asset: { id: 'WBETH', decimals: 8, priceMarket: 'ETH-PERP', collateralWeightPpm: ppm(900_000n), ltvPpm: ppm(0n), liquidationThresholdPpm: ppm(0n), peg: { conversionRateWad: 1_070_000_000_000_000_000n, market: 'WBETH-USDC', depegBandPpm: ppm(50_000n) } } });
    // The same token, configured as Binance had it: priced off its own book.
    run({ kind: 'set_asset', asset: { id: 'WBETH-BOOK', decimals: 8, priceMarket: 'WBETH-USDC', collateralWeightPpm: ppm(900_000n), ltvPpm: ppm(0n), liquidationThresholdPpm: ppm(0n) } });
    run({ kind: 'price', market: 'BTC-PERP', mark: price(dec('100000', 2)) });
    run({ kind: 'price', market: 'ETH-PERP', mark: price(dec('4100', 2)) });
    run({ kind: 'price', market: 'WBETH-USDC', mark: price(dec('4387', 2)) });
    run({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('10000000') });
    run({ kind: 'deposit', account: 'alice', asset: 'WBETH', amount: dec('10', 8) });
    run({ kind: 'deposit', account: 'bob', asset: 'WBETH-BOOK', amount: dec('10', 8) });
    // Each buys 6 BTC at 100,000: notional 600,000, tier 3: IM 2% = 12,000; MM 1% x 600,000 - 1,300 = 4,700.
    for (const who of ['alice', 'bob']) {
      expect(rejected(run({ kind: 'fill', market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(6_000n), buyer: { account: who, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } }))).toBeUndefined();
    }
    return w;
  };

  it('a print of $430 on the own book raises CollateralDepegged and liquidates only the account valued off that book', () => {
    const { e, run } = setup();
    // Both hold 39,483 USDC of collateral: alice 10 x 1.07 x 4,100 x 0.9; bob 10 x 4,387 x 0.9 (the book at parity).
    const collateral = (who: string): bigint | undefined => {
      const ev = e.evaluate(who);
      return ev?.priced === true ? ev.cross.collateral : undefined;
    };
    expect(collateral('alice')).toBe(usdc('39483'));
    expect(collateral('bob')).toBe(usdc('39483'));
    // The wBETH book prints 430: |430 - 4,387| / 4,387 = 90% beyond the 5% band. bob's collateral falls to
    // 10 x 430 x 0.9 = 3,870 <= 4,700: liquidated. alice's stays 39,483.
    const events = run({ kind: 'price', market: 'WBETH-USDC', mark: price(dec('430', 2)) });
    expect(ofKind(events, 'CollateralDepegged')).toEqual([expect.objectContaining({ asset: 'WBETH', market: 'WBETH-USDC', price: dec('430', 2), implied: dec('4387', 2) })]);
    expect(ofKind(events, 'LiquidationStarted').map((x) => x.account)).toEqual(['bob']);
    expect(collateral('alice')).toBe(usdc('39483'));
    expect(e.isBreached('alice')).toBe(false);
  });

  it('the book returning within the band repegs; the underlying falling is what liquidates pegged collateral', () => {
    const { e, run } = setup();
    run({ kind: 'price', market: 'WBETH-USDC', mark: price(dec('430', 2)) });
    // The depeg is state: a restored engine announces the same repeg.
    const restored = Engine.restore(decodeSnapshot(encodeSnapshot(e.snapshot())));
    expect(restored.state.guards.depegged).toEqual(new Set(['WBETH']));
    // 4,380 against 4,387: 0.16%, inside the band.
    const back = run({ kind: 'price', market: 'WBETH-USDC', mark: price(dec('4380', 2)) });
    expect(restored.apply({ kind: 'price', tsMs: e.timeMs, market: 'WBETH-USDC', mark: price(dec('4380', 2)) })).toEqual(back);
    expect(ofKind(back, 'CollateralRepegged')).toEqual([expect.objectContaining({ asset: 'WBETH', price: dec('4380', 2), implied: dec('4387', 2) })]);
    // ETH at 480: alice's collateral 10 x 1.07 x 480 x 0.9 = 4,622.4 <= 4,700: the breach index sees pegged collateral
    // through the underlying's market. The book at 4,380 is now 753% above 1.07 x 480 = 513.60: depegged again.
    // The account's value depends on the BTC market (its position) and the ETH market (its pegged collateral), never
    // on the wBETH book.
    expect(accountMarkets(e.state, e.account('alice') as NonNullable<ReturnType<Engine['account']>>)).toEqual(['BTC-PERP', 'ETH-PERP']);
    const crash = run({ kind: 'price', market: 'ETH-PERP', mark: price(dec('480', 2)) });
    expect(ofKind(crash, 'CollateralDepegged')).toEqual([expect.objectContaining({ asset: 'WBETH', price: dec('4380', 2), implied: dec('513.6', 2) })]);
    expect(ofKind(crash, 'LiquidationStarted')[0]).toMatchObject({ account: 'alice', equity: usdc('4622.4'), maintenance: usdc('4700') });
  });

  it('refuses a peg whose own market is the price market, and a non-positive conversion rate', () => {
    const { run } = engineAt(T, [ETH_PERP, WBETH_BOOK]);
    const asset = { id: 'WBETH', decimals: 8, priceMarket: 'WBETH-USDC', collateralWeightPpm: ppm(900_000n), ltvPpm: ppm(0n), liquidationThresholdPpm: ppm(0n) };
    expect(ofKind(run({ kind: 'set_asset', asset: { ...asset, peg: { conversionRateWad: 10n ** 18n, market: 'WBETH-USDC', depegBandPpm: ppm(50_000n) } } }), 'CommandRejected')[0]).toMatchObject({ reason: 'asset_invalid', field: 'asset.peg.market' });
    expect(ofKind(run({ kind: 'set_asset', asset: { ...asset, priceMarket: 'ETH-PERP', peg: { conversionRateWad: 0n, depegBandPpm: ppm(50_000n) } } }), 'CommandRejected')[0]).toMatchObject({ reason: 'asset_invalid', field: 'asset.peg.conversionRateWad' });
  });
});

describe('an oracle answer at its aggregator bound is never used (Venus, 2022-05-12)', () => {
  // Chainlink's LUNA/USD aggregator had minAnswer 0.107: as LUNA fell to ~0.01 the feed kept answering 0.107, and
  // Venus let LUNA bought at the market be borrowed against at the floor.
  const bounds: MarketPricing = { ...DEFAULT_PRICING, answerBounds: { min: price(107n), max: price(1_000_000n) } };
  const LUNA = flatMarket('LUNA-USD', 0, 3, 500_000n, 250_000n, { pricing: bounds });
  const NAIVE = flatMarket('LUNA-NAIVE', 0, 3, 500_000n, 250_000n);
  const lunaAsset = (id: string, priceMarket: string): CommandBody => ({ kind: 'set_asset', asset: { id, decimals: 6, priceMarket, collateralWeightPpm: ppm(550_000n), ltvPpm: ppm(550_000n), liquidationThresholdPpm: ppm(600_000n) } });

  it('a clamped answer freezes borrowing and withdrawals against the asset; the market is not enforceable; a sound answer lifts it', () => {
    const { e, run } = engineAt(T, [LUNA, NAIVE]);
    expect(rejected(run(lunaAsset('LUNA', 'LUNA-USD')))).toBeUndefined();
    run(lunaAsset('LUNA2', 'LUNA-NAIVE'));
    run({ kind: 'price', market: 'LUNA-USD', mark: price(500n) });
    run({ kind: 'price', market: 'LUNA-NAIVE', mark: price(500n) });
    // An honest borrower: 10,000 LUNA at 0.5 (lendable 10,000 x 0.5 x 55% = 2,750) owes 1,000 USDC and holds 100.
    run({ kind: 'deposit', account: 'saver', asset: 'LUNA', amount: dec('10000', 6) });
    run({ kind: 'deposit', account: 'saver', asset: USDC, amount: usdc('100') });
    expect(rejected(run({ kind: 'borrow', account: 'saver', asset: USDC, amount: usdc('1000') }))).toBeUndefined();
    // The aggregator answers its floor.
    const clamped = run({ kind: 'price', market: 'LUNA-USD', mark: price(107n) });
    expect(clamped).toEqual([expect.objectContaining({ kind: 'PriceClamped', market: 'LUNA-USD', source: null, price: 107n, bound: 'min' })]);
    const market = e.market('LUNA-USD');
    expect(market?.indexPrice).toBe(500n); // never used
    expect(market !== undefined && (enforceable(market) || priceValid(market))).toBe(false);
    // 10M LUNA bought at ~0.01 (~$100k): at 0.107 it would lend 10M x 0.107 x 55% = 588,500.
    run({ kind: 'deposit', account: 'attacker', asset: 'LUNA', amount: dec('10000000', 6) });
    expect(ofKind(run({ kind: 'borrow', account: 'attacker', asset: USDC, amount: usdc('500000') }), 'CommandRejected')[0]).toMatchObject({ reason: 'price_invalid' });
    expect(rejected(run({ kind: 'withdraw', account: 'saver', asset: USDC, amount: usdc('10') }))).toBe('price_invalid');
    // The same feed without the guard: the floor is taken as the price and the loan goes out (the incident).
    run({ kind: 'price', market: 'LUNA-NAIVE', mark: price(107n) });
    run({ kind: 'deposit', account: 'attacker2', asset: 'LUNA2', amount: dec('10000000', 6) });
    expect(kinds(run({ kind: 'borrow', account: 'attacker2', asset: USDC, amount: usdc('500000') }))).toEqual(['Borrowed']);
    // Still at or beyond the floor: still clamped. A sound answer (0.108, strictly inside) lifts the freeze.
    expect(kinds(run({ kind: 'price', market: 'LUNA-USD', mark: price(10n) }))).toEqual(['PriceClamped']);
    expect(run({ kind: 'price', market: 'LUNA-USD', mark: price(108n) })[0]).toMatchObject({ kind: 'PriceUnclamped', price: 108n });
    expect(market !== undefined && enforceable(market)).toBe(true);
    // Decided on the price again: 10,000 x 0.108 x 55% + 100 - 1,000 = -306 of equity, below the initial margin.
    expect(rejected(run({ kind: 'withdraw', account: 'saver', asset: USDC, amount: usdc('10') }))).toBe('initial_margin_breach');
  });

  it('a source answering at its bound drops out of the index; alone, it leaves the market unpriced and frozen', () => {
    const pricing: MarketPricing = {
      ...DEFAULT_PRICING,
      index: { method: 'weighted_median', weights: { chainlink: 1n }, maxAgeMs: 60_000, minSources: 1, answerBounds: { chainlink: { min: price(107n), max: price(1_000_000n) } } },
    };
    const { e, run } = engineAt(T, [flatMarket('LUNA-USD', 0, 3, 500_000n, 250_000n, { pricing })]);
    expect(rejected(run(lunaAsset('LUNA', 'LUNA-USD')))).toBeUndefined();
    run({ kind: 'source_price', market: 'LUNA-USD', source: 'chainlink', price: price(500n), publishTimeMs: T + 3, tsMs: T + 3 });
    run({ kind: 'deposit', account: 'attacker', asset: 'LUNA', amount: dec('10000000', 6) });
    const floor = run({ kind: 'source_price', market: 'LUNA-USD', source: 'chainlink', price: price(107n), publishTimeMs: T + 5, tsMs: T + 5 });
    expect(kinds(floor)).toEqual(['PriceClamped', 'MarketUnpriced']);
    expect(floor[0]).toMatchObject({ source: 'chainlink', bound: 'min' });
    expect(e.market('LUNA-USD')?.indexPrice).toBe(500n);
    expect(rejected(run({ kind: 'borrow', account: 'attacker', asset: USDC, amount: usdc('1') }))).toBe('price_invalid');
  });
});

describe('index outlier clipping names the source', () => {
  // Binance's index FAQ: with a 3% cap, a source at +7% of a 20,000 median counts as 20,600.
  const withIndex = (policy: 'clip' | 'drop'): ReturnType<typeof engineAt> =>
    engineAt(T, [
      flatMarket('BTCUSDT', 3, 2, 50_000n, 25_000n, {
        pricing: { ...DEFAULT_PRICING, index: { method: 'weighted_median', weights: { binance: 1n, bybit: 1n, okx: 1n }, maxAgeMs: 60_000, minSources: 1, deviationCapPpm: ppm(30_000n), deviationPolicy: policy } },
      }),
    ]);
  const src = (source: string, p: string): CommandBody => ({ kind: 'source_price', market: 'BTCUSDT', source, price: price(dec(p, 2)), publishTimeMs: T });

  it('announces the clipped source with the band edge it counted at, once, and when it returns', () => {
    const { e, run } = withIndex('clip');
    run(src('binance', '20000'));
    run(src('bybit', '20000'));
    const spike = run(src('okx', '21400'));
    expect(spike).toEqual([expect.objectContaining({ kind: 'IndexOutlier', market: 'BTCUSDT', source: 'okx', status: 'clipped', observed: dec('21400', 2), used: dec('20600', 2), median: dec('20000', 2) })]);
    expect(e.market('BTCUSDT')?.indexPrice).toBe(dec('20000', 2));
    // Still beyond the band: no second event. Back within it: cleared.
    expect(kinds(run(src('okx', '21500')))).toEqual([]);
    expect(run(src('okx', '20100'))).toEqual([expect.objectContaining({ kind: 'IndexOutlierCleared', source: 'okx' })]);
  });

  it('a dropped source is named with used null', () => {
    const { run } = withIndex('drop');
    run(src('binance', '20000'));
    run(src('bybit', '20000'));
    expect(run(src('okx', '18000'))).toEqual([expect.objectContaining({ kind: 'IndexOutlier', source: 'okx', status: 'dropped', observed: dec('18000', 2), used: null })]);
  });
});

describe('withdrawals and transfers keep max(initial margin, 10% of notional) (Hyperliquid, 2025-03-12)', () => {
  // A trader opened a ~50x ETH long, withdrew the unrealised profit down to the initial margin, and let the
  // liquidation fall to the HLP vault (~$4M lost). Hyperliquid then required max(IM, 10% of notional) to transfer.
  // ETH-HL: 50x (IM 2%), MM 1%. 100 ETH bought at 2,000 with 50,000 deposited; the mark rises to 2,100:
  // equity 50,000 + 100 x 100 = 60,000, notional 210,000, IM 4,200, transfer floor max(4,200, 21,000) = 21,000.
  const ETH_HL = flatMarket('ETH-HL', 2, 2, 20_000n, 10_000n);
  const open = (rulebook = DEFAULT_RULEBOOK, isolated = false): ReturnType<typeof engineAt> => {
    const w = engineAt(T, [ETH_HL], rulebook);
    w.run({ kind: 'price', market: 'ETH-HL', mark: price(dec('2000', 2)) });
    w.run({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('10000000') });
    w.run({ kind: 'deposit', account: 'whale', asset: USDC, amount: usdc('50000') });
    const buyer = isolated ? { account: 'whale', fee: quote(0n), marginMode: 'isolated' as const, isolatedMargin: quote(usdc('30000')) } : { account: 'whale', fee: quote(0n) };
    expect(rejected(w.run({ kind: 'fill', market: 'ETH-HL', price: price(dec('2000', 2)), size: size(10_000n), buyer, seller: { account: 'mm', fee: quote(0n) } }))).toBeUndefined();
    w.run({ kind: 'price', market: 'ETH-HL', mark: price(dec('2100', 2)) });
    return w;
  };

  it('a withdrawal may take the equity down to 10% of notional, not to the initial margin', () => {
    const { run } = open();
    // Taking the whole deposit would leave only the unrealised profit, 10,000: above the IM, below the floor.
    expect(rejected(run({ kind: 'withdraw', account: 'whale', asset: USDC, amount: usdc('50000') }))).toBe('transfer_margin_floor');
    expect(ofKind(run({ kind: 'withdraw', account: 'whale', asset: USDC, amount: usdc('39000.000001') }), 'CommandRejected')[0]).toMatchObject({ reason: 'transfer_margin_floor', field: 'amount' });
    expect(kinds(run({ kind: 'withdraw', account: 'whale', asset: USDC, amount: usdc('39000') }))).toEqual(['Withdrawn']);
  });

  it('without the guard (share 0) the whole deposit could leave, the position carried by its unrealised profit alone', () => {
    const { e, run } = open({ ...DEFAULT_RULEBOOK, guards: { ...DEFAULT_GUARDS, transferMarginPpm: ppm(0n) } });
    expect(kinds(run({ kind: 'withdraw', account: 'whale', asset: USDC, amount: usdc('50000') }))).toEqual(['Withdrawn']);
    const ev = e.evaluate('whale');
    expect(ev?.priced === true ? [ev.cross.equity, ev.cross.initial] : null).toEqual([usdc('10000'), usdc('4200')]);
  });

  it('margin taken out of an isolated position keeps the same floor', () => {
    const { run } = open(DEFAULT_RULEBOOK, true);
    // Isolated equity 30,000 + 10,000 = 40,000: out 19,000 leaves 21,000 (the floor); one atom more is refused.
    expect(rejected(run({ kind: 'adjust_isolated_margin', account: 'whale', market: 'ETH-HL', amount: quote(-usdc('19000.000001')) }))).toBe('transfer_margin_floor');
    expect(kinds(run({ kind: 'adjust_isolated_margin', account: 'whale', market: 'ETH-HL', amount: quote(-usdc('19000')) }))).toEqual(['IsolatedMarginChanged']);
  });
});

describe('per-market open-interest caps refuse new exposure (Hyperliquid JELLY, 2025-03-26)', () => {
  // A trader opened a large JELLY short, pumped the thin spot market and left the short to the HLP vault; Hyperliquid
  // then capped open interest per market. JELLY-PERP: cap 1,000,000 JELLY, price 0.0095, IM 10%, MM 5%.
  const JELLY = flatMarket('JELLY-PERP', 0, 4, 100_000n, 50_000n, { openInterestCap: { size: size(1_000_000n) } });
  const fill = (buyer: string, seller: string, qty: bigint, px = 95n): CommandBody => ({
    kind: 'fill',
    market: 'JELLY-PERP',
    price: price(px),
    size: size(qty),
    buyer: { account: buyer, fee: quote(0n) },
    seller: { account: seller, fee: quote(0n) },
  });
  const world = (): ReturnType<typeof engineAt> => {
    const w = engineAt(T, [JELLY]);
    w.run({ kind: 'price', market: 'JELLY-PERP', mark: price(95n) });
    for (const id of ['a', 'b', 'c']) w.run({ kind: 'deposit', account: id, asset: USDC, amount: usdc('100000') });
    w.run({ kind: 'deposit', account: 'd', asset: USDC, amount: usdc('2000') });
    return w;
  };

  it('refuses fills and orders that take open interest above the cap; those that do not raise it pass', () => {
    const { e, run } = world();
    expect(rejected(run(fill('a', 'b', 800_000n)))).toBeUndefined(); // OI 800,000
    // c and d both open: OI would be 1,100,000.
    expect(ofKind(run(fill('c', 'd', 300_000n)), 'CommandRejected')[0]).toMatchObject({ reason: 'open_interest_cap', field: 'size' });
    // a sells 300,000 of its long to c: one side opens, one closes, OI stays 800,000.
    expect(rejected(run(fill('c', 'a', 300_000n)))).toBeUndefined();
    // c and d open 200,000 more: OI 1,000,000, at the cap (not above): accepted.
    expect(rejected(run(fill('c', 'd', 200_000n)))).toBeUndefined();
    expect(e.market('JELLY-PERP')?.openInterest).toBe(1_000_000n);
    // An order that would open 1 more is refused; one that only reduces (b is short 800,000) is accepted.
    expect(rejected(run({ kind: 'place_order', account: 'd', market: 'JELLY-PERP', id: 'o1', side: 'sell', price: price(95n), size: size(1n), tif: 'gtc' }))).toBe('open_interest_cap');
    expect(kinds(run({ kind: 'place_order', account: 'b', market: 'JELLY-PERP', id: 'o2', side: 'buy', price: price(90n), size: size(100n), tif: 'gtc' }))).toEqual(['OrderPlaced']);
  });

  it('a cap in notional counts open interest at the mark', () => {
    const { run } = engineAt(T, [{ ...JELLY, openInterestCap: { notional: quote(usdc('9000')) } }]);
    run({ kind: 'price', market: 'JELLY-PERP', mark: price(95n) });
    for (const id of ['a', 'b']) run({ kind: 'deposit', account: id, asset: USDC, amount: usdc('100000') });
    // 1,000,000 x 0.0095 = 9,500 > 9,000; 900,000 x 0.0095 = 8,550.
    expect(rejected(run(fill('a', 'b', 1_000_000n)))).toBe('open_interest_cap');
    expect(rejected(run(fill('a', 'b', 900_000n)))).toBeUndefined();
  });

  it('liquidations are exempt: a cap lowered below open interest does not stop them', () => {
    const { e, run } = world();
    run(fill('a', 'b', 800_000n));
    run(fill('c', 'd', 200_000n)); // d: short 200,000 with 2,000 USDC (notional 1,900, IM 190)
    // The cap drops to 500,000, below the 1,000,000 open; nobody is put into breach, so it applies at once.
    expect(kinds(run({ kind: 'set_market', market: { ...JELLY, openInterestCap: { size: size(500_000n) } } }))).toEqual(['ParameterChangePreviewed', 'MarketUpdated']);
    // JELLY pumps to 0.0500: d loses 200,000 x 0.0405 = 8,100 > 2,000: liquidated (ADL against the longs).
    const pump = run({ kind: 'price', market: 'JELLY-PERP', mark: price(500n) });
    expect(ofKind(pump, 'LiquidationStarted').map((x) => x.account)).toContain('d');
    expect(ofKind(pump, 'CommandRejected')).toEqual([]);
    expect(e.market('JELLY-PERP')?.openInterest).toBeLessThan(1_000_000n);
  });
});

describe('self-trade prevention across linked accounts (Mango Markets, 2022-10-11)', () => {
  // One trader's two accounts traded MNGO-PERP with each other to lift the mark, then borrowed against the profit.
  const MNGO = flatMarket('MNGO-PERP', 0, 4, 100_000n, 50_000n);
  const linked = (): ReturnType<typeof engineAt> => {
    const w = engineAt(T, [MNGO]);
    w.run({ kind: 'price', market: 'MNGO-PERP', mark: price(382n) });
    for (const id of ['avi-1', 'avi-2', 'mm']) w.run({ kind: 'deposit', account: id, asset: USDC, amount: usdc('5000000') });
    expect(w.run({ kind: 'set_account_group', account: 'avi-1', group: 'avi' })).toEqual([expect.objectContaining({ kind: 'AccountGroupSet', account: 'avi-1', group: 'avi' })]);
    w.run({ kind: 'set_account_group', account: 'avi-2', group: 'avi' });
    return w;
  };
  const fill = (buyer: string, seller: string): CommandBody => ({ kind: 'fill', market: 'MNGO-PERP', price: price(382n), size: size(1_000_000n), buyer: { account: buyer, fee: quote(0n) }, seller: { account: seller, fee: quote(0n) } });

  it('refuses a fill between two members of a group', () => {
    const { run } = linked();
    expect(ofKind(run(fill('avi-1', 'avi-2')), 'CommandRejected')[0]).toMatchObject({ reason: 'group_self_trade', field: 'seller.account' });
    expect(rejected(run(fill('avi-1', 'mm')))).toBeUndefined();
  });

  it("an order meeting a linked account's resting order cancels it and trades with the next maker", () => {
    const { run } = linked();
    run({ kind: 'place_order', account: 'avi-2', market: 'MNGO-PERP', id: 'ask', side: 'sell', price: price(382n), size: size(1_000_000n), tif: 'gtc' });
    run({ kind: 'place_order', account: 'mm', market: 'MNGO-PERP', id: 'ask', side: 'sell', price: price(383n), size: size(500_000n), tif: 'gtc' });
    const events = run({ kind: 'place_order', account: 'avi-1', market: 'MNGO-PERP', id: 'lift', side: 'buy', price: price(400n), size: size(1_500_000n), tif: 'ioc' });
    expect(ofKind(events, 'OrderCancelled')).toEqual([expect.objectContaining({ account: 'avi-2', orderId: 'ask', remaining: 1_000_000n, reason: 'self_trade' })]);
    expect(ofKind(events, 'PositionChanged').map((x) => [x.account, x.sizeDelta, x.price])).toEqual([
      ['avi-1', 500_000n, 383n],
      ['mm', -500_000n, 383n],
    ]);
  });

  it('unlinking lets the accounts trade again', () => {
    const { run } = linked();
    expect(run({ kind: 'set_account_group', account: 'avi-2', group: null })).toEqual([expect.objectContaining({ kind: 'AccountGroupSet', account: 'avi-2', group: null })]);
    expect(rejected(run(fill('avi-1', 'avi-2')))).toBeUndefined();
  });
});
