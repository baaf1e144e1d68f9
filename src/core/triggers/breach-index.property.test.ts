// The breach index against the naive exact scan: on random small worlds and random sequences of price moves
// (both directions, small and large, mark and index apart), volatility-multiplier and funding changes, rulebook
// switches and account changes, the index's breached set equals the set found by evaluating every account exactly,
// after every step, and each call reports exactly the ledgers that entered breach in it.

import fc from 'fast-check';
import { seededRandom } from '../../sim/random.js';
import { describe, expect, it } from 'vitest';
import { USDC } from '../engine/testkit.js';
import { evaluateAccount } from '../margin/evaluate.js';
import { isBreached, thresholdPrice } from '../margin/thresholds.js';
import { ppm } from '../units/index.js';
import { scanAccounts, type BreachIndex, type LedgerBreach, type LedgerRef } from './breach-index.js';
import { indexTogether } from './detector.js';
import { MARKETS, openTestPosition, START, testWorld, type MarketId, type TestOpen, type TestWorld } from './testworld.js';

const ACCOUNTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const market = fc.constantFrom(...MARKETS);

const open: fc.Arbitrary<TestOpen> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  market,
  long: fc.boolean(),
  sizeScale: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10, max: 60 })),
  entryBps: fc.integer({ min: -300, max: 300 }),
  isolated: fc.boolean(),
  /** Margin put up with the trade, in basis points of its notional (cross: deposited; isolated: set aside). */
  marginBps: fc.oneof(fc.integer({ min: 50, max: 600 }), fc.integer({ min: 0, max: 3_000 })),
});

interface Funding {
  readonly account: string;
  readonly usdc: number;
  readonly btcMilli: number;
  readonly borrowBtcMilli: number;
}

const funding: fc.Arbitrary<Funding> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  usdc: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
  btcMilli: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) }),
  borrowBtcMilli: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 }) }),
});

type Step =
  | { readonly kind: 'move'; readonly market: MarketId; readonly bps: number; readonly basisBps: number; readonly noIndex: boolean }
  | { readonly kind: 'multiplier'; readonly market: MarketId; readonly ppm: number }
  | { readonly kind: 'funding'; readonly market: MarketId; readonly delta: number }
  | { readonly kind: 'rulebook'; readonly rule: 'below' | 'at_or_below'; readonly valuation: 'mark' | 'entry' }
  | { readonly kind: 'trade'; readonly open: TestOpen }
  | { readonly kind: 'deposit'; readonly funding: Funding }
  | { readonly kind: 'suspended'; readonly account: string; readonly moves: readonly MoveStep[] };

