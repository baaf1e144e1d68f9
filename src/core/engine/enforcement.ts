// Enforcement: after every command, every ledger in breach on a priced, unbroken market is closed down as the
// rulebook says, within its limits, and every unit of a loss is accounted for.
//
// One step per ledger per command (a block), worst ledgers first:
//   1. choose the position (isolated: its own; cross: the largest maintenance requirement on an enforceable market)
//   2. size the close (full | dYdX block limits | Hyperliquid slices and backstop | Drift shortfall and ramp),
//      within the market's notional window
//   3. cancel the account's resting orders; compute the bankruptcy price of the part closed (dYdX's formula) and
//      the order's limit (bankruptcy or dYdX's fillable price), widened by what the insurance fund may lose
//   4. an IOC order on the built-in book; the surplus over bankruptcy pays the insurance fee and the liquidator;
//      a fill worse than bankruptcy leaves a loss for step 6
//   5. what the book did not take: the backstop account at the bankruptcy price, else ADL / offsetting against
//      opposite positions at the bankruptcy price, else (socialise) it waits for the next block
//   6. a ledger left with negative equity and nothing to close: the insurance fund, then the opposite side's
//      open interest (socialised), then a write-off the venue carries (BadDebt)
// Sources: DESIGN.md "Margin and thresholds"; dYdX v4 liquidations.go / deleveraging.go; Hyperliquid docs; Drift v2
// liquidation.rs; BitMEX ADL; docs/sources/liquidation-goldens.md.

import type { Account, Position } from '../account/account.js';
import { bankruptcyQuoteForDelta } from '../liquidation/bankruptcy.js';
import { fillablePrice, fillableLimitPrice } from '../liquidation/fillable.js';
import { splitSurplus } from '../liquidation/insurance.js';
import { bitmexAdlScore, rankForAdl, socialiseLoss, socialisedCharges, type AdlCandidate } from '../liquidation/adl.js';
import { recordLiquidationFill, type BlockUsage } from '../liquidation/blocklimits.js';
import { sizeLiquidation, type SizingState } from '../liquidation/sizing.js';
import { evaluateAccount, positionFigures, type AccountEvaluation, type PositionFigures } from '../margin/evaluate.js';
import { isBreached } from '../margin/thresholds.js';
import { notional, positionValue, requirement, type MarketState } from '../market/index.js';
import { requirementContext } from '../margin/evaluate.js';
import type { BreachIndex, LedgerBreach, LedgerRef } from '../triggers/breach-index.js';
import { abs, divRound, pow10, PPM_ONE, price, quote, Rational, size, type Price } from '../units/index.js';
import type { Emit } from './emit.js';
import { bookOrderId, emitCancelled, settleBookFills } from './orders.js';
import { enforceable } from './prices.js';
import { addTo, type EngineState } from './state.js';
import { executeTrade } from './trading.js';
import type { Deficit } from './enforcement-state.js';

/** What happens within one command (a block): its own budgets, the accounts it touched. */
export interface Block {
  readonly s: EngineState;
  readonly emit: Emit;
  readonly block: bigint;
  readonly nowMs: number;
  readonly touched: Set<string>;
  /** Accounts touched since the breach index last caught up (drained after every liquidation step). */
  readonly recent: string[];
  insuranceLost: bigint;
  steps: number;
  readonly dydxUsage: Map<string, BlockUsage>;
  orderSeq: number;
  /** ADL rankings computed in this block, per market and side deleveraged (ranking is O(holders): once a block). */
  readonly adlOrder: Map<string, readonly AdlCandidate[]>;
}

/** Marks an account as changed by this block (the indexes re-arm it). */
function touch(b: Block, id: string): void {
  b.touched.add(id);
  b.recent.push(id);
}

export const ledgerKey = (l: LedgerRef): string => `${l.account}|${l.market ?? '*'}`;

const sideOf = (sizeAtoms: bigint): 'long' | 'short' => (sizeAtoms > 0n ? 'long' : 'short');

/** What the insurance fund may still lose in this block. */
function insuranceCapacity(b: Block): bigint {
  const cap = b.s.rulebook.liquidation.maxInsuranceLossPerBlock;
  const fund = b.s.ledger.insuranceFund;
  const room = cap === null ? fund : cap - b.insuranceLost;
  const c = room < fund ? room : fund;
  return c > 0n ? c : 0n;
}

function insuranceChanged(b: Block, delta: bigint, reason: string, account: string, market: string | null): void {
  if (delta === 0n) return;
  b.s.ledger.insuranceFund += delta;
  if (delta < 0n) b.insuranceLost += -delta;
  b.emit({ kind: 'InsuranceFundChanged', delta, balance: b.s.ledger.insuranceFund, reason, account, market: market ?? '' });
}

