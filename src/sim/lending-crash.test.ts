// The lending crash run on the seeded synthetic crash, through the engine: deterministic, keepers only take calls
// that pay their gas, every liquidated account was below HF 1, collateral is conserved atom for atom, and the
// liquidations are the very ones the rules gave when this simulation drove them directly (commit 21ec39d, pinned).
import { describe, expect, it } from 'vitest';
import { HEALTH_FACTOR_LIQUIDATION_THRESHOLD } from '../core/lending/aave-reserve.js';
import { syntheticCrash } from './crash.js';
import { runLendingCrash, type LendingCrashOptions } from './lending-crash.js';

const OPTIONS: LendingCrashOptions = { accounts: 120, seed: 7, gasCostBase: 5n * 10n ** 8n, keepers: 1, callsPerKeeperMinute: 2 };

describe('runLendingCrash (synthetic crash, 120 borrowers)', () => {
  const path = syntheticCrash();
  const report = runLendingCrash(path, OPTIONS);

  it('liquidates during the crash, each call below HF 1 and profitable after gas, collateral conserved', () => {
    expect(report.borrowers).toBe(120);
    expect(report.liquidations.length).toBeGreaterThan(10);
    for (const l of report.liquidations) {
      expect(l.healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD).toBe(true);
      expect(l.profitBase > 0n).toBe(true);
      expect(l.debtRepaid > 0n).toBe(true);
    }
    // a keeper capacity of 2 a minute: never more liquidations in one minute
    const perMinute = new Map<number, number>();
    for (const l of report.liquidations) perMinute.set(l.tsMs, (perMinute.get(l.tsMs) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(2);
    expect(report.collateralConserved).toBe(true);
    expect(report.debtRepaidBase).toBe(report.liquidations.reduce((t, l) => t + l.debtRepaid * 100n, 0n)); // USDC at $1: 6 -> 8 decimals
  });

  it('liquidates exactly what the rules-driven run did before it went through the engine (figures pinned from 21ec39d)', () => {
    expect(report.liquidations).toHaveLength(48);
    expect(report.accountsLiquidated).toBe(48);
    expect(report.debtRepaidBase).toBe(94_139_463_778_200n);
    expect(report.feesBase).toBe(1_507_022_556_422n);
    expect(report.keeperProfitBase).toBe(6_000_925_681_781n);
    expect(report.deficitBase).toBe(0n);
    expect(report.lowestHealthFactorWad).toBe(986_156_059_155_956_077n);
    expect(report.liquidations[0]).toEqual({
      tsMs: 1_738_536_239_999, keeper: 'keeper-0', account: 'borrower-00119', collateralAsset: 'FIL', healthFactorWad: 998_897_794_001_099_091n,
      closeFactorBps: 5_000n, debtRepaid: 38_638_458_598n, collateralToLiquidator: 12_838_461_041_868_715_258_260n, protocolFee: 193_059_564_539_379_176_816n,
      profitBase: 246_786_135_027n, deficitBase: 0n,
    });
    // the engine said LendingLiquidatable once per crossing below HF 1: each liquidated account crossed at least once
    expect(report.liquidatableAnnounced).toBeGreaterThanOrEqual(report.accountsLiquidated);
  });

  it('is deterministic: the same path and seed give the same liquidations', () => {
    const again = runLendingCrash(path, OPTIONS);
    expect(again.liquidations).toEqual(report.liquidations);
    expect(runLendingCrash(path, { ...OPTIONS, seed: 8 }).liquidations).not.toEqual(report.liquidations);
  });
});
