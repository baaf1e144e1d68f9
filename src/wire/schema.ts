// The JSON wire format of commands and scenarios (docs/scenarios.md), as zod schemas.
// Money, sizes, prices and ratios are decimal STRINGS: JSON numbers are binary floats and lose digits.
// Objects are strict: an unknown (e.g. misspelt) field is an error that names it.

import { auctionSchemas } from './auction-schema.js';
import { z } from 'zod';

const DECIMAL_TEXT = /^[+-]?\d+(\.\d+)?$/;
const decimalMessage = 'must be a decimal string such as "97000.5" (JSON numbers lose precision)';

export const decimalString = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : decimalMessage) })
  .regex(DECIMAL_TEXT, { error: decimalMessage });
export const idString = z
  .string({ error: 'must be a string id' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/, { error: 'must be 1-64 letters, digits or ._:@/- (starting with a letter or digit)' });

/** Milliseconds since the epoch, or an ISO-8601 UTC timestamp ("2025-02-02T22:14:00Z"). */
export const timeValue = z.union([
  z.number({ error: 'must be ms since the epoch or an ISO-8601 time' }).int().nonnegative(),
  z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/, { error: 'must be an ISO-8601 UTC time like 2025-02-02T22:14:00Z' }),
]);

/**
 * An integer from `min` to `max`, every failure (not a number, a fraction, out of range) told with the range. A
 * message given to z.number() alone is also what its checks say: `z.number({ error: 'must be an integer' }).max(9)`
 * answers 10 with "must be an integer".
 */
export function intIn(min: number, max: number): z.ZodNumber {
  const message = `must be an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** A number (not NaN, finite) from `min` to `max`, told with the range as intIn. */
export function numberIn(min: number, max: number): z.ZodNumber {
  const message = `must be a number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return z.number({ error: message }).min(min, { error: message }).max(max, { error: message });
}

const decimalsInt = intIn(0, 30);

export const tierSchema = z.strictObject({
  notionalFloor: decimalString,
  /** Either the initial ratio or the maximum leverage (initial ratio = 1 / maxLeverage, rounded up to ppm). */
  initialRatio: decimalString.optional(),
  maxLeverage: z.number().int().min(1).max(1_000_000).optional(),
  maintenanceRatio: decimalString,
  /** Omit to derive it: amount_n = amount_{n-1} + floor_n x (MMR_n - MMR_{n-1}). */
  maintenanceAmount: decimalString.optional(),
});

export const marginSchema = z.strictObject({
  tiers: z.array(tierSchema).min(1, { error: 'at least one tier is required' }).max(64),
  /** Drift v2 size premium: imf_factor as a fraction (Drift's 50 = "0.00005"). */
  sizePremium: z.strictObject({ imfFactor: decimalString }).optional(),
  /** dYdX v4: maintenance = initial x this fraction (each rounded up). */
  maintenanceFraction: decimalString.optional(),
  openInterestScaling: z.strictObject({ lowerCap: decimalString, upperCap: decimalString }).optional(),
  volatility: z
    .strictObject({
      sampleIntervalMs: z.number().int().positive(),
      lambda: decimalString,
      referenceVol: decimalString,
      minMultiplier: decimalString,
      maxMultiplier: decimalString,
      maxChangePerHour: decimalString,
    })
    .optional(),
});

const ratio = decimalString;
const rate = decimalString;

