// Synthetic worlds for benchmarks: N accounts across M markets, built straight into a snapshot (applying a million
// fills one by one would measure fills, not what the benchmark is about). Seeded; no Math.random.

import { Engine } from '../src/core/engine/engine.js';
import type { Command } from '../src/core/engine/commands.js';
import { seededRandom } from '../src/sim/random.js';
import type { AccountSnapshot, MarketSnapshot, Snapshot } from '../src/core/engine/snapshot.js';
import { SNAPSHOT_FORMAT_VERSION } from '../src/core/engine/snapshot.js';
import { TEST_CONFIG } from '../src/core/engine/testkit.js';
import { initialVolatilityState } from '../src/core/market/volatility.js';
import { DEFAULT_PRICING, initialPriceState } from '../src/core/market/pricing.js';
import { newBook } from '../src/core/engine/setup.js';
import type { MarketSpec } from '../src/core/market/spec.js';
import { DEFAULT_RULEBOOK } from '../src/core/rulebooks/presets.js';
import { validateLiquidationRules } from '../src/core/rulebooks/liquidation.js';
import { dec, ppm, price, quote, size, type Ppm } from '../src/core/units/index.js';
import { BenchSettingError, benchInt } from './report.js';

/** The simulator's seeded generator (mulberry32), for the benchmarks. */
export const rng = seededRandom;

export interface WorldOptions {
  readonly accounts: number;
  readonly markets: number;
  readonly seed: number;
  /** Share of accounts holding a second position in another market (cross margin across markets). */
  readonly twoPositionShare?: number;
  /** Share of positions held isolated. */
  readonly isolatedShare?: number;
  /**
   * Margin calls swept every this many ms of engine time (rulebook liquidation.marginCallIntervalMs); absent: the
   * environment's BAILIFF_BENCH_CALL_INTERVAL_MS, else every command (the preset's). The benches' ticks are 1 ms apart.
   */
  readonly callIntervalMs?: number;
}

/**
 * The bench's rulebook: the default (Binance's) with margin calls swept at `intervalMs` (0: every command) and cleared
 * above maintenance x (1 + `recoveryPpm` / 1e6) (absent: the preset's 1.25 x the call buffer).
 */
export function benchRulebook(intervalMs: number, recoveryPpm: Ppm | undefined = benchCallRecoveryPpm()): Snapshot['rulebook'] {
  if (intervalMs <= 0 && recoveryPpm === undefined) return DEFAULT_RULEBOOK;
  const interval = intervalMs > 0 ? { marginCallIntervalMs: intervalMs } : {};
  const recovery = recoveryPpm === undefined ? {} : { marginCallRecoveryBufferPpm: recoveryPpm };
  return { ...DEFAULT_RULEBOOK, liquidation: { ...DEFAULT_RULEBOOK.liquidation, ...interval, ...recovery } };
}

/** How the benches' names say it: "margin calls" after every command, or swept every N ms; a recovery level set, named. */
export function callsLabel(intervalMs = benchCallIntervalMs(), recoveryPpm = benchCallRecoveryPpm()): string {
  const calls = intervalMs > 0 ? `margin calls swept every ${intervalMs.toLocaleString('en')} ms` : 'margin calls';
  return recoveryPpm === undefined ? calls : `${calls} cleared above maintenance x ${(1 + Number(recoveryPpm) / 1e6).toString()}`;
}

/**
 * BAILIFF_BENCH_CALL_RECOVERY_PPM (unset: the preset's): the benches' margin-call recovery buffer in ppm of maintenance,
 * at least the call buffer (Binance's 250,000), e.g. 500000: cleared above 1.5 x maintenance instead of 1.3125 x.
 */
export function benchCallRecoveryPpm(): Ppm | undefined {
  const v = benchInt('BAILIFF_BENCH_CALL_RECOVERY_PPM', 0, 0);
  if (v === 0) return undefined;
  const recoveryPpm = ppm(BigInt(v));
  // The rulebook's own rule (at least the call buffer, at most 10x), said in the setting's name.
  const problem = validateLiquidationRules({ ...DEFAULT_RULEBOOK.liquidation, marginCallRecoveryBufferPpm: recoveryPpm })[0];
  if (problem !== undefined) throw new BenchSettingError(`BAILIFF_BENCH_CALL_RECOVERY_PPM ${problem.message}, not ${v}`);
  return recoveryPpm;
}

/** BAILIFF_BENCH_CALL_INTERVAL_MS (0 when unset): the benches' margin-call sweep interval. */
export function benchCallIntervalMs(): number {
  return benchInt('BAILIFF_BENCH_CALL_INTERVAL_MS', 0, 0);
}

