// A lending market through the scenario format, the wire and the journal: examples/aave-lending.json decodes
// (its `lending` section and lending_* commands), its events encode in decimals, and a DurableEngine journal of it
// (snapshots every 4 commands) recovers from a snapshot to the same state as a run from genesis, byte for byte; the
// verifier replays it from genesis with no finding.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine/engine.js';
import type { EngineEvent } from '../../src/core/engine/events.js';
import { canonicalJson, encodeSnapshot } from '../../src/core/engine/snapshot.js';
import { DurableEngine } from '../../src/journal/durable.js';
import { Journal } from '../../src/journal/journal.js';
import { framedRecordHasher } from '../../src/journal/record.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../../src/journal/types.js';
import { parseScenario, parseScenarioText } from '../../src/scenario/load.js';
import { verifyJournal } from '../../src/verify/verify.js';
import { encodeEvent } from '../../src/wire/encode.js';
import { WireError } from '../../src/wire/decode.js';

const text = readFileSync(new URL('../../examples/aave-lending.json', import.meta.url), 'utf8');
const scenario = parseScenarioText(text, 'aave-lending.json');

function run(): EngineEvent[][] {
  const engine = Engine.create(scenario.config, scenario.rulebook);
  return scenario.commands.map((c) => engine.apply(c));
}

describe('examples/aave-lending.json', () => {
  it('sets up the market from its lending section and liquidates alice in full, bob after a refusal for dust', () => {
    const kinds = scenario.commands.map((c) => c.kind);
    expect(kinds.slice(0, 8)).toEqual(['set_rulebook', 'lending_reserve', 'lending_reserve', 'lending_supply', 'lending_supply', 'lending_supply', 'lending_borrow', 'lending_borrow']);
    const wire = run().flat().map((e) => encodeEvent(e, scenario.units));
    const of = (kind: string) => wire.filter((e) => e.kind === kind);
    expect(of('LendingBorrowed').map((e) => [e.user, e.amount, e.healthFactor])).toEqual([['alice', '12000', '1.245'], ['bob', '2000', '1.66']]);
    expect(of('LendingLiquidatable').map((e) => e.user)).toEqual(['alice', 'bob']);
    // alice at $3,000: HF 0.9336 < 0.95, so the whole debt (12,000 USDC and 8% a year for 12 hours) in one call
    expect(of('LendingLiquidated').map((e) => [e.user, e.closeFactor, e.debtRepaid, e.debt])).toEqual([
      ['alice', '1', '12001.316054', '0'],
      ['bob', '1', '1904.761905', '0'],
    ]);
    expect(of('CommandRejected').map((e) => [e.command, e.reason, e.field])).toEqual([['lending_liquidate', 'must_not_leave_dust', 'debtToCover']]);
    // bob's whole ETH paid for 1,904.76 of his 2,000.33: the rest is the USDC reserve's deficit
    expect(of('LendingDeficit').map((e) => [e.user, e.asset, e.amount])).toEqual([['bob', 'USDC', '95.567194']]);
    const seized = of('LendingCollateralSeized');
    expect(seized.map((e) => [e.seized, e.protocolFee, e.balance])).toEqual([
      ['4.200460618899999999', '0.020002193423333333', '0.299539381100000001'],
      ['1', '0.004761904761904762', '0'],
    ]);
  });

  it('refuses a malformed lending section or command with the path of the field', () => {
    const json = JSON.parse(text) as { lending: { reserves: Record<string, unknown>[]; users: { supply: Record<string, string> }[] }[]; commands: Record<string, unknown>[] };
    const bad = (edit: (j: typeof json) => void): string => {
      const j = structuredClone(json);
      edit(j);
      try {
        parseScenario(j);
      } catch (e) {
        if (e instanceof WireError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(bad((j) => ((j.lending[0] as { reserves: Record<string, unknown>[] }).reserves[0] as Record<string, unknown>).ltv = '0.80001')).toMatch(/^lending\[0\]\.reserves\[0\]\.ltv: .*at most 4 decimal places/);
    expect(bad((j) => ((j.lending[0] as { users: { supply: Record<string, string> }[] }).users[1] as { supply: Record<string, string> }).supply = { WBTC: '1' })).toMatch(/unknown asset "WBTC"/);
    expect(bad((j) => ((j.commands[2] as Record<string, unknown>).debtToCover = 'all'))).toMatch(/^commands\[2\]\.debtToCover/);
    expect(bad((j) => ((j.commands[0] as Record<string, unknown>).prices = { WETH: 3500 }))).toMatch(/^commands\[0\]\.prices\.WETH/);
  });
});

describe('a lending market in the journal', () => {
  it('recovers from a snapshot to the state of a run from genesis; the verifier replays it with no finding', () => {
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-lending-')), 'journal.db');
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 4 });
    const entries = [];
    for (let i = 0; i < scenario.commands.length; i += 3) entries.push(...de.submit(scenario.commands.slice(i, i + 3)));
    de.close();
    expect(entries.map((e) => canonicalJson(e.events))).toEqual(run().map((events) => canonicalJson(events)));

    const reopened = DurableEngine.openFile(path, { durability: 'full' });
    expect(reopened.recovery.snapshotSeq).toBeGreaterThan(0);
    const genesisRun = Engine.create(scenario.config, scenario.rulebook);
    for (const c of scenario.commands) genesisRun.apply(c);
    expect(encodeSnapshot(reopened.engine.snapshot())).toBe(encodeSnapshot(genesisRun.snapshot()));
    expect(reopened.engine.snapshot().lending?.[0]?.deficits).toEqual([['USDC', 95_567_194n]]);
    reopened.close();

    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }));
    const report = verifyJournal(journal.genesis, journal.records(), { hasher: framedRecordHasher });
    expect(report.findings).toEqual([]);
    expect(report.records).toBe(scenario.commands.length);
    journal.close();
  });
});

