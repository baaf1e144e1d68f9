// One liquidation step: one pass of the loss waterfall over a ledger in breach (DESIGN.md "The loss waterfall";
// docs/enforcement.md has the table per preset).
//
// planStep decides, reading the state and changing nothing: which position, how much, at what limit, or why not now.
// executeStep then runs the stages in order, each a small function that calls the tested rule in core/liquidation:
//   1 size        LiquidationStarted; the ledger's resting orders are cancelled
//   2 book        an IOC order no worse than the rule's limit; the surplus over bankruptcy pays the fees
//   3 takeover    what the book left, at the bankruptcy price: the insurance fund or a backstop vault (fund.ts)
//   4 deleverage  what nobody took, where the rulebook allows it for this ledger: ADL or offsetting (deleverage.ts)
//   5 deficit     a ledger left below zero with nothing to close: the fund, socialisation, write-off (deficits.ts)
// A remainder nobody took waits for a retry: one LiquidationDeferred, then no step until the rulebook's retryAfterMs
// has passed or the book's opposite top has changed.

import type { Account, Position } from '../account/account.js';
import { assert } from '../assert.js';
import { bankruptcyQuoteForDelta } from '../liquidation/bankruptcy.js';
import { fillableLimitPrice, fillablePrice } from '../liquidation/fillable.js';
import { splitSurplus } from '../liquidation/insurance.js';
import { recordLiquidationFill } from '../liquidation/blocklimits.js';
import { takeFromWindow, tryAttempt, windowCapacity, EMPTY_WINDOW, type AttemptState, type WindowCap } from '../liquidation/limits.js';
import { WINDOW_ENTRIES_MAX } from '../liquidation/bounds.js';
import { sizeLiquidation, type DydxSizingDecision, type SizingDecision, type SizingPolicy, type SizingState } from '../liquidation/sizing.js';
import { marketUnits, sizeForNotional } from '../liquidation/units.js';
import { evaluateMaintenance, maintenanceFigures, requirementContext, type MaintenanceEvaluation, type MaintenanceFigures } from '../margin/evaluate.js';
import { isBreached } from '../margin/thresholds.js';
import { ledgerMarkets } from '../margin/dependencies.js';
import { notional, positionValue, requirement, type MarketState } from '../market/index.js';
import type { LedgerRef } from '../triggers/breach-index.js';
import { abs, divRound, pow10, PPM_ONE, price, quote, size, type Price } from '../units/index.js';
import { touch, type Block, type KeyedLedger } from './block.js';
import { absorbDeficit, absorbPendingDeficits, creditLedger } from './deficits.js';
import { deleverage } from './deleverage.js';
import type { Episode } from './enforcement-state.js';
import type { DeferralReason, WaterfallStage } from './events.js';
import { changeFund, fundCapacity, takeoverLimit, takerFor, transferPosition } from './fund.js';
import { cancelConditionalsOf } from './conditionals.js';
import { bookOrderId, emitCancelled, settleBookFills } from './orders.js';
import { enforceable } from './prices.js';
import { addTo, type EngineState } from './state.js';

export interface LedgerFigures {
  readonly equity: bigint;
  readonly maintenance: bigint;
  readonly notional: bigint;
}

export function ledgerFigures(ev: MaintenanceEvaluation & { priced: true }, market: string | null): LedgerFigures | null {
  if (market === null) return { equity: ev.cross.equity, maintenance: ev.cross.maintenance, notional: ev.cross.notional };
  const iso = ev.isolated.find((f) => f.market === market);
  return iso === undefined ? null : { equity: iso.equity, maintenance: iso.maintenance, notional: iso.notional };
}

/** The bankruptcy price of closing part of a position, and the cash that closes it exactly at zero equity. */
interface Bankruptcy {
  readonly price: Price;
  readonly quoteAmount: bigint;
}

/** A step decided: what stage 1 announces and the later stages act on. */
interface StepPlan {
  readonly account: Account;
  readonly ledger: KeyedLedger;
  readonly lf: LedgerFigures;
  readonly position: Position;
  readonly figures: MaintenanceFigures;
  readonly m: MarketState;
  readonly decision: SizingDecision;
  /** Size atoms this step closes, and how much of it the book order asks for (dYdX: within the fund's means). */
  readonly close: bigint;
  readonly bookSize: bigint;
  readonly bankruptcy: Bankruptcy;
  readonly limit: Price;
  /** The market's attempt state with this step recorded (null: no attempt cap). */
  readonly attempts: AttemptState | null;
}

