// Maker vaults in the stress simulator (docs/simulate.md "Maker vaults and auctions"): the sim.json's `auctions`
// section set up in the engine's auction house (auction_setup, an ilk linked to one of the sim's markets, so its feed
// is that market's index: liquidation impact on the perp book reaches the vaults), then, every step, what the
// keepers and the sim's liquidators send: maker_poke, barks of unsafe vaults, and either Dutch takes on the Clipper's
// curve or sealed-bid commits, reveals and settlements. The rules are the house's (core/auctions); this file decides
// who sends what, and counts (tallyAuctionEvents, one tally for every driver of the house).
//
// Agents (plain, seeded, documented rules):
// - a barker (`sim-barker`) pokes the spotter every step, barks every unsafe vault (owners in sorted order) and redoes
//   auctions that need it; it earns chip and tip;
// - each liquidator values the collateral at the reference x (1 - its discount) and spends at most its auction DAI;
//   dutch: it takes as soon as the curve's price is at or below its valuation and has been for its latency (first
//   come: the earliest to arrive first, ties by id), as much as its DAI buys;
//   sealed_bid: it commits (a digest) once its latency has passed since the batch opened, if still inside the commit
//   window, a bid of its valuation for what its free DAI buys (at most the lot; none below the floor), reveals it in
//   the reveal window; the batch settles at the uniform clearing price; an unsold remainder goes to a Dutch auction
//   the liquidators take as above.

import { createHash } from 'node:crypto';
import { getStatus } from '../../core/auctions/clipper.js';
import { daiOf } from '../../core/auctions/maker-state.js';
import { RAY, radOf } from '../../core/auctions/ray-math.js';
import type { Command } from '../../core/engine/commands.js';
import type { Engine } from '../../core/engine/engine.js';
import type { EngineEvent } from '../../core/engine/events.js';
import type { MarketSpec } from '../../core/market/spec.js';
import { formatDecimal, ray, wad } from '../../core/units/index.js';
import { decimalAtoms, WireError } from '../../wire/decode.js';
import { decodeIlk } from '../../wire/auctions.js';
import { sealedBidDigest } from '../../wire/sealed-bid.js';
import { tallyAuctionEvents, unsafeVaults } from '../maker-auctions.js';
import { seededRandom } from '../random.js';
import type { AuctionKeeperResult, AuctionSeries, AuctionsSummary, SimAuctionsConfig } from './auctions-schema.js';
import { SimConfigError, type LiquidatorConfig } from './types.js';

/** Who barks, pokes and redoes (never a population or liquidator id: liquidator ids are the file's). */
export const BARKER = 'sim-barker';

const PPM = 1_000_000n;
const RAD_DECIMALS = 45;

export interface AuctionRunContext {
  readonly engine: Engine;
  /** run.ts's apply: counts the command and its refusals like every other. */
  readonly apply: (cmd: Command) => EngineEvent[];
  readonly config: SimAuctionsConfig;
  readonly specs: readonly MarketSpec[];
  readonly refs: readonly Float64Array[];
  readonly liquidators: readonly LiquidatorConfig[];
  /** Settlement decimals (liquidators' capital and gas are in them). */
  readonly qd: number;
  readonly seed: number;
  readonly stepMs: number;
  /** run.ts deriveSeed: the auctions' own random streams. */
  readonly deriveSeed: (seed: number, stream: number) => number;
}

interface Bidder {
  readonly id: string;
  readonly latencyMs: number;
  readonly discountPpm: bigint;
  /** Gas per take or revealed bid, rad. */
  readonly gas: bigint;
  /** Its auction DAI at the start, rad. */
  readonly capital: bigint;
  wins: number;
  bought: bigint;
  paid: bigint;
  value: bigint;
  gasSpent: bigint;
}

interface SealedBid {
  readonly price: bigint;
  readonly quantity: bigint;
  readonly salt: string;
  revealed: boolean;
}

interface Batch {
  readonly auction: string;
  readonly lot: bigint;
  readonly floor: bigint;
  readonly openedMs: number;
  readonly commitEndS: number;
  readonly revealEndS: number;
  readonly bids: Map<string, SealedBid>;
}

