// Morpho Blue markets through Engine.apply: the golden figures of core/lending/morpho.test.ts (docs.morpho.org's
// $100 of collateral at LLTV 80%; bad debt; pre-liquidation halfway between preLLTV 80% and LLTV 86%) reproduced
// from supply, supplyCollateral and borrow commands; refusals change nothing; snapshot/restore.
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import type { Command } from './commands.js';
import type { EngineEvent } from './events.js';
import { canonicalJson } from './snapshot.js';
import { applyAccepted as applyAll, stateWithoutSeq as stateOf, TEST_CONFIG } from './testkit.js';

const W = 10n ** 18n;
const pct = (hundredths: bigint): bigint => hundredths * 10n ** 14n;
const PRICE_PAR = 10n ** 36n;
const T = 1_700_000_000_000;


function only<K extends EngineEvent['kind']>(events: readonly EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }> {
  const found = events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Extract<EngineEvent, { kind: K }>;
}


/** A fresh market (shares 1e6 per asset), 1,000 supplied by a lender, `borrower` with 100 of collateral borrowing `debt` at par. */
function world(lltv: bigint, debt: bigint, collateral = 100n * W): Engine {
  const engine = Engine.create(TEST_CONFIG);
  applyAll(engine, [
    { kind: 'morpho_market', tsMs: T, market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: lltv, price: PRICE_PAR },
    { kind: 'morpho_supply', tsMs: T, market: 'm', user: 'lender', amount: 1_000n * W },
    { kind: 'morpho_supply_collateral', tsMs: T, market: 'm', user: 'bob', amount: collateral },
    { kind: 'morpho_borrow', tsMs: T, market: 'm', user: 'bob', amount: debt },
  ]);
  return engine;
}

