// Who gets the difference between a liquidation fill and the bankruptcy price: the insurance fund (a fee when
// the fill is better, a loss when it is worse), the liquidator (a reward), and the liquidated account (the rest).
//
// All amounts are signed quote amounts (our quote atoms, or dYdX quote quantums for the dYdX wrapper). Sign
// conventions: `fillQuote` and `bankruptcyQuote` are the cash the liquidated account receives (> 0, closing a long
// by selling) or pays (< 0, closing a short by buying) for the closed size; the fund delta is > 0 when the fund
// receives and < 0 when it pays.
//
// Sources:
// - dYdX v4 GetLiquidationInsuranceFundDelta, dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30,
//   protocol/x/clob/keeper/liquidations.go; IsValidInsuranceFundDelta, same commit, deleveraging.go. Restated in
//   docs/sources/liquidation-goldens.md §1.3 (V).
// - BitMEX (bitmex.com/app/liquidation): a fill better than bankruptcy puts the whole excess into the fund
//   (notes §5, V; the worked numbers are D). That is `splitSurplus` with insuranceFeePpm = 1e6.
// - Drift v2 calculate_perp_if_fee and get_liquidation_fee, drift-labs/protocol-v2 @
//   0ae3e3b1db782a6765c3525b3dec38ad4d9d3a62, programs/drift/src/math/liquidation.rs; notes §3.1, §3.3 (V).

import { divRound, PPM_ONE, type Price, type Quote, type Size } from '../units/index.js';
import { dydxBankruptcyQuote, type BankruptcyDeltaReason } from './bankruptcy.js';
import { DRIFT_BASE_PRECISION, DRIFT_FEE_PRECISION, DRIFT_FEE_TO_MARGIN_RATIO, DRIFT_PRICE_PRECISION } from './drift-precision.js';
import { dydxFillAmountToQuote, dydxMulPpmFloor, type DydxPerpetual, type DydxSubaccount } from './dydx.js';
import type { DydxClobPair } from './fillable.js';
import { ok, rejected, type ParamProblem, type Result } from './result.js';
import { roundedValue, validUnits, type MarketUnits } from './units.js';

// ---- dYdX ------------------------------------------------------------------------------------------------

/**
 * The fund delta of one liquidation fill, dYdX's rule on generic quote amounts:
 *   raw = fillQuote - bankruptcyQuote; raw <= 0 -> raw (the fund pays, or nothing);
 *   otherwise min(floor(|fillQuote| x maxLiquidationFeePpm / 1e6), raw): the fee is capped by what is left.
 */
export function insuranceFundDelta(fillQuote: bigint, bankruptcyQuote: bigint, maxLiquidationFeePpm: bigint): bigint {
  const raw = fillQuote - bankruptcyQuote;
  if (raw <= 0n) return raw;
  const fee = dydxMulPpmFloor(fillQuote < 0n ? -fillQuote : fillQuote, maxLiquidationFeePpm);
  return fee < raw ? fee : raw;
}

export interface DydxFillInput {
  /** The liquidation order's side: a buy closes a short, a sell closes a long. */
  readonly isBuy: boolean;
  /** Base quantums filled (> 0). */
  readonly fillAmount: bigint;
  /** The fill's price in subticks. */
  readonly subticks: bigint;
  readonly clob: DydxClobPair;
  /** max_liquidation_fee_ppm (default 5,000; mainnet genesis 15,000). */
  readonly maxLiquidationFeePpm: bigint;
}

/**
 * GetLiquidationInsuranceFundDelta on a dYdX subaccount model: dq = FillAmountToQuoteQuantums (rounded down),
 * negated for a buy; delta = +fill for a buy, -fill for a sell; BP = GetBankruptcyPriceInQuoteQuantums(delta);
 * then `insuranceFundDelta(dq, BP, maxLiquidationFeePpm)`. A zero fill is 'zero_fill'.
 */
