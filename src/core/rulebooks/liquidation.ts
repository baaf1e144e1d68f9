// The enforcement part of a rulebook: how a ledger in breach is closed down. Each field is a venue's choice;
// presets.ts fills them from the venues' published rules (docs/sources/liquidation-goldens.md).

import type { FillablePriceParams } from '../liquidation/fillable.js';
import { validateFillablePriceParams } from '../liquidation/fillable.js';
import type { FeeSplitParams } from '../liquidation/insurance.js';
import { validateFeeSplitParams } from '../liquidation/insurance.js';
import type { SizingPolicy } from '../liquidation/sizing.js';
import { validateSizingPolicy } from '../liquidation/sizing.js';
import { PPM_ONE, type Ppm, type Quote } from '../units/index.js';

/**
 * The worst price a liquidation order accepts on the book (stage 2 of the waterfall):
 * - 'bankruptcy': the bankruptcy price of the part closed (the account never ends below zero on the book);
 * - 'fillable': dYdX's fillable price, between the oracle and the bankruptcy price, beyond bankruptcy once the
 *   ledger is below zero (liquidations.go GetFillablePrice; the order is placed at it, GetLiquidationOrderForPerpetual);
 * - 'oracle_less_fees': the mark less the liquidation fees for a long (plus them for a short): Drift's liquidator
 *   takes the position near the oracle, and a loss beyond bankruptcy is the deficit stage's (Drift liquidate_perp).
 */
export type LimitPriceRule =
  | { readonly kind: 'bankruptcy' }
  | { readonly kind: 'fillable'; readonly params: FillablePriceParams }
  | { readonly kind: 'oracle_less_fees' };

/**
 * Stage 3, what the book left: who takes it over at the bankruptcy price of the part.
 * - 'insurance_fund': the venue's insurance fund (the account INSURANCE_FUND) takes it over within its means: its
 *   equity stays >= 0 and its net position in the market stays within `maxNotionalShareOfFundPpm` of its equity
 *   (Binance "Insurance Fund": a maximum net notional position, by default 100% of the fund; null: no notional cap,
 *   BitMEX); it then works the position off on the book (`unwind`). Binance, Bybit, BitMEX.
 * - 'backstop': a vault account takes it over when the sizing policy routes the ledger to it (Hyperliquid: account
 *   value below 2/3 of maintenance with the book unfilled), within `maxExposureShareOfEquityPpm` of the vault's
 *   equity per market; otherwise the remainder waits for a retry.
 * - 'none': the remainder waits for a retry (dYdX, Drift).
 * What neither takes goes to stage 4 (deleverage), where the rulebook allows it.
 */
export type TakeoverRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'insurance_fund'; readonly maxNotionalShareOfFundPpm: Ppm | null; readonly unwind: UnwindRule }
  | { readonly kind: 'backstop'; readonly account: string; readonly maxExposureShareOfEquityPpm: Ppm | null };

/**
 * How the fund works its taken-over positions off: after each command's liquidations, an IOC order for
 * `portionPpm` of each position, no worse than the mark moved by `slippagePpm` against the fund.
 */
export interface UnwindRule {
  readonly portionPpm: Ppm;
  readonly slippagePpm: Ppm;
}

/**
 * Stage 4, what nobody took over: closed against opposite positions at the bankruptcy price.
 * - 'adl': ranked by BitMEX's score (PnL% x effective leverage in profit, PnL% / leverage in loss) (BitMEX, Bybit,
 *   Binance "counterparty liquidation", Hyperliquid);
 * - 'offset': in account order from a start that rotates with the block (dYdX v4 deleveraging.go);
 * - 'none': never (Drift: the remainder waits; a loss is socialised).
 * `onlyBankrupt`: only a ledger whose equity is below zero (dYdX CanDeleverageSubaccount: negative TNC; Hyperliquid).
 * `onlyWhenBookUnfilled`: only when the step's book order filled nothing (dYdX: optimisticallyFilledQuantums == 0).
 */
export interface DeleverageRule {
  readonly kind: 'adl' | 'offset' | 'none';
  readonly onlyBankrupt: boolean;
  readonly onlyWhenBookUnfilled: boolean;
}

export interface LiquidationLimits {
  /** Ledgers liquidated per engine command at most (a block). */
  readonly maxStepsPerBlock: number;
  /** Sliding window of the per-market caps below (Synthetix perps: maxLiquidationDelta per window). */
  readonly windowMs: number;
  /** Liquidation steps per market per window at most; null: no cap. */
  readonly maxStepsPerMarketPerWindow: number | null;
  /** Notional liquidated per market per window at most; null: no cap. */
  readonly maxNotionalPerMarketPerWindow: Quote | null;
}