type Plan =
  | { readonly kind: 'step'; readonly plan: StepPlan }
  | { readonly kind: 'defer'; readonly reason: DeferralReason; readonly stage: WaterfallStage }
  | { readonly kind: 'absorb'; readonly amount: bigint }
  | { readonly kind: 'none' };

/** What one step did: progress (the ledger changed), stuck (a remainder waits for a retry), or nothing. */
export type StepOutcome = 'progress' | 'stuck' | 'none';

/** Liquidates one ledger by one step of the waterfall. */
export function liquidationStep(b: Block, ledger: KeyedLedger): StepOutcome {
  const plan = planStep(b, ledger);
  switch (plan.kind) {
    case 'none':
      return 'none';
    case 'defer':
      deferLedger(b, ledger, plan.reason, plan.stage, null);
      return 'none';
    case 'absorb':
      // Negative equity and nothing left to close: the loss is absorbed now (stage 5).
      absorbDeficit(b, { account: ledger.account, market: null, side: null, amount: plan.amount, inBalance: true });
      return 'progress';
    case 'step':
      return executeStep(b, plan.plan);
  }
}

/** The ledger's open episode (created on first sight: a breach seen is an episode, deferred or not). */
function episodeOf(b: Block, ledger: KeyedLedger): Episode {
  const key = ledger.key;
  let episode = b.s.enforcement.episodes.get(key);
  if (episode === undefined) {
    episode = { startedMs: b.nowMs, marginFreed: 0n, steps: 0, lastStepBlock: Number(b.block), deferred: null, retry: null };
    b.s.enforcement.episodes.set(key, episode);
  }
  return episode;
}

/** Announces a deferral once per reason; `retryAtMs` and the book's top say when the next step may come. */
export function deferLedger(b: Block, ledger: KeyedLedger, reason: DeferralReason, stage: WaterfallStage, retry: Episode['retry']): void {
  const episode = episodeOf(b, ledger);
  episode.retry = retry;
  if (episode.deferred === reason) return;
  episode.deferred = reason;
  b.emit({ kind: 'LiquidationDeferred', account: ledger.account, ledger: ledger.market ?? 'cross', reason, stage, retryAtMs: retry?.atMs ?? null });
}

/** Whether the ledger waits for a retry: the time has not come and its market's book top has not changed. */
export function isWaiting(b: Block, ledger: KeyedLedger): boolean {
  const retry = b.s.enforcement.episodes.get(ledger.key)?.retry;
  if (retry === null || retry === undefined || b.nowMs >= retry.atMs) return false;
  const m = b.s.markets.get(retry.market);
  return m !== undefined && bookTop(m, retry.side) === retry.top;
}

/**
 * Whether the ledger is held by a guard and already told so, for the reason that still holds: liquidations paused
 * (deferred 'paused'), or not paused and a market it depends on still unenforceable (deferred 'breaker'). Its step
 * would only defer it again for the same reason, which announces nothing and changes nothing, so enforcement neither
 * evaluates nor ranks it (a pause or a breaker during a crash must not make every command re-evaluate every ledger
 * in breach). Cheap: no evaluation.
 */
export function isHeld(b: Block, ledger: KeyedLedger): boolean {
  const deferred = b.s.enforcement.episodes.get(ledger.key)?.deferred;
  if (b.s.enforcement.paused) return deferred === 'paused'; // planStep's first guard
  if (deferred !== 'breaker') return false;
  const account = b.s.accounts.get(ledger.account);
  return account !== undefined && dependsOnUnsoundMarket(b.s, account, ledger);
}

/** The best price a liquidation order of `side` would take first (-1: that side of the book is empty). */
function bookTop(m: MarketState, side: 'buy' | 'sell'): bigint {
  const top = side === 'sell' ? m.book.bestBid() : m.book.bestAsk();
  return top === null ? -1n : top.price;
}

// ---- the plan ---------------------------------------------------------------------------------------------------

/**
 * What the rulebook's sizing policy reads of the account's past (sizing.ts SizingState): only its own policy's part,
 * so a step of another policy makes no lookup and no object for it (a crash's thousands of steps).
 */
