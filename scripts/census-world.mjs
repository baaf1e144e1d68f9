/* global process */
// The world scripts/heap-census.mjs and scripts/typed-census.mjs measure: bench/world.ts's world (all positions
// isolated for walk-isolated's), the bench maker quoting, then TICKS price ticks alternating +5 bp and the start price
// in turn on each market, and a full GC. Arguments as both scripts take them: [dist=./dist] [accounts] [ticks=2000]
// [isolated].
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Builds and warms the census world from process.argv (accounts defaulting to `defaultAccounts`). */
export async function censusWorld(defaultAccounts) {
  const dist = pathToFileURL(resolve(process.argv[2] ?? './dist')).href;
  const accounts = Number(process.argv[3] ?? defaultAccounts);
  const ticks = Number(process.argv[4] ?? 2000);
  const isolated = process.argv[5] === 'isolated';
  const { buildWorld, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { setupMaker } = await import(`${dist}/bench/maker.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  const world = buildWorld({ accounts, markets: 10, seed: 42, ...(isolated ? { isolatedShare: 1 } : {}) });
  setupMaker(world, 10);
  for (let i = 0; i < ticks; i++) {
    const m = i % 10;
    const px = i % 20 < 10 ? (START_PRICE * 10_005n) / 10_000n : START_PRICE;
    world.apply({ kind: 'price', tsMs: world.timeMs + 1, market: `M${m}-PERP`, mark: price(px) });
  }
  globalThis.gc?.();
  return { world, accounts, ticks };
}
