import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { withStatementCache } from '../readmodels/statement-cache.js';
import type { Database, ReadModelDb } from '../readmodels/database.js';

/**
 * Where a point-in-time database lives while it is built and read. With a directory, each is a file of its
 * own there (SQLite keeps only its page cache in memory, as for the live database, so an `at=` read costs
 * no more memory than a live one, whatever the size of the read models); without one (tests, the memory
 * event store), a `:memory:` database.
 */
export class ScratchFiles {
  constructor(private readonly dir?: string) {
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    // Left by a previous process: throwaway copies, never reused.
    for (const name of readdirSync(dir)) if (name.startsWith('at-')) rmSync(join(dir, name), { force: true });
  }

  /** A writable copy of a snapshot file. */
  async fromSnapshot(path: string): Promise<ReadModelDb> {
    if (this.dir === undefined) return fromImage(await readFile(path));
    const target = this.newPath();
    await copyFile(path, target);
    return openFile(target);
  }

  /** A copy of another scratch database (a cached earlier position). */
  async fromDatabase(source: ReadModelDb): Promise<ReadModelDb> {
    if (this.dir === undefined) return fromImage(source.sqlite.serialize());
    const target = this.newPath();
    await source.sqlite.backup(target);
    return openFile(target);
  }

  /** A database from a serialized image (the migrated empty one). */
  async fromImage(image: Buffer): Promise<ReadModelDb> {
    if (this.dir === undefined) return fromImage(image);
    const target = this.newPath();
    await writeFile(target, image);
    return openFile(target);
  }

  private newPath(): string {
    return join(this.dir!, `at-${randomUUID()}.sqlite`);
  }
}

/** A read-model database from a serialized copy: already migrated, so no migration runs. */
function fromImage(image: Buffer): ReadModelDb {
  return wrap(new BetterSqlite3(image), () => undefined);
}

function openFile(path: string): ReadModelDb {
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(path);
    // Throwaway: nothing to recover after a crash (the directory is emptied on start), so no journal, no fsync.
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
  return wrap(sqlite, () => rmSync(path, { force: true }));
}

function wrap(sqlite: BetterSqlite3.Database, removeFile: () => void): ReadModelDb {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    sqlite,
    close: async () => {
      try {
        await db.destroy();
      } finally {
        removeFile();
      }
    },
  };
}
