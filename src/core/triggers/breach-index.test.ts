import { describe, expect, it } from 'vitest';
import { BTC_PERP, ETH_PERP, USDC } from '../engine/testkit.js';
import type { Account } from '../account/account.js';
import { assert } from '../assert.js';
import { evaluateAccount } from '../margin/evaluate.js';
import { thresholdPrice } from '../margin/thresholds.js';
import { dec, ppm, quote, type Quote } from '../units/index.js';
import { scheduleShape } from './bounds.js';
import { BreachIndex, scanAccounts } from './breach-index.js';
import { ALT_PERP, DYD_PERP, problemsOfTestMarkets, testWorld, type TestWorld } from './testworld.js';

const keys = (xs: readonly { account: string; market: string | null }[]): string[] => xs.map((x) => `${x.account}/${x.market ?? 'cross'}`).sort();

function liquidationPrice(w: TestWorld, id: string, market: string): bigint {
  const lp = thresholdPrice(w, w.account(id), market, 'liquidation', w.rule);
  if (lp === null) throw new Error('no liquidation price');
  return lp;
}

function rechecksAtTierFloors(market: string): boolean {
  const spec = [BTC_PERP, ETH_PERP, ALT_PERP, DYD_PERP].find((m) => m.id === market);
  return spec !== undefined && spec.margin.tiers.length > 1 && scheduleShape(spec.margin).global === null;
}

describe('schedule shapes', () => {
  it('the test markets are valid; only continuous multi-tier schedules get a global slope bound', () => {
    expect(problemsOfTestMarkets()).toEqual([]);
    expect(scheduleShape(BTC_PERP.margin).global).toEqual({ lo: 0.004, hi: 0.01 });
    expect(scheduleShape(ETH_PERP.margin).global).toBeNull(); // one tier: the local bound is already global
    expect(scheduleShape(ALT_PERP.margin).global).toBeNull(); // size premium: jumps at the tier floor
    expect(scheduleShape(DYD_PERP.margin).global).toBeNull(); // fraction path: no maintenance amount
    expect(scheduleShape(BTC_PERP.margin).jumpAtoms).toBe(0n);
  });
});

describe('thresholds of a single isolated position', () => {
  const cases: [string, string, bigint, bigint, bigint][] = [
    // market, label, price, size (atoms), isolated margin
    ['BTC-PERP', 'tier 0', 10_000_000n, 200n, dec('1500', 6)],
    ['BTC-PERP', 'tier 1', 10_000_000n, 800n, dec('5000', 6)],
    ['BTC-PERP', 'tier 2', 10_000_000n, 3_000n, dec('40000', 6)],
    ['ETH-PERP', 'flat', 300_000n, 1_000n, dec('2000', 6)],
    ['ALT-PERP', 'size premium, tier 0', 20_000n, 5_000n, dec('1500', 6)],
    ['ALT-PERP', 'size premium, tier 1', 20_000n, 15_000n, dec('7000', 6)],
    ['DYD-PERP', 'maintenance fraction, tier 0', 150_000n, 1_500n, dec('1500', 6)],
    ['DYD-PERP', 'maintenance fraction, tier 1', 150_000n, 3_000n, dec('5000', 6)],
  ];
  for (const [market, label, px, sz, margin] of cases) {
    for (const side of ['long', 'short'] as const) {
      it(`${market} ${label}: a ${side}'s threshold is on the safe side of its exact liquidation price, and close to it`, () => {
        const w = testWorld();
        w.deposit('p', USDC, margin);
        w.trade('p', market, side === 'long' ? sz : -sz, px, margin);
        const index = w.breachIndex();
        expect(index.reindex('p')).toEqual([]);
        const lp = liquidationPrice(w, 'p', market);
        const [t] = index.thresholds('p', market);
        expect(t?.market).toBe(market);
        const slack = 2 + 1e-6 * Number(lp); // one atom of nudge, one of the integer price grid, 1e-6 relative
        if (side === 'long') {
          expect(t?.down).toBeGreaterThanOrEqual(Number(lp));
          expect((t?.down as number) - Number(lp)).toBeLessThan(slack);
          // A rise cannot hurt a long (ratios below 100%); with an irregular multi-tier schedule it is rechecked
          // when its notional leaves the tier (the local slope bound holds only inside it).
          if (rechecksAtTierFloors(market)) expect(t?.up).toBeGreaterThan(Number(px));
          else expect(t?.up).toBe(Infinity);
        } else {
          expect(t?.up).toBeLessThanOrEqual(Number(lp));
          expect(Number(lp) - (t?.up as number)).toBeLessThan(slack);
          if (rechecksAtTierFloors(market)) expect(t?.down).toBeLessThan(Number(px));
          else expect(t?.down).toBe(-Infinity);
        }
        // The tick just short of the liquidation price reports nothing; the one at it reports the breach.
        const near = side === 'long' ? lp + 1n : lp - 1n;
        w.setPrices(market, near);
        expect(index.onPrice(market)).toEqual([]);
        w.setPrices(market, lp);
        const found = index.onPrice(market);
        expect(keys(found)).toEqual([`p/${market}`]);
        expect(found[0]?.newly).toBe(true);
        expect(found[0]?.prices).toEqual([{ market, mark: lp, index: lp }]);
        index.checkInvariants();
      });
    }
  }
});