export interface LiquidationRules {
  /** MarginCall when equity falls below maintenance x (1 + buffer), once per crossing; 0: no margin calls. */
  readonly marginCallBufferPpm: Ppm;
  /**
   * The recovery level's buffer: a called account is cleared (MarginCallCleared) once every ledger is back above
   * maintenance x (1 + this), and called again only after that. Absent: 1.25 x marginCallBufferPpm (every preset;
   * margin-calls.ts callLevelsOf). At least marginCallBufferPpm: the gap between the two is the calls' hysteresis, a
   * ledger hovering at the call level is called once, not at every move across it.
   */
  readonly marginCallRecoveryBufferPpm?: Ppm;
  /**
   * Margin calls swept at this interval of engine time (ms) instead of after every command: the call index follows
   * the accounts changed and the prices moved since the last sweep at the first command of each interval, so a ledger
   * that dips below the call level and comes back within one interval is not called (docs/enforcement.md). Absent or
   * 0: after every command (every preset). Liquidations never wait for it.
   */
  readonly marginCallIntervalMs?: number;
  readonly sizing: SizingPolicy;
  readonly limitPrice: LimitPriceRule;
  readonly fees: FeeSplitParams;
  /** Receives the liquidator reward; null: a backstop that takes part, else the insurance fund. */
  readonly liquidatorAccount: string | null;
  readonly takeover: TakeoverRule;
  readonly deleverage: DeleverageRule;
  /**
   * Stage 5, a loss the insurance fund cannot pay: charged to the opposite side's open interest pro rata (Drift
   * socialised loss), or (false) written off by the venue (BadDebt).
   */
  readonly socialise: boolean;
  /** The insurance fund loses at most this much per block; null: up to its equity. */
  readonly maxInsuranceLossPerBlock: Quote | null;
  /**
   * A ledger whose step left a remainder nobody took waits (one LiquidationDeferred) until this much time has
   * passed, or its market's book has gained orders, before its next step.
   */
  readonly retryAfterMs: number;
  readonly limits: LiquidationLimits;
  /** dYdX: no withdrawals while any account has negative equity. */
  readonly gateWithdrawalsOnNegativeEquity: boolean;
}

export interface LiquidationProblem {
  readonly path: string;
  readonly message: string;
}

export function validateLiquidationRules(r: LiquidationRules): LiquidationProblem[] {
  const out: LiquidationProblem[] = [];
  if (r.marginCallBufferPpm < 0n || r.marginCallBufferPpm > 10n * PPM_ONE) out.push({ path: 'marginCallBufferPpm', message: 'must be in [0, 10e6]' });
  const recovery = r.marginCallRecoveryBufferPpm;
  if (recovery !== undefined && (recovery < r.marginCallBufferPpm || recovery > 10n * PPM_ONE)) {
    out.push({ path: 'marginCallRecoveryBufferPpm', message: 'must be in [marginCallBufferPpm, 10e6]: the recovery level is at or above the call level' });
  }
  const interval = r.marginCallIntervalMs;
  if (interval !== undefined && !(Number.isSafeInteger(interval) && interval >= 0)) out.push({ path: 'marginCallIntervalMs', message: 'must be a non-negative integer (ms)' });
  for (const p of validateSizingPolicy(r.sizing)) out.push({ path: `sizing.${p.path}`, message: p.message });
  if (r.limitPrice.kind === 'fillable') {
    for (const p of validateFillablePriceParams(r.limitPrice.params)) out.push({ path: `limitPrice.params.${p.path}`, message: p.message });
  } else if (r.limitPrice.kind !== 'bankruptcy' && r.limitPrice.kind !== 'oracle_less_fees') {
    out.push({ path: 'limitPrice.kind', message: "must be 'bankruptcy', 'fillable' or 'oracle_less_fees'" });
  }
  for (const p of validateFeeSplitParams(r.fees)) out.push({ path: `fees.${p.path}`, message: p.message });
  if (r.maxInsuranceLossPerBlock !== null && r.maxInsuranceLossPerBlock < 0n) out.push({ path: 'maxInsuranceLossPerBlock', message: 'must not be negative' });
  const t = r.takeover;
  const share = (v: bigint | null, path: string): void => {
    if (v !== null && (v <= 0n || v > 100n * PPM_ONE)) out.push({ path, message: 'must be in (0, 100] or null' });
  };
  if (t.kind === 'insurance_fund') {
    share(t.maxNotionalShareOfFundPpm, 'takeover.maxNotionalShareOfFund');
    if (t.unwind.portionPpm <= 0n || t.unwind.portionPpm > PPM_ONE) out.push({ path: 'takeover.unwind.portion', message: 'must be in (0, 1]' });
    if (t.unwind.slippagePpm < 0n || t.unwind.slippagePpm >= PPM_ONE) out.push({ path: 'takeover.unwind.slippage', message: 'must be in [0, 1)' });
  } else if (t.kind === 'backstop') {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/.test(t.account)) out.push({ path: 'takeover.account', message: 'must be an account id' });
    share(t.maxExposureShareOfEquityPpm, 'takeover.maxExposureShareOfEquity');
  } else if (t.kind !== 'none') {
    out.push({ path: 'takeover.kind', message: "must be 'insurance_fund', 'backstop' or 'none'" });
  }
  if (!['adl', 'offset', 'none'].includes(r.deleverage.kind)) out.push({ path: 'deleverage.kind', message: "must be 'adl', 'offset' or 'none'" });
  if (!Number.isSafeInteger(r.retryAfterMs) || r.retryAfterMs < 0 || r.retryAfterMs > 86_400_000) {
    out.push({ path: 'retryAfterMs', message: 'must be an integer in [0, 86400000]' });
  }
  const l = r.limits;
  if (!Number.isSafeInteger(l.maxStepsPerBlock) || l.maxStepsPerBlock < 1 || l.maxStepsPerBlock > 1_000_000) {
    out.push({ path: 'limits.maxStepsPerBlock', message: 'must be an integer in [1, 1e6]' });
  }
  if (!Number.isSafeInteger(l.windowMs) || l.windowMs < 1) out.push({ path: 'limits.windowMs', message: 'must be a positive integer' });
  if (l.maxStepsPerMarketPerWindow !== null && (!Number.isSafeInteger(l.maxStepsPerMarketPerWindow) || l.maxStepsPerMarketPerWindow < 1 || l.maxStepsPerMarketPerWindow > 100_000)) {
    out.push({ path: 'limits.maxStepsPerMarketPerWindow', message: 'must be an integer in [1, 100000] or null' });
  }
  if (l.maxNotionalPerMarketPerWindow !== null && l.maxNotionalPerMarketPerWindow <= 0n) {
    out.push({ path: 'limits.maxNotionalPerMarketPerWindow', message: 'must be positive' });
  }
  return out;
}
