// Per-account, per-block liquidation limits (dYdX v4 "subaccount block limits"): how much notional an account may
// have liquidated, and how much the insurance fund may lose on it, within one block; and each (account, market)
// at most once per block.
//
// Source: dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30, protocol/x/clob/keeper/liquidations.go
// (GetSubaccountMaxNotionalLiquidatable, GetSubaccountMaxInsuranceLost, validateLiquidationAgainstSubaccountBlockLimits)
// and liquidations_state.go (UpdateSubaccountLiquidationInfo, MustUpdateSubaccountPerpetualLiquidated); restated in
// docs/sources/liquidation-goldens.md §1.4 (V).
//
// A block, for Bailiff, is one engine command: the engine passes its sequence number (or any id that changes
// exactly when a new command is applied) as `block`. Usage recorded under another block id is stale and reads as
// empty, so state never needs an explicit reset. Amounts are quote atoms (dYdX: quote quantums).

import { BLOCK_MARKETS_MAX } from './bounds.js';
import { ok, rejected, type ParamProblem, type Result } from './result.js';

/** dYdX SubaccountBlockLimits. Mainnet genesis: 100,000 USDC notional and 1,000,000 USDC insurance lost. */
export interface SubaccountBlockLimits {
  readonly maxNotionalLiquidated: bigint;
  readonly maxQuantumsInsuranceLost: bigint;
}

export function validateSubaccountBlockLimits(p: SubaccountBlockLimits): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (p.maxNotionalLiquidated <= 0n) problems.push({ path: 'maxNotionalLiquidated', message: 'must be > 0' });
  if (p.maxQuantumsInsuranceLost <= 0n) problems.push({ path: 'maxQuantumsInsuranceLost', message: 'must be > 0' });
  return problems;
}

/** One account's usage within one block (dYdX SubaccountLiquidationInfo). */
export interface BlockUsage {
  readonly block: bigint;
  /** Sum of |notional| of the liquidation fills in this block (valued at the oracle, as dYdX GetNetNotional). */
  readonly notionalLiquidated: bigint;
  /** Sum of |fund delta| of the fills where the fund paid (delta < 0). */
  readonly insuranceLost: bigint;
  /** Markets liquidated in this block (at most BLOCK_MARKETS_MAX). */
  readonly marketsLiquidated: readonly string[];
}

export function emptyBlockUsage(block: bigint): BlockUsage {
  return { block, notionalLiquidated: 0n, insuranceLost: 0n, marketsLiquidated: [] };
}

/** The usage as of `block`: recorded usage of another block is stale and reads as empty. */
export function usageAt(usage: BlockUsage | null, block: bigint): BlockUsage {
  return usage !== null && usage.block === block ? usage : emptyBlockUsage(block);
}

export type BlockLimitReason = 'already_liquidated_this_block' | 'usage_exceeds_limit';

/**
 * GetSubaccountMaxNotionalLiquidatable: limit - used. 'already_liquidated_this_block' if this market was
 * liquidated in this block (ErrSubaccountHasLiquidatedPerpetual); 'usage_exceeds_limit' where dYdX panics.
 */
export function maxNotionalLiquidatable(usage: BlockUsage | null, limits: SubaccountBlockLimits, block: bigint, market: string): Result<bigint, BlockLimitReason> {
  const u = usageAt(usage, block);
  if (u.marketsLiquidated.includes(market)) return rejected('already_liquidated_this_block');
  if (u.notionalLiquidated > limits.maxNotionalLiquidated) return rejected('usage_exceeds_limit');
  return ok(limits.maxNotionalLiquidated - u.notionalLiquidated);
}

/** GetSubaccountMaxInsuranceLost: limit - lost so far, with the same two rejections. */
export function maxInsuranceLost(usage: BlockUsage | null, limits: SubaccountBlockLimits, block: bigint, market: string): Result<bigint, BlockLimitReason> {
  const u = usageAt(usage, block);
  if (u.marketsLiquidated.includes(market)) return rejected('already_liquidated_this_block');
  if (u.insuranceLost > limits.maxQuantumsInsuranceLost) return rejected('usage_exceeds_limit');
  return ok(limits.maxQuantumsInsuranceLost - u.insuranceLost);
}

/**
 * validateLiquidationAgainstSubaccountBlockLimits: reject a fill whose |notional| exceeds the notional left
 * ('exceeds_notional_limit'), or, when the fund pays (delta < 0), whose |delta| exceeds the insurance left
 * ('exceeds_insurance_limit'). dYdX runs this at match time, before the market is marked liquidated.
 */
export function checkFillAgainstBlockLimits(
  usage: BlockUsage | null,
  limits: SubaccountBlockLimits,
  block: bigint,
  market: string,
  fillNotional: bigint,
  insuranceFundDelta: bigint,
): Result<true, BlockLimitReason | 'exceeds_notional_limit' | 'exceeds_insurance_limit'> {
  const notionalLeft = maxNotionalLiquidatable(usage, limits, block, market);
  if (!notionalLeft.ok) return notionalLeft;
  const absNotional = fillNotional < 0n ? -fillNotional : fillNotional;
  if (absNotional > notionalLeft.value) return rejected('exceeds_notional_limit');
  if (insuranceFundDelta < 0n) {
    const insuranceLeft = maxInsuranceLost(usage, limits, block, market);
    if (!insuranceLeft.ok) return insuranceLeft;
    if (-insuranceFundDelta > insuranceLeft.value) return rejected('exceeds_insurance_limit');
  }
  return ok(true);
}

/**
 * UpdateSubaccountLiquidationInfo: notional += |notional|; insurance lost += |delta| only when delta < 0.
 * Does not mark the market (see `markMarketLiquidated`).
 */
export function recordLiquidationFill(usage: BlockUsage | null, block: bigint, fillNotional: bigint, insuranceFundDelta: bigint): BlockUsage {
  const u = usageAt(usage, block);
  return {
    ...u,
    notionalLiquidated: u.notionalLiquidated + (fillNotional < 0n ? -fillNotional : fillNotional),
    insuranceLost: u.insuranceLost + (insuranceFundDelta < 0n ? -insuranceFundDelta : 0n),
  };
}

/**
 * MustUpdateSubaccountPerpetualLiquidated: dYdX marks the market when the liquidation order is placed, filled or
 * not. 'too_many_entries' beyond BLOCK_MARKETS_MAX; marking a market twice is 'already_liquidated_this_block'.
 */
export function markMarketLiquidated(
  usage: BlockUsage | null,
  block: bigint,
  market: string,
): Result<BlockUsage, 'already_liquidated_this_block' | 'too_many_entries'> {
  const u = usageAt(usage, block);
  if (u.marketsLiquidated.includes(market)) return rejected('already_liquidated_this_block');
  if (u.marketsLiquidated.length >= BLOCK_MARKETS_MAX) return rejected('too_many_entries');
  return ok({ ...u, marketsLiquidated: [...u.marketsLiquidated, market] });
}
