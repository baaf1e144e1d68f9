// Lending markets through Engine.apply: an Aave v3.3 liquidation reproduces the rulebook's golden figures (the v3.3
// features document's example 2.1, as in core/lending/aave-liquidation.test.ts), refusals change nothing, the
// keeper view and LendingLiquidatable, snapshot/restore mid-sequence, and conservation as a property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import type { Command } from './commands.js';
import type { EngineEvent } from './events.js';
import { LENDING_AMOUNT_MAX, type LendingReserve } from './lending-commands.js';
import { canonicalJson } from './snapshot.js';
import { applyAccepted as applyAll, stateWithoutSeq as stateOf, TEST_CONFIG } from './testkit.js';
import { ppm } from '../units/index.js';

const e18 = 10n ** 18n;
const USD = (d: bigint): bigint => d * 10n ** 8n;
const T0 = 1_700_000_000_000;

function reserveCmd(asset: string, decimals: number, fields: Partial<LendingReserve> = {}, tsMs = T0): LendingReserve {
  return {
    kind: 'lending_reserve', tsMs, market: 'aave', asset, decimals, ltvBps: 7_500n, liquidationThresholdBps: 8_000n,
    liquidationBonusBps: 10_500n, liquidationProtocolFeeBps: 0n, liquidityRateRay: 0n, variableBorrowRateRay: 0n, price: USD(1n), ...fields,
  };
}


function only<K extends EngineEvent['kind']>(events: readonly EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }> {
  const found = events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Extract<EngineEvent, { kind: K }>;
}

/** The state without the sequence number (a refused command advances it and nothing else). */

/**
 * Example 2.1 of docs/3.3/Aave-v3.3-features.md (aave-v3-origin v3.3.0): $3k GHO + $3k USDC + $3k DAI of debt on
 * $9k of ETH (4.5 ETH at $2,000, threshold 97%, bonus 5%, fee 10% of the bonus). The user borrows while ETH is at
 * $4,000, then the price halves: HF = 9000 x 0.97 / 9000 = 0.97.
 */
function example21(): { engine: Engine; setup: Command[] } {
  const engine = Engine.create(TEST_CONFIG);
  const t = T0;
  const setup: Command[] = [
    reserveCmd('ETH', 18, { price: USD(4_000n), ltvBps: 7_500n, liquidationThresholdBps: 9_700n, liquidationProtocolFeeBps: 1_000n }),
    reserveCmd('GHO', 18),
    reserveCmd('USDC', 6),
    reserveCmd('DAI', 18),
    { kind: 'lending_supply', tsMs: t, market: 'aave', user: 'alice', asset: 'ETH', amount: 45n * 10n ** 17n },
    { kind: 'lending_borrow', tsMs: t, market: 'aave', user: 'alice', asset: 'GHO', amount: 3_000n * e18 },
    { kind: 'lending_borrow', tsMs: t, market: 'aave', user: 'alice', asset: 'USDC', amount: 3_000_000_000n },
    { kind: 'lending_borrow', tsMs: t, market: 'aave', user: 'alice', asset: 'DAI', amount: 3_000n * e18 },
  ];
  applyAll(engine, setup);
  return { engine, setup };
}

const LIQUIDATE: Command = {
  kind: 'lending_liquidate', tsMs: T0 + 2_000, market: 'aave', liquidator: 'keeper', user: 'alice', collateralAsset: 'ETH', debtAsset: 'USDC',
  debtToCover: LENDING_AMOUNT_MAX,
};

