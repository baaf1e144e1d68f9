/* global process, Buffer */
// The measurement scripts' build and snapshot: `dist`, the build to import (BAILIFF_DIST=file:///path/to/dist runs
// another; default ./dist), and newestSnapshotParts(JOURNAL), a journal's newest snapshot's stored parts read into
// memory (as recovery holds them) with its seq.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;

export async function newestSnapshotParts(journal) {
  const { SqliteJournalStore } = await import(`${dist}/src/journal/sqlite.js`);
  const store = SqliteJournalStore.open(journal, { durability: 'relaxed', readOnly: true });
  try {
    const seq = store.snapshotInfos().at(-1).seq;
    return { seq, parts: store.snapshotParts(seq).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)) };
  } finally {
    store.close();
  }
}
