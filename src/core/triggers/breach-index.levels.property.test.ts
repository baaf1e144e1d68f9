// A two-level breach index (BreachIndexOptions.upperLevel: the margin calls' call level below, recovery level above)
// against the exact full scan at both levels: on random small worlds, price moves, multiplier and funding changes,
// account changes and moves of accounts between the levels (setLevel), after every step
// - the ledgers the index holds in breach are exactly those a scan finds, each account's at its own level's view;
// - what a step returns is exactly the lower-level ledgers that entered breach in it (`newly`), never an upper-level one;
// - onRecover is told exactly of the upper-level ledgers that left breach (a move between levels tells nothing);
// and accounts move without an evaluation when their boundaries were kept (stats().resumed).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USDC } from '../engine/testkit.js';
import type { MarginView } from '../margin/evaluate.js';
import { ppm, PPM_ONE } from '../units/index.js';
import { BreachIndex, scanAccounts, type LedgerBreach, type LedgerRef } from './breach-index.js';
import { MARKETS, openTestPosition, START, testWorld, type MarketId, type TestOpen, type TestWorld } from './testworld.js';

const ACCOUNTS = ['a', 'b', 'c', 'd', 'e', 'f'];
const market = fc.constantFrom(...MARKETS);
/** Binance's 25% call buffer and its recovery level 1.25 x that (margin-calls.ts). */
const CALL = PPM_ONE + 250_000n;
const RECOVERY = PPM_ONE + 312_500n;

const open: fc.Arbitrary<TestOpen> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  market,
  long: fc.boolean(),
  sizeScale: fc.integer({ min: 1, max: 40 }),
  entryBps: fc.integer({ min: -200, max: 200 }),
  isolated: fc.boolean(),
  marginBps: fc.oneof(fc.integer({ min: 100, max: 800 }), fc.integer({ min: 0, max: 3_000 })),
});

type Step =
  | { readonly kind: 'move'; readonly market: MarketId; readonly bps: number; readonly basisBps: number }
  | { readonly kind: 'multiplier'; readonly market: MarketId; readonly ppm: number }
  | { readonly kind: 'funding'; readonly market: MarketId; readonly delta: number }
  | { readonly kind: 'trade'; readonly open: TestOpen }
  | { readonly kind: 'level'; readonly account: string; readonly upper: boolean; readonly hint: Hint };

/**
 * The slot hint setLevel() is given (LedgerBreach.slot, as the engine passes its calls'): none, the one last reported
 * for the account (which may have gone stale since), or one last reported for another account (never its own).
 */
type Hint = 'none' | 'own' | 'other';

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      market,
      bps: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -30, max: 30 }) }, { weight: 3, arbitrary: fc.integer({ min: -300, max: 300 }) }),
      basisBps: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: 50 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('multiplier' as const), market, ppm: fc.integer({ min: 800_000, max: 2_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('funding' as const), market, delta: fc.integer({ min: -3_000_000, max: 3_000_000 }) }) },
  { weight: 3, arbitrary: open.map((o) => ({ kind: 'trade' as const, open: o })) },
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('level' as const), account: fc.constantFrom(...ACCOUNTS), upper: fc.boolean(), hint: fc.constantFrom<Hint>('none', 'own', 'other') }),
  },
);

const refKey = (x: LedgerRef): string => `${x.account}/${x.market ?? 'cross'}`;
const scaled = (w: TestWorld, scale: bigint): MarginView => Object.create(w, { requirementScalePpm: { value: scale } }) as MarginView;

