// A snapshot written a slice at a time, between the batches a service applies (durable.ts), instead of in one stop.
//
// Why: at 1M accounts a snapshot took ~8-9 s on the thread that applies commands (Engine.snapshot 1.4 s, the canonical
// bytes 3.9 s, SQLite 2-3 s), and the first one ~22-25 s (the Merkle tree's first build, ~15 s): every command waited,
// liquidations included (docs/performance.md, 2026-12-04). Here the state is captured at once (Engine.snapshot, a copy
// that later commands do not change) and everything after works on that copy in units of a few milliseconds: the
// state root, then the bytes (each part hashed and stored as it fills), then the seal that makes it a snapshot. The
// bytes, the content hash and the root are those of a snapshot written at once of the same seq (the same encoder and
// tree, run in steps): only when they are written differs.
//
// A job that stops half way (the process killed) leaves parts that no snapshot row names: never read, replaced if
// the same seq is written again (sqlite.ts sealSnapshot). Recovery starts from the newest sealed snapshot, as ever.

import { createHash, type Hash } from 'node:crypto';
import type { AccountSnapshot, Snapshot } from '../core/engine/snapshot.js';
import type { Journal } from './journal.js';
import { SnapshotEncoding } from './snapshot-stream.js';
import { StateTreeBuild, type AccountSource, type StateTree } from './state-root.js';
import type { SnapshotInfo } from './types.js';

/** Accounts a unit encodes (~4 µs each at 1M; a part filled is then hashed and stored) or hashes into the tree's leaves (~8 µs each). */
const ENCODE_UNIT = 1024;
const LEAF_UNIT = 256;
/** Touched accounts a unit rehashes into the kept tree (~20 hashes each, the upper levels shared within the unit). */
const UPDATE_UNIT = 512;

/** The state root's share of a job: one unit of work per step() until it is known. */
export interface StateRootWork {
  /** One unit; true once root() can answer. */
  step(): boolean;
  /** The root, given the snapshot's content hash (which some roots are). */
  root(contentHash: string): string;
}

/** A root known now (a function of the engine taken at the capture), or the content hash itself when null. */
export function rootKnown(root: string | null): StateRootWork {
  return { step: () => true, root: (contentHash) => root ?? contentHash };
}

/** The Merkle sum tree built over the snapshot's accounts a slice at a time (StateTreeBuild); `built` receives it. */
export function rootBuilt(assets: readonly string[], accounts: readonly AccountSnapshot[], built: (tree: StateTree) => void): StateRootWork {
  const build = new StateTreeBuild(assets, accounts.length);
  let added = 0;
  let tree: StateTree | null = null;
  return {
    step: () => {
      if (tree !== null) return true;
      if (added < accounts.length) {
        const end = Math.min(accounts.length, added + LEAF_UNIT);
        for (let i = added; i < end; i++) build.add(accounts[i] as AccountSnapshot);
        added = end;
        return false;
      }
      if (!build.step(1)) return false;
      tree = build.tree;
      built(tree);
      return true;
    },
    root: () => (tree as StateTree).root(),
  };
}

/**
 * The tree kept from the last snapshot, its touched accounts rehashed (StateTree.update), UPDATE_UNIT accounts a unit:
 * after a busy stretch they number 100k+ (~20 hashes each), ~2 s in one unit (measured 2026-12-04 at 1M accounts).
 */
export function rootUpdated(tree: StateTree, source: AccountSource, touched: readonly string[]): StateRootWork {
  let next = 0;
  return {
    step: () => {
      if (next < touched.length) {
        tree.update(source, touched.slice(next, next + UPDATE_UNIT));
        next += UPDATE_UNIT;
      }
      return next >= touched.length;
    },
    root: () => tree.root(),
  };
}

export type SnapshotJobPhase = 'root' | 'write' | 'seal' | 'done';

export class SnapshotJob {
  private phaseNow: SnapshotJobPhase = 'root';
  private readonly encoding: SnapshotEncoding;
  private readonly hash: Hash = createHash('sha256');
  /** Part 0, kept for the seal (the others are stored as they fill). */
  private first: Buffer | null = null;
  private contentHash = '';
  private result: SnapshotInfo | null = null;
  /** Milliseconds spent in work() so far, and in how many calls. */
  workMs = 0;
  slices = 0;

  constructor(
    private readonly journal: Journal,
    readonly snapshot: Snapshot,
    private readonly rootWork: StateRootWork,
    partBytes?: number,
  ) {
    // Each part is hashed and stored as it fills, from one buffer written over (SnapshotEncoding's sink): the
    // snapshot's bytes are never all in memory.
    this.encoding = new SnapshotEncoding(snapshot, partBytes, (part, index) => {
      this.hash.update(part);
      if (index === 0) this.first = Buffer.from(part);
      else journal.putSnapshotPart(this.seq, index, part);
    });
  }

  get seq(): number {
    return this.snapshot.seq;
  }

  get phase(): SnapshotJobPhase {
    return this.phaseNow;
  }

  /** The stored snapshot's metadata, once done. */
  get info(): SnapshotInfo | null {
    return this.result;
  }

  /**
   * Works in units until `until` (performance.now() ms) has passed, the job is done, or it waits for its records'
   * commit (Infinity: to the end). Returns whether the job is done. Throws what the journal throws (the job is then
   * dead: drop it; parts it stored are no snapshot).
   */
  work(until: number): boolean {
    const started = performance.now();
    this.slices++;
    try {
      do {
        if (!this.unit()) break;
      } while (this.phaseNow !== 'done' && performance.now() < until);
    } finally {
      this.workMs += performance.now() - started;
    }
    return this.phaseNow === 'done';
  }

  /** One unit of the current phase; false when the job cannot go on now (waiting for the commit, or done). */
  private unit(): boolean {
    switch (this.phaseNow) {
      case 'root':
        if (this.rootWork.step()) this.phaseNow = 'write';
        return true;
      case 'write':
        if (this.encoding.step(ENCODE_UNIT)) {
          this.contentHash = this.hash.digest('hex');
          this.phaseNow = 'seal';
        }
        return true;
      case 'seal': {
        if (this.journal.durableHead() < this.seq) return false;
        const info: SnapshotInfo = { seq: this.seq, contentHash: this.contentHash, stateRoot: this.rootWork.root(this.contentHash) };
        this.journal.sealSnapshot(info, this.first as Buffer, this.encoding.partCount);
        this.first = null;
        this.result = info;
        this.phaseNow = 'done';
        return false;
      }
      case 'done':
        return false;
    }
  }
}
