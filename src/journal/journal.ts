// A journal over any JournalStore: opens it (checking every record's frame and the hash chain, cutting a torn tail,
// halting on corruption), appends batches of entries in one commit, stores and loads snapshots. Implements
// JournalReader for recovery, the verifier, the proofs and the exporters.
//
// Rules on open (docs/journal.md "Recovery"):
// - every record from 0 to the last is read and checked: length, checksum, header, seq, prevHash. A store keeps one
//   commit's records as one batch (their frames back to back, split here by each frame's length field), but every
//   rule is the record's: the last record is the last frame of the last batch;
// - a bad LAST record is a torn write: it is deleted (only it), reported with its seq, and opening goes on;
// - a bad record anywhere else, a missing seq, or a bad last record that a snapshot already covers (it had been
//   committed, so it is not a torn write) halts with JournalError record_corrupt naming the seq; nothing is written.

import { accountCountHint, type AccountSnapshot, type RestorableSnapshot, type Snapshot } from '../core/engine/snapshot.js';
import { decodeSnapshotForRestore, encodeSnapshotParts, SNAPSHOT_PART_BYTES } from './snapshot-stream.js';
import { asBuffer, checkStoredBatches, corruptRecord, type RecordCheckOutcome, type RecordCheckStart } from './check-records.js';
import { JournalError } from './errors.js';
import {
  decodeRecord,
  encodeEntryBatch,
  encodeGenesisBatch,
  frameAt,
  hex,
  parseEntryBody,
  parseGenesisBody,
  RECORD_CHECKSUM_BYTES,
  sha256Parts,
  ZERO_HASH,
} from './record.js';
import type { BatchCommitter, JournalStore } from './store.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis, type JournalReader, type JournalRecord, type SnapshotInfo } from './types.js';

export interface JournalOpenOptions {
  /** Record 0 of a new journal (required when the store is empty; ignored otherwise: the stored one rules). */
  readonly genesis?: JournalGenesis;
  /** A name for messages (the file's path). */
  readonly name?: string;
}

/** What opening found. */
export interface JournalOpenReport {
  /** The store was empty: the genesis was written now. */
  readonly created: boolean;
  /** The backend's mode as read back (JournalStore.mode). */
  readonly mode: string;
  /** The torn last record that was cut off (read-only stores report it and leave it). */
  readonly tornTail: { readonly seq: number; readonly reason: string } | null;
}

/** One record's raw body after its frame and chain were checked. */
export interface CheckedBody {
  readonly seq: number;
  readonly body: Buffer;
}

export class Journal implements JournalReader {
  readonly genesis: JournalGenesis;
  private created: boolean;
  private tornTail: { seq: number; reason: string } | null = null;
  /** Whether check() has run: records are read and appended only after every one was checked. */
  private checked = false;
  /** The last record framed and handed to a commit (append, appendAsync). */
  private headSeq = 0;
  private headHash: Buffer;
  /** The last record whose commit returned: readers and snapshots stop here (= headSeq but while commits fly). */
  private durableSeq = 0;
  /** Set when an append failed: the store's state is unknown to us, nothing more is appended. */
  private failed: unknown = null;

  private constructor(
    /** Replaced once, by takeOver(): a standby's read-only store by the writable one it is promoted to. */
    private store: JournalStore,
    readonly name: string,
    genesis: JournalGenesis,
    genesisHash: Buffer,
    created: boolean,
  ) {
    this.genesis = genesis;
    this.headHash = genesisHash;
    this.created = created;
  }

  /** Opens a journal: attach() then check(). */
  static open(store: JournalStore, o: JournalOpenOptions = {}): Journal {
    const journal = Journal.attach(store, o);
    journal.check();
    return journal;
  }