describe('an Aave v3.3 liquidation through Engine.apply', () => {
  it('reproduces example 2.1 to the unit: the whole 3k USDC in one call, 1.575 ETH seized, 0.0075 ETH to the treasury', () => {
    const { engine } = example21();
    const crash = engine.apply({ kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(2_000n) }] });
    const warned = only(crash, 'LendingLiquidatable');
    expect(warned).toMatchObject({ user: 'alice', healthFactorWad: 970_000_000_000_000_000n, totalCollateralBase: USD(9_000n), totalDebtBase: USD(9_000n) });
    const events = engine.apply(LIQUIDATE);
    const debt = only(events, 'LendingLiquidated');
    expect(debt).toMatchObject({ asset: 'USDC', collateralAsset: 'ETH', liquidator: 'keeper', healthFactorWad: 970_000_000_000_000_000n, closeFactorBps: 10_000n, debtRepaid: 3_000_000_000n, debt: 0n });
    const collateral = only(events, 'LendingCollateralSeized');
    // the same figures as aave-liquidation.test.ts "2.1": seized 1.575e18, bonus 0.075e18, fee 0.0075e18
    expect(collateral).toMatchObject({
      asset: 'ETH', debtAsset: 'USDC', seized: 1_575n * 10n ** 15n, bonus: 75n * 10n ** 15n, protocolFee: 75n * 10n ** 14n,
      toLiquidator: 15_675n * 10n ** 14n, protocolFeeCut: 0n, balance: 45n * 10n ** 17n - 1_575n * 10n ** 15n,
    });
    expect(events.some((e) => e.kind === 'LendingDeficit')).toBe(false);
    // HF after: collateral 2.925 ETH = $5,850 x 0.97 / $6,000 debt = 0.94575: still liquidatable, no second warning
    expect(events.some((e) => e.kind === 'LendingLiquidatable' || e.kind === 'LendingHealthy')).toBe(false);
    expect(engine.lendingAccountData('aave', 'alice')?.healthFactorWad).toBe(945_750_000_000_000_000n);
    expect(engine.state.lending.get('aave')?.treasury.get('ETH')).toBe(75n * 10n ** 14n);
  });

  it('the keeper view lists the loan with the figures of the call it recommends, and the dust check', () => {
    const { engine } = example21();
    engine.apply({ kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(2_000n) }] });
    expect(engine.lendingKeeper('nowhere', 0n)).toBeUndefined();
    const view = engine.lendingKeeper('aave', USD(5n));
    expect(view?.opportunities).toHaveLength(1);
    const o = view?.opportunities[0];
    // every pair repays 3k (the 50% cap on the $9k position is $4.5k); all three pay the same bonus: GHO is first by
    // insertion order among equals, and its figures are the USDC call's in 18 decimals
    expect(o?.account).toBe('alice');
    expect(o?.collateralToLiquidator).toBe(15_675n * 10n ** 14n);
    // profit: 1.5675 ETH x $2,000 = $3,135 - $3,000 - $5 gas
    expect(o?.profitBase).toBe(USD(130n));
    // the recommended call, sent through the engine, does what the view said
    const events = engine.apply({ ...LIQUIDATE, debtAsset: o?.debtAsset ?? '', debtToCover: o?.debtToCover ?? 0n });
    expect(only(events, 'LendingLiquidated').debtRepaid).toBe(o?.maxRepayableDebt);
    expect(only(events, 'LendingCollateralSeized').toLiquidator).toBe(o?.collateralToLiquidator);
    expect(view?.dust.map((d) => [d.asset, d.check.profitBase])).toEqual([
      ['ETH', USD(45n) - USD(5n)], // $1,000 x 5% bonus - 10% of it - $5
      ['GHO', USD(50n) - USD(5n)],
      ['USDC', USD(50n) - USD(5n)],
      ['DAI', USD(50n) - USD(5n)],
    ]);
  });

  it('LendingHealthy when the price recovers; LendingLiquidatable again when it falls', () => {
    const { engine } = example21();
    const at = (ms: number, price: bigint) => engine.apply({ kind: 'lending_price', tsMs: T0 + ms, market: 'aave', prices: [{ asset: 'ETH', price }] });
    expect(at(1_000, USD(2_000n)).map((e) => e.kind)).toEqual(['LendingPriced', 'LendingLiquidatable']);
    expect(at(2_000, USD(1_900n)).map((e) => e.kind)).toEqual(['LendingPriced']); // still below: said once
    expect(at(3_000, USD(2_100n)).map((e) => e.kind)).toEqual(['LendingPriced', 'LendingHealthy']);
    expect(at(4_000, USD(2_000n)).map((e) => e.kind)).toEqual(['LendingPriced', 'LendingLiquidatable']);
  });

  it('a whole-collateral liquidation burns the remaining debt as deficits', () => {
    const { engine } = example21();
    // ETH at $600: 4.5 ETH = $2,700 < the $3,150 that 3,000 USDC plus the bonus would take, so all of it goes for
    // percentDiv(2700e6, 10500) = (2.7e13 + 5250) / 10500 = 2571428571 USDC atoms; nothing is left, so the rest of
    // the USDC debt and all GHO and DAI are burned as deficits (_burnBadDebt)
    engine.apply({ kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(600n) }] });
    const events = engine.apply(LIQUIDATE);
    const seized = only(events, 'LendingCollateralSeized');
    expect(seized.seized).toBe(45n * 10n ** 17n);
    expect(seized.balance).toBe(0n);
    const debt = only(events, 'LendingLiquidated');
    expect(debt.debtRepaid).toBe(2_571_428_571n);
    expect(debt.debt).toBe(0n);
    const deficits = events.filter((e) => e.kind === 'LendingDeficit').map((e) => (e.kind === 'LendingDeficit' ? [e.asset, e.amount] : []));
    expect(deficits).toEqual([['USDC', 3_000_000_000n - 2_571_428_571n], ['GHO', 3_000n * e18], ['DAI', 3_000n * e18]]);
    expect(engine.lendingAccountData('aave', 'alice')?.totalDebtBase).toBe(0n);
    expect(engine.state.lending.get('aave')?.deficits.get('GHO')).toBe(3_000n * e18);
    expect(events.at(-1)?.kind).toBe('LendingHealthy');
  });
});

