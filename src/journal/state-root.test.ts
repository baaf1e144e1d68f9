// The state root: canonical (independent of account order and history), incremental updates equal a rebuild after
// every command, the root's totals give conservation, and the leaf encoding byte by byte (docs/proofs.md).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conservationReport } from '../core/engine/conservation.js';
import { Engine } from '../core/engine/engine.js';
import type { AccountSnapshot } from '../core/engine/snapshot.js';
import { quote, size } from '../core/units/index.js';
import { INSURANCE_FUND } from '../core/engine/state.js';
import { freshEngine, timed } from '../../test/support/engine-commands.js';
import { accountKey, assetTable, encodeLeaf, fromEngine, fromSnapshot, laneCount, StateRootTracker, StateTree, StateTreeBuild, stateRootOf, stateRootOfSnapshot, type AccountSource } from './state-root.js';

const ASSETS = ['USDC', 'BTC'];

function source(accounts: readonly AccountSnapshot[], assets = ASSETS): AccountSource {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  return { assets, ids: () => byId.keys(), state: (id) => byId.get(id) };
}

const acct = (id: string, usdc: bigint, extra: Partial<AccountSnapshot> = {}): AccountSnapshot => ({ id, balances: [['USDC', usdc]], positions: [], borrows: [], ...extra });

describe('leaf encoding', () => {
  it('lays out an account in fixed-width fields, byte by byte as docs/proofs.md says', () => {
    const a: AccountSnapshot = {
      id: 'alice',
      balances: [['BTC', 5n], ['USDC', -2n]],
      positions: [{ market: 'BTC-PERP', size: size(-3n), entryQuote: quote(-300n), fundingIndex: 7n, isolatedMargin: quote(40n) }],
      borrows: [['BTC', 1n]],
    };
    const { bytes, totals } = encodeLeaf(ASSETS, a);
    // 1 version + 32 key + 2 count + 2 assets x 32 + 2 count + 1 position x 97 = 198 bytes.
    expect(bytes.length).toBe(1 + 32 + 2 + 64 + 2 + 97);
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(1, 33).equals(accountKey('alice'))).toBe(true);
    expect(bytes.readUInt16BE(33)).toBe(2);
    // USDC first (the settlement asset): balance -2 as 128-bit two's complement (all ff ... fe), borrow 0.
    expect(bytes.subarray(35, 51).toString('hex')).toBe('ff'.repeat(15) + 'fe');
    expect(bytes.subarray(51, 67).toString('hex')).toBe('00'.repeat(16));
    // BTC: balance 5, borrow 1.
    expect(bytes.subarray(67, 83).toString('hex')).toBe('00'.repeat(15) + '05');
    expect(bytes.subarray(83, 99).toString('hex')).toBe('00'.repeat(15) + '01');
    expect(bytes.readUInt16BE(99)).toBe(1);
    const p = 101;
    expect(bytes.subarray(p + 32, p + 48).toString('hex')).toBe('ff'.repeat(15) + 'fd'); // size -3
    // entryQuote -300: 2^128 - 300, and 300 = 0x012c, so the low two bytes are 0x10000 - 0x012c = 0xfed4.
    expect(bytes.subarray(p + 48, p + 64).toString('hex')).toBe('ff'.repeat(14) + 'fed4');
    expect(bytes.subarray(p + 64, p + 80).toString('hex')).toBe('00'.repeat(15) + '07'); // funding index
    expect(bytes[p + 80]).toBe(1); // isolated
    expect(bytes.subarray(p + 81, p + 97).toString('hex')).toBe('00'.repeat(15) + '28'); // isolated margin 40
    // Lanes: USDC credit 0, deficit 2, debt 0; BTC credit 5, deficit 0, debt 1; isolated 40; entryQuote -300.
    expect(totals).toEqual([0n, 2n, 0n, 5n, 0n, 1n, 40n, -300n]);
    expect(totals.length).toBe(laneCount(2));
  });

  it('refuses a figure beyond 128 bits and an asset outside the table', () => {
    expect(() => encodeLeaf(ASSETS, acct('a', 1n << 127n))).toThrow(/signed 128-bit/);
    expect(() => encodeLeaf(ASSETS, acct('a', 1n, { borrows: [['DOGE', 1n]] }))).toThrow(/asset table/);
  });

  it('puts the settlement asset first and the others sorted', () => {
    expect(assetTable('USDC', ['ETH', 'BTC', 'USDC'])).toEqual(['USDC', 'BTC', 'ETH']);
  });
});

