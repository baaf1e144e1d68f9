// Every market state of every engine is made by market/state.ts marketState, so V8 gives them all one hidden class:
// code optimized for one engine's markets still fits the next engine's (docs/performance.md "2026-12-07, s68").
import { describe, expect, it } from 'vitest';
import { sameHiddenClass } from '../../../test/support/hidden-class.js';
import { freshEngineWith } from '../../../test/support/engine-commands.js';
import { Engine } from './engine.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import type { EngineState } from './state.js';

describe('market states', () => {
  it('a listed market and a restored one share one hidden class', () => {
    const same = sameHiddenClass();
    const listed = freshEngineWith('binance');
    const restored = Engine.restore(decodeSnapshot(encodeSnapshot(listed.snapshot())));
    const listedMarkets = [...(listed.state as EngineState).markets.values()];
    const restoredMarkets = [...(restored.state as EngineState).markets.values()];
    expect(listedMarkets.length).toBeGreaterThan(1);
    expect(restoredMarkets.length).toBe(listedMarkets.length);
    for (const m of [...listedMarkets.slice(1), ...restoredMarkets]) expect(same(m, listedMarkets[0] as object)).toBe(true);
    // The check can fail: a market made another way has another class.
    const other = { ...(listedMarkets[0] as object), extra: 1 };
    expect(same(other, listedMarkets[0] as object)).toBe(false);
  });
});