function withoutPrice(cmd: LendingReserve): LendingReserve {
  const { price: _price, ...rest } = cmd;
  return rest;
}

describe('refused lending commands change nothing', () => {
  const t = T0 + 1_000;
  const refusals: [string, Command, string][] = [
    ['unknown market', { kind: 'lending_supply', tsMs: t, market: 'nope', user: 'bob', asset: 'ETH', amount: 1n }, 'reserve_unknown'],
    ['unknown reserve', { kind: 'lending_supply', tsMs: t, market: 'aave', user: 'bob', asset: 'BTC', amount: 1n }, 'reserve_unknown'],
    ['zero supply', { kind: 'lending_supply', tsMs: t, market: 'aave', user: 'bob', asset: 'ETH', amount: 0n }, 'invalid_amount'],
    ['borrow without collateral', { kind: 'lending_borrow', tsMs: t, market: 'aave', user: 'bob', asset: 'USDC', amount: 1n }, 'collateral_balance_is_zero'],
    ['borrow past the LTV', { kind: 'lending_borrow', tsMs: t, market: 'aave', user: 'alice', asset: 'USDC', amount: 10_000_000_000n }, 'collateral_cannot_cover_new_borrow'],
    ['repay of no debt', { kind: 'lending_repay', tsMs: t, market: 'aave', user: 'alice', asset: 'ETH', amount: 1n }, 'specified_currency_not_borrowed_by_user'],
    ['liquidating a healthy user', LIQUIDATE, 'health_factor_not_below_threshold'],
    ['a price of zero (after a good one)', { kind: 'lending_price', tsMs: t, market: 'aave', prices: [{ asset: 'GHO', price: USD(2n) }, { asset: 'ETH', price: 0n }] }, 'invalid_params'],
    ['a reserve whose bonus does not exceed the principal', reserveCmd('ETH', 18, { liquidationBonusBps: 10_000n }, t), 'invalid_params'],
    ['a reserve whose LTV exceeds its threshold', reserveCmd('GHO', 18, { ltvBps: 8_100n }, t), 'invalid_params'],
    ['a reserve with other decimals', reserveCmd('ETH', 8, {}, t), 'invalid_params'],
    ['a reserve of the settlement asset with other decimals', reserveCmd('USDC', 18, {}, t), 'invalid_params'],
    ['a new reserve without a price', withoutPrice(reserveCmd('WBTC', 8, {}, t)), 'invalid_params'],
    ['debtToCover 0', { ...LIQUIDATE, debtToCover: 0n }, 'invalid_amount'],
    [
      'listing an engine asset with other decimals than its reserve',
      { kind: 'set_asset', tsMs: t, asset: { id: 'ETH', decimals: 8, priceMarket: 'ETH-PERP', collateralWeightPpm: ppm(900_000n), ltvPpm: ppm(0n), liquidationThresholdPpm: ppm(0n) } },
      'asset_invalid',
    ],
  ];
  for (const [what, cmd, reason] of refusals) {
    it(`${what}: ${reason}`, () => {
      const { engine } = example21();
      const before = stateOf(engine);
      const events = engine.apply(cmd);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: 'CommandRejected', command: cmd.kind, reason });
      expect(stateOf(engine)).toBe(before);
    });
  }

  it('dust: a partial liquidation that leaves less than MIN_LEFTOVER_BASE is refused, and changes nothing', () => {
    const { engine } = example21();
    engine.apply({ kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(2_000n) }] });
    const before = stateOf(engine);
    // 2,500 of the 3,000 USDC leaves $500 < $1,000 of debt
    const events = engine.apply({ ...LIQUIDATE, debtToCover: 2_500_000_000n });
    expect(events[0]).toMatchObject({ kind: 'CommandRejected', reason: 'must_not_leave_dust', field: 'debtToCover' });
    expect(stateOf(engine)).toBe(before);
  });

  it('while halted: no borrowing and no liquidation', () => {
    const { engine } = example21();
    engine.apply({ kind: 'halt', tsMs: T0 + 500, reason: 'test' });
    const before = stateOf(engine);
    expect(engine.apply({ kind: 'lending_borrow', tsMs: T0 + 600, market: 'aave', user: 'alice', asset: 'USDC', amount: 1n })[0]).toMatchObject({ reason: 'engine_halted' });
    expect(engine.apply({ ...LIQUIDATE, tsMs: T0 + 600 })[0]).toMatchObject({ reason: 'engine_halted' });
    expect(stateOf(engine)).toBe(before);
  });
});

