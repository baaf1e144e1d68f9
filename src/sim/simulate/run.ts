// The stress simulator (issue 19; docs/simulate.md): a seeded run of the PRODUCTION engine (Engine.apply) through a
// price path, with books that have depth and resilience, arbitrageurs, liquidators, panic sellers and traders who
// add margin when called. Every margin, liquidation, insurance-fund, bad-debt and ADL figure is the engine's own (its
// events); this file only decides what the agents send, and counts.
//
// Cost: a step sends a command only for what changed (a mark that moved a tick, a grid level crossed, liquidity
// taken, an agent's turn): a quiet step is one price command and O(markets + levels) simulator work, never
// O(accounts). Accounts are only looked at when the engine names them in an event.

import { Engine } from '../../core/engine/engine.js';
import type { Snapshot } from '../../core/engine/snapshot.js';
import type { Command } from '../../core/engine/commands.js';
import type { EngineEvent } from '../../core/engine/events.js';
import type { AssetSpec, MarketSpec } from '../../core/market/spec.js';
import { notional as notionalOf } from '../../core/market/spec.js';
import type { Rulebook } from '../../core/rulebooks/rulebook.js';
import { formatDecimal, price, quote, size } from '../../core/units/index.js';
import { parseScenario } from '../../scenario/load.js';
import { decimalAtoms, timeMs, WireError } from '../../wire/decode.js';
import { seededRandom } from '../random.js';
import { klinePoints, klineSteps, referencePath } from './paths.js';
import { startAuctions, type AuctionAgents } from './auctions.js';
import { bucketSeries, drawdownPpm, dislocationPpm, RangeExtremes, type RunRecord } from './metrics.js';
import { SimConfigError, type KeeperResult, type SimConfig, type SimOptions, type SimResult, type SimSummary } from './types.js';

/** The simulator's own accounts (never a population id: those are `a<n>`). */
export const HOUSE = 'sim-house';
export const MAKER = 'sim-maker';
export const ARB = 'sim-arb';
export const BACKSTOP = 'sim-backstop';

/** Deposits of the house, maker and arbitrageur: deep enough never to be liquidated (whole quote units). */
const AGENT_DEPOSIT_WHOLE = 10n ** 15n;
/** A mark is re-sent at least this often even when unchanged, so time-based guards see a live feed. */
const PRICE_HEARTBEAT_MS = 60_000;
/** A maker level is re-placed when its resting size is below this share of its target (refill granularity). */
const REFILL_THRESHOLD = 0.9;
/** Progress is reported every this many steps. */
const PROGRESS_EVERY = 1_000;
/** Panic orders are IOC orders limited this far through the traded price (they take what the book has). */
const PANIC_LIMIT = 0.5;

/** Everything decoded once and shared by the run and its counterfactual. */
export interface Prepared {
  readonly config: SimConfig;
  readonly seed: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly startMs: number;
  readonly rulebook: Rulebook;
  readonly setup: readonly Command[];
  readonly engineConfig: Parameters<typeof Engine.create>[0];
  readonly specs: readonly MarketSpec[];
  /** Live accounts to start from (SimOptions.snapshot). */
  readonly snapshot: Snapshot | undefined;
  /** Collateral assets (set_asset of the setup), in file order. */
  readonly assets: readonly AssetSpec[];
  readonly refs: readonly Float64Array[];
  readonly qd: number;
  readonly asset: string;
}

const wireToSim = (e: unknown): never => {
  if (e instanceof WireError) throw new SimConfigError(e.path === '' ? '(root)' : e.path, e.detail);
  throw e;
};

/** Decodes the markets and rulebook through the scenario decoder (the same rules as `bailiff run`) and builds the paths. */
export function prepare(config: SimConfig, options: SimOptions = {}): Prepared {
  const seed = options.seed ?? config.seed;
  const startMs = (() => {
    try {
      return timeMs(config.start, 'start');
    } catch (e) {
      return wireToSim(e);
    }
  })();
  let scenario;
  try {
    scenario = parseScenario({
      settlement: config.settlement,
      rulebook: config.rulebook,
      startAt: startMs,
      markets: config.markets.map(({ start: _s, path: _p, book: _b, arbitrage: _a, ...m }) => m),
      assets: config.assets,
    });
  } catch (e) {
    return wireToSim(e);
  }
  const snapshot = options.snapshot;
  if (snapshot !== undefined && snapshot.config.settlement.decimals !== scenario.config.settlement.decimals) {
    throw new SimConfigError('settlement.decimals', `the snapshot settles in ${snapshot.config.settlement.decimals} decimals`);
  }
  const rulebook = options.rulebook === undefined ? scenario.rulebook : options.rulebook(scenario.rulebook);
  const setup = scenario.commands.map((c) => (c.kind === 'set_rulebook' ? { ...c, rulebook } : c));
  const specs = setup.flatMap((c) => (c.kind === 'set_market' ? [c.market] : []));
  const assets = setup.flatMap((c) => (c.kind === 'set_asset' ? [c.asset] : []));
  const baseDir = options.baseDir ?? process.cwd();
  const klines = config.markets.map((m, i) => (m.path.kind === 'klines' ? klinePoints(m, m.path, `markets[${i}].path`, baseDir) : undefined));
  const steps = config.steps ?? Math.max(...klines.map((k) => (k === undefined ? 1 : klineSteps(k, config.stepMs))));
  const refs = config.markets.map((m, i) => referencePath(m, `markets[${i}]`, steps, config.stepMs, deriveSeed(seed, 1 + i), klines[i]));
  if (snapshot !== undefined) {
    specs.forEach((spec, i) => {
      const live = snapshot.markets.find((x) => x.spec.id === spec.id);
      if (live === undefined) return;
      if (live.spec.baseDecimals !== spec.baseDecimals || live.spec.priceDecimals !== spec.priceDecimals) {
        throw new SimConfigError(`markets[${i}].priceDecimals`, `${spec.id} has other decimals in the snapshot (base ${live.spec.baseDecimals}, price ${live.spec.priceDecimals})`);
      }
      // A synthetic path starts at the live mark.
      const ref = refs[i] as Float64Array;
      const mark = live.markPrice;
      if (config.markets[i]?.path.kind !== 'klines' && mark !== null && (ref[0] as number) > 0) {
        const scale = Number(mark) / (ref[0] as number);
        for (let k = 0; k < ref.length; k++) ref[k] = (ref[k] as number) * scale;
      }
    });
  }
  const liveSpecs = specs.map((spec) => snapshot?.markets.find((x) => x.spec.id === spec.id)?.spec ?? spec);
  const start = snapshot === undefined ? startMs : Math.max(startMs, snapshot.timeMs);
  const liveSetup = snapshot === undefined ? setup : setup.filter((c) =>
    (c.kind !== 'set_market' || !snapshot.markets.some((x) => x.spec.id === c.market.id)) && (c.kind !== 'set_asset' || !snapshot.assets.some((x) => x.id === c.asset.id)));
  return { config, seed, steps, stepMs: config.stepMs, startMs: start, rulebook, setup: liveSetup, engineConfig: snapshot?.config ?? scenario.config, specs: liveSpecs, assets, refs, snapshot, qd: scenario.config.settlement.decimals, asset: scenario.config.settlement.asset };
}