function sizingStateOf(b: Block, account: string, ledger: KeyedLedger, kind: SizingPolicy['kind']): SizingState {
  const s = b.s;
  switch (kind) {
    case 'dydx':
      return { dydx: b.dydxUsage.get(account) ?? null };
    case 'hyperliquid':
      return { hyperliquid: s.enforcement.hyperliquid.get(account) ?? { lastPartialMs: null, bookUnfilled: false } };
    case 'drift': {
      const episode = s.enforcement.episodes.get(ledger.key);
      return { drift: { startedMs: episode?.startedMs ?? b.nowMs, marginFreed: quote(episode?.marginFreed ?? 0n) } };
    }
    case 'full':
      return NO_SIZING_STATE;
  }
}

const NO_SIZING_STATE: SizingState = Object.freeze({});

function planStep(b: Block, ledger: KeyedLedger): Plan {
  const s = b.s;
  const rules = s.rulebook.liquidation;
  const account = s.accounts.get(ledger.account);
  if (account === undefined) return { kind: 'none' };
  // Without the initial requirements: no stage reads one (and each costs a requirement and the open interest's notional).
  const ev = evaluateMaintenance(s, account);
  if (!ev.priced) return { kind: 'none' };
  const lf = ledgerFigures(ev, ledger.market);
  if (lf === null || !isBreached(lf.equity, lf.maintenance, s.rulebook.breachRule)) return { kind: 'none' };
  // Guards stop the waterfall before stage 1.
  if (s.enforcement.paused) return { kind: 'defer', reason: 'paused', stage: 'guard' };
  if (dependsOnUnsoundMarket(s, account, ledger)) return { kind: 'defer', reason: 'breaker', stage: 'guard' };
  const position = choosePosition(account, ev, ledger);
  if (position === null) {
    if (lf.equity < 0n && !hasPositionToClose(account, ledger)) return { kind: 'absorb', amount: -lf.equity };
    return { kind: 'defer', reason: 'no_position', stage: 'guard' };
  }
  const figures = ev.positions.find((f) => f.market === position.market) as MaintenanceFigures;
  const m = s.markets.get(position.market) as MarketState;
  const spec = m.spec;

  // Attempts per market per window (liquidation/limits.ts tryAttempt).
  let attempts: AttemptState | null = null;
  if (rules.limits.maxStepsPerMarketPerWindow !== null) {
    const cap: WindowCap = { windowMs: rules.limits.windowMs, cap: BigInt(rules.limits.maxStepsPerMarketPerWindow), maxEntries: WINDOW_ENTRIES_MAX };
    const tried = tryAttempt(s.enforcement.attempts.get(spec.id) ?? null, { maxPerBlock: null, perWindow: cap }, b.block, b.nowMs);
    if (!tried.ok || !tried.value.allowed) return { kind: 'defer', reason: 'attempt_limit', stage: 'guard' };
    attempts = tried.value.next;
  }

  // Stage 1: how much (the rulebook's sizing policy).
  const sizingState = sizingStateOf(b, account.id, ledger, rules.sizing.kind);
  const sized = sizeLiquidation(
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
      units: marketUnits(spec, s.quoteDecimals),
      nowMs: b.nowMs,
      block: b.block,
    },
    rules.sizing,
    sizingState,
  );
  if (!sized.ok) return { kind: 'defer', reason: 'sizing_refused', stage: 'size' };
  let close: bigint = sized.value.close;
  if (close === 0n) return { kind: 'defer', reason: 'sizing_wait', stage: 'size' };

  // The market's notional window (Synthetix-style cap; liquidation/limits.ts).
  const cap = notionalWindowCap(s);
  if (cap !== null) {
    const room = windowCapacity(s.enforcement.windows.get(spec.id) ?? EMPTY_WINDOW, cap, b.nowMs);
    // Refused only for invalid parameters (validated with the rulebook) or time going backwards (the engine's clock
    // does not): a bug.
    assert(room.ok, `windowCapacity refused the engine's window: ${room.ok ? '' : room.reason}`);
    const left = room.value.remaining;
    if (notional(spec, s.quoteDecimals, close, figures.mark, 'ceil') > left) {
      close = (sizeForNotional(marketUnits(spec, s.quoteDecimals), left, figures.mark, 'floor') / spec.stepSize) * spec.stepSize;
      if (close <= 0n) return { kind: 'defer', reason: 'window_limit', stage: 'guard' };
    }
  }

  const bankruptcy = bankruptcyFor(s, m, position, figures, lf.equity, lf.maintenance, close);
  if (bankruptcy === null) return { kind: 'defer', reason: 'no_bankruptcy_price', stage: 'size' };
  const limit = limitFor(s, m, position, figures, lf, bankruptcy.price);
  const bookSize = bookSizeFor(b, m, position, close, bankruptcy.price, limit, sized.value);
  return { kind: 'step', plan: { account, ledger, lf, position, figures, m, decision: sized.value, close, bookSize, bankruptcy, limit, attempts } };
}