export function marketSpec(i: number): MarketSpec {
  return {
    id: `M${i}-PERP`,
    baseDecimals: 3,
    priceDecimals: 2,
    tickSize: price(1n),
    stepSize: size(1n),
    margin: {
      tiers: [
        { notionalFloor: quote(0n), initialPpm: ppm(20_000n), maintenancePpm: ppm(10_000n), maintenanceAmount: quote(0n) },
        { notionalFloor: quote(dec('50000', 6)), initialPpm: ppm(40_000n), maintenancePpm: ppm(20_000n), maintenanceAmount: quote(dec('500', 6)) },
      ],
    },
  };
}

export const START_PRICE = 10_000_000n; // 100,000.00

/**
 * The recovery tail's price ticks (`npm run bench -- journal-recovery` journals them; the tail scripts replay them):
 * tick i marks market i mod `markets` at a whole number of bp in [-5, +5] around START_PRICE, each drawn from the
 * stream `rand` (rng(7) for the journal's tail). Call the returned function with i = 0, 1, 2, ... in order.
 */
export function tailTicks(markets: number, rand: () => number): (i: number, tsMs: number) => Command {
  return (i, tsMs) => {
    const m = i % markets;
    const mark = price((START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n);
    return { kind: 'price', tsMs, market: `M${m}-PERP`, mark };
  };
}

export function buildWorld(o: WorldOptions): Engine {
  const rand = rng(o.seed);
  const markets: MarketSnapshot[] = [];
  for (let i = 0; i < o.markets; i++) {
    markets.push({
      spec: marketSpec(i),
      indexPrice: price(START_PRICE),
      markPrice: price(START_PRICE),
      priceUpdatedMs: 0,
      fundingIndex: 0n,
      openInterest: size(0n),
      volatility: initialVolatilityState(undefined, 0),
      price: initialPriceState(DEFAULT_PRICING, 0),
      book: newBook(marketSpec(i)).snapshot(),
    });
  }
  // Accounts are generated as the restore reads them, so a million of them never sit in memory twice (as snapshot
  // records and as engine state): the world's memory is the engine's.
  function* generate(): Generator<AccountSnapshot> {
    for (let a = 0; a < o.accounts; a++) {
      const positions = [];
      const count = rand() < (o.twoPositionShare ?? 0.2) ? 2 : 1;
      const first = Math.floor(rand() * o.markets);
      let notionalUsd = 0;
      for (let k = 0; k < count; k++) {
        const m = (first + k) % o.markets;
        const sizeAtoms = BigInt(1 + Math.floor(rand() * 500)) * (rand() < 0.5 ? -1n : 1n); // up to 0.5 base
        // Entry within +-2% of the start price.
        const entry = START_PRICE + BigInt(Math.floor((rand() - 0.5) * 400_000));
        const cost = (sizeAtoms * entry * 10n ** 6n) / 10n ** 5n; // quote atoms (6) from base(3)+price(2)
        const isolated = rand() < (o.isolatedShare ?? 0.1);
        notionalUsd += Math.abs(Number(sizeAtoms)) * 100;
        positions.push({
          market: `M${m}-PERP`,
          size: size(sizeAtoms),
          entryQuote: quote(cost),
          fundingIndex: 0n,
          isolatedMargin: isolated ? quote(BigInt(Math.floor(Math.abs(Number(cost)) * (0.02 + rand() * 0.2)))) : null,
        });
      }
      // Leverage between ~2x and ~60x on the cross part.
      const collateral = BigInt(Math.floor(notionalUsd * 1e6 * (0.017 + rand() * 0.5)));
      yield { id: `acct-${a}`, balances: [['USDC', collateral]], positions, borrows: [] };
    }
  }
  const snapshot: Snapshot = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    seq: 0,
    timeMs: 0,
    config: TEST_CONFIG,
    rulebook: benchRulebook(o.callIntervalMs ?? benchCallIntervalMs()),
    markets,
    assets: [],
    // restoreContents only iterates the accounts once; a generator stands in for the array (bench only).
    accounts: generate() as unknown as AccountSnapshot[],
    enforcement: { paused: false, episodes: [], hyperliquid: [], windows: [], attempts: [], marginCalled: [] },
    venue: { feePool: 0n, fundingPool: 0n, badDebtWrittenOff: 0n, deposited: [], withdrawn: [], borrowed: [], repaid: [] },
  };
  return Engine.restore(snapshot);
}