  /**
   * Reads record 0 (writing it first when the store is empty); snapshots can be listed and loaded, and check() must
   * run before records are read or appended. Recovery restores its snapshot between the two, so the one pass of
   * check() over the records also replays the tail.
   */
  static attach(store: JournalStore, o: JournalOpenOptions = {}): Journal {
    const name = o.name ?? 'journal';
    let created = false;
    if (store.lastSeq() < 0) {
      if (o.genesis === undefined || !store.writable) throw new JournalError('not_a_journal', `${name}: empty journal (no genesis record)`);
      if (o.genesis.formatVersion !== JOURNAL_FORMAT_VERSION) throw new RangeError(`genesis formatVersion ${o.genesis.formatVersion} is not ${JOURNAL_FORMAT_VERSION}`);
      store.append(encodeGenesisBatch(o.genesis));
      created = true;
    }
    for (const b of store.read(0, 0)) {
      // Record 0 is alone in the store's first batch.
      if (b.firstSeq !== 0 || b.lastSeq !== 0) throw corruptRecord(name, 0, `the first batch holds records ${b.firstSeq}..${b.lastSeq}, not the genesis alone`);
      const d = decodeRecord(b.bytes, { seq: 0, prevHash: ZERO_HASH, last: false });
      // A whole genesis of another format version: a journal this build does not read (not damage).
      if (d.status !== 'ok' && d.otherFormat !== undefined) throw otherFormat(name, d.otherFormat);
      // Record 0 is written alone in the store's first commit: a bad one is damage, never a write cut short.
      if (d.status !== 'ok') throw corruptRecord(name, 0, `${d.reason} in the genesis record`);
      let genesis: JournalGenesis;
      try {
        genesis = parseGenesisBody(d.body);
      } catch (e) {
        throw corruptRecord(name, 0, (e as Error).message);
      }
      if (genesis.formatVersion !== JOURNAL_FORMAT_VERSION) throw otherFormat(name, genesis.formatVersion);
      return new Journal(store, name, genesis, d.hash, created);
    }
    throw corruptRecord(name, 0, 'missing: no genesis record');
  }

  /** The highest seq stored, before check() decides whether the last record is torn. */
  lastStoredSeq(): number {
    return this.store.lastSeq();
  }

  /**
   * Reads every record after the genesis once, in order, checking its frame and the hash chain, and hands each good
   * one to `onRecord` (recovery replays the tail there). A bad last record is a torn tail: deleted (unless the store
   * is read-only) and reported. A bad record elsewhere, a missing seq, or a bad last record that a snapshot covers
   * (snapshots are written after their records were committed: it is damage) throws record_corrupt naming the seq,
   * before anything is written.
   */
  check(onRecord?: (seq: number, body: Buffer) => void): JournalOpenReport {
    return this.completeCheck(checkStoredBatches(this.store.read(1), this.checkStart(), onRecord));
  }

  /**
   * What check() starts from (the genesis hash, the last stored seq, the newest snapshot's seq), for a check of the
   * records run elsewhere with the same function (checkStoredBatches: recovery's worker thread) and handed back to
   * completeCheck.
   */
  checkStart(): RecordCheckStart {
    if (this.checked) throw new RangeError('check() runs once');
    return {
      name: this.name,
      genesisHash: this.headHash,
      lastSeq: this.store.lastSeq(),
      snapshotted: this.store.snapshotInfos().reduce((m, s) => Math.max(m, s.seq), -1),
    };
  }

  /**
   * Ends a check: cuts the torn last record off (unless the store is read-only) and sets the head. `outcome` is
   * checkStoredBatches' over this store's records from checkStart(); only then may records be read or appended.
   */
  completeCheck(outcome: RecordCheckOutcome): JournalOpenReport {
    if (this.checked) throw new RangeError('check() runs once');
    const torn = outcome.torn;
    if (torn !== null && this.store.writable) this.store.truncateFrom(torn.seq, torn.byteOffset);
    this.tornTail = torn === null ? null : { seq: torn.seq, reason: torn.reason };
    this.headSeq = outcome.headSeq;
    this.durableSeq = this.headSeq;
    this.headHash = outcome.headHash;
    this.checked = true;
    return this.report;
  }

  /** The file the store keeps its records in, when it is one (recovery's worker opens it too); else null. */
  storeFile(): string | null {
    return this.store.file ?? null;
  }

  /** What opening found (after check()). */
  get report(): JournalOpenReport {
    return { created: this.created, mode: this.store.mode, tornTail: this.tornTail };
  }

  /** The last record framed (appended, or handed to a commit still in flight: appendAsync). */
  head(): number {
    return this.headSeq;
  }

  /** The last record whose commit returned. */
  durableHead(): number {
    return this.durableSeq;
  }

  /** The head record's hash (hex): what the next record will chain to. */
  headHashHex(): string {
    return hex(this.headHash);
  }

