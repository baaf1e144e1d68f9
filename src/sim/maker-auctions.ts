// MakerDAO Liquidations 2.0 through the crash: a population of vaults on one of the crash's markets, barked as the
// price falls, their collateral sold by Dutch auctions (the Clipper) or, for every SEALED_EVERY-th liquidation, by a
// sealed-bid batch; keepers take, redo and bid; a feed outage stops the auction clocks at the steepest minute. Drives
// the engine with its auction commands (core/engine/auctions.ts): the ilk's feed is the crash market's index in the
// engine, spotter.poke is maker_poke, and the outage is the market's price going stale (its breaker trips, the
// engine stops the clocks). Keepers read the house's state as bots read the chain. The figures are exact (bigint),
// the percentages printed from them are for people.
//
// Simplifications (documented in docs/auctions.md): the feed is the market's minute close (Maker's OSM delays it by an
// hour), one keeper population takes as soon as the auction price is KEEPER_MARGIN below the market, DAI comes from
// nowhere for keepers (vat.suck from a genesis account).

import { formatDecimal, ppm, price, quote, ray, size, wad, type Ray } from '../core/units/index.js';
import { DEFAULT_PRICING } from '../core/market/pricing.js';
import type { MarketSpec } from '../core/market/spec.js';
import { getStatus } from '../core/auctions/clipper.js';
import { totalCollateral, vatInvariantHolds, type MakerState } from '../core/auctions/maker-state.js';
import { RAD, RAY, WAD, radOf } from '../core/auctions/ray-math.js';
import type { AuctionSetup } from '../core/engine/auctions.js';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { EngineConfig } from '../core/engine/state.js';
import { sealedBidDigest } from '../wire/sealed-bid.js';
import type { PricePath } from './crash.js';
import { seededRandom } from './random.js';

export interface MakerAuctionOptions {
  readonly market: string;
  readonly vaults: number;
  readonly seed: number;
}

export const DEFAULT_MAKER_AUCTIONS: MakerAuctionOptions = { market: 'AVAXUSDT', vaults: 400, seed: 7 };

const ILK = 'AVAX-A';
const SEALED_EVERY = 4;
/** Keepers take when the auction price is this far below the market (ppm). */
const KEEPER_MARGIN_PPM = 30_000n;
/** Sealed-bid keepers bid these margins below the market (ppm), each for the whole lot. */
const SEALED_MARGINS_PPM = [20_000n, 35_000n, 50_000n] as const;
const MINUTE_MS = 60_000;
const OUTAGE_MS = 10 * MINUTE_MS;

export interface MakerAuctionReport {
  readonly ilk: string;
  readonly market: string;
  readonly vaults: number;
  readonly barked: { readonly dutch: number; readonly sealed: number; readonly partial: number; readonly limitHits: number };
  readonly takes: number;
  readonly redos: number;
  readonly sealedSettled: number;
  readonly sealedFallbacks: number;
  /** DAI, 2 decimals. */
  readonly tab: string;
  readonly raised: string;
  readonly uncovered: string;
  readonly keeperIncentives: string;
  /** Collateral returned to vault owners, whole units with 4 decimals. */
  readonly returned: string;
  /** Mean discount of the sale price to the market price at the sale, in basis points (for people). */
  readonly discountBp: { readonly dutch: number; readonly sealed: number };
  readonly outage: { readonly from: string; readonly minutes: number; readonly takesRefused: number; readonly vaultMinutesWaiting: number };
  readonly stillInAuction: number;
  readonly conservationOk: boolean;
}

const dai = (rad: bigint): string => formatDecimal(rad, 45, 2).replace(/(\.\d\d)\d*$/, '$1');

/** The engine the crash runs on: DAI settlement (18 decimals), the default rulebook; no perp account takes part. */
export const MAKER_ENGINE_CONFIG: EngineConfig = { settlement: { asset: 'DAI', decimals: 18 }, settlementLtvPpm: ppm(0n), settlementLiquidationThresholdPpm: ppm(0n) };

export function runMakerAuctions(path: PricePath, o: MakerAuctionOptions = DEFAULT_MAKER_AUCTIONS): MakerAuctionReport {
  return runRecorded(path, o, null);
}

/** The report and every command the run sent to the engine (for journals and replay tests). */
export function recordMakerAuctions(path: PricePath, o: MakerAuctionOptions = DEFAULT_MAKER_AUCTIONS): { report: MakerAuctionReport; commands: Command[] } {
  const commands: Command[] = [];
  return { report: runRecorded(path, o, commands), commands };
}

