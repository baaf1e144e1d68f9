// Inclusion proofs: every account of a random engine proves against the root; the proof survives its file format;
// changing any figure, sibling or the asset table, or a negative sibling sum, fails verification.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quote } from '../core/units/index.js';
import type { Command } from '../core/engine/commands.js';
import { freshEngine, timed } from '../../test/support/engine-commands.js';
import { fromEngine, StateTree } from '../journal/state-root.js';
import { canonicalJson, parseCanonical } from './json.js';
import { computeRoot, proveAccount, verifyInclusion, type InclusionProof } from './proof.js';

/** A world after a random session, its tree and a proof of each account. */
function world(commands: readonly Command[]) {
  const engine = freshEngine();
  for (const cmd of commands) engine.apply(cmd);
  const src = fromEngine(engine);
  const tree = StateTree.build(src);
  const proofs = [...engine.state.accounts.keys()].map((id) => proveAccount(tree, src, id) as InclusionProof);
  return { engine, tree, root: tree.root(), proofs };
}

/** Every way of changing one thing in a proof. */
function tamperings(p: InclusionProof): [string, InclusionProof][] {
  const out: [string, InclusionProof][] = [];
  const a = p.account;
  a.balances.forEach(([asset, v], i) => out.push([`balance ${asset}`, { ...p, account: { ...a, balances: a.balances.map((b, j) => (j === i ? [asset, v + 1n] : b)) } }]));
  a.borrows.forEach(([asset, v], i) => out.push([`borrow ${asset}`, { ...p, account: { ...a, borrows: a.borrows.map((b, j) => (j === i ? [asset, v + 1n] : b)) } }]));
  a.positions.forEach((pos, i) => {
    for (const field of ['size', 'entryQuote', 'fundingIndex'] as const) {
      out.push([`${pos.market}.${field}`, { ...p, account: { ...a, positions: a.positions.map((q, j) => (j === i ? { ...q, [field]: q[field] - 1n } : q)) } }]);
    }
    out.push([`${pos.market}.isolatedMargin`, { ...p, account: { ...a, positions: a.positions.map((q, j) => (j === i ? { ...q, isolatedMargin: q.isolatedMargin === null ? quote(0n) : null } : q)) } }]);
  });
  out.push(['a new balance', { ...p, account: { ...a, balances: [...a.balances.filter(([x]) => x !== 'BTC'), ['BTC', 7_777_777n]] } }]);
  out.push(['another id', { ...p, account: { ...a, id: `${a.id}x` } }]);
  out.push(['asset table', { ...p, assets: [...p.assets].reverse() }]);
  p.siblings.forEach((s, d) => {
    const flipped = (s.hash[0] === '0' ? '1' : '0') + s.hash.slice(1);
    out.push([`sibling ${d} hash`, { ...p, siblings: p.siblings.map((x, j) => (j === d ? { ...x, hash: flipped } : x)) }]);
    out.push([`sibling ${d} credit`, { ...p, siblings: p.siblings.map((x, j) => (j === d ? { ...x, totals: x.totals.map((v, k) => (k === 0 ? v + 1n : v)) } : x)) }]);
  });
  if (p.siblings.length > 0) out.push(['a sibling dropped', { ...p, siblings: p.siblings.slice(1) }]);
  out.push(['a sibling added', { ...p, siblings: [...p.siblings, { hash: '0'.repeat(64), totals: p.siblings[0]?.totals ?? [] }] }]);
  return out;
}

describe('inclusion proofs', () => {
  it('prove every account of a random session against the root, through the file format; any change fails', () => {
    let checked = 0;
    let tampered = 0;
    fc.assert(
      fc.property(timed, (commands) => {
        const { root, proofs, tree } = world(commands);
        for (const proof of proofs) {
          const back = parseCanonical(canonicalJson(proof)) as InclusionProof;
          const ok = verifyInclusion(back, root);
          expect(ok).toEqual({ ok: true, root, totals: tree.totals() });
          checked++;
          for (const [what, bad] of tamperings(proof)) {
            const r = verifyInclusion(bad, root);
            expect(r.ok, `${proof.account.id}: ${what} still verifies`).toBe(false);
            tampered++;
          }
        }
      }),
      { numRuns: 60, seed: 3 },
    );
    expect(checked).toBeGreaterThan(200);
    expect(tampered).toBeGreaterThan(2000);
  });

  it('refuses a sibling whose credit sum is negative, even when the root is recomputed to match', () => {
    const engine = freshEngine();
    const src = fromEngine(engine);
    const tree = StateTree.build(src);
    const proof = proveAccount(tree, src, 'a') as InclusionProof;
    // Move 10 units of credit from one sibling to... nowhere: a sibling claiming -10 would cut the root's credit total.
    const bad = { ...proof, siblings: proof.siblings.map((s, d) => (d === 0 ? { ...s, totals: s.totals.map((v, k) => (k === 0 ? -10n : v)) } : s)) };
    const r = computeRoot(bad);
    expect(r).toEqual({ ok: false, reason: 'sibling 0: total 0 is negative (a credit, deficit or debt sum cannot be)' });
  });

  it('answers a malformed proof with a reason, never a throw', () => {
    const engine = freshEngine();
    const src = fromEngine(engine);
    const tree = StateTree.build(src);
    const proof = proveAccount(tree, src, 'b') as InclusionProof;
    const cases: unknown[] = [
      { ...proof, format: 2 },
      { ...proof, assets: [] },
      { ...proof, account: { ...proof.account, balances: [['USDC', '5']] } },
      { ...proof, account: { ...proof.account, balances: [['USDC', 1n << 200n]] } },
      { ...proof, siblings: [{ hash: 'zz', totals: [] }] },
      { ...proof, account: undefined },
    ];
    for (const c of cases) {
      const r = verifyInclusion(c as InclusionProof, tree.root());
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(5);
    }
    expect(verifyInclusion(proof, '0'.repeat(64)).ok).toBe(false);
    expect(proveAccount(tree, src, 'nobody')).toBeUndefined();
    // Not an object at all (a file holding null, a list, a string): the reason says so, not a TypeError's words.
    for (const [value, kind] of [[null, 'null'], [undefined, 'nothing'], [[], 'an array'], ['x', 'a string'], [7n, 'a number']] as const) {
      expect(computeRoot(value as unknown as InclusionProof)).toEqual({ ok: false, reason: `not a proof: ${kind}, not an object` });
    }
    expect(computeRoot({ assets: [] } as unknown as InclusionProof)).toEqual({ ok: false, reason: 'not a proof: no "format" field (an inclusion proof has format 1)' });
  });
});
