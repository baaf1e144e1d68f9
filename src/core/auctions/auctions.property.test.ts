// Property tests (fast-check, seeded) for both auctions: an auction never sells below its curve's floor or the
// batch floor, never raises more than its tab, collateral sold + returned (+ still in auction) = collateral taken,
// the Vat's invariant and the collateral total hold after every step, and a refused call changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ray, wad, type Ray } from '../units/index.js';
import type { PriceCurve } from './abaci.js';
import { getStatus, pauseClock, redo, resumeClock, saleStatus, take } from './clipper.js';
import { bark } from './dog.js';
import {
  addIlk,
  clipperHolder,
  emptyMakerState,
  fold,
  frob,
  gemOf,
  slip,
  suck,
  totalCollateral,
  vatInvariantHolds,
  type MakerState,
} from './maker-state.js';
import { RAD, RAY, WAD, radOf, rdiv } from './ray-math.js';
import { clearBatch, commitBid, openSealedBid, revealBid, settleSealedBid, type RevealedBid } from './sealed-bid.js';

const ILK = 'eth';
const OWNER = 'owner';
const BUYERS = ['k1', 'k2', 'k3'] as const;

const curveArb: fc.Arbitrary<PriceCurve> = fc.oneof(
  fc.bigInt({ min: 60n, max: 20_000n }).map((tauS) => ({ kind: 'linear_decrease' as const, tauS })),
  fc
    .record({ stepS: fc.bigInt({ min: 1n, max: 120n }), cutPpm: fc.bigInt({ min: 900_000n, max: 999_999n }) })
    .map(({ stepS, cutPpm }) => ({ kind: 'stairstep_exponential_decrease' as const, stepS, cut: ray((cutPpm * RAY) / 1_000_000n) })),
  fc.bigInt({ min: 990_000n, max: 999_999n }).map((cutPpm) => ({ kind: 'exponential_decrease' as const, cut: ray((cutPpm * RAY) / 1_000_000n) })),
);

const worldArb = fc.record({
  curve: curveArb,
  bufPct: fc.bigInt({ min: 100n, max: 150n }),
  cuspPct: fc.bigInt({ min: 10n, max: 90n }),
  tailS: fc.bigInt({ min: 60n, max: 7200n }),
  chopPct: fc.bigInt({ min: 100n, max: 120n }),
  ratePct: fc.bigInt({ min: 100n, max: 150n }),
  dust: fc.bigInt({ min: 0n, max: 50n }),
  tip: fc.bigInt({ min: 0n, max: 20n }),
  chipPct: fc.bigInt({ min: 0n, max: 5n }),
  ink: fc.bigInt({ min: 1n, max: 1000n }),
  feedDollars: fc.bigInt({ min: 1n, max: 5000n }),
  holeDai: fc.bigInt({ min: 1n, max: 2_000_000n }),
  drawnPct: fc.bigInt({ min: 60n, max: 130n }), // debt / collateral value at the feed price, at rate 1
});

type Step =
  | { kind: 'wait'; dtS: bigint }
  | { kind: 'take'; buyer: number; amtPermille: bigint; maxPct: bigint }
  | { kind: 'redo' }
  | { kind: 'pause'; why: 'feed' | 'engine' }
  | { kind: 'resume'; why: 'feed' | 'engine' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 900n }).map((dtS) => ({ kind: 'wait' as const, dtS })) },
  {
    weight: 5,
    arbitrary: fc
      .record({ buyer: fc.integer({ min: 0, max: 2 }), amtPermille: fc.bigInt({ min: 1n, max: 1500n }), maxPct: fc.bigInt({ min: 80n, max: 200n }) })
      .map((t) => ({ kind: 'take' as const, ...t })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'redo' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('feed' as const, 'engine' as const).map((why) => ({ kind: 'pause' as const, why })) },
  { weight: 2, arbitrary: fc.constantFrom('feed' as const, 'engine' as const).map((why) => ({ kind: 'resume' as const, why })) },
);

/** Canonical text of the whole state (Maps sorted), to show a refused call changed nothing. */
function fingerprint(s: MakerState): string {
  return JSON.stringify(s, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Map) return [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    if (v instanceof Set) return [...v].sort();
    return v;
  });
}

