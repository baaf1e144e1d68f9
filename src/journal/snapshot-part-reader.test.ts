// SnapshotPartReader: a journal's stored snapshot parts read on a worker thread are the bytes the store itself reads,
// part by part; what is not stored is null; a file that is not there is refused when the reader opens.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalError } from './errors.js';
import { SnapshotPartReader } from './snapshot-part-reader.js';
import { SqliteJournalStore } from './sqlite.js';

const digest = (b: Uint8Array | null): string => (b === null ? 'null' : createHash('sha256').update(b).digest('hex'));
const dir = (): string => mkdtempSync(join(tmpdir(), 'bailiff-part-reader-'));

describe('SnapshotPartReader', () => {
  it("reads each stored part's bytes as the store does, null for a part or a snapshot not stored", async () => {
    const file = join(dir(), 'journal.db');
    const store = SqliteJournalStore.open(file, { durability: 'relaxed' });
    // Parts of several sizes, one larger than a pooled Buffer's slab and one empty.
    const parts = [randomBytes(5_000_000), randomBytes(3), Buffer.alloc(0), randomBytes(70_000)];
    store.putSnapshot({ seq: 7, contentHash: 'h', stateRoot: 'r' }, parts);
    const reader = await SnapshotPartReader.open(file);
    try {
      // Asked all at once: answered each with its own bytes, in whatever order the caller awaits them.
      const read = await Promise.all(parts.map((_, k) => reader.read(7, k)));
      // Compared by digest: a deep comparison of 5 MB goes element by element.
      expect(read.map(digest)).toEqual(parts.map(digest));
      expect(read.map(digest)).toEqual(store.snapshotParts(7).map(digest));
      expect(read.map((b) => b?.length)).toEqual([5_000_000, 3, 0, 70_000]);
      expect(await reader.read(7, 4)).toBeNull();
      expect(await reader.read(8, 0)).toBeNull();
      expect(await reader.read(8, 1)).toBeNull();
    } finally {
      await reader.close();
      store.close();
    }
    await expect(reader.read(7, 0)).rejects.toThrow(/the snapshot part reader stopped/);
  });

  it('refuses a file that is not there, with the reason', async () => {
    const missing = join(dir(), 'none.db');
    const refused = await SnapshotPartReader.open(missing).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JournalError);
    expect((refused as JournalError).code).toBe('not_a_journal');
    expect((refused as Error).message).toContain(`${missing}: the snapshot part reader cannot open it:`);
  });
});
