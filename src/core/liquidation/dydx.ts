// dYdX v4's quantum arithmetic, as its liquidation goldens need it: base <-> quote conversion with dYdX's
// truncation, the per-position risk (net collateral, initial and maintenance requirement) and the account
// totals (TNC, TMMR). Restated from docs/sources/liquidation-goldens.md §1.0 (V):
//   dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30,
//   protocol/lib/quantums.go (BaseToQuoteQuantums, QuoteToBaseQuantums),
//   protocol/x/perpetuals/lib/lib.go (GetNetCollateralAndMarginRequirements),
//   protocol/lib/big_math.go (BigIntMulPpm, BigMulPpm, BigRatRound, BigIntRoundToMultiple).
//
// Units: quote quantums are 1e-6 USDC (QuoteCurrencyAtomicResolution = -6); a base quantum is
// 10^atomicResolution coins; a market price is price x 10^exponent USD per coin. These are plain bigints here,
// because the dYdX model is a venue model: the engine's own units (Quote/Size/Price) are used by the generic
// functions of this folder. With quoteDecimals = 6, baseDecimals = -atomicResolution and
// priceDecimals = -exponent, a dYdX quantity IS one of our atoms, so the two agree (a property test checks it).

import { divRound, pow10, PPM_ONE } from '../units/index.js';

/** dYdX QuoteCurrencyAtomicResolution. */
export const DYDX_QUOTE_ATOMIC_RESOLUTION = -6;

/** One perpetual as the liquidation math sees it: its market price and its liquidity tier. */
export interface DydxPerpetual {
  /** The perpetual id (positions are matched to it). */
  readonly id: number;
  /** A base quantum is 10^atomicResolution coins (BTC: -10 on mainnet, -8 in the test fixtures). */
  readonly atomicResolution: number;
  /** Market price integer: price x 10^exponent USD per coin. */
  readonly price: bigint;
  readonly exponent: number;
  /** Liquidity tier initial margin fraction, ppm (the base IMF: maintenance is taken from this one). */
  readonly initialMarginPpm: bigint;
  /** Liquidity tier maintenance fraction of the initial requirement, ppm. */
  readonly maintenanceFractionPpm: bigint;
}

/** 10^e as a fraction [num, den]. */
function pow10Frac(e: number): readonly [bigint, bigint] {
  return e >= 0 ? [pow10(e), 1n] : [1n, pow10(-e)];
}

/**
 * BaseToQuoteQuantums: q x price x 10^(exponent + atomicResolution + 6), truncated toward zero (Go big.Int Quo),
 * so a short's value rounds up toward zero. protocol/lib/quantums.go.
 */
export function dydxBaseToQuote(perp: Pick<DydxPerpetual, 'atomicResolution' | 'price' | 'exponent'>, baseQuantums: bigint): bigint {
  const [n, d] = pow10Frac(perp.exponent + perp.atomicResolution - DYDX_QUOTE_ATOMIC_RESOLUTION);
  return divRound(baseQuantums * perp.price * n, d, 'trunc');
}

/**
 * QuoteToBaseQuantums: |quote| / price / 10^(exponent + atomicResolution + 6), rounded down, then signed like
 * the quote amount (i.e. truncation toward zero; dYdX's two successive divisions of positive values round the
 * same as one). protocol/lib/quantums.go. price must be positive (checked by callers).
 */
export function dydxQuoteToBase(perp: Pick<DydxPerpetual, 'atomicResolution' | 'price' | 'exponent'>, quoteQuantums: bigint): bigint {
  const [n, d] = pow10Frac(perp.exponent + perp.atomicResolution - DYDX_QUOTE_ATOMIC_RESOLUTION);
  const negative = quoteQuantums < 0n;
  const abs = negative ? -quoteQuantums : quoteQuantums;
  const base = divRound(abs * d, perp.price * n, 'floor');
  return negative ? -base : base;
}

