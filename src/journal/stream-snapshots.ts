// Snapshots shared through a journal's JetStream stream (docs/journal.md "Snapshots through the stream"): a writer
// puts each snapshot it stores locally into a JetStream object store beside the stream, and a process starting on a
// local journal without it (a standby on a new machine, a writer whose disk was lost) copies the stream's records as
// before and then takes the newest snapshot the records reach, checked against its content hash, so that its recovery
// replays from there instead of from the genesis. The records stay the history: a snapshot is a shortcut to a state
// they give, and the local journal holds every record either way (the verifier replays them all from the genesis).

import type { ObjectInfo, ObjectStore } from 'nats';
import { createHash } from 'node:crypto';
import { JournalError } from './errors.js';
import { unavailable, type JetStreamLog } from './jetstream.js';
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

const NAME = /^snapshot-(\d+)$/;

/** What an object's description holds (JSON). */
interface Described {
  readonly seq: number;
  readonly contentHash: string;
  readonly stateRoot: string;
  readonly partBytes: readonly number[];
}

/** The snapshot an object holds, or null when it is not one of ours (or its description is not whole). */
function snapshotOf(o: ObjectInfo): StreamSnapshot | null {
  if (o.deleted || !NAME.test(o.name) || o.description === undefined) return null;
  let d: Partial<Described>;
  try {
    d = JSON.parse(o.description) as Partial<Described>;
  } catch {
    return null;
  }
  const parts = d.partBytes;
  if (
    !Number.isSafeInteger(d.seq) ||
    `snapshot-${d.seq}` !== o.name ||
    typeof d.contentHash !== 'string' ||
    typeof d.stateRoot !== 'string' ||
    !Array.isArray(parts) ||
    !parts.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    parts.reduce((a, b) => a + b, 0) !== o.size
  ) {
    return null;
  }
  return { info: { seq: d.seq as number, contentHash: d.contentHash, stateRoot: d.stateRoot }, partBytes: parts, bytes: o.size };
}

/** A stream's snapshots in its object store. */
export class StreamSnapshots {
  private constructor(
    private readonly os: ObjectStore,
    readonly bucket: string,
  ) {}

  /** The object store beside `log`'s stream (created with `replicas` copies when it does not exist). */
  static async open(log: JetStreamLog, replicas: number): Promise<StreamSnapshots> {
    const bucket = snapshotBucketOf(log.stream);
    return new StreamSnapshots(await log.objectStore(bucket, replicas), bucket);
  }

  /** The object store beside `log`'s stream if it exists (null: none; nothing is created). */
  static async find(log: JetStreamLog): Promise<StreamSnapshots | null> {
    return (await log.hasObjectStore(snapshotBucketOf(log.stream))) ? StreamSnapshots.open(log, 1) : null;
  }

  /** The snapshots stored, by ascending seq (objects that are not whole snapshots of ours are passed over). */
  async list(): Promise<StreamSnapshot[]> {
    let objects: ObjectInfo[];
    try {
      objects = await this.os.list();
    } catch (e) {
      throw unavailable(`object store ${this.bucket}`, e);
    }
    return objects
      .map(snapshotOf)
      .filter((s): s is StreamSnapshot => s !== null)
      .sort((a, b) => a.info.seq - b.info.seq);
  }