const bps = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -20, max: 20 }) },
  { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: -3_000, max: 3_000 }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      market,
      bps,
      basisBps: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -80, max: 80 }) }),
      noIndex: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('multiplier' as const), market, ppm: fc.integer({ min: 800_000, max: 3_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('funding' as const), market, delta: fc.integer({ min: -5_000_000, max: 5_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rulebook' as const), rule: fc.constantFrom('below' as const, 'at_or_below' as const), valuation: fc.constantFrom('mark' as const, 'entry' as const) }) },
  { weight: 3, arbitrary: open.map((o) => ({ kind: 'trade' as const, open: o })) },
  { weight: 1, arbitrary: funding.map((f) => ({ kind: 'deposit' as const, funding: f })) },
  {
    // An account suspended (BreachIndex.suspend) while prices move, then resumed.
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('suspended' as const),
      account: fc.constantFrom(...ACCOUNTS),
      moves: fc.array(
        fc.record({ kind: fc.constant('move' as const), market, bps, basisBps: fc.constant(0), noIndex: fc.constant(false) }),
        { minLength: 1, maxLength: 1 },
      ),
    }),
  },
);

function applyOpen(w: TestWorld, o: TestOpen): string[] {
  openTestPosition(w, o);
  return [o.account];
}

function applyFunding(w: TestWorld, f: Funding): string[] {
  if (f.usdc > 0) w.deposit(f.account, USDC, BigInt(f.usdc) * 1_000_000n);
  if (f.btcMilli > 0) w.deposit(f.account, 'BTC', BigInt(f.btcMilli) * 100_000n);
  // Debt priced off BTC-PERP's index.
  if (f.borrowBtcMilli > 0) w.borrow(f.account, 'BTC', BigInt(f.borrowBtcMilli) * 100_000n);
  return [f.account];
}

function applyMove(w: TestWorld, mv: MoveStep): void {
  const st = w.state(mv.market);
  const mark = ((st.markPrice ?? START[mv.market]) * BigInt(10_000 + mv.bps)) / 10_000n;
  const next = mark < 1n ? 1n : mark;
  const idx = (next * BigInt(10_000 + mv.basisBps)) / 10_000n;
  w.setPrices(mv.market, next, mv.noIndex ? null : idx < 1n ? 1n : idx);
}

const refKey = (x: LedgerRef): string => `${x.account}/${x.market ?? 'cross'}`;

function check(w: TestWorld, index: BreachIndex, before: Set<string>, reported: readonly LedgerBreach[]): Set<string> {
  const truth = new Set(scanAccounts(w, w.accounts.values(), w.rule).map(refKey));
  const held = new Set(index.breached().map(refKey));
  expect([...held].sort()).toEqual([...truth].sort());
  expect(new Set(index.scanAll().map(refKey))).toEqual(truth);
  // Every reported ledger is in breach now, and the newly reported ones are exactly those that entered breach.
  for (const r of reported) expect(truth.has(refKey(r))).toBe(true);
  const entered = [...truth].filter((k) => !before.has(k)).sort();
  expect(reported.filter((r) => r.newly).map(refKey).sort()).toEqual(entered);
  return truth;
}

describe('BreachIndex against the exact full scan', () => {
  it('agrees after every price move, multiplier / funding / rulebook change and account change', () => {
    let rechecks = 0;
    let naive = 0;
    let breachesSeen = 0;
    let recoveriesSeen = 0;
    let movedIn = 0;
    let movedOut = 0;
    let flips = 0;
    let exactMisses = 0;
    let exactLedgers = 0;
    let resumed = 0;
    let screened = 0;
    let rowScreened = 0;
    fc.assert(
      fc.property(fc.array(funding, { minLength: 4, maxLength: 12 }), fc.array(open, { minLength: 3, maxLength: 16 }), fc.array(step, { minLength: 10, maxLength: 120 }), (funds, opens, steps) => {
        const w = testWorld();
        for (const f of funds) applyFunding(w, f);
        for (const o of opens) applyOpen(w, o);
        // The engine's options on the twin: exact rows and slope rows (figures kept beside the tables). The same reports
        // and the same thresholds as the plain index after every step: the rows spare reads of the accounts, nothing else.
        const { index, twin, initial } = twinIndexes(w);
        let before = check(w, index, new Set(), initial);
        for (const s of steps) {
          let reported: readonly LedgerBreach[];
          let reportedTwin: readonly LedgerBreach[];
          switch (s.kind) {
            case 'move':
              applyMove(w, s);
              reported = index.onPrice(s.market);
              reportedTwin = twin.onPrice(s.market);
              naive += w.accounts.size;
              break;
            case 'multiplier': {
              const st = w.state(s.market);
              st.volatility = { ...st.volatility, multiplierPpm: ppm(BigInt(s.ppm)) };
              reported = index.reindexMarket(s.market);
              reportedTwin = twin.reindexMarket(s.market);
              break;
            }
            case 'funding':
              // Left to the backstop: the next tick of any market notices it.
              w.state(s.market).fundingIndex += BigInt(s.delta) * 1_000_000_000n;
              reported = index.onPrice(MARKETS[0]);
              reportedTwin = twin.onPrice(MARKETS[0]);
              break;
            case 'rulebook':
              // Also left to the backstop.
              w.rule = s.rule;
              w.marginValuation = s.valuation;
              reported = index.onPrice(MARKETS[1]);
              reportedTwin = twin.onPrice(MARKETS[1]);
              break;
            case 'suspended': {
              index.suspend(s.account);
              twin.suspend(s.account);
              const out: LedgerBreach[] = [];
              const outTwin: LedgerBreach[] = [];
              for (const mv of s.moves) {
                applyMove(w, mv);
                out.push(...index.onPrice(mv.market));
                outTwin.push(...twin.onPrice(mv.market));
              }
              // What the other accounts reported during the moves, and what the resumed one is found in.
              out.push(...index.resume(s.account).filter((b) => !before.has(refKey(b))));
              outTwin.push(...twin.resume(s.account).filter((b) => !before.has(refKey(b))));
              reported = out.filter((b) => b.account !== s.account || !before.has(refKey(b)));
              reportedTwin = outTwin.filter((b) => b.account !== s.account || !before.has(refKey(b)));
              break;
            }
            case 'trade':
            case 'deposit': {
              const touched = s.kind === 'trade' ? applyOpen(w, s.open) : applyFunding(w, s.funding);
              const out: LedgerBreach[] = [];
              const outTwin: LedgerBreach[] = [];
              for (const id of touched) {
                out.push(...index.reindex(id));
                outTwin.push(...twin.reindex(id));
              }
              reported = out;
              reportedTwin = outTwin;
              break;
            }
          }
          sameAs(w, index, twin, reported, reportedTwin);
          const after = check(w, index, before, reported);
          if (s.kind === 'move') {
            movedIn += [...after].filter((k) => !before.has(k)).length;
            movedOut += [...before].filter((k) => !after.has(k)).length;
          }
          before = after;
          index.checkInvariants();
          twin.checkInvariants();
        }
        rowScreened += twin.stats().rowScreened;
        const st = index.stats();
        rechecks += st.rechecks;
        flips += st.flips;
        exactMisses += st.exactMisses;
        exactLedgers += st.exactLedgers;
        resumed += st.resumed;
        screened += st.screened;
        breachesSeen += st.breaches;
        recoveriesSeen += st.recoveries;
      }),
      { numRuns: 200, seed: 20261126 },
    );
    // The worlds must reach the interesting paths, and the index must prune: far fewer evaluations than a scan.
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ rowScreened, breachesSeen, recoveriesSeen, rechecks, naive, movedIn, movedOut, flips, exactMisses, exactLedgers, resumed, screened });
    expect(breachesSeen).toBeGreaterThan(300);
    // Exact boundaries are reached (single-position ledgers on the monotone schedules), their crossings decide, and
    // every breach they announced was confirmed by the ledger's figures.
    expect(exactLedgers).toBeGreaterThan(100);
    expect(flips).toBeGreaterThan(50);
    expect(exactMisses).toBe(0);
    expect(resumed).toBeGreaterThan(20);
    expect(recoveriesSeen).toBeGreaterThan(50);
    expect(rechecks).toBeLessThan(naive / 3);
    // Re-checks the float screen settled (slack-screen.ts; slack-screen.property.test.ts drives many more).
    expect(screened).toBeGreaterThan(10);
    // ... and some of them from slope rows, without reading the account (the twin's, with the engine's options).
    expect(rowScreened).toBeGreaterThan(0);
  });

  it('with slope rows: accounts shaped for slope rows (cross positions, settlement cash) re-checked from the rows, as from the accounts', () => {
    // Cross positions on several markets with settlement cash only: the shape slope rows stand for. Small moves keep
    // the re-checks on the float screen; trades and deposits change accounts between them (the rows dropped and
    // written again).
    // The markets whose schedules the screen takes (ALT's size premium and DYD's maintenance fraction it leaves to the
    // exact evaluation).
    const plainMarket = fc.constantFrom('BTC-PERP' as const, 'ETH-PERP' as const);
    const plainFunding = funding.map((f) => ({ ...f, btcMilli: 0, borrowBtcMilli: 0 }));
    const crossOpen = fc.tuple(open, plainMarket).map(([o, m]) => ({ ...o, market: m, isolated: false }));
    const smallMove = fc.record({ kind: fc.constant('move' as const), market: plainMarket, bps: fc.integer({ min: -200, max: 200 }), basisBps: fc.constant(0), noIndex: fc.constant(false) });
    const plainStep = fc.oneof({ weight: 20, arbitrary: smallMove }, { weight: 2, arbitrary: crossOpen.map((o) => ({ kind: 'trade' as const, open: o })) }, { weight: 1, arbitrary: plainFunding.map((f) => ({ kind: 'deposit' as const, funding: f })) });
    let rowScreened = 0;
    let screened = 0;
    fc.assert(
      fc.property(fc.array(plainFunding, { minLength: 4, maxLength: 12 }), fc.array(crossOpen, { minLength: 6, maxLength: 24 }), fc.array(plainStep, { minLength: 30, maxLength: 150 }), (funds, opens, steps) => {
        const w = testWorld();
        for (const f of funds) applyFunding(w, f);
        for (const o of opens) applyOpen(w, o);
        const { index, twin, initial } = twinIndexes(w);
        let before = check(w, twin, new Set(), initial);
        for (const s of steps) {
          let reported: readonly LedgerBreach[];
          let reportedTwin: readonly LedgerBreach[];
          if (s.kind === 'move') {
            applyMove(w, s);
            reported = index.onPrice(s.market);
            reportedTwin = twin.onPrice(s.market);
          } else {
            // The engine's order: the account changes, the index is told, a price it moved is followed, then the account
            // is re-armed. A crossing meanwhile must be re-checked from the account, not from the row it had.
            const touched = s.kind === 'trade' ? applyOpen(w, s.open) : applyFunding(w, s.funding);
            for (const id of touched) twin.accountChanged(id);
            applyMove(w, { kind: 'move', market: s.kind === 'trade' ? s.open.market : 'BTC-PERP', bps: -60, basisBps: 0, noIndex: false });
            const moved = s.kind === 'trade' ? s.open.market : 'BTC-PERP';
            const followed = index.onPrice(moved);
            const followedTwin = twin.onPrice(moved);
            sameAs(w, index, twin, followed, followedTwin); // before the re-arm: as armed from the account
            reported = [...followed, ...touched.flatMap((id) => index.reindex(id))];
            reportedTwin = [...followedTwin, ...touched.flatMap((id) => twin.reindex(id))];
          }
          sameAs(w, index, twin, reported, reportedTwin);
          before = check(w, twin, before, reportedTwin);
          twin.checkInvariants();
        }
        rowScreened += twin.stats().rowScreened;
        screened += twin.stats().screened;
      }),
      { numRuns: 100, seed: 20261204 },
    );
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ rowScreened, screened });
    expect(rowScreened).toBeGreaterThan(100);
  });
});

