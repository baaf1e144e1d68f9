// The fillable price: the worst price a liquidation order may take, between the oracle and the bankruptcy price,
// the further toward bankruptcy the deeper the account is under water.
//
// dYdX v4 GetFillablePrice, dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30,
// protocol/x/clob/keeper/liquidations.go; restated in docs/sources/liquidation-goldens.md §1.2 (V):
//   FP  = (PNNV - ABR x SMMR x PMMR) / PS          (quote per base atom, an exact rational; no rounding)
//   ABR = clamp(BA x (1 - TNC / TMMR), 0, 1)       (the "adjusted bankruptcy rating")
// BA = bankruptcy_adjustment_ppm / 1e6, SMMR = spread_to_maintenance_margin_ratio_ppm / 1e6, PNNV and PMMR the
// position's net notional and maintenance requirement, PS its signed size. FP depends on the position, not on
// the delta being closed. dYdX does this in big.Rat; we use core/units Rational, which is exact as well.
//
// Conversion to an order price (ConvertFillablePriceToSubticks, same file): scale to the order's price unit,
// round up when liquidating a long (a sell: ask at least FP) and down when liquidating a short (a buy), then to
// a multiple of the tick in the same direction, then clamp to [one tick, max]. dYdX's max is
// MaxUint64 - MaxUint64 mod SubticksPerTick; our own order prices are unbounded bigints, so only the lower clamp
// applies to `fillableLimitPrice`.

import { divRound, pow10, PPM_ONE, Rational, type Price } from '../units/index.js';
import { isClosingDelta } from './bankruptcy.js';
import { dydxAccountRisk, dydxPositionRisk, dydxPositionSize, type DydxPerpetual, type DydxSubaccount } from './dydx.js';
import { ok, rejected, type ParamProblem, type Result } from './result.js';
import { validUnits, valueShift, type MarketUnits } from './units.js';

/** dYdX FillablePriceConfig. */
export interface FillablePriceParams {
  /** BA, ppm (dYdX default and mainnet: 1,000,000). uint32 in dYdX. */
  readonly bankruptcyAdjustmentPpm: bigint;
  /** SMMR, ppm (dYdX default 100,000; mainnet genesis 1,500,000). uint32 in dYdX. */
  readonly spreadToMaintenanceMarginRatioPpm: bigint;
}

const UINT32_MAX = 4_294_967_295n;

export function validateFillablePriceParams(p: FillablePriceParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (p.bankruptcyAdjustmentPpm < PPM_ONE || p.bankruptcyAdjustmentPpm > UINT32_MAX) {
    problems.push({ path: 'bankruptcyAdjustmentPpm', message: 'must be in [1e6, 2^32 - 1] (dYdX requires >= 1e6)' });
  }
  if (p.spreadToMaintenanceMarginRatioPpm <= 0n || p.spreadToMaintenanceMarginRatioPpm > UINT32_MAX) {
    problems.push({ path: 'spreadToMaintenanceMarginRatioPpm', message: 'must be in [1, 2^32 - 1]' });
  }
  return problems;
}

export interface FillablePriceInput {
  /** Ledger totals, signed equity and maintenance requirement (any one quote unit). */
  readonly tnc: bigint;
  readonly tmmr: bigint;
  /** The position: signed size (base atoms), signed net notional PNNV and maintenance PMMR (quote units). */
  readonly positionSize: bigint;
  readonly pnnv: bigint;
  readonly pmmr: bigint;
  readonly params: FillablePriceParams;
}

export type FillablePriceReason = 'no_position' | 'no_maintenance' | 'negative_fillable_price' | 'invalid_params';

/** ABR = clamp(BA x (1 - TNC/TMMR), 0, 1), exact. TMMR must be > 0. */
export function adjustedBankruptcyRating(tnc: bigint, tmmr: bigint, bankruptcyAdjustmentPpm: bigint): Rational {
  const unbounded = Rational.int(1).sub(Rational.of(tnc, tmmr)).mul(Rational.of(bankruptcyAdjustmentPpm, PPM_ONE));
  if (unbounded.isNegative()) return Rational.int(0);
  if (unbounded.cmp(Rational.int(1)) > 0) return Rational.int(1);
  return unbounded;
}

/**
 * FP = (PNNV - ABR x SMMR x PMMR) / PS, exact, in quote units per base atom (see the header).
 * 'negative_fillable_price' is where dYdX panics.
 */