describe('snapshot and restore', () => {
  it('a restored engine answers the rest of a lending sequence with the same events, byte for byte', () => {
    const { engine, setup } = example21();
    const rest: Command[] = [
      { kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(2_000n) }] },
      reserveCmd('USDC', 6, { variableBorrowRateRay: 5n * 10n ** 25n }, T0 + 2_000),
      { kind: 'lending_repay', tsMs: T0 + 3_600_000, market: 'aave', user: 'alice', asset: 'DAI', amount: 100n * e18 },
      { ...LIQUIDATE, tsMs: T0 + 7_200_000 },
      { kind: 'lending_repay', tsMs: T0 + 7_300_000, market: 'aave', user: 'alice', asset: 'USDC', amount: LENDING_AMOUNT_MAX },
    ];
    const restored = Engine.restore(engine.snapshot());
    expect(stateOf(restored)).toBe(stateOf(engine));
    const a = rest.map((c) => canonicalJson(engine.apply(c)));
    const b = rest.map((c) => canonicalJson(restored.apply(c)));
    expect(b).toEqual(a);
    const fromGenesis = Engine.create(TEST_CONFIG);
    applyAll(fromGenesis, setup);
    expect(rest.map((c) => canonicalJson(fromGenesis.apply(c)))).toEqual(a);
    // interest accrued over two hours at 5%: the USDC debt grew, and the repay of "max" cleared it exactly
    expect(a.join('')).toContain('LendingRepaid');
    expect(engine.lendingAccountData('aave', 'alice')?.totalDebtBase).toBeGreaterThan(0n); // GHO and DAI remain
  });
});

