// Snapshots shared through a journal's JetStream stream (docs/journal.md "Snapshots through the stream"): a writer
// puts each snapshot it stores locally into a JetStream object store beside the stream, and a process starting on a
// local journal without it (a standby on a new machine, a writer whose disk was lost) copies the stream's records as
// before and then takes the newest snapshot the records reach, checked against its content hash, so that its recovery
// replays from there instead of from the genesis. The records stay the history: a snapshot is a shortcut to a state
// they give, and the local journal holds every record either way (the verifier replays them all from the genesis).

import type { ObjectInfo, ObjectStore } from 'nats';
import { createHash } from 'node:crypto';
import { JournalError } from './errors.js';
import { OBJECT_READ_MS, objectPutTimeoutMs, unavailable, within, type JetStreamLog } from './jetstream.js';
import type { JournalStore } from './store.js';
import type { SnapshotInfo } from './types.js';

/** Snapshots kept in the object store: the newest ones; older ones are removed once a newer one is stored. */
export const SNAPSHOTS_KEPT_IN_STREAM = 2;

/** The object store of a stream's snapshots. */
export function snapshotBucketOf(stream: string): string {
  return `${stream}-snapshots`;
}

/** A snapshot as the object store holds it: its journal metadata and the sizes of the parts it was stored in. */
export interface StreamSnapshot {
  readonly info: SnapshotInfo;
  /** Each part's length in bytes, in order (the local store keeps the parts the restore reads where they lie). */
  readonly partBytes: readonly number[];
  readonly bytes: number;
}

/**
 * The objects of a snapshot: each part its own object (a few MiB: its chunks in flight at once stay few, where one
 * object of ~240 MB put every chunk in flight at once and timed out), then the manifest, stored last, which makes it a
 * snapshot: a put that stopped half way leaves parts that no manifest names.
 */
const MANIFEST = /^snapshot-(\d+)$/;
const manifestName = (seq: number): string => `snapshot-${seq}`;
const PART = /^snapshot-(\d+)\.part-\d+$/;
/** The seq of a manifest's or a part's name, or null for an object that is neither. */
function seqOfObject(name: string): number | null {
  const m = MANIFEST.exec(name) ?? PART.exec(name);
  return m === null ? null : Number(m[1]);
}
const partName = (seq: number, k: number): string => `snapshot-${seq}.part-${k}`;

/** What a manifest's description holds (JSON). */
interface Described {
  readonly seq: number;
  readonly contentHash: string;
  readonly stateRoot: string;
  readonly partBytes: readonly number[];
}

/**
 * The snapshot a manifest names, or null when it is not one of ours, its description is not whole, or a part it names
 * is not stored with its size (`sizes`: the stored objects' sizes by name).
 */
function snapshotOf(o: ObjectInfo, sizes: ReadonlyMap<string, number>): StreamSnapshot | null {
  if (o.deleted || !MANIFEST.test(o.name) || o.description === undefined) return null;
  let d: Partial<Described>;
  try {
    d = JSON.parse(o.description) as Partial<Described>;
  } catch {
    return null;
  }
  const parts = d.partBytes;
  if (
    !Number.isSafeInteger(d.seq) ||
    manifestName(d.seq as number) !== o.name ||
    typeof d.contentHash !== 'string' ||
    typeof d.stateRoot !== 'string' ||
    !Array.isArray(parts) ||
    !parts.every((n, k) => Number.isSafeInteger(n) && n >= 0 && sizes.get(partName(d.seq as number, k)) === n)
  ) {
    return null;
  }
  return { info: { seq: d.seq as number, contentHash: d.contentHash, stateRoot: d.stateRoot }, partBytes: parts, bytes: parts.reduce((a, b) => a + b, 0) };
}

/** The object store's chunk size (the nats client's default), the unit a put hands over between yields. */
const CHUNK_BYTES = 128 * 1024;

/**
 * `bytes` as a stream of the object store's chunks that gives the event loop a turn before each one. The nats client
 * hashes an object's chunks in JavaScript (SHA-256) as it publishes them, and given a part whole (putBlob) it does all
 * of a ~4 MiB part in one go: the writer's thread was held 60-120 ms a part at 1M accounts (scripts/snapshot-put-stall.mjs).
 */
function yieldingChunks(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + CHUNK_BYTES));
      at += CHUNK_BYTES;
    },
  });
}

