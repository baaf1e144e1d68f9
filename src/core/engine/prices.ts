// Direct price updates (an oracle that already aggregates its sources). Source-level prices, index
// aggregation and mark methods arrive through the pricing commands.

import { observeVolatility } from '../market/volatility.js';
import { price } from '../units/index.js';
import type { PriceUpdate } from './commands.js';
import type { Emit } from './emit.js';
import { reject, type Rejection } from './reasons.js';
import type { EngineState } from './state.js';

export function applyPriceUpdate(s: EngineState, cmd: PriceUpdate, emit: Emit): Rejection | undefined {
  const market = s.markets.get(cmd.market);
  if (market === undefined) return reject('market_unknown', 'market', `market ${cmd.market} is not listed`);
  if (cmd.mark <= 0n) return reject('price_not_positive', 'mark', 'mark price must be positive');
  if (cmd.index !== undefined && cmd.index <= 0n) return reject('price_not_positive', 'index', 'index price must be positive');
  market.markPrice = cmd.mark;
  market.indexPrice = price(cmd.index ?? cmd.mark);
  market.priceUpdatedMs = cmd.tsMs;
  const vol = market.spec.margin.volatility;
  if (vol !== undefined) {
    const before = market.volatility.multiplierPpm;
    market.volatility = observeVolatility(vol, market.volatility, cmd.mark, cmd.tsMs);
    if (market.volatility.multiplierPpm !== before) {
      emit({ kind: 'VolatilityMultiplierChanged', market: cmd.market, multiplierPpm: market.volatility.multiplierPpm });
    }
  }
  return undefined;
}