export const pricingSchema = z.strictObject({
  index: z
    .strictObject({
      method: z.enum(['weighted_median', 'weighted_mean']).default('weighted_median'),
      /** Weight per source (whole numbers). */
      sources: z.record(idString, z.number().int().nonnegative()),
      maxAgeMs: z.number().int().positive(),
      minSources: z.number().int().positive(),
      deviationCap: ratio.optional(),
      deviationPolicy: z.enum(['clip', 'drop', 'drop_one_else_median']).optional(),
      medianRule: z.enum(['lower', 'midpoint']).optional(),
      maxConf: ratio.optional(),
      /** Per source, its aggregator's min/max answer (docs/guards.md). */
      answerBounds: z.record(idString, z.strictObject({ min: decimalString, max: decimalString })).optional(),
    })
    .optional(),
  markMethod: z.enum(['binance', 'bitmex', 'hyperliquid', 'dydx', 'oracle']).optional(),
  basisCadenceMs: z.number().int().positive().default(5_000),
  basisSamples: z.number().int().positive().max(1024).default(30),
  minPriceChange: ratio.default('0'),
  guards: z
    .strictObject({
      maxPriceAgeMs: z.number().int().positive().optional(),
      maxJump: ratio.optional(),
      maxConf: ratio.optional(),
      twapBand: ratio.optional(),
      twapWindowMs: z.number().int().positive().optional(),
      rearmAfter: z.number().int().positive().default(1),
    })
    .default({ rearmAfter: 1 }),
  attestation: z.strictObject({ required: z.boolean().default(true), keys: z.record(idString, z.string()) }).optional(),
  /** The oracle aggregator's min/max answer for direct prices (docs/guards.md): an answer at a bound is clamped. */
  answerBounds: z.strictObject({ min: decimalString, max: decimalString }).optional(),
  funding: z
    .strictObject({
      method: z.enum(['binance', 'hyperliquid', 'external']),
      intervalMs: z.number().int().positive(),
      sampleIntervalMs: z.number().int().positive().default(5_000),
      interestRate: rate.default('0.0001'),
      clampBand: rate.default('0.0005'),
      cap: rate.default('0.0075'),
      floor: rate.default('-0.0075'),
      fundAt: z.enum(['mark', 'index']).default('mark'),
    })
    .optional(),
});

export const marketSchema = z.strictObject({
  id: idString,
  baseDecimals: decimalsInt,
  priceDecimals: decimalsInt,
  tickSize: decimalString,
  stepSize: decimalString,
  margin: marginSchema,
  pricing: pricingSchema.optional(),
  /** Fee rates on the built-in book, fractions of notional (negative: a rebate). */
  fees: z.strictObject({ maker: decimalString.default('0'), taker: decimalString.default('0') }).optional(),
  /** Open-interest cap in base units and / or notional (docs/guards.md). */
  openInterestCap: z.strictObject({ size: decimalString.optional(), notional: decimalString.optional() }).optional(),
});

export const assetSchema = z.strictObject({
  id: idString,
  decimals: decimalsInt,
  priceMarket: idString,
  collateralWeight: decimalString.default('1'),
  ltv: decimalString.default('0'),
  liquidationThreshold: decimalString.default('0'),
  /** Wrapped, staked or pegged: valued at conversionRate x the index of priceMarket (the underlying's) (docs/guards.md). */
  peg: z.strictObject({ conversionRate: decimalString, market: idString.optional(), depegBand: decimalString.default('0.05') }).optional(),
});