describe('a Morpho Blue market through the wire and the journal', () => {
  const morpho = parseScenario({
    settlement: { asset: 'USDT', decimals: 6 },
    startAt: 1_700_000_000_000,
    commands: [
      { kind: 'morpho_market', market: 'weth-dai', loanAsset: 'DAI', collateralAsset: 'WETH', lltv: '0.86', price: '2000000000000000000000000000000000000' },
      { kind: 'morpho_supply', market: 'weth-dai', user: 'lender', amount: '1000000000000000000000' },
      { kind: 'morpho_supply_collateral', market: 'weth-dai', user: 'bob', amount: '100000000000000000000' },
      { kind: 'morpho_borrow', market: 'weth-dai', user: 'bob', amount: '83000000000000000000' },
      { kind: 'morpho_pre_liquidation', market: 'weth-dai', user: 'bob', preLltv: '0.8', preLCF1: '0.1', preLCF2: '0.5', preLIF1: '1.01', preLIF2: '1.04' },
      { kind: 'morpho_price', market: 'weth-dai', price: '1000000000000000000000000000000000000' },
      { kind: 'morpho_liquidate', market: 'weth-dai', liquidator: 'keeper', user: 'bob', repaidShares: '24900000000000000000000000', pre: true },
      { kind: 'morpho_price', market: 'weth-dai', price: '500000000000000000000000000000000000' },
      { kind: 'morpho_liquidate', market: 'weth-dai', liquidator: 'keeper', user: 'bob', seizedAssets: '74477500000000000000' },
    ],
  });

  it('decodes, runs and encodes: the pre-liquidation at LTV 83%, then a liquidation with bad debt after the price halves', () => {
    const engine = Engine.create(morpho.config, morpho.rulebook);
    const wire = morpho.commands.flatMap((c) => engine.apply(c)).map((e) => encodeEvent(e, morpho.units));
    expect(wire.filter((e) => e.kind === 'CommandRejected')).toEqual([]);
    const liquidated = wire.filter((e) => e.kind === 'MorphoLiquidated');
    // the pre-liquidation golden figures (morpho.test.ts: 30% of the shares at preLIF 1.025 seize 25.5225)
    expect(liquidated[0]).toMatchObject({ pre: true, incentiveFactor: '1.025', repaidAssets: '24900000000000000000', borrowShares: '58100000000000000000000000' });
    expect(wire.filter((e) => e.kind === 'MorphoCollateralSeized').map((e) => [e.seized, e.collateral])).toEqual([
      ['25522500000000000000', '74477500000000000000'],
      ['74477500000000000000', '0'],
    ]);
    // at half par all 74.4775 left pays ceil(37.23875 / LIF 1.0438...) = 35.675... of the 58.1: the rest is bad debt
    const last = liquidated[1] as Record<string, string | boolean>;
    expect(last.pre).toBe(false);
    expect(BigInt(last.repaidAssets as string) + BigInt(last.badDebtAssets as string)).toBe(58_100_000_000_000_000_000n);
    expect(BigInt(last.badDebtAssets as string) > 0n).toBe(true);
    expect(wire.find((e) => e.kind === 'MorphoMarketCreated')).toMatchObject({ lltv: '0.86', incentiveFactor: '1.043841336116910229' });
  });

  it('journals it; recovery from a snapshot and the verifier agree with a run from genesis', () => {
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: morpho.config, rulebook: morpho.rulebook };
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-morpho-')), 'journal.db');
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 3 });
    for (const c of morpho.commands) de.submit([c]);
    de.close();
    const reopened = DurableEngine.openFile(path, { durability: 'full' });
    expect(reopened.recovery.snapshotSeq).toBeGreaterThan(0);
    const fromGenesis = Engine.create(morpho.config, morpho.rulebook);
    for (const c of morpho.commands) fromGenesis.apply(c);
    expect(encodeSnapshot(reopened.engine.snapshot())).toBe(encodeSnapshot(fromGenesis.snapshot()));
    reopened.close();
    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }));
    expect(verifyJournal(journal.genesis, journal.records(), { hasher: framedRecordHasher }).findings).toEqual([]);
    journal.close();
  });
});