describe('a two-level BreachIndex against the exact full scan at each account level', () => {
  // Without rows, and with the engine's: exact and slope rows, which arm moves between levels without reading the
  // account where they can (armFromExactRow, armFromSlopeRow).
  it.each([false, true])('holds, returns and tells recoveries exactly as the scan finds them, through moves between the levels (rows: %s)', (rows) => {
    let resumed = 0;
    let rowArmed = 0;
    let moves = 0;
    let newlyLower = 0;
    let told = 0;
    fc.assert(
      fc.property(fc.array(open, { minLength: 3, maxLength: 14 }), fc.array(fc.constantFrom(...ACCOUNTS), { maxLength: 3 }), fc.array(step, { minLength: 10, maxLength: 100 }), (opens, startUpper, steps) => {
        const w = testWorld();
        for (const id of ACCOUNTS) w.deposit(id, USDC, 500_000_000n);
        // With rows, cross positions on the markets whose schedules the float screen takes (BTC, ETH), so that the
        // slope rows' moves are reached often.
        for (const o of opens) openTestPosition(w, rows ? { ...o, market: o.market === 'ALT-PERP' ? 'BTC-PERP' : o.market === 'DYD-PERP' ? 'ETH-PERP' : o.market, isolated: false } : o);
        const lower = scaled(w, CALL);
        const upperView = scaled(w, RECOVERY);
        // The model: which accounts are at the upper level.
        const upper = new Set(startUpper);
        const recovered: string[] = [];
        const index = new BreachIndex({
          view: lower,
          account: (id) => w.accounts.get(id),
          rule: () => w.rule,
          onRecover: (ref) => recovered.push(refKey(ref)),
          reportPrices: false,
          upperLevel: { view: upperView, holds: (id) => upper.has(id) },
          exactRows: rows,
          slopeRows: rows,
        });
        const truth = (): Set<string> => {
          const lo = [...w.accounts.values()].filter((a) => !upper.has(a.id));
          const up = [...w.accounts.values()].filter((a) => upper.has(a.id));
          return new Set([...scanAccounts(lower, lo, w.rule), ...scanAccounts(upperView, up, w.rule)].map(refKey));
        };
        const isUpperKey = (k: string): boolean => upper.has(k.slice(0, k.indexOf('/')));
        index.indexAll(w.accounts.values(), w.accounts.size);
        let before = truth();
        // The last slot reported for each account (LedgerBreach.slot).
        const slots = new Map<string, number>();
        for (const s of steps) {
          recovered.length = 0;
          let reported: readonly LedgerBreach[];
          // Ledgers whose level the step changes: their state there is new (not a recovery, not a breach carried over).
          let moved: string | null = null;
          switch (s.kind) {
            case 'move': {
              const st = w.state(s.market);
              const mark = ((st.markPrice ?? START[s.market]) * BigInt(10_000 + s.bps)) / 10_000n;
              const next = mark < 1n ? 1n : mark;
              const idx = (next * BigInt(10_000 + s.basisBps)) / 10_000n;
              w.setPrices(s.market, next, idx < 1n ? 1n : idx);
              reported = index.onPrice(s.market);
              break;
            }
            case 'multiplier': {
              const st = w.state(s.market);
              st.volatility = { ...st.volatility, multiplierPpm: ppm(BigInt(s.ppm)) };
              reported = index.reindexMarket(s.market);
              break;
            }
            case 'funding':
              w.state(s.market).fundingIndex += BigInt(s.delta) * 1_000_000_000n;
              reported = index.onPrice(MARKETS[0]);
              break;
            case 'trade':
              openTestPosition(w, s.open);
              reported = index.reindex(s.open.account);
              break;
            case 'level': {
              const out: LedgerBreach[] = [];
              if (upper.has(s.account) !== s.upper) {
                moved = s.account;
                moves++;
                if (s.upper) upper.add(s.account);
                else upper.delete(s.account);
              }
              const other = [...slots].find(([id]) => id !== s.account);
              const hint = s.hint === 'own' ? (slots.get(s.account) ?? -1) : s.hint === 'other' && other !== undefined ? other[1] : -1;
              index.setLevel(s.account, s.upper, out, hint);
              expect(index.isUpper(s.account)).toBe(s.upper);
              reported = out;
              break;
            }
          }
          for (const r of reported) if (r.slot !== undefined) slots.set(r.account, r.slot);
          const now = truth();
          expect(new Set(index.breached().map(refKey))).toEqual(now);
          expect(new Set(index.scanAll().map(refKey))).toEqual(now);
          const movedKey = (k: string): boolean => moved !== null && k.startsWith(`${moved}/`);
          // Returned: every lower-level ledger that entered breach (a moved account's: all it has in breach now).
          const entered = [...now].filter((k) => !isUpperKey(k) && (movedKey(k) || !before.has(k))).sort();
          expect(reported.filter((r) => r.newly).map(refKey).sort()).toEqual(entered);
          for (const r of reported) expect(now.has(refKey(r)) && !isUpperKey(refKey(r))).toBe(true);
          // Told: exactly the upper-level ledgers that left breach (not those of an account that just moved).
          const left = [...before].filter((k) => !now.has(k) && isUpperKey(k) && !movedKey(k)).sort();
          expect([...new Set(recovered)].sort()).toEqual(left);
          newlyLower += entered.length;
          told += left.length;
          before = now;
          index.checkInvariants();
        }
        resumed += index.stats().resumed;
        rowArmed += index.stats().rowArmed;
      }),
      { numRuns: 250, seed: 20261203 },
    );
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ rows, resumed, rowArmed, moves, newlyLower, told });
    if (rows) expect(rowArmed).toBeGreaterThan(50);
    // The paths of interest are reached: moves, moves without an evaluation, breaches at the lower level, recoveries.
    expect(moves).toBeGreaterThan(400);
    expect(resumed).toBeGreaterThan(30);
    expect(newlyLower).toBeGreaterThan(100);
    expect(told).toBeGreaterThan(rows ? 5 : 15); // the rows' world (two markets, cross only) recovers less often
  });
});
