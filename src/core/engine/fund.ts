// The insurance fund and the backstop vault as takers of last resort (stage 3 of the loss waterfall), and the fund
// working off what it took over (the unwind).
//
// The insurance fund is the venue account INSURANCE_FUND: its settlement balance is the fund's cash, its positions
// what it took over. A taker takes a part of a liquidated position at the part's bankruptcy price, so the liquidated
// ledger's remaining margin goes with it (Binance, Bybit, BitMEX: the fund; Hyperliquid: the liquidator vault). It
// takes only what it can carry: its equity at the mark stays >= 0 after the takeover, its loss within the block's
// insurance budget, and its net position in the market within its cap (Binance: net notional <= 100% of the fund;
// Hyperliquid: the vault's exposure per market <= a share of its equity). What it cannot take goes on to stage 4.
// Sources: Binance "Introduction to Futures Insurance Funds"; Hyperliquid docs "Liquidations"; BitMEX
// "Liquidation"; docs/enforcement.md has the table per preset.

import type { Account } from '../account/account.js';
import { evaluateMaintenance, ledgerEquity } from '../margin/evaluate.js';
import { notional, type MarketState } from '../market/index.js';
import type { TakeoverRule } from '../rulebooks/liquidation.js';
import { abs, divRound, PPM_ONE, price, quote, size, type Price } from '../units/index.js';
import { touch, type Block } from './block.js';
import type { InsuranceFundReason, WaterfallStage } from './events.js';
import { bookOrderId, settleBookFills } from './orders.js';
import { enforceable } from './prices.js';
import { addTo, INSURANCE_FUND, type EngineState } from './state.js';
import { executeTrade } from './trading.js';

/** The fund's equity at the marks (cash + unrealised P&L of what it holds); its cash when it holds nothing. */
export function fundEquity(s: EngineState): bigint {
  const fund = s.fund;
  if (fund.positions.size === 0) return s.insuranceFund;
  // The cross equity alone when the fund holds only settlement cash (no requirements to compute).
  const quick = ledgerEquity(s, fund, null);
  if (quick !== null) return quick;
  const ev = evaluateMaintenance(s, fund);
  // A market it holds without a price: count nothing beyond the cash it could lose (conservative: no capacity).
  return ev.priced ? ev.cross.equity : 0n;
}

/** What the fund may still lose in this block: its cash and its equity (`equity`: fundEquity), within the per-block budget. */
export function fundCapacity(b: Block, equity: bigint = fundEquity(b.s)): bigint {
  const cap = b.s.rulebook.liquidation.maxInsuranceLossPerBlock;
  let c = b.s.insuranceFund;
  if (equity < c) c = equity;
  if (cap !== null && cap - b.insuranceLost < c) c = cap - b.insuranceLost;
  return c > 0n ? c : 0n;
}

/** Moves the fund's cash by `delta` (a loss counts against the block's budget) and says why. */
export function changeFund(b: Block, delta: bigint, reason: InsuranceFundReason, stage: WaterfallStage, account: string, market: string | null): void {
  if (delta === 0n) return;
  addTo(b.s.fund.balances, b.s.settlementAsset, delta);
  if (delta < 0n) b.insuranceLost += -delta;
  touch(b, INSURANCE_FUND);
  b.emit({ kind: 'InsuranceFundChanged', delta, balance: b.s.insuranceFund, reason, stage, account, market });
}

// ---- stage 3: takeover ----------------------------------------------------------------------------------------

/** Who takes over under the rule: the fund, the vault (when it exists), or nobody. */
export function takerFor(s: EngineState, rule: TakeoverRule, liquidated: string): Account | 'no_taker' | null {
  if (rule.kind === 'none') return null;
  const id = rule.kind === 'insurance_fund' ? INSURANCE_FUND : rule.account;
  if (id === liquidated) return null;
  return s.accounts.get(id) ?? 'no_taker';
}

export interface TakeoverLimit {
  /** Size atoms the taker can take (a multiple of the step, <= wanted). */
  readonly size: bigint;
  /** Why less than wanted (null: all of it). */
  readonly limitedBy: 'notional_cap' | 'exposure_cap' | 'equity' | null;
}

/**
 * The most of `wanted` (a position of sign `long`, taken at `px`) the taker can carry: the largest step multiple q
 * with (a) the taker's equity at the mark after the takeover >= 0, (b) for the fund, its loss within the block's
 * budget, and (c) |its position after| x mark <= share x its equity after. Every check is exact; the search is a
 * bisection over step multiples (the checks are monotone in q while the taker's position grows in the taken
 * side's direction; where they are not, the bisection's path decides which boundary it finds).
 *
 * Each probe is first screened in floats (takeoverScreen): a probe far from every check's boundary is decided by the
 * float figures with a margin that covers their error, the rest by the exact check. Every probe's outcome is the
 * exact check's, so the bisection takes the same path and returns the same size and reason as the exact-only search
 * (fund.test.ts compares the two on random funds).
 */
