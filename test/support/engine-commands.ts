// Generators of engine commands for property tests (fast-check): a standard world with four funded accounts and
// random, often invalid, command sequences that reach fills, book trades, liquidations, the guards and refusals.
// Shared by the engine's property tests and by the state root's (src/journal/state-root.test.ts).

import fc from 'fast-check';
import { ppm, price, quote, size } from '../../src/core/units/index.js';
import type { Command, FillSide } from '../../src/core/engine/commands.js';
import { Engine, type EngineOptions } from '../../src/core/engine/engine.js';
import { BTC_PERP, ETH_PERP, standardSetup, TEST_CONFIG, USDC } from '../../src/core/engine/testkit.js';
import type { MarketSpec } from '../../src/core/market/spec.js';
import { DEFAULT_GUARDS } from '../../src/core/rulebooks/guards.js';
import { rulebookPreset } from '../../src/core/rulebooks/presets.js';
import type { Rulebook } from '../../src/core/rulebooks/rulebook.js';

export const ACCOUNTS = ['a', 'b', 'c', 'd'];
/** Mostly funded accounts, now and then an unknown one. */
const account = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ACCOUNTS) }, { weight: 1, arbitrary: fc.constant('ghost') });
/** Typical price (atoms) and tick of each market; XRP-PERP is not listed. */
const BASE: Record<string, [bigint, bigint]> = { 'BTC-PERP': [10_000_000n, 10n], 'ETH-PERP': [300_000n, 1n], 'XRP-PERP': [100n, 1n] };
/** A price within +-40% of the market's typical one, on its tick except now and then. */
const priceNear = (m: string): fc.Arbitrary<bigint> => {
  const [base, tick] = BASE[m] ?? [100n, 1n];
  return fc.oneof(
    { weight: 10, arbitrary: fc.bigInt({ min: (base * 6n) / 10n / tick, max: (base * 14n) / 10n / tick }).map((k) => k * tick) },
    { weight: 1, arbitrary: fc.bigInt({ min: -3n, max: base * 2n }) },
  );
};
const asset = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(USDC, USDC, 'BTC') }, { weight: 1, arbitrary: fc.constant('DOGE') });
const market = fc.oneof({ weight: 10, arbitrary: fc.constantFrom('BTC-PERP', 'ETH-PERP') }, { weight: 1, arbitrary: fc.constant('XRP-PERP') });
const amount = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 10n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -5n, max: 5n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 13n }) },
);

const fillSide = (acct: string): fc.Arbitrary<FillSide> =>
  fc
    .record({
      fee: fc.bigInt({ min: -1000n, max: 100_000n }).map(quote),
      marginMode: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('cross' as const, 'isolated' as const) }),
      isolatedMargin: fc.option(fc.bigInt({ min: -10n, max: 10n ** 10n }).map(quote), { nil: undefined, freq: 2 }),
      strayMargin: fc.integer({ min: 0, max: 30 }),
    })
    .map((s) => {
      const out: { -readonly [K in keyof FillSide]: FillSide[K] } = { account: acct, fee: s.fee };
      if (s.marginMode !== undefined) out.marginMode = s.marginMode;
      // isolatedMargin with an isolated mode, and now and then (wrongly) without one.
      if (s.isolatedMargin !== undefined && (s.marginMode === 'isolated' || s.strayMargin === 0)) out.isolatedMargin = s.isolatedMargin;
      return out as FillSide;
    });

/** Two different accounts, and now and then the same one twice (a self-trade). */
const counterparties = fc.oneof(
  { weight: 15, arbitrary: fc.uniqueArray(account, { minLength: 2, maxLength: 2 }) },
  { weight: 1, arbitrary: account.map((a) => [a, a]) },
) as fc.Arbitrary<[string, string]>;

/** Markets made much stricter (IM 60%, MM 50%: most holders would breach), and ETH-PERP with an open-interest cap of 5 ETH. */
const STRICT = { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(600_000n), maintenancePpm: ppm(500_000n), maintenanceAmount: quote(0n) }] };
const ETH_TIGHT: MarketSpec = { ...ETH_PERP, margin: STRICT };
const BTC_TIGHT: MarketSpec = { ...BTC_PERP, margin: STRICT };
const ETH_CAPPED: MarketSpec = { ...ETH_PERP, openInterestCap: { size: size(500n) } };

