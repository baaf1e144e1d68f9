import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const blob = (n: number) => Buffer.alloc(n, 7);
for (const [pageSize, ckpt, rowBytes] of [[4096, 1000, 520_000], [65536, 1000, 520_000], [65536, 100, 520_000], [4096, 1000, 5_200_000], [65536, 1000, 5_200_000], [65536, 10000, 520_000]] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'zz-'));
  const db = new Database(join(dir, 'x.db'));
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${ckpt}`);
  db.exec('CREATE TABLE b (k INTEGER PRIMARY KEY, l INTEGER, bytes BLOB)');
  const ins = db.prepare('INSERT INTO b VALUES (?, ?, ?)');
  const total = 104_000_000;
  const b = blob(rowBytes);
  const t = performance.now();
  for (let i = 0; i * rowBytes < total; i++) ins.run(i, i, b);
  const ms = performance.now() - t;
  console.log(`page ${pageSize} ckpt ${ckpt} row ${rowBytes}: ${(total / ms / 1000).toFixed(0)} MB/s => ${Math.round(total / 520 / ms * 1000)} records/s`);
  db.close(); rmSync(dir, { recursive: true });
}