/** Credits (or debits) a ledger's margin: the isolated position's margin while it is open, else the settlement balance. */
function creditLedger(s: EngineState, account: Account, market: string | null, amount: bigint): void {
  if (amount === 0n) return;
  const p = market === null ? undefined : account.positions.get(market);
  if (p !== undefined && p.isolatedMargin !== null) p.isolatedMargin = quote(p.isolatedMargin + amount);
  else addTo(account.balances, s.settlementAsset, amount);
}

// ---- deficits ---------------------------------------------------------------------------------------------------

/** Absorbs a deficit: the insurance fund first, then the opposite side's open interest, then a write-off. */
export function absorbDeficit(b: Block, d: Deficit): void {
  const s = b.s;
  const account = s.accounts.get(d.account);
  if (account === undefined || d.amount <= 0n) return;
  touch(b, d.account);
  const credit = (amount: bigint): void => {
    if (d.inBalance) addTo(account.balances, s.settlementAsset, amount);
  };
  const fromFund = d.amount < insuranceCapacity(b) ? d.amount : insuranceCapacity(b);
  if (fromFund > 0n) {
    insuranceChanged(b, -fromFund, 'bad_debt', d.account, d.market);
    credit(fromFund);
  }
  let rest = d.amount - fromFund;
  let socialised = 0n;
  if (rest > 0n && d.market !== null && d.side !== null) {
    socialised = socialise(b, d.market, d.side, rest, d.account);
    credit(socialised);
    rest -= socialised;
  }
  if (rest > 0n) {
    // Nobody left to bear it: the venue writes it off, visibly.
    s.ledger.badDebtWrittenOff += rest;
    credit(rest);
  }
  b.emit({ kind: 'BadDebt', account: d.account, market: d.market ?? '', amount: d.amount, insurance: fromFund, socialised, writtenOff: rest });
}

/**
 * Charges `loss` to the positions opposite a bankrupt `side` in `market`, pro rata to size, each rounded up
 * (adl.ts socialiseLoss / socialisedCharges); the rounding excess goes to the insurance fund. Returns what it
 * covered (the loss, or 0 when nobody holds the other side).
 */
function socialise(b: Block, market: string, side: 'long' | 'short', loss: bigint, bankrupt: string): bigint {
  const s = b.s;
  const m = s.markets.get(market);
  if (m === undefined) return 0n;
  const bearers: [Account, Position][] = [];
  for (const id of [...(s.holders.get(market) ?? [])].sort()) {
    if (id === bankrupt) continue;
    const a = s.accounts.get(id);
    const p = a?.positions.get(market);
    if (a === undefined || p === undefined) continue;
    if ((p.size > 0n) !== (side === 'short')) continue; // the opposite side bears it
    bearers.push([a, p]);
  }
  const oi = bearers.reduce((t, [, p]) => t + abs(p.size), 0n);
  const plan = socialiseLoss({ loss: quote(loss), bankruptSide: side, bearers: 'opposite', longOpenInterest: side === 'short' ? oi : 0n, shortOpenInterest: side === 'long' ? oi : 0n, baseDecimals: m.spec.baseDecimals });
  if (!plan.ok) return 0n;
  const charges = socialisedCharges(bearers.map(([, p]) => p.size), plan.value.chargePerUnitE9, m.spec.baseDecimals, quote(loss));
  if (!charges.ok) return 0n;
  charges.value.payments.forEach((pay, i) => {
    const [a] = bearers[i] as [Account, Position];
    creditLedger(s, a, market, -pay);
    touch(b, a.id);
  });
  if (charges.value.dust > 0n) insuranceChanged(b, charges.value.dust, 'socialisation_dust', bankrupt, market);
  b.emit({ kind: 'Socialised', market, side: side === 'long' ? 'short' : 'long', amount: loss, charged: charges.value.total, bearers: bearers.length });
  return loss;
}

/** Drains the deficits trades left behind in this block (isolated positions closed below zero). */
export function absorbPendingDeficits(b: Block): void {
  while (b.s.pendingDeficits.length > 0) {
    const d = b.s.pendingDeficits.shift() as Deficit;
    absorbDeficit(b, d);
  }
}

// ---- one liquidation step ------------------------------------------------------------------------------------

interface LedgerFigures {
  readonly equity: bigint;
  readonly maintenance: bigint;
  readonly notional: bigint;
}

function ledgerFigures(ev: AccountEvaluation & { priced: true }, market: string | null): LedgerFigures | null {
  if (market === null) return { equity: ev.cross.equity, maintenance: ev.cross.maintenance, notional: ev.cross.notional };
  const iso = ev.isolated.find((f) => f.market === market);
  return iso === undefined ? null : { equity: iso.equity, maintenance: iso.maintenance, notional: iso.notional };
}

