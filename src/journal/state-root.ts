// The state root: a Merkle SUM tree over every account, maintained incrementally (only touched accounts rehash).
//
// Shape. A binary trie over 256-bit keys, key = SHA-256(UTF-8 account id), the "compact sparse Merkle tree" form:
// an empty subtree is the all-zero hash, a subtree holding exactly one account is that account's leaf itself (no
// chain of nodes below it), and a subtree holding two or more is an inner node whose children split on the next key
// bit (0 left, 1 right). Why this shape and not a dense tree over sorted ids:
//  - canonical: the shape is a function of the SET of keys alone, so the root does not depend on the order in which
//    accounts were created, on snapshot/restore, or on the history of updates; two replays agree byte for byte;
//  - incremental: an update, an insertion or a removal changes only the nodes on one path from the root, and with
//    keys uniform (SHA-256) that path is about log2(n) + 1 nodes deep (~21 for 1M accounts). A dense tree over
//    sorted ids would shift every leaf after a new account (O(n)); a full 256-level sparse tree would hash 256
//    nodes per update;
//  - provable: a proof is the siblings along that path; the verifier re-walks it with the key's bits, so the leaf's
//    position is bound to the account id, and leaf / inner / root hashes are domain-separated (0x00 / 0x01 / 0x02).
//
// Sums. Every node commits to its children's hashes AND their totals (hash = H(0x01 | hL | totalsL | hR |
// totalsR), the fix to Maxwell's original sum tree, where committing only the parent's sum let a child's sum be
// understated). Totals are fixed-width lanes over the asset table (settlement asset first, then the listed assets
// sorted): per asset credit = sum of positive balances, deficit = sum of negative balances' magnitudes, debt = sum of
// borrows; then the settlement asset's sum of isolated margins and net sum of cost bases (entryQuote). With the venue
// funds (fee and funding pools, written-off bad debt, from the snapshot) the root's totals give conservation.ts's
// check: credit - deficit + isolated - entryQuote + pools - written off = deposited - withdrawn.
// Negative balances: a sum tree with signed leaves cannot show that no leaf is negative, because a negative leaf can
// hide inside a positive sum. Here no lane mixes signs: negative settlement balances are counted in `deficit`,
// separately from `credit`, and the verifier checks that every sibling's credit, deficit and debt lanes are
// non-negative. So an inclusion proof shows: this account's exact state is in the tree; its positive balance is
// counted in the root's credit total (no sibling on the path carries a negative credit that cancels it); and the
// venue's deficits (accounts below zero) are declared in the root's deficit total rather than netted away. It does
// not show that a leaf the proof does not reveal is what the operator's books say: only that leaf's owner can check
// that. The isolated-margin and cost-basis lanes are signed and not checked.
//
// Encodings (fixed widths, big-endian, no JSON; byte by byte in docs/proofs.md) so a circuit can consume them later.

import { hash as digest } from 'node:crypto';
import { assert } from '../core/assert.js';
import type { Engine } from '../core/engine/engine.js';
import type { AccountSnapshot, Snapshot } from '../core/engine/snapshot.js';

export const LEAF_FORMAT_VERSION = 1;
const LEAF_TAG = 0x00;
const INNER_TAG = 0x01;
const ROOT_TAG = 0x02;
const KEY_BITS = 256;
/** Per asset: credit, deficit, debt; then the settlement asset's isolated margin and entryQuote net. */
const LANES_PER_ASSET = 3;
const EXTRA_LANES = 2;
const LANE_BYTES = 16;
const POSITION_BYTES = 32 + 16 + 16 + 16 + 1 + 16;
const ASSET_BYTES = 16 + 16;
/** Bounds of the fixed-width fields (u16 counts). */
export const ASSETS_MAX = 0xffff;
export const POSITIONS_MAX = 0xffff;

const EMPTY_HASH = Buffer.alloc(32);
const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const U64_MASK = (1n << 64n) - 1n;

export function sha256(bytes: Uint8Array): Buffer {
  return digest('sha256', bytes, 'buffer') as unknown as Buffer;
}

