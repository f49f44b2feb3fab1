import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../../projections/database.js';
import { createPool } from '../eventstore/postgres/connection.js';
import { migrateReadModels } from './migrator.js';

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