describe('a Compound v3 market through the wire and the journal', () => {
  // the engine golden test's sequence (src/core/engine/lending-comet.test.ts), in wire decimals
  const comet = parseScenario({
    settlement: { asset: 'USDT', decimals: 6 },
    startAt: 1_700_000_000_000,
    commands: [
      {
        kind: 'comet_market', market: 'cusdc', baseAsset: 'USDC', baseDecimals: 6, basePrice: '1', baseBorrowMin: '1', storeFrontPriceFactor: '0.5',
        targetReserves: '0.0001',
        collaterals: [{ asset: 'COMP', decimals: 18, price: '1', borrowCollateralFactor: '0.8', liquidateCollateralFactor: '0.85', liquidationFactor: '0.8', supplyCap: '1000000' }],
      },
      { kind: 'comet_supply', market: 'cusdc', user: 'lender', asset: 'USDC', amount: '1000' },
      { kind: 'comet_supply', market: 'cusdc', user: 'bob', asset: 'COMP', amount: '60' },
      { kind: 'comet_withdraw', market: 'cusdc', user: 'bob', asset: 'USDC', amount: '48' },
      { kind: 'comet_price', market: 'cusdc', prices: { COMP: '0.94' } },
      { kind: 'comet_absorb', market: 'cusdc', absorber: 'keeper', accounts: ['bob'] },
      { kind: 'comet_price', market: 'cusdc', prices: { COMP: '1' } },
      { kind: 'comet_buy_collateral', market: 'cusdc', buyer: 'buyer', asset: 'COMP', baseAsset: 'USDC', minAmount: '50', baseAmount: '50' },
      { kind: 'comet_buy_collateral', market: 'cusdc', buyer: 'buyer', asset: 'COMP', baseAsset: 'USDC', baseAmount: '1' },
    ],
  });

  it('decodes, runs and encodes: absorb, then 50 USDC buys 55.555555555555555555 COMP, then NotForSale', () => {
    const engine = Engine.create(comet.config, comet.rulebook);
    const wire = comet.commands.flatMap((c) => engine.apply(c)).map((e) => encodeEvent(e, comet.units));
    expect(wire.filter((e) => e.kind === 'CommandRejected').map((e) => [e.command, e.reason])).toEqual([['comet_buy_collateral', 'not_for_sale']]);
    expect(wire.find((e) => e.kind === 'CometWithdrawn')).toMatchObject({ amount: '48', balance: '-48' });
    expect(wire.find((e) => e.kind === 'CometLiquidatable')).toMatchObject({ user: 'bob', balance: '-48' });
    expect(wire.find((e) => e.kind === 'CometCollateralAbsorbed')).toMatchObject({ amount: '60', value: '56.4', collateralReserves: '60' });
    expect(wire.find((e) => e.kind === 'CometAbsorbed')).toMatchObject({ basePaidOut: '48', balance: '0', reserves: '-48' });
    expect(wire.find((e) => e.kind === 'CometCollateralBought')).toMatchObject({ amount: '55.555555555555555555', collateralReserves: '4.444444444444444445' });
    expect(wire.find((e) => e.kind === 'CometReservesPaid')).toMatchObject({ amount: '50', reserves: '2' });
    expect(wire.find((e) => e.kind === 'CometCollateralListed')).toMatchObject({ liquidationFactor: '0.8', supplyCap: '1000000' });
  });

  it('journals it; recovery from a snapshot and the verifier agree with a run from genesis', () => {
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: comet.config, rulebook: comet.rulebook };
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-comet-')), 'journal.db');
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 3 });
    for (const c of comet.commands) de.submit([c]);
    de.close();
    const reopened = DurableEngine.openFile(path, { durability: 'full' });
    expect(reopened.recovery.snapshotSeq).toBeGreaterThan(0);
    const fromGenesis = Engine.create(comet.config, comet.rulebook);
    for (const c of comet.commands) fromGenesis.apply(c);
    expect(encodeSnapshot(reopened.engine.snapshot())).toBe(encodeSnapshot(fromGenesis.snapshot()));
    reopened.close();
    const journal = Journal.open(SqliteJournalStore.open(path, { durability: 'full' }));
    expect(verifyJournal(journal.genesis, journal.records(), { hasher: framedRecordHasher }).findings).toEqual([]);
    journal.close();
  });
});