/** A stream's own seed: the run's seed and a stream number mixed (splitmix32), so streams do not share draws. */
export function deriveSeed(seed: number, stream: number): number {
  let z = (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Runs the simulation (and, unless metrics.counterfactual is false, the same path and seed with impact off). */
export function runSimulation(config: SimConfig, options: SimOptions = {}): SimResult {
  const prep = prepare(config, options);
  const runs = config.metrics.counterfactual ? 2 : 1;
  const total = prep.steps * runs;
  const main = runOnce(prep, true, (done) => options.onProgress?.(done, total));
  const cf = runs === 2 ? runOnce(prep, false, (done) => options.onProgress?.(prep.steps + done, total)) : null;
  return assemble(prep, main, cf);
}

// ---- one run ----------------------------------------------------------------------------------------------------

interface LevelOrder {
  readonly id: string;
  readonly side: 'buy' | 'sell';
  readonly price: bigint;
  target: bigint;
}

interface MarketRun {
  readonly i: number;
  readonly spec: MarketSpec;
  readonly id: string;
  readonly tick: bigint;
  readonly tickN: number;
  readonly ref: Float64Array;
  /** The traded price (price atoms, float). */
  c: number;
  lastMark: bigint;
  lastMarkMs: number;
  /** The maker's ladder: grid index -> order. */
  readonly levels: Map<number, LevelOrder>;
  center: number;
  /** Available share of each side's depth (1 = full), refilled by resilience. */
  availBid: number;
  availAsk: number;
  /** The maker's ladder was hit since it last re-quoted (its levels may have holes even with the depth refilled). */
  makerHit: boolean;
  /** The last book fill's price in the current step (null: none). */
  lastFill: bigint | null;
  readonly depthAtoms: bigint;
  readonly logG: number;
  readonly c0: number;
  /** Panic sellers: longs (trigger on a fall) and shorts (on a rise), sorted by threshold, with a cursor each. */
  readonly panicLong: { t: number; a: number }[];
  readonly panicShort: { t: number; a: number }[];
  pl: number;
  ps: number;
  peak: number;
  trough: number;
  backstopQuotedMs: number;
  /** Per step: the mark sent (atoms) and the traded price. */
  readonly marks: Float64Array;
  readonly traded: Float64Array;
}

interface Keeper {
  readonly id: string;
  readonly capital: bigint;
  readonly latencyMs: number;
  readonly maxPositionAtoms: bigint;
  readonly discount: number;
  readonly orderSizeAtoms: bigint;
  readonly priorityFee: number;
  readonly gasAtoms: bigint;
  fills: number;
  notional: bigint;
  bonus: bigint;
  fees: bigint;
  gas: bigint;
  /** Per market: last fill time, and the prices it quotes at (0n: none resting). */
  readonly lastFillMs: number[];
  readonly quotedBid: bigint[];
  readonly quotedAsk: bigint[];
}

interface Episode {
  readonly k: number;
  readonly market: number;
  readonly size: number;
  readonly equity: number;
  readonly maintenance: number;
  readonly mark: number;
  readonly notional: bigint;
}

function runOnce(prep: Prepared, impact: boolean, progress: (done: number) => void): RunRecord {
  const { config, steps, stepMs, startMs, qd, asset } = prep;
  const engine = prep.snapshot === undefined ? Engine.create(prep.engineConfig, prep.rulebook) : Engine.restore(prep.snapshot, { restoreUnsettledCalls: true }); // a what-if copy (EngineOptions.restoreUnsettledCalls)
  const idPrefix = prep.snapshot === undefined ? 'a' : 'sim-a';
  const pow = (n: number): bigint => 10n ** BigInt(n);
  const atomsOf = (text: string, path: string): bigint => {
    try {
      return decimalAtoms(text, qd, path);
    } catch (e) {
      return wireToSim(e);
    }
  };
  const rec = newRecord(prep);
  let now = startMs;
  let k = 0;
  const marketIndex = new Map(prep.specs.map((s, i) => [s.id, i]));
  const keeperIndex = new Map<string, Keeper>();
  const episodes: Episode[] = [];
  const openEpisodes = new Set<string>();
  const calledQueue: { account: string; ledger: string }[] = [];

  // ---- events ----
  const handle = (events: readonly EngineEvent[]): void => {
    for (const e of events) {
      switch (e.kind) {
        case 'CommandRejected':
          rec.rejected++;
          rec.rejectedByReason[e.reason] = (rec.rejectedByReason[e.reason] ?? 0) + 1;
          break;
        case 'LiquidationStarted': {
          rec.liqSteps[k] = (rec.liqSteps[k] as number) + 1;
          const key = `${e.account}/${e.ledger}`;
          if (!openEpisodes.has(key)) {
            openEpisodes.add(key);
            rec.ledgers.add(key);
            const mi = marketIndex.get(e.market) ?? 0;
            const spec = prep.specs[mi] as MarketSpec;
            episodes.push({
              k, market: mi, size: Number(e.size), equity: Number(e.equity), maintenance: Number(e.maintenance), mark: Number(e.mark),
              notional: notionalOf(spec, qd, e.size, e.mark, 'floor'),
            });
          }
          break;
        }
        case 'LiquidationEnded':
          openEpisodes.delete(`${e.account}/${e.ledger}`);
          break;
        case 'LiquidationFill': {
          const mi = marketIndex.get(e.market) ?? 0;
          const spec = prep.specs[mi] as MarketSpec;
          const n = notionalOf(spec, qd, e.size, e.price, 'floor');
          rec.liqNotional[k] = (rec.liqNotional[k] as bigint) + n;
          rec.byRoute[e.route] = (rec.byRoute[e.route] ?? 0n) + n;
          if (e.route === 'book') {
            const r = BigInt(Math.round((prep.refs[mi] as Float64Array)[k] as number));
            const diff = e.price > r ? e.price - r : r - e.price;
            rec.slippage += notionalOf(spec, qd, e.size, diff, 'floor');
            rec.bookNotional += n;
          }
          break;
        }
        case 'PositionChanged': {
          if (e.cause === 'liquidation' || e.cause === 'book' || e.cause === 'unwind') {
            const mi = marketIndex.get(e.market);
            if (mi !== undefined) {
              const m = markets[mi] as MarketRun;
              m.lastFill = e.price;
              if (e.account === MAKER) {
                const spec = prep.specs[mi] as MarketSpec;
                const taken = Number(notionalOf(spec, qd, e.sizeDelta, e.price, 'floor')) / Number(m.depthAtoms * BigInt(config.markets[mi]?.book.levels ?? 1) || 1n);
                if (e.sizeDelta > 0n) m.availBid = Math.max(0, m.availBid - taken);
                else m.availAsk = Math.max(0, m.availAsk - taken);
                m.makerHit = true;
              }
              const kp = keeperIndex.get(e.account);
              if (kp !== undefined && e.cause === 'liquidation') {
                const spec = prep.specs[mi] as MarketSpec;
                const n = notionalOf(spec, qd, e.sizeDelta, e.price, 'floor');
                kp.fills++;
                kp.notional += n;
                kp.fees += BigInt(Math.floor(Number(n) * kp.priorityFee));
                kp.gas += kp.gasAtoms;
                kp.lastFillMs[mi] = now;
              }
            }
          }
          break;
        }
        case 'LiquidatorRewarded': {
          const kp = keeperIndex.get(e.account);
          if (kp !== undefined) kp.bonus += e.amount;
          break;
        }
        case 'InsuranceFundChanged':
          rec.fund = e.balance;
          if (e.balance < rec.fundMin) rec.fundMin = e.balance;
          break;
        case 'BadDebt':
          rec.badDebt += e.amount;
          rec.writtenOff += e.writtenOff;
          rec.socialised += e.socialised;
          rec.badDebtEvents++;
          break;
        case 'Deleveraged': {
          const mi = marketIndex.get(e.market) ?? 0;
          const spec = prep.specs[mi] as MarketSpec;
          const n = notionalOf(spec, qd, e.size, e.price, 'floor');
          rec.adlNotional[k] = (rec.adlNotional[k] as bigint) + n;
          rec.adlCount++;
          const mark = (markets[mi] as MarketRun).lastMark;
          rec.adlConcession += notionalOf(spec, qd, e.size, e.price > mark ? e.price - mark : mark - e.price, 'floor');
          const needKey = `${e.liquidated}@${k}`;
          if (e.ledgerEquity < 0n && !rec.adlNeedSeen.has(needKey)) {
            rec.adlNeedSeen.add(needKey);
            rec.adlNeeded += -e.ledgerEquity;
          }
          break;
        }
        case 'MarginCall':
          rec.marginCalls++;
          calledQueue.push({ account: e.account, ledger: e.ledger });
          break;
        default:
          break;
      }
    }
  };
  const apply = (cmd: Command): EngineEvent[] => {
    const events = engine.apply(cmd);
    rec.applied++;
    handle(events);
    return events;
  };

  // ---- markets, book and agents ----
  const rand = seededRandom(deriveSeed(prep.seed, 1_000));
  const markets: MarketRun[] = prep.specs.map((spec, i) => {
    const mc = config.markets[i] as SimConfig['markets'][number];
    const ref = prep.refs[i] as Float64Array;
    const c0 = ref[0] as number;
    return {
      i, spec, id: spec.id, tick: spec.tickSize, tickN: Number(spec.tickSize), ref, c: c0, lastMark: 0n, lastMarkMs: -Infinity,
      levels: new Map(), center: 0, availBid: 1, availAsk: 1, makerHit: false, lastFill: null,
      depthAtoms: atomsOf(mc.book.depth, `markets[${i}].book.depth`), logG: Math.log(1 + mc.book.spacing), c0,
      panicLong: [], panicShort: [], pl: 0, ps: 0, peak: c0, trough: c0, backstopQuotedMs: -Infinity,
      marks: new Float64Array(steps + 1), traded: new Float64Array(steps + 1),
    };
  });
  const toTick = (m: MarketRun, x: number): bigint => {
    const t = BigInt(Math.max(1, Math.round(x / m.tickN)));
    return t * m.tick;
  };
  const sizeFor = (m: MarketRun, quoteAtoms: bigint, px: bigint): bigint => {
    const raw = (quoteAtoms * pow(m.spec.baseDecimals + m.spec.priceDecimals)) / (px * pow(qd));
    return (raw / m.spec.stepSize) * m.spec.stepSize;
  };

  for (const c of prep.setup) {
    // A live venue's guards may hold a parameter change for confirmation: the simulation confirms it.
    for (const e of apply({ ...c, tsMs: now } as Command)) if (e.kind === 'ParameterChangePending') apply({ kind: 'confirm_change', tsMs: now, change: e.change });
  }
  for (const id of [HOUSE, MAKER, ARB]) apply({ kind: 'deposit', tsMs: now, account: id, asset, amount: AGENT_DEPOSIT_WHOLE * pow(qd) });
  const fundAtoms = atomsOf(config.insuranceFund, 'insuranceFund');
  const takeover = prep.rulebook.liquidation.takeover;
  if (fundAtoms > 0n) {
    if (takeover.kind === 'backstop') apply({ kind: 'deposit', tsMs: now, account: takeover.account, asset, amount: fundAtoms });
    else apply({ kind: 'insurance_deposit', tsMs: now, amount: fundAtoms });
  }
  // The fund's cash after the deposit (a snapshot's live fund included).
  rec.fundStart = engine.state.insuranceFund;
  rec.fund = rec.fundStart;
  rec.fundMin = rec.fundStart;
  const sendMark = (m: MarketRun, force: boolean): void => {
    const mark = toTick(m, m.c);
    if (!force && mark === m.lastMark && now - m.lastMarkMs < PRICE_HEARTBEAT_MS) return;
    m.lastMark = mark;
    m.lastMarkMs = now;
    apply({ kind: 'price', tsMs: now, market: m.id, mark: price(mark), index: price(mark) });
  };
  for (const m of markets) sendMark(m, true);

  // The maker's ladder on a geometric grid around the start price: level j at c0 x (1 + spacing)^j. Only levels that
  // change are touched, so a step whose price stays between two grid points costs nothing here.
  const cancel = (account: string, m: MarketRun, id: string): void => {
    apply({ kind: 'cancel_order', tsMs: now, account, market: m.id, id });
  };
  const place = (account: string, m: MarketRun, id: string, side: 'buy' | 'sell', px: bigint, sz: bigint): void => {
    if (sz <= 0n || px <= 0n) return;
    apply({ kind: 'place_order', tsMs: now, account, market: m.id, id, side, price: price(px), size: size(sz), tif: 'post_only' });
  };
  const gridPrice = (m: MarketRun, j: number): bigint => toTick(m, m.c0 * Math.exp(j * m.logG));
  const quoteMaker = (m: MarketRun, full: boolean): void => {
    const book = (config.markets[m.i] as SimConfig['markets'][number]).book;
    if (book.infinite) {
      // One bottomless order a side at the traded price (the bid) and a tick above it (the ask): fills at the price.
      const px = toTick(m, m.c);
      if (!full && m.levels.get(0)?.price === px) return;
      for (const o of m.levels.values()) cancel(MAKER, m, o.id);
      m.levels.clear();
      const huge = 10n ** BigInt(m.spec.baseDecimals + 9);
      place(MAKER, m, 'inf-bid', 'buy', px, huge);
      place(MAKER, m, 'inf-ask', 'sell', px + m.tick, huge);
      m.levels.set(0, { id: 'inf-bid', side: 'buy', price: px, target: huge });
      m.levels.set(1, { id: 'inf-ask', side: 'sell', price: px + m.tick, target: huge });
      return;
    }
    const j0 = Math.round(Math.log(m.c / m.c0) / m.logG);
    const moved = j0 !== m.center || full;
    if (!moved && m.availBid >= 1 && m.availAsk >= 1 && !m.makerHit) return;
    m.center = j0;
    m.makerHit = false;
    const want = new Map<number, 'buy' | 'sell'>();
    for (let d = 1; d <= book.levels; d++) {
      want.set(j0 - d, 'buy');
      want.set(j0 + d, 'sell');
    }
    const ob = engine.market(m.id)?.book;
    for (const [j, o] of m.levels) {
      const side = want.get(j);
      const resting = ob?.get(`${MAKER}#${o.id}`)?.size ?? 0n;
      const target = sizeFor(m, (m.depthAtoms * BigInt(Math.round((o.side === 'buy' ? m.availBid : m.availAsk) * 1e6))) / 1_000_000n, o.price);
      if (side !== o.side || resting === 0n || (Number(resting) < REFILL_THRESHOLD * Number(target) && target > resting)) {
        if (resting > 0n) cancel(MAKER, m, o.id);
        m.levels.delete(j);
      }
    }
    for (const [j, side] of want) {
      if (m.levels.has(j)) continue;
      const px = gridPrice(m, j);
      const avail = side === 'buy' ? m.availBid : m.availAsk;
      const target = sizeFor(m, (m.depthAtoms * BigInt(Math.round(avail * 1e6))) / 1_000_000n, px);
      if (target <= 0n) continue;
      const id = `${side === 'buy' ? 'b' : 'a'}${j}`;
      place(MAKER, m, id, side, px, target);
      m.levels.set(j, { id, side, price: px, target });
    }
  };
  for (const m of markets) quoteMaker(m, true);

  // Liquidators and the backstop.
  const keepers: Keeper[] = config.liquidators.map((l, i) => ({
    id: l.id, capital: atomsOf(l.capital, `liquidators[${i}].capital`), latencyMs: l.latencyMs,
    maxPositionAtoms: atomsOf(l.maxPosition, `liquidators[${i}].maxPosition`), discount: l.discount,
    orderSizeAtoms: atomsOf(l.orderSize, `liquidators[${i}].orderSize`), priorityFee: l.priorityFee, gasAtoms: atomsOf(l.gas, `liquidators[${i}].gas`),
    fills: 0, notional: 0n, bonus: 0n, fees: 0n, gas: 0n,
    lastFillMs: markets.map(() => -Infinity), quotedBid: markets.map(() => 0n), quotedAsk: markets.map(() => 0n),
  }));
  for (const kp of keepers) {
    keeperIndex.set(kp.id, kp);
    apply({ kind: 'deposit', tsMs: now, account: kp.id, asset, amount: kp.capital });
  }
  // Placement order: first come (the fastest first) or priority-fee bidding (the highest bid first).
  const competition = [...keepers].sort((x, y) => (config.liquidators.some((l) => l.priorityFee > 0) ? y.priorityFee - x.priorityFee : x.latencyMs - y.latencyMs) || (x.id < y.id ? -1 : 1));
  const quoteKeepers = (m: MarketRun): void => {
    const r = m.ref[k] as number;
    for (const kp of competition) {
      if (now - (kp.lastFillMs[m.i] as number) < kp.latencyMs) continue; // still reacting to its last fill
      const pos = engine.account(kp.id)?.positions.get(m.id)?.size ?? 0n;
      // Unwind: inventory is sold to the arbitrageur at the reference (its hedge on the external market).
      if (pos !== 0n) {
        const px = toTick(m, r);
        const mine = { account: kp.id, fee: quote(0n) };
        const arb = { account: ARB, fee: quote(0n) };
        apply({ kind: 'fill', tsMs: now, market: m.id, price: price(px), size: size(pos > 0n ? pos : -pos), buyer: pos > 0n ? arb : mine, seller: pos > 0n ? mine : arb });
      }
      const ob = engine.market(m.id)?.book;
      // Its price is the reference less its discount, but never crossing the venue's book: when the venue trades
      // below that (a spiral), it is the best bid a tick under the best ask, first in line for liquidation orders.
      const bestAsk = ob?.bestAsk()?.price;
      const bestBid = ob?.bestBid()?.price;
      let bid = toTick(m, r * (1 - kp.discount));
      let ask = toTick(m, r * (1 + kp.discount));
      if (bestAsk !== undefined && bid >= bestAsk) bid = bestAsk - m.tick;
      if (bestBid !== undefined && ask <= bestBid) ask = bestBid + m.tick;
      const bidResting = ob?.get(`${kp.id}#lq-bid`)?.size ?? 0n;
      const askResting = ob?.get(`${kp.id}#lq-ask`)?.size ?? 0n;
      const drift = (q: bigint, x: bigint): boolean => q === 0n || Math.abs(Number(q - x)) > (r * kp.discount) / 4;
      const cap = kp.maxPositionAtoms < kp.orderSizeAtoms ? kp.maxPositionAtoms : kp.orderSizeAtoms;
      if (bidResting === 0n || drift(kp.quotedBid[m.i] as bigint, bid)) {
        if (bidResting > 0n) cancel(kp.id, m, 'lq-bid');
        place(kp.id, m, 'lq-bid', 'buy', bid, sizeFor(m, cap, bid));
        kp.quotedBid[m.i] = bid;
      }
      if (askResting === 0n || drift(kp.quotedAsk[m.i] as bigint, ask)) {
        if (askResting > 0n) cancel(kp.id, m, 'lq-ask');
        place(kp.id, m, 'lq-ask', 'sell', ask, sizeFor(m, cap, ask));
        kp.quotedAsk[m.i] = ask;
      }
    }
  };
  const backstop = config.backstop;
  const backstopDepth = backstop === undefined ? 0n : atomsOf(backstop.depth, 'backstop.depth');
  if (backstop !== undefined) apply({ kind: 'deposit', tsMs: now, account: BACKSTOP, asset, amount: AGENT_DEPOSIT_WHOLE * pow(qd) });
  const quoteBackstop = (m: MarketRun): void => {
    if (backstop === undefined || now - m.backstopQuotedMs < backstop.refreshMs) return;
    m.backstopQuotedMs = now;
    const r = m.ref[k] as number;
    const ob = engine.market(m.id)?.book;
    if ((ob?.get(`${BACKSTOP}#bs-bid`)?.size ?? 0n) > 0n) cancel(BACKSTOP, m, 'bs-bid');
    if ((ob?.get(`${BACKSTOP}#bs-ask`)?.size ?? 0n) > 0n) cancel(BACKSTOP, m, 'bs-ask');
    const bid = toTick(m, r * (1 - backstop.discount));
    const ask = toTick(m, r * (1 + backstop.discount));
    place(BACKSTOP, m, 'bs-bid', 'buy', bid, sizeFor(m, backstopDepth, bid));
    place(BACKSTOP, m, 'bs-ask', 'sell', ask, sizeFor(m, backstopDepth, ask));
  };

  // ---- the population ----
  const pop = config.population;
  const collMin = Number(pop.collateral.min);
  const collMax = Number(pop.collateral.max);
  const collateralOf: bigint[] = [];
  const addsMargin = new Uint8Array(pop.accounts);
  const toppedUp = new Uint8Array(pop.accounts);
  const startPx = markets.map((m) => toTick(m, m.c0));
  const centsScale = qd >= 2 ? pow(qd - 2) : 1n;
  const mixes = pop.collateralMix.map((x) => {
    const spec = prep.assets.find((a) => a.id === x.asset) as AssetSpec;
    const m = markets.find((mm) => mm.id === spec.priceMarket) as MarketRun;
    return { asset: x.asset, share: x.share, decimals: spec.decimals, priceDecimals: m.spec.priceDecimals, px: startPx[m.i] as bigint };
  });
  for (let a = 0; a < pop.accounts; a++) {
    const id = `${idPrefix}${a}`;
    const whole = collMin * Math.exp(rand() * Math.log(collMax / collMin || 1));
    const coll = qd >= 2 ? BigInt(Math.round(whole * 100)) * centsScale : BigInt(Math.round(whole * 10 ** qd));
    collateralOf.push(coll);
    const leverage = pop.leverage.min + (pop.leverage.max - pop.leverage.min) * rand() ** pop.leverage.skew;
    const long = rand() < pop.longShare;
    const isolated = rand() < pop.isolatedShare;
    const count = markets.length > 1 && rand() < pop.secondMarketShare ? 2 : 1;
    const first = Math.floor(rand() * markets.length);
    addsMargin[a] = rand() < pop.addMarginShare ? 1 : 0;
    const panics = rand() < pop.panicShare;
    const panicAt = pop.panicDrawdown * (0.5 + rand());
    if (coll <= 0n) continue;
    // The collateral mix: each asset's share of the value in that asset at its market's start price.
    let inSettlement = coll;
    for (const mix of mixes) {
      const value = BigInt(Math.floor(Number(coll) * mix.share));
      const units = (value * pow(mix.decimals + mix.priceDecimals)) / (mix.px * pow(qd)); // floor: never more than the share
      if (units <= 0n) continue;
      inSettlement -= value;
      apply({ kind: 'deposit', tsMs: now, account: id, asset: mix.asset, amount: units });
    }
    if (inSettlement > 0n) apply({ kind: 'deposit', tsMs: now, account: id, asset, amount: inSettlement });
    if (!(leverage > 0)) continue;
    for (let n = 0; n < count; n++) {
      const m = markets[(first + n) % markets.length] as MarketRun;
      const px = startPx[m.i] as bigint;
      const notionalAtoms = BigInt(Math.floor(Number(coll) * leverage / count));
      const sz = sizeFor(m, notionalAtoms, px);
      if (sz <= 0n) continue;
      const trader = isolated
        ? { account: id, fee: quote(0n), marginMode: 'isolated' as const, isolatedMargin: quote(coll / BigInt(count)) }
        : { account: id, fee: quote(0n) };
      const house = { account: HOUSE, fee: quote(0n) };
      const ev = apply({ kind: 'fill', tsMs: now, market: m.id, price: price(px), size: size(sz), buyer: long ? trader : house, seller: long ? house : trader });
      if (ev[0]?.kind === 'CommandRejected') continue;
      rec.positions++;
      rec.openNotional += notionalOf(m.spec, qd, sz, px, 'floor');
      if (panics && n === 0) (long ? m.panicLong : m.panicShort).push({ t: panicAt, a });
    }
  }
  for (const m of markets) {
    m.panicLong.sort((x, y) => x.t - y.t || x.a - y.a);
    m.panicShort.sort((x, y) => x.t - y.t || x.a - y.a);
    quoteKeepers(m);
    quoteBackstop(m);
    m.marks[0] = Number(m.lastMark);
    m.traded[0] = m.c;
  }
  rec.accounts = pop.accounts + (prep.snapshot?.accounts.length ?? 0);
  // Maker vaults (the optional `auctions` section), in the run with impact only: the counterfactual's figures are perp ones.
  const auctions: AuctionAgents | null =
    impact && config.auctions !== undefined
      ? startAuctions({ engine, apply, config: config.auctions, specs: prep.specs, refs: prep.refs, liquidators: config.liquidators, qd, seed: prep.seed, stepMs, deriveSeed }, now)
      : null;
  recordBucket(rec, markets, 0, startMs);

  // ---- the steps ----
  const resilienceDecay = markets.map((m) => (1 - (config.markets[m.i] as SimConfig['markets'][number]).book.resilience) ** (stepMs / 1000));
  for (k = 1; k <= steps; k++) {
    now = startMs + k * stepMs;
    // Traders called last step add margin now.
    if (calledQueue.length > 0) {
      const called = calledQueue.splice(0);
      for (const c of called) {
        const a = Number(c.account.slice(idPrefix.length));
        if (!c.account.startsWith(idPrefix) || !Number.isInteger(a) || addsMargin[a] !== 1 || toppedUp[a] === 1) continue;
        toppedUp[a] = 1;
        rec.topUps++;
        const amount = BigInt(Math.floor(Number(collateralOf[a] as bigint) * pop.topUp));
        if (amount <= 0n) continue;
        apply({ kind: 'deposit', tsMs: now, account: c.account, asset, amount });
        if (c.ledger !== 'cross') apply({ kind: 'adjust_isolated_margin', tsMs: now, account: c.account, market: c.ledger, amount: quote(amount) });
      }
    }
    for (const m of markets) {
      const r = m.ref[k] as number;
      const mc = config.markets[m.i] as SimConfig['markets'][number];
      // Arbitrageurs close `rate` of the gap to the reference; with impact off the price is the reference.
      m.c = impact && !mc.book.infinite ? m.c + mc.arbitrage.rate * (r - m.c) : r;
      // Liquidity refills: the missing share decays by (1 - resilience) per second.
      const decay = resilienceDecay[m.i] as number;
      if (m.availBid < 1) m.availBid = m.availBid > 0.999 ? 1 : 1 - (1 - m.availBid) * decay;
      if (m.availAsk < 1) m.availAsk = m.availAsk > 0.999 ? 1 : 1 - (1 - m.availAsk) * decay;
      if (!impact) {
        m.availBid = 1;
        m.availAsk = 1;
      }
      m.lastFill = null;
      quoteMaker(m, false);
      if (keepers.length > 0) quoteKeepers(m);
      quoteBackstop(m);
      m.lastFill = null;
      sendMark(m, false);
      // Panic sellers: the traded price's fall (rise) from its start beyond their threshold.
      if (m.c < m.trough) m.trough = m.c;
      if (m.c > m.peak) m.peak = m.c;
      panic(m, true);
      panic(m, false);
      // Impact: the deepest book fill of this step is the new traded price.
      if (impact && !mc.book.infinite && m.lastFill !== null) m.c = Number(m.lastFill);
      m.marks[k] = Number(m.lastMark);
      m.traded[k] = m.c;
    }
    auctions?.step(k, now);
    recordBucket(rec, markets, k, now);
    if (k % PROGRESS_EVERY === 0 || k === steps) progress(k);
  }

  function panic(m: MarketRun, longs: boolean): void {
    const list = longs ? m.panicLong : m.panicShort;
    const move = longs ? 1 - m.trough / m.c0 : m.peak / m.c0 - 1;
    let cur = longs ? m.pl : m.ps;
    while (cur < list.length && (list[cur] as { t: number }).t <= move) {
      const a = (list[cur] as { a: number }).a;
      cur++;
      const id = `${idPrefix}${a}`;
      const pos = engine.account(id)?.positions.get(m.id)?.size ?? 0n;
      if (longs ? pos <= 0n : pos >= 0n) continue;
      rec.panicSells++;
      const limit = toTick(m, m.c * (longs ? 1 - PANIC_LIMIT : 1 + PANIC_LIMIT));
      apply({ kind: 'place_order', tsMs: now, account: id, market: m.id, id: 'panic', side: longs ? 'sell' : 'buy', price: price(limit), size: size(longs ? pos : -pos), tif: 'ioc' });
    }
    if (longs) m.pl = cur;
    else m.ps = cur;
  }

  // ---- the end ----
  let dustLedgers = 0;
  let dustNotional = 0n;
  for (const ref of engine.breachedLedgers()) {
    const ev = engine.evaluate(ref.account);
    if (ev === undefined || !ev.priced) continue;
    dustLedgers++;
    for (const f of ev.positions) {
      const isolated = ev.isolated.some((x) => x.market === f.market);
      if (ref.market === null ? !isolated : f.market === ref.market) dustNotional += f.notional;
    }
  }
  rec.dustLedgers = dustLedgers;
  rec.dustNotional = dustNotional;
  rec.keepers = keepers.map((kp): KeeperResult => {
    const ev = engine.evaluate(kp.id);
    const equity = ev !== undefined && ev.priced ? ev.cross.equity : kp.capital;
    const pnl = equity - kp.capital - kp.fees - kp.gas;
    const d = (x: bigint): string => formatDecimal(x, qd);
    return { id: kp.id, fills: kp.fills, notional: d(kp.notional), bonus: d(kp.bonus), fees: d(kp.fees), gas: d(kp.gas), pnl: d(pnl) };
  });
  rec.markSteps = markets.map((m) => m.marks);
  rec.tradedSteps = markets.map((m) => m.traded);
  rec.unnecessary = unnecessary(prep, episodes);
  if (auctions !== null) {
    rec.auctions = auctions.summary();
    rec.auctionSeries = (ends) => auctions.series(ends);
  }
  return rec;
}

/**
 * Liquidations that were not needed: on the reference path (no impact), had the ledger been left alone, it would have
 * been healthy again at the end of the recovery window (the run's end if sooner) without its equity ever going below
 * zero in between (the venue never at risk). A screen in floats from the LiquidationStarted figures, this market alone
 * moving: equity(p) = equity + size x (p - mark) x f, maintenance(p) = maintenance x p / mark (docs/simulate.md).
 */
function unnecessary(prep: Prepared, episodes: readonly Episode[]): { count: number; notional: bigint } {
  const window = Math.max(1, Math.round((prep.config.metrics.recoveryMinutes * 60_000) / prep.stepMs));
  const extremes = prep.refs.map((r) => new RangeExtremes(r));
  let count = 0;
  let notional = 0n;
  for (const e of episodes) {
    const spec = prep.specs[e.market] as MarketSpec;
    const f = 10 ** (prep.qd - spec.baseDecimals - spec.priceDecimals);
    const sf = e.size * f;
    if (sf === 0) continue;
    const lo = e.k + 1;
    const hi = Math.min(prep.steps, e.k + window);
    if (lo > hi) continue;
    const ref = prep.refs[e.market] as Float64Array;
    const end = ref[hi] as number;
    const healthyAtEnd = e.equity + sf * (end - e.mark) > (e.maintenance * end) / e.mark;
    // Bankruptcy: equity(p) = 0 at p = mark - equity / (size x f); a long must stay above it, a short below.
    const bankruptcy = e.mark - e.equity / sf;
    const ext = extremes[e.market] as RangeExtremes;
    const solvent = sf > 0 ? ext.min(lo, hi) >= bankruptcy : ext.max(lo, hi) <= bankruptcy;
    if (healthyAtEnd && solvent) {
      count++;
      notional += e.notional;
    }
  }
  return { count, notional };
}

function newRecord(prep: Prepared): RunRecord {
  return {
    steps: prep.steps, accounts: 0, positions: 0, openNotional: 0n,
    liqSteps: new Uint32Array(prep.steps + 1), liqNotional: new Array<bigint>(prep.steps + 1).fill(0n), adlNotional: new Array<bigint>(prep.steps + 1).fill(0n),
    byRoute: {}, ledgers: new Set(), slippage: 0n, bookNotional: 0n, fund: 0n, fundStart: 0n, fundMin: 0n,
    badDebt: 0n, writtenOff: 0n, socialised: 0n, badDebtEvents: 0, adlCount: 0, adlConcession: 0n, adlNeeded: 0n, adlNeedSeen: new Set(),
    marginCalls: 0, topUps: 0, panicSells: 0, applied: 0, rejected: 0, rejectedByReason: {},
    fundSteps: [], badDebtSteps: [], bucketMarks: [], dustLedgers: 0, dustNotional: 0n, keepers: [], markSteps: [], tradedSteps: [],
    unnecessary: { count: 0, notional: 0n },
  };
}

/** Fund and bad debt are sampled at every step (cheap: two bigints); the series buckets them. */
function recordBucket(rec: RunRecord, _markets: readonly MarketRun[], _k: number, _now: number): void {
  rec.fundSteps.push(rec.fund);
  rec.badDebtSteps.push(rec.badDebt);
}

function assemble(prep: Prepared, main: RunRecord, cf: RunRecord | null): SimResult {
  const { qd, config } = prep;
  const d = (x: bigint): string => formatDecimal(x, qd);
  const sum = (xs: readonly bigint[]): bigint => xs.reduce((t, x) => t + x, 0n);
  const liqSteps = main.liqSteps.reduce((t, x) => t + x, 0);
  const drawdown: SimSummary['drawdown'] = Object.fromEntries(
    prep.specs.map((s, i) => {
      const ref = prep.refs[i] as Float64Array;
      const markPpm = drawdownPpm(main.markSteps[i] as Float64Array);
      return [s.id, {
        referencePpm: drawdownPpm(ref),
        markPpm,
        causedByLiquidationsPpm: cf === null ? null : markPpm - drawdownPpm(cf.markSteps[i] as Float64Array),
        maxDislocationPpm: dislocationPpm(ref, main.markSteps[i] as Float64Array),
      }];
    }),
  );
  const summary: SimSummary = {
    name: config.name,
    seed: prep.seed,
    rulebook: prep.rulebook.name,
    steps: prep.steps,
    stepMs: prep.stepMs,
    startMs: prep.startMs,
    accounts: main.accounts,
    positions: main.positions,
    openNotional: d(main.openNotional),
    liquidations: {
      steps: liqSteps,
      ledgers: main.ledgers.size,
      notional: d(sum(main.liqNotional)),
      byRoute: Object.fromEntries(Object.entries(main.byRoute).sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, v]) => [r, d(v)])),
    },
    slippage: { quote: d(main.slippage), ppmOfNotional: main.bookNotional === 0n ? 0 : Number((main.slippage * 1_000_000n) / main.bookNotional) },
    drawdown,
    insuranceFund: { start: d(main.fundStart), end: d(main.fund), min: d(main.fundMin) },
    badDebt: { total: d(main.badDebt), writtenOff: d(main.writtenOff), socialised: d(main.socialised), events: main.badDebtEvents },
    adl: { notional: d(sum(main.adlNotional)), count: main.adlCount, overshoot: d(main.adlConcession > main.adlNeeded ? main.adlConcession - main.adlNeeded : 0n) },
    unnecessary: { count: main.unnecessary.count, notional: d(main.unnecessary.notional), recoveryMinutes: config.metrics.recoveryMinutes },
    marginCalls: main.marginCalls,
    topUps: main.topUps,
    panicSells: main.panicSells,
    keepers: main.keepers,
    dust: { ledgers: main.dustLedgers, notional: d(main.dustNotional) },
    withoutImpact: cf === null ? null : { liquidationSteps: cf.liqSteps.reduce((t, x) => t + x, 0), liquidatedNotional: d(sum(cf.liqNotional)), badDebt: d(cf.badDebt) },
    commands: { applied: main.applied, rejected: main.rejected, rejectedByReason: Object.fromEntries(Object.entries(main.rejectedByReason).sort(([a], [b]) => (a < b ? -1 : 1))) },
    // Only with an `auctions` section: a file without one keeps its summary's bytes.
    ...(main.auctions === undefined ? {} : { auctions: main.auctions }),
  };
  return { summary, series: bucketSeries(prep, main, cf) };
}

