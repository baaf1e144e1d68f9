// `bailiff lending-demo` end to end (in process, on the seeded synthetic crash): the JSON report's figures hang
// together, the text report names them, a bad --gas is a usage error (exit 2).
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

interface Report {
  prices: string;
  accounts: number;
  liquidations: number;
  accountsLiquidated: number;
  closeFactors: { fifty: number; hundred: number };
  collateralConserved: boolean;
  engine: { commands: number; liquidatableAnnounced: number };
  dustCheck: { dustUsd: string; gasUsd: string; worthLiquidating: boolean };
  firstLiquidations: { closeFactor: string }[];
}

describe('bailiff lending-demo', () => {
  const args = ['lending-demo', '--synthetic', '--accounts', '80', '--gas', '2.5'];
  it('--json: liquidations split by close factor, collateral conserved, the dust check at the given gas', async () => {
    const { code, out, err } = await cli([...args, '--json']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const r = JSON.parse(out) as Report;
    expect(r).toMatchObject({ prices: 'synthetic crash (seed 20250202)', accounts: 80, collateralConserved: true });
    expect(r.liquidations).toBeGreaterThan(0);
    expect(r.closeFactors.fifty + r.closeFactors.hundred).toBe(r.liquidations);
    expect(r.accountsLiquidated).toBeLessThanOrEqual(r.liquidations);
    // through the engine: every liquidated account was announced liquidatable first
    expect(r.engine.liquidatableAnnounced).toBeGreaterThanOrEqual(r.accountsLiquidated);
    expect(r.engine.commands).toBeGreaterThan(r.liquidations);
    // v3.3: MIN_LEFTOVER_BASE = $1000; at a 8% bonus and a 20% fee: percentMul(1000e8, 10800) = 1080e8, bonus 80e8, fee 16e8 -> $64
    expect(r.dustCheck).toEqual({ dustUsd: '1000', bonusNetOfFeeUsd: '64', gasUsd: '2.5', worthLiquidating: true });
  });
  it('the text report', async () => {
    const { code, out } = await cli(args);
    expect(code).toBe(0);
    expect(out).toContain('Aave v3.3 lending market through the crash (synthetic crash (seed 20250202))');
    expect(out).toContain('conservation of collateral: ok');
    expect(out).toMatch(/through the engine: \d+ commands .*LendingLiquidatable said \d+ times/);
    expect(out).toMatch(/\d+ liquidations of \d+ accounts \(close factor 50%: \d+, 100%: \d+\)/);
  });
  it('a malformed --gas is refused with exit code 2', async () => {
    const { code, err } = await cli(['lending-demo', '--synthetic', '--gas', 'five']);
    expect(code).toBe(2);
    expect(err).toContain('--gas five');
  });
});