describe('Compound v3 interest through the wire and the journal', () => {
  const DAY_MS = 86_400_000;
  const T0 = 1_700_000_000_000;
  const rated = parseScenario({
    settlement: { asset: 'USDT', decimals: 6 },
    startAt: T0,
    commands: [
      {
        kind: 'comet_market', market: 'cusdc', baseAsset: 'USDC', baseDecimals: 6, basePrice: '1', baseBorrowMin: '1', storeFrontPriceFactor: '0.5',
        collaterals: [{ asset: 'COMP', decimals: 18, price: '1', borrowCollateralFactor: '0.8', liquidateCollateralFactor: '0.85', liquidationFactor: '0.8', supplyCap: '1000000' }],
        // a flat 100% a year for borrowers, 50% for suppliers
        rates: { supply: { kink: '0.8', base: '0.5', slopeLow: '0', slopeHigh: '0' }, borrow: { kink: '0.8', base: '1', slopeLow: '0', slopeHigh: '0' } },
      },
      { kind: 'comet_supply', market: 'cusdc', user: 'lender', asset: 'USDC', amount: '1000' },
      { kind: 'comet_supply', market: 'cusdc', user: 'bob', asset: 'COMP', amount: '60' },
      { kind: 'comet_withdraw', market: 'cusdc', user: 'bob', asset: 'USDC', amount: '48' },
      { kind: 'tick', at: T0 + 20 * DAY_MS },
      { kind: 'tick', at: T0 + 24 * DAY_MS },
    ],
  });

  it('decodes per-year rates as per-second ones (perYear / 31,536,000, floor); interest alone crosses the line on the tick; the journal recovers it', () => {
    const market = rated.commands.find((c) => c.kind === 'comet_market');
    expect(market).toMatchObject({ rates: { borrow: { kink: 8n * 10n ** 17n, perSecondInterestRateBase: 31_709_791_983n } } }); // 1e18 / 31,536,000 = 31,709,791,983.8
    const engine = Engine.create(rated.config, rated.rulebook);
    const perCommand = rated.commands.map((c) => engine.apply(c).map((e) => encodeEvent(e, rated.units)));
    const [day20, day24] = perCommand.slice(-2);
    expect(day20!.filter((e) => e.kind === 'CometLiquidatable')).toEqual([]);
    expect(day24!.find((e) => e.kind === 'CometLiquidatable')).toMatchObject({ user: 'bob' });
    const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: rated.config, rulebook: rated.rulebook };
    const path = join(mkdtempSync(join(tmpdir(), 'bailiff-comet-rates-')), 'journal.db');
    const de = DurableEngine.openFile(path, { genesis, durability: 'full', snapshotEvery: 2 });
    for (const c of rated.commands) de.submit([c]);
    de.close();
    const reopened = DurableEngine.openFile(path, { durability: 'full' });
    expect(reopened.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(encodeSnapshot(reopened.engine.snapshot())).toBe(encodeSnapshot(engine.snapshot()));
    reopened.close();
  });
});