describe('conservation through the engine (property)', () => {
  it('collateral seized never exceeds what the user held; seized = to the liquidator + fee + fee cut; debt falls by what was repaid or written off', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000n }), // ETH supplied, in 0.01 ETH
        fc.integer({ min: 1_000, max: 7_400 }), // borrowed, bps of the collateral's value (within LTV 75%)
        fc.integer({ min: 500, max: 4_000 }), // ETH's price after the fall, $
        fc.bigInt({ min: 1n, max: 2_000_000_000_000n }), // debtToCover, USDC atoms
        fc.integer({ min: 0, max: 3_000 }), // protocol fee, bps of the bonus
        (ethCents, borrowBps, crashPrice, debtToCover, feeBps) => {
          const engine = Engine.create(TEST_CONFIG);
          const supplied = ethCents * 10n ** 16n;
          applyAll(engine, [
            reserveCmd('ETH', 18, { price: USD(4_000n), liquidationThresholdBps: 8_500n, liquidationBonusBps: 10_500n, liquidationProtocolFeeBps: BigInt(feeBps) }),
            reserveCmd('USDC', 6),
            { kind: 'lending_supply', tsMs: T0, market: 'aave', user: 'u', asset: 'ETH', amount: supplied },
          ]);
          const borrowed = (ethCents * 4_000n * 10n ** 4n * BigInt(borrowBps)) / 10_000n; // USDC atoms
          if (borrowed === 0n) return;
          applyAll(engine, [
            { kind: 'lending_borrow', tsMs: T0, market: 'aave', user: 'u', asset: 'USDC', amount: borrowed },
            { kind: 'lending_price', tsMs: T0 + 1_000, market: 'aave', prices: [{ asset: 'ETH', price: USD(BigInt(crashPrice)) }] },
          ]);
          const before = stateOf(engine);
          const events = engine.apply({ ...LIQUIDATE, user: 'u', debtToCover });
          if (events[0]?.kind === 'CommandRejected') {
            expect(stateOf(engine)).toBe(before);
            return;
          }
          const d = only(events, 'LendingLiquidated');
          const c = only(events, 'LendingCollateralSeized');
          expect(c.seized <= supplied).toBe(true);
          expect(c.seized).toBe(c.toLiquidator + c.protocolFee + c.protocolFeeCut);
          expect(c.balance).toBe(supplied - c.toLiquidator - c.protocolFee); // the fee cut stays with the user
          expect(c.bonus <= c.seized).toBe(true);
          const deficit = events.filter((e) => e.kind === 'LendingDeficit').reduce((t, e) => t + (e.kind === 'LendingDeficit' ? e.amount : 0n), 0n);
          expect(d.debt).toBe(borrowed - d.debtRepaid - deficit);
          expect(d.debtRepaid <= debtToCover).toBe(true);
          expect(engine.state.lending.get('aave')?.treasury.get('ETH') ?? 0n).toBe(c.protocolFee);
          // the liquidator's collateral is worth the debt it paid plus the bonus net of the fee, to the rounding of
          // the contract's formulas (floors and half-ups, a few atoms of 18 decimals)
          if (deficit === 0n && c.seized < supplied) {
            // collateral for the debt at the price: debtRepaid (6 dec) x 1e12 x $1 / $price
            const par = (d.debtRepaid * 10n ** 12n) / BigInt(crashPrice);
            expect(c.seized - c.bonus - par <= 2n && par - (c.seized - c.bonus) <= 2n).toBe(true);
          }
        },
      ),
      { numRuns: 150, seed: 18 },
    );
  });
});