  /**
   * Puts the local snapshot `info` into the object store, its parts read one at a time as the upload asks for them
   * (`source`: their sizes, and part k's bytes); returns its size in bytes, or null when a snapshot of that seq was
   * stored already (left as it is: a seq has one state). The parts' hash is checked against `info` as they go: a snapshot whose bytes
   * changed on the local disk is refused (snapshot_corrupt) and removed from the object store.
   */
  async put(info: SnapshotInfo, source: { readonly partBytes: readonly number[]; part(k: number): Uint8Array | null }): Promise<number | null> {
    const name = `snapshot-${info.seq}`;
    try {
      const stored = await this.os.info(name);
      if (stored !== null && !stored.deleted) return null;
    } catch (e) {
      throw unavailable(`object store ${this.bucket}: putting snapshot ${info.seq}`, e);
    }
    const partBytes = [...source.partBytes];
    const part = (k: number): Uint8Array | null => source.part(k);
    const described: Described = { seq: info.seq, contentHash: info.contentHash, stateRoot: info.stateRoot, partBytes };
    const hash = createHash('sha256');
    let next = 0;
    const data = new ReadableStream<Uint8Array>({
      pull(controller) {
        const p = next < partBytes.length ? part(next++) : null;
        if (p !== null) {
          hash.update(p);
          controller.enqueue(p);
        } else if (hash.digest('hex') === info.contentHash) controller.close();
        else controller.error(new JournalError('snapshot_corrupt', `snapshot ${info.seq}: its stored parts do not give its content hash ${info.contentHash}`, { seq: info.seq }));
      },
    });
    try {
      return (await this.os.put({ name, description: JSON.stringify(described) }, data)).size;
    } catch (e) {
      if (e instanceof JournalError) {
        await this.os.delete(name).catch(() => undefined);
        throw e;
      }
      throw unavailable(`object store ${this.bucket}: putting snapshot ${info.seq}`, e);
    }
  }

  /**
   * Copies a snapshot of the object store into the local journal's store: read whole, split into the parts it was
   * stored in, checked against its content hash (snapshot_corrupt when it does not match: nothing is stored), then
   * stored as the writer stored it (unless `stop.stopped` by then).
   */
  async copyInto(store: JournalStore, s: StreamSnapshot, stop?: { readonly stopped: boolean }): Promise<void> {
    const name = `snapshot-${s.info.seq}`;
    const parts = s.partBytes.map((n) => Buffer.allocUnsafe(n));
    const hash = createHash('sha256');
    let part = 0;
    let at = 0;
    let total = 0;
    try {
      const result = await this.os.get(name);
      if (result === null) throw new Error('not stored');
      for await (const chunk of result.data) {
        hash.update(chunk);
        total += chunk.length;
        let from = 0;
        while (from < chunk.length) {
          const into = parts[part];
          if (into === undefined) throw new JournalError('snapshot_corrupt', `object store ${this.bucket}: snapshot ${s.info.seq} is longer than its parts (${s.bytes} bytes)`, { seq: s.info.seq });
          const n = Math.min(into.length - at, chunk.length - from);
          into.set(chunk.subarray(from, from + n), at);
          at += n;
          from += n;
          while (parts[part] !== undefined && at === (parts[part] as Buffer).length) {
            part++;
            at = 0;
          }
        }
      }
      // The client checks the object's own digest as it ends.
      const error: unknown = await result.error;
      if (error !== null && error !== undefined) throw error;
    } catch (e) {
      if (e instanceof JournalError) throw e;
      throw unavailable(`object store ${this.bucket}: reading snapshot ${s.info.seq}`, e);
    }
    const actual = hash.digest('hex');
    if (total !== s.bytes || actual !== s.info.contentHash) {
      throw new JournalError('snapshot_corrupt', `object store ${this.bucket}: snapshot ${s.info.seq}: ${total} bytes with content hash ${actual}, not the recorded ${s.bytes} with ${s.info.contentHash}; not used`, {
        seq: s.info.seq,
      });
    }
    // A caller that gave up waiting has opened the journal meanwhile: nothing is stored behind its back.
    if (stop?.stopped === true) return;
    store.putSnapshot(s.info, parts);
  }

  /** Removes all but the newest `keep` snapshots; how many were removed. */
  async prune(keep = SNAPSHOTS_KEPT_IN_STREAM): Promise<number> {
    const all = await this.list();
    const old = all.slice(0, Math.max(0, all.length - keep));
    try {
      for (const s of old) await this.os.delete(`snapshot-${s.info.seq}`);
    } catch (e) {
      throw unavailable(`object store ${this.bucket}: removing old snapshots`, e);
    }
    return old.length;
  }
}
