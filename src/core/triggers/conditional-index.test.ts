import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConditionalIndex, ConditionalScan, trailingTrigger, type TriggerDirection, type TriggerRule } from './conditional-index.js';

describe('trailingTrigger', () => {
  it('rounds a ratio trigger away from the price (never earlier than asked)', () => {
    // DOWN: 10_001 x (1e6 - 10_000) / 1e6 = 9_900.99 -> floor 9_900; UP: 10_001 x 1.01 = 10_101.01 -> ceil 10_102.
    expect(trailingTrigger('down', { kind: 'trail_ratio', ratioPpm: 10_000n }, 10_001n)).toBe(9_900n);
    expect(trailingTrigger('up', { kind: 'trail_ratio', ratioPpm: 10_000n }, 10_001n)).toBe(10_102n);
    expect(trailingTrigger('down', { kind: 'trail_amount', offset: 50n }, 1_000n)).toBe(950n);
    expect(trailingTrigger('up', { kind: 'trail_amount', offset: 50n }, 1_000n)).toBe(1_050n);
  });
});

describe('ConditionalIndex', () => {
  it('fires fixed triggers in crossing order, then placement seq', () => {
    const ix = new ConditionalIndex();
    ix.arm(1, 'm', 'down', { kind: 'fixed', trigger: 90n }, 1, null);
    ix.arm(2, 'm', 'down', { kind: 'fixed', trigger: 95n }, 2, null);
    ix.arm(3, 'm', 'down', { kind: 'fixed', trigger: 95n }, 3, null);
    ix.arm(4, 'm', 'up', { kind: 'fixed', trigger: 105n }, 4, null);
    expect(ix.onPrice('m', 99n)).toEqual([]);
    // A fall to 92 crosses 95 (seq 2, then 3) and not 90.
    expect(ix.onPrice('m', 92n).map((f) => f.handle)).toEqual([2, 3]);
    expect(ix.onPrice('m', 105n).map((f) => f.handle)).toEqual([4]);
    expect(ix.size).toBe(1);
  });

  it('follows a trailing stop through a V: the anchor is the high since placement', () => {
    const ix = new ConditionalIndex();
    // Placed at 100, offset 10: trigger 90. The price rises to 120 (trigger 110), dips to 111 (no fire), fires at 110.
    ix.arm(7, 'm', 'down', { kind: 'trail_amount', offset: 10n }, 1, 100n);
    for (const p of [105n, 120n, 111n]) expect(ix.onPrice('m', p)).toEqual([]);
    expect(ix.bestOf(7)).toBe(120n);
    expect(ix.onPrice('m', 110n)).toEqual([{ handle: 7, trigger: 110n, direction: 'down', seq: 1 }]);
  });

  it('rebuilds a trailing side whose dead entries outnumber its live ones, keeping exact anchors', () => {
    const ix = new ConditionalIndex();
    const scan = new ConditionalScan();
    let price = 10_000n;
    for (let i = 0; i < 3_000; i++) {
      // A slow fall with a placement per tick: many groups with distinct anchors.
      price -= 1n;
      ix.onPrice('m', price);
      scan.onPrice('m', price);
      const rule: TriggerRule = { kind: 'trail_amount', offset: 5_000n + BigInt(i % 7) };
      ix.arm(i, 'm', 'down', rule, i, price);
      scan.arm(i, 'm', 'down', rule, i, price);
    }
    for (let i = 0; i < 3_000; i += 3) {
      ix.disarm(i);
      scan.disarm(i, 'm');
    }
    ix.checkInvariants();
    // Up to 9_000 (anchors of the older orders rise), then down to 3_000: every remaining order fires, in order.
    for (const p of [9_000n, 4_100n, 3_000n]) expect(ix.onPrice('m', p)).toEqual(scan.onPrice('m', p));
    expect(ix.size).toBe(0);
  });

  it('fires exactly what a full scan fires, on the same tick, in the same order (property)', () => {
    type Op =
      | { op: 'arm'; lane: number; direction: TriggerDirection; kind: 0 | 1 | 2; amount: number }
      | { op: 'disarm'; pick: number }
      | { op: 'price'; lane: number; move: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('arm' as const), lane: fc.integer({ min: 0, max: 1 }), direction: fc.constantFrom<TriggerDirection>('down', 'up'), kind: fc.constantFrom<0 | 1 | 2>(0, 1, 2), amount: fc.integer({ min: -60, max: 60 }) }),
      fc.record({ op: fc.constant('disarm' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('price' as const), lane: fc.integer({ min: 0, max: 1 }), move: fc.integer({ min: -40, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const ix = new ConditionalIndex();
        const scan = new ConditionalScan();
        const prices = [1_000n, 1_000n];
        const armed: { handle: number; lane: string }[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.op === 'arm') {
            const lane = `L${o.lane}`;
            const p = prices[o.lane] as bigint;
            // Fixed triggers anywhere near the price (even crossed: they fire on the lane's next tick); trailing
            // offsets and ratios small enough to fire within the walk. Duplicate triggers test the seq order.
            const rule: TriggerRule =
              o.kind === 0
                ? { kind: 'fixed', trigger: p + BigInt(o.amount) }
                : o.kind === 1
                  ? { kind: 'trail_amount', offset: BigInt(Math.abs(o.amount) + 1) }
                  : { kind: 'trail_ratio', ratioPpm: BigInt((Math.abs(o.amount) + 1) * 1_000) };
            ix.arm(next, lane, o.direction, rule, next, p);
            scan.arm(next, lane, o.direction, rule, next, p);
            armed.push({ handle: next, lane });
            next++;
          } else if (o.op === 'disarm') {
            const live = armed.filter((a) => ix.has(a.handle));
            if (live.length === 0) continue;
            const a = live[o.pick % live.length] as { handle: number; lane: string };
            ix.disarm(a.handle);
            scan.disarm(a.handle, a.lane);
          } else {
            const p = (prices[o.lane] as bigint) + BigInt(o.move);
            const price = p < 1n ? 1n : p;
            prices[o.lane] = price;
            const got = ix.onPrice(`L${o.lane}`, price);
            const want = scan.onPrice(`L${o.lane}`, price);
            expect(got).toEqual(want);
          }
        }
        ix.checkInvariants();
        expect(ix.size).toBe(scan.size);
      }),
      { numRuns: 300, seed: 20_261_202 },
    );
  });
});
