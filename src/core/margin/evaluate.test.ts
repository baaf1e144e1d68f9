// ledgerEquity (a ledger's equity without the requirements) against evaluateAccount, its reference: the same equity
// for every ledger it answers for, null exactly where evaluateAccount must decide; and the ADL score built on it
// (adl-queue.ts exactAdlScore) against the score from the full evaluation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshEngineWith, timed } from '../../../test/support/engine-commands.js';
import { exactAdlScore } from '../engine/adl-queue.js';
import type { EngineState } from '../engine/state.js';
import { bitmexAdlScore } from '../liquidation/adl.js';
import { positionValue } from '../market/index.js';
import { PRESET_NAMES } from '../rulebooks/presets.js';
import { PPM_ONE, ppm, price, quote, Rational, size, type Price } from '../units/index.js';
import type { FundingIndex, MarketState } from '../market/state.js';
import { BTC_PERP, USDC } from '../engine/testkit.js';
import type { Account, Position } from '../account/account.js';
import { evaluateAccount, evaluateMaintenance, ledgerEquity, maintenanceFigures, type AccountEvaluation } from './evaluate.js';

/** Every ledger of the account: cross, and each position's market (isolated or not, held or not). */
function ledgersOf(a: Account): (string | null)[] {
  return [null, ...a.positions.keys(), 'NO-SUCH-MARKET'];
}

/** The reference: the ledger's equity from the full evaluation (undefined: no such ledger; null: unpriced). */
function referenceEquity(s: EngineState, a: Account, ledger: string | null): bigint | null | undefined {
  const ev = evaluateAccount(s, a);
  if (!ev.priced) return null;
  return ledger === null ? ev.cross.equity : ev.isolated.find((f) => f.market === ledger)?.equity;
}

/** adl-queue.ts exactAdlScore as it was written before ledgerEquity: from the full evaluation. */
function referenceAdlScore(s: EngineState, market: string, a: Account): Rational {
  const m = s.market(market);
  const p = a.positions.get(market);
  if (m === undefined || p === undefined || m.markPrice === null) return Rational.int(0);
  const markValue = positionValue(m.spec, s.quoteDecimals, p.size, m.markPrice, 'floor');
  const ev = evaluateAccount(s, a);
  const equity = ev.priced ? (p.isolatedMargin === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === market)?.equity ?? 0n)) : 0n;
  const r = bitmexAdlScore({ markValue, entryValue: p.entryQuote, bankruptValue: markValue - equity });
  return r.ok ? r.value : Rational.int(0);
}

/** An evaluation's figures without its initial requirements (what evaluateMaintenance answers). */
function withoutInitial(ev: AccountEvaluation): unknown {
  if (!ev.priced) return ev;
  const drop = <T extends { initial: unknown }>({ initial: _initial, ...rest }: T): Omit<T, 'initial'> => rest;
  return { priced: true, positions: ev.positions.map(drop), isolated: ev.isolated.map(drop), cross: drop(ev.cross) };
}

/** Random commands under every preset; after each, `visit` sees every account of the state. */
function eachAccountAfterEachCommand(numRuns: number, seed: number, visit: (s: EngineState, a: Account) => void): void {
  fc.assert(
    fc.property(fc.constantFrom(...PRESET_NAMES), timed, (preset, commands) => {
      const engine = freshEngineWith(preset);
      const s = engine.state as EngineState;
      for (const cmd of commands) {
        engine.apply(cmd);
        for (const a of s.accounts.values()) visit(s, a);
      }
    }),
    { numRuns, seed },
  );
}