/** The account's key in the tree: SHA-256 of its id's UTF-8 bytes. */
export function accountKey(id: string): Buffer {
  return sha256(Buffer.from(id, 'utf8'));
}

/** Key bit `depth` (0 = the most significant bit of byte 0). */
export function keyBit(key: Uint8Array, depth: number): 0 | 1 {
  return (((key[depth >> 3] as number) >> (7 - (depth & 7))) & 1) as 0 | 1;
}

function writeI128(buf: Buffer, at: number, v: bigint, what: string): void {
  assert(v >= I128_MIN && v <= I128_MAX, `${what} ${v} does not fit in a signed 128-bit field`);
  const u = v < 0n ? v + (1n << 128n) : v;
  buf.writeBigUInt64BE(u >> 64n, at);
  buf.writeBigUInt64BE(u & U64_MASK, at + 8);
}

function writeU128(buf: Buffer, at: number, v: bigint, what: string): void {
  assert(v >= 0n && v <= U128_MAX, `${what} ${v} does not fit in an unsigned 128-bit field`);
  buf.writeBigUInt64BE(v >> 64n, at);
  buf.writeBigUInt64BE(v & U64_MASK, at + 8);
}

/** The lanes of a node's totals (see the header), over an asset table of `assets` entries. */
export function laneCount(assets: number): number {
  return assets * LANES_PER_ASSET + EXTRA_LANES;
}

/** Whether lane `i` is one of the unsigned sums (credit, deficit, debt) the verifier checks are non-negative. */
export function isUnsignedLane(i: number, assets: number): boolean {
  return i < assets * LANES_PER_ASSET;
}

export function encodeTotals(totals: readonly bigint[], assets: number): Buffer {
  assert(totals.length === laneCount(assets), 'totals have one lane per asset sum');
  const buf = Buffer.alloc(totals.length * LANE_BYTES);
  totals.forEach((v, i) => (isUnsignedLane(i, assets) ? writeU128 : writeI128)(buf, i * LANE_BYTES, v, `total lane ${i}`));
  return buf;
}

/** The asset table a tree's leaves and totals are laid out by: the settlement asset, then the other assets sorted. */
export function assetTable(settlementAsset: string, assets: Iterable<string>): string[] {
  const others = [...new Set(assets)].filter((a) => a !== settlementAsset).sort();
  return [settlementAsset, ...others];
}

/** The fixed-width leaf encoding of an account's state (docs/proofs.md), and its totals lanes. */
export function encodeLeaf(assets: readonly string[], account: AccountSnapshot): { bytes: Buffer; totals: bigint[] } {
  assert(assets.length <= ASSETS_MAX, 'asset table within a u16 count');
  assert(account.positions.length <= POSITIONS_MAX, 'positions within a u16 count');
  const slot = new Map(assets.map((a, i) => [a, i]));
  const balances = new Array<bigint>(assets.length).fill(0n);
  const borrows = new Array<bigint>(assets.length).fill(0n);
  for (const [asset, amount] of account.balances) {
    const i = slot.get(asset);
    assert(i !== undefined, `balance in ${asset}, which is not in the asset table`);
    balances[i] = amount;
  }
  for (const [asset, amount] of account.borrows) {
    const i = slot.get(asset);
    assert(i !== undefined, `borrow of ${asset}, which is not in the asset table`);
    borrows[i] = amount;
  }
  const positions = account.positions.map((p) => ({ key: sha256(Buffer.from(p.market, 'utf8')), p })).sort((x, y) => Buffer.compare(x.key, y.key));
  const bytes = Buffer.alloc(1 + 32 + 2 + assets.length * ASSET_BYTES + 2 + positions.length * POSITION_BYTES);
  let at = 0;
  bytes.writeUInt8(LEAF_FORMAT_VERSION, at);
  at += 1;
  accountKey(account.id).copy(bytes, at);
  at += 32;
  bytes.writeUInt16BE(assets.length, at);
  at += 2;
  for (let i = 0; i < assets.length; i++) {
    writeI128(bytes, at, balances[i] as bigint, `balance of ${assets[i]}`);
    writeU128(bytes, at + 16, borrows[i] as bigint, `borrow of ${assets[i]}`);
    at += ASSET_BYTES;
  }
  bytes.writeUInt16BE(positions.length, at);
  at += 2;
  let isolated = 0n;
  let entry = 0n;
  for (const { key, p } of positions) {
    key.copy(bytes, at);
    writeI128(bytes, at + 32, p.size, `size in ${p.market}`);
    writeI128(bytes, at + 48, p.entryQuote, `entryQuote in ${p.market}`);
    writeI128(bytes, at + 64, p.fundingIndex, `fundingIndex in ${p.market}`);
    bytes.writeUInt8(p.isolatedMargin === null ? 0 : 1, at + 80);
    writeI128(bytes, at + 81, p.isolatedMargin ?? 0n, `isolatedMargin in ${p.market}`);
    at += POSITION_BYTES;
    isolated += p.isolatedMargin ?? 0n;
    entry += p.entryQuote;
  }
  assert(at === bytes.length, 'leaf encoding fills its buffer exactly');
  const totals: bigint[] = [];
  for (let i = 0; i < assets.length; i++) {
    const b = balances[i] as bigint;
    totals.push(b > 0n ? b : 0n, b < 0n ? -b : 0n, borrows[i] as bigint);
  }
  totals.push(isolated, entry);
  return { bytes, totals };
}