  /**
   * Appends entries (seq head+1, head+2, ...) in one commit. When it returns they are durable per the store's mode;
   * acknowledge nothing before. A failure throws JournalError append_failed and the journal takes no more appends.
   */
  append(entries: readonly JournalEntry[]): void {
    this.refuseAppend(entries);
    if (entries.length === 0) return;
    if (this.durableSeq !== this.headSeq) throw new RangeError(`append while commits are in flight (records ${this.durableSeq + 1}..${this.headSeq}): await them first`);
    const batch = encodeEntryBatch(entries, this.headHash);
    try {
      this.store.append(batch);
    } catch (e) {
      this.failed = e;
      throw new JournalError('append_failed', `${this.name}: commit of records ${this.headSeq + 1}..${this.headSeq + entries.length} failed: ${(e as Error).message}`, { cause: e });
    }
    this.headSeq += entries.length;
    this.durableSeq = this.headSeq;
    this.headHash = batch.hash;
  }

  /**
   * Frames entries (seq head+1, ...) now and commits them through `committer` (a commit worker on the same store's
   * file): the caller may apply and frame the next batch while this one's fsync runs. The promise resolves when this
   * batch is durable; acknowledge nothing before. Batches land in call order. A failed commit rejects with
   * append_failed, and so do every later batch's promise and every later append.
   */
  appendAsync(entries: readonly JournalEntry[], committer: BatchCommitter): Promise<void> {
    try {
      this.refuseAppend(entries);
    } catch (e) {
      return Promise.reject(e);
    }
    if (entries.length === 0) return Promise.resolve();
    const batch = encodeEntryBatch(entries, this.headHash);
    this.headSeq += entries.length;
    this.headHash = batch.hash;
    return committer.commit(batch).then(
      () => {
        this.durableSeq = batch.lastSeq;
      },
      (e: unknown) => {
        this.failed ??= e;
        throw e instanceof JournalError ? e : new JournalError('append_failed', `${this.name}: commit of records ${batch.firstSeq}..${batch.lastSeq} failed: ${(e as Error).message}`, { cause: e });
      },
    );
  }

  private refuseAppend(entries: readonly JournalEntry[]): void {
    if (!this.checked) throw new RangeError('append before check()');
    if (this.failed !== null) throw new JournalError('append_failed', `${this.name}: an earlier commit failed; reopen the journal`, { cause: this.failed });
    const first = entries[0]?.seq;
    if (first !== undefined && first !== this.headSeq + 1) throw new RangeError(`append: entry seq ${first}, expected ${this.headSeq + 1}`);
  }

  /**
   * A follower's step (a standby's: DurableEngine.openStandby): the records another process committed after the head
   * since the last step (or check()), each checked (frame, seq, prevHash from the head) and handed to `onRecord` in
   * order; the head moves past each one as it is handed on. Returns how many. A bad record halts with record_corrupt:
   * a writer commits whole rows, so a follower meets no torn tail (recovery's torn-tail rule is for a writer that
   * died mid-write, which its next writer's open settles).
   */
  follow(onRecord?: (seq: number, body: Buffer) => void): number {
    if (!this.checked) throw new RangeError('follow() before check()');
    const last = this.store.lastSeq();
    const from = this.headSeq + 1;
    if (last < from) return 0;
    for (const r of this.frames(from, last)) {
      // The link into the range is the stored hash of the head record: it must be the one followed.
      if (r.seq === from && !r.prevHash.equals(this.headHash)) throw new JournalError('record_corrupt', `${this.name}: record ${from} does not chain to the head followed (rewritten)`, { seq: from });
      onRecord?.(r.seq, r.body);
      this.headSeq = r.seq;
      this.durableSeq = r.seq;
      this.headHash = r.hash;
    }
    return last - from + 1;
  }

  /**
   * A follower becomes the writer: the journal goes on in `store`, a writable store of the same journal (its writer
   * lock held), from the head followed so far; the old store is closed. Refused (record_corrupt) when `store` does
   * not hold the head record with the hash followed: another journal, or one rewritten since. Records committed after
   * the head are then follow()ed through `store`.
   */
  takeOver(store: JournalStore): void {
    if (!store.writable) throw new RangeError('takeOver: the store is read-only');
    if (store.lastSeq() < this.headSeq) throw new JournalError('record_corrupt', `${this.name}: the journal ends at ${store.lastSeq()}, before the head ${this.headSeq} followed`, { seq: this.headSeq });
    let held = false;
    for (const r of this.frames(this.headSeq, this.headSeq, store)) held = r.hash.equals(this.headHash);
    if (!held) throw new JournalError('record_corrupt', `${this.name}: record ${this.headSeq} is not the one followed (another journal, or rewritten)`, { seq: this.headSeq });
    this.store.close();
    this.store = store;
  }