/** The position a step closes: the isolated one, or the cross position with the largest requirement that can be enforced. */
function choosePosition(s: EngineState, account: Account, ev: AccountEvaluation & { priced: true }, ledger: LedgerRef): { position: Position; figures: PositionFigures } | 'breaker' | 'none' {
  if (ledger.market !== null) {
    const p = account.positions.get(ledger.market);
    const m = s.markets.get(ledger.market);
    const f = ev.positions.find((x) => x.market === ledger.market);
    if (p === undefined || m === undefined || f === undefined) return 'none';
    return enforceable(m) ? { position: p, figures: f } : 'breaker';
  }
  let best: { position: Position; figures: PositionFigures } | null = null;
  let blocked = false;
  for (const f of ev.positions) {
    const p = account.positions.get(f.market);
    if (p === undefined || p.isolatedMargin !== null) continue;
    const m = s.markets.get(f.market) as MarketState;
    if (!enforceable(m)) {
      blocked = true;
      continue;
    }
    if (best === null || f.maintenance > best.figures.maintenance || (f.maintenance === best.figures.maintenance && f.market < best.position.market)) best = { position: p, figures: f };
  }
  return best ?? (blocked ? 'breaker' : 'none');
}

function defer(b: Block, ledger: LedgerRef, reason: string): void {
  const ep = b.s.enforcement.episodes.get(ledgerKey(ledger));
  if (ep !== undefined && ep.deferred === reason) return;
  if (ep !== undefined) ep.deferred = reason;
  b.emit({ kind: 'LiquidationDeferred', account: ledger.account, ledger: ledger.market ?? 'cross', reason });
}

/** Bankruptcy price (price atoms, tick-aligned in the venue's favour) of closing `close` of the position. */
function bankruptcyFor(s: EngineState, m: MarketState, position: Position, figures: PositionFigures, equity: bigint, maintenance: bigint, close: bigint): { price: Price; quoteAmount: bigint } | null {
  const delta = position.size > 0n ? -close : close;
  const after = position.size + delta;
  const absAfter = abs(after);
  const ctx = requirementContext(s, m, figures.mark);
  const ncAfter = positionValue(m.spec, s.quoteDecimals, after, figures.mark, 'floor');
  const nAfter = notional(m.spec, s.quoteDecimals, after, figures.mark, 'ceil');
  const basisAfter = s.marginValuation === 'entry' ? quote(divRound(abs(position.entryQuote) * absAfter, abs(position.size), 'ceil')) : nAfter;
  const mmrAfter = after === 0n ? 0n : requirement(m.spec.margin, 'maintenance', basisAfter, absAfter, ctx);
  const bp = bankruptcyQuoteForDelta({
    tnc: equity,
    tmmr: maintenance > 0n ? maintenance : 1n,
    positionSize: position.size,
    delta,
    ncBefore: figures.value,
    ncAfter,
    mmrBefore: figures.maintenance,
    mmrAfter: mmrAfter < figures.maintenance ? mmrAfter : figures.maintenance,
  });
  if (!bp.ok) return null;
  // A long sells `close` and must receive bp (round the price up); a short buys and may pay -bp (round down).
  const long = position.size > 0n;
  const shift = m.spec.baseDecimals + m.spec.priceDecimals - s.quoteDecimals;
  const amount = long ? bp.value : -bp.value;
  const num = shift >= 0 ? amount * pow10(shift) : amount;
  const den = shift >= 0 ? close : close * pow10(-shift);
  let px = divRound(num, den, long ? 'ceil' : 'floor');
  px = divRound(px, m.spec.tickSize, long ? 'ceil' : 'floor') * m.spec.tickSize;
  if (px < m.spec.tickSize) px = m.spec.tickSize;
  return { price: price(px), quoteAmount: bp.value };
}