/** The notional window's cap, when the rulebook sets one. */
function notionalWindowCap(s: EngineState): WindowCap | null {
  const l = s.rulebook.liquidation.limits;
  return l.maxNotionalPerMarketPerWindow === null ? null : { windowMs: l.windowMs, cap: l.maxNotionalPerMarketPerWindow, maxEntries: WINDOW_ENTRIES_MAX };
}

/**
 * A tripped breaker, an invalid or missing price on any market the ledger's value depends on holds it
 * (margin/dependencies.ts ledgerMarkets; DESIGN.md "The loss waterfall": guards stop the waterfall before step 1).
 */
function dependsOnUnsoundMarket(s: EngineState, account: Account, ledger: LedgerRef): boolean {
  for (const id of ledgerMarkets(s, account, ledger.market)) {
    const m = s.markets.get(id);
    if (m !== undefined && !enforceable(m)) return true;
  }
  return false;
}

/** The position a step closes: the isolated one, or the cross position with the largest maintenance requirement. */
function choosePosition(account: Account, ev: MaintenanceEvaluation & { priced: true }, ledger: LedgerRef): Position | null {
  if (ledger.market !== null) return account.positions.get(ledger.market) ?? null;
  let best: MaintenanceFigures | null = null;
  for (const f of ev.positions) {
    if (account.positions.get(f.market)?.isolatedMargin !== null) continue;
    if (best === null || f.maintenance > best.maintenance || (f.maintenance === best.maintenance && f.market < best.market)) best = f;
  }
  return best === null ? null : (account.positions.get(best.market) ?? null);
}

function hasPositionToClose(account: Account, ledger: LedgerRef): boolean {
  for (const p of account.positions.values()) if (ledger.market === null ? p.isolatedMargin === null : p.market === ledger.market) return true;
  return false;
}

/**
 * Bankruptcy price (price atoms, tick-aligned in the venue's favour) of closing `close` of the position: dYdX's
 * -DNNV - TNC x |DMMR| / TMMR (liquidation/bankruptcy.ts bankruptcyQuoteForDelta) over the size closed.
 */
