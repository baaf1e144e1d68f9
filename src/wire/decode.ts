// Wire JSON -> core commands. Decimal strings become atoms in the units the market or asset declares; anything
// that cannot be represented exactly is refused with the path of the field at fault.

import { decodeAuctionCommand } from './auctions.js';
import type { z } from 'zod';
import { BailiffError } from '../errors.js';
import type { CodeName } from '../core/codes.js';
import type { Command, FillSide, MarketData } from '../core/engine/commands.js';
import {
  continuousMaintenanceAmounts,
  notional,
  validateSchedule,
  validatePricing,
  type AssetSpec,
  type MarginSchedule,
  type MarketPricing,
  type MarginTier,
  type MarketSpec,
} from '../core/market/index.js';
import { presetNames, rulebookPreset } from '../core/rulebooks/presets.js';
import type { LiquidationRules, TakeoverRule } from '../core/rulebooks/liquidation.js';
import type { SizingPolicy } from '../core/liquidation/sizing.js';
import { conditionalRules, guardRules, validateRulebook } from '../core/rulebooks/rulebook.js';
import type { GuardRules } from '../core/rulebooks/guards.js';
import type { ConditionalRules } from '../core/rulebooks/conditional.js';
import type { AnswerBounds } from '../core/pricing/guards.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';
import { divRound, parseDecimal, PPM_ONE, ppm, price, quote, rateE9, size, type Ppm, type Price, type Quote, type RateE9 } from '../core/units/index.js';
import {
  commandSchema,
  type WireAsset,
  type WireFillSide,
  type WireMarket,
  type WirePricing,
  type WireRulebook,
} from './schema.js';
import { decodeLendingCommand } from './lending.js'; // lending markets (issue 18)
import { isLendingCommand } from '../core/engine/lending-commands.js';
import { isAuctionCommand } from '../core/engine/commands.js';

/** A user error in wire input: names the field (a JSON path) and says what is wrong. Code: invalid_input (wire_error). */
export class WireError extends BailiffError {
  override readonly name = 'WireError';
  override readonly code: CodeName<'wire_error'> = 'invalid_input';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(path === '' ? detail : `${path}: ${detail}`);
  }

  /** The same error, its path led by the file (or other source) the input came from: `file: path: detail`. */
  inSource(source: string): WireError {
    return new WireError(this.path === '' ? source : `${source}: ${this.path}`, this.detail);
  }
}

/** The units the decoder needs: the settlement asset's, and each market's and asset's. */
export interface UnitLookup {
  readonly quoteDecimals: number;
  readonly settlementAsset: string;
  market(id: string): Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> | undefined;
  assetDecimals(id: string): number | undefined;
}

/** The command kinds that declare units (declaredUnits): a reader of journaled commands that learns units must not pass one over. */
export const UNIT_DECLARING_KINDS: readonly Command['kind'][] = ['set_market', 'set_asset', 'lending_reserve', 'comet_market'];

/**
 * The units a command declares, in order: a listed market's, a listed asset's, a lending reserve's asset (issue 18), a
 * Comet market's base and collaterals (Compound v3). Nothing for a kind outside UNIT_DECLARING_KINDS. What a learner
 * keeps of them (the first declaration of an id, say) is its own.
 */
export function declaredUnits(
  cmd: Command,
  market: (id: string, units: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>) => void,
  asset: (id: string, decimals: number) => void,
): void {
  if (cmd.kind === 'set_market') market(cmd.market.id, { baseDecimals: cmd.market.baseDecimals, priceDecimals: cmd.market.priceDecimals });
  else if (cmd.kind === 'set_asset') asset(cmd.asset.id, cmd.asset.decimals);
  else if (cmd.kind === 'lending_reserve') asset(cmd.asset, cmd.decimals);
  else if (cmd.kind === 'comet_market') {
    asset(cmd.baseAsset, cmd.baseDecimals);
    for (const c of cmd.collaterals) asset(c.asset, c.decimals);
  }
}

export function zodToWireError(error: z.ZodError, basePath: string): WireError {
  const issue = error.issues[0];
  if (issue === undefined) return new WireError(basePath, 'invalid');
  const path = joinPath(basePath, issue.path);
  if (issue.code === 'unrecognized_keys') return new WireError(path, `unknown field(s): ${issue.keys.join(', ')}`);
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    // The issue's path may already end at the discriminator ("kind" at the top level, "commands[3].kind").
    return new WireError(issue.path.at(-1) === 'kind' ? path : joinPath(path, ['kind']), 'unknown or missing kind');
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return new WireError(path, 'is required');
  // A union (a path or an inline object, ...) with nothing given: every alternative says "received undefined".
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every((alt) => alt.some((i) => i.code === 'invalid_type' && i.path.length === 0 && i.message.endsWith('received undefined')))) {
    return new WireError(path, 'is required');
  }
  return new WireError(path, issue.message);
}