describe('random lending sequences through the engine (property)', () => {
  const USERS = ['u0', 'u1', 'u2'];
  const DECIMALS: Record<string, number> = { ETH: 18, USDC: 6, DAI: 18 };
  const asset = fc.constantFrom('ETH', 'USDC', 'DAI');
  // amounts in hundredths of a unit (0 included: refused), or Aave's "max" where it applies
  const cents = fc.integer({ min: 0, max: 2_000_000 });
  const atoms = (a: string, c: number): bigint => (BigInt(c) * 10n ** BigInt(DECIMALS[a] as number)) / 100n;
  type Step = (tsMs: number) => Command;
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.tuple(fc.constantFrom(...USERS), asset, cents).map(([user, a, c]): Step => (tsMs) => ({ kind: 'lending_supply', tsMs, market: 'aave', user, asset: a, amount: atoms(a, c) })),
    fc.tuple(fc.constantFrom(...USERS), asset, cents).map(([user, a, c]): Step => (tsMs) => ({ kind: 'lending_borrow', tsMs, market: 'aave', user, asset: a, amount: atoms(a, c) })),
    fc.tuple(fc.constantFrom(...USERS), asset, fc.option(cents)).map(([user, a, c]): Step => (tsMs) => ({ kind: 'lending_repay', tsMs, market: 'aave', user, asset: a, amount: c === null ? LENDING_AMOUNT_MAX : atoms(a, c) })),
    { weight: 3, arbitrary: fc.integer({ min: 100, max: 4_000 }).map((p): Step => (tsMs) => ({ kind: 'lending_price', tsMs, market: 'aave', prices: [{ asset: 'ETH', price: USD(BigInt(p)) }] })) },
    fc.integer({ min: 0, max: 3_000 }).map((bps): Step => (tsMs) => withoutPrice(reserveCmd('USDC', 6, { variableBorrowRateRay: BigInt(bps) * 10n ** 23n }, tsMs))),
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...USERS), fc.constantFrom('ETH', 'ETH', 'USDC'), fc.constantFrom('USDC', 'USDC', 'DAI'), fc.option(cents)).map(([user, c, d, amount]): Step => (tsMs) => ({
        kind: 'lending_liquidate', tsMs, market: 'aave', liquidator: 'k', user, collateralAsset: c, debtAsset: d, debtToCover: amount === null ? LENDING_AMOUNT_MAX : atoms(d, amount),
      })),
    },
  );

  it('each command is accepted or refused with no change; fees, deficits and collateral add up; a restore mid-way answers the rest byte for byte', () => {
    const seen = { accepted: 0, refused: 0, liquidations: 0, deficits: 0 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1_000, max: 7_900 })), { minLength: 3, maxLength: 3 }), fc.array(step, { minLength: 1, maxLength: 40 }), fc.nat(), (loans, steps, cut) => {
        const engine = Engine.create(TEST_CONFIG);
        applyAll(engine, [
          reserveCmd('ETH', 18, { price: USD(3_000n), ltvBps: 8_000n, liquidationThresholdBps: 8_250n, liquidationProtocolFeeBps: 1_000n }),
          reserveCmd('USDC', 6, { variableBorrowRateRay: 8n * 10n ** 25n, liquidationProtocolFeeBps: 1_000n }),
          reserveCmd('DAI', 18, { variableBorrowRateRay: 5n * 10n ** 25n }),
          { kind: 'lending_supply', tsMs: T0, market: 'aave', user: 'lender', asset: 'USDC', amount: 10n ** 13n },
        ]);
        // each user opens a loan: ETH supplied, USDC borrowed at 10%-79% of its $3,000 value (the LTV is 80%)
        const supplied = new Map<string, bigint>([['USDC', 10n ** 13n]]);
        loans.forEach(([eth, ltvBps], i) => {
          const user = USERS[i] as string;
          applyAll(engine, [
            { kind: 'lending_supply', tsMs: T0, market: 'aave', user, asset: 'ETH', amount: BigInt(eth) * e18 },
            { kind: 'lending_borrow', tsMs: T0, market: 'aave', user, asset: 'USDC', amount: (BigInt(eth) * 3_000n * 10n ** 6n * BigInt(ltvBps)) / 10_000n },
          ]);
          supplied.set('ETH', (supplied.get('ETH') ?? 0n) + BigInt(eth) * e18);
        });
        const commands = steps.map((s, i) => s(T0 + (i + 1) * 3_600_000)); // an hour apart: interest accrues
        const at = cut % commands.length;
        let restored: Engine | null = null;
        const fees = new Map<string, bigint>();
        const deficits = new Map<string, bigint>();
        const out: string[] = [];
        const again: string[] = [];
        for (const [i, cmd] of commands.entries()) {
          if (i === at) restored = Engine.restore(engine.snapshot());
          const before = stateOf(engine);
          const events = engine.apply(cmd);
          out.push(canonicalJson(events));
          if (restored !== null) again.push(canonicalJson(restored.apply(cmd)));
          if (events[0]?.kind === 'CommandRejected') {
            expect(events).toHaveLength(1);
            expect(stateOf(engine)).toBe(before);
            seen.refused++;
            continue;
          }
          seen.accepted++;
          seen.liquidations += events.filter((e) => e.kind === 'LendingLiquidated').length;
          seen.deficits += events.filter((e) => e.kind === 'LendingDeficit').length;
          for (const e of events) {
            if (e.kind === 'LendingSupplied') supplied.set(e.asset, (supplied.get(e.asset) ?? 0n) + e.amount);
            if (e.kind === 'LendingCollateralSeized') {
              expect(e.seized).toBe(e.toLiquidator + e.protocolFee + e.protocolFeeCut);
              supplied.set(e.asset, (supplied.get(e.asset) ?? 0n) - e.toLiquidator - e.protocolFee);
              fees.set(e.asset, (fees.get(e.asset) ?? 0n) + e.protocolFee);
            }
            if (e.kind === 'LendingDeficit') deficits.set(e.asset, (deficits.get(e.asset) ?? 0n) + e.amount);
          }
        }
        expect(again).toEqual(out.slice(at));
        const m = engine.state.lending.get('aave');
        expect(new Map(m?.treasury)).toEqual(new Map([...fees].filter(([, v]) => v !== 0n)));
        expect(new Map(m?.deficits)).toEqual(deficits);
        // no supply interest: what users hold of each asset is what they supplied less what liquidations took
        for (const [a, left] of supplied) {
          let held = 0n;
          for (const u of m?.users.values() ?? []) held += u.positions.get(a)?.scaledSupply ?? 0n;
          expect(held).toBe(left);
        }
      }),
      { numRuns: 120, seed: 1818 },
    );
    // the sequences reach what they are meant to test: refusals, liquidations and bad debt
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.liquidations).toBeGreaterThan(0);
    expect(seen.deficits).toBeGreaterThan(0);
    expect(seen.liquidations).toBeGreaterThan(10);
  });
});

