import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Whether a query runs on PostgreSQL rather than SQLite (the read models live in either). SQLite builds the
 * REST answers' JSON itself (json_object, json_group_array: ~2.5x faster than objects + JSON.stringify);
 * PostgreSQL's JSON functions print differently (`{"a" : 1}`), so there the same answer is rendered from the
 * objects in JS: the realtime render, which the SQLite text equals key for key by construction.
 */
export function isPostgres<DB>(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
