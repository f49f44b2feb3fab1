import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; kysely's queries are parameterised, so a few hundred cover the routes and the dialer. */
const defaultMaxStatements = 256;

/**
 * The connection as kysely's SqliteDialect sees it, with its prepared statements reused. Kysely prepares every
 * query anew; under the dialer (100 campaigns of 1,000 entries) SQLite's compiling of the same few statements was
 * ~5 % of the process. A statement busy in an iteration (a streamed query) is not shared: that one call prepares
 * its own. SQLite recompiles a cached statement by itself when the schema under it changes (a rebuild's swap).
 * Least recently used text goes first when full.
 */
export function withStatementCache(sqlite: BetterSqlite3.Database, maxStatements = defaultMaxStatements): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const cached = cache.get(text);
      if (cached !== undefined && !cached.busy) {
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      if (cached === undefined) {
        if (cache.size >= maxStatements) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}
