// Rulebook presets: the strategy choices of real venues. Each cites where the choice is documented
// (docs/sources/*.md hold the notes, with V/S/U/D tags). Margin schedules (tiers, ratios) are per market and live in
// the market specs, not here. Quote amounts are given in whole units and scaled to the settlement asset's decimals.

import { dec, PPM_ONE, ppm, quote, type Quote } from '../units/index.js';
import type { LiquidationRules, TakeoverRule } from './liquidation.js';
import { DEFAULT_FEE_BOUNDS, type Rulebook } from './rulebook.js';

export const PRESET_NAMES = ['binance', 'bybit', 'bitmex', 'hyperliquid', 'dydx-v4', 'drift-v2'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const LIMITS = { maxStepsPerBlock: 10_000, windowMs: 60_000, maxStepsPerMarketPerWindow: null, maxNotionalPerMarketPerWindow: null } as const;

/**
 * Binance "Introduction to Futures Insurance Funds": the fund takes over what the liquidation order leaves and
 * offloads it gradually; its net position per market is capped at 100% of the fund; beyond it, counterparty
 * liquidation (ADL). Unwinding (U, our choice): all of it per command, no worse than 1% from the mark.
 */
const FUND_TAKEOVER: Extract<TakeoverRule, { kind: 'insurance_fund' }> = {
  kind: 'insurance_fund',
  maxNotionalShareOfFundPpm: PPM_ONE,
  unwind: { portionPpm: PPM_ONE, slippagePpm: ppm(10_000n) },
};

/** A remainder nobody took is retried after a second (a dYdX block is ~1 s; U for the others), or on new orders. */
const RETRY_AFTER_MS = 1_000;

/** Shared by the order-book venues: book at bankruptcy, the insurance fund takes over, ADL behind the fund. */
function cexLiquidation(insuranceFeePpm: bigint, marginCallBufferPpm: bigint): LiquidationRules {
  return {
    marginCallBufferPpm: ppm(marginCallBufferPpm),
    sizing: { kind: 'full' },
    limitPrice: { kind: 'bankruptcy' },
    fees: { insuranceFeePpm, liquidatorRewardPpm: 0n, order: 'insurance_first' },
    liquidatorAccount: null,
    takeover: FUND_TAKEOVER,
    deleverage: { kind: 'adl', onlyBankrupt: false, onlyWhenBookUnfilled: false },
    socialise: false,
    maxInsuranceLossPerBlock: null,
    retryAfterMs: RETRY_AFTER_MS,
    limits: LIMITS,
    gateWithdrawalsOnNegativeEquity: false,
  };
}

/** The preset `name` for a settlement asset with `quoteDecimals` decimals, or undefined. */
export function rulebookPreset(name: string, quoteDecimals: number): Rulebook | undefined {
  const usd = (whole: string): Quote => quote(dec(whole, quoteDecimals));
  switch (name) {
    // Binance USDⓈ-M: liquidation when the margin ratio (maintenance / margin balance) reaches 100%; a margin call
    // at 80% (equity = 1.25 x maintenance); the liquidation order goes to the book at the bankruptcy price, the
    // surplus pays a clearance fee to the insurance fund (rate U: 0.5% here); the fund takes over what the book
    // leaves, within its notional cap; ADL only beyond it.
    case 'binance':
      return { name, breachRule: 'at_or_below', preTradeCheck: 'initial_margin', marginValuation: 'mark', markMethod: 'binance', liquidation: cexLiquidation(5_000n, 250_000n), feeBounds: DEFAULT_FEE_BOUNDS };
    // Bybit "Liquidation Price (USDT Contract)": liquidation when position margin <= MM, MM on the entry value;
    // mark = index + moving average of the basis, as Binance's Price 2. Fee U (0.5%); the liquidation engine takes
    // the position over with the insurance fund; ADL when the fund cannot (Bybit "Auto-Deleveraging").
    case 'bybit':
      return { name, breachRule: 'at_or_below', preTradeCheck: 'initial_margin', marginValuation: 'entry', markMethod: 'binance', liquidation: cexLiquidation(5_000n, 0n), feeBounds: DEFAULT_FEE_BOUNDS };
    // BitMEX "Isolated and Cross Margin Examples": MM on the cost value; the position is taken over at the
    // bankruptcy price and everything better than it goes to the insurance fund (no published notional cap on
    // the fund's position); ADL behind the fund.
    case 'bitmex':
      return {
        name,
        breachRule: 'at_or_below',
        preTradeCheck: 'initial_margin',
        marginValuation: 'entry',
        markMethod: 'bitmex',
        liquidation: { ...cexLiquidation(PPM_ONE, 0n), takeover: { ...FUND_TAKEOVER, maxNotionalShareOfFundPpm: null } },
        feeBounds: DEFAULT_FEE_BOUNDS,
      };
    // Hyperliquid docs, Liquidations: account value < MM at mark; positions above 100k USDC go to the book 20% at a
    // time with a 30 s cooldown; below 2/3 of MM with the book unfilled, the liquidator vault takes over; no
    // clearance fee (S). The vault is the account named "hlp" (fund it to enable it). Its exposure per market is
    // capped at 20% of its equity (U: Hyperliquid capped the vault's exposure after JELLY, 2025-03-26, without
    // publishing the share); beyond it, and for a ledger below zero, ADL (Hyperliquid docs, Auto-deleveraging).
    case 'hyperliquid':
      return {
        name,
        breachRule: 'below',
        preTradeCheck: 'initial_margin',
        marginValuation: 'mark',
        markMethod: 'hyperliquid',
        feeBounds: DEFAULT_FEE_BOUNDS,
        liquidation: {
          ...cexLiquidation(0n, 0n),
          sizing: {
            kind: 'hyperliquid',
            params: { partialThresholdNotional: usd('100000'), partialPortionPpm: ppm(200_000n), cooldownMs: 30_000, backstopEquityNumerator: 2n, backstopEquityDenominator: 3n },
          },
          takeover: { kind: 'backstop', account: 'hlp', maxExposureShareOfEquityPpm: ppm(200_000n) },
          deleverage: { kind: 'adl', onlyBankrupt: true, onlyWhenBookUnfilled: false },
        },
      };
    // dYdX v4 (protocol/x/clob/keeper/liquidations.go; mainnet-style genesis values, V): TNC < MMR; 10% of a
    // position per block with a 1,000 USDC minimum; per-account caps of 100k USDC notional and 1M USDC insurance
    // loss per block; the liquidation order at the fillable price with SMMR 150%; fee up to 1.5% to the insurance
    // fund, which pays fills beyond bankruptcy; no takeover (an unfilled remainder waits for the next block);
    // deleveraging (offsetting) at the bankruptcy price only for a subaccount below zero whose order filled nothing
    // (deleveraging.go CanDeleverageSubaccount, liquidations.go); withdrawals gated while an account is negative.
    case 'dydx-v4':
      return {
        name,
        breachRule: 'below',
        preTradeCheck: 'initial_margin',
        marginValuation: 'mark',
        markMethod: 'dydx',
        feeBounds: DEFAULT_FEE_BOUNDS,
        liquidation: {
          ...cexLiquidation(15_000n, 0n),
          sizing: {
            kind: 'dydx',
            params: {
              minPositionNotionalLiquidated: usd('1000'),
              maxPositionPortionLiquidatedPpm: ppm(100_000n),
              subaccount: { maxNotionalLiquidated: usd('100000'), maxQuantumsInsuranceLost: usd('1000000') },
            },
          },
          limitPrice: { kind: 'fillable', params: { bankruptcyAdjustmentPpm: PPM_ONE, spreadToMaintenanceMarginRatioPpm: 1_500_000n } },
          takeover: { kind: 'none' },
          deleverage: { kind: 'offset', onlyBankrupt: true, onlyWhenBookUnfilled: true },
          gateWithdrawalsOnNegativeEquity: true,
        },
      };
    // Drift v2 (programs/drift/src/math/liquidation.rs, V): close only the shortfall plus a 2% buffer of the
    // liabilities, taken near the oracle (the mark less the fees); liquidator and insurance fees out of the
    // surplus (1% each here, U: per-market values); no takeover, no ADL; bankruptcy losses the insurance fund
    // cannot pay are socialised over open interest through the funding index (resolve_perp_bankruptcy).
    case 'drift-v2':
      return {
        name,
        breachRule: 'below',
        preTradeCheck: 'initial_margin',
        marginValuation: 'mark',
        markMethod: 'oracle',
        feeBounds: DEFAULT_FEE_BOUNDS,
        liquidation: {
          ...cexLiquidation(10_000n, 0n),
          sizing: {
            kind: 'drift',
            params: {
              marginBufferPpm: ppm(20_000n),
              bufferBasis: 'liability',
              liquidatorFeePpm: ppm(10_000n),
              insuranceFeePpm: ppm(10_000n),
              initialPortionPpm: PPM_ONE,
              rampDurationMs: 0,
              smallShortfall: usd('50'),
              smallPosition: usd('50'),
            },
          },
          limitPrice: { kind: 'oracle_less_fees' },
          fees: { insuranceFeePpm: 10_000n, liquidatorRewardPpm: 10_000n, order: 'liquidator_first' },
          takeover: { kind: 'none' },
          deleverage: { kind: 'none', onlyBankrupt: true, onlyWhenBookUnfilled: false },
          socialise: true,
        },
      };
    default:
      return undefined;
  }
}

export const DEFAULT_RULEBOOK: Rulebook = rulebookPreset('binance', 6) as Rulebook;

export function presetNames(): string[] {
  return [...PRESET_NAMES];
}