/** The liquidation order's limit: the rule's price, widened toward the market by the insurance fund's capacity. */
function limitFor(b: Block, m: MarketState, position: Position, figures: PositionFigures, ev: LedgerFigures, bp: Price, close: bigint): Price {
  const s = b.s;
  const rule = s.rulebook.liquidation.limitPrice;
  const long = position.size > 0n;
  let limit: bigint = bp;
  if (rule.kind === 'fillable') {
    const fp = fillablePrice({ tnc: ev.equity, tmmr: ev.maintenance > 0n ? ev.maintenance : 1n, positionSize: position.size, pnnv: figures.value, pmmr: figures.maintenance, params: rule.params });
    if (fp.ok) {
      const lp = fillableLimitPrice(fp.value, position.size, { ...m.spec, quoteDecimals: s.quoteDecimals }, m.spec.tickSize);
      if (lp.ok) limit = long ? (lp.value < limit ? lp.value : limit) : lp.value > limit ? lp.value : limit;
    }
  }
  // Socialising venues (Drift) let the liquidator take the position near the oracle: the limit is the mark less
  // the liquidation fees (a long) or plus them (a short); a loss beyond bankruptcy is then socialised.
  if (s.rulebook.liquidation.badDebt === 'socialise') {
    const f = s.rulebook.liquidation.fees;
    const cut = divRound(figures.mark * (f.insuranceFeePpm + f.liquidatorRewardPpm), PPM_ONE, 'ceil');
    const near = long ? figures.mark - cut : figures.mark + cut;
    if (long ? near < limit : near > limit) limit = near;
  }
  // A ledger already below zero has its bankruptcy price beyond the mark, where no one trades: the fund may absorb a
  // fill beyond bankruptcy, up to its capacity (per size atom: capacity / close), but never further from the mark
  // than the position's maintenance requirement per unit (the order stays a close at market, not a dump).
  const capacity = insuranceCapacity(b);
  if (ev.equity < 0n && capacity > 0n) {
    const shift = m.spec.baseDecimals + m.spec.priceDecimals - s.quoteDecimals;
    const perUnit = (amount: bigint, units: bigint, mode: 'floor' | 'ceil'): bigint =>
      divRound(shift >= 0 ? amount * pow10(shift) : amount, shift >= 0 ? units : units * pow10(-shift), mode);
    const slack = perUnit(capacity, close, 'floor');
    const reach = perUnit(figures.maintenance, abs(position.size), 'ceil');
    const widened = long ? bp - slack : bp + slack;
    const bound = long ? figures.mark - reach : figures.mark + reach;
    const target = long ? (widened > bound ? widened : bound) : widened < bound ? widened : bound;
    if (long ? target < limit : target > limit) limit = target;
  }
  // On the tick grid, in the venue's favour (a sell's limit up, a buy's down), and at least one tick.
  limit = divRound(limit, m.spec.tickSize, long ? 'ceil' : 'floor') * m.spec.tickSize;
  return price(limit < m.spec.tickSize ? m.spec.tickSize : limit);
}

/** Notional still allowed in the market's window (null: no cap). */
function windowRoom(b: Block, market: string): bigint | null {
  const lim = b.s.rulebook.liquidation.limits;
  if (lim.maxNotionalPerMarketPerWindow === null) return null;
  const entries = b.s.enforcement.windows.get(market) ?? [];
  while (entries.length > 0 && (entries[0] as [number, bigint])[0] <= b.nowMs - lim.windowMs) entries.shift();
  const used = entries.reduce((t, [, n]) => t + n, 0n);
  const room = lim.maxNotionalPerMarketPerWindow - used;
  return room > 0n ? room : 0n;
}

function recordWindow(b: Block, market: string, notionalQuote: bigint): void {
  if (b.s.rulebook.liquidation.limits.maxNotionalPerMarketPerWindow === null || notionalQuote === 0n) return;
  const entries = b.s.enforcement.windows.get(market) ?? [];
  entries.push([b.nowMs, notionalQuote]);
  if (entries.length > WINDOW_ENTRIES_MAX) entries.splice(0, entries.length - WINDOW_ENTRIES_MAX);
  b.s.enforcement.windows.set(market, entries);
}

/** Entries kept per market window (older ones are merged away by the cap on entries). */
const WINDOW_ENTRIES_MAX = 4_096;

/**
 * Liquidates one ledger by one step. Returns false when nothing could be done now (deferred).
 */
