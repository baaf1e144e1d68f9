// A seeded population of leveraged accounts for demos and simulations, as engine commands: the market maker
// ("house") takes the other side of every opening fill at the first price.

import type { Command } from '../core/engine/commands.js';
import type { MarketSpec } from '../core/market/spec.js';
import { continuousMaintenanceAmounts } from '../core/market/schedule.js';
import { dec, divRound, pow10, ppm, price, quote, size } from '../core/units/index.js';
import type { CrashMarket } from './crash.js';
import { seededRandom } from './random.js';

export const HOUSE = 'house';
export const QUOTE_ASSET = 'USDT';
export const QUOTE_DECIMALS = 6;

/** Binance-like alt-coin tiers: 50x / 1% up to 25k, 25x / 2% up to 100k, 10x / 5% above. */
export function altMarketSpec(m: CrashMarket): MarketSpec {
  const tiers = [
    { notionalFloor: quote(0n), initialPpm: ppm(20_000n), maintenancePpm: ppm(10_000n), maintenanceAmount: quote(0n) },
    { notionalFloor: quote(dec('25000', 6)), initialPpm: ppm(40_000n), maintenancePpm: ppm(20_000n), maintenanceAmount: quote(0n) },
    { notionalFloor: quote(dec('100000', 6)), initialPpm: ppm(100_000n), maintenancePpm: ppm(50_000n), maintenanceAmount: quote(0n) },
  ];
  const amounts = continuousMaintenanceAmounts(tiers);
  return {
    id: m.id,
    baseDecimals: m.baseDecimals,
    priceDecimals: m.priceDecimals,
    tickSize: price(1n),
    stepSize: size(1n),
    margin: { tiers: tiers.map((t, i) => ({ ...t, maintenanceAmount: amounts[i] ?? quote(0n) })) },
  };
}

export interface PopulationOptions {
  readonly accounts: number;
  readonly seed: number;
  /** Share of accounts that are long (a crash hurts them). */
  readonly longShare: number;
  readonly isolatedShare: number;
  readonly maxLeverage: number;
}

export const DEFAULT_POPULATION: PopulationOptions = { accounts: 3000, seed: 7, longShare: 0.75, isolatedShare: 0.3, maxLeverage: 25 };

/** Commands that fund the house and the accounts and open their positions at each market's start price. */
export function populationCommands(markets: readonly CrashMarket[], tsMs: number, o: PopulationOptions = DEFAULT_POPULATION): Command[] {
  const rand = seededRandom(o.seed);
  const cmds: Command[] = [{ kind: 'deposit', tsMs, account: HOUSE, asset: QUOTE_ASSET, amount: dec('500000000', QUOTE_DECIMALS) }];
  for (let i = 0; i < o.accounts; i++) {
    const id = `trader-${String(i).padStart(5, '0')}`;
    // Collateral: log-uniform between 200 and 50,000 USDT.
    const collateralUsd = Math.round(200 * Math.exp(rand() * Math.log(250)));
    cmds.push({ kind: 'deposit', tsMs, account: id, asset: QUOTE_ASSET, amount: BigInt(collateralUsd) * pow10(QUOTE_DECIMALS) });
    const count = rand() < 0.25 ? 2 : 1;
    const first = Math.floor(rand() * markets.length);
    // Leverage skewed towards the low end: 1.5x to maxLeverage.
    const leverage = 1.5 + (o.maxLeverage - 1.5) * rand() ** 2;
    const isolated = rand() < o.isolatedShare;
    for (let k = 0; k < count; k++) {
      const m = markets[(first + k) % markets.length] as CrashMarket;
      const px = dec(m.start, m.priceDecimals);
      const long = rand() < o.longShare;
      // size = collateral x leverage / price / count, in base atoms.
      const notionalQuote = BigInt(Math.floor((collateralUsd * leverage * 1e6) / count));
      const sizeAtoms = divRound(notionalQuote * pow10(m.baseDecimals + m.priceDecimals), px * pow10(QUOTE_DECIMALS), 'floor');
      if (sizeAtoms <= 0n) continue;
      const trader = isolated
        ? { account: id, fee: quote(0n), marginMode: 'isolated' as const, isolatedMargin: quote(BigInt(Math.floor((collateralUsd * 1e6) / count))) }
        : { account: id, fee: quote(0n) };
      const house = { account: HOUSE, fee: quote(0n) };
      cmds.push({ kind: 'fill', tsMs, market: m.id, price: price(px), size: size(sizeAtoms), buyer: long ? trader : house, seller: long ? house : trader });
    }
  }
  return cmds;
}
