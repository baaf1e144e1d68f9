// The state root's share of a snapshot job, unit by unit: a tree built a slice at a time, and one updated with many
// touched accounts over several units, each equal to the tree built at once.

import { describe, expect, it } from 'vitest';
import type { AccountSnapshot } from '../core/engine/snapshot.js';
import { rootBuilt, rootKnown, rootUpdated } from './snapshot-job.js';
import { StateTree, type AccountSource, type StateTree as Tree } from './state-root.js';

const ASSETS = ['USDC', 'BTC'];
const acct = (id: string, usdc: bigint): AccountSnapshot => ({ id, balances: [['USDC', usdc]], positions: [], borrows: [] });
const source = (accounts: readonly AccountSnapshot[]): AccountSource => {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  return { assets: ASSETS, ids: () => byId.keys(), state: (id) => byId.get(id) };
};

describe('the state root of a snapshot job', () => {
  it('builds the tree a unit at a time, and updates it with 1,500 touched accounts over three units', () => {
    const before = Array.from({ length: 2000 }, (_, i) => acct(`a-${i}`, BigInt(i)));
    let built: Tree | null = null;
    const build = rootBuilt(ASSETS, before, (t) => {
      built = t;
    });
    let units = 1;
    while (!build.step()) units++;
    // 2,000 leaves in units of 256 (8), the buckets (2 of ~1,000: one unit each), the last one joining them.
    expect(units).toBe(8 + 2);
    expect(build.root('ignored')).toBe(StateTree.build(source(before)).root());
    const tree = built as unknown as Tree;
    // 1,500 accounts changed, 100 of them new: three units of 512.
    const after = [...before.map((a, i) => (i < 1400 ? acct(a.id, -a.balances[0]![1]) : a)), ...Array.from({ length: 100 }, (_, i) => acct(`new-${i}`, 7n))];
    const touched = [...after.slice(0, 1400), ...after.slice(2000)].map((a) => a.id).sort();
    const update = rootUpdated(tree, source(after), touched);
    const steps = [update.step(), update.step(), update.step()];
    expect(steps).toEqual([false, false, true]);
    expect(update.root('ignored')).toBe(StateTree.build(source(after)).root());
    expect(tree.size).toBe(2100);
  });

  it('a root known at the capture, or the content hash itself', () => {
    expect(rootKnown('abc').root('hash')).toBe('abc');
    expect(rootKnown(null).root('hash')).toBe('hash');
  });
});