export function liquidationStep(b: Block, ledger: LedgerRef): boolean {
  const s = b.s;
  const rules = s.rulebook.liquidation;
  const account = s.accounts.get(ledger.account);
  if (account === undefined) return false;
  const ev = evaluateAccount(s, account);
  if (!ev.priced) return false;
  const lf = ledgerFigures(ev, ledger.market);
  if (lf === null || !isBreached(lf.equity, lf.maintenance, s.rulebook.breachRule)) return false;
  const key = ledgerKey(ledger);
  let episode = s.enforcement.episodes.get(key);
  if (episode === undefined) {
    episode = { startedMs: b.nowMs, marginFreed: 0n, steps: 0, lastStepBlock: Number(b.block), deferred: null };
    s.enforcement.episodes.set(key, episode);
  }
  if (s.enforcement.paused) {
    defer(b, ledger, 'paused');
    return false;
  }
  const choice = choosePosition(s, account, ev, ledger);
  if (choice === 'breaker') {
    defer(b, ledger, 'breaker');
    return false;
  }
  if (choice === 'none') {
    // Negative equity and nothing left to close: the loss is absorbed now.
    if (lf.equity < 0n && [...account.positions.values()].every((p) => p.isolatedMargin !== null || ledger.market !== null)) {
      absorbDeficit(b, { account: account.id, market: null, side: null, amount: -lf.equity, inBalance: true });
      return true;
    }
    defer(b, ledger, 'no_position');
    return false;
  }
  const { position, figures } = choice;
  const m = s.markets.get(position.market) as MarketState;
  const spec = m.spec;
  // Attempts per market per window.
  const maxAttempts = rules.limits.maxStepsPerMarketPerWindow;
  const attempts = s.enforcement.attempts.get(spec.id) ?? [];
  if (maxAttempts !== null) {
    while (attempts.length > 0 && (attempts[0] as number) <= b.nowMs - rules.limits.windowMs) attempts.shift();
    if (attempts.length >= maxAttempts) {
      defer(b, ledger, 'attempt_limit');
      return false;
    }
  }
  const units = { ...spec, quoteDecimals: s.quoteDecimals };
  const hl = s.enforcement.hyperliquid.get(account.id) ?? { lastPartialMs: null, bookUnfilled: false };
  const sizingState: SizingState = {
    dydx: b.dydxUsage.get(account.id) ?? null,
    hyperliquid: hl,
    drift: { startedMs: episode.startedMs, marginFreed: quote(episode.marginFreed) },
  };
  const decision = sizeLiquidation(
    {
      market: spec.id,
      size: position.size,
      mark: figures.mark,
      notional: figures.notional,
      equity: quote(lf.equity),
      maintenance: quote(lf.maintenance),
      positionMaintenance: figures.maintenance < lf.maintenance ? figures.maintenance : quote(lf.maintenance),
      ledgerNotional: lf.notional > figures.notional ? quote(lf.notional) : figures.notional,
      mode: position.isolatedMargin === null ? 'cross' : 'isolated',
      stepSize: spec.stepSize,
      units,
      nowMs: b.nowMs,
      block: b.block,
    },
    rules.sizing,
    sizingState,
  );
  if (!decision.ok) {
    defer(b, ledger, decision.reason);
    return false;
  }
  let close: bigint = decision.value.close;
  if (close === 0n) {
    defer(b, ledger, decision.value.why);
    return false;
  }
  // The market's notional window (Synthetix-style cap).
  const room = windowRoom(b, spec.id);
  if (room !== null) {
    const wanted = notional(spec, s.quoteDecimals, close, figures.mark, 'ceil');
    if (wanted > room) {
      const fits = divRound(room * pow10(Math.max(0, spec.baseDecimals + spec.priceDecimals - s.quoteDecimals)), figures.mark * pow10(Math.max(0, s.quoteDecimals - spec.baseDecimals - spec.priceDecimals)), 'floor');
      close = (fits / spec.stepSize) * spec.stepSize;
      if (close <= 0n) {
        defer(b, ledger, 'window_limit');
        return false;
      }
    }
  }
  const bp = bankruptcyFor(s, m, position, figures, lf.equity, lf.maintenance, close);
  if (bp === null) {
    defer(b, ledger, 'no_bankruptcy_price');
    return false;
  }
  const long = position.size > 0n;
  const limit = limitFor(b, m, position, figures, lf, bp.price, close);
  if (maxAttempts !== null) {
    attempts.push(b.nowMs);
    s.enforcement.attempts.set(spec.id, attempts);
  }
  episode.steps++;
  episode.lastStepBlock = Number(b.block);
  episode.deferred = null;
  b.steps++;
  b.emit({
    kind: 'LiquidationStarted',
    account: account.id,
    ledger: ledger.market ?? 'cross',
    market: spec.id,
    size: position.size,
    closeSize: close,
    mark: figures.mark,
    index: m.indexPrice ?? figures.mark,
    equity: lf.equity,
    maintenance: lf.maintenance,
    bankruptcyPrice: bp.price,
    limitPrice: limit,
    policy: rules.sizing.kind,
    why: decision.value.why,
    step: episode.steps,
  });

  // Cancel the account's resting orders (the whole account for a cross ledger, the market for an isolated one).
  for (const mm of ledger.market === null ? s.markets.values() : [m]) {
    const cancelled = mm.book.cancelAllOf(account.id);
    emitCancelled(mm, cancelled, 'liquidation', b.emit);
  }

  let remaining = close;
  const backstop = rules.backstopAccount !== null && rules.backstopAccount !== account.id ? s.accounts.get(rules.backstopAccount) : undefined;
  const toBackstopNow = decision.value.route === 'backstop' && backstop !== undefined;
  if (!toBackstopNow) {
    // The IOC liquidation order on the book.
    const result = m.book.place({ id: bookOrderId(account.id, `liq-${b.block}-${b.orderSeq++}`), owner: account.id, side: long ? 'sell' : 'buy', price: limit, size: size(close), tif: 'ioc' });
    if (result.ok && result.fills.length > 0) {
      settleBookFills(s, m, result.fills, 'liquidation', b.emit);
      for (const f of result.fills) touch(b, f.makerOwner);
      const filled = result.fills.reduce((t, f) => t + f.size, 0n);
      // The cash the fills brought the account (a long sells: +; a short buys: -), as each trade computed it.
      const cash = result.fills.reduce((t, f) => t + notional(spec, s.quoteDecimals, f.size, f.price, 'half_even'), 0n);
      const fillQuote = long ? cash : -cash;
      remaining -= filled;
      const bpFilled = divRound(bp.quoteAmount * filled, close, 'ceil');
      const n = notional(spec, s.quoteDecimals, filled, figures.mark, 'floor');
      // For a short, fillQuote is what it paid (negative cash); splitSurplus compares like with like.
      settleSurplus(b, account.id, ledger.market, spec.id, fillQuote, bpFilled, n, backstop?.id ?? null);
      const avg = divRound(result.fills.reduce((t, f) => t + f.price * f.size, 0n), filled, 'half_even');
      b.emit({ kind: 'LiquidationFill', account: account.id, market: spec.id, route: 'book', counterparty: '', size: filled, price: avg });
    }
  }
  if (rules.sizing.kind === 'hyperliquid') {
    s.enforcement.hyperliquid.set(account.id, {
      lastPartialMs: decision.value.why === 'hl_partial_slice' ? b.nowMs : hl.lastPartialMs,
      bookUnfilled: remaining > 0n,
    });
  }

  if (remaining > 0n) {
    const fresh = refreshPosition(s, account.id, ledger.market, spec.id);
    if (fresh !== null) {
      const take = remaining < abs(fresh.position.size) ? remaining : abs(fresh.position.size);
      const bpRest = bankruptcyFor(s, m, fresh.position, fresh.figures, fresh.equity, fresh.maintenance, take);
      if (backstop !== undefined && bpRest !== null) {
        transfer(b, m, account.id, backstop.id, long, take, bpRest.price, 'backstop');
        remaining -= take;
      } else if (rules.badDebt !== 'socialise' && bpRest !== null) {
        remaining -= deleverage(b, m, account.id, long, take, bpRest.price);
      }
    }
  }

  // Record what the step used, and what it freed (Drift's ramp counts freed margin).
  const closedNow = close - remaining;
  const closedNotional = notional(spec, s.quoteDecimals, closedNow, figures.mark, 'ceil');
  recordWindow(b, spec.id, closedNotional);
  b.dydxUsage.set(account.id, recordLiquidationFill(b.dydxUsage.get(account.id) ?? null, b.block, closedNotional, 0n));
  touch(b, account.id);
  absorbPendingDeficits(b);
  const after = s.accounts.get(account.id) as Account;
  const evAfter = evaluateAccount(s, after);
  if (evAfter.priced) {
    const lfAfter = ledgerFigures(evAfter, ledger.market);
    episode.marginFreed += lf.maintenance - (lfAfter?.maintenance ?? 0n) > 0n ? lf.maintenance - (lfAfter?.maintenance ?? 0n) : 0n;
    // A cross ledger with nothing left to close and negative equity: absorb the loss now.
    if (ledger.market === null && lfAfter !== null && lfAfter.equity < 0n && ![...after.positions.values()].some((p) => p.isolatedMargin === null)) {
      absorbDeficit(b, { account: account.id, market: spec.id, side: sideOf(position.size), amount: -lfAfter.equity, inBalance: true });
    }
    const final = evaluateAccount(s, s.accounts.get(account.id) as Account);
    const lfFinal = final.priced ? ledgerFigures(final, ledger.market) : null;
    if (lfFinal === null || !isBreached(lfFinal.equity, lfFinal.maintenance, s.rulebook.breachRule)) {
      s.enforcement.episodes.delete(key);
      // Hyperliquid's per-account state outlives the episode only while its cooldown runs.
      const hs = s.enforcement.hyperliquid.get(account.id);
      if (hs !== undefined && rules.sizing.kind === 'hyperliquid' && (hs.lastPartialMs === null || b.nowMs - hs.lastPartialMs >= rules.sizing.params.cooldownMs)) {
        s.enforcement.hyperliquid.delete(account.id);
      }
      b.emit({ kind: 'LiquidationEnded', account: account.id, ledger: ledger.market ?? 'cross', equity: lfFinal?.equity ?? 0n, maintenance: lfFinal?.maintenance ?? 0n, steps: episode.steps });
    }
  }
  return true;
}