export function bankruptcyFor(s: EngineState, m: MarketState, position: Position, figures: MaintenanceFigures, equity: bigint, maintenance: bigint, close: bigint): Bankruptcy | null {
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

/**
 * The liquidation order's limit (stage 2) by the rulebook's rule: the bankruptcy price; dYdX's fillable price
 * (liquidations.go: the order is placed at it); or the mark less the liquidation fees (Drift). On the tick grid in
 * the venue's favour (a sell's limit up, a buy's down), at least one tick.
 */
function limitFor(s: EngineState, m: MarketState, position: Position, figures: MaintenanceFigures, lf: LedgerFigures, bp: Price): Price {
  const rule = s.rulebook.liquidation.limitPrice;
  const long = position.size > 0n;
  let limit: bigint = bp;
  if (rule.kind === 'fillable') {
    const fp = fillablePrice({ tnc: lf.equity, tmmr: lf.maintenance > 0n ? lf.maintenance : 1n, positionSize: position.size, pnnv: figures.value, pmmr: figures.maintenance, params: rule.params });
    if (!fp.ok && fp.reason === 'negative_fillable_price') {
      // dYdX panics here (a position whose maintenance x SMMR exceeds its value); the formula's limit for a long is
      // "any price": the lowest, one tick. A short's fillable price cannot go below zero.
      limit = m.spec.tickSize;
    } else {
      // The other refusals (no position, no maintenance, invalid parameters) cannot reach a step: a bug.
      assert(fp.ok, `fillablePrice refused a step's figures: ${fp.ok ? '' : fp.reason}`);
      const lp = fillableLimitPrice(fp.value, position.size, marketUnits(m.spec, s.quoteDecimals), m.spec.tickSize);
      assert(lp.ok, `fillableLimitPrice refused a fillable price: ${lp.ok ? '' : lp.reason}`);
      limit = lp.value;
    }
  } else if (rule.kind === 'oracle_less_fees') {
    const f = s.rulebook.liquidation.fees;
    const cut = divRound(figures.mark * (f.insuranceFeePpm + f.liquidatorRewardPpm), PPM_ONE, 'ceil');
    limit = long ? figures.mark - cut : figures.mark + cut;
  }
  limit = divRound(limit, m.spec.tickSize, long ? 'ceil' : 'floor') * m.spec.tickSize;
  return price(limit < m.spec.tickSize ? m.spec.tickSize : limit);
}

/**
 * How much of the close the book order may ask for. Under the fillable rule a fill beyond bankruptcy is the
 * insurance fund's loss, and dYdX refuses a match the fund cannot pay or that exceeds the account's insurance-loss
 * cap for the block (deleveraging.go IsValidInsuranceFundDelta; blocklimits.ts). From the book as it stands
 * (quoteTake): fills at or better than bankruptcy cost the fund nothing; beyond them, the order asks for the most q
 * whose loss, bounded by (q - free) x (bankruptcy - the worst price touched), stays within both.
 */
function bookSizeFor(b: Block, m: MarketState, position: Position, close: bigint, bp: Price, limit: Price, decision: SizingDecision): bigint {
  if (b.s.rulebook.liquidation.limitPrice.kind !== 'fillable') return close;
  const long = position.size > 0n;
  if (long ? limit >= bp : limit <= bp) return close;
  const side = long ? 'sell' : 'buy';
  const free = m.book.quoteTake(side, size(close), bp).filledSize;
  if (free >= close) return close;
  let budget = fundCapacity(b);
  // dYdX sizing reports the account's insurance-loss room for the block (DydxSizingDecision).
  const accountRoom = (decision as Partial<DydxSizingDecision>).insuranceLossLeft;
  if (accountRoom !== undefined && accountRoom < budget) budget = accountRoom;
  const affordable = (q: bigint): boolean => {
    const take = m.book.quoteTake(side, size(q), limit);
    if (take.worstPrice === null || take.filledSize <= free) return true;
    const perUnit = long ? bp - take.worstPrice : take.worstPrice - bp;
    return perUnit <= 0n || notional(m.spec, b.s.quoteDecimals, take.filledSize - free, perUnit, 'ceil') <= budget;
  };
  if (affordable(close)) return close;
  // Bisection over whole steps between the free part (affordable) and the close (not).
  const step = m.spec.stepSize;
  let lo = free / step;
  let hi = close / step;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (affordable(mid * step)) lo = mid;
    else hi = mid;
  }
  return lo * step;
}

// ---- the stages -------------------------------------------------------------------------------------------------