function runRecorded(path: PricePath, o: MakerAuctionOptions, record: Command[] | null): MakerAuctionReport {
  const m = path.markets.find((x) => x.id === o.market);
  if (m === undefined) throw new Error(`maker auctions: no market ${o.market} in the price path`);
  const points = path.points.filter((p) => p.market === o.market);
  const toRay = (atoms: bigint): Ray => ray(atoms * 10n ** BigInt(27 - m.priceDecimals));
  const first = points[0];
  if (first === undefined) throw new Error('maker auctions: no prices');
  const startPrice = toRay(first.priceAtoms);

  // The ilk: liquidation ratio 150% (spot = price / 1.5), chop 13%, dust 100 DAI; Clipper as ETH-A's in 2021:
  // buf 1.2, a 1% step every 90 s, tail 140 min, cusp 0.45, chip 0.1%, tip 5 DAI (ETH-A's 250 DAI scaled to small vaults).
  // Its feed is the market's index in the engine (maker_poke: spot = feed / mat).
  const rand = seededRandom(o.seed);
  const vaults: AuctionSetup['vaults'][number][] = [];
  for (let i = 0; i < o.vaults; i++) {
    const owner = `vault-${i}`;
    const ink = BigInt(10 + Math.floor(rand() * 1990)) * WAD; // 10-2,000 AVAX
    const crPct = BigInt(155 + Math.floor(rand() * 145)); // 155%-300% collateralised at the start
    vaults.push({ ilk: ILK, owner, ink: wad(ink), art: wad((ink * startPrice * 100n) / crPct / RAY) });
  }
  const keepers = ['keeper', ...SEALED_MARGINS_PPM.map((_, k) => `bidder-${k}`)];
  const setup: AuctionSetup = {
    kind: 'auction_setup',
    tsMs: first.tsMs,
    Hole: radOf(5_000_000n * RAD),
    ilks: [
      {
        id: ILK,
        rate: ray(RAY),
        spot: ray((startPrice * 2n) / 3n),
        dust: radOf(100n * RAD),
        chop: wad((113n * WAD) / 100n),
        hole: radOf(300_000n * RAD),
        clipper: {
          buf: ray((12n * RAY) / 10n),
          tailS: 8400n,
          cusp: ray((45n * RAY) / 100n),
          chip: wad(WAD / 1000n),
          tip: radOf(5n * RAD),
          curve: { kind: 'stairstep_exponential_decrease', stepS: 90n, cut: ray((99n * RAY) / 100n) },
          stopped: 0,
        },
        market: o.market,
        mat: ray((3n * RAY) / 2n),
      },
    ],
    vaults,
    dai: keepers.map((account) => ({ account, amount: radOf(1_000_000_000n * RAD) })),
  };
  const engine = Engine.create(MAKER_ENGINE_CONFIG);
  const events: EngineEvent[] = [];
  const apply = (cmd: Command): EngineEvent[] => {
    record?.push(cmd);
    const out = engine.apply(cmd);
    events.push(...out);
    return out;
  };
  // The market's price goes stale (its breaker trips) a minute and a millisecond after the last one: the outage.
  const spec: MarketSpec = {
    id: o.market,
    baseDecimals: m.baseDecimals,
    priceDecimals: m.priceDecimals,
    tickSize: price(1n),
    stepSize: size(1n),
    margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(100_000n), maintenancePpm: ppm(50_000n), maintenanceAmount: quote(0n) }] },
    pricing: { ...DEFAULT_PRICING, guards: { rearmAfter: 1, maxPriceAgeMs: MINUTE_MS } },
  };
  apply({ kind: 'set_market', tsMs: first.tsMs, market: spec });
  apply({ kind: 'price', tsMs: first.tsMs, market: o.market, mark: price(first.priceAtoms) });
  apply(setup);
  const h = engine.state.auctions!.house;
  const s = h.maker;
  const collateral = totalCollateral(s, ILK);

  // The feed outage: ten minutes from the steepest one-minute fall.
  let outageAt = points[1]?.tsMs ?? first.tsMs;
  let steepest = 0n;
  for (let i = 1; i < points.length; i++) {
    const fall = (points[i - 1] as { priceAtoms: bigint }).priceAtoms - (points[i] as { priceAtoms: bigint }).priceAtoms;
    if (fall > steepest) {
      steepest = fall;
      outageAt = (points[i] as { tsMs: number }).tsMs;
    }
  }

  const saleMarket = new Map<string, Ray>(); // per take / settlement: the market price at the time
  const discounts = { dutch: [] as number[], sealed: [] as number[] };
  let takesRefused = 0;
  let vaultMinutesWaiting = 0;
  let barks = 0;
  const salt = () => Array.from({ length: 32 }, () => Math.floor(rand() * 256).toString(16).padStart(2, '0')).join('');
  const sealedBids = new Map<string, { bidder: string; price: bigint; quantity: bigint; salt: string }[]>();

  for (const p of points) {
    const market = toRay(p.priceAtoms);
    const outage = p.tsMs >= outageAt && p.tsMs < outageAt + OUTAGE_MS;
    // In the outage no price arrives: the sim's commands come a millisecond past the minute, when the last price is
    // more than a minute old (stale), so the first of them trips the breaker and the engine stops the clock.
    const t = outage ? p.tsMs + 1 : p.tsMs;
    if (outage) apply({ kind: 'tick', tsMs: t });
    else if (p !== first) apply({ kind: 'price', tsMs: t, market: o.market, mark: price(p.priceAtoms) });
    const paused = s.clippers.get(ILK)!.pausedBy.size > 0;
    if (!paused) apply({ kind: 'maker_poke', tsMs: t, ilk: ILK }); // spotter.poke
    // Keepers first: take what is cheap enough, redo what needs it.
    const clip = s.clippers.get(ILK)!;
    for (const id of [...clip.sales.keys()]) {
      const st = getStatus(clip, id, BigInt(Math.floor(t / 1000)));
      if (paused) {
        const r = apply({ kind: 'maker_take', tsMs: t, ilk: ILK, id, amt: st.lot, max: ray(market), buyer: 'keeper', who: 'keeper' });
        if (r[0]?.kind === 'CommandRejected') takesRefused++;
        continue;
      }
      if (st.needsRedo) {
        apply({ kind: 'maker_redo', tsMs: t, ilk: ILK, id, keeper: 'keeper' });
        continue;
      }
      if (st.price * 1_000_000n <= market * (1_000_000n - KEEPER_MARGIN_PPM)) {
        const r = apply({ kind: 'maker_take', tsMs: t, ilk: ILK, id, amt: st.lot, max: st.price, buyer: 'keeper', who: 'keeper' });
        if (r[0]?.kind === 'AuctionTaken') discounts.dutch.push(Number(((market - r[0].price) * 10_000n) / market));
      }
    }
    // Sealed batches: reveal after the commit window, settle after the reveal window.
    for (const [id, l] of h.sealed) {
      if (l.auction.settled) continue;
      const nowS = BigInt(Math.floor(t / 1000));
      if (nowS >= l.auction.params.revealEndS) {
        const r = apply({ kind: 'sealed_settle', tsMs: t, auction: id, keeper: 'keeper' });
        const e = r.find((x) => x.kind === 'SealedBidSettled');
        if (e?.kind === 'SealedBidSettled' && e.winners > 0) {
          const at = saleMarket.get(id) ?? market;
          discounts.sealed.push(Number(((at - e.price) * 10_000n) / at));
        }
      } else if (nowS >= l.auction.params.commitEndS && l.auction.reveals.size === 0) {
        for (const b of sealedBids.get(id) ?? []) {
          apply({ kind: 'sealed_reveal', tsMs: t, auction: id, bidder: b.bidder, price: ray(b.price), quantity: wad(b.quantity), saltHex: b.salt, digestHex: sealedBidDigest(id, b.bidder, b.price, b.quantity, b.salt) });
        }
      }
    }
    if (paused) {
      // No valid price: no bark (it would be refused: the clock is stopped). Unsafe at the last spot: they wait.
      vaultMinutesWaiting += unsafeVaults(s, ILK).length;
      continue;
    }
    // The Dog: bark every unsafe vault (owners in a fixed order).
    const unsafe = unsafeVaults(s, ILK);
    for (const owner of unsafe) {
      const sealed = (barks + 1) % SEALED_EVERY === 0;
      const r = sealed
        ? apply({ kind: 'sealed_bark', tsMs: t, ilk: ILK, urn: owner, keeper: 'keeper', floorRatio: ray((80n * RAY) / 100n), commitS: 60n, revealS: 60n, maxBids: 16 })
        : apply({ kind: 'maker_bark', tsMs: t, ilk: ILK, urn: owner, keeper: 'keeper' });
      const e = r.find((x) => x.kind !== 'AuctionClock');
      if (e?.kind === 'CommandRejected') continue;
      barks++;
      if (e?.kind === 'SealedBidOpened') {
        saleMarket.set(e.auction, market);
        const bids = SEALED_MARGINS_PPM.map((marginPpm, k) => ({
          bidder: `bidder-${k}`,
          price: (market * (1_000_000n - marginPpm)) / 1_000_000n,
          quantity: e.lot as bigint,
          salt: salt(),
        }));
        sealedBids.set(e.auction, bids);
        for (const b of bids) apply({ kind: 'sealed_commit', tsMs: t, auction: e.auction, bidder: b.bidder, digestHex: sealedBidDigest(e.auction, b.bidder, b.price, b.quantity, b.salt) });
      }
    }
  }

  const t = tallyAuctionEvents(events);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));
  return {
    ilk: ILK,
    market: o.market,
    vaults: o.vaults,
    barked: { dutch: t.kicked, sealed: t.opened, partial: t.partial, limitHits: t.limitHits },
    takes: t.takes,
    redos: t.redos,
    sealedSettled: t.sealedSettled,
    sealedFallbacks: t.sealedFallbacks,
    tab: dai(t.tab),
    raised: dai(t.raised),
    uncovered: dai(t.uncovered),
    keeperIncentives: dai(t.incentives),
    returned: formatDecimal(t.returned / 10n ** 14n, 4, 4),
    discountBp: { dutch: mean(discounts.dutch), sealed: mean(discounts.sealed) },
    outage: { from: new Date(outageAt).toISOString(), minutes: OUTAGE_MS / 60_000, takesRefused, vaultMinutesWaiting },
    stillInAuction: s.clippers.get(ILK)!.sales.size + [...h.sealed.values()].filter((l) => !l.auction.settled).length,
    conservationOk: vatInvariantHolds(s) && totalCollateral(s, ILK) === collateral,
  };
}