/** Splits the filled part's surplus over bankruptcy: the insurance fee and the liquidator's reward. */
function settleSurplus(b: Block, accountId: string, ledgerMarket: string | null, market: string, fillQuote: bigint, bpQuote: bigint, notionalFilled: bigint, backstop: string | null): void {
  const s = b.s;
  const rules = s.rulebook.liquidation;
  const split = splitSurplus(fillQuote, bpQuote, notionalFilled, rules.fees);
  if (!split.ok) return;
  const account = s.accounts.get(accountId) as Account;
  const { insuranceFund, liquidatorReward } = split.value;
  if (insuranceFund > 0n || liquidatorReward > 0n) {
    creditLedger(s, account, ledgerMarket, -(insuranceFund + liquidatorReward));
    insuranceChanged(b, insuranceFund, 'liquidation_fee', accountId, market);
    const receiver = rules.liquidatorAccount !== null ? s.accounts.get(rules.liquidatorAccount) : backstop !== null ? s.accounts.get(backstop) : undefined;
    if (receiver !== undefined && liquidatorReward > 0n) {
      addTo(receiver.balances, s.settlementAsset, liquidatorReward);
      touch(b, receiver.id);
      b.emit({ kind: 'LiquidatorRewarded', account: receiver.id, liquidated: accountId, market, amount: liquidatorReward });
    } else if (liquidatorReward > 0n) {
      insuranceChanged(b, liquidatorReward, 'liquidator_reward', accountId, market);
    }
  }
  // A fill worse than bankruptcy leaves the ledger below zero; that loss is absorbed once the ledger has nothing left
  // to close (absorbDeficit: the fund first, within the capacity the order's limit was widened by).
}

