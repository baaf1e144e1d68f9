// The lending crash run on the seeded synthetic crash: deterministic, keepers only take calls that pay their gas,
// every liquidated account was below HF 1, and collateral is conserved atom for atom.
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

  it('is deterministic: the same path and seed give the same liquidations', () => {
    const again = runLendingCrash(path, OPTIONS);
    expect(again.liquidations).toEqual(report.liquidations);
    expect(runLendingCrash(path, { ...OPTIONS, seed: 8 }).liquidations).not.toEqual(report.liquidations);
  });
});