describe('unvalidated schedules (specs can arrive by snapshot)', () => {
  it('a maintenance amount that holds the requirement at zero: the slope there is 0, not the ratio', () => {
    const w = testWorld();
    // ETH-PERP re-specified in place: MM = max(0, N x 50% - 1,000 USDC), zero below 2,000 of notional.
    const eth = w.state('ETH-PERP');
    eth.spec = {
      ...ETH_PERP,
      margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(600_000n), maintenancePpm: ppm(500_000n), maintenanceAmount: quote(dec('1000', 6)) }] },
    };
    expect(scheduleShape(eth.spec.margin).global).toBeNull();
    w.setPrices('ETH-PERP', 150_000n); // 1,500.00
    w.deposit('z', USDC, dec('100', 6));
    w.trade('z', 'ETH-PERP', 100n, 150_000n, dec('100', 6)); // 1 ETH, notional 1,500: MM 0
    const index = w.breachIndex();
    expect(index.reindex('z')).toEqual([]);
    const lp = liquidationPrice(w, 'z', 'ETH-PERP'); // equity < 0 below 1,400
    expect(lp).toBe(139_999n);
    const [t] = index.thresholds('z', 'ETH-PERP');
    expect(t?.down).toBeGreaterThanOrEqual(Number(lp));
    expect((t?.down as number) - Number(lp)).toBeLessThan(3);
  });
});

