import { describe, expect, it } from 'vitest';
import { newTimeDecayEma, timeDecayEmaValue, updateTimeDecayEma, type TimeDecayEma } from './ema.js';

function feed(ema: TimeDecayEma, samples: readonly (readonly [number, bigint])[]): TimeDecayEma {
  let e = ema;
  for (const [t, s] of samples) {
    const r = updateTimeDecayEma(e, s, t);
    expect(r.ok).toBe(true);
    e = r.ema;
  }
  return e;
}

describe('time-decay EMA (Hyperliquid robust-price-indices formula)', () => {
  it('starts at the first sample and follows numerator/denominator with exp(-t/150 s) decay', () => {
    // Reference: the same recurrence over the reals (Python decimal, 80 digits), first sample weight 1 ms.
    // Samples are basis values in price atoms (1e-8), one every 3 s, then a 10-minute gap.
    const seq = [
      [0, 2_000_000_000n],
      [3_000, 2_100_000_000n],
      [6_000, 1_900_000_000n],
      [9_000, -500_000_000n],
      [12_000, 2_000_000_000n],
      [612_000, 100n],
    ] as const;
    const want = [
      2_000_000_000n, // 2000000000
      2_099_967_337n, // 2099967337.3828...
      1_999_000_195n, // 1999000195.0332...
      1_149_376_400n, // 1149376400.4785...
      1_368_436_503n, // 1368436503.2129...
      486_548n, // 486548.0051... (after 600 s = 4 τ without updates, the old samples weigh e^-4 of new ones)
    ];
    let e = newTimeDecayEma(150_000);
    const got: (bigint | null)[] = [];
    for (const [t, s] of seq) {
      e = feed(e, [[t, s]]);
      got.push(timeDecayEmaValue(e));
    }
    expect(got).toEqual(want);
  });

  it('golden (docs/sources/pricing-goldens.md §3.2): started at 0, samples 10, 20, 20 at 3 s, 6 s, 156 s', () => {
    // Reals: 10, 15.049998333399997..., 19.928916659810749...; samples fed ×1e9.
    let e = newTimeDecayEma(150_000, 0);
    const got: (bigint | null)[] = [];
    for (const [t, s] of [
      [3_000, 10n ** 10n],
      [6_000, 2n * 10n ** 10n],
      [156_000, 2n * 10n ** 10n],
    ] as const) {
      e = feed(e, [[t, s]]);
      got.push(timeDecayEmaValue(e));
    }
    expect(got).toEqual([10_000_000_000n, 15_049_998_333n, 19_928_916_660n]);
    // With a start time equal to the first update, t = 0: nothing is known yet.
    expect(timeDecayEmaValue(feed(newTimeDecayEma(150_000, 5), [[5, 1n]]))).toBeNull();
  });

  it('gives a same-ms update no weight and refuses an earlier one', () => {
    const e = feed(newTimeDecayEma(150_000), [
      [1_000, 10n],
      [4_000, 20n],
    ]);
    const same = updateTimeDecayEma(e, 1_000_000n, 4_000);
    expect(same.ok && timeDecayEmaValue(same.ema)).toBe(timeDecayEmaValue(e));
    const back = updateTimeDecayEma(e, 5n, 3_999);
    expect(back).toEqual({ ok: false, reason: 'out_of_order', ema: e });
  });

  it('reads null before any sample, and reads half-atom samples with a divisor', () => {
    expect(timeDecayEmaValue(newTimeDecayEma(30_000))).toBeNull();
    const e = feed(newTimeDecayEma(30_000), [[0, 5n]]); // 2.5 atoms fed as 5 half-atoms
    expect(timeDecayEmaValue(e, 2n)).toBe(2n); // 2.5 -> 2 (half_even)
  });
});
