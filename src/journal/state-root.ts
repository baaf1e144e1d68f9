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

const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const U64_MASK = (1n << 64n) - 1n;

export function sha256(bytes: Uint8Array): Buffer {
  return digest('sha256', bytes, 'buffer') as unknown as Buffer;
}

/** The account's key in the tree: SHA-256 of its id's UTF-8 bytes. */
export function accountKey(id: string): Buffer {
  return digest('sha256', id, 'buffer') as unknown as Buffer; // a string is hashed as its UTF-8 bytes
}

/** Key bit `depth` (0 = the most significant bit of byte 0). */
export function keyBit(key: Uint8Array, depth: number): 0 | 1 {
  return (((key[depth >> 3] as number) >> (7 - (depth & 7))) & 1) as 0 | 1;
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Signed 128-bit two's complement, big-endian. Most figures fit 64 bits: the high half is then the sign's fill. */
function writeI128(buf: Buffer, at: number, v: bigint, what: string): void {
  if (v >= I64_MIN && v <= I64_MAX) {
    const fill = v < 0n ? -1 : 0;
    buf.writeInt32BE(fill, at);
    buf.writeInt32BE(fill, at + 4);
    buf.writeBigInt64BE(v, at + 8);
    return;
  }
  assert(v >= I128_MIN && v <= I128_MAX, `${what} ${v} does not fit in a signed 128-bit field`);
  const u = v < 0n ? v + (1n << 128n) : v;
  buf.writeBigUInt64BE(u >> 64n, at);
  buf.writeBigUInt64BE(u & U64_MASK, at + 8);
}

/** Unsigned 128-bit, big-endian. */
function writeU128(buf: Buffer, at: number, v: bigint, what: string): void {
  if (v >= 0n && v <= U64_MASK) {
    buf.writeInt32BE(0, at);
    buf.writeInt32BE(0, at + 4);
    buf.writeBigUInt64BE(v, at + 8);
    return;
  }
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
  const buf = Buffer.allocUnsafe(totals.length * LANE_BYTES);
  writeTotals(buf, 0, totals, assets);
  return buf;
}

/** encodeTotals into `buf` at `at`. */
function writeTotals(buf: Buffer, at: number, totals: readonly bigint[], assets: number): void {
  assert(totals.length === laneCount(assets), 'totals have one lane per asset sum');
  const unsigned = assets * LANES_PER_ASSET;
  for (let i = 0; i < totals.length; i++) {
    if (i < unsigned) writeU128(buf, at + i * LANE_BYTES, totals[i] as bigint, 'total lane');
    else writeI128(buf, at + i * LANE_BYTES, totals[i] as bigint, 'total lane');
  }
}

/** The asset table a tree's leaves and totals are laid out by: the settlement asset, then the other assets sorted. */
export function assetTable(settlementAsset: string, assets: Iterable<string>): string[] {
  const others = [...new Set(assets)].filter((a) => a !== settlementAsset).sort();
  return [settlementAsset, ...others];
}

/** The fixed-width leaf encoding of an account's state (docs/proofs.md), and its totals lanes. */
export function encodeLeaf(assets: readonly string[], account: AccountSnapshot): { bytes: Buffer; totals: bigint[] } {
  const { tagged, totals } = encodeTaggedLeaf(assets, account);
  return { bytes: Buffer.from(tagged.subarray(1)), totals };
}

/**
 * encodeTaggedLeaf's output buffer, reused (grown as needed): a tree build encodes 1M leaves, and a new buffer for
 * each (small Buffers are carved from 8 KiB pool slabs that V8 counts as external memory) made V8 run a full GC every
 * ~64 MB of them, ~1.2 s each at a 2 GB heap (measured 2026-12-04).
 */
let leafScratch = Buffer.allocUnsafe(1024);

/** Market keys, cached: a few markets, hashed for every position of every leaf. Bounded (a verifier reads files). */
const marketKeys = new Map<string, Buffer>();
const MARKET_KEYS_CACHED_MAX = 4096;

function marketKey(market: string): Buffer {
  let key = marketKeys.get(market);
  if (key === undefined) {
    key = sha256(Buffer.from(market, 'utf8'));
    if (marketKeys.size < MARKET_KEYS_CACHED_MAX) marketKeys.set(market, key);
  }
  return key;
}

/**
 * The leaf encoding behind its domain tag (0x00), so the leaf hash is one SHA-256 of the buffer as it is. `tagged` is
 * a view of a buffer the next call writes over: copy what is kept.
 */
function encodeTaggedLeaf(assets: readonly string[], account: AccountSnapshot): { tagged: Buffer; totals: bigint[] } {
  assert(assets.length <= ASSETS_MAX, 'asset table within a u16 count');
  assert(account.positions.length <= POSITIONS_MAX, 'positions within a u16 count');
  const balances = new Array<bigint>(assets.length).fill(0n);
  const borrows = new Array<bigint>(assets.length).fill(0n);
  for (const [asset, amount] of account.balances) {
    const i = assets.indexOf(asset);
    assert(i >= 0, `balance in ${asset}, which is not in the asset table`);
    balances[i] = amount;
  }
  for (const [asset, amount] of account.borrows) {
    const i = assets.indexOf(asset);
    assert(i >= 0, `borrow of ${asset}, which is not in the asset table`);
    borrows[i] = amount;
  }
  const positions = account.positions.map((p) => ({ key: marketKey(p.market), p }));
  if (positions.length > 1) positions.sort((x, y) => Buffer.compare(x.key, y.key));
  // Every byte is written below (the check at the end counts them): no need to zero it first.
  const length = 1 + 1 + 32 + 2 + assets.length * ASSET_BYTES + 2 + positions.length * POSITION_BYTES;
  if (leafScratch.length < length) leafScratch = Buffer.allocUnsafe(Math.max(length, 2 * leafScratch.length));
  const bytes = leafScratch.subarray(0, length);
  bytes.writeUInt8(LEAF_TAG, 0);
  let at = 1;
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
  return { tagged: bytes, totals };
}

export function leafHash(leafBytes: Uint8Array): Buffer {
  const buf = Buffer.alloc(1 + leafBytes.length);
  buf.writeUInt8(LEAF_TAG, 0);
  buf.set(leafBytes, 1);
  return sha256(buf);
}

/** Reused input buffer of innerHash (grown as needed): inner nodes are most of the hashing. */
let scratch = Buffer.alloc(0);

export function innerHash(left: Uint8Array, leftTotals: Uint8Array, right: Uint8Array, rightTotals: Uint8Array): Buffer {
  const length = 1 + left.length + leftTotals.length + right.length + rightTotals.length;
  if (scratch.length < length) scratch = Buffer.alloc(length);
  scratch[0] = INNER_TAG;
  let at = 1;
  for (const part of [left, leftTotals, right, rightTotals]) {
    scratch.set(part, at);
    at += part.length;
  }
  return sha256(scratch.subarray(0, length));
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
  const out = new Array<bigint>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as bigint) + (b[i] as bigint);
  return out;
}