/** Owners of the ilk's unsafe vaults (ink x spot < art x rate, dog.sol bark's test), sorted: the order keepers bark in. */
export function unsafeVaults(s: MakerState, ilk: string): string[] {
  const i = s.ilks.get(ilk);
  if (i === undefined) return [];
  const prefix = `${ilk}/`;
  return [...s.urns.entries()]
    .filter(([key, u]) => key.startsWith(prefix) && u.ink * i.spot < u.art * i.rate)
    .map(([key]) => key.slice(prefix.length))
    .sort();
}

/** An auction run's totals from the engine's events (every driver of the auction house counts with this). */
export interface AuctionTally {
  /** Bark kicks (AuctionKicked; a batch's unsold remainder starts a Clipper auction without one) and batches opened. */
  readonly kicked: number;
  readonly opened: number;
  readonly partial: number;
  readonly limitHits: number;
  readonly takes: number;
  /** Takes that ended their auction. */
  readonly takesEnded: number;
  readonly redos: number;
  readonly sealedSettled: number;
  readonly sealedFallbacks: number;
  /** rad */
  readonly tab: bigint;
  readonly raised: bigint;
  readonly uncovered: bigint;
  readonly incentives: bigint;
  /** wad: collateral sold to bidders and returned to owners. */
  readonly sold: bigint;
  readonly returned: bigint;
}

