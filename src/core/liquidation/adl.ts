// Auto-deleveraging (ADL): who takes over a bankrupt position when the insurance fund cannot, and how a loss
// nobody absorbed is spread.
//
// Ranking scores (exact Rationals; order with `rankForAdl`):
// - BitMEX (V: bitmex.com/app/autoDeleveraging; testnet.bitmex.com/app/autoDeleveragingExamples; notes §4):
//     score = PnL% x EffLev if PnL% > 0, PnL% / EffLev otherwise (both give 0 at PnL% = 0, so the unstated case
//     does not matter); PnL% = (MarkValue - AvgEntryValue) / |AvgEntryValue|;
//     EffLev = |MarkValue| / (MarkValue - BankruptValue). Values are signed position values (short < 0) at the
//     mark, the average entry and the bankruptcy price, so one formula serves both sides of a linear contract.
// - Bybit (S, notes §4: the current help-centre text): profitable positions rank by PnL% / margin rate, losing ones
//     by PnL% x margin rate; margin rate = (position margin + uPnL) / position value (isolated) or
//     (balance + rPnL + uPnL) / (position value + order margin x leverage) (cross): the caller gives the ratio's
//     two sides. PnL% as BitMEX's, for USDT contracts.
// - Binance (S: dev.binance.vision thread 17801 quoting FAQ 360033525471): PnL% = max(0, uPnL) / max(1, WB);
//     marginRatio = MM / (WB + uPnL) when WB + uPnL > 0, else 0; score = PnL% x marginRatio.
// Ordering: highest score first; ties by account id ascending (UTF-16 code units), so the order is total and
// does not depend on input order.
//
// Offsetting:
// - `offsetAgainst` (ours, after dYdX's and BitMEX's rules): walk a ranked list of positions, skip those on the same
//   side, take min(remaining, their size) from each, at the bankruptcy price, until the bankrupt size is covered or
//   DELEVERAGE_CANDIDATES_MAX candidates were visited. The BitMEX example (a short of 20 at $650 against six ranked
//   longs) is its golden.
// - `dydxOffsetPosition`: dYdX v4 OffsetSubaccountPerpetualPosition, dydxprotocol/v4-chain @
//   84d4664bae71e3a077adaac67fb77ad19cd28d30, protocol/x/clob/keeper/deleveraging.go (notes §1.5, V): no ranking;
//   candidates from a start offset; each slice priced by GetBankruptcyPriceInQuoteQuantums on the liquidated
//   account's state after the previous slices (or at the oracle in final settlement); no fee, no insurance fund.
//
// Socialisation:
// - `driftSocialisedFundingDelta`: Drift v2 calculate_funding_rate_deltas_to_resolve_bankruptcy,
//   drift-labs/protocol-v2 @ 0ae3e3b1db782a6765c3525b3dec38ad4d9d3a62, programs/drift/src/math/liquidation.rs
//   (notes §3.4, V): ceil(|loss| x 1e9 / (|base long| + |base short|)) x 1e3, in Drift's funding-rate precision.
// - `socialiseLoss` (ours): the same idea in our FundingIndexE9 unit (quote atoms per whole base unit x 1e9,
//   pricing/funding.ts), over the side(s) chosen to bear it; rounded up so the bearers pay at least the loss (the
//   venue never pays any of it), with the excess returned as dust.

import { abs, divRound, pow10, PPM_ONE, Rational, type Price, type Quote, type Size } from '../units/index.js';
import type { FundingIndexE9 } from '../pricing/funding.js';
import { dydxBankruptcyQuote, type BankruptcyDeltaReason } from './bankruptcy.js';
import { ADL_RANKING_MAX, DELEVERAGE_CANDIDATES_MAX, SOCIALISE_POSITIONS_MAX } from './bounds.js';
import { dydxBaseToQuote, dydxPositionSize, type DydxAccountRisk, type DydxPerpetual, type DydxSubaccount } from './dydx.js';
import { ok, rejected, type Result } from './result.js';
import { roundedValue, validUnits, type MarketUnits } from './units.js';

// ---- scores ----------------------------------------------------------------------------------------------

export interface BitmexAdlInput {
  /** Signed position values in quote atoms (short < 0) at the mark, the average entry and the bankruptcy price. */
  readonly markValue: bigint;
  readonly entryValue: bigint;
  readonly bankruptValue: bigint;
}

