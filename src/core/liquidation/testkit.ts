// Test fixtures shared by this folder's tests: dYdX v4's test constants (protocol/testutil/constants, as restated
// in docs/sources/liquidation-goldens.md §1.0) and small helpers. Not used by production code.

import type { DydxHolding, DydxPerpetual, DydxSubaccount } from './dydx.js';

/** BTC-USD, perpetual 0: $50,000 (price 5,000,000,000, exponent -5), atomicResolution -8, tier 3 (20% / 10%). */
export const BTC: DydxPerpetual = {
  id: 0,
  atomicResolution: -8,
  price: 5_000_000_000n,
  exponent: -5,
  initialMarginPpm: 200_000n,
  maintenanceFractionPpm: 500_000n,
};

/** ETH-USD, perpetual 1: $3,000 (price 3,000,000,000, exponent -6), atomicResolution -9, tier 3. */
export const ETH: DydxPerpetual = {
  id: 1,
  atomicResolution: -9,
  price: 3_000_000_000n,
  exponent: -6,
  initialMarginPpm: 200_000n,
  maintenanceFractionPpm: 500_000n,
};

/** ClobPair_Btc: StepBaseQuantums 5, SubticksPerTick 5, QuantumConversionExponent -8. */
export const CLOB_BTC = { stepBaseQuantums: 5n, subticksPerTick: 5n, quantumConversionExponent: -8 } as const;

/** USDC amounts in quote quantums (1e-6). */
export const usd = (whole: bigint): bigint => whole * 1_000_000n;

/** 1 BTC = 1e8 quantums, 0.1 ETH = 1e8 quantums. */
export const BTC_1 = 100_000_000n;
export const ETH_01 = 100_000_000n;

export function subaccount(quoteBalance: bigint, ...positions: DydxHolding[]): DydxSubaccount {
  return { quoteBalance, positions };
}

export function hold(perp: DydxPerpetual, quantums: bigint): DydxHolding {
  return { perp, quantums };
}
