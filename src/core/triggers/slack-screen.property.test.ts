// The float screen's bounds hold the exact slack: on random accounts (cross and isolated positions, BTC collateral
// and debt, funding owed, volatility multipliers, margin-call scales), every ledger the screen bounds has its exact
// slack (evaluateAccount) within [lower, upper], its key figures in the exact notional's tier, and a screen verdict
// (lower > 0: sound; upper < 0: in breach) that the exact figures confirm under both breach rules. Ledgers put
// within a few atoms of zero slack (by adjusting their cash) are the hard case: the bounds must still hold them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USDC } from '../engine/testkit.js';
import { evaluateAccount } from '../margin/evaluate.js';
import { isBreached } from '../margin/thresholds.js';
import { tierIndexFor } from '../market/schedule.js';
import { notional } from '../market/spec.js';
import { ppm, quote } from '../units/index.js';
import { BreachIndex, scanAccounts, type LedgerRef } from './breach-index.js';
import { SlackScreen, screenLedgerSlack } from './slack-screen.js';
import { MARKETS, START, testWorld, type MarketId, type TestWorld } from './testworld.js';

const SIZE: Record<MarketId, bigint> = { 'BTC-PERP': 100n, 'ETH-PERP': 300n, 'ALT-PERP': 3_000n, 'DYD-PERP': 500n };

const position = fc.record({
  market: fc.constantFrom(...MARKETS),
  long: fc.boolean(),
  sizeScale: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10, max: 2_000 })),
  entryBps: fc.integer({ min: -500, max: 500 }),
  isolated: fc.boolean(),
  marginBps: fc.integer({ min: 0, max: 3_000 }),
});

const world = fc.record({
  positions: fc.array(position, { minLength: 1, maxLength: 4 }),
  usdc: fc.integer({ min: 0, max: 50_000 }),
  btcMilli: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })),
  borrowBtcMilli: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
  moves: fc.array(fc.tuple(fc.constantFrom(...MARKETS), fc.integer({ min: -2_000, max: 2_000 }), fc.integer({ min: -100, max: 100 })), { maxLength: 4 }),
  funding: fc.array(fc.tuple(fc.constantFrom(...MARKETS), fc.integer({ min: -50_000_000, max: 50_000_000 })), { maxLength: 2 }),
  multiplier: fc.option(fc.tuple(fc.constantFrom(...MARKETS), fc.integer({ min: 800_000, max: 3_000_000 })), { nil: undefined }),
  scale: fc.option(fc.integer({ min: 1_000_000, max: 1_500_000 }), { nil: undefined }),
  /** Atoms of slack the cross ledger is set to (null: left as generated). */
  nearZero: fc.option(fc.integer({ min: -6, max: 6 }), { nil: null, freq: 2 }),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function setup(w: TestWorld, x: World): void {
  if (x.scale !== undefined) w.requirementScalePpm = ppm(BigInt(x.scale));
  w.deposit('a', USDC, BigInt(x.usdc) * 1_000_000n);
  if (x.btcMilli > 0) w.deposit('a', 'BTC', BigInt(x.btcMilli) * 100_000n);
  if (x.borrowBtcMilli > 0) w.borrow('a', 'BTC', BigInt(x.borrowBtcMilli) * 100_000n);
  for (const p of x.positions) {
    const st = w.state(p.market);
    const px = (START[p.market] * BigInt(10_000 + p.entryBps)) / 10_000n;
    const sz = SIZE[p.market] * BigInt(p.sizeScale);
    const margin = (notional(st.spec, 6, sz, px, 'ceil') * BigInt(p.marginBps)) / 10_000n;
    const existing = w.account('a').positions.get(p.market);
    const isolated = p.isolated && (existing === undefined || existing.isolatedMargin !== null);
    w.deposit('a', USDC, margin);
    w.trade('a', p.market, p.long ? sz : -sz, px, isolated ? margin : undefined);
  }
  for (const [m, bps, basis] of x.moves) {
    const st = w.state(m);
    const mark = ((st.markPrice ?? START[m]) * BigInt(10_000 + bps)) / 10_000n;
    const next = mark < 1n ? 1n : mark;
    const idx = (next * BigInt(10_000 + basis)) / 10_000n;
    w.setPrices(m, next, idx < 1n ? 1n : idx);
  }
  for (const [m, delta] of x.funding) w.state(m).fundingIndex += BigInt(delta) * 1_000_000n;
  if (x.multiplier !== undefined) {
    const st = w.state(x.multiplier[0]);
    st.volatility = { ...st.volatility, multiplierPpm: ppm(BigInt(x.multiplier[1])) };
  }
  if (x.nearZero !== null) {
    const ev = evaluateAccount(w, w.account('a'));
    if (ev.priced) w.deposit('a', USDC, BigInt(x.nearZero) - (ev.cross.equity - ev.cross.maintenance));
  }
}

