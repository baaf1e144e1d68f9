// The benchmarks' market maker: one account quoting 10 levels a side in every market, deep enough that liquidations
// close on the book, and the setup that closes the synthetic world's already-breached accounts on that book.

import type { Command } from '../src/core/engine/commands.js';
import type { Engine } from '../src/core/engine/engine.js';
import { price, size } from '../src/core/units/index.js';
import { START_PRICE } from './world.js';

export const MAKER = 'bench-maker';

/** A maker quoting 10 levels each side, 0.2% to 2% around `mark`, 5,000 base units a level (re-quoting replaces them). */
export function quoteMaker(engine: Engine, m: number, mark: bigint, t: number): void {
  for (let level = 1; level <= 10; level++) {
    for (const side of ['buy', 'sell'] as const) {
      engine.apply({ kind: 'cancel_order', tsMs: t, account: MAKER, market: `M${m}-PERP`, id: `${side}${level}` });
      const px = side === 'buy' ? (mark * BigInt(1000 - 2 * level)) / 1000n : (mark * BigInt(1000 + 2 * level)) / 1000n;
      const cmd: Command = { kind: 'place_order', tsMs: t, account: MAKER, market: `M${m}-PERP`, id: `${side}${level}`, side, price: price(px), size: size(5_000_000n), tif: 'gtc' };
      engine.apply(cmd);
    }
  }
}

/**
 * Untimed setup: the maker funded and quoting every market at the start price with liquidations paused; the
 * command that resumes them closes the world's already-breached accounts on that book. Returns how many it closed.
 */
export function setupMaker(engine: Engine, markets: number): number {
  engine.apply({ kind: 'set_liquidation_pause', tsMs: engine.timeMs + 1, paused: true });
  engine.apply({ kind: 'deposit', tsMs: engine.timeMs + 1, account: MAKER, asset: 'USDC', amount: 10n ** 18n });
  for (let m = 0; m < markets; m++) quoteMaker(engine, m, START_PRICE, engine.timeMs);
  const resumed = engine.apply({ kind: 'set_liquidation_pause', tsMs: engine.timeMs + 1, paused: false });
  return resumed.filter((e) => e.kind === 'LiquidationStarted').length;
}