// ---- The tree ----

/** Decodes totals lanes (encodeTotals' layout) back to bigints. */
export function decodeTotals(bytes: Uint8Array, assets: number): bigint[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: bigint[] = [];
  for (let i = 0; i < laneCount(assets); i++) {
    const at = i * LANE_BYTES;
    const u = (buf.readBigUInt64BE(at) << 64n) | buf.readBigUInt64BE(at + 8);
    out.push(!isUnsignedLane(i, assets) && u >= 1n << 127n ? u - (1n << 128n) : u);
  }
  return out;
}

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

/**
 * Arena nodes to make room for per account at a build: its leaf and ~1.44 inner nodes. A binary trie over n uniformly
 * random keys has about n / ln 2 inner nodes (Knuth, TAOCP vol. 3, 6.3, on tries), the compact form's chains under
 * pairs of close keys included: measured 2.40-2.44 nodes an account at 1k-1M accounts. Sized at 2 before, the arena
 * grew once during every large build, copying all of it (at 1M: ~1 s and ~85,000 page faults).
 */
const NODES_PER_ACCOUNT = 2.5;

/** No node: an empty subtree. */
const NONE = -1;
const KIND_FREE = 0;
const KIND_LEAF = 1;
const KIND_INNER = 2;

/**
 * The tree lives in flat typed arrays indexed by node number (an arena), not in a million small objects: the garbage
 * collector then has almost nothing to walk, which is what made a rebuild of 1M accounts slow. A node's face is its
 * hash (32 bytes) followed by its encoded totals, exactly what its parent hashes: H(0x01 | faceL | faceR) =
 * H(0x01 | hL | totalsL | hR | totalsR). Leaves also keep their key; freed node numbers are reused.
 */
