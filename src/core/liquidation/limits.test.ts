import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_WINDOW,
  recordInWindow,
  synthetixBfpLiquidationCap,
  synthetixV2CanLiquidate,
  synthetixV3MaxLiquidationAmountInWindow,
  synthetixV3NumberOfLiquidationWindows,
  takeFromWindow,
  tryAttempt,
  validateAttemptLimits,
  validateWindowCap,
  windowCapacity,
  type AttemptState,
  type WindowCap,
  type WindowLog,
} from './limits.js';

const WAD = 10n ** 18n;
const dec = (units: bigint, scale: bigint): bigint => (units * WAD) / scale; // units / scale in WAD

describe('Synthetix caps', () => {
  it('bfp-market worked example (V, PerpMarket.sol comment): window 48, now 72 -> used 25 + 100 = 125; the entry at t = 24 is out', () => {
    const log: WindowLog = {
      entries: [
        { atMs: 12_000, amount: 6n },
        { atMs: 24_000, amount: 10n },
        { atMs: 36_000, amount: 25n },
        { atMs: 60_000, amount: 100n },
      ],
    };
    const cap: WindowCap = { windowMs: 48_000, cap: 80n, maxEntries: 16 };
    expect(windowCapacity(log, cap, 72_000)).toEqual({ ok: true, value: { used: 125n, remaining: 0n } });
    // The cap of that comment: 0.0008 x 100,000 x 1 = 80.
    expect(synthetixBfpLiquidationCap(dec(2n, 10_000n), dec(6n, 10_000n), 100_000n * WAD, WAD)).toBe(80n * WAD);
  });

  it('perps v3 window (D): maker 0.0002, taker 0.0006, skewScale 100,000, multiplier 1, 30 s -> 2,400; 5,000 needs 3 windows', () => {
    const max = synthetixV3MaxLiquidationAmountInWindow({ makerFee: dec(2n, 10_000n), takerFee: dec(6n, 10_000n), skewScale: 100_000n * WAD, multiplier: WAD, windowSeconds: 30n });
    expect(max).toBe(2_400n * WAD);
    expect(synthetixV3NumberOfLiquidationWindows(5_000n * WAD, max)).toEqual({ ok: true, value: 3n });
    expect(synthetixV3NumberOfLiquidationWindows(4_800n * WAD, max)).toEqual({ ok: true, value: 2n });
    expect(synthetixV3NumberOfLiquidationWindows(1n, 0n)).toEqual({ ok: false, reason: 'invalid_input' });
  });

  it('perps v2 (deployed 0.0012 / 0.0024; D): both bounds are strict', () => {
    const base = { skewScale: 1_000_000n * WAD, maxLiquidationDelta: dec(12n, 10_000n), maxPD: dec(24n, 10_000n), marketSkew: 0n };
    expect(synthetixV2CanLiquidate({ ...base, positionSize: -1_199n * WAD })).toEqual({ ok: true, value: true });
    expect(synthetixV2CanLiquidate({ ...base, positionSize: 1_200n * WAD })).toEqual({ ok: false, reason: 'price_impact_exceeded' });
    expect(synthetixV2CanLiquidate({ ...base, positionSize: WAD, marketSkew: -2_400n * WAD })).toEqual({ ok: false, reason: 'instantaneous_pd_exceeded' });
    expect(synthetixV2CanLiquidate({ ...base, positionSize: WAD, skewScale: 0n })).toEqual({ ok: false, reason: 'invalid_input' });
  });
});