export const rulebookSchema = z.union([
  z.string(),
  z.strictObject({
    preset: z.string().optional(),
    name: z.string().min(1).max(64).optional(),
    breachRule: z.enum(['below', 'at_or_below']).optional(),
    preTradeCheck: z.enum(['initial_margin', 'none']).optional(),
    marginValuation: z.enum(['mark', 'entry']).optional(),
    markMethod: z.enum(['binance', 'bitmex', 'hyperliquid', 'dydx', 'oracle']).optional(),
    feeBounds: z.strictObject({ maxFee: decimalString.optional(), maxRebate: decimalString.optional() }).optional(),
    liquidation: z
      .strictObject({
        marginCallBuffer: decimalString.optional(),
        marginCallRecoveryBuffer: decimalString.optional(),
        marginCallIntervalMs: z.number().int().nonnegative().optional(),
        sizing: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('full') }),
            z.strictObject({
              kind: z.literal('dydx'),
              minPositionNotional: decimalString.optional(),
              maxPositionPortion: decimalString.optional(),
              maxNotionalPerBlock: decimalString.optional(),
              maxInsuranceLossPerBlock: decimalString.optional(),
            }),
            z.strictObject({
              kind: z.literal('hyperliquid'),
              partialThreshold: decimalString.optional(),
              partialPortion: decimalString.optional(),
              cooldownMs: z.number().int().nonnegative().optional(),
              backstopEquityNumerator: z.number().int().nonnegative().optional(),
              backstopEquityDenominator: z.number().int().positive().optional(),
            }),
            z.strictObject({
              kind: z.literal('drift'),
              marginBuffer: decimalString.optional(),
              bufferBasis: z.enum(['liability', 'maintenance']).optional(),
              liquidatorFee: decimalString.optional(),
              insuranceFee: decimalString.optional(),
              initialPortion: decimalString.optional(),
              rampDurationMs: z.number().int().nonnegative().optional(),
              smallShortfall: decimalString.optional(),
              smallPosition: decimalString.optional(),
            }),
          ])
          .optional(),
        limitPrice: z
          .union([
            z.literal('bankruptcy'),
            z.literal('oracle_less_fees'),
            z.strictObject({ kind: z.literal('fillable'), bankruptcyAdjustment: decimalString, spreadToMaintenanceMarginRatio: decimalString }),
          ])
          .optional(),
        fees: z
          .strictObject({ insurance: decimalString.optional(), liquidator: decimalString.optional(), order: z.enum(['insurance_first', 'liquidator_first']).optional() })
          .optional(),
        liquidatorAccount: idString.nullable().optional(),
        maxInsuranceLossPerBlock: decimalString.nullable().optional(),
        takeover: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('none') }),
            z.strictObject({
              kind: z.literal('insurance_fund'),
              maxNotionalShareOfFund: decimalString.nullable().optional(),
              unwind: z.strictObject({ portion: decimalString.optional(), slippage: decimalString.optional() }).optional(),
            }),
            z.strictObject({ kind: z.literal('backstop'), account: idString, maxExposureShareOfEquity: decimalString.nullable().optional() }),
          ])
          .optional(),
        deleverage: z
          .strictObject({ kind: z.enum(['adl', 'offset', 'none']).optional(), onlyBankrupt: z.boolean().optional(), onlyWhenBookUnfilled: z.boolean().optional() })
          .optional(),
        socialise: z.boolean().optional(),
        retryAfterMs: z.number().int().nonnegative().optional(),
        limits: z
          .strictObject({
            maxStepsPerBlock: z.number().int().positive().optional(),
            windowMs: z.number().int().positive().optional(),
            maxStepsPerMarketPerWindow: z.number().int().positive().nullable().optional(),
            maxNotionalPerMarketPerWindow: decimalString.nullable().optional(),
          })
          .optional(),
        gateWithdrawalsOnNegativeEquity: z.boolean().optional(),
      })
      .optional(),
    /** Guards from real incidents (docs/guards.md); every field defaults. */
    guards: z
      .strictObject({
        transferMargin: decimalString.optional(),
        confirmChangesAbove: z.number().int().nonnegative().optional(),
        audit: z.strictObject({ everyCommands: z.number().int().nonnegative().optional(), sampleAccounts: z.number().int().positive().optional() }).optional(),
      })
      .optional(),
    /** Traders' conditional orders (docs/conditional-orders.md); every field defaults. */
    conditionalOrders: z
      .strictObject({
        order: z.enum(['stops_first', 'liquidation_first']).optional(),
        /** A fired market-type order's limit: this fraction past its trigger ("0.1": 10%). */
        marketSlippage: decimalString.optional(),
        defaultSource: z.enum(['mark', 'index', 'last']).optional(),
        maxPerAccountMarket: z.number().int().positive().optional(),
      })
      .optional(),
  }),
]);

export const fillSideSchema = z.union([
  idString,
  z.strictObject({
    account: idString,
    fee: decimalString.optional(),
    /** Fee as a fraction of the fill's notional, rounded up to a quote atom. */
    feeRate: decimalString.optional(),
    marginMode: z.enum(['cross', 'isolated']).optional(),
    isolatedMargin: decimalString.optional(),
  }),
]);

const at = { at: timeValue.optional() };
// ---- auctions in the engine (issue 18 part B): the auction house's commands, one definition (auction-schema.ts) ----
const auctionShapes = auctionSchemas({ decimalString, idString, timeValue }, timeValue.optional(), decimalString.nullable().optional());

