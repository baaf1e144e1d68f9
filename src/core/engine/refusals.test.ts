// A refused command changes nothing but its sequence number and answers with its rejection alone, whatever the
// reason, time included (issue 13, item 3): the shapes of the cases the crash-day fuzz found.

import { describe, expect, it } from 'vitest';
import { dec, price, quote, rateE9, size } from '../units/index.js';
import { DEFAULT_PRICING } from '../market/pricing.js';
import { Engine } from './engine.js';
import { encodeSnapshot } from './snapshot.js';
import { BTC_PERP, standardSetup, TEST_CONFIG, USDC } from './testkit.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';

const withoutSeq = (text: string): string => text.replace(/"seq":\d+,"timeMs"/, '"seq":0,"timeMs"');

function world(): Engine {
  const engine = Engine.create(TEST_CONFIG);
  for (const cmd of standardSetup(1_000)) engine.apply(cmd);
  engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'a', asset: USDC, amount: dec('1000000', 6) });
  engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'b', asset: USDC, amount: dec('1000000', 6) });
  return engine;
}

describe('refusals change nothing', () => {
  it('a fill refused once both sides are planned (the open-interest cap, then initial margin) changes neither account', () => {
    // Book fills and the waterfall's trades change the accounts themselves (trading.ts refusable); an external fill is
    // planned on drafts, because the cap and the initial-margin check can still refuse it after both sides are planned.
    const engine = Engine.create(TEST_CONFIG);
    for (const cmd of standardSetup(1_000)) {
      engine.apply(cmd.kind === 'set_market' && cmd.market.id === 'BTC-PERP' ? { ...cmd, market: { ...BTC_PERP, openInterestCap: { size: size(1_000n) } } } : cmd);
    }
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'a', asset: USDC, amount: dec('1000000', 6) });
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'b', asset: USDC, amount: dec('1000000', 6) });
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'x', asset: USDC, amount: dec('100', 6) });
    const fill = (buyer: string, atoms: bigint) =>
      engine.apply({ kind: 'fill', tsMs: 2_000, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(atoms), buyer: { account: buyer, fee: quote(0n) }, seller: { account: 'b', fee: quote(0n) } });
    const before = encodeSnapshot(engine.snapshot());
    // 2 BTC would take open interest to 2,000 atoms, above the cap of 1,000: refused after both sides were planned.
    expect(fill('a', 2_000n)).toMatchObject([{ kind: 'CommandRejected', reason: 'open_interest_cap' }]);
    // 0.5 BTC (50,000 USDC) against x's 100 USDC: refused by x's initial margin, also after its side was planned.
    expect(fill('x', 500n)).toMatchObject([{ kind: 'CommandRejected', reason: 'initial_margin_breach' }]);
    expect(withoutSeq(encodeSnapshot(engine.snapshot()))).toBe(withoutSeq(before));
    // Within the cap and the margin, the same fill goes through.
    expect(fill('a', 1_000n).map((e) => e.kind)).toEqual(['PositionChanged', 'PositionChanged']);
  });

  it('time_went_backwards runs no liquidation step, even with a ledger waiting in breach (fuzz seed 2)', () => {
    const engine = world();
    // dYdX closes 10% of a position per block: a ledger in breach waits for the next command.
    engine.apply({ kind: 'set_rulebook', tsMs: 2_000, rulebook: rulebookPreset('dydx-v4', 6) as Rulebook });
    engine.apply({ kind: 'deposit', tsMs: 2_000, account: 'mm', asset: USDC, amount: dec('10000000', 6) });
    engine.apply({ kind: 'deposit', tsMs: 2_000, account: 'x', asset: USDC, amount: dec('2500', 6) });
    // x buys 2 BTC at 100,000 (200k notional, tier 2: 1% initial = 2,000 USDC of its 2,500).
    const fill = engine.apply({ kind: 'fill', tsMs: 2_000, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(2_000n), buyer: { account: 'x', fee: quote(0n) }, seller: { account: 'b', fee: quote(0n) } });
    expect(fill.map((e) => e.kind)).toEqual(['PositionChanged', 'PositionChanged']);
    engine.apply({ kind: 'place_order', tsMs: 2_000, account: 'mm', market: 'BTC-PERP', id: 'bid', side: 'buy', price: price(dec('99000', 2)), size: size(100n), tif: 'gtc' });
    // Down 1%: equity 2,500 - 2,000 = 500 < maintenance 198k x 0.5% - 50 = 940: in breach; dYdX takes 10% a block.
    const crash = engine.apply({ kind: 'price', tsMs: 3_000, market: 'BTC-PERP', mark: price(dec('99000', 2)) });
    expect(crash.some((e) => e.kind === 'LiquidationStarted')).toBe(true);
    expect(engine.isBreached('x')).toBe(true);
    const before = encodeSnapshot(engine.snapshot());
    const late = engine.apply({ kind: 'tick', tsMs: 2_500 });
    expect(late.map((e) => e.kind)).toEqual(['CommandRejected']);
    expect(late[0]).toMatchObject({ reason: 'time_went_backwards', seq: engine.seq });
    expect(withoutSeq(encodeSnapshot(engine.snapshot()))).toBe(withoutSeq(before));
    // The next accepted command takes the next step.
    expect(engine.apply({ kind: 'tick', tsMs: 4_000 }).some((e) => e.kind === 'LiquidationStarted')).toBe(true);
  });

  it('a refused command does not let time pass: funding due is paid by the next accepted command', () => {
    const engine = Engine.create(TEST_CONFIG);
    for (const cmd of standardSetup(0)) {
      if (cmd.kind !== 'set_market' || cmd.market.id !== 'BTC-PERP') engine.apply(cmd);
      else {
        const funding = { method: 'external' as const, intervalMs: 3_600_000, sampleIntervalMs: 60_000, interestRate: rateE9(0n), clampBand: rateE9(0n), capRate: rateE9(10_000_000n), floorRate: rateE9(-10_000_000n), fundAt: 'mark' as const };
        engine.apply({ ...cmd, market: { ...BTC_PERP, pricing: { ...DEFAULT_PRICING, funding, guards: { maxPriceAgeMs: 600_000, rearmAfter: 1 } } } });
      }
    }
    engine.apply({ kind: 'price', tsMs: 0, market: 'BTC-PERP', mark: price(dec('100000', 2)) });
    expect(engine.apply({ kind: 'funding_rate', tsMs: 0, market: 'BTC-PERP', rate: rateE9(100_000n) })[0]?.kind).toBe('FundingRateAnnounced');
    const before = encodeSnapshot(engine.snapshot());
    // One hour later funding is due and the price is stale; the withdrawal is refused (no such account).
    const refused = engine.apply({ kind: 'withdraw', tsMs: 3_600_000, account: 'nobody', asset: USDC, amount: 1n });
    expect(refused.map((e) => e.kind)).toEqual(['CommandRejected']);
    expect(withoutSeq(encodeSnapshot(engine.snapshot()))).toBe(withoutSeq(before));
    expect(engine.timeMs).toBe(0);
    // The next accepted command pays it and trips the stale breaker, stamped with the scheduled time.
    const next = engine.apply({ kind: 'tick', tsMs: 3_600_000 });
    expect(next.map((e) => e.kind)).toEqual(['FundingApplied', 'BreakerTripped']);
    expect(next[0]).toMatchObject({ atMs: 3_600_000, rate: 100_000n });
  });

  it('fees and rebates are bounded by the rulebook (a -5 USDC fee on a 95.5 USDC fill is refused)', () => {
    const engine = world();
    // 0.000955 BTC is not a step; 0.001 BTC at 95,500 = 95.5 USDC of notional. Bounds: fee <= 1% = 0.955,
    // rebate <= 0.1% = 0.0955 (95,500 atoms).
    const at = { kind: 'fill' as const, tsMs: 2_000, market: 'BTC-PERP', price: price(dec('95500', 2)), size: size(1n) };
    const before = encodeSnapshot(engine.snapshot());
    const rebate = engine.apply({ ...at, buyer: { account: 'a', fee: quote(1_000n) }, seller: { account: 'b', fee: quote(-5_000_000n) } });
    expect(rebate).toMatchObject([{ kind: 'CommandRejected', reason: 'fee_out_of_bounds', field: 'seller.fee' }]);
    expect(engine.apply({ ...at, buyer: { account: 'a', fee: quote(955_001n) }, seller: { account: 'b', fee: quote(0n) } })).toMatchObject([
      { kind: 'CommandRejected', reason: 'fee_out_of_bounds', field: 'buyer.fee' },
    ]);
    expect(withoutSeq(encodeSnapshot(engine.snapshot()))).toBe(withoutSeq(before));
    // At the bounds exactly, accepted.
    const ok = engine.apply({ ...at, buyer: { account: 'a', fee: quote(955_000n) }, seller: { account: 'b', fee: quote(-95_500n) } });
    expect(ok.map((e) => e.kind)).toEqual(['PositionChanged', 'PositionChanged']);
    expect(engine.state.venue.feePool).toBe(955_000n - 95_500n);
  });
});