export function leafHash(leafBytes: Uint8Array): Buffer {
  const buf = Buffer.alloc(1 + leafBytes.length);
  buf.writeUInt8(LEAF_TAG, 0);
  buf.set(leafBytes, 1);
  return sha256(buf);
}

export function innerHash(left: Uint8Array, leftTotals: Uint8Array, right: Uint8Array, rightTotals: Uint8Array): Buffer {
  return sha256(Buffer.concat([Buffer.of(INNER_TAG), left, leftTotals, right, rightTotals]));
}

/** The published root: the top node's hash and totals, bound to the asset table they are laid out by. */
export function rootHash(assets: readonly string[], top: Uint8Array, topTotals: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.of(ROOT_TAG), Buffer.alloc(2)];
  (parts[1] as Buffer).writeUInt16BE(assets.length, 0);
  for (const a of assets) {
    const id = Buffer.from(a, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(id.length, 0);
    parts.push(len, id);
  }
  parts.push(Buffer.from(top), Buffer.from(topTotals));
  return sha256(Buffer.concat(parts));
}

export function addTotals(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  return a.map((v, i) => v + (b[i] as bigint));
}

// ---- The tree ----

interface Leaf {
  readonly leaf: true;
  readonly id: string;
  readonly key: Buffer;
  readonly hash: Buffer;
  readonly totals: bigint[];
  readonly totalsBytes: Buffer;
}

interface Inner {
  readonly leaf: false;
  left: TreeNode;
  right: TreeNode;
  /** Stale until rehash() (a child changed below). */
  dirty: boolean;
  hash: Buffer;
  totals: bigint[];
  totalsBytes: Buffer;
}

type TreeNode = Leaf | Inner | null;

/** One step of an inclusion proof: the sibling subtree's hash and totals at one depth (from the root down). */
export interface ProofStep {
  readonly hash: string;
  readonly totals: readonly bigint[];
}

/** Where accounts come from: an Engine (fromEngine) or a Snapshot (fromSnapshot). */
export interface AccountSource {
  readonly assets: readonly string[];
  ids(): Iterable<string>;
  state(id: string): AccountSnapshot | undefined;
}

export function fromEngine(engine: Engine): AccountSource {
  const s = engine.state;
  return { assets: assetTable(s.settlementAsset, s.assets.keys()), ids: () => s.accounts.keys(), state: (id) => engine.accountState(id) };
}

export function fromSnapshot(snap: Snapshot): AccountSource {
  const byId = new Map(snap.accounts.map((a) => [a.id, a]));
  return { assets: assetTable(snap.config.settlement.asset, snap.assets.map((a) => a.id)), ids: () => byId.keys(), state: (id) => byId.get(id) };
}