describe('BreachIndex', () => {
  it('a cross long with BTC collateral: the DOWN threshold covers the collateral falling with the mark', () => {
    const w = testWorld();
    w.deposit('c', 'BTC', dec('0.1', 8));
    w.deposit('c', USDC, dec('500', 6));
    w.trade('c', 'BTC-PERP', 500n, 10_000_000n);
    const index = w.breachIndex();
    index.reindex('c');
    const lp = liquidationPrice(w, 'c', 'BTC-PERP');
    const down = index.thresholds('c')[0]?.down as number;
    expect(down).toBeGreaterThanOrEqual(Number(lp));
    expect((down - Number(lp)) / Number(lp)).toBeLessThan(1e-3);
  });

  it('a hedged account (short perp against BTC collateral) is armed on both sides and caught as mark and index part', () => {
    const w = testWorld();
    w.deposit('h', 'BTC', dec('0.1', 8));
    w.trade('h', 'BTC-PERP', -100n, 10_000_000n);
    const index = w.breachIndex();
    index.reindex('h');
    const [t] = index.thresholds('h');
    expect(Number.isFinite(t?.down)).toBe(true);
    expect(Number.isFinite(t?.up)).toBe(true);
    let mark = 10_000_000n;
    let idx = 10_000_000n;
    for (let step = 0; step < 400 && w.isBreached('h') === false; step++) {
      mark += 100_000n;
      idx -= 20_000n;
      w.setPrices('BTC-PERP', mark, idx);
      index.onPrice('BTC-PERP');
      expect(index.isBreached('h')).toBe(w.isBreached('h'));
    }
    expect(index.isBreached('h')).toBe(true);
  });

  it('keeps breached ledgers armed for recovery, so the breached set follows the price both ways', () => {
    const w = testWorld();
    w.deposit('l', USDC, dec('1500', 6));
    w.trade('l', 'BTC-PERP', 200n, 10_000_000n, dec('1500', 6));
    const index = w.breachIndex();
    index.reindex('l');
    const lp = liquidationPrice(w, 'l', 'BTC-PERP');
    w.setPrices('BTC-PERP', lp - 50_000n);
    expect(index.onPrice('BTC-PERP').map((b) => b.newly)).toEqual([true]);
    expect(index.breached()).toEqual([{ account: 'l', market: 'BTC-PERP' }]);
    // Recovery thresholds: a move that cannot restore the slack rechecks nothing.
    const rechecks = index.stats().rechecks;
    w.setPrices('BTC-PERP', lp - 40_000n);
    expect(index.onPrice('BTC-PERP')).toEqual([]);
    expect(index.stats().rechecks).toBe(rechecks);
    w.setPrices('BTC-PERP', lp + 1n);
    expect(index.onPrice('BTC-PERP')).toEqual([]);
    expect(index.breached()).toEqual([]);
    expect(index.stats().recoveries).toBe(1);
    index.checkInvariants();
  });

  it('a tick that crosses nothing evaluates nothing and returns one shared empty answer', () => {
    const w = testWorld();
    w.deposit('l', USDC, dec('3000', 6));
    w.trade('l', 'ETH-PERP', 1_000n, 300_000n);
    const index = w.breachIndex();
    index.reindex('l');
    w.setPrices('ETH-PERP', 299_000n);
    const a = index.onPrice('ETH-PERP');
    w.setPrices('ETH-PERP', 301_000n);
    const b = index.onPrice('ETH-PERP');
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(index.stats()).toMatchObject({ ticks: 2, rechecks: 0, accounts: 1, ledgers: 1, entries: 1, armedKeys: 1 });
  });

  it('reconciles ledgers on reindex: an isolated ledger appears with its position and goes with it', () => {
    const w = testWorld();
    w.deposit('a', USDC, dec('3000', 6));
    w.trade('a', 'ETH-PERP', 1_000n, 300_000n, dec('1000', 6));
    const index = w.breachIndex();
    index.reindex('a');
    expect(index.stats()).toMatchObject({ ledgers: 2, entries: 1 });
    w.trade('a', 'ETH-PERP', -1_000n, 300_000n);
    index.reindex('a');
    expect(index.stats()).toMatchObject({ ledgers: 1, entries: 0 });
    index.remove('a');
    expect(index.stats()).toMatchObject({ accounts: 0, ledgers: 0, entries: 0 });
    // An account the view no longer knows is dropped on reindex.
    w.deposit('b', USDC, 1n);
    index.reindex('b');
    w.accounts.delete('b');
    index.reindex('b');
    expect(index.stats().accounts).toBe(0);
    index.checkInvariants();
  });

  it('an account with no position: sound with no thresholds, reported in breach with its figures when its cash is negative, as the scan', () => {
    const w = testWorld();
    // Closed at a loss larger than its cash: no position, settlement cash below zero (in breach, as the scan says).
    w.deposit('n', USDC, dec('50', 6));
    w.trade('n', 'ETH-PERP', 1_000n, 300_000n); // 10 ETH at 3,000
    w.trade('n', 'ETH-PERP', -1_000n, 299_000n); // sold at 2,990: -100
    // Closed at a profit: no position, cash above zero (sound, exposed to no price).
    w.deposit('s', USDC, dec('100', 6));
    w.trade('s', 'ETH-PERP', 1_000n, 300_000n);
    w.trade('s', 'ETH-PERP', -1_000n, 301_000n); // +100
    // No position but BTC collateral: exposed to BTC-PERP's index (the evaluated path, with thresholds).
    w.deposit('c', 'BTC', dec('0.1', 8));
    const index = w.breachIndex();
    const found = [...index.reindex('n'), ...index.reindex('s'), ...index.reindex('c')];
    expect(w.account('n').positions.size).toBe(0);
    expect(w.account('n').balances.get(USDC)).toBe(dec('-50', 6));
    expect(found).toMatchObject([{ account: 'n', market: null, equity: dec('-50', 6), maintenance: 0n, newly: true }]);
    expect(keys(index.breached())).toEqual(keys(scanAccounts(w, w.accounts.values(), w.rule)));
    expect(index.thresholds('s')).toEqual([]);
    expect(index.thresholds('c').map((t) => t.market)).toEqual(['BTC-PERP']);
    // Back above zero: it recovers; pushed below again, it is reported again.
    w.deposit('n', USDC, dec('60', 6));
    expect(index.reindex('n')).toEqual([]);
    expect(keys(index.breached())).toEqual([]);
    w.deposit('s', USDC, dec('-300', 6));
    expect(keys(index.reindex('s'))).toEqual(['s/cross']);
    expect(keys(index.breached())).toEqual(keys(scanAccounts(w, w.accounts.values(), w.rule)));
    index.checkInvariants();
  });

  it('an account the view hides is found by its number (options.accountNumber), not by a scan', () => {
    // The engine's view hides the venue's accounts; an index told their numbers finds a hidden one without scanning
    // its table. One it holds and the view then hides is dropped on reindex, as one gone from the view is.
    const w = testWorld();
    w.deposit('a', USDC, 1n);
    w.deposit('b', USDC, 1n);
    const hidden = new Set<string>();
    let numbered = 0;
    const index = new BreachIndex({
      view: w,
      account: (id) => (hidden.has(id) ? undefined : w.accounts.get(id)),
      accountNumber: (id) => (numbered++, w.accounts.get(id)?.no),
      rule: () => w.rule,
    });
    index.reindex('a');
    index.reindex('b');
    expect(numbered).toBe(0); // accounts the view returns carry their number
    hidden.add('b');
    index.reindex('b');
    expect(numbered).toBe(1);
    expect(index.stats().accounts).toBe(1);
    expect(index.isAccountBreached('a')).toBe(false);
    index.checkInvariants();
  });

  it('an account on a market without a price waits for it, then is armed on its first tick', () => {
    const w = testWorld();
    w.list({ ...ETH_PERP, id: 'NEW-PERP' });
    w.deposit('w', USDC, dec('100', 6));
    w.trade('w', 'NEW-PERP', 1_000n, 300_000n);
    const index = w.breachIndex();
    expect(index.reindex('w')).toEqual([]);
    expect(index.stats()).toMatchObject({ waiting: 1, entries: 0 });
    w.setPrices('NEW-PERP', 250_000n);
    expect(keys(index.onPrice('NEW-PERP'))).toEqual(['w/cross']);
    expect(index.stats()).toMatchObject({ waiting: 0, entries: 1, breached: 1 });
    index.checkInvariants();
  });

  it('notices a volatility multiplier, funding or rulebook change at the next tick of any market (backstop)', () => {
    const w = testWorld();
    w.deposit('l', USDC, dec('1500', 6));
    w.trade('l', 'BTC-PERP', 200n, 10_000_000n, dec('1500', 6));
    const index = w.breachIndex();
    index.reindex('l');
    const before = index.thresholds('l', 'BTC-PERP')[0]?.down as number;
    const btc = w.state('BTC-PERP');
    btc.volatility = { ...btc.volatility, multiplierPpm: ppm(3_000_000n) };
    index.onPrice('ETH-PERP');
    const after = index.thresholds('l', 'BTC-PERP')[0]?.down as number;
    expect(after).toBeGreaterThan(before);
    expect(index.stats().marketReindexes).toBe(1);
    // Funding owed by longs: the threshold moves up again.
    btc.fundingIndex = 50_000_000_000_000n;
    index.onPrice('ETH-PERP');
    expect(index.thresholds('l', 'BTC-PERP')[0]?.down as number).toBeGreaterThan(after);
    // A large enough funding debt breaches at once, without any move of BTC: 0.2 BTC owes 2,000 USDC.
    btc.fundingIndex = 10_000_000_000_000_000_000n;
    expect(keys(index.onPrice('ETH-PERP'))).toEqual(['l/BTC-PERP']);
    // The rulebook's margin valuation switches: everything is re-armed.
    w.marginValuation = 'entry';
    index.onPrice('ETH-PERP');
    expect(index.stats().fullReindexes).toBe(1);
    index.checkInvariants();
  });

  it('scanAll and scanAccounts agree with the exact evaluation', () => {
    const w = testWorld();
    w.deposit('x', USDC, dec('400', 6));
    w.trade('x', 'BTC-PERP', 1_000n, 10_000_000n);
    w.deposit('y', USDC, dec('500', 6));
    w.trade('y', 'ETH-PERP', 100n, 300_000n);
    const index = w.breachIndex();
    for (const id of ['x', 'y']) index.reindex(id);
    expect(keys(index.scanAll())).toEqual(['x/cross']);
    expect(keys(index.breached())).toEqual(['x/cross']);
    expect(keys(scanAccounts(w, w.accounts.values(), 'at_or_below'))).toEqual(['x/cross']);
    expect(w.isBreached('x')).toBe(true);
  });
});