describe('evaluateMaintenance', () => {
  it('is evaluateAccount without the initial requirements, to the atom, after random commands under every preset', () => {
    let positions = 0;
    let isolated = 0;
    eachAccountAfterEachCommand(80, 29, (s, a) => {
      const full = evaluateAccount(s, a);
      expect(evaluateMaintenance(s, a), a.id).toEqual(withoutInitial(full));
      if (!full.priced) return;
      // One position alone (the waterfall's refresh when the evaluation lacks it): the same figures.
      for (const [i, f] of (withoutInitial(full) as { positions: unknown[] }).positions.entries()) {
        const p = [...a.positions.values()][i] as Position;
        const m = s.market(p.market) as MarketState;
        expect(maintenanceFigures(s, m, p, m.markPrice as Price), `${a.id} ${p.market}`).toEqual(f);
      }
      positions += full.positions.length;
      isolated += full.isolated.length;
    });
    expect(positions).toBeGreaterThan(1_000);
    expect(isolated).toBeGreaterThan(10);
  });
});

describe('ledgerEquity', () => {
  it('equals the full evaluation for every ledger it answers for, and answers for every plain one, after random commands under every preset', () => {
    let answered = 0;
    let isolated = 0;
    let scores = 0;
    eachAccountAfterEachCommand(120, 23, (s, a) => {
      const plain = [...a.balances].every(([asset, v]) => v === 0n || asset === s.settlementAsset) && [...a.borrows.values()].every((v) => v === 0n);
      for (const ledger of ledgersOf(a)) {
        const quick = ledgerEquity(s, a, ledger);
        const ref = referenceEquity(s, a, ledger);
        if (quick !== null) {
          expect(quick, `${a.id} ${ledger ?? 'cross'}`).toBe(ref);
          answered++;
          if (ledger !== null) isolated++;
        } else if (plain && ref !== null && ref !== undefined) {
          // A plain, priced ledger that exists is always answered.
          throw new Error(`ledgerEquity left ${a.id} ${ledger ?? 'cross'} to the full evaluation`);
        }
      }
      for (const market of a.positions.keys()) {
        const m = s.markets.get(market);
        if (m === undefined) continue;
        expect(exactAdlScore(s, m, a).cmp(referenceAdlScore(s, market, a)), `${a.id} ${market}`).toBe(0);
        scores++;
      }
    });
    expect(answered).toBeGreaterThan(1_000);
    expect(isolated).toBeGreaterThan(10);
    expect(scores).toBeGreaterThan(100);
  });

  it('is null for other collateral, a debt, or a position without a mark; a ledger the account does not have is null', () => {
    const engine = freshEngineWith('binance');
    // 'a' holds only USDC; a 0.1 BTC trade against 'c' gives it a cross position.
    const fill = engine.apply({
      kind: 'fill',
      tsMs: 1_000_001,
      market: 'BTC-PERP',
      price: price(10_000_000n),
      size: size(100n),
      buyer: { account: 'a', fee: quote(0n) },
      seller: { account: 'c', fee: quote(0n) },
    });
    expect(fill.some((e) => e.kind === 'PositionChanged')).toBe(true);
    const s = engine.state as EngineState;
    const a = s.accounts.get('a') as Account;
    expect(a.positions.size).toBe(1);
    expect(ledgerEquity(s, a, null)).toBe(referenceEquity(s, a, null));
    expect(ledgerEquity(s, a, null)).not.toBeNull();
    expect(ledgerEquity(s, a, 'BTC-PERP')).toBeNull(); // a cross position is no isolated ledger
    expect(ledgerEquity(s, a, 'NO-SUCH-MARKET')).toBeNull();
    const other: Account = { ...a, balances: new Map([...a.balances, ['BTC', 1n]]) };
    expect(ledgerEquity(s, other, null)).toBeNull();
    const indebted: Account = { ...a, borrows: new Map([[s.settlementAsset, 1n]]) };
    expect(ledgerEquity(s, indebted, null)).toBeNull();
    const unpriced: Account = { ...a, positions: new Map([...a.positions, ['NOWHERE', { market: 'NOWHERE', size: size(1n), entryQuote: quote(1n), fundingIndex: 0n as FundingIndex, isolatedMargin: null }]]) };
    expect(ledgerEquity(s, unpriced, null)).toBeNull();
    expect(evaluateAccount(s, unpriced).priced).toBe(false);
  });
});

