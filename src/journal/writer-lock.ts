// One writer per journal. Two processes appending to the same journal would each continue from the head they
// recovered: the second one's first commit then fails on the seq the first took (a UNIQUE key), but until then it
// runs, accepts commands and answers queries from a state the journal no longer has. So a writable open first takes
// the journal's writer lock, and a second writer is refused at once, with a message, before it recovers anything.
//
// The lock is an exclusive SQLite lock on a small file beside the journal (`<journal>-writer`, as SQLite names its
// own `-wal` and `-shm`), held by the connection until it is closed: an fcntl lock, which the operating system
// releases when the process ends however it ends (a SIGKILL included), so a crash never leaves a stale lock to clear
// by hand, and no pid is trusted (pids are reused). Readers (`bailiff journal info`, `verify`, `export`, the service's
// explanations) do not take it: a journal is read while it is written (WAL). SQLite also refuses a second connection of
// the same process, so a process cannot open one journal for writing twice either.
// Why SQLite and not a lock file with the pid: Node has no flock(), and a pid file outlives a killed process (a
// restart would have to guess whether the pid it finds is the dead writer's or a new process's).

import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { JournalError } from './errors.js';

/** The lock's file for the journal at `journalPath` (the journal's real path: two names of one file share it). */
export function writerLockPath(journalPath: string): string {
  let real = journalPath;
  try {
    real = realpathSync(journalPath);
  } catch {
    // Not created yet: its path as given (the directory's real path, should it be a link).
    try {
      real = join(realpathSync(dirname(journalPath)), basename(journalPath));
    } catch {
      // No such directory: the journal's own open reports it.
    }
  }
  return `${real}-writer`;
}

export class WriterLock {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Takes the writer lock of the journal at `journalPath`, or throws JournalError journal_locked when another
   * connection (another process, or this one) holds it. Never waits.
   */
  static take(journalPath: string): WriterLock {
    const path = writerLockPath(journalPath);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (e) {
      throw new JournalError('not_a_journal', `${journalPath}: cannot open its writer lock ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      // A write transaction in EXCLUSIVE locking mode keeps its exclusive lock until the connection closes
      // (sqlite.org/pragma.html#pragma_locking_mode); its rollback journal in memory, so that no `-writer-journal`
      // file is left beside the lock (OFF does not take on a new, empty database: it reads back DELETE).
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
      return new WriterLock(db, path);
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY') {
        throw new JournalError(
          'journal_locked',
          `${journalPath}: another process is writing this journal (it holds ${path}); stop it first. The journal can be read meanwhile (bailiff journal info, verify, export)`,
          { cause: e },
        );
      }
      throw new JournalError('not_a_journal', `${journalPath}: cannot take its writer lock ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Releases the lock (idempotent). */
  release(): void {
    if (this.db.open) this.db.close();
  }
}