describe('LendingLiquidatable by interest alone', () => {
  it('a tick says it when the debt has grown past the threshold', () => {
    const engine = Engine.create(TEST_CONFIG);
    applyAll(engine, [
      reserveCmd('ETH', 18, { price: USD(1_000n) }),
      // 100% a year, compounded: the debt more than doubles in a year
      reserveCmd('USDC', 6, { variableBorrowRateRay: 10n ** 27n }),
      { kind: 'lending_supply', tsMs: T0, market: 'aave', user: 'alice', asset: 'ETH', amount: e18 },
      { kind: 'lending_borrow', tsMs: T0, market: 'aave', user: 'alice', asset: 'USDC', amount: 700_000_000n }, // HF 800 / 700
    ]);
    const day = 86_400_000;
    expect(engine.apply({ kind: 'tick', tsMs: T0 + day }).map((e) => e.kind)).toEqual([]);
    // 700 x e^(t) > 800 from t = ln(8/7) = 0.1335 of a year (about 49 days)
    const later = engine.apply({ kind: 'tick', tsMs: T0 + 60 * day });
    expect(later.map((e) => e.kind)).toEqual(['LendingLiquidatable']);
    expect(only(later, 'LendingLiquidatable').healthFactorWad < 10n ** 18n).toBe(true);
  });
});