/**
 * BitMEX ranking (see the header). 'not_rankable' when the entry value is 0 or the mark is not on the solvent
 * side of bankruptcy (MarkValue - BankruptValue <= 0 would make EffLev infinite or negative) or the mark value is 0.
 */
export function bitmexAdlScore(i: BitmexAdlInput): Result<Rational, 'not_rankable'> {
  const f = bitmexAdlScoreFraction(i);
  return f.ok ? ok(Rational.of(f.value.num, f.value.den)) : f;
}

/** A score as a fraction num / den with den > 0, not necessarily reduced (a Rational is one). */
export interface ScoreFraction {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * bitmexAdlScore before its reduction: PnL% = (MarkValue - AvgEntryValue) / |AvgEntryValue| and
 * EffLev = |MarkValue| / cushion (both denominators > 0), multiplied (profit) or divided (loss) term by term. For
 * orderings that compare many scores (adlOrder) without a gcd each.
 */
export function bitmexAdlScoreFraction(i: BitmexAdlInput): Result<ScoreFraction, 'not_rankable'> {
  const cushion = i.markValue - i.bankruptValue;
  if (i.entryValue === 0n || i.markValue === 0n || cushion <= 0n) return rejected('not_rankable');
  const pnl = i.markValue - i.entryValue;
  const entry = abs(i.entryValue);
  const mark = abs(i.markValue);
  return ok(pnl < 0n ? { num: pnl * cushion, den: entry * mark } : { num: pnl * mark, den: entry * cushion });
}

export interface BybitAdlInput {
  readonly markValue: bigint;
  readonly entryValue: bigint;
  /** Margin rate = marginBalance / marginBase (isolated: position margin + uPnL over position value). */
  readonly marginBalance: bigint;
  readonly marginBase: bigint;
}

/** Bybit ranking (S): PnL% / marginRate in profit, PnL% x marginRate otherwise. 'not_rankable' if marginRate <= 0. */
export function bybitAdlScore(i: BybitAdlInput): Result<Rational, 'not_rankable'> {
  if (i.entryValue === 0n || i.marginBase <= 0n || i.marginBalance <= 0n) return rejected('not_rankable');
  const pnl = Rational.of(i.markValue - i.entryValue, abs(i.entryValue));
  const rate = Rational.of(i.marginBalance, i.marginBase);
  return ok(pnl.isNegative() || pnl.num === 0n ? pnl.mul(rate) : pnl.div(rate));
}

export interface BinanceAdlInput {
  readonly unrealisedPnl: bigint;
  readonly walletBalance: bigint;
  readonly maintenance: bigint;
  /** The "1" of max(1, walletBalance): one whole quote unit in quote atoms (USDT with 6 decimals: 1,000,000). */
  readonly oneQuoteUnit: bigint;
}

/** Binance ranking (S): max(0, uPnL) / max(1, WB) x (MM / (WB + uPnL) if positive, else 0). */
export function binanceAdlScore(i: BinanceAdlInput): Rational {
  const gain = i.unrealisedPnl > 0n ? i.unrealisedPnl : 0n;
  const base = i.walletBalance > i.oneQuoteUnit ? i.walletBalance : i.oneQuoteUnit;
  const marginBalance = i.walletBalance + i.unrealisedPnl;
  if (marginBalance <= 0n || base <= 0n) return Rational.int(0);
  return Rational.of(gain, base).mul(Rational.of(i.maintenance, marginBalance));
}

// ---- ordering --------------------------------------------------------------------------------------------

export interface AdlCandidate {
  readonly account: string;
  /** Signed position size in the market (long > 0). */
  readonly size: bigint;
  readonly score: Rational;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ADL order: the higher score first, ties by account id ascending (< 0: `a` ranks before `b`). Scores compare
 * by cross-multiplication (Rational.cmp's), so reduced or not the order is the same.
 */
export function adlOrder(a: { readonly account: string; readonly score: ScoreFraction }, b: { readonly account: string; readonly score: ScoreFraction }): number {
  const l = b.score.num * a.score.den;
  const r = a.score.num * b.score.den;
  return (l < r ? -1 : l > r ? 1 : 0) || compareIds(a.account, b.account);
}

/**
 * Highest score first; ties by account id ascending. 'too_many_entries' beyond ADL_RANKING_MAX; an account listed
 * twice is 'invalid_input' (rank each account's position once per market).
 */
export function rankForAdl(candidates: readonly AdlCandidate[]): Result<readonly AdlCandidate[], 'too_many_entries' | 'invalid_input'> {
  if (candidates.length > ADL_RANKING_MAX) return rejected('too_many_entries');
  const ids = new Set<string>();
  for (const c of candidates) {
    if (ids.has(c.account)) return rejected('invalid_input');
    ids.add(c.account);
  }
  return ok([...candidates].sort(adlOrder));
}

/**
 * The queue indicator (U, our reading of BitMEX's table): cumulative |size| in rank order over the total, rounded
 * up to the next step (20% = 200,000 ppm). Returns ppm per account, in rank order.
 */
export function adlQueuePercentiles(ranked: readonly AdlCandidate[], stepPpm: bigint): Result<readonly { readonly account: string; readonly percentilePpm: bigint }[], 'invalid_input'> {
  if (stepPpm <= 0n || stepPpm > PPM_ONE || ranked.length > ADL_RANKING_MAX) return rejected('invalid_input');
  let total = 0n;
  for (const c of ranked) total += abs(c.size);
  if (total === 0n) return ok(ranked.map((c) => ({ account: c.account, percentilePpm: 0n })));
  let cum = 0n;
  return ok(
    ranked.map((c) => {
      cum += abs(c.size);
      return { account: c.account, percentilePpm: divRound(cum * PPM_ONE, total * stepPpm, 'ceil') * stepPpm };
    }),
  );
}

// ---- offsetting ------------------------------------------------------------------------------------------

export interface OffsetFill {
  readonly account: string;
  /** Size atoms closed on both sides (unsigned). */
  readonly size: Size;
  /** Cash to the bankrupt account for this slice (> 0 when it sells a long), rounded toward +infinity: the
   *  bankrupt side receives enough (dYdX's rounding). The counterparty's cash is its negation. */
  readonly quoteToBankrupt: Quote;
}

export interface OffsetResult {
  readonly fills: readonly OffsetFill[];
  /** Size still uncovered (unsigned). */
  readonly remaining: Size;
  /** Candidates visited (same-side and empty ones included). */
  readonly visited: number;
}

export interface OffsetInput {
  /** The bankrupt position's signed size. */
  readonly bankruptSize: Size;
  readonly bankruptcyPrice: Price;
  readonly units: MarketUnits;
  /** Ranked candidates (best first). Same-side and zero positions are skipped. */
  readonly candidates: readonly Pick<AdlCandidate, 'account' | 'size'>[];
  /** Where to start in the list (dYdX: a pseudo-random offset from the block; 0 for a ranked list), wrapping. */
  readonly startOffset?: number;
  /** At most this many candidates are visited (<= DELEVERAGE_CANDIDATES_MAX; default that). */
  readonly maxCandidates?: number;
}

export function offsetAgainst(i: OffsetInput): Result<OffsetResult, 'no_position' | 'invalid_input'> {
  if (i.bankruptSize === 0n) return rejected('no_position');
  const max = i.maxCandidates ?? DELEVERAGE_CANDIDATES_MAX;
  const start = i.startOffset ?? 0;
  if (!validUnits(i.units) || i.bankruptcyPrice < 0n) return rejected('invalid_input');
  if (!Number.isSafeInteger(max) || max < 0 || max > DELEVERAGE_CANDIDATES_MAX || !Number.isSafeInteger(start) || start < 0) return rejected('invalid_input');
  const n = i.candidates.length;
  const fills: OffsetFill[] = [];
  let remaining = abs(i.bankruptSize);
  let visited = 0;
  for (let k = 0; k < n && visited < max && remaining > 0n; k++) {
    const c = i.candidates[(start + k) % n];
    if (c === undefined) break;
    visited++;
    if (c.size === 0n || c.size > 0n === i.bankruptSize > 0n) continue;
    const take = abs(c.size) < remaining ? abs(c.size) : remaining;
    // The bankrupt account's size change is -sign(bankruptSize) x take; it receives value(-delta) at the price.
    const deltaBankrupt = i.bankruptSize > 0n ? -take : take;
    fills.push({ account: c.account, size: take as Size, quoteToBankrupt: roundedValue(i.units, -deltaBankrupt, i.bankruptcyPrice, 'ceil') as Quote });
    remaining -= take;
  }
  return ok({ fills, remaining: remaining as Size, visited });
}

/** dYdX CanDeleverageSubaccount: TNC < 0 -> at the bankruptcy price; final settlement -> at the oracle; else none. */
export function dydxDeleveragePrice(risk: Pick<DydxAccountRisk, 'tnc'>, finalSettlement: boolean): 'bankruptcy' | 'oracle' | null {
  if (risk.tnc < 0n) return 'bankruptcy';
  if (finalSettlement) return 'oracle';
  return null;
}

export interface DydxDeleverageFill {
  readonly account: string;
  /** The liquidated account's base delta for this slice (signed; the offsetting account gets its negation). */
  readonly deltaQuantums: bigint;
  /** The liquidated account's quote delta (signed; the offsetting account gets its negation). */
  readonly quoteQuantums: bigint;
}

export interface DydxDeleverageResult {
  readonly fills: readonly DydxDeleverageFill[];
  /** The liquidated subaccount after every slice. */
  readonly liquidated: DydxSubaccount;
  readonly remaining: bigint;
}

function applyDelta(sub: DydxSubaccount, perp: DydxPerpetual, base: bigint, quoteDelta: bigint): DydxSubaccount {
  let found = false;
  const positions = [];
  for (const h of sub.positions) {
    if (h.perp.id !== perp.id) {
      positions.push(h);
      continue;
    }
    found = true;
    if (h.quantums + base !== 0n) positions.push({ perp: h.perp, quantums: h.quantums + base });
  }
  if (!found && base !== 0n) positions.push({ perp, quantums: base });
  return { quoteBalance: sub.quoteBalance + quoteDelta, positions };
}

/**
 * dYdX OffsetSubaccountPerpetualPosition: the whole position (delta = -position) is offset against candidates on
 * the opposite side, from `startOffset`, at most DELEVERAGE_CANDIDATES_MAX visited; each takes
 * min(|remaining|, |its position|); each slice's quote delta is BP(slice) on the liquidated account's current
 * state ('bankruptcy'), or NetNotional(-slice) at the oracle ('oracle', final settlement). Which of the two, if
 * any, is `dydxDeleveragePrice` (CanDeleverageSubaccount), called first as dYdX does. dYdX skips a candidate
 * whose update fails the collateral checks; candidates here carry only a size, so the caller filters those it
 * knows cannot take it.
 */
export function dydxOffsetPosition(
  liquidated: DydxSubaccount,
  perp: DydxPerpetual,
  candidates: readonly Pick<AdlCandidate, 'account' | 'size'>[],
  opts: { readonly startOffset?: number; readonly price?: 'bankruptcy' | 'oracle' } = {},
): Result<DydxDeleverageResult, BankruptcyDeltaReason | 'no_position' | 'invalid_input'> {
  const start = opts.startOffset ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) return rejected('invalid_input');
  const size = dydxPositionSize(liquidated, perp.id);
  if (size === 0n) return rejected('no_position');
  const useOracle = opts.price === 'oracle';
  let sub = liquidated;
  let remaining = -size; // the delta still to apply to the liquidated account
  const fills: DydxDeleverageFill[] = [];
  const n = candidates.length;
  for (let k = 0, visited = 0; k < n && visited < DELEVERAGE_CANDIDATES_MAX && remaining !== 0n; k++) {
    const c = candidates[(start + k) % n];
    if (c === undefined) break;
    visited++;
    if (c.size === 0n || c.size > 0n === size > 0n) continue;
    const take = abs(c.size) < abs(remaining) ? abs(c.size) : abs(remaining);
    const delta = remaining > 0n ? take : -take;
    let quoteDelta: bigint;
    if (useOracle) {
      quoteDelta = dydxBaseToQuote(perp, -delta);
    } else {
      const bp = dydxBankruptcyQuote(sub, perp, delta);
      if (!bp.ok) return bp;
      quoteDelta = bp.value;
    }
    fills.push({ account: c.account, deltaQuantums: delta, quoteQuantums: quoteDelta });
    sub = applyDelta(sub, perp, delta, quoteDelta);
    remaining -= delta;
  }
  return ok({ fills, liquidated: sub, remaining });
}

// ---- socialisation ---------------------------------------------------------------------------------------

/**
 * Drift calculate_funding_rate_deltas_to_resolve_bankruptcy (as pinned, notes §3.4):
 * ceil(|loss| x 1e9 / (|base long| + |base short|)) x 1e3 (loss in quote 1e6, base 1e9; the result is in Drift's
 * funding-rate precision, 1e9 per quote unit per base unit). Drift adds it to the long cumulative rate and subtracts
 * it from the short one, so both sides pay. 'no_open_interest' when both sides are empty.
 */
export function driftSocialisedFundingDelta(loss: bigint, baseLong: bigint, baseShort: bigint): Result<bigint, 'no_open_interest'> {
  const total = abs(baseLong) + abs(baseShort);
  if (total === 0n) return rejected('no_open_interest');
  return ok(divRound(abs(loss) * 1_000_000_000n, total, 'ceil') * 1_000n);
}

const INDEX_SCALE = 1_000_000_000n;

export interface SocialiseInput {
  /** The loss to spread, quote atoms (>= 0). */
  readonly loss: Quote;
  /** The side of the bankrupt position. */
  readonly bankruptSide: 'long' | 'short';
  /** 'opposite': only the side that profited (the counterparties); 'both': all open interest (Drift). */
  readonly bearers: 'opposite' | 'both';
  /** Open interest per side, size atoms (>= 0), after the bankrupt position is closed. */
  readonly longOpenInterest: bigint;
  readonly shortOpenInterest: bigint;
  readonly baseDecimals: number;
}

export interface Socialisation {
  /** Charge per whole base unit held on a bearing side, quote atoms x 1e9 (FundingIndexE9 units), rounded up. */
  readonly chargePerUnitE9: FundingIndexE9;
  /** Add to a long-side cumulative index (longs pay as it rises) and to a short-side one (shorts pay as it
   *  falls): +charge / -charge for a bearing side, 0 otherwise. Our single funding index cannot carry both. */
  readonly longIndexDelta: FundingIndexE9;
  readonly shortIndexDelta: FundingIndexE9;
  readonly bearingOpenInterest: bigint;
  /** ceil(charge x bearing OI / (10^baseDecimals x 1e9)): the least the bearers pay in total (>= loss). */
  readonly chargedAtLeast: Quote;
  /** chargedAtLeast - loss (>= 0): what the venue collects beyond the loss; below OI / (10^baseDecimals x 1e9) + 1
   *  atoms (the charge's own granularity). Per-position settlement that rounds each payment up adds less than one
   *  atom per position; `socialisedCharges` gives the exact figure. */
  readonly dust: Quote;
}

export function socialiseLoss(i: SocialiseInput): Result<Socialisation, 'no_open_interest' | 'invalid_input'> {
  if (i.loss < 0n || i.longOpenInterest < 0n || i.shortOpenInterest < 0n) return rejected('invalid_input');
  if (!Number.isSafeInteger(i.baseDecimals) || i.baseDecimals < 0 || i.baseDecimals > 36) return rejected('invalid_input');
  const longBears = i.bearers === 'both' || i.bankruptSide === 'short';
  const shortBears = i.bearers === 'both' || i.bankruptSide === 'long';
  const oi = (longBears ? i.longOpenInterest : 0n) + (shortBears ? i.shortOpenInterest : 0n);
  if (oi === 0n) return rejected('no_open_interest');
  const scale = pow10(i.baseDecimals) * INDEX_SCALE;
  const charge = divRound(i.loss * scale, oi, 'ceil');
  const charged = divRound(charge * oi, scale, 'ceil');
  return ok({
    chargePerUnitE9: charge as FundingIndexE9,
    longIndexDelta: (longBears ? charge : 0n) as FundingIndexE9,
    shortIndexDelta: (shortBears ? -charge : 0n) as FundingIndexE9,
    bearingOpenInterest: oi,
    chargedAtLeast: charged as Quote,
    dust: (charged - i.loss) as Quote,
  });
}

/**
 * Each bearing position's payment: ceil(|size| x charge / (10^baseDecimals x 1e9)), the payer rounding up as in
 * pricing/funding.ts settlement. Returns the payments, their total and the dust (total - loss).
 */
export function socialisedCharges(
  sizes: readonly bigint[],
  chargePerUnitE9: FundingIndexE9,
  baseDecimals: number,
  loss: Quote,
): Result<{ readonly payments: readonly Quote[]; readonly total: Quote; readonly dust: Quote }, 'too_many_entries' | 'invalid_input'> {
  if (sizes.length > SOCIALISE_POSITIONS_MAX) return rejected('too_many_entries');
  if (chargePerUnitE9 < 0n || !Number.isSafeInteger(baseDecimals) || baseDecimals < 0 || baseDecimals > 36) return rejected('invalid_input');
  const scale = pow10(baseDecimals) * INDEX_SCALE;
  let total = 0n;
  const payments = sizes.map((s) => {
    const p = divRound(abs(s) * chargePerUnitE9, scale, 'ceil');
    total += p;
    return p as Quote;
  });
  return ok({ payments, total: total as Quote, dust: (total - loss) as Quote });
}