function executeStep(b: Block, p: StepPlan): StepOutcome {
  const s = b.s;
  const rules = s.rulebook.liquidation;
  const { account, ledger, m } = p;
  const spec = m.spec;
  const long = p.position.size > 0n;

  // Stage 1: the step is on record; the ledger's resting orders go (the whole account for a cross ledger).
  if (p.attempts !== null) s.enforcement.attempts.set(spec.id, p.attempts);
  const episode = episodeOf(b, ledger);
  episode.steps++;
  episode.lastStepBlock = Number(b.block);
  episode.deferred = null;
  episode.retry = null;
  b.steps++;
  b.emit({
    kind: 'LiquidationStarted',
    account: account.id,
    ledger: ledger.market ?? 'cross',
    market: spec.id,
    size: p.position.size,
    closeSize: p.close,
    mark: p.figures.mark,
    index: m.indexPrice ?? p.figures.mark,
    equity: p.lf.equity,
    maintenance: p.lf.maintenance,
    bankruptcyPrice: p.bankruptcy.price,
    limitPrice: p.limit,
    policy: rules.sizing.kind,
    why: p.decision.why,
    step: episode.steps,
    route: p.decision.route,
    stage: 'size',
  });
  // The ledger's resting orders go: every market's for a cross ledger (forEach: no iterator results), else its own.
  const cancelIn = (mm: MarketState): void => emitCancelled(mm, mm.book.cancelAllOf(account.id), 'liquidation', b.emit);
  if (ledger.market === null) s.markets.forEach(cancelIn);
  else cancelIn(m);
  cancelConditionalsOf(s, account.id, ledger.market, b.emit);

  // Stage 2: the book.
  let remaining = p.close;
  let bookFilled = 0n;
  let insuranceLoss = 0n;
  if (p.decision.route === 'book' && p.bookSize > 0n) {
    const r = bookStage(b, p, p.bookSize);
    bookFilled = r.filled;
    insuranceLoss = r.insuranceLoss;
    remaining -= bookFilled;
  }
  if (rules.sizing.kind === 'hyperliquid') {
    const hl = s.enforcement.hyperliquid.get(account.id);
    s.enforcement.hyperliquid.set(account.id, {
      lastPartialMs: p.decision.why === 'hl_partial_slice' ? b.nowMs : (hl?.lastPartialMs ?? null),
      bookUnfilled: remaining > 0n,
    });
  }
  // Stages 3 and 4: what the book left.
  let stoppedAt: WaterfallStage = 'book';
  // The book filled nothing: the ledger is as the plan found it (cancelled orders move no money), and stays so
  // while no later stage trades.
  let unchanged: Refreshed | null = bookFilled === 0n ? { position: p.position, figures: p.figures, lf: p.lf } : null;
  if (remaining > 0n && rules.takeover.kind !== 'none') {
    stoppedAt = 'takeover';
    const t = takeoverStage(b, p, remaining, unchanged);
    remaining -= t.taken;
    unchanged = t.unchanged;
  }
  if (remaining > 0n && rules.deleverage.kind !== 'none') {
    stoppedAt = 'deleverage';
    remaining -= deleverageStage(b, p, remaining, bookFilled, unchanged);
  }

  // What the step used: the market's notional window and the account's dYdX block usage.
  const closedNotional = notional(spec, s.quoteDecimals, p.close - remaining, p.figures.mark, 'ceil');
  const cap = notionalWindowCap(s);
  if (cap !== null && closedNotional > 0n) {
    const taken = takeFromWindow(s.enforcement.windows.get(spec.id) ?? EMPTY_WINDOW, cap, b.nowMs, closedNotional);
    if (taken.ok) s.enforcement.windows.set(spec.id, taken.value.next);
  }
  // The account's block usage: read by dYdX's sizing alone (sizingStateOf).
  if (rules.sizing.kind === 'dydx') b.dydxUsage.set(account.id, recordLiquidationFill(b.dydxUsage.get(account.id) ?? null, b.block, closedNotional, -insuranceLoss));
  touch(b, account.id);

  // Stage 5 and the end of the episode.
  absorbPendingDeficits(b);
  const after = evaluateMaintenance(s, s.accounts.get(account.id) as Account);
  if (!after.priced) return 'progress';
  let lfAfter = ledgerFigures(after, ledger.market);
  episode.marginFreed += p.lf.maintenance - (lfAfter?.maintenance ?? 0n) > 0n ? p.lf.maintenance - (lfAfter?.maintenance ?? 0n) : 0n;
  const current = s.accounts.get(account.id) as Account;
  if (ledger.market === null && lfAfter !== null && lfAfter.equity < 0n && !hasPositionToClose(current, ledger)) {
    absorbDeficit(b, { account: account.id, market: spec.id, side: long ? 'long' : 'short', amount: -lfAfter.equity, inBalance: true });
    const final = evaluateMaintenance(s, s.accounts.get(account.id) as Account);
    lfAfter = final.priced ? ledgerFigures(final, ledger.market) : null;
  }
  if (lfAfter === null || !isBreached(lfAfter.equity, lfAfter.maintenance, s.rulebook.breachRule)) {
    s.enforcement.episodes.delete(ledger.key);
    // Hyperliquid's per-account state outlives the episode only while its cooldown runs.
    const hs = s.enforcement.hyperliquid.get(account.id);
    if (hs !== undefined && rules.sizing.kind === 'hyperliquid' && (hs.lastPartialMs === null || b.nowMs - hs.lastPartialMs >= rules.sizing.params.cooldownMs)) {
      s.enforcement.hyperliquid.delete(account.id);
    }
    b.emit({ kind: 'LiquidationEnded', account: account.id, ledger: ledger.market ?? 'cross', equity: lfAfter?.equity ?? 0n, maintenance: lfAfter?.maintenance ?? 0n, steps: episode.steps });
    return 'progress';
  }
  if (remaining === 0n) return 'progress';
  // A remainder nobody took: wait for new liquidity or the retry time.
  const side = long ? 'sell' : 'buy';
  deferLedger(b, ledger, 'book_unfilled', stoppedAt, { atMs: b.nowMs + rules.retryAfterMs, market: spec.id, side, top: bookTop(m, side) });
  return 'stuck';
}

