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