function joinPath(base: string, parts: readonly PropertyKey[]): string {
  let out = base;
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

export function decimalAtoms(text: string, decimals: number, path: string): bigint {
  const r = parseDecimal(text, decimals);
  if (!r.ok) throw new WireError(path, r.error.includes('decimal places') ? `${text} has more than ${decimals} decimal places for this unit` : r.error);
  return r.value;
}

function positiveAtoms(text: string, decimals: number, path: string): bigint {
  const v = decimalAtoms(text, decimals, path);
  if (v <= 0n) throw new WireError(path, 'must be positive');
  return v;
}

/** A fraction ("0.004") as ppm; at most 6 decimal places. */
export function ratioPpm(text: string, path: string): Ppm {
  const r = parseDecimal(text, 6);
  if (!r.ok) throw new WireError(path, r.error.includes('decimal places') ? `${text}: ratios have at most 6 decimal places (ppm)` : r.error);
  if (r.value < 0n) throw new WireError(path, 'must not be negative');
  return ppm(r.value);
}

export function timeMs(value: number | string, path: string): number {
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new WireError(path, `not a valid time: ${value}`);
  return ms;
}

export function decodeMarket(m: WireMarket, quoteDecimals: number, path: string): MarketSpec {
  const tickSize = price(positiveAtoms(m.tickSize, m.priceDecimals, `${path}.tickSize`));
  const stepSize = size(positiveAtoms(m.stepSize, m.baseDecimals, `${path}.stepSize`));
  const partial = m.margin.tiers.map((t, i) => {
    const at = `${path}.margin.tiers[${i}]`;
    if ((t.initialRatio === undefined) === (t.maxLeverage === undefined)) {
      throw new WireError(at, 'give exactly one of initialRatio and maxLeverage');
    }
    const initialPpm =
      t.initialRatio !== undefined ? ratioPpm(t.initialRatio, `${at}.initialRatio`) : ppm(divRound(PPM_ONE, BigInt(t.maxLeverage as number), 'ceil'));
    return {
      notionalFloor: quote(decimalAtoms(t.notionalFloor, quoteDecimals, `${at}.notionalFloor`)),
      initialPpm,
      maintenancePpm: ratioPpm(t.maintenanceRatio, `${at}.maintenanceRatio`),
      given: t.maintenanceAmount === undefined ? undefined : quote(decimalAtoms(t.maintenanceAmount, quoteDecimals, `${at}.maintenanceAmount`)),
    };
  });
  const derived = continuousMaintenanceAmounts(partial);
  const tiers: MarginTier[] = partial.map((t, i) => ({
    notionalFloor: t.notionalFloor,
    initialPpm: t.initialPpm,
    maintenancePpm: t.maintenancePpm,
    maintenanceAmount: t.given ?? (derived[i] as Quote),
  }));
  let margin: MarginSchedule = { tiers };
  const mg = m.margin;
  if (mg.sizePremium !== undefined) {
    margin = { ...margin, sizePremium: { imfFactor: ratioPpm(mg.sizePremium.imfFactor, `${path}.margin.sizePremium.imfFactor`) } };
  }
  if (mg.maintenanceFraction !== undefined) {
    margin = { ...margin, maintenanceFraction: { fractionPpm: ratioPpm(mg.maintenanceFraction, `${path}.margin.maintenanceFraction`) } };
  }
  if (mg.openInterestScaling !== undefined) {
    const at = `${path}.margin.openInterestScaling`;
    margin = {
      ...margin,
      openInterestScaling: {
        lowerCap: quote(decimalAtoms(mg.openInterestScaling.lowerCap, quoteDecimals, `${at}.lowerCap`)),
        upperCap: quote(decimalAtoms(mg.openInterestScaling.upperCap, quoteDecimals, `${at}.upperCap`)),
      },
    };
  }
  if (mg.volatility !== undefined) {
    const v = mg.volatility;
    const at = `${path}.margin.volatility`;
    margin = {
      ...margin,
      volatility: {
        sampleIntervalMs: v.sampleIntervalMs,
        lambdaPpm: ratioPpm(v.lambda, `${at}.lambda`),
        referenceVolPpm: ratioPpm(v.referenceVol, `${at}.referenceVol`),
        minMultiplierPpm: ratioPpm(v.minMultiplier, `${at}.minMultiplier`),
        maxMultiplierPpm: ratioPpm(v.maxMultiplier, `${at}.maxMultiplier`),
        maxChangePerHourPpm: ratioPpm(v.maxChangePerHour, `${at}.maxChangePerHour`),
      },
    };
  }
  const problem = validateSchedule(margin)[0];
  if (problem !== undefined) throw new WireError(`${path}.margin.${wirePath(problem.path)}`, wireMessage(problem.message));
  let spec: MarketSpec = { id: m.id, baseDecimals: m.baseDecimals, priceDecimals: m.priceDecimals, tickSize, stepSize, margin };
  if (m.fees !== undefined) {
    const fee = (text: string, field: string): bigint => {
      const r = parseDecimal(text, 6);
      if (!r.ok) throw new WireError(`${path}.fees.${field}`, r.error.includes('decimal places') ? `${text}: fee rates have at most 6 decimal places here` : r.error);
      return r.value;
    };
    spec = { ...spec, fees: { makerPpm: fee(m.fees.maker, 'maker'), takerPpm: fee(m.fees.taker, 'taker') } };
  }
  const cap = m.openInterestCap;
  if (cap !== undefined) {
    spec = {
      ...spec,
      openInterestCap: {
        ...(cap.size === undefined ? {} : { size: size(decimalAtoms(cap.size, m.baseDecimals, `${path}.openInterestCap.size`)) }),
        ...(cap.notional === undefined ? {} : { notional: quote(decimalAtoms(cap.notional, quoteDecimals, `${path}.openInterestCap.notional`)) }),
      },
    };
  }
  return m.pricing === undefined ? spec : { ...spec, pricing: decodePricing(m.pricing, `${path}.pricing`, m.priceDecimals) };
}

/** A rate (fraction) as RateE9: at most 9 decimals. */
export function rateE9Of(text: string, path: string): RateE9 {
  const r = parseDecimal(text, 9);
  if (!r.ok) throw new WireError(path, r.error.includes('decimal places') ? `${text}: rates have at most 9 decimal places` : r.error);
  return rateE9(r.value);
}

/** An aggregator's {min, max} answer in the market's price atoms. */
function decodeBounds(b: { min: string; max: string }, priceDecimals: number, path: string): AnswerBounds {
  return { min: price(decimalAtoms(b.min, priceDecimals, `${path}.min`)), max: price(decimalAtoms(b.max, priceDecimals, `${path}.max`)) };
}

export function decodePricing(p: WirePricing, path: string, priceDecimals: number): MarketPricing {
  const out: { -readonly [K in keyof MarketPricing]: MarketPricing[K] } = {
    basisCadenceMs: p.basisCadenceMs,
    basisSamples: p.basisSamples,
    minPriceChangePpm: ratioPpm(p.minPriceChange, `${path}.minPriceChange`),
    guards: {
      rearmAfter: p.guards.rearmAfter,
      ...(p.guards.maxPriceAgeMs === undefined ? {} : { maxPriceAgeMs: p.guards.maxPriceAgeMs }),
      ...(p.guards.maxJump === undefined ? {} : { maxJumpPpm: ratioPpm(p.guards.maxJump, `${path}.guards.maxJump`) }),
      ...(p.guards.maxConf === undefined ? {} : { maxConfPpm: ratioPpm(p.guards.maxConf, `${path}.guards.maxConf`) }),
      ...(p.guards.twapBand === undefined ? {} : { twapBandPpm: ratioPpm(p.guards.twapBand, `${path}.guards.twapBand`) }),
      ...(p.guards.twapWindowMs === undefined ? {} : { twapWindowMs: p.guards.twapWindowMs }),
    },
  };
  if (p.markMethod !== undefined) out.markMethod = p.markMethod;
  const i = p.index;
  if (i !== undefined) {
    out.index = {
      method: i.method,
      weights: Object.fromEntries(Object.entries(i.sources).map(([k, w]) => [k, BigInt(w)])),
      maxAgeMs: i.maxAgeMs,
      minSources: i.minSources,
      ...(i.deviationCap === undefined ? {} : { deviationCapPpm: ratioPpm(i.deviationCap, `${path}.index.deviationCap`) }),
      ...(i.deviationPolicy === undefined ? {} : { deviationPolicy: i.deviationPolicy }),
      ...(i.medianRule === undefined ? {} : { medianRule: i.medianRule }),
      ...(i.maxConf === undefined ? {} : { maxConfPpm: ratioPpm(i.maxConf, `${path}.index.maxConf`) }),
      ...(i.answerBounds === undefined
        ? {}
        : { answerBounds: Object.fromEntries(Object.entries(i.answerBounds).map(([k, b]) => [k, decodeBounds(b, priceDecimals, `${path}.index.answerBounds.${k}`)])) }),
    };
  }
  if (p.answerBounds !== undefined) out.answerBounds = decodeBounds(p.answerBounds, priceDecimals, `${path}.answerBounds`);
  if (p.attestation !== undefined) out.attestation = { required: p.attestation.required, keys: p.attestation.keys };
  const f = p.funding;
  if (f !== undefined) {
    out.funding = {
      method: f.method,
      intervalMs: f.intervalMs,
      sampleIntervalMs: f.sampleIntervalMs,
      interestRate: rateE9Of(f.interestRate, `${path}.funding.interestRate`),
      clampBand: rateE9Of(f.clampBand, `${path}.funding.clampBand`),
      capRate: rateE9Of(f.cap, `${path}.funding.cap`),
      floorRate: rateE9Of(f.floor, `${path}.funding.floor`),
      fundAt: f.fundAt,
    };
  }
  const problem = validatePricing(out)[0];
  if (problem !== undefined) throw new WireError(`${path}.${pricingWirePath(problem.path)}`, wireMessage(problem.message));
  return out;
}

function pricingWirePath(corePath: string): string {
  return corePath
    .replace('index.weights', 'index.sources')
    .replace(/Ppm$/, '')
    .replace('capRate', 'cap')
    .replace('floorRate', 'floor');
}

/** Core field names -> the wire's (ratios are decimals on the wire, ppm in the core). */
function wirePath(corePath: string): string {
  return corePath
    .replace('initialPpm', 'initialRatio')
    .replace('maintenancePpm', 'maintenanceRatio')
    .replace('maintenanceFraction.fractionPpm', 'maintenanceFraction')
    .replace('lambdaPpm', 'lambda')
    .replace('referenceVolPpm', 'referenceVol')
    .replace('minMultiplierPpm', 'minMultiplier')
    .replace('maxMultiplierPpm', 'maxMultiplier')
    .replace('maxChangePerHourPpm', 'maxChangePerHour');
}

function wireMessage(message: string): string {
  return message.replace('(0, 1e6]', '(0, 1]').replace('[maintenancePpm, 1e6]', '[maintenanceRatio, 1]').replace('(0, 1e6)', '(0, 1)').replace('>= 1e6', '>= 1');
}

export function decodeAsset(a: WireAsset, path: string): AssetSpec {
  const spec: AssetSpec = {
    id: a.id,
    decimals: a.decimals,
    priceMarket: a.priceMarket,
    collateralWeightPpm: ratioPpm(a.collateralWeight, `${path}.collateralWeight`),
    ltvPpm: ratioPpm(a.ltv, `${path}.ltv`),
    liquidationThresholdPpm: ratioPpm(a.liquidationThreshold, `${path}.liquidationThreshold`),
  };
  const peg = a.peg;
  if (peg === undefined) return spec;
  // The conversion rate (underlying units per unit) in 1e18: wBETH "1.068712345678901234".
  const rate = parseDecimal(peg.conversionRate, 18);
  if (!rate.ok) throw new WireError(`${path}.peg.conversionRate`, rate.error.includes('decimal places') ? `${peg.conversionRate}: at most 18 decimal places` : rate.error);
  if (rate.value <= 0n) throw new WireError(`${path}.peg.conversionRate`, 'must be positive');
  return {
    ...spec,
    peg: {
      conversionRateWad: rate.value,
      ...(peg.market === undefined ? {} : { market: peg.market }),
      depegBandPpm: ratioPpm(peg.depegBand, `${path}.peg.depegBand`),
    },
  };
}

export function decodeRulebook(r: WireRulebook, path: string, quoteDecimals: number): Rulebook {
  const presetName = typeof r === 'string' ? r : (r.preset ?? 'binance');
  const preset = rulebookPreset(presetName, quoteDecimals);
  if (preset === undefined) {
    throw new WireError(typeof r === 'string' ? path : `${path}.preset`, `unknown rulebook preset "${presetName}"; presets: ${presetNames().join(', ')}`);
  }
  if (typeof r === 'string') return preset;
  const custom =
    r.breachRule !== undefined ||
    r.preTradeCheck !== undefined ||
    r.marginValuation !== undefined ||
    r.markMethod !== undefined ||
    r.liquidation !== undefined ||
    r.feeBounds !== undefined ||
    r.guards !== undefined ||
    r.conditionalOrders !== undefined;
  const guards = r.guards === undefined ? preset.guards : decodeGuards(r.guards, guardRules(preset), `${path}.guards`);
  const co = r.conditionalOrders;
  const baseCo = conditionalRules(preset);
  const conditionalOrders: ConditionalRules | undefined =
    co === undefined
      ? preset.conditionalOrders
      : {
          order: co.order ?? baseCo.order,
          marketSlippagePpm: co.marketSlippage === undefined ? baseCo.marketSlippagePpm : ratioPpm(co.marketSlippage, `${path}.conditionalOrders.marketSlippage`),
          defaultSource: co.defaultSource ?? baseCo.defaultSource,
          maxPerAccountMarket: co.maxPerAccountMarket ?? baseCo.maxPerAccountMarket,
        };
  const out: Rulebook = {
    name: r.name ?? (custom ? `${preset.name}+custom` : preset.name),
    breachRule: r.breachRule ?? preset.breachRule,
    preTradeCheck: r.preTradeCheck ?? preset.preTradeCheck,
    marginValuation: r.marginValuation ?? preset.marginValuation,
    markMethod: r.markMethod ?? preset.markMethod,
    liquidation: r.liquidation === undefined ? preset.liquidation : decodeLiquidation(r.liquidation, preset.liquidation, `${path}.liquidation`, quoteDecimals),
    feeBounds: {
      maxFeePpm: r.feeBounds?.maxFee === undefined ? preset.feeBounds.maxFeePpm : ratioPpm(r.feeBounds.maxFee, `${path}.feeBounds.maxFee`),
      maxRebatePpm: r.feeBounds?.maxRebate === undefined ? preset.feeBounds.maxRebatePpm : ratioPpm(r.feeBounds.maxRebate, `${path}.feeBounds.maxRebate`),
    },
    ...(guards === undefined ? {} : { guards }),
    ...(conditionalOrders === undefined ? {} : { conditionalOrders }),
  };
  const problem = validateRulebook(out)[0];
  if (problem !== undefined) {
    const guard = problem.path.startsWith('guards.');
    throw new WireError(`${path}.${guard ? guardsWirePath(problem.path) : problem.path}`, guard ? problem.message.replace('[0, 1e6]', '[0, 1]') : problem.message);
  }
  return out;
}

/** Core guard field names -> the wire's. */
function guardsWirePath(corePath: string): string {
  return corePath
    .replace('guards.transferMarginPpm', 'guards.transferMargin')
    .replace('guards.auditEveryCommands', 'guards.audit.everyCommands')
    .replace('guards.auditSampleAccounts', 'guards.audit.sampleAccounts');
}

type WireLiquidation = NonNullable<Exclude<WireRulebook, string>['liquidation']>;
type WireGuards = NonNullable<Exclude<WireRulebook, string>['guards']>;

/** The guards section: every field optional, defaulting to the preset's (rulebooks/guards.ts DEFAULT_GUARDS). */
function decodeGuards(w: WireGuards, base: GuardRules, path: string): GuardRules {
  return {
    transferMarginPpm: w.transferMargin === undefined ? base.transferMarginPpm : ratioPpm(w.transferMargin, `${path}.transferMargin`),
    confirmChangesAbove: w.confirmChangesAbove ?? base.confirmChangesAbove,
    auditEveryCommands: w.audit?.everyCommands ?? base.auditEveryCommands,
    auditSampleAccounts: w.audit?.sampleAccounts ?? base.auditSampleAccounts,
  };
}

/** The liquidation section: every field optional, defaulting to the preset's (sizing: to the venue that uses it). */
function decodeLiquidation(w: WireLiquidation, base: LiquidationRules, path: string, quoteDecimals: number): LiquidationRules {
  const q = (text: string, at: string): Quote => quote(decimalAtoms(text, quoteDecimals, `${path}.${at}`));
  const r = (text: string, at: string): Ppm => ratioPpm(text, `${path}.${at}`);
  let sizing: SizingPolicy = base.sizing;
  if (w.sizing !== undefined) {
    const s = w.sizing;
    const venueDefault = (venue: string): SizingPolicy => (rulebookPreset(venue, quoteDecimals) as Rulebook).liquidation.sizing;
    switch (s.kind) {
      case 'full':
        sizing = { kind: 'full' };
        break;
      case 'dydx': {
        const d = (base.sizing.kind === 'dydx' ? base.sizing : venueDefault('dydx-v4')) as Extract<SizingPolicy, { kind: 'dydx' }>;
        sizing = {
          kind: 'dydx',
          params: {
            minPositionNotionalLiquidated: s.minPositionNotional === undefined ? d.params.minPositionNotionalLiquidated : q(s.minPositionNotional, 'sizing.minPositionNotional'),
            maxPositionPortionLiquidatedPpm: s.maxPositionPortion === undefined ? d.params.maxPositionPortionLiquidatedPpm : r(s.maxPositionPortion, 'sizing.maxPositionPortion'),
            subaccount: {
              maxNotionalLiquidated: s.maxNotionalPerBlock === undefined ? d.params.subaccount.maxNotionalLiquidated : q(s.maxNotionalPerBlock, 'sizing.maxNotionalPerBlock'),
              maxQuantumsInsuranceLost: s.maxInsuranceLossPerBlock === undefined ? d.params.subaccount.maxQuantumsInsuranceLost : q(s.maxInsuranceLossPerBlock, 'sizing.maxInsuranceLossPerBlock'),
            },
          },
        };
        break;
      }
      case 'hyperliquid': {
        const h = (base.sizing.kind === 'hyperliquid' ? base.sizing : venueDefault('hyperliquid')) as Extract<SizingPolicy, { kind: 'hyperliquid' }>;
        sizing = {
          kind: 'hyperliquid',
          params: {
            partialThresholdNotional: s.partialThreshold === undefined ? h.params.partialThresholdNotional : q(s.partialThreshold, 'sizing.partialThreshold'),
            partialPortionPpm: s.partialPortion === undefined ? h.params.partialPortionPpm : r(s.partialPortion, 'sizing.partialPortion'),
            cooldownMs: s.cooldownMs ?? h.params.cooldownMs,
            backstopEquityNumerator: s.backstopEquityNumerator === undefined ? h.params.backstopEquityNumerator : BigInt(s.backstopEquityNumerator),
            backstopEquityDenominator: s.backstopEquityDenominator === undefined ? h.params.backstopEquityDenominator : BigInt(s.backstopEquityDenominator),
          },
        };
        break;
      }
      case 'drift': {
        const d = (base.sizing.kind === 'drift' ? base.sizing : venueDefault('drift-v2')) as Extract<SizingPolicy, { kind: 'drift' }>;
        sizing = {
          kind: 'drift',
          params: {
            marginBufferPpm: s.marginBuffer === undefined ? d.params.marginBufferPpm : r(s.marginBuffer, 'sizing.marginBuffer'),
            bufferBasis: s.bufferBasis ?? d.params.bufferBasis,
            liquidatorFeePpm: s.liquidatorFee === undefined ? d.params.liquidatorFeePpm : r(s.liquidatorFee, 'sizing.liquidatorFee'),
            insuranceFeePpm: s.insuranceFee === undefined ? d.params.insuranceFeePpm : r(s.insuranceFee, 'sizing.insuranceFee'),
            initialPortionPpm: s.initialPortion === undefined ? d.params.initialPortionPpm : r(s.initialPortion, 'sizing.initialPortion'),
            rampDurationMs: s.rampDurationMs ?? d.params.rampDurationMs,
            smallShortfall: s.smallShortfall === undefined ? d.params.smallShortfall : q(s.smallShortfall, 'sizing.smallShortfall'),
            smallPosition: s.smallPosition === undefined ? d.params.smallPosition : q(s.smallPosition, 'sizing.smallPosition'),
          },
        };
        break;
      }
    }
  }
  let limitPrice = base.limitPrice;
  if (w.limitPrice !== undefined) {
    limitPrice =
      w.limitPrice === 'bankruptcy' || w.limitPrice === 'oracle_less_fees'
        ? { kind: w.limitPrice }
        : {
            kind: 'fillable',
            params: {
              bankruptcyAdjustmentPpm: r(w.limitPrice.bankruptcyAdjustment, 'limitPrice.bankruptcyAdjustment'),
              spreadToMaintenanceMarginRatioPpm: r(w.limitPrice.spreadToMaintenanceMarginRatio, 'limitPrice.spreadToMaintenanceMarginRatio'),
            },
          };
  }
  const fees = w.fees === undefined
    ? base.fees
    : {
        insuranceFeePpm: w.fees.insurance === undefined ? base.fees.insuranceFeePpm : r(w.fees.insurance, 'fees.insurance'),
        liquidatorRewardPpm: w.fees.liquidator === undefined ? base.fees.liquidatorRewardPpm : r(w.fees.liquidator, 'fees.liquidator'),
        order: w.fees.order ?? base.fees.order,
      };
  const limits = w.limits === undefined
    ? base.limits
    : {
        maxStepsPerBlock: w.limits.maxStepsPerBlock ?? base.limits.maxStepsPerBlock,
        windowMs: w.limits.windowMs ?? base.limits.windowMs,
        maxStepsPerMarketPerWindow: w.limits.maxStepsPerMarketPerWindow === undefined ? base.limits.maxStepsPerMarketPerWindow : w.limits.maxStepsPerMarketPerWindow,
        maxNotionalPerMarketPerWindow:
          w.limits.maxNotionalPerMarketPerWindow === undefined
            ? base.limits.maxNotionalPerMarketPerWindow
            : w.limits.maxNotionalPerMarketPerWindow === null
              ? null
              : q(w.limits.maxNotionalPerMarketPerWindow, 'limits.maxNotionalPerMarketPerWindow'),
      };
  const interval = w.marginCallIntervalMs ?? base.marginCallIntervalMs;
  const recovery = w.marginCallRecoveryBuffer === undefined ? base.marginCallRecoveryBufferPpm : r(w.marginCallRecoveryBuffer, 'marginCallRecoveryBuffer');
  return {
    marginCallBufferPpm: w.marginCallBuffer === undefined ? base.marginCallBufferPpm : r(w.marginCallBuffer, 'marginCallBuffer'),
    // Written only when set (absent: 1.25 x the call buffer), so rulebooks without it encode as before.
    ...(recovery === undefined ? {} : { marginCallRecoveryBufferPpm: recovery }),
    sizing,
    limitPrice,
    fees,
    takeover: w.takeover === undefined ? base.takeover : decodeTakeover(w.takeover, base.takeover, r),
    deleverage: {
      kind: w.deleverage?.kind ?? base.deleverage.kind,
      onlyBankrupt: w.deleverage?.onlyBankrupt ?? base.deleverage.onlyBankrupt,
      onlyWhenBookUnfilled: w.deleverage?.onlyWhenBookUnfilled ?? base.deleverage.onlyWhenBookUnfilled,
    },
    socialise: w.socialise ?? base.socialise,
    retryAfterMs: w.retryAfterMs ?? base.retryAfterMs,
    liquidatorAccount: w.liquidatorAccount === undefined ? base.liquidatorAccount : w.liquidatorAccount,
    maxInsuranceLossPerBlock:
      w.maxInsuranceLossPerBlock === undefined ? base.maxInsuranceLossPerBlock : w.maxInsuranceLossPerBlock === null ? null : q(w.maxInsuranceLossPerBlock, 'maxInsuranceLossPerBlock'),
    limits,
    gateWithdrawalsOnNegativeEquity: w.gateWithdrawalsOnNegativeEquity ?? base.gateWithdrawalsOnNegativeEquity,
    // Written only when set (absent: every command), so rulebooks without it encode as before.
    ...(interval === undefined || interval === 0 ? {} : { marginCallIntervalMs: interval }),
  };
}

/** The takeover rule: a kind given anew starts from the defaults of the presets that use it (Binance, Hyperliquid). */
function decodeTakeover(w: NonNullable<WireLiquidation['takeover']>, base: TakeoverRule, r: (text: string, at: string) => Ppm): TakeoverRule {
  const share = (text: string | null | undefined, fallback: Ppm | null, at: string): Ppm | null => (text === undefined ? fallback : text === null ? null : r(text, at));
  switch (w.kind) {
    case 'none':
      return { kind: 'none' };
    case 'insurance_fund': {
      const d = base.kind === 'insurance_fund' ? base : ((rulebookPreset('binance', 6) as Rulebook).liquidation.takeover as Extract<TakeoverRule, { kind: 'insurance_fund' }>);
      return {
        kind: 'insurance_fund',
        maxNotionalShareOfFundPpm: share(w.maxNotionalShareOfFund, d.maxNotionalShareOfFundPpm, 'takeover.maxNotionalShareOfFund'),
        unwind: {
          portionPpm: w.unwind?.portion === undefined ? d.unwind.portionPpm : r(w.unwind.portion, 'takeover.unwind.portion'),
          slippagePpm: w.unwind?.slippage === undefined ? d.unwind.slippagePpm : r(w.unwind.slippage, 'takeover.unwind.slippage'),
        },
      };
    }
    case 'backstop': {
      const d = base.kind === 'backstop' ? base.maxExposureShareOfEquityPpm : ((rulebookPreset('hyperliquid', 6) as Rulebook).liquidation.takeover as Extract<TakeoverRule, { kind: 'backstop' }>).maxExposureShareOfEquityPpm;
      return { kind: 'backstop', account: w.account, maxExposureShareOfEquityPpm: share(w.maxExposureShareOfEquity, d, 'takeover.maxExposureShareOfEquity') };
    }
  }
}

function knownMarket(units: UnitLookup, id: string, path: string): Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> {
  const m = units.market(id);
  if (m === undefined) throw new WireError(path, `unknown market "${id}" (list it in markets or with a set_market command first)`);
  return m;
}

function knownAssetDecimals(units: UnitLookup, id: string, path: string): number {
  const d = units.assetDecimals(id);
  if (d === undefined) throw new WireError(path, `unknown asset "${id}" (the settlement asset is ${units.settlementAsset}; list others in assets)`);
  return d;
}

function decodeFillSide(
  side: WireFillSide,
  units: UnitLookup,
  market: Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>,
  sizeAtoms: bigint,
  priceAtoms: bigint,
  path: string,
): FillSide {
  if (typeof side === 'string') return { account: side, fee: quote(0n) };
  if (side.fee !== undefined && side.feeRate !== undefined) throw new WireError(`${path}.feeRate`, 'give fee or feeRate, not both');
  let fee = quote(0n);
  if (side.fee !== undefined) fee = quote(decimalAtoms(side.fee, units.quoteDecimals, `${path}.fee`));
  if (side.feeRate !== undefined) {
    const rate = parseDecimal(side.feeRate, 9);
    if (!rate.ok) throw new WireError(`${path}.feeRate`, `${side.feeRate}: fee rates have at most 9 decimal places`);
    // fee = notional x rate, rounded up (in the venue's favour); a negative rate is a rebate, rounded toward zero.
    const n = notional(market, units.quoteDecimals, sizeAtoms, priceAtoms, 'half_even');
    fee = quote(divRound(n * rate.value, 1_000_000_000n, 'ceil'));
  }
  const out: { -readonly [K in keyof FillSide]: FillSide[K] } = { account: side.account, fee };
  if (side.marginMode !== undefined) out.marginMode = side.marginMode;
  if (side.isolatedMargin !== undefined) out.isolatedMargin = quote(decimalAtoms(side.isolatedMargin, units.quoteDecimals, `${path}.isolatedMargin`));
  return out;
}

/**
 * The time a wire command without `at` takes after `cmd`, when `previous` was the time before it: the latest time of
 * the commands so far. Not simply `cmd`'s: a command refused because its `at` is before the engine's time (a refusal
 * changes nothing, the engine's time included) would otherwise pull every later command without `at` back with it,
 * each refused in turn (`time_went_backwards`). Every reader of wire commands (scenario files, `ingest`, the service)
 * keeps its default with this.
 */
export function defaultTimeAfter(previous: number, cmd: Command): number {
  return cmd.tsMs > previous ? cmd.tsMs : previous;
}

/** Decodes one wire command. `defaultTsMs` applies when the command has no `at` (defaultTimeAfter). Throws WireError. */
export function decodeCommand(raw: unknown, units: UnitLookup, path: string, defaultTsMs: number): Command {
  const parsed = commandSchema.safeParse(raw);
  if (!parsed.success) throw zodToWireError(parsed.error, path);
  const c = parsed.data;
  const tsMs = c.at === undefined ? defaultTsMs : timeMs(c.at, `${path}.at`);
  // lending markets (issue 18; wire/lending.ts)
  if (isLendingCommand(c)) return decodeLendingCommand(c, units, path, tsMs);
  // auctions in the engine (issue 18 part B): dss's units, whatever the markets' (wire/auctions.ts)
  if (isAuctionCommand(c)) return decodeAuctionCommand(c, tsMs, path);
  switch (c.kind) {
    case 'set_market':
      return { kind: 'set_market', tsMs, market: decodeMarket(c.market, units.quoteDecimals, `${path}.market`) };
    case 'set_asset':
      return { kind: 'set_asset', tsMs, asset: decodeAsset(c.asset, `${path}.asset`) };
    case 'set_rulebook':
      return { kind: 'set_rulebook', tsMs, rulebook: decodeRulebook(c.rulebook, `${path}.rulebook`, units.quoteDecimals) };
    case 'deposit':
    case 'withdraw':
    case 'borrow':
    case 'repay': {
      const d = knownAssetDecimals(units, c.asset, `${path}.asset`);
      return { kind: c.kind, tsMs, account: c.account, asset: c.asset, amount: decimalAtoms(c.amount, d, `${path}.amount`) };
    }
    case 'fill': {
      const m = knownMarket(units, c.market, `${path}.market`);
      const px = decimalAtoms(c.price, m.priceDecimals, `${path}.price`);
      const sz = decimalAtoms(c.size, m.baseDecimals, `${path}.size`);
      return {
        kind: 'fill',
        tsMs,
        market: c.market,
        price: price(px),
        size: size(sz),
        buyer: decodeFillSide(c.buyer, units, m, sz, px, `${path}.buyer`),
        seller: decodeFillSide(c.seller, units, m, sz, px, `${path}.seller`),
      };
    }
    case 'adjust_isolated_margin':
      knownMarket(units, c.market, `${path}.market`);
      return { kind: 'adjust_isolated_margin', tsMs, account: c.account, market: c.market, amount: quote(decimalAtoms(c.amount, units.quoteDecimals, `${path}.amount`)) };
    case 'price': {
      const m = knownMarket(units, c.market, `${path}.market`);
      const px = (field: 'mark' | 'index' | 'conf'): Price | undefined => {
        const v = c[field];
        return v === undefined ? undefined : price(decimalAtoms(v, m.priceDecimals, `${path}.${field}`));
      };
      const mark = px('mark');
      const index = px('index');
      const conf = px('conf');
      if (mark === undefined && index === undefined) throw new WireError(`${path}.mark`, 'give a mark, an index or both');
      return {
        kind: 'price',
        tsMs,
        market: c.market,
        ...(mark === undefined ? {} : { mark }),
        ...(index === undefined ? {} : { index }),
        ...(conf === undefined ? {} : { conf }),
      };
    }
    case 'source_price': {
      const m = knownMarket(units, c.market, `${path}.market`);
      return {
        kind: 'source_price',
        tsMs,
        market: c.market,
        source: c.source,
        price: price(decimalAtoms(c.price, m.priceDecimals, `${path}.price`)),
        publishTimeMs: c.publishedAt === undefined ? tsMs : timeMs(c.publishedAt, `${path}.publishedAt`),
        ...(c.conf === undefined ? {} : { conf: price(decimalAtoms(c.conf, m.priceDecimals, `${path}.conf`)) }),
        ...(c.signature === undefined ? {} : { signature: c.signature.toLowerCase() }),
      };
    }
    case 'market_data': {
      const m = knownMarket(units, c.market, `${path}.market`);
      const out: { -readonly [K in keyof MarketData]: MarketData[K] } = { kind: 'market_data', tsMs, market: c.market };
      for (const f of ['bestBid', 'bestAsk', 'lastTrade', 'externalMid'] as const) {
        const v = c[f];
        if (v !== undefined) out[f] = price(decimalAtoms(v, m.priceDecimals, `${path}.${f}`));
      }
      return out;
    }
    case 'funding_rate':
      knownMarket(units, c.market, `${path}.market`);
      return { kind: 'funding_rate', tsMs, market: c.market, rate: rateE9Of(c.rate, `${path}.rate`) };
    case 'settle_funding':
      return { kind: 'settle_funding', tsMs, account: c.account };
    case 'place_order': {
      const m = knownMarket(units, c.market, `${path}.market`);
      return {
        kind: 'place_order',
        tsMs,
        account: c.account,
        market: c.market,
        id: c.id,
        side: c.side,
        price: price(decimalAtoms(c.price, m.priceDecimals, `${path}.price`)),
        size: size(decimalAtoms(c.size, m.baseDecimals, `${path}.size`)),
        tif: c.tif,
      };
    }
    case 'set_liquidation_pause':
      return { kind: 'set_liquidation_pause', tsMs, paused: c.paused };
    case 'insurance_deposit':
      return { kind: 'insurance_deposit', tsMs, amount: decimalAtoms(c.amount, units.quoteDecimals, `${path}.amount`) };
    case 'cancel_order':
      knownMarket(units, c.market, `${path}.market`);
      return { kind: 'cancel_order', tsMs, account: c.account, market: c.market, id: c.id };
    case 'tick':
      return { kind: 'tick', tsMs };
    case 'set_account_group':
      return { kind: 'set_account_group', tsMs, account: c.account, group: c.group };
    case 'confirm_change':
    case 'cancel_change':
      return { kind: c.kind, tsMs, change: c.change, ...(c.actor === undefined ? {} : { actor: c.actor }) };
    case 'audit':
    case 'resume':
      return { kind: c.kind, tsMs };
    case 'halt':
      return { kind: 'halt', tsMs, reason: c.reason };
    case 'place_conditional':
    case 'amend_conditional': {
      const m = knownMarket(units, c.market, `${path}.market`);
      const px = (v: string | undefined, f: string): Price | undefined => (v === undefined ? undefined : price(decimalAtoms(v, m.priceDecimals, `${path}.${f}`)));
      const fields = {
        tsMs,
        account: c.account,
        market: c.market,
        id: c.id,
        ...optional('trigger', px(c.trigger, 'trigger')),
        ...optional('trailAmount', px(c.trailAmount, 'trailAmount')),
        ...optional('trailRatioPpm', c.trailRatio === undefined ? undefined : ratioPpm(c.trailRatio, `${path}.trailRatio`)),
        ...optional('limitPrice', px(c.limitPrice, 'limitPrice')),
        ...optional('size', c.size === undefined ? undefined : size(decimalAtoms(c.size, m.baseDecimals, `${path}.size`))),
      };
      if (c.kind === 'amend_conditional') {
        return { kind: 'amend_conditional', ...fields, ...optional('expiresMs', c.expiresAt === undefined ? undefined : c.expiresAt === null ? null : timeMs(c.expiresAt, `${path}.expiresAt`)) };
      }
      return {
        kind: 'place_conditional',
        ...fields,
        type: c.type,
        ...optional('side', c.side),
        ...optional('source', c.source),
        ...optional('reduceOnly', c.reduceOnly),
        ...optional('closePosition', c.closePosition),
        ...optional('expiresMs', c.expiresAt === undefined ? undefined : timeMs(c.expiresAt, `${path}.expiresAt`)),
      };
    }
    case 'cancel_conditional':
      knownMarket(units, c.market, `${path}.market`);
      return { kind: 'cancel_conditional', tsMs, account: c.account, market: c.market, id: c.id };
  }
}

/** `{ [key]: value }`, or nothing when the value is undefined (optional fields stay absent, exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