/** A plain index and its twin with the engine's rows over the same world, each with every account indexed (the same first look). */
function twinIndexes(w: TestWorld): { index: BreachIndex; twin: BreachIndex; initial: LedgerBreach[] } {
  const index = w.breachIndex();
  const twin = w.breachIndex({ exactRows: true, slopeRows: true });
  const initial: LedgerBreach[] = [];
  const initialTwin: LedgerBreach[] = [];
  for (const id of w.accounts.keys()) {
    initial.push(...index.reindex(id));
    initialTwin.push(...twin.reindex(id));
  }
  sameAs(w, index, twin, initial, initialTwin);
  return { index, twin, initial };
}

/** The index with the engine's rows reports what the plain one reports, and holds the same thresholds for every ledger. */
function sameAs(w: TestWorld, index: BreachIndex, twin: BreachIndex, reported: readonly LedgerBreach[], reportedTwin: readonly LedgerBreach[]): void {
  const text = (r: readonly LedgerBreach[]): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  expect(text(reportedTwin)).toBe(text(reported));
  for (const id of w.accounts.keys()) {
    for (const market of [null, ...MARKETS]) expect(twin.thresholds(id, market)).toEqual(index.thresholds(id, market));
  }
}

/** mulberry32 (sim/random.ts), to pick price corners reproducibly from a seed the property draws. */
const prng = seededRandom;