describe('Aave e-mode through the wire', () => {
  it('decodes lending_emode_category and lending_set_emode; the events encode ratios as fractions', () => {
    const sc = parseScenario({
      settlement: { asset: 'USDT', decimals: 6 },
      startAt: 1_700_000_000_000,
      lending: [{
        id: 'aave',
        reserves: [
          { asset: 'wstETH', decimals: 18, ltv: '0.785', liquidationThreshold: '0.81', liquidationBonus: '1.06', price: '4000' },
          { asset: 'WETH', decimals: 18, ltv: '0.805', liquidationThreshold: '0.83', liquidationBonus: '1.05', price: '3400' },
        ],
        users: [{ id: 'lender', supply: { WETH: '100' } }, { id: 'alice', supply: { wstETH: '10' } }],
      }],
      commands: [
        { kind: 'lending_emode_category', market: 'aave', categoryId: 1, ltv: '0.93', liquidationThreshold: '0.95', liquidationBonus: '1.01', label: 'ETH correlated', collateralAssets: ['wstETH', 'WETH'] },
        { kind: 'lending_set_emode', market: 'aave', user: 'alice', categoryId: 1 },
        { kind: 'lending_borrow', market: 'aave', user: 'alice', asset: 'WETH', amount: '10' },
        { kind: 'lending_set_emode', market: 'aave', user: 'alice', categoryId: 0 },
      ],
    });
    const engine = Engine.create(sc.config, sc.rulebook);
    const wire = sc.commands.flatMap((c) => engine.apply(c)).map((e) => encodeEvent(e, sc.units));
    expect(wire.find((e) => e.kind === 'LendingEModeCategorySet')).toMatchObject({ categoryId: 1, label: 'ETH correlated', ltv: '0.93', liquidationThreshold: '0.95', liquidationBonus: '1.01', collateralAssets: ['wstETH', 'WETH'] });
    expect(wire.find((e) => e.kind === 'LendingBorrowed')).toMatchObject({ healthFactor: '1.117647058823529412' });
    expect(wire.filter((e) => e.kind === 'CommandRejected').map((e) => [e.command, e.reason])).toEqual([['lending_set_emode', 'health_factor_lower_than_liquidation_threshold']]);
    expect(() => parseScenario({ settlement: { asset: 'USDT', decimals: 6 }, commands: [{ kind: 'lending_set_emode', market: 'aave', user: 'a', categoryId: 256 }] })).toThrow(/categoryId/);
  });
});

describe('Morpho repay and withdrawCollateral through the wire', () => {
  it('decode in atoms; the events encode as integers', () => {
    const sc = parseScenario({
      settlement: { asset: 'USDT', decimals: 6 },
      startAt: 1_700_000_000_000,
      commands: [
        { kind: 'morpho_market', market: 'm', loanAsset: 'DAI', collateralAsset: 'WETH', lltv: '0.8', price: '1000000000000000000000000000000000000' },
        { kind: 'morpho_supply', market: 'm', user: 'lender', amount: '1000000000000000000000' },
        { kind: 'morpho_supply_collateral', market: 'm', user: 'bob', amount: '100000000000000000000' },
        { kind: 'morpho_borrow', market: 'm', user: 'bob', amount: '50000000000000000000' },
        { kind: 'morpho_repay', market: 'm', user: 'bob', shares: '50000000000000000000000000' },
        { kind: 'morpho_withdraw_collateral', market: 'm', user: 'bob', amount: '100000000000000000000' },
      ],
    });
    expect(sc.commands.at(-2)).toMatchObject({ kind: 'morpho_repay', assets: 0n, shares: 50_000_000_000_000_000_000_000_000n });
    const engine = Engine.create(sc.config, sc.rulebook);
    const wire = sc.commands.flatMap((c) => engine.apply(c)).map((e) => encodeEvent(e, sc.units));
    expect(wire.filter((e) => e.kind === 'CommandRejected')).toEqual([]);
    expect(wire.find((e) => e.kind === 'MorphoRepaid')).toMatchObject({ assets: '50000000000000000000', borrowShares: '0' });
    expect(wire.find((e) => e.kind === 'MorphoCollateralWithdrawn')).toMatchObject({ amount: '100000000000000000000', collateral: '0' });
  });
});