export class StateTree {
  private readonly faceBytes: number;
  private readonly emptyFace: Uint8Array;
  /** The input of an inner hash: 0x01 | faceL | faceR. */
  private readonly input: Buffer;
  private capacity = 0;
  private kind = new Uint8Array(0);
  private dirty = new Uint8Array(0);
  private left = new Int32Array(0);
  private right = new Int32Array(0);
  private faces = new Uint8Array(0);
  /** `faces` as a Buffer (the same memory), for the lanes' writers. */
  private facesView = Buffer.alloc(0);
  private keys = new Uint8Array(0);
  private used = 0;
  private readonly free: number[] = [];
  private top = NONE;
  /** Account id -> its leaf's node number. */
  private readonly leaves = new Map<string, number>();

  private constructor(
    readonly assets: readonly string[],
    expected: number,
  ) {
    this.faceBytes = 32 + laneCount(assets.length) * LANE_BYTES;
    this.emptyFace = new Uint8Array(this.faceBytes);
    this.input = Buffer.alloc(1 + 2 * this.faceBytes);
    this.input[0] = INNER_TAG;
    this.grow(Math.max(16, Math.ceil(NODES_PER_ACCOUNT * expected)));
  }

  /** Builds the tree over every account of the source from scratch: O(n log n) to sort, one hash per node. */
  static build(source: AccountSource): StateTree {
    const ids = [...source.ids()];
    const build = new StateTreeBuild(source.assets, ids.length);
    for (const id of ids) {
      const state = source.state(id);
      if (state !== undefined) build.add(state);
    }
    while (!build.step(Number.MAX_SAFE_INTEGER));
    return build.tree;
  }

  /** A build's start: an empty tree with room for `expected` accounts (StateTreeBuild). */
  static empty(assets: readonly string[], expected: number): StateTree {
    return new StateTree(assets, expected);
  }

  /** StateTreeBuild: the account's leaf, made and listed (not yet placed in the tree). */
  addLeaf(state: AccountSnapshot): number {
    const leaf = this.makeLeaf(state);
    this.leaves.set(state.id, leaf);
    return leaf;
  }

  /** StateTreeBuild: the top of the subtree over `leaves` (sorted by key, sharing their first `depth` key bits). */
  buildSorted(leaves: readonly number[], depth: number): number {
    return this.buildRange(leaves, 0, leaves.length, depth);
  }

  /** StateTreeBuild: an inner node over two subtrees, hashed. */
  joinBuilt(left: number, right: number): number {
    const node = this.inner(left, right);
    this.rehashNode(node);
    return node;
  }

  /** StateTreeBuild: the finished tree's top. */
  setTop(top: number): void {
    this.top = top;
  }

  /** Key bits 0..bits-1 of a leaf as a number (bits <= 24): its bucket in StateTreeBuild. */
  keyPrefix(leaf: number, bits: number): number {
    if (bits === 0) return 0;
    const k = leaf * 32;
    const b = this.keys;
    return (((b[k] as number) << 16) | ((b[k + 1] as number) << 8) | (b[k + 2] as number)) >>> (24 - bits);
  }