/**
 * A stream's snapshots in its object store. Each read of it (its list, one part of a snapshot) is bounded by
 * OBJECT_READ_MS: the client reads an object through a consumer, whose messages can stop coming (a stream between two
 * leaders) without an error; a whole snapshot gets as long as its parts keep coming.
 */
export class StreamSnapshots {
  private constructor(
    private readonly os: ObjectStore,
    readonly bucket: string,
    private readonly timeoutMs: number,
  ) {}

  /** The object store beside `log`'s stream (created with `replicas` copies when it does not exist). */
  static async open(log: JetStreamLog, replicas: number): Promise<StreamSnapshots> {
    const bucket = snapshotBucketOf(log.stream);
    return new StreamSnapshots(await log.objectStore(bucket, replicas), bucket, log.timeoutMs);
  }

  /** The object store beside `log`'s stream if it exists (null: none; nothing is created). */
  static async find(log: JetStreamLog): Promise<StreamSnapshots | null> {
    return (await log.hasObjectStore(snapshotBucketOf(log.stream))) ? StreamSnapshots.open(log, 1) : null;
  }

  /** The snapshots stored whole (a manifest and every part it names), by ascending seq; other objects passed over. */
  async list(): Promise<StreamSnapshot[]> {
    let objects: ObjectInfo[];
    try {
      objects = (await within(this.os.list(), OBJECT_READ_MS, () => new Error(`no answer in ${OBJECT_READ_MS / 1000} s`))).filter((o) => !o.deleted);
    } catch (e) {
      throw unavailable(`object store ${this.bucket}`, e);
    }
    const sizes = new Map(objects.map((o) => [o.name, o.size]));
    return objects
      .map((o) => snapshotOf(o, sizes))
      .filter((s): s is StreamSnapshot => s !== null)
      .sort((a, b) => a.info.seq - b.info.seq);
  }

  /**
   * Puts the local snapshot `info` into the object store a part at a time (`source`: their sizes, and part k's bytes,
   * read as each is put), then its manifest; returns its size in bytes, or null when a snapshot of that seq was stored
   * already (left as it is: a seq has one state). The parts' hash is checked against `info` before the manifest: a
   * snapshot whose bytes changed on the local disk is refused (snapshot_corrupt) and its parts removed.
   */
  async put(info: SnapshotInfo, source: { readonly partBytes: readonly number[]; part(k: number): Uint8Array | null | Promise<Uint8Array | null> }): Promise<number | null> {
    const seq = info.seq;
    const where = `object store ${this.bucket}: putting snapshot ${seq}`;
    try {
      const stored = await this.os.info(manifestName(seq));
      if (stored !== null && !stored.deleted) return null;
    } catch (e) {
      throw unavailable(where, e);
    }
    const partBytes = [...source.partBytes];
    const hash = createHash('sha256');
    try {
      for (let k = 0; k < partBytes.length; k++) {
        const bytes = await source.part(k);
        if (bytes === null || bytes.length !== partBytes[k]) throw new JournalError('snapshot_corrupt', `snapshot ${seq}: part ${k} is not stored as its size says`, { seq });
        hash.update(bytes);
        await this.os.put({ name: partName(seq, k) }, yieldingChunks(bytes), { timeout: objectPutTimeoutMs(this.timeoutMs, bytes.length) });
      }
      if (hash.digest('hex') !== info.contentHash) throw new JournalError('snapshot_corrupt', `snapshot ${seq}: its stored parts do not give its content hash ${info.contentHash}`, { seq });
      const described: Described = { seq, contentHash: info.contentHash, stateRoot: info.stateRoot, partBytes };
      await this.os.putBlob({ name: manifestName(seq), description: JSON.stringify(described) }, new Uint8Array(0));
    } catch (e) {
      if (!(e instanceof JournalError)) throw unavailable(where, e);
      await this.removeParts(seq, partBytes.length).catch(() => undefined);
      throw e;
    }
    return partBytes.reduce((a, b) => a + b, 0);
  }