describe('exact boundaries (one position, settlement cash only, monotone schedule)', () => {
  // ETH-PERP: flat 5% / 2.5%, no maintenance amount; 0.01 ETH and 0.01 USD atoms; quote atoms are 1e-6 USD.
  // A 10 ETH isolated long from 3,000 with 2,000 USDC of margin is in breach when
  //   2,000 + 10 (p - 3,000) <= 0.025 x 10 p  <=>  p <= 28,000 / 9.75 = 2,871.7948...
  // (Binance's LP = (WB + cum - Q EP) / (Q MMR - Q) = (2,000 - 30,000) / (0.25 - 10), the same figure). On the
  // price grid: at 2,871.79 equity 717.90 <= maintenance ceil(28,717.90 x 0.025) = 717.9475; at 2,871.80 equity 718.00
  // > 717.95. So the key is 287,179 atoms. A 10 ETH short from 3,000 with 2,000 USDC: 2,000 + 30,000 - 10 p <= 0.25 p
  // <=> p >= 3,121.9512...: at 3,121.96 equity 780.40 <= 780.49, at 3,121.95 equity 780.50 > 780.4875: key 312,196.
  function isolated(side: 'long' | 'short'): { w: TestWorld; index: ReturnType<TestWorld['breachIndex']> } {
    const w = testWorld();
    w.deposit('p', USDC, dec('2000', 6));
    w.trade('p', 'ETH-PERP', side === 'long' ? 1_000n : -1_000n, 300_000n, dec('2000', 6));
    const index = w.breachIndex();
    expect(index.reindex('p')).toEqual([]);
    return { w, index };
  }

  it('an isolated long is armed at its liquidation price; crossing it is the breach, with no evaluation of the account', () => {
    const { w, index } = isolated('long');
    expect(index.thresholds('p', 'ETH-PERP')).toEqual([{ market: 'ETH-PERP', down: 287_179, up: Infinity, exact: true }]);
    expect(liquidationPrice(w, 'p', 'ETH-PERP')).toBe(287_179n);
    w.setPrices('ETH-PERP', 287_180n, 250_000n); // the index is not what an isolated ledger depends on
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    w.setPrices('ETH-PERP', 287_179n);
    const [b] = index.onPrice('ETH-PERP');
    expect(b).toMatchObject({ account: 'p', market: 'ETH-PERP', equity: 717_900_000n, maintenance: 717_947_500n, newly: true });
    // Armed for recovery one atom above: back at 2,871.80 it is sound again, again without an evaluation.
    expect(index.thresholds('p', 'ETH-PERP')).toEqual([{ market: 'ETH-PERP', down: -Infinity, up: 287_180, exact: true }]);
    w.setPrices('ETH-PERP', 287_180n);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(false);
    const st = index.stats();
    expect([st.rechecks, st.flips, st.breaches, st.recoveries, st.exactLedgers, st.exactMisses]).toEqual([0, 2, 1, 1, 1, 0]);
    index.checkInvariants();
  });

  it('an isolated short is armed at the lowest price in breach', () => {
    const { w, index } = isolated('short');
    expect(index.thresholds('p', 'ETH-PERP')).toEqual([{ market: 'ETH-PERP', down: -Infinity, up: 312_196, exact: true }]);
    w.setPrices('ETH-PERP', 312_195n);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    w.setPrices('ETH-PERP', 330_000n);
    expect(keys(index.onPrice('ETH-PERP'))).toEqual(['p/ETH-PERP']);
    expect(index.stats().rechecks).toBe(0);
  });

  it('a ledger armed at a mark the index has not ticked yet is pending: the next tick checks it wherever the mark went', () => {
    const { w, index } = isolated('long'); // the band's cursor is at 3,000, where the ledger was armed
    w.setPrices('ETH-PERP', 287_000n); // below the boundary, and the index not told
    expect(keys(index.reindex('p'))).toEqual(['p/ETH-PERP']); // armed in breach at 2,870: not the cursor's state
    index.checkInvariants();
    // Back above the boundary: the mark did not move from the cursor's 3,000, so no boundary lies between them; the
    // pending ledger is checked all the same and recovers, as a full scan finds it.
    w.setPrices('ETH-PERP', 300_000n);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(false);
    expect(index.scanAll()).toEqual([]);
    expect(index.stats().flips).toBe(1);
    index.checkInvariants();
  });

  it('a cross ledger with one position and only settlement cash is exact; with other collateral it is not', () => {
    const w = testWorld();
    w.deposit('c', USDC, dec('2000', 6));
    w.trade('c', 'ETH-PERP', 1_000n, 300_000n);
    const index = w.breachIndex();
    index.reindex('c');
    // Cross equity is 2,000 + 10 (p - 3,000) as above, with the whole balance as cash: the same key.
    expect(index.thresholds('c')).toEqual([{ market: 'ETH-PERP', down: 287_179, up: Infinity, exact: true }]);
    w.deposit('c', 'BTC', 100_000n); // 0.001 BTC priced off BTC-PERP's index: two prices now
    index.reindex('c');
    expect(index.thresholds('c').some((k) => k.exact === true)).toBe(false);
    expect(index.stats().exactLedgers).toBe(0);
    index.checkInvariants();
  });

  it('suspend keeps the boundaries unwatched; resume re-arms from them, or evaluates after a re-arm of the market', () => {
    const { w } = isolated('long');
    let lookups = 0;
    const index = new BreachIndex({ view: w, account: (id) => (lookups++, w.accounts.get(id)), rule: () => w.rule });
    index.reindex('p');
    index.suspend('p');
    w.setPrices('ETH-PERP', 280_000n);
    expect(index.onPrice('ETH-PERP')).toEqual([]); // not watched while suspended
    expect(index.isBreached('p', 'ETH-PERP')).toBe(false);
    lookups = 0;
    // Resumed below the boundary: in breach, confirmed by the position's figures (no evaluation; two lookups: the id to
    // its account's number, the account to confirm; an index with exactRows confirms it without the second: below).
    expect(index.resume('p')).toMatchObject([{ account: 'p', market: 'ETH-PERP', newly: true }]);
    expect(lookups).toBe(2);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(true);
    expect(index.stats().rechecks).toBe(0);
    index.checkInvariants();
    // A funding change re-arms the market while the account is suspended: resume evaluates it in full.
    index.suspend('p');
    w.state('ETH-PERP').fundingIndex += 1_000_000_000n;
    index.reindexMarket('ETH-PERP');
    w.setPrices('ETH-PERP', 300_000n);
    expect(index.resume('p')).toEqual([]);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(false);
    expect(index.thresholds('p', 'ETH-PERP')[0]?.exact).toBe(true);
    index.checkInvariants();
  });
});