describe('sliding-window log', () => {
  const cap: WindowCap = { windowMs: 1_000, cap: 100n, maxEntries: 4 };
  it('grants up to the remaining capacity and records it; amounts expire after the window', () => {
    const a = takeFromWindow(EMPTY_WINDOW, cap, 0, 70n);
    expect(a.ok && [a.value.allowed, a.value.remainingAfter]).toEqual([70n, 30n]);
    if (!a.ok) return;
    const b = takeFromWindow(a.value.next, cap, 500, 70n);
    expect(b.ok && [b.value.allowed, b.value.remainingAfter]).toEqual([30n, 0n]);
    if (!b.ok) return;
    expect(windowCapacity(b.value.next, cap, 999)).toEqual({ ok: true, value: { used: 100n, remaining: 0n } });
    expect(windowCapacity(b.value.next, cap, 1_000)).toEqual({ ok: true, value: { used: 30n, remaining: 70n } }); // t = 0 is out at 1,000
    expect(recordInWindow(b.value.next, cap, 1_000, 71n)).toEqual({ ok: false, reason: 'exceeds_capacity' });
    expect(recordInWindow(b.value.next, cap, 400, 1n)).toEqual({ ok: false, reason: 'time_went_backwards' });
    expect(takeFromWindow(EMPTY_WINDOW, cap, 0, -1n)).toEqual({ ok: false, reason: 'invalid_input' });
    expect(validateWindowCap({ windowMs: 0, cap: -1n, maxEntries: 1 }).map((p) => p.path)).toEqual(['windowMs', 'cap', 'maxEntries']);
  });

  it('property: the log stays bounded, and never grants more within a window than the cap (merging is conservative)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 400 }), req: fc.bigInt({ min: 0n, max: 60n }) }), { maxLength: 120 }),
        fc.integer({ min: 2, max: 6 }),
        (steps, maxEntries) => {
          const c: WindowCap = { windowMs: 1_000, cap: 100n, maxEntries };
          let log = EMPTY_WINDOW;
          let t = 0;
          const grants: { t: number; amount: bigint }[] = [];
          for (const s of steps) {
            t += s.dt;
            const r = takeFromWindow(log, c, t, s.req);
            expect(r.ok).toBe(true);
            if (!r.ok) return;
            log = r.value.next;
            expect(log.entries.length <= maxEntries).toBe(true);
            grants.push({ t, amount: r.value.allowed });
            // exact accounting of what was granted in (t - window, t] never exceeds the cap
            const exact = grants.filter((g) => g.t > t - c.windowMs).reduce((a, g) => a + g.amount, 0n);
            expect(exact <= c.cap).toBe(true);
            // the log never under-counts
            const used = windowCapacity(log, c, t);
            expect(used.ok && used.value.used >= exact).toBe(true);
          }
        },
      ),
    );
  });
});

describe('attempt limits', () => {
  it('dYdX-style 50 per block: the 51st attempt in a block is refused, a new block starts again', () => {
    const limits = { maxPerBlock: 50, perWindow: null };
    let s: AttemptState | null = null;
    for (let k = 0; k < 50; k++) {
      const r = tryAttempt(s, limits, 9n, 1_000);
      expect(r.ok && r.value.allowed).toBe(true);
      if (r.ok) s = r.value.next;
    }
    const refused = tryAttempt(s, limits, 9n, 1_000);
    expect(refused.ok && [refused.value.allowed, refused.value.limitedBy, refused.value.next.inBlock]).toEqual([false, 'block', 50]);
    const next = tryAttempt(s, limits, 10n, 1_001);
    expect(next.ok && [next.value.allowed, next.value.next.inBlock]).toEqual([true, 1]);
    expect(tryAttempt(s, limits, 8n, 1_001)).toEqual({ ok: false, reason: 'time_went_backwards' });
  });

  it('a sliding window across blocks: 3 per second', () => {
    const limits = { maxPerBlock: null, perWindow: { windowMs: 1_000, cap: 3n, maxEntries: 8 } };
    let s: AttemptState | null = null;
    const outcomes: (string | null)[] = [];
    for (const [block, t] of [[1n, 0], [2n, 100], [3n, 200], [4n, 300], [5n, 1_000], [6n, 1_100]] as const) {
      const r = tryAttempt(s, limits, block, t);
      if (!r.ok) throw new Error(r.reason);
      outcomes.push(r.value.allowed ? 'ok' : r.value.limitedBy);
      s = r.value.next;
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'window', 'ok', 'ok']);
    expect(validateAttemptLimits({ maxPerBlock: -1, perWindow: { windowMs: 1, cap: 1n, maxEntries: 0 } }).map((p) => p.path)).toEqual([
      'maxPerBlock',
      'perWindow.maxEntries',
    ]);
  });
});