describe('Clipper properties', () => {
  const reached = { barks: 0, partialBarks: 0, takes: 0, partialTakes: 0, returned: 0, wholeLotShort: 0, redos: 0, refusedWhilePaused: 0 };
  it('never sells below the curve floor (cusp x top) or above max; raises at most the tab; conserves collateral and DAI', () => {
    fc.assert(
      fc.property(worldArb, fc.array(stepArb, { minLength: 1, maxLength: 40 }), (w, steps) => {
        const s = emptyMakerState(radOf(w.holeDai * RAD));
        const feed = ray(w.feedDollars * RAY);
        const rate = (w.ratePct * RAY) / 100n;
        const chop = wad((w.chopPct * WAD) / 100n);
        addIlk(s, ILK, { rate: ray(RAY), spot: ray((feed * 2n) / 3n), dust: radOf(w.dust * RAD) }, { chop, hole: radOf(w.holeDai * RAD) }, {
          buf: ray((w.bufPct * RAY) / 100n),
          tailS: w.tailS,
          cusp: ray((w.cuspPct * RAY) / 100n),
          chip: wad((w.chipPct * WAD) / 100n),
          tip: radOf(w.tip * RAD),
          curve: w.curve,
          stopped: 0,
        });
        // A vault drawn to drawnPct of its value at rate 1, then the fee accrues; unsafe above spot = 2/3 of the price.
        slip(s, ILK, OWNER, w.ink * WAD);
        frob(s, ILK, OWNER, w.ink * WAD, (w.ink * WAD * feed * w.drawnPct) / 100n / RAY);
        fold(s, ILK, 'vow', rate - RAY); // the stability fee accrues: the vault is now unsafe
        for (const b of BUYERS) suck(s, 'genesis', b, 10n ** 9n * RAD);
        const collateral = totalCollateral(s, ILK);
        let now = 1_000_000n;
        const barked = bark(s, { ilk: ILK, urn: OWNER, keeper: 'kpr', nowS: now, feedPrice: feed });
        if (!barked.ok) return; // a limit too small for a non-dusty auction: nothing to sell
        reached.barks++;
        if (barked.value.partial) reached.partialBarks++;
        const { tab: tab0, dink: lot0 } = barked.value;
        let raised = 0n;
        let sold = 0n;
        let returned = 0n;
        let uncovered = 0n;
        for (const step of steps) {
          const clip = s.clippers.get(ILK)!;
          const before = fingerprint(s);
          switch (step.kind) {
            case 'wait':
              now += step.dtS;
              break;
            case 'pause':
              pauseClock(clip, step.why, now);
              break;
            case 'resume':
              resumeClock(clip, step.why, now);
              break;
            case 'redo': {
              const r = redo(s, { ilk: ILK, id: 1, keeper: 'kpr', nowS: now, feedPrice: feed });
              if (!r.ok) expect(fingerprint(s)).toBe(before);
              else reached.redos++;
              break;
            }
            case 'take': {
              const sale = clip.sales.get(1);
              const current = sale === undefined || clip.pausedBy.size > 0 ? null : saleStatus(clip, sale, now);
              const lot = sale?.lot ?? 0n;
              const amt = wad((lot * step.amtPermille) / 1000n + 1n);
              const max = ray(((current?.price ?? feed) * step.maxPct) / 100n + 1n) as Ray;
              const buyer = BUYERS[step.buyer]!;
              const r = take(s, { ilk: ILK, id: 1, amt, max, buyer, who: buyer, nowS: now });
              if (!r.ok) {
                expect(fingerprint(s)).toBe(before);
                if (r.reason === 'auction_clock_paused') reached.refusedWhilePaused++;
                break;
              }
              reached.takes++;
              if (!r.value.ended) reached.partialTakes++;
              if (r.value.returned > 0n) reached.returned++;
              if (r.value.uncovered > 0n) reached.wholeLotShort++;
              expect(sale).toBeDefined();
              // the price is the curve's at the running time, never below the floor cusp x top, never above max
              expect(r.value.price).toBe(current!.price);
              expect(rdiv(r.value.price, sale!.top) >= clip.params.cusp).toBe(true);
              expect(r.value.price <= max).toBe(true);
              expect(r.value.owe <= r.value.slice * r.value.price + r.value.price).toBe(true); // pays at most one atom's worth over
              raised += r.value.owe;
              sold += r.value.slice;
              returned += r.value.returned;
              uncovered += r.value.uncovered;
              break;
            }
          }
          expect(vatInvariantHolds(s)).toBe(true);
          expect(totalCollateral(s, ILK)).toBe(collateral);
          const live = s.clippers.get(ILK)!.sales.get(1);
          expect(raised <= tab0).toBe(true);
          expect(sold + returned + (live?.lot ?? 0n)).toBe(lot0);
          expect(gemOf(s, ILK, clipperHolder(ILK))).toBe(live?.lot ?? 0n);
          expect(s.Dirt).toBe(live?.tab ?? 0n);
          if (live !== undefined) expect(raised + live.tab).toBe(tab0);
          else expect(raised + uncovered).toBe(tab0);
          expect(getStatus(s.clippers.get(ILK)!, 1, now).tab).toBe(live?.tab ?? 0n);
        }
      }),
      { seed: 1818, numRuns: 300 },
    );
    // the generator reaches every interesting path
    for (const [path, n] of Object.entries(reached)) expect(n, path).toBeGreaterThan(3);
  });
});