describe("an exact ledger's kept figures", () => {
  // The isolated long of the tests above: 1 ETH at 3,000 with 2,000 USDC of isolated margin, in breach at or below
  // 2,871.79. The index confirms a crossing from the figures it kept when it armed the ledger (BreachIndex exactRows).
  function isolatedLong(fundingIndex = 0n): TestWorld {
    const w = testWorld();
    w.state('ETH-PERP').fundingIndex = fundingIndex; // the position settles at the market's index when it opens
    w.deposit('p', USDC, dec('2000', 6));
    w.trade('p', 'ETH-PERP', 1_000n, 300_000n, dec('2000', 6));
    return w;
  }

  function armed(fundingIndex: bigint): { w: TestWorld; index: BreachIndex; lookups: () => number } {
    const w = isolatedLong(fundingIndex);
    let count = 0;
    const index = new BreachIndex({ view: w, account: (id) => (count++, w.accounts.get(id)), rule: () => w.rule, exactRows: true });
    expect(index.reindex('p')).toEqual([]);
    expect(index.thresholds('p', 'ETH-PERP')).toEqual([{ market: 'ETH-PERP', down: 287_179, up: Infinity, exact: true }]);
    count = 0;
    return { w, index, lookups: () => count };
  }

  it('confirms a crossing without reading the account', () => {
    const { w, index, lookups } = armed(0n);
    w.setPrices('ETH-PERP', 287_179n);
    expect(index.onPrice('ETH-PERP')).toMatchObject([{ account: 'p', market: 'ETH-PERP', equity: 717_900_000n, maintenance: 717_947_500n, newly: true }]);
    expect(lookups()).toBe(0);
    index.checkInvariants();
  });

  it('an index without exactRows reads the account, with the same result', () => {
    const w = isolatedLong();
    let count = 0;
    const index = new BreachIndex({ view: w, account: (id) => (count++, w.accounts.get(id)), rule: () => w.rule });
    index.reindex('p');
    count = 0;
    w.setPrices('ETH-PERP', 287_179n);
    expect(index.onPrice('ETH-PERP')).toMatchObject([{ account: 'p', market: 'ETH-PERP', equity: 717_900_000n, maintenance: 717_947_500n, newly: true }]);
    expect(count).toBe(1);
  });

  it('reads the account, not its kept figures, when told it changed before a price is followed', () => {
    // The engine follows a command's prices before it re-arms the accounts the command touched (a stop's fill, in a
    // stops-first rulebook): kept figures would confirm a breach the account no longer has.
    const { w, index, lookups } = armed(0n);
    const position = w.accounts.get('p')?.positions.get('ETH-PERP');
    assert(position?.isolatedMargin != null, 'an isolated position');
    position.isolatedMargin = (position.isolatedMargin + dec('1000', 6)) as Quote; // 1,000 USDC more margin
    index.accountChanged('p');
    w.setPrices('ETH-PERP', 287_179n);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    expect(lookups()).toBeGreaterThan(0);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(false);
    expect(index.thresholds('p', 'ETH-PERP')[0]?.down).toBeLessThan(287_179); // re-armed from the account
    index.checkInvariants();
  });

  it('reads the account when a figure does not fit 64 bits, with the same result', () => {
    const { w, index, lookups } = armed(1n << 70n); // the position's funding index: beyond an int64
    w.setPrices('ETH-PERP', 287_179n);
    expect(index.onPrice('ETH-PERP')).toMatchObject([{ account: 'p', market: 'ETH-PERP', equity: 717_900_000n, maintenance: 717_947_500n, newly: true }]);
    expect(lookups()).toBe(1);
    index.checkInvariants();
  });

  it('reports the maintenance under a base view beside the scaled one (a margin call announces it)', () => {
    const w = isolatedLong();
    const scaled = Object.create(w, { requirementScalePpm: { value: 1_250_000n } }) as TestWorld;
    const index = new BreachIndex({ view: scaled, account: (id) => w.accounts.get(id), rule: () => w.rule, baseView: w, exactRows: true });
    index.reindex('p');
    const boundary = index.thresholds('p', 'ETH-PERP')[0]?.down ?? 0;
    w.setPrices('ETH-PERP', BigInt(boundary));
    const [b] = index.onPrice('ETH-PERP');
    const ev = evaluateAccount(w, w.accounts.get('p') as Account);
    assert(ev.priced, 'the account is priced');
    expect(b?.baseMaintenance).toBe(ev.isolated[0]?.maintenance);
    expect(b?.maintenance).toBeGreaterThan(b?.baseMaintenance ?? 0n); // the scaled requirement is the call level
  });
});

