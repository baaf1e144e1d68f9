// A lending market through the service (issue 18): wire lending commands in through POST /v1/commands (journaled,
// events answered in decimals), the keeper view out through GET /v1/lending/:market/keeper?gasCost=, with the
// figures the engine's query gives (example 2.1 of the Aave v3.3 features document, as in core/engine/lending.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, start, type Running } from './support.js';

describe('a lending market through the service', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s.app.close();
  });

  it('takes lending commands through POST /v1/commands and answers their events in decimals', async () => {
    const reserve = (asset: string, decimals: number, extra: Record<string, string> = {}) => ({
      kind: 'lending_reserve', market: 'aave', asset, decimals, ltv: '0.75', liquidationThreshold: '0.8', liquidationBonus: '1.05', price: '1', ...extra,
    });
    const r = await post(s.base, '/v1/commands', [
      reserve('ETH', 18, { price: '4000', liquidationThreshold: '0.97', protocolFee: '0.1' }),
      reserve('GHO', 18),
      reserve('USDC', 6),
      reserve('DAI', 18),
      { kind: 'lending_supply', market: 'aave', user: 'alice', asset: 'ETH', amount: '4.5' },
      { kind: 'lending_borrow', market: 'aave', user: 'alice', asset: 'GHO', amount: '3000' },
      { kind: 'lending_borrow', market: 'aave', user: 'alice', asset: 'USDC', amount: '3000' },
      { kind: 'lending_borrow', market: 'aave', user: 'alice', asset: 'DAI', amount: '3000' },
      { kind: 'lending_price', market: 'aave', prices: { ETH: '2000' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.every((x: { rejected?: unknown }) => x.rejected === undefined)).toBe(true);
    const last = r.body.results.at(-1).events;
    expect(last[1]).toMatchObject({ kind: 'LendingLiquidatable', user: 'alice', healthFactor: '0.97', totalCollateralBase: '9000', totalDebtBase: '9000' });
  });

  it('answers the keeper view with the call to send, its figures and the dust checks', async () => {
    const r = await get(s.base, '/v1/lending/aave/keeper?gasCost=5');
    expect(r.status).toBe(200);
    expect(r.body.gasCost).toBe('5');
    expect(r.body.opportunities).toHaveLength(1);
    expect(r.body.opportunities[0]).toMatchObject({
      user: 'alice', collateralAsset: 'ETH', healthFactor: '0.97', closeFactor: '1', debtToCover: 'max', maxRepayableDebt: '3000',
      collateralSeized: '1.575', collateralToLiquidator: '1.5675', protocolFee: '0.0075', profit: '130',
    });
    expect(r.body.dust[0]).toEqual({ asset: 'ETH', dust: '1000', bonusNetOfFee: '45', profit: '40', worthLiquidating: true });
    // the keeper sends what the view says
    const o = r.body.opportunities[0];
    const done = await post(s.base, '/v1/commands', {
      kind: 'lending_liquidate', market: 'aave', liquidator: 'keeper', user: o.user, collateralAsset: o.collateralAsset, debtAsset: o.debtAsset, debtToCover: o.debtToCover,
    });
    expect(done.body.events.find((e: { kind: string }) => e.kind === 'LendingCollateralSeized')).toMatchObject({ toLiquidator: '1.5675', protocolFee: '0.0075' });
  });

  it('refuses an unknown market (404) and a malformed gas cost (400)', async () => {
    expect((await get(s.base, '/v1/lending/nowhere/keeper')).status).toBe(404);
    const bad = await get(s.base, '/v1/lending/aave/keeper?gasCost=-1');
    expect(bad.status).toBe(400);
  });
});

describe('a Morpho Blue market through the service', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s.app.close();
  });

  it("answers the keeper view (the docs' example: 85.106393617021276580 seized for all 80.00001 of debt) and the keeper's call does it", async () => {
    const PAR = '1000000000000000000000000000000000000';
    const r = await post(s.base, '/v1/commands', [
      { kind: 'morpho_market', market: 'weth-dai', loanAsset: 'DAI', collateralAsset: 'WETH', lltv: '0.8', price: `2${PAR.slice(1)}` },
      { kind: 'morpho_supply', market: 'weth-dai', user: 'lender', amount: '1000000000000000000000' },
      { kind: 'morpho_supply_collateral', market: 'weth-dai', user: 'bob', amount: '100000000000000000000' },
      { kind: 'morpho_borrow', market: 'weth-dai', user: 'bob', amount: '80000010000000000000' },
      { kind: 'morpho_price', market: 'weth-dai', price: PAR },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.at(-1).events.find((e: { kind: string }) => e.kind === 'MorphoLiquidatable')).toMatchObject({ user: 'bob', borrowed: '80000010000000000000', maxBorrow: '80000000000000000000' });
    const view = await get(s.base, '/v1/morpho/weth-dai/keeper?gasCost=1000');
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ market: 'weth-dai', loanAsset: 'DAI', collateralAsset: 'WETH', gasCost: '1000' });
    const o = view.body.opportunities[0];
    expect(o).toMatchObject({ user: 'bob', repaidShares: '80000010000000000000000000', seizedAssets: '85106393617021276580', badDebtAssets: '0' });
    // at par the seized collateral is worth its atoms: profit = seized - repaid - gas
    expect(BigInt(o.profit)).toBe(BigInt(o.seizedAssets) - BigInt(o.repaidAssets) - 1000n);
    const done = await post(s.base, '/v1/commands', { kind: 'morpho_liquidate', market: 'weth-dai', liquidator: 'keeper', user: o.user, repaidShares: o.repaidShares });
    expect(done.body.events.find((e: { kind: string }) => e.kind === 'MorphoCollateralSeized')).toMatchObject({ seized: o.seizedAssets });
    expect(done.body.events.find((e: { kind: string }) => e.kind === 'MorphoHealthy')).toMatchObject({ user: 'bob', borrowed: '0' });
    expect((await get(s.base, '/v1/morpho/weth-dai/keeper')).body.opportunities).toEqual([]);
    expect((await get(s.base, '/v1/morpho/nowhere/keeper')).status).toBe(404);
    expect((await get(s.base, '/v1/morpho/weth-dai/keeper?gasCost=1.5')).status).toBe(400);
  });
});

