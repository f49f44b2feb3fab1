import { expect } from 'chai';
import { sql } from 'kysely';
import { openReadModelDb } from '../../../src/readmodels/database.js';
import { openPostgresReadModelDb, type PostgresReadModelDb } from '../../../src/readmodels/postgres-database.js';
import { postgresForSuite, type TestDatabase } from '../../support/postgres.js';

/** The read-model migrations are one set of files for both dialects: the same tables and columns come out of each. */
describe('read-model migrations on PostgreSQL', function () {
  let database: TestDatabase;
  let pg: PostgresReadModelDb;

  before(async function () {
    database = await postgresForSuite(this, 'migrations');
    pg = await openPostgresReadModelDb(database.url);
  });

  after(async function () {
    await pg?.close();
    await database?.drop();
  });

  it('creates every table with the columns SQLite gets, in the same order', async function () {
    const sqlite = await openReadModelDb(':memory:');
    try {
      const expected = new Map<string, string[]>();
      const tables = sqlite.sqlite.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'kysely%' AND name NOT LIKE 'sqlite%' ORDER BY name").all();
      for (const { name } of tables) {
        expected.set(name, sqlite.sqlite.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(name).map((c) => c.name));
      }
      const rows = await sql<{ table_name: string; column_name: string }>`
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name NOT LIKE 'kysely%' ORDER BY table_name, ordinal_position`.execute(pg.db);
      const actual = new Map<string, string[]>();
      for (const row of rows.rows) actual.set(row.table_name, [...(actual.get(row.table_name) ?? []), row.column_name]);
      expect(expected.size).to.be.greaterThan(30);
      expect(Object.fromEntries(actual)).to.deep.equal(Object.fromEntries(expected));
    } finally {
      await sqlite.close();
    }
  });

  it('stores epoch milliseconds in integer columns and doubles without loss, read back as numbers', async function () {
    const lastCall = Date.UTC(2026, 11, 2, 1, 2, 3, 456);
    await sql`INSERT INTO projection_checkpoints (name, position, version) VALUES ('probe', ${lastCall}, 1)`.execute(pg.db);
    const row = await pg.db.selectFrom('projection_checkpoints').selectAll().where('name', '=', 'probe').executeTakeFirstOrThrow();
    expect(row).to.deep.equal({ name: 'probe', position: lastCall, version: 1 });
    const perf = await sql<{ v: number }>`SELECT CAST(${0.123456789012} AS double precision) AS v`.execute(pg.db);
    expect(perf.rows[0]!.v).to.equal(0.123456789012);
    const columnTypes = await sql<{ data_type: string }>`
      SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE 'kysely%' ORDER BY data_type`.execute(pg.db);
    expect(columnTypes.rows.map((r) => r.data_type)).to.deep.equal(['bigint', 'double precision', 'text']);
  });

  it('runs again over a migrated database without changing anything (a second node starting)', async function () {
    const again = await openPostgresReadModelDb(database.url);
    await again.close();
  });
});