  /** Record bodies from..to with frames and chain checked (record 0's body is the genesis). */
  *bodies(fromSeq = 1, toSeq: number = this.durableSeq): Iterable<CheckedBody> {
    for (const r of this.frames(fromSeq, toSeq)) yield { seq: r.seq, body: r.body };
  }

  /** Checked records from..to with the hash each chains to; the link into the range comes from record fromSeq-1. */
  private *frames(fromSeq: number, toSeq: number, store: JournalStore = this.store): Iterable<{ seq: number; body: Buffer; prevHash: Buffer; hash: Buffer }> {
    if (!this.checked) throw new RangeError('bodies() before check()');
    if (fromSeq > toSeq) return;
    // The link into the range: the hash stored at the end of record fromSeq-1 (its frame was checked on open).
    let prev: Buffer = ZERO_HASH;
    let expected = fromSeq;
    const start = Math.max(0, fromSeq - 1);
    for (const b of store.read(start, toSeq)) {
      const bytes = asBuffer(b.bytes);
      let offset = 0;
      for (let seq = b.firstSeq; seq <= Math.min(b.lastSeq, toSeq); seq++) {
        const frame = frameAt(bytes, offset);
        offset += frame.length;
        if (seq < fromSeq) {
          prev = frame.subarray(frame.length - RECORD_CHECKSUM_BYTES);
          continue;
        }
        if (seq !== expected) throw new JournalError('record_corrupt', `${this.name}: record ${expected} is missing`, { seq: expected });
        const d = decodeRecord(frame, { seq, prevHash: prev, last: false });
        if (d.status !== 'ok') throw new JournalError('record_corrupt', `${this.name}: record ${seq} is corrupt (${d.reason})`, { seq });
        yield { seq, body: d.body, prevHash: prev, hash: d.hash };
        prev = d.hash;
        expected++;
      }
    }
    if (expected <= toSeq) throw new JournalError('record_corrupt', `${this.name}: record ${expected} is missing`, { seq: expected });
  }

  *records(fromSeq = 1, toSeq: number = this.durableSeq): Iterable<JournalRecord> {
    for (const { seq, body, prevHash, hash } of this.frames(fromSeq, toSeq)) {
      // Field by field, not a spread with properties added, whose copies V8 (Node 20) promotes to the old generation: a
      // reader of a million records left a million records' garbage there (core/margin/evaluate.ts isolatedFigures).
      const entry = this.parse(seq, body);
      yield { seq: entry.seq, command: entry.command, events: entry.events, prevHash: hex(prevHash), hash: hex(hash) };
    }
  }

  /** A checked body as its entry; a body that does not parse is corruption (its checksum matched: written so). */
  parse(seq: number, body: Buffer): JournalEntry {
    try {
      return parseEntryBody(seq, body);
    } catch (e) {
      throw new JournalError('record_corrupt', `${this.name}: record ${seq} does not parse (${(e as Error).message})`, { seq });
    }
  }

  snapshots(): readonly SnapshotInfo[] {
    return this.store.snapshotInfos();
  }

  /**
   * Stores a snapshot of the state at `snapshot.seq` (<= head) with its state root (given the snapshot's content
   * hash); returns its metadata. `partBytes`: the size of the parts it is stored in (encodeSnapshotParts).
   */
  writeSnapshot(snapshot: Snapshot, stateRoot: (contentHash: string) => string, partBytes = SNAPSHOT_PART_BYTES): SnapshotInfo {
    this.refuseAheadOfDurable(snapshot.seq);
    // encodeSnapshot's bytes (canonicalJson) in parts, never one string (snapshot-stream.ts); hashed as one text.
    const parts = encodeSnapshotParts(snapshot, partBytes);
    const contentHash = sha256Parts(parts);
    const info: SnapshotInfo = { seq: snapshot.seq, contentHash, stateRoot: stateRoot(contentHash) };
    this.store.putSnapshot(info, parts);
    return info;
  }

