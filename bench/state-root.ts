// The state root (journal/state-root.ts) over N accounts: a rebuild from scratch, then 5,000 accounts touched by real
// deposits and rehashed incrementally (engine.takeTouched() -> StateTree.update), against the honest baseline of
// rebuilding after them. Also the size of an inclusion proof.

import { fromEngine, StateTree } from '../src/journal/state-root.js';
import { canonicalJson } from '../src/verify/json.js';
import { proveAccount, verifyInclusion } from '../src/verify/proof.js';
import { elapsedMs, heapAtRestGiB, type BenchReport } from './report.js';
import { buildWorld, rng } from './world.js';

export function benchStateRoot(accounts: number, touched = 5_000): BenchReport {
  const engine = buildWorld({ accounts, markets: 10, seed: 42 });
  // The world's first command enforces whatever the generated world left in breach: done before anything is timed.
  engine.apply({ kind: 'tick', tsMs: engine.timeMs });
  engine.takeTouched();

  const t0 = process.hrtime.bigint();
  const tree = StateTree.build(fromEngine(engine));
  const buildMs = elapsedMs(t0);
  const rootBefore = tree.root();

  // 5,000 deposits to accounts drawn at random (some twice): the engine says which accounts changed.
  const rand = rng(7);
  for (let i = 0; i < touched; i++) {
    const id = `acct-${Math.floor(rand() * accounts)}`;
    engine.apply({ kind: 'deposit', tsMs: engine.timeMs, account: id, asset: 'USDC', amount: BigInt(1 + i) });
  }
  const t1 = process.hrtime.bigint();
  const ids = engine.takeTouched();
  tree.update(fromEngine(engine), ids);
  const rootAfter = tree.root();
  const updateMs = elapsedMs(t1);

  const t2 = process.hrtime.bigint();
  const rebuilt = StateTree.build(fromEngine(engine)).root();
  const rebuildMs = elapsedMs(t2);
  if (rebuilt !== rootAfter) throw new Error('the incremental root differs from the rebuilt one');
  if (rootAfter === rootBefore) throw new Error('the deposits did not change the root');

  const proof = proveAccount(tree, fromEngine(engine), 'acct-1');
  if (proof === undefined || !verifyInclusion(proof, rootAfter).ok) throw new Error('the proof of acct-1 does not verify');
  const t3 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) verifyInclusion(proof, rootAfter);
  const verifyUs = (elapsedMs(t3) * 1000) / 1000;

  return {
    name: `state root: ${accounts.toLocaleString('en')} accounts, ${ids.length.toLocaleString('en')} touched`,
    lines: [
      `build from scratch     ${(buildMs / 1000).toFixed(2)} s (${((buildMs * 1000) / accounts).toFixed(2)} µs per account)`,
      `update ${ids.length.toLocaleString('en')} touched   ${updateMs.toFixed(1)} ms (${((updateMs * 1000) / ids.length).toFixed(1)} µs per account)`,
      `rebuild after them     ${(rebuildMs / 1000).toFixed(2)} s -> incremental is ${(rebuildMs / updateMs).toFixed(0)}x faster (same root)`,
      `proof of one account   ${proof.siblings.length} siblings, ${canonicalJson(proof).length.toLocaleString('en')} bytes as JSON; verified in ${verifyUs.toFixed(0)} µs`,
      `heap at rest           ${heapAtRestGiB()}`,
    ],
  };
}