export class StateTree {
  private top: TreeNode = null;
  private readonly zero: bigint[];
  private readonly zeroBytes: Buffer;
  private readonly leaves = new Map<string, Leaf>();

  private constructor(readonly assets: readonly string[]) {
    this.zero = new Array<bigint>(laneCount(assets.length)).fill(0n);
    this.zeroBytes = encodeTotals(this.zero, assets.length);
  }

  /** Builds the tree over every account of the source from scratch: O(n log n) to sort, one hash per node. */
  static build(source: AccountSource): StateTree {
    const tree = new StateTree(source.assets);
    const leaves: Leaf[] = [];
    for (const id of source.ids()) {
      const state = source.state(id);
      if (state === undefined) continue;
      const leaf = tree.makeLeaf(state);
      tree.leaves.set(id, leaf);
      leaves.push(leaf);
    }
    leaves.sort((a, b) => Buffer.compare(a.key, b.key));
    tree.top = tree.buildRange(leaves, 0, leaves.length, 0);
    return tree;
  }

  /** The accounts in the tree. */
  get size(): number {
    return this.leaves.size;
  }

  /**
   * Rehashes the given accounts (engine.takeTouched()): each one's leaf is replaced, inserted or (gone from the
   * source) removed, then the stale inner nodes are rehashed once, bottom-up: O(log n) hashes per account. A change of
   * the asset table (an asset listed) changes every leaf's layout: the caller rebuilds (the source tells; see
   * `follow`).
   */
  update(source: AccountSource, ids: Iterable<string>): void {
    assert(sameTable(source.assets, this.assets), 'the asset table is unchanged (otherwise rebuild)');
    for (const id of ids) {
      const state = source.state(id);
      if (state === undefined) {
        const old = this.leaves.get(id);
        if (old === undefined) continue;
        this.leaves.delete(id);
        this.top = this.remove(this.top, old.key, 0);
      } else {
        const leaf = this.makeLeaf(state);
        this.leaves.set(id, leaf);
        this.top = this.put(this.top, leaf, 0);
      }
    }
    this.rehash(this.top);
  }

  /** The root as hex: the top node bound to the asset table (rootHash). */
  root(): string {
    const { hash, totalsBytes } = this.nodeFace(this.top);
    return rootHash(this.assets, hash, totalsBytes).toString('hex');
  }

  /** The root's totals (lanes as in the header). */
  totals(): readonly bigint[] {
    return this.top === null ? this.zero : this.top.totals;
  }

  /** The siblings on the path from the root down to the account's leaf; undefined when it is not in the tree. */
  path(id: string): ProofStep[] | undefined {
    const leaf = this.leaves.get(id);
    if (leaf === undefined) return undefined;
    const steps: ProofStep[] = [];
    let node: TreeNode = this.top;
    for (let depth = 0; node !== null && !node.leaf; depth++) {
      const bit = keyBit(leaf.key, depth);
      const sibling = bit === 0 ? node.right : node.left;
      steps.push({ hash: this.nodeFace(sibling).hash.toString('hex'), totals: sibling === null ? this.zero : sibling.totals });
      node = bit === 0 ? node.left : node.right;
    }
    assert(node === leaf, 'the path by the key bits ends at the account leaf');
    return steps;
  }

  private makeLeaf(state: AccountSnapshot): Leaf {
    const { bytes, totals } = encodeLeaf(this.assets, state);
    return { leaf: true, id: state.id, key: accountKey(state.id), hash: leafHash(bytes), totals, totalsBytes: encodeTotals(totals, this.assets.length) };
  }

  private nodeFace(node: TreeNode): { hash: Buffer; totalsBytes: Buffer } {
    return node === null ? { hash: EMPTY_HASH, totalsBytes: this.zeroBytes } : node;
  }