  /** Orders leaves by key: by its first 48 bits as a number, then byte by byte (ties are rare). */
  sortByKey(leaves: number[], heads: Float64Array): void {
    const b = this.keys;
    for (const n of leaves) {
      const k = n * 32;
      heads[n] = (b[k] as number) * 2 ** 40 + (b[k + 1] as number) * 2 ** 32 + (((b[k + 2] as number) << 24) >>> 0) + ((b[k + 3] as number) << 16) + ((b[k + 4] as number) << 8) + (b[k + 5] as number);
    }
    leaves.sort((x, y) => (heads[x] as number) - (heads[y] as number) || this.compareKeys(x, y));
  }

  /** The node numbers handed out so far (an upper bound of every node's number). */
  get nodesUsed(): number {
    return this.used;
  }

  /** The accounts in the tree. */
  get size(): number {
    return this.leaves.size;
  }

  /**
   * Rehashes the given accounts (engine.takeTouched()): each one's leaf is replaced, inserted or (gone from the
   * source) removed, then the stale inner nodes are rehashed once, bottom-up: O(log n) hashes per account, the upper
   * levels shared by the batch. A change of the asset table (an asset listed) changes every leaf's layout: the caller
   * rebuilds (StateRootTracker does).
   */
  update(source: AccountSource, ids: Iterable<string>): void {
    assert(sameTable(source.assets, this.assets), 'the asset table is unchanged (otherwise rebuild)');
    for (const id of ids) {
      const state = source.state(id);
      const old = this.leaves.get(id);
      if (state === undefined) {
        if (old === undefined) continue;
        this.leaves.delete(id);
        this.top = this.remove(this.top, old, 0);
        this.release(old);
      } else {
        const leaf = this.makeLeaf(state);
        this.leaves.set(id, leaf);
        this.top = this.put(this.top, leaf, 0);
        if (old !== undefined) this.release(old);
      }
    }
    this.rehash(this.top);
  }

  /** The root as hex: the top node bound to the asset table (rootHash). */
  root(): string {
    const face = this.face(this.top);
    return rootHash(this.assets, face.subarray(0, 32), face.subarray(32)).toString('hex');
  }

  /** The root's totals (lanes as in the header). */
  totals(): bigint[] {
    return decodeTotals(this.face(this.top).subarray(32), this.assets.length);
  }

  /** The siblings on the path from the root down to the account's leaf; undefined when it is not in the tree. */
  path(id: string): ProofStep[] | undefined {
    const leaf = this.leaves.get(id);
    if (leaf === undefined) return undefined;
    const steps: ProofStep[] = [];
    let node = this.top;
    for (let depth = 0; node !== NONE && this.kind[node] === KIND_INNER; depth++) {
      const bit = this.bit(leaf, depth);
      const face = this.face(bit === 0 ? (this.right[node] as number) : (this.left[node] as number));
      steps.push({ hash: Buffer.from(face.subarray(0, 32)).toString('hex'), totals: decodeTotals(face.subarray(32), this.assets.length) });
      node = bit === 0 ? (this.left[node] as number) : (this.right[node] as number);
    }
    assert(node === leaf, 'the path by the key bits ends at the account leaf');
    return steps;
  }

  // ---- The arena ----