export function takeoverLimit(b: Block, m: MarketState, taker: Account, long: boolean, wanted: bigint, px: Price): TakeoverLimit {
  const s = b.s;
  const rule = s.rulebook.liquidation.takeover;
  const mark = m.markPrice;
  if (mark === null || rule.kind === 'none') return { size: 0n, limitedBy: 'equity' };
  const isFund = taker.id === INSURANCE_FUND;
  const equity = isFund ? fundEquity(s) : vaultEquity(s, taker);
  const t: TakeoverTerms = {
    spec: m.spec,
    quoteDecimals: s.quoteDecimals,
    long,
    px,
    mark,
    equity,
    budget: isFund ? fundCapacity(b, equity) : equity,
    sharePpm: rule.kind === 'insurance_fund' ? rule.maxNotionalShareOfFundPpm : rule.maxExposureShareOfEquityPpm,
    held: taker.positions.get(m.spec.id)?.size ?? 0n,
    capReason: isFund ? 'notional_cap' : 'exposure_cap',
  };
  return searchTakeover(t, wanted, takeoverScreen(t));
}

/** What a takeover's checks depend on (takeoverLimit): the market, the side, the prices and the taker's figures. */
export interface TakeoverTerms {
  readonly spec: Pick<MarketState['spec'], 'baseDecimals' | 'priceDecimals' | 'stepSize'>;
  readonly quoteDecimals: number;
  readonly long: boolean;
  /** The price the part is taken at (its bankruptcy price). */
  readonly px: bigint;
  readonly mark: bigint;
  /** The taker's equity at the mark before the takeover. */
  readonly equity: bigint;
  /** What the taker may lose (the fund: fundCapacity; a vault: its equity). */
  readonly budget: bigint;
  /** The cap on |position after| x mark as a share of the equity after (ppm); null: no cap. */
  readonly sharePpm: bigint | null;
  /** The taker's signed position in the market before the takeover. */
  readonly held: bigint;
  readonly capReason: 'notional_cap' | 'exposure_cap';
}

type Verdict = 'notional_cap' | 'exposure_cap' | 'equity' | null;

/** The exact checks for taking q atoms: null when they all hold, else the first that fails. */
export function takeoverFits(t: TakeoverTerms, q: bigint): Verdict {
  // The takeover's gain (or loss, < 0) at the mark: the taker pays the trade's cash and holds the part at the mark.
  const cash = notional(t.spec, t.quoteDecimals, q, t.px, 'half_even');
  const gain = t.long ? notional(t.spec, t.quoteDecimals, q, t.mark, 'floor') - cash : cash - notional(t.spec, t.quoteDecimals, q, t.mark, 'ceil');
  const after = t.equity + gain;
  if (after < 0n || -gain > t.budget) return 'equity';
  if (t.sharePpm === null) return null;
  const exposure = notional(t.spec, t.quoteDecimals, abs(t.held + (t.long ? q : -q)), t.mark, 'ceil');
  if (exposure > divRound(after * t.sharePpm, PPM_ONE, 'floor')) return t.capReason;
  return null;
}

/** A float screen of takeoverFits: its verdict, or undefined when the floats are too close to a boundary to tell. */
export type TakeoverScreen = (q: bigint) => Verdict | undefined;

/**
 * The bisection: the largest step multiple of `wanted` that fits, and why not all of it. `screen` decides the probes
 * it can (each decision must be takeoverFits's); the rest are checked exactly. Without a screen: the exact search.
 */
export function searchTakeover(t: TakeoverTerms, wanted: bigint, screen: TakeoverScreen | null): TakeoverLimit {
  const fits = (q: bigint): Verdict => {
    const v = screen === null ? undefined : screen(q);
    return v === undefined ? takeoverFits(t, q) : v;
  };
  const step = t.spec.stepSize;
  const all = fits(wanted);
  if (all === null) return { size: wanted, limitedBy: null };
  // Not even one step (an empty fund, a full cap): no search.
  if (wanted <= step || fits(step) !== null) return { size: 0n, limitedBy: all };
  let lo = 1n;
  let hi = wanted / step;
  // Invariant: lo steps fit and hi steps do not (each probe's verdict is pure, so lo needs no re-check).
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (fits(mid * step) === null) lo = mid;
    else hi = mid;
  }
  return { size: lo * step, limitedBy: all };
}

/**
 * The float screen of takeoverFits for one takeover. notional(q, p) is q x p / 10^shift rounded to an atom, so the
 * exact gain is within 1.5 atoms of q x (mark - px) / 10^shift (long; px - mark short), the exposure within 1 atom of
 * |held +- q| x mark / 10^shift, the cap's floor within 1 atom of (equity + gain) x share. The float figures carry a
 * relative error of a few 2^-53 (each conversion and operation rounds once); the margin below allows 1e-9 of every
 * magnitude involved plus 4 atoms (and the share times those), far above both. A check is decided by the floats only
 * when its float slack exceeds that margin in either direction; otherwise the probe goes to the exact check.
 */