  private buildRange(leaves: readonly Leaf[], lo: number, hi: number, depth: number): TreeNode {
    if (hi === lo) return null;
    if (hi - lo === 1) return leaves[lo] as Leaf;
    assert(depth < KEY_BITS, 'two accounts with the same key (a SHA-256 collision)');
    // The leaves are sorted by key, and share the key's first `depth` bits: the 1s follow the 0s.
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (keyBit((leaves[mid] as Leaf).key, depth) === 0) a = mid + 1;
      else b = mid;
    }
    const node = this.inner(this.buildRange(leaves, lo, a, depth + 1), this.buildRange(leaves, a, hi, depth + 1));
    this.rehashNode(node);
    return node;
  }

  private inner(left: TreeNode, right: TreeNode): Inner {
    return { leaf: false, left, right, dirty: true, hash: EMPTY_HASH, totals: this.zero, totalsBytes: this.zeroBytes };
  }

  /** Places `leaf` under `node` (at `depth`); returns the subtree's new top. */
  private put(node: TreeNode, leaf: Leaf, depth: number): TreeNode {
    if (node === null) return leaf;
    if (node.leaf) return node.key.equals(leaf.key) ? leaf : this.join(node, leaf, depth);
    if (keyBit(leaf.key, depth) === 0) node.left = this.put(node.left, leaf, depth + 1);
    else node.right = this.put(node.right, leaf, depth + 1);
    node.dirty = true;
    return node;
  }

  /** Two leaves under one subtree at `depth`: inner nodes down to the first bit where their keys differ. */
  private join(a: Leaf, b: Leaf, depth: number): Inner {
    assert(depth < KEY_BITS, 'two accounts with the same key (a SHA-256 collision)');
    const bitA = keyBit(a.key, depth);
    const bitB = keyBit(b.key, depth);
    if (bitA !== bitB) return bitA === 0 ? this.inner(a, b) : this.inner(b, a);
    const below = this.join(a, b, depth + 1);
    return bitA === 0 ? this.inner(below, null) : this.inner(null, below);
  }

  /** Removes the leaf with `key` under `node`; a subtree left with one leaf collapses to it (the compact form). */
  private remove(node: TreeNode, key: Buffer, depth: number): TreeNode {
    if (node === null) return null;
    if (node.leaf) return node.key.equals(key) ? null : node;
    if (keyBit(key, depth) === 0) node.left = this.remove(node.left, key, depth + 1);
    else node.right = this.remove(node.right, key, depth + 1);
    node.dirty = true;
    if (node.left === null && (node.right === null || node.right.leaf)) return node.right;
    if (node.right === null && node.left !== null && node.left.leaf) return node.left;
    return node;
  }

  /** Rehashes the stale inner nodes under `node`, children first. */
  private rehash(node: TreeNode): void {
    if (node === null || node.leaf || !node.dirty) return;
    this.rehash(node.left);
    this.rehash(node.right);
    this.rehashNode(node);
  }

  private rehashNode(node: Inner): void {
    const l = this.nodeFace(node.left);
    const r = this.nodeFace(node.right);
    node.totals = addTotals(node.left?.totals ?? this.zero, node.right?.totals ?? this.zero);
    node.totalsBytes = encodeTotals(node.totals, this.assets.length);
    node.hash = innerHash(l.hash, l.totalsBytes, r.hash, r.totalsBytes);
    node.dirty = false;
  }
}

function sameTable(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Keeps a tree in step with an engine: after each command (or batch), follow() rehashes what takeTouched() drains,
 * and rebuilds when the asset table changed. Returns the root.
 */
export class StateRootTracker {
  private tree: StateTree;

  constructor(private readonly engine: Engine) {
    engine.takeTouched();
    this.tree = StateTree.build(fromEngine(engine));
  }

  follow(): string {
    const source = fromEngine(this.engine);
    const touched = this.engine.takeTouched();
    if (sameTable(source.assets, this.tree.assets)) this.tree.update(source, touched);
    else this.tree = StateTree.build(source);
    return this.tree.root();
  }

  get current(): StateTree {
    return this.tree;
  }
}

/** The state root of an engine's accounts, from scratch. */
export function stateRootOf(engine: Engine): string {
  return StateTree.build(fromEngine(engine)).root();
}

/** The state root of a snapshot's accounts (what a stored snapshot's SnapshotInfo.stateRoot is). */
export function stateRootOfSnapshot(snap: Snapshot): string {
  return StateTree.build(fromSnapshot(snap)).root();
}