export function fillablePrice(i: FillablePriceInput): Result<Rational, FillablePriceReason> {
  if (validateFillablePriceParams(i.params).length > 0) return rejected('invalid_params');
  if (i.positionSize === 0n) return rejected('no_position');
  if (i.tmmr <= 0n) return rejected('no_maintenance');
  const abr = adjustedBankruptcyRating(i.tnc, i.tmmr, i.params.bankruptcyAdjustmentPpm);
  const spread = abr.mul(Rational.of(i.pmmr * i.params.spreadToMaintenanceMarginRatioPpm, PPM_ONE));
  const fp = Rational.int(i.pnnv).sub(spread).div(Rational.int(i.positionSize));
  if (fp.isNegative()) return rejected('negative_fillable_price');
  return ok(fp);
}

/**
 * GetFillablePrice on a dYdX subaccount model (quote quantums per base quantum). The delta is validated as in
 * GetBankruptcyPriceInQuoteQuantums ('invalid_delta') though the price does not depend on it.
 */
export function dydxFillablePrice(
  sub: DydxSubaccount,
  perp: DydxPerpetual,
  delta: bigint,
  params: FillablePriceParams,
): Result<Rational, FillablePriceReason | 'invalid_delta'> {
  const ps = dydxPositionSize(sub, perp.id);
  if (!isClosingDelta(ps, delta)) return rejected('invalid_delta');
  const pos = dydxPositionRisk(perp, ps);
  const total = dydxAccountRisk(sub);
  return fillablePrice({ tnc: total.tnc, tmmr: total.tmmr, positionSize: ps, pnnv: pos.nc, pmmr: pos.mmr, params });
}

/** dYdX ClobPair fields the subtick conversion needs. */
export interface DydxClobPair {
  readonly subticksPerTick: bigint;
  readonly quantumConversionExponent: number;
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

/**
 * ConvertFillablePriceToSubticks: subticks = FP x 10^-quantumConversionExponent, rounded up when liquidating a
 * long and down when liquidating a short, then to a multiple of SubticksPerTick in the same direction, then
 * clamped to [SubticksPerTick, MaxUint64 - MaxUint64 mod SubticksPerTick]. A negative FP (dYdX panics) is
 * 'negative_fillable_price'.
 */
export function dydxFillablePriceToSubticks(
  fp: Rational,
  liquidatingLong: boolean,
  clob: DydxClobPair,
): Result<bigint, 'negative_fillable_price' | 'invalid_params'> {
  if (clob.subticksPerTick <= 0n || clob.subticksPerTick > UINT32_MAX) return rejected('invalid_params');
  if (!Number.isSafeInteger(clob.quantumConversionExponent) || Math.abs(clob.quantumConversionExponent) > 60) return rejected('invalid_params');
  if (fp.isNegative()) return rejected('negative_fillable_price');
  const e = -clob.quantumConversionExponent;
  const num = e >= 0 ? fp.num * pow10(e) : fp.num;
  const den = e >= 0 ? fp.den : fp.den * pow10(-e);
  const mode = liquidatingLong ? 'ceil' : 'floor';
  const aligned = divRound(divRound(num, den, mode), clob.subticksPerTick, mode) * clob.subticksPerTick;
  const lo = clob.subticksPerTick;
  const hi = UINT64_MAX - (UINT64_MAX % clob.subticksPerTick);
  return ok(aligned < lo ? lo : aligned > hi ? hi : aligned);
}

/**
 * Our order limit price for a liquidation of a position of signed size `positionSize`, from a fillable price
 * in quote atoms per size atom: price atoms = FP x 10^(baseDecimals + priceDecimals - quoteDecimals), rounded up
 * for a long (the liquidation sells) and down for a short (it buys), then to the tick in the same direction,
 * at least one tick.
 */
export function fillableLimitPrice(
  fp: Rational,
  positionSize: bigint,
  units: MarketUnits,
  tickSize: Price,
): Result<Price, 'no_position' | 'negative_fillable_price' | 'invalid_input'> {
  if (positionSize === 0n) return rejected('no_position');
  if (tickSize <= 0n || !validUnits(units)) return rejected('invalid_input');
  if (fp.isNegative()) return rejected('negative_fillable_price');
  const shift = valueShift(units);
  const num = shift >= 0 ? fp.num * pow10(shift) : fp.num;
  const den = shift >= 0 ? fp.den : fp.den * pow10(-shift);
  const mode = positionSize > 0n ? 'ceil' : 'floor';
  const aligned = divRound(divRound(num, den, mode), tickSize, mode) * tickSize;
  return ok((aligned < tickSize ? tickSize : aligned) as Price);
}
