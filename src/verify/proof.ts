// Per-account inclusion proofs against the state root (journal/state-root.ts). A proof carries the account's exact
// state as plain data, the asset table, and the siblings (hash and totals) on the path from the root down to the
// account's leaf. verifyInclusion needs nothing else: it encodes the leaf itself (so the figures a trader reads are
// the figures hashed), walks up with the bits of SHA-256(account id), adds the totals, checks that no sibling carries
// a negative credit, deficit or debt, and compares the root. A trader checks their own account without seeing
// anyone else's: a sibling is a hash and a few sums.

import type { AccountSnapshot } from '../core/engine/snapshot.js';
import {
  accountKey,
  addTotals,
  encodeLeaf,
  encodeTotals,
  innerHash,
  isUnsignedLane,
  keyBit,
  laneCount,
  leafHash,
  rootHash,
  type AccountSource,
  type ProofStep,
  type StateTree,
} from '../journal/state-root.js';
import { isJsonObject, jsonKind } from './json.js';

export const PROOF_FORMAT_VERSION = 1;

export interface InclusionProof {
  readonly format: number;
  /** The asset table the leaf and the totals are laid out by (settlement asset first). */
  readonly assets: readonly string[];
  readonly account: AccountSnapshot;
  /** The sibling at each depth, from the root (depth 0) down to the leaf's parent. */
  readonly siblings: readonly ProofStep[];
}

export type InclusionCheck =
  | { readonly ok: true; readonly root: string; readonly totals: readonly bigint[] }
  | { readonly ok: false; readonly reason: string };

/** The proof of one account in `tree` (built from `source`); undefined when the account is not in it. */
export function proveAccount(tree: StateTree, source: AccountSource, id: string): InclusionProof | undefined {
  const account = source.state(id);
  const siblings = tree.path(id);
  if (account === undefined || siblings === undefined) return undefined;
  return { format: PROOF_FORMAT_VERSION, assets: [...tree.assets], account, siblings };
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Recomputes the root from the proof alone. Never throws: a malformed proof is a reason. */
export function computeRoot(proof: InclusionProof): InclusionCheck {
  if (!isJsonObject(proof)) return { ok: false, reason: `not a proof: ${jsonKind(proof)}, not an object` };
  try {
    if (!('format' in proof)) return { ok: false, reason: `not a proof: no "format" field (an inclusion proof has format ${PROOF_FORMAT_VERSION})` };
    if (proof.format !== PROOF_FORMAT_VERSION) return { ok: false, reason: `proof format ${String(proof.format)} is not ${PROOF_FORMAT_VERSION}` };
    const shape = checkShape(proof);
    if (shape !== undefined) return { ok: false, reason: shape };
    const n = proof.assets.length;
    const { bytes, totals } = encodeLeaf(proof.assets, proof.account);
    let hash: Buffer = leafHash(bytes);
    let sums: bigint[] = totals;
    const key = accountKey(proof.account.id);
    for (let depth = proof.siblings.length - 1; depth >= 0; depth--) {
      const step = proof.siblings[depth] as ProofStep;
      if (!HEX_HASH.test(step.hash)) return { ok: false, reason: `sibling ${depth}: hash is not 64 lowercase hex digits` };
      if (step.totals.length !== laneCount(n)) return { ok: false, reason: `sibling ${depth}: ${step.totals.length} totals, expected ${laneCount(n)}` };
      for (const [i, v] of step.totals.entries()) {
        if (typeof v !== 'bigint') return { ok: false, reason: `sibling ${depth}: total ${i} is not an integer` };
        if (isUnsignedLane(i, n) && v < 0n) return { ok: false, reason: `sibling ${depth}: total ${i} is negative (a credit, deficit or debt sum cannot be)` };
      }
      const mine = encodeTotals(sums, n);
      const theirs = encodeTotals(step.totals, n);
      const sibling = Buffer.from(step.hash, 'hex');
      hash = keyBit(key, depth) === 0 ? innerHash(hash, mine, sibling, theirs) : innerHash(sibling, theirs, hash, mine);
      sums = addTotals(sums, step.totals);
    }
    return { ok: true, root: rootHash(proof.assets, hash, encodeTotals(sums, n)).toString('hex'), totals: sums };
  } catch (e) {
    // encodeLeaf / encodeTotals refuse figures that do not fit their fields.
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether the proof shows the account's state under `root` (hex). */
export function verifyInclusion(proof: InclusionProof, root: string): InclusionCheck {
  const computed = computeRoot(proof);
  if (!computed.ok) return computed;
  if (computed.root !== root) return { ok: false, reason: `the proof leads to root ${computed.root}, not ${root}` };
  return computed;
}

/** The plain-data shape a proof read from a file must have before its figures are encoded. */
function checkShape(proof: InclusionProof): string | undefined {
  if (!Array.isArray(proof.assets) || proof.assets.some((a) => typeof a !== 'string')) return 'assets is not a list of asset ids';
  if (proof.assets.length === 0 || new Set(proof.assets).size !== proof.assets.length) return 'assets is empty or names an asset twice';
  if (!Array.isArray(proof.siblings) || proof.siblings.length > 256) return 'siblings is not a list of at most 256 steps';
  const a = proof.account as Partial<AccountSnapshot> | undefined;
  if (a === undefined || typeof a.id !== 'string') return 'account has no id';
  const pairs = (x: unknown): boolean => Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'bigint');
  if (!pairs(a.balances) || a.balances === undefined) return 'account balances are not [asset, amount] pairs';
  if (!pairs(a.borrows) || a.borrows === undefined) return 'account borrows are not [asset, amount] pairs';
  if (!Array.isArray(a.positions)) return 'account positions is not a list';
  for (const p of a.positions) {
    const ok =
      typeof p.market === 'string' &&
      typeof p.size === 'bigint' &&
      typeof p.entryQuote === 'bigint' &&
      typeof p.fundingIndex === 'bigint' &&
      (p.isolatedMargin === null || typeof p.isolatedMargin === 'bigint');
    if (!ok) return `account position ${String(p.market)} is malformed`;
  }
  const markets = a.positions.map((p) => p.market);
  if (new Set(markets).size !== markets.length) return 'account holds two positions in one market';
  const assets = a.balances.map(([x]) => x);
  if (new Set(assets).size !== assets.length) return 'account lists a balance twice';
  const debts = a.borrows.map(([x]) => x);
  if (new Set(debts).size !== debts.length) return 'account lists a borrow twice';
  return undefined;
}