export const commandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set_market'), ...at, market: marketSchema }),
  z.strictObject({ kind: z.literal('set_asset'), ...at, asset: assetSchema }),
  z.strictObject({ kind: z.literal('set_rulebook'), ...at, rulebook: rulebookSchema }),
  z.strictObject({ kind: z.literal('deposit'), ...at, account: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('withdraw'), ...at, account: idString, asset: idString, amount: decimalString }),
  z.strictObject({
    kind: z.literal('fill'),
    ...at,
    market: idString,
    price: decimalString,
    size: decimalString,
    buyer: fillSideSchema,
    seller: fillSideSchema,
  }),
  z.strictObject({ kind: z.literal('adjust_isolated_margin'), ...at, account: idString, market: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('price'), ...at, market: idString, mark: decimalString.optional(), index: decimalString.optional(), conf: decimalString.optional() }),
  z.strictObject({
    kind: z.literal('source_price'),
    ...at,
    market: idString,
    source: idString,
    price: decimalString,
    /** When the source published the price; default: the command's time. */
    publishedAt: timeValue.optional(),
    conf: decimalString.optional(),
    signature: z.string().regex(/^[0-9a-fA-F]{128}$/, { error: 'must be a 64-byte ed25519 signature in hex' }).optional(),
  }),
  z.strictObject({
    kind: z.literal('market_data'),
    ...at,
    market: idString,
    bestBid: decimalString.optional(),
    bestAsk: decimalString.optional(),
    lastTrade: decimalString.optional(),
    externalMid: decimalString.optional(),
  }),
  z.strictObject({ kind: z.literal('funding_rate'), ...at, market: idString, rate: decimalString }),
  z.strictObject({ kind: z.literal('settle_funding'), ...at, account: idString }),
  z.strictObject({
    kind: z.literal('place_order'),
    ...at,
    account: idString,
    market: idString,
    id: idString,
    side: z.enum(['buy', 'sell']),
    price: decimalString,
    size: decimalString,
    tif: z.enum(['gtc', 'ioc', 'post_only']).default('gtc'),
  }),
  z.strictObject({ kind: z.literal('cancel_order'), ...at, account: idString, market: idString, id: idString }),
  z.strictObject({ kind: z.literal('set_liquidation_pause'), ...at, paused: z.boolean() }),
  z.strictObject({ kind: z.literal('insurance_deposit'), ...at, amount: decimalString }),
  z.strictObject({ kind: z.literal('tick'), ...at }),
  z.strictObject({ kind: z.literal('borrow'), ...at, account: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('repay'), ...at, account: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('set_account_group'), ...at, account: idString, group: idString.nullable() }),
  z.strictObject({ kind: z.literal('confirm_change'), ...at, change: z.number().int().positive(), actor: z.string().min(1).max(128).optional() }),
  z.strictObject({ kind: z.literal('cancel_change'), ...at, change: z.number().int().positive(), actor: z.string().min(1).max(128).optional() }),
  z.strictObject({ kind: z.literal('audit'), ...at }),
  z.strictObject({ kind: z.literal('halt'), ...at, reason: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('resume'), ...at }),
  z.strictObject({
    kind: z.literal('place_conditional'),
    ...at,
    account: idString,
    market: idString,
    id: idString,
    type: z.enum(['stop_market', 'stop_limit', 'take_profit_market', 'take_profit_limit', 'trailing_stop', 'position_tp', 'position_sl']),
    side: z.enum(['buy', 'sell']).optional(),
    trigger: decimalString.optional(),
    /** trailing_stop: a distance in price units, or a ratio ("0.01": 1%). */
    trailAmount: decimalString.optional(),
    trailRatio: decimalString.optional(),
    limitPrice: decimalString.optional(),
    size: decimalString.optional(),
    source: z.enum(['mark', 'index', 'last']).optional(),
    reduceOnly: z.boolean().optional(),
    closePosition: z.boolean().optional(),
    expiresAt: timeValue.optional(),
  }),
  z.strictObject({ kind: z.literal('cancel_conditional'), ...at, account: idString, market: idString, id: idString }),
  z.strictObject({
    kind: z.literal('amend_conditional'),
    ...at,
    account: idString,
    market: idString,
    id: idString,
    trigger: decimalString.optional(),
    trailAmount: decimalString.optional(),
    trailRatio: decimalString.optional(),
    limitPrice: decimalString.optional(),
    size: decimalString.optional(),
    /** null removes the expiry. */
    expiresAt: timeValue.nullable().optional(),
  }),
  // ---- auctions in the engine (issue 18 part B) ----
  ...auctionShapes.commands,
  ...auctionShapes.engineOnly,
  // ---- lending markets (issue 18; decoded by wire/lending.ts) ----
  z.strictObject({
    kind: z.literal('lending_reserve'),
    ...at,
    market: idString,
    asset: idString,
    decimals: decimalsInt,
    /** Fractions: ltv "0.75", liquidationThreshold "0.8", liquidationBonus "1.05" (with the principal, as Aave stores it), protocolFee "0.1" (of the bonus); at most 4 decimals (basis points). */
    ltv: decimalString,
    liquidationThreshold: decimalString,
    liquidationBonus: decimalString,
    protocolFee: decimalString.default('0'),
    /** Yearly rates as fractions ("0.08"), at most 27 decimals (ray). */
    supplyRate: decimalString.default('0'),
    borrowRate: decimalString.default('0'),
    /** Base currency (USD, 8 decimals) per whole unit; required for a new reserve. */
    price: decimalString.optional(),
  }),
  z.strictObject({ kind: z.literal('lending_price'), ...at, market: idString, prices: z.record(idString, decimalString) }),
  z.strictObject({ kind: z.literal('lending_supply'), ...at, market: idString, user: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('lending_borrow'), ...at, market: idString, user: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('lending_repay'), ...at, market: idString, user: idString, asset: idString, amount: z.union([z.literal('max'), decimalString]) }),
  z.strictObject({
    kind: z.literal('lending_liquidate'),
    ...at,
    market: idString,
    liquidator: idString,
    user: idString,
    collateralAsset: idString,
    debtAsset: idString,
    /** Debt-asset units, or "max": as much as the close factor allows. */
    debtToCover: z.union([z.literal('max'), decimalString]),
  }),
  // Morpho Blue: amounts in atoms and the oracle's price x 1e36 (integer strings), as the contracts take them;
  // ratios (lltv, pre-liquidation parameters) as fractions with at most 18 decimals (WAD)
  z.strictObject({ kind: z.literal('morpho_market'), ...at, market: idString, loanAsset: idString, collateralAsset: idString, lltv: decimalString, price: decimalString }),
  z.strictObject({ kind: z.literal('morpho_price'), ...at, market: idString, price: decimalString }),
  z.strictObject({ kind: z.literal('morpho_supply'), ...at, market: idString, user: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('morpho_supply_collateral'), ...at, market: idString, user: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('morpho_borrow'), ...at, market: idString, user: idString, amount: decimalString }),
  z.strictObject({
    kind: z.literal('morpho_pre_liquidation'), ...at, market: idString, user: idString,
    preLltv: decimalString, preLCF1: decimalString, preLCF2: decimalString, preLIF1: decimalString, preLIF2: decimalString,
  }),
  z.strictObject({
    kind: z.literal('morpho_liquidate'), ...at, market: idString, liquidator: idString, user: idString,
    seizedAssets: decimalString.default('0'), repaidShares: decimalString.default('0'), pre: z.boolean().default(false),
  }),
  // Compound v3 (decoded by wire/lending.ts): amounts in the asset's units (the decimals comet_market declares),
  // prices in USD (8-decimal feed answers), factors as fractions with at most 18 decimals
  z.strictObject({
    kind: z.literal('comet_market'), ...at, market: idString, baseAsset: idString, baseDecimals: decimalsInt, basePrice: decimalString,
    baseBorrowMin: decimalString.default('0'), storeFrontPriceFactor: decimalString, targetReserves: decimalString.default('0'),
    collaterals: z.array(z.strictObject({
      asset: idString, decimals: decimalsInt, price: decimalString, borrowCollateralFactor: decimalString,
      liquidateCollateralFactor: decimalString, liquidationFactor: decimalString, supplyCap: decimalString,
    })).max(15),
    /** Comet's kink rate model as the Configurator takes it: a kink and per-year rates, fractions (0.04 = 4% a year). */
    rates: z.strictObject({
      supply: z.strictObject({ kink: decimalString, base: decimalString, slopeLow: decimalString, slopeHigh: decimalString }),
      borrow: z.strictObject({ kink: decimalString, base: decimalString, slopeLow: decimalString, slopeHigh: decimalString }),
    }).optional(),
  }),
  z.strictObject({ kind: z.literal('comet_price'), ...at, market: idString, prices: z.record(idString, decimalString) }),
  z.strictObject({ kind: z.literal('comet_supply'), ...at, market: idString, user: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('comet_withdraw'), ...at, market: idString, user: idString, asset: idString, amount: decimalString }),
  z.strictObject({ kind: z.literal('comet_absorb'), ...at, market: idString, absorber: idString, accounts: z.array(idString).min(1).max(1000) }),
  z.strictObject({
    kind: z.literal('comet_buy_collateral'), ...at, market: idString, buyer: idString, asset: idString,
    /** The market's base asset, named so that baseAmount's units are known. */
    baseAsset: idString, minAmount: decimalString.default('0'), baseAmount: decimalString,
  }),
  // Aave e-mode (decoded by wire/lending.ts): ratios as fractions with at most 4 decimals, the bonus with the principal
  z.strictObject({
    kind: z.literal('lending_emode_category'), ...at, market: idString, categoryId: z.number().int().min(1).max(255),
    ltv: decimalString, liquidationThreshold: decimalString, liquidationBonus: decimalString, label: z.string().min(1).max(64),
    collateralAssets: z.array(idString).max(128),
  }),
  z.strictObject({ kind: z.literal('lending_set_emode'), ...at, market: idString, user: idString, categoryId: z.number().int().min(0).max(255) }),
  // Morpho repay (one of assets and shares) and withdrawCollateral, atoms
  z.strictObject({ kind: z.literal('morpho_repay'), ...at, market: idString, user: idString, assets: decimalString.default('0'), shares: decimalString.default('0') }),
  z.strictObject({ kind: z.literal('morpho_withdraw_collateral'), ...at, market: idString, user: idString, amount: decimalString }),
]);

