import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../../projections/database.js';
import { createPool } from '../postgres/connection.js';
import type { Logger } from '../logger.js';
import { openReadModelDb, type ReadModelDb } from './database.js';
import { migrateReadModels } from './migrator.js';
import { PostgresReadModelMirror, type FollowOptions } from './postgres-mirror.js';
import type { MirroredRunner } from './postgres-mirrored-runner.js';
import type { ProjectionRunner } from './runner.js';

/** The read-model tables in PostgreSQL, reached through kysely (the same migrations as SQLite's: migrations/dialect.ts). */
export interface PostgresReadModelDb {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * Opens and migrates the read models in the database of `connectionString`. Several jade processes may
 * open it at once: kysely's migrator takes a lock table of its own, so each migration runs once.
 */
export async function openPostgresReadModelDb(connectionString: string): Promise<PostgresReadModelDb> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool({ connectionString }) }) });
  try {
    await migrateReadModels(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, close: () => db.destroy() };
}

/** The read models PostgreSQL holds, for reading only (the CLI beside running nodes): no migration, a small pool. */
export function connectPostgresReadModels(connectionString: string): PostgresReadModelDb {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool({ connectionString, maxConnections: 2 }) }) });
  return { db, close: () => db.destroy() };
}

export interface SharedReadModels {
  /** `db` is PostgreSQL (every reader); `sqlite` the runner's working copy (postgres-mirror.ts). close() closes both. */
  readonly readModels: ReadModelDb;
  /** The runner over `readModels`, as PostgreSQL sees it: position, waits and change feed follow the mirrored commits. */
  follow<C>(runner: ProjectionRunner<C>, options?: FollowOptions): MirroredRunner<C>;
}

/** The read models of a jade on PostgreSQL: the shared tables, a working copy loaded from them, and the mirror between. */
export async function openSharedReadModels(connectionString: string, logger: Logger): Promise<SharedReadModels> {
  const shared = await openPostgresReadModelDb(connectionString);
  const closers: Array<() => Promise<void>> = [() => shared.close()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const mirror = await PostgresReadModelMirror.open({ connectionString, logger });
    closers.push(() => mirror.close());
    const working = await openReadModelDb(':memory:');
    closers.push(() => working.close());
    await mirror.load(working.sqlite);
    return {
      readModels: { db: shared.db, sqlite: working.sqlite, close: closeAll },
      follow: (runner, options) => mirror.follow(runner, working.sqlite, options),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