  /**
   * Copies a snapshot of the object store into the local journal's store, part by part as it is read (parts 1.. stored
   * ahead with putSnapshotPart, so at most one part is held: ~4 MiB where a whole 1M snapshot is ~240 MB), all of them
   * checked together against the content hash before the first part and the metadata seal it (snapshot_corrupt when
   * they do not give it: no snapshot is stored; the parts stored ahead are never read, and a later copy of the same
   * seq replaces them). A read that stalls for OBJECT_READ_MS is replica_unavailable.
   *
   * `keepGoing` is asked before each write to the store: once it says no (a standby promoted or stopping, whose store
   * is closed or now the engine's), the copy stops where it is and returns false; true once the snapshot is sealed.
   * `readPart` reads part k's bytes (default: readPart on this thread; a standby's worker thread: SnapshotShareWorker).
   */
  async copyInto(store: JournalStore, s: StreamSnapshot, keepGoing: () => boolean = () => true, readPart: (seq: number, k: number) => Promise<Uint8Array | null> = (seq, k) => this.readPart(seq, k)): Promise<boolean> {
    const seq = s.info.seq;
    const hash = createHash('sha256');
    let first: Uint8Array | null = null;
    try {
      for (let k = 0; k < s.partBytes.length; k++) {
        const bytes = await readPart(seq, k);
        if (!keepGoing()) return false;
        if (bytes === null || bytes.length !== s.partBytes[k]) {
          throw new JournalError('snapshot_corrupt', `object store ${this.bucket}: snapshot ${seq}: part ${k} is ${bytes === null ? 'not stored' : `${bytes.length} bytes, not ${s.partBytes[k]}`}; not used`, { seq });
        }
        hash.update(bytes);
        if (k === 0) first = bytes;
        else store.putSnapshotPart(seq, k, bytes);
      }
    } catch (e) {
      if (e instanceof JournalError) throw e;
      throw unavailable(`object store ${this.bucket}: reading snapshot ${seq}`, e);
    }
    const actual = hash.digest('hex');
    if (actual !== s.info.contentHash || first === null) {
      throw new JournalError('snapshot_corrupt', `object store ${this.bucket}: snapshot ${seq}: its parts give the content hash ${actual}, not the recorded ${s.info.contentHash}; not used`, { seq });
    }
    store.sealSnapshot(s.info, first, s.partBytes.length);
    return true;
  }

  /** Part k of the snapshot at `seq` as stored (null: no such object); a read that stalls OBJECT_READ_MS throws. */
  readPart(seq: number, k: number): Promise<Uint8Array | null> {
    return within(this.os.getBlob(partName(seq, k)), OBJECT_READ_MS, () => new Error(`part ${k} not read in ${OBJECT_READ_MS / 1000} s`));
  }

  /**
   * Removes all but the newest `keep` snapshots (each manifest first, then its parts), then what puts that stopped half
   * way left (a writer killed or stopped mid-put: parts, and a manifest without all its parts, that no whole snapshot
   * names) of seqs older than the newest whole snapshot: a put goes in seq order, and a writer puts snapshots newer than
   * the newest it found, so no put of such a seq is under way. Returns how many snapshots went, and the names of the
   * strays removed.
   */
  async prune(keep = SNAPSHOTS_KEPT_IN_STREAM): Promise<{ readonly snapshots: number; readonly strays: readonly string[] }> {
    const all = await this.list();
    const old = all.slice(0, Math.max(0, all.length - keep));
    const strays: string[] = [];
    try {
      for (const s of old) {
        await this.os.delete(manifestName(s.info.seq));
        await this.removeParts(s.info.seq, s.partBytes.length);
      }
      const newest = all.at(-1)?.info.seq;
      if (newest !== undefined) {
        const whole = new Set(all.slice(old.length).map((s) => s.info.seq));
        const objects = (await within(this.os.list(), OBJECT_READ_MS, () => new Error(`no answer in ${OBJECT_READ_MS / 1000} s`))).filter((o) => !o.deleted);
        for (const o of objects) {
          const seq = seqOfObject(o.name);
          if (seq === null || seq >= newest || whole.has(seq)) continue;
          await this.os.delete(o.name);
          strays.push(o.name);
        }
      }
    } catch (e) {
      throw unavailable(`object store ${this.bucket}: removing old snapshots`, e);
    }
    return { snapshots: old.length, strays };
  }

  private async removeParts(seq: number, count: number): Promise<void> {
    for (let k = 0; k < count; k++) {
      const name = partName(seq, k);
      const there = await this.os.info(name);
      if (there !== null && !there.deleted) await this.os.delete(name);
    }
  }
}