export const settlementSchema = z.strictObject({
  asset: idString,
  decimals: decimalsInt,
  ltv: decimalString.default('0.8'),
  liquidationThreshold: decimalString.default('0.85'),
});

export const accountSchema = z.strictObject({
  id: idString,
  /** Opening deposits by asset id. */
  deposits: z.record(z.string(), decimalString).default({}),
});

// lending markets (issue 18): a scenario's `lending` section (scenario/load.ts turns it into lending_* commands)
export const lendingMarketSetupSchema = z.strictObject({
  id: idString,
  /** lending_reserve's fields without kind, at and market (decoded as a lending_reserve command). */
  reserves: z.array(z.record(z.string(), z.unknown())).default([]),
  /** Opening positions: supplies first (every user's), then borrows, at startAt. */
  users: z
    .array(z.strictObject({ id: idString, supply: z.record(idString, decimalString).default({}), borrow: z.record(idString, decimalString).default({}) }))
    .default([]),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().max(200).optional(),
  description: z.string().max(10_000).optional(),
  /** When the setup (rulebook, markets, assets, accounts) happens; default: the first command's time, or 0. */
  startAt: timeValue.optional(),
  settlement: settlementSchema,
  rulebook: rulebookSchema.default('binance'),
  markets: z.array(marketSchema).default([]),
  assets: z.array(assetSchema).default([]),
  accounts: z.array(accountSchema).default([]),
  commands: z.array(z.unknown()).default([]),
  // ---- auctions in the engine (issue 18 part B): the Maker world, set up after the accounts (docs/auctions.md) ----
  auctions: auctionShapes.setup.optional(),
  // lending markets (issue 18)
  lending: z.array(lendingMarketSetupSchema).default([]),
});

export type WireCommand = z.infer<typeof commandSchema>;
export type WireScenario = z.infer<typeof scenarioSchema>;
export type WireMarket = z.infer<typeof marketSchema>;
export type WirePricing = z.infer<typeof pricingSchema>;
export type WireAsset = z.infer<typeof assetSchema>;
export type WireRulebook = z.infer<typeof rulebookSchema>;
export type WireFillSide = z.infer<typeof fillSideSchema>;
