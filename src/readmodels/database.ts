import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../projections/database.js';
import { migrateReadModels } from './migrator.js';
import { withStatementCache } from './statement-cache.js';

export type { CheckpointsTable, Database } from '../../projections/database.js';

/**
 * One SQLite connection shared by the runner (synchronous writes through `sqlite`) and readers
 * (kysely through `db`). Sharing is safe because each batch is one synchronous transaction: no
 * read can run in the middle of it. Never hold a kysely transaction open across awaits on this
 * connection: a runner batch would then join it.
 */
export interface ReadModelDb {
  readonly db: Kysely<Database>;
  readonly sqlite: BetterSqlite3.Database;
  close(): Promise<void>;
}

/** `<dataDir>/readmodels.sqlite`. */
export function readModelDbPath(dataDir: string): string {
  return join(dataDir, 'readmodels.sqlite');
}

/** Opens (creating if needed) and migrates the read-model database; `:memory:` for tests. */
export async function openReadModelDb(path: string): Promise<ReadModelDb> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  if (path !== ':memory:') {
    // WAL: readers (REST) never wait for a batch commit. synchronous=NORMAL: a power cut may lose the
    // last commits, never consistency; rows and checkpoint go together, so lost work is simply replayed.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateReadModels(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, sqlite, close: () => db.destroy() };
}