describe('screenLedgerSlack', () => {
  it('bounds the exact slack of every ledger it screens, and its verdicts agree with the exact figures', () => {
    let screened = 0;
    let gaveUp = 0;
    let nearZeroScreened = 0;
    let verdicts = 0;
    const screen = new SlackScreen();
    fc.assert(
      fc.property(world, (x) => {
        const w = testWorld();
        setup(w, x);
        const account = w.account('a');
        const ev = evaluateAccount(w, account);
        const ledgers: (string | null)[] = [null];
        for (const p of account.positions.values()) if (p.isolatedMargin !== null) ledgers.push(p.market);
        for (const ledger of ledgers) {
          if (!screenLedgerSlack(w, account, ledger, screen)) {
            gaveUp++;
            continue;
          }
          // A screen needs every price an exact evaluation needs.
          expect(ev.priced).toBe(true);
          if (!ev.priced) continue;
          screened++;
          const f = ledger === null ? ev.cross : ev.isolated.find((y) => y.market === ledger);
          expect(f).toBeDefined();
          if (f === undefined) continue;
          const slack = Number(f.equity - f.maintenance);
          if (ledger === null && x.nearZero !== null) nearZeroScreened++;
          expect(screen.lower, `lower bound for ${ledger ?? 'cross'}`).toBeLessThanOrEqual(slack);
          expect(screen.upper, `upper bound for ${ledger ?? 'cross'}`).toBeGreaterThanOrEqual(slack);
          if (screen.lower > 0 || screen.upper < 0) {
            verdicts++;
            for (const rule of ['below', 'at_or_below'] as const) expect(isBreached(f.equity, f.maintenance, rule)).toBe(screen.upper < 0);
          }
          // The key figures: each of the ledger's positions in the exact notional's tier, at the exact mark.
          let k = 0;
          for (const p of account.positions.values()) {
            const kf = screen.positions[k];
            const pf = ev.positions[k++];
            expect(kf?.market).toBe(p.market);
            expect(kf?.mark).toBe(pf?.mark);
            if (ledger === null ? p.isolatedMargin !== null : p.market !== ledger) continue;
            const schedule = w.state(p.market).spec.margin;
            expect(tierIndexFor(schedule, kf?.notional ?? quote(-1n))).toBe(tierIndexFor(schedule, pf?.notional ?? quote(-1n)));
          }
        }
      }),
      { numRuns: 2_000, seed: 20261203 },
    );
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ screened, gaveUp, nearZeroScreened, verdicts });
    // The plain schedules (BTC, ETH) are screened, ALT (size premium) and DYD (maintenance fraction) are not.
    expect(screened).toBeGreaterThan(1_000);
    expect(gaveUp).toBeGreaterThan(200);
    expect(nearZeroScreened).toBeGreaterThan(100);
    expect(verdicts).toBeGreaterThan(500);
  });

  it('gives up on entry valuation and on an unpriced market', () => {
    const w = testWorld();
    w.deposit('a', USDC, 10_000_000_000n);
    w.trade('a', 'BTC-PERP', 100n, START['BTC-PERP']);
    const screen = new SlackScreen();
    expect(screenLedgerSlack(w, w.account('a'), null, screen)).toBe(true);
    expect(screen.lower).toBeGreaterThan(0);
    w.marginValuation = 'entry';
    expect(screenLedgerSlack(w, w.account('a'), null, screen)).toBe(false);
    w.marginValuation = 'mark';
    w.setPrices('BTC-PERP', null, null);
    expect(screenLedgerSlack(w, w.account('a'), null, screen)).toBe(false);
  });
});