type MoveStep = Extract<Step, { kind: 'move' }>;
const move: fc.Arbitrary<MoveStep> = step.filter((x): x is MoveStep => x.kind === 'move');

describe('thresholds are sound: inside the box they allow, a ledger keeps its exact state', () => {
  it('at every corner of the box (and random points in it), over all the markets of the ledger at once', () => {
    let ledgersChecked = 0;
    let pointsChecked = 0;
    let exactChecked = 0;
    fc.assert(
      fc.property(
        fc.array(funding, { minLength: 4, maxLength: 12 }),
        fc.array(open, { minLength: 3, maxLength: 24 }),
        fc.array(move, { maxLength: 12 }),
        fc.record({ rule: fc.constantFrom('below' as const, 'at_or_below' as const), valuation: fc.constantFrom('mark' as const, 'mark' as const, 'entry' as const) }),
        fc.array(fc.tuple(market, fc.integer({ min: 800_000, max: 3_000_000 })), { maxLength: 2 }),
        fc.integer(),
        fc.option(fc.integer({ min: 1_000_000, max: 1_500_000 }), { nil: undefined, freq: 3 }),
        (funds, opens, moves, rulebook, multipliers, seed, scale) => {
          const w = testWorld();
          // A margin-call view: every requirement scaled by (1 + buffer).
          if (scale !== undefined) w.requirementScalePpm = ppm(BigInt(scale));
          w.rule = rulebook.rule;
          w.marginValuation = rulebook.valuation;
          for (const f of funds) applyFunding(w, f);
          for (const o of opens) applyOpen(w, o);
          for (const mv of moves) applyMove(w, mv);
          for (const [id, mult] of multipliers) {
            const st = w.state(id);
            st.volatility = { ...st.volatility, multiplierPpm: ppm(BigInt(mult)) };
          }
          const index = w.breachIndex();
          for (const id of w.accounts.keys()) index.reindex(id);
          const rand = prng(seed);
          const rule = w.rule;
          for (const account of w.accounts.values()) {
            const ledgers: (string | null)[] = [null];
            for (const p of account.positions.values()) if (p.isolatedMargin !== null) ledgers.push(p.market);
            for (const ledger of ledgers) {
              const armed = index.isBreached(account.id, ledger);
              const keys = index.thresholds(account.id, ledger);
              if (keys.length === 0) continue;
              ledgersChecked++;
              // Per market, the (mark, index) pairs no tick would flag: unchanged, or anywhere strictly inside
              // (down, up) -- corners, both apart, and a random inner point.
              const options = keys.map((k) => {
                const st = w.state(k.market);
                const current: [bigint | null, bigint | null] = [st.markPrice, st.indexPrice];
                const p0 = st.markPrice ?? st.indexPrice ?? 1n;
                const lo = k.down === -Infinity ? 1n : BigInt(Math.floor(k.down)) + 1n;
                const hi = k.up === Infinity ? p0 * 50n : BigInt(Math.ceil(k.up)) - 1n;
                const out: [bigint | null, bigint | null][] = [current];
                if (lo <= hi) {
                  out.push([lo, lo], [hi, hi], [lo, hi], [hi, lo]);
                  const inner = (): bigint => lo + BigInt(Math.floor(rand() * Number(hi - lo + 1n)));
                  for (let r = 0; r < 3; r++) out.push([inner(), inner()]);
                }
                return { market: k.market, out, current };
              });
              const total = options.reduce((n, o) => n * o.out.length, 1);
              const picks = total <= 300 ? total : 300;
              for (let c = 0; c < picks; c++) {
                let rest = total <= 300 ? c : Math.floor(rand() * total);
                for (const o of options) {
                  const [mark, idx] = o.out[rest % o.out.length] as [bigint | null, bigint | null];
                  rest = Math.floor(rest / o.out.length);
                  w.setPrices(o.market, mark, idx);
                }
                const ev = evaluateAccount(w, account);
                expect(ev.priced).toBe(true);
                if (!ev.priced) continue;
                const f = ledger === null ? ev.cross : ev.isolated.find((x) => x.market === ledger);
                expect(f).toBeDefined();
                if (f === undefined) continue;
                pointsChecked++;
                expect(isBreached(f.equity, f.maintenance, rule), `${account.id}/${ledger ?? 'cross'} armed ${armed ? 'breached' : 'sound'}`).toBe(armed);
              }
              for (const o of options) {
                w.setPrices(o.market, o.current[0], o.current[1]);
              }
              // An exact boundary: crossing it IS the state change. At the key the ledger is in the other state, and
              // so it is anywhere beyond (random points up to 5% past the key, and the far end of the price range).
              const k = keys[0];
              if (k?.exact === true && (Number.isFinite(k.down) || Number.isFinite(k.up))) {
                exactChecked++;
                const st = w.state(k.market);
                const saved: [bigint | null, bigint | null] = [st.markPrice, st.indexPrice];
                const fires = Number.isFinite(k.down) ? { at: BigInt(k.down), dir: -1n } : { at: BigInt(k.up), dir: 1n };
                // The boundary is the liquidation price that thresholds.ts finds by bisection over exact evaluations.
                const lp = thresholdPrice(w, account, k.market, 'liquidation', rule);
                expect(lp).not.toBeNull();
                expect(armed ? lp === fires.at - fires.dir : lp === fires.at, `${account.id}/${ledger ?? 'cross'}: key ${fires.at}, liquidation price ${lp}`).toBe(true);
                const span = fires.at / 20n + 2n;
                const beyond = [fires.at, fires.at + fires.dir, fires.at + fires.dir * span, fires.dir < 0n ? 1n : fires.at * 10n];
                for (let r = 0; r < 3; r++) beyond.push(fires.at + fires.dir * BigInt(Math.floor(rand() * Number(span))));
                for (const px of beyond) {
                  if (px < 1n) continue;
                  w.setPrices(k.market, px, rand() < 0.5 ? px : saved[1]);
                  const ev = evaluateAccount(w, account);
                  if (!ev.priced) continue;
                  const f = ledger === null ? ev.cross : ev.isolated.find((x) => x.market === ledger);
                  if (f === undefined) continue;
                  pointsChecked++;
                  expect(isBreached(f.equity, f.maintenance, rule), `${account.id}/${ledger ?? 'cross'} past its exact key ${px}`).toBe(!armed);
                }
                // One atom short of the key, the state stands.
                w.setPrices(k.market, fires.at - fires.dir, saved[1]);
                const ev = evaluateAccount(w, account);
                const f = ev.priced ? (ledger === null ? ev.cross : ev.isolated.find((x) => x.market === ledger)) : undefined;
                if (f !== undefined && fires.at - fires.dir >= 1n) expect(isBreached(f.equity, f.maintenance, rule)).toBe(armed);
                w.setPrices(k.market, saved[0], saved[1]);
              }
            }
          }
        },
      ),
      { numRuns: 500, seed: 77 },
    );
    if (process.env.BAILIFF_DEBUG !== undefined) console.log({ ledgersChecked, pointsChecked, exactChecked });
    expect(exactChecked).toBeGreaterThan(500);
    expect(ledgersChecked).toBeGreaterThan(4_000);
    expect(pointsChecked).toBeGreaterThan(75_000);
  });
});