describe('a Compound v3 market through the service', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s.app.close();
  });

  it('answers the keeper view: bob absorbable after the price fall, then the store front, and the keeper calls do what it says', async () => {
    const r = await post(s.base, '/v1/commands', [
      {
        kind: 'comet_market', market: 'cusdc', baseAsset: 'USDC', baseDecimals: 6, basePrice: '1', baseBorrowMin: '1', storeFrontPriceFactor: '0.5', targetReserves: '0.0001',
        collaterals: [{ asset: 'COMP', decimals: 18, price: '1', borrowCollateralFactor: '0.8', liquidateCollateralFactor: '0.85', liquidationFactor: '0.8', supplyCap: '1000000' }],
      },
      { kind: 'comet_supply', market: 'cusdc', user: 'lender', asset: 'USDC', amount: '1000' },
      { kind: 'comet_supply', market: 'cusdc', user: 'bob', asset: 'COMP', amount: '60' },
      { kind: 'comet_withdraw', market: 'cusdc', user: 'bob', asset: 'USDC', amount: '48' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.every((x: { rejected?: unknown }) => x.rejected === undefined)).toBe(true);
    // healthy: nothing to absorb; reserves 0 < target 0.0001 but the protocol holds no collateral: nothing for sale
    expect((await get(s.base, '/v1/comet/cusdc/keeper')).body).toMatchObject({ market: 'cusdc', baseAsset: 'USDC', absorbable: [], storeFront: [] });
    await post(s.base, '/v1/commands', { kind: 'comet_price', market: 'cusdc', prices: { COMP: '0.94' } });
    const before = await get(s.base, '/v1/comet/cusdc/keeper?gasCost=0.5');
    expect(before.status).toBe(200);
    expect(before.body.gasCost).toBe('0.5');
    // 60 COMP x $0.94 x liquidationFactor 0.8 = $45.12 < $48 owed: the reserves pay all 48 (core/engine/lending-comet.test.ts)
    expect(before.body.absorbable).toEqual([{ user: 'bob', balance: '-48', basePaidOut: '48', valueOfBasePaidOut: '48', collateral: [{ asset: 'COMP', amount: '60', value: '56.4' }] }]);
    expect(before.body.storeFront).toEqual([]);
    const absorbed = await post(s.base, '/v1/commands', { kind: 'comet_absorb', market: 'cusdc', absorber: 'keeper', accounts: before.body.absorbable.map((a: { user: string }) => a.user) });
    expect(absorbed.body.events.find((e: { kind: string }) => e.kind === 'CometAbsorbed')).toMatchObject({ user: 'bob', basePaidOut: '48' });
    const after = await get(s.base, '/v1/comet/cusdc/keeper?gasCost=0.5');
    expect(after.body.absorbable).toEqual([]);
    expect(after.body.storeFront).toHaveLength(1);
    const o = after.body.storeFront[0];
    // the store-front discount is 0.5 x (1 - 0.8) = 10%: 60 COMP at $0.846 cost 50.76 USDC; worth $56.4; less $0.5 of gas
    expect(o).toEqual({ asset: 'COMP', baseAmount: '50.76', collateralAmount: '60', profit: '5.14' });
    const bought = await post(s.base, '/v1/commands', { kind: 'comet_buy_collateral', market: 'cusdc', buyer: 'keeper', asset: o.asset, baseAsset: 'USDC', baseAmount: o.baseAmount, minAmount: o.collateralAmount });
    expect(bought.body.events.find((e: { kind: string }) => e.kind === 'CometCollateralBought')).toMatchObject({ amount: o.collateralAmount, collateralReserves: '0' });
    expect((await get(s.base, '/v1/comet/cusdc/keeper')).body.storeFront).toEqual([]);
  });

  it('refuses an unknown market (404) and a malformed gas cost (400)', async () => {
    expect((await get(s.base, '/v1/comet/nowhere/keeper')).status).toBe(404);
    expect((await get(s.base, '/v1/comet/cusdc/keeper?gasCost=-1')).status).toBe(400);
  });
});