/** Two cross positions on the plain-schedule markets: armed at slope bounds, so every crossing is a re-check. */
const hoverer = fc.record({
  account: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  btcLong: fc.boolean(),
  ethLong: fc.boolean(),
  btcScale: fc.integer({ min: 1, max: 40 }),
  ethScale: fc.integer({ min: 1, max: 40 }),
  marginBps: fc.integer({ min: 30, max: 400 }),
  btcMilli: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
});

describe('the breach index with the float screen', () => {
  it('keeps the breached set exact through screened re-checks of slope-bound ledgers hovering near their level', () => {
    let screened = 0;
    let rechecks = 0;
    const refKey = (r: LedgerRef): string => `${r.account}/${r.market ?? 'cross'}`;
    fc.assert(
      fc.property(
        fc.array(hoverer, { minLength: 2, maxLength: 8 }),
        fc.array(fc.tuple(fc.constantFrom('BTC-PERP' as const, 'ETH-PERP' as const), fc.integer({ min: -25, max: 25 }), fc.integer({ min: -5, max: 5 })), { minLength: 20, maxLength: 150 }),
        fc.option(fc.integer({ min: 1_000_000, max: 1_400_000 }), { nil: undefined }),
        fc.constantFrom('below' as const, 'at_or_below' as const),
        fc.boolean(),
        (accounts, moves, scale, rule, reportBreaches) => {
          const w = testWorld();
          w.rule = rule;
          if (scale !== undefined) w.requirementScalePpm = ppm(BigInt(scale));
          for (const h of accounts) {
            const btc = SIZE['BTC-PERP'] * BigInt(h.btcScale);
            const eth = SIZE['ETH-PERP'] * BigInt(h.ethScale);
            const n = notional(w.state('BTC-PERP').spec, 6, btc, START['BTC-PERP'], 'ceil') + notional(w.state('ETH-PERP').spec, 6, eth, START['ETH-PERP'], 'ceil');
            w.deposit(h.account, USDC, (n * BigInt(h.marginBps)) / 10_000n);
            if (h.btcMilli > 0) w.deposit(h.account, 'BTC', BigInt(h.btcMilli) * 100_000n);
            w.trade(h.account, 'BTC-PERP', h.btcLong ? btc : -btc, START['BTC-PERP']);
            w.trade(h.account, 'ETH-PERP', h.ethLong ? eth : -eth, START['ETH-PERP']);
          }
          // Without reports (a margin-call recovery level), ledgers in breach are screened too.
          const index = new BreachIndex({ view: w, account: (id) => w.accounts.get(id), rule: () => w.rule, reportBreaches });
          for (const id of w.accounts.keys()) index.reindex(id);
          for (const [m, bps, basis] of moves) {
            const mark = (START[m] * BigInt(10_000 + bps)) / 10_000n;
            w.setPrices(m, mark, (mark * BigInt(10_000 + basis)) / 10_000n);
            index.onPrice(m);
            const truth = scanAccounts(w, w.accounts.values(), w.rule).map(refKey).sort();
            expect(index.breached().map(refKey).sort()).toEqual(truth);
          }
          index.checkInvariants();
          screened += index.stats().screened;
          rechecks += index.stats().rechecks;
        },
      ),
      { numRuns: 300, seed: 1203 },
    );
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ screened, rechecks });
    expect(screened).toBeGreaterThan(300);
  });
});
