import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { SqliteError, type Database } from 'better-sqlite3';

/**
 * "A jade process holds this data dir" is an OS-level lock, not a pid: `jade.lock` is a small SQLite
 * database, and the holder keeps a write transaction open on it (BEGIN IMMEDIATE, SQLite's RESERVED
 * lock, an fcntl lock on the file) for as long as the store is open. The kernel drops that lock when
 * the holder dies, however it dies, so a SIGKILLed server never locks out its restart, whatever pid
 * the restart (or any other live process) happens to have.
 *
 * The holder's pid is written into the file too, for messages only ("held by process N"): a RESERVED
 * lock still lets others read committed rows, so `jade rebuild` can say who holds the dir. The pid is
 * committed before the lock is taken for good (commit, then BEGIN IMMEDIATE again); another opener
 * slipping into that gap wins or loses on the lock alone, and at worst a message shows its pid.
 *
 * Why not `flock` or locking_mode=EXCLUSIVE: flock needs a native addon beyond better-sqlite3, and an
 * EXCLUSIVE lock would hide the pid from every reader.
 *
 * POSIX fcntl locks are per process and dropped when *any* descriptor of the file is closed; SQLite
 * shields its own connections from that, so this module only ever touches the file through SQLite
 * (the legacy text pid file aside, which nobody holds).
 */
export const lockFileName = 'jade.lock';

/** How long an opener waits for the lock's brief holders (a probe, a commit) before it calls the dir held. */
const takeTimeoutMs = 500;

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    /** The holder's recorded pid, for the message; 0 when none could be read. */
    readonly pid: number,
  ) {
    super(`data dir ${dataDir} is held by process ${pid} (${join(dataDir, lockFileName)})`);
  }
}

export interface DataDirLock {
  release(): void;
}

const schema = 'CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)';

function isBusy(error: unknown): boolean {
  return error instanceof SqliteError && (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_'));
}

function isNotADatabase(error: unknown): boolean {
  return error instanceof SqliteError && error.code === 'SQLITE_NOTADB';
}

function recordedPid(db: Database): number {
  try {
    const row = db.prepare('SELECT pid FROM holder WHERE id = 1').get() as { pid: number } | undefined;
    return row?.pid ?? 0;
  } catch {
    // No table yet (the holder is inside its first commit) or a commit under way: no pid to show.
    return 0;
  }
}

/**
 * Before this lock, `jade.lock` was a text file holding a pid. Such a file proves nothing about any
 * live process (that was the defect), so it is replaced. Read it only to be sure it still is the
 * text file: another opener may have replaced it with a held database in the meantime.
 */
function removeLegacyPidFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (text.startsWith('SQLite format 3\0')) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function openLockDb(path: string): Database {
  const db = new BetterSqlite3(path, { timeout: takeTimeoutMs });
  try {
    // The default rollback journal: readers (SHARED) may read the pid while the holder has RESERVED.
    db.pragma('journal_mode = DELETE');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Takes the lock on an open lock database or throws DataDirLockedError; leaves the write transaction open. */
function take(db: Database, dataDir: string): void {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    if (isBusy(error)) throw new DataDirLockedError(dataDir, recordedPid(db));
    throw error;
  }
}

/** Takes the data dir for this process; throws DataDirLockedError while another holder (this process included) lives. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, lockFileName);
  let db: Database;
  try {
    db = openLockDb(path);
  } catch (error) {
    if (!isNotADatabase(error)) throw error;
    removeLegacyPidFile(path);
    db = openLockDb(path);
  }
  try {
    take(db, dataDir);
    db.exec(schema);
    db.prepare('INSERT OR REPLACE INTO holder (id, pid) VALUES (1, ?)').run(process.pid);
    db.exec('COMMIT');
    take(db, dataDir);
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    throw error;
  }
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * The recorded pid of the process holding `dataDir` (0 when the holder's pid is unreadable), or
 * undefined when nobody holds it. It asks the OS lock, never whether a pid is alive: probing takes
 * the lock for an instant, which an opener at that moment rides out (it waits `takeTimeoutMs`).
 */
export function lockHolder(dataDir: string): number | undefined {
  const path = join(dataDir, lockFileName);
  if (!existsSync(path)) return undefined;
  let db: Database;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true, timeout: 0 });
  } catch (error) {
    if (isNotADatabase(error)) return undefined;
    throw error;
  }
  try {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      if (!isBusy(error)) {
        if (isNotADatabase(error)) return undefined;
        throw error;
      }
      db.pragma(`busy_timeout = ${takeTimeoutMs}`);
      return recordedPid(db);
    }
    db.exec('ROLLBACK');
    return undefined;
  } finally {
    db.close();
  }
}