/** null mostly; a value one time in six. */
const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: a, weight: 1 });

/** Markets with awkward decimals (value and funding round), a settlement asset and one other collateral asset. */
const marketArb = fc.record({
  baseDecimals: fc.integer({ min: 0, max: 8 }),
  priceDecimals: fc.integer({ min: 0, max: 6 }),
  mark: fc.oneof({ arbitrary: fc.bigInt({ min: 1n, max: 10n ** 9n }), weight: 15 }, { arbitrary: fc.constant(null), weight: 1 }),
  fundingIndex: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
});
const positionArb = fc.record({
  market: fc.integer({ min: 0, max: 2 }),
  size: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).filter((v) => v !== 0n),
  entryQuote: fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
  fundingIndex: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
  isolatedMargin: fc.option(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 12n }), { freq: 2 }),
});
const worldArb = fc.record({
  markets: fc.array(marketArb, { minLength: 3, maxLength: 3 }),
  cash: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
  other: rarely(fc.bigInt({ min: 1n, max: 10n ** 9n })),
  debt: rarely(fc.bigInt({ min: 1n, max: 10n ** 9n })),
  positions: fc.uniqueArray(positionArb, { maxLength: 3, selector: (p) => p.market }),
});

function viewOf(w: typeof worldArb extends fc.Arbitrary<infer T> ? T : never): { view: EngineState; account: Account } {
  const markets = new Map<string, MarketState>();
  w.markets.forEach((m, i) => {
    const spec = { ...BTC_PERP, id: `M${i}`, baseDecimals: m.baseDecimals, priceDecimals: m.priceDecimals };
    markets.set(spec.id, { spec, markPrice: m.mark === null ? null : price(m.mark), indexPrice: null, fundingIndex: m.fundingIndex, openInterest: size(0n), volatility: { multiplierPpm: PPM_ONE } } as unknown as MarketState);
  });
  const other = { id: 'OTHER', decimals: 8, priceMarket: 'M0', collateralWeightPpm: ppm(900_000n), ltvPpm: ppm(800_000n), liquidationThresholdPpm: ppm(850_000n) };
  const view = { quoteDecimals: 6, settlementAsset: USDC, marginValuation: 'mark', market: (id: string) => markets.get(id), asset: (id: string) => (id === 'OTHER' ? other : undefined) };
  const account: Account = {
    id: 'x',
    no: 0,
    balances: new Map<string, bigint>([[USDC, w.cash], ...(w.other === null ? [] : ([['OTHER', w.other]] as const))]),
    borrows: new Map(w.debt === null ? [] : [['OTHER', w.debt]]),
    positions: new Map(
      w.positions.map((p) => [`M${p.market}`, { market: `M${p.market}`, size: size(p.size), entryQuote: quote(p.entryQuote), fundingIndex: p.fundingIndex, isolatedMargin: p.isolatedMargin === null ? null : quote(p.isolatedMargin) }]),
    ),
  };
  return { view: view as unknown as EngineState, account };
}

describe('ledgerEquity on generated ledgers (rounding values and funding)', () => {
  it('equals the full evaluation wherever it answers, answers every plain priced ledger, and the ADL score built on it is the reference score', () => {
    let answered = 0;
    fc.assert(
      fc.property(worldArb, (w) => {
        const { view, account } = viewOf(w);
        const plain = w.other === null && w.debt === null;
        for (const ledger of ledgersOf(account)) {
          const quick = ledgerEquity(view, account, ledger);
          const ref = referenceEquity(view, account, ledger);
          if (quick !== null) {
            expect(quick).toBe(ref);
            answered++;
          } else expect(plain && ref !== null && ref !== undefined).toBe(false);
        }
        for (const market of account.positions.keys()) {
          const m = view.market(market) as MarketState;
          expect(exactAdlScore(view, m, account).cmp(referenceAdlScore(view, market, account))).toBe(0);
        }
      }),
      { numRuns: 3_000, seed: 5 },
    );
    expect(answered).toBeGreaterThan(1_000);
  });
});

