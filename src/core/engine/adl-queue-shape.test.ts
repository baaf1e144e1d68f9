// The classes a block's deleveraging queues are made of stay alive between crashes (adl-queue.ts
// PINNED_QUEUE_CLASSES): the queues every block opens share their hidden class with the instances the module keeps,
// so the code optimized for one crash's queues still fits the next one's (docs/performance.md "2026-12-07, s69").
import { describe, expect, it } from 'vitest';
import { sameHiddenClass } from '../../../test/support/hidden-class.js';
import { dec, price, quote, size } from '../units/index.js';
import { AdlMirror } from './adl-mirror.js';
import { AdlQueue, OffsetQueue, PINNED_QUEUE_CLASSES } from './adl-queue.js';
import { Engine } from './engine.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';

/** Three shorts of BTC-PERP against one long, and the mark. */
function world(): Engine {
  const engine = Engine.create(TEST_CONFIG);
  for (const cmd of standardSetup(0)) engine.apply(cmd);
  engine.apply({ kind: 'deposit', tsMs: 0, account: 'mm', asset: USDC, amount: dec('1000000', 6) });
  for (const id of ['s1', 's2', 's3']) {
    engine.apply({ kind: 'deposit', tsMs: 0, account: id, asset: USDC, amount: dec('50000', 6) });
    const seller = { account: id, fee: quote(0n) };
    engine.apply({ kind: 'fill', tsMs: 0, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(10n), buyer: { account: 'mm', fee: quote(0n) }, seller });
  }
  engine.apply({ kind: 'price', tsMs: 0, market: 'BTC-PERP', mark: price(dec('99000', 2)) });
  return engine;
}

describe('deleveraging queues', () => {
  it('every queue a block opens, and its bounds heap, share their hidden classes with the kept instances', () => {
    const same = sameHiddenClass();
    const engine = world();
    const s = engine.state;
    const m = s.markets.get('BTC-PERP');
    if (m === undefined) throw new Error('no market');
    const pinned = PINNED_QUEUE_CLASSES;
    const mirrored = new AdlQueue(s, m, true, new AdlMirror(s), []);
    const unmirrored = new AdlQueue(s, m, true, null);
    for (const q of [mirrored, unmirrored]) {
      expect(q.peek()).toMatch(/^s[123]$/); // the queue was used: its heaps popped, a candidate filed
      expect(same(q, pinned.adl)).toBe(true);
      expect(same(q.boundsHeap(), pinned.boundsHeap)).toBe(true);
    }
    mirrored.detach(); // its own copy of the heap
    expect(same(mirrored.boundsHeap(), pinned.boundsHeap)).toBe(true);
    const offset = new OffsetQueue(s, m, true, 7n);
    expect(offset.peek()).toMatch(/^s[123]$/);
    expect(same(offset, pinned.offset)).toBe(true);
    // The check can fail: an instance given another field has another class.
    expect(same(Object.assign(new AdlQueue(s, m, true, null), { extra: 1 }), pinned.adl)).toBe(false);
  });
});