describe('an index that does not report breaches (a margin-call recovery level)', () => {
  it('tracks the breached set across an exact boundary without looking the account up', () => {
    const w = testWorld();
    w.deposit('p', USDC, dec('2000', 6));
    w.trade('p', 'ETH-PERP', 1_000n, 300_000n, dec('2000', 6)); // breach at or below 2,871.79 (see above)
    let lookups = 0;
    const index = new BreachIndex({ view: w, account: (id) => (lookups++, w.accounts.get(id)), rule: () => w.rule, reportBreaches: false });
    index.reindex('p');
    lookups = 0;
    w.setPrices('ETH-PERP', 287_179n);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    expect(lookups).toBe(0);
    expect(index.isBreached('p', 'ETH-PERP')).toBe(true); // a query by id: the id to its account's number
    expect(lookups).toBe(1);
    index.checkInvariants();
  });
});

describe('suspend of an account armed by slope bounds', () => {
  it('keeps it allocated but unwatched (no Map churn); resume evaluates it in full', () => {
    const w = testWorld();
    w.deposit('t', USDC, dec('3000', 6));
    w.trade('t', 'BTC-PERP', 500n, 10_000_000n); // long 0.5 BTC at 100,000
    w.trade('t', 'ETH-PERP', 2_000n, 300_000n); // long 20 ETH at 3,000
    let lookups = 0;
    const index = new BreachIndex({ view: w, account: (id) => (lookups++, w.accounts.get(id)), rule: () => w.rule });
    expect(index.reindex('t')).toEqual([]);
    expect(index.thresholds('t').some((k) => k.exact === true)).toBe(false);
    const before = index.stats();
    index.suspend('t');
    // Still known, but no entry in any heap and nothing in breach.
    expect(index.stats()).toMatchObject({ accounts: before.accounts, ledgers: before.ledgers, entries: 0 });
    expect(index.thresholds('t')).toEqual([]);
    index.checkInvariants();
    w.setPrices('BTC-PERP', 9_000_000n);
    w.setPrices('ETH-PERP', 250_000n);
    expect(index.onPrice('BTC-PERP')).toEqual([]);
    expect(index.onPrice('ETH-PERP')).toEqual([]);
    expect(index.isBreached('t')).toBe(false);
    // Resumed after a fall of both markets: evaluated in full (one lookup), in breach as a full scan finds it.
    const scan = scanAccounts(w, [w.account('t')], w.rule);
    expect(keys(scan)).toEqual(['t/cross']);
    lookups = 0;
    expect(index.resume('t')).toMatchObject([{ account: 't', market: null, newly: true, equity: scan[0]?.equity, maintenance: scan[0]?.maintenance }]);
    expect(lookups).toBe(1);
    expect(index.isBreached('t')).toBe(true);
    expect(index.stats().resumed).toBe(0); // not resumed from kept boundaries
    index.checkInvariants();
  });
});