export function dydxInsuranceFundDelta(
  sub: DydxSubaccount,
  perp: DydxPerpetual,
  fill: DydxFillInput,
): Result<bigint, BankruptcyDeltaReason | 'zero_fill' | 'invalid_input'> {
  if (fill.fillAmount === 0n) return rejected('zero_fill');
  if (fill.fillAmount < 0n || fill.subticks < 0n || fill.maxLiquidationFeePpm < 0n) return rejected('invalid_input');
  const magnitude = dydxFillAmountToQuote(fill.subticks, fill.fillAmount, fill.clob.quantumConversionExponent);
  const dq = fill.isBuy ? -magnitude : magnitude;
  const delta = fill.isBuy ? fill.fillAmount : -fill.fillAmount;
  const bp = dydxBankruptcyQuote(sub, perp, delta);
  if (!bp.ok) return bp;
  return ok(insuranceFundDelta(dq, bp.value, fill.maxLiquidationFeePpm));
}

/**
 * IsValidInsuranceFundDelta and its effect: a non-negative delta is always accepted; a negative one only if the
 * fund can pay it (balance + delta >= 0), else 'insufficient_insurance_fund' (dYdX
 * ErrInsuranceFundHasInsufficientFunds). Returns the fund's new balance.
 */
export function applyInsuranceFundDelta(fundBalance: Quote, delta: bigint): Result<Quote, 'insufficient_insurance_fund'> {
  if (delta < 0n && fundBalance + delta < 0n) return rejected('insufficient_insurance_fund');
  return ok((fundBalance + delta) as Quote);
}

// ---- our general split -----------------------------------------------------------------------------------

/**
 * Which cap is filled first when the surplus does not cover both the insurance fee and the liquidator reward.
 * - 'insurance_first': fee = min(feeCap, surplus); reward = min(rewardCap, surplus - fee)  (dYdX has no reward,
 *   so its fee is simply capped by the surplus; BitMEX gives the fund everything).
 * - 'liquidator_first': the reward is taken first (a keeper must be paid for the close to happen at all).
 */
export type SurplusOrder = 'insurance_first' | 'liquidator_first';

export interface FeeSplitParams {
  /** Liquidation fee to the insurance fund, ppm of the fill notional (BitMEX: 1e6 = the whole surplus). */
  readonly insuranceFeePpm: bigint;
  /** Reward to the liquidator, ppm of the fill notional. */
  readonly liquidatorRewardPpm: bigint;
  readonly order: SurplusOrder;
}

export function validateFeeSplitParams(p: FeeSplitParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (p.insuranceFeePpm < 0n || p.insuranceFeePpm > PPM_ONE) problems.push({ path: 'insuranceFeePpm', message: 'must be in [0, 1e6]' });
  if (p.liquidatorRewardPpm < 0n || p.liquidatorRewardPpm > PPM_ONE) {
    problems.push({ path: 'liquidatorRewardPpm', message: 'must be in [0, 1e6]' });
  }
  if (p.order !== 'insurance_first' && p.order !== 'liquidator_first') {
    problems.push({ path: 'order', message: "must be 'insurance_first' or 'liquidator_first'" });
  }
  return problems;
}

export interface FeeSplit {
  /** fillQuote - bankruptcyQuote: > 0 a surplus to share, < 0 a loss the fund covers. */
  readonly surplus: Quote;
  /** The fund's delta: the fee (>= 0) when there is a surplus, minus the loss (<= 0) when there is none. */
  readonly insuranceFund: Quote;
  /** >= 0, paid out of the surplus only (never when the fill is worse than bankruptcy). */
  readonly liquidatorReward: Quote;
  /** What the liquidated account keeps above bankruptcy: surplus - fee - reward (>= 0). */
  readonly toAccount: Quote;
  /** The fund's loss, -insuranceFund when negative, else 0. */
  readonly insuranceLoss: Quote;
}