/** A preset, audited after every command (the audit compares the breach index with exact evaluation). */
export const audited = (preset: string): Rulebook => ({ ...(rulebookPreset(preset, 6) as Rulebook), guards: { ...DEFAULT_GUARDS, auditEveryCommands: 1 } });

/** A command body without its time; times are assigned along the sequence. */
type Body = Command extends infer C ? (C extends Command ? Omit<C, 'tsMs'> : never) : never;

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deposit' as const), account, asset, amount }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), account, asset, amount }) },
  {
    weight: 5,
    arbitrary: market.chain((m) =>
      fc.record({
        kind: fc.constant('fill' as const),
        market: fc.constant(m),
        price: priceNear(m).map(price),
        size: fc
          .oneof({ weight: 10, arbitrary: fc.bigInt({ min: 1n, max: 500n }) }, { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 5_000n }) }, { weight: 1, arbitrary: fc.bigInt({ min: -2n, max: 2n }) })
          .map(size),
        sides: counterparties.chain(([b, s]) => fc.tuple(fillSide(b), fillSide(s))),
      }).map(({ sides, ...rest }) => ({ ...rest, buyer: sides[0], seller: sides[1] })),
    ),
  },
  {
    // (4: the guards' commands below dilute the mix; prices are what liquidate.)
    weight: 4,
    arbitrary: market.chain((m) => fc.record({ kind: fc.constant('price' as const), market: fc.constant(m), mark: priceNear(m).map(price) })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust_isolated_margin' as const), account, market, amount: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).map(quote) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('borrow' as const), account, asset, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repay' as const), account, asset, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
  {
    weight: 10,
    arbitrary: market.chain((m) =>
      fc.record({
        kind: fc.constant('place_order' as const),
        account,
        market: fc.constant(m),
        id: fc.constantFrom('o1', 'o2', 'o3'),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        // Orders within +-1% of the typical price, so that they meet each other often.
        price: fc.bigInt({ min: -10n, max: 10n }).map((k) => price(((BASE[m]?.[0] ?? 100n) * (1000n + k)) / 1000n)),
        size: fc.bigInt({ min: -1n, max: 800n }).map(size),
        tif: fc.constantFrom('gtc' as const, 'ioc' as const, 'post_only' as const),
      }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel_order' as const), account, market, id: fc.constantFrom('o1', 'o2', 'o3') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insurance_deposit' as const), amount: fc.bigInt({ min: -1n, max: 10n ** 10n }) }) },
  // Guards: linked accounts, parameter changes (mostly held pending: they breach someone), the audit, halt / resume.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set_account_group' as const), account, group: fc.constantFrom('g1', 'g2', null, 'bad group') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set_market' as const), market: fc.constantFrom(ETH_TIGHT, BTC_TIGHT, ETH_CAPPED, BTC_PERP) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('confirm_change' as const, 'cancel_change' as const), change: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('audit' as const) }) },
  // Now and then halted (which stops liquidations), more often resumed.
  { weight: 1, arbitrary: fc.oneof({ weight: 1, arbitrary: fc.constant({ kind: 'halt' as const, reason: 'test' }) }, { weight: 9, arbitrary: fc.constant({ kind: 'resume' as const }) }) },
) as fc.Arbitrary<Body>;

export const timed = fc.array(fc.tuple(body, fc.integer({ min: -1_000, max: 60_000 })), { minLength: 1, maxLength: 60, size: 'max' }).map((items) => {
  let t = 1_000_000;
  return items.map(([b, dt]) => {
    t += dt;
    return { ...b, tsMs: t } as Command;
  });
});

