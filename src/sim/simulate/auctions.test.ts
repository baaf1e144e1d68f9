// Maker vaults in the simulator (the sim.json `auctions` section): a file without the section keeps its summary's
// bytes; the same seed gives the same bytes with auctions; known answers (no fall -> no bark; a sealed-bid batch
// gives a late bidder the same as an early one, while a Dutch auction goes to the first to arrive); the curve
// parameters reach the auctions.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sealedBidDigest } from '../../wire/sealed-bid.js';
import { parseSimConfig, parseSimConfigText } from './config.js';
import { runSimulation } from './run.js';
import type { SimConfigInput } from './types.js';
import { btcCrashMarket } from './testkit.js';

/** 100 accounts and 40 vaults through a 30% fall in a minute: five minutes of one-second steps. */
export const AUCTION_SIM = {
  name: 'auctions test',
  seed: 3,
  steps: 300,
  insuranceFund: '10000',
  markets: [btcCrashMarket({ depth: 0.3, quiet: 20, duration: 60 })],
  population: { accounts: 100, collateral: { min: '200', max: '5000' }, leverage: { min: 2, max: 30 }, longShare: 0.8 },
  liquidators: [
    { id: 'keeper-a', capital: '3000000', latencyMs: 0, maxPosition: '500000', discount: 0.02, orderSize: '50000', gas: '1' },
    { id: 'keeper-b', capital: '3000000', latencyMs: 3000, maxPosition: '500000', discount: 0.03, orderSize: '50000', gas: '1' },
  ],
  metrics: { recoveryMinutes: 2, counterfactual: false },
  auctions: {
    market: 'BTCUSDT',
    mode: 'dutch' as 'dutch' | 'sealed_bid',
    clipper: { buf: '1.2', tail: 600, cusp: '0.4', chip: '0.001', tip: '5', curve: { kind: 'stairstep_exponential_decrease', step: 5, cut: '0.98' } },
    vaults: { count: 40, ink: { min: '0.05', max: '1' }, collateralisation: { min: 1.55, max: 2.2 } },
    sealed: { commit: 20, reveal: 20, floor: '0.8', maxBids: 8 },
  },
} satisfies SimConfigInput;

type Raw = typeof AUCTION_SIM;
const withAuctions = (f: (raw: Raw) => void): Raw => {
  const raw = structuredClone(AUCTION_SIM) as Raw;
  f(raw);
  return raw;
};
const run = (raw: unknown) => runSimulation(parseSimConfig(raw));