/**
 * Splits fillQuote - bankruptcyQuote. Each cap is floor(notional x ppm / 1e6) (a charge on the account capped by
 * what it has left; dYdX BigIntMulPpm rounds the same way) and each is further capped by the surplus that
 * remains, in `order`. Conservation: insuranceFund + liquidatorReward + toAccount = surplus, always.
 */
export function splitSurplus(fillQuote: bigint, bankruptcyQuote: bigint, notional: bigint, p: FeeSplitParams): Result<FeeSplit, 'invalid_params' | 'invalid_input'> {
  if (validateFeeSplitParams(p).length > 0) return rejected('invalid_params');
  if (notional < 0n) return rejected('invalid_input');
  const surplus = fillQuote - bankruptcyQuote;
  if (surplus <= 0n) {
    return ok({
      surplus: surplus as Quote,
      insuranceFund: surplus as Quote,
      liquidatorReward: 0n as Quote,
      toAccount: 0n as Quote,
      insuranceLoss: -surplus as Quote,
    });
  }
  const feeCap = divRound(notional * p.insuranceFeePpm, PPM_ONE, 'floor');
  const rewardCap = divRound(notional * p.liquidatorRewardPpm, PPM_ONE, 'floor');
  let fee: bigint;
  let reward: bigint;
  if (p.order === 'insurance_first') {
    fee = feeCap < surplus ? feeCap : surplus;
    reward = rewardCap < surplus - fee ? rewardCap : surplus - fee;
  } else {
    reward = rewardCap < surplus ? rewardCap : surplus;
    fee = feeCap < surplus - reward ? feeCap : surplus - reward;
  }
  return ok({
    surplus: surplus as Quote,
    insuranceFund: fee as Quote,
    liquidatorReward: reward as Quote,
    toAccount: (surplus - fee - reward) as Quote,
    insuranceLoss: 0n as Quote,
  });
}

export interface PriceSplitInput {
  /** The position's signed size before the close (its sign says which side is closed). */
  readonly positionSize: Size;
  /** Size atoms closed (> 0, <= |positionSize|). */
  readonly closed: Size;
  readonly fillPrice: Price;
  readonly bankruptcyPrice: Price;
  readonly units: MarketUnits;
  readonly params: FeeSplitParams;
}

/**
 * `splitSurplus` from prices. The quote amounts round against the liquidated account (DESIGN.md: the venue's
 * favour): closing a long, the fill pays floor(value) and bankruptcy needs ceil(value); closing a short, the fill
 * costs ceil(value) and bankruptcy allows floor(value). The fee notional is floor(value at the fill price).
 */
export function splitAtPrices(i: PriceSplitInput): Result<FeeSplit, 'invalid_params' | 'invalid_input' | 'no_position'> {
  if (i.positionSize === 0n) return rejected('no_position');
  const absSize = i.positionSize < 0n ? -i.positionSize : i.positionSize;
  if (i.closed <= 0n || i.closed > absSize || i.fillPrice <= 0n || i.bankruptcyPrice < 0n || !validUnits(i.units)) {
    return rejected('invalid_input');
  }
  const long = i.positionSize > 0n;
  const fillQuote = long ? roundedValue(i.units, i.closed, i.fillPrice, 'floor') : -roundedValue(i.units, i.closed, i.fillPrice, 'ceil');
  const bankruptcyQuote = long
    ? roundedValue(i.units, i.closed, i.bankruptcyPrice, 'ceil')
    : -roundedValue(i.units, i.closed, i.bankruptcyPrice, 'floor');
  const notional = roundedValue(i.units, i.closed, i.fillPrice, 'floor');
  return splitSurplus(fillQuote, bankruptcyQuote, notional, i.params);
}

// ---- Drift fees ------------------------------------------------------------------------------------------