export function takeoverScreen(t: TakeoverTerms): TakeoverScreen {
  const shift = t.spec.baseDecimals + t.spec.priceDecimals - t.quoteDecimals;
  const scale = 10 ** shift;
  const gainPerAtom = Number(t.long ? t.mark - t.px : t.px - t.mark) / scale;
  const markPerAtom = Number(t.mark) / scale;
  // Fails (a) or (b) exactly when gain < -room: after < 0 is gain < -equity, the loss beyond the budget gain < -budget.
  const room = Number(t.equity < t.budget ? t.equity : t.budget);
  const equity = Number(t.equity);
  const share = t.sharePpm === null ? 0 : Number(t.sharePpm) / 1e6;
  const held = Number(t.held);
  const relative = 1e-9;
  return (q: bigint): Verdict | undefined => {
    const qf = Number(q);
    const gain = qf * gainPerAtom;
    const slack = gain + room;
    const tolerance = 4 + (Math.abs(gain) + Math.abs(room)) * relative;
    if (slack < -tolerance) return 'equity';
    if (!(slack > tolerance)) return undefined;
    if (t.sharePpm === null) return null;
    // The cap: exposure (an integer) > floor(x) exactly when exposure > x, x = (equity + gain) x share.
    const exposure = Math.abs(t.long ? held + qf : held - qf) * markPerAtom;
    const capSlack = (equity + gain) * share - exposure;
    const capTolerance = 4 + 4 * share + ((Math.abs(held) + qf) * markPerAtom + (Math.abs(equity) + Math.abs(gain)) * share) * relative;
    if (capSlack < -capTolerance) return t.capReason;
    return capSlack > capTolerance ? null : undefined;
  };
}

/** A vault's equity (its cross ledger at the marks); 0 when it cannot be valued. */
function vaultEquity(s: EngineState, vault: Account): bigint {
  const ev = evaluateMaintenance(s, vault);
  return ev.priced ? ev.cross.equity : 0n;
}

/** The liquidated side hands `take` of its position to `to` at `px`, as a trade. Returns whether it settled. */
export function transferPosition(b: Block, m: MarketState, from: string, to: string, long: boolean, take: bigint, px: Price, cause: 'takeover' | 'deleverage'): boolean {
  const a = { account: from, fee: quote(0n) };
  const c = { account: to, fee: quote(0n) };
  const refused = executeTrade(b.s, { market: m, price: px, size: take, buyer: long ? c : a, seller: long ? a : c, check: false, cause }, b.emit);
  if (refused !== undefined) return false;
  touch(b, to);
  touch(b, from);
  return true;
}

// ---- the unwind ---------------------------------------------------------------------------------------------

/**
 * The fund works off what it took over: per market it holds, on an enforceable market, an IOC order for the rule's
 * portion of the position (whole steps, at least one), no worse than the mark moved by the slippage against the
 * fund (a sell's limit rounds up to the tick, a buy's down). The fund pays no taker fee to itself; makers pay theirs.
 */
export function unwindFund(b: Block): void {
  const s = b.s;
  const rule = s.rulebook.liquidation.takeover;
  const fund = s.fund;
  if (fund.positions.size === 0 || rule.kind !== 'insurance_fund') return;
  for (const position of [...fund.positions.values()]) {
    const m = s.markets.get(position.market);
    if (m === undefined || m.markPrice === null || !enforceable(m)) continue;
    const spec = m.spec;
    const long = position.size > 0n;
    const held = abs(position.size);
    let qty = (divRound(held * rule.unwind.portionPpm, PPM_ONE, 'floor') / spec.stepSize) * spec.stepSize;
    if (qty === 0n) qty = held;
    const move = divRound(m.markPrice * rule.unwind.slippagePpm, PPM_ONE, 'floor');
    let limit = long ? m.markPrice - move : m.markPrice + move;
    limit = divRound(limit, spec.tickSize, long ? 'ceil' : 'floor') * spec.tickSize;
    if (limit < spec.tickSize) limit = spec.tickSize;
    const result = m.book.place({ id: bookOrderId(INSURANCE_FUND, `unwind-${b.block}-${b.orderSeq++}`), owner: INSURANCE_FUND, side: long ? 'sell' : 'buy', price: price(limit), size: size(qty), tif: 'ioc' });
    if (!result.ok || result.fills.length === 0) continue;
    const cashBefore = s.insuranceFund;
    settleBookFills(s, m, result.fills, 'unwind', b.emit);
    let filled = 0n;
    let weighted = 0n;
    for (const f of result.fills) {
      filled += f.size;
      weighted += f.price * f.size;
      touch(b, f.makerOwner);
    }
    touch(b, INSURANCE_FUND);
    const realised = s.insuranceFund - cashBefore;
    const after = s.fund.positions.get(spec.id)?.size ?? 0n;
    b.emit({ kind: 'FundUnwound', market: spec.id, sizeDelta: long ? -filled : filled, price: divRound(weighted, filled, 'half_even'), position: after, realisedPnl: realised, stage: 'unwind' });
    if (realised !== 0n) {
      if (realised < 0n) b.insuranceLost += -realised;
      b.emit({ kind: 'InsuranceFundChanged', delta: realised, balance: s.insuranceFund, reason: 'unwind_pnl', stage: 'unwind', account: INSURANCE_FUND, market: spec.id });
    }
  }
}