describe('Morpho Blue through Engine.apply', () => {
  it("the docs' example to the unit: all of 80.00001 of debt repaid buys 85.106393617021276580 of collateral", () => {
    // bob borrows 80.00001 on 100 of collateral while it is worth twice par (healthy), then the price falls to par:
    // the golden test's position exactly (fresh market: shares = assets x 1e6)
    const debt = 80_000_010n * 10n ** 12n;
    const engine = Engine.create(TEST_CONFIG);
    applyAll(engine, [
      { kind: 'morpho_market', tsMs: T, market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: pct(8000n), price: 2n * PRICE_PAR },
      { kind: 'morpho_supply', tsMs: T, market: 'm', user: 'lender', amount: 1_000n * W },
      { kind: 'morpho_supply_collateral', tsMs: T, market: 'm', user: 'bob', amount: 100n * W },
      { kind: 'morpho_borrow', tsMs: T, market: 'm', user: 'bob', amount: debt },
    ]);
    const shares = debt * 10n ** 6n;
    const all: Command = { kind: 'morpho_liquidate', tsMs: T + 1, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 0n, repaidShares: shares, pre: false };
    expect(engine.apply(all)[0]).toMatchObject({ reason: 'healthy_position' });
    expect(engine.morphoKeeper('m', 0n)).toEqual([]);
    applyAll(engine, [{ kind: 'morpho_price', tsMs: T + 1, market: 'm', price: PRICE_PAR }]);
    expect(engine.morphoKeeper('m', 0n)?.map((o) => [o.account, o.seizedAssets])).toEqual([['bob', 85_106_393_617_021_276_580n]]);
    const events = applyAll(engine, [all]);
    expect(only(events, 'MorphoLiquidated')).toMatchObject({ incentiveFactorWad: 1_063_829_787_234_042_553n, repaidAssets: debt, repaidShares: shares, badDebtAssets: 0n, borrowShares: 0n, pre: false });
    expect(only(events, 'MorphoCollateralSeized')).toMatchObject({ seized: 85_106_393_617_021_276_580n, collateral: 14_893_606_382_978_723_420n });
    expect(engine.state.morpho.get('m')?.market.totalBorrowAssets).toBe(0n);
  });

  it('bad debt to the unit: seizing all of $10 of collateral against $80 of debt realises 70.599999999999999998 as a loss', () => {
    // 80 borrowed on 10 of collateral worth 10x par (10 x 10 x 0.8 = 80: healthy), then the price falls to par
    const engine = Engine.create(TEST_CONFIG);
    applyAll(engine, [
      { kind: 'morpho_market', tsMs: T, market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: pct(8000n), price: 10n * PRICE_PAR },
      { kind: 'morpho_supply', tsMs: T, market: 'm', user: 'lender', amount: 1_000n * W },
      { kind: 'morpho_supply_collateral', tsMs: T, market: 'm', user: 'bob', amount: 10n * W },
      { kind: 'morpho_borrow', tsMs: T, market: 'm', user: 'bob', amount: 80n * W },
      { kind: 'morpho_price', tsMs: T + 1, market: 'm', price: PRICE_PAR },
    ]);
    const events = applyAll(engine, [{ kind: 'morpho_liquidate', tsMs: T + 2, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 10n * W, repaidShares: 0n, pre: false }]);
    const d = only(events, 'MorphoLiquidated');
    // the golden test's figures: repaid = ceil(10e36 / 1063829787234042553) = 9.400000000000000002e18
    expect(d.repaidAssets).toBe(9_400_000_000_000_000_002n);
    expect(d.badDebtAssets).toBe(70_599_999_999_999_999_998n);
    expect(d.borrowShares).toBe(0n);
    expect(only(events, 'MorphoCollateralSeized')).toMatchObject({ seized: 10n * W, collateral: 0n });
    const m = engine.state.morpho.get('m');
    expect(m?.market.totalSupplyAssets).toBe(1_000n * W - 70_599_999_999_999_999_998n);
    expect(m?.market.totalBorrowAssets).toBe(0n);
    expect(m?.market.totalBorrowShares).toBe(0n);
  });

  it('pre-liquidation at LTV 83% (halfway from preLLTV 80% to LLTV 86%): preLIF 1.025, 30% of the shares, 25.5225 seized', () => {
    const engine = world(pct(8600n), 83n * W);
    const optIn: Command = {
      kind: 'morpho_pre_liquidation', tsMs: T, market: 'm', user: 'bob', preLltvWad: pct(8000n), preLCF1Wad: pct(1000n), preLCF2Wad: pct(5000n),
      preLIF1Wad: 101n * 10n ** 16n, preLIF2Wad: 104n * 10n ** 16n,
    };
    const pre: Command = { kind: 'morpho_liquidate', tsMs: T, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 0n, repaidShares: 249n * 10n ** 23n, pre: true };
    expect(engine.apply(pre)[0]).toMatchObject({ reason: 'no_pre_liquidation' });
    applyAll(engine, [optIn]);
    expect(engine.apply({ ...pre, repaidShares: 249n * 10n ** 23n + 1n } as Command)[0]).toMatchObject({ reason: 'pre_liquidation_too_large' });
    const events = applyAll(engine, [pre]);
    expect(only(events, 'MorphoLiquidated')).toMatchObject({ pre: true, incentiveFactorWad: 1_025n * 10n ** 15n, repaidAssets: 249n * 10n ** 17n, borrowShares: 581n * 10n ** 23n });
    expect(only(events, 'MorphoCollateralSeized')).toMatchObject({ seized: 255_225n * 10n ** 14n, collateral: 100n * W - 255_225n * 10n ** 14n });
    // the keeper view: bob is healthy now (58.1 on 74.4775 x 0.86 = 64.05)
    expect(engine.morphoKeeper('m', 0n)).toEqual([]);
  });

  it('refusals change nothing; a restored engine answers the rest with the same events', () => {
    const engine = world(pct(8000n), 50n * W);
    const refused: [Command, string][] = [
      [{ kind: 'morpho_borrow', tsMs: T + 1, market: 'm', user: 'bob', amount: 31n * W }, 'insufficient_collateral'],
      [{ kind: 'morpho_borrow', tsMs: T + 1, market: 'm', user: 'bob', amount: 0n }, 'invalid_amount'],
      [{ kind: 'morpho_supply', tsMs: T + 1, market: 'nope', user: 'x', amount: 1n }, 'reserve_unknown'],
      [{ kind: 'morpho_market', tsMs: T + 1, market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: pct(8000n), price: PRICE_PAR }, 'invalid_params'],
      [{ kind: 'morpho_market', tsMs: T + 1, market: 'n', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: W, price: PRICE_PAR }, 'invalid_params'],
      [{ kind: 'morpho_liquidate', tsMs: T + 1, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 1n, repaidShares: 1n, pre: false }, 'inconsistent_input'],
      [{ kind: 'morpho_liquidate', tsMs: T + 1, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 1n, repaidShares: 0n, pre: false }, 'healthy_position'],
    ];
    for (const [cmd, reason] of refused) {
      const before = stateOf(engine);
      expect(engine.apply(cmd)).toMatchObject([{ kind: 'CommandRejected', reason }]);
      expect(stateOf(engine)).toBe(before);
    }
    // a market with little to lend: INSUFFICIENT_LIQUIDITY
    const dry = Engine.create(TEST_CONFIG);
    applyAll(dry, [
      { kind: 'morpho_market', tsMs: T, market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltvWad: pct(8000n), price: PRICE_PAR },
      { kind: 'morpho_supply', tsMs: T, market: 'm', user: 'lender', amount: W },
      { kind: 'morpho_supply_collateral', tsMs: T, market: 'm', user: 'bob', amount: 100n * W },
    ]);
    expect(dry.apply({ kind: 'morpho_borrow', tsMs: T, market: 'm', user: 'bob', amount: 2n * W })[0]).toMatchObject({ reason: 'insufficient_liquidity' });

    const restored = Engine.restore(engine.snapshot());
    const rest: Command[] = [
      { kind: 'morpho_price', tsMs: T + 5, market: 'm', price: (PRICE_PAR * 6n) / 10n },
      { kind: 'morpho_liquidate', tsMs: T + 6, market: 'm', liquidator: 'k', user: 'bob', seizedAssets: 20n * W, repaidShares: 0n, pre: false },
    ];
    expect(rest.map((c) => canonicalJson(restored.apply(c)))).toEqual(rest.map((c) => canonicalJson(engine.apply(c))));
    expect(engine.snapshot().morpho?.[0]?.positions[0]?.[0]).toBe('bob');
  });
});