/** Traders' conditional orders, mixed into the other commands (about one command in ten). */
const conditionalBody = fc.oneof(
  // Traders' conditional orders: triggers within +-2% of the typical price (some already crossed: refused), trailing
  // stops by amount and ratio, position TP/SL, reduce-only and close-position, expiries; cancel and amend. Mostly
  // well-formed per type, now and then with a field that does not belong.
  {
    weight: 2,
    arbitrary: market.chain((m) => {
      const base = BASE[m]?.[0] ?? 100n;
      const near = fc.bigInt({ min: -20n, max: 20n }).map((k) => price((base * (1000n + k)) / 1000n));
      const common = {
        kind: fc.constant('place_conditional' as const),
        account,
        market: fc.constant(m),
        id: fc.constantFrom('c1', 'c2', 'c3'),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        source: fc.constantFrom('mark' as const, 'mark' as const, 'index' as const, 'last' as const),
        reduceOnly: fc.boolean(),
        expiresMs: fc.integer({ min: 1_000_000, max: 1_500_000 }),
      };
      const opt = { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'size'] as never[] };
      const sized = fc.bigInt({ min: 1n, max: 500n }).map(size);
      return fc.oneof(
        fc.record({ ...common, type: fc.constantFrom('stop_market' as const, 'take_profit_market' as const), trigger: near, size: sized }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'size', 'trigger'] }),
        fc.record({ ...common, type: fc.constantFrom('stop_limit' as const, 'take_profit_limit' as const), trigger: near, limitPrice: near, size: sized }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'size', 'trigger', 'limitPrice'] }),
        fc.record({ ...common, type: fc.constant('trailing_stop' as const), trailAmount: fc.bigInt({ min: 1n, max: 30n }).map((k) => price((base * k) / 1000n)), size: sized }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'size', 'trailAmount'] }),
        fc.record({ ...common, type: fc.constant('trailing_stop' as const), trailRatioPpm: fc.bigInt({ min: 1_000n, max: 30_000n }), size: sized }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'size', 'trailRatioPpm'] }),
        fc.record({ ...common, type: fc.constantFrom('position_tp' as const, 'position_sl' as const), trigger: near }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'trigger'] }),
        fc.record({ ...common, type: fc.constant('stop_market' as const), trigger: near, closePosition: fc.constant(true) }, { requiredKeys: ['kind', 'account', 'market', 'id', 'type', 'side', 'trigger', 'closePosition'] }),
        // Malformed: a trailing field on a fixed type, a limit on a market type.
        fc.record({ ...common, type: fc.constant('stop_market' as const), trigger: near, trailAmount: near, limitPrice: near, size: sized }, opt),
      );
    }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('cancel_conditional' as const), account, market, id: fc.constantFrom('c1', 'c2', 'c3') }),
      market.chain((m) =>
      fc.record(
        {
          kind: fc.constant('amend_conditional' as const),
          account,
          market: fc.constant(m),
          id: fc.constantFrom('c1', 'c2', 'c3'),
          trigger: fc.bigInt({ min: -20n, max: 20n }).map((k) => price(((BASE[m]?.[0] ?? 100n) * (1000n + k)) / 1000n)),
          size: fc.bigInt({ min: 1n, max: 500n }).map(size),
          expiresMs: fc.oneof(fc.constant(null), fc.integer({ min: 1_000_000, max: 1_500_000 })),
        },
        { requiredKeys: ['kind', 'account', 'market', 'id'] },
      ),
      ),
    ),
  },
) as fc.Arbitrary<Body>;

const bodyWithConditionals = fc.oneof({ weight: 9, arbitrary: body }, { weight: 1, arbitrary: conditionalBody });

/** As `timed`, with conditional orders among the commands. */
export const timedWithConditionals = fc.array(fc.tuple(bodyWithConditionals, fc.integer({ min: -1_000, max: 60_000 })), { minLength: 1, maxLength: 60, size: 'max' }).map((items) => {
  let t = 1_000_000;
  return items.map(([b, dt]) => {
    t += dt;
    return { ...b, tsMs: t } as Command;
  });
});

/** The standard world with four funded accounts (USDC, and BTC collateral for two of them), under a preset. */
export function freshEngineWith(preset = 'binance', options: EngineOptions = {}): Engine {
  const engine = Engine.create(TEST_CONFIG, audited('binance'), options);
  for (const cmd of standardSetup(1_000_000)) engine.apply(cmd.kind === 'set_rulebook' ? { ...cmd, rulebook: audited('binance') } : cmd);
  if (preset !== 'binance') engine.apply({ kind: 'set_rulebook', tsMs: 1_000_000, rulebook: audited(preset) });
  for (const [i, id] of ACCOUNTS.entries()) {
    engine.apply({ kind: 'deposit', tsMs: 1_000_000, account: id, asset: USDC, amount: 10n ** 10n * BigInt(i + 1) });
    if (i % 2 === 1) engine.apply({ kind: 'deposit', tsMs: 1_000_000, account: id, asset: 'BTC', amount: 10n ** 8n });
  }
  return engine;
}


/** The standard world under a preset, with the engine's default detection. */
export function freshEngine(preset = 'binance'): Engine {
  return freshEngineWith(preset);
}