/** Stage 2: the IOC liquidation order; the surplus over bankruptcy is split (fee to the fund, reward). */
function bookStage(b: Block, p: StepPlan, wanted: bigint): { filled: bigint; insuranceLoss: bigint } {
  const s = b.s;
  const { m, account } = p;
  const spec = m.spec;
  const long = p.position.size > 0n;
  const result = m.book.place({ id: bookOrderId(account.id, `liq-${b.block}-${b.orderSeq++}`), owner: account.id, side: long ? 'sell' : 'buy', price: p.limit, size: size(wanted), tif: 'ioc' });
  if (!result.ok || result.fills.length === 0) return { filled: 0n, insuranceLoss: 0n };
  settleBookFills(s, m, result.fills, 'liquidation', b.emit);
  let filled = 0n;
  let cash = 0n;
  let weighted = 0n;
  for (const f of result.fills) {
    filled += f.size;
    weighted += f.price * f.size;
    // The cash each trade moved, as it computed it (size x price, half-even).
    cash += notional(spec, s.quoteDecimals, f.size, f.price, 'half_even');
    touch(b, f.makerOwner);
  }
  // For a long the fills brought cash in (+); for a short they cost it (-): like with like for splitSurplus.
  const fillQuote = long ? cash : -cash;
  const bpFilled = divRound(p.bankruptcy.quoteAmount * filled, p.close, 'ceil');
  const notionalFilled = notional(spec, s.quoteDecimals, filled, p.figures.mark, 'floor');
  const loss = settleSurplus(b, p, fillQuote, bpFilled, notionalFilled);
  b.emit({ kind: 'LiquidationFill', account: account.id, market: spec.id, route: 'book', counterparty: null, size: filled, price: divRound(weighted, filled, 'half_even'), stage: 'book' });
  return { filled, insuranceLoss: loss };
}

/**
 * Splits the filled part's surplus over bankruptcy (liquidation/insurance.ts splitSurplus): the insurance fee and
 * the liquidator's reward come out of the ledger. Returns the fund's loss when the fills were worse than
 * bankruptcy (absorbed in stage 5 once the ledger has nothing left to close).
 */
function settleSurplus(b: Block, p: StepPlan, fillQuote: bigint, bpQuote: bigint, notionalFilled: bigint): bigint {
  const s = b.s;
  const rules = s.rulebook.liquidation;
  const split = splitSurplus(fillQuote, bpQuote, notionalFilled, rules.fees);
  // Refused only for invalid parameters, which the rulebook's validation excludes, or a negative notional: a bug.
  assert(split.ok, `splitSurplus refused validated input: ${split.ok ? '' : split.reason}`);
  const { insuranceFund, liquidatorReward, insuranceLoss } = split.value;
  if (insuranceFund > 0n || liquidatorReward > 0n) {
    // The trades replaced the account's record: credit the current one.
    creditLedger(s, s.accounts.get(p.account.id) as Account, p.ledger.market, -(insuranceFund + liquidatorReward));
    changeFund(b, insuranceFund, 'liquidation_fee', 'book', p.account.id, p.m.spec.id);
    const receiver = liquidatorOf(s);
    if (receiver !== undefined && liquidatorReward > 0n) {
      addTo(receiver.balances, s.settlementAsset, liquidatorReward);
      touch(b, receiver.id);
      b.emit({ kind: 'LiquidatorRewarded', account: receiver.id, liquidated: p.account.id, market: p.m.spec.id, amount: liquidatorReward, stage: 'book' });
    } else {
      changeFund(b, liquidatorReward, 'liquidator_reward', 'book', p.account.id, p.m.spec.id);
    }
  }
  return insuranceLoss;
}

/** Who receives the liquidator reward: the rulebook's liquidator account, else a backstop vault, else the fund. */
function liquidatorOf(s: EngineState): Account | undefined {
  const rules = s.rulebook.liquidation;
  if (rules.liquidatorAccount !== null) return s.accounts.get(rules.liquidatorAccount);
  return rules.takeover.kind === 'backstop' ? s.accounts.get(rules.takeover.account) : undefined;
}

/** The ledger's figures and the position now (stages 3 and 4 act on the state the book left). */
interface Refreshed {
  readonly position: Position;
  readonly figures: MaintenanceFigures;
  readonly lf: LedgerFigures;
}