describe('state tree', () => {
  const many = Array.from({ length: 300 }, (_, i) => acct(`acct-${i}`, BigInt(i * 1000 - 50_000)));

  it('has one root for one set of accounts, whatever their order', () => {
    const a = StateTree.build(source(many)).root();
    const b = StateTree.build(source([...many].reverse())).root();
    expect(b).toBe(a);
    expect(StateTree.build(source(many.slice(1))).root()).not.toBe(a);
  });

  it('sums the lanes over every account: credit and deficit kept apart', () => {
    const t = StateTree.build(source(many)).totals();
    // Balances i*1000 - 50,000 for i < 300: negative for i < 50 (sum of 50,000 - 1000i = 50*50,000 - 1000*1225 =
    // 1,275,000), positive for i > 50 (sum of 1000i - 50,000 over 51..299 = 1000*(44,850 - 1275) - 249*50,000 =
    // 43,575,000 - 12,450,000 = 31,125,000).
    expect(t[0]).toBe(31_125_000n);
    expect(t[1]).toBe(1_275_000n);
  });

  it('updates, inserts and removes incrementally to the same root as a rebuild, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.option(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { nil: undefined })), { maxLength: 80 }),
        (edits) => {
          const state = new Map(many.map((a) => [a.id, a]));
          const src: AccountSource = { assets: ASSETS, ids: () => state.keys(), state: (id) => state.get(id) };
          const tree = StateTree.build(src);
          const ids: string[] = [];
          for (const [i, v] of edits) {
            const id = `acct-${i}`;
            if (v === undefined) state.delete(id);
            else state.set(id, acct(id, v));
            ids.push(id);
          }
          tree.update(src, ids);
          expect(tree.root()).toBe(StateTree.build(src).root());
          expect(tree.size).toBe(state.size);
        },
      ),
      { numRuns: 200, seed: 161 },
    );
  });

  it('keeps every link when an update grows the arena (regression: links were stored into the replaced arrays)', () => {
    // A tree built over 10 accounts has room for ~25 nodes; 2,000 inserts grow it ~7 times, in the middle of put().
    const few = Array.from({ length: 10 }, (_, i) => acct(`few-${i}`, BigInt(i)));
    const more = Array.from({ length: 2000 }, (_, i) => acct(`more-${i}`, BigInt(-i)));
    const tree = StateTree.build(source(few));
    const all = source([...few, ...more]);
    tree.update(all, more.map((a) => a.id));
    expect(tree.root()).toBe(StateTree.build(all).root());
    expect(tree.path('more-1999')).toEqual(StateTree.build(all).path('more-1999'));
  });

  it('builds in buckets past 1,024 accounts, a slice at a time, to the tree that inserts one by one give', () => {
    // 5,000 accounts: 8 buckets by the key's first 3 bits (~625 each); the same root and proofs as inserting each account.
    const accounts = Array.from({ length: 5000 }, (_, i) => acct(`bulk-${i}`, BigInt(i * 7 - 9000)));
    const src = source(accounts);
    const build = new StateTreeBuild(ASSETS, accounts.length);
    for (const a of accounts) build.add(a);
    expect(build.buckets).toBe(8);
    const steps: number[] = [];
    while (!build.step(1)) steps.push(build.bucketsDone);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const grown = StateTree.build(source([]));
    for (let i = 0; i < accounts.length; i += 997) grown.update(src, accounts.slice(i, i + 997).map((a) => a.id));
    expect(build.tree.root()).toBe(grown.root());
    expect(build.tree.root()).toBe(StateTree.build(src).root());
    expect(build.tree.size).toBe(5000);
    for (const id of ['bulk-0', 'bulk-2500', 'bulk-4999']) expect(build.tree.path(id)).toEqual(grown.path(id));
  });

  it('an empty tree and a one-account tree have roots (and the one-account root proves that account)', () => {
    expect(StateTree.build(source([])).root()).toMatch(/^[0-9a-f]{64}$/);
    const one = StateTree.build(source([acct('solo', 1n)]));
    expect(one.path('solo')).toEqual([]);
    expect(one.path('nobody')).toBeUndefined();
  });
});

describe('state root of an engine', () => {
  it('follows every command incrementally to the root of a rebuild; totals give conservation; snapshots agree', () => {
    let touchedTotal = 0;
    let accountsTotal = 0;
    fc.assert(
      fc.property(timed, (commands) => {
        const engine = freshEngine();
        const tracker = new StateRootTracker(engine);
        for (const cmd of commands) {
          engine.apply(cmd);
          accountsTotal += engine.state.accounts.size;
          const root = tracker.follow();
          expect(root).toBe(stateRootOf(engine));
          // Conservation from the root's totals and the venue funds (conservation.ts): for USDC,
          // credit - deficit + isolated - entryQuote + pools - written off = deposited - withdrawn.
          const t = tracker.current.totals();
          const n = tracker.current.assets.length;
          const v = engine.state.venue;
          const usdc = conservationReport(engine.state).find((r) => r.asset === 'USDC');
          expect((t[0] as bigint) - (t[1] as bigint) + (t[3 * n] as bigint) - (t[3 * n + 1] as bigint) + v.feePool + v.fundingPool - v.badDebtWrittenOff).toBe(usdc?.expected);
        }
        touchedTotal += commands.length;
        const snap = engine.snapshot();
        expect(stateRootOfSnapshot(snap)).toBe(tracker.follow());
        expect(stateRootOf(Engine.restore(snap))).toBe(tracker.follow());
      }),
      { numRuns: 100, seed: 1616 },
    );
    expect(touchedTotal).toBeGreaterThan(1000);
    expect(accountsTotal).toBeGreaterThan(touchedTotal);
  });

  it('includes the insurance fund and reads a snapshot like the engine it came from', () => {
    const engine = freshEngine();
    engine.apply({ kind: 'insurance_deposit', tsMs: 1_000_001, amount: 5n });
    const tree = StateTree.build(fromEngine(engine));
    expect(tree.path(INSURANCE_FUND)).toBeDefined();
    expect(StateTree.build(fromSnapshot(engine.snapshot())).root()).toBe(tree.root());
  });
});