describe('Morpho repay, withdrawCollateral and MorphoLiquidatable through Engine.apply', () => {
  it('a price fall says MorphoLiquidatable once (isHealthy, exact); a repayment makes the position healthy again', () => {
    // 100 of collateral at par, LLTV 80%, 80 borrowed: healthy exactly at the edge (80 <= 100 x 0.8)
    const engine = world(pct(8000n), 80n * W);
    expect(engine.state.morpho.get('m')!.unhealthy.size).toBe(0);
    const fell = applyAll(engine, [{ kind: 'morpho_price', tsMs: T, market: 'm', price: PRICE_PAR - 1n }]);
    // 100e18 x (1e36 - 1) / 1e36 = 1e20 - 1 (down), x 0.8 = 79.999999999999999999 (down) < 80
    expect(fell.filter((e) => e.kind === 'MorphoLiquidatable')).toEqual([
      expect.objectContaining({ user: 'bob', borrowed: 80n * W, maxBorrow: 80n * W - 1n }),
    ]);
    expect(applyAll(engine, [{ kind: 'morpho_price', tsMs: T, market: 'm', price: PRICE_PAR - 2n }]).filter((e) => e.kind === 'MorphoLiquidatable')).toEqual([]);
    const repaid = applyAll(engine, [{ kind: 'morpho_repay', tsMs: T, market: 'm', user: 'bob', assets: W, shares: 0n }]);
    // 1 asset buys floor(1e18 x (80e24 + 1e6) / (80e18 + 1)) shares = 999999999999999999987500 (the rounding favours the protocol)
    expect(repaid.find((e) => e.kind === 'MorphoRepaid')).toMatchObject({ assets: W, shares: (W * (80n * W * 10n ** 6n + 10n ** 6n)) / (80n * W + 1n) });
    expect(repaid.filter((e) => e.kind === 'MorphoHealthy')).toEqual([expect.objectContaining({ user: 'bob' })]);
    expect(engine.state.morpho.get('m')!.unhealthy.size).toBe(0);
  });

  it('withdrawCollateral keeps the position healthy; refusals change nothing; repaying all the shares clears the debt', () => {
    const engine = world(pct(8000n), 50n * W);
    const before = stateOf(engine);
    const refusals: [Command, string][] = [
      [{ kind: 'morpho_withdraw_collateral', tsMs: T, market: 'm', user: 'bob', amount: 37n * W + 5n * 10n ** 17n + 1n }, 'insufficient_collateral'],
      [{ kind: 'morpho_withdraw_collateral', tsMs: T, market: 'm', user: 'bob', amount: 101n * W }, 'exceeds_position'],
      [{ kind: 'morpho_withdraw_collateral', tsMs: T, market: 'm', user: 'bob', amount: 0n }, 'invalid_amount'],
      [{ kind: 'morpho_repay', tsMs: T, market: 'm', user: 'bob', assets: W, shares: 1n }, 'inconsistent_input'],
      [{ kind: 'morpho_repay', tsMs: T, market: 'm', user: 'bob', assets: 0n, shares: 50n * W * 10n ** 6n + 1n }, 'exceeds_position'],
      [{ kind: 'morpho_repay', tsMs: T, market: 'nope', user: 'bob', assets: W, shares: 0n }, 'reserve_unknown'],
    ];
    for (const [cmd, reason] of refusals) {
      const events = engine.apply(cmd);
      expect(events[0], reason).toMatchObject({ kind: 'CommandRejected', reason });
      expect(stateOf(engine)).toBe(before);
    }
    const out = applyAll(engine, [{ kind: 'morpho_withdraw_collateral', tsMs: T, market: 'm', user: 'bob', amount: 37n * W + 5n * 10n ** 17n }]);
    expect(out.find((e) => e.kind === 'MorphoCollateralWithdrawn')).toMatchObject({ collateral: 62n * W + 5n * 10n ** 17n });
    const all = applyAll(engine, [{ kind: 'morpho_repay', tsMs: T, market: 'm', user: 'bob', assets: 0n, shares: 50n * W * 10n ** 6n }]);
    expect(all.find((e) => e.kind === 'MorphoRepaid')).toMatchObject({ assets: 50n * W, borrowShares: 0n });
    expect(engine.state.morpho.get('m')!.market.totalBorrowAssets).toBe(0n);
    const restored = Engine.restore(engine.snapshot());
    expect(stateOf(restored)).toBe(stateOf(engine));
  });
});
