// Compound v3 markets through Engine.apply: buy-collateral-test.ts's golden figure (core/lending/comet.test.ts: 50
// USDC buys 55.555555555555555555 COMP at the 10% store-front discount, storeFrontPriceFactor 0.5 x (1 -
// liquidationFactor 0.8)) reproduced from supply, withdraw (a borrow), a price fall, absorb and buyCollateral
// commands; CometLiquidatable exactly at isLiquidatable; refusals change nothing; snapshot/restore; conservation of
// collateral and base through seizures and purchases as a property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import type { Command } from './commands.js';
import { canonicalJson, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { applyAccepted as applyAll, eventsOfKind as of, stateWithoutSeq as stateOf, TEST_CONFIG } from './testkit.js';
import { getCollateralReserves, getReserves, isLiquidatable } from '../lending/comet.js';
import type { CometAmountCommand, CometBuyCollateral, CometCollateralConfig, CometCreateMarket } from './lending-commands.js';

const T = 1_700_000_000_000;
const USDC = (n: bigint): bigint => n * 10n ** 6n;
const COMP = (n: bigint): bigint => n * 10n ** 18n;
const USD = (n: bigint): bigint => n * 10n ** 8n;
const F = (hundredths: bigint): bigint => hundredths * 10n ** 16n;

const COMP_CONFIG: CometCollateralConfig = {
  asset: 'COMP', decimals: 18, price: USD(1n), borrowCollateralFactorWad: F(80n), liquidateCollateralFactorWad: F(85n),
  liquidationFactorWad: F(80n), supplyCap: COMP(1_000_000n),
};

const MARKET: CometCreateMarket = {
  kind: 'comet_market', tsMs: T, market: 'cusdc', baseAsset: 'USDC', baseDecimals: 6, basePrice: USD(1n), baseBorrowMin: USDC(1n),
  storeFrontPriceFactorWad: F(50n), targetReserves: 100n, collaterals: [COMP_CONFIG],
};




const supply = (user: string, asset: string, amount: bigint): CometAmountCommand => ({ kind: 'comet_supply', tsMs: T, market: 'cusdc', user, asset, amount });
const withdraw = (user: string, asset: string, amount: bigint): CometAmountCommand => ({ kind: 'comet_withdraw', tsMs: T, market: 'cusdc', user, asset, amount });
const price = (asset: string, p: bigint): Command => ({ kind: 'comet_price', tsMs: T, market: 'cusdc', prices: [{ asset, price: p }] });
const buy = (asset: string, minAmount: bigint, baseAmount: bigint): CometBuyCollateral => ({ kind: 'comet_buy_collateral', tsMs: T, market: 'cusdc', buyer: 'b', asset, baseAsset: 'USDC', minAmount, baseAmount });

/** A lender's 1,000 USDC; bob's 60 COMP at $1 borrowing 48 USDC (exactly its borrow capacity at borrowCF 0.8). */
function world(): Engine {
  const engine = Engine.create(TEST_CONFIG);
  applyAll(engine, [MARKET, supply('lender', 'USDC', USDC(1_000n)), supply('bob', 'COMP', COMP(60n)), withdraw('bob', 'USDC', USDC(48n))]);
  return engine;
}

/** sharePct% of what the user may still borrow at borrowCF 0.8 (at least 1 atom): withdrawals that mostly succeed. */
function borrowable(engine: Engine, user: string, sharePct: bigint): bigint {
  const m = engine.state.comet.get('cusdc')!;
  const a = m.accounts.get(user);
  const compPrice = m.market.assets[0]!.price;
  const capacity = ((a?.collateral.get('COMP') ?? 0n) * compPrice * 8n) / 10n / 10n ** 20n + (a?.principal ?? 0n);
  return capacity > 0n ? (capacity * sharePct) / 100n + 1n : 1n;
}

describe('Compound v3 through Engine.apply', () => {
  it("buy-collateral-test.ts's figure to the unit: after absorbing bob, 50 USDC buys 55.555555555555555555 COMP", () => {
    const engine = world();
    const cm = () => engine.state.comet.get('cusdc')!;
    expect(cm().accounts.get('bob')!.principal).toBe(-USDC(48n));
    // COMP at $0.94: liquidity -48 + 60 x 0.94 x 0.85 = -0.06 < 0 -> liquidatable, said once
    const fell = applyAll(engine, [price('COMP', 94_000_000n)]);
    expect(of(fell, 'CometLiquidatable')).toEqual([expect.objectContaining({ user: 'bob', balance: -USDC(48n) })]);
    expect(of(applyAll(engine, [price('COMP', 94_000_000n)]), 'CometLiquidatable')).toEqual([]);
    const absorbed = applyAll(engine, [{ kind: 'comet_absorb', tsMs: T, market: 'cusdc', absorber: 'k', accounts: ['bob'] }]);
    // 60 COMP x $0.94 = $56.4, x liquidationFactor 0.8 = $45.12 < $48: bob's balance is set to 0, the reserves pay 48
    expect(of(absorbed, 'CometCollateralAbsorbed')).toEqual([expect.objectContaining({ asset: 'COMP', amount: COMP(60n), value: 5_640_000_000n, collateralReserves: COMP(60n) })]);
    expect(of(absorbed, 'CometAbsorbed')).toEqual([expect.objectContaining({ user: 'bob', basePaidOut: USDC(48n), balance: 0n, reserves: -USDC(48n), reservesDelta: -USDC(48n) })]);
    expect(of(absorbed, 'CometHealthy')).toHaveLength(1);
    // the golden test's market: COMP at $1, storeFront 0.5, liquidationFactor 0.8, reserves below target 100
    const bought = applyAll(engine, [price('COMP', USD(1n)), buy('COMP', COMP(50n), USDC(50n))]);
    expect(of(bought, 'CometCollateralBought')).toEqual([expect.objectContaining({ amount: 55_555_555_555_555_555_555n, collateralReserves: COMP(60n) - 55_555_555_555_555_555_555n })]);
    expect(of(bought, 'CometReservesPaid')).toEqual([expect.objectContaining({ amount: USDC(50n), reserves: USDC(2n), reservesDelta: USDC(50n) })]);
    // reserves (2 USDC) now at or above targetReserves (100 atoms): NotForSale, as Comet
    const again = engine.apply(buy('COMP', 0n, USDC(1n)));
    expect(again[0]).toMatchObject({ kind: 'CommandRejected', reason: 'not_for_sale' });
  });

  it('a withdrawal beyond the supply borrows: refused below baseBorrowMin or beyond borrowCF, and halted', () => {
    const engine = Engine.create(TEST_CONFIG);
    applyAll(engine, [MARKET, supply('lender', 'USDC', USDC(1_000n)), supply('bob', 'COMP', COMP(60n)), supply('bob', 'USDC', USDC(5n))]);
    const before = stateOf(engine);
    const refusals: [Command, string][] = [
      [withdraw('bob', 'USDC', USDC(5n) + USDC(1n) - 1n), 'borrow_too_small'],
      [withdraw('bob', 'USDC', USDC(53n) + 1n), 'not_collateralized'],
      [withdraw('bob', 'COMP', COMP(61n)), 'exceeds_position'],
      [withdraw('bob', 'USDC', 0n), 'invalid_amount'],
      [withdraw('bob', 'WETH', 1n), 'reserve_unknown'],
      [supply('bob', 'COMP', COMP(1_000_000n)), 'supply_cap_exceeded'],
      [{ ...supply('bob', 'COMP', 1n), market: 'nope' }, 'reserve_unknown'],
      [{ kind: 'comet_absorb', tsMs: T, market: 'cusdc', absorber: 'k', accounts: ['bob'] }, 'not_liquidatable'],
      [buy('COMP', 0n, USDC(1n)), 'insufficient_reserves'],
      [{ ...buy('COMP', 0n, USDC(1n)), baseAsset: 'DAI' }, 'reserve_unknown'],
      [price('WETH', USD(1n)), 'reserve_unknown'],
      [price('COMP', 0n), 'invalid_params'],
      [MARKET, 'invalid_params'],
      [{ ...MARKET, market: 'c2', baseDecimals: 18 }, 'invalid_params'],
      [{ ...MARKET, market: 'c2', collaterals: [{ ...COMP_CONFIG, borrowCollateralFactorWad: F(85n) }] }, 'invalid_params'],
    ];
    for (const [cmd, reason] of refusals) {
      const events = engine.apply(cmd);
      expect(events, `${cmd.kind} ${reason}`).toHaveLength(1);
      expect(events[0], `${cmd.kind} ${reason}`).toMatchObject({ kind: 'CommandRejected', reason });
      expect(stateOf(engine)).toBe(before);
    }
    // 5 supplied + 48 borrowed = 53 exactly at the borrow capacity ($60 x 0.8)
    const ok = applyAll(engine, [withdraw('bob', 'USDC', USDC(53n))]);
    expect(of(ok, 'CometWithdrawn')).toEqual([expect.objectContaining({ amount: USDC(53n), balance: -USDC(48n) })]);
    applyAll(engine, [{ kind: 'halt', tsMs: T, reason: 'test' }, supply('bob', 'COMP', COMP(10n))]);
    const halted = engine.apply(withdraw('bob', 'USDC', USDC(1n)));
    expect(halted[0]).toMatchObject({ kind: 'CommandRejected', reason: 'engine_halted' });
  });

  it('absorb takes all the accounts or none; snapshot and restore keep every figure', () => {
    const engine = world();
    applyAll(engine, [supply('carol', 'COMP', COMP(10n)), withdraw('carol', 'USDC', USDC(2n)), price('COMP', 50_000_000n)]);
    const before = stateOf(engine);
    const all = engine.apply({ kind: 'comet_absorb', tsMs: T, market: 'cusdc', absorber: 'k', accounts: ['bob', 'carol'] });
    // carol: -2 + 10 x 0.5 x 0.85 = 2.25 >= 0, not liquidatable: the whole call is refused, bob included
    expect(all[0]).toMatchObject({ kind: 'CommandRejected', reason: 'not_liquidatable', field: 'accounts[1]' });
    expect(stateOf(engine)).toBe(before);
    const restored = Engine.restore(engine.snapshot());
    expect(stateOf(restored)).toBe(before);
    const cmd: Command = { kind: 'comet_absorb', tsMs: T, market: 'cusdc', absorber: 'k', accounts: ['bob'] };
    expect(restored.apply(cmd)).toEqual(engine.apply(cmd));
    expect(stateOf(restored)).toBe(stateOf(engine));
  });

  it('a snapshot without Compound v3 markets has no comet field (older snapshots keep their bytes)', () => {
    expect('comet' in Engine.create(TEST_CONFIG).snapshot()).toBe(false);
  });

  it('conservation: collateral seized and bought balance exactly, base in = base out + reserves, users and reserves sum to the tokens held', () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant('supplyComp' as const), user: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 1n, max: 100n }).map((k) => COMP(k) / 7n) }),
      fc.record({ t: fc.constant('borrow' as const), user: fc.integer({ min: 0, max: 2 }), sharePct: fc.bigInt({ min: 50n, max: 100n }) }),
      fc.record({ t: fc.constant('repay' as const), user: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 1n, max: 80n }).map((k) => USDC(k) / 3n) }),
      fc.record({ t: fc.constant('withdrawComp' as const), user: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 1n, max: 100n }).map((k) => COMP(k) / 13n) }),
      fc.record({ t: fc.constant('price' as const), price: fc.bigInt({ min: 10n, max: 200n }).map((cents) => cents * 10n ** 6n + 1n) }),
      fc.record({ t: fc.constant('absorb' as const) }),
      fc.record({ t: fc.constant('buy' as const), amount: fc.bigInt({ min: 1n, max: 60n }).map((k) => USDC(k) / 9n) }),
    );
    let absorbs = 0, purchases = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 60 }), (steps) => {
        const engine = Engine.create(TEST_CONFIG);
        applyAll(engine, [{ ...MARKET, targetReserves: USDC(1_000_000n) }, supply('lender', 'USDC', USDC(10_000n))]);
        let compIn = 0n, compOut = 0n, compSeized = 0n, compBought = 0n, baseIn = USDC(10_000n), baseOut = 0n;
        for (const s of steps) {
          const user = `u${'user' in s ? s.user : 0}`;
          const cmd: Command =
            s.t === 'supplyComp' ? supply(user, 'COMP', s.amount)
            : s.t === 'borrow' ? withdraw(user, 'USDC', borrowable(engine, user, s.sharePct))
            : s.t === 'repay' ? supply(user, 'USDC', s.amount)
            : s.t === 'withdrawComp' ? withdraw(user, 'COMP', s.amount)
            : s.t === 'price' ? price('COMP', s.price)
            : s.t === 'absorb' ? { kind: 'comet_absorb', tsMs: T, market: 'cusdc', absorber: 'k', accounts: [...engine.state.comet.get('cusdc')!.liquidatable] }
            : buy('COMP', 0n, s.amount);
          if (cmd.kind === 'comet_absorb' && cmd.accounts.length === 0) continue;
          for (const e of engine.apply(cmd)) {
            if (e.kind === 'CometSupplied' && e.asset === 'COMP') compIn += e.amount;
            if (e.kind === 'CometSupplied' && e.asset === 'USDC') baseIn += e.amount;
            if (e.kind === 'CometWithdrawn' && e.asset === 'COMP') compOut += e.amount;
            if (e.kind === 'CometWithdrawn' && e.asset === 'USDC') baseOut += e.amount;
            if (e.kind === 'CometCollateralAbsorbed') {
              compSeized += e.amount;
              absorbs++;
            }
            if (e.kind === 'CometCollateralBought') {
              compBought += e.amount;
              purchases++;
            }
            if (e.kind === 'CometReservesPaid') baseIn += e.amount;
          }
        }
        const m = engine.state.comet.get('cusdc')!;
        const users = [...m.accounts.values()].reduce((acc, a) => acc + (a.collateral.get('COMP') ?? 0n), 0n);
        const tokens = m.market.collateralBalances.get('COMP') ?? 0n;
        expect(tokens).toBe(compIn - compOut - compBought);
        expect(users + getCollateralReserves(m.market, 'COMP')).toBe(tokens);
        expect(getCollateralReserves(m.market, 'COMP')).toBe(compSeized - compBought);
        expect(m.market.baseBalance).toBe(baseIn - baseOut);
        // Comet's invariant (certora/properties.md 4): users' principals sum to totalSupplyBase - totalBorrowBase (index 1)
        const principals = [...m.accounts.values()].reduce((acc, a) => acc + a.principal, 0n);
        expect(principals).toBe(m.market.totalSupplyBase - m.market.totalBorrowBase);
        expect(getReserves(m.market)).toBe(m.market.baseBalance - principals);
        // the liquidatable set is exactly isLiquidatable
        for (const [u, a] of m.accounts) expect(m.liquidatable.has(u)).toBe(isLiquidatable(m.market, a));
      }),
      // Seeded: the coverage counts below depend on the sequences drawn (an unseeded run drew 9 purchases once).
      { numRuns: 150, seed: 2026_1203 },
    );
    // the runs do exercise seizures and purchases
    expect(absorbs).toBeGreaterThan(10);
    expect(purchases).toBeGreaterThan(10);
  });

  describe('interest (comet_market rates: comet-math cometRate, accrued at every command and tick)', () => {
    const YEAR_S = 31_536_000;
    const DAY_MS = 86_400_000;
    // a flat 100% a year borrow rate (per second, floor, as Comet's constructor divides), 50% for suppliers
    const RATED: CometCreateMarket = {
      ...MARKET,
      rates: {
        supply: { kink: F(80n), perSecondInterestRateBase: F(50n) / BigInt(YEAR_S), perSecondInterestRateSlopeLow: 0n, perSecondInterestRateSlopeHigh: 0n },
        borrow: { kink: F(80n), perSecondInterestRateBase: F(100n) / BigInt(YEAR_S), perSecondInterestRateSlopeLow: 0n, perSecondInterestRateSlopeHigh: 0n },
      },
    };
    function rated(): Engine {
      const engine = Engine.create(TEST_CONFIG);
      applyAll(engine, [RATED, supply('lender', 'USDC', USDC(1_000n)), supply('bob', 'COMP', COMP(60n)), withdraw('bob', 'USDC', USDC(48n))]);
      return engine;
    }
    const tick = (tsMs: number): Command => ({ kind: 'tick', tsMs });

    it('interest alone makes bob liquidatable: -48 grows past 60 x $1 x 0.85 = 51 (6.25%, about 23 days at 100% a year), said on the tick', () => {
      const engine = rated();
      const cm = () => engine.state.comet.get('cusdc')!;
      expect(of(applyAll(engine, [tick(T + 20 * DAY_MS)]), 'CometLiquidatable')).toEqual([]);
      // 20 days: the borrow index grows by rate x dt (Comet's linear accrual), 1e15 x (1 + 20/365)
      const perSecond = F(100n) / BigInt(YEAR_S);
      expect(cm().market.baseBorrowIndex).toBe(10n ** 15n + (10n ** 15n * perSecond * 1_728_000n) / 10n ** 18n);
      expect(cm().market.baseSupplyIndex).toBeGreaterThan(10n ** 15n);
      const crossed = applyAll(engine, [tick(T + 24 * DAY_MS)]);
      expect(of(crossed, 'CometLiquidatable')).toEqual([expect.objectContaining({ user: 'bob' })]);
      const said = of(crossed, 'CometLiquidatable')[0]!;
      expect(said.balance).toBeLessThan(-USDC(51n));
      expect(isLiquidatable(cm().market, cm().accounts.get('bob')!)).toBe(true);
      // the keeper view sees it too, and absorb takes it
      expect(engine.cometKeeper('cusdc', 0n)!.absorbable.map((a) => a.account)).toEqual(['bob']);
      applyAll(engine, [{ kind: 'comet_absorb', tsMs: T + 24 * DAY_MS, market: 'cusdc', absorber: 'k', accounts: ['bob'] }]);
    });

    it('a command accrues first (the keeper view at the engine time agrees); a refused one reverts the accrual too', () => {
      const engine = rated();
      const later = T + 30 * DAY_MS;
      const before = stateOf(engine);
      const refused = engine.apply({ ...withdraw('bob', 'COMP', COMP(1_000n)), tsMs: later });
      expect(refused[0]).toMatchObject({ kind: 'CommandRejected' });
      expect(stateOf(engine)).toBe(before);
      // an accepted command on another user accrues the market: bob crosses (said on the next tick, or a command on him)
      applyAll(engine, [{ ...supply('carol', 'COMP', COMP(1n)), tsMs: later }]);
      const m = engine.state.comet.get('cusdc')!;
      expect(m.interest!.lastAccrualS).toBe(BigInt(Math.floor(later / 1000)));
      expect(isLiquidatable(m.market, m.accounts.get('bob')!)).toBe(true);
      expect(of(applyAll(engine, [tick(later)]), 'CometLiquidatable')).toEqual([expect.objectContaining({ user: 'bob' })]);
    });

    it('snapshot and restore keep the rates and the accrual time (through the encoded text); a market without rates has no interest field', () => {
      const engine = rated();
      applyAll(engine, [tick(T + 5 * DAY_MS)]);
      const restored = Engine.restore(decodeSnapshot(encodeSnapshot(engine.snapshot())));
      expect(stateOf(restored)).toBe(stateOf(engine));
      const next = tick(T + 40 * DAY_MS);
      expect(restored.apply(next)).toEqual(engine.apply(next));
      expect(stateOf(restored)).toBe(stateOf(engine));
      expect(canonicalJson(world().snapshot())).not.toContain('interest');
    });

    it('refuses a rate outside uint64 (invalid_params naming the field), changing nothing', () => {
      const engine = Engine.create(TEST_CONFIG);
      const before = stateOf(engine);
      const bad: CometCreateMarket = { ...RATED, rates: { ...RATED.rates!, borrow: { ...RATED.rates!.borrow, perSecondInterestRateSlopeHigh: 2n ** 64n } } };
      expect(engine.apply(bad)[0]).toMatchObject({ kind: 'CommandRejected', reason: 'invalid_params', field: 'rates.borrow.perSecondInterestRateSlopeHigh' });
      expect(stateOf(engine)).toBe(before);
    });
  });
});