  private grow(capacity: number): void {
    const widen = <T extends Uint8Array | Int32Array>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(capacity * width);
      next.set(old);
      return next;
    };
    this.kind = widen(this.kind, (n) => new Uint8Array(n), 1);
    this.dirty = widen(this.dirty, (n) => new Uint8Array(n), 1);
    this.left = widen(this.left, (n) => new Int32Array(n), 1);
    this.right = widen(this.right, (n) => new Int32Array(n), 1);
    this.faces = widen(this.faces, (n) => new Uint8Array(n), this.faceBytes);
    this.facesView = Buffer.from(this.faces.buffer, this.faces.byteOffset, this.faces.byteLength);
    this.keys = widen(this.keys, (n) => new Uint8Array(n), 32);
    this.capacity = capacity;
  }

  private allocate(kind: number): number {
    let n = this.free.pop();
    if (n === undefined) {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      n = this.used++;
    }
    this.kind[n] = kind;
    this.dirty[n] = 1;
    this.left[n] = NONE;
    this.right[n] = NONE;
    return n;
  }

  private release(n: number): void {
    this.kind[n] = KIND_FREE;
    this.free.push(n);
  }

  private face(n: number): Uint8Array {
    return n === NONE ? this.emptyFace : this.faces.subarray(n * this.faceBytes, (n + 1) * this.faceBytes);
  }

  private bit(leaf: number, depth: number): 0 | 1 {
    return (((this.keys[leaf * 32 + (depth >> 3)] as number) >> (7 - (depth & 7))) & 1) as 0 | 1;
  }

  private compareKeys(x: number, y: number): number {
    for (let i = 0; i < 32; i++) {
      const d = (this.keys[x * 32 + i] as number) - (this.keys[y * 32 + i] as number);
      if (d !== 0) return d;
    }
    return 0;
  }

  private makeLeaf(state: AccountSnapshot): number {
    const { tagged, totals } = encodeTaggedLeaf(this.assets, state);
    const n = this.allocate(KIND_LEAF);
    this.dirty[n] = 0;
    const at = n * this.faceBytes;
    this.faces.set(sha256(tagged), at);
    writeTotals(this.facesView, at + 32, totals, this.assets.length);
    // The key is in the leaf encoding (bytes 1..33 after the tag): copied, not hashed twice.
    this.keys.set(tagged.subarray(2, 34), n * 32);
    return n;
  }

  private buildRange(leaves: readonly number[], lo: number, hi: number, depth: number): number {
    if (hi === lo) return NONE;
    if (hi - lo === 1) return leaves[lo] as number;
    assert(depth < KEY_BITS, 'two accounts with the same key (a SHA-256 collision)');
    // The leaves are sorted by key, and share the key's first `depth` bits: the 1s follow the 0s.
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.bit(leaves[mid] as number, depth) === 0) a = mid + 1;
      else b = mid;
    }
    const l = this.buildRange(leaves, lo, a, depth + 1);
    const r = this.buildRange(leaves, a, hi, depth + 1);
    const node = this.inner(l, r);
    this.rehashNode(node);
    return node;
  }

  private inner(left: number, right: number): number {
    const n = this.allocate(KIND_INNER);
    this.left[n] = left;
    this.right[n] = right;
    return n;
  }

  private sameKey(x: number, y: number): boolean {
    return this.compareKeys(x, y) === 0;
  }

  /** Places `leaf` under `node` (at `depth`); returns the subtree's new top. */
  private put(node: number, leaf: number, depth: number): number {
    if (node === NONE) return leaf;
    if (this.kind[node] === KIND_LEAF) return this.sameKey(node, leaf) ? leaf : this.join(node, leaf, depth);
    // The child first, then the link: put may grow the arena, which replaces this.left and this.right, and
    // `this.left[node] = this.put(...)` would store the link into the array that was replaced.
    if (this.bit(leaf, depth) === 0) {
      const child = this.put(this.left[node] as number, leaf, depth + 1);
      this.left[node] = child;
    } else {
      const child = this.put(this.right[node] as number, leaf, depth + 1);
      this.right[node] = child;
    }
    this.dirty[node] = 1;
    return node;
  }

  /** Two leaves under one subtree at `depth`: inner nodes down to the first bit where their keys differ. */
  private join(a: number, b: number, depth: number): number {
    assert(depth < KEY_BITS, 'two accounts with the same key (a SHA-256 collision)');
    const bitA = this.bit(a, depth);
    const bitB = this.bit(b, depth);
    if (bitA !== bitB) return bitA === 0 ? this.inner(a, b) : this.inner(b, a);
    const below = this.join(a, b, depth + 1);
    return bitA === 0 ? this.inner(below, NONE) : this.inner(NONE, below);
  }

  /** Removes `leaf` from under `node`; a subtree left with one leaf collapses to it (the compact form). */
  private remove(node: number, leaf: number, depth: number): number {
    if (node === NONE) return NONE;
    if (this.kind[node] === KIND_LEAF) return node === leaf ? NONE : node;
    if (this.bit(leaf, depth) === 0) {
      const child = this.remove(this.left[node] as number, leaf, depth + 1);
      this.left[node] = child;
    } else {
      const child = this.remove(this.right[node] as number, leaf, depth + 1);
      this.right[node] = child;
    }
    this.dirty[node] = 1;
    const l = this.left[node] as number;
    const r = this.right[node] as number;
    const lone = l === NONE ? r : r === NONE ? l : undefined;
    if (lone !== undefined && (lone === NONE || this.kind[lone] === KIND_LEAF)) {
      this.release(node);
      return lone;
    }
    return node;
  }

  /** Rehashes the stale inner nodes under `node`, children first. */
  private rehash(node: number): void {
    if (node === NONE || this.kind[node] !== KIND_INNER || this.dirty[node] === 0) return;
    this.rehash(this.left[node] as number);
    this.rehash(this.right[node] as number);
    this.rehashNode(node);
  }

  /** face = H(0x01 | faceL | faceR) | totalsL + totalsR, the sums added lane by lane on the bytes (addLanes). */
  private rehashNode(node: number): void {
    const l = this.face(this.left[node] as number);
    const r = this.face(this.right[node] as number);
    this.input.set(l, 1);
    this.input.set(r, 1 + this.faceBytes);
    const at = node * this.faceBytes;
    this.faces.set(sha256(this.input), at);
    addLanes(this.faces, at + 32, l, r, 32, this.assets.length);
    this.dirty[node] = 0;
  }
}

