// The holders' float mirror against the accounts: the same holders per market and side, an equity interval that holds
// the exact ledger equity, kept so by the engine's change feed; and an engine screening from it gives the same events
// as one reading the accounts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateAccount } from '../margin/evaluate.js';
import { PRESET_NAMES, rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { freshEngineWith, timed } from '../../../test/support/engine-commands.js';
import { dec, price, quote, size } from '../units/index.js';
import { AdlMirror, ScratchPool } from './adl-mirror.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';
import { canonicalJson, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { isVenueAccount, type EngineState } from './state.js';

const ADL_PRESETS = PRESET_NAMES.filter((name) => (rulebookPreset(name, 6) as Rulebook).liquidation.deleverage.kind === 'adl');

/** Checks the mirror against the accounts; returns how many slots had a bound (their interval checked). */
function checkMirror(s: EngineState, mirror: AdlMirror): number {
  mirror.flush();
  const px = mirror.prices();
  const out = { value: 0, error: 0 };
  let bounded = 0;
  for (const market of s.markets.keys()) {
    for (const long of [true, false]) {
      const side = mirror.side(market, long);
      const members: number[] = [];
      for (let slot = 0; side !== null && slot < side.n; slot++) if (side.isMember(slot)) members.push(slot);
      const ids = members.map((slot) => side?.ids[slot] as string);
      if (side !== null) expect(side.members).toBe(members.length);
      const holders = [...(s.holders.get(market)?.[long ? 'long' : 'short'] ?? [])].filter((id) => !isVenueAccount(id));
      expect([...ids].sort(), `${market} ${long ? 'longs' : 'shorts'}`).toEqual(holders.sort());
      for (const slot of members) {
        if (side === null) break;
        const id = side.ids[slot] as string;
        expect(mirror.slotOf(side, id)).toBe(slot);
        const a = s.accounts.get(id);
        const p = a?.positions.get(market);
        if (a === undefined || p === undefined) throw new Error(`${id} holds nothing in ${market}`);
        expect(side.size[slot]).toBe(Number(p.size));
        expect(side.cost[slot]).toBe(Number(p.entryQuote));
        if (!mirror.equity(side, slot, px, out)) continue;
        const ev = evaluateAccount(s, a);
        if (!ev.priced) continue;
        const exact = p.isolatedMargin === null ? ev.cross.equity : (ev.isolated.find((f) => f.market === market)?.equity ?? 0n);
        // The exact equity lies within the screened interval.
        expect(Number(exact), `${id} ${market}: ${out.value} +- ${out.error}`).toBeGreaterThanOrEqual(out.value - out.error);
        expect(Number(exact), `${id} ${market}: ${out.value} +- ${out.error}`).toBeLessThanOrEqual(out.value + out.error);
        bounded++;
      }
    }
  }
  return bounded;
}

/** The engine's own ADL mirror (a private field: read here only to check it against the accounts). */
const mirrorOf = (engine: Engine): AdlMirror | null => (engine as unknown as { adlMirror: AdlMirror | null }).adlMirror;

describe('AdlMirror', () => {
  it('holds every holder of each market and side, with an equity interval around the exact one, fed by the engine', () => {
    let bounded = 0;
    fc.assert(
      fc.property(fc.constantFrom(...PRESET_NAMES), timed, (preset, commands) => {
        const engine = freshEngineWith(preset);
        const s = engine.state as EngineState;
        // A mirror of its own, told what the engine's change feed says (the engine's own is fed at the same points).
        const mirror = new AdlMirror(s);
        engine.takeTouched();
        bounded += checkMirror(s, mirror);
        for (const cmd of commands) {
          engine.apply(cmd);
          for (const id of engine.takeTouched()) mirror.markDirty(id);
          bounded += checkMirror(s, mirror);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(bounded).toBeGreaterThan(2_000);
  });

  it('a side with no ledger holding another cross position never makes the other-positions tables; the first such ledger does', () => {
    const e = Engine.create(TEST_CONFIG);
    for (const c of standardSetup(0)) e.apply(c);
    let t = 1;
    const isolated = (account: string) => ({ account, fee: quote(0n), marginMode: 'isolated' as const, isolatedMargin: quote(dec('5000', 6)) });
    for (const id of ['a', 'b', 'c']) e.apply({ kind: 'deposit', tsMs: t++, account: id, asset: USDC, amount: dec('100000', 6) });
    e.apply({ kind: 'fill', tsMs: t++, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(100n), buyer: isolated('a'), seller: isolated('b') });
    const s = e.state as EngineState;
    const mirror = new AdlMirror(s);
    expect(checkMirror(s, mirror)).toBe(2);
    expect(mirror.side('BTC-PERP', true)?.otherSize.length).toBe(0);
    expect(mirror.side('BTC-PERP', false)?.otherSize.length).toBe(0);
    // c: cross long in both markets, against b's isolated shorts.
    e.apply({ kind: 'fill', tsMs: t++, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(100n), buyer: { account: 'c', fee: quote(0n) }, seller: isolated('b') });
    e.apply({ kind: 'fill', tsMs: t, market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: 'c', fee: quote(0n) }, seller: isolated('b') });
    for (const id of e.takeTouched()) mirror.markDirty(id);
    expect(checkMirror(s, mirror)).toBe(5);
    expect(mirror.side('BTC-PERP', true)?.otherSize.length).toBeGreaterThan(0);
    expect(mirror.side('ETH-PERP', true)?.otherMarket.length).toBeGreaterThan(0);
    expect(mirror.side('BTC-PERP', false)?.otherSize.length).toBe(0);
    expect(mirror.side('ETH-PERP', false)?.otherSize.length).toBe(0);
  });

  it('a holder that leaves a side leaves a hole, which the next holder takes: no slot moves, the side does not grow', () => {
    const e = Engine.create(TEST_CONFIG);
    for (const c of standardSetup(0)) e.apply(c);
    let t = 1;
    const cross = (account: string) => ({ account, fee: quote(0n) });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) e.apply({ kind: 'deposit', tsMs: t++, account: id, asset: USDC, amount: dec('100000', 6) });
    const fill = (buyer: string, seller: string) => e.apply({ kind: 'fill', tsMs: t++, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(100n), buyer: cross(buyer), seller: cross(seller) });
    // Longs a, b, c against shorts d, e, f.
    fill('a', 'd');
    fill('b', 'e');
    fill('c', 'f');
    const s = e.state as EngineState;
    const mirror = new AdlMirror(s);
    const longs = mirror.side('BTC-PERP', true);
    if (longs === null) throw new Error('no longs');
    expect([longs.n, longs.members]).toEqual([3, 3]);
    const slotOfC = mirror.slotOf(longs, 'c');
    // a closes (sells to d): a hole where a was; c keeps its slot.
    fill('d', 'a');
    for (const id of e.takeTouched()) mirror.markDirty(id);
    expect(checkMirror(s, mirror)).toBeGreaterThan(0);
    expect([longs.n, longs.members]).toEqual([3, 2]);
    expect(mirror.slotOf(longs, 'c')).toBe(slotOfC);
    // e turns long (buys from f twice its short): it takes the hole, and the side stays at three slots.
    e.apply({ kind: 'fill', tsMs: t++, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(200n), buyer: cross('e'), seller: cross('f') });
    for (const id of e.takeTouched()) mirror.markDirty(id);
    checkMirror(s, mirror);
    expect([longs.n, longs.members]).toEqual([3, 3]);
    expect(mirror.slotOf(longs, 'c')).toBe(slotOfC);
  });

  it('a rebuild after invalidateAll gives the same holders', () => {
    const engine = freshEngineWith('binance');
    const s = engine.state as EngineState;
    const mirror = new AdlMirror(s);
    mirror.invalidateAll();
    checkMirror(s, mirror);
  });

  it('an engine screening from the mirror gives the same events and state as one reading the accounts, under every ADL preset', () => {
    let deleveraged = 0;
    let engineMirrorSlots = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ADL_PRESETS), timed, (preset, commands) => {
        // An empty fund: what the book leaves goes to ADL.
        const mirrored = freshEngineWith(preset);
        const reading = freshEngineWith(preset, { adlMirror: false });
        for (const cmd of commands) {
          const a = mirrored.apply(cmd);
          expect(canonicalJson(reading.apply(cmd)), `${preset}: ${cmd.kind} at seq ${mirrored.seq}`).toBe(canonicalJson(a));
          const fills = a.filter((e) => e.kind === 'Deleveraged').length;
          deleveraged += fills;
          // A queue opened in this command flushed the mirror mid-block; the accounts touched after it are all it
          // refreshes at the end (the engine does not tell it the block's earlier touches again).
          const own = mirrorOf(mirrored);
          if (fills > 0 && own !== null) engineMirrorSlots += checkMirror(mirrored.state as EngineState, own);
        }
        expect(encodeSnapshot(reading.snapshot())).toBe(encodeSnapshot(mirrored.snapshot()));
        // The engine's own mirror, fed by the engine alone, matches the accounts.
        const own = mirrorOf(mirrored);
        expect(own).not.toBeNull();
        if (own !== null) engineMirrorSlots += checkMirror(mirrored.state as EngineState, own);
      }),
      { numRuns: 300, seed: 11 },
    );
    expect(deleveraged).toBeGreaterThan(10);
    expect(engineMirrorSlots).toBeGreaterThan(100);
  });

  it('a restored engine, its mirror built in the one pass over the accounts that builds its indexes, holds the same holders and answers the same', () => {
    let checked = 0;
    let deleveraged = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ADL_PRESETS), timed, (preset, commands) => {
        const running = freshEngineWith(preset);
        const half = commands.length >> 1;
        for (const cmd of commands.slice(0, half)) running.apply(cmd);
        const restored = Engine.restore(decodeSnapshot(encodeSnapshot(running.snapshot())));
        const mirror = mirrorOf(restored);
        expect(mirror).not.toBeNull();
        if (mirror !== null) checked += checkMirror(restored.state as EngineState, mirror);
        for (const cmd of commands.slice(half)) {
          const a = running.apply(cmd);
          expect(canonicalJson(restored.apply(cmd)), `${preset}: ${cmd.kind} at seq ${running.seq}`).toBe(canonicalJson(a));
          deleveraged += a.filter((e) => e.kind === 'Deleveraged').length;
        }
      }),
      { numRuns: 200, seed: 12 },
    );
    expect(checked).toBeGreaterThan(100);
    expect(deleveraged).toBeGreaterThan(5);
  });

  it('the same events in crashes that deleverage against dozens of holders (cross, isolated, two markets), with deposits between the ticks', () => {
    let deleveraged = 0;
    let counterparties = 0;
    fc.assert(
      fc.property(crashWorld, (w) => {
        const engines = [true, false].map((adlMirror) => Engine.create(TEST_CONFIG, undefined, { adlMirror }));
        const commands = crashCommands(w);
        const seen = new Set<string>();
        for (const cmd of commands) {
          const [a, b] = engines.map((e) => e.apply(cmd)) as [EngineEvent[], EngineEvent[]];
          expect(canonicalJson(b), `${cmd.kind} at seq ${engines[0]?.seq}`).toBe(canonicalJson(a));
          for (const e of a) {
            if (e.kind !== 'Deleveraged') continue;
            deleveraged++;
            seen.add(e.account);
          }
        }
        counterparties += seen.size;
      }),
      { numRuns: 120, seed: 5 },
    );
    expect(deleveraged).toBeGreaterThan(300);
    expect(counterparties).toBeGreaterThan(200);
  });
});

