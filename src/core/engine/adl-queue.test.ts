// The lazy ADL queue against the full exact ranking: the same order, whatever the mix of accounts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adlOrder, rankForAdl, type AdlCandidate } from '../liquidation/adl.js';
import { dec, price, quote, size } from '../units/index.js';
import { AdlMirror } from './adl-mirror.js';
import { AdlQueue, exactAdlScore, scored, screenedOrder } from './adl-queue.js';
import { Engine } from './engine.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';

/** Shorts of BTC-PERP opened at random prices by accounts with random collateral, cross or isolated; then a mark. */
const world = fc.record({
  shorts: fc.array(
    fc.record({
      entry: fc.integer({ min: 80_000, max: 120_000 }),
      sizeMilli: fc.integer({ min: 1, max: 400 }),
      cash: fc.integer({ min: 50, max: 60_000 }),
      isolated: fc.boolean(),
      extraLong: fc.boolean(),
      // Collateral other than the settlement asset: a ledger the ADL mirror does not carry (screened from the account).
      btc: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  mark: fc.integer({ min: 85_000, max: 115_000 }),
});

function build(w: { shorts: { entry: number; sizeMilli: number; cash: number; isolated: boolean; extraLong: boolean; btc?: boolean }[]; mark: number }): Engine {
  // Fills as facts (no initial-margin check): any mix of leverage.
  const engine = Engine.create(TEST_CONFIG);
  for (const cmd of standardSetup(0)) engine.apply(cmd.kind === 'set_rulebook' ? { ...cmd, rulebook: { ...cmd.rulebook, preTradeCheck: 'none' } } : cmd);
  engine.apply({ kind: 'deposit', tsMs: 0, account: 'mm', asset: USDC, amount: dec('1000000000', 6) });
  w.shorts.forEach((sh, i) => {
    const id = `s${String(i).padStart(2, '0')}`;
    engine.apply({ kind: 'deposit', tsMs: 0, account: id, asset: USDC, amount: dec(String(sh.cash), 6) });
    const side = { account: id, fee: quote(0n), ...(sh.isolated ? { marginMode: 'isolated' as const, isolatedMargin: quote(dec(String(Math.floor(sh.cash / 2)), 6)) } : {}) };
    engine.apply({ kind: 'fill', tsMs: 0, market: 'BTC-PERP', price: price(dec(String(sh.entry), 2)), size: size(BigInt(sh.sizeMilli)), buyer: { account: 'mm', fee: quote(0n) }, seller: side });
    // Some also hold a long in another market (their cross equity then depends on two marks).
    if (sh.extraLong) engine.apply({ kind: 'fill', tsMs: 0, market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: id, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    if (sh.btc === true) engine.apply({ kind: 'deposit', tsMs: 0, account: id, asset: 'BTC', amount: dec('0.01', 8) });
  });
  engine.apply({ kind: 'price', tsMs: 0, market: 'BTC-PERP', mark: price(dec(String(w.mark), 2)) });
  return engine;
}

describe.each([
  ['reading the accounts', false],
  ['screening from the mirror', true],
] as const)('AdlQueue %s', (_name, mirrored) => {
  it('releases the opposite positions in the exact order of the full ranking (score, then account id)', () => {
    let ranked = 0;
    let withCollateral = 0;
    fc.assert(
      fc.property(world, (w) => {
        const engine = build(w);
        const s = engine.state;
        const m = s.markets.get('BTC-PERP');
        if (m === undefined) throw new Error('no market');
        // The full ranking, every short scored exactly.
        const candidates: AdlCandidate[] = [];
        for (const a of s.accounts.values()) {
          const p = a.positions.get('BTC-PERP');
          if (p !== undefined && p.size < 0n) candidates.push({ account: a.id, size: p.size, score: exactAdlScore(s, m, a) });
        }
        const full = rankForAdl(candidates);
        if (!full.ok) throw new Error(full.reason);
        // The queue, walked by leaving each released head out.
        const queue = new AdlQueue(s, m, true, mirrored ? new AdlMirror(s) : null);
        const order: string[] = [];
        for (let id = queue.peek(); id !== null; id = queue.peek()) {
          order.push(id);
          queue.exclude(id);
        }
        expect(order).toEqual(full.value.map((c) => c.account));
        ranked += order.length;
        for (const id of order) if ((s.accounts.get(id)?.balances.get('BTC') ?? 0n) > 0n && s.accounts.get(id)?.positions.get('BTC-PERP')?.isolatedMargin === null) withCollateral++;
      }),
      { numRuns: 200, seed: 31 },
    );
    expect(ranked).toBeGreaterThan(1_000);
    // Cross shorts with BTC collateral: the mirror does not carry them, the queue screens them from their accounts.
    expect(withCollateral).toBeGreaterThan(200);
  });

  it('follows touches between picks (positions closed, cut, opened, cash moved): each release is the exact best of the opposite side as it stands', () => {
    const touch = fc.record({
      who: fc.nat(),
      what: fc.constantFrom('close', 'cut', 'open', 'deposit', 'withdraw'),
      milli: fc.integer({ min: 1, max: 300 }),
      px: fc.integer({ min: 85_000, max: 115_000 }),
      pick: fc.boolean(),
    });
    let compared = 0;
    let drained = 0;
    let closed = 0;
    let opened = 0;
    fc.assert(
      fc.property(world, fc.array(touch, { minLength: 1, maxLength: 25 }), (w, touches) => {
        const engine = build(w);
        const s = engine.state;
        const m = s.markets.get('BTC-PERP');
        if (m === undefined) throw new Error('no market');
        const mirror = mirrored ? new AdlMirror(s) : null;
        const queue = new AdlQueue(s, m, true, mirror);
        engine.takeTouched();
        const left = new Set<string>();
        for (const t of touches) {
          // Two ids beyond the shorts: accounts that hold no short until they open one.
          const id = `s${String(t.who % (w.shorts.length + 2)).padStart(2, '0')}`;
          const held = s.accounts.get(id)?.positions.get('BTC-PERP')?.size ?? 0n;
          const px = price(dec(String(t.px), 2));
          const me = { account: id, fee: quote(0n) };
          const mm = { account: 'mm', fee: quote(0n) };
          if (t.what === 'deposit') engine.apply({ kind: 'deposit', tsMs: 1, account: id, asset: USDC, amount: dec(String(t.milli * 10), 6) });
          else if (t.what === 'withdraw') engine.apply({ kind: 'withdraw', tsMs: 1, account: id, asset: USDC, amount: dec(String(t.milli), 6) });
          else if (t.what === 'open') {
            engine.apply({ kind: 'fill', tsMs: 1, market: 'BTC-PERP', price: px, size: size(BigInt(t.milli)), buyer: mm, seller: me });
            if (held >= 0n) opened++;
          } else if (held < 0n) {
            const q = t.what === 'close' ? -held : BigInt(t.milli) < -held ? BigInt(t.milli) : -held - 1n;
            if (q > 0n) engine.apply({ kind: 'fill', tsMs: 1, market: 'BTC-PERP', price: px, size: size(q), buyer: me, seller: mm });
            if (t.what === 'close') closed++;
          }
          // What the block's touch log would replay (the engine's change feed: every account the command changed).
          for (const changed of engine.takeTouched()) {
            mirror?.markDirty(changed);
            queue.touched(changed);
          }
          const candidates: AdlCandidate[] = [];
          for (const a of s.accounts.values()) {
            const p = a.positions.get('BTC-PERP');
            if (p !== undefined && p.size < 0n && !left.has(a.id)) candidates.push({ account: a.id, size: p.size, score: exactAdlScore(s, m, a) });
          }
          const full = rankForAdl(candidates);
          if (!full.ok) throw new Error(full.reason);
          const best = full.value[0]?.account ?? null;
          expect(queue.peek()).toBe(best);
          compared++;
          if (t.pick && best !== null) {
            queue.exclude(best);
            left.add(best);
          }
        }
        // Then the rest of the queue, head by head: the full ranking of what is left, each account once (a slot of an
        // account re-placed, closed or left out never surfaces as a candidate of its own).
        const rest: AdlCandidate[] = [];
        for (const a of s.accounts.values()) {
          const p = a.positions.get('BTC-PERP');
          if (p !== undefined && p.size < 0n && !left.has(a.id)) rest.push({ account: a.id, size: p.size, score: exactAdlScore(s, m, a) });
        }
        const ranked = rankForAdl(rest);
        if (!ranked.ok) throw new Error(ranked.reason);
        const order: string[] = [];
        for (let id = queue.peek(); id !== null; id = queue.peek()) {
          order.push(id);
          queue.exclude(id);
        }
        expect(order).toEqual(ranked.value.map((c) => c.account));
        drained += order.length;
      }),
      { numRuns: 150, seed: 32 },
    );
    expect(compared).toBeGreaterThan(500);
    expect(drained).toBeGreaterThan(300);
    expect(closed).toBeGreaterThan(50);
    expect(opened).toBeGreaterThan(50);
  });

  it('re-places an account touched during the block: the next release is the exact best as things stand', () => {
    const engine = build({ shorts: [{ entry: 110_000, sizeMilli: 100, cash: 2_000, isolated: false, extraLong: false }, { entry: 105_000, sizeMilli: 100, cash: 2_000, isolated: false, extraLong: false }], mark: 100_000 });
    const s = engine.state;
    const m = s.markets.get('BTC-PERP');
    if (m === undefined) throw new Error('no market');
    const mirror = mirrored ? new AdlMirror(s) : null;
    const queue = new AdlQueue(s, m, true, mirror);
    // s00 shorted higher (10% in profit, equity 3,000 on 10,000): it ranks first.
    expect(queue.peek()).toBe('s00');
    // s00 adds 100,000 USDC: its leverage (and score) collapses; told so, the queue now ranks s01 first.
    engine.apply({ kind: 'deposit', tsMs: 1, account: 's00', asset: USDC, amount: dec('100000', 6) });
    mirror?.markDirty('s00'); // as block.ts touch() does
    queue.touched('s00');
    expect(queue.peek()).toBe('s01');
  });

  it("follows a score that rises during the block (the mirror's bound of the account is re-read, not kept)", () => {
    const short = (entry: number, cash: number): { entry: number; sizeMilli: number; cash: number; isolated: boolean; extraLong: boolean } => ({ entry, sizeMilli: 100, cash, isolated: false, extraLong: false });
    const engine = build({ shorts: [short(110_000, 20_000), short(105_000, 2_000), short(107_000, 3_000)], mark: 100_000 });
    const s = engine.state;
    const m = s.markets.get('BTC-PERP');
    if (m === undefined) throw new Error('no market');
    const mirror = mirrored ? new AdlMirror(s) : null;
    const queue = new AdlQueue(s, m, true, mirror);
    // Scores (PnL% x leverage): s01 4.8% x 4.0 = 0.19, s02 6.5% x 2.7 = 0.18, s00 9.1% x 0.48 = 0.04.
    expect(queue.peek()).toBe('s01');
    // s00 takes out 19,500 USDC: 9.1% x 6.7 = 0.61 now. Told so, the queue releases it before s02.
    const out = engine.apply({ kind: 'withdraw', tsMs: 1, account: 's00', asset: USDC, amount: dec('19500', 6) });
    expect(out[0]?.kind).not.toBe('CommandRejected');
    mirror?.markDirty('s00'); // as block.ts touch() does
    queue.touched('s00');
    queue.exclude('s01');
    expect(queue.peek()).toBe('s00');
    queue.exclude('s00');
    expect(queue.peek()).toBe('s02');
  });
});

describe('screenedOrder (the scored candidates\' comparison: floats when far apart, exact otherwise)', () => {
  const magnitude = fc.bigInt({ min: 1n, max: 2n ** 220n });
  const signed = fc.bigInt({ min: -(2n ** 220n), max: 2n ** 220n });
  const id = fc.constantFrom('a', 'b', 'c');

  it('orders every pair as adlOrder does (score, then account id), for far, near, equal and huge fractions', () => {
    let near = 0;
    fc.assert(
      fc.property(signed, magnitude, id, id, fc.oneof(fc.constant('far'), fc.constant('near'), fc.constant('equal')), signed, magnitude, fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: 1n, max: 5n }), (num, den, idA, idB, how, otherNum, otherDen, nudge, k) => {
        const a = scored(idA, { num, den });
        // b: an unrelated fraction, one within a few units in 2^220 of a, or a's value unreduced (k x num / k x den).
        const bScore = how === 'far' ? { num: otherNum, den: otherDen } : how === 'near' ? { num: num * 2n ** 60n + nudge, den: den * 2n ** 60n } : { num: num * k, den: den * k };
        const b = scored(idB, bScore);
        if (how === 'near') near++;
        expect(Math.sign(screenedOrder(a, b))).toBe(Math.sign(adlOrder(a, b)));
        expect(Math.sign(screenedOrder(b, a))).toBe(Math.sign(adlOrder(b, a)));
      }),
      { numRuns: 3000, seed: 33 },
    );
    expect(near).toBeGreaterThan(500);
  });

  it('falls back to the exact order when the floats overflow (Infinity, NaN)', () => {
    const huge = 10n ** 400n; // beyond a double: Number() gives Infinity
    const a = scored('a', { num: huge + 1n, den: huge });
    const b = scored('b', { num: huge, den: huge });
    expect(Number.isNaN(a.approx)).toBe(true);
    expect(screenedOrder(a, b)).toBe(-1); // a's score is above 1
    expect(screenedOrder(b, a)).toBe(1);
    const c = scored('c', { num: huge, den: 1n });
    expect(c.approx).toBe(Infinity);
    expect(screenedOrder(c, scored('d', { num: huge, den: 2n }))).toBe(-1);
  });
});

describe('AdlQueue on the mirror side it leases', () => {
  const drain = (q: AdlQueue): string[] => {
    const order: string[] = [];
    for (let id = q.peek(); id !== null; id = q.peek()) {
      order.push(id);
      q.exclude(id);
    }
    return order;
  };

  it('keeps the exact order when another queue leases the side and when the mirror moves and reuses slots under it', () => {
    // Shorts from higher entries are further in profit: s11 ranks first, s05 is in its middle.
    const shorts = Array.from({ length: 12 }, (_, i) => ({ entry: 100_000 + 1_000 * i, sizeMilli: 100, cash: 2_000, isolated: false, extraLong: false }));
    const engine = build({ shorts, mark: 99_000 });
    const s = engine.state;
    const m = s.markets.get('BTC-PERP');
    if (m === undefined) throw new Error('no market');
    const mirror = new AdlMirror(s);
    const reference = new AdlQueue(s, m, true, null); // reads the accounts: no lease
    const first = new AdlQueue(s, m, true, mirror);
    const second = new AdlQueue(s, m, true, mirror); // leases the side: `first` takes its heap and ids out
    // s05 buys its short back: the mirror drops its slot and moves the last one (s11) into it. Then a new short, nx,
    // takes the slot s11 left: a queue still reading the side's ids would meet nx where s11's bound stands.
    const fill = (buyer: string, seller: string): void => {
      engine.apply({ kind: 'fill', tsMs: 1, market: 'BTC-PERP', price: price(dec('99000', 2)), size: size(100n), buyer: { account: buyer, fee: quote(0n) }, seller: { account: seller, fee: quote(0n) } });
    };
    fill('s05', 'mm');
    engine.apply({ kind: 'deposit', tsMs: 1, account: 'nx', asset: USDC, amount: dec('100000', 6) });
    fill('mm', 'nx');
    for (const id of ['s05', 'nx']) {
      mirror.markDirty(id);
      for (const q of [reference, first, second]) q.touched(id);
    }
    mirror.flush();
    const expected = drain(reference);
    expect(expected[0]).toBe('s11');
    expect(expected).not.toContain('s05');
    expect(expected).toContain('nx');
    expect(drain(second)).toEqual(expected);
    expect(drain(first)).toEqual(expected);
  });
});