/** BigIntMulPpm: floor(x x ppm / 1e6) (Euclidean division by a positive divisor). */
export function dydxMulPpmFloor(x: bigint, ppmValue: bigint): bigint {
  return divRound(x * ppmValue, PPM_ONE, 'floor');
}

/** BigMulPpm(x, ppm, roundUp = true): ceil(x x ppm / 1e6). */
export function dydxMulPpmCeil(x: bigint, ppmValue: bigint): bigint {
  return divRound(x * ppmValue, PPM_ONE, 'ceil');
}

/** BigIntRoundToMultiple(n, m, up): Euclidean floor to a multiple of m (m > 0), or ceil when `up`. */
export function dydxRoundToMultiple(n: bigint, m: bigint, up: boolean): bigint {
  return divRound(n, m, up ? 'ceil' : 'floor') * m;
}

/** One position's risk in quote quantums: NC signed; IMR and MMR >= 0. */
export interface DydxPositionRisk {
  readonly nc: bigint;
  readonly imr: bigint;
  readonly mmr: bigint;
}

/**
 * perplib.GetNetCollateralAndMarginRequirements for a position of `quantums` (signed):
 *   NC = BaseToQuote(q); IMR = ceil(BaseToQuote(|q|) x IMF / 1e6); MMR = ceil(IMR x maintenanceFraction / 1e6).
 * Both roundings are up (BigMulPpm(..., true)). The MMR uses the base IMF, never the open-interest-scaled one.
 */
export function dydxPositionRisk(perp: DydxPerpetual, quantums: bigint): DydxPositionRisk {
  const nc = dydxBaseToQuote(perp, quantums);
  const absNotional = dydxBaseToQuote(perp, quantums < 0n ? -quantums : quantums);
  const imr = dydxMulPpmCeil(absNotional, perp.initialMarginPpm);
  const mmr = dydxMulPpmCeil(imr, perp.maintenanceFractionPpm);
  return { nc, imr, mmr };
}

/** One perpetual position of a subaccount: signed base quantums (long > 0). */
export interface DydxHolding {
  readonly perp: DydxPerpetual;
  readonly quantums: bigint;
}

/** A subaccount: its quote (USDC) balance in quote quantums and its perpetual positions. */
export interface DydxSubaccount {
  readonly quoteBalance: bigint;
  readonly positions: readonly DydxHolding[];
}

/** The signed size of the subaccount's position in `perpetualId` (0n when there is none). */
export function dydxPositionSize(sub: DydxSubaccount, perpetualId: number): bigint {
  for (const h of sub.positions) if (h.perp.id === perpetualId) return h.quantums;
  return 0n;
}

/** Account totals: TNC = quote balance + sum NC; TMMR = sum MMR (and TIMR = sum IMR). */
export interface DydxAccountRisk {
  readonly tnc: bigint;
  readonly timr: bigint;
  readonly tmmr: bigint;
}

export function dydxAccountRisk(sub: DydxSubaccount): DydxAccountRisk {
  let tnc = sub.quoteBalance;
  let timr = 0n;
  let tmmr = 0n;
  for (const h of sub.positions) {
    const r = dydxPositionRisk(h.perp, h.quantums);
    tnc += r.nc;
    timr += r.imr;
    tmmr += r.mmr;
  }
  return { tnc, timr, tmmr };
}

/** IsLiquidatable: TMMR > 0 and TNC < TMMR. */
export function dydxIsLiquidatable(risk: Pick<DydxAccountRisk, 'tnc' | 'tmmr'>): boolean {
  return risk.tmmr > 0n && risk.tnc < risk.tmmr;
}

/**
 * FillAmountToQuoteQuantums: floor(subticks x baseQuantums x 10^quantumConversionExponent)
 * (protocol/x/clob/types/quantums.go; rounds down).
 */
export function dydxFillAmountToQuote(subticks: bigint, baseQuantums: bigint, quantumConversionExponent: number): bigint {
  const [n, d] = pow10Frac(quantumConversionExponent);
  return divRound(subticks * baseQuantums * n, d, 'floor');
}