/** Leaves a bucket of StateTreeBuild aims at: the bucket's sort and subtree are one step of ~1-4 ms at 1M accounts. */
const BUCKET_LEAVES = 1024;
const BUCKET_BITS_MAX = 16;

/**
 * StateTree.build a slice at a time, so a service builds the tree of 1M accounts (~15 s at once) between batches
 * (durable.ts SnapshotJob): add() each account's leaf, then step() until it says done, then `tree`. The same tree
 * as StateTree.build (it is how build works): the leaves are bucketed by their key's first b bits (2^b buckets of
 * ~BUCKET_LEAVES), each bucket is sorted and its subtree built in one step (a subtree below depth b is what the whole
 * sort would give it), then the 2^b subtrees are joined by the same rule as buildRange: no account, no node; one
 * account, its leaf; two or more, an inner node over the two halves.
 */
export class StateTreeBuild {
  readonly tree: StateTree;
  private readonly added: number[] = [];
  private bits = 0;
  /** Per bucket: its leaves' start in `order` (buckets + 1 entries), then, once built, its subtree's top. */
  private starts: Int32Array | null = null;
  private order: Int32Array | null = null;
  private tops: Int32Array | null = null;
  private heads: Float64Array | null = null;
  private nextBucket = 0;
  private finished = false;

  constructor(assets: readonly string[], expected: number) {
    this.tree = StateTree.empty(assets, expected);
  }

  /** One account's leaf (hashed now); every account is added before the first step(). */
  add(state: AccountSnapshot): void {
    assert(this.starts === null, 'accounts are added before the build steps');
    this.added.push(this.tree.addLeaf(state));
  }

  /** Builds up to `buckets` more buckets' subtrees (the last step also joins them); true once the tree is built. */
  step(buckets: number): boolean {
    if (this.finished) return true;
    const tree = this.tree;
    if (this.starts === null) this.bucket();
    const starts = this.starts as Int32Array;
    const order = this.order as Int32Array;
    const tops = this.tops as Int32Array;
    const heads = this.heads as Float64Array;
    const count = tops.length;
    const end = Math.min(count, this.nextBucket + Math.max(1, buckets));
    for (let b = this.nextBucket; b < end; b++) {
      const leaves = Array.from(order.subarray(starts[b] as number, starts[b + 1] as number));
      tree.sortByKey(leaves, heads);
      tops[b] = tree.buildSorted(leaves, this.bits);
    }
    this.nextBucket = end;
    if (end < count) return false;
    tree.setTop(this.join(0, count, 0));
    this.finished = true;
    this.starts = this.order = this.tops = null;
    this.heads = null;
    return true;
  }