export interface DriftIfFeeInput {
  /** margin_shortage, quote (1e6). */
  readonly marginShortage: bigint;
  /** user base asset amount (1e9 per unit, unsigned). */
  readonly baseAssetAmount: bigint;
  /** margin ratio, MARGIN_PRECISION 1e4 (e.g. 500 = 5%). */
  readonly marginRatio: bigint;
  /** liquidator fee, 1e6. */
  readonly liquidatorFee: bigint;
  /** oracle price and quote oracle price, 1e6. */
  readonly oraclePrice: bigint;
  readonly quoteOraclePrice: bigint;
  /** the market's maximum IF liquidation fee, 1e6. */
  readonly maxIfFee: bigint;
}

/**
 * Drift calculate_perp_if_fee: 0 when P = 0, Q = 0, base = 0 or mr <= lf; otherwise
 *   x = shortage x 1e9 / base x 1e6 / (P x Q / 1e6);  implied = sat(sat(mr - lf) - x) x 19 / 20;
 *   min(maxIfFee, implied). mr = marginRatio x 100. Every division floors, in this order; `sat` saturates at 0.
 */
export function driftPerpIfFee(i: DriftIfFeeInput): bigint {
  const mr = i.marginRatio * DRIFT_FEE_TO_MARGIN_RATIO;
  if (i.oraclePrice <= 0n || i.quoteOraclePrice <= 0n || i.baseAssetAmount <= 0n || mr <= i.liquidatorFee) return 0n;
  const priceInQuote = (i.oraclePrice * i.quoteOraclePrice) / DRIFT_PRICE_PRECISION;
  if (priceInQuote === 0n) return 0n;
  const x = (((i.marginShortage * DRIFT_BASE_PRECISION) / i.baseAssetAmount) * DRIFT_FEE_PRECISION) / priceInQuote;
  const room = mr - i.liquidatorFee - x;
  const implied = room > 0n ? (room * 19n) / 20n : 0n;
  return implied < i.maxIfFee ? implied : i.maxIfFee;
}

/** Drift LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS and LIQUIDATION_FEE_INCREASE_PER_SLOT (1e-6 per slot). */
export const DRIFT_FEE_GRACE_SLOTS = 1_500n;
export const DRIFT_FEE_INCREASE_PER_SLOT = 1n;

/**
 * Drift get_liquidation_fee: the base liquidator fee until `slotsSinceLastActive` reaches the grace period
 * (1,500 slots), then min(base + slots x 1, max). The step is intended: at slot 1,500 the fee jumps to
 * base + 1,500. max = min(liquidator_fee x 3, margin_ratio_maintenance x 100) (PerpMarket::get_max_liquidation_fee)
 * is the caller's input.
 */
export function driftLiquidationFee(baseFee: bigint, maxFee: bigint, slotsSinceLastActive: bigint): bigint {
  if (slotsSinceLastActive < DRIFT_FEE_GRACE_SLOTS) return baseFee;
  const ramped = baseFee + slotsSinceLastActive * DRIFT_FEE_INCREASE_PER_SLOT;
  return ramped < maxFee ? ramped : maxFee;
}

/**
 * The same ramp on our clock: `elapsedMs` since the liquidation began, converted to Solana slots at
 * DRIFT_SLOT_MS = 400 ms per slot (Drift's own reading: 1,500 slots ~ 10 minutes), slots = floor(ms / 400).
 * Fees are ppm (Drift's 1e6 fee precision is ppm).
 */
export const DRIFT_SLOT_MS = 400;

export function driftLiquidationFeeAtMs(baseFeePpm: bigint, maxFeePpm: bigint, elapsedMs: number): Result<bigint, 'invalid_input'> {
  if (!Number.isSafeInteger(elapsedMs) || elapsedMs < 0) return rejected('invalid_input');
  return ok(driftLiquidationFee(baseFeePpm, maxFeePpm, BigInt(elapsedMs) / BigInt(DRIFT_SLOT_MS)));
}