export interface AuctionAgents {
  /** One step's keepers and bidders, after the step's prices reached the engine. */
  step(k: number, nowMs: number): void;
  summary(): AuctionsSummary;
  /** The cumulative DAI and collateral figures at each of `ends` (steps, ascending): SimSeries.auctions. */
  series(ends: readonly number[]): AuctionSeries;
}

const pow = (n: number): bigint => 10n ** BigInt(n);

function atomsAt(text: string, decimals: number, path: string): bigint {
  try {
    const v = decimalAtoms(text, decimals, path);
    if (v < 0n) throw new SimConfigError(path, 'must not be negative');
    return v;
  } catch (e) {
    if (e instanceof WireError) throw new SimConfigError(e.path, e.detail);
    throw e;
  }
}

/** Sets the vaults up in the engine (at `nowMs`, after the markets' first prices) and returns the step driver. */
export function startAuctions(ctx: AuctionRunContext, nowMs: number): AuctionAgents {
  const { engine, config: a, qd } = ctx;
  const mi = ctx.specs.findIndex((s) => s.id === a.market);
  if (mi < 0) throw new SimConfigError('auctions.market', `no market ${a.market} in markets`);
  const spec = ctx.specs[mi] as MarketSpec;
  if (spec.priceDecimals > 27) throw new SimConfigError('auctions.market', 'a feed market has at most 27 price decimals');
  const ref = ctx.refs[mi] as Float64Array;
  const toRay = (atoms: bigint): bigint => atoms * pow(27 - spec.priceDecimals);
  const refRay = (k: number): bigint => toRay(BigInt(Math.round(ref[k] as number)));

  // The ilk through the `bailiff auctions` decoder (its checks, its field paths): spot 0 until the first poke.
  let ilk;
  try {
    ilk = decodeIlk(
      { id: a.ilk, rate: '1', spot: '0', dust: a.dust, chop: a.chop, hole: a.hole, clipper: a.clipper, market: a.market, mat: a.mat },
      'auctions',
    );
  } catch (e) {
    if (e instanceof WireError) throw new SimConfigError(e.path, e.detail);
    throw e;
  }
  // Reveals are sent at the first step inside the reveal window: a window no longer than a step could be skipped.
  if (a.mode === 'sealed_bid' && a.sealed.reveal * 1000 <= ctx.stepMs) throw new SimConfigError('auctions.sealed.reveal', `must be longer than a step (${ctx.stepMs} ms)`);
  const Hole = radOf(atomsAt(a.Hole, RAD_DECIMALS, 'auctions.Hole'));
  const floorRatio = atomsAt(a.sealed.floor, 27, 'auctions.sealed.floor');
  const startIndex = engine.market(a.market)?.indexPrice ?? null;
  if (startIndex === null) throw new SimConfigError('auctions.market', `${a.market} has no index price at the start`);
  const startRay = toRay(startIndex);

  // The vaults: ink log-uniform, collateralisation min + (max - min) x U^skew at the start price; debt rounded down.
  const rand = seededRandom(ctx.deriveSeed(ctx.seed, 2_000));
  const inkMin = Number(a.vaults.ink.min);
  const inkMax = Number(a.vaults.ink.max);
  if (!(inkMin > 0) || !(inkMax >= inkMin)) throw new SimConfigError('auctions.vaults.ink', 'needs 0 < min <= max');
  const cr = a.vaults.collateralisation;
  if (cr.max < cr.min) throw new SimConfigError('auctions.vaults.collateralisation', 'needs min <= max');
  const vaults = [];
  for (let i = 0; i < a.vaults.count; i++) {
    const whole = inkMin * Math.exp(rand() * Math.log(inkMax / inkMin || 1));
    const ink = BigInt(Math.round(whole * 1e4)) * pow(14);
    const crPpm = BigInt(Math.round((cr.min + (cr.max - cr.min) * rand() ** cr.skew) * 1e6));
    // art [wad] = ink x price / cr: ink [wad] x price [ray] / RAY gives DAI [wad].
    const art = (ink * startRay * PPM) / (crPpm * RAY);
    vaults.push({ ilk: a.ilk, owner: `vault-${i}`, ink: wad(ink), art: wad(art) });
  }
  const sharePpm = BigInt(Math.round(a.capitalShare * 1e6));
  const bidders: Bidder[] = ctx.liquidators
    .map((l, i) => ({
      id: l.id,
      latencyMs: l.latencyMs,
      discountPpm: BigInt(Math.round(l.discount * 1e6)),
      gas: atomsAt(l.gas, qd, `liquidators[${i}].gas`) * pow(RAD_DECIMALS - qd),
      capital: (atomsAt(l.capital, qd, `liquidators[${i}].capital`) * pow(RAD_DECIMALS - qd) * sharePpm) / PPM,
      wins: 0, bought: 0n, paid: 0n, value: 0n, gasSpent: 0n,
    }))
    .sort((x, y) => x.latencyMs - y.latencyMs || (x.id < y.id ? -1 : 1));

  const events: EngineEvent[] = [];
  /** The number of events after each step (index k: after step k; 0: after the setup), for the series. */
  const eventsAfterStep: number[] = [];
  const send = (cmd: Command): EngineEvent[] => {
    const out = ctx.apply(cmd);
    for (const e of out) events.push(e);
    return out;
  };
  const setupOut = send({
    kind: 'auction_setup', tsMs: nowMs, Hole, ilks: [ilk], vaults,
    dai: bidders.filter((b) => b.capital > 0n).map((b) => ({ account: b.id, amount: radOf(b.capital) })),
  });
  const refused = setupOut.find((e) => e.kind === 'CommandRejected');
  if (refused?.kind === 'CommandRejected') throw new SimConfigError(`auctions.${refused.field}`, refused.message);
  send({ kind: 'maker_poke', tsMs: nowMs, ilk: a.ilk });

  const house = engine.state.auctions!.house; // set up just above
  const maker = house.maker;
  // A bid's salt depends on the run's seed, the batch and the bidder only, not on the order bids were committed in:
  // the house breaks ties at the clearing price by digest, so an order-dependent salt would let arrival time matter.
  const salt = (auction: string, bidder: string): string => createHash('sha256').update(`${ctx.seed}/${auction}/${bidder}`).digest('hex');
  /** Dutch: when each bidder first saw each sale's price at or below its valuation (key `${id}/${bidder}`). */
  const seen = new Map<string, number>();
  const batches: Batch[] = [];
  /** DAI a bidder has promised in bids not yet settled (revealed bids are in escrow already; committed ones are not). */
  const promised = new Map<string, bigint>();
  let refValue = 0n;
  let paidAtRef = 0n;

  const valuation = (b: Bidder, r: bigint): bigint => (r * (PPM - b.discountPpm)) / PPM; // floor: what it would pay at most
  const record = (b: Bidder, quantity: bigint, pay: bigint, r: bigint): void => {
    b.wins++;
    b.bought += quantity;
    b.paid += pay;
    b.value += quantity * r;
    refValue += quantity * r;
    paidAtRef += pay;
  };

  const dutch = (k: number, nowMs: number, nowS: bigint): void => {
    const clip = maker.clippers.get(a.ilk)!;
    const r = refRay(k);
    for (const id of [...clip.sales.keys()]) {
      const st = getStatus(clip, id, nowS);
      if (st.needsRedo) {
        send({ kind: 'maker_redo', tsMs: nowMs, ilk: a.ilk, id, keeper: BARKER });
        for (const b of bidders) seen.delete(`${id}/${b.id}`);
        continue;
      }
      const arrivals: { b: Bidder; at: number }[] = [];
      for (const b of bidders) {
        const key = `${id}/${b.id}`;
        if (st.price > valuation(b, r)) {
          seen.delete(key);
          continue;
        }
        const first = seen.get(key) ?? nowMs;
        seen.set(key, first);
        if (nowMs - first >= b.latencyMs) arrivals.push({ b, at: first + b.latencyMs });
      }
      arrivals.sort((x, y) => x.at - y.at || x.b.latencyMs - y.b.latencyMs || (x.b.id < y.b.id ? -1 : 1));
      for (const { b } of arrivals) {
        const now = getStatus(clip, id, nowS);
        if (now.lot === 0n) break; // sold out
        const free = daiOf(maker, b.id) - (promised.get(b.id) ?? 0n);
        const affordable = free <= 0n || now.price === 0n ? 0n : free / now.price; // wad, floor
        const amt = affordable < now.lot ? affordable : now.lot;
        if (amt <= 0n) continue;
        const out = send({ kind: 'maker_take', tsMs: nowMs, ilk: a.ilk, id, amt: wad(amt), max: ray(valuation(b, r)), buyer: b.id, who: b.id });
        const t = out.find((e) => e.kind === 'AuctionTaken');
        if (t?.kind !== 'AuctionTaken') continue;
        b.gasSpent += b.gas;
        record(b, t.slice, t.owe, r);
        if (t.ended) break;
      }
    }
  };

  const sealed = (k: number, nowMs: number, nowS: bigint, paused: boolean): void => {
    const r = refRay(k);
    for (const batch of batches) {
      const l = house.sealed.get(batch.auction);
      if (l === undefined || l.auction.settled) continue;
      if (nowS >= BigInt(batch.revealEndS)) {
        if (paused) continue; // its remainder's Dutch auction could not start: settle when the clock runs
        const out = send({ kind: 'sealed_settle', tsMs: nowMs, auction: batch.auction, keeper: BARKER });
        if (out.some((e) => e.kind === 'CommandRejected')) continue;
        for (const [bidder, bid] of batch.bids) {
          promised.set(bidder, (promised.get(bidder) ?? 0n) - (bid.revealed ? 0n : bid.price * bid.quantity));
        }
        for (const e of out) {
          if (e.kind !== 'SealedBidAllocated') continue;
          const b = bidders.find((x) => x.id === e.bidder);
          if (b !== undefined) record(b, e.quantity, e.pay, r);
        }
      } else if (nowS >= BigInt(batch.commitEndS)) {
        for (const [bidder, bid] of batch.bids) {
          if (bid.revealed) continue;
          const out = send({
            kind: 'sealed_reveal', tsMs: nowMs, auction: batch.auction, bidder, price: ray(bid.price), quantity: wad(bid.quantity), saltHex: bid.salt,
            digestHex: sealedBidDigest(batch.auction, bidder, bid.price, bid.quantity, bid.salt),
          });
          bid.revealed = true; // revealed or refused: either way no longer a promise
          promised.set(bidder, (promised.get(bidder) ?? 0n) - bid.price * bid.quantity);
          if (!out.some((e) => e.kind === 'CommandRejected')) {
            const b = bidders.find((x) => x.id === bidder);
            if (b !== undefined) b.gasSpent += b.gas;
          }
        }
      }
    }
  };

  const commit = (k: number, nowMs: number, nowS: bigint): void => {
    const r = refRay(k);
    for (const batch of batches) {
      if (nowS >= BigInt(batch.commitEndS)) continue;
      for (const b of bidders) {
        if (batch.bids.has(b.id) || nowMs - batch.openedMs < b.latencyMs) continue;
        const price = valuation(b, r);
        if (price < batch.floor || price === 0n) continue; // it would be void: it does not bid
        const free = daiOf(maker, b.id) - (promised.get(b.id) ?? 0n);
        const affordable = free <= 0n ? 0n : free / price;
        const quantity = affordable < batch.lot ? affordable : batch.lot;
        if (quantity <= 0n) continue;
        const bid = { price, quantity, salt: salt(batch.auction, b.id), revealed: false };
        const out = send({ kind: 'sealed_commit', tsMs: nowMs, auction: batch.auction, bidder: b.id, digestHex: sealedBidDigest(batch.auction, b.id, price, quantity, bid.salt) });
        if (out.some((e) => e.kind === 'CommandRejected')) continue;
        batch.bids.set(b.id, bid);
        promised.set(b.id, (promised.get(b.id) ?? 0n) + price * quantity);
      }
    }
  };

  eventsAfterStep[0] = events.length;
  // DAI in settlement units: what was raised rounded down, what was not covered rounded up (never flattering).
  const down = (rad: bigint): string => formatDecimal(rad / pow(RAD_DECIMALS - qd), qd);
  const up = (rad: bigint): string => formatDecimal((rad + pow(RAD_DECIMALS - qd) - 1n) / pow(RAD_DECIMALS - qd), qd);

  return {
    step(k, nowMs) {
      const nowS = BigInt(Math.floor(nowMs / 1000));
      const poked = send({ kind: 'maker_poke', tsMs: nowMs, ilk: a.ilk });
      const paused = poked.some((e) => e.kind === 'CommandRejected') || maker.clippers.get(a.ilk)!.pausedBy.size > 0;
      if (!paused) dutch(k, nowMs, nowS);
      sealed(k, nowMs, nowS, paused);
      if (!paused) {
        for (const owner of unsafeVaults(maker, a.ilk)) {
          const out =
            a.mode === 'dutch'
              ? send({ kind: 'maker_bark', tsMs: nowMs, ilk: a.ilk, urn: owner, keeper: BARKER })
              : send({ kind: 'sealed_bark', tsMs: nowMs, ilk: a.ilk, urn: owner, keeper: BARKER, floorRatio: ray(floorRatio), commitS: BigInt(a.sealed.commit), revealS: BigInt(a.sealed.reveal), maxBids: a.sealed.maxBids });
          for (const e of out) {
            if (e.kind !== 'SealedBidOpened') continue;
            batches.push({ auction: e.auction, lot: e.lot, floor: e.floor, openedMs: nowMs, commitEndS: e.commitEndS, revealEndS: e.revealEndS, bids: new Map() });
          }
        }
      }
      if (a.mode === 'sealed_bid') commit(k, nowMs, nowS);
      eventsAfterStep[k] = events.length;
    },

    series(ends) {
      // Each bucket's events tallied once and added up: the figures are sums, so the running totals are exact; the
      // same rounding as summary() (raised and tab down, uncovered up), so the last point equals the summary's.
      const out = { tab: [] as string[], raised: [] as string[], uncovered: [] as string[], collateralSold: [] as string[] };
      let tab = 0n;
      let raised = 0n;
      let uncovered = 0n;
      let sold = 0n;
      let from = 0;
      for (const end of ends) {
        const to = eventsAfterStep[end] ?? events.length;
        const t = tallyAuctionEvents(events.slice(from, Math.max(from, to)));
        tab += t.tab;
        raised += t.raised;
        uncovered += t.uncovered;
        sold += t.sold;
        from = Math.max(from, to);
        out.tab.push(down(tab));
        out.raised.push(down(raised));
        out.uncovered.push(up(uncovered));
        out.collateralSold.push(formatDecimal(sold, 18));
      }
      return out;
    },

    summary() {
      const t = tallyAuctionEvents(events);
      const clip = maker.clippers.get(a.ilk)!;
      const coll = (w: bigint): string => formatDecimal(w, 18);
      const keepers = [...ctx.liquidators].map((l): AuctionKeeperResult => {
        const b = bidders.find((x) => x.id === l.id) as Bidder;
        const pnl = b.value - b.paid - b.gasSpent;
        return { id: b.id, wins: b.wins, bought: coll(b.bought), paid: up(b.paid), value: down(b.value), gas: up(b.gasSpent), pnl: pnl < 0n ? `-${up(-pnl)}` : down(pnl) };
      });
      return {
        mode: a.mode,
        ilk: a.ilk,
        market: a.market,
        vaults: a.vaults.count,
        barked: t.kicked + t.opened,
        barkRefusedByLimit: t.limitHits,
        settled: t.takesEnded + t.sealedSettled - t.sealedFallbacks,
        stillRunning: clip.sales.size + [...house.sealed.values()].filter((l) => !l.auction.settled).length,
        takes: t.takes,
        redos: t.redos,
        sealedSettlements: t.sealedSettled,
        sealedFallbacks: t.sealedFallbacks,
        tab: down(t.tab),
        raised: down(t.raised),
        uncovered: up(t.uncovered),
        keeperIncentives: down(t.incentives),
        collateralSold: coll(t.sold),
        collateralReturned: coll(t.returned),
        discountPpm: refValue === 0n ? 0 : Number(((refValue - paidAtRef) * PPM) / refValue),
        keepers,
      };
    },
  };
}