function refreshPosition(s: EngineState, accountId: string, ledgerMarket: string | null, market: string): { position: Position; figures: PositionFigures; equity: bigint; maintenance: bigint } | null {
  const a = s.accounts.get(accountId);
  const p = a?.positions.get(market);
  const m = s.markets.get(market);
  if (a === undefined || p === undefined || m === undefined || m.markPrice === null) return null;
  const ev = evaluateAccount(s, a);
  if (!ev.priced) return null;
  const lf = ledgerFigures(ev, ledgerMarket);
  if (lf === null) return null;
  return { position: p, figures: positionFigures(s, m, p, m.markPrice), equity: lf.equity, maintenance: lf.maintenance };
}

/** The liquidated side hands `take` of its position to `to` at `px`. */
function transfer(b: Block, m: MarketState, from: string, to: string, long: boolean, take: bigint, px: Price, cause: 'backstop' | 'deleverage'): void {
  const a = { account: from, fee: quote(0n) };
  const c = { account: to, fee: quote(0n) };
  const refused = executeTrade(b.s, { market: m, price: px, size: take, buyer: long ? c : a, seller: long ? a : c, check: false, cause }, b.emit);
  if (refused !== undefined) return;
  touch(b, to);
  b.emit({ kind: 'LiquidationFill', account: from, market: m.spec.id, route: cause, counterparty: to, size: take, price: px });
}

/**
 * Closes up to `take` of the liquidated position against opposite positions at the bankruptcy price: ranked by
 * BitMEX's score ('adl'), or in account order from a start that rotates with the block ('offset', dYdX).
 * Returns the size closed.
 */
function deleverage(b: Block, m: MarketState, bankrupt: string, long: boolean, take: bigint, px: Price): bigint {
  const s = b.s;
  const key = `${m.spec.id}|${long ? 'long' : 'short'}`;
  let order = b.adlOrder.get(key);
  if (order === undefined) {
    order = adlOrder(b, m, long);
    b.adlOrder.set(key, order);
  }
  let left = take;
  for (const c of order) {
    if (left === 0n) break;
    if (c.account === bankrupt) continue;
    // Positions change as the block goes on: take what the candidate holds now, on the opposite side.
    const p = s.accounts.get(c.account)?.positions.get(m.spec.id);
    if (p === undefined || p.size > 0n === long) continue;
    const part = abs(p.size) < left ? abs(p.size) : left;
    transfer(b, m, bankrupt, c.account, long, part, px, 'deleverage');
    b.emit({ kind: 'Deleveraged', account: c.account, liquidated: bankrupt, market: m.spec.id, size: part, price: px });
    left -= part;
  }
  return take - left;
}