  /**
   * A snapshot written a part at a time (snapshot-job.ts): part `part` (>= 1) stored ahead of the snapshot, which
   * sealSnapshot then makes one. Its records need not be durable yet: a part alone is never read.
   */
  putSnapshotPart(seq: number, part: number, bytes: Uint8Array): void {
    this.store.putSnapshotPart(seq, part, bytes);
  }

  /** The last step of a snapshot written a part at a time: its first part and metadata (JournalStore.sealSnapshot). */
  sealSnapshot(info: SnapshotInfo, firstPart: Uint8Array, partCount: number): void {
    this.refuseAheadOfDurable(info.seq);
    this.store.sealSnapshot(info, firstPart, partCount);
  }

  /** Snapshots are written after their records were committed (check() relies on it: a bad record a snapshot covers is damage). */
  private refuseAheadOfDurable(seq: number): void {
    if (seq > this.durableSeq) throw new RangeError(`snapshot at seq ${seq} is ahead of the journal's durable head ${this.durableSeq}`);
  }

  /**
   * A stored snapshot, its bytes checked against its content hash (JournalError snapshot_corrupt otherwise). Decoded
   * as loadSnapshotForRestore decodes it (snapshot-stream.ts: each account's text apart, never the whole text as one
   * string, which V8 caps near 512 MB: ~2.2M accounts of the bench world), its accounts then all read into an array.
   */
  loadSnapshot(seq: number): Snapshot {
    const snap = this.loadSnapshotForRestore(seq);
    return { ...snap, accounts: [...snap.accounts] };
  }

  /**
   * loadSnapshot for a restore (Engine.restore, recovery): the same checks and values, but the accounts are decoded
   * one by one as the restore reads them (snapshot-stream.ts), so they can be read once only. An account that does
   * not parse throws JournalError snapshot_corrupt while the restore reads it.
   */
  loadSnapshotForRestore(seq: number): RestorableSnapshot {
    const parts = this.checkedSnapshotParts(seq);
    const corrupt = (e: unknown): JournalError =>
      new JournalError('snapshot_corrupt', `${this.name}: snapshot ${seq} does not parse (${(e as Error).message})`, { seq, cause: e });
    let snap: RestorableSnapshot;
    try {
      snap = decodeSnapshotForRestore(parts);
    } catch (e) {
      throw corrupt(e);
    }
    if (snap.seq !== seq) throw new JournalError('snapshot_corrupt', `${this.name}: snapshot stored at ${seq} holds seq ${snap.seq}`, { seq });
    const accounts = snap.accounts;
    function* checked(): Generator<AccountSnapshot> {
      try {
        yield* accounts;
      } catch (e) {
        throw corrupt(e);
      }
    }
    const reread = accounts.reread;
    return {
      ...snap,
      accounts: Object.assign(checked(), {
        length: accountCountHint(accounts), // a capacity hint
        // Read again from the same checked bytes (a lazy restore's accounts, when first read); every account parsed
        // once already while the restore iterated them, so this cannot fail on bytes that passed.
        ...(reread === undefined ? {} : { reread: (k: number) => {
          try {
            return reread(k);
          } catch (e) {
            throw corrupt(e);
          }
        } }),
      }),
    };
  }

  /** A stored snapshot's bytes in the parts it was stored in, checked against its recorded content hash. */
  private checkedSnapshotParts(seq: number): Buffer[] {
    const info = this.store.snapshotInfos().find((s) => s.seq === seq);
    if (info === undefined) throw new JournalError('snapshot_corrupt', `${this.name}: no snapshot at seq ${seq}`, { seq });
    const parts = this.store.snapshotParts(seq).map(asBuffer);
    const actual = sha256Parts(parts);
    if (actual !== info.contentHash) throw new JournalError('snapshot_corrupt', `${this.name}: snapshot ${seq}: content hash ${actual} is not the recorded ${info.contentHash}`, { seq });
    return parts;
  }

  close(): void {
    this.store.close();
  }
}

/** not_a_journal for a journal of another format version (types.ts JOURNAL_FORMAT_VERSION says what changed). */
function otherFormat(name: string, version: unknown): JournalError {
  return new JournalError(
    'not_a_journal',
    `${name}: journal format ${String(version)}, this build reads ${JOURNAL_FORMAT_VERSION} (a journal is read by the bailiff of its format; format 2 since 2026-12-07: the events tell margin calls' clearances); the journal was left as it is`,
  );
}