describe('BreachIndex.indexAll and indexTogether (a restore) build what reindex() of each account builds', () => {
  it('the same breaches, stats and answers to every later price move, with markets unpriced at the build', () => {
    let breachesSeen = 0;
    let waitingSeen = 0;
    fc.assert(
      fc.property(
        fc.array(funding, { minLength: 4, maxLength: 12 }),
        fc.array(open, { minLength: 3, maxLength: 16 }),
        fc.array(move, { minLength: 0, maxLength: 10 }),
        fc.subarray([...MARKETS], { maxLength: 2 }),
        fc.array(move, { minLength: 5, maxLength: 60 }),
        (funds, opens, before, unpriced, after) => {
          const w = testWorld();
          for (const f of funds) applyFunding(w, f);
          for (const o of opens) applyOpen(w, o);
          for (const mv of before) applyMove(w, mv);
          const marks = new Map(unpriced.map((m) => [m, w.state(m).markPrice]));
          for (const m of unpriced) w.setPrices(m, null);
          const one = w.breachIndex();
          for (const id of w.accounts.keys()) one.reindex(id);
          const bulk = w.breachIndex();
          bulk.indexAll(w.accounts.values(), w.accounts.size);
          // Two indexes of different options built in one pass (as a restore builds its breach and margin-call
          // indexes): each as if built alone.
          const rows = { exactRows: true, slopeRows: true };
          const rowsOne = w.breachIndex(rows);
          for (const id of w.accounts.keys()) rowsOne.reindex(id);
          const together = w.breachIndex();
          const rowsTogether = w.breachIndex(rows);
          indexTogether([together, rowsTogether], w.accounts.values(), w.accounts.size);
          const pairs: [BreachIndex, BreachIndex][] = [
            [bulk, one],
            [together, one],
            [rowsTogether, rowsOne],
          ];
          for (const [built, reference] of pairs) {
            expect(built.stats()).toEqual(reference.stats());
            expect(built.breached()).toEqual(reference.breached());
            built.checkInvariants();
          }
          waitingSeen += one.stats().waiting;
          for (const m of unpriced) w.setPrices(m, marks.get(m) ?? START[m]);
          const follow = (m: MarketId): void => {
            const [plain, withRows] = [one.onPrice(m), rowsOne.onPrice(m)];
            expect(bulk.onPrice(m)).toEqual(plain);
            expect(together.onPrice(m)).toEqual(plain);
            expect(rowsTogether.onPrice(m)).toEqual(withRows);
          };
          for (const m of unpriced) follow(m);
          for (const mv of after) {
            applyMove(w, mv);
            follow(mv.market);
          }
          for (const [built, reference] of pairs) expect(built.stats()).toEqual(reference.stats());
          breachesSeen += one.stats().breaches;
        },
      ),
      { numRuns: 150, seed: 20261203 },
    );
    expect(breachesSeen).toBeGreaterThan(100);
    expect(waitingSeen).toBeGreaterThan(20);
  });
});
