// Edits the stored bytes of one record in a SQLite journal (as a disk or another writer would), outside the
// journal's code: the record sits in its commit's batch row, among the frames before and after it.

import Database from 'better-sqlite3';
import { frameAt } from '../../src/journal/record.js';

export function editStoredRecord(path: string, seq: number, edit: (bytes: Buffer) => Buffer): void {
  const db = new Database(path);
  try {
    const row = db.prepare('SELECT first_seq, last_seq, bytes FROM batches WHERE first_seq <= ? AND last_seq >= ?').get(seq, seq) as
      | { first_seq: number; last_seq: number; bytes: Buffer }
      | undefined;
    if (row === undefined) throw new RangeError(`record ${seq} is not stored`);
    const frames: Buffer[] = [];
    let offset = 0;
    for (let s = row.first_seq; s <= row.last_seq; s++) {
      const frame = frameAt(row.bytes, offset);
      offset += frame.length;
      frames.push(s === seq ? edit(Buffer.from(frame)) : frame);
    }
    db.prepare('UPDATE batches SET bytes = ? WHERE first_seq = ?').run(Buffer.concat(frames), row.first_seq);
  } finally {
    db.close();
  }
}

/** Every stored record's seq (its place in its batch) and frame, in order. */
export function storedFrames(path: string): { seq: number; bytes: Buffer }[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT first_seq, last_seq, bytes FROM batches ORDER BY first_seq').all() as { first_seq: number; last_seq: number; bytes: Buffer }[];
    const out: { seq: number; bytes: Buffer }[] = [];
    for (const row of rows) {
      let offset = 0;
      for (let s = row.first_seq; s <= row.last_seq; s++) {
        const frame = frameAt(row.bytes, offset);
        offset += frame.length;
        out.push({ seq: s, bytes: frame });
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** Removes one record from its batch (the batch then ends one seq earlier), as a lost write or a malicious edit would. */
export function dropStoredRecord(path: string, seq: number): void {
  editStoredRecord(path, seq, () => Buffer.alloc(0));
  const db = new Database(path);
  try {
    db.prepare('UPDATE batches SET last_seq = last_seq - 1 WHERE first_seq <= ? AND last_seq >= ?').run(seq, seq);
  } finally {
    db.close();
  }
}