describe('table sizes', () => {
  // The ledger and entry tables' lengths (private: read here only to pin the memory a capacity hint costs).
  const tables = (index: BreachIndex): { ledgers: number; entries: number } => {
    const t = index as unknown as { ledgerState: Uint8Array; entryLedger: Int32Array };
    return { ledgers: t.ledgerState.length, entries: t.entryLedger.length };
  };

  it('a capacity hint and indexAll size the tables for 1.25 ledgers and entries an account, not doubled past it; more still grow', () => {
    const w = testWorld();
    const hinted = new BreachIndex({ view: w, account: (id) => w.accounts.get(id), rule: () => w.rule, capacity: 1000 });
    expect(tables(hinted)).toEqual({ ledgers: 1250, entries: 1250 });
    // Doubling from 64 would have made 2,048 slots for 1,250.
    const bulk = w.breachIndex();
    for (let i = 0; i < 300; i++) {
      w.deposit(`a${i}`, USDC, dec('1000', 6));
      w.trade(`a${i}`, 'BTC-PERP', i % 2 === 0 ? 10n : -10n, 10_000_000n, i % 3 === 0 ? dec('200', 6) : undefined);
    }
    bulk.indexAll(w.accounts.values(), 100);
    // 100 accounts hinted, 300 (with 100 isolated ledgers) indexed: sized 125 exactly, then doubled as they came.
    expect(tables(bulk)).toEqual({ ledgers: 500, entries: 500 });
    const one = w.breachIndex();
    for (const id of w.accounts.keys()) one.reindex(id);
    expect(keys(bulk.breached())).toEqual(keys(one.breached()));
  });

  it('a bulk build loads the exact boundaries into the bands at once: the same thresholds and flips as reindexing one by one', () => {
    const w = testWorld();
    for (let i = 0; i < 300; i++) {
      w.deposit(`a${i}`, USDC, dec(String(600 + 7 * i), 6));
      w.trade(`a${i}`, 'ETH-PERP', i % 2 === 0 ? 1_000n : -1_000n, 300_000n, i % 3 === 0 ? dec(String(500 + 5 * i), 6) : undefined);
    }
    const bulk = w.breachIndex();
    bulk.indexAll(w.accounts.values(), w.accounts.size);
    bulk.checkInvariants();
    const one = w.breachIndex();
    for (const id of w.accounts.keys()) one.reindex(id);
    expect(bulk.stats().exactLedgers).toBeGreaterThan(250);
    for (const id of w.accounts.keys()) expect(bulk.thresholds(id)).toEqual(one.thresholds(id));
    for (const px of [290_000n, 270_000n, 310_000n, 330_000n, 300_000n]) {
      w.setPrices('ETH-PERP', px);
      expect(keys(bulk.onPrice('ETH-PERP'))).toEqual(keys(one.onPrice('ETH-PERP')));
      expect(keys(bulk.breached())).toEqual(keys(one.breached()));
    }
    expect(bulk.stats().flips).toBeGreaterThan(50);
    bulk.checkInvariants();
  });
});