function refresh(s: EngineState, p: StepPlan): Refreshed | null {
  const a = s.accounts.get(p.account.id);
  const position = a?.positions.get(p.m.spec.id);
  if (a === undefined || position === undefined || p.m.markPrice === null) return null;
  const ev = evaluateMaintenance(s, a);
  if (!ev.priced) return null;
  const lf = ledgerFigures(ev, p.ledger.market);
  // The evaluation's figures of the position are maintenanceFigures at the mark (evaluate.ts).
  const figures = ev.positions.find((f) => f.market === p.m.spec.id) ?? maintenanceFigures(s, p.m, position, p.m.markPrice);
  return lf === null ? null : { position, figures, lf };
}

/**
 * Stage 3: the taker of last resort takes what it can carry of the remainder at its bankruptcy price (fund.ts).
 * A backstop vault takes over only a ledger the sizing policy routed to it (Hyperliquid).
 */
function takeoverStage(b: Block, p: StepPlan, remaining: bigint, planned: Refreshed | null): { taken: bigint; unchanged: Refreshed | null } {
  const s = b.s;
  const rule = s.rulebook.liquidation.takeover;
  if (rule.kind === 'backstop' && p.decision.route !== 'backstop') return { taken: 0n, unchanged: planned };
  const now = planned ?? refresh(s, p);
  // Nothing taken: the ledger is as `now` found it (stage 4 need not evaluate it again).
  const none = { taken: 0n, unchanged: now };
  if (now === null) return none;
  const take = remaining < abs(now.position.size) ? remaining : abs(now.position.size);
  const taker = takerFor(s, rule, p.account.id);
  const long = now.position.size > 0n;
  if (taker === null) return none;
  if (taker === 'no_taker') {
    b.emit({ kind: 'TakeoverCapped', account: p.account.id, market: p.m.spec.id, taker: rule.kind === 'backstop' ? rule.account : null, wanted: take, taken: 0n, reason: 'no_taker', stage: 'takeover' });
    return none;
  }
  // Unchanged since the plan and the same size: the plan's bankruptcy price (the same pure function of the same figures).
  const bp = now.figures === p.figures && take === p.close ? p.bankruptcy : bankruptcyFor(s, p.m, now.position, now.figures, now.lf.equity, now.lf.maintenance, take);
  if (bp === null) return none;
  const limit = takeoverLimit(b, p.m, taker, long, take, bp.price);
  if (limit.size > 0n && transferPosition(b, p.m, p.account.id, taker.id, long, limit.size, bp.price, 'takeover')) {
    b.emit({ kind: 'LiquidationFill', account: p.account.id, market: p.m.spec.id, route: rule.kind === 'insurance_fund' ? 'insurance_fund' : 'backstop', counterparty: taker.id, size: limit.size, price: bp.price, stage: 'takeover' });
  } else if (limit.size > 0n) {
    return none; // the trade was refused: nothing changed
  }
  if (limit.limitedBy !== null) {
    b.emit({ kind: 'TakeoverCapped', account: p.account.id, market: p.m.spec.id, taker: taker.id, wanted: take, taken: limit.size, reason: limit.limitedBy, stage: 'takeover' });
  }
  return { taken: limit.size, unchanged: limit.size > 0n ? null : now };
}

/**
 * Stage 4: what nobody took, against opposite positions at the bankruptcy price, only where the rulebook allows it
 * for this ledger (dYdX: a ledger below zero whose order filled nothing, and then its whole position).
 */
function deleverageStage(b: Block, p: StepPlan, remaining: bigint, bookFilled: bigint, known: Refreshed | null): bigint {
  const s = b.s;
  const rule = s.rulebook.liquidation.deleverage;
  if (rule.kind === 'none' || (rule.onlyWhenBookUnfilled && bookFilled > 0n)) return 0n;
  const now = known ?? refresh(s, p);
  if (now === null || (rule.onlyBankrupt && now.lf.equity >= 0n)) return 0n;
  const held = abs(now.position.size);
  const take = rule.onlyWhenBookUnfilled || remaining > held ? held : remaining;
  // The plan's own figures (nothing traded since) and the same size: the plan's bankruptcy price.
  const bp = now.figures === p.figures && take === p.close ? p.bankruptcy : bankruptcyFor(s, p.m, now.position, now.figures, now.lf.equity, now.lf.maintenance, take);
  if (bp === null) return 0n;
  const closed = deleverage(b, p.m, p.account.id, now.position.size > 0n, take, bp.price, rule.kind, now.lf.equity);
  return closed < remaining ? closed : remaining;
}