describe('simulate: Maker vaults and auctions', () => {
  it('leaves a sim.json without auctions byte for byte as before (quick.json summary digest from main before the section)', () => {
    const c = parseSimConfigText(readFileSync('examples/sim/quick.json', 'utf8'));
    const r = runSimulation(c, { baseDir: 'examples/sim' });
    expect('auctions' in r.summary).toBe(false);
    expect('auctions' in r.series).toBe(false);
    expect(createHash('sha256').update(JSON.stringify(r.summary)).digest('hex')).toBe('b1c2d4d47fd51d4bb855b3f18acec467bb8fbc08b4ae9675672bed87b5f0ba80');
  }, 60_000);

  it('gives the same bytes for the same seed, and liquidates vaults through the crash', () => {
    const one = run(AUCTION_SIM);
    const two = run(AUCTION_SIM);
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    const a = one.summary.auctions!;
    expect(a.mode).toBe('dutch');
    expect(a.barked).toBeGreaterThan(0);
    expect(a.takes).toBeGreaterThan(0);
    expect(Number(a.raised)).toBeGreaterThan(0);
    expect(Number(a.raised)).toBeLessThanOrEqual(Number(a.tab));
    // Every liquidator pays at most its valuation: the discount to the reference is at least the smallest required one.
    expect(a.discountPpm).toBeGreaterThanOrEqual(20_000);
    expect(a.keepers.map((k) => k.id)).toEqual(['keeper-a', 'keeper-b']);
    expect(one.summary.commands.rejected).toBe(0);
    // The series: one point per bucket, cumulative (never falling), ending at the summary's figures.
    const s = one.series.auctions!;
    for (const xs of [s.tab, s.raised, s.uncovered, s.collateralSold]) {
      expect(xs).toHaveLength(one.series.tMs.length);
      expect(xs.every((x, i) => i === 0 || Number(x) >= Number(xs[i - 1]))).toBe(true);
    }
    expect([s.tab.at(-1), s.raised.at(-1), s.uncovered.at(-1), s.collateralSold.at(-1)]).toEqual([a.tab, a.raised, a.uncovered, a.collateralSold]);
    expect(s.raised[0]).toBe('0');
  }, 60_000);

  it('barks no vault when the price does not fall', () => {
    const r = run(withAuctions((raw) => (raw.markets[0]!.path = { kind: 'constant' } as never)));
    const a = r.summary.auctions!;
    expect(a.barked).toBe(0);
    expect(a.takes).toBe(0);
    expect(a.raised).toBe('0');
    expect(a.keepers.every((k) => k.wins === 0 && k.pnl === '0')).toBe(true);
  }, 60_000);

  it("feeds the vaults the venue's index, not the external reference: a venue price arbitrageurs never move barks none", () => {
    const barked = (book: object): number =>
      run(withAuctions((raw) => {
        raw.population.accounts = 0;
        raw.markets[0]!.book = book as never;
        (raw.markets[0] as { arbitrage?: object }).arbitrage = { rate: 0 };
      })).summary.auctions!.barked;
    // rate 0: the traded price (the engine's mark and index) stays at the start while the reference falls 30%.
    expect(barked({ depth: '100000' })).toBe(0);
    // An infinite book trades at the reference: the same fall reaches the vaults.
    expect(barked({ depth: '100000', infinite: true })).toBeGreaterThan(0);
  }, 60_000);

  it('reaches the auctions with the curve: a steeper cut sells at a deeper discount', () => {
    const gentle = run(withAuctions((raw) => (raw.auctions.clipper.curve.cut = '0.995'))).summary.auctions!;
    const steep = run(withAuctions((raw) => (raw.auctions.clipper.curve.cut = '0.9'))).summary.auctions!;
    expect(steep.barked).toBe(gentle.barked);
    expect(steep.discountPpm).toBeGreaterThan(gentle.discountPpm);
  }, 60_000);

  describe('sealed-bid batches against Dutch first come', () => {
    /** No perp accounts and an infinite book: the feed is the reference, a 30% step at 20 s and flat after. */
    const still = (mode: 'dutch' | 'sealed_bid', latencyA: number, latencyB: number, capitalA = '3000000'): Raw =>
      withAuctions((raw) => {
        raw.population.accounts = 0;
        raw.markets[0]!.book = { depth: '100000', infinite: true } as never;
        raw.markets[0]!.path = { kind: 'crash', shape: 'fast_drawdown', depth: 0.3, quiet: 20, duration: 1 };
        raw.liquidators[0]!.capital = capitalA;
        raw.liquidators[0]!.latencyMs = latencyA;
        raw.liquidators[1]!.discount = 0.02;
        raw.liquidators[1]!.latencyMs = latencyB;
        raw.auctions.mode = mode;
      });
    const bought = (raw: Raw, id: string): number => Number(run(raw).summary.auctions!.keepers.find((k) => k.id === id)!.bought);

    it('gives a bidder who commits later (inside the window) exactly what it gets committing first', () => {
      const early = run(still('sealed_bid', 0, 0, '400000')).summary.auctions!;
      const late = run(still('sealed_bid', 0, 15_000, '400000')).summary.auctions!;
      expect(early.sealedSettlements).toBeGreaterThan(0);
      expect(late).toEqual(early);
      expect(early.keepers.every((k) => k.wins > 0)).toBe(true);
    }, 60_000);

    it('in Dutch auctions the one who arrives first gets the lots (same valuation, capital for all)', () => {
      expect(bought(still('dutch', 0, 15_000), 'keeper-a')).toBeGreaterThan(0);
      expect(bought(still('dutch', 0, 15_000), 'keeper-b')).toBe(0);
      expect(bought(still('dutch', 15_000, 0), 'keeper-a')).toBe(0);
      expect(bought(still('dutch', 15_000, 0), 'keeper-b')).toBeGreaterThan(0);
    }, 60_000);

    it('commits only digests that bind the bidder: a copied commitment is not the copier\'s bid', () => {
      const bid = ['sealed-1', 'keeper-a', 10n ** 27n * 70_000n, 10n ** 18n, 'ab'.repeat(32)] as const;
      const copied = sealedBidDigest(bid[0], 'keeper-b', bid[2], bid[3], bid[4]);
      expect(sealedBidDigest(...bid)).not.toBe(copied);
      expect(sealedBidDigest(...bid)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('refuses an auctions section on an unknown market, naming the field', () => {
    expect(() => run(withAuctions((raw) => (raw.auctions.market = 'ETHUSDT')))).toThrow('auctions.market');
    expect(() => run(withAuctions((raw) => (raw.auctions.clipper.cusp = '2')))).toThrow('auctions.clipper.cusp');
    expect(() => run(withAuctions((raw) => ((raw.auctions.mode = 'sealed_bid'), (raw.auctions.sealed.reveal = 1))))).toThrow('auctions.sealed.reveal');
  });
});