const bidArb = fc.record({
  priceTicks: fc.integer({ min: -2, max: 20 }), // price = floor + ticks x $0.25 (negative: below the floor)
  quantity: fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 12, arbitrary: fc.bigInt({ min: 1n, max: 50n * WAD }) }),
});

describe('sealed-bid properties', () => {
  const reached = { belowFloor: 0, zero: 0, partialFill: 0, tiesShared: 0, returned: 0, unsold: 0, unmatched: 0 };
  it('clears at one price >= floor, each winner bid at least it, never raises more than the tab, conserves the lot', () => {
    fc.assert(
      fc.property(
        fc.array(bidArb, { minLength: 0, maxLength: 12 }),
        fc.bigInt({ min: 1n, max: 200n * WAD }),
        fc.bigInt({ min: 1n, max: 2000n }),
        (bids, lot, tabDai) => {
          const floor = ray(3n * RAY);
          const tab = radOf(tabDai * RAD);
          const params = { lot: wad(lot), tab, floor, openS: 0n, commitEndS: 10n, revealEndS: 20n, maxBids: 100 };
          const a = openSealedBid('p', OWNER, params);
          const revealed: RevealedBid[] = [];
          bids.forEach((b, i) => {
            const bidder = `b${i}`;
            const price = ray(floor + (BigInt(b.priceTicks) * RAY) / 4n);
            const digestHex = (i + 1).toString(16).padStart(64, '0'); // stands for the edge's SHA-256 (tested apart)
            expect(commitBid(a, { bidder, digestHex, nowS: 1n }).ok).toBe(true);
            const r = revealBid(a, { bidder, price, quantity: wad(b.quantity), saltHex: 'ab'.repeat(16), digestHex, nowS: 10n });
            if (price <= 0n || b.quantity <= 0n) {
              expect(r).toEqual({ ok: false, reason: 'bid_zero' });
              reached.zero++;
            } else if (price < floor) {
              expect(r).toEqual({ ok: false, reason: 'bid_below_floor' });
              reached.belowFloor++;
            }
            else {
              expect(r.ok).toBe(true);
              revealed.push({ bidder, price, quantity: wad(b.quantity), digestHex });
            }
          });
          const settled = settleSealedBid(a, 20n);
          if (!settled.ok) throw new Error(settled.reason);
          const st = settled.value;
          if (revealed.length > 0) expect(st.price >= floor).toBe(true);
          const byBidder = new Map(revealed.map((b) => [b.bidder, b]));
          let sum = 0n;
          for (const x of st.allocations) {
            const bid = byBidder.get(x.bidder)!;
            expect(bid.price >= st.price).toBe(true); // nobody pays more than it bid
            expect(x.quantity > 0n && x.quantity <= bid.quantity).toBe(true);
            expect(x.pay).toBe(x.quantity * st.price); // one price for all
            sum += x.pay;
          }
          for (const b of revealed) if (b.price > st.price) expect(st.allocations.find((x) => x.bidder === b.bidder)?.quantity).toBe(b.quantity);
          expect(st.raised).toBe(sum);
          expect(st.raised <= tab).toBe(true);
          expect(st.sold + st.returned + st.unsold).toBe(lot);
          expect(st.uncovered).toBe(tab - st.raised);
          if (st.returned > 0n) expect(st.uncovered < st.price).toBe(true);
          if (st.allocations.some((x) => x.quantity < byBidder.get(x.bidder)!.quantity)) reached.partialFill++;
          if (st.allocations.filter((x) => byBidder.get(x.bidder)!.price === st.price).length > 1 && st.allocations.some((x) => x.quantity < byBidder.get(x.bidder)!.quantity)) reached.tiesShared++;
          if (st.returned > 0n) reached.returned++;
          if (st.unsold > 0n) reached.unsold++;
          if (st.void.some((v) => v.why === 'unmatched')) reached.unmatched++;
          // the arrival order of bids does not matter
          expect(clearBatch(params, [...revealed].reverse())).toEqual(clearBatch(params, revealed));
        },
      ),
      { seed: 1819, numRuns: 500 },
    );
    for (const [path, n] of Object.entries(reached)) expect(n, path).toBeGreaterThan(3);
  });
});