export function tallyAuctionEvents(events: readonly EngineEvent[]): AuctionTally {
  const of = <K extends EngineEvent['kind']>(kind: K) => events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
  const kicked = of('AuctionKicked');
  const opened = of('SealedBidOpened');
  const taken = of('AuctionTaken');
  const settled = of('SealedBidSettled');
  const redone = of('AuctionRedone');
  const sum = <T>(xs: readonly T[], f: (x: T) => bigint): bigint => xs.reduce((t, x) => t + f(x), 0n);
  return {
    kicked: kicked.length,
    opened: opened.length,
    partial: kicked.filter((e) => e.partial).length + opened.filter((e) => e.partial).length,
    limitHits: events.filter((e) => e.kind === 'CommandRejected' && e.reason === 'liquidation_limit_hit').length,
    takes: taken.length,
    takesEnded: taken.filter((e) => e.ended).length,
    redos: redone.length,
    sealedSettled: settled.length,
    sealedFallbacks: settled.filter((e) => e.fallback !== null).length,
    // Fallback kicks come from settlements (not barks): their tab is part of the sealed tab already.
    tab: sum(kicked, (e) => e.tab) + sum(opened, (e) => e.tab),
    raised: sum(taken, (e) => e.owe) + sum(settled, (e) => e.raised),
    // A batch with an unsold remainder passes its debt on to the Dutch auction of the remainder.
    uncovered: sum(taken, (e) => e.uncovered) + sum(settled, (e) => (e.unsold === 0n ? e.uncovered : 0n)),
    incentives: sum(kicked, (e) => e.coin) + sum(opened, (e) => e.coin) + sum(redone, (e) => e.coin),
    sold: sum(taken, (e) => e.slice) + sum(of('SealedBidAllocated'), (e) => e.quantity),
    returned: sum(taken, (e) => e.returned) + sum(settled, (e) => e.returned),
  };
}