/** Traders long or short BTC-PERP (some also ETH-PERP, some isolated) at random leverage against a maker; then ticks. */
const crashWorld = fc.record({
  traders: fc.array(
    fc.record({
      long: fc.boolean(),
      entry: fc.integer({ min: 90_000, max: 110_000 }),
      sizeMilli: fc.integer({ min: 1, max: 300 }),
      cash: fc.integer({ min: 200, max: 40_000 }),
      isolated: fc.boolean(),
      eth: fc.integer({ min: -200, max: 200 }),
    }),
    { minLength: 10, maxLength: 40 },
  ),
  ticks: fc.array(fc.record({ btcPct: fc.integer({ min: -15, max: 15 }), ethPct: fc.integer({ min: -10, max: 10 }), deposit: fc.nat(60), amount: fc.integer({ min: 1, max: 20_000 }) }), { minLength: 1, maxLength: 8 }),
});

function crashCommands(w: typeof crashWorld extends fc.Arbitrary<infer T> ? T : never): Command[] {
  // Fills as facts (no initial-margin check): any mix of leverage. The maker quotes nothing, so the fund (empty)
  // and then ADL take every liquidation.
  const out: Command[] = standardSetup(0).map((cmd) => (cmd.kind === 'set_rulebook' ? { ...cmd, rulebook: { ...cmd.rulebook, preTradeCheck: 'none' } } : cmd));
  out.push({ kind: 'deposit', tsMs: 0, account: 'mm', asset: USDC, amount: dec('1000000000', 6) });
  w.traders.forEach((tr, i) => {
    const id = `t${String(i).padStart(2, '0')}`;
    out.push({ kind: 'deposit', tsMs: 0, account: id, asset: USDC, amount: dec(String(tr.cash), 6) });
    const me = { account: id, fee: quote(0n), ...(tr.isolated ? { marginMode: 'isolated' as const, isolatedMargin: quote(dec(String(Math.floor(tr.cash / 2)), 6)) } : {}) };
    const mm = { account: 'mm', fee: quote(0n) };
    out.push({ kind: 'fill', tsMs: 0, market: 'BTC-PERP', price: price(dec(String(tr.entry), 2)), size: size(BigInt(tr.sizeMilli)), buyer: tr.long ? me : mm, seller: tr.long ? mm : me });
    if (tr.eth !== 0) out.push({ kind: 'fill', tsMs: 0, market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(BigInt(Math.abs(tr.eth))), buyer: tr.eth > 0 ? { account: id, fee: quote(0n) } : mm, seller: tr.eth > 0 ? mm : { account: id, fee: quote(0n) } });
  });
  let btc = 10_000_000n;
  let eth = 300_000n;
  w.ticks.forEach((tick, k) => {
    const ts = 1_000 * (k + 1);
    if (tick.deposit < w.traders.length) out.push({ kind: 'deposit', tsMs: ts, account: `t${String(tick.deposit).padStart(2, '0')}`, asset: USDC, amount: dec(String(tick.amount), 6) });
    btc = (btc * BigInt(100 + tick.btcPct)) / 100n;
    eth = (eth * BigInt(100 + tick.ethPct)) / 100n;
    out.push({ kind: 'price', tsMs: ts, market: 'BTC-PERP', mark: price(btc) });
    out.push({ kind: 'price', tsMs: ts, market: 'ETH-PERP', mark: price(eth) });
  });
  return out;
}

describe('ScratchPool (the ADL queues lent buffers)', () => {
  it('lends a free set large enough, else a new one, and keeps the four largest sets given back', () => {
    const pool = new ScratchPool();
    const a = pool.take(10);
    expect(a.keys.length).toBe(10);
    expect(pool.take(10)).not.toBe(a); // `a` is out: a second queue gets its own
    pool.give(a);
    expect(pool.take(5)).toBe(a); // large enough: lent again
    pool.give(a);
    const b = pool.take(20); // `a` is too small: a new set, `a` stays free
    expect(b).not.toBe(a);
    expect(b.errors.length).toBe(20);
    expect(b.slots.length).toBe(20);
    expect(pool.take(8)).toBe(a);
    const sets = [a, b, pool.take(30), pool.take(40), pool.take(50)];
    for (const set of sets) pool.give(set);
    // Five given back, four kept: the 10-slot set is dropped; the smallest large enough is lent.
    expect(pool.take(15)).toBe(b);
    for (const set of sets.slice(2)) expect(pool.take(1)).toBe(set); // smallest first: 30, 40, 50
    const fresh = pool.take(1);
    expect(fresh).not.toBe(a);
    expect(fresh.keys.length).toBe(1);
  });
});