/** Opposite positions in the order they are deleveraged: BitMEX's score ('adl'), or a rotating account order ('offset'). */
function adlOrder(b: Block, m: MarketState, long: boolean): readonly AdlCandidate[] {
  const s = b.s;
  const ids = [...(s.holders.get(m.spec.id) ?? [])].sort();
  const candidates: AdlCandidate[] = [];
  for (const id of ids) {
    const p = s.accounts.get(id)?.positions.get(m.spec.id);
    if (p === undefined || p.size > 0n === long) continue;
    let score = Rational.int(0);
    if (s.rulebook.liquidation.badDebt === 'adl' && m.markPrice !== null) {
      const a = s.accounts.get(id) as Account;
      const markValue = positionValue(m.spec, s.quoteDecimals, p.size, m.markPrice, 'floor');
      const ev = evaluateAccount(s, a);
      const equity = ev.priced ? (p.isolatedMargin === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === m.spec.id)?.equity ?? 0n)) : 0n;
      // Bankruptcy value: the position's value less the ledger's equity (long), plus it (short).
      const bankruptValue = markValue - equity;
      const r = bitmexAdlScore({ markValue, entryValue: p.entryQuote, bankruptValue });
      if (r.ok) score = r.value;
    }
    candidates.push({ account: id, size: p.size, score });
  }
  if (s.rulebook.liquidation.badDebt === 'adl') {
    const ranked = rankForAdl(candidates);
    return ranked.ok ? ranked.value : candidates;
  }
  if (candidates.length === 0) return candidates;
  const start = Number(b.block % BigInt(candidates.length));
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}

/** Steps one ledger may take in a block under the 'full' policy (one per position, bounded). */
const MAX_POSITIONS_PER_LEDGER_STEP = 64;

/** Passes over the ledgers in breach per block: a step can push a counterparty into breach, handled in the next pass. */
const PASSES_PER_BLOCK = 8;

/** One command's enforcement over the ledgers in breach, worst first. */
export function enforceBreaches(b: Block, index: BreachIndex, fresh: ReadonlyMap<string, LedgerBreach> = new Map()): void {
  const s = b.s;
  absorbPendingDeficits(b);
  const handled = new Set<string>();
  for (let pass = 0; pass < PASSES_PER_BLOCK && index.breachedCount > 0; pass++) {
    const todo = index.breached().filter((ref) => !handled.has(ledgerKey(ref)));
    if (todo.length === 0) return;
    const later = new Set<string>();
    for (const ref of rankLedgers(s, todo, pass === 0 ? fresh : new Map())) {
      handled.add(ledgerKey(ref));
      stepLedger(b, index, ref, later);
    }
    for (const id of later) index.reindex(id);
  }
}

/**
 * Worst first: equity / maintenance ascending, then account and ledger (a total, input-independent order). Figures
 * the index has just computed in this command are used as they are; others are evaluated.
 */
function rankLedgers(s: EngineState, refs: readonly LedgerRef[], fresh: ReadonlyMap<string, LedgerBreach>): LedgerRef[] {
  const ranked: { ref: LedgerRef; ratio: Rational }[] = [];
  for (const ref of refs) {
    const known = fresh.get(ledgerKey(ref));
    let lf: { equity: bigint; maintenance: bigint } | null = known === undefined ? null : { equity: known.equity, maintenance: known.maintenance };
    if (lf === null) {
      const a = s.accounts.get(ref.account);
      if (a === undefined) continue;
      const ev = evaluateAccount(s, a);
      if (!ev.priced) continue;
      lf = ledgerFigures(ev, ref.market);
      if (lf === null) continue;
    }
    ranked.push({ ref, ratio: Rational.of(lf.equity, lf.maintenance > 0n ? lf.maintenance : 1n) });
  }
  ranked.sort((x, y) => x.ratio.cmp(y.ratio) || (x.ref.account < y.ref.account ? -1 : x.ref.account > y.ref.account ? 1 : 0) || ((x.ref.market ?? '') < (y.ref.market ?? '') ? -1 : 1));
  return ranked.map((r) => r.ref);
}

/**
 * Liquidates one ledger: 'full' closes the whole ledger within the block (Binance, BitMEX: every position of a
 * cross account goes); partial policies take one step per ledger per block (dYdX, Hyperliquid, Drift).
 * The liquidated account is re-armed at once (the loop asks whether it is still in breach); counterparties (a maker
 * met by every liquidation, ADL counterparts) are collected in `later` and re-armed once per pass.
 */
function stepLedger(b: Block, index: BreachIndex, ref: LedgerRef, later: Set<string>): void {
  const s = b.s;
  const stepsPerLedger = s.rulebook.liquidation.sizing.kind === 'full' ? MAX_POSITIONS_PER_LEDGER_STEP : 1;
  for (let k = 0; k < stepsPerLedger; k++) {
    if (b.steps >= s.rulebook.liquidation.limits.maxStepsPerBlock) {
      defer(b, ref, 'block_limit');
      return;
    }
    const acted = liquidationStep(b, ref);
    if (acted) index.reindex(ref.account);
    for (const id of b.recent) if (id !== ref.account) later.add(id);
    b.recent.length = 0;
    if (!acted || !index.isBreached(ref.account, ref.market)) return;
  }
}
