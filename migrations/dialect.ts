import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * What lets one migration file run on both SQLite and PostgreSQL. Column types are chosen to mean the same
 * on both: `bigint` (SQLite: INTEGER affinity, 64-bit; PostgreSQL's `integer` would be 32-bit and too small
 * for epoch milliseconds), `double precision` (SQLite: REAL; PostgreSQL's `real` is 4 bytes), `text`.
 */

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * SQLite's WITHOUT ROWID (a text-keyed table as one B-tree, every access by key); PostgreSQL has no such
 * clause (its tables are heaps with a separate primary-key index anyway), so there it adds nothing.
 */
export function withoutRowid(db: Kysely<unknown>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`` : sql`without rowid`;
}