  /** Buckets built so far, of `buckets`. */
  get bucketsDone(): number {
    return this.nextBucket;
  }

  get buckets(): number {
    return this.tops?.length ?? 1 << bucketBits(this.added.length);
  }

  /** Places the leaves by their key's first bits (a counting sort). */
  private bucket(): void {
    const tree = this.tree;
    const bits = bucketBits(this.added.length);
    const count = 1 << bits;
    const starts = new Int32Array(count + 1);
    for (const leaf of this.added) (starts[tree.keyPrefix(leaf, bits) + 1] as number)++;
    for (let b = 0; b < count; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
    const fill = starts.slice(0, count);
    const order = new Int32Array(this.added.length);
    for (const leaf of this.added) {
      const b = tree.keyPrefix(leaf, bits);
      order[fill[b] as number] = leaf;
      fill[b] = (fill[b] as number) + 1;
    }
    this.bits = bits;
    this.starts = starts;
    this.order = order;
    this.tops = new Int32Array(count).fill(NONE);
    this.heads = new Float64Array(tree.nodesUsed);
    this.added.length = 0;
  }

  /** The subtree over buckets lo..hi-1 at `depth` (buildRange's rule, on whole buckets until depth reaches bits). */
  private join(lo: number, hi: number, depth: number): number {
    if (depth === this.bits) return (this.tops as Int32Array)[lo] as number;
    const starts = this.starts as Int32Array;
    const accounts = (starts[hi] as number) - (starts[lo] as number);
    if (accounts === 0) return NONE;
    if (accounts === 1) {
      for (let b = lo; b < hi; b++) if ((starts[b + 1] as number) > (starts[b] as number)) return (this.tops as Int32Array)[b] as number;
    }
    const mid = (lo + hi) >>> 1;
    const l = this.join(lo, mid, depth + 1);
    const r = this.join(mid, hi, depth + 1);
    return this.tree.joinBuilt(l, r);
  }
}

/** Key bits to bucket n leaves by: ~BUCKET_LEAVES a bucket. */
function bucketBits(n: number): number {
  let bits = 0;
  while (bits < BUCKET_BITS_MAX && n >> bits > BUCKET_LEAVES) bits++;
  return bits;
}

/**
 * out[outAt..] = a[at..] + b[at..], lane by lane (16-byte big-endian two's complement), with the carry; refuses a sum
 * that overflows its lane (unsigned lanes past 2^128 - 1, signed ones past the 128-bit range).
 */
function addLanes(out: Uint8Array, outAt: number, a: Uint8Array, b: Uint8Array, at: number, assets: number): void {
  const lanes = laneCount(assets);
  for (let i = 0; i < lanes; i++) {
    const start = at + i * LANE_BYTES;
    const dest = outAt + i * LANE_BYTES;
    let carry = 0;
    for (let k = LANE_BYTES - 1; k >= 0; k--) {
      const sum = (a[start + k] as number) + (b[start + k] as number) + carry;
      out[dest + k] = sum & 0xff;
      carry = sum >> 8;
    }
    if (isUnsignedLane(i, assets)) {
      assert(carry === 0, 'an unsigned total overflows 128 bits');
    } else {
      const signA = (a[start] as number) & 0x80;
      const signB = (b[start] as number) & 0x80;
      assert(signA !== signB || ((out[dest] as number) & 0x80) === signA, 'a signed total overflows 128 bits');
    }
  }
}

/** Whether two asset tables are the same, in order (a tree laid out by one cannot take leaves laid out by the other). */
export function sameTable(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Keeps a tree in step with an engine: after each command (or batch), follow() rehashes what takeTouched() drains,
 * and rebuilds when the asset table changed. Returns the root.
 */
export class StateRootTracker {
  private tree: StateTree;

  /**
   * Builds the tree of the engine's accounts now. `pending`: the engine has applied commands whose touched accounts
   * the first follow() should still drain (the tree is built from the state as it is, so rehashing them is harmless);
   * otherwise they are drained here.
   */
  constructor(
    private readonly engine: Engine,
    pending = false,
  ) {
    if (!pending) engine.takeTouched();
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