describe('isolated figures', () => {
  // evaluate.ts writes them field by field (a spread allocated them in V8's old generation): what `{ ...f, margin,
  // equity }` gave, in its key order, so a field added to the position figures cannot be left out.
  it('are the position figures, then the margin and the equity, in that key order, with and without initial requirements', () => {
    let seen = 0;
    eachAccountAfterEachCommand(40, 31, (s, a) => {
      for (const ev of [evaluateAccount(s, a), evaluateMaintenance(s, a)]) {
        if (!ev.priced) continue;
        for (const iso of ev.isolated) {
          const f = ev.positions.find((p) => p.market === iso.market);
          expect(f, a.id).toBeDefined();
          const margin = a.positions.get(iso.market)?.isolatedMargin;
          expect(Object.keys(iso)).toEqual([...Object.keys(f as object), 'margin', 'equity']);
          expect(iso).toEqual({ ...f, margin, equity: quote((margin as bigint) + (f as { unrealisedPnl: bigint }).unrealisedPnl - (f as { fundingOwed: bigint }).fundingOwed) });
          seen++;
        }
      }
    });
    expect(seen).toBeGreaterThan(10);
  });
});

describe('evaluateAccount under a schedule scaled by open interest (dYdX v4 liquidity tiers)', () => {
  it("raises the initial requirement with the market's open interest at mark, and leaves maintenance alone", () => {
    const mark = price(5_000_000n); // 50,000 (BTC_PERP: 2 price decimals, 3 base decimals)
    const tiers = [{ notionalFloor: quote(0n), initialPpm: ppm(200_000n), maintenancePpm: ppm(100_000n), maintenanceAmount: quote(0n) }];
    const stateWith = (scaled: boolean, openInterest: bigint): EngineState => {
      const margin = scaled ? { tiers, openInterestScaling: { lowerCap: quote(10n ** 12n), upperCap: quote(2n * 10n ** 12n) } } : { tiers };
      const market = { spec: { ...BTC_PERP, margin }, markPrice: mark, indexPrice: null, fundingIndex: 0n, openInterest: size(openInterest), volatility: { multiplierPpm: PPM_ONE } } as unknown as MarketState;
      return { quoteDecimals: 6, settlementAsset: USDC, marginValuation: 'mark', market: (id: string) => (id === BTC_PERP.id ? market : undefined), asset: () => undefined } as unknown as EngineState;
    };
    const account: Account = {
      id: 'x',
      no: 0,
      balances: new Map([[USDC, 10n ** 12n]]),
      borrows: new Map(),
      positions: new Map([[BTC_PERP.id, { market: BTC_PERP.id, size: size(1_000n), entryQuote: quote(50_000n * 10n ** 6n), fundingIndex: 0n as FundingIndex, isolatedMargin: null }]]),
    };
    const figures = (s: EngineState) => {
      const ev = evaluateAccount(s, account);
      if (!ev.priced) throw new Error('unpriced');
      return ev.positions[0] as { initial: bigint; maintenance: bigint; notional: bigint };
    };
    // 1 BTC at 50,000: notional 50,000 USDC; open interest of 30 BTC = 1.5e12 quote atoms, half way between the caps:
    // IMF 20% + (100% - 20%) x 0.5 = 60%.
    const plain = figures(stateWith(false, 30_000n));
    const scaled = figures(stateWith(true, 30_000n));
    expect(plain.notional).toBe(50_000n * 10n ** 6n);
    expect(plain.initial).toBe(10_000n * 10n ** 6n);
    expect(scaled.initial).toBe(30_000n * 10n ** 6n);
    expect(scaled.maintenance).toBe(plain.maintenance);
    // Below the lower cap the scaled schedule is the plain one.
    expect(figures(stateWith(true, 1_000n)).initial).toBe(plain.initial);
  });
});
