// `bailiff lending-demo`: an Aave v3.3 lending market (the four crash assets as collateral, USDC borrowed) through
// the 2025-02-02 crash with keepers, run through the engine's lending_* commands (src/sim/lending-crash.ts), and what
// they liquidated: close factors used, debt
// repaid, the treasury's fees, the keepers' profit net of gas, bad debt (deficits), and the dust check.

import { formatDecimal } from '../core/units/index.js';
import { realCrash, syntheticCrash, type PricePath } from '../sim/crash.js';
import { DEFAULT_LENDING_CRASH, runLendingCrash, type LendingCrashReport } from '../sim/lending-crash.js';
import { checkOutputFile, CliError } from './errors.js';
import type { CliIo } from './program.js';
import { toJson, writeReport } from './run.js';

export interface LendingDemoOptions {
  readonly accounts: number;
  readonly seed: number;
  readonly synthetic: boolean;
  /** Gas cost of one liquidation call in USD, a decimal string. */
  readonly gas: string;
  readonly keepers: number;
  readonly json?: boolean;
  readonly out?: string;
}

const usd = (base: bigint): string => formatDecimal(base, 8);
const hf = (wad: bigint): string => formatDecimal(wad, 18).replace(/(\.\d{4})\d*$/, '$1');

function gasAtoms(gas: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,8}))?$/.exec(gas);
  if (m === null) throw new CliError('bad_argument', `--gas ${gas}: a USD amount with at most 8 decimals, e.g. 5 or 2.50`);
  return BigInt(m[1] as string) * 10n ** 8n + BigInt((m[2] ?? '').padEnd(8, '0'));
}

function closeFactors(r: LendingCrashReport): { fifty: number; hundred: number } {
  return { fifty: r.liquidations.filter((l) => l.closeFactorBps === 5_000n).length, hundred: r.liquidations.filter((l) => l.closeFactorBps === 10_000n).length };
}

export function lendingReportJson(r: LendingCrashReport): unknown {
  return {
    prices: r.source,
    accounts: r.accounts,
    borrowers: r.borrowers,
    debtAtStartUsd: usd(r.totalDebtBaseStart),
    liquidations: r.liquidations.length,
    accountsLiquidated: r.accountsLiquidated,
    closeFactors: closeFactors(r),
    debtRepaidUsd: usd(r.debtRepaidBase),
    treasuryFeesUsd: usd(r.feesBase),
    keeperProfitUsd: usd(r.keeperProfitBase),
    deficitUsd: usd(r.deficitBase),
    belowOneAtEnd: r.belowOneAtEnd,
    unprofitableAtEnd: r.unprofitableAtEnd,
    lowestHealthFactor: hf(r.lowestHealthFactorWad),
    collateralConserved: r.collateralConserved,
    engine: { commands: r.commands, liquidatableAnnounced: r.liquidatableAnnounced },
    dustCheck: { dustUsd: usd(r.dust.dustBase), bonusNetOfFeeUsd: usd(r.dust.bonusNetOfFeeBase), gasUsd: usd(r.dust.gasCostBase), worthLiquidating: r.dust.worthLiquidating },
    firstLiquidations: r.liquidations.slice(0, 5).map((l) => ({
      at: new Date(l.tsMs).toISOString(), // det-ok: the CLI formats a given time, it reads no clock
      keeper: l.keeper, account: l.account, collateral: l.collateralAsset, healthFactor: hf(l.healthFactorWad),
      closeFactor: l.closeFactorBps === 5_000n ? '50%' : '100%', debtRepaidUsdc: formatDecimal(l.debtRepaid, 6), keeperProfitUsd: usd(l.profitBase),
    })),
  };
}

function text(r: LendingCrashReport): string {
  const cf = closeFactors(r);
  const lines = [
    `Aave v3.3 lending market through the crash (${r.source})`,
    `  ${r.accounts} accounts, ${r.borrowers} borrowing USDC against ALGO, AVAX, FIL, NEAR; debt at start $${usd(r.totalDebtBaseStart)}`,
    `  through the engine: ${r.commands} commands (lending_reserve, _supply, _borrow, _price, _liquidate); LendingLiquidatable said ${r.liquidatableAnnounced} times`,
    `  lowest health factor seen: ${hf(r.lowestHealthFactorWad)}`,
    `liquidationCall by keepers (gas $${usd(r.dust.gasCostBase)} a call, profitable calls only):`,
    `  ${r.liquidations.length} liquidations of ${r.accountsLiquidated} accounts (close factor 50%: ${cf.fifty}, 100%: ${cf.hundred})`,
    `  debt repaid $${usd(r.debtRepaidBase)}; treasury fees $${usd(r.feesBase)}; keepers' profit net of gas $${usd(r.keeperProfitBase)}`,
    `  bad debt (deficits) $${usd(r.deficitBase)}; below HF 1 at the end: ${r.belowOneAtEnd} (${r.unprofitableAtEnd} not worth a keeper's gas)`,
    `dust check: the smallest leftover ($${usd(r.dust.dustBase)}) pays $${usd(r.dust.bonusNetOfFeeBase)} of bonus after the fee -> ${r.dust.worthLiquidating ? 'worth liquidating' : 'NOT worth liquidating'} at $${usd(r.dust.gasCostBase)} of gas`,
    'first liquidations:',
    ...r.liquidations.slice(0, 5).map((l) => `  ${new Date(l.tsMs).toISOString()} ${l.keeper} ${l.account} HF ${hf(l.healthFactorWad)} ${l.collateralAsset}: repaid ${formatDecimal(l.debtRepaid, 6)} USDC (close factor ${l.closeFactorBps === 5_000n ? '50%' : '100%'}), keeper profit $${usd(l.profitBase)}`), // det-ok: formats a given time
    `conservation of collateral: ${r.collateralConserved ? 'ok' : 'MISMATCH'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the lending demo. Exit code 1 when collateral is not conserved. */
export async function runLendingDemo(o: LendingDemoOptions, io: CliIo): Promise<0 | 1> {
  checkOutputFile(o.out);
  const gasCostBase = gasAtoms(o.gas);
  const path: PricePath = (o.synthetic ? undefined : await realCrash()) ?? syntheticCrash();
  const report = runLendingCrash(path, { ...DEFAULT_LENDING_CRASH, accounts: o.accounts, seed: o.seed, gasCostBase, keepers: o.keepers });
  writeReport(o.json === true ? toJson(lendingReportJson(report)) : text(report), o.out, io.stdout);
  return report.collateralConserved ? 0 : 1;
}
